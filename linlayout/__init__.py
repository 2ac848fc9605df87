"""linlayout: GPU data layouts as linear maps over GF(2).

A layout maps named hardware indices (``register``, ``lane``, ``warp``,
``block``; or a shared-memory ``offset``) to tensor coordinates, one basis
vector per input bit, exactly as Triton's ``LinearLayout`` does.

>>> import linlayout as ll
>>> L = ll.LinearLayout.from_bases({"lane": [[1], [2], [4]]}, ["dim0"])
>>> L.apply(lane=5)
{'dim0': 5}

Heavy dependencies (numpy, galois, sympy, matplotlib, hypothesis) are imported
only where they are used, so ``import linlayout`` stays fast.
"""

from __future__ import annotations

from importlib import import_module as _import_module

from .errors import LayoutError
from .layout import LinearLayout

__version__ = "0.1.0"

# Public names that live in submodules, imported on first use (PEP 562).
_LAZY: dict[str, str] = {
    # targets
    "Target": "linlayout.targets",
    "get_target": "linlayout.targets",
    # Triton interop
    "from_triton": "linlayout.triton.attrs",
    # conversion planning
    "plan_conversion": "linlayout.plan",
    "plan_gather": "linlayout.plan",
    "ConversionPlan": "linlayout.plan",
}

__all__ = [
    # core
    "LinearLayout",
    "LayoutError",
    *_LAZY,
]


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'linlayout' has no attribute {name!r}")
    value = getattr(_import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
