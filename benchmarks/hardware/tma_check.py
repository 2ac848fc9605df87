# ruff: noqa: E501  (the embedded CUDA source keeps long asm lines)
"""Real TMA loads on an sm_90 GPU against linlayout's predicted shared-memory layouts.

For every case a global tensor of distinct values (the flat element index, split over
two runs for 8-bit elements) is loaded with ``cp.async.bulk.tensor`` (tensor map built by
``cuTensorMapEncodeTiled`` through ``cuda.bindings.driver``, passed as a
``__grid_constant__`` kernel parameter, completion on an mbarrier), the raw shared memory
is copied back, and every element's offset is compared with
``linlayout.memory.TmaCopy.smem_layout()``; the box origins come from
``TmaCopy.messages()``.  One case uses a cluster of 2 CTAs with ``.multicast::cluster``:
each CTA issues half of the messages (``multicast_messages()``) and both must receive the
whole tile.

Run from the repository root: ``python3 benchmarks/hardware/tma_check.py --out DIR``;
``--compile-only`` just builds the kernels with nvcc (no GPU needed).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from linlayout.memory import TmaCopy  # noqa: E402

KERNELS = r"""
#include <cstdint>
#include <cuda.h>

// bounded wait: returns false when the transaction count never completes
__device__ __forceinline__ bool wait_parity0(uint32_t bar) {
  for (long it = 0; it < (1L << 22); ++it) {
    uint32_t done;
    asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], 0;\n"
                 " selp.u32 %0, 1, 0, p;\n}\n" : "=r"(done) : "r"(bar) : "memory");
    if (done) return true;
  }
  return false;
}

// coords: nmsg x 5 ints, innermost first.  Message m goes to smem byte m * box_bytes
// (box_bytes includes any row padding); tx_bytes is what the mbarrier expects.
template <bool MC>
__device__ void body(const CUtensorMap* tmap, uint8_t* out, const int* coords, int rank,
                     int nmsg, int box_bytes, int tx_bytes, int* status) {
  extern __shared__ uint8_t smem_raw[];
  __shared__ alignas(8) uint64_t bar;
  uint8_t* smem = (uint8_t*)(((uintptr_t)smem_raw + 1023) & ~(uintptr_t)1023);
  uint32_t sbar = (uint32_t)__cvta_generic_to_shared(&bar);
  uint32_t sbase = (uint32_t)__cvta_generic_to_shared(smem);
  int total = nmsg * box_bytes;
  unsigned rank_in_cluster = 0, ncta = 1;
  if (MC) {
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank_in_cluster));
    asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(ncta));
  }
  for (int i = threadIdx.x; i < total; i += blockDim.x) smem[i] = 0xEE;
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"(sbar) : "memory");
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  __syncthreads();
  if (threadIdx.x == 0) asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  if (MC) {
    asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::: "memory");
  }
  if (threadIdx.x == 0) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(sbar), "r"(tx_bytes) : "memory");
    for (int m = 0; m < nmsg; ++m) {
      if (MC && (unsigned)(m % ncta) != rank_in_cluster) continue;
      const int* c = coords + 5 * m;
      uint32_t dst = sbase + m * box_bytes;
      uint16_t mask = (uint16_t)((1u << ncta) - 1);
#define TMA_ARGS_MC(N, ...)                                                                        \
  if (MC) asm volatile("cp.async.bulk.tensor." #N "d.shared::cluster.global.tile.mbarrier::complete_tx::bytes" \
                       ".multicast::cluster [%0], [%1, {" __VA_ARGS__ "}], [%2], %3;"                  \
                       :: "r"(dst), "l"(tmap), "r"(sbar), "h"(mask), "r"(c[0]), "r"(c[1]), "r"(c[2]), \
                          "r"(c[3]), "r"(c[4]) : "memory");                                          \
  else asm volatile("cp.async.bulk.tensor." #N "d.shared::cluster.global.tile.mbarrier::complete_tx::bytes" \
                    " [%0], [%1, {" __VA_ARGS__ "}], [%2];"                                            \
                    :: "r"(dst), "l"(tmap), "r"(sbar), "h"(mask), "r"(c[0]), "r"(c[1]), "r"(c[2]),    \
                       "r"(c[3]), "r"(c[4]) : "memory");
      switch (rank) {
        case 1: TMA_ARGS_MC(1, "%4") break;
        case 2: TMA_ARGS_MC(2, "%4, %5") break;
        case 3: TMA_ARGS_MC(3, "%4, %5, %6") break;
        case 4: TMA_ARGS_MC(4, "%4, %5, %6, %7") break;
        default: TMA_ARGS_MC(5, "%4, %5, %6, %7, %8") break;
      }
    }
  }
  bool ok = wait_parity0(sbar);
  if (!ok) status[blockIdx.x] = 1;
  __syncthreads();
  uint8_t* o = out + (size_t)blockIdx.x * total;
  for (int i = threadIdx.x; i < total; i += blockDim.x) o[i] = smem[i];
  if (MC) {
    asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::: "memory");
  }
}

