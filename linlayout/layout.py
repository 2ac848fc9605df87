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

import operator
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain as _chain
from typing import Any

from . import _gf2
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

MAX_BITS = 64
MAX_TABLE_BITS = 28  # to_table() refuses more than 2**28 rows (2 GiB of int64 per out dim)
MAX_TABLE_BYTES = 2 << 30  # ... and more than 2 GiB in all (rows x out dims x 8 bytes)


# --------------------------------------------------------------------------- helpers


def _log2_of_size(size: Any, what: str) -> int:
    if isinstance(size, bool):
        raise LayoutError(f"{what}: expected a power-of-two int, got {size!r}")
    try:
        n = operator.index(size)
    except TypeError:
        raise LayoutError(
            f"{what}: expected a power-of-two int, got {type(size).__name__} {size!r}"
        ) from None
    if n <= 0 or n & (n - 1):
        raise LayoutError(f"{what}: expected a power of two, got {n}")
    k = n.bit_length() - 1
    if k > MAX_BITS:
        raise LayoutError(f"{what}: {n} is larger than 2**{MAX_BITS}")
    return k


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise LayoutError(f"{what}: expected a non-empty str dimension name, got {name!r}")
    return name


def _as_int(x: Any, what: str) -> int:
    if isinstance(x, bool):
        raise LayoutError(f"{what}: expected an int, got {x!r}")
    try:
        return operator.index(x)
    except TypeError:
        raise LayoutError(f"{what}: expected an int, got {type(x).__name__} {x!r}") from None


def _offsets(outlog: Sequence[int]) -> list[int]:
    offs = []
    o = 0
    for w in outlog:
        offs.append(o)
        o += w
    return offs


def _unpack(v: int, offs: Sequence[int], outlog: Sequence[int]) -> list[int]:
    return [(v >> o) & ((1 << w) - 1) for o, w in zip(offs, outlog)]


def _make_repacker(fields: list[tuple[int, int, int]]):
    """Return f(v) moving bit fields: (src_off, width, dst_off) for each field."""
    if all(s == d for s, _, d in fields):
        return None
    spec = [(s, (1 << w) - 1, d) for s, w, d in fields if w]

    def repack(v: int) -> int:
        r = 0
        for s, m, d in spec:
            r |= ((v >> s) & m) << d
        return r

    return repack


def supremum(x: Sequence[str], y: Sequence[str]) -> list[str]:
    """Merge two ordered name lists keeping each one's relative order (Triton's
    ``supremum``); ties prefer ``x``.  Raises LayoutError when the orders conflict.

    >>> supremum(["a", "b"], ["b", "c"])
    ['a', 'b', 'c']
    """
    x = _name_list(x, "x")
    y = _name_list(y, "y")
    xs, ys = set(x), set(y)
    res: list[str] = []
    seen: set[str] = set()
    i = j = 0
    while i < len(x) or j < len(y):
        if i < len(x) and x[i] in seen:
            i += 1
            continue
        if j < len(y) and y[j] in seen:
            j += 1
            continue
        if i == len(x):
            pick = y[j]
        elif j == len(y):
            pick = x[i]
        elif x[i] == y[j]:
            pick = x[i]
        elif x[i] not in ys:
            pick = x[i]
        elif y[j] not in xs:
            pick = y[j]
        else:
            raise LayoutError(
                f"dimension orders {list(x)} and {list(y)} conflict: {x[i]!r} and {y[j]!r} appear in "
                "opposite orders; transpose one layout's dims first"
            )
        res.append(pick)
        seen.add(pick)
    return res


# --------------------------------------------------------------------------- the class


