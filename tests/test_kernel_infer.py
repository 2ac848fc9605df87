"""Layout inference through shape ops: laws first, then Triton 3.9.0's stored answers.

Stored answers: tests/data/triton_infer.json (tests/tools/gen_infer_cases.py).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout import LayoutError, LinearLayout, from_triton
from linlayout.kernel.infer import SHAPE_OPS
from linlayout.testing import distributed_layouts, hardware_layouts

DATA = os.path.join(os.path.dirname(__file__), "data", "triton_infer.json")
with open(DATA) as _f:
    CASES = json.load(_f)["cases"]

DIMS = ("register", "lane", "warp", "block")
BLOCKED = (
    "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
)


def _ll(bases: dict, shape) -> LinearLayout:
    outs = [(f"dim{i}", s) for i, s in enumerate(shape)]
    return LinearLayout.from_bases({k: bases[k] for k in DIMS}, outs, require_surjective=False)


def _encoding(type_text: str) -> str:
    """The encoding of a printed tensor type ``tensor<AxBxf32, #enc>``."""
    return type_text[type_text.index(", #") + 2 : -1]


# ------------------------------------------------------------------------------------- laws

linear_operands = distributed_layouts(num_warps=st.sampled_from([1, 2, 4]), broadcast=True, xor_mix=False)


def _perm(draw, rank):
    return draw(st.permutations(list(range(rank))))


@given(linear_operands, st.data())
def test_trans_twice_with_inverse_order_is_identity(L, data):
    rank = len(L.out_dims)
    order = data.draw(st.permutations(list(range(rank))))
    inv = [order.index(i) for i in range(rank)]
    T = ll.infer_layout("tt.trans", [L], order=order)
    assert ll.infer_layout("tt.trans", [T], order=inv) == L


@given(hardware_layouts("sm_80", kind="distributed", with_description=True), st.data())
def test_trans_puts_each_element_where_the_op_does(hw, data):
    desc, shape, L = hw
    rank = len(shape)
    order = data.draw(st.permutations(list(range(rank))))
    T = ll.infer_layout("tt.trans", [(desc.to_triton(), shape)], order=order)
    assert list(T.out_dims.values()) == [shape[o] for o in order]
    for k in DIMS:  # the element at every hardware index is the transposed one (linear: per basis)
        assert T.bases[k] == [[b[o] for o in order] for b in L.bases[k]]


def _row_major(coords, shape):
    idx = 0
    for c, s in zip(coords, shape):
        idx = idx * s + c
    return idx


@given(hardware_layouts("sm_80", kind="distributed", with_description=True), st.data())
def test_reshape_puts_each_element_where_the_op_does(hw, data):
    desc, shape, L = hw
    n = 1
    for s in shape:
        n *= s
    bits = n.bit_length() - 1
    cut = sorted(data.draw(st.lists(st.integers(0, bits), max_size=2)))
    new = [1 << (b - a) for a, b in zip([0, *cut], [*cut, bits])]
    for spelled in ((desc.to_triton(), shape), L):
        R = ll.infer_layout("tt.reshape", [spelled], shape=new)
        for k in DIMS:
            assert len(R.bases[k]) == len(L.bases[k])
            for a, b in zip(L.bases[k], R.bases[k]):
                assert _row_major(a, shape) == _row_major(b, new)


@given(linear_operands)
def test_join_then_split_is_identity_and_join_adds_a_register_bit(L):
    J = ll.infer_layout("tt.join", [L, L])
    rank = len(L.out_dims)
    assert J.bases["register"][0] == [0] * rank + [1]
    for k in DIMS:
        rest = J.bases[k][1:] if k == "register" else J.bases[k]
        assert rest == [[*b, 0] for b in L.bases[k]]
    a, b = ll.infer_layout("tt.split", [J])
    assert a == b == L


