"""Blackwell tensor memory (TMEM): its encodings, the tcgen05.ld/st register layouts,
and the SM120 block-scaled MMA scale layouts.

TMEM layouts map the in-dims ``row`` (lane of the 128-lane TMEM), ``col`` (32-bit
column) and ``block`` (CTA) to tensor coordinates ``dim0, dim1``, as Triton 3.9.0's
``toLinearLayout(shape, attr)`` does.  A zero basis in ``row`` 32/64 means the data is
duplicated for the other warp quarters; a zero anywhere else means the location is
unused (undefined).

* :class:`TensorMemoryLayout` (``#ttng.tensor_memory_encoding``): MMA accumulators and
  operands; ``block`` is ``(block_m, block_n)``, ``col_stride`` the 32-bit columns
  between logically adjacent elements (1 = packed).

  >>> L = TensorMemoryLayout((64, 64), col_stride=1).to_linear_layout([128, 64])
  >>> L.bases["row"]
  [[1, 0], [2, 0], [4, 0], [8, 0], [64, 0], [16, 0], [32, 0]]

* :class:`TensorMemoryScalesLayout` (``#ttng.tensor_memory_scales_encoding``): block
  scales of tcgen05.mma with block scaling.
* :func:`tmem_reg_layout`: Triton's ``compute_tmem_reg_layout``: the distributed
  layout (``register, lane, warp, block``) a tcgen05.ld/st message with a given atom
  (``32x32b``, ``16x64b``, ``16x128b``, ``16x256b``; ``32x32b_splitn`` as Gluon adds)
  produces for a TMEM buffer; :func:`tmem_tile_layout` is one message of any atom,
  ``16x32bx2`` included.
* :func:`sm120_scale_layout`: the register layout of the scales of SM120's warp-level
  block-scaled ``mma`` (Triton ``getSM120DotScaledScaleLayout``).

**Block bases.**  Gluon's ``to_linear_layout`` returns only the ``row`` and ``col`` bases
of a TMEM layout and drops the CTA (``block``) part.  Triton's C++ layout multiplies the
per-CTA layout by the CGA layout (``tensorMemoryToLinearLayout(...) * cga``), so the block
bases are the ``cga_layout`` bases scaled by the per-CTA shape: ``[[0, 1]]`` on a
``[128, 128]`` tensor split into ``[128, 64]`` halves gives ``block = [[0, 64]]``.  That is
what :meth:`TensorMemoryLayout.to_linear_layout` returns; the row/col bases are checked
against Triton directly and the block bases indirectly, through the register layouts
(whose ``block`` bases Triton does return).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout, ensure_not_larger_than, standard_out_dims
from ._kit import (
    DISTRIBUTED_IN_DIMS,
    as_lists,
    bool_param,
    cga_param,
    check_known_fields,
    combine_cta_cga,
    format_param,
    int_list_param,
    int_param,
    memo_layout,
    memory_shape,
)
from .base import HardwareLayout, triton_attr
from .cga import shape_per_cta

__all__ = [
    "TensorMemoryLayout",
    "TensorMemoryScalesLayout",
    "TMEM_ATOMS",
    "tmem_tile_layout",
    "tmem_reg_layout",
    "tmem_reg_layouts",
    "sm120_scale_layout",
]

#: tcgen05.ld/st message shapes (``16x32bx2`` is only inferred by Triton, never requested)
TMEM_ATOMS = ("32x32b", "16x64b", "16x128b", "16x256b", "16x32bx2")
_REQUESTABLE = ("32x32b", "16x64b", "16x128b", "16x256b", "32x32b_splitn")


def _splits(cga: Sequence[Sequence[int]]) -> list[int]:
    """CTA split per dim: 2 ** (number of nonzero CGA bases along it)."""
    return [1 << sum(1 for b in cga if b[d]) for d in range(2)]


def _check_split(shape: Sequence[int], cga: Sequence[Sequence[int]]) -> None:
    """Every dim holds at least one element per CTA the CGA layout splits it over.

    Triton's ``tensorMemoryToLinearLayout`` multiplies the per-CTA layout by the CGA
    layout, so a dim smaller than its split would come out larger than the tensor
    (``[64, 1]`` split over 2 CTAs along dim1 gives out dims 64 x 2); its memdesc
    verifier refuses such a type ("the tensor shape must be at least ...")."""
    for d, (s, k) in enumerate(zip(shape, _splits(cga))):
        if s < k:
            raise LayoutError(
                f"shape: dim {d} = {s} is smaller than the {k} CTAs CGALayout splits it over "
                f"(shape {list(shape)}); Triton's tensor-memory verifier refuses this"
            )


def _cga_product(cta: LinearLayout, cga: Sequence[Sequence[int]]) -> LinearLayout:
    """``cta * cga``: the block bases scaled by the per-CTA sizes (Triton ``ll * cgaLayout``)."""
    return cta * LinearLayout.from_bases({"block": as_lists(cga)}, standard_out_dims(2))


# ----------------------------------------------------------------------------- TMEM encoding


@triton_attr("ttng.tensor_memory_encoding")
@dataclass(frozen=True)
class TensorMemoryLayout(HardwareLayout):
    """``#ttng.tensor_memory_encoding<blockM, blockN, colStride[, CGALayout][, twoCTAs][, fp4Padded]>``.

    ``block = (block_m, block_n)``: the tile one MMA writes (``block_m`` 64 or 128
    rows); ``col_stride`` 32-bit columns between adjacent elements (1 packed, 2 for
    unpacked 16-bit, ...); ``two_ctas`` for ``cta_group::2`` (needs ``cga_layout[0] ==
    [1, 0]``); ``fp4_padded`` for the padded MMAv5 FP4 operand (each logical byte gets
    its own 8-bit slot: one zero column basis first).

    >>> TensorMemoryLayout((128, 64), 1, fp4_padded=True).to_linear_layout([128, 64]).bases["col"][:2]
    [[0, 0], [0, 1]]
    """

    block: tuple[int, int]
    col_stride: int = 1
    cga_layout: tuple[tuple[int, ...], ...] = field(default=())
    two_ctas: bool = False
    fp4_padded: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        blk = int_list_param(self.block, "block")
        if len(blk) != 2:
            raise LayoutError(f"block: expected (block_m, block_n), got {list(blk)}")
        bm, bn = blk
        if bm not in (64, 128):
            raise LayoutError(f"block: block_m must be 64 or 128, got {bm}")
        if bn < 1 or bn & (bn - 1):
            raise LayoutError(f"block: block_n must be a power of two, got {bn}")
        cs = int_param(self.col_stride, "col_stride", lo=1)
        if cs & (cs - 1):
            raise LayoutError(f"col_stride: expected a power of two, got {cs}")
        cga = cga_param(self.cga_layout, 2)
        two = bool_param(self.two_ctas, "two_ctas")
        if two and (not cga or list(cga[0]) != [1, 0]):
            raise LayoutError("two_ctas: a two-CTA layout needs cga_layout[0] == [1, 0]")
        fp4 = bool_param(self.fp4_padded, "fp4_padded")
        for k, v in (("block", (bm, bn)), ("col_stride", cs), ("cga_layout", cga), ("two_ctas", two),
                     ("fp4_padded", fp4)):
            set_(self, k, v)

    @property
    def block_m(self) -> int:
        return self.block[0]

    @property
    def block_n(self) -> int:
        return self.block[1]

    @property
    def cta_split(self) -> list[int]:
        """How many CTAs split dim0 and dim1."""
        return _splits(self.cga_layout)

    def cta_layout(self, shape: Sequence[int]) -> LinearLayout:
        """The per-CTA layout (in-dims ``row, col``) of the per-CTA part of ``shape``."""
        shape = memory_shape(shape, 2)
        m, n = shape_per_cta(shape, self.cga_layout)
        bm = self.block_m
        bn = min(self.block_n, n)
        col = LinearLayout.zeros("col", self.col_stride, "dim1")
        colpart = LinearLayout.identity("col", bn, "dim1")
        if self.fp4_padded:
            colpart = LinearLayout.zeros("col", 2, "dim1") * colpart
        if bm == 64 and not self.two_ctas:
            tile = (col * LinearLayout.identity("row", 16, "dim0") * colpart).transpose_outs(["dim0", "dim1"])
            if m > 64:
                row16 = [64, 0]
            elif n > bn:
                row16 = [0, bn]
            else:
                row16 = [0, 0]  # undefined: the 16-row half is unused
            bases = tile.bases
            bases["row"] += [row16, [16, 0], [32, 0]]
            tile = LinearLayout.from_bases(bases, ["dim0", "dim1"])
        else:
            tile = (col * LinearLayout.identity("row", bm, "dim0") * colpart).transpose_outs(["dim0", "dim1"])
            if bm == 64:  # two CTAs: the last column basis becomes row 64
                bases = tile.bases
                bases["row"].append(bases["col"].pop())
                tile = LinearLayout.from_bases(bases, ["dim0", "dim1"])
        tm, tn = tile.out_dims["dim0"], tile.out_dims["dim1"]
        if m < tm or n < tn:
            raise LayoutError(
                f"shape: the per-CTA shape {[m, n]} is smaller than the TMEM tile {[tm, tn]} of "
                f"block {list(self.block)}; Triton aborts here"
            )
        reps_m = LinearLayout.identity("col", m // tm, "dim0")
        tile = tile * reps_m * LinearLayout.identity("col", n // tn, "dim1")
        return tile.transpose_ins(["row", "col"]).transpose_outs(["dim0", "dim1"])

    @property
    def rank(self) -> int:
        """Tensor memory is two-dimensional (rows, columns)."""
        return 2

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Triton's ``tensorMemoryToLinearLayout``: in-dims ``row, col, block`` (block bases
        included, see the module docstring)."""
        return memo_layout(self, tuple(memory_shape(shape, 2)))

    def _build(self, shape: list[int], _flag: bool = False) -> LinearLayout:
        _check_split(shape, self.cga_layout)
        return _cga_product(self.cta_layout(shape), self.cga_layout)

    def verify(self, shape: Sequence[int], element_bitwidth: int) -> None:
        """The checks Triton's memdesc verifier makes for a ``shape`` x ``element_bitwidth``
        buffer of this layout (``toLinearLayout`` itself does not make them): raise
        LayoutError when Triton would refuse the type."""
        shape = memory_shape(shape, 2)
        bits = int_param(element_bitwidth, "element_bitwidth", lo=1)
        if bits * self.col_stride > 32:
            raise LayoutError(
                f"col_stride: element_bitwidth * col_stride must be <= 32, got {bits} * {self.col_stride}"
            )
        if self.fp4_padded and self.col_stride != 1:
            raise LayoutError(f"fp4_padded: needs col_stride 1, got {self.col_stride}")
        # each CTA holds at least block_m rows, and block_n columns unless the tensor is narrower
        sm, sn = self.cta_split
        need = [self.block_m * sm, sn * min(self.block_n, shape[1])]
        if shape[0] < need[0] or shape[1] < need[1]:
            raise LayoutError(f"shape: the tensor shape must be at least {need[0]}x{need[1]}, got {shape}")

    def to_triton(self) -> str:
        s = (
            f"#ttng.tensor_memory_encoding<blockM = {self.block_m}, blockN = {self.block_n}, "
            f"colStride = {self.col_stride}"
        )
        if self.cga_layout:
            s += f", CGALayout = {format_param(self.cga_layout)}"
        if self.two_ctas:
            s += ", twoCTAs = true"
        if self.fp4_padded:
            s += ", fp4Padded = true"
        return s + ">"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> TensorMemoryLayout:
        allowed = {"blockM", "blockN", "colStride", "CGALayout", "twoCTAs", "fp4Padded"}
        check_known_fields(params, allowed, "ttng.tensor_memory_encoding")
        for k in ("blockM", "blockN"):
            if k not in params:
                raise LayoutError(f"{k}: missing in #ttng.tensor_memory_encoding")
        return cls(
            (params["blockM"], params["blockN"]),
            params.get("colStride", 1),
            params.get("CGALayout", ()),
            params.get("twoCTAs", False),
            params.get("fp4Padded", False),
        )

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``TensorMemoryLayout``."""
        return {
            "block": tuple(self.block),
            "col_stride": self.col_stride,
            "cga_layout": as_lists(self.cga_layout),
            "two_ctas": self.two_ctas,
            "fp4_padded": self.fp4_padded,
        }


@triton_attr("ttng.tensor_memory_scales_encoding")
@dataclass(frozen=True)
class TensorMemoryScalesLayout(HardwareLayout):
    """``#ttng.tensor_memory_scales_encoding<[CGALayout]>``: tcgen05 block scales.

    Rows 0..31 hold dim0 0..31 and rows 32/64 repeat them (zero bases: every warp
    quarter sees the scales); columns 1, 2 step dim1, column 4 steps dim0 by 32; then
    repetitions along dim0 (per 64 rows) and dim1 (per 4), and bases beyond the shape
    become 0.

    >>> TensorMemoryScalesLayout().to_linear_layout([128, 8]).bases["col"]
    [[0, 1], [0, 2], [32, 0], [64, 0], [0, 4]]
    """

    cga_layout: tuple[tuple[int, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        cga = cga_param(self.cga_layout, 2)
        object.__setattr__(self, "cga_layout", cga)

    @property
    def cta_split(self) -> list[int]:
        return _splits(self.cga_layout)

    def cta_layout(self, shape: Sequence[int]) -> LinearLayout:
        """The per-CTA layout (in-dims ``row, col``)."""
        shape = memory_shape(shape, 2)
        m, n = shape_per_cta(shape, self.cga_layout)
        tile = (
            LinearLayout.identity("row", 32, "dim0")
            * LinearLayout.zeros("row", 4, "dim0")
            * LinearLayout.identity("col", 4, "dim1")
            * LinearLayout.identity("col", 2, "dim0")
        )
        tm, tn = tile.out_dims["dim0"], tile.out_dims["dim1"]
        tile = tile * LinearLayout.identity("col", -(-m // tm), "dim0")
        tile = tile * LinearLayout.identity("col", -(-n // tn), "dim1")
        return ensure_not_larger_than(tile, {"dim0": m, "dim1": n})

    @property
    def rank(self) -> int:
        """Tensor memory is two-dimensional (rows, columns)."""
        return 2

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Triton's ``tensorMemoryScalesToLinearLayout``: in-dims ``row, col, block``."""
        return memo_layout(self, tuple(memory_shape(shape, 2)))

    def _build(self, shape: list[int], _flag: bool = False) -> LinearLayout:
        _check_split(shape, self.cga_layout)
        return _cga_product(self.cta_layout(shape), self.cga_layout)

    def verify(self, shape: Sequence[int], element_bitwidth: int = 8) -> None:
        """Memdesc-level checks (shape rank 2, power-of-two dims)."""
        memory_shape(shape, 2)
        int_param(element_bitwidth, "element_bitwidth", lo=1)

    def to_triton(self) -> str:
        if self.cga_layout:
            return f"#ttng.tensor_memory_scales_encoding<CGALayout = {format_param(self.cga_layout)}>"
        return "#ttng.tensor_memory_scales_encoding<>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> TensorMemoryScalesLayout:
        check_known_fields(params, {"CGALayout"}, "ttng.tensor_memory_scales_encoding")
        return cls(params.get("CGALayout", ()))

    def to_gluon(self) -> dict:
        return {"cga_layout": as_lists(self.cga_layout)}


