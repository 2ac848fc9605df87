"""Blackwell tensor memory: TMEM encodings, tcgen05.ld/st register layouts, SM120 scales.

Stored Triton 3.9.0 answers (tests/data/triton_memory_tmem*.json, triton_memory_sm120.json,
written by tests/tools/gen_memory_cases.py) are checked through the description classes
and, when the text parser exists, through ``from_triton``.  Gluon's ``to_linear_layout``
returns only the row/col bases of TMEM layouts; the block bases are checked against the
CGA formula here and against Triton through the register layouts (which keep them).
"""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.hardware.cga import shape_per_cta
from linlayout.hardware.tmem import (
    TMEM_ATOMS,
    TensorMemoryLayout,
    TensorMemoryScalesLayout,
    sm120_scale_layout,
    tmem_reg_layout,
    tmem_reg_layouts,
    tmem_tile_layout,
)

DATA = os.path.join(os.path.dirname(__file__), "data")
HAVE_PARSER = importlib.util.find_spec("linlayout.triton.attrs") is not None


def _load(name: str):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


TMEM = _load("triton_memory_tmem.json")
_REG = _load("triton_memory_tmem_reg.json")  # {"mems": [...], "cases": [... "m": index ...]}
REG = [dict(c, mem=_REG["mems"][c["m"]]) for c in _REG["cases"]]
SM120 = _load("triton_memory_sm120.json")
LITERAL = _load("triton_memory_conversions_test.json")


def _mem(kind: str, p: dict):
    return TensorMemoryLayout(**p) if kind == "tensor_memory" else TensorMemoryScalesLayout(**p)


# ----------------------------------------------------------------------------- TMEM encodings


@pytest.mark.parametrize("kind,minimum", [("tensor_memory", 2000), ("tensor_memory_scales", 90)])
def test_stored_tmem_cases_match_triton(kind, minimum):
    """Row/col bases, printed text and out sizes equal Triton's; LayoutError where Triton
    aborted; block bases = CGA bases scaled by the per-CTA shape."""
    n, bad = 0, []
    for c in TMEM:
        if c["kind"] != kind:
            continue
        n += 1
        try:
            obj = _mem(kind, c["p"])
            L = obj.to_linear_layout(c["s"])
        except LayoutError as e:
            if "err" not in c:
                bad.append((c, str(e)))
            continue
        if "err" in c:
            bad.append((c, "Triton aborted but we answered"))
            continue
        per = shape_per_cta(c["s"], c["p"]["cga_layout"])
        block = [[b[0] * per[0], b[1] * per[1]] for b in c["p"]["cga_layout"]]
        if (
            {"row": L.bases["row"], "col": L.bases["col"]} != c["b"]
            or obj.to_triton() != c["t"]
            or list(L.out_dims.values()) != c["s"]
            or list(L.in_dims) != ["row", "col", "block"]
            or L.bases["block"] != block
        ):
            bad.append((c, L.bases, obj.to_triton()))
    assert n >= minimum
    assert not bad, f"{len(bad)} of {n} differ, first: {bad[0]}"


def test_verify_matches_the_memdesc_verifier():
    """``verify(shape, bits)`` refuses exactly the (layout, shape, dtype) memdescs Triton refused."""
    n = 0
    for c in TMEM:
        if "err" in c:
            continue
        obj = _mem(c["kind"], c["p"])
        if "verr" in c:
            with pytest.raises(LayoutError):
                obj.verify(c["s"], c["bits"])
        else:
            obj.verify(c["s"], c["bits"])
        n += 1
    assert n > 2000
    with pytest.raises(LayoutError, match="col_stride"):
        TensorMemoryLayout((128, 128), 2).verify([128, 128], 32)
    with pytest.raises(LayoutError, match="fp4_padded"):
        TensorMemoryLayout((128, 128), 2, fp4_padded=True).verify([128, 128], 8)
    # Triton: "the tensor shape must be at least 128x64. Got 64, 64" (rows: a whole block_m)
    with pytest.raises(LayoutError, match="at least 128x64"):
        TensorMemoryLayout((128, 128)).verify([64, 64], 32)
    TensorMemoryLayout((128, 128)).verify([128, 64], 32)


