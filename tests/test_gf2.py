"""Properties of the private GF(2) kernels (linlayout._gf2) against galois.GF2.

Matrices are given by columns (ints: bit i = row i), up to 64x64, drawn both
uniformly and with planted low rank (so dependent columns, zero columns and free
variables are common).  galois is the reference for RREF, rank, inverse, null
space and solvability; the remaining properties are checked from definitions.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linlayout import _gf2


@functools.cache
def _field():
    """``galois.GF(2)``; galois (the test extra's oracle) is imported on first use: it takes seconds."""
    import galois

    return galois.GF(2)


def GF2(array):  # noqa: N802 - reads like galois.GF(2)(array)
    return _field()(array)


# ------------------------------------------------------------------ strategies


@st.composite
def matrices(draw, max_rows: int = 64, max_cols: int = 64, min_rows: int = 0, min_cols: int = 0):
    """(columns, nrows): uniform or planted-low-rank bit matrices."""
    nrows = draw(st.integers(min_rows, max_rows))
    ncols = draw(st.integers(min_cols, max_cols))
    mode = draw(st.sampled_from(["uniform", "low_rank", "sparse"]))
    if mode == "uniform" or nrows == 0:
        cols = [draw(st.integers(0, (1 << nrows) - 1)) for _ in range(ncols)]
    elif mode == "sparse":
        cols = [draw(st.sampled_from([0, 1 << draw(st.integers(0, nrows - 1))])) for _ in range(ncols)]
    else:
        r = draw(st.integers(0, min(nrows, 8)))
        gens = [draw(st.integers(0, (1 << nrows) - 1)) for _ in range(r)]
        cols = []
        for _ in range(ncols):
            mask = draw(st.integers(0, (1 << r) - 1))
            v = 0
            for k, g in enumerate(gens):
                if mask >> k & 1:
                    v ^= g
            cols.append(v)
    return cols, nrows


@st.composite
def square_matrices(draw, max_n: int = 64):
    n = draw(st.integers(0, max_n))
    invertible = draw(st.booleans())
    if invertible:
        # a random permutation mixed by random column additions stays invertible
        perm = draw(st.permutations(list(range(n))))
        cols = [1 << p for p in perm]
        for _ in range(draw(st.integers(0, 3 * n))):
            i = draw(st.integers(0, n - 1))
            j = draw(st.integers(0, n - 1))
            if i != j:
                cols[i] ^= cols[j]
    else:
        cols, _ = draw(matrices(max_rows=n, max_cols=n, min_rows=n, min_cols=n))
    return cols, n


# ------------------------------------------------------------------ helpers


def to_gf(cols: list[int], nrows: int):
    """Matrix whose column j is cols[j] (row i = bit i)."""
    a = np.array(cols, dtype=np.uint64).reshape(1, len(cols))
    sh = np.arange(nrows, dtype=np.uint64).reshape(nrows, 1)
    return GF2(((a >> sh) & np.uint64(1)).astype(np.uint8))


def from_gf_cols(M) -> list[int]:
    a = np.asarray(M, dtype=np.uint8)
    return [int(sum(int(a[i, j]) << i for i in range(a.shape[0]))) for j in range(a.shape[1])]


def gf_rref(cols: list[int], nrows: int):
    """galois RREF: (nonzero rows as ints with bit j = column j, pivot columns)."""
    if nrows == 0 or not cols:
        return [], []
    R = np.asarray(to_gf(cols, nrows).row_reduce(), dtype=np.uint8)
    rows, pivots = [], []
    for r in R:
        nz = np.flatnonzero(r)
        if len(nz):
            pivots.append(int(nz[0]))
            rows.append(int(sum(1 << int(j) for j in nz)))
    return rows, pivots


def gf_rank(cols: list[int], nrows: int) -> int:
    return len(gf_rref(cols, nrows)[1])


def combine(cols: list[int], x: int) -> int:
    v = 0
    for j, c in enumerate(cols):
        if x >> j & 1:
            v ^= c
    return v


def transpose_rows(cols: list[int], nrows: int) -> list[int]:
    """Rows (bit j = column j) of the matrix given by its columns."""
    return [sum(((c >> i) & 1) << j for j, c in enumerate(cols)) for i in range(nrows)]


# ------------------------------------------------------------------ properties


GALOIS = settings(max_examples=max(10, settings.default.max_examples // 2))  # galois calls are slow


@GALOIS
@given(matrices())
def test_rank_matches_galois(m):
    cols, nrows = m
    assert _gf2.rank(cols) == gf_rank(cols, nrows)
    assert _gf2.Echelon(cols).rank == _gf2.rank(cols)


@given(matrices())
def test_rank_of_transpose(m):
    cols, nrows = m
    rows = _gf2.transpose(cols, nrows)
    assert rows == transpose_rows(cols, nrows)
    assert _gf2.transpose(rows, len(cols)) == cols
    assert _gf2.rank(rows) == _gf2.rank(cols)


@GALOIS
@given(matrices())
def test_rref_matches_galois(m):
    cols, nrows = m
    rows = transpose_rows(cols, nrows)
    got_rows, got_piv = _gf2.rref(rows, len(cols))
    assert (list(got_rows), list(got_piv)) == gf_rref(cols, nrows)


@GALOIS
@given(square_matrices())
def test_inverse_matches_galois(m):
    cols, n = m
    inv = _gf2.inverse(cols, n)
    singular = gf_rank(cols, n) < n
    if singular:
        assert inv is None
        return
    assert inv is not None
    if n:
        assert inv == from_gf_cols(np.linalg.inv(to_gf(cols, n)))
    # A (A^-1 e_i) = e_i for every unit vector
    for i, x in enumerate(inv):
        assert combine(cols, x) == 1 << i


def test_inverse_rejects_non_square_and_out_of_range():
    assert _gf2.inverse([1, 2, 4], 2) is None
    assert _gf2.inverse([1, 8], 2) is None  # column with a bit beyond n rows
    assert _gf2.inverse([], 0) == []


@GALOIS
@given(matrices(max_rows=48, max_cols=48))
def test_null_space_matches_galois(m):
    cols, nrows = m
    ns = _gf2.null_space(cols)
    r = _gf2.rank(cols)
    assert len(ns) == len(cols) - r
    for x in ns:
        assert x and combine(cols, x) == 0
    assert _gf2.rank(ns) == len(ns)  # a basis: independent
    if ns and nrows:
        ref = np.asarray(to_gf(cols, nrows).null_space(), dtype=np.uint8)
        ref_vecs = [int(sum(int(b) << j for j, b in enumerate(row))) for row in ref]
        # same space: each spans the other
        assert len(ref_vecs) == len(ns)
        assert _gf2.rank(ns + ref_vecs) == len(ns)


@GALOIS
@given(matrices(), st.data())
def test_solve_free_variables_zero(m, data):
    cols, nrows = m
    if data.draw(st.booleans()) and cols:
        b = combine(cols, data.draw(st.integers(0, (1 << len(cols)) - 1)))  # in the image
    else:
        b = data.draw(st.integers(0, (1 << nrows) - 1)) if nrows else 0
    x = _gf2.solve(cols, b)
    solvable = gf_rank(cols + [b], nrows) == gf_rank(cols, nrows)
    if not solvable:
        assert x is None
        assert not _gf2.in_span(cols, b)
        return
    assert x is not None and combine(cols, x) == b
    assert _gf2.in_span(cols, b)
    # free (non-pivot) variables are 0: x only uses galois' pivot columns
    _, pivots = gf_rref(cols, nrows)
    pivot_mask = sum(1 << p for p in pivots)
    assert x & ~pivot_mask == 0
    assert _gf2.Echelon(cols).solve(b) == x


@GALOIS
@given(matrices())
def test_echelon_pivots_are_rref_pivots(m):
    cols, nrows = m
    e = _gf2.Echelon()
    piv = [j for j, c in enumerate(cols) if e.add(c)]
    assert len(e) == len(cols)
    assert piv == gf_rref(cols, nrows)[1]


@GALOIS
@given(matrices(max_cols=24))
def test_complete_basis(m):
    vecs, nbits = m
    extra = _gf2.complete_basis(vecs, nbits)
    r = _gf2.rank(vecs)
    assert len(extra) == nbits - r
    assert _gf2.rank(list(vecs) + extra) == nbits
    # greedy: the lowest unit vectors not already in the span, in increasing order =
    # the pivot columns among the unit part of [vecs | e_0 ... e_{n-1}] (galois RREF)
    _, pivots = gf_rref(list(vecs) + [1 << i for i in range(nbits)], nbits)
    assert extra == [1 << (p - len(vecs)) for p in pivots if p >= len(vecs)]


@GALOIS
@given(matrices(max_cols=24), st.data())
def test_in_span(m, data):
    vecs, nbits = m
    v = data.draw(st.integers(0, (1 << nbits) - 1)) if nbits else 0
    assert _gf2.in_span(vecs, v) == (gf_rank(vecs + [v], nbits) == gf_rank(vecs, nbits))
    if vecs:
        x = data.draw(st.integers(0, (1 << len(vecs)) - 1))
        assert _gf2.in_span(vecs, combine(vecs, x))


@settings(max_examples=20)
@given(st.integers(0, 64))
def test_identity_and_zero_edge_cases(n):
    ident = [1 << i for i in range(n)]
    assert _gf2.rank(ident) == n
    assert _gf2.inverse(ident, n) == ident
    assert _gf2.null_space(ident) == []
    assert _gf2.complete_basis(ident, n) == []
    zeros = [0] * n
    assert _gf2.rank(zeros) == 0
    assert _gf2.null_space(zeros) == [1 << i for i in range(n)]
    assert _gf2.complete_basis([], n) == ident
    assert _gf2.solve(zeros, 0) == 0
    assert _gf2.solve(zeros, 1) is None
    assert _gf2.popcount((1 << n) - 1) == n
