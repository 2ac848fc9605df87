"""CuTe interop: ``shape:stride`` layouts and ``Swizzle<B,M,S>`` as linear layouts, and back.

A CuTe layout maps a coordinate (equivalently, its colexicographic flat index: the first
mode is the fastest) to an integer offset, ``sum(c_i * d_i)``.  It is linear over GF(2)
exactly when every mode size is a power of two, every stride is 0 or a power of two, and
the offset bits the modes occupy, ``[log2 d_i, log2 d_i + log2 s_i)``, are pairwise
disjoint (so the integer sum never carries and equals the XOR).  A swizzle on top,
``Sw<B,M,S>``, XORs bits ``[M+S, M+S+B)`` of the offset into bits ``[M, M+B)``: still linear.

>>> from linlayout.cute import from_cute, to_cute
>>> L = from_cute((4, 8), (8, 1))
>>> L.apply(index=5)                      # coordinate (1, 1) -> 1*8 + 1*1
{'offset': 9}
>>> str(to_cute(from_cute("Sw<3,3,3> o _0 o (8,64):(64,1)")))   # 128B swizzle, 16-bit elements
'Sw<3,3,3> o _0 o (8,64):(64,1)'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import LayoutError
from .layout import LinearLayout

__all__ = ["Swizzle", "CuteLayout", "parse_cute", "from_cute", "from_cute_tv", "to_cute"]

IntTuple = int | tuple["IntTuple", ...]
_MAX_DEPTH = 32
_MAX_BITS = 64


# --------------------------------------------------------------------------- value types


class Swizzle:
    """CuTe's ``Swizzle<B, M, S>``: ``x ^ ((x & yyy) >> S)`` with ``yyy`` the ``B`` bits
    starting at ``M + max(S, 0)`` (a negative ``S`` shifts left).

    >>> Swizzle(3, 4, 3)(0b1000000000)   # bit 9 (in yyy) is XORed into bit 6
    576
    """

    __slots__ = ("bits", "base", "shift")

    def __init__(self, bits: int, base: int, shift: int):
        for name, v in (("bits", bits), ("base", base), ("shift", shift)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise LayoutError(f"swizzle {name}: expected an int, got {v!r}")
        if not 0 <= bits <= 16:
            raise LayoutError(f"swizzle bits: expected 0..16, got {bits}")
        if not 0 <= base <= _MAX_BITS:
            raise LayoutError(f"swizzle base: expected 0..{_MAX_BITS}, got {base}")
        if abs(shift) < bits:
            raise LayoutError(
                f"swizzle shift: |shift| must be >= bits ({bits}) so the swizzle is an involution, "
                f"got {shift}"
            )
        if base + abs(shift) + bits > _MAX_BITS:
            raise LayoutError(f"swizzle: base + |shift| + bits must be <= {_MAX_BITS}")
        object.__setattr__(self, "bits", bits)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "shift", shift)

    def __setattr__(self, k, v):
        raise AttributeError("Swizzle is immutable")

    @property
    def yyy_mask(self) -> int:
        return ((1 << self.bits) - 1) << (self.base + max(self.shift, 0))

    @property
    def zzz_mask(self) -> int:
        return ((1 << self.bits) - 1) << (self.base - min(self.shift, 0))

    def __call__(self, x: int) -> int:
        y = x & self.yyy_mask
        return x ^ (y >> self.shift if self.shift >= 0 else y << -self.shift)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Swizzle) and (self.bits, self.base, self.shift) == (
            other.bits,
            other.base,
            other.shift,
        )

    def __hash__(self) -> int:
        return hash((self.bits, self.base, self.shift))

    def __repr__(self) -> str:
        return f"Swizzle({self.bits}, {self.base}, {self.shift})"

    def __str__(self) -> str:
        return f"Sw<{self.bits},{self.base},{self.shift}>"


class CuteLayout:
    """A CuTe layout ``shape:stride`` (nested int tuples), optionally under a swizzle."""

    __slots__ = ("shape", "stride", "swizzle")

    def __init__(self, shape: IntTuple, stride: IntTuple | None = None, swizzle: Swizzle | None = None):
        shape = _to_int_tuple(shape, "shape")
        stride = _compact_col_major(shape) if stride is None else _to_int_tuple(stride, "stride")
        if not _congruent(shape, stride):
            raise LayoutError(f"stride: {_fmt(stride)} does not have the structure of shape {_fmt(shape)}")
        if swizzle is not None and not isinstance(swizzle, Swizzle):
            raise LayoutError(f"swizzle: expected a linlayout.cute.Swizzle, got {swizzle!r}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "swizzle", swizzle)

    def __setattr__(self, k, v):
        raise AttributeError("CuteLayout is immutable")

    def modes(self) -> list[tuple[int, int]]:
        """The flattened ``(size, stride)`` modes, first (fastest) first."""
        return list(zip(_flatten(self.shape), _flatten(self.stride)))

    def size(self) -> int:
        n = 1
        for s, _ in self.modes():
            n *= s
        return n

    def __call__(self, index: int) -> int:
        """The offset of flat (colexicographic) ``index``, with CuTe's integer arithmetic."""
        off = 0
        for s, d in self.modes():
            off += (index % s) * d
            index //= s
        return self.swizzle(off) if self.swizzle else off

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CuteLayout) and (self.shape, self.stride, self.swizzle) == (
            other.shape,
            other.stride,
            other.swizzle,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.stride, self.swizzle))

    def __repr__(self) -> str:
        sw = f", swizzle={self.swizzle!r}" if self.swizzle else ""
        return f"CuteLayout({self.shape!r}, {self.stride!r}{sw})"

    def __str__(self) -> str:
        body = f"{_fmt(self.shape)}:{_fmt(self.stride)}"
        return f"{self.swizzle} o _0 o {body}" if self.swizzle else body