@pytest.mark.skipif(not HAVE_PARSER, reason="linlayout.triton.attrs not written yet")
def test_stored_tmem_cases_through_from_triton():
    from linlayout.triton.attrs import from_triton
    from linlayout.triton.grammar import parse

    n = 0
    for c in TMEM:
        if "err" in c:
            continue
        L = from_triton(c["t"], c["s"])
        assert {"row": L.bases["row"], "col": L.bases["col"]} == c["b"], c
        obj = _mem(c["kind"], c["p"])
        back = type(obj).from_triton_params(parse(c["t"]).params)
        assert back == obj and back.to_triton() == c["t"]
        n += 1
    assert n > 2000


def test_literal_tmem_expectations():
    """TensorMemory_blockM_64 / _blockM_128 / _fp4Padded / _CTASplit of
    LinearLayoutConversionsTest.cpp (block bases included)."""
    cases = [c for c in LITERAL if c["kind"] == "tensor_memory"]
    assert len(cases) == 9
    for c in cases:
        assert c["wheel_agrees"]
        L = TensorMemoryLayout(**c["p"]).to_linear_layout(c["s"])
        assert L.bases == c["expected"], c["id"]


def test_ctasplit_equals_product_with_block():
    """TensorMemory_CTASplit: the split layout is the half layout times identity(block)."""
    full = TensorMemoryLayout((128, 64), cga_layout=[[0, 1]]).to_linear_layout([128, 128])
    half = TensorMemoryLayout((128, 64)).to_linear_layout([128, 64])
    assert full == half * LinearLayout.identity("block", 2, "dim1")


@given(
    st.sampled_from([64, 128]),
    st.sampled_from([8, 32, 64, 256]),
    st.sampled_from([1, 2]),
    st.sampled_from([[128, 64], [128, 256], [256, 128], [512, 512]]),
)
def test_tmem_bases_are_unit_or_zero_and_span_the_shape(bm, bn, cs, shape):
    """Every basis is zero or one power of two; the layout reaches every element."""
    L = TensorMemoryLayout((bm, bn), cs).to_linear_layout(shape)
    assert L.is_surjective()
    for bl in L.bases.values():
        for b in bl:
            nz = [v for v in b if v]
            assert len(nz) <= 1 and all(v & (v - 1) == 0 for v in nz)


# ----------------------------------------------------------------------------- tcgen05.ld/st


def test_stored_register_layouts_match_triton():
    """compute_tmem_reg_layout (and Gluon's 32x32b_splitn): every stored case, block bases
    included; LayoutError where Triton had none or refused."""
    bad = []
    counts = {"ok": 0, "refused": 0}
    for c in REG:
        m, p = c["mem"], c["p"]
        mem = _mem(m["kind"], m["p"])
        try:
            L = tmem_reg_layout(
                mem, c["s"], element_bitwidth=c["bits"], num_warps=p["num_warps"], atom=p["atom"]
            )
        except LayoutError as e:
            counts["refused"] += 1
            if "err" not in c:
                bad.append((c, str(e)))
            continue
        counts["ok"] += 1
        if "err" in c:
            bad.append((c, "Triton refused but we answered"))
        elif {k: L.bases[k] for k in ("register", "lane", "warp", "block")} != c["b"]:
            bad.append((c, L.bases))
        elif list(L.in_dims) != ["register", "lane", "warp", "block"] or list(L.out_dims.values()) != c["s"]:
            bad.append((c, L.in_dims, L.out_dims))
    assert counts["ok"] > 2500 and counts["refused"] > 1000
    assert not bad, f"{len(bad)} differ, first: {bad[0]}"


