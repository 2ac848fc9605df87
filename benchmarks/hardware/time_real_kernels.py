"""Time linlayout's emitted conversions beside Triton's own ``convert_layout`` on an H100/H200.

For the stored NVIDIA conversions of real kernels (``tests/data/real_kernels.json``, the
pairs with SASS counts), both sides run the same loop harness: every thread starts from its
elements' row-major ids in the src layout, then ``iters`` times converts to the dst layout,
XORs the result into an accumulator and adds 1 to its src registers (so nothing is hoisted),
with a CTA barrier between rounds where the plan uses shared memory (Triton's membar analysis
puts one there too); finally it stores the accumulator at its elements' row-major indices.

* linlayout: ``linlayout.codegen.cuda.emit_plan`` inside that loop, ``nvcc -arch=sm_90a``;
* Triton: a TTGIR module with the same ``scf.for`` around the pair's ``ttg.convert_layout``,
  compiled by triton 3.9.0 (``benchmarks/kernels/worker.py``).

On the GPU both outputs must be equal (after one round and after ``iters``), and each is timed
with CUDA events (median of ``--reps`` launches of ``--ctas`` CTAs); the geometric-mean time
ratio and the worst case are printed and written as JSON.  ``--compile-only`` (no GPU
needed) builds both cubins for every pair and prints their registers.

    PYTHONPATH=. python3 benchmarks/hardware/time_real_kernels.py [--compile-only] [--limit 32]
        [--iters 256] [--reps 15] [--ctas 1056] [--out results/real_kernels_timing.json]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import real_kernels as rk  # noqa: E402

import linlayout as ll  # noqa: E402
from linlayout.codegen.cuda import _lane_warp_expr, _row_major_bases, _xor_of, emit_plan  # noqa: E402

INT = {8: "i8", 16: "i16", 32: "i32", 64: "i64"}


def our_source(plan, name: str = "ours") -> str:
    """The loop harness around linlayout's emitted plan."""
    S, D = max(plan.src_regs, 1), max(plan.dst_regs, 1)
    src, dst = plan.src, plan.dst
    sreg, dreg = _row_major_bases(src, "register"), _row_major_bases(dst, "register")
    sx = _lane_warp_expr(_row_major_bases(src, "lane") + _row_major_bases(src, "warp"), plan.lanes)
    dx = _lane_warp_expr(_row_major_bases(dst, "lane") + _row_major_bases(dst, "warp"), plan.lanes)
    sync = "__syncthreads();" if plan.shared_bytes else ""
    init = "\n".join(f"  src[{r}] = (elem_t)({_xor_of(sreg, r)}u ^ sb);" for r in range(S))
    fin = "\n".join(f"  gout[{_xor_of(dreg, r)}u ^ db] = acc[{r}];" for r in range(D))
    return f"""#include <cooperative_groups.h>
namespace cg = cooperative_groups;
{emit_plan(plan, name=f"{name}_convert")}
extern "C" __global__ void {name}(elem_t* __restrict__ gout, int iters) {{
  extern __shared__ uint4 smem_raw[];
  elem_t* smem = reinterpret_cast<elem_t*>(smem_raw);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  (void)lane; (void)warp;
  const unsigned sb = {sx}, db = {dx};
  elem_t src[{S}], acc[{D}];
{init}
#pragma unroll
  for (int r = 0; r < {D}; ++r) acc[r] = 0;
  gout += (long)blockIdx.x * {1 << dst.total_out_bits};
  for (int it = 0; it < iters; ++it) {{
    elem_t out[{D}];
    {name}_convert(src, out, smem);
#pragma unroll
    for (int r = 0; r < {D}; ++r) acc[r] ^= out[r];
#pragma unroll
    for (int r = 0; r < {S}; ++r) src[r] += (elem_t)1;
    {sync}
  }}
{fin}
}}
"""