class LinearLayout:
    """An immutable linear map over GF(2) from named input dims to named output dims.

    Build one with :meth:`from_bases`, :meth:`identity`, :meth:`zeros`,
    :meth:`strided` or :meth:`empty`, or with ``*`` from smaller ones::

        >>> L = LinearLayout.identity("lane", 4, "dim0") * LinearLayout.identity("warp", 2, "dim0")
        >>> L.in_dims, L.out_dims
        ({'lane': 4, 'warp': 2}, {'dim0': 8})
    """

    __slots__ = (
        "_ins", "_bases", "_outs", "_outlog", "_rank", "_hash", "_ap", "_flat", "_pos", "__weakref__"
    )

    # ------------------------------------------------------------------ construction

    @classmethod
    def _new(cls, ins, bases, outs, outlog) -> LinearLayout:
        # Built as a _Builder (plain attribute sets), then given its real class: half
        # the cost of six slot-descriptor calls, and every layout op ends here.
        self = _object_new(_Builder)
        self._ins = ins
        self._bases = bases
        self._outs = outs
        self._outlog = outlog
        self._rank = None
        self._hash = None
        self._ap = None  # apply() closure
        self._flat = None  # flat bases + [0], for compose
        self._pos = None  # unit-basis bit positions, for compose
        self.__class__ = cls
        return self

    def __init__(self, *args, **kwargs):
        raise LayoutError(
            "LinearLayout(): use LinearLayout.from_bases(bases, out_dims), .identity(), .zeros(), "
            ".strided() or .empty() to build a layout"
        )

    def __setattr__(self, name, value):
        raise AttributeError("LinearLayout is immutable")

    def __delattr__(self, name):
        raise AttributeError("LinearLayout is immutable")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_rebuild, (self._ins, self._bases, self._outs, self._outlog))

    @classmethod
    def from_bases(
        cls,
        bases: Mapping[str, Sequence[Sequence[int]]] | Sequence[tuple[str, Sequence[Sequence[int]]]],
        out_dims: Mapping[str, int] | Sequence[tuple[str, int]] | Sequence[str],
        *,
        require_surjective: bool = True,
    ) -> LinearLayout:
        """Build a layout from explicit bases.

        ``bases`` maps each in-dim (in order) to its list of basis vectors, one int per
        out dim.  ``out_dims`` is ``{name: size}``, a sequence of ``(name, size)``
        pairs, or a sequence of names whose sizes are inferred (the smallest power of
        two strictly greater than every component of that dim, as Triton does).

        >>> LinearLayout.from_bases({"offset": [[1], [2], [0]]}, ["dim0"]).out_dims
        {'dim0': 4}
        """
        if isinstance(bases, Mapping):
            items = list(bases.items())
        elif isinstance(bases, (list, tuple)):
            items = []
            for k, it in enumerate(bases):
                if not isinstance(it, (list, tuple)) or len(it) != 2:
                    raise LayoutError(f"bases[{k}]: expected an (in_dim, [basis, ...]) pair, got {it!r}")
                items.append(tuple(it))
        else:
            raise LayoutError(
                f"bases: expected a mapping {{in_dim: [[int per out dim], ...]}}, got {type(bases).__name__}"
            )
        if not isinstance(require_surjective, bool):
            raise LayoutError(f"require_surjective: expected a bool, got {require_surjective!r}")

        # out dims
        names: list[str]
        sizes: list[int] | None
        if isinstance(out_dims, Mapping):
            names = [_check_name(n, "out_dims") for n in out_dims]
            sizes = [out_dims[n] for n in names]
        elif isinstance(out_dims, (list, tuple)):
            if all(isinstance(n, str) for n in out_dims):
                names = list(out_dims)
                sizes = None
            else:
                names, sizes = [], []
                for k, p in enumerate(out_dims):
                    if not isinstance(p, (list, tuple)) or len(p) != 2:
                        raise LayoutError(
                            f"out_dims[{k}]: expected a (name, size) pair or all names, got {p!r}"
                        )
                    names.append(_check_name(p[0], f"out_dims[{k}]"))
                    sizes.append(p[1])
        else:
            raise LayoutError(
                f"out_dims: expected {{name: size}}, [(name, size), ...] or [name, ...], got "
                f"{type(out_dims).__name__}"
            )
        for n in names:
            _check_name(n, "out_dims")
        if len(set(names)) != len(names):
            raise LayoutError(f"out_dims: duplicate names in {names}")
        nout = len(names)

        ins: list[str] = []
        raw: list[list[list[int]]] = []
        for name, bl in items:
            _check_name(name, "bases")
            if name in ins:
                raise LayoutError(f"bases: in-dim {name!r} appears twice")
            if not isinstance(bl, (list, tuple)):
                raise LayoutError(
                    f"bases[{name!r}]: expected a list of basis vectors, got {type(bl).__name__}"
                )
            if len(bl) > MAX_BITS:
                raise LayoutError(f"bases[{name!r}]: {len(bl)} bases is more than {MAX_BITS} bits")
            rows = []
            for i, b in enumerate(bl):
                if not isinstance(b, (list, tuple)):
                    raise LayoutError(
                        f"bases[{name!r}][{i}]: expected a list of {nout} ints (one per out dim), got {b!r}"
                    )
                if len(b) != nout:
                    raise LayoutError(
                        f"bases[{name!r}][{i}]: expected {nout} components (one per out dim {names}), "
                        f"got {len(b)}"
                    )
                row = [_as_int(c, f"bases[{name!r}][{i}]") for c in b]
                for c in row:
                    if c < 0:
                        raise LayoutError(f"bases[{name!r}][{i}]: components must be >= 0, got {row}")
                rows.append(row)
            ins.append(name)
            raw.append(rows)

        if sizes is None:
            outlog = []
            for k in range(nout):
                m = 0
                for rows in raw:
                    for r in rows:
                        if r[k] > m:
                            m = r[k]
                outlog.append(m.bit_length())  # smallest 2^w strictly greater than m
                if outlog[-1] > MAX_BITS:
                    raise LayoutError(f"bases: component {m} of out dim {names[k]!r} exceeds 2**{MAX_BITS}")
        else:
            outlog = [_log2_of_size(s, f"out_dims[{n!r}]") for n, s in zip(names, sizes)]
        if sum(outlog) > MAX_BITS:
            raise LayoutError(
                f"out_dims: {sum(outlog)} output bits in total; at most {MAX_BITS} are supported"
            )
        if sum(len(r) for r in raw) > MAX_BITS:
            raise LayoutError(
                f"bases: {sum(len(r) for r in raw)} input bits in total; at most {MAX_BITS} are supported"
            )

        offs = _offsets(outlog)
        packed = []
        for name, rows in zip(ins, raw):
            pk = []
            for i, r in enumerate(rows):
                v = 0
                for k, c in enumerate(r):
                    if c >> outlog[k]:
                        raise LayoutError(
                            f"bases[{name!r}][{i}]: component {c} of out dim {names[k]!r} is not below "
                            f"its size {1 << outlog[k]}"
                        )
                    v |= c << offs[k]
                pk.append(v)
            packed.append(tuple(pk))
        L = cls._new(tuple(ins), tuple(packed), tuple(names), tuple(outlog))
        if require_surjective and not L.is_surjective():
            raise LayoutError(
                "bases: the layout is not surjective (some output coordinate is never reached; rank "
                f"{L.rank()} < {L.total_out_bits} output bits); pass require_surjective=False to allow "
                f"it:{L}"
            )
        return L

    @classmethod
    def empty(cls) -> LinearLayout:
        """The layout with no dims (the identity of ``*``)."""
        return cls._new((), (), (), ())

    @classmethod
    def strided(cls, in_dim: str, size: int, stride: int, out_dim: str) -> LinearLayout:
        """``in -> in * stride`` on ``size`` inputs; the out size is ``size * stride``.

        >>> LinearLayout.strided("lane", 4, 2, "dim0").bases
        {'lane': [[2], [4]]}
        """
        _check_name(in_dim, "in_dim")
        _check_name(out_dim, "out_dim")
        k = _log2_of_size(size, "size")
        s = _log2_of_size(stride, "stride")
        if k + s > MAX_BITS:
            raise LayoutError(f"size*stride: {size}*{stride} exceeds 2**{MAX_BITS}")
        return cls._new((in_dim,), (tuple(1 << (s + i) for i in range(k)),), (out_dim,), (k + s,))

    @classmethod
    def identity(cls, in_dim: str, size: int, out_dim: str) -> LinearLayout:
        """``in -> in`` on ``size`` inputs (Triton ``identity1D``)."""
        return cls.strided(in_dim, size, 1, out_dim)

    @classmethod
    def zeros(cls, in_dim: str, size: int, out_dim: str, out_size: int = 1) -> LinearLayout:
        """Every input maps to 0 (a broadcast); the out dim has ``out_size``."""
        _check_name(in_dim, "in_dim")
        _check_name(out_dim, "out_dim")
        k = _log2_of_size(size, "size")
        o = _log2_of_size(out_size, "out_size")
        return cls._new((in_dim,), ((0,) * k,), (out_dim,), (o,))

    # ------------------------------------------------------------------ queries

    @property
    def bases(self) -> dict[str, list[list[int]]]:
        """``{in_dim: [[component per out dim], ...]}`` (a fresh copy)."""
        offs = _offsets(self._outlog)
        return {n: [_unpack(v, offs, self._outlog) for v in bl] for n, bl in zip(self._ins, self._bases)}

    @property
    def in_dims(self) -> dict[str, int]:
        """``{in_dim: size}`` in order."""
        return {n: 1 << len(b) for n, b in zip(self._ins, self._bases)}

    @property
    def out_dims(self) -> dict[str, int]:
        """``{out_dim: size}`` in order."""
        return {n: 1 << w for n, w in zip(self._outs, self._outlog)}

    @property
    def in_dim_names(self) -> list[str]:
        return list(self._ins)

    @property
    def out_dim_names(self) -> list[str]:
        return list(self._outs)

    @property
    def total_in_bits(self) -> int:
        return sum(len(b) for b in self._bases)

    @property
    def total_out_bits(self) -> int:
        return sum(self._outlog)

    @property
    def total_in_size(self) -> int:
        return 1 << self.total_in_bits

    @property
    def total_out_size(self) -> int:
        return 1 << self.total_out_bits

    @property
    def num_in_dims(self) -> int:
        return len(self._ins)

    @property
    def num_out_dims(self) -> int:
        return len(self._outs)

    def has_in_dim(self, name: str) -> bool:
        return name in self._ins

    def has_out_dim(self, name: str) -> bool:
        return name in self._outs

    def _in_index(self, name: Any, what: str = "in_dim") -> int:
        try:
            return self._ins.index(name)
        except ValueError:
            raise LayoutError(
                f"{what}: {name!r} is not an in-dim of this layout ({list(self._ins)})"
            ) from None

    def _out_index(self, name: Any, what: str = "out_dim") -> int:
        try:
            return self._outs.index(name)
        except ValueError:
            raise LayoutError(
                f"{what}: {name!r} is not an out-dim of this layout ({list(self._outs)})"
            ) from None

    def in_dim_size(self, name: str) -> int:
        return 1 << len(self._bases[self._in_index(name)])

    def in_dim_size_log2(self, name: str) -> int:
        return len(self._bases[self._in_index(name)])

    def out_dim_size(self, name: str) -> int:
        return 1 << self._outlog[self._out_index(name)]

    def out_dim_size_log2(self, name: str) -> int:
        return self._outlog[self._out_index(name)]

    def get_basis(self, in_dim: str, i: int) -> list[int]:
        """Basis ``i`` of ``in_dim`` as a list with one component per out dim."""
        bl = self._bases[self._in_index(in_dim)]
        i = _as_int(i, "i")
        if not 0 <= i < len(bl):
            raise LayoutError(f"i: in-dim {in_dim!r} has {len(bl)} bases, got index {i}")
        return _unpack(bl[i], _offsets(self._outlog), self._outlog)

    def _flat_bases(self) -> list[int]:
        out: list[int] = []
        for bl in self._bases:
            out.extend(bl)
        return out

    def rank(self) -> int:
        """Rank of the layout's matrix over GF(2)."""
        r = self._rank
        if r is None:
            r = _gf2.rank(self._flat_bases())
            _set_rank(self, r)
        return r

    def is_surjective(self) -> bool:
        """Every output is reached (rank == total out bits)."""
        return self.rank() == self.total_out_bits

    def is_injective(self) -> bool:
        """No two inputs give the same output (rank == total in bits)."""
        return self.rank() == self.total_in_bits

    def is_invertible(self) -> bool:
        """Surjective and as many inputs as outputs."""
        return self.total_in_bits == self.total_out_bits and self.is_surjective()

    # ------------------------------------------------------------------ evaluation

    def apply(self, **ins: int) -> dict[str, int]:
        """The output for the given inputs (missing in-dims are 0).

        >>> LinearLayout.identity("lane", 32, "dim0").apply(lane=5)
        {'dim0': 5}
        """
        f = self._ap  # None, a call count, or (after _TABLE_AFTER calls) a table closure
        if f is not None and f.__class__ is not int:
            r = f(ins)
            if r is not None:
                return r
        else:
            _count_apply(self, f)
        return self._apply_checked(ins)

    def _apply_checked(self, ins: dict) -> dict[str, int]:
        """``apply`` with full argument checking (LayoutError naming the bad argument)."""
        v = 0
        names = self._ins
        for name, x in ins.items():
            try:
                k = names.index(name)
            except ValueError:
                raise LayoutError(f"{name}: not an in-dim of this layout ({list(names)})") from None
            if type(x) is not int:
                x = _as_int(x, name)
            bl = self._bases[k]
            if x < 0 or x >> len(bl):
                raise LayoutError(f"{name}: value {x} is outside [0, {1 << len(bl)})")
            while x:
                low = x & -x
                v ^= bl[low.bit_length() - 1]
                x ^= low
        out = {}
        o = 0
        for n, w in zip(self._outs, self._outlog):
            out[n] = (v >> o) & ((1 << w) - 1)
            o += w
        return out

    __call__ = apply

    def apply_flat(self, x: int) -> int:
        """Apply to a flattened input index (first in-dim most minor); returns the
        flattened output index (first out-dim most minor)."""
        v = 0
        flat = self._flat_bases()
        x = _as_int(x, "x")
        if x < 0 or x >> len(flat):
            raise LayoutError(f"x: value {x} is outside [0, {1 << len(flat)})")
        while x:
            low = x & -x
            v ^= flat[low.bit_length() - 1]
            x ^= low
        return v

    def to_table(self):
        """All outputs as a numpy array of shape ``(total in size, num out dims)``;
        row = flattened input (first in-dim most minor).

        >>> LinearLayout.identity("lane", 4, "dim0").to_table().ravel().tolist()
        [0, 1, 2, 3]
        """
        import numpy as np

        self._check_table_size()
        flat = self._flat_bases()
        n = len(self._outs)
        # one row per out dim, filled by doubling (row[2^i : 2^(i+1)] = row[:2^i] ^ basis_i),
        # returned transposed: shape (inputs, out dims)
        out = np.empty((n, 1 << len(flat)), dtype=np.int64)
        o = 0
        for k, w in enumerate(self._outlog):
            row = out[k]
            row[0] = 0
            mask = (1 << w) - 1
            size = 1
            for b in flat:
                np.bitwise_xor(row[:size], (b >> o) & mask, out=row[size : 2 * size])
                size *= 2
            o += w
        return out.T

    def to_flat_table(self):
        """Like :meth:`to_table` but each output flattened to one int (first out dim most minor)."""
        import numpy as np

        self._check_table_size(1, self.total_out_bits)
        flat = self._flat_bases()
        t = np.empty(1 << len(flat), dtype=np.uint64)
        t[0] = 0
        size = 1
        for b in flat:
            np.bitwise_xor(t[:size], np.uint64(b), out=t[size : 2 * size])
            size *= 2
        return t

    def _check_table_size(self, columns: int | None = None, value_bits: int | None = None) -> None:
        """LayoutError before allocating a table that is too large or whose values overflow."""
        if self.total_in_bits > MAX_TABLE_BITS:
            raise LayoutError(
                f"layout: a table of 2**{self.total_in_bits} inputs is too large (limit 2**{MAX_TABLE_BITS} "
                "input bits); evaluate points with apply() or restrict with sublayout()"
            )
        cols = len(self._outs) if columns is None else columns
        nbytes = 8 * max(cols, 1) << self.total_in_bits
        if nbytes > MAX_TABLE_BYTES:
            raise LayoutError(
                f"layout: a table of 2**{self.total_in_bits} inputs x {cols} out dims takes "
                f"{nbytes >> 20} MiB (limit {MAX_TABLE_BYTES >> 20} MiB); evaluate points with apply() "
                "or restrict with sublayout()"
            )
        widest = max(self._outlog, default=0) if value_bits is None else value_bits
        limit = 63 if value_bits is None else 64
        if widest > limit:
            raise LayoutError(
                f"layout: outputs of {widest} bits do not fit the table's {limit + (value_bits is None)}-bit "
                f"integers (limit {limit} bits); use apply() for wider outputs"
            )

    def matrix(self) -> list[list[int]]:
        """The 0/1 matrix: rows = out bits (out dims in order, LSB first), columns = in
        bits (in dims in order, LSB first), as Triton's ``getMatrix``."""
        flat = self._flat_bases()
        return [[(c >> r) & 1 for c in flat] for r in range(self.total_out_bits)]

    def to_galois(self):
        """The matrix as a ``galois.GF2`` array (rows = out bits, columns = in bits)."""
        import galois
        import numpy as np

        m = np.array(self.matrix(), dtype=np.uint8).reshape(self.total_out_bits, self.total_in_bits)
        return galois.GF2(m)

    # ------------------------------------------------------------------ equality, printing

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearLayout):
            return NotImplemented
        return (
            self._ins == other._ins
            and self._bases == other._bases
            and self._outs == other._outs
            and self._outlog == other._outlog
        )

    def __ne__(self, other: object) -> bool:
        r = self.__eq__(other)
        return r if r is NotImplemented else not r

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash((self._ins, self._bases, self._outs, self._outlog))
            _set_hash(self, h)
        return h

    def equal_ignoring_out_dim_sizes(self, other: LinearLayout) -> bool:
        """Same dims (in order) and same basis components, whatever the out sizes."""
        _check_layout(other, "other")
        if self._ins != other._ins or self._outs != other._outs:
            return False
        return self.bases == other.bases

    def __str__(self) -> str:
        if not self._ins:
            if not self._outs:
                return "\n(empty layout)"
            return f"\n(empty layout with out-dims {self._out_dims_str()})"
        lines = [""]
        offs = _offsets(self._outlog)
        for name, bl in zip(self._ins, self._bases):
            if not bl:
                lines.append(f" - {name} is a size 1 dimension")
                continue
            for i, v in enumerate(bl):
                comps = ", ".join(str(c) for c in _unpack(v, offs, self._outlog))
                lead = " - " if i == 0 else "   "
                lines.append(f"{lead}{name}={1 << i} -> ({comps})")
        lines.append(f"where out dims are: {self._out_dims_str()}")
        return "\n".join(lines)

    def _out_dims_str(self) -> str:
        return "[" + ", ".join(f"{n} (size {1 << w})" for n, w in zip(self._outs, self._outlog)) + "]"

    def __repr__(self) -> str:
        surj = "" if self.is_surjective() else ", require_surjective=False"
        return f"LinearLayout.from_bases({self.bases!r}, {self.out_dims!r}{surj})"

    # ------------------------------------------------------------------ algebra

    def __mul__(self, other: LinearLayout) -> LinearLayout:
        """Direct product ``self * other`` (Triton ``operator*``): in and out dims merged
        by :func:`supremum`; ``other``'s bases come after ``self``'s and its out
        coordinates are shifted above ``self``'s (self is the minor part).

        >>> (LinearLayout.identity("i", 4, "o") * LinearLayout.identity("i", 2, "o")).bases
        {'i': [[1], [2], [4]]}
        """
        if type(other) is not LinearLayout:
            if not isinstance(other, LinearLayout):
                raise LayoutError(
                    f"other: expected a LinearLayout to multiply with, got {type(other).__name__}"
                )
        key = (self._ins, self._outs, self._outlog, other._ins, other._outs, other._outlog)
        plan = _MUL_PLANS.get(key)
        if plan is None:
            plan = _mul_plan(self, other)
            if len(_MUL_PLANS) >= 4096:
                _MUL_PLANS.clear()
            _MUL_PLANS[key] = plan
        ins, outs, outlog, ra, rb, steps = plan
        ab, bb = self._bases, other._bases
        res = []
        total = 0
        for i, j in steps:
            x = ab[i] if i >= 0 else ()
            if ra is not None and x:
                x = _repack_fields(x, ra)
            if j >= 0:
                y = bb[j]
                if y:
                    x = x + (_repack_fields(y, rb) if rb is not None else y)
            total += len(x)
            res.append(x)
        if total > MAX_BITS:
            raise LayoutError(f"other: the product has {total} input bits; at most {MAX_BITS}")
        return LinearLayout._new(ins, tuple(res), outs, outlog)

    def __rmul__(self, other: Any) -> LinearLayout:
        raise LayoutError(f"other: expected a LinearLayout to multiply with, got {type(other).__name__}")

    def compose(self, outer: LinearLayout) -> LinearLayout:
        """``outer ∘ self``: apply self, then outer.  ``self``'s out dims must be
        ``outer``'s in dims (as sets) with sizes no larger.

        >>> a = LinearLayout.identity("x", 4, "y")
        >>> b = LinearLayout.from_bases({"y": [[2], [1]]}, ["z"])
        >>> a.compose(b).bases
        {'x': [[2], [1]]}
        """
        if type(outer) is not LinearLayout:
            _check_layout(outer, "outer")
        if self._outs == outer._ins and tuple(map(len, outer._bases)) == self._outlog:
            m = outer._flat
            if m is None:
                m = _flat_with_zero(outer)
            pos = self._pos
            if pos is None:
                pos = _unit_positions(self)
            if pos:  # every basis of self is 0 or one bit: compose is pure indexing
                g = m.__getitem__
                res = tuple([tuple(map(g, p)) for p in pos])
                return LinearLayout._new(self._ins, res, outer._outs, outer._outlog)
        else:
            if set(self._outs) != set(outer._ins) or len(self._outs) != len(outer._ins):
                raise LayoutError(
                    f"outer: its in-dims {list(outer._ins)} must be this layout's out-dims {list(self._outs)}"
                )
            obases = dict(zip(outer._ins, outer._bases))
            m = []
            for o, w in zip(self._outs, self._outlog):
                bl = obases[o]
                if w > len(bl):
                    raise LayoutError(
                        f"outer: out-dim {o!r} has size {1 << w} here but outer's in-dim {o!r} only "
                        f"{1 << len(bl)}"
                    )
                m.extend(bl[:w])
        res = []
        for bl in self._bases:
            nb = []
            for x in bl:
                if x & (x - 1):
                    v = 0
                    while x:
                        low = x & -x
                        v ^= m[low.bit_length() - 1]
                        x ^= low
                    nb.append(v)
                else:
                    nb.append(m[x.bit_length() - 1] if x else 0)
            res.append(tuple(nb))
        return LinearLayout._new(self._ins, tuple(res), outer._outs, outer._outlog)

    def invert_and_compose(self, outer: LinearLayout) -> LinearLayout:
        """The layout ``C`` with ``outer(C(x)) == self(x)`` for every input (Triton
        ``invertAndCompose``): self's in-dims to outer's in-dims.

        As in Triton 3.9.0: an in-dim of both layouts whose bases are equal (ignoring
        out-dim sizes) stays the identity when the output bits it reaches are reached by
        no other in-dim of either layout (e.g. a broadcast ``warp``/``block``); every
        other basis is solved with the free variables set to 0, i.e. using only the
        pivot inputs of ``outer`` (each basis of outer, in-dims in order and low bits
        first, that is independent of the earlier ones).  Raises LayoutError when the
        image of self is not inside the image of outer.

        >>> l1 = LinearLayout.from_bases({"in1": [[2], [1], [4]]}, ["out"])
        >>> l2 = LinearLayout.from_bases({"in2": [[4], [1], [2]]}, ["out"])
        >>> l1.invert_and_compose(l2).bases
        {'in1': [[4], [2], [1]]}
        """
        if type(outer) is not LinearLayout:
            _check_layout(outer, "outer")
        B, A = self, outer
        ains, abases, bins, bbases = A._ins, A._bases, B._ins, B._bases
        rb = _repack_outs_into(B, A)
        if rb is not None:
            bbases = tuple(tuple(rb(v) for v in bl) for bl in bbases)
        ident = None
        for d, bl in zip(bins, bbases):
            if bl and d in ains:  # a shared dim without bases adds nothing either way
                ident = _identity_dims(ains, abases, bins, bbases)
                break
        # Columns of outer (identity dims zeroed: never pivots).  C's packed basis is a
        # bit mask over these columns, i.e. over outer's in-dims in order.
        cols: list[int] = []
        for d, bl in zip(ains, abases):
            cols.extend((0,) * len(bl) if ident and d in ident else bl)
        # Elimination: rows keyed by leading bit, with the combination of (pivot) columns.
        rv: dict[int, int] = {}
        rc: dict[int, int] = {}
        bit = 1
        for c in cols:
            if c:
                comb = bit
                while True:
                    hb = c.bit_length() - 1
                    r = rv.get(hb)
                    if r is None:
                        rv[hb] = c
                        rc[hb] = comb
                        break
                    c ^= r
                    if not c:
                        break
                    comb ^= rc[hb]
            bit <<= 1
        res = []
        for d, bl in zip(bins, bbases):
            if ident and d in ident:
                pos = 0
                for e, abl in zip(ains, abases):
                    if e == d:
                        break
                    pos += len(abl)
                res.append(tuple(1 << (pos + j) for j in range(len(bl))))
                continue
            nb = []
            for t in bl:
                comb = 0
                while t:
                    hb = t.bit_length() - 1
                    r = rv.get(hb)
                    if r is None:
                        raise LayoutError(
                            "outer: the image of this layout is not contained in the image of outer "
                            f"(in-dim {d!r} reaches an output that outer never produces)"
                        )
                    t ^= r
                    comb ^= rc[hb]
                nb.append(comb)
            res.append(tuple(nb))
        return LinearLayout._new(bins, tuple(res), ains, tuple(len(b) for b in abases))

    def pseudo_invert(self) -> LinearLayout:
        """A right inverse on the image: ``self.compose``-able map out-dims -> in-dims
        with ``self(P(y)) == y`` for every ``y`` in the image (Triton ``pseudoinvert``).

        Where the layout is not surjective (Triton aborts) ``P`` sends a complement of
        the image, spanned by the lowest output bits outside it, to 0.
        """
        if not self.is_surjective():
            return self._pseudo_invert_on_image()
        ident = LinearLayout._new(
            self._outs,
            tuple(
                tuple(1 << (o + i) for i in range(w)) for o, w in zip(_offsets(self._outlog), self._outlog)
            ),
            self._outs,
            self._outlog,
        )
        return ident.invert_and_compose(self)

    def _pseudo_invert_on_image(self) -> LinearLayout:
        """``pseudo_invert`` of a non-surjective layout: solve each output bit against
        the layout's columns plus the complement bits, keeping the layout's part."""
        cols = self._flat_bases()
        ncols = len(cols)
        total = self.total_out_bits
        comp = _gf2.complete_basis(cols, total)
        ech = _gf2.Echelon(cols + comp)
        keep = (1 << ncols) - 1
        res = []
        pos = 0
        for w in self._outlog:
            res.append(tuple((ech.solve(1 << (pos + i)) or 0) & keep for i in range(w)))
            pos += w
        return LinearLayout._new(self._outs, tuple(res), self._ins, tuple(len(bl) for bl in self._bases))

    def invert(self) -> LinearLayout:
        """The inverse layout (out-dims -> in-dims).  Raises LayoutError unless the
        layout is invertible (bijective)."""
        if not self.is_invertible():
            raise LayoutError(
                f"layout is not invertible (in bits {self.total_in_bits}, out bits {self.total_out_bits}, "
                f"rank {self.rank()}); use pseudo_invert() for a right inverse"
            )
        return self.pseudo_invert()

    def divide_left(self, divisor: LinearLayout) -> LinearLayout | None:
        """``C`` with ``divisor * C == self``, or ``None`` when there is none."""
        A, B = self, divisor
        clog = _quotient_out_log2(A, divisor)
        if clog is None:
            return None
        blog = dict(zip(B._outs, B._outlog))
        aoffs = _offsets(A._outlog)
        boffs = dict(zip(B._outs, _offsets(B._outlog)))
        bvals = dict(zip(B._ins, B._bases))
        coffs = _offsets(clog)
        res = []
        for d, abl in zip(A._ins, A._bases):
            bbl = bvals.get(d, ())
            if len(bbl) > len(abl):
                return None
            for va, vb in zip(abl, bbl):
                ca = _unpack(va, aoffs, A._outlog)
                for o, x in zip(A._outs, ca):
                    y = (vb >> boffs[o]) & ((1 << blog[o]) - 1) if o in blog else 0
                    if x != y:
                        return None
            nb = []
            for va in abl[len(bbl) :]:
                ca = _unpack(va, aoffs, A._outlog)
                v = 0
                for k, (o, x) in enumerate(zip(A._outs, ca)):
                    s = blog.get(o, 0)
                    if x & ((1 << s) - 1):
                        return None
                    v |= (x >> s) << coffs[k]
                nb.append(v)
            res.append(tuple(nb))
        C = LinearLayout._new(A._ins, tuple(res), A._outs, tuple(clog))
        try:
            ok = B * C == A
        except LayoutError:
            ok = False
        return C if ok else None

    def divide_right(self, divisor: LinearLayout) -> LinearLayout | None:
        """``C`` with ``C * divisor == self``, or ``None`` when there is none."""
        A, B = self, divisor
        clog = _quotient_out_log2(A, divisor)
        if clog is None:
            return None
        aoffs = _offsets(A._outlog)
        coffs = _offsets(clog)
        bvals = dict(zip(B._ins, B._bases))
        res = []
        for d, abl in zip(A._ins, A._bases):
            nb_b = len(bvals.get(d, ()))
            if nb_b > len(abl):
                return None
            nb = []
            for va in abl[: len(abl) - nb_b]:
                ca = _unpack(va, aoffs, A._outlog)
                v = 0
                for k, x in enumerate(ca):
                    if x >> clog[k]:
                        return None
                    v |= x << coffs[k]
                nb.append(v)
            res.append(tuple(nb))
        C = LinearLayout._new(A._ins, tuple(res), A._outs, tuple(clog))
        try:
            ok = C * B == A
        except LayoutError:
            ok = False
        return C if ok else None

    # ------------------------------------------------------------------ sublayouts

    def sublayout(self, in_dims: Iterable[str], out_dims: Iterable[str]) -> LinearLayout:
        """Restrict to the given in-dims (others treated as 0) and out-dims (other
        components dropped), keeping this layout's order and out sizes."""
        ins = _name_set(in_dims, "in_dims")
        outs = _name_set(out_dims, "out_dims")
        for n in ins:
            self._in_index(n, "in_dims")
        for n in outs:
            self._out_index(n, "out_dims")
        keep = [(o, s, w) for o, s, w in zip(self._outs, _offsets(self._outlog), self._outlog) if o in outs]
        new_outs = tuple(o for o, _, _ in keep)
        new_log = tuple(w for _, _, w in keep)
        rp = _make_repacker([(s, w, d) for (_, s, w), d in zip(keep, _offsets(new_log))])
        nins, nb = [], []
        for d, bl in zip(self._ins, self._bases):
            if d in ins:
                nins.append(d)
                if rp is not None:
                    nb.append(tuple(rp(v) for v in bl))
                else:
                    mask = (1 << sum(new_log)) - 1
                    nb.append(tuple(v & mask for v in bl))
        return LinearLayout._new(tuple(nins), tuple(nb), new_outs, new_log)

    def sublayout_is_zero(self, in_dims: Iterable[str], out_dims: Iterable[str]) -> bool:
        """Whether every basis of :meth:`sublayout` ``(in_dims, out_dims)`` is zero."""
        s = self.sublayout(in_dims, out_dims)
        return all(v == 0 for bl in s._bases for v in bl)

    def is_trivial_over(self, dims: Iterable[str]) -> bool:
        """Whether the layout is the identity on ``dims`` (each both an in- and an
        out-dim) and does not mix them with the other dims."""
        ds = _name_set(dims, "dims")
        for d in ds:
            self._in_index(d, "dims")
            self._out_index(d, "dims")
        other_in = [d for d in self._ins if d not in ds]
        other_out = [d for d in self._outs if d not in ds]
        if not self.sublayout(other_in, ds).sublayout_is_zero(other_in, ds):
            return False
        if not self.sublayout(ds, other_out).sublayout_is_zero(ds, other_out):
            return False
        sq = self.sublayout(ds, ds)
        flat = sq._flat_bases()
        if len(flat) != sq.total_out_bits:
            return False
        return all(v == 1 << i for i, v in enumerate(flat))

    def quotient(self, dims: Iterable[str]) -> LinearLayout | None:
        """The layout on the remaining dims when this one is trivial over ``dims``
        (Triton ``quotient``), else ``None``."""
        ds = _name_set(dims, "dims")
        for d in ds:
            if d not in self._ins and d not in self._outs:
                raise LayoutError(
                    f"dims: {d!r} is neither an in-dim ({list(self._ins)}) nor an out-dim "
                    f"({list(self._outs)}) of this layout"
                )
            if d not in self._ins or d not in self._outs:
                return None
        if not self.is_trivial_over(ds):
            return None
        return self.sublayout([d for d in self._ins if d not in ds], [d for d in self._outs if d not in ds])

    # ------------------------------------------------------------------ reshaping

    def reshape_ins(self, new_in_dims: Sequence[tuple[str, int]] | Mapping[str, int]) -> LinearLayout:
        """Deal the flattened bases (in-dims in order) out to new in-dims.

        >>> L = LinearLayout.from_bases({"in1": [[1], [4], [8]], "in2": [[2]]}, ["out"])
        >>> L.reshape_ins([("in3", 2), ("in4", 8)]).bases
        {'in3': [[1]], 'in4': [[4], [8], [2]]}
        """
        pairs = _pairs(new_in_dims, "new_in_dims")
        logs = [_log2_of_size(s, f"new_in_dims[{n!r}]") for n, s in pairs]
        if sum(logs) != self.total_in_bits:
            raise LayoutError(
                f"new_in_dims: sizes multiply to 2**{sum(logs)} but the layout has "
                f"2**{self.total_in_bits} inputs"
            )
        flat = self._flat_bases()
        res, p = [], 0
        for k in logs:
            res.append(tuple(flat[p : p + k]))
            p += k
        return LinearLayout._new(tuple(n for n, _ in pairs), tuple(res), self._outs, self._outlog)

    def reshape_outs(self, new_out_dims: Sequence[tuple[str, int]] | Mapping[str, int]) -> LinearLayout:
        """Flatten the outputs (first out-dim most minor) and split them into new
        out-dims (first new dim most minor)."""
        pairs = _pairs(new_out_dims, "new_out_dims")
        logs = [_log2_of_size(s, f"new_out_dims[{n!r}]") for n, s in pairs]
        if sum(logs) != self.total_out_bits:
            raise LayoutError(
                f"new_out_dims: sizes multiply to 2**{sum(logs)} but the layout has 2**{self.total_out_bits} "
                "outputs"
            )
        return LinearLayout._new(self._ins, self._bases, tuple(n for n, _ in pairs), tuple(logs))

    def flatten_ins(self) -> LinearLayout:
        """One in-dim, named after the first, holding every input bit."""
        if not self._ins:
            return self
        return self.reshape_ins([(self._ins[0], self.total_in_size)])

    def flatten_outs(self) -> LinearLayout:
        """One out-dim, named after the first, holding every output bit."""
        if not self._outs:
            return self
        return self.reshape_outs([(self._outs[0], self.total_out_size)])

    def transpose_ins(self, order: Sequence[str]) -> LinearLayout:
        """Reorder the in-dims (``order`` must name each exactly once)."""
        order = _perm(order, self._ins, "order")
        d = dict(zip(self._ins, self._bases))
        return LinearLayout._new(tuple(order), tuple(d[n] for n in order), self._outs, self._outlog)

    def transpose_outs(self, order: Sequence[str]) -> LinearLayout:
        """Reorder the out-dims (``order`` must name each exactly once)."""
        order = _perm(order, self._outs, "order")
        if tuple(order) == self._outs:
            return self
        log = dict(zip(self._outs, self._outlog))
        off = dict(zip(self._outs, _offsets(self._outlog)))
        newlog = tuple(log[o] for o in order)
        rp = _make_repacker([(off[o], log[o], d) for o, d in zip(order, _offsets(newlog))])
        nb = tuple(tuple(rp(v) for v in bl) for bl in self._bases) if rp else self._bases
        return LinearLayout._new(self._ins, nb, tuple(order), newlog)

    def concat_ins(self, other: LinearLayout) -> LinearLayout:
        """This layout's in-dims followed by ``other``'s (same out-dims and sizes)."""
        _check_layout(other, "other")
        if self._outs != other._outs or self._outlog != other._outlog:
            raise LayoutError(f"other: out-dims {other.out_dims} must equal this layout's {self.out_dims}")
        dup = set(self._ins) & set(other._ins)
        if dup:
            raise LayoutError(f"other: in-dims {sorted(dup)} appear in both layouts")
        if self.total_in_bits + other.total_in_bits > MAX_BITS:
            raise LayoutError(f"other: the result would have more than {MAX_BITS} input bits")
        return LinearLayout._new(self._ins + other._ins, self._bases + other._bases, self._outs, self._outlog)

    def concat_outs(self, other: LinearLayout) -> LinearLayout:
        """This layout's out-dims followed by ``other``'s (same in-dims and sizes)."""
        _check_layout(other, "other")
        if self.in_dims != other.in_dims or self._ins != other._ins:
            raise LayoutError(f"other: in-dims {other.in_dims} must equal this layout's {self.in_dims}")
        dup = set(self._outs) & set(other._outs)
        if dup:
            raise LayoutError(f"other: out-dims {sorted(dup)} appear in both layouts")
        if self.total_out_bits + other.total_out_bits > MAX_BITS:
            raise LayoutError(f"other: the result would have more than {MAX_BITS} output bits")
        sh = self.total_out_bits
        nb = tuple(tuple(a | (b << sh) for a, b in zip(x, y)) for x, y in zip(self._bases, other._bases))
        return LinearLayout._new(self._ins, nb, self._outs + other._outs, self._outlog + other._outlog)

    def resize_in_dim(self, in_dim: str, size: int) -> LinearLayout:
        """Keep only the first log2(size) bases of ``in_dim``."""
        k = self._in_index(in_dim)
        n = _log2_of_size(size, "size")
        if n > len(self._bases[k]):
            raise LayoutError(f"size: {size} is larger than in-dim {in_dim!r} ({1 << len(self._bases[k])})")
        nb = list(self._bases)
        nb[k] = nb[k][:n]
        return LinearLayout._new(self._ins, tuple(nb), self._outs, self._outlog)

    def resize_out_dim(self, out_dim: str, size: int) -> LinearLayout:
        """Set ``out_dim``'s size to ``size`` (not larger), zeroing components >= size."""
        k = self._out_index(out_dim)
        n = _log2_of_size(size, "size")
        if n > self._outlog[k]:
            raise LayoutError(f"size: {size} is larger than out-dim {out_dim!r} ({1 << self._outlog[k]})")
        return _map_components(self, {out_dim: n})

    def rename_in_dim(self, old: str, new: str) -> LinearLayout:
        """Rename an in-dim; like Triton, the renamed dim moves to the end of the order."""
        k = self._in_index(old, "old")
        _check_name(new, "new")
        if new in self._ins and new != old:
            raise LayoutError(f"new: {new!r} is already an in-dim")
        ins = self._ins[:k] + self._ins[k + 1 :] + (new,)
        bases = self._bases[:k] + self._bases[k + 1 :] + (self._bases[k],)
        return LinearLayout._new(ins, bases, self._outs, self._outlog)

    def rename_out_dim(self, old: str, new: str) -> LinearLayout:
        """Rename an out-dim in place."""
        k = self._out_index(old, "old")
        _check_name(new, "new")
        if new in self._outs and new != old:
            raise LayoutError(f"new: {new!r} is already an out-dim")
        return LinearLayout._new(
            self._ins, self._bases, self._outs[:k] + (new,) + self._outs[k + 1 :], self._outlog
        )

    def remove_zero_bases(self, in_dim: str) -> LinearLayout:
        """Drop the all-zero bases of ``in_dim`` (Triton ``removeZeroBasesAlongDim``)."""
        k = self._in_index(in_dim)
        nb = list(self._bases)
        nb[k] = tuple(v for v in nb[k] if v)
        return LinearLayout._new(self._ins, tuple(nb), self._outs, self._outlog)

    # ------------------------------------------------------------------ structure

    def free_variable_masks(self) -> dict[str, int]:
        """For each in-dim, the bit mask of its inputs whose basis lies in the span of
        the earlier bases (in-dims in order, low bits first): the broadcast bits.

        >>> LinearLayout.zeros("x", 16, "y").free_variable_masks()
        {'x': 15}
        """
        e = _gf2.Echelon()
        out = {}
        for d, bl in zip(self._ins, self._bases):
            m = 0
            for i, v in enumerate(bl):
                if not e.add(v):
                    m |= 1 << i
            out[d] = m
        return out

    def num_consecutive_in_out(self) -> int:
        """How many consecutive inputs of the first in-dim map to consecutive outputs
        of the first out-dim, in every case (Triton ``getNumConsecutiveInOut``)."""
        if not self._ins or not self._outs:
            return 1
        first = self._bases[0]
        consec = 0
        for i, v in enumerate(first):
            if v != 1 << i or i >= self._outlog[0]:
                break
            consec += 1
        m0 = (1 << self._outlog[0]) - 1
        acc = 0
        for v in first[consec:]:
            acc |= v & m0
        for bl in self._bases[1:]:
            for v in bl:
                acc |= v & m0
        ctz = (acc & -acc).bit_length() - 1 if acc else 31
        return 1 << min(consec, ctz)

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


