"""Triton text: the attribute grammar, from_triton/parse_attr, to_triton/to_gluon, scan_ttgir.

Stored data (``tests/data/triton_text_*.json``, made by ``tests/tools/gen_triton_text.py``
with triton 3.9.0): the exact text Triton prints for random Gluon layouts of every
family, the LinearLayout Triton's ``toLinearLayout`` returns for it, Triton's own
``#ttg.linear`` / ``#ttg.shared_linear`` text of that layout, and TTGIR dumps of
small kernels compiled with ``triton.compile``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.hardware.base import TRITON_ATTRS, HardwareLayout
from linlayout.testing import distributed_layouts, layouts, shared_layouts
from linlayout.triton import attrs as attrs_mod
from linlayout.triton.attrs import check_shape, from_triton, known_attrs, parse_attr
from linlayout.triton.emit import layout_kind, linear_attr_name, to_gluon, to_triton
from linlayout.triton.grammar import (
    MAX_DEPTH,
    PADDING_PAIRS_KEY,
    AttrNode,
    format_attr,
    parse,
    parse_prefix,
    tokenize,
)
from linlayout.triton.ttgir import expand_aliases, find_aliases, scan_ttgir

DATA = os.path.join(os.path.dirname(__file__), "data")


def _load(name: str) -> dict:
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


SAMPLES = _load("triton_text_samples.json")["cases"]
DUMPS = _load("triton_text_ttgir.json")["dumps"]

#: family in the samples -> attribute name Triton prints after '#'
#: (a Gluon DistributedLinearLayout prints as #ttg.generic_linear when it is not a permutation)
FAMILY_ATTR = {
    "blocked": "ttg.blocked",
    "slice": "ttg.slice",
    "linear": ("ttg.linear", "ttg.generic_linear"),
    "nvidia_mma": "ttg.nvidia_mma",
    "dot_op": "ttg.dot_op",
    "amd_mfma": "ttg.amd_mfma",
    "amd_wmma": "ttg.amd_wmma",
    "swizzled_shared": "ttg.swizzled_shared",
    "nvmma_shared": "ttg.nvmma_shared",
    "shared_linear": "ttg.shared_linear",
    "padded_shared": "ttg.padded_shared",
    "partitioned_shared": "ttg.partitioned_shared",
    "tensor_memory": "ttng.tensor_memory_encoding",
    "tensor_memory_scales": "ttng.tensor_memory_scales_encoding",
}


def _expected(case: dict) -> LinearLayout:
    """Triton's answer for a stored case as a LinearLayout (out dims dim0.. sized by the shape)."""
    outs = [(f"dim{i}", s) for i, s in enumerate(case["shape"])]
    bases = dict(case["ll"])
    if case["kind"] == "t":
        bases["block"] = []
    return LinearLayout.from_bases(bases, outs, require_surjective=False)


# ------------------------------------------------------------------ stored data sanity


def test_samples_cover_every_family():
    counts = Counter(c["family"] for c in SAMPLES)
    assert set(counts) == set(FAMILY_ATTR), counts
    assert all(n >= 10 for n in counts.values()), counts
    assert len(SAMPLES) >= 1000


# ------------------------------------------------------------------ the grammar on Triton's text


def test_every_printed_form_parses_and_reprints_exactly():
    """parse + format_attr reproduces Triton's text byte for byte, for every stored sample."""
    for case in SAMPLES:
        node = parse(case["text"])
        want = FAMILY_ATTR[case["family"]]
        assert node.name in (want if isinstance(want, tuple) else (want,)), case["text"]
        assert format_attr(node) == case["text"]
        if "ll_text" in case:
            assert format_attr(parse(case["ll_text"])) == case["ll_text"]


def test_parse_blocked_fields():
    t = (
        "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
        "order = [1, 0], CGALayout = [[1, 0], [0, 1]]}>"
    )
    node = parse(t)
    assert node.name == "ttg.blocked"
    assert node.params == {
        "sizePerThread": [1, 4],
        "threadsPerWarp": [4, 8],
        "warpsPerCTA": [2, 2],
        "order": [1, 0],
        "CGALayout": [[1, 0], [0, 1]],
    }
    assert list(node.params) == ["sizePerThread", "threadsPerWarp", "warpsPerCTA", "order", "CGALayout"]


def test_parse_nested_dot_op_in_slice():
    t = (
        "#ttg.slice<{dim = 1, parent = #ttg.dot_op<{opIdx = 1, parent = #ttg.nvidia_mma<{versionMajor = 2, "
        "versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>, kWidth = 2}>}>"
    )
    node = parse(t)
    dot = node.params["parent"]
    assert isinstance(dot, AttrNode) and dot.name == "ttg.dot_op"
    assert dot.params["kWidth"] == 2 and dot.params["opIdx"] == 1
    mma = dot.params["parent"]
    assert mma.params == {"versionMajor": 2, "versionMinor": 0, "warpsPerCTA": [2, 2], "instrShape": [16, 8]}
    assert mma.text.startswith("#ttg.nvidia_mma<") and mma.text.endswith("}>")
    assert t[mma.pos :].startswith(mma.text)


