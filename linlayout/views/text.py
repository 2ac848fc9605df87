"""Text views of a layout: who holds each element, and what each hardware slot holds.

Two points of view, for every kind of layout:

* the **tensor view** walks the tensor: for each element, the hardware slots holding it
  (``W1:T3:R2`` = warp 1, lane 3, register 2; every copy of a broadcast element,
  joined by ``|``); for a shared layout the offset of each element and its bank; for a
  tensor-memory layout its ``row:col``;
* the **hardware view** walks the hardware: for each block/warp, a lane x register
  table of elements; for a shared layout a bank map (one row per sweep of all banks);
  for tensor memory a row x column table.

Large tensors are summarised (edges kept, ``…`` in the middle) unless ``full=True``.
:func:`triton_layout_str` reproduces Triton's own ``getLayoutStr`` text character for
character, for comparison with ``gluon_ir.get_layout_view``.

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [1, 0]],
...                              "warp": [], "block": []}, ["dim0", "dim1"])
>>> print(tensor_view(L, header=False))
       0      1      2      3
0  T0:R0  T0:R1  T1:R0  T1:R1
1  T2:R0  T2:R1  T3:R0  T3:R1
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .._limits import check_int
from ..errors import LayoutError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..layout import LinearLayout

__all__ = [
    "layout_kind",
    "evaluate",
    "tensor_cells",
    "hardware_cells",
    "describe",
    "tensor_view",
    "hardware_view",
    "layout_view",
    "bank_of",
    "triton_layout_str",
    "shared_access",
    "BankAccess",
]

DISTRIBUTED_DIMS = ("register", "lane", "warp", "block")
#: the most hardware slots (product of in-dim sizes) a view evaluates (4M: 64 MB of table)
MAX_SLOTS = 1 << 22
#: the most tensor elements a text view indexes (its per-element arrays stay under 32 MB)
MAX_TEXT_ELEMENTS = 1 << 22
SHARED_DIMS = ("offset", "block")
TMEM_DIMS = ("row", "col", "block")
ELLIPSIS = "…"


# ----------------------------------------------------------------------------- evaluation


def layout_kind(layout: LinearLayout) -> str:
    """``"distributed"``, ``"shared"``, ``"tmem"`` or ``"generic"``, from the in-dim names.

    >>> from linlayout import LinearLayout
    >>> layout_kind(LinearLayout.identity("offset", 8, "dim0"))
    'shared'
    """
    ins = set(_in_dims(layout))
    if {"register", "lane", "warp"} <= ins and ins <= set(DISTRIBUTED_DIMS):
        return "distributed"
    if "offset" in ins and ins <= set(SHARED_DIMS):
        return "shared"
    if {"row", "col"} <= ins and ins <= set(TMEM_DIMS):
        return "tmem"
    return "generic"


def _in_dims(layout: LinearLayout) -> dict[str, int]:
    return dict(layout.in_dims)


def _out_dims(layout: LinearLayout) -> dict[str, int]:
    return dict(layout.out_dims)


def _check_layout(layout: LinearLayout) -> None:
    if not (hasattr(layout, "bases") and hasattr(layout, "in_dims") and hasattr(layout, "out_dims")):
        raise LayoutError(f"layout: expected a linlayout.LinearLayout, got {type(layout).__name__}")


def _check_elements(layout: LinearLayout, limit: int, what: str) -> None:
    """LayoutError when the layout's tensor has more than ``limit`` elements."""
    total = 1
    for n in _out_dims(layout).values():
        total *= n
    if total > limit:
        shape = "x".join(str(n) for n in _out_dims(layout).values())
        raise LayoutError(f"layout: a {shape} tensor has {total} elements, too many to be {what} "
                          f"(at most {limit}); view a sub-tile")


def _size(layout: LinearLayout, dim: str) -> int:
    return _in_dims(layout).get(dim, 1)


def evaluate(layout: LinearLayout, order: Sequence[str]) -> NDArray[np.int64]:
    """Every output of ``layout`` as a numpy array indexed ``[i_0, i_1, …, out]``.

    ``order`` lists in-dims (slowest first); in-dims the layout lacks count as size 1,
    in-dims not listed are held at 0.  Values are the XOR of the bases of set bits.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"lane": [[1], [2]]}, ["dim0"])
    >>> evaluate(L, ["lane"])[:, 0].tolist()
    [0, 1, 2, 3]
    """
    import numpy as np

    _check_layout(layout)
    sizes = [_size(layout, d) for d in order]
    total = 1
    for n in sizes:
        total *= n
    if total > MAX_SLOTS:
        raise LayoutError(
            f"layout: {total} hardware slots are too many to view (at most {MAX_SLOTS}); "
            "view a smaller tensor or a sub-tile"
        )
    n_out = len(_out_dims(layout))
    acc = np.zeros([*sizes, n_out], dtype=np.int64)
    for axis, dim in enumerate(order):
        bases = layout.bases.get(dim, [])
        idx = np.arange(sizes[axis])
        for bit, vec in enumerate(bases):
            on = ((idx >> bit) & 1).astype(np.int64)
            term = on[:, None] * np.asarray(vec, dtype=np.int64)[None, :]
            shape = [1] * len(order) + [n_out]
            shape[axis] = sizes[axis]
            acc ^= term.reshape(shape)
    return acc