_set_ins = LinearLayout._ins.__set__
_set_bases = LinearLayout._bases.__set__
_set_outs = LinearLayout._outs.__set__
_set_outlog = LinearLayout._outlog.__set__
_set_rank = LinearLayout._rank.__set__
_set_hash = LinearLayout._hash.__set__
_set_ap = LinearLayout._ap.__set__
_set_flat = LinearLayout._flat.__set__
_set_pos = LinearLayout._pos.__set__
_object_new = object.__new__


class _Builder(LinearLayout):
    """Mutable twin used only inside ``LinearLayout._new`` (same slots)."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__  # both plain: attribute sets take CPython's fast slot


def _rebuild(ins, bases, outs, outlog):
    return LinearLayout._new(ins, bases, outs, outlog)


def _quotient_out_log2(A: LinearLayout, B: Any) -> list[int] | None:
    """Out-dim log2 sizes of ``A / B`` (A's out-dims, sizes divided by B's), or None when B
    has dims A lacks or a larger out-dim."""
    _check_layout(B, "divisor")
    if not set(B._ins) <= set(A._ins) or not set(B._outs) <= set(A._outs):
        return None
    blog = dict(zip(B._outs, B._outlog))
    clog = [w - blog.get(o, 0) for o, w in zip(A._outs, A._outlog)]
    return None if min(clog, default=0) < 0 else clog


def _check_layout(x: Any, what: str) -> None:
    if not isinstance(x, LinearLayout):
        raise LayoutError(f"{what}: expected a LinearLayout, got {type(x).__name__}")


def _name_list(names: Any, what: str) -> list[str]:
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        raise LayoutError(f"{what}: expected a list of dim names, got {names!r}")
    for n in names:
        _check_name(n, what)
    return list(names)


def _name_set(names: Any, what: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    try:
        lst = list(names)
    except TypeError:
        raise LayoutError(f"{what}: expected an iterable of dim names, got {names!r}") from None
    for n in lst:
        _check_name(n, what)
    return lst


def _pairs(x: Any, what: str) -> list[tuple[str, Any]]:
    if isinstance(x, Mapping):
        items = list(x.items())
    elif isinstance(x, (list, tuple)):
        items = []
        for k, p in enumerate(x):
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise LayoutError(f"{what}[{k}]: expected a (name, size) pair, got {p!r}")
            items.append((p[0], p[1]))
    else:
        raise LayoutError(f"{what}: expected [(name, size), ...], got {type(x).__name__}")
    names = [_check_name(n, what) for n, _ in items]
    if len(set(names)) != len(names):
        raise LayoutError(f"{what}: duplicate names in {names}")
    return items


def _perm(order: Any, current: tuple[str, ...], what: str) -> list[str]:
    lst = _name_set(order, what)
    if sorted(lst) != sorted(current) or len(set(lst)) != len(lst):
        raise LayoutError(f"{what}: expected a permutation of {list(current)}, got {lst}")
    return lst


def _map_components(L: LinearLayout, new_log: Mapping[str, int]) -> LinearLayout:
    """Shrink out-dims to the given log2 sizes, zeroing components that don't fit."""
    offs = _offsets(L._outlog)
    outlog = tuple(new_log.get(o, w) for o, w in zip(L._outs, L._outlog))
    noffs = _offsets(outlog)
    res = []
    for bl in L._bases:
        nb = []
        for v in bl:
            r = 0
            for k, (o, w) in enumerate(zip(offs, L._outlog)):
                c = (v >> o) & ((1 << w) - 1)
                if c >> outlog[k]:
                    c = 0
                r |= c << noffs[k]
            nb.append(r)
        res.append(tuple(nb))
    return LinearLayout._new(L._ins, tuple(res), L._outs, outlog)


