"""Pictures of layouts and conversion plans (matplotlib, imported on first use).

* :func:`draw_layout` — a distributed layout as the tensor grid, each cell coloured by
  warp and shaded by lane, labelled ``T<lane>:R<register>``, heavy lines between warps
  and thin lines around each thread's elements; a shared layout as a bank map
  (:func:`draw_shared`); a tensor-memory layout as its rows x columns.
* :func:`draw_shared` — one row per sweep over the banks, one column per bank word;
  with ``access=`` (a distributed layout) the worst instruction of one warp is
  highlighted and banks serving several words are marked as conflicts.
* :func:`draw_plan` — a conversion plan: source and destination grids, then one panel
  per step (shuffle rounds as lane-to-lane arrows, shared stores and loads as bank maps
  with their wavefronts).
* :func:`layout_html`, :func:`layout_png`, :func:`plan_html`, :func:`plan_png` — Jupyter
  rich display.  ``layout_html`` needs no matplotlib.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot (no global
state); :func:`save` writes PNG or SVG by the file suffix.

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [1, 0]],
...                              "warp": [[2, 0]], "block": []}, ["dim0", "dim1"])
>>> fig = draw_layout(L)
>>> len(layout_png(L)) > 1000
True
"""

from __future__ import annotations

import base64
import colorsys
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from ..errors import LayoutError
from . import text as _text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    from ..layout import LinearLayout
    from ..plan.ir import ConversionPlan

#: An RGB colour, components in [0, 1].
RGB: TypeAlias = "tuple[float, float, float]"
#: A glyph or line outline: (vertices, path codes, advance width).
Outline: TypeAlias = "tuple[NDArray[Any], NDArray[Any], float]"

__all__ = [
    "draw_layout",
    "draw_shared",
    "draw_plan",
    "save",
    "show",
    "layout_html",
    "layout_png",
    "plan_html",
    "plan_png",
    "quick_png",
    "warp_colors",
]

# A qualitative palette (as RGB 0-1), distinct hues that stay readable when lightened.
_PALETTE = [
    (0.122, 0.467, 0.706),
    (1.000, 0.498, 0.055),
    (0.173, 0.627, 0.173),
    (0.839, 0.153, 0.157),
    (0.580, 0.404, 0.741),
    (0.549, 0.337, 0.294),
    (0.890, 0.467, 0.761),
    (0.498, 0.498, 0.498),
    (0.737, 0.741, 0.133),
    (0.090, 0.745, 0.812),
]
MAX_CELLS = 128 * 128


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class MissingMatplotlib(ImportError):
    """Drawing was asked for but matplotlib is not installed."""


def _require_matplotlib() -> None:
    if not _have_matplotlib():
        raise MissingMatplotlib(
            "drawing layouts needs matplotlib (a linlayout dependency): pip install matplotlib"
        )


def _figure(width: float, height: float) -> Figure:
    _require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _wrap(title: str, width_in: float, font_pt: float) -> str:
    """Wrap each line of ``title`` to fit ``width_in`` inches at ``font_pt``."""
    import textwrap

    per_line = max(20, int(width_in * 72 / (font_pt * 0.56)))
    return "\n".join(textwrap.fill(line, per_line) if line else line for line in title.split("\n"))


def _single_axes(
    grid_w: float, grid_h: float, *, left: float, right: float, top: float, bottom: float
) -> tuple[Figure, Axes]:
    """A figure with one axes placed at fixed inch margins (no layout engine: one draw pass)."""
    _require_matplotlib()
    from matplotlib.figure import Figure

    w, h = left + grid_w + right, top + grid_h + bottom
    fig = Figure(figsize=(w, h), dpi=100)
    ax = fig.add_axes((left / w, bottom / h, grid_w / w, grid_h / h))
    return fig, ax


def warp_colors(n: int) -> list[tuple[float, float, float]]:
    """``n`` distinct base colours (one per warp, or per block x warp).

    >>> len(warp_colors(12))
    12
    """
    if n <= len(_PALETTE):
        return _PALETTE[:n]
    return [colorsys.hls_to_rgb(k / n, 0.45, 0.65) for k in range(n)]


def _shade(color: RGB, lane: int, lanes: int) -> RGB:
    """Lane 0 is the full colour; higher lanes mix in more white, up to 62 % for the last
    lane: lightness grows with the lane (thin lines separate neighbouring threads)."""
    t = 0.62 * lane / max(1, lanes - 1)
    r, g, b = (c * (1 - t) + t for c in color)
    return r, g, b


def _ink(rgb: RGB) -> str:
    lum = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return "black" if lum > 0.5 else "white"


# Cell labels are drawn as one PathCollection of cached glyph outlines: thousands of
# matplotlib Text objects take seconds to render, this takes milliseconds, and the
# labels scale with the cells.
_GLYPHS: dict[str, tuple[Any, Any, float]] = {}


def _glyph(ch: str) -> Outline:
    g = _GLYPHS.get(ch)
    if g is None:
        import numpy as np
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextPath, text_to_path

        prop = FontProperties(family="DejaVu Sans")
        if ch == " ":
            verts, codes = np.zeros((0, 2)), np.zeros(0, dtype=np.uint8)
        else:
            tp = TextPath((0, 0), ch, size=1, prop=prop)
            verts, codes = tp.vertices.copy(), tp.codes.copy()
        w, _, _ = text_to_path.get_text_width_height_descent(ch, prop, ismath=False)
        g = (verts, codes, w / prop.get_size_in_points())
        _GLYPHS[ch] = g
    return g


def _line_path(s: str) -> Outline:
    import numpy as np

    vs, cs, x = [], [], 0.0
    for ch in s:
        verts, codes, adv = _glyph(ch)
        if len(verts):
            vs.append(verts + [x, 0.0])
            cs.append(codes)
        x += adv
    if not vs:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.uint8), x
    return np.concatenate(vs), np.concatenate(cs), x


def _add_labels(
    ax: Axes, items: Sequence[tuple[float, float, str, Any]], *, width: float = 0.86, height: float = 0.78,
    max_size: float = 0.42, aspect: float = 1.0,
) -> None:
    """Draw ``items`` = [(x, y, text, colour)] centred in unit cells, one font size for all
    (the largest that fits every label in ``width`` x ``height`` of a cell).  ``aspect``
    is a cell's height / width on paper (1 for square cells)."""
    import numpy as np
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    if not items:
        return
    built = []
    widest, tallest = 0.1, 1.0
    for x, y, s, colour in items:
        lines = [_line_path(line) for line in s.split("\n")]
        widest = max(widest, max(w for _, _, w in lines))
        tallest = max(tallest, 1.15 * len(lines))
        built.append((x, y, lines, colour))
    scale = min(width / (widest * aspect), height / tallest, max_size)
    paths, colours = [], []
    for x, y, lines, colour in built:
        n = len(lines)
        for k, (verts, codes, w) in enumerate(lines):
            if not len(verts):
                continue
            baseline = (k - (n - 1) / 2) * 1.15 + 0.36
            v = np.empty_like(verts)
            v[:, 0] = x + (verts[:, 0] - w / 2) * scale * aspect
            v[:, 1] = y - (verts[:, 1] - baseline) * scale
            paths.append(Path(v, codes))
            colours.append(colour)
    coll = PathCollection(paths, facecolors=colours, edgecolors="none", linewidths=0)
    coll.set_transform(ax.transData)
    ax.add_collection(coll)