@given(hardware_layouts("sm_80", kind="distributed", with_description=True))
def test_join_then_split_restores_a_spelled_layout(hw):
    desc, shape, L = hw
    text = desc.to_triton()
    joined = ll.infer_encoding("tt.join", [(text, shape), (text, shape)])
    a, b = ll.infer_layout("tt.split", [(joined, [*shape, 2])])
    assert a == b == L


@given(linear_operands, st.data())
def test_expand_dims_then_reduce_on_that_axis(L, data):
    rank = len(L.out_dims)
    axis = data.draw(st.integers(0, rank))
    E = ll.infer_layout("tt.expand_dims", [L], axis=axis)
    assert E.out_dims[f"dim{axis}"] == 1
    R = ll.infer_layout("tt.reduce", [E], axis=axis)
    assert R == L.remove_zero_bases("register")


@given(hardware_layouts("sm_80", kind="distributed", with_description=True), st.data())
def test_reduce_then_expand_dims_gives_the_parent_back(hw, data):
    desc, shape, L = hw
    if len(shape) < 2:
        return
    axis = data.draw(st.integers(0, len(shape) - 1))
    text = ll.infer_encoding("tt.reduce", [(desc.to_triton(), shape)], axis=axis)
    small = [s for i, s in enumerate(shape) if i != axis]
    E = ll.infer_layout("tt.expand_dims", [(text, small)], axis=axis)
    assert E == desc.to_linear_layout([1 if i == axis else s for i, s in enumerate(shape)])
    # backward: the operand that makes reduce free is the parent
    P = ll.infer_operand_layout("tt.reduce", (text, small), axis=axis, shape=list(shape))
    assert P == L


@given(linear_operands, st.data())
def test_backward_then_forward_gives_the_result(R, data):
    rank = len(R.out_dims)
    order = data.draw(st.permutations(list(range(rank))))
    A = ll.infer_operand_layout("tt.trans", R, order=order)
    assert ll.infer_layout("tt.trans", [A], order=order) == R
    shape = list(R.out_dims.values())
    n = 1
    for s in shape:
        n *= s
    A = ll.infer_operand_layout("tt.reshape", R, shape=[n])
    assert ll.infer_layout("tt.reshape", [A], shape=shape) == R
    S = ll.infer_operand_layout("tt.split", R)
    assert ll.infer_layout("tt.split", [S]) == (R, R)
    axis = data.draw(st.integers(0, rank))
    E = ll.infer_layout("tt.expand_dims", [R], axis=axis)
    sliced = ll.infer_operand_encoding("tt.expand_dims", E, axis=axis)
    assert ll.infer_layout("tt.expand_dims", [(sliced, shape)], axis=axis) == E
    # a #ttg.linear result: the reduced dim goes to registers, and the reduction gives R back
    P = ll.infer_operand_layout("tt.reduce", R, axis=axis, shape=[*shape[:axis], 4, *shape[axis:]])
    assert ll.infer_layout("tt.reduce", [P], axis=axis) == R.remove_zero_bases("register")


@given(linear_operands, st.data())
def test_broadcast_backward_and_gather_keep_the_layout(R, data):
    shape = list(R.out_dims.values())
    axis = data.draw(st.integers(0, len(shape) - 1))
    small = [1 if i == axis else s for i, s in enumerate(shape)]
    A = ll.infer_operand_encoding("tt.broadcast", R, shape=small)
    assert ll.infer_layout("tt.broadcast", [(A, small)], shape=shape) == R
    assert ll.infer_operand_layout("tt.broadcast", R, shape=small) == from_triton(A, small)
    assert ll.infer_layout("tt.gather", [R, R], axis=axis) == R
    assert ll.infer_operand_layout("tt.gather", R, axis=axis) == R


@settings(max_examples=30)
@given(linear_operands)
def test_join_backward_is_split(R):
    if R.out_dims[f"dim{len(R.out_dims) - 1}"] != 2:
        with pytest.raises(LayoutError):
            ll.infer_operand_layout("tt.join", R)
        return
    try:
        A = ll.infer_operand_layout("tt.join", R)
    except LayoutError:
        assert len(R.out_dims) == 1 or not any(b[-1] == 1 for b in R.bases["register"])
        return
    assert ll.infer_layout("tt.split", [R])[0] == A