# --------------------------------------------------------------------------- fast-path helpers

# apply(): the first _TABLE_AFTER calls on a layout take the checked bit loop; then a layout
# whose in-dims have at most 2 * _TABLE_BITS bits each gets a closure ``f(ins) -> dict |
# None`` over lookup tables, one per in-dim (two, low and high bits, for in-dims of more
# than _TABLE_BITS bits).  None means "not a plain valid call": the checked path decides.
_TABLE_AFTER = 24
_TABLE_BITS = 10


def _out_fn(L: LinearLayout):
    """packed out value -> {out_dim: component}."""
    spec = tuple((n, o, (1 << w) - 1) for n, o, w in zip(L._outs, _offsets(L._outlog), L._outlog))
    if len(spec) == 1:
        ((n0, _, m0),) = spec
        return lambda v: {n0: v & m0}
    if len(spec) == 2:
        (n0, _, m0), (n1, s1, m1) = spec
        return lambda v: {n0: v & m0, n1: (v >> s1) & m1}
    return lambda v: {n: (v >> s) & m for n, s, m in spec}


def _count_apply(L: LinearLayout, count: int | None) -> None:
    """Count ``apply`` calls; at _TABLE_AFTER, install the table closure when every
    in-dim has at most 2 * _TABLE_BITS bits (larger layouts keep the checked path)."""
    n = 1 if count is None else count + 1
    if n < _TABLE_AFTER:
        _set_ap(L, n)
    elif n == _TABLE_AFTER:
        if all(len(bl) <= 2 * _TABLE_BITS for bl in L._bases):
            _set_ap(L, _fused_applier(L, _table_applier(dict(zip(L._ins, L._bases)), _out_fn(L))))
        else:
            _set_ap(L, n)


