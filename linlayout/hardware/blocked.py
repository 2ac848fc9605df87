"""Blocked and slice layouts (``#ttg.blocked``, ``#ttg.slice``), bit-identical to Triton 3.9.0.

A blocked layout gives each thread ``size_per_thread`` consecutive elements per dim,
``threads_per_warp`` threads and ``warps_per_cta`` warps per dim, filling dims in
``order`` (fastest first) at every level; the tile then repeats (more registers) or
broadcasts to the tensor shape, and a CGA spreads it over CTAs.

>>> B = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0])
>>> L = B.to_linear_layout([32, 64])
>>> L.bases["warp"]
[[0, 32], [4, 0]]
>>> B.to_triton()
'#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>'

A slice removes one dim of any distributed parent (``SliceLayout(0, B)`` is the layout
of ``reduce(x, axis=0)``).  Protocol for parents: ``rank`` and ``to_linear_layout(shape)``
returning in-dims ``register, lane, warp, block``; nothing else is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout
from .base import HardwareLayout, triton_attr
from .cga import (
    DISTRIBUTED_IN_DIMS,
    Tile,
    cga_from_split_params,
    check_cga_layout,
    check_order,
    check_pow2_list,
    check_shape,
    dot_operand_cga,
    format_cga,
    format_int_list,
)

__all__ = [
    "BlockedLayout",
    "SliceLayout",
    "blocked",
    "slice_layout",
    "expand_dims_shape",
    "expand_dims",
    "WARP_SIZES",
    "cga_from_params",
]

#: the warp sizes of the chips (NVIDIA 32, AMD wave64 64, RDNA 32); threads_per_warp may
#: multiply to any power of two, as in Triton
WARP_SIZES = (32, 64)

_set = object.__setattr__


def _check_distributed(L: Any, who: str) -> LinearLayout:
    """The parent's layout must be a distributed one (register, lane, warp, block)."""
    if not isinstance(L, LinearLayout) or tuple(L.in_dims) != DISTRIBUTED_IN_DIMS:
        got = list(L.in_dims) if isinstance(L, LinearLayout) else type(L).__name__
        raise LayoutError(
            f"{who}: expected a distributed layout (register, lane, warp, block), got in-dims {got}"
        )
    return L


def cga_from_params(params: Mapping[str, Any], rank: int) -> tuple[tuple[int, ...], ...]:
    """The CGA bases of a parsed Triton attribute: ``CGALayout`` (3.9 spelling), or the
    older ``CTAsPerCGA`` / ``CTASplitNum`` / ``CTAOrder`` triple; none means one CTA."""
    old = [k for k in ("CTAsPerCGA", "CTASplitNum", "CTAOrder") if k in params]
    if "CGALayout" in params and old:
        raise LayoutError(f"CGALayout: give either CGALayout or {old}, not both")
    if old:
        ctas = params.get("CTAsPerCGA", [1] * rank)
        split = params.get("CTASplitNum", ctas)
        order = params.get("CTAOrder", list(range(rank - 1, -1, -1)))
        return check_cga_layout(cga_from_split_params(ctas, split, order), rank, "CGALayout")
    return check_cga_layout(params.get("CGALayout", ()), rank, "CGALayout")


def check_known_params(params: Mapping[str, Any], known: Sequence[str], attr: str) -> None:
    """``LayoutError`` for a field the attribute does not have, or a missing required one."""
    if not isinstance(params, Mapping):
        raise LayoutError(f"params: expected a mapping of {attr} fields, got {type(params).__name__}")
    for k in params:
        if k not in known:
            raise LayoutError(f"{k}: not a field of #{attr} (expected some of {list(known)})")


def require(params: Mapping[str, Any], key: str, attr: str) -> Any:
    if key not in params:
        raise LayoutError(f"{key}: missing field of #{attr}")
    return params[key]


# ------------------------------------------------------------------------------------------- blocked