# ----------------------------------------------------------------------------- tcgen05.ld/st


def tmem_tile_layout(atom: str, *, unpacked: bool = False, with_warp: bool = True) -> LinearLayout:
    """One tcgen05.ld/st message (Triton ``getTileLayout``): in-dims ``register, lane[,
    warp]`` -> out-dims ``row`` (size 128) and ``col`` (32-bit TMEM columns).

    * ``32x32b``: lane ``i`` reads row ``i``;
    * ``16x32bx2``: lanes 0-15 read rows 0-15 (lane 16 reads the second half, at an
      offset chosen per message, so its basis is left out here);
    * ``16x64b``: lanes -> rows 8, col 1, rows 1, 2, 4;
    * ``16x128b``: lanes -> cols 1, 2, rows 1, 2, 4; a register -> row 8;
    * ``16x256b``: a register -> col 1, lanes -> cols 2, 4, rows 1, 2, 4, a register -> row 8.

    ``unpacked`` adds a zero column bit (a 16-bit element per 32-bit column); ``with_warp``
    adds the warp bits -> rows 32, 64 (the four warp quarters of TMEM).

    >>> tmem_tile_layout("16x64b").bases["lane"]
    [[8, 0], [0, 1], [1, 0], [2, 0], [4, 0]]
    """
    if atom not in TMEM_ATOMS:
        raise LayoutError(f"atom: expected one of {TMEM_ATOMS}, got {atom!r}")
    reg: list[list[int]] = []
    if atom == "32x32b":
        lane = [[1 << i, 0] for i in range(5)]
    elif atom == "16x32bx2":
        lane = [[1 << i, 0] for i in range(4)]
    elif atom == "16x64b":
        lane = [[8, 0], [0, 1], [1, 0], [2, 0], [4, 0]]
    elif atom == "16x128b":
        lane = [[0, 1], [0, 2], [1, 0], [2, 0], [4, 0]]
        reg = [[8, 0]]
    else:  # 16x256b
        lane = [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]]
        reg = [[0, 1], [8, 0]]
    ncol = 1
    for b in reg + lane:
        while b[1] >= ncol:
            ncol *= 2
    if unpacked:
        ncol *= 2
        reg = [[r, 2 * c] for r, c in reg]
        lane = [[r, 2 * c] for r, c in lane]
    bases: dict[str, list[list[int]]] = {"register": reg, "lane": lane}
    if with_warp:
        bases["warp"] = [[32, 0], [64, 0]]
    return LinearLayout.from_bases(bases, [("row", 128), ("col", ncol)], require_surjective=False)