def _xor_table(bl) -> list[int]:
    t = [0]
    for b in bl:
        t += [v ^ b for v in t]
    return t  # t[2**i] is basis i


def _table_applier(bases: dict, out):
    small = {}  # in-dim -> table of all its inputs
    big = {}  # in-dim -> (size, table of the low _TABLE_BITS bits, table of the rest)
    for name, bl in bases.items():
        if len(bl) <= _TABLE_BITS:
            small[name] = _xor_table(bl)
        else:
            big[name] = (1 << len(bl), _xor_table(bl[:_TABLE_BITS]), _xor_table(bl[_TABLE_BITS:]))
    get = small.get
    get_big = big.get
    low_mask = (1 << _TABLE_BITS) - 1

    def by_table(ins):
        v = 0
        for name, x in ins.items():
            t = get(name)
            if t is None or x.__class__ is not int or x < 0:
                b = get_big(name)
                if b is None or x.__class__ is not int or x < 0 or x >= b[0]:
                    return None
                v ^= b[1][x & low_mask] ^ b[2][x >> _TABLE_BITS]
                continue
            try:
                v ^= t[x]
            except IndexError:
                return None
        return out(v)

    return by_table


def _fused_applier(L: LinearLayout, general):
    """The table closure specialised to this layout for the usual call, every in-dim given
    by keyword: one generated function, a lookup per in-dim and the output dict built inline
    (target: ``apply`` <= 0.5x Triton's binding).  Other calls go to ``general``."""
    names = L._ins
    if not names:
        return general
    env: dict = {"general": general}
    load, terms = [], []
    for i, (name, bl) in enumerate(zip(names, L._bases)):
        load.append(f"x{i} = ins[{name!r}]")
        if len(bl) <= _TABLE_BITS:
            env[f"T{i}"] = _xor_table(bl)
            terms.append(f"T{i}[x{i}]")
        else:
            env[f"L{i}"] = _xor_table(bl[:_TABLE_BITS])
            env[f"H{i}"] = _xor_table(bl[_TABLE_BITS:])
            terms.append(f"L{i}[x{i} & {(1 << _TABLE_BITS) - 1}] ^ H{i}[x{i} >> {_TABLE_BITS}]")
    outs = ", ".join(
        f"{n!r}: " + (f"v & {(1 << w) - 1}" if o == 0 else f"(v >> {o}) & {(1 << w) - 1}")
        for n, o, w in zip(L._outs, _offsets(L._outlog), L._outlog)
    )
    xs = " | ".join(f"x{i}" for i in range(len(names)))
    cls = " is ".join(f"x{i}.__class__" for i in range(len(names)))
    src = "\n".join(
        [
            "def fused(ins):",
            f"    if len(ins) != {len(names)}:",
            "        return general(ins)",
            "    try:",
            *(f"        {ln}" for ln in load),
            f"        if not ({cls} is int) or ({xs}) < 0:",
            "            return None",
            "        v = " + " ^ ".join(terms),
            "    except (KeyError, IndexError, TypeError):",
            "        return None",
            "    return {" + outs + "}",
        ]
    )
    exec(src, env)  # noqa: S102 - generated from this layout's dim names (repr) and ints only
    return env["fused"]


