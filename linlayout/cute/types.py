"""CuTe's values: ``shape:stride`` layouts (integer, ``F2`` and ``E(i)`` strides),
``Swizzle<B,M,S>``, and their printed text."""

from __future__ import annotations

import re
from typing import Any

from ..errors import LayoutError

__all__ = ["Swizzle", "F2", "E", "ScaledBasis", "CuteLayout", "parse_cute", "clmul"]

IntTuple = int | tuple["IntTuple", ...]
_MAX_DEPTH = 32
_MAX_BITS = 64


# --------------------------------------------------------------------------- value types


def clmul(a: int, b: int) -> int:
    """Carry-less product of two non-negative ints (XOR of ``b << j`` over set bits ``j`` of ``a``)."""
    r = 0
    while a:
        low = a & -a
        r ^= b << (low.bit_length() - 1)
        a ^= low
    return r


class F2:
    """NVlabs CuTe's XOR stride ``F2(v)``: coordinate ``c`` of its mode contributes the
    carry-less product ``c (x) v`` and contributions combine by XOR (a swizzle is a layout
    with ``F2`` strides).

    >>> CuteLayout((8, 8), (F2(1), F2(9)))(9)     # (1, 1) -> 1 ^ 9
    8
    """

    __slots__ = ("value",)

    def __init__(self, value: int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >> _MAX_BITS:
            raise LayoutError(f"F2 value: expected an int in [0, 2**{_MAX_BITS}), got {value!r}")
        object.__setattr__(self, "value", value)

    def __setattr__(self, k, v):
        raise AttributeError("F2 is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F2) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("F2", self.value))

    def __repr__(self) -> str:
        return f"F2({self.value})"

    def __mul__(self, other: object) -> ScaledBasis:
        if isinstance(other, ScaledBasis) and other.value == 1:
            return ScaledBasis(self, other.path)
        return NotImplemented


class ScaledBasis:
    """``value * E(path)``: a stride into coordinate ``path`` of a coordinate codomain
    (CuTe's ``E<i>`` / ``ScaledBasis``; ``E(1, 1)`` is mode 1 of mode 1).

    >>> CuteLayout((4, 8), (E(1), E(0)))(5)        # (1, 1) -> (1, 1)
    (1, 1)
    >>> 2 * E(1)
    2*E(1)
    """

    __slots__ = ("value", "path")

    def __init__(self, value: int | F2, path: tuple[int, ...]):
        if isinstance(value, bool) or not isinstance(value, (int, F2)):
            raise LayoutError(f"E stride value: expected an int or F2, got {value!r}")
        if isinstance(value, int) and (value < 0 or value >> _MAX_BITS):
            raise LayoutError(f"E stride value: expected an int in [0, 2**{_MAX_BITS}), got {value}")
        path = tuple(path)
        if (
            not path
            or len(path) > _MAX_DEPTH
            or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 64 for i in path)
        ):
            raise LayoutError(f"E(...): expected 1..{_MAX_DEPTH} mode indices in 0..63, got {path!r}")
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "path", path)

    def __setattr__(self, k, v):
        raise AttributeError("ScaledBasis is immutable")

    def __rmul__(self, k: object) -> ScaledBasis:
        if isinstance(k, bool) or not isinstance(k, int) or not isinstance(self.value, int):
            return NotImplemented
        return ScaledBasis(k * self.value, self.path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScaledBasis) and (other.value, other.path) == (self.value, self.path)

    def __hash__(self) -> int:
        return hash(("E", self.value, self.path))

    def __repr__(self) -> str:
        e = "E(" + ",".join(map(str, self.path)) + ")"
        return e if self.value == 1 else f"{self.value!r}*{e}"


def E(*path: int) -> ScaledBasis:
    """CuTe's basis stride ``E<path...>``: unit step along coordinate ``path``."""
    return ScaledBasis(1, path)