def test_parse_all_special_forms():
    assert parse("#ttg.shared_linear<{offset = [[0, 1], [1, 0]]}, alignment = 128>").params == {
        "offset": [[0, 1], [1, 0]],
        "alignment": 128,
    }
    p = parse("#ttg.padded_shared<[32:+4, 64:+8] {offset = [[0, 1]], block = []}>").params
    assert p == {PADDING_PAIRS_KEY: [[32, 4], [64, 8]], "offset": [[0, 1]], "block": []}
    assert parse("#ttng.tensor_memory_scales_encoding<>").params == {}
    tm = "#ttng.tensor_memory_encoding<blockM = 128, blockN = 64, colStride = 1, twoCTAs = true>"
    assert parse(tm).params == {
        "blockM": 128,
        "blockN": 64,
        "colStride": 1,
        "twoCTAs": True,
    }
    w = parse(
        "#ttg.amd_wmma<{version = 3, isTranspose = false, ctaLayout = {register = [[0, 1]], warp = []}}>"
    )
    assert w.params["ctaLayout"] == {"register": [[0, 1]], "warp": []}
    assert parse("#ttg.shared_memory").params == {}


def test_parse_scalars_comments_and_whitespace():
    t = """#x.y<{  // leading comment
        a = -3, b = true, c = false, d = "s\\"q", e = tf32, f = 32 : i32,
        g = array<i32: 1, -2>, h = 0x10, i = [[]], j = {}  // trailing
    }>  // after"""
    assert parse(t).params == {
        "a": -3,
        "b": True,
        "c": False,
        "d": 's"q',
        "e": "tf32",
        "f": 32,
        "g": [1, -2],
        "h": 16,
        "i": [[]],
        "j": {},
    }
    assert parse("#a.b<{x=[1,2],y=3}>").params == {"x": [1, 2], "y": 3}


def test_tokenize_positions():
    toks = tokenize('#a.b<{k = [1, -2], s = "x"}>')
    assert [t.kind for t in toks][:5] == ["hash", "punct", "punct", "ident", "punct"]
    for t in toks[:-1]:
        assert t.end > t.pos
    assert toks[-1].kind == "eof"


def test_parse_prefix_in_a_type():
    s = "tensor<64xf16, #ttg.slice<{dim = 0, parent = #b}>> loc(#loc3)"
    node, end = parse_prefix(s, s.index("#"), aliases={"b": "#ttg.blocked<{order = [0]}>"})
    assert s[end:] == "> loc(#loc3)"
    assert node.params["parent"].alias == "b"


# ------------------------------------------------------------------ aliases


def test_alias_resolution_nested_and_hash_prefixed_names():
    aliases = {
        "#blocked": "#ttg.blocked<{sizePerThread = [1, 4], order = [1, 0]}>",
        "mma": "#ttg.nvidia_mma<{versionMajor = 2, parent = #blocked}>",
    }
    t = "#ttg.slice<{dim = 0, parent = #ttg.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>}>"
    node = parse(t, aliases)
    mma = node.params["parent"].params["parent"]
    assert mma.alias == "mma" and mma.params["parent"].params["order"] == [1, 0]
    assert parse("#mma", aliases).name == "ttg.nvidia_mma"


def test_alias_nodes_are_accepted_and_shared():
    b = parse("#ttg.blocked<{order = [0]}>")
    node = parse("#x.y<{a = #b, c = #b}>", {"b": b})
    assert node.params["a"] is b and node.params["c"] is b


def test_alias_errors():
    with pytest.raises(LayoutError, match=r"unknown alias '#nope' \(aliases: #a\)"):
        parse("#x.y<{p = #nope}>", {"a": "#ttg.b<{}>"})
    with pytest.raises(LayoutError, match="alias cycle #a -> #b -> #a"):
        parse("#a", {"a": "#x.y<{p = #b}>", "b": "#x.y<{p = #a}>"})
    with pytest.raises(LayoutError, match="in alias '#a' used"):
        parse("#x.y<{p = #a}>", {"a": "#x.y<{p = }>"})
    with pytest.raises(LayoutError, match="aliases: expected a mapping"):
        parse("#a", ["a"])
    with pytest.raises(LayoutError, match="expected attribute text"):
        parse("#a", {"a": 3})


def test_alias_fan_out_is_linear_work():
    """a_i = #x<{l = #a_{i+1}, r = #a_{i+1}}>: 2**30 paths, but each alias is parsed once."""
    n = 30
    aliases = {f"a{i}": f"#x.y<{{l = #a{i + 1}, r = #a{i + 1}}}>" for i in range(n)}
    aliases[f"a{n}"] = "#x.leaf<{v = 1}>"
    t0 = time.perf_counter()
    node = parse("#a0", aliases)
    assert time.perf_counter() - t0 < 1.0
    assert node.params["l"] is node.params["r"]


def test_long_alias_chain_is_a_layout_error():
    aliases = {f"a{i}": f"#a{i + 1}" for i in range(500)}
    aliases["a500"] = "#x.leaf<{v = 1}>"
    with pytest.raises(LayoutError, match="nesting deeper") as ei:
        parse("#a0", aliases)
    assert len(str(ei.value).splitlines()) < 25  # alias context is capped
    short = {f"a{i}": f"#a{i + 1}" for i in range(10)}
    short["a10"] = "#x.leaf<{v = 1}>"
    assert parse("#a0", short).name == "x.leaf"


# ------------------------------------------------------------------ errors point at the position


