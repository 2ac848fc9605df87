"""Seeing layouts: text views, pictures, index formulas.

* :mod:`linlayout.views.text` — tensor and hardware views as text (no heavy imports
  beyond numpy), and Triton's own ``getLayoutStr`` text.
* :mod:`linlayout.views.draw` — matplotlib pictures and Jupyter rich display.
* :mod:`linlayout.views.formula` — sympy expressions and emitted index code.
* :mod:`linlayout.views.html` — interactive, self-contained HTML pages (hover, click, step
  through a plan); what Jupyter displays.

Names are loaded on first use, so importing this package costs nothing.
"""

from __future__ import annotations

from importlib import import_module as _import_module

_TEXT = ("layout_kind", "describe", "tensor_view", "hardware_view", "layout_view", "tensor_cells",
         "hardware_cells", "triton_layout_str", "shared_access", "BankAccess", "bank_of")
_DRAW = ("draw_layout", "draw_shared", "draw_plan", "save", "show", "layout_html", "layout_png", "plan_html",
         "plan_png", "quick_png")
_FORMULA = ("formulas", "bit_fields", "index_expressions", "index_code", "check_index_code")
_HTML = ("layout_page", "layout_fragment", "plan_page", "plan_fragment")

_LAZY: dict[str, str] = {
    **{n: "linlayout.views.text" for n in _TEXT},
    **{n: "linlayout.views.draw" for n in _DRAW},
    **{n: "linlayout.views.formula" for n in _FORMULA},
    **{n: "linlayout.views.html" for n in _HTML},
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> object:
    mod = _LAZY.get(name)
    if mod is None and name in ("text", "draw", "formula", "html"):  # the submodules themselves
        value = _import_module(f"linlayout.views.{name}")
        globals()[name] = value
        return value
    if mod is None:
        raise AttributeError(f"module 'linlayout.views' has no attribute {name!r}")
    value = getattr(_import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
