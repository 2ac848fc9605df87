"""GF(2) linear algebra on Python ints used as bit vectors.

A vector is an ``int`` whose bit ``i`` is coordinate ``i``.  A matrix is given by
its *columns* (a sequence of ints), the convention of layouts: column ``j`` is the
image of input bit ``j``.  Everything here is exact and allocation-light; matrices
are small (at most 64x64), so plain Python ints beat any array library.

>>> rank([0b011, 0b110, 0b101])
2
>>> solve([0b01, 0b11], 0b10)   # x with col0*x0 + col1*x1 = b
3
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

__all__ = [
    "Echelon",
    "rref",
    "rank",
    "solve",
    "inverse",
    "null_space",
    "complete_basis",
    "in_span",
    "transpose",
    "popcount",
    "Span",
]


def popcount(x: int) -> int:
    """Number of set bits of ``x``."""
    return x.bit_count()


class Echelon:
    """An incrementally built echelon basis of the span of some columns.

    ``add(v)`` inserts column ``len(self)`` and returns whether it is a pivot
    (linearly independent of the earlier columns).  ``solve(b)`` returns the
    combination of *pivot* columns equal to ``b`` as a bit mask over column
    indices (free columns get 0), or ``None`` when ``b`` is outside the span.
    """

    __slots__ = ("rows", "ncols")

    def __init__(self, columns: Iterable[int] = ()):
        # leading bit -> (vector, combination of columns giving it)
        rows: dict[int, tuple[int, int]] = {}
        self.rows = rows
        idx = 0
        for v in columns:  # add() inlined: one call builds the whole basis
            combo = 1 << idx
            while v:
                hb = v.bit_length() - 1
                row = rows.get(hb)
                if row is None:
                    rows[hb] = (v, combo)
                    break
                v ^= row[0]
                combo ^= row[1]
            idx += 1
        self.ncols = idx

    def __len__(self) -> int:
        return self.ncols

    def reduce(self, v: int) -> tuple[int, int]:
        """Reduce ``v`` by the rows: (remainder, combination used)."""
        rows = self.rows
        combo = 0
        while v:
            hb = v.bit_length() - 1
            row = rows.get(hb)
            if row is None:
                break
            v ^= row[0]
            combo ^= row[1]
        return v, combo

    def add(self, v: int) -> bool:
        """Append column ``v``; True when it is a pivot column."""
        idx = self.ncols
        self.ncols = idx + 1
        rem, combo = self.reduce(v)
        if rem:
            self.rows[rem.bit_length() - 1] = (rem, combo ^ (1 << idx))
            return True
        return False

    def solve(self, b: int) -> int | None:
        rem, combo = self.reduce(b)
        # After reduction every remaining high bit is absent from the rows; a
        # non-zero remainder may still contain lower leading bits, so keep going.
        rows = self.rows
        while rem:
            hb = rem.bit_length() - 1
            row = rows.get(hb)
            if row is None:
                return None
            rem ^= row[0]
            combo ^= row[1]
        return combo

    def solve_all(self, vectors: Iterable[int]) -> list[int] | None:
        """``solve`` of each vector (one call for many), or ``None`` when one is outside the span."""
        rows = self.rows
        out = []
        for b in vectors:
            combo = 0
            while b:
                row = rows.get(b.bit_length() - 1)
                if row is None:
                    return None
                b ^= row[0]
                combo ^= row[1]
            out.append(combo)
        return out

    @property
    def rank(self) -> int:
        return len(self.rows)


def rank(columns: Iterable[int]) -> int:
    """Rank of the matrix with the given columns."""
    rows: dict[int, int] = {}
    for v in columns:
        while v:
            hb = v.bit_length() - 1
            r = rows.get(hb)
            if r is None:
                rows[hb] = v
                break
            v ^= r
    return len(rows)


def in_span(vectors: Iterable[int], v: int) -> bool:
    """Whether ``v`` is a XOR-combination of ``vectors``."""
    return Echelon(vectors).solve(v) is not None


def solve(columns: Sequence[int], b: int) -> int | None:
    """A solution ``x`` (bit mask over columns) of ``A x = b`` with every free
    (non-pivot) variable set to 0, or ``None`` when there is none."""
    return Echelon(columns).solve(b)


def transpose(vectors: Sequence[int], nbits: int) -> list[int]:
    """Transpose a bit matrix: ``vectors[j]`` bit ``i`` -> result ``[i]`` bit ``j``."""
    out = [0] * nbits
    for j, v in enumerate(vectors):
        while v:
            low = v & -v
            i = low.bit_length() - 1
            if i < nbits:
                out[i] |= 1 << j
            v ^= low
    return out


def rref(rows: Sequence[int], ncols: int) -> tuple[list[int], list[int]]:
    """Reduced row echelon form of a matrix given by rows (bit ``j`` = column ``j``).

    Pivots are chosen from column 0 upwards.  Returns (nonzero reduced rows in pivot
    order, pivot column indices).
    """
    work = [r for r in rows if r]
    pivots: list[int] = []
    out: list[int] = []
    for col in range(ncols):
        bit = 1 << col
        sel = None
        for k, r in enumerate(work):
            if r & bit:
                sel = k
                break
        if sel is None:
            continue
        prow = work.pop(sel)
        work = [r ^ prow if r & bit else r for r in work]
        out = [r ^ prow if r & bit else r for r in out]
        out.append(prow)
        pivots.append(col)
        work = [r for r in work if r]
        if not work:
            break
    return out, pivots


def inverse(columns: Sequence[int], n: int | None = None) -> list[int] | None:
    """Columns of the inverse of a square matrix, or ``None`` if it is singular."""
    n = len(columns) if n is None else n
    if len(columns) != n:
        return None
    e = Echelon()
    for c in columns:
        if c >> n or not e.add(c):
            return None
    out = []
    for i in range(n):
        x = e.solve(1 << i)
        if x is None:  # pragma: no cover - full rank square matrix
            return None
        out.append(x)
    return out


def null_space(columns: Sequence[int]) -> list[int]:
    """A basis of ``{x : A x = 0}`` as bit masks over column indices."""
    rows: dict[int, tuple[int, int]] = {}
    basis = []
    for j, v in enumerate(columns):
        combo = 1 << j
        while v:
            hb = v.bit_length() - 1
            r = rows.get(hb)
            if r is None:
                rows[hb] = (v, combo)
                break
            v ^= r[0]
            combo ^= r[1]
        if not v:
            basis.append(combo)
    return basis


def complete_basis(vectors: Sequence[int], nbits: int) -> list[int]:
    """Unit vectors ``1 << i`` (lowest ``i`` first) that extend the span of
    ``vectors`` to all of GF(2)^nbits.  The result has ``nbits - rank(vectors)``
    elements."""
    e = Echelon(vectors)
    extra = []
    for i in range(nbits):
        if e.rank == nbits:
            break
        if e.add(1 << i):
            extra.append(1 << i)
    return extra


class Span:
    """A span kept as fully reduced rows with distinct leading bits (each new row reduced by
    every earlier one from the top); with ``track`` (default) also the combination of
    inserted vectors behind each row, for :meth:`express`.  The planner's one span type.

    >>> s = Span(); s.add(0b011), s.add(0b110)
    (True, True)
    >>> s.contains(0b101), s.express(0b101), s.reduce(0b111)[0]
    (True, 3, 1)
    """

    __slots__ = ("_rows", "_combos", "_ins", "n", "track")

    def __init__(self, vectors: Iterable[int] = (), track: bool = True):
        self._rows: list[int] = []  # ascending (= ascending leading bit)
        self._combos: list[int] = []  # parallel to _rows when tracking
        self._ins: list[int] = []  # rows in insertion order
        self.n = 0  # vectors inserted so far
        self.track = track
        for v in vectors:
            self.add(v)

    def reduce(self, v: int) -> tuple[int, int]:
        """(residual, combination): ``v = residual ^`` the XOR of the inserted vectors in the
        combination (0 without tracking); the residual is fully reduced."""
        if not self.track:
            for r in reversed(self._rows):
                x = v ^ r
                if x < v:
                    v = x
            return v, 0
        combo = 0
        for r, c in zip(reversed(self._rows), reversed(self._combos)):
            x = v ^ r
            if x < v:
                v = x
                combo ^= c
        return v, combo

    def add(self, v: int) -> bool:
        """Insert ``v`` (as input number ``self.n``); True when it was independent."""
        idx = self.n
        self.n = idx + 1
        rows = self._rows
        if self.track:
            r, combo = self.reduce(v)
        else:
            r = v
            for x in reversed(rows):
                y = r ^ x
                if y < r:
                    r = y
        if not r:
            return False
        if self.track:
            i = bisect_left(rows, r)
            rows.insert(i, r)
            self._combos.insert(i, combo ^ (1 << idx))
        else:
            insort(rows, r)
        self._ins.append(r)
        return True

    def contains(self, v: int) -> bool:
        """Whether ``v`` lies in the span."""
        for r in reversed(self._rows):
            x = v ^ r
            if x < v:
                v = x
        return v == 0

    def express(self, v: int) -> int | None:
        """Bitmask of inserted vectors whose XOR is ``v``; None outside the span (needs
        ``track``)."""
        r, combo = self.reduce(v)
        return combo if r == 0 else None

    @property
    def dim(self) -> int:
        return len(self._rows)

    def basis(self) -> list[int]:
        """The rows, highest leading bit first."""
        return self._rows[::-1]

    def inserted(self) -> list[int]:
        """The rows in the order their vectors were inserted."""
        return list(self._ins)
