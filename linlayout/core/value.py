"""The value and its checks: construction (``from_bases`` and friends), queries,
evaluation (``apply``, tables), equality and printing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import _gf2
from ..errors import LayoutError
from .base import (
    MAX_BITS,
    MAX_TABLE_BITS,
    MAX_TABLE_BYTES,
    _as_int,
    _Base,
    _check_layout,
    _check_name,
    _log2_of_size,
    _offsets,
    _set_hash,
    _set_rank,
    _unpack,
)
from .fast import (
    _count_apply,
)

if TYPE_CHECKING:
    from ..layout import LinearLayout


class _Value(_Base):
    """Construction, queries, evaluation, equality and printing of a layout."""

    __slots__ = ()

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
        from ..layout import _rebuild

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

        >>> from linlayout import LinearLayout
        >>> LinearLayout.from_bases({"offset": [[1], [2], [0]]}, ["dim0"]).out_dims
        {'dim0': 4}
        """
        items = _bases_items(bases)
        if not isinstance(require_surjective, bool):
            raise LayoutError(f"require_surjective: expected a bool, got {require_surjective!r}")
        names, sizes = _out_dim_spec(out_dims)
        ins, raw = _checked_rows(items, names)
        outlog = _out_log2(raw, names, sizes)
        L = cls._new(tuple(ins), _packed(ins, raw, names, outlog), tuple(names), tuple(outlog))
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

        >>> from linlayout import LinearLayout
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
        """The position of in-dim ``name``; LayoutError naming it otherwise."""
        try:
            return self._ins.index(name)
        except ValueError:
            raise LayoutError(
                f"{what}: {name!r} is not an in-dim of this layout ({list(self._ins)})"
            ) from None

    def _out_index(self, name: Any, what: str = "out_dim") -> int:
        """The position of out-dim ``name``; LayoutError naming it otherwise."""
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
        """All bases in order (in-dims in order, low bits first)."""
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

        >>> from linlayout import LinearLayout
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

        >>> from linlayout import LinearLayout
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
        """The matrix as a ``galois.GF2`` array (rows = out bits, columns = in bits); needs the
        ``galois`` extra (``pip install 'linlayout[galois]'``)."""
        try:
            import galois
        except ImportError as e:
            raise ImportError("to_galois needs galois: pip install 'linlayout[galois]'") from e
        import numpy as np

        m = np.array(self.matrix(), dtype=np.uint8).reshape(self.total_out_bits, self.total_in_bits)
        return galois.GF2(m)

    # ------------------------------------------------------------------ equality, printing

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Base):
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


# --------------------------------------------------------------------------- from_bases, step by step


def _bases_items(bases: Any) -> list[tuple]:
    """The ``(in_dim, bases)`` pairs of ``from_bases``'s first argument."""
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
    return items


def _out_dim_spec(out_dims: Any) -> tuple[list[str], list[Any] | None]:
    """Out-dim names and sizes (``None``: infer them from the bases)."""
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
                    raise LayoutError(f"out_dims[{k}]: expected a (name, size) pair or all names, got {p!r}")
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
    return names, sizes


def _checked_rows(items: list, names: list[str]) -> tuple[list[str], list[list[list[int]]]]:
    """In-dim names and their basis vectors as lists of non-negative ints, checked."""
    nout = len(names)
    ins: list[str] = []
    raw: list[list[list[int]]] = []
    for name, bl in items:
        _check_name(name, "bases")
        if name in ins:
            raise LayoutError(f"bases: in-dim {name!r} appears twice")
        if not isinstance(bl, (list, tuple)):
            raise LayoutError(f"bases[{name!r}]: expected a list of basis vectors, got {type(bl).__name__}")
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
    return ins, raw


def _out_log2(raw: list, names: list[str], sizes: list | None) -> list[int]:
    """Log2 out-dim sizes (given, or the smallest powers of two above every component)."""
    nout = len(names)
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
        raise LayoutError(f"out_dims: {sum(outlog)} output bits in total; at most {MAX_BITS} are supported")
    if sum(len(r) for r in raw) > MAX_BITS:
        raise LayoutError(
            f"bases: {sum(len(r) for r in raw)} input bits in total; at most {MAX_BITS} are supported"
        )
    return outlog


def _packed(ins: list[str], raw: list, names: list[str], outlog: list[int]) -> tuple[tuple[int, ...], ...]:
    """Each basis as one int, out dims as bit fields (the first in the lowest bits)."""
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
    return tuple(packed)