# ------------------------------------------------------------------------------------- examples


def test_examples_from_the_reference():
    A = (BLOCKED, [32, 64])
    got = ll.infer_encoding("tt.reshape", [A], shape=[32, 32, 2])
    assert got == (
        "#ttg.blocked<{sizePerThread = [1, 2, 2], threadsPerWarp = [4, 8, 1], warpsPerCTA = [2, 2, 1], "
        "order = [2, 1, 0]}>"
    )
    assert ll.infer_encoding("tt.join", [A, A]).startswith("#ttg.blocked<{sizePerThread = [1, 4, 2]")
    assert ll.infer_encoding("tt.reduce", [A], axis=1).startswith("#ttg.slice<{dim = 1")


@pytest.mark.parametrize(
    "op, operands, attrs, arg",
    [
        ("tt.trans", "blocked", {"order": [0, 0]}, "order"),
        ("tt.trans", "blocked", {}, "order"),
        ("tt.reshape", "blocked", {"shape": [1024]}, "shape"),
        ("tt.reshape", "blocked", {"shape": [3, 64]}, "shape"),
        ("tt.expand_dims", "blocked", {"axis": 0}, "operands[0]"),
        ("tt.expand_dims", "slice", {"axis": 0}, "axis"),
        ("tt.expand_dims", "slice", {"axis": 5}, "axis"),
        ("tt.reduce", "blocked", {"axis": 2}, "axis"),
        ("tt.broadcast", "blocked", {"shape": [32, 128]}, "shape"),
        ("tt.split", "blocked", {}, "operands[0]"),
        ("tt.join", "two_shapes", {}, "operands"),
        ("tt.gather", "two_shapes", {"axis": 1}, "operands[1]"),
        ("tt.frobnicate", "blocked", {}, "op"),
        ("tt.trans", "nonsense", {"order": [1, 0]}, "operands[0]"),
        ("tt.trans", "shared", {"order": [1, 0]}, "operands[0]"),
        ("tt.trans", "blocked", {"order": [1, 0], "bogus": 1}, "bogus"),
    ],
)
def test_bad_input_names_the_argument(op, operands, attrs, arg):
    b = (BLOCKED, [32, 64])
    s = (f"#ttg.slice<{{dim = 1, parent = {b[0]}}}>", [32])
    ops = {
        "blocked": [b],
        "slice": [s],
        "two_shapes": [b, (b[0], [64, 64])],
        "nonsense": [42],
        "shared": [
            (
                "#ttg.swizzled_shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>",
                [32, 64],
            )
        ],
    }[operands]
    with pytest.raises(LayoutError) as e:
        ll.infer_layout(op, ops, **attrs)
    assert str(e.value).startswith(arg + ":"), str(e.value)


# ------------------------------------------------------------------------------------- Triton


def _operand(o: dict, spelling: str, op: str):
    if spelling == "attr":
        return (o["text"], o["shape"])
    return _ll(o["bases"], o["shape"])


BUILD = [c for c in CASES if c["kind"] == "build"]


def test_the_stored_answers_cover_the_families():
    fams = {o["family"] for c in BUILD for o in c["operands"]}
    for want in ("blocked", "slice", "nvidia_mma", "dot_op", "amd_mfma", "amd_wmma", "linear"):
        assert any(f.startswith(want) for f in fams), want
    ops = {c["op"] for c in CASES}
    assert ops >= {
        "tt.trans",
        "tt.reshape",
        "tt.join",
        "tt.split",
        "tt.expand_dims",
        "tt.broadcast",
        "tt.reduce",
        "tt.gather",
        "tt.cat",
        "tt.histogram",
    }
    assert len(CASES) > 300


