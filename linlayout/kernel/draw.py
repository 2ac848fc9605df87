"""A picture of a reduction plan: the tensor after each step that combines, one colour per partial.

Panel ``k`` shows the tensor (rank 1 or 2) after the ``k``-th combining step: cells holding
elements already combined into one partial value share a colour (along the reduced axis, the
other dims are independent), so the pictures go from every cell its own colour to one colour
per line.  Titles name the step (in-thread combine, a butterfly ``xor m``, a shared-memory stage)
and its cost.

>>> import matplotlib; matplotlib.use("Agg")
>>> from linlayout import BlockedLayout, plan_reduce
>>> p = plan_reduce(BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64]), 1, "sm_80")
>>> len(p.draw().axes)
7
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .reduce import ReducePlan

__all__ = ["draw_reduce_plan", "reduce_plan_png", "explain_html"]

_MAX_CELLS = 1 << 14


def _label(step: object, bits: int) -> str:
    from ..plan.ir import Barrier
    from ._steps import Butterfly, Combine, Convert

    if isinstance(step, Combine):
        return f"in-thread: {step.groups.shape[1]} regs -> 1"
    if isinstance(step, Butterfly):
        return f"xor {step.mask}: {step.registers * max(1, bits // 32)} shuffles"
    if isinstance(step, Convert):
        p = step.plan
        return f"{p.kind}: {p.shared_instructions} ld/st, {p.barriers} bar"
    if isinstance(step, Barrier):
        return "barrier"
    return type(step).__name__


def _partial_ids(plan: ReducePlan, basis: Sequence[int]) -> Any:
    """Per tensor cell (dim0, dim1), the id of the partial it belongs to after ``basis`` is reduced."""
    import numpy as np

    from .._gf2 import Span
    from ..plan.classify import flatten
    from ._steps import geometry

    fs = flatten(plan.layout, "plan.layout")
    g = geometry(fs, plan.axis)
    span = Span(basis)
    flat = np.arange(1 << fs.nbits)
    ids = np.array([span.reduce(int(v) & g.axis_mask)[0] for v in flat])
    _, inv = np.unique(ids, return_inverse=True)
    sizes = [s for _, s in fs.out_dims]
    return inv.reshape(sizes[::-1]).T if len(sizes) == 2 else inv.reshape(1, -1)


def draw_reduce_plan(plan: ReducePlan, *, max_panels: int = 12, cell: float = 0.06) -> Figure:
    """A matplotlib ``Figure``: the input, then the tensor after each step that combines."""
    import matplotlib.pyplot as plt

    rank = len(plan.layout.out_dims)
    if rank > 2:
        raise LayoutError(f"plan: pictures show rank-1 and rank-2 tensors; this one has rank {rank}")
    total = 1
    for s in plan.layout.out_dims.values():
        total *= s
    if total > _MAX_CELLS:
        raise LayoutError(
            f"plan: {total} cells are too many to draw (at most {_MAX_CELLS}); draw a smaller tile"
        )
    if isinstance(max_panels, bool) or not isinstance(max_panels, int) or max_panels < 2:
        raise LayoutError(f"max_panels: expected an int >= 2, got {max_panels!r}")
    panels: list[tuple[str, tuple[int, ...]]] = [("input", ())]
    last: tuple[int, ...] = ()
    for step, basis in zip(plan.steps, plan.progress):
        if basis != last:
            panels.append((_label(step, plan.elem_bits), basis))
            last = basis
        elif panels and type(step).__name__ == "Convert":
            panels.append((_label(step, plan.elem_bits), basis))
    panels = panels[: max_panels - 1] + panels[-1:] if len(panels) > max_panels else panels
    sizes = list(plan.layout.out_dims.values())
    h, w = (sizes[0], sizes[1]) if rank == 2 else (1, sizes[0])
    height = max(1.5, h * cell) + 0.8
    fig, axes = plt.subplots(1, len(panels), figsize=(max(2.0, w * cell) * len(panels), height))
    axes = [axes] if len(panels) == 1 else list(axes)
    for ax, (title, shown) in zip(axes, panels):
        ids = _partial_ids(plan, shown)
        ax.imshow(ids, cmap="tab20" if ids.max() < 20 else "viridis", interpolation="nearest", aspect="auto")
        ax.set_title(title, fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    m = plan.metrics()
    fig.suptitle(
        f"reduce axis {plan.axis} on {plan.target}: {m['shuffles']} shuffles, {m['shared_instructions']} "
        f"shared ld/st, {m['shared_bytes']} B, {m['barriers']} barriers",
        fontsize=8,
    )
    fig.subplots_adjust(top=1 - 0.6 / height)  # room for the titles, whatever the height
    return fig


def reduce_plan_png(plan: ReducePlan) -> bytes | None:
    """The :func:`draw_reduce_plan` picture as PNG bytes; ``None`` without matplotlib or for a
    tensor the picture cannot show (rank > 2, too many cells)."""
    from ..views.draw import _have_matplotlib, _png_bytes

    if not _have_matplotlib():
        return None
    import matplotlib.pyplot as plt

    try:
        fig = draw_reduce_plan(plan)
    except LayoutError:
        return None
    try:
        return _png_bytes(fig, dpi=90)
    finally:
        plt.close(fig)  # not shown a second time by an inline backend


def explain_html(obj: Any, png: bytes | None = None) -> str:
    """Jupyter: ``obj.explain()`` as preformatted text, then ``png`` (if any) inlined."""
    import base64
    import html

    img = f"<br/><img src='data:image/png;base64,{base64.b64encode(png).decode()}'/>" if png else ""
    return f"<div><pre style='font-size:12px'>{html.escape(obj.explain())}</pre>{img}</div>"