def _caret_col(msg: str) -> int:
    """Column (0-based, in the shown snippet) of the caret line of an error message."""
    lines = msg.splitlines()
    caret = next(i for i, ln in enumerate(lines) if ln.strip() == "^")
    return lines[caret].index("^") - 2


@pytest.mark.parametrize(
    "text, pos, pattern",
    [
        ("#ttg.blocked<{order = [1, 0}>", 27, r"expected '\]' or ',' in array"),
        ("#ttg.blocked<{order = [1, 0]}", 29, "expected ',' or '>'"),
        ("#ttg.blocked<{order [1, 0]}>", 20, "expected '=' after parameter name 'order'"),
        ("#ttg.blocked<{order = 1.5}>", 23, "floats"),
        ("#ttg.blocked<{a = 1, a = 2}>", 21, "parameter 'a' given twice"),
        ("#ttg.blocked<{a = 1}> junk", 22, "unexpected 'junk' after the attribute"),
        ("ttg.blocked<{}>", 0, "expected an attribute starting with '#'"),
        ("#ttg.blocked<{a = @}>", 18, "unexpected character '@'"),
        ('#ttg.blocked<{a = "x}>', 18, "unterminated string"),
        ("#ttg.padded_shared<[32:4] {}>", 23, r"expected '\+' before the padding"),
        ("#ttg.slice<{dim = 0, parent = #blocked}>", 30, "unknown alias '#blocked'"),
        ("#", 0, "expected an attribute or alias name after '#'"),
        ("#ttg.x<{a = " + "9" * 50 + "}>", 12, "integer literal longer than"),
        ("", 0, "expected an attribute starting with '#', got end of text"),
    ],
)
def test_error_points_at_offending_position(text, pos, pattern):
    with pytest.raises(LayoutError, match=pattern) as ei:
        parse(text)
    msg = str(ei.value)
    assert msg.startswith("attr: ")
    assert f"column {pos + 1}:" in msg
    assert _caret_col(msg) == pos  # short lines are shown whole


def test_error_on_later_line_and_long_line():
    text = "#ttg.blocked<{\n  order = [1, 0],\n  bad = ]\n}>"
    with pytest.raises(LayoutError) as ei:
        parse(text)
    assert "line 3, column 9" in str(ei.value) and "bad = ]" in str(ei.value)
    long = "#ttg.linear<{register = [" + ", ".join(["[0, 1]"] * 100) + ", =]}>"
    with pytest.raises(LayoutError) as ei:
        parse(long)
    lines = str(ei.value).splitlines()
    assert lines[1].startswith("  ...") and len(lines[1]) < 120
    assert lines[1][_caret_col(str(ei.value)) + 2 :].startswith("=]}>")


def test_depth_limit_never_recursion_error():
    for opener, closer in (("[", "]"), ("{a = ", "}"), ("#x.y<{a = ", "}>")):
        parse("#x.y<{v = " + opener * 10 + "1" + closer * 10 + "}>")  # fine below the limit
        for n in (MAX_DEPTH + 1, 10_000):
            with pytest.raises(LayoutError, match="nesting deeper"):
                parse("#x.y<{v = " + opener * n + "1" + closer * n + "}>")
    parse("#x.y<{v = " + "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2) + "}>")


def test_text_limits():
    with pytest.raises(LayoutError, match="expected a str"):
        parse(b"#ttg.blocked<>")
    with pytest.raises(LayoutError, match="longer than the limit"):
        parse("#x.y<{a = [" + "1, " * 400_000 + "1]}>")


# ------------------------------------------------------------------ from_triton plumbing (throwaway fakes)


class _FakeFamily(HardwareLayout):
    """A throwaway family for plumbing tests: its layout is an identity of `size` on dim0."""

    __slots__ = ("size", "parent")

    def __init__(self, size, parent=None):
        if not isinstance(size, int) or size <= 0:
            raise LayoutError(f"size: expected a positive int, got {size!r}")
        self.size = size
        self.parent = parent

    @classmethod
    def from_triton_params(cls, params):
        return cls(params["size"], params.get("parent"))

    def to_linear_layout(self, shape):
        if shape[0] != self.size:
            raise LayoutError(f"shape: expected [{self.size}], got {shape}")
        bases = [[1 << i] for i in range(self.size.bit_length() - 1)]
        return LinearLayout.from_bases({"register": bases, "lane": [], "warp": [], "block": []}, ["dim0"])


@pytest.fixture
def fake_family(monkeypatch):
    monkeypatch.setitem(TRITON_ATTRS, "test.fake", _FakeFamily)
    return _FakeFamily


def test_from_triton_builds_nested_descriptions(fake_family):
    desc = parse_attr("#test.fake<{size = 4, parent = #p}>", aliases={"p": "#test.fake<{size = 2}>"})
    assert isinstance(desc, fake_family) and isinstance(desc.parent, fake_family)
    assert desc.parent.size == 2
    L = from_triton("#test.fake<{size = 8}>", [8])
    assert L.bases["register"] == [[1], [2], [4]]
    assert "test.fake" in known_attrs()