@pytest.mark.parametrize("num_warps", [4, 8, 16])
@pytest.mark.parametrize("block,cs,bits", [((128, 128), 1, 32), ((64, 64), 1, 16), ((128, 64), 2, 16)])
def test_register_layouts_cover_the_tile_once_per_warp_group(num_warps, block, cs, bits):
    """Each atom's layout: warps 0-3 own TMEM rows 32 and 64 (as lowerTMemLdSt requires);
    without the zero (duplicated or unused) bases the map is one-to-one; with them it
    reaches every element; the extra warp groups split the columns (or row 16) or
    broadcast."""
    mem = TensorMemoryLayout(block, cs)
    shape = [128, 128]
    tm = mem.to_linear_layout(shape)
    for atom, L in tmem_reg_layouts(mem, shape, element_bitwidth=bits, num_warps=num_warps).items():
        assert L.bases["warp"][0] == tm.get_basis("row", 5), atom
        assert L.bases["warp"][1] == tm.get_basis("row", 6), atom
        assert L.is_surjective(), atom
        nz = L
        for d in ("register", "lane", "warp"):
            nz = nz.remove_zero_bases(d)
        assert nz.is_injective(), atom
        one_group = L.sublayout(["register", "lane"], ["dim0", "dim1"])
        assert one_group.remove_zero_bases("register").remove_zero_bases("lane").is_injective()


_ATOM_RECT = {
    "32x32b": (32, 1),
    "16x64b": (16, 2),
    "16x128b": (16, 4),
    "16x256b": (16, 8),
    "16x32bx2": (16, 1),
}


@pytest.mark.parametrize("atom", TMEM_ATOMS)
def test_tile_layouts_are_the_ptx_message_shapes(atom):
    """One warp's message covers exactly the rows x 32-bit columns its name says."""
    rows, cols = _ATOM_RECT[atom]
    T = tmem_tile_layout(atom, with_warp=False)
    assert T.is_injective()
    nreg, nlane = T.in_dims["register"], T.in_dims["lane"]
    points = [T.apply(register=r, lane=ln) for r in range(nreg) for ln in range(nlane)]
    image = {(v["row"], v["col"]) for v in points}
    assert image == {(r, c) for r in range(rows) for c in range(cols)}
    W = tmem_tile_layout(atom)
    assert W.bases["warp"] == [[32, 0], [64, 0]]
    U = tmem_tile_layout(atom, unpacked=True)
    assert U.out_dims["col"] == 2 * W.out_dims["col"]


def test_register_layout_examples_and_errors():
    mem = TensorMemoryLayout((128, 128))
    L = tmem_reg_layout(mem, [128, 128], element_bitwidth=32, num_warps=8)
    assert L.bases["warp"] == [[32, 0], [64, 0], [0, 64]]
    L = tmem_reg_layout(mem, [128, 128], element_bitwidth=32, num_warps=4, atom="16x256b")
    assert L.bases["register"][:2] == [[0, 1], [8, 0]] and L.bases["register"][-1] == [16, 0]
    for kwargs, param in [
        ({"atom": "16x32bx2"}, "atom"),
        ({"atom": "8x8b"}, "atom"),
        ({"num_warps": 6}, "num_warps"),
        ({"num_warps": 2}, "num_warps"),
        ({"element_bitwidth": 64}, "element_bitwidth"),
    ]:
        args = {"element_bitwidth": 32, "num_warps": 4, **kwargs}
        with pytest.raises(LayoutError, match=param):
            tmem_reg_layout(mem, [128, 128], **args)
    with pytest.raises(LayoutError, match="memory"):
        tmem_reg_layout("tmem", [128, 128], element_bitwidth=32, num_warps=4)
    with pytest.raises(LayoutError, match="unsupported"):  # 16 8-bit columns: 4 32-bit, the atom needs 8
        tmem_reg_layout(mem, [128, 16], element_bitwidth=8, num_warps=4, atom="16x256b")


# ----------------------------------------------------------------------------- SM120 scales


def test_sm120_literal_expectations():
    cases = [c for c in LITERAL if c["kind"] == "sm120_scale"]
    assert len(cases) == 12
    for c in cases:
        L = sm120_scale_layout(c["s"], **c["p"])
        assert L.bases == c["expected"], c


@pytest.mark.skipif(not SM120, reason="no stored SM120 compile results")
def test_sm120_stored_compile_results():
    """Scale layouts Triton chose for tl.dot_scaled compiled for cuda:120."""
    for c in SM120:
        L = sm120_scale_layout(c["s"], **c["p"])
        assert {k: L.bases[k] for k in ("register", "lane", "warp", "block")} == c["b"], c


