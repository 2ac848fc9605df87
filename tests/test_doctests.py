# ruff: noqa: E501
"""The examples in linlayout's docstrings run as written (every module, default suite)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

import linlayout

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(linlayout.__path__, prefix="linlayout.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["linlayout", *MODULES])
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hypothesis' .example() warns outside @given
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False,
                                 report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see above)"


def test_the_examples_are_found():
    """The finder sees the examples (a broken finder would make every test above pass vacuously)."""
    finder = doctest.DocTestFinder()
    found = sum(len(t.examples) for name in MODULES for t in finder.find(importlib.import_module(name)))
    assert found >= 300, found