def _shape(layout: LinearLayout) -> list[int]:
    return list(_out_dims(layout).values())


def _linear_index(values: NDArray[np.int64], shape: Sequence[int]) -> NDArray[np.int64]:
    """Row-major index (last out dim fastest) of coordinate rows ``values[..., k]``."""
    import numpy as np

    lin: NDArray[np.int64] = np.zeros(values.shape[:-1], dtype=np.int64)
    for k, size in enumerate(shape):
        lin = lin * size + values[..., k]
    return lin


def _hw_order(kind: str, layout: LinearLayout) -> list[str]:
    if kind == "distributed":
        return ["block", "warp", "lane", "register"]
    if kind == "shared":
        return ["block", "offset"]
    if kind == "tmem":
        return ["block", "row", "col"]
    return list(_in_dims(layout))[::-1]




class _SlotIndex:
    """Every hardware slot sorted by the element it holds, for looking up a few elements
    of a large layout without building a dict of all of them."""

    def __init__(self, layout: LinearLayout, kind: str) -> None:
        import numpy as np

        order = _hw_order(kind, layout)
        table = evaluate(layout, order)
        self.shape = _shape(layout)
        lin = _linear_index(table, self.shape).reshape(-1)
        self.perm = np.argsort(lin, kind="stable")
        self.sorted = lin[self.perm]
        self.dims = table.shape[:-1]
        counts = np.unique(self.sorted, return_counts=True)[1] if lin.size else np.zeros(1, dtype=np.int64)
        self.max_copies = int(counts.max()) if counts.size else 0  # no array as large as the tensor

    def slots(self, elem: Sequence[int]) -> list[tuple[int, ...]]:
        import numpy as np

        key = 0
        for v, s in zip(elem, self.shape):
            key = key * s + int(v)
        lo, hi = np.searchsorted(self.sorted, [key, key + 1])
        flat = self.perm[lo:hi]
        return [tuple(int(x) for x in np.unravel_index(int(f), self.dims)) for f in flat]


def tensor_cells(layout: LinearLayout) -> dict[tuple[int, ...], list[tuple[int, ...]]]:
    """``{element: [hardware slot, …]}`` for every element some slot holds.

    Slots are ``(block, warp, lane, register)`` for distributed layouts,
    ``(block, offset)`` for shared ones, ``(block, row, col)`` for tensor memory and
    the in-dims in reverse order otherwise; copies are listed in that (lexicographic)
    order.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"register": [], "lane": [[0], [1]], "warp": [],
    ...                              "block": []}, ["dim0"])
    >>> tensor_cells(L)
    {(0,): [(0, 0, 0, 0), (0, 0, 1, 0)], (1,): [(0, 0, 2, 0), (0, 0, 3, 0)]}
    """
    import numpy as np

    order = _hw_order(layout_kind(layout), layout)
    table = evaluate(layout, order)
    flat = table.reshape(-1, table.shape[-1])
    slots = np.stack(np.unravel_index(np.arange(flat.shape[0]), table.shape[:-1]), axis=1)
    out: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
    for elem, slot in zip(map(tuple, flat.tolist()), map(tuple, slots.tolist())):
        out.setdefault(elem, []).append(slot)
    return dict(sorted(out.items()))


def hardware_cells(layout: LinearLayout) -> dict[tuple[int, ...], tuple[int, ...]]:
    """``{hardware slot: element}`` (slots as in :func:`tensor_cells`)."""
    import numpy as np

    order = _hw_order(layout_kind(layout), layout)
    table = evaluate(layout, order)
    flat = table.reshape(-1, table.shape[-1]).tolist()
    slots = np.stack(np.unravel_index(np.arange(len(flat)), table.shape[:-1]), axis=1).tolist()
    return {tuple(s): tuple(e) for s, e in zip(slots, flat)}


# ----------------------------------------------------------------------------- banks


