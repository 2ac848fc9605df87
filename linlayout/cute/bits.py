"""A CuTe layout as a GF(2) matrix: one column per bit of the flat index.

The codomain is an integer offset or a coordinate (``E(i)`` strides); a column packs one
64-bit field per coordinate path.  A mode of size ``2**k`` with stride ``d`` gives the
columns ``d << j`` (``j < k``), for an integer stride and for an ``F2`` stride alike; the
layout is F2-linear when the integer strides never carry (pairwise disjoint bits).
Past the size, as in CuTe, the last mode goes on: column ``j`` is ``last_stride << (j - s)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import LayoutError
from .types import _MAX_BITS, F2, CuteLayout, ScaledBasis, _flatten

__all__ = ["Bits", "bits_of", "layout_of", "runs"]

FIELD = 64
_MASK = (1 << FIELD) - 1
Path = tuple[int, ...]


@dataclass(frozen=True)
class Bits:
    """The columns of a layout: ``cols[j]`` is the value of index ``2**j``."""

    shape: object  # the nested shape (power-of-two sizes)
    paths: tuple[Path, ...]  # codomain fields; ((),) for an integer offset
    cols: tuple[int, ...]
    imask: tuple[int, ...]  # the part of each column added as an integer (may carry)
    ext: int  # packed stride of the last flat mode (any size), before the swizzle
    ext_int: bool  # whether that stride adds as an integer
    ext_start: int  # index bit where the last flat mode starts
    swizzle: object = None

    @property
    def coord(self) -> bool:
        """Whether the codomain is a coordinate (``E(i)`` strides)."""
        return self.paths != ((),)

    def col(self, j: int) -> int:
        """The value of index ``2**j``, past the size by CuTe's extension of the last mode."""
        if j < len(self.cols):
            return self.cols[j]
        if field_width(self.ext, len(self.paths)) + j - self.ext_start > _MAX_BITS:
            raise LayoutError(f"layout: extending the last mode to index bit {j} passes {_MAX_BITS} bits")
        v = self.ext << (j - self.ext_start)
        return self.swizzle(v) if self.swizzle is not None else v

    def ext_linear(self) -> bool:
        """Whether going on past the size stays linear (the last stride is not an integer
        with several bits set, whose multiples carry)."""
        return not self.ext_int or not any(
            v & (v - 1) for v in ((self.ext >> (FIELD * f)) & _MASK for f in range(len(self.paths)))
        )

    def int_part(self, j: int) -> int:
        """The integer-added part of column ``j`` (for the no-carry check)."""
        if j < len(self.imask):
            return self.imask[j]
        return self.ext << (j - self.ext_start) if self.ext_int else 0

    def width(self) -> int:
        """Bits of the widest field any column reaches."""
        return max((field_width(c, len(self.paths)) for c in self.cols), default=0)


def field_width(c: int, nfields: int) -> int:
    """Bits of the widest field of packed value ``c``."""
    return max((((c >> (FIELD * f)) & _MASK).bit_length() for f in range(nfields)), default=0)


def _split(d: object) -> tuple[Path, int, bool]:
    """(path, value, adds-as-integer) of a stride."""
    path: Path = ()
    if isinstance(d, ScaledBasis):
        path, d = d.path, d.value
    if isinstance(d, F2):
        return path, d.value, False
    return path, d, True  # type: ignore[return-value]


def codomain_paths(cl: CuteLayout) -> tuple[Path, ...]:
    """The coordinate paths the strides reach (sorted), or ``((),)`` for an offset."""
    ps = sorted({d.path for d in _flatten(cl.stride) if isinstance(d, ScaledBasis)})
    return tuple(ps) if ps else ((),)


def bits_of(cl: CuteLayout, paths: tuple[Path, ...] | None = None) -> Bits:
    """The GF(2) columns of ``cl``; LayoutError naming the mode that is not F2-linear."""
    paths = codomain_paths(cl) if paths is None else paths
    field = {p: i for i, p in enumerate(paths)}
    cols: list[int] = []
    imask: list[int] = []
    used = [0] * len(paths)
    modes = cl.modes()
    ext, ext_int, ext_start = 0, True, 0
    for i, (s, d) in enumerate(modes):
        if s <= 0 or s & (s - 1):
            raise LayoutError(
                f"shape: mode {i} has size {s}, not a power of two, so the layout is not linear over GF(2)"
            )
        k = s.bit_length() - 1
        path, v, is_int = _split(d)
        if v and path not in field:
            raise LayoutError(f"stride: mode {i} reaches coordinate E{path}, outside the codomain")
        f = field.get(path, 0)
        if is_int and v and k:
            for j in range(k):
                if (v << j) & used[f]:
                    raise LayoutError(
                        f"stride: mode {i} ({s}:{d!r}, stride {v}) reaches offset bits "
                        + (
                            "another mode already uses"
                            if j == 0
                            else "it uses itself (a stride with several bits)"
                        )
                        + "; the integer sum would carry, so the layout is not linear over GF(2)"
                    )
                used[f] |= v << j
        base = v << (FIELD * f)
        cols.extend(base << j for j in range(k))
        imask.extend((base << j) if is_int else 0 for j in range(k))
        ext, ext_int, ext_start = base, is_int, len(cols) - k
    if len(cols) > _MAX_BITS:
        raise LayoutError(f"shape: more than {_MAX_BITS} index bits")
    for i, (s, d) in enumerate(modes):
        k = s.bit_length() - 1
        if k and field_width(_split(d)[1], 1) + k - 1 > _MAX_BITS:
            raise LayoutError(f"stride: mode {i} ({s}:{d!r}) reaches offsets past {_MAX_BITS} bits")
    sw = cl.swizzle
    if sw is not None:
        cols = [sw(c) for c in cols]
    return Bits(cl.shape, paths, tuple(cols), tuple(imask), ext, ext_int, ext_start, sw)