def _reg_layout_32b(ll: LinearLayout, atom: str, num_warps: int) -> LinearLayout | None:
    """``getDistributedLayoutForTmemLdSt`` for 32-bit elements: extend one message of
    ``atom`` over the columns with registers and warps, then compose with ``ll``."""
    tile = tmem_tile_layout(atom)
    ncols_tile = tile.out_dims["col"]
    ncols_ll = ll.in_dims["col"]
    missing = ncols_ll // ncols_tile
    if missing == 0:
        return None
    instr32rows = atom == "32x32b"
    layout16rows = ll.get_basis("row", 4) == [0, 0]
    row16 = None
    if not instr32rows and not layout16rows:
        row16 = "warp" if num_warps > 4 else "register"
    warps_to_tile = num_warps // (8 if row16 == "warp" else 4)
    warp_broadcast = warps_to_tile // min(missing, warps_to_tile)
    warps_to_tile //= warp_broadcast
    ncols_orig = ncols_ll
    missing //= warps_to_tile
    ncols_ll //= warps_to_tile
    bases = tile.bases
    if missing > 1:
        reps = []
        c = ncols_tile
        if instr32rows and layout16rows:
            # lane 16 would read duplicated rows: make it read the other column half (16x32bx2)
            for _ in range(_log2(missing // 2)):
                reps.append([0, c])
                c *= 2
            bases["register"] += reps
            bases["lane"][-1] = [0, ncols_ll // 2]
        else:
            for _ in range(_log2(missing)):
                reps.append([0, c])
                c *= 2
            bases["register"] += reps
    if row16 is not None:
        bases[row16].append([16, 0])
    i = ncols_ll
    while i < ncols_orig:
        bases["warp"].append([0, i])
        i *= 2
    for _ in range(_log2(warp_broadcast)):
        bases["warp"].append([0, 0])
    full = LinearLayout.from_bases(bases, [("row", 128), ("col", ncols_orig)], require_surjective=False)
    return full.compose(ll)


def _log2(x: int) -> int:
    return x.bit_length() - 1


def _reg_layout_any(ll: LinearLayout, atom: str, num_warps: int, bits: int) -> LinearLayout | None:
    """Pack sub-32-bit columns into 32-bit registers (or unpack / pad), then the 32-bit case."""
    if bits == 32:
        return _reg_layout_32b(ll, atom, num_warps)
    best, quot = 1, None
    contig = 1
    while bits * contig <= 32:
        q = ll.divide_left(LinearLayout.identity("col", contig, "dim1"))
        if q is None:
            break
        best, quot = contig, q
        contig *= 2
    if best > 1:
        ret = _reg_layout_any(quot, atom, num_warps, bits * best)
        return None if ret is None else LinearLayout.identity("register", best, "dim1") * ret
    zeros = LinearLayout.zeros("col", 32 // bits, "dim1")
    q = ll.divide_left(zeros * LinearLayout.identity("col", 2, "dim1"))
    if bits == 16 and q is not None:  # unpacked 16-bit: each register holds 2 columns' worth
        ret = _reg_layout_any(q, atom, num_warps, 32)
        return None if ret is None else LinearLayout.identity("register", 2, "dim1") * ret
    q = ll.divide_left(zeros)
    if q is not None:  # software padding
        return _reg_layout_any(q, atom, num_warps, 32)
    raise LayoutError("layout: the TMEM layout is neither packed nor unpacked for this element width")


def tmem_reg_layout(
    memory: TensorMemoryLayout | TensorMemoryScalesLayout,
    shape: Sequence[int],
    *,
    element_bitwidth: int,
    num_warps: int,
    atom: str = "32x32b",
) -> LinearLayout:
    """The register layout of a tcgen05.ld/st of a TMEM buffer (Triton / Gluon
    ``compute_tmem_reg_layout``, ``tensor_memory_descriptor_type.get_reg_layout``).

    ``atom`` is ``32x32b`` (default), ``16x64b``, ``16x128b``, ``16x256b`` or Gluon's
    ``32x32b_splitn`` (a 32x32b layout whose last register basis splits N in halves, for
    ``tmem.load`` followed by ``split``).  ``16x32bx2`` is never requested: Triton picks it
    by itself (32x32b on a layout whose row 16 is unused).  Raises LayoutError where
    Triton has no layout (e.g. the tile is wider than the buffer).

    In-dims ``register, lane, warp, block``; each group of four warps covers the 128
    TMEM rows once; extra warps tile the columns (or row 16 for the 16-row atoms), and
    broadcast once the columns run out.

    >>> L = tmem_reg_layout(TensorMemoryLayout((128, 128)), [128, 128], element_bitwidth=32, num_warps=4)
    >>> L.bases["warp"]
    [[32, 0], [64, 0]]
    """
    if not isinstance(memory, (TensorMemoryLayout, TensorMemoryScalesLayout)):
        raise LayoutError(
            f"memory: expected a TensorMemoryLayout or TensorMemoryScalesLayout, got {type(memory).__name__}"
        )
    if atom not in _REQUESTABLE:
        if atom == "16x32bx2":
            raise LayoutError("atom: 16x32bx2 is inferred implicitly (from 32x32b) and cannot be requested")
        raise LayoutError(f"atom: expected one of {_REQUESTABLE}, got {atom!r}")
    nw = int_param(num_warps, "num_warps")
    if nw < 4 or nw & (nw - 1):
        raise LayoutError(f"num_warps: must be a power of two and >= 4, got {num_warps}")
    bits = int_param(element_bitwidth, "element_bitwidth")
    if bits not in (8, 16, 32):
        raise LayoutError(f"element_bitwidth: expected 8, 16 or 32, got {bits}")
    shape = memory_shape(shape, 2)
    memory.verify(shape, bits)
    splitn = atom == "32x32b_splitn"
    base_atom = "32x32b" if splitn else atom
    ll = memory.cta_layout(shape)
    # Triton divides out the CTA split (kept apart here already), extends, then multiplies
    # by the full CGA layout (broadcast CTAs included).
    ret = _reg_layout_any(ll, base_atom, nw, bits)
    if ret is None:
        raise LayoutError(
            f"atom: TMEM layout '{base_atom}' unsupported for shape {shape} and num_warps {nw}"
        )
    ret = _cga_product(_with_blockless(ret), memory.cga_layout)
    if splitn:
        ret = _splitn(ret, shape, bits)
    return ret.transpose_ins(list(DISTRIBUTED_IN_DIMS))


def _with_blockless(L: LinearLayout) -> LinearLayout:
    """Order the in-dims register, lane, warp (register may be missing: add it empty)."""
    if "register" not in L.in_dims:
        L = LinearLayout.identity("register", 1, "dim1") * L
    return L.transpose_ins(["register", "lane", "warp"])


def _splitn(L: LinearLayout, shape: Sequence[int], bits: int) -> LinearLayout:
    """Gluon's ``32x32b_splitn``: move the basis ``[0, N/2]`` to the last register."""
    n = shape[1]
    half = [0, n // 2]
    bases = L.bases
    reg = bases["register"]
    if not reg:
        if bases["lane"][-1] != half:
            raise LayoutError(
                "atom: 32x32b_splitn with one register needs the last lane basis to be [0, N/2]"
            )
        reg.append(half)
        bases["lane"][-1] = [0, 0]
    elif reg[-1] != half:
        if len(reg) <= 0 or (1 << len(reg)) <= 32 // bits:
            raise LayoutError(
                f"atom: 32x32b_splitn needs more than {32 // bits} {bits}-bit registers per thread "
                "(load with 32x32b and convert_layout instead)"
            )
        done = False
        for name in ("lane", "warp"):
            for i, b in enumerate(bases[name]):
                if name == "warp" and i < 2:  # the first 4 warps own their TMEM quarter
                    continue
                if b == half:
                    reg[-1], bases[name][i] = bases[name][i], reg[-1]
                    done = True
                    break
            if done:
                break
        if not done:
            raise LayoutError("atom: 32x32b_splitn needs a lane or warp (>= 4) basis equal to [0, N/2]")
    return LinearLayout.from_bases(bases, list(L.out_dims.items()), require_surjective=False)


def tmem_reg_layouts(
    memory: TensorMemoryLayout | TensorMemoryScalesLayout,
    shape: Sequence[int],
    *,
    element_bitwidth: int,
    num_warps: int,
) -> dict[str, LinearLayout]:
    """Every requestable atom's register layout that exists, ``{atom: layout}``."""
    out = {}
    for atom in _REQUESTABLE:
        try:
            out[atom] = tmem_reg_layout(
                memory, shape, element_bitwidth=element_bitwidth, num_warps=num_warps, atom=atom
            )
        except LayoutError:
            continue
    return out


# ----------------------------------------------------------------------------- SM120 scales


def sm120_scale_layout(
    shape: Sequence[int],
    *,
    op_idx: int,
    warps_per_cta: Sequence[int],
    cga_layout: Sequence[Sequence[int]] = (),
) -> LinearLayout:
    """Register layout of the block scales of SM120 (consumer Blackwell) warp-level
    block-scaled MMA (``mma.sync ... .block_scale``, m16n8k32), Triton
    ``getSM120DotScaledScaleLayout``.

    ``shape = [MN, K / group]``; ``op_idx`` 0 (A scales, per row of M) or 1 (B scales, per
    column of N); ``warps_per_cta`` the MMA parent's ``[warps_m, warps_n]``.  Each thread
    holds the whole K extent; lanes: A uses lane bit 0 -> row 8, bits 2-4 -> rows 1, 2, 4
    (lane bit 1 broadcast); B uses lane bits 2-4 -> rows 1, 2, 4.  Warps along K broadcast.

    >>> L = sm120_scale_layout([128, 4], op_idx=0, warps_per_cta=[2, 2])
    >>> L.bases["register"], L.bases["warp"]
    ([[0, 1], [0, 2], [32, 0], [64, 0]], [[0, 0], [16, 0]])
    """
    shape = memory_shape(shape, 2)
    op_idx = int_param(op_idx, "op_idx")
    if op_idx not in (0, 1) or isinstance(op_idx, bool):
        raise LayoutError(f"op_idx: expected 0 or 1, got {op_idx!r}")
    warps = int_list_param(warps_per_cta, "warps_per_cta")
    if len(warps) != 2:
        raise LayoutError(f"warps_per_cta: expected 2 entries, got {list(warps)}")
    for i, w in enumerate(warps):
        if w < 1 or w & (w - 1):
            raise LayoutError(f"warps_per_cta[{i}]: expected a power of two, got {w}")
    cga = cga_param(cga_layout, 2)
    per_cta = shape_per_cta(shape, cga)
    if op_idx == 0:
        lane = [[8, 0], [0, 0], [1, 0], [2, 0], [4, 0]]
        rows = 16
        # warps [w_m, w_n], filled dim1 first (broadcast along K), then dim0
        warp_shape, warp_order = [warps[0], warps[1]], [1, 0]
    else:
        lane = [[0, 0], [0, 0], [1, 0], [2, 0], [4, 0]]
        rows = 8
        warp_shape, warp_order = [warps[1], warps[0]], [0, 1]
    regs = LinearLayout.identity("register", per_cta[1], "dim1")
    lanes = LinearLayout.from_bases({"lane": lane}, [("dim0", rows), ("dim1", 1)])
    cta = regs * lanes
    for d in warp_order:
        if d == 1:
            cta = cta * LinearLayout.zeros("warp", warp_shape[d], "dim1")
        else:
            cta = cta * LinearLayout.identity("warp", warp_shape[d], "dim0")
    L = combine_cta_cga(cta, cga, shape)
    for d in DISTRIBUTED_IN_DIMS:
        if d not in L.in_dims:
            L = L * LinearLayout.identity(d, 1, "dim0")
    return L.transpose_ins(list(DISTRIBUTED_IN_DIMS))
