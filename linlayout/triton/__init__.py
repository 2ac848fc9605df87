"""Triton interop: parse layout attributes as Triton 3.9.0 prints them, print layouts back.

* :func:`from_triton` / :func:`parse_attr` (``attrs``): attribute text -> LinearLayout / description;
* :func:`to_triton` / :func:`to_gluon` (``emit``): LinearLayout -> ``#ttg.linear`` text / Gluon args;
* :func:`scan_ttgir` (``ttgir``): every layout alias of a TTGIR dump, with the shapes it is used at;
* :mod:`~linlayout.triton.grammar`: the attribute parser itself.

Submodules are imported on first use so ``import linlayout`` stays light.
"""

from __future__ import annotations

from importlib import import_module as _import_module

_LAZY = {
    "from_triton": "linlayout.triton.attrs",
    "parse_attr": "linlayout.triton.attrs",
    "known_attrs": "linlayout.triton.attrs",
    "to_triton": "linlayout.triton.emit",
    "to_gluon": "linlayout.triton.emit",
    "scan_ttgir": "linlayout.triton.ttgir",
    "TtgirLayout": "linlayout.triton.ttgir",
    "parse": "linlayout.triton.grammar",
    "AttrNode": "linlayout.triton.grammar",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'linlayout.triton' has no attribute {name!r}")
    value = getattr(_import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