def triton_source(rec: dict, warps: int) -> str:
    """The same loop as a TTGIR module around Triton's ``convert_layout`` (integer elements of
    the pair's width: the lowering depends only on the width)."""
    shape, src, dst = rec["shape"], rec["src"], rec["dst"]
    it = INT[rec["elem_bits"]]
    full = "x".join(map(str, shape))
    ts, td = f"tensor<{full}x{it}, {src}>", f"tensor<{full}x{it}, {dst}>"
    a, ia = rk._index_lines(src, shape, "x")
    b, ib = rk._index_lines(dst, shape, "y")
    body = a + b
    if rec["elem_bits"] == 32:
        v = ia
    elif rec["elem_bits"] == 64:
        body.append(f"    %v0 = arith.extsi {ia} : tensor<{full}xi32, {src}> to {ts}")
        v = "%v0"
    else:
        body.append(f"    %v0 = arith.trunci {ia} : tensor<{full}xi32, {src}> to {ts}")
        v = "%v0"
    n = 1
    for x in shape:
        n *= x
    body += [
        f"    %zero = arith.constant dense<0> : {td}",
        f"    %one = arith.constant dense<1> : {ts}",
        "    %c0 = arith.constant 0 : i32",
        "    %c1 = arith.constant 1 : i32",
        f"    %cn = arith.constant {n} : i32",
        "    %pid = tt.get_program_id x : i32",
        "    %boff = arith.muli %pid, %cn : i32",
        f"    %o2 = tt.addptr %out, %boff : !tt.ptr<{it}>, i32",
        f"    %r:2 = scf.for %i = %c0 to %iters step %c1 iter_args(%x = {v}, %acc = %zero) -> ({ts}, {td})"
        " : i32 {",
        f"      %y = ttg.convert_layout %x : {ts} -> {td}",
        f"      %a2 = arith.xori %acc, %y : {td}",
        f"      %x2 = arith.addi %x, %one : {ts}",
        f"      scf.yield %x2, %a2 : {ts}, {td}",
        "    }",
        f"    %pp = tt.splat %o2 : !tt.ptr<{it}> -> tensor<{full}x!tt.ptr<{it}>, {dst}>",
        f"    %pq = tt.addptr %pp, {ib} : tensor<{full}x!tt.ptr<{it}>, {dst}>, tensor<{full}xi32, {dst}>",
        f"    tt.store %pq, %r#1 : tensor<{full}x!tt.ptr<{it}>, {dst}>",
    ]
    head = (f'module attributes {{"ttg.num-ctas" = 1 : i32, "ttg.num-warps" = {warps} : i32, '
            f'ttg.target = "cuda:90", "ttg.threads-per-warp" = 32 : i32}} {{')
    return "\n".join([head, f"  tt.func public @cvt_loop(%out: !tt.ptr<{it}>, %iters: i32) {{", *body,
                      "    tt.return", "  }", "}", ""])


def pairs(limit: int) -> list[dict]:
    """The stored NVIDIA pairs that move data (all run on sm_90a), those with SASS counts first,
    one per distinct pair of layouts."""
    seen, recs = set(), []
    for r in json.loads(rk.DATA.read_text())["pairs"]:
        k = (json.dumps(r["src_bases"]), json.dumps(r["dst_bases"]), r["elem_bits"])
        if r["target"].startswith("cuda") and r["triton"]["kind"] != "registers" and k not in seen:
            seen.add(k)
            recs.append(r)
    recs.sort(key=lambda r: "sass_triton" not in r)
    return recs[:limit]


def build(recs: list[dict], nvcc: str = "nvcc") -> list[dict]:
    """Both cubins of every pair (cached under benchmarks/kernels/.cache/timing)."""
    out_dir = rk.CACHE / "timing"
    out_dir.mkdir(parents=True, exist_ok=True)
    items, jobs = [], []
    for rec in recs:
        s, d = rk.layouts_of(rec)
        plan = ll.plan_conversion(s, d, "sm_90", elem_bits=rec["elem_bits"])
        src = our_source(plan)
        key = rk._key(src)
        cubin = out_dir / f"ours_{key}.cubin"
        if not cubin.exists():
            cu = out_dir / f"ours_{key}.cu"
            cu.write_text(src)
            cmd = ["nice", "-n", "15", nvcc, "-arch=sm_90a", "-O3", "-cubin", "-o", str(cubin), str(cu)]
            subprocess.run(cmd, check=True, capture_output=True, text=True)
        text = triton_source(rec, s.in_dims["warp"])
        tkey = "t_" + rk._key(text, "timing")
        jobs.append({"kind": "cvt", "key": tkey, "ttgir": text, "target": "cuda:90"})
        items.append({"rec": rec, "plan": plan, "ours": cubin, "tkey": tkey})
    res = rk.run_jobs(jobs, 2)
    for it in items:
        r = res[it["tkey"]]
        if not r.get("ok"):
            raise RuntimeError(f"triton failed on {it['rec']['shape']}: {r.get('error', '')[-800:]}")
        tc = out_dir / f"{it['tkey']}.cubin"
        if not tc.exists():
            tc.write_bytes(bytes.fromhex(r["cubin"]))
        nparams = r["asm"].split(".entry", 1)[1].split(")", 1)[0].count(".param")
        it.update(triton=tc, triton_name=r["name"], triton_shared=r["shared"], triton_params=nparams)
    return items