def _to_int_tuple(x: Any, what: str, depth: int = 0) -> IntTuple:
    if depth > _MAX_DEPTH:
        raise LayoutError(f"{what}: nested more than {_MAX_DEPTH} levels deep")
    if isinstance(x, bool):
        raise LayoutError(f"{what}: expected ints or nested tuples of ints, got {x!r}")
    if isinstance(x, int):
        if x < 0:
            raise LayoutError(f"{what}: negative values are not supported, got {x}")
        return x
    if isinstance(x, (list, tuple)):
        if not x:
            raise LayoutError(f"{what}: empty tuple")
        return tuple(_to_int_tuple(e, what, depth + 1) for e in x)
    raise LayoutError(f"{what}: expected ints or nested tuples of ints, got {type(x).__name__} {x!r}")


def _flatten(t: IntTuple) -> list[int]:
    if isinstance(t, int):
        return [t]
    out: list[int] = []
    for e in t:
        out.extend(_flatten(e))
    return out


def _congruent(a: IntTuple, b: IntTuple) -> bool:
    if isinstance(a, int) or isinstance(b, int):
        return isinstance(a, int) and isinstance(b, int)
    return len(a) == len(b) and all(_congruent(x, y) for x, y in zip(a, b))


def _compact_col_major(shape: IntTuple) -> IntTuple:
    acc = [1]

    def rec(s):
        if isinstance(s, int):
            d = acc[0]
            acc[0] *= s
            return d
        return tuple(rec(e) for e in s)

    return rec(shape)


def _fmt(t: IntTuple) -> str:
    if isinstance(t, int):
        return str(t)
    return "(" + ",".join(_fmt(e) for e in t) + ")"


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(r"\s*(?:(Sw<\s*-?\d+\s*,\s*-?\d+\s*,\s*-?\d+\s*>)|(_?-?\d+)|([(),:])|(o\b))")