def bank_of(offset: int, *, elem_bits: int = 32, num_banks: int = 32, bank_bytes: int = 4) -> int:
    """Bank of element ``offset`` for elements of ``elem_bits`` bits.

    >>> bank_of(33, elem_bits=16)
    16
    """
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise LayoutError(f"offset: expected a non-negative element offset, got {offset!r}")
    check_int(num_banks, "num_banks", lo=1)
    check_int(bank_bytes, "bank_bytes", lo=1)
    return (offset * elem_bits // 8 // bank_bytes) % num_banks


def _banks(target: Any) -> tuple[int, int, str]:
    if target is None:
        return 32, 4, "32 banks x 4 B"
    from ..targets import get_target

    t = get_target(target)
    for name in ("num_banks", "bank_bytes"):  # a hand-built Target may carry nonsense
        v = getattr(t, name, None)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v & (v - 1):
            raise LayoutError(f"target: {name} must be a positive power of two, got {v!r}")
    return t.num_banks, t.bank_bytes, f"{t.num_banks} banks x {t.bank_bytes} B ({t.name})"


# ----------------------------------------------------------------------------- formatting


def _fmt_coord(coord: Sequence[int]) -> str:
    return "(" + ",".join(str(c) for c in coord) + ")"


def _keep(n: int, limit: int) -> list[int | None]:
    """Indices to show out of ``n``: all, or both edges with ``None`` for the gap."""
    if n <= limit:
        return list(range(n))
    head = (limit + 1) // 2
    tail = limit - head
    return [*range(head), None, *range(n - tail, n)]


def _table(
    row_labels: Callable[[int], object], col_labels: Callable[[int], object], cell: Callable[[int, int], str],
    rows: Sequence[int | None], cols: Sequence[int | None], corner: str = "",
) -> str:
    """Right-aligned table; ``rows``/``cols`` hold indices or None (an elided gap)."""
    header = [corner] + [ELLIPSIS if c is None else str(col_labels(c)) for c in cols]
    body = []
    for r in rows:
        if r is None:
            body.append([ELLIPSIS] + ["" for _ in cols])
            continue
        body.append([str(row_labels(r))] + [ELLIPSIS if c is None else cell(r, c) for c in cols])
    widths = [max(len(line[k]) for line in [header, *body]) for k in range(len(header))]
    lines = []
    for line in [header, *body]:
        first = line[0].ljust(widths[0])
        rest = [v.rjust(w) for v, w in zip(line[1:], widths[1:])]
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines)


def terminal_width(max_width: int | None = None) -> int:
    """``max_width`` when given, else the terminal's width (200 when output is not a terminal)."""
    import shutil

    if max_width is None:
        return max(40, shutil.get_terminal_size((200, 24)).columns)
    if isinstance(max_width, bool) or not isinstance(max_width, int) or max_width < 20:
        raise LayoutError(f"max_width: expected an int >= 20 (characters), got {max_width!r}")
    return max_width


def _check_rows(max_rows: int) -> None:
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 2:
        raise LayoutError(f"max_rows: expected an int >= 2 (rows shown before summarising), got {max_rows!r}")