def _grid_shape(shape: list[int]) -> tuple[int, int]:
    """Rows x columns the tensor is drawn as (leading dims stacked, rank 1 wrapped)."""
    if len(shape) == 1:
        cols = min(shape[0], 32)
        return shape[0] // cols, cols
    rows = 1
    for s in shape[:-1]:
        rows *= s
    return rows, shape[-1]


def _tile(n: int, span: Any, what: str) -> tuple[int, int]:
    """The half-open range ``span`` (default all of ``0..n``), checked against ``n``."""
    if span is None:
        return 0, n
    if (not isinstance(span, (tuple, list)) or len(span) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in span)):
        raise LayoutError(f"{what}: expected (start, stop), got {span!r}")
    a, b = span
    if not 0 <= a < b <= n:
        raise LayoutError(f"{what}: expected 0 <= start < stop <= {n}, got {span!r}")
    return a, b


def _check_size(
    layout: LinearLayout, rows: Any = None, cols: Any = None
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The (row range, column range) drawn; LayoutError when that is more than MAX_CELLS cells."""
    _text._check_layout(layout)
    shape = _text._shape(layout)
    nr, nc = _grid_shape(shape)
    r, c = _tile(nr, rows, "rows"), _tile(nc, cols, "cols")
    n = (r[1] - r[0]) * (c[1] - c[0])
    if n > MAX_CELLS:
        raise LayoutError(
            f"layout: a {'x'.join(map(str, shape))} tensor has {n} elements to draw, too many "
            f"(at most {MAX_CELLS}); draw a sub-tile with rows=(start, stop), cols=(start, stop) "
            "(CLI: --rows A:B --cols A:B)"
        )
    return r, c


def _distributed_grid(
    layout: LinearLayout,
) -> tuple[NDArray[Any], NDArray[Any], tuple[int, int, int, int]]:
    """Per cell: (block, warp, lane, register) of the first copy and the copy count."""
    import numpy as np

    shape = _text._shape(layout)
    rows, cols = _grid_shape(shape)
    table = _text.evaluate(layout, ["block", "warp", "lane", "register"])
    nb, nw, nl, nr = table.shape[:4]
    lin = _text._linear_index(table, shape).reshape(-1)
    slots = np.stack(np.unravel_index(np.arange(lin.size), (nb, nw, nl, nr)), axis=1)
    first = np.full((rows * cols, 4), -1, dtype=np.int64)
    first[lin[::-1]] = slots[::-1]
    copies = np.bincount(lin, minlength=rows * cols)
    return first.reshape(rows, cols, 4), copies.reshape(rows, cols), (nb, nw, nl, nr)


def _broadcast_slots(
    layout: LinearLayout, shape: list[int], cols: int
) -> dict[tuple[int, int], list[tuple[int, ...]]]:
    """(row, col) of the drawing grid -> every (block, warp, lane, register) holding it."""
    out: dict[tuple[int, int], list[tuple[int, ...]]] = {}
    for elem, slots in _text.tensor_cells(layout).items():
        lin = 0
        for v, s in zip(elem, shape):
            lin = lin * s + v
        out[divmod(lin, cols)] = slots
    return out


def _copies_label(slots: list[tuple[int, ...]] | None, cell: float) -> str | None:
    """``T0,T4:R0`` when the copies differ only in lane (at most 4 of them)."""
    if not slots or len(slots) > 4 or len({(b, w, r) for b, w, _, r in slots}) != 1:
        return None
    lanes = ",".join(f"T{lane}" for _, _, lane, _ in slots)
    sep = ":" if cell >= 0.5 and len(slots) <= 2 else "\n"
    return f"{lanes}{sep}R{slots[0][3]}"


#: the smallest cell (inches) whose two-line ``T31`` / ``R15`` label stays legible at 110 dpi
LABEL_CELL = 0.32


def _cell_size(
    rows: int, cols: int, max_w: float = 12.0, max_h: float = 11.0, labels: bool | None = None
) -> float:
    """Inches per cell: up to 0.6, so the grid fits ``max_w`` x ``max_h`` inches; grids up to
    64x64 (or any grid with ``labels=True``) grow so that every cell's label is legible."""
    cell = max(0.05, min(0.6, max_w / max(cols, 1), max_h / max(rows, 1)))
    if labels or (labels is None and max(rows, cols) <= 64):
        cell = max(cell, LABEL_CELL)
    return cell


def _draw_boundaries(ax: Axes, key: NDArray[Any], heavy_key: NDArray[Any] | None = None) -> None:
    """Lines between cells whose ``key`` differs (thin) or ``heavy_key`` differs (thick)."""
    from matplotlib.collections import LineCollection

    rows, cols = key.shape[:2]
    thin: list[list[tuple[float, float]]] = []
    thick: list[list[tuple[float, float]]] = []
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and (key[r, c] != key[r, c + 1]).any():
                seg = [(c + 0.5, r - 0.5), (c + 0.5, r + 0.5)]
                heavy = heavy_key is not None and (heavy_key[r, c] != heavy_key[r, c + 1]).any()
                (thick if heavy else thin).append(seg)
            if r + 1 < rows and (key[r, c] != key[r + 1, c]).any():
                seg = [(c - 0.5, r + 0.5), (c + 0.5, r + 0.5)]
                heavy = heavy_key is not None and (heavy_key[r, c] != heavy_key[r + 1, c]).any()
                (thick if heavy else thin).append(seg)
    if thin:
        ax.add_collection(LineCollection(thin, colors="#333333", linewidths=0.6))
    if thick:
        ax.add_collection(LineCollection(thick, colors="black", linewidths=2.2))


def _axes_ticks(ax: Axes, shape: list[int], rows: int, cols: int, r0: int = 0, c0: int = 0) -> None:
    import numpy as np

    def ticks(n: int) -> NDArray[Any]:
        step = 1 if n <= 16 else (4 if n <= 64 else 16)
        return np.arange(0, n, step)

    ax.set_xticks(ticks(cols))
    ax.set_yticks(ticks(rows))
    if r0 or c0:  # a sub-tile: label with the tensor's own row and column numbers
        ax.set_xticklabels([str(int(v) + c0) for v in ticks(cols)])
        ax.set_yticklabels([str(int(v) + r0) for v in ticks(rows)])
    ax.tick_params(labelsize=7, length=2, top=True, labeltop=True, bottom=False, labelbottom=False)
    if len(shape) == 1:
        ax.set_xlabel("dim0 (+ offset)", fontsize=8)
        ax.set_ylabel(f"dim0 / {cols}", fontsize=8)
    else:
        ax.set_xlabel(f"dim{len(shape) - 1}", fontsize=8)
        ax.xaxis.set_label_position("top")
        lead = " x ".join(f"dim{k}" for k in range(len(shape) - 1))
        ax.set_ylabel(lead, fontsize=8)
        if len(shape) > 2:
            per = shape[-2]
            for k in range(per, rows, per):
                ax.axhline(k - 0.5, color="white", linewidth=3)


def _draw_distributed(
    ax: Axes, layout: LinearLayout, *, cell: float, labels: bool | None = None, title: str | None = None,
    legend: bool = True, rows: Any = None, cols: Any = None,
) -> None:
    import numpy as np

    shape = _text._shape(layout)
    (r0, r1), (c0, c1) = _check_size(layout, rows, cols)
    first, copies, (nb, nw, nl, nr) = _distributed_grid(layout)
    full_cols = copies.shape[1]
    first, copies = first[r0:r1, c0:c1], copies[r0:r1, c0:c1]
    rows, cols = copies.shape
    groups = nb * nw
    base = warp_colors(groups)
    img = np.ones((rows, cols, 3))
    for r in range(rows):
        for c in range(cols):
            b, w, lane, _ = first[r, c]
            if b >= 0:
                img[r, c] = _shade(base[b * nw + w], lane, nl)
    ax.imshow(img, interpolation="nearest", aspect="equal")
    _draw_boundaries(ax, first[:, :, :3], first[:, :, :2])
    if labels is None:
        labels = cell >= 0.3 and rows * cols <= 4096
    if labels:
        layout_slots = _broadcast_slots(layout, shape, full_cols) if (copies > 1).any() else {}
        items = []
        for r in range(rows):
            for c in range(cols):
                b, w, lane, reg = first[r, c]
                if b < 0:
                    continue
                s = f"T{lane}:R{reg}" if cell >= 0.5 else f"T{lane}\nR{reg}"
                if copies[r, c] > 1:
                    slots = layout_slots.get((r + r0, c + c0), [])
                    s = _copies_label(slots, cell) or s + f"\n×{copies[r, c]}"
                items.append((c, r, s, _ink(img[r, c])))
        _add_labels(ax, items)
    _axes_ticks(ax, shape, rows, cols, r0, c0)
    ax.set_title(title or _text.describe(layout), fontsize=9)
    if legend:
        from matplotlib.patches import Patch

        shown = sorted({int(b) * nw + int(w) for b, w in first[:, :, :2].reshape(-1, 2).tolist() if b >= 0})
        handles = []
        for g in shown[:16]:
            b, w = divmod(g, nw)
            name = (f"block {b} " if nb > 1 else "") + f"warp {w}"
            handles.append(Patch(facecolor=base[g], edgecolor="black", label=name))
        if len(shown) > 16:
            handles.append(Patch(facecolor="white", label=f"… {len(shown) - 16} more"))
        hidden = groups - len(shown)
        if hidden:  # e.g. dot operands: some warps hold only copies of what lower warps hold
            handles.append(Patch(facecolor="white", label=f"{hidden} more warp(s) hold copies only"))
        handles.append(
            Patch(
                facecolor=_shade((0.3, 0.3, 0.3), nl - 1, nl),
                edgecolor="black",
                label=f"lighter: lane ↑ (0…{nl - 1})",
            )
        )
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7,
            frameon=False,
            title="colour",
            title_fontsize=8,
        )


