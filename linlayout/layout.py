"""The :class:`LinearLayout` value: a linear map over GF(2) between named dimensions.

What a basis means (the conventions of Triton's ``LinearLayout``)
-----------------------------------------------------------------
A layout maps *input dims* (``register``, ``lane``, ``warp``, ``block``, or
``offset`` for shared memory) to *output dims* (``dim0``, ``dim1``, ... of a
tensor).  Each input dim of size ``2**k`` has ``k`` basis vectors; basis ``i`` is
the output for input value ``2**i`` (every other input 0), one int per output dim.
The output for any input is the XOR of the bases of its set bits::

    >>> L = LinearLayout.from_bases(
    ...     {"register": [[0, 1], [0, 2]], "lane": [[0, 4], [1, 0]]}, ["dim0", "dim1"])
    >>> L.out_dims
    {'dim0': 2, 'dim1': 8}
    >>> L.apply(register=3, lane=3)    # (0,1) ^ (0,2) ^ (0,4) ^ (1,0)
    {'dim0': 1, 'dim1': 7}

A zero basis is a broadcast (two inputs hold the same element); a basis with more
than one bit set is a swizzle.  Out-dim order matters for reshaping: the first
listed out dim is the most minor.

Internally every basis is one Python int with the output dims packed as bit
fields (the first out dim in the lowest bits), which is also the flattened
out-index; all algebra runs on those ints (see :mod:`linlayout._gf2`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .core.algebra import _Algebra
from .core.base import (
    MAX_BITS,
    MAX_TABLE_BITS,
    MAX_TABLE_BYTES,
    _as_int,
    _check_layout,
    _log2_of_size,
    supremum,
)
from .core.shape import _map_components, _Shape
from .core.value import _Value
from .errors import LayoutError

__all__ = [
    "LinearLayout",
    "supremum",
    "ensure_not_larger_than",
    "ensure_not_smaller_than",
    "identity_standard_nd",
    "standard_out_dims",
    "zeros_like",
]

_ = (MAX_BITS, MAX_TABLE_BITS, MAX_TABLE_BYTES)  # re-exported limits


class LinearLayout(_Value, _Algebra, _Shape):
    """An immutable linear map over GF(2) from named input dims to named output dims.

    Build one with :meth:`from_bases`, :meth:`identity`, :meth:`zeros`,
    :meth:`strided` or :meth:`empty`, or with ``*`` from smaller ones::

        >>> L = LinearLayout.identity("lane", 4, "dim0") * LinearLayout.identity("warp", 2, "dim0")
        >>> L.in_dims, L.out_dims
        ({'lane': 4, 'warp': 2}, {'dim0': 8})

    Its methods live by concern in :mod:`linlayout.core`: the value and its checks
    (``core.value``), the algebra (``core.algebra``), shape operations (``core.shape``), on
    the storage of ``core.base``, with the speed machinery in ``core.fast``.
    """

    __slots__ = ()

    # ------------------------------------------------------------------ interop hooks

    def to_triton(self) -> str:
        """Triton attribute text: ``#ttg.linear<{...}>`` for distributed layouts,
        ``#ttg.shared_linear<{...}>`` for shared ones."""
        from .triton.emit import to_triton

        return to_triton(self)

    def to_gluon(self) -> dict:
        """The arguments of Gluon's ``DistributedLinearLayout`` as a dict."""
        from .triton.emit import to_gluon

        return to_gluon(self)

    # ------------------------------------------------------------------ Jupyter

    def _repr_html_(self) -> str | None:
        """Jupyter: a coloured table of who holds which element (no matplotlib needed)."""
        from .views.draw import layout_html

        return layout_html(self)

    def _repr_png_(self) -> bytes | None:
        """Jupyter: the layout as a picture (``None`` without matplotlib or when too large)."""
        from .views.draw import layout_png

        return layout_png(self)



def _rebuild(ins, bases, outs, outlog):
    return LinearLayout._new(ins, bases, outs, outlog)


# --------------------------------------------------------------------------- layout utilities