def _build_mismatch(case) -> str | None:
    """Why linlayout's answer differs from Triton's for a stored build case, or None."""
    operands = [_operand(o, case["spelling"], case["op"]) for o in case["operands"]]
    if "error" in case:
        try:
            ll.infer_layout(case["op"], operands, **case["attrs"])
        except LayoutError:
            return None
        return "Triton refuses, linlayout does not"
    got = ll.infer_layout(case["op"], operands, **case["attrs"])
    got = list(got) if isinstance(got, tuple) else [got]
    want = case["results"]
    if len(got) != len(want):
        return f"{len(got)} results, Triton {len(want)}"
    for g, w, shape in zip(got, want, case["result_shapes"]):
        if g != _ll(w["bases"], shape):
            return f"layout {g} != Triton's {w['bases']}"
    if case["spelling"] == "attr":
        enc = ll.infer_encoding(case["op"], operands, **case["attrs"])
        enc = list(enc) if isinstance(enc, tuple) else [enc]
        for e, w, shape in zip(enc, want, case["result_shapes"]):
            # the same attribute kind (blocked stays blocked, a slice stays a slice, ...) and
            # the same layout when linlayout reads Triton's text back
            t = _encoding(w["type"])
            if e.split("<", 1)[0] != t.split("<", 1)[0] or from_triton(e, shape) != from_triton(t, shape):
                return f"encoding {e} != Triton's {t}"
    return None


GROUPS = sorted({(c["op"], c["spelling"]) for c in BUILD})


@pytest.mark.parametrize("op, spelling", GROUPS, ids=[f"{o}-{s}" for o, s in GROUPS])
def test_build_matches_triton(op, spelling):
    cases = [c for c in BUILD if c["op"] == op and c["spelling"] == spelling]
    bad = [(c["id"], why) for c in cases if (why := _build_mismatch(c))]
    assert not bad, f"{len(bad)}/{len(cases)} differ; first: {bad[:3]}"


VERIFY = [c for c in CASES if c["kind"] == "verify"]


@pytest.mark.parametrize("case", VERIFY, ids=[c["id"] for c in VERIFY])
def test_result_layouts_the_verifier_accepts(case):
    ops = [(o["text"], o["shape"]) for o in case["operands"]]
    hint = (case["result"]["text"], case["result"]["shape"])
    if case["accepted"]:
        got = ll.infer_layout(case["op"], ops, result=hint, **case["attrs"])
        assert got == from_triton(*hint)
    else:
        with pytest.raises(LayoutError):
            ll.infer_layout(case["op"], ops, result=hint, **case["attrs"])


TTIR = [c for c in CASES if c["kind"] == "ttir"]


def _ttgir_op_types(ttgir: str, op: str) -> tuple[str, str, dict]:
    """(operand encoding, result encoding, aliases) of ``op`` in a TTGIR dump."""
    aliases = dict(re.findall(r"^#(\w+) = (#ttg\.\w+<.*>)$", ttgir, re.M))
    line = next(ln for ln in ttgir.splitlines() if f"{op} " in ln)
    types = re.findall(r"tensor<[^>]*?(#\w+)>", line)
    return types[0], types[-1], aliases


@pytest.mark.parametrize("case", TTIR, ids=[c["id"] for c in TTIR])
def test_ttir_to_ttgir_encodings(case):
    src, res, aliases = _ttgir_op_types(case["ttgir"], case["op"])
    operand = (aliases[src[1:]], case["shape"])
    want = from_triton(aliases[res[1:]], case["result_shape"])
    if case["op"] == "tt.cat":
        got = ll.infer_layout("tt.cat", [operand, operand])
    elif case["op"] == "tt.reshape":
        got = ll.infer_layout("tt.reshape", [operand], shape=case["result_shape"])
    else:
        got = ll.infer_layout("tt.histogram", [operand], num_bins=case["result_shape"][0])
        assert ll.infer_layout("tt.histogram", [operand], shape=case["result_shape"]) == got
    assert got == want


# ------------------------------------------------------------------------------------- kernels

with open(DATA.replace(".json", "_kernels.json")) as _f:
    KERNELS = json.load(_f)["kernels"]


