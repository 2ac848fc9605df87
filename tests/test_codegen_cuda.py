"""Emitted CUDA for conversion plans: compiled and run on the CPU.

The emitted device function is compiled unchanged with g++ against tests/tools/cuda_emu.h,
a small emulator in which every CUDA thread is a host thread and shuffles/barriers are
rendezvous, then run on distinct element ids: every thread must end with exactly the
elements the dst layout gives it.  When nvcc is present the same source is also compiled
for sm_90 (a syntax/type check of the real device code).  The H200 run is the ground truth:
benchmarks/hardware/check_h200.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout import LayoutError, LinearLayout
from linlayout.codegen.cuda import emit_check_kernel, emit_layout_index, emit_plan
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


def _case_source(k: int, plan, shape) -> str:
    B, W, Lanes, S = shape
    D = max(plan.dst_regs, 1)
    return f"""
namespace case{k} {{
{emit_plan(plan, name="conv")}
void run(const std::vector<unsigned long long> &in, std::vector<unsigned long long> &out) {{
  const int T = {W * Lanes}, S = {max(S, 1)}, D = {D};
  out.assign((size_t){B} * T * D, 0xeeeeeeeeull);
  emu_run({B}, T, {max(plan.shared_bytes, 16)}, [&](unsigned char *sm) {{
    const long t = (long)blockIdx.x * T + threadIdx.x;
    elem_t s[S], o[D];
    for (int r = 0; r < S; ++r) s[r] = (elem_t)in[t * S + r];
    for (int r = 0; r < D; ++r) o[r] = (elem_t)~(elem_t)0;
    conv(s, o, (elem_t *)sm);
    for (int r = 0; r < D; ++r) out[t * D + r] = o[r];
  }});
}}
}}  // namespace case{k}
"""


def run_emulated_many(cases, tmp_path: Path) -> list[np.ndarray]:
    """Compile every (plan, src_values) case into one program (g++ is the slow part), run each."""
    parts = [f'#include <cstdio>\n#include <cstdlib>\n#include "{EMU}"\n']
    for k, (plan, sv) in enumerate(cases):
        parts.append(_case_source(k, plan, sv.shape))
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
    for k, (_plan, sv) in enumerate(cases):
        B, W, Lanes, _ = sv.shape
        vals = "\n".join(str(int(v)) for v in sv.reshape(-1))
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
    for strategy in (None, "shared_memory"):
        for bits in (8, 16, 32, 64):
            items.append((BLOCKED, SWAP, "sm_90", bits, strategy))
            kinds.append("warp_shuffle" if strategy is None else "shared_memory")
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
        for a, b in ((dot_b, acc), (row, acc), (acc, row))
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
