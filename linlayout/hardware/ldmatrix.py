"""ldmatrix / stmatrix as linear layouts, for conversion planners to divide by.

PTX ``ldmatrix`` (sm_75+) and ``stmatrix`` (sm_90+) move whole 8 x 16-byte matrices
("core tiles") between shared memory and registers: every lane supplies the address of
one 16-byte *row*, and the data of the rows lands in the registers of the whole warp.
``.x1/.x2/.x4`` move 1, 2 or 4 core tiles; ``.trans`` transposes each tile (16-bit
elements; 8-bit on sm_100+).

Three views, all with in-dims ``register`` and ``lane`` (plus ``warp, block`` of size 1
for the fragment), using Triton's conventions (``lowerLdStMatrix``):

``ldmatrix_tile(elem_bits, transposed=False, store=False)``
    Triton's *contiguous tile*: ``register, lane -> offset``, the part of a conversion
    ``cvt: (register, lane, warp, block) -> offset`` that one 16-byte row must match.
    ``offset`` has size ``128 // elem_bits`` (elements of one 16-byte row).

    * not transposed: ``register`` bits ``0 .. log2(32/b)-1`` (the elements packed in one
      32-bit register) then ``lane`` bits 0, 1 map to offsets ``1, 2, 4, ...``;
    * transposed: ``lane`` bits 0, 1, 2 then ``register`` bits ``0 .. log2(16/b)-1``.
      These lanes are the *permuted* lanes: a planner first reorders the lanes of ``cvt``
      by :func:`ldmatrix_lane_permutation` (``[2, 3, 4, 0, 1]``: original lanes 2, 3, 4
      become lanes 0, 1, 2) so that the tile is a prefix, then calls
      ``cvt.divide_left(tile)`` (after a register permutation that brings the tile's
      register bases first, as Triton's ``regPermForDivide`` does).

    ``cvt`` is ldmatrix/stmatrix-able when that division succeeds; the remaining lane
    bits (2, 3, 4 untransposed; 0, 1 transposed) and the next registers are the row
    addresses (free, one per lane), and the registers after the tile pick ``.x1/.x2/.x4``.

``ldmatrix_full_tile(elem_bits, transposed=False, store=False)``
    The whole core tile: ``register, lane -> (offset, addr)``; ``addr`` is the index of the
    16-byte row (whose address some lane supplies), ``offset`` the element inside it.
    Out-dims in Triton's order (``offset, addr`` untransposed, ``addr, offset`` transposed).

``ldmatrix_fragment(num, elem_bits=16, transposed=False, store=False)``
    The PTX fragment of ``ldmatrix.xN`` / ``stmatrix.xN``: a distributed layout
    (``register, lane, warp, block``) of the ``8*num`` (16*num for 8-bit transposed loads,
    which have only .x1 and .x2) stacked rows: ``dim0`` = row (lane ``r`` supplies the
    address of row ``r``), ``dim1`` = element in the row.  For ``.m8n8.b16`` thread ``t`` gets, in register
    ``i``, row ``8*i + t // 4`` elements ``2*(t % 4)`` and ``+1``; with ``.trans`` it gets
    rows ``8*i + 2*(t % 4)`` and ``+1`` of column ``t // 4``.

>>> ldmatrix_fragment(4).bases["register"]
[[0, 1], [8, 0], [16, 0]]
>>> ldmatrix_fragment(1).bases["lane"]
[[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]]
"""

from __future__ import annotations

from ..errors import LayoutError
from ..layout import LinearLayout
from ._kit import int_param

__all__ = [
    "ldmatrix_tile",
    "ldmatrix_full_tile",
    "ldmatrix_fragment",
    "ldmatrix_lane_permutation",
    "ldmatrix_row_lanes",
    "ldmatrix_min_sm",
    "ptx_ldmatrix_shape",
    "divide_by_ldmatrix_tile",
]


def _check(elem_bits: int, transposed: bool, store: bool) -> None:
    if isinstance(elem_bits, bool) or not isinstance(elem_bits, int):
        raise LayoutError(f"elem_bits: expected an int, got {elem_bits!r}")
    if not isinstance(transposed, bool):
        raise LayoutError(f"transposed: expected a bool, got {transposed!r}")
    if not isinstance(store, bool):
        raise LayoutError(f"store: expected a bool, got {store!r}")
    if transposed:
        if elem_bits not in (8, 16):
            raise LayoutError(
                f"elem_bits: transposed ldmatrix/stmatrix move 16-bit (or, on sm_100+, 8-bit) elements, "
                f"got {elem_bits}"
            )
    elif elem_bits not in (8, 16, 32):
        raise LayoutError(
            "elem_bits: ldmatrix/stmatrix pack 8, 16 or 32-bit elements into 32-bit registers, "
            f"got {elem_bits}"
        )