def draw_layout(
    layout: LinearLayout,
    *,
    ax: Axes | None = None,
    target: Any = None,
    elem_bits: int = 32,
    labels: bool | None = None,
    title: str | None = None,
    access: LinearLayout | None = None,
    vec: int = 1,
    rows: tuple[int, int] | None = None,
    cols: tuple[int, int] | None = None,
    padded: Any = None,
) -> Figure:
    """Draw ``layout`` (any kind); returns the matplotlib Figure.

    ``labels`` forces cell labels on or off (default: on when legible; every cell of a grid
    up to 64x64 is labelled ``T<lane>``/``R<register>``).  ``rows=(a, b)`` and
    ``cols=(c, d)`` draw the sub-tile of rows ``a..b-1`` and columns ``c..d-1``.
    For shared layouts ``target``, ``elem_bits``, ``access``, ``vec`` and ``padded`` (a
    :class:`~linlayout.PaddedSharedLayout` whose linear part ``layout`` is) go to
    :func:`draw_shared`.
    """
    _text._check_layout(layout)
    kind = _text.layout_kind(layout)
    if kind == "shared":
        return draw_shared(layout, target=target, elem_bits=elem_bits, access=access, vec=vec, ax=ax,
                           title=title, padded=padded)
    (r0, r1), (c0, c1) = _check_size(layout, rows, cols)
    if kind == "generic" and (rows is not None or cols is not None):
        raise LayoutError("rows: sub-tiles are drawn for distributed and tensor-memory layouts only")
    nrows, ncols = r1 - r0, c1 - c0
    cell = _cell_size(nrows, ncols, labels=labels)
    if ax is None:
        grid_w = ncols * cell
        title_w = max(grid_w, 2.0) + 2.4
        title = _wrap(title or _default_title(layout, kind), title_w, 9)
        top = 0.62 + 0.17 * (title.count("\n") + 1)
        legend_h = 0.3 + 0.16 * (min(_text._size(layout, "warp") * _text._size(layout, "block"), 16) + 3)
        grid_h = nrows * cell
        overhang = title_w / 2 - grid_w / 2 + 0.15  # the centred title's reach beyond the grid
        fig, ax = _single_axes(grid_w, grid_h, left=max(0.65, overhang), right=max(2.1, overhang), top=top,
                               bottom=max(0.15, legend_h - grid_h))
    if kind == "distributed":
        _draw_distributed(ax, layout, cell=cell, labels=labels, title=title, rows=rows, cols=cols)
    elif kind == "tmem":
        _draw_tmem(ax, layout, cell=cell, labels=labels, title=title, rows=rows, cols=cols)
    else:
        _draw_generic(ax, layout, title=title)
    return cast("Figure", ax.figure)


def _default_title(layout: LinearLayout, kind: str) -> str:
    if kind == "tmem":
        return (_text.describe(layout) + "\ncolour = TMEM lanes 32k…32k+31 (one warp each), cell = row:col")
    if kind == "generic":
        return f"{_text.describe(layout)}\ncolour = flattened input index"
    return _text.describe(layout)