def test_sm120_errors():
    for kwargs, param in [
        ({"op_idx": 2, "warps_per_cta": [2, 2]}, "op_idx"),
        ({"op_idx": 0, "warps_per_cta": [3, 2]}, "warps_per_cta"),
        ({"op_idx": 0, "warps_per_cta": [2, 2, 1]}, "warps_per_cta"),
    ]:
        with pytest.raises(LayoutError, match=param):
            sm120_scale_layout([128, 4], **kwargs)
    with pytest.raises(LayoutError, match="shape"):
        sm120_scale_layout([128, 4, 2], op_idx=0, warps_per_cta=[2, 2])


# ----------------------------------------------------------------------------- parameter errors


@pytest.mark.parametrize(
    "make,param",
    [
        (lambda: TensorMemoryLayout((96, 64)), "block"),
        (lambda: TensorMemoryLayout((128, 48)), "block"),
        (lambda: TensorMemoryLayout((128,)), "block"),
        (lambda: TensorMemoryLayout((128, 64), 3), "col_stride"),
        (lambda: TensorMemoryLayout((128, 64), 0), "col_stride"),
        (lambda: TensorMemoryLayout((128, 64), two_ctas=True), "two_ctas"),
        (lambda: TensorMemoryLayout((128, 64), cga_layout=[[0, 2]]), "cga_layout"),
        (lambda: TensorMemoryLayout((128, 64), fp4_padded="yes"), "fp4_padded"),
        (lambda: TensorMemoryLayout((128, 64)).to_linear_layout([64, 64]), "shape"),
        (lambda: TensorMemoryLayout((128, 64)).to_linear_layout([128, 48]), "shape"),
        (lambda: TensorMemoryLayout((128, 64)).to_linear_layout([2, 128, 64]), "shape"),
        (lambda: TensorMemoryScalesLayout([[1, 0, 0]]), "cga_layout"),
        (lambda: TensorMemoryLayout.from_triton_params({"blockN": 64}), "blockM"),
        (lambda: TensorMemoryLayout.from_triton_params({"blockM": 64, "blockN": 64, "x": 1}), "x"),
        (lambda: TensorMemoryScalesLayout.from_triton_params({"blockM": 64}), "blockM"),
        (lambda: tmem_tile_layout("32x64b"), "atom"),
    ],
)
def test_bad_parameters_raise_layout_error_naming_them(make, param):
    with pytest.raises(LayoutError) as e:
        make()
    assert param in str(e.value)


# ----------------------------------------------------------------------------- robustness

_junk = st.one_of(st.integers(-3, 300), st.sampled_from([None, "x", 1.5, True, [], [1], [[1, 0]], (64, 64)]))
_shape = st.one_of(st.lists(st.sampled_from([1, 2, 16, 64, 128, 256, 2**20, 3]), max_size=3), _junk)


@given(
    st.one_of(st.sampled_from([(64, 64), (128, 256), (128, 8), (64, 3), (32, 64)]), _junk),
    st.sampled_from([1, 2, 4, 3, 0, None]),
    st.one_of(st.sampled_from([[], [[1, 0]], [[0, 1]], [[1, 0], [0, 1]], [[0, 0]], [[2, 0]]]), _junk),
    st.one_of(st.booleans(), _junk),
    st.one_of(st.booleans(), _junk),
    _shape,
    st.sampled_from(["32x32b", "16x64b", "16x128b", "16x256b", "32x32b_splitn", "16x32bx2", "x"]),
    st.sampled_from([4, 8, 16, 2, 6, None]),
    st.sampled_from([8, 16, 32, 64, None]),
)
def test_tmem_never_fails_badly(block, cs, cga, two, fp4, shape, atom, nw, bits):
    """Anything goes in: a layout or a LayoutError, never another exception."""
    try:
        mem = TensorMemoryLayout(block, cs, cga, two, fp4)
    except LayoutError:
        return
    try:
        mem.to_linear_layout(shape)
    except LayoutError:
        pass
    try:
        tmem_reg_layout(mem, shape, element_bitwidth=bits, num_warps=nw, atom=atom)
    except LayoutError:
        pass
    try:
        sm120_scale_layout(shape, op_idx=cs, warps_per_cta=block)
    except LayoutError:
        pass