def _flat_with_zero(L: LinearLayout) -> list[int]:
    """All bases in order, then a 0 (index -1: the image of a zero basis); cached."""
    m = list(_chain(*L._bases))
    m.append(0)
    _set_flat(L, m)
    return m


_BIT_INDEX = {1 << i: i for i in range(MAX_BITS + 1)}
_BIT_INDEX[0] = -1


def _unit_positions(L: LinearLayout):
    """Per in-dim, the bit index of each basis (-1 for a zero basis), or False when some
    basis has more than one bit; cached."""
    get = _BIT_INDEX.get
    pos = tuple([tuple(map(get, bl)) for bl in L._bases])
    res = False if any(None in p for p in pos) else pos
    _set_pos(L, res)
    return res


def _repack_outs_into(B: LinearLayout, A: LinearLayout):
    """For ``B.invert_and_compose(A)``: check the out dims and return a function moving
    B's packed out values into A's packing (None when the packings agree)."""
    bouts, aouts = B._outs, A._outs
    if bouts == aouts and B._outlog == A._outlog:
        return None
    if len(bouts) != len(aouts) or set(bouts) != set(aouts):
        raise LayoutError(
            f"outer: its out-dims {list(aouts)} must match this layout's out-dims {list(bouts)}"
        )
    alog = dict(zip(aouts, A._outlog))
    for o, w in zip(bouts, B._outlog):
        if alog[o] < w:
            raise LayoutError(
                f"outer: out-dim {o!r} has size {1 << alog[o]} in outer, smaller than {1 << w} here"
            )
    aoffs = dict(zip(aouts, _offsets(A._outlog)))
    return _make_repacker([(s, w, aoffs[o]) for o, s, w in zip(bouts, _offsets(B._outlog), B._outlog)])