def test_from_triton_wraps_family_errors(fake_family):
    with pytest.raises(LayoutError, match=r"invalid parameters for #test.fake: KeyError") as ei:
        parse_attr("#test.fake<{sise = 4}>")
    assert isinstance(ei.value.__cause__, KeyError)
    with pytest.raises(LayoutError, match="size: expected a positive int"):
        parse_attr("#test.fake<{size = -4}>")
    with pytest.raises(LayoutError, match=r"shape: expected \[8\]"):
        from_triton("#test.fake<{size = 8}>", [4])


def test_family_errors_point_at_the_parameter(fake_family):
    text = "#ttg.slice<{dim = 0, parent = #test.fake<{flag = 1, size = -4}>}>"
    with pytest.raises(LayoutError, match="size: expected a positive int") as ei:
        parse_attr(text)
    msg = str(ei.value)
    assert f"column {text.index('size') + 1}:" in msg
    assert _caret_col(msg) == text.index("size")
    with pytest.raises(LayoutError) as ei:
        parse_attr("#test.fake<{size = 4, parent = #a}>", aliases={"a": "#test.fake<{size = 0}>"})
    assert "column 13:" in str(ei.value) and "definition of alias #a" in str(ei.value)


def test_real_family_errors_point_at_the_parameter():
    _need("ttg.blocked")
    text = ("#ttg.blocked<{sizePerThread = [1, 3], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
            "order = [1, 0]}>")
    with pytest.raises(LayoutError, match="sizePerThread") as ei:
        parse_attr(text)
    assert _caret_col(str(ei.value)) == text.index("sizePerThread")


def test_unknown_attribute_lists_known_ones(fake_family):
    with pytest.raises(LayoutError, match=r"unknown layout attribute #ttg.nonesuch; known: .*#test.fake"):
        parse_attr("#ttg.nonesuch<{a = 1}>")
    with pytest.raises(LayoutError, match="shared-memory space"):
        parse_attr("#ttg.shared_memory")


@pytest.mark.parametrize(
    "shape, pattern",
    [
        ([], "empty shape"),
        ([3], "power of two"),
        ([0], "power of two"),
        ([-4], "power of two"),
        ([True], "expected an int"),
        ([2.0], "expected an int"),
        ("64", "sequence of ints"),
        (5, "sequence of ints"),
        ([1] * 17, "rank 17"),
        ([1 << 40], "over the limit 2147483648"),
    ],
)
def test_shape_is_validated_before_parsing(shape, pattern):
    with pytest.raises(LayoutError, match="shape: .*" + pattern):
        from_triton("#ttg.blocked<{nonsense", shape)


def test_check_shape_accepts_sequences():
    assert check_shape((4, 2)) == (4, 2)
    assert check_shape(range(1, 3)) == (1, 2)


# ------------------------------------------------------------------ to_triton / to_gluon


def _distributed_cases():
    return [c for c in SAMPLES if c["kind"] == "d" and c.get("ll") is not None]


def _shared_cases():
    return [c for c in SAMPLES if c["kind"] == "s" and c.get("ll") is not None]


def test_to_triton_matches_tritons_own_text():
    """For every stored layout Triton returned, to_triton prints what Triton prints for it."""
    n = 0
    for case in _distributed_cases() + _shared_cases():
        L = _expected(case)
        assert "ll_text" in case
        if not L.is_surjective():
            with pytest.raises(LayoutError, match="not surjective"):
                to_triton(L)
            continue
        got = to_triton(L, alignment=case.get("alignment", 16))
        assert got == case["ll_text"], case["gluon"]
        n += 1
    assert n > 500


def test_to_gluon_matches_tritons_returned_arguments():
    for case in _distributed_cases():
        g = to_gluon(_expected(case))
        ll = case["ll"]
        assert g == {
            "reg_bases": ll["register"],
            "lane_bases": ll["lane"],
            "warp_bases": ll["warp"],
            "block_bases": ll["block"],
            "shape": case["shape"],
        }
    for case in _shared_cases():
        g = to_gluon(_expected(case), alignment=case["alignment"])
        assert g == {"offset_bases": case["ll"]["offset"], "block_bases": case["ll"]["block"],
                     "alignment": case["alignment"]}


def test_layout_methods_delegate_to_emit():
    L = LinearLayout.from_bases({"register": [[1]], "lane": [[2]], "warp": [], "block": []}, ["dim0"])
    want = "#ttg.linear<{register = [[1]], lane = [[2]], warp = [], block = []}>"
    assert L.to_triton() == to_triton(L) == want
    assert L.to_gluon() == to_gluon(L)