Stride = int | F2 | ScaledBasis


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
        """The source bits of the swizzle."""
        return ((1 << self.bits) - 1) << (self.base + max(self.shift, 0))

    @property
    def zzz_mask(self) -> int:
        """The bits the swizzle XORs into."""
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
        stride = (
            _compact_col_major(shape) if stride is None else _to_int_tuple(stride, "stride", strides=True)
        )
        if not _congruent(shape, stride):
            raise LayoutError(f"stride: {_fmt(stride)} does not have the structure of shape {_fmt(shape)}")
        if swizzle is not None and not isinstance(swizzle, Swizzle):
            raise LayoutError(f"swizzle: expected a linlayout.cute.Swizzle, got {swizzle!r}")
        flat = _flatten(stride)
        coord = any(isinstance(d, ScaledBasis) for d in flat)
        if coord and any(not isinstance(d, ScaledBasis) and d not in (0, F2(0)) for d in flat):
            raise LayoutError(
                f"stride: {_fmt(stride)} mixes E(...) coordinate strides with integer offsets; give every "
                "non-zero stride as value*E(i)"
            )
        if coord and swizzle is not None:
            raise LayoutError("swizzle: a swizzle acts on integer offsets, not on E(...) coordinates")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "swizzle", swizzle)

    def __setattr__(self, k, v):
        raise AttributeError("CuteLayout is immutable")

    def modes(self) -> list[tuple[int, int]]:
        """The flattened ``(size, stride)`` modes, first (fastest) first."""
        return list(zip(_flatten(self.shape), _flatten(self.stride)))

    def size(self) -> int:
        """The number of coordinates (product of the mode sizes)."""
        n = 1
        for s, _ in self.modes():
            n *= s
        return n

    def rank(self) -> int:
        """The number of top-level modes."""
        return len(self.shape) if isinstance(self.shape, tuple) else 1

    def __getitem__(self, i: int) -> CuteLayout:
        """Top-level mode ``i`` as a layout (``L[0]`` of a rank-1 layout is itself)."""
        if isinstance(i, bool) or not isinstance(i, int) or not -self.rank() <= i < self.rank():
            raise LayoutError(f"mode: expected an int in [0, {self.rank()}), got {i!r}")
        if self.swizzle is not None:
            raise LayoutError(
                "mode: a swizzled layout has no separate modes; coalesce() it first (F2 strides)"
            )
        if not isinstance(self.shape, tuple):
            return self
        return CuteLayout(self.shape[i], self.stride[i])

    def __call__(self, *coord: Any) -> Any:
        """The value at a flat (colexicographic) index or a (nested) coordinate, with CuTe's
        arithmetic: integer strides add, ``F2`` strides XOR, ``E(i)`` strides build a
        coordinate; as in CuTe the last mode takes every index past the size."""
        c = coord[0] if len(coord) == 1 else coord
        acc: dict[tuple[int, ...], int] = {}
        xor: dict[tuple[int, ...], int] = {}
        for (_, d), x in zip(self.modes(), _flat_coord(self.shape, c)):
            path, v = (d.path, d.value) if isinstance(d, ScaledBasis) else ((), d)
            if isinstance(v, F2):
                xor[path] = xor.get(path, 0) ^ clmul(x, v.value)
            else:
                acc[path] = acc.get(path, 0) + x * v
        vals = {p: acc.get(p, 0) ^ xor.get(p, 0) for p in set(acc) | set(xor)}
        if not any(isinstance(d, ScaledBasis) for d in _flatten(self.stride)):
            off = vals.get((), 0)
            return self.swizzle(off) if self.swizzle else off
        return _coord_value({p: v for p, v in vals.items() if p})

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


def _to_int_tuple(x: Any, what: str, depth: int = 0, strides: bool = False) -> Any:
    """A validated nested tuple of ints (and, for strides, F2 / E values)."""
    if depth > _MAX_DEPTH:
        raise LayoutError(f"{what}: nested more than {_MAX_DEPTH} levels deep")
    if isinstance(x, bool):
        raise LayoutError(f"{what}: expected ints or nested tuples of ints, got {x!r}")
    if isinstance(x, int):
        if x < 0:
            raise LayoutError(f"{what}: negative values are not supported, got {x}")
        if x >> _MAX_BITS:
            raise LayoutError(f"{what}: {x.bit_length()}-bit value; at most {_MAX_BITS} bits are supported")
        return x
    if strides and isinstance(x, (F2, ScaledBasis)):
        return x
    if isinstance(x, (list, tuple)):
        if not x:
            raise LayoutError(f"{what}: empty tuple")
        return tuple(_to_int_tuple(e, what, depth + 1, strides) for e in x)
    kinds = "ints, F2(v), v*E(i) or nested tuples of them" if strides else "ints or nested tuples of ints"
    raise LayoutError(f"{what}: expected {kinds}, got {type(x).__name__} {x!r}")


