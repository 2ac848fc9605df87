"""Emitted CUDA for conversion plans: compiled and run on the CPU.

The emitted device function is compiled unchanged with g++ against tests/tools/cuda_emu.h,
a small emulator in which every CUDA thread is a host thread and shuffles/barriers are
rendezvous, then run on distinct element ids: every thread must end with exactly the
elements the dst layout gives it.  When nvcc is present the same source is also compiled
for sm_90 (a syntax/type check of the real device code).  The H200 run is the ground truth:
benchmarks/hardware/check_h200.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout import LayoutError, LinearLayout
from linlayout.codegen.cuda import emit_check_kernel, emit_ids_kernel, emit_layout_index, emit_plan
from linlayout.testing import layout_pairs

EMU = Path(__file__).parent / "tools" / "cuda_emu.h"
GXX = shutil.which("g++")
NVCC = shutil.which("nvcc") or (shutil.which("/usr/local/cuda/bin/nvcc"))

pytestmark = pytest.mark.skipif(GXX is None, reason="g++ is needed to compile the emulated CUDA")


def element_ids(layout: LinearLayout) -> np.ndarray:
    """ids[block, warp, lane, reg] = flattened tensor index (first dim most minor)."""
    t = layout.to_flat_table().astype(np.int64)
    d = layout.in_dims
    return t.reshape(d["block"], d["warp"], d["lane"], d["register"])


def _case_source(k: int, plan, shape, gather: bool = False) -> str:
    """One emulated case; a gather case reads ``B*T*D`` index values after the src values."""
    B, W, Lanes, S = shape
    D = max(plan.dst_regs, 1)
    idx = "ix, " if gather else ""
    load_ix = "for (int r = 0; r < D; ++r) ix[r] = (int)in[(size_t)B * T * S + t * D + r];" if gather else ""
    return f"""