def test_to_triton_rejects_wrong_dims():
    with pytest.raises(LayoutError, match="in dims .* are none of"):
        to_triton(LinearLayout.from_bases({"lane": [[1]], "register": []}, ["dim0"]))
    with pytest.raises(LayoutError, match="in dims .* are none of"):
        to_triton(LinearLayout.from_bases({"register": [[1]], "lane": [], "warp": []}, ["dim0"]))
    with pytest.raises(LayoutError, match="out dims"):
        to_triton(LinearLayout.from_bases({"register": [[1]], "lane": [], "warp": [], "block": []}, ["x"]))
    with pytest.raises(LayoutError, match="out dims"):
        to_gluon(
            LinearLayout.from_bases(
                {"register": [[1, 0], [0, 1]], "lane": [], "warp": [], "block": []}, ["dim1", "dim0"]
            )
        )
    tm = LinearLayout.from_bases({"row": [[1, 0]], "col": [[0, 1]], "block": []}, ["dim0", "dim1"])
    assert layout_kind(tm) == "tensor_memory"
    with pytest.raises(LayoutError, match="tensor-memory"):
        to_triton(tm)
    with pytest.raises(LayoutError, match="tensor-memory"):
        to_gluon(tm)
    with pytest.raises(LayoutError, match="expected a LinearLayout"):
        to_triton("#ttg.linear<{}>")
    sh = LinearLayout.from_bases({"offset": [[1]], "block": []}, ["dim0"])
    for bad in (0, 3, -16, True, 16.0):
        with pytest.raises(LayoutError, match="alignment"):
            to_triton(sh, alignment=bad)
    wide = LinearLayout.from_bases({"offset": [[1]], "block": []}, [("dim0", 4)], require_surjective=False)
    with pytest.raises(LayoutError, match="not surjective"):
        to_triton(wide)
    repeated = LinearLayout.from_bases({"offset": [[1], [2], [3]], "block": []}, ["dim0"])
    with pytest.raises(LayoutError, match="bijection"):
        to_triton(repeated)
    swz = LinearLayout.from_bases({"register": [[1, 1]], "lane": [[1, 0]], "warp": [], "block": []},
                                  ["dim0", "dim1"])
    with pytest.raises(LayoutError, match="register basis 0 = \\[1, 1\\] is not zero or one power of two"):
        to_triton(swz)
    ok = LinearLayout.from_bases({"register": [[1, 0]], "lane": [], "warp": [[1, 1]], "block": []},
                                 ["dim0", "dim1"])
    want = "#ttg.generic_linear<{register = [[1, 0]], lane = [], warp = [[1, 1]], block = []}>"
    assert to_triton(ok) == want
    perm = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 0]], "warp": [[1, 0]], "block": []},
                                   ["dim0", "dim1"])
    want = "#ttg.linear<{register = [[0, 1]], lane = [[0, 0]], warp = [[1, 0]], block = []}>"
    assert to_triton(perm) == want
    with pytest.raises(LayoutError, match="no bases at all"):
        to_triton(LinearLayout.from_bases({"offset": [], "block": []}, [("dim0", 1)]))


@st.composite
def surjective_layouts(draw, kind="distributed"):
    """A random layout Triton's verifier accepts, onto a random shape: unit bases of a
    random bijection split between the in-dims, xor-mixed only where Triton allows it
    (warp bases for #ttg.linear, any base for #ttg.shared_linear), plus zero bases."""
    rank = draw(st.integers(1, 3))
    logs = draw(st.lists(st.integers(0, 4), min_size=rank, max_size=rank).filter(any))
    units = [[(1 << k) if d == j else 0 for j in range(rank)] for d in range(rank) for k in range(logs[d])]
    units = draw(st.permutations(units))
    names = ["register", "lane", "warp", "block"] if kind == "distributed" else ["offset", "block"]
    mixable = {"warp"} if kind == "distributed" else {"offset", "block"}
    bases = {n: [] for n in names}
    placed = []
    for u in units:
        n = draw(st.sampled_from(names))
        if n in mixable and placed and draw(st.booleans()):
            other = placed[draw(st.integers(0, len(placed) - 1))]
            u = [a ^ b for a, b in zip(u, other)]
        bases[n].append(u)
        placed.append(u)
    for n in names:
        for _ in range(draw(st.integers(0, 1))):
            bases[n].insert(draw(st.integers(0, len(bases[n]))), [0] * rank)
    if kind == "shared" and not bases["offset"]:  # Gluon needs an offset basis to know the rank
        bases["offset"].append([0] * rank)
    return LinearLayout.from_bases(bases, [(f"dim{i}", 1 << lg) for i, lg in enumerate(logs)])


@given(surjective_layouts())
def test_to_triton_text_parses_back_to_the_bases(L):
    """Grammar-level round trip, independent of the family classes."""
    node = parse(to_triton(L))
    assert node.name == linear_attr_name(L)
    assert node.params == {"register": L.bases["register"], "lane": L.bases["lane"],
                           "warp": L.bases["warp"], "block": L.bases["block"]}
    assert format_attr(node) == to_triton(L)
    g = to_gluon(L)
    assert g["shape"] == list(L.out_dims.values())


def _need(name: str) -> None:
    if name not in attrs_mod._registry():
        pytest.skip(f"#{name} has no registered family class yet (its owner has not landed it)")


@given(surjective_layouts())
def test_round_trip_distributed(L):
    _need(parse(to_triton(L)).name)
    assert from_triton(to_triton(L), list(L.out_dims.values())) == L


@given(surjective_layouts(kind="shared"), st.sampled_from([16, 128, 1024]))
def test_round_trip_shared(L, alignment):
    _need("ttg.shared_linear")
    assert from_triton(to_triton(L, alignment=alignment), list(L.out_dims.values())) == L


# ------------------------------------------------------------------ differential: from_triton vs Triton


# padded_shared and partitioned_shared have text samples only: Triton 3.9.0 gives no linear layout
# for them (their text is checked by the parse/print tests above).
_LL_FAMILIES = sorted({c["family"] for c in SAMPLES if c.get("ll") is not None})


