"""Part 2 of the hardware check: the silicon's register layouts against linlayout's generators.

* ``ldmatrix.x4`` (plain and ``.trans``) and ``stmatrix.x4``: 32 rows of 8 halves in shared
  memory (rows at scattered addresses, supplied per lane), values = row * 8 + column.  Each
  lane's registers must hold what ``ldmatrix_fragment(4, ...)`` says (and stmatrix must write
  rows from registers filled the way it says).
* ``mma.sync.m16n8k16.row.col.f32.f16.f16.f32``: A, B fragments gathered by linlayout's
  dot-operand layouts (mma v2 parent, kWidth 2), D compared with A @ B through linlayout's
  accumulator layout (small integers: exact in fp16/fp32).
* ``wgmma.mma_async.m64n8k16.f32.f16.f16`` (sm_90a) with A from registers (linlayout's
  mma v3 dot operand) and B in shared memory (no swizzle), D through the mma v3 accumulator
  layout.  Variant ``b_const_k`` makes B constant along K, so it does not depend on how B's
  shared-memory descriptor is read; variant ``full`` checks every (m, k, n).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from linlayout.hardware.ldmatrix import ldmatrix_fragment
from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout

SRC = r"""
#include <cuda_fp16.h>
#include <stdint.h>

__device__ __forceinline__ unsigned smem_u32(const void* p) {
  return (unsigned)__cvta_generic_to_shared(p);
}

// rows[r] = element offset of row r in shared memory (row = 8 halves)
extern "C" __global__ void ldm(const unsigned short* vals, const int* rows, unsigned* out, int trans) {
  __shared__ __align__(16) unsigned short sm[32 * 8 * 4];
  int lane = threadIdx.x;
  for (int i = lane; i < 32 * 8 * 4; i += 32) sm[i] = 0xffff;
  __syncwarp();
  for (int c = 0; c < 8; ++c) sm[rows[lane] + c] = vals[lane * 8 + c];
  __syncwarp();
  unsigned r0, r1, r2, r3;
  unsigned a = smem_u32(&sm[rows[lane]]);
  if (trans)
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(a));
  else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(a));
  out[lane * 4 + 0] = r0; out[lane * 4 + 1] = r1; out[lane * 4 + 2] = r2; out[lane * 4 + 3] = r3;
}

// registers come from regs[lane*4+i]; rows written to shared at rows[lane]; result copied out
extern "C" __global__ void stm(const unsigned* regs, const int* rows, unsigned short* out) {
  __shared__ __align__(16) unsigned short sm[32 * 8 * 4];
  int lane = threadIdx.x;
  for (int i = lane; i < 32 * 8 * 4; i += 32) sm[i] = 0xffff;
  __syncwarp();
  unsigned a = smem_u32(&sm[rows[lane]]);
  asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1,%2,%3,%4};"
               :: "r"(a), "r"(regs[lane * 4 + 0]), "r"(regs[lane * 4 + 1]), "r"(regs[lane * 4 + 2]),
                  "r"(regs[lane * 4 + 3]) : "memory");
  __syncwarp();
  for (int c = 0; c < 8; ++c) out[lane * 8 + c] = sm[rows[lane] + c];
}

__device__ __forceinline__ unsigned pack2(const __half* M, const int* idx, int e) {
  __half lo = M[idx[e]], hi = M[idx[e + 1]];
  return (unsigned)__half_as_ushort(lo) | ((unsigned)__half_as_ushort(hi) << 16);
}

// A: 16x16 row-major, B: 16x8 (k, n) row-major; ia[lane*8+e], ib[lane*4+e] element indices
extern "C" __global__ void mma16816(const __half* A, const __half* B, const int* ia, const int* ib,
                                    float* D) {
  int lane = threadIdx.x;
  unsigned a0 = pack2(A, ia + lane * 8, 0), a1 = pack2(A, ia + lane * 8, 2);
  unsigned a2 = pack2(A, ia + lane * 8, 4), a3 = pack2(A, ia + lane * 8, 6);
  unsigned b0 = pack2(B, ib + lane * 4, 0), b1 = pack2(B, ib + lane * 4, 2);
  float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
               "{%0,%1,%2,%3};"
               : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
               : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  D[lane * 4 + 0] = d0; D[lane * 4 + 1] = d1; D[lane * 4 + 2] = d2; D[lane * 4 + 3] = d3;
}