extern "C" __global__ void tma_load(const __grid_constant__ CUtensorMap tmap, uint8_t* out,
                                    const int* coords, int rank, int nmsg, int box_bytes,
                                    int tx_bytes, int* status) {
  body<false>(&tmap, out, coords, rank, nmsg, box_bytes, tx_bytes, status);
}

extern "C" __global__ void __cluster_dims__(2, 1, 1)
tma_load_mc2(const __grid_constant__ CUtensorMap tmap, uint8_t* out, const int* coords, int rank,
             int nmsg, int box_bytes, int tx_bytes, int* status) {
  body<true>(&tmap, out, coords, rank, nmsg, box_bytes, tx_bytes, status);
}
"""

ARCH = ["-gencode", "arch=compute_90a,code=sm_90a"]


def build(workdir: Path) -> Path:
    cu = workdir / "tma_check.cu"
    cu.write_text(KERNELS)
    out = workdir / "tma_check.cubin"
    r = subprocess.run(
        ["nvcc", *ARCH, "-O2", "-std=c++17", "-cubin", "-o", str(out), str(cu)],
        capture_output=True,
        text=True,
    )
    if r.returncode:
        raise RuntimeError(f"nvcc failed:\n{r.stderr[-4000:]}")
    return out


# (elem_bits, global_shape, box_shape, swizzle, tile_shape, origin, interleave, multicast)
def cases() -> list[dict]:
    out = []
    for bits in (8, 16, 32, 64):
        eb = bits // 8
        for sw in (0, 32, 64, 128):
            inner = (sw or 64) // eb  # one swizzle span (64 bytes without swizzle)
            out.append(dict(bits=bits, gshape=[64, 4 * inner], box=[8, inner], sw=sw, origin=[8, inner]))
            out.append(
                dict(bits=bits, gshape=[128, 4 * inner], box=[32, inner], sw=sw, origin=[32, 2 * inner])
            )
            if sw >= 64 and 32 // eb >= 1 and (32 // eb) * eb % 16 == 0:
                # inner dim narrower than the swizzle span (allowed by the driver, not by Triton)
                out.append(
                    dict(
                        bits=bits, gshape=[64, 64 // eb * 4], box=[16, 32 // eb], sw=sw, origin=[16, 32 // eb]
                    )
                )
    # a 3-D box and a 4-message tile
    out.append(dict(bits=16, gshape=[8, 32, 128], box=[2, 8, 64], sw=128, origin=[2, 8, 64]))
    out.append(dict(bits=16, gshape=[256, 256], box=[64, 64], sw=128, origin=[64, 64], tile=[128, 128]))
    out.append(dict(bits=32, gshape=[256, 256], box=[16, 16], sw=64, origin=[0, 16], tile=[32, 64]))
    # multicast: cluster of 2, tile of 2 boxes, each CTA issues one, both receive both
    out.append(dict(bits=16, gshape=[256, 256], box=[64, 64], sw=128, origin=[64, 0], tile=[128, 64], mc=2))
    out.append(dict(bits=32, gshape=[256, 256], box=[32, 32], sw=128, origin=[0, 32], tile=[64, 64], mc=2))
    # interleave 16B (NC/8HWC8-like, last dim = the 8-channel chunk): our model = dense box
    out.append(dict(bits=16, gshape=[4, 16, 32, 8], box=[1, 8, 16, 8], sw=0, origin=[1, 8, 0, 0], il=16))
    out.append(dict(bits=16, gshape=[4, 16, 32, 16], box=[1, 8, 8, 16], sw=32, origin=[0, 8, 8, 0], il=32))
    return out


def _check(res, what):
    err = res[0]
    if int(err) != 0:
        raise RuntimeError(f"{what}: {err}")
    return res[1:] if len(res) > 2 else (res[1] if len(res) == 2 else None)


def run_case(driver, mod_fns, case: dict) -> dict:
    import cupy as cp

    bits, gshape, box = case["bits"], case["gshape"], case["box"]
    tile = case.get("tile", box)
    mc = case.get("mc", 0)
    copy = TmaCopy(
        global_shape=gshape,
        box_shape=box,
        element_bitwidth=bits,
        swizzle=case["sw"],
        tile_shape=tile,
        interleave=case.get("il", 0),
        multicast=tuple(range(mc)),
        cluster_size=max(1, mc),
    )
    dt = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[bits]
    n = int(np.prod(gshape))
    L = copy.smem_layout()
    table = np.array(L.sublayout(["offset"], L.out_dim_names).to_flat_table(), dtype=np.int64)
    # flat index in the tile -> coordinates -> flat global index
    # flat tables pack dim0 in the low bits (Triton's out-dim order)
    tile_coords = np.stack(np.unravel_index(table, tile[::-1]), axis=-1)[:, ::-1]
    gidx = np.ravel_multi_index(tuple((tile_coords + np.array(case["origin"])).T), gshape)
    M = copy.messages()
    mt = np.array(M.to_flat_table(), dtype=np.int64) if copy.message_count > 1 else np.zeros(1, np.int64)
    morig = np.stack(np.unravel_index(mt, tile[::-1]), axis=-1)[:, ::-1] + np.array(case["origin"])
    coords = np.zeros((copy.message_count, 5), dtype=np.int32)
    coords[:, : len(gshape)] = morig[:, ::-1]  # innermost first
    box_bytes = copy.smem_bytes_per_message
    total = box_bytes * copy.message_count
    tx = copy.bytes_per_message * copy.message_count
    written = np.array(copy.written_offsets(), dtype=np.int64)
    ncta = max(1, mc)
    runs = 2 if bits == 8 else 1
    ok, bad = True, 0
    got_ids = []
    for r in range(runs):
        host = ((np.arange(n, dtype=np.uint64) >> np.uint64(8 * r)) & np.uint64((1 << bits) - 1)).astype(dt)
        g = cp.asarray(host)
        out = cp.zeros(total * ncta, dtype=cp.uint8)
        dco = cp.asarray(coords.ravel())
        status = cp.zeros(ncta, dtype=cp.int32)
        a = copy.driver_args()
        T = driver.CUtensorMapDataType
        dtype_enum = {
            8: T.CU_TENSOR_MAP_DATA_TYPE_UINT8,
            16: T.CU_TENSOR_MAP_DATA_TYPE_UINT16,
            32: T.CU_TENSOR_MAP_DATA_TYPE_UINT32,
            64: T.CU_TENSOR_MAP_DATA_TYPE_UINT64,
        }[bits]
        u32, u64 = driver.cuuint32_t, driver.cuuint64_t
        tmap = _check(
            driver.cuTensorMapEncodeTiled(
                dtype_enum,
                u32(a["tensorRank"]),
                g.data.ptr,
                [u64(x) for x in a["globalDim"]],
                [u64(x) for x in a["globalStrides"]],
                [u32(x) for x in a["boxDim"]],
                [u32(x) for x in a["elementStrides"]],
                driver.CUtensorMapInterleave(a["interleave"]),
                driver.CUtensorMapSwizzle(a["swizzle"]),
                driver.CUtensorMapL2promotion.CU_TENSOR_MAP_L2_PROMOTION_NONE,
                driver.CUtensorMapFloatOOBfill.CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE,
            ),
            "cuTensorMapEncodeTiled",
        )
        tm_bytes = ctypes.string_at(tmap.getPtr(), 128)
        tm_buf = (ctypes.c_uint8 * 128).from_buffer_copy(tm_bytes)
        vals = [
            ctypes.c_uint64(out.data.ptr),
            ctypes.c_uint64(dco.data.ptr),
            ctypes.c_int(len(gshape)),
            ctypes.c_int(copy.message_count),
            ctypes.c_int(box_bytes),
            ctypes.c_int(tx),
            ctypes.c_uint64(status.data.ptr),
        ]
        ptrs = (ctypes.c_void_p * 8)(ctypes.addressof(tm_buf), *[ctypes.addressof(v) for v in vals])
        fn = mod_fns["tma_load_mc2" if mc else "tma_load"]
        smem = total + 1024
        _check(
            driver.cuFuncSetAttribute(
                fn, driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem
            ),
            "setattr",
        )
        try:
            _check(
                driver.cuLaunchKernel(fn, ncta, 1, 1, 128, 1, 1, smem, 0, ctypes.addressof(ptrs), 0), "launch"
            )
        except TypeError:
            _check(
                driver.cuLaunchKernel(
                    fn, ncta, 1, 1, 128, 1, 1, smem, driver.CUstream(0), ctypes.addressof(ptrs), 0
                ),
                "launch",
            )
        cp.cuda.runtime.deviceSynchronize()
        if int(cp.asnumpy(status).sum()):
            raise RuntimeError(f"mbarrier never completed (expected {tx} transaction bytes)")
        raw = cp.asnumpy(out).view(dt).reshape(ncta, -1).astype(np.uint64)
        got_ids.append(raw)
    ids = got_ids[0] if runs == 1 else got_ids[0] | (got_ids[1] << np.uint64(8))
    expect = gidx.astype(np.uint64) & np.uint64((1 << (16 if bits == 8 else min(bits, 63))) - 1)
    ids, expect = ids[:, written], expect[written]
    for c in range(ncta):
        mism = int((ids[c] != expect).sum())
        bad += mism
        ok &= mism == 0
    first_bad = None
    if not ok:
        k = int(np.nonzero(ids[0] != expect)[0][0]) if (ids[0] != expect).any() else -1
        first_bad = {
            "offset": int(written[k]),
            "got_global_index": int(ids[0][k]),
            "expected": int(expect[k]),
        }
    return {
        "case": {k: v for k, v in case.items()},
        "tile": list(tile),
        "messages": copy.message_count,
        "box_bytes": box_bytes,
        "elements": int(written.size) * ncta,
        "padded_rows": copy.row_pitch_bytes != copy.box_shape[-1] * copy.element_bytes,
        "mismatches": bad,
        "ok": bool(ok),
        "first_mismatch": first_bad,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".")
    ap.add_argument("--compile-only", action="store_true")
    ap.add_argument("--case", type=int, default=-1, help="run one case in this process (internal)")
    ap.add_argument("--cubin", default="")
    args = ap.parse_args()
    if args.case >= 0:  # one case, in its own process (a fault cannot poison the others)
        import cupy as cp
        from cuda.bindings import driver

        cp.zeros(1)  # primary context current
        mod = _check(driver.cuModuleLoadData(Path(args.cubin).read_bytes()), "cuModuleLoadData")
        fns = {
            k: _check(driver.cuModuleGetFunction(mod, k.encode()), k) for k in ("tma_load", "tma_load_mc2")
        }
        c = cases()[args.case]
        try:
            r = run_case(driver, fns, c)
        except Exception as e:  # noqa: BLE001 - recorded as a failed case
            r = {"case": c, "ok": False, "error": f"{type(e).__name__}: {e}"[:500]}
        print("RESULT " + json.dumps(r))
        return 0
    work = Path(tempfile.mkdtemp())
    t0 = time.time()
    cubin = build(work)
    print(f"nvcc ok ({time.time() - t0:.1f} s): {cubin.stat().st_size} bytes")
    if args.compile_only:
        for c in cases():  # the descriptions themselves must be legal
            TmaCopy(
                global_shape=c["gshape"],
                box_shape=c["box"],
                element_bitwidth=c["bits"],
                swizzle=c["sw"],
                tile_shape=c.get("tile", c["box"]),
                interleave=c.get("il", 0),
                multicast=tuple(range(c.get("mc", 0))),
                cluster_size=max(1, c.get("mc", 0)),
            )
        print(f"{len(cases())} case descriptions valid")
        return 0
    import cupy as cp
    from cuda.bindings import driver

    print("cuda.bindings encode:", [n for n in dir(driver) if "TensorMapEncode" in n])
    results = []
    for i, c in enumerate(cases()):
        p = subprocess.run(
            [sys.executable, __file__, "--case", str(i), "--cubin", str(cubin)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
        r = (
            json.loads(lines[-1][7:])
            if lines
            else {"case": c, "ok": False, "error": (p.stderr or p.stdout)[-400:]}
        )
        results.append(r)
        tag = "OK " if r["ok"] else "BAD"
        print(
            tag,
            json.dumps(r["case"]),
            r.get("messages"),
            r.get("mismatches"),
            r.get("error", ""),
            r.get("first_mismatch") or "",
            flush=True,
        )
    dev = cp.cuda.runtime.getDeviceProperties(0)
    summary = {
        "device": dev["name"].decode() if isinstance(dev["name"], bytes) else str(dev["name"]),
        "cases": len(results),
        "ok": sum(r["ok"] for r in results),
        "elements_checked": sum(r.get("elements", 0) for r in results if r["ok"]),
        "results": results,
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "tma_check.json").write_text(json.dumps(summary, indent=1))
    print(f"{summary['ok']}/{summary['cases']} cases agree; {summary['elements_checked']} elements checked")
    return 0 if summary["ok"] == summary["cases"] else 1


if __name__ == "__main__":
    sys.exit(main())