@pytest.mark.parametrize("family", _LL_FAMILIES)
def test_from_triton_matches_stored_triton_layouts(family):
    """from_triton on Triton's printed text == Triton's toLinearLayout, for every stored case."""
    cases = [c for c in SAMPLES if c["family"] == family and c.get("ll") is not None]
    reg = attrs_mod._registry()
    missing = sorted({n for c in cases for n in _attr_names(parse(c["text"])) if n not in reg})
    assert not missing, f"attributes without a registered family class: {missing}"
    bad = []
    for case in cases:
        want = _expected(case)
        try:
            got = from_triton(case["text"], case["shape"])
        except LayoutError as e:
            bad.append((case["text"], case["shape"], f"LayoutError: {str(e).splitlines()[0]}"))
            continue
        if case["kind"] == "t":  # Triton's binding drops the tensor-memory block bases
            same = all(got.bases.get(d) == want.bases[d] for d in ("row", "col"))
            same = same and got.out_dims == want.out_dims
        else:
            same = got == want
        if not same:
            bad.append((case["text"], case["shape"], f"got {got.bases} want {want.bases}"))
    assert not bad, f"{len(bad)}/{len(cases)} {family} cases differ from Triton, e.g.:\n" + "\n".join(
        f"  {t} {s}: {m}" for t, s, m in bad[:5]
    )


def _attr_names(node):
    yield node.name
    for v in node.params.values():
        if isinstance(v, AttrNode):
            yield from _attr_names(v)


# ------------------------------------------------------------------ families print what Triton prints

CANONICAL = _load("triton_text_canonical.json")["cases"]


@pytest.mark.parametrize("family", sorted(FAMILY_ATTR))
def test_family_to_triton_reprints_tritons_text(family):
    """parse_attr(text).to_triton() == text for every stored Triton-printed sample of a family."""
    cases = [c for c in SAMPLES if c["family"] == family]
    reg = attrs_mod._registry()
    missing = sorted({n for c in cases for n in _attr_names(parse(c["text"])) if n not in reg})
    if missing:
        pytest.skip(f"attributes without a registered family class yet: {missing}")
    bad = []
    for case in cases:
        got = parse_attr(case["text"]).to_triton()
        if got != case["text"]:
            bad.append(f"  Triton: {case['text']}\n  ours:   {got}")
    assert not bad, f"{len(bad)}/{len(cases)} differ, e.g.:\n" + "\n".join(bad[:4])


def _canonical_text(case: dict) -> str:
    """Triton's re-printed attribute of a canonical case, with the module's aliases expanded."""
    from linlayout.triton.ttgir import find_uses

    aliases = find_aliases(case["module"])
    uses = find_uses(case["arg_type"], aliases)
    assert len(uses) == 1, case["arg_type"]
    return expand_aliases(uses[0][1], aliases)


def test_canonical_inputs_and_tritons_reprinting_parse():
    assert len(CANONICAL) >= 30 and all("module" in c for c in CANONICAL)
    for case in CANONICAL:
        canon = _canonical_text(case)
        assert format_attr(parse(canon)) == canon
        parse(case["input"])


def _canonical_params():
    for c in CANONICAL:
        yield pytest.param(c, id=c["input"][:60])


@pytest.mark.parametrize("case", list(_canonical_params()))
def test_non_canonical_text_means_what_triton_reads(case):
    """Hand-written text (defaults spelled out, fields reordered, no spaces) builds the same
    description as Triton's re-printing of it, and the family prints Triton's canonical text."""
    canon = _canonical_text(case)
    reg = attrs_mod._registry()
    missing = sorted({n for n in _attr_names(parse(canon)) if n not in reg})
    if missing:
        pytest.skip(f"no family class yet for {missing}")
    a, b = parse_attr(case["input"]), parse_attr(canon)
    assert b.to_triton() == canon
    assert a.to_triton() == canon
    outs = []
    for desc in (a, b):
        try:
            outs.append(desc.to_linear_layout(case["shape"]))
        except LayoutError as e:
            outs.append(("LayoutError", str(e).splitlines()[0]))
    assert outs[0] == outs[1]


# ------------------------------------------------------------------ TTGIR dumps


def test_ttgir_dumps_scan():
    names = set()
    for dump in DUMPS:
        text = dump["ttgir"]
        recs = scan_ttgir(text)
        by_name = {r.name: r for r in recs if r.name}
        aliases = find_aliases(text)
        # every layout alias definition is found, memory spaces and locations are not
        assert set(by_name) == {k for k, v in aliases.items() if not v.startswith("#ttg.shared_memory")}
        for r in recs:
            assert r.shapes, r
            assert all(isinstance(s, tuple) and all(isinstance(x, int) for x in s) for s in r.shapes)
            # expanded text needs no alias table and reprints from the parse tree
            assert format_attr(parse(r.expanded)) == r.expanded
            assert "#" + "blocked" not in r.expanded.replace("#ttg.blocked", "")
            names.add(parse(r.expanded).name)
    assert {"ttg.blocked", "ttg.slice", "ttg.nvidia_mma", "ttg.dot_op", "ttg.swizzled_shared",
            "ttg.nvmma_shared", "ttg.shared_linear", "ttg.linear", "ttng.tensor_memory_encoding",
            "ttg.amd_mfma"} <= names