def _identity_dims(ains, abases, bins, bbases) -> set[str]:
    """Triton 3.9.0's identity dims of ``B.invert_and_compose(A)`` (bases already in A's
    out packing): in-dims of both with equal bases whose output bits (OR of the bases)
    meet no other in-dim's output bits, in either layout."""
    amap = dict(zip(ains, abases))
    cand = [d for d, bl in zip(bins, bbases) if amap.get(d) == bl]
    out: set[str] = set()
    if not cand:
        return out
    masks = []
    for names, bases in ((ains, abases), (bins, bbases)):
        for d, bl in zip(names, bases):
            m = 0
            for v in bl:
                m |= v
            masks.append((d, m))
    for d in cand:
        mine = others = 0
        for e, m in masks:
            if e == d:
                mine |= m
            else:
                others |= m
        if mine & others == 0:
            out.add(d)
    return out


# __mul__: the dim bookkeeping depends only on the dims of both operands; cache it.
_MUL_PLANS: dict[tuple, tuple] = {}


def _mul_plan(a: LinearLayout, b: LinearLayout) -> tuple:
    ins = tuple(supremum(a._ins, b._ins))
    outs = tuple(supremum(a._outs, b._outs))
    alog = dict(zip(a._outs, a._outlog))
    blog = dict(zip(b._outs, b._outlog))
    outlog = tuple(alog.get(o, 0) + blog.get(o, 0) for o in outs)
    if sum(outlog) > MAX_BITS:
        raise LayoutError(f"other: the product has {sum(outlog)} output bits; at most {MAX_BITS}")
    offs = dict(zip(outs, _offsets(outlog)))
    ra = [(s, (1 << w) - 1, offs[o]) for o, s, w in zip(a._outs, _offsets(a._outlog), a._outlog) if w]
    rb = [
        (s, (1 << w) - 1, offs[o] + alog.get(o, 0))
        for o, s, w in zip(b._outs, _offsets(b._outlog), b._outlog)
        if w
    ]
    aidx = {d: k for k, d in enumerate(a._ins)}
    bidx = {d: k for k, d in enumerate(b._ins)}
    steps = tuple((aidx.get(d, -1), bidx.get(d, -1)) for d in ins)
    return (
        ins,
        outs,
        outlog,
        None if all(s == d for s, _, d in ra) else tuple(ra),
        None if all(s == d for s, _, d in rb) else tuple(rb),
        steps,
    )


def _repack_fields(bl: tuple[int, ...], spec: tuple[tuple[int, int, int], ...]) -> tuple[int, ...]:
    out = []
    for v in bl:
        r = 0
        if v:
            for s, m, d in spec:
                r |= ((v >> s) & m) << d
        out.append(r)
    return tuple(out)


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