@pytest.mark.triton
def test_live_against_triton(triton_python):
    """Fresh register layouts and a TMEM layout straight from Triton 3.9.0 (subprocess)."""
    import subprocess

    code = r"""
import json, os
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
import triton.experimental.gluon.language as ttgl
from triton.experimental.gluon.language.nvidia.blackwell import TensorMemoryLayout
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
lay = TensorMemoryLayout((64, 128), 2, cga_layout=[[0, 1]])
r = gluon_ir.compute_tmem_reg_layout(ttgl.float16, [128, 256], [128, 256], lay, 8, "16x128b")
t = b.to_linear_layout(lay._to_ir(b), [128, 256])
reg = [r.reg_bases, r.lane_bases, r.warp_bases, r.block_bases]
print(json.dumps({"reg": reg, "row": t.rows, "col": t.cols}))
os.close(2)
"""
    r = subprocess.run([triton_python, "-c", code], capture_output=True, text=True, timeout=300)
    want = json.loads(r.stdout.strip().splitlines()[-1])
    mem = TensorMemoryLayout((64, 128), 2, cga_layout=[[0, 1]])
    L = tmem_reg_layout(mem, [128, 256], element_bitwidth=16, num_warps=8, atom="16x128b")
    assert [L.bases[k] for k in ("register", "lane", "warp", "block")] == want["reg"]
    T = mem.to_linear_layout([128, 256])
    assert [T.bases["row"], T.bases["col"]] == [want["row"], want["col"]]


@pytest.mark.slow
@pytest.mark.triton
def test_random_register_layouts_against_live_triton(triton_python):
    """400 random TMEM layouts x shapes x dtypes x warps x atoms answered live by Triton."""
    import random

    from tools.gen_memory_cases import run_requests

    rng = random.Random(7)
    reqs = []
    while len(reqs) < 400:
        bm, bn = rng.choice([64, 128]), rng.choice([8, 16, 32, 64, 128, 256])
        cs = rng.choice([1, 1, 2, 4])
        cga = rng.choice([[], [[1, 0]], [[0, 1]], [[0, 1], [1, 0]], [[0, 0]]])
        two = bool(cga) and cga[0] == [1, 0] and rng.random() < 0.5
        bits = rng.choice([b for b in (8, 16, 32) if b * cs <= 32])
        fp4 = cs == 1 and bits == 8 and rng.random() < 0.3
        split = [2 if any(b[d] for b in cga) else 1 for d in range(2)]
        shape = [rng.choice([64, 128, 256]) * split[0], rng.choice([8, 16, 64, 128, 256]) * split[1]]
        mem = {
            "kind": "tensor_memory",
            "p": {"block": [bm, bn], "col_stride": cs, "cga_layout": cga, "two_ctas": two, "fp4_padded": fp4},
        }
        atom = rng.choice(["32x32b", "16x64b", "16x128b", "16x256b", "32x32b_splitn"])
        nw = rng.choice([4, 8, 16])
        reqs.append(
            {"kind": "tmem_reg", "mem": mem, "p": {"num_warps": nw, "atom": atom}, "s": shape, "bits": bits}
        )
    answers = run_requests(reqs)
    answered = 0
    for r, a in zip(reqs, answers):
        mem = TensorMemoryLayout(**r["mem"]["p"])
        kw = {"element_bitwidth": r["bits"], "num_warps": r["p"]["num_warps"], "atom": r["p"]["atom"]}
        if "b" not in a:
            with pytest.raises(LayoutError):
                tmem_reg_layout(mem, r["s"], **kw)
            continue
        L = tmem_reg_layout(mem, r["s"], **kw)
        assert {k: L.bases[k] for k in ("register", "lane", "warp", "block")} == a["b"], r
        answered += 1
    assert answered > 100