def _draw_tmem(
    ax: Axes, layout: LinearLayout, *, cell: float, labels: bool | None = None, title: str | None = None,
    rows: Any = None, cols: Any = None,
) -> None:
    import numpy as np

    shape = _text._shape(layout)
    (r0, r1), (c0, c1) = _check_size(layout, rows, cols)
    rows, cols = _grid_shape(shape)
    table = _text.evaluate(layout, ["block", "row", "col"])
    nb, nrow, ncol = table.shape[:3]
    lin = _text._linear_index(table, shape).reshape(-1)
    slots = np.stack(np.unravel_index(np.arange(lin.size), (nb, nrow, ncol)), axis=1)
    first = np.full((rows * cols, 3), -1, dtype=np.int64)
    first[lin[::-1]] = slots[::-1]
    first = first.reshape(rows, cols, 3)[r0:r1, c0:c1]
    rows, cols = r1 - r0, c1 - c0
    # colour = which 32-row slice of TMEM (the warp that may access it), shade = column
    base = warp_colors(max(1, nrow // 32) * nb)
    img = np.ones((rows, cols, 3))
    for r in range(rows):
        for c in range(cols):
            b, tr, tc = first[r, c]
            if b >= 0:
                img[r, c] = _shade(base[b * max(1, nrow // 32) + tr // 32], tc % 32, 32)
    ax.imshow(img, interpolation="nearest", aspect="equal")
    _draw_boundaries(ax, first[:, :, :2] // np.array([1, 32]), first[:, :, :1])
    if labels if labels is not None else (cell >= 0.3 and rows * cols <= 4096):
        _add_labels(
            ax,
            [
                (c, r, f"{first[r, c, 1]}:{first[r, c, 2]}", _ink(img[r, c]))
                for r in range(rows)
                for c in range(cols)
                if first[r, c, 0] >= 0
            ],
        )
    _axes_ticks(ax, shape, rows, cols, r0, c0)
    ax.set_title(
        title
        or (_text.describe(layout) + "\ncolour = TMEM lanes 32k…32k+31 (one warp each), cell = row:col"),
        fontsize=9,
    )


def _draw_generic(ax: Axes, layout: LinearLayout, *, title: str | None = None) -> None:
    import numpy as np

    dims = list(_text._in_dims(layout))
    table = _text.evaluate(layout, dims[::-1])
    flat = table.reshape(-1, table.shape[-1])
    shape = _text._shape(layout)
    rows, cols = _grid_shape(shape)
    lin = _text._linear_index(flat, shape)
    val = np.full(rows * cols, np.nan)
    val[lin[::-1]] = np.arange(len(lin))[::-1]
    ax.imshow(val.reshape(rows, cols), cmap="viridis", interpolation="nearest")
    _axes_ticks(ax, shape, rows, cols)
    ax.set_title(title or f"{_text.describe(layout)}\ncolour = flattened input index", fontsize=9)


# ----------------------------------------------------------------------------- shared memory


def _coord_text(coord: Any) -> str:
    return ",".join(str(int(v)) for v in coord)


def draw_shared(
    layout: LinearLayout,
    *,
    target: Any = None,
    elem_bits: int = 32,
    access: LinearLayout | None = None,
    vec: int = 1,
    warp: int = 0,
    ax: Axes | None = None,
    title: str | None = None,
    max_rows: int = 32,
    padded: Any = None,
) -> Figure:
    """Bank map of shared layout ``layout``; returns the Figure.

    One column per bank, one row per sweep over all banks (``num_banks x bank_bytes``
    bytes); each cell is one bank word and lists the tensor elements stored in it,
    coloured by the element's row (the last-but-one dim) so a swizzle shows as the
    colour pattern.  With ``access`` (a distributed layout of the same tensor), the
    words that warp ``warp`` touches in its worst instruction (``vec`` registers each)
    keep their colour and show the lane, everything else is greyed, and banks that must
    serve more than one word are outlined in red with the word count.  With ``padded`` (a
    :class:`~linlayout.PaddedSharedLayout` whose linear part is ``layout``) every element sits
    at its padded offset and the padding words are drawn hatched.
    """
    import numpy as np

    _text._check_layout(layout)
    if _text.layout_kind(layout) != "shared":
        raise LayoutError("layout: draw_shared needs a shared layout (in-dims offset, block)")
    num_banks, bank_bytes, bank_text = _text._banks(target)
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise LayoutError(f"max_rows: expected a positive int (bank-map rows drawn), got {max_rows!r}")
    if padded is not None and access is not None:
        raise LayoutError("access: the bank analysis of padded shared memory is not drawn; drop access=")
    shape = _text._shape(layout)
    table = _text.evaluate(layout, ["offset"])
    n_off = table.shape[0]
    logical = None  # physical offset -> logical offset (-1: padding), for padded layouts
    if padded is not None:
        phys = np.array([padded.padded_offset(o) for o in range(n_off)], dtype=np.int64)
        logical = np.full(int(phys.max()) + 1, -1, dtype=np.int64)
        logical[phys] = np.arange(n_off)
        n_off = len(logical)
    per_word = max(1, bank_bytes * 8 // elem_bits)  # elements in one bank word
    n_words = max(1, n_off * elem_bits // 8 // bank_bytes)
    cols = min(num_banks, n_words)
    total_rows = -(-n_words // cols)
    nrows = min(total_rows, max_rows)
    row_dim = len(shape) - 2 if len(shape) > 1 else 0

    def word_offsets(w: int) -> list[int]:
        """Logical offsets of the elements in bank word ``w`` (padding left out)."""
        if elem_bits == 64:
            offs = [w // 2]
        else:
            offs = [o for o in range(w * per_word, (w + 1) * per_word) if o < n_off]
        if logical is None:
            return offs
        return [int(logical[o]) for o in offs if o < n_off and logical[o] >= 0]

    pad_words = [w for w in range(nrows * cols) if logical is not None and not word_offsets(w)]

    colour_of = table[:, row_dim]
    ncolour = int(colour_of.max()) + 1
    palette = [colorsys.hls_to_rgb((k * 0.61803) % 1.0, 0.74, 0.6) for k in range(ncolour)]
    img = np.ones((nrows, cols, 3))
    for w in range(nrows * cols):
        offs = word_offsets(w)
        if offs:
            img[w // cols, w % cols] = palette[int(colour_of[offs[0]])]
    acc = None
    lane_of: dict[int, int] = {}
    if access is not None:
        acc = _text.shared_access(layout, access, target=target, elem_bits=elem_bits, vec=vec, warp=warp)
        inst = acc.worst
        words = acc.words[:, inst * acc.vec : (inst + 1) * acc.vec]
        for lane in range(words.shape[0]):
            for w in words[lane]:
                for ww in [int(w), int(w) + 1] if elem_bits == 64 else [int(w)]:
                    lane_of.setdefault(ww, lane)
        touched = np.zeros((nrows, cols), dtype=bool)
        for w in lane_of:
            if w < nrows * cols:
                touched[w // cols, w % cols] = True
        grey = np.array([0.94, 0.94, 0.94])
        img = np.where(touched[:, :, None], img, img * 0.2 + grey * 0.8)
    cell = _cell_size(nrows, cols, max_w=15.0, max_h=14.0)
    if ax is None:
        lines = (title or _text.describe(layout)).count("\n") + (4 if access is not None else 1) + 1
        fig, ax = _single_axes(cols * cell, nrows * cell, left=0.75, right=0.25,
                               top=0.75 + 0.15 * lines, bottom=0.25)
    ax.imshow(img, interpolation="nearest", aspect="equal")
    from matplotlib.collections import LineCollection

    grid = [[(c - 0.5, -0.5), (c - 0.5, nrows - 0.5)] for c in range(cols + 1)]
    grid += [[(-0.5, r - 0.5), (cols - 0.5, r - 0.5)] for r in range(nrows + 1)]
    ax.add_collection(LineCollection(grid, colors="white", linewidths=0.8))
    from matplotlib.patches import Rectangle

    for w in pad_words:
        ax.add_patch(Rectangle((w % cols - 0.5, w // cols - 0.5), 1, 1, facecolor="#dddddd", hatch="///",
                               edgecolor="#999999", linewidth=0))
    if cell >= 0.25:
        items = []
        for w in range(nrows * cols):
            offs = word_offsets(w)
            coords = [_coord_text(table[o]) for o in offs]
            if per_word > 2:
                coords = [" ".join(coords[k : k + 2]) for k in range(0, len(coords), 2)]
            s = "\n".join(coords) or ("pad" if w in pad_words else "")
            if w in lane_of:
                s += f"\nT{lane_of[w]}"
            items.append((w % cols, w // cols, s, "black"))
        _add_labels(ax, items, height=0.84)
    ax.set_xticks(range(cols))
    ax.set_xticklabels([str(b) for b in range(cols)], fontsize=6)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=2)
    ax.set_xlabel(
        f"bank ({bank_text}); a cell is one {bank_bytes}-byte word = "
        f"{per_word if elem_bits < 64 else 0.5:g} {elem_bits}-bit element(s)",
        fontsize=8,
    )
    ax.xaxis.set_label_position("top")
    ystep = 1 if nrows <= 32 else 8
    ax.set_yticks(np.arange(0, nrows, ystep))
    elems_per_row = cols * bank_bytes * 8 // elem_bits
    ax.set_yticklabels([str(r * elems_per_row) for r in range(0, nrows, ystep)], fontsize=6)
    ax.set_ylabel("offset of the row's first element", fontsize=8)
    head = title or _text.describe(layout)
    if total_rows > nrows:
        head += f" (first {nrows} of {total_rows} rows)"
    head += f"\ncolour = tensor dim{row_dim} index"
    if padded is not None:
        pads = ", ".join(f"+{p} after every {i}" for i, p in padded.interval_padding_pairs)
        head += f"; padded: {pads} elements (hatched = padding)"
    if acc is not None:
        inst = acc.worst
        counts = np.zeros(num_banks, dtype=int)
        for w in lane_of:
            counts[w % num_banks] += 1
        bad = [b for b in range(num_banks) if counts[b] > 1]
        for b in bad:
            if b < cols:
                ax.add_patch(_rect(b, nrows, 1, color="red"))
                ax.text(
                    b,
                    nrows - 0.45,
                    f"×{counts[b]}",
                    ha="center",
                    va="top",
                    fontsize=7,
                    color="red",
                    fontweight="bold",
                )
        verdict = "conflict-free" if acc.conflict_free else f"{len(bad)} banks in conflict (red)"
        head += (
            f"\naccess: warp {warp}, instruction {inst} of {len(acc.wavefronts)} (registers "
            f"{inst * acc.vec}…{inst * acc.vec + acc.vec - 1}): {acc.wavefronts[inst]} wavefronts, "
            f"ideal {acc.ideal[inst]} — {verdict}\nall instructions: {acc.total} wavefronts "
            f"(ideal {sum(acc.ideal)})"
        )
        ax.set_ylim(nrows + 0.6, -0.5)
    ax.set_title(head, fontsize=8)
    return cast("Figure", ax.figure)


def _rect(center: float, nrows: int, width: float, color: Any) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((center - width / 2, -0.5), width, nrows, fill=False, edgecolor=color, linewidth=1.5)


# ----------------------------------------------------------------------------- plans


def _steps(plan: ConversionPlan) -> list[Any]:
    steps = getattr(plan, "steps", None)
    if steps is None:
        raise LayoutError(f"plan: expected a ConversionPlan (with .steps), got {type(plan).__name__}")
    return list(steps)


def _step_name(step: Any) -> str:
    return type(step).__name__


def _plan_layouts(plan: ConversionPlan) -> tuple[Any, Any]:
    src = getattr(plan, "src", None)
    dst = getattr(plan, "dst", None)
    return src, dst


def _metrics(plan: ConversionPlan) -> dict[str, Any]:
    out = {}
    for key in ("kind", "shuffles", "selects", "shared_bytes", "wavefronts"):
        v = getattr(plan, key, None)
        if v is not None:
            out[key] = v
    return out


def _plan_title(plan: ConversionPlan) -> str:
    m = _metrics(plan)
    parts = [f"{k} = {v}" for k, v in m.items()]
    return "conversion plan: " + ", ".join(parts)


def _draw_shuffle(ax: Axes, step: Any, index: int) -> None:
    import numpy as np

    src_lane = np.asarray(step.src_lane).reshape(-1)
    n = len(src_lane)
    ax.set_xlim(-1, n)
    ax.set_ylim(-0.6, 1.6)
    ax.scatter(np.arange(n), np.ones(n), s=14, color="#1f77b4", zorder=3)
    ax.scatter(np.arange(n), np.zeros(n), s=14, color="#ff7f0e", zorder=3)
    dist = np.bitwise_xor(src_lane, np.arange(n))
    kinds = sorted(set(int(d) for d in dist))
    palette = warp_colors(max(len(kinds), 1))
    colours = {d: palette[k % len(palette)] for k, d in enumerate(kinds)}
    recv = np.asarray(step.recv)
    for lane in range(n):
        if recv.ndim == 2 and (recv[lane] < 0).all():
            continue
        s = int(src_lane[lane])
        ax.annotate(
            "",
            xy=(lane, 0.08),
            xytext=(s, 0.92),
            arrowprops={"arrowstyle": "->", "color": colours[int(dist[lane])], "lw": 0.8},
        )
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=colours[d], label="self" if d == 0 else f"lane xor {d}") for d in kinds[:8]
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6, frameon=False)
    ax.set_yticks([0, 1])
    ax.set_yticklabels(["receives", "sends"], fontsize=7)
    ax.set_xticks(range(0, n, 4 if n > 32 else 2))
    ax.tick_params(labelsize=6)
    ax.set_xlabel("lane", fontsize=7)
    nvals = recv.shape[1] if recv.ndim == 2 else 1
    pattern = ", ".join(f"xor {d}" if d else "self" for d in kinds[:4]) + (" …" if len(kinds) > 4 else "")
    ax.set_title(
        f"step {index}: Shuffle — each lane reads lane src_lane[lane] ({pattern}); {nvals} value(s) per lane",
        fontsize=8,
    )


def _draw_copy(ax: Axes, step: Any, index: int) -> None:
    import numpy as np

    reg_map = np.asarray(step.reg_map)
    if reg_map.ndim == 1:
        reg_map = reg_map[None, :]
    lanes = min(reg_map.shape[0], 32)
    img = np.where(reg_map[:lanes] < 0, np.nan, reg_map[:lanes]).T
    ax.imshow(img, cmap="viridis", interpolation="nearest", aspect="auto")
    nregs = reg_map.shape[1]
    if nregs * lanes <= 512:
        for r in range(nregs):
            for lane in range(lanes):
                v = reg_map[lane, r]
                ax.text(
                    lane, r, "-" if v < 0 else str(v), ha="center", va="center", fontsize=5, color="white"
                )
    ax.set_xlabel("lane", fontsize=7)
    ax.set_ylabel("out register", fontsize=7)
    ax.tick_params(labelsize=6)
    uniform = bool((reg_map == reg_map[:1]).all())
    ax.set_title(
        f"step {index}: Copy — out register r takes src register reg_map[lane, r] "
        f"({'same for every lane: a free renaming' if uniform else 'varies by lane: selects'})",
        fontsize=8,
    )


def _lane_ranges(lanes: Any) -> str:
    lanes = sorted(set(int(x) for x in lanes))
    parts, k = [], 0
    while k < len(lanes):
        j = k
        while j + 1 < len(lanes) and lanes[j + 1] == lanes[j] + 1:
            j += 1
        parts.append(str(lanes[k]) if j == k else f"{lanes[k]}-{lanes[j]}")
        k = j + 1
    text = ",".join(parts)
    return text if len(parts) <= 2 else ",".join(parts[:2]) + ",…"


def _draw_shared_step(ax: Axes, step: Any, index: int, target: Any, elem_bits: int) -> None:
    """One row per wavefront of warp 0's worst instruction, one column per bank; a cell
    names the lanes whose word that bank serves in that wavefront."""
    import numpy as np

    offset = np.asarray(step.offset)
    if offset.ndim == 2:
        offset = offset[None]
    vec = int(getattr(step, "vec", 1) or 1)
    num_banks, bank_bytes, bank_text = _text._banks(target)
    warp0 = offset[0]
    lanes, nregs = warp0.shape
    ninst = max(1, nregs // vec)

    def words_of(i: int) -> dict[int, dict[int, list[int]]]:
        per_bank: dict[int, dict[int, list[int]]] = {}
        for lane in range(lanes):
            for o in warp0[lane, i * vec : (i + 1) * vec]:
                if o < 0:
                    continue
                first = int(o) * elem_bits // 8 // bank_bytes
                last = (int(o) * elem_bits // 8 + max(elem_bits // 8, 1) - 1) // bank_bytes
                for w in range(first, last + 1):
                    per_bank.setdefault(w % num_banks, {}).setdefault(w, []).append(lane)
        return per_bank

    fronts, ideal = [], []
    for i in range(ninst):
        pb = words_of(i)
        nwords = sum(len(v) for v in pb.values())
        fronts.append(max((len(v) for v in pb.values()), default=0))
        ideal.append(max(1, -(-nwords // num_banks)) if nwords else 0)
    worst = max(range(ninst), key=lambda i: (fronts[i] - ideal[i], -i))
    pb = words_of(worst)
    depth = max(1, fronts[worst])
    img = np.full((depth, num_banks, 3), 0.94)
    items = []
    for b, words in pb.items():
        for k, w in enumerate(sorted(words)):
            img[k, b] = (0.95, 0.5, 0.45) if k >= max(1, ideal[worst]) else (0.6, 0.82, 0.6)
            items.append((b, k, "T" + _lane_ranges(words[w]), "black"))
    ax.imshow(img, interpolation="nearest", aspect="auto")
    fig_w, _ = cast("Figure", ax.figure).get_size_inches()
    cell_w = (fig_w - 1.6) / num_banks
    cell_h = 1.1 / depth
    _add_labels(ax, items, width=0.92, height=0.6, aspect=cell_h / cell_w)
    ax.set_yticks(range(depth))
    ax.set_yticklabels([f"wavefront {k + 1}" for k in range(depth)], fontsize=6)
    ax.set_xticks(range(0, num_banks, 4 if num_banks > 32 else 2))
    ax.tick_params(labelsize=6)
    ax.set_xlabel(
        f"bank ({bank_text}); cell = lanes whose word the bank serves in that wavefront; "
        "red = beyond the ideal",
        fontsize=7,
    )
    instr = getattr(step, "instruction", None)
    what = "SharedStore" if "Store" in _step_name(step) else "SharedLoad"
    ax.set_title(
        f"step {index}: {what}{f' ({instr})' if instr else ''}, vec {vec}: warp 0 needs {sum(fronts)} "
        f"wavefronts over {ninst} instruction(s) (ideal {sum(ideal)}); shown: instruction {worst}, "
        f"{fronts[worst]} wavefront(s), ideal {ideal[worst]}",
        fontsize=8,
    )


def _short(layout: Any) -> str:
    sizes = _text._in_dims(layout)
    shape = "x".join(str(v) for v in _text._shape(layout))
    return (
        f"{shape}: {sizes.get('warp', 1)} warps x {sizes.get('lane', 1)} lanes x "
        f"{sizes.get('register', 1)} regs"
    )


def _draw_barrier(ax: Axes, index: int) -> None:
    ax.axhline(0.5, color="black", linewidth=4)
    ax.text(
        0.5,
        0.75,
        "barrier: every warp waits until all stores are done",
        ha="center",
        transform=ax.transAxes,
        fontsize=8,
    )
    ax.set_axis_off()
    ax.set_title(f"step {index}: Barrier", fontsize=8)


def draw_plan(
    plan: ConversionPlan, *, src: LinearLayout | None = None, dst: LinearLayout | None = None,
    target: Any = None, elem_bits: int | None = None,
) -> Figure:
    """Draw a conversion plan: source and destination layouts, then one panel per step.

    ``src``/``dst`` default to ``plan.src``/``plan.dst`` when the plan carries them;
    ``target``/``elem_bits`` default to the plan's (for bank numbers).
    """
    steps = _steps(plan)
    psrc, pdst = _plan_layouts(plan)
    src = src if src is not None else psrc
    dst = dst if dst is not None else pdst
    target = target if target is not None else getattr(plan, "target", None)
    if elem_bits is None:
        elem_bits = int(getattr(plan, "elem_bits", 32) or 32)
    panels = [s for s in steps]
    grids = [x for x in (src, dst) if x is not None]
    if grids:
        _check_size(grids[0])
        rows, cols = _grid_shape(_text._shape(grids[0]))
    else:
        rows, cols = 0, 0
    cell = _cell_size(rows, cols, max_w=6.5, max_h=10.0, labels=None if max(rows, cols) <= 16 else False) \
        if grids else 0
    top_h = rows * cell + 1.2 if grids else 0
    step_heights = [1.2 if _step_name(p) == "Barrier" else 1.9 for p in panels]
    width = max(11.0, 2 * (cols * cell + 2.4)) if grids else 11.0
    fig = _figure(width, top_h + sum(step_heights or [1.0]) + 0.8)
    heights = ([top_h] if grids else []) + (step_heights or [1.0])
    gs = fig.add_gridspec(len(heights), 2 if grids else 1, height_ratios=heights)
    row = 0
    if grids:
        for k, (lay, name) in enumerate(((src, "source"), (dst, "destination"))):
            if lay is None:
                continue
            ax = fig.add_subplot(gs[0, k])
            _draw_distributed(ax, lay, cell=cell, title=f"{name}\n{_short(lay)}", legend=k == 1)
        row = 1
    if not panels:
        ax = fig.add_subplot(gs[row, :] if grids else gs[row, 0])
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            "no steps: the destination is the source (a no-op)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    for i, step in enumerate(panels):
        ax = fig.add_subplot(gs[row + i, :] if grids else gs[row + i, 0])
        name = _step_name(step)
        if name == "Shuffle":
            _draw_shuffle(ax, step, i + 1)
        elif name == "Copy":
            _draw_copy(ax, step, i + 1)
        elif name in ("SharedStore", "SharedLoad"):
            _draw_shared_step(ax, step, i + 1, target, elem_bits)
        elif name == "Barrier":
            _draw_barrier(ax, i + 1)
        else:
            ax.set_axis_off()
            ax.set_title(f"step {i + 1}: {name}", fontsize=8)
    fig.suptitle(_plan_title(plan), fontsize=10)
    return fig


# ----------------------------------------------------------------------------- output


def save(fig: Figure, path: Any, dpi: int | None = None) -> None:
    """Write ``fig`` to ``path`` as PNG or SVG (by suffix); ``dpi`` for PNG (default 110)."""
    p = str(path)
    low = p.lower()
    if not (low.endswith(".png") or low.endswith(".svg")):
        raise LayoutError(f"path: expected a file name ending in .png or .svg, got {p!r}")
    if low.endswith(".svg"):
        fig.savefig(p, format="svg")
        return
    with open(p, "wb") as f:
        f.write(_png_bytes(fig, dpi or 110))


def _png_bytes(fig: Figure, dpi: int = 90) -> bytes:
    """PNG of ``fig``, reduced to a 256-colour palette (3-4x smaller, same look)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return buf.getvalue()
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                  dither=Image.Dither.NONE)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def show(fig: Figure, dpi: int = 64) -> Any:
    """Display ``fig`` in Jupyter as a PNG (figures made here use no pyplot, so they are
    not shown automatically); returns the IPython ``Image``."""
    from IPython.display import Image, display

    img = Image(_png_bytes(fig, dpi))
    display(img)
    return img


def layout_png(layout: LinearLayout, **kwargs: Any) -> bytes | None:
    """PNG bytes of ``layout`` (None when the tensor is too large to draw or matplotlib is not
    installed, so Jupyter falls back to the other representations).  Without ``kwargs``
    distributed and shared layouts take the quick, cached pixel renderer (:func:`quick_png`,
    what Jupyter shows); with them, :func:`draw_layout`."""
    if not _have_matplotlib():
        return None
    try:
        _check_size(layout)
    except LayoutError:
        return None
    if not kwargs:
        png = quick_png(layout)
        if png is not None:
            return png
    return _png_bytes(draw_layout(layout, **kwargs))


def plan_png(plan: ConversionPlan, **kwargs: Any) -> bytes | None:
    """PNG bytes of :func:`draw_plan` (None when the tensor is too large to draw or
    matplotlib is not installed)."""
    if not _have_matplotlib():
        return None
    try:
        return _png_bytes(draw_plan(plan, **kwargs))
    except LayoutError:
        return None


def _hex(rgb: RGB) -> str:
    return "#" + "".join(f"{int(round(v * 255)):02x}" for v in rgb)


def _bases_html(layout: LinearLayout) -> str:
    rows = []
    for dim, bases in layout.bases.items():
        vals = ", ".join("[" + ", ".join(map(str, b)) + "]" for b in bases) or "—"
        rows.append(
            f"<tr><td style='text-align:left'><b>{html.escape(dim)}</b></td>"
            f"<td style='text-align:left;font-family:monospace'>{html.escape(vals)}</td></tr>"
        )
    outs = ", ".join(f"{k}: {v}" for k, v in layout.out_dims.items())
    return (
        "<table style='font-size:12px'>"
        + "".join(rows)
        + f"<tr><td style='text-align:left'><i>out</i></td><td style='text-align:left'>"
        f"{html.escape(outs)}</td></tr></table>"
    )


def layout_html(layout: LinearLayout, *, max_cells: int = 1024, interactive: bool = True) -> str:
    """An HTML summary of ``layout``: what it is, its bases, and a grid with one cell per
    element.  ``interactive`` (the default, what Jupyter shows): the hover-and-click view of
    :mod:`linlayout.views.html` for tensors up to its MAX_HTML_CELLS elements; otherwise a
    static coloured table for tensors up to ``max_cells`` elements (hover a cell for every
    copy).  Needs no matplotlib.
    """
    _text._check_layout(layout)
    kind = _text.layout_kind(layout)
    head = f"<div><b>LinearLayout</b> — {html.escape(_text.describe(layout))}</div>"
    body = _bases_html(layout)
    shape = _text._shape(layout)
    rows, cols = _grid_shape(shape) if shape else (0, 0)
    if interactive and shape and kind in ("distributed", "shared", "tmem"):
        from . import html as pages

        if rows * cols <= pages.MAX_HTML_CELLS:
            frag = pages.layout_fragment(layout)
            return f"<div>{frag}<details><summary>bases</summary>{body}</details></div>"
    if not shape or rows * cols > max_cells or kind not in ("distributed", "shared"):
        return f"<div>{head}{body}</div>"
    cells = _text.tensor_cells(layout)
    sizes = {d: _text._size(layout, d) for d in ("block", "warp", "lane", "register")}
    if kind == "distributed":
        base = warp_colors(sizes["block"] * sizes["warp"])
    lines = ["<table style='border-collapse:collapse;font-family:monospace;font-size:9px'>"]
    for r in range(rows):
        tds = []
        for c in range(cols):
            flat = r * cols + c
            elem = []
            for s in reversed(shape):
                elem.append(flat % s)
                flat //= s
            key = tuple(elem[::-1])
            slots = cells.get(key, [])
            if kind == "distributed" and slots:
                b, w, lane, reg = slots[0]
                colour = _hex(_shade(base[b * sizes["warp"] + w], lane, sizes["lane"]))
                label = f"T{lane}:R{reg}"
                tip = " | ".join(_text._slot_label("distributed", s, {**sizes}) for s in slots)
            elif kind == "shared" and slots:
                off = slots[0][1]
                bank = _text.bank_of(off, elem_bits=32)
                colour = _hex(colorsys.hls_to_rgb((bank * 0.61803) % 1.0, 0.75, 0.55))
                label = str(off)
                tip = f"offset {off}, bank {bank} (32-bit elements)"
            else:
                colour, label, tip = "#ffffff", "", "not held"
            tds.append(
                f"<td title='{html.escape(str(key))}: {html.escape(tip)}' "
                f"style='background:{colour};border:1px solid #fff;padding:1px 3px;color:#000'>"
                f"{html.escape(label)}</td>"
            )
        lines.append("<tr>" + "".join(tds) + "</tr>")
    lines.append("</table>")
    legend = ""
    if kind == "distributed":
        swatches = "".join(
            f"<span style='background:{_hex(c)};padding:0 6px;margin-right:4px'>&nbsp;</span>warp {k} "
            for k, c in enumerate(base[:16])
        )
        legend = f"<div style='font-size:11px'>{swatches} (lighter = higher lane)</div>"
    return f"<div>{head}{body}{legend}{''.join(lines)}</div>"


def plan_html(plan: ConversionPlan, *, image: bool = False, interactive: bool = True) -> str:
    """An HTML summary of a conversion plan: kind, metrics, one line per step, then
    (``interactive``, for plans that carry their layouts and ``explain()``) the step-through
    view of :mod:`linlayout.views.html`, and (``image``) the :func:`draw_plan` picture
    inlined as PNG."""
    steps = _steps(plan)
    if interactive and hasattr(plan, "explain") and getattr(plan, "src", None) is not None:
        from . import html as pages

        try:
            return pages.plan_fragment(plan)
        except LayoutError:  # too large for the interactive view: the summary below
            pass
    items = []
    for s in steps:
        name = _step_name(s)
        extra = []
        for key in ("vec", "instruction"):
            v = getattr(s, key, None)
            if v is not None:
                extra.append(f"{key}={v}")
        items.append(f"<li><b>{html.escape(name)}</b> {html.escape(' '.join(extra))}</li>")
    metrics = "".join(
        f"<tr><td style='text-align:left'>{html.escape(k)}</td>"
        f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in _metrics(plan).items()
    )
    img = ""
    if image:
        png = plan_png(plan)
        if png:
            img = f"<img src='data:image/png;base64,{base64.b64encode(png).decode()}'/>"
    return (
        f"<div><b>ConversionPlan</b><table style='font-size:12px'>{metrics}</table>"
        f"<ol start='1' style='font-size:12px'>{''.join(items) or '<li>no steps</li>'}</ol>{img}</div>"
    )


# ----------------------------------------------------------------------------- quick pictures (Jupyter)


def _cell_colours(
    layout: LinearLayout,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], tuple[NDArray[Any], NDArray[Any], str, str]]:
    """(rows x cols x 3 float image, per-cell key of thread, per-cell key of warp, labels)
    of a distributed or shared layout, coloured as :func:`draw_layout` colours them."""
    import numpy as np

    kind = _text.layout_kind(layout)
    if kind == "distributed":
        first, _, (nb, nw, nl, _) = _distributed_grid(layout)
        base = np.array(warp_colors(nb * nw))
        group = np.clip(first[..., 0] * nw + first[..., 1], 0, None)
        t = (0.62 * first[..., 2] / max(1, nl - 1))[..., None]
        img = base[group] * (1 - t) + t
        img[first[..., 0] < 0] = 1.0
        thread = first[..., 0] * nw * nl + first[..., 1] * nl + first[..., 2]
        warp = first[..., 0] * nw + first[..., 1]
        return img, thread, warp, (first[..., 2], first[..., 3], "T", "R")
    shape = _text._shape(layout)
    rows, cols = _grid_shape(shape)
    where = _text._element_offsets(layout, shape).reshape(rows, cols)
    bank = (where * 4 // 4) % 32  # 32-bit elements on 32 banks x 4 bytes
    palette = np.array([colorsys.hls_to_rgb((k * 0.61803) % 1.0, 0.74, 0.6) for k in range(32)])
    img = palette[bank]
    img[where < 0] = 1.0
    return img, bank, bank // 8, (where, bank, "", "b")


def _quick_png_uncached(layout: LinearLayout) -> bytes:
    """A PNG of a distributed or shared layout drawn straight into pixels (no matplotlib
    figure): cells coloured as in :func:`draw_layout`, thin lines between threads, thick
    lines between warps, ``T<lane>``/``R<register>`` labels when cells are large enough."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    img, thread, warp, (lab_a, lab_b, pa, pb) = _cell_colours(layout)
    rows, cols = thread.shape
    cs = 24 if max(rows, cols) <= 64 else (12 if max(rows, cols) <= 128 else 5)
    pix = np.repeat(np.repeat((img * 255).astype(np.uint8), cs, axis=0), cs, axis=1)
    dark, black = np.array([60, 60, 60], np.uint8), np.array([0, 0, 0], np.uint8)
    span = np.arange(cs)[None, :]
    for axis in (1, 0):  # lines between threads (1 px) and between warps (3 px, black)
        diff = np.diff(thread, axis=axis) != 0
        heavy = np.diff(warp, axis=axis) != 0
        for offsets, colour, which in (((-1,), dark, diff & ~heavy), ((-2, -1, 0), black, heavy)):
            rr, cc = np.nonzero(which)
            for d in offsets:
                if axis == 1:
                    ys, xs = rr[:, None] * cs + span, ((cc + 1) * cs + d)[:, None]
                else:
                    ys, xs = ((rr + 1) * cs + d)[:, None], cc[:, None] * cs + span
                ok = (ys < pix.shape[0]) & (xs < pix.shape[1])
                pix[np.broadcast_to(ys, ok.shape)[ok], np.broadcast_to(xs, ok.shape)[ok]] = colour
    try:
        font = ImageFont.load_default(size=9)
        head = ImageFont.load_default(size=12)
    except TypeError:  # pragma: no cover - Pillow < 10.1 has one bitmap size
        font = head = ImageFont.load_default()
    if cs >= 24:  # glyph masks rendered once per distinct string, stamped with numpy
        glyphs: dict[str, Any] = {}

        def glyph(ch: str) -> Any:
            g = glyphs.get(ch)
            if g is None:
                im = Image.new("L", (12, 12), 0)
                ImageDraw.Draw(im).text((0, 0), ch, fill=255, font=font)
                a = np.asarray(im) > 110
                width = int(font.getlength(ch)) or 1
                g = glyphs[ch] = a[:, :width]
            return g

        lum = img @ np.array([0.299, 0.587, 0.114])
        inks = np.where((lum > 0.5)[..., None], np.uint8(0), np.uint8(255)).astype(np.uint8)
        held = lab_a >= 0
        for k, (prefix, values) in enumerate(((pa, lab_a), (pb, lab_b))):
            rr_all, cc_all = np.nonzero(held)
            vals = values[rr_all, cc_all]
            order = np.argsort(vals, kind="stable")
            uniq, starts = np.unique(vals[order], return_index=True)
            for v, group in zip(uniq.tolist(), np.split(order, starts[1:])):  # one stamp per label
                m = np.concatenate([glyph(ch) for ch in f"{prefix}{v}"], axis=1)[: cs // 2 - 1, : cs - 3]
                my, mx = np.nonzero(m)
                rr, cc = rr_all[group], cc_all[group]
                ys = (rr * cs + 2 + k * (cs // 2))[:, None] + my[None, :]
                xs = (cc * cs + 2)[:, None] + mx[None, :]
                pix[ys, xs] = inks[rr, cc][:, None, :]
    top, left = 34, 30
    canvas = Image.new("RGB", (left + cols * cs + 4, top + rows * cs + 4), "white")
    canvas.paste(Image.fromarray(pix), (left, top))
    draw = ImageDraw.Draw(canvas)
    draw.text((2, 2), _text.describe(layout)[:160], fill="black", font=head)
    step = 1 if cols <= 16 else (4 if cols <= 64 else 16)
    for c in range(0, cols, step):
        draw.text((left + c * cs + 1, top - 12), str(c), fill="#444", font=font)
    for r in range(0, rows, 1 if rows <= 16 else (4 if rows <= 64 else 16)):
        draw.text((2, top + r * cs + 1), str(r), fill="#444", font=font)
    out = io.BytesIO()
    canvas.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, "PNG", compress_level=3)
    return out.getvalue()


_QUICK: dict[Any, bytes] = {}


def quick_png(layout: LinearLayout) -> bytes | None:
    """The Jupyter picture of ``layout``: :func:`_quick_png_uncached`, cached per layout (the
    last 16); None for kinds it does not draw or tensors beyond MAX_CELLS elements."""
    _text._check_layout(layout)
    if _text.layout_kind(layout) not in ("distributed", "shared"):
        return None
    try:
        _check_size(layout)
    except LayoutError:
        return None
    png = _QUICK.get(layout)
    if png is None:
        png = _quick_png_uncached(layout)
        if len(_QUICK) >= 16:
            _QUICK.pop(next(iter(_QUICK)))
        _QUICK[layout] = png
    return png