def parse_cute(text: str) -> CuteLayout:
    """Parse CuTe's printed form: ``(4,8):(8,1)``, ``((2,4),8):((1,16),2)``,
    ``(_4,_8):(_8,_1)``, ``8:1``, ``Sw<3,4,3> o _0 o (8,64):(64,1)``.

    >>> parse_cute("Sw<3,4,3> o _0 o (8,64):(64,1)").swizzle
    Swizzle(3, 4, 3)
    """
    if not isinstance(text, str):
        raise LayoutError(f"text: expected a CuTe layout string, got {type(text).__name__}")
    if len(text) > 100_000:
        raise LayoutError("text: longer than 100000 characters")
    toks: list[tuple[str, str, int]] = []
    pos = 0
    s = text.strip()
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise LayoutError(f"text: unexpected character at {pos}:\n  {s}\n  {' ' * pos}^")
        kind = "sw" if m.group(1) else "int" if m.group(2) else "punct" if m.group(3) else "o"
        toks.append((kind, m.group(m.lastindex).replace(" ", ""), m.start(m.lastindex)))
        pos = m.end()
        while pos < len(s) and s[pos].isspace():
            pos += 1
    k = 0

    def err(msg: str):
        p = toks[k][2] if k < len(toks) else len(s)
        return LayoutError(f"text: {msg} at {p}:\n  {s}\n  {' ' * p}^")

    def expect(val: str):
        nonlocal k
        if k >= len(toks) or toks[k][1] != val:
            raise err(f"expected {val!r}")
        k += 1

    def int_tuple(depth: int) -> IntTuple:
        nonlocal k
        if depth > _MAX_DEPTH:
            raise err(f"nesting deeper than {_MAX_DEPTH}")
        if k >= len(toks):
            raise err("unexpected end of text")
        kind, val, _ = toks[k]
        if kind == "int":
            k += 1
            v = int(val.lstrip("_"))
            if v < 0:
                raise err("negative values are not supported")
            return v
        if val == "(":
            k += 1
            items = [int_tuple(depth + 1)]
            while k < len(toks) and toks[k][1] == ",":
                k += 1
                items.append(int_tuple(depth + 1))
            expect(")")
            return tuple(items)
        raise err("expected an int or '('")

    swz = None
    if toks and toks[0][0] == "sw":
        b, mm, sh = (int(x) for x in toks[0][1][3:-1].split(","))
        swz = Swizzle(b, mm, sh)
        k = 1
        expect("o")
        if k < len(toks) and toks[k][0] == "int" and k + 1 < len(toks) and toks[k + 1][0] == "o":
            if int(toks[k][1].lstrip("_")) != 0:
                raise err("a non-zero offset makes the layout affine, not linear")
            k += 2
    shape = int_tuple(0)
    expect(":")
    stride = int_tuple(0)
    if k != len(toks):
        raise err("trailing text")
    return CuteLayout(shape, stride, swz)


# --------------------------------------------------------------------------- CuTe -> GF(2)


def _as_cute(shape: Any, stride: Any, swizzle: Any) -> CuteLayout:
    if isinstance(shape, CuteLayout):
        if stride is not None:
            raise LayoutError("stride: give either a CuteLayout or shape and stride, not both")
        cl = shape
    elif isinstance(shape, str):
        if stride is not None:
            raise LayoutError("stride: a CuTe layout string already has its strides")
        cl = parse_cute(shape)
    elif stride is None and hasattr(shape, "shape") and hasattr(shape, "stride"):  # tensor_layouts.Layout
        cl = CuteLayout(shape.shape, shape.stride)
    else:
        cl = CuteLayout(shape, stride)
    if swizzle is not None:
        if isinstance(swizzle, (tuple, list)) and len(swizzle) == 3:
            swizzle = Swizzle(*swizzle)
        if not isinstance(swizzle, Swizzle):
            raise LayoutError(f"swizzle: expected Swizzle(B, M, S) or a (B, M, S) tuple, got {swizzle!r}")
        if cl.swizzle is not None:
            raise LayoutError("swizzle: the layout already has a swizzle")
        cl = CuteLayout(cl.shape, cl.stride, swizzle)
    return cl


def _linear_bases(cl: CuteLayout) -> list[int]:
    """One offset per index bit; LayoutError naming the mode that breaks linearity."""
    bases: list[int] = []
    used = 0
    for i, (s, d) in enumerate(cl.modes()):
        if s <= 0 or s & (s - 1):
            raise LayoutError(
                f"shape: mode {i} has size {s}, not a power of two, so the layout is not linear over GF(2)"
            )
        k = s.bit_length() - 1
        if d == 0 or k == 0:
            bases.extend([0] * k)
            continue
        if d & (d - 1):
            raise LayoutError(
                f"stride: mode {i} has stride {d}, not 0 or a power of two, so offsets carry and "
                "the layout is not linear over GF(2)"
            )
        bits = ((1 << k) - 1) * d
        if bits & used:
            raise LayoutError(
                f"stride: mode {i} ({s}:{d}) occupies offset bits another mode already uses; the integer "
                "sum would carry, so the layout is not linear over GF(2)"
            )
        used |= bits
        bases.extend(d << j for j in range(k))
    if len(bases) > _MAX_BITS or used.bit_length() > _MAX_BITS:
        raise LayoutError(f"shape: more than {_MAX_BITS} index or offset bits")
    if cl.swizzle is not None:
        bases = [cl.swizzle(b) for b in bases]
    return bases


