"""Seeing layouts: text views, pictures, index formulas.

* :mod:`linlayout.views.text` — tensor and hardware views as text (no heavy imports
  beyond numpy), and Triton's own ``getLayoutStr`` text.
* :mod:`linlayout.views.draw` — matplotlib pictures and Jupyter rich display.
* :mod:`linlayout.views.formula` — sympy expressions and emitted index code.

Names are loaded on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from importlib import import_module as _import_module

_LAZY: dict[str, str] = {
    "layout_kind": "linlayout.views.text",
    "describe": "linlayout.views.text",
    "tensor_view": "linlayout.views.text",
    "hardware_view": "linlayout.views.text",
    "layout_view": "linlayout.views.text",
    "tensor_cells": "linlayout.views.text",
    "hardware_cells": "linlayout.views.text",
    "triton_layout_str": "linlayout.views.text",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'linlayout.views' has no attribute {name!r}")
    value = getattr(_import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
