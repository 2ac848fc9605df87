"""Issue 15's core items: quotient names an unknown dim; to_table checks its size and its
value width before allocating."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout, _gf2

LL = LinearLayout


def test_quotient_rejects_an_unknown_dim():
    A = LL.identity("x", 4, "x")
    with pytest.raises(LayoutError, match="'nope'"):
        A.quotient(["nope"])
    assert A.quotient(["x"]) == LL.empty()
    B = LL.identity("lane", 4, "dim0")
    assert B.quotient(["lane"]) is None  # an in-dim only: not trivial over it (Triton)


def test_to_table_checks_bytes_before_allocating():
    wide = LL.from_bases({"i": [[1 << k, 1 << k] for k in range(28)]}, ["a", "b"], require_surjective=False)
    with pytest.raises(LayoutError, match="MiB"):
        wide.to_table()  # 2**28 rows x 2 out dims x 8 bytes = 4 GiB


def test_to_table_refuses_outputs_wider_than_its_integers():
    L = LL.from_bases({"i": [[1 << 63]]}, {"a": 1 << 64}, require_surjective=False)
    with pytest.raises(LayoutError, match="63 bits"):
        L.to_table()
    assert L.to_flat_table().tolist() == [0, 1 << 63]  # uint64 holds 64 bits
    M = LL.from_bases({"i": [[1 << 62]]}, {"a": 1 << 63}, require_surjective=False)
    assert M.to_table().ravel().tolist() == [0, 1 << 62]


@given(st.lists(st.integers(0, 255), max_size=10), st.lists(st.integers(0, 255), max_size=6))
def test_echelon_solve_all_is_solve_of_each(columns, targets):
    """The core's one elimination: the batch solve used by invert_and_compose."""
    e = _gf2.Echelon(columns)
    one = [e.solve(t) for t in targets]
    assert e.solve_all(targets) == (None if None in one else one)
    added = _gf2.Echelon()
    for c in columns:
        added.add(c)
    assert added.rows == e.rows and len(added) == len(e)


@pytest.mark.parametrize(
    "bad",
    [
        {"a": -1},
        {"a": -8},
        {"a": 4},
        {"b": -1},
        {"b": -(1 << 13)},
        {"b": 1 << 14},
        {"a": True},
        {"b": 2.0},
        {"a": 0, "b": 0, "c": 0},
    ],
)
def test_apply_fast_path_rejects_what_the_checked_path_rejects(bad):
    """After the table threshold, apply still refuses bad values (incl. in-dims of more than
    10 bits, which take two tables)."""
    L = LL.from_bases({"a": [[1], [2]], "b": [[1 << k] for k in range(2, 16)]}, ["o"])
    for _ in range(30):
        assert L.apply(a=1, b=3) == {"o": 13}
    with pytest.raises(LayoutError):
        L.apply(**{"a": 0, "b": 0, **bad})