def from_cute(
    shape: IntTuple | CuteLayout | str,
    stride: IntTuple | None = None,
    *,
    swizzle: Swizzle | tuple[int, int, int] | None = None,
    out_shape: Sequence[int] | None = None,
    in_dims: Sequence[str] | None = None,
) -> LinearLayout:
    """The linear layout of a CuTe layout (given as shape and stride, a
    :class:`CuteLayout`, or CuTe's printed text).

    By default one in-dim ``index`` (the flat colexicographic index) maps to one out-dim
    ``offset``.  ``in_dims`` names the top-level modes instead (one in-dim each);
    ``out_shape`` splits the offset into tensor coordinates ``dim0..`` in row-major
    order (the last dim contiguous), as a Triton shared-memory layout's inverse.

    >>> from_cute((8, 64), (64, 1), swizzle=(3, 4, 3), in_dims=["dim0", "dim1"]).apply(dim0=2, dim1=0)
    {'offset': 144}
    """
    cl = _as_cute(shape, stride, swizzle)
    bases = _linear_bases(cl)
    top = cl.shape if isinstance(cl.shape, tuple) else (cl.shape,)
    if in_dims is None:
        ins = [("index", bases)]
    else:
        names = list(in_dims)
        if len(names) != len(top):
            raise LayoutError(
                f"in_dims: expected {len(top)} names (one per top-level mode of {_fmt(cl.shape)}), "
                f"got {names}"
            )
        ins, p = [], 0
        for n, m in zip(names, top):
            k = sum(s.bit_length() - 1 for s in _flatten(m))
            ins.append((n, bases[p : p + k]))
            p += k
    width = max((b.bit_length() for b in bases), default=0)
    if out_shape is None:
        return LinearLayout.from_bases(
            {n: [[b] for b in bl] for n, bl in ins}, {"offset": 1 << width}, require_surjective=False
        )
    sizes = [int(x) for x in out_shape]
    total = 1
    for x in sizes:
        if x <= 0 or x & (x - 1):
            raise LayoutError(f"out_shape: sizes must be powers of two, got {list(out_shape)}")
        total *= x
    if total < (1 << width):
        raise LayoutError(
            f"out_shape: {list(out_shape)} holds {total} elements but offsets reach {1 << width}"
        )
    flat = LinearLayout.from_bases(
        {n: [[b] for b in bl] for n, bl in ins}, {"offset": total}, require_surjective=False
    )
    names = [f"dim{i}" for i in range(len(sizes))]
    return flat.reshape_outs([(names[i], sizes[i]) for i in reversed(range(len(sizes)))]).transpose_outs(
        names
    )


def from_cute_tv(
    tv_layout: CuteLayout | str | tuple, tile: Sequence[int], warp_size: int = 32
) -> LinearLayout:
    """A thread-value layout (``(thread, value) -> column-major index into tile``, as
    CUTLASS's MMA atoms' ``CLayout``) as a distributed layout: thread bits become lane
    bits then warp bits, value bits become register bits; outputs are ``dim0..`` of
    ``tile`` (``dim0`` the fastest in CuTe's column-major index).

    >>> L = from_cute_tv("((4,8),(2,2)):((32,1),(16,8))", (16, 8))
    >>> L.bases["lane"]
    [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]]
    """
    if isinstance(tv_layout, tuple) and len(tv_layout) == 2 and not isinstance(tv_layout, CuteLayout):
        cl = CuteLayout(*tv_layout)
    else:
        cl = _as_cute(tv_layout, None, None)
    if not isinstance(cl.shape, tuple) or len(cl.shape) != 2:
        raise LayoutError(
            f"tv_layout: expected two top-level modes (thread, value), got shape {_fmt(cl.shape)}"
        )
    if (
        isinstance(warp_size, bool)
        or not isinstance(warp_size, int)
        or warp_size <= 0
        or warp_size & (warp_size - 1)
    ):
        raise LayoutError(f"warp_size: expected a power of two, got {warp_size!r}")
    sizes = [int(x) for x in tile] if isinstance(tile, (list, tuple)) else None
    if not sizes or any(x <= 0 or x & (x - 1) for x in sizes):
        raise LayoutError(f"tile: expected a sequence of power-of-two sizes, got {tile!r}")
    total = 1
    for x in sizes:
        total *= x
    L = from_cute(cl, in_dims=["thread", "value"])
    width = L.out_dims["offset"].bit_length() - 1
    if (1 << width) > total:
        raise LayoutError(
            f"tile: {list(tile)} holds {total} elements but the TV layout reaches index {1 << width}"
        )
    b = L.bases
    thread = [v[0] for v in b["thread"]]
    value = [v[0] for v in b["value"]]
    lw = warp_size.bit_length() - 1
    lane, warp = thread[:lw], thread[lw:]
    flat = LinearLayout.from_bases(
        {
            "register": [[v] for v in value],
            "lane": [[v] for v in lane],
            "warp": [[v] for v in warp],
            "block": [],
        },
        {"offset": total},
        require_surjective=False,
    )
    return flat.reshape_outs([(f"dim{i}", s) for i, s in enumerate(sizes)])