def _tensor_types(line: str) -> list[tuple[list[int], str]]:
    """(shape, encoding text) of every ``tensor<AxBxT, #enc>`` in a TTGIR line, in order."""
    out = []
    i = line.find("tensor<")
    while i >= 0:
        depth, j = 0, i + len("tensor")
        while True:
            depth += {"<": 1, ">": -1}.get(line[j], 0)
            if depth == 0:
                break
            j += 1
        body = line[i + len("tensor<") : j]
        dims, enc = body.split(", ", 1)
        out.append(([int(d) for d in dims.split("x")[:-1]], enc))
        i = line.find("tensor<", j)
    return out


def _kernel_shape_ops(ttgir: str):
    """(op, operand types, result types, attrs) of each shape op in a dump (aliases expanded)."""
    from linlayout.triton.ttgir import expand_aliases, find_aliases

    aliases = find_aliases(ttgir)
    reduce_axis = None
    for line in ttgir.splitlines():
        m = re.search(r"= (tt\.\w+) ", line)
        if '"tt.reduce"' in line:
            reduce_axis = int(re.search(r"axis = (\d+)", line).group(1))
            continue
        if reduce_axis is not None and line.strip().startswith("}) :"):
            types = [(sh, expand_aliases(e, aliases)) for sh, e in _tensor_types(line)]
            yield "tt.reduce", types[:1], types[1:], {"axis": reduce_axis}
            reduce_axis = None
            continue
        if not m or m.group(1) not in SHAPE_OPS:
            continue
        op = m.group(1)
        types = [(sh, expand_aliases(e, aliases)) for sh, e in _tensor_types(line)]
        n_in = 2 if op == "tt.join" else 1
        attrs = {}
        if op == "tt.trans":
            attrs["order"] = [int(x) for x in re.search(r"array<i32: ([\d, ]+)>", line).group(1).split(", ")]
        elif op in ("tt.reshape", "tt.broadcast"):
            attrs["shape"] = types[-1][0]
        elif op == "tt.expand_dims":
            attrs["axis"] = int(re.search(r"axis = (\d+)", line).group(1))
        if op == "tt.join":
            types = [types[0], *types]  # both operands have the one printed type
        yield op, types[:n_in], types[n_in:], attrs


def test_gluon_kernels_ttgir_shows_the_inferred_types():
    """Every shape op in 30 Gluon kernels' TTGIR (as the frontend builds it, Triton's own
    inference): linlayout infers the same result encoding.  Gluon types a split's halves as
    ``#ttg.slice`` of the operand (its builder does not infer split), which the verifier
    accepts modulo register broadcast: linlayout's inferred layout agrees up to that."""
    counts: dict[str, int] = {}
    bad = []
    for k in KERNELS:
        for op, ins, outs, attrs in _kernel_shape_ops(k["ttgir"]):
            counts[op] = counts.get(op, 0) + 1
            operands = [(e, sh) for sh, e in ins]
            got = ll.infer_layout(op, operands, **attrs)
            got = list(got) if isinstance(got, tuple) else [got]
            for g, (sh, e) in zip(got, outs):
                want = from_triton(e, sh)
                if op == "tt.split":
                    ok = g.remove_zero_bases("register") == want.remove_zero_bases("register")
                else:
                    ok = (
                        g == want
                        and ll.infer_encoding(op, operands, **attrs).split("<")[0] == e.split("<")[0]
                    )
                if not ok:
                    bad.append((k["id"], op, e[:80]))
    assert not bad, f"{len(bad)} differ; first: {bad[:3]}"
    assert set(counts) >= {"tt.trans", "tt.reshape", "tt.join", "tt.split", "tt.expand_dims", "tt.broadcast"}
    assert counts["tt.reduce"] >= 30


# ------------------------------------------------------------------------------------- live


