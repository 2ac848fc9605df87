"""AMD LDS (shared memory) layouts, as Triton 3.9.0 defines them.

* :class:`AMDRotatingSharedLayout` — ``#ttg.amd_rotating_shared``: the swizzled layout whose
  phase also rotates every ``per_phase * max_phase`` rows (``sharedToLinearLayoutAMDRotating``).
* :class:`PaddedSharedLayout` — ``#ttg.padded_shared``.  **Padded shared memory is not a
  linear layout**: after every ``interval`` elements ``padding`` unused elements are inserted,
  and Triton 3.9 has no ``LinearLayout`` for the padded whole (its ``toLinearLayout`` aborts
  with "padded shared encoding has no linear layout").  What is linear is the *linear
  component* (logical element index -> unpadded offset), :meth:`PaddedSharedLayout.linear_component`;
  the padding is the separate, non-linear map :meth:`PaddedSharedLayout.padded_offset`.
* :func:`cdna4_padded_shared_layout` — Triton's ``compute_amd_efficient_padded_shared_layout``
  chooser for gfx950 (CDNA4) dot-operand tiles.
* :class:`PartitionedSharedLayout` — ``#ttg.partitioned_shared`` (gfx1250 partitioned LDS):
  in-dims ``offset, block, partition``.
* :func:`tdm_message_layout` — gfx1250 tensor-DMA (TDM) message layout (``getTDMLinearLayout``),
  in-dims ``message, warp, block``.

>>> L = AMDRotatingSharedLayout(vec=4, per_phase=2, max_phase=4, order=[1, 0]).to_linear_layout([64, 64])
>>> L.bases["offset"][6:]
[[1, 0], [2, 4], [4, 8], [8, 4], [16, 8], [32, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout, identity_standard_nd, standard_out_dims
from ._kit import (
    PARTITIONED_IN_DIMS,
    SHARED_IN_DIMS,
    TDM_IN_DIMS,
    bases_param,
    fit_cta_cga,
    int_list_param,
    int_param,
    layout_from_bases,
    log2_param,
)
from .amd import AMDMFMALayout
from .base import HardwareLayout, triton_attr
from .cga import check_cga_layout, check_pow2_list, check_shape, format_cga, format_int_list, shape_per_cta

__all__ = [
    "AMDRotatingSharedLayout",
    "PaddedSharedLayout",
    "PartitionedSharedLayout",
    "cdna4_padded_shared_layout",
    "tdm_message_layout",
]

SHARED_INS = SHARED_IN_DIMS


def _pos_int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise LayoutError(f"{what}: expected a positive int, got {v!r}")
    return v


def _check_order(order: Any, what: str = "order") -> tuple[int, ...]:
    o = tuple(int_list_param(order, what))
    if sorted(o) != list(range(len(o))) or not o:
        raise LayoutError(f"{what}: expected a permutation of 0..rank-1, got {list(o)}")
    return o


def _powers(n: int) -> list[int]:
    out, v = [], 1
    while v < n:
        out.append(v)
        v *= 2
    return out


def _shared_fit(cta: LinearLayout, cga_layout: Sequence[Sequence[int]], shape: Sequence[int]) -> LinearLayout:
    """The per-CTA ``offset`` layout fitted to ``shape`` with the CGA; in-dims ``offset, block``."""
    L = fit_cta_cga(cta, cga_layout, shape)
    if tuple(L.in_dims) == SHARED_INS:
        return L
    return layout_from_bases({d: L.bases.get(d, []) for d in SHARED_INS}, list(L.out_dims.items()))


# ======================================================================================
# Rotating shared
# ======================================================================================


@triton_attr("ttg.amd_rotating_shared")
@dataclass(frozen=True, repr=False)
class AMDRotatingSharedLayout(HardwareLayout):
    """``#ttg.amd_rotating_shared<{vec, perPhase, maxPhase, order[, CGALayout]}>``.

    Like ``swizzled_shared`` but the XOR phase of row ``r`` is
    ``((r // per_phase) % max_phase) ^ ((r // (per_phase * max_phase)) % max_phase)``: each
    block of ``per_phase * max_phase`` rows uses a rotated swizzle, so that AMD's LDS
    reads of consecutive row blocks hit different banks.  In-dims ``offset, block``.

    Triton 3.9 has no Python constructor for this attribute, so the layout cannot be read
    back from the wheel; the tests check it against the C++ unit-test expectations and
    against Triton's ``swizzled_shared`` where the rotation is inactive.

    >>> AMDRotatingSharedLayout(2, 2, 2, [0, 1]).to_linear_layout([8, 16]).bases["offset"]
    [[1, 0], [2, 0], [4, 0], [0, 1], [2, 2], [2, 4], [0, 8]]
    """

    vec: int
    per_phase: int
    max_phase: int
    order: Sequence[int]
    cga_layout: Sequence[Sequence[int]] = ()

    def __post_init__(self) -> None:
        """Validate and normalize the fields (tuples, defaults filled in)."""
        vec = self.vec
        per_phase = self.per_phase
        max_phase = self.max_phase
        order = self.order
        cga_layout = self.cga_layout
        sa = object.__setattr__
        sa(self, "vec", _pos_int(vec, "vec"))
        sa(self, "per_phase", _pos_int(per_phase, "per_phase"))
        sa(self, "max_phase", _pos_int(max_phase, "max_phase"))
        o = _check_order(order)
        sa(self, "order", o)
        sa(self, "cga_layout", check_cga_layout(cga_layout, len(o)))

    def __repr__(self):
        return (
            f"AMDRotatingSharedLayout(vec={self.vec}, per_phase={self.per_phase}, "
            f"max_phase={self.max_phase}, order={list(self.order)}, "
            f"cga_layout={[list(b) for b in self.cga_layout]})"
        )

    @property
    def rank(self) -> int:
        return len(self.order)

    def to_linear_layout(self, shape: Sequence[int]):
        """Triton's ``sharedToLinearLayoutAMDRotating``: in-dims ``offset, block``."""
        rank = self.rank
        shape = check_shape(shape, rank)
        names = standard_out_dims(rank)
        if rank == 1:
            cta = LinearLayout.identity("offset", shape[0], "dim0")
        else:
            col, row = self.order[0], self.order[1]
            ncols, nrows = shape[col], shape[row]
            bases = [[0, c] for c in _powers(ncols)]
            span = self.per_phase * self.max_phase
            for r in _powers(nrows):
                phase = (r // self.per_phase) % self.max_phase
                block_no = (r // span) % self.max_phase
                bases.append([r, (self.vec * (phase ^ block_no)) % ncols])
            cta = layout_from_bases({"offset": bases}, [(names[row], nrows), (names[col], ncols)])
            for d in self.order[2:]:
                cta = cta * LinearLayout.identity("offset", shape[d], names[d])
        return _shared_fit(cta, self.cga_layout, shape)

    def to_triton(self) -> str:
        s = (
            f"#ttg.amd_rotating_shared<{{vec = {self.vec}, perPhase = {self.per_phase}, "
            f"maxPhase = {self.max_phase}, order = {format_int_list(self.order)}"
        )
        if self.cga_layout:
            s += f", CGALayout = {format_cga(self.cga_layout)}"
        return s + "}>"

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> AMDRotatingSharedLayout:
        known = {"vec", "perPhase", "maxPhase", "order", "CGALayout"}
        if set(params) - known:
            raise LayoutError(f"amd_rotating_shared: unknown field(s) {sorted(set(params) - known)}")
        for k in ("vec", "perPhase", "maxPhase", "order"):
            if k not in params:
                raise LayoutError(f"amd_rotating_shared: missing field {k!r}")
        return cls(
            params["vec"],
            params["perPhase"],
            params["maxPhase"],
            params["order"],
            params.get("CGALayout", ()),
        )


# ======================================================================================
# Padded shared
# ======================================================================================


def _identity_offset_bases(shape: Sequence[int], order: Sequence[int]) -> list[list[int]]:
    L = identity_standard_nd("offset", list(shape), list(order))
    return L.transpose_outs(standard_out_dims(len(shape))).bases["offset"]


@triton_attr("ttg.padded_shared")
@dataclass(frozen=True, repr=False)
class PaddedSharedLayout(HardwareLayout):
    """``#ttg.padded_shared<[interval:+padding, ...] {...}>`` — padded LDS.

    **Not a linear layout.**  Element ``i`` of the linear component (logical offset) is
    stored at ``i + sum_k (i >> log2(interval_k)) << log2(padding_k)``.  Triton 3.9 gives
    no ``LinearLayout`` for the padded whole (``toLinearLayout`` aborts), so
    :meth:`to_linear_layout` raises :class:`~linlayout.LayoutError`; use
    :meth:`linear_component` (in-dims ``offset, block``) and :meth:`padded_offset`.

    Arguments as in Gluon: ``interval_padding_pairs``, ``offset_bases`` (the linear
    component's offset bases), ``cga_layout``, ``shape``.  :meth:`with_identity_for` builds
    the identity linear component for an ``order``.

    >>> P = PaddedSharedLayout([[4, 1]], [[1], [2], [4]], [], [8])
    >>> [P.padded_offset(i) for i in range(8)]
    [0, 1, 2, 3, 5, 6, 7, 8]
    """

    interval_padding_pairs: Sequence[Sequence[int]]
    offset_bases: Sequence[Sequence[int]]
    cga_layout: Sequence[Sequence[int]]
    shape: Sequence[int]

    def __post_init__(self) -> None:
        """Validate and normalize the fields (tuples, defaults filled in)."""
        interval_padding_pairs = self.interval_padding_pairs
        offset_bases = self.offset_bases
        cga_layout = self.cga_layout
        shape = self.shape
        shape_t = check_pow2_list(shape, "shape")
        rank = len(shape_t)
        if rank == 0:
            raise LayoutError("shape: expected at least one dim")
        if isinstance(interval_padding_pairs, (str, bytes)) or not isinstance(
            interval_padding_pairs, Sequence
        ):
            raise LayoutError(
                f"interval_padding_pairs: expected a list of [interval, padding] pairs, got "
                f"{interval_padding_pairs!r}"
            )
        pairs = []
        for p in interval_padding_pairs:
            iv, pad = int_list_param(p, "interval_padding_pairs", 2)
            log2_param(iv, "interval_padding_pairs (interval)")
            log2_param(pad, "interval_padding_pairs (padding)")
            pairs.append((iv, pad))
        if not pairs:
            raise LayoutError("interval_padding_pairs: expected at least one [interval, padding] pair")
        if len({iv for iv, _ in pairs}) != len(pairs):
            raise LayoutError(f"interval_padding_pairs: intervals must be unique, got {pairs}")
        ob = bases_param(offset_bases, "offset_bases", rank)
        cga = check_cga_layout(cga_layout, rank)
        per_cta = shape_per_cta(shape_t, cga)
        for b in ob:
            nz = [x for x in b if x]
            if len(nz) > 1 or (nz and nz[0] & (nz[0] - 1)):
                raise LayoutError(f"offset_bases: each basis moves along one dim by a power of two, got {b}")
        if (
            any(x >= p for b in ob for x, p in zip(b, per_cta))
            or not layout_from_bases({"offset": ob}, standard_out_dims(rank)).is_invertible()
        ):
            raise LayoutError(
                f"offset_bases: must enumerate distinct elements of the per-CTA shape {per_cta} "
                f"(each once), got {ob}"
            )
        sa = object.__setattr__
        sa(self, "interval_padding_pairs", tuple(pairs))
        sa(self, "offset_bases", tuple(tuple(b) for b in ob))
        sa(self, "cga_layout", tuple(tuple(b) for b in cga))
        sa(self, "shape", shape_t)

    def __repr__(self):
        return (
            f"PaddedSharedLayout(interval_padding_pairs={[list(p) for p in self.interval_padding_pairs]}, "
            f"offset_bases={[list(b) for b in self.offset_bases]}, "
            f"cga_layout={[list(b) for b in self.cga_layout]}, shape={list(self.shape)})"
        )

    @classmethod
    def with_identity_for(
        cls,
        interval_padding_pairs: Sequence[Sequence[int]],
        shape: Sequence[int],
        order: Sequence[int],
        cga_layout: Sequence[Sequence[int]] = (),
    ) -> PaddedSharedLayout:
        """The padded layout whose linear component is row-major in ``order`` (fastest first).

        >>> PaddedSharedLayout.with_identity_for([[512, 16]], [4, 4], [1, 0]).offset_bases
        ((0, 1), (0, 2), (1, 0), (2, 0))
        """
        shape = list(check_pow2_list(shape, "shape"))
        o = _check_order(order)
        if len(o) != len(shape):
            raise LayoutError(f"order: expected {len(shape)} dims, got {list(o)}")
        cga = check_cga_layout(cga_layout, len(shape))
        return cls(interval_padding_pairs, _identity_offset_bases(shape_per_cta(shape, cga), o), cga, shape)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def order(self) -> tuple[int, ...] | None:
        """The dim order if the linear component is row-major in some order, else None."""
        seen: list[int] = []
        for b in self.offset_bases:
            d = next(i for i, x in enumerate(b) if x)
            if d not in seen:
                seen.append(d)
        rank = self.rank
        order = tuple(seen + [d for d in range(rank - 1, -1, -1) if d not in seen])
        per_cta = shape_per_cta(self.shape, self.cga_layout)
        ident = _identity_offset_bases(per_cta, order)
        return order if [list(b) for b in self.offset_bases] == ident else None

    def linear_component(self, shape: Sequence[int] | None = None):
        """The linear part (Triton's ``paddedLinearLayout``): unpadded offset (and block) -> tensor coords.

        >>> PaddedSharedLayout([[4, 1]], [[0, 1], [1, 0]], [], [2, 2]).linear_component().bases["offset"]
        [[0, 1], [1, 0]]
        """
        if shape is not None and list(check_shape(shape, self.rank)) != list(self.shape):
            raise LayoutError(
                f"shape: a padded_shared layout is built for shape {list(self.shape)}, got {list(shape)}"
            )
        cta = layout_from_bases({"offset": self.offset_bases}, standard_out_dims(self.rank))
        return _shared_fit(cta, self.cga_layout, self.shape)

    def to_linear_layout(self, shape: Sequence[int]):
        """Always raises: padded shared memory is not linear (Triton 3.9 has no layout for it)."""
        raise LayoutError(
            "padded_shared: padded shared memory is not a linear layout (Triton 3.9's toLinearLayout "
            "aborts on it); use PaddedSharedLayout.linear_component() for the linear part and "
            "padded_offset(i) for the padding"
        )

    def padded_offset(self, offset: int) -> int:
        """Physical element offset of unpadded offset ``offset`` (Triton's padding rule)."""
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise LayoutError(f"offset: expected a non-negative int, got {offset!r}")
        return offset + sum(
            (offset >> (iv.bit_length() - 1)) << (pad.bit_length() - 1)
            for iv, pad in self.interval_padding_pairs
        )

    def padded_size(self) -> int:
        """Elements allocated per CTA including padding (Triton's ``getPaddedSize``)."""
        n = 1
        for s in shape_per_cta(self.shape, self.cga_layout):
            n *= s
        extra = 0
        for iv, pad in self.interval_padding_pairs:
            k = n >> (iv.bit_length() - 1)
            if n % iv == 0 and k:
                k -= 1
            extra += k << (pad.bit_length() - 1)
        return n + extra

    def to_gluon(self) -> dict:
        """Keyword arguments of Gluon's ``PaddedSharedLayout``."""
        return {
            "interval_padding_pairs": [list(p) for p in self.interval_padding_pairs],
            "offset_bases": [list(b) for b in self.offset_bases],
            "cga_layout": [list(b) for b in self.cga_layout],
            "shape": list(self.shape),
        }

    def to_triton(self) -> str:
        pairs = ", ".join(f"{iv}:+{pad}" for iv, pad in self.interval_padding_pairs)
        order = self.order
        if order is not None:
            body = f"order = {format_int_list(order)}, shape = {format_int_list(self.shape)}"
            if self.cga_layout:
                body += f", CGALayout = {format_cga(self.cga_layout)}"
        else:
            body = f"offset = {format_cga(self.offset_bases)}, block = {format_cga(self.cga_layout)}"
        return f"#ttg.padded_shared<[{pairs}] {{{body}}}>"

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> PaddedSharedLayout:
        pairs = params.get("intervalPaddingPairs")
        if pairs is None:
            raise LayoutError("padded_shared: missing the [interval:+padding, ...] list")
        if "offset" in params:
            known = {"intervalPaddingPairs", "offset", "block", "shape"}
            if set(params) - known:
                raise LayoutError(f"padded_shared: unknown field(s) {sorted(set(params) - known)}")
            ob = params["offset"]
            if isinstance(ob, (str, bytes)) or not isinstance(ob, Sequence):
                raise LayoutError(f"offset: expected a list of bases, got {ob!r}")
            first = ob[0] if ob else [0]
            rank = len(first) if isinstance(first, Sequence) else 1
            block = params.get("block", [])
            lin = layout_from_bases(
                {"offset": bases_param(ob, "offset", rank), "block": bases_param(block, "block", rank)},
                standard_out_dims(rank),
            )
            shape = params.get("shape") or list(lin.out_dims.values())
            return cls(pairs, ob, block, shape)
        known = {"intervalPaddingPairs", "order", "shape", "CGALayout"}
        if set(params) - known:
            raise LayoutError(f"padded_shared: unknown field(s) {sorted(set(params) - known)}")
        for k in ("order", "shape"):
            if k not in params:
                raise LayoutError(f"padded_shared: missing field {k!r}")
        return cls.with_identity_for(pairs, params["shape"], params["order"], params.get("CGALayout", ()))


# ======================================================================================
# Partitioned shared (gfx1250)
# ======================================================================================

PARTITIONED_INS = PARTITIONED_IN_DIMS
#: shared layouts a partitioned layout may place in each partition
PARTITION_INNER_ATTRS = frozenset(
    {
        "ttg.swizzled_shared",
        "ttg.nvmma_shared",
        "ttg.shared_linear",
        "ttg.padded_shared",
        "ttg.amd_rotating_shared",
    }
)


@triton_attr("ttg.partitioned_shared")
@dataclass(frozen=True, repr=False)
class PartitionedSharedLayout(HardwareLayout):
    """``#ttg.partitioned_shared`` — a tensor split into pieces placed in separate LDS partitions.

    The tensor is cut along ``partition_dim`` into ``num_partitions * num_groups`` pieces, each
    laid out by ``partition_layout`` (any shared layout with a linear layout).  In-dims are
    ``offset, block, partition``: the linear layout is ``inner(piece) * identity(num_partitions,
    partition) * identity(num_groups, offset)`` along ``partition_dim``.  (Triton 3.9's Python
    binding drops the ``partition`` in-dim when it returns this layout.)

    >>> from linlayout.hardware.shared import SwizzledSharedLayout
    >>> P = PartitionedSharedLayout(2, 2, 0, SwizzledSharedLayout(4, 2, 4, [1, 0]))
    >>> P.to_linear_layout([64, 64]).bases["partition"]
    [[16, 0]]
    """

    num_partitions: int
    num_groups: int
    partition_dim: int
    partition_layout: Any

    def __post_init__(self) -> None:
        """Validate and normalize the fields (tuples, defaults filled in)."""
        num_partitions = self.num_partitions
        num_groups = self.num_groups
        partition_dim = self.partition_dim
        partition_layout = self.partition_layout
        log2_param(_pos_int(num_partitions, "num_partitions"), "num_partitions")
        if num_partitions < 2:
            raise LayoutError(
                f"num_partitions: must be a power of two and at least 2 (as Triton), got {num_partitions}"
            )
        log2_param(_pos_int(num_groups, "num_groups"), "num_groups")
        if (
            not isinstance(partition_layout, HardwareLayout)
            or type(partition_layout).triton_name not in PARTITION_INNER_ATTRS
        ):
            raise LayoutError(
                "partition_layout: expected a shared-memory layout description (one of "
                f"{', '.join('#' + a for a in sorted(PARTITION_INNER_ATTRS))}), got {partition_layout!r}"
            )
        rank = getattr(partition_layout, "rank", None)
        if (
            isinstance(partition_dim, bool)
            or not isinstance(partition_dim, int)
            or partition_dim < 0
            or (rank is not None and partition_dim >= rank)
        ):
            raise LayoutError(
                f"partition_dim: expected a dim index below the rank ({rank}), got {partition_dim!r}"
            )
        sa = object.__setattr__
        sa(self, "num_partitions", num_partitions)
        sa(self, "num_groups", num_groups)
        sa(self, "partition_dim", partition_dim)
        sa(self, "partition_layout", partition_layout)

    def __repr__(self):
        return (
            f"PartitionedSharedLayout(num_partitions={self.num_partitions}, num_groups={self.num_groups}, "
            f"partition_dim={self.partition_dim}, partition_layout={self.partition_layout!r})"
        )

    @property
    def rank(self) -> int:
        return self.partition_layout.rank

    def to_linear_layout(self, shape: Sequence[int]):
        """In-dims ``offset, block, partition``; out-dims ``dim0..``."""
        shape = check_shape(shape, self.rank)
        p = self.partition_dim
        pieces = self.num_partitions * self.num_groups
        if shape[p] < pieces:
            raise LayoutError(
                f"shape: dim {p} ({shape[p]}) must hold num_partitions * num_groups = {pieces} pieces"
            )
        piece = list(shape)
        piece[p] //= pieces
        inner = self.partition_layout.to_linear_layout(piece)
        name = f"dim{p}"
        L = inner * LinearLayout.identity("partition", self.num_partitions, name)
        L = L * LinearLayout.identity("offset", self.num_groups, name)
        return L

    def to_triton(self) -> str:
        return (
            f"#ttg.partitioned_shared<{{numPartitions = {self.num_partitions}, "
            f"numGroups = {self.num_groups}, "
            f"partitionDim = {self.partition_dim}, partitionLayout = {self.partition_layout.to_triton()}}}>"
        )

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> PartitionedSharedLayout:
        known = {"numPartitions", "numGroups", "partitionDim", "partitionLayout"}
        if set(params) - known:
            raise LayoutError(f"partitioned_shared: unknown field(s) {sorted(set(params) - known)}")
        for k in known:
            if k not in params:
                raise LayoutError(f"partitioned_shared: missing field {k!r}")
        return cls(
            params["numPartitions"], params["numGroups"], params["partitionDim"], params["partitionLayout"]
        )


# ======================================================================================
# The CDNA4 padded-shared chooser
# ======================================================================================


def cdna4_padded_shared_layout(
    parent: Any, operand_index: int, k_width: int, shape: Sequence[int], elem_bits: int, k_contig: bool = True
) -> PaddedSharedLayout | None:
    """Triton's choice of padded LDS layout for a gfx950 MFMA dot operand tile
    (``compute_amd_efficient_padded_shared_layout`` / ``composePaddedLayoutForAsyncCopyCDNA4``).

    ``parent`` is the accumulator's :class:`~linlayout.hardware.amd.AMDMFMALayout` (version 4),
    ``shape`` the operand tile (``[M, K]`` for A, ``[K, N]`` for B), ``elem_bits`` 4, 8 or 16
    (4-bit data is packed two per byte and padded like 8-bit), ``k_contig`` whether K is the
    contiguous dim in LDS.  Returns ``None`` where Triton declines (unsupported kWidth, element
    size or instruction, or a tile too small to stagger rows without bank conflicts).

    Rows of the contiguous dim are staggered so that the rows one LDS read instruction touches
    start in different banks: the padding (``padding`` elements after every
    ``64 lanes * 16 bytes``) shifts each group of rows by one bank step.

    >>> from linlayout.hardware.amd import AMDMFMALayout
    >>> P = AMDMFMALayout(4, [16, 16, 32], True, [2, 2])
    >>> L = cdna4_padded_shared_layout(P, 0, 8, [128, 64], 16)
    >>> L.interval_padding_pairs
    ((512, 16),)
    """

    if not isinstance(parent, AMDMFMALayout):
        raise LayoutError(f"parent: expected an AMDMFMALayout, got {parent!r}")
    if parent.version != 4:
        raise LayoutError(
            f"parent: the padded-shared chooser is for gfx950 (MFMA version 4), got version {parent.version}"
        )
    operand_index = int_param(operand_index, "operand_index")
    if operand_index not in (0, 1) or isinstance(operand_index, bool):
        raise LayoutError(f"operand_index: must be 0 (A) or 1 (B), got {operand_index!r}")
    if isinstance(k_width, bool) or not isinstance(k_width, int) or k_width < 1:
        raise LayoutError(f"k_width: expected a positive int, got {k_width!r}")
    if not isinstance(k_contig, bool):
        raise LayoutError(f"k_contig: expected a bool, got {k_contig!r}")
    shape = check_shape(shape, parent.rank)
    elem_bits = int_param(elem_bits, "elem_bits")
    if isinstance(elem_bits, bool) or elem_bits not in (4, 8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 4, 8, 16, 32 or 64, got {elem_bits!r}")
    warp = 64
    if parent.rank != 2:
        return None
    elem_bytes = max(elem_bits // 8, 1)
    if elem_bytes not in (1, 2):
        return None
    k_idx = 1 if operand_index == 0 else 0
    non_k_instr = parent.instr_shape[operand_index]
    k_dim, non_k_dim = shape[k_idx], shape[1 - k_idx]
    if non_k_instr not in (16, 32) or k_width not in (4, 8, 16):
        return None
    kw_bytes = k_width * elem_bytes
    vec = 16 // elem_bytes
    per8 = 8 // elem_bytes
    contig, non_contig = (k_dim, non_k_dim) if k_contig else (non_k_dim, k_dim)
    b128 = k_contig and kw_bytes == 16
    b64tr = not k_contig and kw_bytes >= 8
    banks = 64 if (b128 or b64tr) else 32
    per_bank_row = banks * 4 // elem_bytes
    if b128:
        padding = k_width * 2 if non_k_instr == 16 else k_width
    elif b64tr:
        padding = 16 if non_k_instr == 16 else 32
    else:
        padding = per8
    contig_lanes = contig // vec
    wrap = min(contig, per_bank_row) // padding
    if wrap == 0 or contig_lanes == 0:
        return None
    required_rows = warp // contig_lanes * wrap if contig_lanes <= warp else 0
    if non_contig >= required_rows:
        x_way = 1
    else:
        x_way = (required_rows // non_contig).bit_length() - 1 + 1
    if (b128 and x_way > 1) or x_way > 2:
        return None
    if x_way > 1:
        wrap //= 1 << (x_way - 1)
        if wrap == 0:
            return None
    best = 16
    use_best = False
    if contig_lanes <= warp and non_contig >= warp // contig_lanes * best and best > wrap:
        use_best, wrap = True, best
    bases: list[list[int]] = [[1 << i, 0] for i in range(log2_param(contig, "shape"))]
    interval = warp * vec
    need = log2_param(interval, "interval")
    row = log2_param(wrap, "wrap")
    while len(bases) < need:
        bases.append([0, 1 << row])
        row += 1
    bases += [[0, 1 << r] for r in range(log2_param(wrap, "wrap"))]
    while row < log2_param(non_contig, "shape"):
        bases.append([0, 1 << row])
        row += 1
    if b64tr and non_k_instr == 16 and kw_bytes == 16:
        g0 = g1 = 0
        for i, b in enumerate(bases):
            if b[1] == 16 // elem_bytes:
                g1 = i
            if b[1] == 8 // elem_bytes:
                g0 = i
        if g0 == 0 or g1 == 0:
            raise LayoutError(
                f"shape: {list(shape)} is too small for the ds_read_tr row swap of this "
                "operand (Triton asserts here)"
            )
        bases[g0], bases[g1] = bases[g1], bases[g0]
    if b128 and non_k_instr == 32 and use_best and k_dim < 256 // elem_bytes:
        wide = k_width == 16 // elem_bytes
        off_idx = log2_param(256 if wide else 128, "offset")
        row16 = log2_param(contig, "shape")
        if off_idx >= len(bases) or row16 >= len(bases):
            raise LayoutError(
                f"shape: {list(shape)} is too small for the 64-bank row fix-up (Triton asserts here)"
            )
        bases[off_idx], bases[row16] = bases[row16], bases[off_idx]
    if (k_contig and k_idx == 1) or (not k_contig and k_idx == 0):
        bases = [[b[1], b[0]] for b in bases]
    lin = _shared_fit(layout_from_bases({"offset": bases}, standard_out_dims(2)), parent.cga_layout, shape)
    fitted = lin.bases
    return PaddedSharedLayout([[interval, padding]], fitted["offset"], fitted["block"], shape)


# ======================================================================================
# gfx1250 tensor DMA (TDM)
# ======================================================================================

TDM_INS = TDM_IN_DIMS


def tdm_message_layout(
    block_shape: Sequence[int],
    warps_per_cta: Sequence[int],
    cga_layout: Sequence[Sequence[int]] = (),
    num_warps: int | None = None,
    warp_used_hint: int | None = None,
):
    """Which part of a TDM block each wave moves (Triton's ``getTDMLinearLayout``, gfx1250).

    In-dims ``message, warp, block``: ``message`` walks one wave's piece (``block_shape /
    warps_per_cta``, row-major), ``warp`` places the pieces (wave bit 0 along ``dim0``
    first, then the next dims),
    ``block`` is the CGA.  The ``warp`` in-dim has ``num_warps`` (default: the product of
    ``warps_per_cta``) values; bits that are not used are zero (idle or duplicate waves).

    ``warp_used_hint`` (Gluon's ``tdm.async_load(..., warp_used_hint=)``) selects the active
    waves; the identity rows then sit at the hint's varying bit positions, and the lowering
    applies the layout to ``wave_id ^ lowest_set_bit_index(hint)``.  Only hints whose active
    waves differ in one contiguous run of bits (``0b1111``, ``0b11110000``, ``0b01010101``) are
    accepted: for other hints Triton 3.9's lowering does not follow this recipe.

    Triton 3.9 has no Python access to this layout (nor to the warp split its lowering picks); it
    was checked against the per-wave LDS offsets of compiled ``tdm.async_load`` kernels.

    >>> tdm_message_layout([64, 64], [4, 1]).bases["warp"]
    [[16, 0], [32, 0]]
    """
    shape = list(check_pow2_list(block_shape, "block_shape"))
    rank = len(shape)
    if rank == 0:
        raise LayoutError("block_shape: expected at least one dim")
    warps = check_pow2_list(warps_per_cta, "warps_per_cta", rank)
    for d, (s, w) in enumerate(zip(shape, warps)):
        if w > s:
            raise LayoutError(f"warps_per_cta: {w} waves along dim {d} exceed the block size {s}")
    k = 1
    for w in warps:
        k *= w
    total = k if num_warps is None else num_warps
    log2_param(_pos_int(total, "num_warps"), "num_warps")
    if total < k:
        raise LayoutError(f"num_warps: {total} is fewer than the {k} waves of warps_per_cta")
    positions = list(range(log2_param(k, "warps_per_cta")))
    if warp_used_hint is not None:
        positions = _tdm_hint_bits(warp_used_hint, k, total)
    names = standard_out_dims(rank)
    order = list(range(rank - 1, -1, -1))
    piece = [s // w for s, w in zip(shape, warps)]
    msg = identity_standard_nd("message", piece, order)
    # waves fill dim0 first (wave bit 0 -> dim0), as the compiled gfx1250 kernels place them
    grid = identity_standard_nd("warp", list(warps), list(range(rank)))
    rows = iter(grid.bases["warp"])
    zero = [0] * rank
    warp_rows = [next(rows) if b in positions else list(zero) for b in range(log2_param(total, "num_warps"))]
    grid = layout_from_bases({"warp": warp_rows}, list(grid.out_dims.items()))
    grid = grid.transpose_outs(list(msg.out_dims))
    L = msg * grid
    blocks = [list(b) for b in check_cga_layout(cga_layout, rank)]
    cga = layout_from_bases({"block": blocks}, names).transpose_outs(list(L.out_dims))
    return (L * cga).transpose_outs(names)


def _tdm_hint_bits(hint: Any, k: int, total: int) -> list[int]:
    if isinstance(hint, bool) or not isinstance(hint, int) or hint <= 0 or hint >= 1 << total:
        raise LayoutError(f"warp_used_hint: expected a nonzero bitmask of the {total} waves, got {hint!r}")
    active = [w for w in range(total) if hint >> w & 1]
    if len(active) != k:
        raise LayoutError(f"warp_used_hint: {len(active)} active waves, but warps_per_cta has {k}")
    i0 = active[0]
    varying = 0
    for w in active:
        varying |= w ^ i0
    bits = [b for b in range(total.bit_length()) if varying >> b & 1]
    span = {i0}
    for b in bits:
        span |= {x ^ (1 << b) for x in span}
    if span != set(active):
        raise LayoutError(
            f"warp_used_hint: the active waves of {hint:#b} are not a regular pattern "
            "(lowest wave XOR a span of wave-id bits)"
        )
    if bits and bits != list(range(bits[0], bits[0] + len(bits))):
        raise LayoutError(
            f"warp_used_hint: {hint:#b} varies wave-id bits {bits}, which are not contiguous; "
            "Triton 3.9's TDM lowering does not place such waves by this recipe"
        )
    return bits