def _flat_coord(shape: IntTuple, c: Any) -> list[int]:
    """Per flat mode coordinates of an index or nested coordinate (colexicographic; the
    last mode of each int's sub-shape is unbounded, as in CuTe)."""
    if isinstance(c, bool) or not isinstance(c, (int, tuple, list)):
        raise LayoutError(f"coordinate: expected an int or a tuple of ints, got {c!r}")
    if isinstance(c, int):
        if c < 0:
            raise LayoutError(f"coordinate: negative index {c}")
        sizes = _flatten(shape)
        out = []
        for s in sizes[:-1]:
            out.append(c % s)
            c //= s
        out.append(c)
        return out
    if isinstance(shape, int) or len(c) != len(shape):
        raise LayoutError(f"coordinate: {c!r} does not match shape {_fmt(shape)}")
    return [x for sh, cc in zip(shape, c) for x in _flat_coord(sh, cc)]


def _coord_value(vals: dict[tuple[int, ...], int]) -> Any:
    """The nested coordinate holding ``vals[path]`` at each path (0 elsewhere)."""
    if () in vals:
        return vals[()]
    if not vals:
        return 0
    top = max(p[0] for p in vals) + 1
    return tuple(_coord_value({p[1:]: v for p, v in vals.items() if p[0] == k}) for k in range(top))


def _flatten(t: Any) -> list[Any]:
    """The leaves of a nested tuple, in order."""
    if not isinstance(t, tuple):
        return [t]
    out: list[int] = []
    for e in t:
        out.extend(_flatten(e))
    return out


def _congruent(a: IntTuple, b: IntTuple) -> bool:
    """Whether two nested tuples have the same structure."""
    if not isinstance(a, tuple) or not isinstance(b, tuple):
        return not isinstance(a, tuple) and not isinstance(b, tuple)
    return len(a) == len(b) and all(_congruent(x, y) for x, y in zip(a, b))


def _compact_col_major(shape: IntTuple) -> IntTuple:
    """CuTe's compact column-major strides of ``shape``."""
    acc = [1]

    def rec(s):
        if isinstance(s, int):
            d = acc[0]
            acc[0] *= s
            return d
        return tuple(rec(e) for e in s)

    return rec(shape)


def _fmt(t: Any) -> str:
    """CuTe's printed form of a nested tuple."""
    if isinstance(t, tuple):
        return "(" + ",".join(_fmt(e) for e in t) + ")"
    return repr(t) if isinstance(t, (F2, ScaledBasis)) else str(t)


# --------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"\s*(?:(Sw<\s*-?\d+\s*,\s*-?\d+\s*,\s*-?\d+\s*>)|(_?-?\d+)|([(),:*])|(o\b)"
    r"|(F2\(\s*\d+\s*\))|(E\(\s*\d+(?:\s*,\s*\d+)*\s*\)))"
)
_MAX_DIGITS = 20


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
        kind = ("sw", "int", "punct", "o", "f2", "e")[m.lastindex - 1]
        val = m.group(m.lastindex).replace(" ", "")
        if kind == "int" and len(val.lstrip("_-")) > _MAX_DIGITS:
            p = m.start(m.lastindex)
            raise LayoutError(
                f"text: a {len(val)}-digit number at {p}; values have at most {_MAX_BITS} bits "
                f"({_MAX_DIGITS} digits)"
            )
        toks.append((kind, val, m.start(m.lastindex)))
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

    def e_after_star(v: int | F2) -> Any:
        nonlocal k
        if k < len(toks) and toks[k][1] == "*":
            k += 1
            if k >= len(toks) or toks[k][0] != "e":
                raise err("expected E(...) after '*'")
            path = tuple(int(x) for x in toks[k][1][2:-1].split(","))
            k += 1
            try:
                return ScaledBasis(v, path)
            except LayoutError as e:
                raise err(str(e)) from None
        return v

    def int_tuple(depth: int, strides: bool = False) -> Any:
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
            if v >> _MAX_BITS:
                raise err(f"more than {_MAX_BITS} bits")
            return e_after_star(v) if strides else v
        if strides and kind == "f2":
            k += 1
            try:
                f = F2(int(val[3:-1]))
            except LayoutError as e:
                raise err(str(e)) from None
            return e_after_star(f)
        if strides and kind == "e":
            k += 1
            try:
                return ScaledBasis(1, tuple(int(x) for x in val[2:-1].split(",")))
            except LayoutError as e:
                raise err(str(e)) from None
        if val == "(":
            k += 1
            items = [int_tuple(depth + 1, strides)]
            while k < len(toks) and toks[k][1] == ",":
                k += 1
                items.append(int_tuple(depth + 1, strides))
            expect(")")
            return tuple(items)
        raise err("expected an int or '('" + (", F2(v) or E(i)" if strides else ""))

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
    stride = int_tuple(0, strides=True)
    if k != len(toks):
        raise err("trailing text")
    return CuteLayout(shape, stride, swz)