@pytest.mark.triton
def test_live_against_triton(triton_python, tmp_path):
    """A few fresh shape ops asked of Triton now (the tl builder), compared bit for bit."""
    import subprocess
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tools"))
    import gen_infer_cases as gen

    mma = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>"
    blk = (
        "#ttg.blocked<{sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], "
        "order = [0, 1]}>"
    )
    questions = []
    for text in (mma, blk):
        for op, attrs, rshape in (
            ("tt.trans", {"order": [1, 0]}, [[128, 64]]),
            ("tt.reshape", {"shape": [64, 8, 16]}, [[64, 8, 16]]),
            ("tt.reduce", {"axis": 0}, [[128]]),
        ):
            questions.append(
                {
                    "id": f"{op}-{len(questions)}",
                    "kind": "build",
                    "op": op,
                    "attrs": attrs,
                    "module": gen._module([(text, [64, 128], "f32")], "", 4, 32),
                    "result_shapes": rshape,
                    "text": text,
                }
            )
    proc = subprocess.run(
        [triton_python, gen.__file__, "--worker"],
        input="".join(json.dumps(q) + "\n" for q in questions),
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    answers = {a["id"]: a for a in map(json.loads, filter(None, proc.stdout.splitlines()))}
    assert len(answers) == len(questions)
    for q in questions:
        r = answers[q["id"]]["results"][0]
        got = ll.infer_layout(q["op"], [(q["text"], [64, 128])], **q["attrs"])
        assert got == _ll(r["bases"], q["result_shapes"][0])


# ------------------------------------------------------------------------------------- per thread


def _per_thread(L: LinearLayout) -> dict[tuple, set]:
    """For each (lane, warp, block): the set of tensor coordinates its registers hold."""
    out: dict[tuple, set] = {}
    ins = L.in_dims
    for b in range(ins["block"]):
        for w in range(ins["warp"]):
            for t in range(ins["lane"]):
                out[(t, w, b)] = {
                    tuple(L.apply(register=r, lane=t, warp=w, block=b).values())
                    for r in range(ins["register"])
                }
    return out


small_hw = st.one_of(
    hardware_layouts(
        "sm_80", kind="distributed", with_description=True, shape=st.sampled_from([[16, 32], [64, 8]])
    ),
    hardware_layouts(
        "gfx942", kind="distributed", with_description=True, shape=st.sampled_from([[32, 32], [64, 16]])
    ),
)


@settings(max_examples=25)
@given(small_hw, st.data())
def test_reduce_leaves_each_thread_the_rows_it_reduced(hw, data):
    desc, shape, L = hw
    axis = data.draw(st.integers(0, len(shape) - 1))
    R = ll.infer_layout("tt.reduce", [(desc.to_triton(), shape)], axis=axis)
    want = {k: {c[:axis] + c[axis + 1 :] for c in v} for k, v in _per_thread(L).items()}
    assert _per_thread(R) == want


@settings(max_examples=25)
@given(small_hw, st.data())
def test_broadcast_needs_no_data_from_other_threads(hw, data):
    desc, shape, L = hw
    axis = data.draw(st.integers(0, len(shape) - 1))
    small = [1 if i == axis else s for i, s in enumerate(shape)]
    text = desc.to_triton()
    B = ll.infer_layout("tt.broadcast", [(text, small)], shape=shape)
    A = _per_thread(from_triton(text, small))
    for k, held in _per_thread(B).items():
        assert {c[:axis] + (0,) + c[axis + 1 :] for c in held} <= A[k]


@settings(max_examples=25)
@given(small_hw)
def test_join_and_split_keep_each_thread_its_elements(hw):
    desc, shape, L = hw
    text = desc.to_triton()
    J = ll.infer_layout("tt.join", [(text, shape), (text, shape)])
    held = _per_thread(L)
    for k, v in _per_thread(J).items():
        assert v == {(*c, i) for c in held[k] for i in (0, 1)}
    Jtext = ll.infer_encoding("tt.join", [(text, shape), (text, shape)])
    for half in ll.infer_layout("tt.split", [(Jtext, [*shape, 2])]):
        assert _per_thread(half) == held
