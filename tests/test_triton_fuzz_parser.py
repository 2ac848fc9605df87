"""Fuzz the Triton text entry points: only success or LayoutError, in bounded time.

Inputs: mutations of Triton's own printed text (tests/data/triton_text_samples.json),
random text over the grammar's alphabet, random well-formed attribute trees (which must
print and parse back unchanged), and mutated TTGIR dumps.
"""

from __future__ import annotations

import json
import os
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.triton.attrs import from_triton, parse_attr
from linlayout.triton.grammar import PADDING_PAIRS_KEY, AttrNode, format_attr, parse, tokenize
from linlayout.triton.ttgir import scan_ttgir

DATA = os.path.join(os.path.dirname(__file__), "data")
with open(os.path.join(DATA, "triton_text_samples.json")) as _f:
    SAMPLES = json.load(_f)["cases"]
with open(os.path.join(DATA, "triton_text_ttgir.json")) as _f:
    DUMPS = json.load(_f)["dumps"]

TEXTS = sorted({c["text"] for c in SAMPLES} | {c["ll_text"] for c in SAMPLES if "ll_text" in c})
ALPHABET = "#<>{}[](),=:+-0123456789 \n\t\"\\/.abcdefgxyz_"
#: seconds any single call may take (generous: the machine is shared)
BUDGET = 2.0


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    try:
        return fn(*args, **kw)
    finally:
        assert time.perf_counter() - t0 < BUDGET, f"{fn.__name__} took too long"


def _only_layout_error(fn, *args, **kw):
    """Call fn; return its value, or None if it raised LayoutError.  Anything else fails."""
    try:
        return _timed(fn, *args, **kw)
    except LayoutError as e:
        assert str(e), "empty LayoutError message"
        return None


@st.composite
def mutated_texts(draw):
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate", "swap_num"]))
        n = len(text)
        i = draw(st.integers(0, max(0, n - 1)))
        if op == "delete" and n:
            j = draw(st.integers(i, min(n, i + 8)))
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.text(ALPHABET, min_size=1, max_size=4)) + text[i:]
        elif op == "replace" and n:
            text = text[:i] + draw(st.sampled_from(ALPHABET)) + text[i + 1 :]
        elif op == "duplicate" and n:
            j = draw(st.integers(i, min(n, i + 30)))
            text = text[:j] + text[i:j] + text[j:]
        elif op == "truncate":
            text = text[:i]
        elif op == "swap_num":
            num = draw(st.sampled_from(["0", "-1", "3", "1024", "65536", "4294967296", "99999999999"]))
            k = text.find(draw(st.sampled_from(["1", "2", "4", "8", "16", "32"])), i)
            if k >= 0:
                text = text[:k] + num + text[k + 1 :]
    return text


SHAPES = st.lists(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]), min_size=1, max_size=3)


@given(mutated_texts())
def test_mutated_triton_text_parses_or_layout_error(text):
    node = _only_layout_error(parse, text)
    if node is not None:
        assert isinstance(node, AttrNode)


@given(mutated_texts(), SHAPES)
def test_mutated_triton_text_from_triton_or_layout_error(text, shape):
    desc = _only_layout_error(parse_attr, text)
    L = _only_layout_error(from_triton, text, shape)
    if L is not None:
        assert desc is not None
        assert isinstance(L, LinearLayout)


@given(st.text(ALPHABET, max_size=200))
def test_random_text_parses_or_layout_error(text):
    _only_layout_error(parse, text)
    _only_layout_error(tokenize, text)
    _only_layout_error(parse_attr, text)


@given(st.text(max_size=60))
def test_arbitrary_unicode_is_a_layout_error_or_parses(text):
    _only_layout_error(parse, text)
    _only_layout_error(parse, "#ttg.blocked<{order = " + text + "}>")


ALIAS_TARGETS = TEXTS + ["#blocked", "#mma", "#ttg.x<{p = #blocked}>"]


@given(
    st.sampled_from(TEXTS),
    st.dictionaries(st.sampled_from(["blocked", "mma", "#shared", "a.b"]), st.sampled_from(ALIAS_TARGETS),
                    max_size=3),
)
def test_random_alias_tables(text, aliases):
    _only_layout_error(parse, "#ttg.slice<{dim = 0, parent = #blocked}>", aliases)
    _only_layout_error(parse, "#mma", aliases)
    _only_layout_error(parse, text, aliases)


# ------------------------------------------------------------------ well-formed trees round-trip

NAME = st.sampled_from(["ttg.blocked", "ttg.slice", "ttng.x", "a.b", "ttg.shared_linear"])
KEY = st.sampled_from(["order", "dim", "parent", "CGALayout", "x_1", "_k", "kWidth", "offset"])
SCALAR = st.one_of(
    st.integers(-(2**40), 2**40),
    st.booleans(),
    st.sampled_from(["tf32", "mnThenK", "a_b.c", "x$1"]),
    st.text("ab \"\\\n'x", max_size=6),
)


def _values(attrs):
    return st.recursive(
        SCALAR,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(KEY, inner, max_size=3),
            attrs,
        ),
        max_leaves=6,
    )


@st.composite
def attr_trees(draw, depth=0):
    name = draw(NAME)
    nested = attr_trees(depth + 1) if depth < 2 else st.nothing()
    params = draw(st.dictionaries(KEY, _values(nested), max_size=4))
    if draw(st.booleans()) and params:
        params = {PADDING_PAIRS_KEY: draw(st.lists(st.tuples(st.integers(0, 512), st.integers(0, 64))
                                                   .map(list), min_size=1, max_size=3)), **params}
    return AttrNode(name, params)


@settings(max_examples=25)
@given(attr_trees())
def test_well_formed_trees_print_and_parse_back(node):
    text = format_attr(node)
    again = _timed(parse, text)
    assert again == node, text
    assert format_attr(again) == text


# ------------------------------------------------------------------ TTGIR scanning never raises


@settings(max_examples=40)
@given(st.sampled_from(range(len(DUMPS))), st.lists(st.tuples(st.floats(0, 1), st.text(ALPHABET, max_size=5)),
                                                   max_size=6))
def test_mutated_ttgir_dumps_scan(k, edits):
    text = DUMPS[k]["ttgir"]
    for frac, ins in edits:
        i = int(frac * len(text))
        text = text[:i] + ins + text[i + len(ins) :]
    recs = _timed(scan_ttgir, text)
    for r in recs:
        assert r.description is not None or r.error
        assert all(isinstance(s, tuple) for s in r.shapes)
