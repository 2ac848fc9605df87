"""Explicit linear distributed layouts: ``#ttg.linear`` and ``#ttg.generic_linear``.

``DistributedLinearLayout(reg_bases, lane_bases, warp_bases, block_bases, shape)`` is
Gluon's class of the same name: the bases of ``register, lane, warp, block`` over a tensor
of ``shape``.  When every nonzero basis is one power of two and they are distinct (a
permutation matrix after removing broadcast bases) Triton prints it as ``#ttg.linear``;
otherwise (swizzled bases, e.g. XOR-ed warps) as ``#ttg.generic_linear``.  Either way the
layout must cover the whole shape (be surjective).

On another shape the layout repeats along registers (dims in the order the register
bases first touch them, then ``rank-1 .. 0``) or shrinks (register bases that fall outside
are dropped, lane/warp/block ones become zero), as Triton's ``LinearEncodingAttr`` does.

>>> D = DistributedLinearLayout([[0, 1]], [[1, 0], [2, 0], [4, 0], [8, 0]], [[0, 2]], [], [16, 4])
>>> D.to_linear_layout([32, 4]).bases["register"]
[[0, 1], [16, 0]]
>>> D.to_triton()
'#ttg.linear<{register = [[0, 1]], lane = [[1, 0], [2, 0], [4, 0], [8, 0]], warp = [[0, 2]], block = []}>'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout, ensure_not_larger_than, ensure_not_smaller_than, standard_out_dims
from .base import HardwareLayout, triton_attr
from .cga import DISTRIBUTED_IN_DIMS, check_int_list, check_shape, format_cga

__all__ = [
    "DistributedLinearLayout",
    "GenericLinearLayout",
    "linear_layout",
    "distributed_from_linear_layout",
]

_set = object.__setattr__

_FIELDS = (
    ("reg_bases", "register"),
    ("lane_bases", "lane"),
    ("warp_bases", "warp"),
    ("block_bases", "block"),
)


def _check_bases(bases: Any, what: str, rank: int | None) -> tuple[tuple[int, ...], ...]:
    if isinstance(bases, (str, bytes)) or not isinstance(bases, Sequence):
        raise LayoutError(f"{what}: expected a list of bases (one int per tensor dim), got {bases!r}")
    out = []
    for i, b in enumerate(bases):
        v = check_int_list(b, f"{what}[{i}]", rank)
        if any(c < 0 for c in v):
            raise LayoutError(f"{what}[{i}]: components must be >= 0, got {list(v)}")
        out.append(v)
    return tuple(out)


def _is_permutation(bases: Sequence[Sequence[int]]) -> bool:
    """Every nonzero basis is a single power of two, all distinct."""
    seen = set()
    for b in bases:
        nz = [(d, v) for d, v in enumerate(b) if v]
        if not nz:
            continue
        if len(nz) > 1 or nz[0][1] & (nz[0][1] - 1) or nz[0] in seen:
            return False
        seen.add(nz[0])
    return True


def _rep_order(register_bases: Sequence[Sequence[int]], rank: int) -> list[int]:
    """Dims in the order the register bases first touch them (first nonzero component),
    then the others as ``rank-1, ..., 0`` (Triton ``LinearEncodingAttr::getRepOrder``)."""
    order: list[int] = []
    for b in register_bases:
        for d, v in enumerate(b):
            if v:
                if d not in order:
                    order.append(d)
                break
    return order + [d for d in range(rank - 1, -1, -1) if d not in order]


@triton_attr("ttg.linear")
@dataclass(frozen=True)
class DistributedLinearLayout(HardwareLayout):
    """A distributed layout given by its bases (Gluon ``DistributedLinearLayout``).

    ``shape`` defaults to the smallest power-of-two shape that holds every basis.  Like
    Gluon, swizzled bases are accepted and printed as ``#ttg.generic_linear``.
    """

    reg_bases: Sequence[Sequence[int]]
    lane_bases: Sequence[Sequence[int]]
    warp_bases: Sequence[Sequence[int]]
    block_bases: Sequence[Sequence[int]]
    shape: Sequence[int] | None = None

    def __post_init__(self) -> None:
        rank = None
        if self.shape is not None:
            rank = len(check_shape(self.shape))
        for f, _ in _FIELDS:
            val = _check_bases(getattr(self, f), f, rank)
            if rank is None and val:
                rank = len(val[0])
            _set(self, f, val)
        if rank is None:
            raise LayoutError("shape: cannot infer the rank of a layout with no bases; pass shape")
        for f, _ in _FIELDS:
            _check_bases(getattr(self, f), f, rank)
        names = standard_out_dims(rank)
        bases = {name: [list(b) for b in getattr(self, f)] for f, name in _FIELDS}
        if self.shape is None:
            L = LinearLayout.from_bases(bases, names, require_surjective=False)
            _set(self, "shape", tuple(L.out_dims[n] for n in names))
        else:
            shape = check_shape(self.shape, rank)
            for f, _ in _FIELDS:
                for i, b in enumerate(getattr(self, f)):
                    for d, (c, s) in enumerate(zip(b, shape)):
                        if c >= s:
                            raise LayoutError(
                                f"{f}[{i}]: component {c} of dim {d} is outside shape {list(shape)}"
                            )
            _set(self, "shape", shape)
            L = LinearLayout.from_bases(bases, dict(zip(names, shape)), require_surjective=False)
        if not L.is_surjective():
            raise LayoutError(
                f"reg_bases/lane_bases/warp_bases/block_bases: the bases do not cover every element of "
                f"shape {list(self.shape)} (the layout must be surjective; add the missing bases or "
                "shrink the shape)"
            )
        for f in ("reg_bases", "lane_bases", "block_bases"):
            for i, b in enumerate(getattr(self, f)):
                nz = [v for v in b if v]
                if len(nz) > 1 or (nz and nz[0] & (nz[0] - 1)):
                    raise LayoutError(
                        f"{f}[{i}]: register, lane and block bases must be zero or one power of two in "
                        f"one dim (only warp bases may be swizzled), got {list(b)}"
                    )
        _set(self, "_layout", L)

    @property
    def is_permutation(self) -> bool:
        """Whether the nonzero bases form a permutation matrix (printable as #ttg.linear)."""
        return _is_permutation([b for f, _ in _FIELDS for b in getattr(self, f)])

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def linear_layout(self) -> LinearLayout:
        """The layout on its own ``shape``."""
        return self._layout  # type: ignore[attr-defined]

    def to_linear_layout(self, shape: Sequence[int] | None = None) -> LinearLayout:
        """The layout on ``shape`` (default: its own shape), fitted as Triton's
        ``LinearEncodingAttr::toLinearLayout`` does."""
        L = self.linear_layout
        if shape is None:
            return L
        shape = check_shape(shape, self.rank)
        names = standard_out_dims(self.rank)
        order = [names[d] for d in _rep_order(self.reg_bases, self.rank)]
        want = {names[d]: s for d, s in enumerate(shape)}
        L = L.transpose_outs(order)
        L = ensure_not_smaller_than(L, want)
        L = ensure_not_larger_than(L, want, broadcast_registers=False)
        return L.transpose_outs(names)

    def to_triton(self) -> str:
        """``#ttg.linear<{...}>``, or ``#ttg.generic_linear<{...}>`` for swizzled bases
        (as Gluon's builder chooses)."""
        generic = isinstance(self, GenericLinearLayout) or not self.is_permutation
        name = "ttg.generic_linear" if generic else "ttg.linear"
        parts = ", ".join(f"{n} = {format_cga(getattr(self, f))}" for f, n in _FIELDS)
        return f"#{name}<{{{parts}}}>"

    def to_gluon(self) -> dict:
        """Arguments of Gluon's ``DistributedLinearLayout``."""
        d = {f: [list(b) for b in getattr(self, f)] for f, _ in _FIELDS}
        d["shape"] = list(self.shape)
        return d

    @classmethod
    def from_triton_params(cls, params: Mapping[str, Any]) -> DistributedLinearLayout:
        """From parsed ``#ttg.linear`` fields ``register``, ``lane``, ``warp``, ``block``."""
        if not isinstance(params, Mapping):
            raise LayoutError(f"params: expected a mapping, got {type(params).__name__}")
        for k in params:
            if k not in DISTRIBUTED_IN_DIMS:
                raise LayoutError(
                    f"{k}: not a field of #{cls.triton_name} (expected {list(DISTRIBUTED_IN_DIMS)})"
                )
        for k in DISTRIBUTED_IN_DIMS:
            if k not in params:
                raise LayoutError(f"{k}: missing field of #{cls.triton_name}")
        res = cls(params["register"], params["lane"], params["warp"], params["block"])
        if cls is DistributedLinearLayout and not res.is_permutation:
            seen: list = []
            bad = "warp"
            for f, name in _FIELDS:
                seen += getattr(res, f)
                if not _is_permutation(seen):
                    bad = name
                    break
            raise LayoutError(
                f"{bad}: #ttg.linear needs every nonzero basis to be a distinct power of two in one "
                "dim (a permutation matrix after removing broadcast bases); swizzled warp bases are "
                "#ttg.generic_linear"
            )
        return res

    @classmethod
    def from_linear_layout(cls, layout: LinearLayout) -> DistributedLinearLayout:
        """Wrap a distributed :class:`LinearLayout` (in-dims register, lane, warp, block;
        out-dims dim0..): a ``GenericLinearLayout`` when its bases are swizzled."""
        return distributed_from_linear_layout(layout)

    def __repr__(self) -> str:
        args = ", ".join(f"{f}={[list(b) for b in getattr(self, f)]}" for f, _ in _FIELDS)
        return f"{type(self).__name__}({args}, shape={list(self.shape)})"


@triton_attr("ttg.generic_linear")
@dataclass(frozen=True, repr=False)
class GenericLinearLayout(DistributedLinearLayout):
    """``#ttg.generic_linear``: like ``#ttg.linear`` but warp bases may be swizzled
    (several bits set, or dependent); the layout must still be surjective on its own shape.

    On a smaller shape a swizzled component that no longer fits is zeroed whole (Triton's
    ``ensureLayoutNotLargerThan``), so the fitted layout may miss elements, exactly as
    Triton's does."""


def distributed_from_linear_layout(layout: LinearLayout) -> DistributedLinearLayout:
    """The description class of a distributed :class:`LinearLayout`.

    >>> bases = {"register": [[1]], "lane": [[2], [4]], "warp": [], "block": []}
    >>> L = LinearLayout.from_bases(bases, ["dim0"])
    >>> distributed_from_linear_layout(L).to_triton()
    '#ttg.linear<{register = [[1]], lane = [[2], [4]], warp = [], block = []}>'
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    extra = [d for d in layout.in_dims if d not in DISTRIBUTED_IN_DIMS]
    if extra:
        raise LayoutError(f"layout: in-dims {extra} are not distributed in-dims {list(DISTRIBUTED_IN_DIMS)}")
    names = list(layout.out_dims)
    rank = len(names)
    if names != standard_out_dims(rank):
        raise LayoutError(f"layout: out-dims must be {standard_out_dims(rank)}, got {names}")
    L = layout.transpose_ins([d for d in DISTRIBUTED_IN_DIMS if d in layout.in_dims])
    b = L.bases
    args = [b.get(n, []) for _, n in _FIELDS]
    shape = [layout.out_dims[n] for n in names]
    if _is_permutation([v for lst in args for v in lst]):
        return DistributedLinearLayout(*args, shape)
    return GenericLinearLayout(*args, shape)


def linear_layout(
    shape: Sequence[int],
    reg_bases: Sequence[Sequence[int]],
    lane_bases: Sequence[Sequence[int]],
    warp_bases: Sequence[Sequence[int]] = (),
    block_bases: Sequence[Sequence[int]] = (),
) -> LinearLayout:
    """The distributed layout with these bases over ``shape`` (validated, surjective).

    >>> linear_layout([8], [[1]], [[2], [4]]).in_dims
    {'register': 2, 'lane': 4, 'warp': 1, 'block': 1}
    """
    bases = [reg_bases, lane_bases, warp_bases, block_bases]
    allb = [b for lst in bases for b in lst]
    cls = DistributedLinearLayout if _is_permutation(allb) else GenericLinearLayout
    return cls(*bases, shape).to_linear_layout()