def test_ttgir_shapes_of_a_known_dump():
    dump = next(d for d in DUMPS if d["name"] == "cuda80_mma_v2")
    recs = {r.name or r.text: r for r in scan_ttgir(dump["ttgir"])}
    assert recs["mma"].shapes == [(64, 64)]
    assert set(recs["shared"].shapes) == {(64, 32), (32, 64)}
    assert recs["#ttg.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>"].shapes == [(64, 32)]
    dot = recs["#ttg.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>"]
    assert dot.expanded.startswith("#ttg.dot_op<{opIdx = 0, parent = #ttg.nvidia_mma<{versionMajor = 2")


def test_ttgir_layouts_build_where_families_exist():
    """Every layout of the dumps builds once its family (and its parents') are registered."""
    reg = attrs_mod._registry()
    checked = 0
    for dump in DUMPS:
        for r in scan_ttgir(dump["ttgir"]):
            if all(n in reg for n in _attr_names(parse(r.expanded))):
                assert r.error is None, r.error
                for shape in r.shapes:
                    L = r.linear_layout(shape)
                    assert list(L.out_dims.values()) == list(shape)
                    assert L == from_triton(r.expanded, shape)
                    checked += 1
            else:
                assert r.description is None and "unknown layout attribute" in r.error
    if not checked:
        pytest.skip("no family used by the stored dumps is registered yet")


def test_ttgir_large_dump_scans_in_bounded_time():
    text = DUMPS[0]["ttgir"]
    lines = text.splitlines()
    head = [ln for ln in lines if ln.startswith("#")]
    big = "\n".join(head + [ln for ln in lines if not ln.startswith("#")] * 40)
    assert len(big) > 200_000
    t0 = time.perf_counter()
    recs = scan_ttgir(big)
    assert time.perf_counter() - t0 < 20
    assert not [r for r in recs if r.error and "longer than the limit" in r.error]
    assert {r.name or r.text for r in recs} == {r.name or r.text for r in scan_ttgir(text)}


def test_ttgir_robustness():
    assert scan_ttgir("") == []
    text = """
#a = #ttg.blocked<{order = [0]
#b = #ttg.slice<{dim = 0, parent = #a}>
#loc = loc("tensor<4xf16, #a>")
%0 = foo : tensor<4x?xf16, #b>
%1 = foo : tensor<f32>
%2 = foo : tensor<8xf16, #zz>
"""
    recs = {r.name or r.text: r for r in scan_ttgir(text)}
    assert "expected" in recs["a"].error
    assert "while" in recs["b"].error or "alias" in recs["b"].error
    assert recs["#zz"].error and "unknown alias '#zz'" in recs["#zz"].error
    assert recs["#zz"].shapes == [(8,)]
    with pytest.raises(LayoutError, match="text: expected"):
        scan_ttgir(None)
    assert expand_aliases("#x.y<{p = #a}>", {"a": "#q.r<{}>"}) == "#x.y<{p = #q.r<{}>}>"
    with pytest.raises(LayoutError, match="deeper than 64"):
        expand_aliases("#a", {"a": "#x.y<{p = #a}>"})


# ------------------------------------------------------------------ live differential (triton subprocess)


