"""CGA (cooperative grid array / CTA cluster) block layouts and the shared shape-fitting step.

Since Triton 3.9 a CGA layout is itself a small linear layout ``block -> dim0..dim{r-1}``,
written as a list of block bases (Gluon's ``cga_layout``, printed by Triton as
``CGALayout = [[...], ...]``).  Basis ``i`` says in which CTA tile block ``2**i`` sits;
a zero basis means that block holds a copy (broadcast).  After removing zero bases the
bases must form a permutation matrix (each basis one power of two in one dim, and per dim
exactly ``1, 2, 4, ...``).

How to use it (every distributed and shared generator does this):

>>> from linlayout.layout import LinearLayout, identity_standard_nd
>>> cta = identity_standard_nd("register", [1, 4], [1, 0]) * identity_standard_nd("lane", [4, 8], [1, 0])
>>> cga = cga_to_linear_layout([[1, 0]], 2)         # two CTAs split along dim0
>>> L = combine_cta_cga_with_shape(cta, cga, [16, 64])
>>> L.bases["block"], L.bases["register"]
([[8, 0]], [[0, 1], [0, 2], [0, 32], [4, 0]])

* :func:`cga_from_split_params` turns the pre-3.9 ``(CTAsPerCGA, CTASplitNum, CTAOrder)``
  triple into block bases (Triton ``CGAEncodingAttr::fromSplitParams``);
* :func:`check_cga_layout` validates explicit bases (``LayoutError`` naming the parameter);
* :func:`cga_to_linear_layout` gives the ``block -> dims`` layout;
* :func:`combine_cta_cga_with_shape` fits a per-CTA tile plus a CGA layout to a tensor
  shape (Triton ``combineCtaCgaWithShape``): when the tensor is larger than the tile the
  tile repeats along the tile's first in-dim (``register`` / ``offset``), in the tile's
  out-dim order; when it is smaller the bases that fall outside become zero (broadcast);
* :func:`dot_operand_cga` zeroes the K component (Triton ``inferDotOperandCGALayout``);
* :func:`cga_split_num`, :func:`ctas_per_cga`, :func:`cta_order`, :func:`shape_per_cta`
  are the getters Triton derives from a CGA layout;
* :func:`format_cga` prints bases the way Triton does; :func:`with_distributed_ins`
  makes sure a distributed layout has all of ``register, lane, warp, block``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import LayoutError
from ..layout import (
    LinearLayout,
    ensure_not_larger_than,
    ensure_not_smaller_than,
    standard_out_dims,
)
from ._kit import DISTRIBUTED_IN_DIMS, format_param, int_list_param

__all__ = [
    "DISTRIBUTED_IN_DIMS",
    "cga_from_split_params",
    "check_cga_layout",
    "cga_to_linear_layout",
    "combine_cta_cga_with_shape",
    "dot_operand_cga",
    "cga_split_num",
    "ctas_per_cga",
    "cta_order",
    "shape_per_cta",
    "format_cga",
    "format_int_list",
    "check_shape",
    "check_pow2_list",
    "check_order",
    "with_distributed_ins",
    "Tile",
]



# ----------------------------------------------------------------------------- validation helpers


def check_int_list(values: Any, what: str, rank: int | None = None) -> tuple[int, ...]:
    """``values`` as a tuple of ints (of length ``rank`` when given), else ``LayoutError``
    (the kit's :func:`~linlayout.hardware._kit.int_list_param`)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise LayoutError(f"{what}: expected a list of ints, got {values!r}")
    out = int_list_param(values, what)
    if rank is not None and len(out) != rank:
        raise LayoutError(
            f"{what}: expected {rank} entries (one per tensor dim), got {len(out)}: {list(out)}"
        )
    return out


def check_pow2_list(values: Any, what: str, rank: int | None = None) -> tuple[int, ...]:
    """Like :func:`check_int_list`, and every entry a power of two (>= 1)."""
    out = check_int_list(values, what, rank)
    for v in out:
        if v <= 0 or v & (v - 1):
            raise LayoutError(f"{what}: every entry must be a power of two, got {list(out)}")
        if v >= 1 << 32:
            raise LayoutError(
                f"{what}: entries must be below 2**32 (Triton stores them as unsigned), got {v}"
            )
    return out


def check_order(order: Any, rank: int, what: str = "order") -> tuple[int, ...]:
    """A permutation of ``0..rank-1`` (fastest dim first), else ``LayoutError``."""
    out = check_int_list(order, what, rank)
    if sorted(out) != list(range(rank)):
        raise LayoutError(f"{what}: expected a permutation of 0..{rank - 1}, got {list(out)}")
    return out


def check_shape(shape: Any, rank: int | None = None, what: str = "shape") -> tuple[int, ...]:
    """A tensor shape of power-of-two sizes (of the layout's rank when given)."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence):
        raise LayoutError(f"{what}: expected a list of power-of-two sizes, got {shape!r}")
    out = check_int_list(shape, what)
    if rank is not None and len(out) != rank:
        raise LayoutError(f"{what}: expected {rank} sizes (the layout's rank), got {len(out)}: {list(out)}")
    bits = 0
    for v in out:
        if v <= 0 or v & (v - 1):
            raise LayoutError(f"{what}: every size must be a power of two, got {list(out)}")
        bits += v.bit_length() - 1
    if bits > 64:
        raise LayoutError(f"{what}: {list(out)} has 2**{bits} elements; at most 2**64 are supported")
    return out


def format_int_list(values: Sequence[int]) -> str:
    """``[1, 2]`` exactly as MLIR prints an integer array."""
    return format_param(list(values))


def format_cga(bases: Sequence[Sequence[int]]) -> str:
    """Block bases as Triton prints them: ``[[0, 1], [1, 0]]``."""
    return format_param([list(b) for b in bases])


# ----------------------------------------------------------------------------- CGA construction


def check_cga_layout(cga_layout: Any, rank: int, what: str = "cga_layout") -> tuple[tuple[int, ...], ...]:
    """Validate explicit block bases for a layout of ``rank`` dims.

    Each basis has ``rank`` components; a nonzero basis is one power of two in one dim;
    per dim the nonzero bases are exactly ``1, 2, 4, ...`` in some order (Triton: "after
    removing broadcast bases the CGA encoding must be a permutation matrix").

    >>> check_cga_layout([[0, 1], [0, 0], [1, 0]], 2)
    ((0, 1), (0, 0), (1, 0))
    """
    if cga_layout is None:
        return ()
    if isinstance(cga_layout, (str, bytes)) or not isinstance(cga_layout, Sequence):
        raise LayoutError(f"{what}: expected a list of block bases (one int per dim), got {cga_layout!r}")
    bases = tuple(check_int_list(b, f"{what}[{i}]", rank) for i, b in enumerate(cga_layout))
    per_dim: list[list[int]] = [[] for _ in range(rank)]
    for i, b in enumerate(bases):
        nz = [(d, v) for d, v in enumerate(b) if v]
        if len(nz) > 1 or any(v < 0 or v & (v - 1) for _, v in nz):
            raise LayoutError(
                f"{what}[{i}]: a block basis must be zero or a single power of two in one dim, got {list(b)}"
            )
        if nz:
            per_dim[nz[0][0]].append(nz[0][1])
    for d, vals in enumerate(per_dim):
        if sorted(vals) != [1 << k for k in range(len(vals))]:
            raise LayoutError(
                f"{what}: the nonzero block bases along dim {d} must be 1, 2, 4, ... each once (a "
                f"permutation matrix after removing broadcast bases), got {sorted(vals)}"
            )
    if len(bases) > 16:
        raise LayoutError(f"{what}: {len(bases)} block bases is more than 16 (65536 CTAs)")
    return bases


def cga_from_split_params(
    ctas_per_cga: Sequence[int], cta_split_num: Sequence[int], cta_order: Sequence[int]
) -> list[list[int]]:
    """Block bases from the pre-3.9 ``(CTAsPerCGA, CTASplitNum, CTAOrder)`` parameters.

    For each dim ``d`` in ``cta_order`` (fastest first) the split bits of ``d`` come
    first, then its broadcast (zero) bits (Triton ``CGAEncodingAttr::fromSplitParams``).

    >>> cga_from_split_params([2, 2], [2, 1], [1, 0])
    [[0, 0], [1, 0]]
    """
    ctas = check_pow2_list(ctas_per_cga, "ctas_per_cga")
    rank = len(ctas)
    split = check_pow2_list(cta_split_num, "cta_split_num", rank)
    order = check_order(cta_order, rank, "cta_order")
    bases: list[list[int]] = []
    for d in order:
        if split[d] > ctas[d]:
            raise LayoutError(
                f"cta_split_num: entry {d} ({split[d]}) must not exceed ctas_per_cga[{d}] ({ctas[d]})"
            )
        for k in range(split[d].bit_length() - 1):
            bases.append([1 << k if j == d else 0 for j in range(rank)])
        for _ in range((ctas[d] // split[d]).bit_length() - 1):
            bases.append([0] * rank)
    return bases


def cga_to_linear_layout(cga_layout: Any, rank: int) -> LinearLayout:
    """The ``block -> dim0..dim{rank-1}`` layout of explicit block bases (validated).

    >>> cga_to_linear_layout([[0, 1], [0, 0]], 2).out_dims
    {'dim0': 1, 'dim1': 2}
    """
    bases = check_cga_layout(cga_layout, rank)
    return LinearLayout.from_bases({"block": [list(b) for b in bases]}, standard_out_dims(rank))


def dot_operand_cga(cga_layout: Sequence[Sequence[int]], operand_index: int, rank: int) -> list[list[int]]:
    """The CGA of a dot operand: the parent's block bases with the K component zeroed.

    K is the last dim for operand 0 (A = [.., M, K]) and the second to last for operand 1.

    >>> dot_operand_cga([[1, 0], [0, 1]], 0, 2)
    [[1, 0], [0, 0]]
    """
    kdim = rank - 1 if operand_index == 0 else rank - 2
    return [[0 if d == kdim else v for d, v in enumerate(b)] for b in cga_layout]


def cga_split_num(cga_layout: Sequence[Sequence[int]], rank: int) -> list[int]:
    """CTAs the tensor is split into per dim (nonzero block bases per dim)."""
    out = [1] * rank
    for b in cga_layout:
        for d, v in enumerate(b):
            if v:
                out[d] *= 2
    return out


def ctas_per_cga(cga_layout: Sequence[Sequence[int]], rank: int) -> list[int]:
    """CTAs per dim, counting a zero basis towards the dim of the previous nonzero one
    (dim 0 when none came before), as Triton's ``getCTAsPerCGA`` does."""
    out = [1] * rank
    last = 0
    for b in cga_layout:
        nz = [d for d, v in enumerate(b) if v]
        if nz:
            last = nz[0]
        out[last] *= 2
    return out


def cta_order(cga_layout: Sequence[Sequence[int]], rank: int) -> list[int]:
    """The order in which block bases first touch each dim, unseen dims appended
    fastest-last (``rank-1, ..., 0``)."""
    seen: list[int] = []
    for b in cga_layout:
        for d, v in enumerate(b):
            if v and d not in seen:
                seen.append(d)
    return seen + [d for d in range(rank - 1, -1, -1) if d not in seen]


def shape_per_cta(shape: Sequence[int], cga_layout: Sequence[Sequence[int]]) -> list[int]:
    """The part of ``shape`` one CTA holds: ``shape[d] / min(shape[d], split[d])``."""
    split = cga_split_num(cga_layout, len(shape))
    return [s // min(s, p) for s, p in zip(shape, split)]


# ----------------------------------------------------------------------------- shape fitting


def with_distributed_ins(L: LinearLayout) -> LinearLayout:
    """``L`` with exactly the in-dims ``register, lane, warp, block`` in that order
    (missing ones added with size 1)."""
    extra = [d for d in L.in_dims if d not in DISTRIBUTED_IN_DIMS]
    if extra:
        raise LayoutError(f"layout: unexpected in-dims {extra} for a distributed layout")
    if tuple(L.in_dims) == DISTRIBUTED_IN_DIMS:
        return L
    outs = L.out_dims
    bases = L.bases
    full = {d: bases.get(d, []) for d in DISTRIBUTED_IN_DIMS}
    return LinearLayout.from_bases(full, list(outs.items()), require_surjective=False)


def combine_cta_cga_with_shape(
    cta: LinearLayout, cga: LinearLayout, shape: Sequence[int], *, broadcast_registers: bool = True
) -> LinearLayout:
    """Fit a per-CTA tile ``cta`` and a ``block -> dims`` layout ``cga`` to ``shape``.

    1. the CGA is shrunk to the shape (blocks beyond it become zero = broadcast), with its
       out-dims in ``cta``'s out order;
    2. each CTA holds ``max(1, shape[d] / cga_size[d])`` along dim ``d``;
    3. the tile is repeated along its first in-dim (``register`` / ``offset``), one dim
       at a time in the tile's out-dim order, until it covers the CTA shape, then shrunk
       to it (bases beyond it become zero; with ``broadcast_registers=False`` register
       bases that *become* zero are dropped instead, as 3.9.0 does for blocked layouts);
    4. result = tile * CGA, out-dims ``dim0..dim{rank-1}``.

    >>> from linlayout.layout import identity_standard_nd
    >>> cta = identity_standard_nd("register", [4], [0]) * identity_standard_nd("lane", [4], [0])
    >>> cga = cga_to_linear_layout([], 1)
    >>> combine_cta_cga_with_shape(cta, cga, [64]).bases["register"]
    [[1], [2], [16], [32]]
    """
    rank = len(cta.out_dims)
    dims = standard_out_dims(rank)
    shape = check_shape(shape, rank)
    if sorted(cta.out_dims) != sorted(dims) or sorted(cga.out_dims) != sorted(dims):
        raise LayoutError(
            f"cta/cga: out-dims must be {dims}, got {list(cta.out_dims)} and {list(cga.out_dims)}"
        )
    want = dict(zip(dims, shape))
    cga_fit = ensure_not_larger_than(cga, want).transpose_outs(list(cta.out_dims))
    cga_sizes = cga_fit.out_dims
    cta_shape = {d: max(1, want[d] // cga_sizes[d]) for d in dims}
    tile = ensure_not_smaller_than(cta, cta_shape)
    tile = ensure_not_larger_than(tile, cta_shape, broadcast_registers=broadcast_registers)
    res = (tile * cga_fit).transpose_outs(dims)
    got = [res.out_dims[d] for d in dims]
    if got != list(shape):  # pragma: no cover - internal invariant
        raise LayoutError(f"shape: internal error, fitted layout has sizes {got}, expected {list(shape)}")
    return res


# ----------------------------------------------------------------------------- fast path


class Tile:
    """A per-CTA tile built like Triton's products of ``identity1D`` / ``zeros1D`` factors,
    kept as plain lists so fitting it to a shape costs one ``from_bases`` (the generators'
    hot path; :func:`combine_cta_cga_with_shape` is the same recipe on layouts).

    ``order`` lists the out dims (tensor dim indices) in the tile's out-dim order, which
    fixes the order in which repetitions are added.

    >>> t = Tile(2, [1, 0])
    >>> t.identity("register", 4, 1); t.identity("lane", 32, 0)
    >>> t.fit([64, 8], []).bases["register"]
    [[0, 1], [0, 2], [0, 4], [32, 0]]
    """

    __slots__ = ("rank", "order", "bases", "log")

    def __init__(
        self, rank: int, order: Sequence[int], in_dims: Sequence[str] = ("register", "lane", "warp")
    ):
        self.rank = rank
        self.order = list(order)
        self.bases: dict[str, list[list[int]]] = {d: [] for d in in_dims}
        self.log = [0] * rank

    def identity(self, in_dim: str, size: int, dim: int) -> None:
        """Multiply by ``identity1D(size, in_dim, dim{dim})``."""
        k = size.bit_length() - 1
        base = self.log[dim]
        lst = self.bases[in_dim]
        for i in range(k):
            v = [0] * self.rank
            v[dim] = 1 << (base + i)
            lst.append(v)
        self.log[dim] = base + k

    def zeros(self, in_dim: str, size: int, dim: int) -> None:
        """Multiply by ``zeros1D(size, in_dim, dim{dim})`` (broadcast bases)."""
        self.bases[in_dim].extend([0] * self.rank for _ in range(size.bit_length() - 1))

    def identity_nd(self, in_dim: str, sizes: Sequence[int], order: Sequence[int]) -> None:
        """Multiply by ``identityStandardND(in_dim, sizes, order)``."""
        for d in order:
            self.identity(in_dim, sizes[d], d)

    def fit(
        self, shape: Sequence[int], cga_layout: Sequence[Sequence[int]], *, broadcast_registers: bool = True
    ) -> LinearLayout:
        """``combine_cta_cga_with_shape(tile, cga, shape)`` with in-dims register, lane,
        warp, block (``shape`` and ``cga_layout`` must already be validated)."""
        rank = self.rank
        slog = [s.bit_length() - 1 for s in shape]
        # the CGA shrunk to the shape; its size per dim
        cga = [[v if v < shape[d] else 0 for d, v in enumerate(b)] for b in cga_layout]
        glog = [0] * rank
        for b in cga:
            for d, v in enumerate(b):
                if v:
                    glog[d] = max(glog[d], v.bit_length())
        clog = [max(0, s - g) for s, g in zip(slog, glog)]
        bases = {d: [list(v) for v in lst] for d, lst in self.bases.items()}
        regs = bases.setdefault("register", [])
        for d in self.order:  # repeat along registers, in the tile's out order
            for k in range(self.log[d], clog[d]):
                v = [0] * rank
                v[d] = 1 << k
                regs.append(v)
        limit = [1 << c for c in clog]
        for name, lst in bases.items():
            fitted = []
            for v in lst:
                w = [c if c < lim else 0 for c, lim in zip(v, limit)]
                if name == "register" and not broadcast_registers and any(v) and not any(w):
                    continue
                fitted.append(w)
            bases[name] = fitted
        bases["block"] = [[v << clog[d] for d, v in enumerate(b)] for b in cga]
        full = {d: bases.get(d, []) for d in DISTRIBUTED_IN_DIMS}
        nbits = sum(len(v) for v in full.values())
        if nbits > 64:
            raise LayoutError(
                f"shape: fitting the layout to {list(shape)} needs {nbits} hardware index bits; at most 64 "
                "are supported"
            )
        return LinearLayout.from_bases(
            full, [(f"dim{d}", shape[d]) for d in range(rank)], require_surjective=False
        )