@triton_attr("ttg.blocked")
@dataclass(frozen=True)
class BlockedLayout(HardwareLayout):
    """``#ttg.blocked``: ``size_per_thread`` x ``threads_per_warp`` x ``warps_per_cta``,
    each level filling dims in ``order`` (fastest first), then CTAs per ``cga_layout``.

    Every entry is a power of two; ``prod(threads_per_warp)`` may be any power of two, as in
    Triton (the module's thread count is checked elsewhere; Triton's own unit tests use toy
    warps of 4 or 16 threads), or exactly ``warp_size`` when given (``warp_size`` is not part
    of the attribute and is not printed or compared).

    >>> BlockedLayout([4], [32], [4], [0]).to_linear_layout([1024]).bases["register"]
    [[1], [2], [512]]
    """

    size_per_thread: Sequence[int]
    threads_per_warp: Sequence[int]
    warps_per_cta: Sequence[int]
    order: Sequence[int]
    cga_layout: Sequence[Sequence[int]] = field(default=())
    warp_size: int | None = field(default=None, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        spt = check_pow2_list(self.size_per_thread, "size_per_thread")
        rank = len(spt)
        if rank == 0:
            raise LayoutError("size_per_thread: a blocked layout needs rank >= 1, got []")
        tpw = check_pow2_list(self.threads_per_warp, "threads_per_warp", rank)
        wpc = check_pow2_list(self.warps_per_cta, "warps_per_cta", rank)
        order = check_order(self.order, rank)
        lanes = 1
        for t in tpw:
            lanes *= t
        # Triton takes any power-of-two product (the module's thread count is checked later,
        # against num_warps x threadsPerWarp); a given warp_size pins it
        if self.warp_size is not None and lanes != self.warp_size:
            raise LayoutError(
                f"threads_per_warp: the product must be the warp size ({self.warp_size}), got "
                f"{list(tpw)} = {lanes}"
            )
        bits = sum(v.bit_length() - 1 for v in (*spt, *tpw, *wpc))
        if bits > 64:
            raise LayoutError(
                f"size_per_thread: the tile has 2**{bits} elements (size_per_thread x threads_per_warp x "
                "warps_per_cta); at most 2**64 are supported"
            )
        _set(self, "size_per_thread", spt)
        _set(self, "threads_per_warp", tpw)
        _set(self, "warps_per_cta", wpc)
        _set(self, "order", order)
        _set(self, "cga_layout", check_cga_layout(self.cga_layout, rank))

    @property
    def rank(self) -> int:
        return len(self.order)

    def _cta_tile(self, size_per_thread: Sequence[int]) -> Tile:
        order = list(self.order)
        t = Tile(self.rank, order)
        t.identity_nd("register", size_per_thread, order)
        t.identity_nd("lane", self.threads_per_warp, order)
        t.identity_nd("warp", self.warps_per_cta, order)
        return t

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """Triton's ``toLinearLayout(shape, #blocked)``; register bases the shape zeroes
        out are dropped (3.9.0), lane/warp/block ones stay as zero (broadcast)."""
        shape = check_shape(shape, self.rank)
        return self._cta_tile(self.size_per_thread).fit(shape, self.cga_layout, broadcast_registers=False)

    def check_dot_operand(self, operand_index: int, k_width: int) -> None:
        """FMA dot operands: ``k_width`` must be 0, and operand 1 needs rank >= 2."""
        if k_width != 0:
            raise LayoutError(f"k_width: must be 0 for a blocked (FMA) parent, got {k_width}")
        if operand_index == 1 and self.rank < 2:
            raise LayoutError("operand_index: operand 1 (B = [K, N]) needs a parent of rank >= 2")

    def dot_operand_linear_layout(
        self, operand_index: int, k_width: int, shape: Sequence[int]
    ) -> LinearLayout:
        """The FMA dot operand: each thread holds the whole K extent in registers; the
        parent's lanes and warps along K broadcast (Triton ``fmaDotToLinearLayout``)."""
        self.check_dot_operand(operand_index, k_width)
        shape = check_shape(shape, self.rank)
        rank = self.rank
        kdim = rank - 1 if operand_index == 0 else rank - 2
        spt = list(self.size_per_thread)
        spt[kdim] = shape[kdim]
        order = list(self.order)
        t = Tile(rank, order)
        t.identity_nd("register", spt, order)
        for in_dim, sizes in (("lane", self.threads_per_warp), ("warp", self.warps_per_cta)):
            for d in order:
                if d == kdim:
                    t.zeros(in_dim, sizes[d], d)
                else:
                    t.identity(in_dim, sizes[d], d)
        return t.fit(shape, dot_operand_cga(self.cga_layout, operand_index, rank))

    def to_triton(self) -> str:
        s = (
            f"#ttg.blocked<{{sizePerThread = {format_int_list(self.size_per_thread)}, "
            f"threadsPerWarp = {format_int_list(self.threads_per_warp)}, "
            f"warpsPerCTA = {format_int_list(self.warps_per_cta)}, order = {format_int_list(self.order)}"
        )
        if self.cga_layout:
            s += f", CGALayout = {format_cga(self.cga_layout)}"
        return s + "}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> BlockedLayout:
        """From parsed ``#ttg.blocked`` fields (``sizePerThread``, ``threadsPerWarp``,
        ``warpsPerCTA``, ``order``, optional ``CGALayout`` or the older CTA fields)."""
        a = "ttg.blocked"
        check_known_params(
            params,
            (
                "sizePerThread",
                "threadsPerWarp",
                "warpsPerCTA",
                "order",
                "CGALayout",
                "CTAsPerCGA",
                "CTASplitNum",
                "CTAOrder",
            ),
            a,
        )
        spt = check_pow2_list(require(params, "sizePerThread", a), "sizePerThread")
        return cls(
            spt,
            require(params, "threadsPerWarp", a),
            require(params, "warpsPerCTA", a),
            require(params, "order", a),
            cga_from_params(params, len(spt)),
        )

    def __repr__(self) -> str:
        s = (
            f"BlockedLayout(size_per_thread={list(self.size_per_thread)}, "
            f"threads_per_warp={list(self.threads_per_warp)}, warps_per_cta={list(self.warps_per_cta)}, "
            f"order={list(self.order)}"
        )
        if self.cga_layout:
            s += f", cga_layout={[list(b) for b in self.cga_layout]}"
        return s + ")"


def blocked(
    shape: Sequence[int],
    size_per_thread: Sequence[int],
    threads_per_warp: Sequence[int],
    warps_per_cta: Sequence[int],
    order: Sequence[int] | None = None,
    cga_layout: Sequence[Sequence[int]] = (),
    *,
    warp_size: int | None = None,
) -> LinearLayout:
    """The layout of ``BlockedLayout(...)`` on ``shape``; ``order`` defaults to
    row-major (``[rank-1, ..., 0]``).

    >>> blocked([16], size_per_thread=[1], threads_per_warp=[32], warps_per_cta=[1]).bases["lane"]
    [[1], [2], [4], [8], [0]]
    """
    if order is None:
        order = list(range(len(size_per_thread) - 1, -1, -1))
    try:
        desc = BlockedLayout(
            size_per_thread, threads_per_warp, warps_per_cta, order, cga_layout, warp_size=warp_size
        )
    except LayoutError as e:  # the common slip: the parameters given without the shape first
        raise LayoutError(
            f"{e} (blocked() takes the tensor shape first: blocked(shape, size_per_thread, "
            "threads_per_warp, warps_per_cta, order); BlockedLayout(...) takes the parameters alone)"
        ) from None
    return desc.to_linear_layout(shape)


# ------------------------------------------------------------------------------------------- slice


def _remove_dim(L: LinearLayout, dim: int, rank: int) -> LinearLayout:
    """Drop out-dim ``dim{dim}`` (all of whose components are zero here), rename the rest
    to ``dim0..``, and drop the zero register bases (Triton ``SliceEncodingAttr``)."""
    keep = [d for d in range(rank) if d != dim]
    new_bases = {}
    for in_dim, bl in L.bases.items():
        rows = [[b[d] for d in keep] for b in bl]
        if in_dim == "register":
            rows = [r for r in rows if any(r)]
        new_bases[in_dim] = rows
    sizes = L.out_dims
    outs = [(f"dim{i}", sizes[f"dim{d}"]) for i, d in enumerate(keep)]
    return LinearLayout.from_bases(new_bases, outs, require_surjective=False)


@triton_attr("ttg.slice")
@dataclass(frozen=True)
class SliceLayout(HardwareLayout):
    """``#ttg.slice``: the parent layout with dim ``dim`` removed (the layout of a
    reduction along ``dim``, or the operand of ``expand_dims(x, dim)``).

    >>> P = BlockedLayout([2, 4], [4, 8], [2, 2], [1, 0])
    >>> SliceLayout(1, P).to_linear_layout([64]).bases["lane"]
    [[0], [0], [0], [2], [4]]
    """

    dim: int
    parent: Any

    def __post_init__(self) -> None:
        if isinstance(self.dim, bool) or not isinstance(self.dim, int):
            raise LayoutError(f"dim: expected an int, got {self.dim!r}")
        prank = getattr(self.parent, "rank", None)
        if (
            not isinstance(self.parent, HardwareLayout)
            or not hasattr(self.parent, "to_linear_layout")
            or not (isinstance(prank, int))
        ):
            raise LayoutError(f"parent: expected a distributed hardware layout, got {self.parent!r}")
        tname = getattr(self.parent, "triton_name", "")
        if "shared" in tname or "tensor_memory" in tname:
            raise LayoutError(
                f"parent: a slice needs a distributed (register) layout, got the memory layout #{tname}"
            )
        if prank < 2:
            raise LayoutError(f"parent: a slice needs a parent of rank >= 2, got rank {prank}")
        if not 0 <= self.dim < prank:
            raise LayoutError(f"dim: must be in [0, {prank}) for a parent of rank {prank}, got {self.dim}")

    @property
    def rank(self) -> int:
        return self.parent.rank - 1

    def to_linear_layout(self, shape: Sequence[int]) -> LinearLayout:
        """The parent's layout on ``shape`` with a size-1 dim inserted at ``dim``, that dim
        removed, and the register bases that became zero dropped."""
        shape = check_shape(shape, self.rank)
        pshape = [*shape[: self.dim], 1, *shape[self.dim :]]
        P = _check_distributed(self.parent.to_linear_layout(pshape), "parent")
        return _remove_dim(P, self.dim, self.parent.rank)

    def to_triton(self) -> str:
        return f"#ttg.slice<{{dim = {self.dim}, parent = {self.parent.to_triton()}}}>"

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> SliceLayout:
        """From parsed ``#ttg.slice`` fields ``dim`` and (built) ``parent``."""
        check_known_params(params, ("dim", "parent"), "ttg.slice")
        return cls(require(params, "dim", "ttg.slice"), require(params, "parent", "ttg.slice"))

    def __repr__(self) -> str:
        return f"SliceLayout(dim={self.dim}, parent={self.parent!r})"


def slice_layout(shape: Sequence[int], dim: int, parent: Any) -> LinearLayout:
    """The layout of ``SliceLayout(dim, parent)`` on ``shape`` (rank one less than parent)."""
    return SliceLayout(dim, parent).to_linear_layout(shape)


def expand_dims_shape(shape: Sequence[int], dim: int) -> list[int]:
    """``shape`` with a size-1 dim inserted at ``dim`` (for slice round trips)."""
    return [*shape[:dim], 1, *shape[dim:]]


def expand_dims(layout: LinearLayout, dim: int) -> LinearLayout:
    """The layout of ``expand_dims(x, dim)``: a size-1 out-dim inserted at ``dim``
    (the rest renamed), every basis 0 along it; the inverse of a slice.

    >>> L = SliceLayout(0, BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0])).to_linear_layout([64])
    >>> expand_dims(L, 0).out_dims
    {'dim0': 1, 'dim1': 64}
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    rank = len(layout.out_dims)
    if list(layout.out_dims) != [f"dim{i}" for i in range(rank)]:
        raise LayoutError(f"layout: out-dims must be dim0..dim{rank - 1}, got {list(layout.out_dims)}")
    if isinstance(dim, bool) or not isinstance(dim, int) or not 0 <= dim <= rank:
        raise LayoutError(f"dim: must be an int in [0, {rank}], got {dim!r}")
    sizes = list(layout.out_dims.values())
    sizes.insert(dim, 1)
    bases = {k: [[*b[:dim], 0, *b[dim:]] for b in bl] for k, bl in layout.bases.items()}
    outs = [(f"dim{i}", s) for i, s in enumerate(sizes)]
    return LinearLayout.from_bases(bases, outs, require_surjective=False)
