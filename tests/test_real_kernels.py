"""linlayout's default plans on the ``convert_layout``s of real-style Triton kernels.

``tests/data/real_kernels.json`` holds the distinct conversions that
``benchmarks/real_kernels.py --store`` extracted from tutorial- and production-style kernels
compiled with triton 3.9.0 for nine targets, with the instruction counts of Triton's own
lowering of each (PTX/AMDGCN of a one-conversion module).  Without triton, every stored pair
is planned with default arguments and checked on distinct ids, and the comparison with
Triton is recorded; where linlayout's plan was no worse than Triton's when the data was
stored (shuffles, selects, shared-memory instructions, scratch bytes), that must still hold.
With nvcc, the registers and SASS of the emitted code are compared with Triton's cubin.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout.testing import assert_plan_correct, layout_pairs

DATA = Path(__file__).parent / "data" / "real_kernels.json"
METRICS = ("shuffles", "selects", "shared_instructions", "shared_bytes")
ROOT = Path(__file__).resolve().parent.parent


def _pairs() -> list[dict]:
    return json.loads(DATA.read_text())["pairs"]


def _layouts(rec: dict):
    dims = [(f"dim{i}", s) for i, s in enumerate(rec["shape"])]
    return (ll.LinearLayout.from_bases(rec["src_bases"], dims),
            ll.LinearLayout.from_bases(rec["dst_bases"], dims))


def _target(t: str) -> str:
    b, a = t.split(":")
    return f"sm_{a}" if b == "cuda" else a


@pytest.fixture(scope="module")
def planned() -> list[tuple[dict, object]]:
    """Every stored pair with its default plan."""
    out = []
    for rec in _pairs():
        s, d = _layouts(rec)
        out.append((rec, ll.plan_conversion(s, d, _target(rec["target"]), elem_bits=rec["elem_bits"])))
    return out


def test_stored_pairs_are_real_conversions():
    """The stored layouts parse back from Triton's attribute text exactly (one per distinct pair)."""
    pairs = _pairs()
    assert len(pairs) >= 100
    assert len({r["target"] for r in pairs}) >= 8
    keys = set()
    for rec in pairs:
        s, d = _layouts(rec)
        assert ll.from_triton(rec["src"], rec["shape"]) == s
        assert ll.from_triton(rec["dst"], rec["shape"]) == d
        assert s != d
        keys.add((rec["target"], json.dumps(rec["src_bases"]), json.dumps(rec["dst_bases"]),
                  str(rec["shape"]), rec["elem_bits"]))
    assert len(keys) == len(pairs)


def _check_plans(planned) -> None:
    """Each plan delivers every element (distinct ids, broadcast copies included)."""
    for rec, plan in planned:
        s, d = _layouts(rec)
        assert_plan_correct(plan, s, d, elem_bits=rec["elem_bits"])


def test_plans_are_correct_sample(planned):
    """Every third stored pair (every target represented): its default plan is
    correct.  The full set is the slow test below."""
    sample = planned[::3]
    assert {r["target"] for r, _ in sample} == {r["target"] for r, _ in planned}
    _check_plans(sample)


@pytest.mark.slow
def test_every_plan_is_correct(planned):
    """Every stored pair's default plan is correct."""
    _check_plans(planned)


def test_comparisons_with_triton_do_not_regress(planned, record_property):
    """Record fewer/equal/more than Triton per target and metric; where linlayout was no worse
    than Triton when the data was stored, it still is no worse."""
    table: dict[str, dict[str, list[int]]] = {}
    regressed = []
    for rec, plan in planned:
        row = table.setdefault(rec["target"], {m: [0, 0, 0] for m in METRICS})
        was = rec.get("ours_at_store", {})
        for m in METRICS:
            now, tri = int(getattr(plan, m)), rec["triton"][m]
            row[m][0 if now < tri else 1 if now == tri else 2] += 1
            if m in was and was[m] <= tri < now:
                regressed.append((rec["target"], rec["shape"], rec["elem"], m, tri, was[m], now))
    record_property("fewer_equal_more_than_triton", json.dumps(table))
    assert not regressed, f"worse than Triton where it was not before: {regressed[:10]}"