def time_on_gpu(items: list[dict], iters: int, reps: int, ctas: int) -> list[dict]:
    """Check and time both kernels of every pair with CuPy (CUDA events)."""
    import cupy as cp
    import numpy as np

    rows = []
    for it in items:
        rec, plan = it["rec"], it["plan"]
        n = 1
        for x in rec["shape"]:
            n *= x
        dt = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[rec["elem_bits"]]
        threads = 32 * plan.warps
        ko = cp.RawModule(path=str(it["ours"])).get_function("ours")
        kt = cp.RawModule(path=str(it["triton"])).get_function(it["triton_name"])
        so, st = max(plan.shared_bytes, 16), it["triton_shared"]
        if so > 48 * 1024:
            ko.max_dynamic_shared_size_bytes = so
        if st > 48 * 1024:
            kt.max_dynamic_shared_size_bytes = st
        extra = [cp.uint64(0)] * (it["triton_params"] - 2)

        def launch(which, k, buf, ko=ko, kt=kt, so=so, st=st, threads=threads, extra=extra):
            """One launch of ``which`` ('ours' or 'triton') for ``k`` rounds."""
            if which == "ours":
                ko((ctas,), (threads,), (buf, np.int32(k)), shared_mem=so)
            else:
                kt((ctas,), (threads,), (buf, np.int32(k), *extra), shared_mem=st)

        res = {}
        for k in (1, iters):
            bo, bt = cp.zeros(ctas * n, dtype=dt), cp.zeros(ctas * n, dtype=dt)
            launch("ours", k, bo)
            launch("triton", k, bt)
            res[k] = bool((bo == bt).all())
        times = {}
        for which in ("ours", "triton"):
            buf = cp.zeros(ctas * n, dtype=dt)
            ts = []
            for _ in range(reps):
                a, b = cp.cuda.Event(), cp.cuda.Event()
                a.record()
                launch(which, iters, buf)
                b.record()
                b.synchronize()
                ts.append(cp.cuda.get_elapsed_time(a, b))
            times[which] = sorted(ts)[len(ts) // 2]
        rows.append({"shape": rec["shape"], "elem": rec["elem"], "kernels": rec["kernels"][:2],
                     "same_output": res, "ms_ours": times["ours"], "ms_triton": times["triton"],
                     "ratio": times["ours"] / times["triton"]})
    return rows


def main() -> None:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--compile-only", action="store_true")
    ap.add_argument("--limit", type=int, default=32)
    ap.add_argument("--iters", type=int, default=256)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--ctas", type=int, default=1056)
    ap.add_argument("--nvcc", default="nvcc")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "real_kernels_timing.json"))
    a = ap.parse_args()
    items = build(pairs(a.limit), a.nvcc)
    if a.compile_only:
        print("| pair | our registers | Triton registers |")
        print("|---|---|---|")
        for it in items:
            o, t = rk.sass_counts(it["ours"]), rk.sass_counts(it["triton"])
            print(f"| {it['rec']['shape']} {it['rec']['elem']} | {o['registers']} | {t['registers']} |")
        print(f"{len(items)} pairs: both loop kernels built")
        return
    rows = time_on_gpu(items, a.iters, a.reps, a.ctas)
    print("| pair | same output (1 / iters rounds) | ms ours | ms Triton | ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['shape']} {r['elem']} | {r['same_output']} | {r['ms_ours']:.4f} | "
              f"{r['ms_triton']:.4f} | {r['ratio']:.3f} |")
    gm = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
    worst = max(r["ratio"] for r in rows)
    print(f"geometric-mean ratio {gm:.3f}, worst {worst:.3f} over {len(rows)} pairs")
    Path(a.out).write_text(json.dumps({"rows": rows, "geomean": gm, "worst": worst}, indent=1))


if __name__ == "__main__":
    main()
