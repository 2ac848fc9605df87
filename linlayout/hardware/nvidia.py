"""NVIDIA tensor-core register layouts and dot operands, bit-identical to Triton 3.9.0.

* :class:`NVMMADistributedLayout` (``#ttg.nvidia_mma``): the accumulator of ``mma.sync``
  (version ``[2, minor]``: Ampere / Turing, ``instr_shape`` ``[16, 8]``, ``[8, 8]`` for fp64
  ``m8n8k4``, with leading batch dims of 1 for rank 3) and of Hopper ``wgmma`` (version
  ``[3, minor]``, ``instr_shape`` ``[16, N, K]`` with N a power of two from 8 to 256; rank 2).
* :class:`DotOperandLayout` (``#ttg.dot_op``): operand ``0`` (A = [.., M, K]) or ``1``
  (B = [.., K, N]) of a dot whose accumulator is ``parent``.  It works for every parent
  that implements ``dot_operand_linear_layout(operand_index, k_width, shape)`` (blocked =
  FMA, NVIDIA MMA, AMD MFMA / WMMA); parents may also implement
  ``check_dot_operand(operand_index, k_width)`` so bad parameters fail at construction.

>>> acc = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
>>> acc.to_linear_layout([64, 64]).bases["register"]
[[0, 1], [8, 0], [0, 16], [0, 32], [32, 0]]
>>> a = DotOperandLayout(0, acc, 2)
>>> a.to_linear_layout([64, 32]).bases["warp"]     # warps along N hold copies of A
[[0, 0], [16, 0]]
>>> a.to_triton()[:28]
'#ttg.dot_op<{opIdx = 0, pare'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout
from .base import HardwareLayout, triton_attr
from .blocked import cga_from_params, check_known_params, require
from .cga import (
    Tile,
    check_cga_layout,
    check_int_list,
    check_pow2_list,
    check_shape,
    dot_operand_cga,
    format_cga,
    format_int_list,
)

__all__ = [
    "NVMMADistributedLayout",
    "DotOperandLayout",
    "nvidia_mma",
    "dot_operand",
    "matrix_order",
    "dot_operand_order",
    "nvidia_mma_tile",
]

_set = object.__setattr__


def matrix_order(rank: int, row_major: bool) -> list[int]:
    """Triton ``getMatrixOrder``: ``[rank-1, ..., 0]``, first two swapped when not row-major.

    >>> matrix_order(3, False)
    [1, 2, 0]
    """
    order = list(range(rank - 1, -1, -1))
    if not row_major and rank >= 2:
        order[0], order[1] = order[1], order[0]
    return order


def dot_operand_order(operand_index: int, rank: int) -> list[int]:
    """K fastest: A (operand 0) gets ``[rank-1, rank-2, ...]``, B gets ``[rank-2, rank-1, ...]``
    (Triton ``getOrderForDotOperand(opIdx, rank, kContig=true)``)."""
    return matrix_order(rank, row_major=operand_index == 0)


def nvidia_mma_tile(
    tile: Sequence[int], k_width: int, order: Sequence[int], rep_order: Sequence[int]
) -> Tile:
    """One warp's tile of an ``mma.sync`` / ``wgmma`` fragment (Triton ``nvidiaMmaTile``).

    With ``inner = order[0]``, ``outer = order[1]``, ``m = tile[outer]``, ``n = tile[inner]``:
    ``k_width`` registers along inner, 4 lanes along inner, 8 lanes along outer, ``m / 8``
    registers along outer, ``n / (4 k_width)`` registers along inner.  Out-dims are listed in
    ``rep_order`` (which fixes the order in which the tile later repeats).

    >>> nvidia_mma_tile([16, 8], 2, [1, 0], [1, 0]).bases["register"]
    [[0, 1], [8, 0]]
    """
    inner, outer = order[0], order[1]
    m, n = tile[outer], tile[inner]
    if m % 8:
        raise LayoutError(f"instr_shape: the M extent of the tile must be a multiple of 8, got {m}")
    if n % (k_width * 4):
        raise LayoutError(
            f"instr_shape: the tile's extent {n} along its fastest dim must be a multiple of "
            f"4*k_width = {4 * k_width}"
        )
    t = Tile(len(tile), rep_order)
    t.identity("register", k_width, inner)
    t.identity("lane", 4, inner)
    t.identity("lane", 8, outer)
    t.identity("register", m // 8, outer)
    t.identity("register", n // (k_width * 4), inner)
    return t


# --------------------------------------------------------------------------------------- nvidia_mma


@triton_attr("ttg.nvidia_mma")
@dataclass(frozen=True)
class NVMMADistributedLayout(HardwareLayout):
    """``#ttg.nvidia_mma``: the accumulator layout of NVIDIA tensor-core MMAs.

    ``version`` is ``[major, minor]`` (major 2: Ampere/Turing ``mma.sync``, 3: Hopper
    ``wgmma``); ``warps_per_cta`` fixes the rank; ``instr_shape`` is ``[.., M, N]`` for
    version 2 (one entry per dim; ``[16, 8]``, or ``[8, 8]`` for fp64) and
    ``[16, N, K]`` for version 3 (rank 2 only, N a power of two).

    >>> NVMMADistributedLayout([3, 0], [4, 1], [16, 64, 16]).to_linear_layout([64, 64]).bases["warp"]
    [[16, 0], [32, 0]]
    """

    version: Sequence[int]
    warps_per_cta: Sequence[int]
    instr_shape: Sequence[int]
    cga_layout: Sequence[Sequence[int]] = field(default=())

    def __post_init__(self) -> None:
        version = check_int_list(self.version, "version")
        if len(version) != 2:
            raise LayoutError(f"version: expected [major, minor], got {list(version)}")
        if version[0] == 1:
            raise LayoutError("version: Volta (major 1) has no linear layout in Triton 3.9 (deprecated)")
        if version[0] not in (2, 3):
            raise LayoutError(f"version: major must be 2 (Ampere) or 3 (Hopper), got {version[0]}")
        if version[1] < 0:
            raise LayoutError(f"version: minor must be >= 0, got {version[1]}")
        warps = check_pow2_list(self.warps_per_cta, "warps_per_cta")
        rank = len(warps)
        if rank < 2:
            raise LayoutError(f"warps_per_cta: an MMA layout needs rank >= 2, got {list(warps)}")
        instr = check_int_list(self.instr_shape, "instr_shape")
        if any(not 0 < v < 1 << 32 for v in instr):
            raise LayoutError(f"instr_shape: entries must be positive (and below 2**32), got {list(instr)}")
        if version[0] == 2 and len(instr) != rank:
            raise LayoutError(
                f"instr_shape: version 2 needs one entry per dim ({rank}, as warps_per_cta), "
                f"got {list(instr)}"
            )
        if version[0] == 3:
            if rank != 2:
                raise LayoutError(
                    f"warps_per_cta: Hopper (version 3) MMA layouts have rank 2, got {list(warps)}"
                )
            if len(instr) < 2:
                raise LayoutError(f"instr_shape: version 3 expects [M, N, K] (or [M, N]), got {list(instr)}")
        _set(self, "version", version)
        _set(self, "warps_per_cta", warps)
        _set(self, "instr_shape", instr)
        _set(self, "cga_layout", check_cga_layout(self.cga_layout, rank))
        tile = self._tile()
        if any(v & (v - 1) for v in tile[-2:]):
            raise LayoutError(f"instr_shape: M and N must be powers of two, got {tile[-2:]}")
        if tile[-2] % 8:
            raise LayoutError(f"instr_shape: M must be a multiple of 8, got {tile[-2]}")
        if tile[-1] % 8:
            raise LayoutError(f"instr_shape: N must be a multiple of 8, got {tile[-1]}")

    @property
    def rank(self) -> int:
        return len(self.warps_per_cta)

    @property
    def is_hopper(self) -> bool:
        return self.version[0] == 3

    def _tile(self) -> list[int]:
        """Per-warp tile: ``[1.., M, N]`` (batch dims hold one instruction)."""
        rank = self.rank
        if self.is_hopper:
            return [self.instr_shape[0], self.instr_shape[1]]
        return [1] * (rank - 2) + list(self.instr_shape[-2:])

    def warp_order(self) -> list[int]:
        """Ampere: N-major warps (``[rank-1, ..., 0]``); Hopper: M first (``[0, 1]``)."""
        return matrix_order(self.rank, row_major=not self.is_hopper)

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """The accumulator fragment on ``shape`` (repeats N first, then M, then batch)."""
        shape = check_shape(shape, self.rank)
        order = list(range(self.rank - 1, -1, -1))
        tile = nvidia_mma_tile(self._tile(), 2, order, order)
        tile.identity_nd("warp", self.warps_per_cta, self.warp_order())
        return tile.fit(shape, self.cga_layout)

    def check_dot_operand(self, operand_index: int, k_width: int) -> None:
        """``k_width`` is mandatory (a power of two); Hopper takes only operand 0 in registers."""
        if isinstance(k_width, bool) or not isinstance(k_width, int):
            raise LayoutError(f"k_width: expected an int, got {k_width!r}")
        if k_width == 0:
            raise LayoutError("k_width: is mandatory (nonzero) for an Ampere or Hopper MMA parent")
        if k_width < 0 or k_width & (k_width - 1):
            raise LayoutError(f"k_width: must be a power of two, got {k_width}")
        if self.is_hopper and operand_index != 0:
            raise LayoutError(
                f"operand_index: must be 0 for a Hopper MMA parent (wgmma reads only A from registers), "
                f"got {operand_index}"
            )

    def dot_operand_linear_layout(
        self, operand_index: int, k_width: int, shape: Sequence[int]
    ) -> LinearLayout:
        """The A/B register fragment of ``mma.sync`` / ``wgmma`` (Triton
        ``nvidiaDotToLinearLayout``): tile ``[M, k_width*8]`` for A and ``[k_width*8, 8]``
        for B (``*4`` instead of ``*8`` for fp64 ``m8n8k4``), K fastest; warps along K hold
        copies."""
        self.check_dot_operand(operand_index, k_width)
        rank = self.rank
        shape = check_shape(shape, rank)
        instr_m = self._tile()[-2]
        mult = 4 if instr_m == 8 else 8
        tile = [1] * rank
        if operand_index == 0:
            tile[-2], tile[-1] = instr_m, k_width * mult
        else:
            tile[-2], tile[-1] = k_width * mult, 8
        order = dot_operand_order(operand_index, rank)
        kdim = rank - 1 if operand_index == 0 else rank - 2
        t = nvidia_mma_tile(tile, k_width, order, order)
        for d in self.warp_order():  # warps along K hold copies
            if d == kdim:
                t.zeros("warp", self.warps_per_cta[d], d)
            else:
                t.identity("warp", self.warps_per_cta[d], d)
        return t.fit(shape, dot_operand_cga(self.cga_layout, operand_index, rank))

    def to_triton(self) -> str:
        s = (
            f"#ttg.nvidia_mma<{{versionMajor = {self.version[0]}, versionMinor = {self.version[1]}, "
            f"warpsPerCTA = {format_int_list(self.warps_per_cta)}"
        )
        if self.cga_layout:
            s += f", CGALayout = {format_cga(self.cga_layout)}"
        return s + f", instrShape = {format_int_list(self.instr_shape)}}}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> NVMMADistributedLayout:
        """From parsed ``#ttg.nvidia_mma`` fields (``versionMajor``, ``versionMinor``,
        ``warpsPerCTA``, ``instrShape``, optional ``CGALayout`` or the older CTA fields)."""
        a = "ttg.nvidia_mma"
        check_known_params(
            params,
            (
                "versionMajor",
                "versionMinor",
                "warpsPerCTA",
                "instrShape",
                "CGALayout",
                "CTAsPerCGA",
                "CTASplitNum",
                "CTAOrder",
            ),
            a,
        )
        warps = check_pow2_list(require(params, "warpsPerCTA", a), "warpsPerCTA")
        return cls(
            [require(params, "versionMajor", a), params.get("versionMinor", 0)],
            warps,
            require(params, "instrShape", a),
            cga_from_params(params, len(warps)),
        )

    def __repr__(self) -> str:
        s = (
            f"NVMMADistributedLayout(version={list(self.version)}, warps_per_cta={list(self.warps_per_cta)}, "
            f"instr_shape={list(self.instr_shape)}"
        )
        if self.cga_layout:
            s += f", cga_layout={[list(b) for b in self.cga_layout]}"
        return s + ")"


def nvidia_mma(
    shape: Sequence[int],
    version: Sequence[int],
    warps_per_cta: Sequence[int],
    instr_shape: Sequence[int],
    cga_layout: Sequence[Sequence[int]] = (),
) -> LinearLayout:
    """The layout of ``NVMMADistributedLayout(...)`` on ``shape``.

    >>> nvidia_mma([8, 8], [2, 0], [1, 1], [8, 8]).bases["register"]    # fp64 m8n8k4
    [[0, 1]]
    """
    return NVMMADistributedLayout(version, warps_per_cta, instr_shape, cga_layout).to_linear_layout(shape)


# ------------------------------------------------------------------------------------------ dot_op


@triton_attr("ttg.dot_op")
@dataclass(frozen=True)
class DotOperandLayout(HardwareLayout):
    """``#ttg.dot_op``: operand ``operand_index`` (0 = A, 1 = B) of a dot whose result has
    layout ``parent``; ``k_width`` is the number of consecutive K elements per register
    group (0 for blocked/FMA parents, a power of two for MMA parents).

    >>> from linlayout.hardware.blocked import BlockedLayout
    >>> fma = DotOperandLayout(1, BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]), 0)
    >>> fma.to_linear_layout([32, 64]).bases["lane"]          # lanes along K broadcast
    [[0, 4], [0, 8], [0, 16], [0, 0], [0, 0]]
    """

    operand_index: int
    parent: Any
    k_width: int = 0

    def __post_init__(self) -> None:
        for name in ("operand_index", "k_width"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise LayoutError(f"{name}: expected an int, got {v!r}")
        if self.operand_index not in (0, 1):
            raise LayoutError(f"operand_index: must be 0 (A) or 1 (B), got {self.operand_index}")
        if self.k_width < 0:
            raise LayoutError(f"k_width: must be >= 0, got {self.k_width}")
        if not isinstance(self.parent, HardwareLayout) or not hasattr(
            self.parent, "dot_operand_linear_layout"
        ):
            raise LayoutError(
                f"parent: {type(self.parent).__name__} cannot be a dot operand parent (expected a blocked, "
                "NVIDIA MMA or AMD MFMA/WMMA layout)"
            )
        check = getattr(self.parent, "check_dot_operand", None)
        if check is not None:
            check(self.operand_index, self.k_width)

    @property
    def rank(self) -> int:
        return self.parent.rank

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Delegates to ``parent.dot_operand_linear_layout(operand_index, k_width, shape)``."""
        return self.parent.dot_operand_linear_layout(self.operand_index, self.k_width, shape)

    def to_triton(self) -> str:
        s = f"#ttg.dot_op<{{opIdx = {self.operand_index}, parent = {self.parent.to_triton()}"
        if self.k_width:
            s += f", kWidth = {self.k_width}"
        return s + "}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> DotOperandLayout:
        """From parsed ``#ttg.dot_op`` fields ``opIdx``, ``parent`` (built) and optional
        ``kWidth`` (default 0)."""
        a = "ttg.dot_op"
        check_known_params(params, ("opIdx", "parent", "kWidth"), a)
        return cls(require(params, "opIdx", a), require(params, "parent", a), params.get("kWidth", 0))

    def __repr__(self) -> str:
        return (
            f"DotOperandLayout(operand_index={self.operand_index}, parent={self.parent!r}, "
            f"k_width={self.k_width})"
        )


def dot_operand(shape: Sequence[int], operand_index: int, parent: Any, k_width: int = 0) -> LinearLayout:
    """The layout of ``DotOperandLayout(operand_index, parent, k_width)`` on ``shape``."""
    return DotOperandLayout(operand_index, parent, k_width).to_linear_layout(shape)