NVCC = shutil.which("nvcc")


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="nvcc not installed")
def test_sass_no_worse_than_triton(record_property):
    """Our emitted one-conversion kernel (emit_ids_kernel) against Triton's cubin of the same
    conversion on sm_90a: registers and SASS instruction counts on >= 24 real conversions;
    the counts that were no worse than Triton's when stored stay so."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import real_kernels as rk

    if rk._cuobjdump() is None:
        pytest.skip("cuobjdump not found")
    rows, regressed = [], []
    for rec in _pairs():
        if "sass_triton" not in rec:
            continue
        try:
            ours = rk.sass_counts(rk.our_cubin(rec, NVCC))
        except subprocess.CalledProcessError as e:
            raise AssertionError(f"nvcc failed for {rec['shape']} {rec['elem']}: "
                                 f"{e.stderr[-2000:]}") from None
        tri = rec["sass_triton"]
        was = rec.get("sass_ours_at_store", {})
        for k, v in tri.items():
            if k in was and was[k] <= v < ours[k]:
                regressed.append((rec["shape"], rec["elem"], k, v, was[k], ours[k]))
        rows.append({k: (tri[k], ours[k]) for k in tri})
    assert len(rows) >= 24
    record_property("sass_triton_vs_ours", json.dumps(rows))
    assert not regressed, f"SASS worse than Triton where it was not before: {regressed[:10]}"


# ---------------------------------------------------------------------------- the harness itself


def _rk():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import real_kernels as rk

    return rk


@settings(max_examples=15, deadline=None)
@given(layout_pairs(warp_size=32, num_warps=4, shape=(16, 32), xor_mix=False),
       st.sampled_from(["f16", "f32", "i8", "i64"]))
def test_one_conversion_module_round_trips(pair, elem):
    """The one-conversion TTGIR module of a pair: its ``convert_layout`` is found again with
    the same layouts, and every layout the module uses (the slices for ``make_range``
    included) parses to a layout of its tensor."""
    from linlayout.triton.ttgir import scan_ttgir

    rk = _rk()
    s, d = pair
    rec = {"shape": [16, 32], "elem": elem, "src": s.to_triton(), "dst": d.to_triton(),
           "elem_bits": rk.elem_bits_of(elem)}
    text = rk.cvt_module(rec, "cuda:90", 4, 32)
    (c,) = rk.extract_conversions(text)
    assert (c["shape"], c["elem"]) == ([16, 32], elem)
    assert ll.from_triton(c["src"], c["shape"]) == s and ll.from_triton(c["dst"], c["shape"]) == d
    for found in scan_ttgir(text):
        assert found.error is None, found.error
        for shape in found.shapes:
            assert found.linear_layout(shape).out_dims == {f"dim{i}": n for i, n in enumerate(shape)}


def test_count_asm_and_element_widths():
    """Instruction classes counted per thread (predicated PTX too); i1 moves as i8, pointers
    as i64."""
    rk = _rk()
    ptx = """
    shfl.sync.bfly.b32 %r1, %r2, 1, 31, -1;
    @%p1 st.shared.v2.b32 [%r3+512], {%r4, %r5};
    selp.b32 %r6, %r7, %r8, %p2;
    bar.sync 0;
    ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%r1, %r2, %r3, %r4}, [%r9];
    ld.shared.b16 %rs1, [%r3];
    """
    c = rk.count_asm(ptx, True)
    got = (c["shuffles"], c["selects"], c["shared_instructions"], c["matrix"], c["barriers"])
    assert got == (1, 1, 3, 1, 1)
    assert c["kind"] == "shared_memory"
    amd = """
    ds_bpermute_b32 v1, v2, v3
    v_mov_b32_dpp v4, v5 quad_perm:[1,0,3,2]
    v_cndmask_b32_e64 v6, v7, v8, s[0:1]
    ds_store_2addr_b32 v9, v10, v11 offset1:16
    ds_load_tr16_b128 v[0:3], v12
    s_barrier_signal -1
    s_barrier_wait -1
    """
    c = rk.count_asm(amd, False)
    got = (c["shuffles"], c["selects"], c["shared_instructions"], c["matrix"], c["barriers"])
    assert got == (2, 1, 2, 1, 1)
    assert [rk.elem_bits_of(t) for t in ("i1", "f16", "bf16", "f8E4M3FN", "i32", "f64", "!tt.ptr<f16>")] == \
        [8, 16, 16, 8, 32, 64, 64]
