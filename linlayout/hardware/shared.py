"""Shared-memory layouts: swizzled shared, NVMMA shared and explicit shared linear layouts.

A shared layout maps the in-dims ``offset`` (the element index inside one CTA's
buffer) and ``block`` (the CTA inside the cluster) to tensor coordinates
``dim0 .. dim{r-1}``, exactly as Triton 3.9.0's ``toLinearLayout(shape, attr)``
does.  Element ``x`` of the tensor sits at the offset ``L^-1(x)``.

Three families:

* :class:`SwizzledSharedLayout` (``#ttg.swizzled_shared``): the classic XOR swizzle.
  Row ``r`` of the two fastest dims stores column ``c`` at column
  ``c XOR vec * ((r // per_phase) % max_phase)``.

  >>> SwizzledSharedLayout(vec=2, per_phase=1, max_phase=4, order=[1, 0]).to_linear_layout([4, 8]).bases
  {'offset': [[0, 1], [0, 2], [0, 4], [1, 2], [2, 4]], 'block': []}

* :class:`NVMMASharedLayout` (``#ttg.nvmma_shared``): the layout TMA writes and
  wgmma/tcgen05 read: 8-row core matrices of ``swizzle_byte_width`` bytes, swizzled
  in 16-byte chunks, tiled over the TMA box.

  >>> NVMMASharedLayout(swizzle_byte_width=32, element_bitwidth=16).to_linear_layout([8, 16]).bases
  {'offset': [[0, 1], [0, 2], [0, 4], [0, 8], [1, 0], [2, 0], [4, 8]], 'block': []}

* :class:`SharedLinearLayout` (``#ttg.shared_linear``): explicit offset/block bases.

CGA: ``cga_layout`` is Gluon's list of block bases, in units of one CTA's tile
(``[[1, 0]]`` splits dim0 over 2 CTAs, ``[[0, 0]]`` broadcasts).  The per-CTA
layout is built for the per-CTA shape and the block bases are scaled by it
(Triton's ``combineCtaCgaWithShape``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LayoutError
from ..layout import (
    LinearLayout,
    ensure_not_smaller_than,
    standard_out_dims,
)
from ._kit import (
    SHARED_IN_DIMS,
    as_lists,
    bases_param,
    bool_param,
    cga_param,
    check_known_fields,
    check_permutation,
    combine_cta_cga,
    format_param,
    int_list_param,
    int_param,
    memo_layout,
    memory_shape,
    pow2_param,
    rank_param,
)
from .base import HardwareLayout, triton_attr
from .cga import (
    cga_split_num,
    shape_per_cta,
)

__all__ = [
    "SwizzledSharedLayout",
    "NVMMASharedLayout",
    "SharedLinearLayout",
    "swizzled_shared_layout",
    "nvmma_shared_layout",
    "shared_linear_layout",
    "nvmma_core_matrix",
    "tma_block_shape",
]

def _with_block(L: LinearLayout) -> LinearLayout:
    """Make sure the layout lists ``offset`` then ``block`` (Triton always has both)."""
    if "block" not in L.in_dims:
        L = L * LinearLayout.identity("block", 1, L.out_dim_names[0])
    return L


def _permute_components(L: LinearLayout, order: Sequence[int]) -> LinearLayout:
    """Triton ``transposeLinearLayout``: new component ``i`` is old component
    ``order[i]``; the out-dim names keep their listed order."""
    rank = len(order)
    names = standard_out_dims(rank)
    listed = L.out_dim_names
    sizes = L.out_dims
    new_sizes = {names[i]: sizes[names[order[i]]] for i in range(rank)}
    new_bases = {}
    for d, bl in L.bases.items():
        nb = []
        for b in bl:
            std = dict(zip(listed, b))
            new = {names[i]: std[names[order[i]]] for i in range(rank)}
            nb.append([new[n] for n in listed])
        new_bases[d] = nb
    return LinearLayout.from_bases(new_bases, [(n, new_sizes[n]) for n in listed], require_surjective=False)


def _reshape_row_major(L: LinearLayout, shape: Sequence[int]) -> LinearLayout:
    """Triton ``reshapeLayout``: row-major reshape of the out-dims to ``shape``
    (result out-dims ``dim0..`` in standard order)."""
    rank = len(shape)
    names = standard_out_dims(rank)
    rev = list(reversed(L.out_dim_names))
    R = L.transpose_outs(rev).reshape_outs([(names[d], shape[d]) for d in reversed(range(rank))])
    return R.transpose_outs(names)


# ----------------------------------------------------------------------------- swizzled shared


@triton_attr("ttg.swizzled_shared")
@dataclass(frozen=True)
class SwizzledSharedLayout(HardwareLayout):
    """``#ttg.swizzled_shared<{vec, perPhase, maxPhase, order[, CGALayout]}>``.

    ``order`` lists the dims fastest first; the two fastest are swizzled: the
    element at (row ``r``, column ``c``) lives at column
    ``c XOR (vec * ((r // per_phase) % max_phase)) % num_cols``.  Triton accepts any
    positive ``vec``/``per_phase``/``max_phase`` (not only powers of two) and so does
    this class.

    >>> L = SwizzledSharedLayout(vec=1, per_phase=1, max_phase=4, order=[0, 1]).to_linear_layout([4, 8])
    >>> L.bases["offset"]
    [[1, 0], [2, 0], [1, 1], [2, 2], [0, 4]]
    """

    vec: int
    per_phase: int
    max_phase: int
    order: tuple[int, ...]
    cga_layout: tuple[tuple[int, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "vec", int_param(self.vec, "vec", lo=1))
        set_(self, "per_phase", int_param(self.per_phase, "per_phase", lo=1))
        set_(self, "max_phase", int_param(self.max_phase, "max_phase", lo=1))
        order = int_list_param(self.order, "order")
        if not order:
            raise LayoutError("order: expected at least one dim")
        check_permutation(order)
        set_(self, "order", order)
        cga = cga_param(self.cga_layout, len(order))
        set_(self, "cga_layout", cga)

    @property
    def rank(self) -> int:
        return len(self.order)

    @property
    def alignment(self) -> int:
        """Byte alignment Triton reports for this layout (16)."""
        return 16

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Triton's ``swizzledSharedToLinearLayout(shape)``: in-dims ``offset, block``."""
        return memo_layout(self, tuple(memory_shape(shape, self.rank)))

    def _build(self, shape: list[int], _flag: bool = False) -> LinearLayout:
        per_cta = shape_per_cta(shape, self.cga_layout)
        names = standard_out_dims(self.rank)
        if self.rank == 1:
            cta = LinearLayout.identity("offset", per_cta[0], "dim0")
        else:
            col, row = self.order[0], self.order[1]
            ncols, nrows = per_cta[col], per_cta[row]
            bases = [[0, c] for c in _powers(ncols)]
            for r in _powers(nrows):
                bases.append([r, (self.vec * ((r // self.per_phase) % self.max_phase)) % ncols])
            cta = LinearLayout.from_bases({"offset": bases}, [(names[row], nrows), (names[col], ncols)])
            for d in self.order[2:]:
                cta = cta * LinearLayout.identity("offset", per_cta[d], names[d])
        return _with_block(combine_cta_cga(cta, self.cga_layout, shape))

    def to_triton(self) -> str:
        s = (
            f"#ttg.swizzled_shared<{{vec = {self.vec}, perPhase = {self.per_phase}, "
            f"maxPhase = {self.max_phase}, order = {format_param(self.order)}"
        )
        if self.cga_layout:
            s += f", CGALayout = {format_param(self.cga_layout)}"
        return s + "}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> SwizzledSharedLayout:
        allowed = {"vec", "perPhase", "maxPhase", "order", "CGALayout"}
        check_known_fields(params, allowed, "ttg.swizzled_shared")
        for k in ("vec", "perPhase", "maxPhase", "order"):
            if k not in params:
                raise LayoutError(f"{k}: missing in #ttg.swizzled_shared")
        return cls(
            vec=params["vec"],
            per_phase=params["perPhase"],
            max_phase=params["maxPhase"],
            order=params["order"],
            cga_layout=params.get("CGALayout", ()),
        )

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``SwizzledSharedLayout``."""
        return {
            "vec": self.vec,
            "per_phase": self.per_phase,
            "max_phase": self.max_phase,
            "order": list(self.order),
            "cga_layout": as_lists(self.cga_layout),
        }


def _powers(n: int) -> list[int]:
    """1, 2, 4, ... < n."""
    out, v = [], 1
    while v < n:
        out.append(v)
        v *= 2
    return out


def swizzled_shared_layout(
    shape: Sequence[int],
    *,
    vec: int,
    per_phase: int,
    max_phase: int,
    order: Sequence[int],
    cga_layout: Sequence[Sequence[int]] = (),
) -> LinearLayout:
    """The swizzled shared layout of ``shape`` (see :class:`SwizzledSharedLayout`).

    >>> swizzled_shared_layout([4, 8], vec=1, per_phase=1, max_phase=4, order=[1, 0]).bases["offset"]
    [[0, 1], [0, 2], [0, 4], [1, 1], [2, 2]]
    """
    return SwizzledSharedLayout(vec, per_phase, max_phase, order, cga_layout).to_linear_layout(shape)


# ----------------------------------------------------------------------------- NVMMA shared

_TMA_MODES = ("tiled", "im2col")


def tma_block_shape(
    shape_per_cta: Sequence[int],
    *,
    element_bitwidth: int,
    swizzle_byte_width: int,
    transposed: bool = False,
    fp4_padded: bool = False,
    packed_size: bool = True,
    tma_mode: str = "tiled",
) -> list[int]:
    """The TMA box Triton uses for an NVMMA shared buffer (``getTMABlockShape``).

    Every dim is clamped to 256 (``im2col``: the contiguous dim to 256, the other
    to 1024); with swizzling the contiguous dim is exactly one swizzle span
    (``8 * swizzle_byte_width / element_bitwidth`` elements).  ``fp4_padded``
    doubles the contiguous dim for the computation and, with ``packed_size``,
    halves it again at the end.

    >>> tma_block_shape([512, 128], element_bitwidth=16, swizzle_byte_width=128)
    [256, 64]
    """
    box = [int(s) for s in shape_per_cta]
    rank = len(box)
    if tma_mode not in _TMA_MODES:
        raise LayoutError(f"tma_mode: expected one of {_TMA_MODES}, got {tma_mode!r}")
    cdim = 0 if transposed else rank - 1
    if fp4_padded:
        box[cdim] *= 2
    if tma_mode == "im2col":
        if rank != 2:
            raise LayoutError(f"tma_mode: im2col boxes are 2-D, got rank {rank}")
        box = [min(s, 256 if d == cdim else 1024) for d, s in enumerate(box)]
    else:
        box = [min(s, 256) for s in box]
    if swizzle_byte_width:
        span = 8 * swizzle_byte_width // element_bitwidth
        if box[cdim] < span:
            raise LayoutError(
                f"shape: block shape along the contiguous dimension {cdim} is too small for the swizzle byte "
                f"size {swizzle_byte_width} in an NVMMA shared layout, got {box[cdim]} but expected at least "
                f"{span}"
            )
        box[cdim] = span
    if fp4_padded and packed_size:
        box[cdim] //= 2
    return box


def nvmma_core_matrix(
    *,
    swizzle_byte_width: int,
    element_bitwidth: int,
    fp4_padded: bool = False,
    disable_swizzle: bool = False,
) -> LinearLayout:
    """One NVMMA core matrix (Triton ``getCoreMatrixLinearLayout``): ``offset`` ->
    (``dim0`` = row, ``dim1`` = column) for 8 rows of ``max(16, swizzle)`` bytes.

    Row ``r`` (1, 2, 4) XORs its columns with ``vec * ((r // per_phase) % max_phase)``
    where ``vec = 128 / element_bitwidth``, ``per_phase = 128 / swizzle``,
    ``max_phase = swizzle / 16``.  With ``fp4_padded`` the second 8 bytes of every 16
    are padding: offset column ``c`` holds logical column ``(c // 16) * 8 + c % 8``.

    >>> nvmma_core_matrix(swizzle_byte_width=64, element_bitwidth=16).bases["offset"][-3:]
    [[1, 0], [2, 8], [4, 16]]
    """
    vec, per_phase, max_phase = _nvmma_swizzle_params(swizzle_byte_width, element_bitwidth)
    tile_cols = 8 * max(16, swizzle_byte_width) // element_bitwidth

    def packed(c: int) -> int:
        return (c // 16) * 8 + c % 8 if fp4_padded else c

    bases = [[0, packed(c)] for c in _powers(tile_cols)]
    for r in (1, 2, 4):
        if disable_swizzle:
            bases.append([r, 0])
        else:
            bases.append([r, packed(vec * ((r // per_phase) % max_phase))])
    return LinearLayout.from_bases({"offset": bases}, standard_out_dims(2))


def _nvmma_swizzle_params(swizzle_byte_width: int, element_bitwidth: int) -> tuple[int, int, int]:
    if swizzle_byte_width == 0:
        return 1, 1, 1
    return 128 // element_bitwidth, 128 // swizzle_byte_width, swizzle_byte_width // 16


@triton_attr("ttg.nvmma_shared")
@dataclass(frozen=True)
class NVMMASharedLayout(HardwareLayout):
    """``#ttg.nvmma_shared<{swizzlingByteWidth, transposed, elementBitWidth, ...}>``.

    Optional printed fields: ``fp4Padded``, ``CGALayout``, ``rank`` (when not 2 and no CGA).

    The shared layout of TMA copies and of wgmma / tcgen05 MMA operands: 8-row core
    matrices, ``swizzle_byte_width`` (0, 32, 64 or 128) bytes wide, whose 16-byte
    chunks are XOR-swizzled by row, tiled over the TMA box and then over the
    per-CTA shape (outer dims collapsed into rows).  ``transposed`` makes dim 0 the
    contiguous dim; ``fp4_padded`` is the mixed-precision FP4 operand format (each
    16 bytes hold 8 bytes of data and 8 of padding; 128-byte swizzle, 8-bit only).

    ``tma_mode`` (``"tiled"`` or ``"im2col"``) only changes the TMA box Triton
    computes on the way; the resulting layout is the same (Triton tests this), and it
    is not part of the attribute text.

    >>> NVMMASharedLayout(128, 16).to_linear_layout([16, 64]).bases["offset"][-4:]
    [[1, 8], [2, 16], [4, 32], [8, 0]]
    """

    swizzle_byte_width: int
    element_bitwidth: int
    rank: int = 2
    transposed: bool = False
    fp4_padded: bool = False
    cga_layout: tuple[tuple[int, ...], ...] = field(default=())
    tma_mode: str = "tiled"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        sw = int_param(self.swizzle_byte_width, "swizzle_byte_width")
        if sw not in (0, 32, 64, 128):
            raise LayoutError(f"swizzle_byte_width: expected 0, 32, 64 or 128, got {sw}")
        bits = int_param(self.element_bitwidth, "element_bitwidth")
        if bits not in (8, 16, 32, 64):
            raise LayoutError(f"element_bitwidth: expected 8, 16, 32 or 64, got {bits}")
        rank = rank_param(self.rank, "rank")
        transposed = bool_param(self.transposed, "transposed")
        fp4 = bool_param(self.fp4_padded, "fp4_padded")
        if fp4 and (sw != 128 or bits != 8):
            raise LayoutError(
                f"fp4_padded: needs swizzle_byte_width=128 and element_bitwidth=8, got {sw} and {bits}"
            )
        if sw and rank < 2:
            raise LayoutError(f"rank: a swizzled NVMMA layout needs rank >= 2, got {rank}")
        cga = cga_param(self.cga_layout, rank)
        if self.tma_mode not in _TMA_MODES:
            raise LayoutError(f"tma_mode: expected one of {_TMA_MODES}, got {self.tma_mode!r}")
        if self.tma_mode == "im2col" and rank != 2:
            raise LayoutError(f"tma_mode: im2col needs rank 2, got rank {rank}")
        for k, v in (("swizzle_byte_width", sw), ("element_bitwidth", bits), ("rank", rank),
                     ("transposed", transposed), ("fp4_padded", fp4), ("cga_layout", cga)):
            set_(self, k, v)

    # -- derived quantities ------------------------------------------------------------

    @property
    def vec(self) -> int:
        """Elements per 16-byte swizzle chunk (1 without swizzling)."""
        return _nvmma_swizzle_params(self.swizzle_byte_width, self.element_bitwidth)[0]

    @property
    def per_phase(self) -> int:
        return _nvmma_swizzle_params(self.swizzle_byte_width, self.element_bitwidth)[1]

    @property
    def max_phase(self) -> int:
        return _nvmma_swizzle_params(self.swizzle_byte_width, self.element_bitwidth)[2]

    @property
    def alignment(self) -> int:
        """Byte alignment of the buffer: ``128 * max_phase`` (one full swizzle pattern)."""
        return 128 * self.max_phase

    def core_matrix(self, disable_swizzle: bool = False) -> LinearLayout:
        """The 8-row core matrix this layout tiles (see :func:`nvmma_core_matrix`)."""
        return nvmma_core_matrix(
            swizzle_byte_width=self.swizzle_byte_width,
            element_bitwidth=self.element_bitwidth,
            fp4_padded=self.fp4_padded,
            disable_swizzle=disable_swizzle,
        )

    def tma_block_shape(self, shape: Sequence[int], packed_size: bool = True) -> list[int]:
        """The TMA box for the per-CTA part of ``shape`` (see :func:`tma_block_shape`)."""
        shape = memory_shape(shape, self.rank)
        return tma_block_shape(
            shape_per_cta(shape, self.cga_layout),
            element_bitwidth=self.element_bitwidth,
            swizzle_byte_width=self.swizzle_byte_width,
            transposed=self.transposed,
            fp4_padded=self.fp4_padded,
            packed_size=packed_size,
            tma_mode=self.tma_mode,
        )

    # -- the layout ----------------------------------------------------------------------

    def to_linear_layout(self, shape: Sequence[int], disable_swizzle: bool = False) -> LinearLayout:
        """Triton's ``nvmmaSharedToLinearLayout(shape)``: in-dims ``offset, block``.

        ``disable_swizzle`` gives the same tiling without the XOR (Triton uses it for
        address computations); the default is the real layout.
        """
        if not isinstance(disable_swizzle, bool):
            raise LayoutError(f"disable_swizzle: expected a bool, got {disable_swizzle!r}")
        return memo_layout(self, tuple(memory_shape(shape, self.rank)), disable_swizzle)

    def _build(self, shape: list[int], disable_swizzle: bool = False) -> LinearLayout:
        rank = self.rank
        names = standard_out_dims(rank)
        per_cta = shape_per_cta(shape, self.cga_layout)
        tma = self.tma_block_shape(shape)
        rot = tma[1:] + tma[:1] if self.transposed else list(tma)
        to_standard = [rank - 1] + list(range(rank - 1))
        if self.swizzle_byte_width == 0:
            # Identity over the box, innermost dim first; repetitions dim_{r-1} first.
            cta = LinearLayout.empty()
            for d in reversed(range(rank)):
                cta = cta * LinearLayout.identity("offset", rot[d], names[d])
            if self.transposed:
                # Triton 3.9.0 permutes with [1, 2, ..., r-1, 0] here (the inverse of the
                # swizzled path's rotation).  For rank 2 both are [1, 0]; for rank >= 3 the
                # result puts components in the wrong dims and later zeroes them (a
                # non-injective layout).  We reproduce the wheel bit for bit.
                cta = _permute_components(cta, list(range(1, rank)) + [0])
            cta = ensure_not_smaller_than(cta, dict(zip(names, per_cta)))
            return _with_block(combine_cta_cga(cta, self.cga_layout, shape))
        collapsed = [1, tma[-1]]
        for s in tma[:-1]:
            collapsed[0] *= s
        if self.transposed:
            collapsed.reverse()
        tile = self.core_matrix(disable_swizzle)
        rows, cols = tile.out_dims["dim0"], tile.out_dims["dim1"]
        packing = 2 if self.fp4_padded else 1
        if collapsed[1] * packing < cols or collapsed[0] < rows:
            raise LayoutError(
                f"shape: illegal NVMMA shared layout for shape {shape}: the collapsed per-CTA TMA box "
                f"{collapsed} must be at least [{rows}, {cols // packing}] (8 rows of one swizzle span); "
                "Triton aborts here"
            )
        cta = ensure_not_smaller_than(tile, {"dim0": collapsed[0], "dim1": collapsed[1]})
        cta = _reshape_row_major(cta, rot)
        if self.transposed:
            cta = _permute_components(cta, to_standard)
        cta = ensure_not_smaller_than(cta, dict(zip(names, per_cta)))
        return _with_block(combine_cta_cga(cta, self.cga_layout, shape))

    # -- text ----------------------------------------------------------------------------

    def to_triton(self) -> str:
        s = (
            f"#ttg.nvmma_shared<{{swizzlingByteWidth = {self.swizzle_byte_width}, "
            f"transposed = {format_param(self.transposed)}, elementBitWidth = {self.element_bitwidth}"
        )
        if self.fp4_padded:
            s += ", fp4Padded = true"
        if self.cga_layout:
            s += f", CGALayout = {format_param(self.cga_layout)}"
        elif self.rank != 2:
            s += f", rank = {self.rank}"
        return s + "}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> NVMMASharedLayout:
        """Fields as printed; ``rank`` defaults to the CGA's rank, else 2."""
        allowed = {"swizzlingByteWidth", "transposed", "elementBitWidth", "fp4Padded", "CGALayout", "rank"}
        check_known_fields(params, allowed, "ttg.nvmma_shared")
        for k in ("swizzlingByteWidth", "elementBitWidth"):
            if k not in params:
                raise LayoutError(f"{k}: missing in #ttg.nvmma_shared")
        cga = params.get("CGALayout", ())
        if "rank" in params:
            rank = params["rank"]
        elif cga and isinstance(cga, Sequence) and isinstance(cga[0], Sequence):
            rank = len(cga[0])
        else:
            rank = 2
        return cls(
            swizzle_byte_width=params["swizzlingByteWidth"],
            element_bitwidth=params["elementBitWidth"],
            rank=rank,
            transposed=params.get("transposed", False),
            fp4_padded=params.get("fp4Padded", False),
            cga_layout=cga,
        )

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``NVMMASharedLayout``."""
        return {
            "swizzle_byte_width": self.swizzle_byte_width,
            "element_bitwidth": self.element_bitwidth,
            "rank": self.rank,
            "transposed": self.transposed,
            "fp4_padded": self.fp4_padded,
            "cga_layout": as_lists(self.cga_layout),
        }

    @classmethod
    def get_default_for(
        cls,
        block_shape: Sequence[int],
        element_bitwidth: int,
        transposed: bool = False,
        fp4_padded: bool = False,
        cga_layout: Sequence[Sequence[int]] = (),
    ) -> NVMMASharedLayout:
        """Gluon's ``NVMMASharedLayout.get_default_for``: the widest swizzle (128, 64,
        32 bytes) that divides the contiguous dim's byte size, 0 when it is under 32
        bytes or the outer dims hold fewer than 8 rows.

        >>> NVMMASharedLayout.get_default_for([64, 32], 16).swizzle_byte_width
        64
        """
        block_shape = [int_param(s, f"block_shape[{i}]", lo=1) for i, s in enumerate(block_shape)]
        cga = cga_param(cga_layout or (), len(block_shape))
        for d, (s, k) in enumerate(zip(block_shape, cga_split_num(cga, len(block_shape)))):
            if s % k:
                raise LayoutError(
                    f"block_shape: dim {d} ({s}) is not divisible by the {k} CTAs cga_layout splits it into"
                )
        per = shape_per_cta(block_shape, cga) if cga else list(block_shape)
        if transposed:
            per = per[1:] + per[:1]
        contig_bytes = per[-1] * (2 if fp4_padded else 1) * element_bitwidth // 8
        sw = 0
        for cand in (128, 64, 32):
            if contig_bytes >= cand and contig_bytes % cand == 0:
                sw = cand
                break
        outer = 1
        for s in per[:-1]:
            outer *= s
        if len(block_shape) < 2 or outer < 8:
            sw = 0
        return cls(sw, element_bitwidth, len(block_shape), transposed, fp4_padded, cga_layout or ())


def nvmma_shared_layout(
    shape: Sequence[int],
    *,
    swizzle_byte_width: int,
    element_bitwidth: int,
    transposed: bool = False,
    fp4_padded: bool = False,
    cga_layout: Sequence[Sequence[int]] = (),
    tma_mode: str = "tiled",
) -> LinearLayout:
    """The NVMMA shared layout of ``shape`` (see :class:`NVMMASharedLayout`).

    >>> nvmma_shared_layout([8, 32], swizzle_byte_width=64, element_bitwidth=16).bases["offset"][-3:]
    [[1, 0], [2, 8], [4, 16]]
    """
    return NVMMASharedLayout(
        swizzle_byte_width, element_bitwidth, len(shape), transposed, fp4_padded, cga_layout, tma_mode
    ).to_linear_layout(shape)


# ----------------------------------------------------------------------------- shared linear


@triton_attr("ttg.shared_linear")
@dataclass(frozen=True)
class SharedLinearLayout(HardwareLayout):
    """``#ttg.shared_linear<{offset = [...][, block = [...]]}, alignment = N>``: explicit bases.

    The layout must reach every element of its shape and be one-to-one once zero
    (broadcast) bases are dropped, as Triton requires; its shape is inferred from
    the bases (each dim the smallest power of two above its largest component) and
    ``to_linear_layout(shape)`` needs exactly that shape.

    >>> SharedLinearLayout([[0, 1], [1, 0]]).to_linear_layout([2, 2]).bases
    {'offset': [[0, 1], [1, 0]], 'block': []}
    """

    offset_bases: tuple[tuple[int, ...], ...]
    block_bases: tuple[tuple[int, ...], ...] = field(default=())
    alignment: int = 16

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        off = bases_param(self.offset_bases, "offset_bases")
        if not off:
            raise LayoutError("offset_bases: expected at least one basis (Gluon needs it to know the rank)")
        rank = len(off[0])
        if rank == 0:
            raise LayoutError("offset_bases: bases need at least one component")
        off = bases_param(off, "offset_bases", rank)
        blk = bases_param(self.block_bases, "block_bases", rank)
        set_(self, "offset_bases", off)
        set_(self, "block_bases", blk)
        set_(self, "alignment", pow2_param(self.alignment, "alignment"))
        L = self._layout()
        if not L.is_surjective():
            raise LayoutError(
                f"offset_bases: the layout does not reach every element of its shape {self.shape}; "
                "a shared linear layout must be surjective"
            )
        nz = L.remove_zero_bases("offset").remove_zero_bases("block")
        if not nz.is_injective():
            raise LayoutError(
                "offset_bases: the nonzero offset/block bases are linearly dependent; a shared linear "
                "layout must be one-to-one once zero (broadcast) bases are removed"
            )

    @property
    def rank(self) -> int:
        return len(self.offset_bases[0])

    @property
    def shape(self) -> list[int]:
        """The tensor shape the bases span (Gluon's ``SharedLinearLayout.shape``)."""
        return list(self._layout().out_dims.values())

    def _layout(self) -> LinearLayout:
        names = standard_out_dims(len(self.offset_bases[0]))
        return LinearLayout.from_bases(
            {"offset": as_lists(self.offset_bases), "block": as_lists(self.block_bases)},
            names,
            require_surjective=False,
        )

    def to_linear_layout(self, shape: Sequence[int] | None = None) -> LinearLayout:
        """The layout itself; ``shape`` (if given) must equal :attr:`shape`."""
        L = self._layout()
        if shape is not None:
            shape = memory_shape(shape, self.rank)
            for d, (want, have) in enumerate(zip(shape, L.out_dims.values())):
                if want != have:
                    raise LayoutError(
                        f"shape: mismatch in dim {d}: the shared linear layout spans {self.shape}, "
                        f"got shape {shape}"
                    )
        return L

    def to_triton(self) -> str:
        inner = f"offset = {format_param(self.offset_bases)}"
        if self.block_bases:
            inner += f", block = {format_param(self.block_bases)}"
        return f"#ttg.shared_linear<{{{inner}}}, alignment = {self.alignment}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> SharedLinearLayout:
        check_known_fields(params, {"offset", "block", "alignment"}, "ttg.shared_linear")
        if "offset" not in params:
            raise LayoutError("offset: missing in #ttg.shared_linear")
        return cls(params["offset"], params.get("block", ()), params.get("alignment", 16))

    @classmethod
    def from_layout(cls, layout: LinearLayout, alignment: int = 16) -> SharedLinearLayout:
        """Wrap an ``offset, block`` -> ``dim*`` layout (e.g. one built with the algebra)."""
        if not isinstance(layout, LinearLayout):
            raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
        if [d for d in layout.in_dim_names if d not in SHARED_IN_DIMS] or "offset" not in layout.in_dims:
            raise LayoutError(f"layout: expected in-dims offset[, block], got {layout.in_dim_names}")
        return cls(layout.bases["offset"], layout.bases.get("block", []), alignment)

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``SharedLinearLayout``."""
        return {
            "offset_bases": as_lists(self.offset_bases),
            "block_bases": as_lists(self.block_bases),
            "alignment": self.alignment,
        }


def shared_linear_layout(
    offset_bases: Sequence[Sequence[int]],
    block_bases: Sequence[Sequence[int]] = (),
    shape: Sequence[int] | None = None,
) -> LinearLayout:
    """The layout of explicit shared bases (see :class:`SharedLinearLayout`).

    >>> shared_linear_layout([[1, 0], [0, 1]]).out_dims
    {'dim0': 2, 'dim1': 2}
    """
    return SharedLinearLayout(offset_bases, block_bases).to_linear_layout(shape)