// wgmma m64n8k16, A from registers (128 threads), B (16 x 8, (k, n)) in shared memory, K-major core
// matrices without swizzle: core matrix c (k in [8c, 8c+8)) at byte 128*c, row n at 16*n, k%8 at 2*(k%8).
extern "C" __global__ void wgmma_m64n8k16(const __half* A, const __half* B, const int* ia, float* D) {
  __shared__ __align__(128) __half sb[16 * 8];
  int t = threadIdx.x;
  if (t < 128) {
    int k = t / 8, n = t % 8;
    sb[(k / 8) * 64 + n * 8 + (k % 8)] = B[k * 8 + n];
  }
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  __syncthreads();
  unsigned a0 = pack2(A, ia + t * 8, 0), a1 = pack2(A, ia + t * 8, 2);
  unsigned a2 = pack2(A, ia + t * 8, 4), a3 = pack2(A, ia + t * 8, 6);
  unsigned long long addr = smem_u32(sb);
  unsigned long long desc = ((addr >> 4) & 0x3FFF) | ((128ull >> 4) << 16) | ((128ull >> 4) << 32);
  float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %9, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16 {%0,%1,%2,%3}, {%4,%5,%6,%7}, %8, p, 1, 1, 0;\n}\n"
      : "+f"(d0), "+f"(d1), "+f"(d2), "+f"(d3)
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "l"(desc), "r"(0));
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
  D[t * 4 + 0] = d0; D[t * 4 + 1] = d1; D[t * 4 + 2] = d2; D[t * 4 + 3] = d3;
}
"""


def _table(layout, regs: int, threads: int):
    """coords[thread, reg] -> (dim0, dim1) from a distributed layout (warps folded into threads)."""
    out = np.zeros((threads, regs, 2), dtype=np.int64)
    for t in range(threads):
        for r in range(regs):
            c = layout.apply(register=r, lane=t % 32, warp=t // 32)
            out[t, r] = (c["dim0"], c["dim1"])
    return out


def part_mma(cp, workdir: Path) -> dict:
    cu = workdir / "mma.cu"
    cu.write_text(SRC)
    cub = workdir / "mma.cubin"
    r = subprocess.run(
        ["nvcc", "-gencode", "arch=compute_90a,code=sm_90a", "-O2", "-cubin", "-o", str(cub), str(cu)],
        capture_output=True,
        text=True,
    )
    if r.returncode:
        raise RuntimeError(r.stderr[-4000:])
    mod = cp.RawModule(path=str(cub))
    res: dict[str, object] = {}
    rng = np.random.default_rng(7)

    # ---------------------------------------------------------------- ldmatrix / stmatrix
    perm = rng.permutation(32)  # row r sits at a scattered 16-byte slot, supplied by lane r
    rows = (perm * 8).astype(np.int32)
    vals = (np.arange(32)[:, None] * 8 + np.arange(8)[None, :]).astype(np.uint16)
    for trans in (0, 1):
        frag = ldmatrix_fragment(4, transposed=bool(trans))
        out = cp.zeros(32 * 4, dtype=np.uint32)
        mod.get_function("ldm")(
            (1,), (32,), (cp.asarray(vals.reshape(-1)), cp.asarray(rows), out, np.int32(trans))
        )
        got = cp.asnumpy(out).reshape(32, 4)
        bad = 0
        for lane in range(32):
            for e in range(8):
                c = frag.apply(register=e, lane=lane)
                want = c["dim0"] * 8 + c["dim1"]
                word = int(got[lane, e // 2])
                have = (word >> (16 * (e % 2))) & 0xFFFF
                bad += have != want
        res[f"ldmatrix.x4{'.trans' if trans else ''}"] = "ok" if bad == 0 else f"{bad}/256 mismatched"
    frag = ldmatrix_fragment(4, store=True)
    regs = np.zeros((32, 4), dtype=np.uint32)
    for lane in range(32):
        for e in range(8):
            c = frag.apply(register=e, lane=lane)
            regs[lane, e // 2] |= np.uint32((c["dim0"] * 8 + c["dim1"]) << (16 * (e % 2)))
    out = cp.zeros(32 * 8, dtype=np.uint16)
    mod.get_function("stm")((1,), (32,), (cp.asarray(regs.reshape(-1)), cp.asarray(rows), out))
    got = cp.asnumpy(out).reshape(32, 8)
    bad = int((got != vals).sum())
    res["stmatrix.x4"] = "ok" if bad == 0 else f"{bad}/256 mismatched"

    # ---------------------------------------------------------------- mma.sync m16n8k16
    m2 = NVMMADistributedLayout(version=[2, 0], warps_per_cta=[1, 1], instr_shape=[16, 8])
    la = DotOperandLayout(operand_index=0, parent=m2, k_width=2).to_linear_layout([16, 16])
    lb = DotOperandLayout(operand_index=1, parent=m2, k_width=2).to_linear_layout([16, 8])
    lc = m2.to_linear_layout([16, 8])
    ta, tb, tc = _table(la, 8, 32), _table(lb, 4, 32), _table(lc, 4, 32)
    A = rng.integers(-3, 4, size=(16, 16)).astype(np.float16)
    B = rng.integers(-3, 4, size=(16, 8)).astype(np.float16)
    ia = (ta[..., 0] * 16 + ta[..., 1]).astype(np.int32)
    ib = (tb[..., 0] * 8 + tb[..., 1]).astype(np.int32)
    D = cp.zeros(32 * 4, dtype=np.float32)
    mod.get_function("mma16816")(
        (1,),
        (32,),
        (
            cp.asarray(A.reshape(-1)),
            cp.asarray(B.reshape(-1)),
            cp.asarray(ia.reshape(-1)),
            cp.asarray(ib.reshape(-1)),
            D,
        ),
    )
    ref = A.astype(np.float32) @ B.astype(np.float32)
    got = cp.asnumpy(D).reshape(32, 4)
    want = ref[tc[..., 0], tc[..., 1]]
    res["mma.sync.m16n8k16 (A, B operands and C accumulator)"] = (
        "ok" if np.array_equal(got, want) else f"{int((got != want).sum())}/128 mismatched"
    )

    # ---------------------------------------------------------------- wgmma m64n8k16
    m3 = NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 8, 16])
    la3 = DotOperandLayout(operand_index=0, parent=m3, k_width=2).to_linear_layout([64, 16])
    lc3 = m3.to_linear_layout([64, 8])
    ta3, tc3 = _table(la3, 8, 128), _table(lc3, 4, 128)
    ia3 = (ta3[..., 0] * 16 + ta3[..., 1]).astype(np.int32)
    A3 = rng.integers(-3, 4, size=(64, 16)).astype(np.float16)
    for variant in ("b_const_k", "full"):
        if variant == "b_const_k":
            B3 = np.tile(rng.integers(-3, 4, size=(1, 8)), (16, 1)).astype(np.float16)
        else:
            B3 = rng.integers(-3, 4, size=(16, 8)).astype(np.float16)
        D = cp.zeros(128 * 4, dtype=np.float32)
        mod.get_function("wgmma_m64n8k16")(
            (1,),
            (128,),
            (cp.asarray(A3.reshape(-1)), cp.asarray(B3.reshape(-1)), cp.asarray(ia3.reshape(-1)), D),
        )
        ref = A3.astype(np.float32) @ B3.astype(np.float32)
        got = cp.asnumpy(D).reshape(128, 4)
        want = ref[tc3[..., 0], tc3[..., 1]]
        res[f"wgmma.m64n8k16 A-from-registers ({variant})"] = (
            "ok" if np.array_equal(got, want) else f"{int((got != want).sum())}/512 mismatched"
        )
    return res