namespace case{k} {{
{emit_plan(plan, name="conv")}
void run(const std::vector<unsigned long long> &in, std::vector<unsigned long long> &out) {{
  const int B = {B}, T = {W * Lanes}, S = {max(S, 1)}, D = {D};
  out.assign((size_t)B * T * D, 0xeeeeeeeeull);
  emu_run(B, T, {max(plan.shared_bytes, 16)}, [&](unsigned char *sm) {{
    const long t = (long)blockIdx.x * T + threadIdx.x;
    elem_t s[S], o[D];
    int ix[D]; (void)ix;
    for (int r = 0; r < S; ++r) s[r] = (elem_t)in[t * S + r];
    {load_ix}
    for (int r = 0; r < D; ++r) o[r] = (elem_t)~(elem_t)0;
    conv(s, {idx}o, (elem_t *)sm);
    for (int r = 0; r < D; ++r) out[t * D + r] = o[r];
  }});
}}
}}  // namespace case{k}
"""


def run_emulated_many(cases, tmp_path: Path) -> list[np.ndarray]:
    """Compile every (plan, src_values) case into one program (g++ is the slow part), run each."""
    parts = [f'#include <cstdio>\n#include <cstdlib>\n#include "{EMU}"\n']
    for k, (plan, sv, *ix) in enumerate(cases):
        parts.append(_case_source(k, plan, sv.shape, gather=bool(ix)))
    dispatch = "".join(f"    case {k}: case{k}::run(in, out); break;\n" for k in range(len(cases)))
    parts.append(
        "int main(int argc, char **argv) {\n  std::vector<unsigned long long> in, out;\n"
        '  unsigned long long v;\n  while (scanf("%llu", &v) == 1) in.push_back(v);\n'
        f"  switch (atoi(argv[1])) {{\n{dispatch}    default: return 4;\n  }}\n"
        '  for (auto x : out) printf("%llu\\n", x);\n  return 0;\n}\n'
    )
    cpp = tmp_path / "emu.cpp"
    cpp.write_text("".join(parts))
    exe = tmp_path / "emu"
    r = subprocess.run(
        [GXX, "-std=c++20", "-O0", "-pthread", "-o", str(exe), str(cpp)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr[-3000:]
    outs = []
    for k, (_plan, sv, *ix) in enumerate(cases):
        B, W, Lanes, _ = sv.shape
        vals = "\n".join(str(int(v)) for v in np.concatenate([sv.reshape(-1)] + [i.reshape(-1) for i in ix]))
        r = subprocess.run([str(exe), str(k)], input=vals, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        outs.append(np.array([int(x) for x in r.stdout.split()], dtype=np.int64).reshape(B, W, Lanes, -1))
    return outs


def _values(src, dst, elem_bits):
    sv, dv = element_ids(src), element_ids(dst)
    if elem_bits == 64:  # use the high word too
        return sv | (sv << 32), dv | (dv << 32)
    m = (1 << elem_bits) - 1
    return sv & m, dv & m


def check_many(items, tmp_path):
    """items: (src, dst, target, elem_bits, strategy); returns the plans after checking each."""
    plans, cases, expect = [], [], []
    for src, dst, target, bits, strategy in items:
        plan = ll.plan_conversion(src, dst, target, elem_bits=bits, strategy=strategy)
        sv, dv = _values(src, dst, bits)
        plans.append(plan)
        cases.append((plan, sv))
        expect.append(dv)
    for plan, got, dv in zip(plans, run_emulated_many(cases, tmp_path), expect):
        np.testing.assert_array_equal(got, dv, err_msg=plan.explain())
    return plans


def L(reg, lane, warp, block=(), shape=(16, 16)):
    return LinearLayout.from_bases(
        {"register": list(reg), "lane": list(lane), "warp": list(warp), "block": list(block)},
        {f"dim{i}": s for i, s in enumerate(shape)},
    )


BLOCKED = L([[0, 1], [0, 2]], [[0, 4], [0, 8], [1, 0], [2, 0], [4, 0]], [[8, 0]])
SWAP = L([[1, 0], [0, 2]], [[0, 4], [0, 8], [0, 1], [2, 0], [4, 0]], [[8, 0]])
COLMAJ = L([[1, 0], [2, 0]], [[4, 0], [8, 0], [0, 1], [0, 2], [0, 4]], [[0, 8]])


def _fixed_cases():
    items, kinds = [], []
    for strategy in ("shuffle", "shared_memory"):  # both kinds of the same intra-warp pair, forced
        for bits in (8, 16, 32, 64):
            items.append((BLOCKED, SWAP, "sm_90", bits, strategy))
            kinds.append("warp_shuffle" if strategy == "shuffle" else "shared_memory")
    for bits in (16, 32):
        items.append((BLOCKED, COLMAJ, "sm_90", bits, None))
        kinds.append("shared_memory")
    perm = L([[0, 2], [0, 1]], [[0, 4], [0, 8], [1, 0], [2, 0], [4, 0]], [[8, 0]])
    items += [(BLOCKED, perm, "sm_80", 32, None), (BLOCKED, BLOCKED, "sm_80", 32, None)]
    kinds += ["registers", "noop"]
    bsrc = L([[0, 1], [0, 2], [0, 0]], [[0, 4], [0, 8], [1, 0], [2, 0], [0, 0]], [[4, 0]], shape=(8, 16))
    bdst = L([[1, 0], [0, 4]], [[0, 1], [0, 2], [0, 8], [2, 0], [4, 0]], [[0, 0]], shape=(8, 16))
    items.append((bsrc, bdst, "sm_90", 32, None))
    kinds.append(None)
    a = L([[0, 1]], [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], [[8, 0]], block=[[0, 8]])
    b = L([[0, 1]], [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], [[0, 8]], block=[[8, 0]])
    items.append((a, b, "sm_90", 32, None))
    kinds.append("cluster")
    return items, kinds


def test_emitted_plans_deliver_every_element(tmp_path):
    """Shuffle (8/16/32/64-bit), shared-memory, register, noop, broadcast and cluster plans."""
    items, kinds = _fixed_cases()
    plans = check_many(items, tmp_path)
    for plan, kind in zip(plans, kinds):
        if kind is not None:
            assert plan.kind == kind


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(layout_pairs(warp_size=32, num_warps=2, shape=(16, 16)), min_size=8, max_size=8))
def test_random_pairs(tmp_path_factory, pairs):
    check_many([(s, d, "sm_90", 32, None) for s, d in pairs], tmp_path_factory.mktemp("emu"))


def test_emit_layout_index_evaluates_like_apply(tmp_path):
    src = emit_layout_index(SWAP, name="idx")
    prog = tmp_path / "idx.cpp"
    prog.write_text(
        "#include <cstdio>\n#define __device__\n#define __forceinline__ inline\n"
        + src
        + "int main(){int c[2]; for(int w=0;w<2;++w)for(int l=0;l<32;++l)for(int r=0;r<4;++r){"
        'idx(r,l,w,0,c); printf("%d %d\\n",c[0],c[1]);} }\n'
    )
    exe = tmp_path / "idx"
    subprocess.run([GXX, "-o", str(exe), str(prog)], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split("\n")
    k = 0
    for w in range(2):
        for lane in range(32):
            for r in range(4):
                c = SWAP.apply(register=r, lane=lane, warp=w)
                assert out[k] == f"{c['dim0']} {c['dim1']}"
                k += 1


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="nvcc not installed")
def test_nvcc_compiles_emitted_kernels(tmp_path):
    for dst, bits in ((SWAP, 16), (COLMAJ, 32)):
        plan = ll.plan_conversion(BLOCKED, dst, "sm_90", elem_bits=bits)
        cu = tmp_path / f"k{bits}.cu"
        cu.write_text(emit_check_kernel(plan, name=f"k{bits}"))
        r = subprocess.run(
            [NVCC, "-arch=sm_90", "-c", "-o", str(tmp_path / "k.o"), str(cu)], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr[-2000:]


def _matrix_plans():
    """16-bit shared-memory plans whose steps the planner annotated ld/stmatrix (.trans)."""
    from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout

    mma = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
    shape = [32, 64]
    dot_b = DotOperandLayout(1, mma, 2).to_linear_layout(shape)
    acc = mma.to_linear_layout(shape)
    row = ll.BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(shape)
    return [
        ll.plan_conversion(a, b, "sm_90", elem_bits=16, strategy="shared_memory")
        for a, b in ((row, dot_b), (row, acc), (acc, row))
    ]


def test_matrix_steps_emit_real_ldmatrix_stmatrix(tmp_path):
    """Steps annotated ldmatrix/stmatrix become the PTX instructions (guarded by the
    architecture; the H200 runs them, see benchmarks/hardware); the portable branch still
    delivers every element on the CPU emulator."""
    plans = _matrix_plans()
    names = {getattr(s, "instruction", "") or "" for p in plans for s in p.steps}
    names = {n for n in names if "matrix" in n}
    assert {"ldmatrix.x4.trans", "ldmatrix.x4", "stmatrix.x4"} <= names
    for p in plans:
        code = emit_plan(p)
        for s in p.steps:
            ins = getattr(s, "instruction", "") or ""
            if "matrix" in ins:
                op = ins.split(".")[0] + ".sync.aligned.m8n8." + ".".join(ins.split(".")[1:]) + ".shared.b16"
                assert op in code
        assert "#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= " in code
    items = [(p.src, p.dst, "sm_90", 16, None) for p in plans]
    check_many(items, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="nvcc not installed")
def test_nvcc_compiles_matrix_steps(tmp_path):
    for i, plan in enumerate(_matrix_plans()):
        cu = tmp_path / f"m{i}.cu"
        cu.write_text(emit_check_kernel(plan, name=f"m{i}"))
        r = subprocess.run(
            [NVCC, "-arch=sm_90a", "-c", "-o", str(tmp_path / "m.o"), str(cu)], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr[-2000:]


def test_emit_rejects_bad_input():
    with pytest.raises(LayoutError, match="plan"):
        emit_plan("not a plan")
    plan = ll.plan_conversion(BLOCKED, SWAP, "sm_90")
    with pytest.raises(LayoutError, match="name"):
        emit_plan(plan, name="1bad")
    with pytest.raises(LayoutError, match="layout"):
        emit_layout_index(3)
    gplan = _gather_plans()[0]
    for fn in (emit_check_kernel, emit_ids_kernel):
        with pytest.raises(LayoutError, match="gather"):
            fn(gplan)
    with pytest.raises(LayoutError, match="regs"):
        bad = hand_plan(PERM_SRC, PERM_DST, 2, [0, 0, 1, 3, 4, 6, 5, 7], 1, None)
        emit_plan(bad)


# ---------------------------------------------------------------------------- every plan kind


def _row_major_ids(layout: LinearLayout) -> np.ndarray:
    """ids[warp, lane, reg] = the row-major flat index of the element (one CTA)."""
    d = layout.in_dims
    out = np.zeros((d["warp"], d["lane"], d["register"]), dtype=np.int64)
    shape = list(layout.out_dims.values())
    for w in range(d["warp"]):
        for ln in range(d["lane"]):
            for r in range(d["register"]):
                c = layout.apply(register=r, lane=ln, warp=w)
                out[w, ln, r] = int(np.ravel_multi_index([c[f"dim{i}"] for i in range(len(shape))], shape))
    return out


def _step(cls, offset, vec, regs, group, instruction):
    """A shared step with ``regs`` and ``group`` (``group`` set on the frozen value where the IR
    of this branch does not take it yet)."""
    try:
        return cls(offset, vec, instruction=instruction, regs=regs, group=group)
    except TypeError:
        st_ = cls(offset, vec, instruction=instruction, regs=regs)
        object.__setattr__(st_, "group", group)
        return st_


def hand_plan(src, dst, svec, sregs, lvec, lregs, group=1):
    """A shared-memory plan built by hand: each element at its row-major offset, stored in
    vectors of ``svec`` registers in the order ``sregs``, loaded in ``lvec`` / ``lregs``."""
    from linlayout.plan.ir import Barrier, ConversionPlan, SharedLoad, SharedStore

    so, do = _row_major_ids(src), _row_major_ids(dst)
    d = src.in_dims
    steps = [
        _step(SharedStore, so, svec, sregs, group, "st.shared"),
        Barrier("bar.sync"),
        _step(SharedLoad, do, lvec, lregs, group, "ld.shared"),
    ]
    plan = ConversionPlan(kind="shared_memory", steps=steps, src=src, dst=dst, target=ll.get_target("sm_90"),
                          elem_bits=16, blocks=1, warps=d["warp"], lanes=d["lane"],
                          src_regs=d["register"], dst_regs=dst.in_dims["register"],
                          scratch_elems=int(np.prod(list(src.out_dims.values()))))
    return plan


# registers 0..3 hold columns 0, 2, 1, 3: vectors are registers (0, 2) and (1, 3)
PERM = L([[0, 2], [0, 1], [1, 0]], [[0, 4], [0, 8], [2, 0], [4, 0], [8, 0]], [[0, 0]], shape=(16, 16))
PERM_SRC = L([[0, 2], [0, 1], [1, 0]], [[0, 4], [0, 8], [2, 0], [4, 0], [8, 0]], [], shape=(16, 16))
PERM_DST = L([[1, 0], [0, 8], [0, 1]], [[2, 0], [4, 0], [8, 0], [0, 2], [0, 4]], [], shape=(16, 16))


def _permuted_grouped_plans():
    """Hand-built plans whose vectors are non-consecutive registers (``regs``), some grouped."""
    return [
        hand_plan(PERM_SRC, PERM_DST, 2, [0, 2, 1, 3, 4, 6, 5, 7], 1, [7, 6, 5, 4, 3, 2, 1, 0]),
        hand_plan(PERM_SRC, PERM_DST, 4, [0, 2, 1, 3, 4, 6, 5, 7], 1, None, group=2),
        hand_plan(PERM_DST, PERM_SRC, 1, [3, 1, 2, 0, 7, 5, 6, 4], 2, [0, 2, 1, 3, 4, 6, 5, 7], group=2),
    ]


def test_permuted_and_grouped_plans(tmp_path):
    """``regs`` decides which registers form a vector and ``group`` pairs vectors: the emitted
    code moves exactly what plan.run moves (the emitter used to ignore ``regs``)."""
    plans = _permuted_grouped_plans()
    planned = ll.plan_conversion(BLOCKED, COLMAJ, "sm_90", elem_bits=16, permute_registers=True)
    plans.append(planned)
    cases, expect = [], []
    for p in plans:
        sv, dv = _values(p.src, p.dst, p.elem_bits)
        np.testing.assert_array_equal(p.run(sv), dv)  # the hand-built plans are right
        cases.append((p, sv))
        expect.append(dv)
    assert any(getattr(s, "regs", None) is not None for p in plans for s in p.steps)
    for p, got, dv in zip(plans, run_emulated_many(cases, tmp_path), expect):
        np.testing.assert_array_equal(got, dv, err_msg=p.explain())


GSRC = L([[0, 1], [0, 2]], [[0, 4], [0, 8], [1, 0], [2, 0], [4, 0]], [[8, 0]])
GACROSS = L([[1, 0], [2, 0]], [[4, 0], [8, 0], [0, 1], [0, 2], [0, 4]], [[0, 8]])


def test_gather_plans_emit(tmp_path):
    """Warp-local (shuffle rounds) and shared-memory gather plans, on random indices."""
    rng = np.random.default_rng(7)
    src, across = GSRC, GACROSS
    cases, expect, kinds = [], [], []
    combos = ((src, src, 1, 32), (src, src, 0, 16), (src, across, 1, 32), (across, src, 0, 8))
    for s_, idx_l, axis, bits in combos:
        plan = ll.plan_gather(s_, idx_l, axis, "sm_90", elem_bits=bits)
        kinds.append(plan.kind)
        sv, _ = _values(s_, s_, bits)
        size = s_.out_dims[f"dim{axis}"]
        ix = rng.integers(0, size, size=(1, *element_ids(idx_l).shape[1:]))
        want = plan.run(sv, ix)
        cases.append((plan, sv, ix))
        expect.append(want)
    assert {"warp_shuffle", "shared_memory"} <= set(kinds)
    for (plan, _sv, _ix), got, want in zip(cases, run_emulated_many(cases, tmp_path), expect):
        np.testing.assert_array_equal(got, want, err_msg=plan.explain())


def _accesses(code: str) -> int:
    return code.count("reinterpret_cast") + len(re.findall(r"\*\(?p\w+(?: \+ \d+\))? = |= \*\(?p", code))


def test_base_plus_immediate_and_no_tables():
    """Accesses share base pointers (one per distinct linear part and low constant), skip
    predicates are computed from lane and warp: no ``__device__`` tables."""
    from linlayout.hardware.nvidia import NVMMADistributedLayout

    mma = NVMMADistributedLayout([2, 0], [2, 2], [16, 8]).to_linear_layout([64, 64])
    row = ll.BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout([64, 64])
    for bits in (16, 32):
        code = emit_plan(ll.plan_conversion(mma, row, "sm_90", elem_bits=bits, strategy="shared_memory"))
        plan = ll.plan_conversion(mma, row, "sm_90", elem_bits=bits, strategy="shared_memory")
        accesses = sum(plan.src_regs // s.vec for s in plan.steps if type(s).__name__ == "SharedStore")
        accesses += sum(plan.dst_regs // s.vec for s in plan.steps if type(s).__name__ == "SharedLoad")
        bases = code.count("elem_t* const")
        assert 0 < bases < accesses  # accesses share base pointers (immediate offsets)
        assert "__device__ const" not in code
    # a 16-bit transpose whose plan stores 4-element vectors: 64-bit accesses, not scalar ones
    plan = ll.plan_conversion(BLOCKED, COLMAJ, "sm_90", elem_bits=16, strategy="shared_memory")
    vecs = [s.vec for s in plan.steps if type(s).__name__ == "SharedStore"]
    assert vecs == [4] and "*reinterpret_cast<uint2*>" in emit_plan(plan)
    # broadcast src: the copies are skipped by a predicate, not a table
    bsrc = L([[0, 1], [0, 2], [0, 0]], [[0, 4], [0, 8], [1, 0], [2, 0], [0, 0]], [[4, 0]], shape=(8, 16))
    bdst = L([[1, 0], [0, 4]], [[0, 1], [0, 2], [0, 8], [2, 0], [4, 0]], [[0, 0]], shape=(8, 16))
    code = emit_plan(ll.plan_conversion(bsrc, bdst, "sm_90", strategy="shared_memory"))
    assert "__device__ const" not in code and "const bool q" in code


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.data())
def test_mask_predicate_is_exact(lane_bits, data):
    """The computed skip predicate is true exactly where the valid mask is set (cubes such as
    broadcast copies, per-warp masks and arbitrary ones)."""
    from linlayout.codegen.cuda import _mask_pred

    warps = 1 << data.draw(st.integers(0, 3))
    lanes = 1 << lane_bits
    n = warps * lanes
    x = np.arange(n)
    m, v = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
    wm = data.draw(st.integers(0, (1 << warps) - 1))
    valid = data.draw(st.sampled_from([
        (x & m) == (v & m),
        ((wm >> (x // lanes)) & 1) == 1,
        np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
    ]))
    cond = _mask_pred(valid, lanes, warps)
    for w in range(warps):
        for ln in range(lanes):
            want = bool(valid[w * lanes + ln])
            if cond is None or cond == "false":
                assert want == (cond is None)
            else:
                assert _eval_c(cond, w, ln) == want, (cond, w, ln)


def _eval_c(cond: str, w: int, ln: int) -> bool:
    """Evaluate an emitted C condition in Python (innermost ternaries first)."""
    e = cond.replace("&&", " and ").replace("warp", str(w)).replace("lane", str(ln))
    e = re.sub(r"(0x[0-9a-f]+)u(?:ll)?\b", r"\1", e)
    pat = re.compile(r"\(([^()?:]+) \? ([^()?:]+) : ([^()?:]+)\)")
    while "?" in e:
        e, n = pat.subn(lambda m: str(eval(m.group(2)) if eval(m.group(1)) else eval(m.group(3))), e)
        assert n, e
    return bool(eval(e))


def test_fit_affine_with_skips():
    """Offsets with skipped entries still become XOR expressions (no table)."""
    from linlayout.codegen.cuda import _fit_affine

    x = np.arange(64)
    vals = 5 ^ ((x & 1) * 12) ^ (((x >> 2) & 1) * 3)
    valid = (x & 2) == 0
    c, bs = _fit_affine(np.where(valid, vals, -1), valid)
    assert all((c ^ np.bitwise_xor.reduce([b * ((i >> j) & 1) for j, b in enumerate(bs)])) == vals[i]
               for i in x[valid])
    assert _fit_affine(np.where(valid, x * x, -1), valid) is None


def _gather_plans():
    return [ll.plan_gather(GSRC, GSRC, 1, "sm_90"), ll.plan_gather(GSRC, GACROSS, 1, "sm_90", elem_bits=16)]


@pytest.mark.slow
@pytest.mark.skipif(NVCC is None, reason="nvcc not installed")
def test_nvcc_compiles_permuted_grouped_and_gather_plans(tmp_path):
    """The device code of permuted, grouped and gather plans compiles for sm_90a."""
    parts = ["#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n"]
    for i, p in enumerate(_permuted_grouped_plans() + _gather_plans()):
        S, D = max(p.src_regs, 1), max(p.dst_regs, 1)
        gather = type(p).__name__ == "GatherPlan"
        parts.append(
            f"namespace n{i} {{\n{emit_plan(p, name='conv')}"
            f'extern "C" __global__ void k{i}(const elem_t* in, const int* ix, elem_t* gout) {{\n'
            "  extern __shared__ uint4 sm[];\n"
            f"  elem_t s[{S}], o[{D}]; int x[{D}]; (void)x;\n"
            f"  for (int r = 0; r < {S}; ++r) s[r] = in[threadIdx.x * {S} + r];\n"
            f"  for (int r = 0; r < {D}; ++r) x[r] = ix[threadIdx.x * {D} + r];\n"
            f"  conv(s, {'x, ' if gather else ''}o, reinterpret_cast<elem_t*>(sm));\n"
            f"  for (int r = 0; r < {D}; ++r) gout[threadIdx.x * {D} + r] = o[r];\n}}\n}}\n"
        )
    cu = tmp_path / "kinds.cu"
    cu.write_text("".join(parts))
    r = subprocess.run([NVCC, "-arch=sm_90a", "-c", "-o", str(tmp_path / "k.o"), str(cu)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.mark.slow
def test_real_kernel_conversions_emit_correct_code(tmp_path):
    """The emitted CUDA of every stored NVIDIA conversion of real kernels
    (tests/data/real_kernels.json) delivers every element on the CPU emulator."""
    import json

    data = json.loads((Path(__file__).parent / "data" / "real_kernels.json").read_text())["pairs"]
    cases, expect, seen = [], [], set()
    for rec in data:
        key = (json.dumps(rec["src_bases"]), json.dumps(rec["dst_bases"]), rec["elem_bits"])
        if not rec["target"].startswith("cuda") or key in seen:
            continue
        seen.add(key)
        dims = [(f"dim{i}", s) for i, s in enumerate(rec["shape"])]
        src = LinearLayout.from_bases(rec["src_bases"], dims)
        dst = LinearLayout.from_bases(rec["dst_bases"], dims)
        plan = ll.plan_conversion(src, dst, "sm_" + rec["target"].split(":")[1], elem_bits=rec["elem_bits"])
        sv, dv = _values(src, dst, rec["elem_bits"])
        cases.append((plan, sv))
        expect.append(dv)
    assert len(cases) >= 24
    for (plan, _sv), got, dv in zip(cases, run_emulated_many(cases, tmp_path), expect):
        np.testing.assert_array_equal(got, dv, err_msg=plan.explain())