def _cols_that_fit(cell_width: int, max_width: int, ncols: int, label_width: int = 6) -> int:
    """How many columns of ``cell_width`` fit ``max_width`` after the row labels (at least 2)."""
    if label_width + ncols * (cell_width + 2) <= max_width:
        return ncols
    return max(2, min(ncols, (max_width - label_width - 3) // (cell_width + 2)))


def _slot_label(kind: str, slot: Sequence[int], sizes: dict[str, int]) -> str:
    if kind == "distributed":
        b, w, lane, r = slot
        parts = []
        if sizes["block"] > 1:
            parts.append(f"B{b}")
        if sizes["warp"] > 1:
            parts.append(f"W{w}")
        parts += [f"T{lane}", f"R{r}"]
        return ":".join(parts)
    if kind == "tmem":
        b, row, col = slot
        return (f"B{b}:" if sizes["block"] > 1 else "") + f"{row}:{col}"
    return ":".join(str(v) for v in slot)


def _grids(shape: Sequence[int]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """Yield (title, leading index) for each 2-D slice of a rank>=3 tensor."""
    import itertools

    lead = shape[:-2]
    for idx in itertools.product(*[range(s) for s in lead]):
        yield "[" + ", ".join(str(i) for i in idx) + ", :, :]", idx


def _tensor_grid(
    shape: Sequence[int], label_of: Callable[[tuple[int, ...]], str], max_rows: int, max_width: int,
    full: bool,
) -> str:
    """Lay the tensor out as 2-D grids of cell labels (rank 1 = one row per 1-D chunk)."""
    if len(shape) == 1:
        n = shape[0]
        cols = min(n, 16)
        rows2 = n // cols

        def lab(r: int, c: int) -> str:
            return label_of((r * cols + c,))

        w = max(len(lab(r, c)) for r in range(rows2) for c in range(cols))
        ncols = cols if full else _cols_that_fit(w, max_width, cols)
        return _table(
            lambda r: r * cols, lambda c: f"+{c}", lab,
            list(range(rows2)) if full else _keep(rows2, max_rows),
            list(range(cols)) if full else _keep(cols, ncols), corner="",
        )
    blocks = []
    nrows, ncols_total = shape[-2], shape[-1]
    lead_slices = list(_grids(shape)) if len(shape) > 2 else [("", ())]
    show = range(len(lead_slices)) if full else _keep(len(lead_slices), 4)
    for k in show:
        if k is None:
            blocks.append(f"{ELLIPSIS} {len(lead_slices) - 4} more slices")
            continue
        title, idx = lead_slices[k]
        rows_k = list(range(nrows)) if full else _keep(nrows, max_rows)
        sample = [label_of((*idx, r, c)) for r in rows_k if r is not None for c in range(min(ncols_total, 8))]
        w = max(len(s) for s in sample)
        cols_k = list(range(ncols_total)) if full else _keep(ncols_total, _cols_that_fit(w, max_width,
                                                                                            ncols_total))

        def cell(r: int, c: int, idx: tuple[int, ...] = idx) -> str:
            return label_of((*idx, r, c))

        text = _table(lambda r: r, lambda c: c, cell, rows_k, cols_k)
        blocks.append((title + "\n" if title else "") + text)
    return "\n\n".join(blocks)


def describe(layout: LinearLayout) -> str:
    """One line saying what the layout is: kind, tensor shape, hardware sizes, broadcast.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"register": [[1]], "lane": [[0], [2]], "warp": [],
    ...                              "block": []}, ["dim0"])
    >>> print(describe(L))
    distributed layout of a 4 tensor: 1 block x 1 warp x 4 lanes x 2 registers; each element held by 2 threads
    """
    _check_layout(layout)
    kind = layout_kind(layout)
    shape = "x".join(str(s) for s in _shape(layout)) or "scalar"
    sizes = _in_dims(layout)
    total_in = 1
    for s in sizes.values():
        total_in *= s
    elems = 1
    for s in _shape(layout):
        elems *= s
    if kind == "distributed":
        hw = (f"{_plural(sizes.get('block', 1), 'block')} x {_plural(sizes['warp'], 'warp')} x "
              f"{_plural(sizes['lane'], 'lane')} x {_plural(sizes['register'], 'register')}")
    elif kind == "shared":
        hw = f"{_plural(sizes.get('block', 1), 'block')} x {_plural(sizes['offset'], 'offset')}"
    elif kind == "tmem":
        hw = f"{_plural(sizes.get('block', 1), 'block')} x {sizes['row']} rows x {sizes['col']} columns"
    else:
        hw = " x ".join(f"{n} {d}" for d, n in sizes.items())
    text = f"{kind} layout of a {shape} tensor: {hw}"
    if elems and total_in > elems and total_in <= MAX_SLOTS:
        text += _copies_text(layout, kind)
    return text


def _copies_text(layout: LinearLayout, kind: str) -> str:
    """'; each element held by N threads (R registers each)' from the kernel of the map."""
    import numpy as np

    order = _hw_order(kind, layout)
    table = evaluate(layout, order)
    flat = table.reshape(-1, table.shape[-1])
    zero = np.nonzero(~flat.any(axis=1))[0]  # the slots holding element 0 (a coset of the kernel)
    held = len(np.unique(_linear_index(flat, _shape(layout))))
    total = 1
    for s in _shape(layout):
        total *= s
    out = "" if held == total else f"; only {held} of {total} elements held"
    if kind == "distributed":
        slots = np.stack(np.unravel_index(zero, table.shape[:-1]), axis=1)
        threads = len({tuple(t) for t in slots[:, :3].tolist()})
        regs = len(zero) // threads
        if threads > 1:
            out += f"; each element held by {threads} threads"
        if regs > 1:
            out += f"; each copy in {regs} registers of its thread"
    elif len(zero) > 1:
        out += f"; each element held by {len(zero)} slots"
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# ----------------------------------------------------------------------------- tensor view


def tensor_view(
    layout: LinearLayout,
    *,
    target: Any = None,
    elem_bits: int = 32,
    max_rows: int = 32,
    max_width: int | None = None,
    full: bool = False,
    header: bool = True,
) -> str:
    """For every tensor element, the hardware holding it (see the module docstring).

    Distributed: ``B<block>:W<warp>:T<lane>:R<register>`` (block and warp left out
    when there is only one); a broadcast element shows its first copy and ``×N`` (all
    copies joined by ``|`` with ``full``); ``max_width`` defaults to the terminal's width.
    Shared: ``<offset>:b<bank>`` (banks of ``target``, default 32 x 4 bytes, for ``elem_bits``-bit elements).
    Tensor memory: ``<row>:<col>``.  Columns are the last tensor dim, rows the one
    before; higher dims give one grid per index.  Tensors wider than ``max_width``
    characters or taller than ``max_rows`` rows are summarised unless ``full``.
    """
    _check_layout(layout)
    _check_rows(max_rows)
    kind = layout_kind(layout)
    sizes = {d: _size(layout, d) for d in ("block", "warp", "lane", "register", "offset", "row", "col")}
    shape = _shape(layout)
    if not shape:
        raise LayoutError("layout: has no output dims, so there is no tensor to show")
    lookup = _SlotIndex(layout, kind)
    if kind == "shared":
        num_banks, bank_bytes, bank_text = _banks(target)

        def one(slot: tuple[int, ...]) -> str:
            b, off = slot
            bank = bank_of(off, elem_bits=elem_bits, num_banks=num_banks, bank_bytes=bank_bytes)
            return (f"B{b}:" if sizes["block"] > 1 else "") + f"{off}:b{bank}"

        legend = f"cell = [B<block>:]<offset>:b<bank>  ({elem_bits}-bit elements, {bank_text})"
    else:
        def one(slot: tuple[int, ...]) -> str:
            return _slot_label(kind, slot, sizes)

        legend = {
            "distributed": "cell = " + ("B<block>:" if sizes["block"] > 1 else "")
            + ("W<warp>:" if sizes["warp"] > 1 else "") + "T<lane>:R<register>",
            "tmem": "cell = <row>:<col> in tensor memory",
        }.get(kind, "cell = " + ":".join(_hw_order(kind, layout)))

    def label_of(elem: tuple[int, ...]) -> str:
        slots = lookup.slots(elem)
        if not slots:
            return "-"
        if full or len(slots) == 1:
            return "|".join(one(s) for s in slots)
        return f"{one(slots[0])} ×{len(slots)}"

    width = terminal_width(max_width)
    grid = _tensor_grid(shape, label_of, max_rows, width, full)
    if not header:
        return grid
    broadcast = lookup.max_copies > 1
    copies = ""
    if broadcast:
        copies = (" ('|' joins the copies of a broadcast element)" if full
                  else " ('×N': the first of N copies of a broadcast element; full lists them all)")
    axes = (f"rows: dim{len(shape) - 2}, columns: dim{len(shape) - 1}" if len(shape) > 1
            else "rows: index of the first element, columns: + offset")
    return f"{describe(layout)}\n{legend}{copies}; {axes}\n{grid}"


# ----------------------------------------------------------------------------- hardware view


def hardware_view(
    layout: LinearLayout,
    *,
    target: Any = None,
    elem_bits: int = 32,
    max_rows: int = 32,
    max_width: int | None = None,
    full: bool = False,
    header: bool = True,
) -> str:
    """For every hardware slot, the element it holds (see the module docstring).

    Distributed: per block and warp, a table with one row per lane and one column per
    register.  Shared: a bank map, one row per sweep over all banks, one column per
    offset in the sweep (its bank in the column header).  Tensor memory: rows x columns.
    """
    _check_layout(layout)
    _check_rows(max_rows)
    max_width = terminal_width(max_width)
    kind = layout_kind(layout)
    if kind == "distributed":
        body = _hw_distributed(layout, max_rows, max_width, full)
    elif kind == "shared":
        body = _hw_shared(layout, target, elem_bits, max_rows, max_width, full)
    elif kind == "tmem":
        body = _hw_tmem(layout, max_rows, max_width, full)
    else:
        body = _hw_generic(layout, max_rows, full)
    if not header:
        return body
    return f"{describe(layout)}\n{body}"


def _hw_distributed(layout: LinearLayout, max_rows: int, max_width: int, full: bool) -> str:
    table = evaluate(layout, ["block", "warp", "lane", "register"])
    nb, nw, nl, nr = table.shape[:4]
    parts = []
    groups = [(b, w) for b in range(nb) for w in range(nw)]
    show = range(len(groups)) if full else _keep(len(groups), 8)
    for k in show:
        if k is None:
            parts.append(f"{ELLIPSIS} {len(groups) - 8} more warps")
            continue
        b, w = groups[k]
        title = (f"block {b}, " if nb > 1 else "") + f"warp {w}:"
        sub = table[b, w]
        cell_w = max(len(_fmt_coord(sub[lane, r])) for lane in range(min(nl, 4)) for r in range(nr))
        rows = list(range(nl)) if full else _keep(nl, max_rows)
        cols = list(range(nr)) if full else _keep(nr, _cols_that_fit(cell_w, max_width - 6, nr))
        def cell(lane: int, r: int, sub: NDArray[np.int64] = sub) -> str:
            return _fmt_coord(sub[lane, r])

        text = _table(lambda lane: f"T{lane}", lambda r: f"R{r}", cell, rows, cols)
        parts.append(title + "\n" + text)
    return "\n\n".join(parts)


def _hw_shared(
    layout: LinearLayout, target: Any, elem_bits: int, max_rows: int, max_width: int, full: bool
) -> str:
    num_banks, bank_bytes, bank_text = _banks(target)
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    table = evaluate(layout, ["block", "offset"])
    nb, n_off = table.shape[:2]
    per_row = max(1, num_banks * bank_bytes * 8 // elem_bits)
    per_row = min(per_row, n_off)
    nrows = n_off // per_row
    parts = [f"bank map: {elem_bits}-bit elements, {bank_text}; row = {per_row} consecutive offsets "
             "(one sweep over the banks), cell = element, column header = bank"]
    for b in range(nb):
        sub = table[b]
        cell_w = max(len(_fmt_coord(sub[o])) for o in range(min(n_off, 64)))
        rows = list(range(nrows)) if full else _keep(nrows, max_rows)
        fit = _cols_that_fit(cell_w, max_width - 8, per_row)
        cols = list(range(per_row)) if full else _keep(per_row, fit)
        text = _table(
            lambda r: f"@{r * per_row}",
            lambda c: f"b{bank_of(c, elem_bits=elem_bits, num_banks=num_banks, bank_bytes=bank_bytes)}",
            functools.partial(_offset_cell, sub, per_row),
            rows, cols, corner="offset",
        )
        parts.append((f"block {b}:\n" if nb > 1 else "") + text)
    return "\n".join(parts)


def _offset_cell(sub: NDArray[np.int64], per_row: int, r: int, c: int) -> str:
    """The coordinate at offset ``r * per_row + c`` of one block's offset table."""
    return _fmt_coord(sub[r * per_row + c])


def _hw_tmem(layout: LinearLayout, max_rows: int, max_width: int, full: bool) -> str:
    table = evaluate(layout, ["block", "row", "col"])
    nb, nrow, ncol = table.shape[:3]
    parts = ["tensor memory: row = TMEM lane, column = 32-bit column, cell = element"]
    for b in range(nb):
        sub = table[b]
        cell_w = max(len(_fmt_coord(sub[0, c])) for c in range(ncol))
        rows = list(range(nrow)) if full else _keep(nrow, max_rows)
        cols = list(range(ncol)) if full else _keep(ncol, _cols_that_fit(cell_w, max_width - 6, ncol))
        def cell(r: int, c: int, sub: NDArray[np.int64] = sub) -> str:
            return _fmt_coord(sub[r, c])

        text = _table(lambda r: f"row {r}", lambda c: f"c{c}", cell, rows, cols)
        parts.append((f"block {b}:\n" if nb > 1 else "") + text)
    return "\n".join(parts)


def _hw_generic(layout: LinearLayout, max_rows: int, full: bool) -> str:
    import itertools

    dims = list(_in_dims(layout))
    sizes = [_size(layout, d) for d in dims]
    table = evaluate(layout, dims)
    points = list(itertools.product(*[range(s) for s in sizes]))
    show = range(len(points)) if full else _keep(len(points), max_rows)
    lines = []
    for k in show:
        if k is None:
            lines.append(f"{ELLIPSIS} {len(points) - max_rows} more")
            continue
        p = points[k]
        ins = ", ".join(f"{d}={v}" for d, v in zip(dims, p))
        lines.append(f"{ins} -> {_fmt_coord(table[p])}")
    return "\n".join(lines)


def layout_view(layout: LinearLayout, view: str = "tensor", **kwargs: Any) -> str:
    """``tensor_view`` or ``hardware_view`` by name (``view`` = ``"tensor"`` or ``"hardware"``)."""
    if view == "tensor":
        return tensor_view(layout, **kwargs)
    if view in ("hardware", "hw"):
        return hardware_view(layout, **kwargs)
    raise LayoutError(f"view: expected 'tensor' or 'hardware', got {view!r}")


# ----------------------------------------------------------------------------- Triton's text


def _pad(value: int, maximum: int) -> str:
    return " " * (len(str(maximum)) - len(str(value))) + str(value)


def _bracketed(shape: Sequence[int], cells: Sequence[str], sep: str) -> str:
    """Triton's nested-bracket printing of a row-major list of cell strings."""
    rank = len(shape)
    total = len(cells)
    out: list[str] = []
    new_line = True

    def delin(i: int) -> list[int]:
        idx = []
        for s in reversed(shape):
            idx.append(i % s)
            i //= s
        return idx[::-1]

    for i in range(total):
        idx = delin(i)
        opened = 0
        for j in range(rank - 1, -1, -1):
            if idx[j] != 0:
                break
            out.append("[")
            opened += 1
        if new_line:
            out.append(" " * (rank - opened))
            new_line = False
        out.append(cells[i])
        nxt = delin(i + 1)
        for j in range(rank - 1, -1, -1):
            if nxt[j] != 0:
                break
            out.append("]")
        if nxt[-1] == 0:
            out.append("\n")
            new_line = True
        else:
            out.append(sep)
    return "".join(out)


def triton_layout_str(layout: LinearLayout, use_hw_view: bool = False) -> str:
    """Triton 3.9.0's ``getLayoutStr`` text (what ``gluon_ir.get_layout_view`` returns).

    Only distributed and shared layouts have one in Triton.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"register": [], "lane": [[1]], "warp": [], "block": []},
    ...                             ["dim0"])
    >>> triton_layout_str(L)
    '[T0:0, T1:0]\\n'
    """
    _check_layout(layout)
    _check_elements(layout, MAX_TEXT_ELEMENTS, "printed in full (Triton's text lists every element)")
    kind = layout_kind(layout)
    if kind == "distributed":
        return _triton_distributed(layout, use_hw_view)
    if kind == "shared":
        return _triton_shared(layout, use_hw_view)
    raise LayoutError(
        f"layout: Triton prints only distributed and shared layouts; this one is {kind} "
        f"(in-dims {list(_in_dims(layout))})"
    )


def _triton_distributed(layout: LinearLayout, hw: bool) -> str:
    table = evaluate(layout, ["block", "warp", "lane", "register"])
    nb, nw, nl, nr = table.shape[:4]
    shape = _shape(layout)
    total = 1
    for s in shape:
        total *= s
    if not hw:
        mapping = [""] * total
        lin = _linear_index(table, shape).tolist()
        for b in range(nb):
            for w in range(nw):
                for lane in range(nl):
                    tid = lane + w * nl
                    for r in range(nr):
                        i = lin[b][w][lane][r]
                        pad = (len(str(nb)) - len(str(b)) + len(str(nw * nl)) - len(str(tid))
                               + len(str(nr)) - len(str(r)))
                        text = ("|" if mapping[i] else "") + " " * pad
                        text += (f"B{b}:" if nb > 1 else "") + f"T{tid}:{r}"
                        mapping[i] += text
        return _bracketed(shape, mapping, ", ")
    vals = table.tolist()
    out = []
    for b in range(nb):
        if nb > 1:
            out.append(f"Block{b}:\n")
        for w in range(nw):
            out.append(f"Warp{w}:\n")
            for r in range(nr):
                row = ["(" + ",".join(_pad(v, s) for v, s in zip(vals[b][w][lane][r], shape)) + ")"
                       for lane in range(nl)]
                out.append(", ".join(row) + "\n")
    return "".join(out)


def _triton_shared(layout: LinearLayout, hw: bool) -> str:
    shape = _shape(layout)
    total = 1
    for s in shape:
        total *= s
    nb = _size(layout, "block")
    block_size = total // nb
    if block_size > _size(layout, "offset"):
        raise LayoutError(
            f"layout: Triton's shared view needs {block_size} offsets per block, the layout has "
            f"{_size(layout, 'offset')}"
        )
    table = evaluate(layout, ["block", "offset"])[:, :block_size].tolist()
    if not hw:
        cells = ["(" + ":".join(_pad(v, s) for v, s in zip(table[b][o], shape)) + ")"
                 for b in range(nb) for o in range(block_size)]
        return _bracketed(shape, cells, ",")
    out = []
    for b in range(nb):
        out.append(f"Block: {b}:\n")
        for o in range(block_size):
            out.append(f"Offset: {o} -> (" + ",".join(_pad(v, s) for v, s in zip(table[b][o], shape)) + ")\n")
    return "".join(out)


# ----------------------------------------------------------------------------- bank conflicts


class BankAccess:
    """How one warp's access pattern hits the shared-memory banks (see :func:`shared_access`).

    Attributes: ``offsets[lane, register]`` (element offset each lane touches),
    ``words`` (bank-width word address), ``banks``, ``vec`` (registers per instruction),
    ``wavefronts[i]`` (largest number of distinct words one bank serves in instruction
    ``i``), ``ideal[i]`` (the fewest possible for that many words) and ``worst``
    (index of the instruction with the most excess wavefronts).
    """

    def __init__(
        self, offsets: NDArray[np.int64], words: NDArray[np.int64], banks: NDArray[np.int64], vec: int,
        wavefronts: list[int], ideal: list[int], num_banks: int,
    ) -> None:
        self.offsets = offsets
        self.words = words
        self.banks = banks
        self.vec = vec
        self.wavefronts = wavefronts
        self.ideal = ideal
        self.num_banks = num_banks
        excess = [w - i for w, i in zip(wavefronts, ideal)]
        self.worst = max(range(len(excess)), key=lambda k: (excess[k], -k)) if excess else 0

    @property
    def total(self) -> int:
        """Wavefronts summed over the warp's instructions."""
        return sum(self.wavefronts)

    @property
    def conflict_free(self) -> bool:
        return all(w <= i for w, i in zip(self.wavefronts, self.ideal))

    def __repr__(self) -> str:
        return (f"BankAccess(instructions={len(self.wavefronts)}, vec={self.vec}, wavefronts={self.total}, "
                f"ideal={sum(self.ideal)})")


def _element_offsets(shared: LinearLayout, shape: Sequence[int]) -> NDArray[np.int64]:
    """offset of every element (row-major linear index) in block 0 of ``shared``."""
    import numpy as np

    _check_elements(shared, MAX_TEXT_ELEMENTS, "indexed by offset")
    table = evaluate(shared, ["offset"])
    lin = _linear_index(table, shape)
    total = 1
    for s in shape:
        total *= s
    where = np.full(total, -1, dtype=np.int64)
    offs = np.arange(table.shape[0], dtype=np.int64)
    # first offset holding each element wins
    where[lin[::-1]] = offs[::-1]
    return where


def shared_access(
    shared: LinearLayout, access: LinearLayout, *, target: Any = None, elem_bits: int = 32, vec: int = 1,
    warp: int = 0,
) -> BankAccess:
    """Bank behaviour when warp ``warp`` of distributed layout ``access`` reads or writes
    shared layout ``shared`` (same tensor), ``vec`` registers per instruction.

    >>> from linlayout import LinearLayout
    >>> S = LinearLayout.from_bases({"offset": [[0, 1], [0, 2], [1, 0], [2, 0]], "block": []},
    ...                             ["dim0", "dim1"])
    >>> A = LinearLayout.from_bases({"register": [], "lane": [[1, 0], [2, 0]], "warp": [],
    ...                              "block": [], }, [("dim0", 4), ("dim1", 4)],
    ...                             require_surjective=False)
    >>> shared_access(S, A, elem_bits=32, target=None).wavefronts   # a column: 4 different banks
    [1]
    """
    import numpy as np

    _check_layout(shared)
    _check_layout(access)
    if layout_kind(shared) != "shared":
        raise LayoutError("shared: expected a shared layout (in-dims offset, block)")
    if layout_kind(access) != "distributed":
        raise LayoutError("access: expected a distributed layout (in-dims register, lane, warp, block)")
    if _out_dims(shared) != _out_dims(access):
        raise LayoutError(f"access: tensor {_out_dims(access)} differs from the shared layout's "
                          f"{_out_dims(shared)}")
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    nregs = _size(access, "register")
    if vec < 1 or vec & (vec - 1) or nregs % vec or vec * elem_bits > 128:
        raise LayoutError(f"vec: expected a power of two dividing {nregs} registers, at most "
                          f"{128 // elem_bits} for {elem_bits}-bit elements; got {vec}")
    if not 0 <= warp < _size(access, "warp"):
        raise LayoutError(f"warp: expected 0 <= warp < {_size(access, 'warp')}, got {warp}")
    num_banks, bank_bytes, _ = _banks(target)
    shape = _shape(shared)
    where = _element_offsets(shared, shape)
    table = evaluate(access, ["lane", "register", "warp"])[:, :, warp]
    lin = _linear_index(table, shape)
    offsets = where[lin]
    if (offsets < 0).any():
        raise LayoutError("shared: some element the access touches has no offset in block 0")
    words = offsets * elem_bits // 8 // bank_bytes
    if elem_bits == 64:
        # a 64-bit element spans two words; count the first (the second is the next bank)
        words = offsets * 2
    banks = words % num_banks
    fronts: list[int] = []
    ideal: list[int] = []
    for i in range(nregs // vec):
        w = np.unique(words[:, i * vec:(i + 1) * vec])
        if elem_bits == 64:
            w = np.unique(np.concatenate([w, w + 1]))
        counts = np.bincount(w % num_banks, minlength=num_banks)
        fronts.append(int(counts.max()))
        ideal.append(max(1, -(-len(w) // num_banks)))
    return BankAccess(offsets, words, banks, vec, fronts, ideal, num_banks)