# --------------------------------------------------------------------------- GF(2) -> CuTe


def _modes_of(bases: list[int]) -> tuple[list[tuple[int, int]], bool]:
    """Group consecutive bases into (size, stride) modes; False if not shape:stride."""
    modes: list[tuple[int, int]] = []
    used = 0
    for b in bases:
        if b and b & (b - 1):
            return [], False
        if b:
            if used & b:
                return [], False
            used |= b
        if modes:
            s, d = modes[-1]
            if (d == 0 and b == 0) or (d and b == d * s):
                modes[-1] = (s * 2, d)
                continue
        modes.append((2, b))
    return modes, True


def _find_swizzle(bases: list[int], width: int) -> Swizzle | None:
    multi = next((b for b in bases if b & (b - 1)), None)
    if multi is None:
        return None
    hb = multi.bit_length() - 1
    # the swizzle must clear the extra bits of this basis: shift = top bit - another set bit
    shifts = sorted({hb - j for j in range(hb) if multi >> j & 1})
    # the narrowest swizzle that explains the layout: on a domain of ``width`` bits a wider
    # swizzle whose extra source bits lie above the top offset bit is the same function
    for bits in range(1, min(16, width) + 1):
        for shift in shifts:
            if shift < bits:
                continue
            for base in range(0, width - shift):
                if base + bits > width or base + shift + bits > 64:
                    continue
                sw = Swizzle(bits, base, shift)
                if _modes_of([sw(b) for b in bases])[1]:
                    return sw
    return None


def to_cute(layout: LinearLayout) -> CuteLayout:
    """The CuTe form of a linear layout, where CuTe can say it: inputs flattened (in-dims
    in order, first most minor) to a colexicographic index, outputs flattened (first
    out-dim most minor) to an offset.  Each in-dim becomes a top-level mode; a swizzle
    is detected and returned as ``Swizzle(B, M, S)``.  LayoutError otherwise.

    >>> str(to_cute(from_cute((4, 8), (8, 1))))
    '(4,8):(8,1)'
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    flat_out = layout.flatten_outs()
    per_dim = (
        [[v[0] if v else 0 for v in bl] for bl in flat_out.bases.values()]
        if layout.out_dims
        else [[0] * len(bl) for bl in layout.bases.values()]
    )
    allb = [b for bl in per_dim for b in bl]
    width = max((b.bit_length() for b in allb), default=0)
    swz = None
    if not _modes_of(allb)[1]:
        swz = _find_swizzle(allb, width)
        if swz is None:
            raise LayoutError(
                "layout: not expressible as a CuTe shape:stride layout (some basis has several bits "
                "set or two inputs share an offset bit) and no Swizzle<B,M,S> explains it"
            )
        per_dim = [[swz(b) for b in bl] for bl in per_dim]
    shapes, strides = [], []
    for bl in per_dim:
        if not bl:
            shapes.append(1)
            strides.append(0)
            continue
        modes, ok = _modes_of(bl)
        if not ok:  # pragma: no cover - guarded above
            raise LayoutError("layout: not expressible as a CuTe layout")
        if len(modes) == 1:
            shapes.append(modes[0][0])
            strides.append(modes[0][1])
        else:
            shapes.append(tuple(s for s, _ in modes))
            strides.append(tuple(d for _, d in modes))
    if len(shapes) == 1:
        return CuteLayout(shapes[0], strides[0], swz)
    return CuteLayout(tuple(shapes), tuple(strides), swz)
