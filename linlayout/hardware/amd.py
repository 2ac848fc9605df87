"""AMD matrix-core register layouts, bit-identical to Triton 3.9.0.

* :class:`AMDMFMALayout` — ``#ttg.amd_mfma`` (CDNA1–4: gfx908, gfx90a, gfx942, gfx950),
  accumulators and, through :meth:`AMDMFMALayout.dot_operand_linear_layout`, the A/B
  operands of ``#ttg.dot_op`` with an MFMA parent.
* :class:`AMDWMMALayout` — ``#ttg.amd_wmma`` (RDNA3 v1, RDNA4 v2, gfx1250 v3), in Triton
  3.9's ``warp_bases`` / ``reg_bases`` form (units of instruction tiles), plus the
  ``warps_per_cta`` convenience.
* :func:`mfma_scale_layout` / :func:`wmma_scale_layout` — the scale operands of scaled MFMA
  (gfx950) and scaled WMMA (gfx1250), Triton's ``chooseScaledMfmaScaleLayout`` /
  ``chooseScaledWmmaScaleLayout``.
* :func:`mfma_like_store_layout` — Triton's ``chooseMfmaLikeStoreLayout``.
* :func:`ds_read_tr_dot_layout` — Triton's ``chooseDsReadTrLayout`` (gfx950 fp4 operands).

Every ``to_linear_layout(shape)`` returns a layout with in-dims ``register, lane, warp,
block`` and out-dims ``dim0..dim{rank-1}``, exactly the bases Triton computes.

>>> from linlayout.hardware.amd import AMDMFMALayout
>>> L = AMDMFMALayout(version=3, instr_shape=[32, 32, 8], transposed=True, warps_per_cta=[2, 2])
>>> L.to_linear_layout([64, 64]).bases["warp"]
[[0, 32], [32, 0]]
>>> L.to_triton()
'#ttg.amd_mfma<{version = 3, warpsPerCTA = [2, 2], instrShape = [32, 32, 8], isTransposed = true}>'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, InitVar, dataclass
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout, standard_out_dims
from ._kit import bases_param, fit_cta_cga, int_list_param, int_param, layout_from_bases, log2_param
from .base import HardwareLayout, triton_attr
from .cga import (
    DISTRIBUTED_IN_DIMS,
    Tile,
    check_cga_layout,
    check_pow2_list,
    check_shape,
    format_cga,
    format_int_list,
    with_distributed_ins,
)

__all__ = [
    "AMDMFMALayout",
    "AMDWMMALayout",
    "mfma_scale_layout",
    "wmma_scale_layout",
    "mfma_like_store_layout",
    "ds_read_tr_dot_layout",
    "wmma_warp_bases",
]

#: in-dims of every layout this module returns (as cga.DISTRIBUTED_IN_DIMS)
DIST_INS = DISTRIBUTED_IN_DIMS

# ======================================================================================
# Small helpers.  Layout products are LinearLayout's ``*`` (or cga.Tile for pure identity
# products); fitting a per-CTA tile plus a CGA to a shape is cga.py's recipe.
# ======================================================================================


def _unit(rank: int, d: int, v: int) -> list[int]:
    out = [0] * rank
    out[d] = v
    return out


def _ident(in_dim: str, size: int, out_dim: str) -> LinearLayout:
    return LinearLayout.identity(in_dim, size, out_dim)


def _empty(in_dims: Sequence[str], out_dims: Sequence[str]) -> LinearLayout:
    """No bases yet: the given in-dims (in this order) and size-1 out-dims (in this order)."""
    return LinearLayout.from_bases({d: [] for d in in_dims}, [(o, 1) for o in out_dims])


def _reaches_every_tile(bases: dict[str, list[list[int]]], rank: int) -> bool:
    """Whether the bases span the whole power-of-two grid they reach (a surjective layout)."""
    try:
        return layout_from_bases(bases, standard_out_dims(rank)).is_surjective()
    except LayoutError:
        return False


# ======================================================================================
# MFMA
# ======================================================================================

_MFMA_MN = ((32, 32), (16, 16), (64, 4), (4, 64))
_MFMA_WAVE = 64
#: chip -> MFMA version (Triton's AMDMfmaEncodingAttr "version")
MFMA_VERSIONS = {"gfx908": 1, "gfx90a": 2, "gfx942": 3, "gfx950": 4}


def _mfma_tile(t: Tile, m: int, n: int, transposed: bool, elem_bits: int, im: int, in_: int) -> None:
    """Multiply ``t`` by one MFMA output tile (M along dim ``im``, N along dim ``in_``)."""
    height = 1 if elem_bits == 64 else 4
    tiles = m * n // (_MFMA_WAVE * height)
    if not transposed:
        reg_dim, lane1, lane2 = im, (n, in_), (_MFMA_WAVE // n, im)
    else:
        reg_dim, lane1, lane2 = in_, (m, im), (_MFMA_WAVE // m, in_)
    t.identity("register", height, reg_dim)
    t.identity("lane", *lane1)
    t.identity("lane", *lane2)
    t.identity("register", tiles, reg_dim)


@triton_attr("ttg.amd_mfma")
@dataclass(frozen=True, repr=False)
class AMDMFMALayout(HardwareLayout):
    """The MFMA accumulator layout ``#ttg.amd_mfma`` (wave64, CDNA1–CDNA4).

    Arguments follow Gluon's ``AMDMFMALayout``: ``version`` (1 gfx908, 2 gfx90a, 3 gfx942,
    4 gfx950), ``instr_shape`` ``[M, N, K]`` with (M, N) one of 32x32, 16x16, 64x4 (must be
    ``transposed``) or 4x64, ``transposed``, ``warps_per_cta`` (rank 2, or 3 with a leading
    batch dim), ``element_bitwidth`` 32 or 64 (f64 accumulators), ``tiles_per_warp``
    (default all 1) and ``cga_layout`` (block bases).

    >>> L = AMDMFMALayout(version=3, instr_shape=[16, 16, 16], transposed=False, warps_per_cta=[1, 1])
    >>> L.to_linear_layout([16, 16]).bases["register"]
    [[1, 0], [2, 0]]
    """

    version: int
    instr_shape: Sequence[int]
    transposed: bool | None = None
    warps_per_cta: Sequence[int] = ()
    element_bitwidth: int | None = None
    tiles_per_warp: Sequence[int] | None = None
    cga_layout: Sequence[Sequence[int]] = ()
    _: KW_ONLY
    is_transposed: InitVar[bool | None] = None  # Triton's spelling (isTransposed) of ``transposed``

    def __post_init__(self, is_transposed: bool | None = None) -> None:
        """Validate and normalize the fields (tuples, defaults filled in)."""
        version = self.version
        instr_shape = self.instr_shape
        transposed = self.transposed
        if is_transposed is not None:
            if transposed is not None and transposed != is_transposed:
                raise LayoutError("is_transposed: give transposed or is_transposed (the same flag), not both")
            transposed = is_transposed
        if transposed is None:
            raise LayoutError("transposed: required (True or False; is_transposed= is accepted too)")
        warps_per_cta = self.warps_per_cta
        element_bitwidth = self.element_bitwidth
        tiles_per_warp = self.tiles_per_warp
        cga_layout = self.cga_layout
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 4:
            raise LayoutError(
                f"version: MFMA version must be 1 (gfx908), 2 (gfx90a), 3 (gfx942) "
                f"or 4 (gfx950), got {version!r}"
            )
        instr = int_list_param(instr_shape, "instr_shape", 3)
        if tuple(instr[:2]) not in _MFMA_MN:
            raise LayoutError(
                f"instr_shape: (M, N) must be one of 32x32, 16x16, 64x4 or 4x64, got "
                f"{instr[0]}x{instr[1]} (Triton 3.9 has no 4x4 MFMA layout)"
            )
        if instr[2] < 1:  # Triton accepts any K (it only prints it)
            raise LayoutError(f"instr_shape: K must be positive, got {instr[2]}")
        if not isinstance(transposed, bool):
            raise LayoutError(f"transposed: expected a bool, got {transposed!r}")
        if tuple(instr[:2]) == (64, 4) and not transposed:
            raise LayoutError(
                "instr_shape: a 64x4 MFMA layout must be transposed=True "
                "(use 4x64 for the non-transposed form)"
            )
        warps = check_pow2_list(warps_per_cta, "warps_per_cta")
        if len(warps) not in (2, 3):
            raise LayoutError(f"warps_per_cta: rank must be 2 or 3 (batch first), got {list(warps)}")
        rank = len(warps)
        eb = 32 if element_bitwidth is None else element_bitwidth
        if eb not in (32, 64) or isinstance(eb, bool):
            raise LayoutError(f"element_bitwidth: must be 32 or 64, got {element_bitwidth!r}")
        tpw = (
            (1,) * rank
            if tiles_per_warp is None
            else check_pow2_list(tiles_per_warp, "tiles_per_warp", rank)
        )
        cga = check_cga_layout(cga_layout, rank)
        sa = object.__setattr__
        sa(self, "version", version)
        sa(self, "instr_shape", tuple(instr))
        sa(self, "transposed", transposed)
        sa(self, "warps_per_cta", warps)
        sa(self, "element_bitwidth", eb)
        sa(self, "tiles_per_warp", tpw)
        sa(self, "cga_layout", cga)

    def __repr__(self):
        return (
            f"AMDMFMALayout(version={self.version}, instr_shape={list(self.instr_shape)}, "
            f"transposed={self.transposed}, warps_per_cta={list(self.warps_per_cta)}, "
            f"element_bitwidth={self.element_bitwidth}, tiles_per_warp={list(self.tiles_per_warp)}, "
            f"cga_layout={[list(b) for b in self.cga_layout]})"
        )

    # -- construction helpers ------------------------------------------------------------
    @classmethod
    def for_target(
        cls, target: Any, instr_shape: Sequence[int], transposed: bool, warps_per_cta: Sequence[int], **kw
    ) -> AMDMFMALayout:
        """The MFMA layout of ``target`` (``"gfx942"`` ...): picks ``version`` from the chip.

        >>> AMDMFMALayout.for_target("gfx950", [16, 16, 32], True, [4, 1]).version
        4
        """
        from ..targets import get_target

        t = get_target(target)
        if t.name not in MFMA_VERSIONS:
            raise LayoutError(
                f"target: {t.name} has no MFMA instructions; use one of "
                f"{', '.join(MFMA_VERSIONS)} (RDNA / gfx1250 use AMDWMMALayout)"
            )
        return cls(MFMA_VERSIONS[t.name], instr_shape, transposed, warps_per_cta, **kw)

    @property
    def rank(self) -> int:
        return len(self.warps_per_cta)

    @property
    def wave_size(self) -> int:
        """Lanes per wavefront: always 64 on CDNA."""
        return _MFMA_WAVE

    @property
    def m_dim(self) -> int:
        return self.instr_shape[0]

    @property
    def n_dim(self) -> int:
        return self.instr_shape[1]

    # -- linear layouts ------------------------------------------------------------------
    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Triton's ``toLinearLayout(shape, #ttg.amd_mfma<...>)``."""
        rank = self.rank
        shape = check_shape(shape, rank)
        im, in_ = rank - 2, rank - 1
        m, n = self.instr_shape[:2]
        tpw, w = self.tiles_per_warp, self.warps_per_cta
        # out-dims (N, M[, batch]): the tile repeats along N first
        t = Tile(rank, list(range(rank - 1, -1, -1)))
        _mfma_tile(t, m, n, self.transposed, self.element_bitwidth, im, in_)
        t.identity("register", tpw[in_], in_)
        t.identity("warp", w[in_], in_)
        reps_n = shape[in_] // (n * w[in_] * tpw[in_])
        if reps_n > 1:
            t.identity("register", reps_n, in_)
        t.identity("register", tpw[im], im)
        t.identity("warp", w[im], im)
        if rank == 3:
            t.identity("register", tpw[0], 0)
            t.identity("warp", w[0], 0)
        return t.fit(shape, self.cga_layout)

    def dot_operand_linear_layout(self, operand_index: int, k_width: int, shape: Sequence[int]):
        """The layout of ``#ttg.dot_op<{opIdx, parent = this, kWidth}>`` (``mfmaDotToLinearLayout``).

        Warps of the parent along the operand's K dim hold copies (zero warp bases).

        >>> P = AMDMFMALayout(3, [32, 32, 8], False, [2, 4])
        >>> P.dot_operand_linear_layout(0, 4, [128, 128]).bases["warp"]
        [[0, 0], [0, 0], [32, 0]]
        """
        op, kw = _check_dot_args(operand_index, k_width)
        rank = self.rank
        shape = check_shape(shape, rank)
        _check_mfma_kwidth(kw)
        k_idx = rank - 1 if op == 0 else rank - 2
        nk_idx = rank - 2 if op == 0 else rank - 1
        m, n = self.instr_shape[:2]
        non_k = m if op == 0 else n
        # out-dims (K, nonK[, batch]): the tile repeats along K first
        t = Tile(rank, [k_idx, nk_idx] + ([0] if rank == 3 else []))
        t.identity("register", kw, k_idx)
        t.identity("lane", non_k, nk_idx)
        t.identity("lane", _MFMA_WAVE // non_k, k_idx)
        k_tile = (_MFMA_WAVE // non_k) * kw
        if (op == 0 and (m, n) == (64, 4)) or (op == 1 and (m, n) == (4, 64)):
            t.identity("register", 16, k_idx)
            k_tile *= 16
        if shape[k_idx] > k_tile:
            t.identity("register", shape[k_idx] // k_tile, k_idx)
        t.identity("register", self.tiles_per_warp[nk_idx], nk_idx)
        for d in range(rank - 1, -1, -1):
            t.identity("warp", self.warps_per_cta[d], d)
        # unlike the NVIDIA/blocked case, an AMD parent's block bases along K are kept (Triton 3.9)
        return t.fit(shape, self.cga_layout)

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``AMDMFMALayout`` (``triton.experimental.gluon.language.amd``)."""
        return {
            "version": self.version,
            "instr_shape": list(self.instr_shape),
            "transposed": self.transposed,
            "warps_per_cta": list(self.warps_per_cta),
            "element_bitwidth": self.element_bitwidth,
            "tiles_per_warp": list(self.tiles_per_warp),
            "cga_layout": [list(b) for b in self.cga_layout],
        }

    # -- Triton text ---------------------------------------------------------------------
    def to_triton(self) -> str:
        parts = [
            f"version = {self.version}",
            f"warpsPerCTA = {format_int_list(self.warps_per_cta)}",
            f"instrShape = {format_int_list(self.instr_shape)}",
            f"isTransposed = {'true' if self.transposed else 'false'}",
        ]
        if self.cga_layout:
            parts.append(f"CGALayout = {format_cga(self.cga_layout)}")
        if any(t != 1 for t in self.tiles_per_warp):
            parts.append(f"tilesPerWarp = {format_int_list(self.tiles_per_warp)}")
        if self.element_bitwidth != 32:
            parts.append(f"elementBitWidth = {self.element_bitwidth}")
        return "#ttg.amd_mfma<{" + ", ".join(parts) + "}>"

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> AMDMFMALayout:
        """Build from the parsed fields of ``#ttg.amd_mfma<{...}>``."""
        known = {
            "version",
            "warpsPerCTA",
            "instrShape",
            "isTransposed",
            "CGALayout",
            "tilesPerWarp",
            "elementBitWidth",
        }
        extra = set(params) - known
        if extra:
            raise LayoutError(f"amd_mfma: unknown field(s) {sorted(extra)}; known: {sorted(known)}")
        for need in ("version", "warpsPerCTA", "instrShape", "isTransposed"):
            if need not in params:
                raise LayoutError(f"amd_mfma: missing field {need!r}")
        return cls(
            params["version"],
            params["instrShape"],
            params["isTransposed"],
            params["warpsPerCTA"],
            params.get("elementBitWidth"),
            params.get("tilesPerWarp"),
            params.get("CGALayout", ()),
        )


def _check_dot_args(operand_index: Any, k_width: Any) -> tuple[int, int]:
    operand_index = int_param(operand_index, "operand_index")
    if operand_index not in (0, 1) or isinstance(operand_index, bool):
        raise LayoutError(f"operand_index: must be 0 (A) or 1 (B), got {operand_index!r}")
    if isinstance(k_width, bool) or not isinstance(k_width, int):
        raise LayoutError(f"k_width: expected an int, got {k_width!r}")
    return operand_index, k_width


def _check_mfma_kwidth(kw: int) -> None:
    if kw <= 0:
        raise LayoutError(f"k_width: mandatory (a positive power of two) for an MFMA parent, got {kw}")
    log2_param(kw, "k_width")


# ======================================================================================
# WMMA
# ======================================================================================

_WMMA_WAVE = 32
_WMMA_SHAPES = {
    1: ((16, 16, 16),),
    2: ((16, 16, 16), (16, 16, 32)),
    3: ((16, 16, 4), (16, 16, 32), (16, 16, 64), (16, 16, 128), (32, 16, 64), (32, 16, 128)),
}
#: chip -> WMMA version
WMMA_VERSIONS = {"gfx1100": 1, "gfx1200": 2, "gfx1250": 3}


def wmma_warp_bases(
    warps_per_cta: Sequence[int], tiles_per_warp: Sequence[int] | None = None
) -> tuple[list[list[int]], list[list[int]]]:
    """``(warp_bases, reg_bases)`` in instruction-tile units for a warps-per-CTA grid.

    Triton 3.9's ``chooseWmmaCTALinearLayout``: for d = last dim down to 0, first
    ``tiles_per_warp[d]`` register bits, then ``warps_per_cta[d]`` warp bits along d (the last
    dim is fastest).  This convenience is not Triton API.

    >>> wmma_warp_bases([2, 4])
    ([[0, 1], [0, 2], [1, 0]], [])
    """
    warps = check_pow2_list(warps_per_cta, "warps_per_cta")
    rank = len(warps)
    tpw = (1,) * rank if tiles_per_warp is None else check_pow2_list(tiles_per_warp, "tiles_per_warp", rank)
    warp_b: list[list[int]] = []
    reg_b: list[list[int]] = []
    for d in range(rank - 1, -1, -1):
        t = 1
        while t < tpw[d]:
            reg_b.append(_unit(rank, d, t))
            t *= 2
        for i in range(log2_param(warps[d], "warps_per_cta")):
            warp_b.append(_unit(rank, d, tpw[d] << i))
    return warp_b, reg_b


def _wmma_tile(version: int, m: int, transposed: bool, rank: int) -> tuple[LinearLayout, list[str]]:
    """Triton's WMMA getTileLayout, outs in thread order (dimA, dimB[, batch...])."""
    names = standard_out_dims(rank)
    if not transposed:
        order = [rank - 1, rank - 2] + list(range(rank - 3, -1, -1))
    else:
        order = [rank - 2, rank - 1] + list(range(rank - 3, -1, -1))
    d_a, d_b = names[order[0]], names[order[1]]
    base = _empty(("register", "lane"), [names[d] for d in order])
    if version == 1:
        # 16 lanes along A, lane bit 4 -> B row 1, registers -> B rows 2, 4, 8
        L = base * _ident("lane", 16, d_a) * _ident("lane", 2, d_b) * _ident("register", 8, d_b)
    else:
        # registers -> B rows 1, 2, 4 (and 16 for the 32x16 shapes), lanes: 16 along A, bit 4 -> B row 8
        L = base * _ident("register", 8, d_b) * _ident("lane", 16, d_a) * _ident("lane", 2, d_b)
        if m == 32:
            L = L * _ident("register", 2, d_b)
    return L, [names[d] for d in order]


@triton_attr("ttg.amd_wmma")
@dataclass(frozen=True, repr=False)
class AMDWMMALayout(HardwareLayout):
    """The WMMA accumulator layout ``#ttg.amd_wmma`` (wave32: RDNA3 v1, RDNA4 v2, gfx1250 v3).

    Arguments follow Gluon 3.9's ``AMDWMMALayout``: ``version``, ``transposed``,
    ``warp_bases`` and ``reg_bases`` (bases in units of instruction tiles, Triton's per-CTA
    ``ctaLayout``), ``instr_shape`` (default ``[16, 16, 16]``; v3 also ``[32, 16, K]``),
    ``cga_layout`` and ``rank`` (default 2).  :meth:`from_warps_per_cta` builds the bases from
    a warps-per-CTA grid.

    >>> L = AMDWMMALayout(2, False, [[0, 1], [1, 0]])
    >>> L.to_linear_layout([64, 64]).bases["warp"]
    [[0, 16], [16, 0]]
    """

    version: int
    transposed: bool
    warp_bases: Sequence[Sequence[int]]
    reg_bases: Sequence[Sequence[int]] | None = None
    instr_shape: Sequence[int] | None = None
    cga_layout: Sequence[Sequence[int]] = ()
    rank: int | None = None

    def __post_init__(self) -> None:
        """Validate and normalize the fields (tuples, defaults filled in)."""
        version = self.version
        transposed = self.transposed
        warp_bases = self.warp_bases
        reg_bases = self.reg_bases
        instr_shape = self.instr_shape
        cga_layout = self.cga_layout
        rank = self.rank
        version = int_param(version, "version")
        if isinstance(version, bool) or version not in (1, 2, 3):
            raise LayoutError(
                f"version: WMMA version must be 1 (RDNA3), 2 (RDNA4) or 3 (gfx1250), got {version!r}"
            )
        if not isinstance(transposed, bool):
            raise LayoutError(f"transposed: expected a bool, got {transposed!r}")
        rank = 2 if rank is None else int_param(rank, "rank")
        if isinstance(rank, bool) or rank not in (2, 3):
            raise LayoutError(f"rank: must be 2 or 3, got {rank!r}")
        instr = (16, 16, 16) if instr_shape is None else tuple(int_list_param(instr_shape, "instr_shape", 3))
        if instr not in _WMMA_SHAPES[version]:
            ok = ", ".join("x".join(map(str, s)) for s in _WMMA_SHAPES[version])
            raise LayoutError(f"instr_shape: WMMA v{version} supports {ok}, got {'x'.join(map(str, instr))}")
        wb = bases_param(warp_bases, "warp_bases", rank)
        rb = bases_param(reg_bases or [], "reg_bases", rank)
        if not _reaches_every_tile({"register": rb, "warp": wb}, rank):
            raise LayoutError(
                "warp_bases/reg_bases: the tile-unit bases must reach every tile of the "
                f"power-of-two grid they span (got warp {wb}, register {rb})"
            )
        cga = check_cga_layout(cga_layout, rank)
        sa = object.__setattr__
        sa(self, "version", version)
        sa(self, "transposed", transposed)
        sa(self, "warp_bases", tuple(tuple(b) for b in wb))
        sa(self, "reg_bases", tuple(tuple(b) for b in rb))
        sa(self, "instr_shape", instr)
        sa(self, "cga_layout", cga)
        sa(self, "rank", rank)

    def __repr__(self):
        return (
            f"AMDWMMALayout(version={self.version}, transposed={self.transposed}, "
            f"warp_bases={[list(b) for b in self.warp_bases]}, "
            f"reg_bases={[list(b) for b in self.reg_bases]}, instr_shape={list(self.instr_shape)}, "
            f"cga_layout={[list(b) for b in self.cga_layout]}, rank={self.rank})"
        )

    @classmethod
    def from_warps_per_cta(
        cls,
        version: int,
        transposed: bool,
        warps_per_cta: Sequence[int],
        instr_shape: Sequence[int] | None = None,
        tiles_per_warp: Sequence[int] | None = None,
        cga_layout: Sequence[Sequence[int]] = (),
    ) -> AMDWMMALayout:
        """The pre-3.9 ``warpsPerCTA`` form: warps fill the last dim first (see :func:`wmma_warp_bases`).

        >>> AMDWMMALayout.from_warps_per_cta(1, False, [2, 4]).warp_bases
        ((0, 1), (0, 2), (1, 0))
        """
        wb, rb = wmma_warp_bases(warps_per_cta, tiles_per_warp)
        return cls(version, transposed, wb, rb, instr_shape, cga_layout, len(warps_per_cta))

    @classmethod
    def for_target(cls, target: Any, transposed: bool, warps_per_cta: Sequence[int], **kw) -> AMDWMMALayout:
        """The WMMA layout of an RDNA / gfx1250 ``target``, from a warps-per-CTA grid."""
        from ..targets import get_target

        t = get_target(target)
        if t.name not in WMMA_VERSIONS:
            raise LayoutError(
                f"target: {t.name} has no WMMA instructions; use one of "
                f"{', '.join(WMMA_VERSIONS)} (CDNA uses AMDMFMALayout)"
            )
        return cls.from_warps_per_cta(WMMA_VERSIONS[t.name], transposed, warps_per_cta, **kw)

    def _rank_free(self, shape: Any) -> bool:
        """Without any basis the text does not say the rank (Triton prints ``ctaLayout = {}``): take
        it from the tensor shape then."""
        return (
            not self.warp_bases
            and not self.reg_bases
            and not self.cga_layout
            and isinstance(shape, Sequence)
            and len(shape) in (2, 3)
            and len(shape) != self.rank
        )

    def _with_rank(self, rank: int) -> AMDWMMALayout:
        return AMDWMMALayout(self.version, self.transposed, [], [], list(self.instr_shape), (), rank)

    @property
    def wave_size(self) -> int:
        """Lanes per wavefront: 32 on RDNA and gfx1250."""
        return _WMMA_WAVE

    @property
    def m_dim(self) -> int:
        return self.instr_shape[0]

    @property
    def n_dim(self) -> int:
        return self.instr_shape[1]

    def _tile_extent(self) -> list[int]:
        """Extent of one instruction tile per tensor dim (batch dims 1)."""
        rank = self.rank
        ext = [1] * rank
        m, n = self.instr_shape[:2]
        if self.transposed:
            m, n = n, m
        ext[rank - 2], ext[rank - 1] = m, n
        return ext

    def to_linear_layout(self, shape: Sequence[int]):
        """Triton's ``toLinearLayout(shape, #ttg.amd_wmma<...>)``."""
        if self._rank_free(shape):
            return self._with_rank(len(shape)).to_linear_layout(shape)
        rank = self.rank
        shape = check_shape(shape, rank)
        tile, order = _wmma_tile(self.version, self.instr_shape[0], self.transposed, rank)
        # the product with the tile scales the tile-unit bases by the tile extent
        regs, warps = [list(b) for b in self.reg_bases], [list(b) for b in self.warp_bases]
        names = standard_out_dims(rank)
        cta = layout_from_bases({"register": regs, "warp": warps}, names)
        L = tile * cta.transpose_outs(order)
        # repetitions fill N (the last dim) first, transposed or not
        L = L.transpose_outs([names[d] for d in range(rank - 1, -1, -1)])
        return with_distributed_ins(fit_cta_cga(L, self.cga_layout, shape))

    def dot_operand_linear_layout(self, operand_index: int, k_width: int, shape: Sequence[int]):
        """The layout of ``#ttg.dot_op<{opIdx, parent = this, kWidth}>``.

        Triton's ``wmmaDotOperandToLinearLayout``: on RDNA3 (v1) lanes 16-31 duplicate lanes 0-15.
        """
        op, kw = _check_dot_args(operand_index, k_width)
        if self._rank_free(shape):
            return self._with_rank(len(shape)).dot_operand_linear_layout(operand_index, k_width, shape)
        rank = self.rank
        shape = check_shape(shape, rank)
        allowed = {1: (8, 16), 2: (4, 8, 16)}.get(self.version)
        if kw <= 0 or (allowed and kw not in allowed):
            raise LayoutError(
                f"k_width: WMMA v{self.version} operands need k_width in "
                f"{allowed or 'powers of two'}, got {kw}"
            )
        log2_param(kw, "k_width")
        names = standard_out_dims(rank)
        k_idx = rank - 1 if op == 0 else rank - 2
        nk_idx = rank - 2 if op == 0 else rank - 1
        d_k, d_nk = names[k_idx], names[nk_idx]
        ext = self._tile_extent()
        non_k = ext[nk_idx]
        k_instr = self.instr_shape[2]
        L = _empty(("register", "lane"), (d_k, d_nk))
        L = L * _ident("register", kw, d_k) * _ident("lane", 16, d_nk)
        L = L * (LinearLayout.zeros("lane", 2, d_k) if self.version == 1 else _ident("lane", 2, d_k))
        if k_instr // (2 * kw) > 1:
            L = L * _ident("register", k_instr // (2 * kw), d_k)
        if non_k // 16 > 1:
            L = L * _ident("register", non_k // 16, d_nk)
        if rank == 3:
            L = L * _ident("register", 1, names[0])
        regs, warps = [list(b) for b in self.reg_bases], [list(b) for b in self.warp_bases]
        proj = lambda b: [0 if d == k_idx else v for d, v in enumerate(b)]  # noqa: E731
        regs = [proj(b) for b in regs if any(proj(b))]
        warps = [proj(b) for b in warps]
        cta = layout_from_bases({"register": regs, "warp": warps}, names)
        L = L * cta.transpose_outs(list(L.out_dims))
        # unlike MFMA, the WMMA dot operand's CGA drops the block bases along K
        cga = [proj(b) for b in self.cga_layout]
        return with_distributed_ins(fit_cta_cga(L, cga, shape))

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``AMDWMMALayout``."""
        return {
            "version": self.version,
            "transposed": self.transposed,
            "warp_bases": [list(b) for b in self.warp_bases],
            "reg_bases": [list(b) for b in self.reg_bases],
            "instr_shape": list(self.instr_shape),
            "cga_layout": [list(b) for b in self.cga_layout],
            "rank": self.rank,
        }

    # -- Triton text ---------------------------------------------------------------------
    def to_triton(self) -> str:
        cta = []
        if self.reg_bases:
            cta.append(f"register = {format_cga(self.reg_bases)}")
        if self.warp_bases:
            cta.append(f"warp = {format_cga(self.warp_bases)}")
        parts = [
            f"version = {self.version}",
            f"isTranspose = {'true' if self.transposed else 'false'}",
            "ctaLayout = {" + ", ".join(cta) + "}",
        ]
        if self.cga_layout:
            parts.append(f"CGALayout = {format_cga(self.cga_layout)}")
        if self.instr_shape != (16, 16, 16):
            parts.append(f"instrShape = {format_int_list(self.instr_shape)}")
        return "#ttg.amd_wmma<{" + ", ".join(parts) + "}>"

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> AMDWMMALayout:
        """Build from the parsed fields of ``#ttg.amd_wmma<{...}>``."""
        known = {"version", "isTranspose", "ctaLayout", "CGALayout", "instrShape"}
        extra = set(params) - known
        if extra:
            raise LayoutError(f"amd_wmma: unknown field(s) {sorted(extra)}; known: {sorted(known)}")
        for need in ("version", "isTranspose", "ctaLayout"):
            if need not in params:
                raise LayoutError(f"amd_wmma: missing field {need!r}")
        cta = params["ctaLayout"]
        if not isinstance(cta, dict) or set(cta) - {"register", "warp", "block"}:
            raise LayoutError(f"ctaLayout: expected {{register = [...], warp = [...]}}, got {cta!r}")
        if cta.get("block"):
            raise LayoutError(
                f"ctaLayout: block bases belong in CGALayout, got block = {cta['block']!r} inside ctaLayout"
            )
        wb = cta.get("warp", [])
        rb = cta.get("register", [])
        cga = params.get("CGALayout", ())
        rank = next((len(b) for b in list(wb) + list(rb) + list(cga)), None)
        instr = params.get("instrShape")
        if rank is None:
            rank = 2
        return cls(params["version"], params["isTranspose"], wb, rb, instr, cga, rank)


# ======================================================================================
# Scale layouts of scaled MFMA / WMMA
# ======================================================================================


def mfma_scale_layout(
    operand_index: int,
    shape: Sequence[int],
    m_dim: int,
    tiles_per_warp: Sequence[int] = (1, 1),
    warps_per_cta: Sequence[int] = (1, 1),
):
    """Layout of the e8m0 scales of a gfx950 scaled MFMA operand (``chooseScaledMfmaScaleLayout``).

    ``shape`` is ``[M or N, K / 32]``; ``m_dim`` is the MFMA instruction's M (16 or 32);
    ``tiles_per_warp`` and ``warps_per_cta`` are the accumulator's.

    >>> mfma_scale_layout(0, [32, 4], 32).bases["lane"]
    [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0], [0, 1]]
    """
    operand_index = int_param(operand_index, "operand_index")
    if operand_index not in (0, 1) or isinstance(operand_index, bool):
        raise LayoutError(f"operand_index: must be 0 (A) or 1 (B), got {operand_index!r}")
    m_dim = int_param(m_dim, "m_dim")
    if m_dim not in (16, 32) or isinstance(m_dim, bool):
        raise LayoutError(f"m_dim: scaled MFMA instructions have M = 16 or 32, got {m_dim!r}")
    shape = check_shape(shape, 2)
    tpw = check_pow2_list(tiles_per_warp, "tiles_per_warp", 2)
    warps = check_pow2_list(warps_per_cta, "warps_per_cta", 2)
    k = shape[1]
    # bases below are written (K, MN): K is the first out dim, as Triton builds it
    threads_k = 2 if m_dim == 32 else 4
    regs = []
    v = threads_k
    while v < k:
        regs.append([v, 0])
        v *= 2
    v = m_dim
    while v < tpw[operand_index] * m_dim:
        regs.append([0, v])
        v *= 2
    lanes = [[0, 1 << i] for i in range(5 if m_dim == 32 else 4)]
    lanes += [[1, 0]] if m_dim == 32 else [[1, 0], [2, 0]]
    L = layout_from_bases({"register": regs, "lane": lanes}, ["dim1", "dim0"])
    if operand_index == 0:
        L = L * _ident("warp", warps[1], "dim1") * _ident("warp", warps[0], "dim0")
    else:
        L = L * _ident("warp", warps[1], "dim0") * _ident("warp", warps[0], "dim1")
    return with_distributed_ins(fit_cta_cga(L, (), shape))


def wmma_scale_layout(
    operand_index: int,
    shape: Sequence[int],
    m_dim: int,
    n_dim: int,
    transposed: bool,
    scale_factor: int,
    reg_bases: Sequence[Sequence[int]] = (),
    warp_bases: Sequence[Sequence[int]] = (),
    cga_layout: Sequence[Sequence[int]] = (),
):
    """Layout of the e8m0 scales of a gfx1250 scaled WMMA operand (``chooseScaledWmmaScaleLayout``).

    ``shape`` is ``[M or N, K / scale_factor]``; ``m_dim``/``n_dim``/``transposed``/``reg_bases``/
    ``warp_bases`` are the accumulator's (:class:`AMDWMMALayout`); ``cga_layout`` the operand's
    (in operand coordinates: ``[M, K]`` for A, ``[K, N]`` for B).

    >>> wmma_scale_layout(0, [32, 4], 16, 16, False, 16).bases["lane"]
    [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]]
    """
    operand_index = int_param(operand_index, "operand_index")
    if operand_index not in (0, 1) or isinstance(operand_index, bool):
        raise LayoutError(f"operand_index: must be 0 (A) or 1 (B), got {operand_index!r}")
    scale_factor = int_param(scale_factor, "scale_factor")
    if scale_factor not in (16, 32) or isinstance(scale_factor, bool):
        raise LayoutError(
            f"scale_factor: scaled WMMA groups 16 or 32 elements per scale, got {scale_factor!r}"
        )
    m_dim, n_dim = int_param(m_dim, "m_dim"), int_param(n_dim, "n_dim")
    if (m_dim, n_dim) not in ((16, 16), (32, 16)):
        raise LayoutError(f"m_dim/n_dim: scaled WMMA instructions are 16x16 or 32x16, got {m_dim}x{n_dim}")
    if not isinstance(transposed, bool):
        raise LayoutError(f"transposed: expected a bool, got {transposed!r}")
    shape = check_shape(shape, 2)
    rb = bases_param(reg_bases, "reg_bases", 2)
    wb = bases_param(warp_bases, "warp_bases", 2)
    if not _reaches_every_tile({"register": rb, "warp": wb}, 2):
        raise LayoutError(f"warp_bases/reg_bases: must reach every tile of their grid, got {wb}, {rb}")
    cga = [list(b) for b in check_cga_layout(cga_layout, 2)]
    if operand_index == 1:  # B's CGA is given in (K, N); the scales are (N, K)
        cga = [[b[1], b[0]] for b in cga]
    lm, ln = (n_dim, m_dim) if transposed else (m_dim, n_dim)
    non_k = lm if operand_index == 0 else ln
    acc_dim = 0 if operand_index == 0 else 1
    k_width = 4 if scale_factor == 32 else 8
    L = _empty(("register", "lane"), ("dim1", "dim0"))
    L = L * _ident("register", k_width, "dim1") * _ident("lane", non_k, "dim0")
    L = L * LinearLayout.zeros("lane", _WMMA_WAVE // non_k, "dim0")
    if shape[1] > k_width:
        L = L * _ident("register", shape[1] // k_width, "dim1")
    proj = lambda b: [b[acc_dim], 0]  # noqa: E731 - (nonK, K) coordinates, K dropped
    cta = layout_from_bases(
        {"register": [proj(b) for b in rb if b[acc_dim]], "warp": [proj(b) for b in wb]}, ["dim0", "dim1"]
    )
    L = L * cta.transpose_outs(["dim1", "dim0"])
    R = with_distributed_ins(fit_cta_cga(L, cga, shape))
    if m_dim <= 16:  # the first register after the K registers moves into lane bit 4
        bases = R.bases
        regs = bases["register"]
        first = log2_param(max(k_width, shape[1]), "shape")
        if first < len(regs):
            bases["lane"][4] = regs.pop(first)
            R = layout_from_bases(bases, list(R.out_dims.items()))
    return R


# ======================================================================================
# gfx950 transposed LDS reads and the MFMA-like store layout
# ======================================================================================


def ds_read_tr_dot_layout(
    parent: AMDMFMALayout, operand_index: int, k_width: int, shape: Sequence[int], elem_bits: int = 4
):
    """Register layout of an MFMA dot operand read with gfx950 ``ds_read_b64_tr_b4``.

    Triton's ``chooseDsReadTrLayout``.

    This is the layout Triton uses for M/N-packed fp4 operands (two e2m1 values per byte, the
    instruction reading 64 bits with 16 lanes per shuffle group); only that configuration
    (``elem_bits=4``, ``k_width=16``, rank 2, 16x16 or 32x32 MFMA) exists in Triton 3.9.

    >>> P = AMDMFMALayout(3, [16, 16, 16], False, [4, 1])
    >>> ds_read_tr_dot_layout(P, 0, 16, [256, 256]).bases["lane"]
    [[0, 1], [0, 2], [0, 4], [0, 8], [0, 32], [0, 64]]
    """
    if not isinstance(parent, AMDMFMALayout):
        raise LayoutError(f"parent: expected an AMDMFMALayout, got {parent!r}")
    op, kw = _check_dot_args(operand_index, k_width)
    if elem_bits != 4:
        raise LayoutError(
            f"elem_bits: the transposed-read layout exists for packed fp4 (4 bits) only, got {elem_bits!r}"
        )
    if kw != 16:
        raise LayoutError(f"k_width: packed-fp4 transposed reads use k_width 16, got {kw}")
    if parent.rank != 2 or parent.instr_shape[:2] not in ((16, 16), (32, 32)):
        raise LayoutError(
            "parent: ds_read_tr layouts need a rank-2 16x16 or 32x32 MFMA parent, got "
            f"{list(parent.instr_shape)} rank {parent.rank}"
        )
    shape = check_shape(shape, 2)
    m = parent.instr_shape[0]
    k_idx, nk_idx = (1, 0) if op == 0 else (0, 1)
    d_k, d_nk = f"dim{k_idx}", f"dim{nk_idx}"
    k_tile = 128 if m == 16 else 64
    regs = [(1, 0), (2, 0), (4, 0), (0, 16)] + [(0, r) for r in _powers_from(k_tile, shape[k_idx])]
    lanes = [(0, 1), (0, 2), (0, 4), (0, 8)] + ([(0, 32), (0, 64)] if m == 16 else [(8, 0), (0, 32)])
    # bases above are (nonK, K); put them in (dim0, dim1)
    place = (lambda b: [b[0], b[1]]) if op == 0 else (lambda b: [b[1], b[0]])  # noqa: E731
    placed = {"register": [place(b) for b in regs], "lane": [place(b) for b in lanes]}
    L = layout_from_bases(placed, ["dim0", "dim1"])
    L = L.transpose_outs([d_nk, d_k])
    for d in (1, 0):
        L = L * _ident("warp", parent.warps_per_cta[d], f"dim{d}")
    return with_distributed_ins(fit_cta_cga(L, parent.cga_layout, shape))


def _powers_from(start: int, stop: int) -> list[int]:
    out, v = [], start
    while v < stop:
        out.append(v)
        v *= 2
    return out


def mfma_like_store_layout(parent: AMDMFMALayout, shape: Sequence[int], elem_bits: int = 16):
    """Triton's ``chooseMfmaLikeStoreLayout``: the MFMA accumulator with two dim1 bits swapped so
    each thread holds 8 contiguous 16-bit elements (one 128-bit global store).

    Defined for gfx950 (version 4) transposed rank-2 accumulators of 16-bit data with a 32x32
    instruction, or 16x16 with N >= 32 and one warp along N; ``None`` otherwise (as Triton).
    The swap exchanges dim1 bit 2 with bit 3 (32x32) or bit 4 (16x16).

    >>> P = AMDMFMALayout(4, [32, 32, 16], True, [1, 1])
    >>> mfma_like_store_layout(P, [32, 32]).bases["register"]
    [[0, 1], [0, 2], [0, 4], [0, 16]]
    """
    if not isinstance(parent, AMDMFMALayout):
        raise LayoutError(f"parent: expected an AMDMFMALayout, got {parent!r}")
    shape = check_shape(shape, parent.rank)
    m, n = parent.instr_shape[:2]
    ok = (
        parent.version == 4
        and parent.transposed
        and elem_bits == 16
        and parent.rank == 2
        and ((m, n) == (32, 32) or ((m, n) == (16, 16) and shape[1] >= 32 and parent.warps_per_cta[1] == 1))
    )
    if not ok:
        return None
    hi = 3 if m == 32 else 4
    if shape[1] < (1 << (hi + 1)):
        return None
    acc = parent.to_linear_layout(shape)

    def swap(v: int) -> int:
        b2, bh = (v >> 2) & 1, (v >> hi) & 1
        if b2 == bh:
            return v
        return v ^ (1 << 2) ^ (1 << hi)

    bases = {d: [[b[0], swap(b[1])] for b in bl] for d, bl in acc.bases.items()}
    return layout_from_bases(bases, list(acc.out_dims.items()))