def _live_cases(triton_python: str, per_family: int, seed: int) -> list[dict]:
    """Fresh random Gluon layouts of every family, run through Triton now (tests/tools generator)."""
    import random
    import sys

    tools = os.path.join(os.path.dirname(__file__), "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import gen_triton_text as gen

    rng = random.Random(seed)
    by_family: dict[str, list] = {}
    for c in gen.gen_cases(seed=seed):
        by_family.setdefault(c["family"], []).append(c)
    picked = [c for cs in by_family.values() for c in rng.sample(cs, min(per_family, len(cs)))]
    results, _ = gen.run_cases(picked, python=triton_python)
    out = []
    for c, r in zip(picked, results):
        if r.get("crash") or "error" in r:
            continue  # Triton rejected the random parameters
        out.append({**c, "text": r["text"], "ll": r["ll"]})
    return out


def _check_live(cases: list[dict]) -> int:
    reg = attrs_mod._registry()
    checked = 0
    for case in cases:
        node = parse(case["text"])
        assert format_attr(node) == case["text"]
        if case["ll"] is None or not all(n in reg for n in _attr_names(node)):
            continue
        got = from_triton(case["text"], case["shape"])
        want = _expected(case)
        if case["kind"] == "t":
            for d in ("row", "col"):
                assert got.bases[d] == want.bases[d], case["gluon"]
        else:
            assert got == want, (case["gluon"], case["shape"])
        checked += 1
    return checked


@pytest.mark.triton
def test_live_every_family_against_triton(triton_python):
    """Random Gluon layouts of every family (new seed each run): Triton's printed text through the
    grammar reprints exactly, and from_triton gives Triton's toLinearLayout."""
    seed = int(time.time()) % 100_000
    cases = _live_cases(triton_python, per_family=3, seed=seed)
    assert cases, f"seed {seed}: Triton accepted none of the random layouts"
    _check_live(cases)


@pytest.mark.triton
@pytest.mark.slow
def test_live_every_family_against_triton_long(triton_python):
    seed = int(time.time()) % 100_000
    assert _check_live(_live_cases(triton_python, per_family=40, seed=seed)) > 100, seed


_GLUON_PRINT = r"""
import json, sys
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
import triton.experimental.gluon.language as ttgl
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
f16 = b.get_half_ty()
out = []
for g in json.loads(sys.stdin.read()):
    if "reg_bases" in g:
        t = str(b.get_distributed_ty(f16, g["shape"], ttgl.DistributedLinearLayout(**g)._to_ir(b)))
    else:
        shape = g.pop("shape")
        t = str(b.get_shared_mem_desc_ty(f16, shape, ttgl.SharedLinearLayout(**g)._to_ir(b), shape))
    out.append(t[t.index(", #") + 2 : t.rindex(">")].split(", #ttg.shared_memory")[0])
print(json.dumps(out))
"""


def _random_layout(rng, kind: str) -> LinearLayout:
    """Like surjective_layouts(), from a plain random.Random (for the subprocess test)."""
    rank = rng.choice([1, 2, 3])
    logs = [rng.randint(0, 3) for _ in range(rank)]
    logs[rng.randrange(rank)] += 1
    units = [[(1 << k) if d == j else 0 for j in range(rank)] for d in range(rank) for k in range(logs[d])]
    rng.shuffle(units)
    names = ["register", "lane", "warp", "block"] if kind == "distributed" else ["offset", "block"]
    mixable = {"warp"} if kind == "distributed" else {"offset", "block"}
    bases = {n: [] for n in names}
    placed = []
    for u in units:
        n = rng.choice(names)
        if n in mixable and placed and rng.random() < 0.5:
            u = [a ^ b for a, b in zip(u, rng.choice(placed))]
        bases[n].append(u)
        placed.append(u)
    for n in names:
        if rng.random() < 0.3:
            bases[n].insert(rng.randint(0, len(bases[n])), [0] * rank)
    if kind == "shared" and not bases["offset"]:
        bases["offset"].append([0] * rank)
    return LinearLayout.from_bases(bases, [(f"dim{i}", 1 << lg) for i, lg in enumerate(logs)])


@pytest.mark.triton
def test_live_to_triton_and_to_gluon_against_gluon(triton_python):
    """Gluon's DistributedLinearLayout(**to_gluon(L)) / SharedLinearLayout prints exactly to_triton(L),
    including Triton's choice between #ttg.linear and #ttg.generic_linear."""
    import random

    rng = random.Random(int(time.time()) % 100_000)
    layouts = [_random_layout(rng, k) for k in ["distributed"] * 40 + ["shared"] * 20]
    args = []
    for L in layouts:
        g = to_gluon(L)
        if "offset_bases" in g:
            g["shape"] = list(L.out_dims.values())
        args.append(g)
    r = subprocess.run([triton_python, "-c", _GLUON_PRINT], input=json.dumps(args), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    printed = json.loads(r.stdout.strip().splitlines()[-1])
    assert [to_triton(L) for L in layouts] == printed


# ------------------------------------------------------------------ to_triton always reads back

_ANY_DISTRIBUTED = st.one_of(
    distributed_layouts(broadcast=st.booleans()),
    layouts(
        in_dims=["register", "lane", "warp", "block"], out_dims=["dim0", "dim1"], max_dim_bits=2),
)
_ANY_SHARED = st.one_of(
    shared_layouts(),
    layouts(in_dims=["offset", "block"], out_dims=["dim0"],
                                                            max_dim_bits=3),
)


@given(st.one_of(_ANY_DISTRIBUTED, _ANY_SHARED))
def test_to_triton_reads_back_or_says_no_text(L):
    """Any distributed or shared layout: to_triton's text parses back to the same layout,
    or to_triton raises LayoutError."""
    try:
        text = to_triton(L)
    except LayoutError as e:
        assert str(e).startswith("layout:"), str(e)
        return
    assert from_triton(text, list(L.out_dims.values())) == L


@given(distributed_layouts(xor_mix=False).filter(lambda L: L.total_out_bits > 0),
       shared_layouts().filter(lambda L: L.total_out_bits > 0))
def test_to_triton_prints_every_unswizzled_or_shared_bijection(D, S):
    """Triton can spell every distributed bijection without XOR-mixed bases and every
    swizzled shared layout (of at least two elements)."""
    for L in (D, S):
        assert from_triton(to_triton(L), list(L.out_dims.values())) == L


def test_scan_ttgir_alias_chains_stay_linear():
    """10,000 aliases, each a slice of the previous one (the chain goes deeper than the
    nesting limit), and 10,000 plain aliases: every record comes back, the deep ones with
    the nesting error (20,000 took over 120 s when each alias re-parsed the chain); one
    more alias than MAX_TTGIR_ALIASES is refused before any work."""
    B = "#ttg.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>"
    lines = ["#a0 = " + B] + [f"#a{i} = #ttg.slice<{{dim = 0, parent = #a{i - 1}}}>" for i in range(1, 10000)]
    lines += [f"#b{i} = #a0" for i in range(10000)]
    recs = {r.name: r for r in scan_ttgir("\n".join(lines))}
    assert len(recs) == 20000
    assert recs["a10"].node is not None and "nesting deeper" in recs["a9999"].error
    assert recs["b9999"].description == recs["a0"].description
    with pytest.raises(LayoutError, match="MAX_TTGIR_ALIASES"):
        scan_ttgir("\n".join(lines + ["#c = #a0"]))