def ldmatrix_min_sm(*, elem_bits: int = 16, transposed: bool = False, store: bool = False) -> int:
    """The oldest SM that has the instruction: ldmatrix 75, stmatrix 90, 8-bit ``.trans`` 100.

    >>> ldmatrix_min_sm(store=True)
    90
    """
    _check(elem_bits, transposed, store)
    if transposed and elem_bits == 8:
        return 100
    return 90 if store else 75


def _contig_regs(elem_bits: int, store: bool) -> int:
    """Registers (elements) per row address in the transposed tile: PTX's 8-bit stmatrix
    moves half as much as ldmatrix."""
    return (16 if store and elem_bits == 8 else 32) // elem_bits


def ldmatrix_tile(elem_bits: int = 16, *, transposed: bool = False, store: bool = False) -> LinearLayout:
    """Triton's contiguous ldmatrix/stmatrix tile ``register, lane -> offset`` (see the
    module docstring for how to use it).

    >>> ldmatrix_tile(16).bases
    {'register': [[1]], 'lane': [[2], [4]]}
    >>> ldmatrix_tile(16, transposed=True).bases
    {'register': [], 'lane': [[1], [2], [4]]}
    """
    _check(elem_bits, transposed, store)
    if not transposed:
        return LinearLayout.identity("register", 32 // elem_bits, "offset") * LinearLayout.identity(
            "lane", 4, "offset"
        )
    regs = LinearLayout.identity("register", 16 // elem_bits, "offset")
    return (LinearLayout.identity("lane", 8, "offset") * regs).transpose_ins(["register", "lane"])


def ldmatrix_full_tile(elem_bits: int = 16, *, transposed: bool = False, store: bool = False) -> LinearLayout:
    """One core tile ``register, lane -> (offset, addr)`` (Triton's ``fullTile``).

    >>> ldmatrix_full_tile(16).bases
    {'register': [[1, 0]], 'lane': [[2, 0], [4, 0], [0, 1], [0, 2], [0, 4]]}
    >>> ldmatrix_full_tile(16, transposed=True).out_dims
    {'addr': 8, 'offset': 8}
    """
    _check(elem_bits, transposed, store)
    tile = ldmatrix_tile(elem_bits, transposed=transposed, store=store)
    if not transposed:
        return tile * LinearLayout.identity("lane", 8, "addr")
    contig = _contig_regs(elem_bits, store)
    full = LinearLayout.identity("register", contig, "addr") * LinearLayout.identity("lane", 4, "addr") * tile
    return full.transpose_ins(["register", "lane"])


def ldmatrix_lane_permutation(transposed: bool = False) -> list[int]:
    """The lane reordering Triton applies to a conversion before dividing by
    :func:`ldmatrix_tile`: new lane bit ``i`` is old lane bit ``perm[i]``.

    >>> ldmatrix_lane_permutation(True)
    [2, 3, 4, 0, 1]
    """
    return [2, 3, 4, 0, 1] if transposed else [0, 1, 2, 3, 4]


def ldmatrix_fragment(
    num: int = 4, elem_bits: int = 16, *, transposed: bool = False, store: bool = False
) -> LinearLayout:
    """The register fragment of ``ldmatrix.xN`` / ``stmatrix.xN`` over the stacked rows
    (``dim0`` = row = address-supplying lane, ``dim1`` = element in the 16-byte row).

    >>> ldmatrix_fragment(2, transposed=True).bases["register"]
    [[1, 0], [8, 0]]
    """
    num = int_param(num, "num")
    if num not in (1, 2, 4) or isinstance(num, bool):
        raise LayoutError(f"num: expected 1, 2 or 4 (.x1/.x2/.x4), got {num!r}")
    full = ldmatrix_full_tile(elem_bits, transposed=transposed, store=store)
    per_tile = full.in_dims["register"] * elem_bits
    if num * per_tile > 128:
        raise LayoutError(
            f"num: .x{num} would move {num * per_tile} bits per thread; at most 128 (8-bit transposed "
            "ldmatrix tiles are 64 bits, so only .x1 and .x2 exist)"
        )
    full = full * LinearLayout.identity("register", num, "addr")
    frag = full.rename_out_dim("addr", "dim0").rename_out_dim("offset", "dim1")
    frag = frag.transpose_outs(["dim0", "dim1"])
    return frag * LinearLayout.identity("warp", 1, "dim0") * LinearLayout.identity("block", 1, "dim0")


def ldmatrix_row_lanes(
    num: int = 4, elem_bits: int = 16, *, transposed: bool = False, store: bool = False
) -> LinearLayout:
    """Which lane supplies which row address: ``lane -> row`` (identity on the first
    ``log2(rows)`` lane bits, zero for lanes whose address the instruction ignores).

    >>> ldmatrix_row_lanes(1).bases["lane"]
    [[1], [2], [4], [0], [0]]
    """
    rows = ldmatrix_fragment(num, elem_bits, transposed=transposed, store=store).out_dims["dim0"]
    k = rows.bit_length() - 1
    bases = [[1 << i] for i in range(k)] + [[0]] * (5 - k)
    return LinearLayout.from_bases({"lane": bases}, [("dim0", rows)], require_surjective=False)


def ptx_ldmatrix_shape(elem_bits: int = 16, *, transposed: bool = False, store: bool = False) -> str:
    """The PTX ``.shape`` qualifier of one core tile: ``m8n8`` (16/32-bit and 8-bit
    untransposed, packed as .b16), ``m16n16`` (8-bit ``.trans`` ldmatrix) or ``m16n8``
    (8-bit ``.trans`` stmatrix).

    >>> ptx_ldmatrix_shape(8, transposed=True)
    'm16n16'
    """
    full = ldmatrix_full_tile(elem_bits, transposed=transposed, store=store)
    b8 = transposed and elem_bits == 8
    m = full.out_dims["addr"]
    n = full.out_dims["offset"] * elem_bits // (8 if b8 else 16)
    if transposed:
        m, n = n, m
    return f"m{m}n{n}"


def divide_by_ldmatrix_tile(
    cvt: LinearLayout, elem_bits: int = 16, *, transposed: bool = False, store: bool = False
) -> tuple[list[int], LinearLayout] | None:
    """Can ``cvt`` be lowered with ldmatrix/stmatrix (Triton ``lowerLdStMatrix``'s test)?

    ``cvt`` maps a thread's ``register, lane, warp[, block]`` to the shared ``offset``
    (e.g. ``reg_layout.invert_and_compose(shared_layout)``; other out-dims such as
    ``block`` are ignored, matrix accesses being CTA-local).  Returns ``(register_order,
    quotient)`` — the register permutation that brings :func:`ldmatrix_tile`'s register
    bases first (new register ``i`` is old register ``register_order[i]``) and
    ``cvt.divide_left(tile)`` after it (and, transposed, after
    :func:`ldmatrix_lane_permutation`) — or ``None`` when the instruction does not apply.
    Checked against the 3.9.0 lowering on sm_90: shared->register loads use ldmatrix (or
    ``.trans``) and register->shared stores stmatrix (``store=True``) exactly when this
    returns a result (tests/data/triton_memory_ldmatrix.json).

    >>> from linlayout.hardware.shared import nvmma_shared_layout
    >>> shared = nvmma_shared_layout([32, 8], swizzle_byte_width=0, element_bitwidth=16)
    >>> cvt = ldmatrix_fragment(4).invert_and_compose(shared)
    >>> divide_by_ldmatrix_tile(cvt) is not None, divide_by_ldmatrix_tile(cvt, transposed=True)
    (True, None)
    """
    if not isinstance(cvt, LinearLayout):
        raise LayoutError(f"cvt: expected a LinearLayout, got {type(cvt).__name__}")
    if "offset" not in cvt.out_dims or "register" not in cvt.in_dims or "lane" not in cvt.in_dims:
        raise LayoutError(
            f"cvt: expected in-dims register, lane[, warp, block] and out-dim offset; got "
            f"{list(cvt.in_dims)} -> {list(cvt.out_dims)}"
        )
    tile = ldmatrix_tile(elem_bits, transposed=transposed, store=store)
    ins = [d for d in cvt.in_dims if d != "block"]
    sub = cvt.sublayout(ins, ["offset"])
    bases = sub.bases
    if cvt.in_dims["lane"] != 32:
        return None
    if transposed:
        if (
            sub.in_dims["register"]
            < ldmatrix_full_tile(elem_bits, transposed=True, store=store).in_dims["register"]
        ):
            return None
        bases["lane"] = [bases["lane"][p] for p in ldmatrix_lane_permutation(True)]
    regs = bases["register"]
    order: list[int] = []
    for want in tile.bases["register"]:
        hit = next((j for j, r in enumerate(regs) if r == want and j not in order), None)
        if hit is None:
            return None
        order.append(hit)
    order += [j for j in range(len(regs)) if j not in order]
    bases["register"] = [regs[j] for j in order]
    moved = LinearLayout.from_bases(bases, list(sub.out_dims.items()), require_surjective=False)
    quot = moved.divide_left(tile)
    return None if quot is None else (order, quot)