def no_carry(parts: list[int], what: str) -> None:
    """LayoutError unless the integer-added parts are pairwise disjoint (the sum is the XOR)."""
    seen = 0
    for p in parts:
        if p & seen:
            raise LayoutError(
                f"{what}: the integer offsets involved overlap (CuTe's sum carries), so the result is "
                "not linear over GF(2)"
            )
        seen |= p


def _field_stride(c: int, paths: tuple[Path, ...], as_f2: bool) -> object:
    """The stride object of one packed column chain start ``c``."""
    nz = [(f, (c >> (FIELD * f)) & _MASK) for f in range(len(paths)) if (c >> (FIELD * f)) & _MASK]
    if not nz:
        return 0
    if len(nz) > 1:
        raise LayoutError(
            "layout: a basis reaches several coordinates at once; CuTe's ArithTuple strides are not "
            "supported, so the result is not expressible here"
        )
    f, v = nz[0]
    val: object = F2(v) if as_f2 or v & (v - 1) else v
    return val if paths[f] == () else ScaledBasis(val, paths[f])  # type: ignore[arg-type]


def _chain(cs: list[int]) -> bool:
    """Whether ``cs`` is one mode's columns ``d << j``."""
    return all(c == cs[0] << j for j, c in enumerate(cs))


def layout_of(
    shape: object,
    paths: tuple[Path, ...],
    cols: list[int] | tuple[int, ...],
    tail: int | None = None,
    tail_stride: object = None,
) -> CuteLayout:
    """The CuTe layout of ``shape`` with these columns: a mode whose columns are one chain
    keeps its size, another is split into size-2 modes; integer strides where they add
    without carrying, ``F2`` strides otherwise.  ``tail`` appends a size-1 mode of that
    (packed) stride, the direction the layout goes on past its size."""
    pieces: list[tuple[object, list[int]]] = []  # (leaf shape, chain starts)
    pos = 0

    def walk(sh: object) -> object:
        nonlocal pos
        if isinstance(sh, tuple):
            return tuple(walk(e) for e in sh)
        k = sh.bit_length() - 1  # type: ignore[union-attr]
        cs = list(cols[pos : pos + k])
        pos += k
        if _chain(cs) or k <= 1:
            pieces.append((sh, [cs[0] if cs else 0]))
            return sh
        pieces.append(((2,) * k, cs))
        return (2,) * k

    new_shape = walk(shape)
    # integer strides only where no two integer modes of a field overlap
    spans = [0] * len(paths)
    clash = [False] * len(paths)
    for leaf, starts in pieces:
        sizes = list(leaf) if isinstance(leaf, tuple) else [leaf]
        for sz, c in zip(sizes, starts):
            for f in range(len(paths)):
                v = (c >> (FIELD * f)) & _MASK
                if v and not v & (v - 1):
                    span = (sz - 1) * v  # type: ignore[operator]
                    clash[f] |= bool(span & spans[f])
                    spans[f] |= span
                elif v:
                    clash[f] = True  # an F2 stride: the field's strides all XOR
    if tail is not None:  # the tail goes on past the size: it must not meet an integer mode
        for f in range(len(paths)):
            v = (tail >> (FIELD * f)) & _MASK
            if v and (v & (v - 1) or spans[f] >> (v.bit_length() - 1)):
                clash[f] = True
    as_f2 = any(clash)
    strides = [
        tuple(_field_stride(c, paths, as_f2) for c in starts)
        if isinstance(leaf, tuple)
        else _field_stride(starts[0], paths, as_f2)
        for leaf, starts in pieces
    ]
    it = iter(strides)

    def rebuild(sh: object, orig: object) -> object:
        if isinstance(orig, tuple):
            return tuple(rebuild(s2, o2) for s2, o2 in zip(sh, orig))  # type: ignore[arg-type]
        return next(it)

    new_stride = rebuild(new_shape, shape)
    if tail is not None or tail_stride is not None:
        ts = tail_stride if tail is None else _field_stride(tail, paths, as_f2)
        if isinstance(new_shape, tuple) and isinstance(shape, tuple):
            new_shape, new_stride = new_shape + (1,), new_stride + (ts,)  # type: ignore[operator]
        else:
            new_shape, new_stride = (new_shape, 1), (new_stride, ts)
    return CuteLayout(new_shape, new_stride)  # type: ignore[arg-type]


def runs(cols: Sequence[int]) -> list[list[int]]:
    """Consecutive columns grouped into modes: each run is ``d << j`` (or all 0)."""
    out: list[list[int]] = []
    for c in cols:
        if out and (c == out[-1][-1] << 1 if out[-1][-1] else c == 0):
            out[-1].append(c)
        else:
            out.append([c])
    return out


def run_shape(cols: Sequence[int]) -> object:
    """The shape of ``runs(cols)``: an int for one run, a tuple for several, 1 for none."""
    sizes = tuple(1 << len(r) for r in runs(cols))
    return sizes[0] if len(sizes) == 1 else (sizes or 1)