def standard_out_dims(rank: int) -> list[str]:
    """``['dim0', ..., 'dim{rank-1}']``."""
    rank = _as_int(rank, "rank")
    if not 0 <= rank <= MAX_BITS:
        raise LayoutError(f"rank: expected 0..{MAX_BITS}, got {rank}")
    return [f"dim{i}" for i in range(rank)]


def _check_shape_map(L: Any, shape: Any) -> None:
    _check_layout(L, "layout")
    if not isinstance(shape, Mapping):
        raise LayoutError(f"shape: expected a mapping {{out_dim: size}}, got {shape!r}")
    for o in shape:
        if o not in L._outs:
            raise LayoutError(f"shape: {o!r} is not an out-dim of the layout ({list(L._outs)})")


def identity_standard_nd(in_dim: str, shape: Sequence[int], order: Sequence[int]) -> LinearLayout:
    """``∏_{d in order} identity(shape[d], in_dim, dim_d)`` — out-dims listed in ``order``."""
    if not isinstance(shape, (list, tuple)):
        raise LayoutError(f"shape: expected a sequence of power-of-two sizes, got {shape!r}")
    if not isinstance(order, (list, tuple)) or sorted(
        _as_int(o, "order") if not isinstance(o, str) else -1 for o in order
    ) != list(range(len(shape))):
        raise LayoutError(f"order: expected a permutation of 0..{len(shape) - 1}, got {order!r}")
    for d, n in enumerate(shape):
        _log2_of_size(n, f"shape[{d}]")
    L = LinearLayout.empty()
    for d in order:
        L = L * LinearLayout.identity(in_dim, shape[d], f"dim{d}")
    return L


def zeros_like(L: LinearLayout) -> LinearLayout:
    """Same dims and sizes, every basis zero."""
    _check_layout(L, "layout")
    return LinearLayout._new(L._ins, tuple((0,) * len(b) for b in L._bases), L._outs, L._outlog)


def ensure_not_larger_than(
    L: LinearLayout, shape: Mapping[str, int], broadcast_registers: bool = True
) -> LinearLayout:
    """Shrink each out-dim to ``min(size, shape[dim])``; components that no longer fit
    become 0 (broadcast).  With ``broadcast_registers=False`` the ``register`` bases
    that become zero are dropped instead (bases that were already zero stay)."""
    _check_shape_map(L, shape)
    if not isinstance(broadcast_registers, bool):
        raise LayoutError(f"broadcast_registers: expected a bool, got {broadcast_registers!r}")
    new_log = {}
    for o, w in zip(L._outs, L._outlog):
        if o in shape:
            s = _log2_of_size(shape[o], f"shape[{o!r}]")
            new_log[o] = min(w, s)
    R = _map_components(L, new_log)
    if not broadcast_registers and "register" in R._ins:
        k = R._ins.index("register")
        kept = tuple(nv for ov, nv in zip(L._bases[k], R._bases[k]) if nv or not ov)
        nb = list(R._bases)
        nb[k] = kept
        R = LinearLayout._new(R._ins, tuple(nb), R._outs, R._outlog)
    return R


def ensure_not_smaller_than(L: LinearLayout, shape: Mapping[str, int]) -> LinearLayout:
    """Grow each out-dim (in L's out order) to ``shape[dim]`` by repeating along the
    first in-dim (``register`` or ``offset``): new bases appended to it."""
    _check_shape_map(L, shape)
    extra = 0
    for o, w in zip(L._outs, L._outlog):
        if o in shape:
            extra += max(0, _log2_of_size(shape[o], f"shape[{o!r}]") - w)
    if L.total_out_bits + extra > MAX_BITS or L.total_in_bits + extra > MAX_BITS:
        raise LayoutError(f"shape: growing the layout to {dict(shape)} needs more than {MAX_BITS} bits")
    if not L._ins:
        raise LayoutError("layout: needs an in-dim to repeat along")
    first = L._ins[0]
    for o, w in zip(L._outs, L._outlog):
        if o not in shape:
            continue
        s = _log2_of_size(shape[o], f"shape[{o!r}]")
        if s > w:
            L = L * LinearLayout.identity(first, 1 << (s - w), o)
    return L
