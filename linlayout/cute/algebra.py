"""CuTe's layout algebra, with CuTe's meaning, on layouts that are linear over GF(2).

Every operation maps its arguments to GF(2) columns (:mod:`linlayout.cute.bits`), works
there with :mod:`linlayout._gf2`, and prints the answer back as a CuTe layout: integer
strides where CuTe's integer sum never carries, NVlabs CuTe's ``F2`` (XOR) strides where
the answer is a swizzle-like map.  Where an argument or the answer is not F2-linear (a
size that is not a power of two, integer strides that carry) a LayoutError says so.

>>> from linlayout.cute import CuteLayout, complement, logical_divide, right_inverse
>>> print(complement(CuteLayout((2, 2), (1, 8))))         # offset bits 1 and 2, then on past 16
(4,1):(2,16)
>>> print(logical_divide(CuteLayout(16, 1), CuteLayout(4, 2)))
(4,(2,2)):(2,(1,8))
>>> print(right_inverse(CuteLayout((8, 8), (F2(1), F2(9)))))  # a swizzle is its own inverse
(8,8):(F2(1),F2(9))
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from .. import _gf2
from ..errors import LayoutError
from .bits import FIELD, Bits, bits_of, layout_of, no_carry, run_shape, runs
from .types import F2, CuteLayout, E, ScaledBasis, _flatten, parse_cute  # noqa: F401  (E: doctests)

__all__ = [
    "make_layout",
    "size",
    "cosize",
    "coalesce",
    "complement",
    "composition",
    "logical_divide",
    "zipped_divide",
    "tiled_divide",
    "flat_divide",
    "logical_product",
    "blocked_product",
    "raked_product",
    "zipped_product",
    "tiled_product",
    "left_inverse",
    "right_inverse",
]

Tiler = Any  # a layout, an int n (n:1), or a tuple of those / None (by mode)


# --------------------------------------------------------------------------- arguments


def _arg(x: Any, what: str) -> CuteLayout:
    """A CuTe layout from a layout, its text, an int ``n`` (``n:1``) or a linear layout."""
    if isinstance(x, CuteLayout):
        return x
    if isinstance(x, str):
        return parse_cute(x)
    if isinstance(x, int) and not isinstance(x, bool):
        return CuteLayout(x, 1)
    from ..layout import LinearLayout

    if isinstance(x, LinearLayout):
        from .interop import to_cute

        return to_cute(x)
    raise LayoutError(
        f"{what}: expected a CuteLayout, its text, an int or a LinearLayout, got {type(x).__name__} {x!r}"
    )


def _plain(cl: CuteLayout) -> CuteLayout:
    """``cl`` without a swizzle on top (the swizzle folded into ``F2`` strides)."""
    if cl.swizzle is None:
        return cl
    b = bits_of(cl)
    return layout_of(cl.shape, b.paths, b.cols)


def _modes(cl: CuteLayout) -> list[CuteLayout]:
    """The top-level modes of ``cl``."""
    cl = _plain(cl)
    return [cl[i] for i in range(cl.rank())]


def _is_tiler_tuple(t: Any) -> bool:
    """Whether ``t`` is a by-mode tiler (a tuple or list, not a layout)."""
    return isinstance(t, (tuple, list)) and not isinstance(t, CuteLayout)


def make_layout(*layouts: CuteLayout | str | int) -> CuteLayout:
    """The layout whose top-level modes are ``layouts`` (CuTe's ``make_layout(A, B, ...)``)."""
    if not layouts:
        raise LayoutError("layouts: give at least one layout")
    ls = [_plain(_arg(x, f"layouts[{i}]")) for i, x in enumerate(layouts)]
    return _uniform(_concat(ls))


def _concat(ls: Sequence[CuteLayout]) -> CuteLayout:
    """The layout with top-level modes ``ls``, strides as they are."""
    return CuteLayout(tuple(x.shape for x in ls), tuple(x.stride for x in ls))


def _uniform(cl: CuteLayout) -> CuteLayout:
    """``cl`` with every stride of an offset field given as ``F2`` where some already is
    (the same function: an F2-linear layout's integer strides never carry)."""
    leaves = _flatten(cl.stride)
    has_f2 = any(isinstance(d.value if isinstance(d, ScaledBasis) else d, F2) for d in leaves)
    has_int = any(isinstance(d.value if isinstance(d, ScaledBasis) else d, int) and d != 0 for d in leaves)
    if not (has_f2 and has_int):
        return cl
    try:
        b = bits_of(cl)
    except LayoutError:
        return cl
    return layout_of(cl.shape, b.paths, b.cols)


def size(layout: CuteLayout | str | int) -> int:
    """The number of coordinates of ``layout``."""
    return _arg(layout, "layout").size()


def cosize(layout: CuteLayout | str | int) -> int:
    """One past the largest offset of an F2-linear integer-valued layout, rounded up to a
    power of two (the span its offset bits occupy)."""
    b = _int_bits(_arg(layout, "layout"), "layout")
    return 1 << b.width()


def _int_bits(cl: CuteLayout, what: str) -> Bits:
    """The columns of an integer-valued layout; LayoutError for E(i) strides."""
    b = bits_of(cl)
    if b.coord:
        raise LayoutError(
            f"{what}: this operation needs an integer-valued layout; {cl} has E(...) coordinate strides"
        )
    return b


def _at_mode(layout: CuteLayout, mode: Any, op: Callable[[CuteLayout], CuteLayout]) -> CuteLayout:
    """``layout`` with the mode at path ``mode`` replaced by ``op(that mode)``."""
    path = (mode,) if isinstance(mode, int) and not isinstance(mode, bool) else tuple(mode)
    if not path:
        return op(layout)
    i = path[0]
    layout = _plain(layout)
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < layout.rank():
        raise LayoutError(f"mode: {mode!r} names no mode of {layout} (rank {layout.rank()})")
    if layout.rank() == 1 and not isinstance(layout.shape, tuple):
        if len(path) > 1:
            raise LayoutError(f"mode: {mode!r} goes deeper than {layout}")
        return op(layout)
    ms = _modes(layout)
    ms[i] = _at_mode(ms[i], path[1:], op)
    return make_layout(*ms)


class _ByMode:
    """A layout operation that also takes CuTe's mode subscript: ``op[i](A, ...)`` is ``op``
    on mode ``i`` of ``A`` with the other modes kept (``op[i, j]``: mode ``j`` of mode ``i``)."""

    def __init__(self, fn: Callable[..., CuteLayout]) -> None:
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> CuteLayout:
        return self._fn(*args, **kwargs)

    def __getitem__(self, mode: Any) -> Callable[..., CuteLayout]:
        fn = self._fn

        def on_mode(a: CuteLayout | str | int, *args: Any, **kwargs: Any) -> CuteLayout:
            """``fn`` on one mode of ``a``."""
            return _at_mode(_arg(a, "a"), mode, lambda sub: fn(sub, *args, **kwargs))

        return on_mode


# --------------------------------------------------------------------------- coalesce, complement


@_ByMode
def coalesce(layout: CuteLayout | str | int) -> CuteLayout:
    """The same function (on every index, past the size too) with the fewest flat modes.

    >>> print(coalesce(CuteLayout(((2, 2), (2, 2)), ((1, 2), (4, 8)))))
    16:1
    """
    cl = _arg(layout, "layout")
    b = bits_of(cl)
    rs = runs(b.cols)
    n = len(b.cols)
    if b.ext_linear():
        nxt, raw = b.col(n), None
    else:  # it goes on by an integer stride whose multiples carry: keep that stride as it is
        nxt, raw = None, cl.modes()[-1][1]
    tail = None
    if raw is None and (rs[-1][0] << len(rs[-1]) if rs else 0) != nxt:
        tail = nxt
    if not rs:
        if raw is not None:
            return CuteLayout(1, raw)
        return layout_of(1, b.paths, [], tail) if tail else CuteLayout(1, 0)
    return layout_of(run_shape(b.cols), b.paths, b.cols, tail, raw)


def _complement_bits(cols: Sequence[int], target_bits: int, width: int) -> tuple[list[int], bool]:
    """Unit offsets (lowest first, below ``2**target_bits``) outside the span of ``cols``
    and of each other; and whether a tail mode is needed past them."""
    ech = _gf2.Echelon(cols)
    chosen = [k for k in range(target_bits) if ech.add(1 << k)]
    w = max(target_bits, width)
    return chosen, not chosen or chosen[-1] + 1 < w


def complement(layout: CuteLayout | str | int, cotarget: int | None = None) -> CuteLayout:
    """CuTe's ``complement(L, cotarget)``: an ordered layout ``R`` (``R(i-1) < R(i)``, past
    its size too) whose offsets meet ``L``'s only at 0, such that ``(L, R)`` reaches every
    offset below ``cotarget`` (default: ``cosize(L)``).  Over GF(2) ``R`` takes the lowest
    offset bits outside the span of ``L``; a last mode of size 1 and stride
    ``2**width`` says where ``R`` goes on.

    >>> print(complement(CuteLayout(4, 2), 16))
    (2,2):(1,8)
    """
    cl = _plain(_arg(layout, "layout"))
    b = _int_bits(cl, "layout")
    width = b.width()
    if cotarget is None:
        tb = width
    else:
        if (
            isinstance(cotarget, bool)
            or not isinstance(cotarget, int)
            or cotarget <= 0
            or cotarget & (cotarget - 1)
        ):
            raise LayoutError(f"cotarget: expected a power of two (a GF(2) offset span), got {cotarget!r}")
        if cotarget.bit_length() - 1 > 64:
            raise LayoutError(f"cotarget: 2**{cotarget.bit_length() - 1} is past 2**64 offsets")
        tb = cotarget.bit_length() - 1
    chosen, need_tail = _complement_bits(b.cols, tb, width)
    shapes: list[int] = []
    strides: list[int] = []
    for k in chosen:
        if strides and k == strides[-1].bit_length() - 1 + shapes[-1].bit_length() - 1:
            shapes[-1] *= 2
        else:
            shapes.append(2)
            strides.append(1 << k)
    if need_tail:
        shapes.append(1)
        strides.append(1 << max(tb, width))
    if len(shapes) == 1:
        return CuteLayout(shapes[0], strides[0])
    return CuteLayout(tuple(shapes), tuple(strides))


# --------------------------------------------------------------------------- composition


def _resolve(a: CuteLayout, path: tuple[int, ...]) -> CuteLayout:
    """The sub-layout of ``a`` that coordinate path ``path`` of a ``E(path)`` stride indexes."""
    for i in path:
        if not 0 <= i < a.rank():
            raise LayoutError(f"b: a stride E{path} names no mode of the layout it indexes ({a})")
        a = a[i]
    return a


@_ByMode
def composition(a: CuteLayout | str | int, b: Tiler, *, mode: Any = ()) -> CuteLayout:
    """CuTe's ``composition(A, B)``: ``R`` with ``B``'s shape and ``R(c) == A(B(c))``.

    ``B`` may index ``A`` by its flat index (integer strides, ``A`` extended past its size
    by its last mode, as CuTe does) or by ``A``'s modes (``E(i)`` strides name mode ``i``);
    a tuple ``B`` composes mode by mode (``None`` keeps a mode); ``mode`` composes only the
    mode of ``A`` at that path (CuTe's ``composition[mode]``).

    >>> print(composition(CuteLayout((4, 4), (4, 1)), CuteLayout((4, 4), (E(1), E(0)))))
    (4,4):(1,4)
    """
    A0 = _arg(a, "a")
    A = _plain(A0)
    if mode not in ((), None):
        return _at_mode(A, mode, lambda sub: composition(sub, b))
    if _is_tiler_tuple(b):
        ms = _modes(A)
        if len(b) > len(ms):
            raise LayoutError(f"b: a tiler of {len(b)} modes for a layout of rank {len(ms)} ({A})")
        return make_layout(*[m if t is None else composition(m, t) for m, t in zip(ms, b)], *ms[len(b) :])
    B = _plain(_arg(b, "b"))
    bb = bits_of(B)
    out_paths = bits_of(A).paths
    if bb.coord:
        subs = [bits_of(_resolve(A, p), out_paths) for p in bb.paths]
    else:  # by flat index: the swizzle (and its extension past the size) stays as it is
        subs = [bits_of(A0)]
    cols: list[int] = []
    parts: list[int] = []
    seen: set[tuple[int, int]] = set()
    for c in bb.cols:
        r = 0
        for f, sub in enumerate(subs):
            v = (c >> (FIELD * f)) & ((1 << FIELD) - 1)
            while v:
                low = v & -v
                j = low.bit_length() - 1
                r ^= sub.col(j)
                if (f, j) not in seen:
                    seen.add((f, j))
                    parts.append(sub.int_part(j))
                v ^= low
        cols.append(r)
    try:
        no_carry(parts, "composition")
    except LayoutError:
        cols = _composition_by_values(A0, B, out_paths)
    return layout_of(B.shape, out_paths, cols)


_DIRECT_LIMIT = 1 << 16


def _pack(v: Any, paths: tuple[tuple[int, ...], ...]) -> int:
    """A value of a layout (offset or nested coordinate) as packed GF(2) fields."""
    out = 0
    for f, p in enumerate(paths):
        x = v
        for i in p:
            x = x[i] if isinstance(x, tuple) and i < len(x) else 0
        out |= x << (FIELD * f)
    return out


def _composition_by_values(A: CuteLayout, B: CuteLayout, paths: tuple[tuple[int, ...], ...]) -> list[int]:
    """Columns ``A(B(2**j))`` where CuTe's integer extension of ``A`` is not linear on what
    ``B`` reaches; LayoutError unless ``A o B`` is linear all the same (checked on every index
    of small ``B``)."""
    n = B.size()
    why = "composition: CuTe's integer sum carries on the offsets A reaches past its size"
    if n > _DIRECT_LIMIT:
        raise LayoutError(why + ", so the result is not linear over GF(2)")
    cols = [_pack(A(B(1 << j)), paths) for j in range(n.bit_length() - 1)]
    for i in range(n):
        want = 0
        for j, c in enumerate(cols):
            if i >> j & 1:
                want ^= c
        if _pack(A(B(i)), paths) != want:
            raise LayoutError(
                why + f" and A(B({i})) is not the XOR of its bits' values: not linear over GF(2)"
            )
    return cols


# --------------------------------------------------------------------------- divide


@_ByMode
def logical_divide(a: CuteLayout | str | int, tiler: Tiler, *, mode: Any = ()) -> CuteLayout:
    """CuTe's ``logical_divide(A, B) = A o (B, complement(B, size(A)))``: rank 2, the tile
    ``B`` picks from ``A``, then the tiles.  A tuple tiler divides mode by mode.

    >>> print(logical_divide(CuteLayout((4, 4), (4, 1)), (2, 2)))
    ((2,2),(2,2)):((4,8),(1,2))
    """
    A = _plain(_arg(a, "a"))
    if mode not in ((), None):
        return _at_mode(A, mode, lambda sub: logical_divide(sub, tiler))
    if _is_tiler_tuple(tiler):
        ms = _modes(A)
        if len(tiler) > len(ms):
            raise LayoutError(f"tiler: {len(tiler)} modes for a layout of rank {len(ms)} ({A})")
        return make_layout(
            *[m if t is None else logical_divide(m, t) for m, t in zip(ms, tiler)], *ms[len(tiler) :]
        )
    B = _plain(_arg(tiler, "tiler"))
    n = A.size()
    if n & (n - 1):
        bits_of(A)  # raises, naming the mode
    return composition(A, make_layout(B, complement(B, n)))


def _split_tiles(
    a: CuteLayout, tiler: Tiler, op: Callable[[CuteLayout, Any], CuteLayout]
) -> tuple[list[CuteLayout], list[CuteLayout], bool]:
    """(first modes, second modes, by-mode) of ``op(a, tiler)`` (a divide or product)."""
    A = _plain(_arg(a, "a"))
    if _is_tiler_tuple(tiler):
        R = op(A, tiler)
        ms = _modes(R)
        k = len(tiler)
        firsts = [ms[i][0] if tiler[i] is not None else ms[i] for i in range(k)]
        seconds = [ms[i][1] if tiler[i] is not None else CuteLayout(1, 0) for i in range(k)]
        return firsts, seconds + ms[k:], True
    R = op(A, tiler)
    return [R[0]], [R[1]], False


def _zipped(firsts: list[CuteLayout], seconds: list[CuteLayout], by_mode: bool) -> CuteLayout:
    """``((firsts...), (seconds...))``, or ``(first, second)`` for a single-layout tiler."""
    if by_mode:
        return make_layout(make_layout(*firsts), make_layout(*seconds))
    return make_layout(firsts[0], seconds[0])


@_ByMode
def zipped_divide(a: CuteLayout | str | int, tiler: Tiler) -> CuteLayout:
    """CuTe's ``zipped_divide``: ``((tile modes...), (rest modes...))``."""
    return _zipped(*_split_tiles(a, tiler, logical_divide))


def tiled_divide(a: CuteLayout | str | int, tiler: Tiler) -> CuteLayout:
    """CuTe's ``tiled_divide``: ``((tile modes...), rest modes...)``."""
    z = zipped_divide(a, tiler)
    return make_layout(z[0], *_modes(z[1]))


def flat_divide(a: CuteLayout | str | int, tiler: Tiler) -> CuteLayout:
    """CuTe's ``flat_divide``: ``(tile modes..., rest modes...)``."""
    z = zipped_divide(a, tiler)
    return make_layout(*_modes(z[0]), *_modes(z[1]))


# --------------------------------------------------------------------------- product


@_ByMode
def logical_product(a: CuteLayout | str | int, tiler: Tiler, *, mode: Any = ()) -> CuteLayout:
    """CuTe's ``logical_product(A, B) = (A, complement(A, size(A) * cosize(B)) o B)``: ``A``
    repeated as ``B`` says (mode 0 is ``A`` itself).  A tuple tiler works mode by mode.

    >>> print(logical_product(CuteLayout(2, 4), CuteLayout(4, 1)))   # fills the holes first
    (2,4):(4,1)
    """
    A = _plain(_arg(a, "a"))
    if mode not in ((), None):
        return _at_mode(A, mode, lambda sub: logical_product(sub, tiler))
    if _is_tiler_tuple(tiler):
        ms = _modes(A)
        if len(tiler) > len(ms):
            raise LayoutError(f"tiler: {len(tiler)} modes for a layout of rank {len(ms)} ({A})")
        return make_layout(
            *[m if t is None else logical_product(m, t) for m, t in zip(ms, tiler)], *ms[len(tiler) :]
        )
    B = _plain(_arg(tiler, "tiler"))
    width = _int_bits(B, "tiler").width()
    _int_bits(A, "a")
    c = complement(A, A.size() << width)
    return _concat([A, composition(c, B)])  # mode 0 is A itself, as CuTe promises


def _rank_product(a: Any, b: Any, what: str, tile_first: bool) -> CuteLayout:
    """blocked_product (tile first) or raked_product (repeats first) of same-rank a and b."""
    A, B = _plain(_arg(a, "a")), _plain(_arg(b, "b"))
    if A.rank() != B.rank():
        raise LayoutError(
            f"b: {what} pairs mode i of a with mode i of b, so they need the same rank; got rank "
            f"{A.rank()} ({A}) and {B.rank()} ({B})"
        )
    P = logical_product(A, B)
    pairs = zip(_modes(A), _modes(P[1]))
    return make_layout(*[coalesce(make_layout(x, y) if tile_first else make_layout(y, x)) for x, y in pairs])


def blocked_product(a: CuteLayout | str | int, b: CuteLayout | str | int) -> CuteLayout:
    """CuTe's ``blocked_product``: mode i is (a's mode i, its repeats along b's mode i),
    so each tile is contiguous; a and b of the same rank."""
    return _rank_product(a, b, "blocked_product", True)


def raked_product(a: CuteLayout | str | int, b: CuteLayout | str | int) -> CuteLayout:
    """CuTe's ``raked_product``: mode i is (the repeats along b's mode i, a's mode i), so
    the tiles interleave; a and b of the same rank."""
    return _rank_product(a, b, "raked_product", False)


@_ByMode
def zipped_product(a: CuteLayout | str | int, tiler: Tiler) -> CuteLayout:
    """CuTe's ``zipped_product``: ``((a's modes...), (repeat modes...))``."""
    return _zipped(*_split_tiles(a, tiler, logical_product))


def tiled_product(a: CuteLayout | str | int, tiler: Tiler) -> CuteLayout:
    """CuTe's ``tiled_product``: ``((a's modes...), repeat modes...)``."""
    z = zipped_product(a, tiler)
    return make_layout(z[0], *_modes(z[1]))


# --------------------------------------------------------------------------- inverses


def _codomain_modes(b: Bits) -> list[tuple[int, int]]:
    """(field, bits) per mode of an inverse's domain: one mode per coordinate ``E(i)`` (a
    coordinate the layout does not reach has size 1), or one for an offset."""
    if not b.coord:
        return [(0, b.width())]
    if any(len(p) != 1 for p in b.paths):
        raise LayoutError("layout: inverses of layouts with nested E(i, j) strides are not supported")
    top = max(p[0] for p in b.paths) + 1
    field = {p[0]: f for f, p in enumerate(b.paths)}
    out = []
    for i in range(top):
        f = field.get(i)
        w = (
            max(((c >> (FIELD * f)) & ((1 << FIELD) - 1)).bit_length() for c in b.cols)
            if f is not None
            else 0
        )
        out.append((-1 if f is None else f, w))
    return out


def _inverse_layout(modes: list[tuple[int, int]], cols: list[int], coord: bool) -> CuteLayout:
    """The index-valued layout with one mode per codomain coordinate, coalesced per mode."""
    parts = []
    pos = 0
    for _, w in modes:
        sub = layout_of(1 << w, ((),), cols[pos : pos + w])
        parts.append(coalesce(sub) if w else CuteLayout(1, 0))
        pos += w
    return make_layout(*parts) if coord else parts[0]


def left_inverse(layout: CuteLayout | str | int) -> CuteLayout:
    """CuTe's ``left_inverse``: ``L⁺`` with ``L(L⁺(L(i))) == L(i)`` for every index (so
    ``L⁺(L(i)) == i`` where ``L`` is injective); its domain is ``L``'s codomain, one mode
    per coordinate.  Offsets outside the image go to a complement sent to 0.

    >>> print(left_inverse(CuteLayout((8, 4), (4, 1))))
    (4,8):(8,1)
    """
    cl = _plain(_arg(layout, "layout"))
    b = bits_of(cl)
    modes = _codomain_modes(b)
    units = [1 << (FIELD * f + k) for f, w in modes for k in range(w)]
    cols = list(b.cols)
    ech = _gf2.Echelon(cols)
    for u in units:  # a complement of the image, sent to 0
        if ech.solve(u) is None:
            ech.add(u)
    keep = (1 << len(cols)) - 1
    inv = [(ech.solve(u) or 0) & keep for u in units]
    return _inverse_layout(modes, inv, b.coord)


def right_inverse(layout: CuteLayout | str | int) -> CuteLayout:
    """CuTe's ``right_inverse``: the largest ``R`` with ``L(R(i)) == i`` for every ``i`` in
    its domain: per coordinate, the lowest offset bits that all lie in ``L``'s image.

    >>> print(right_inverse(CuteLayout((4, 2), (1, 16))))
    4:1
    """
    cl = _plain(_arg(layout, "layout"))
    b = bits_of(cl)
    ech = _gf2.Echelon(b.cols)
    modes = []
    inv: list[int] = []
    for f, w in _codomain_modes(b):
        k = 0
        while f >= 0 and k < w:
            x = ech.solve(1 << (FIELD * f + k))
            if x is None:
                break
            inv.append(x)
            k += 1
        modes.append((f, k))
    return _inverse_layout(modes, inv, b.coord)


# doctest looks only at plain functions; the subscriptable operations' examples run through here
__test__ = {n: globals()[n]._fn for n in ("coalesce", "composition", "logical_divide", "logical_product")}
