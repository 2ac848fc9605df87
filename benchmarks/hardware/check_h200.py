"""Hardware truth on an NVIDIA GPU (H200 / sm_90): one command, three parts.

1. ``plans``  — emitted conversion plans (linlayout.codegen.cuda) for a few hundred layout
   pairs (random distributed, blocked, mma, dot operands, slices, broadcast, cluster) run on
   the GPU; every element must land where ``dst`` says.
2. ``mma``    — real ``mma.sync`` (m16n8k16 f16), ``wgmma`` (m64n8k16 f16, A from registers)
   and ``ldmatrix``/``stmatrix`` tiles: every thread's registers must hold exactly the
   elements linlayout's generators say.
3. ``timing`` — shuffle plans against shared-memory plans for the same conversions (median
   of many runs, CUDA events), to calibrate the planner's cost model for sm_90.

Run from the repository root on a machine with CuPy and nvcc:
``PYTHONPATH=. python3 benchmarks/hardware/check_h200.py --out results_dir [parts...]``.
Prints a summary table and writes ``hardware_results.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import linlayout as ll  # noqa: E402
from linlayout import LinearLayout  # noqa: E402
from linlayout.codegen.cuda import emit_check_kernel  # noqa: E402

ARCH = ["-gencode", "arch=compute_90a,code=sm_90a"]


# ----------------------------------------------------------------------------- helpers


def element_ids(layout: LinearLayout) -> np.ndarray:
    t = layout.to_flat_table().astype(np.int64)
    d = layout.in_dims
    return t.reshape(d["block"], d["warp"], d["lane"], d["register"])


def nvcc_cubin(src: str, workdir: Path, tag: str) -> Path:
    cu = workdir / f"{tag}.cu"
    cu.write_text(src)
    out = workdir / f"{tag}.cubin"
    r = subprocess.run(
        ["nvcc", *ARCH, "-O3", "-std=c++17", "-cubin", "-o", str(out), str(cu)],
        capture_output=True,
        text=True,
    )
    if r.returncode:
        raise RuntimeError(f"nvcc failed for {tag}:\n{r.stderr[-4000:]}")
    return out


def random_distributed(
    rng: random.Random,
    reg_bits: int,
    warp_bits: int,
    block_bits: int = 0,
    broadcast: int = 0,
    mix: bool = True,
    lane_bits: int = 5,
) -> LinearLayout:
    """A random distributed layout onto a 2-D power-of-two tensor: a random invertible map of
    the hardware bits (optionally XOR-mixed), with ``broadcast`` zero bases."""
    n = reg_bits + lane_bits + warp_bits + block_bits
    out_bits = n - broadcast
    d0 = rng.randint(0, out_bits)
    cols = [1 << i for i in range(out_bits)]
    rng.shuffle(cols)
    if mix:
        for _ in range(rng.randint(0, 3)):
            i, j = rng.sample(range(out_bits), 2) if out_bits >= 2 else (0, 0)
            if i != j:
                cols[i] ^= cols[j]
    zeros = sorted(rng.sample(range(n), broadcast))
    full = []
    it = iter(cols)
    for k in range(n):
        full.append(0 if k in zeros else next(it))

    def split(v):
        return [v & ((1 << d0) - 1), v >> d0]

    parts, p = {}, 0
    for name, k in (("register", reg_bits), ("lane", lane_bits), ("warp", warp_bits), ("block", block_bits)):
        parts[name] = [split(v) for v in full[p : p + k]]
        p += k
    return LinearLayout.from_bases(parts, {"dim0": 1 << d0, "dim1": 1 << (out_bits - d0)})


def same_tensor_pair(rng: random.Random, reg_bits: int, warp_bits: int, block_bits: int, broadcast: bool):
    """Two random layouts of one tensor: the second permutes/mixes the first's image."""
    a = random_distributed(rng, reg_bits, warp_bits, block_bits, broadcast=1 if broadcast else 0)
    # dst: a random bijective relabelling of the same hardware onto the same tensor
    n = a.total_in_bits
    outs = a.out_dims
    out_bits = a.total_out_bits
    b_cols = [1 << i for i in range(out_bits)]
    rng.shuffle(b_cols)
    for _ in range(rng.randint(0, 2)):
        i, j = rng.sample(range(out_bits), 2)
        b_cols[i] ^= b_cols[j]
    zero_pos = set(rng.sample(range(n), n - out_bits)) if n > out_bits else set()
    full, it = [], iter(b_cols)
    for k in range(n):
        full.append(0 if k in zero_pos else next(it))
    d0 = outs["dim0"].bit_length() - 1
    parts, p = {}, 0
    for name in ("register", "lane", "warp", "block"):
        k = a.in_dim_size_log2(name)
        parts[name] = [[v & ((1 << d0) - 1), v >> d0] for v in full[p : p + k]]
        p += k
    b = LinearLayout.from_bases(parts, outs)
    return a, b


def relabel(rng: random.Random, a: LinearLayout, keep_warps: bool = False) -> LinearLayout:
    """A random layout of ``a``'s tensor with ``a``'s hardware sizes: the nonzero bases of ``a``
    (a basis of the tensor bits) shuffled and XOR-mixed over the hardware positions (zero
    bases stay broadcasts).  ``keep_warps`` keeps warp and block bases: an intra-warp pair."""
    b = a.bases
    outs = list(a.out_dims)
    flat = [(d, i) for d in ("register", "lane", "warp", "block") for i in range(len(b[d]))]
    movable = [(d, i) for d, i in flat if not (keep_warps and d in ("warp", "block"))]
    vals = [b[d][i] for d, i in movable]
    nz = [k for k, v in enumerate(vals) if any(v)]
    perm = nz[:]
    rng.shuffle(perm)
    new = list(vals)
    for k, p in zip(nz, perm):
        new[k] = vals[p]
    for _ in range(rng.randint(0, 2)):
        if len(nz) >= 2:
            i, j = rng.sample(nz, 2)
            new[i] = [x ^ y for x, y in zip(new[i], new[j])]
    nb = {d: [list(v) for v in b[d]] for d in b}
    for (d, i), v in zip(movable, new):
        nb[d][i] = list(v)
    return LinearLayout.from_bases(nb, {o: a.out_dims[o] for o in outs})


def hardware_pairs():
    """Pairs built from linlayout's hardware generators (skipped families are reported)."""
    pairs, missing = [], []
    try:
        from linlayout.hardware.blocked import BlockedLayout, SliceLayout
        from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout
    except ImportError as e:  # pragma: no cover - depends on the checkout
        return pairs, [f"hardware generators: {e}"]
    shape = [64, 64]
    blocked = [
        BlockedLayout(size_per_thread=[1, 4], threads_per_warp=[4, 8], warps_per_cta=[4, 1], order=[1, 0]),
        BlockedLayout(size_per_thread=[4, 1], threads_per_warp=[8, 4], warps_per_cta=[1, 4], order=[0, 1]),
        BlockedLayout(size_per_thread=[1, 1], threads_per_warp=[1, 32], warps_per_cta=[4, 1], order=[1, 0]),
        BlockedLayout(size_per_thread=[2, 2], threads_per_warp=[2, 16], warps_per_cta=[2, 2], order=[1, 0]),
    ]
    mma = NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2], instr_shape=[16, 8])
    mma3 = NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 32, 16])
    named = [(f"blocked{i}", b) for i, b in enumerate(blocked)] + [("mma_v2", mma), ("mma_v3", mma3)]
    named += [
        ("dot_a_v2", DotOperandLayout(operand_index=0, parent=mma, k_width=2)),
        ("dot_b_v2", DotOperandLayout(operand_index=1, parent=mma, k_width=2)),
    ]
    lls = {}
    for name, h in named:
        try:
            lls[name] = h.to_linear_layout(shape)
        except Exception as e:  # noqa: BLE001
            missing.append(f"{name}: {e}")
    names = list(lls)
    rng = random.Random(99)
    for name in names:  # every family (dot operands and slices too) against random layouts of its tensor
        for j in range(2):
            pairs.append((f"{name}->random{j}", lls[name], relabel(rng, lls[name])))
            pairs.append((f"random{j}->{name}", relabel(rng, lls[name]), lls[name]))
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            if lls[x].in_dims == lls[y].in_dims:
                pairs.append((f"{x}->{y}", lls[x], lls[y]))
                pairs.append((f"{y}->{x}", lls[y], lls[x]))
    # slices of a blocked and of the mma accumulator
    for pname, parent in (("blocked0", blocked[0]), ("mma_v2", mma)):
        for dim in (0, 1):
            try:
                s = SliceLayout(dim=dim, parent=parent).to_linear_layout([64])
                s2 = SliceLayout(dim=dim, parent=blocked[1]).to_linear_layout([64])
                if s.in_dims == s2.in_dims:
                    pairs.append((f"slice{dim}({pname})->slice{dim}(blocked1)", s, s2))
            except Exception as e:  # noqa: BLE001
                missing.append(f"slice {pname}: {e}")
    return pairs, missing


# ----------------------------------------------------------------------------- part 1


def part_plans(cp, workdir: Path, n_random: int, seed: int) -> dict:
    rng = random.Random(seed)
    cases = []
    for i in range(n_random):
        bits = rng.choice([8, 16, 32, 32, 32, 64])
        reg = rng.randint(0, 3) if bits != 8 else rng.randint(0, 2)
        warp = rng.randint(0, 2) if bits != 8 else 0
        a, b = same_tensor_pair(rng, reg, warp, 0, broadcast=rng.random() < 0.3)
        cases.append((f"random{i}", a, b, bits))
    for i in range(12):  # cluster (distributed shared memory) conversions
        a, b = same_tensor_pair(rng, rng.randint(0, 2), rng.randint(0, 1), 1, broadcast=False)
        cases.append((f"cluster{i}", a, b, 32))
    hw, missing = hardware_pairs()
    for name, a, b in hw:
        for bits in (16, 32):
            cases.append((f"{name}/{bits}", a, b, bits))
    plans = []
    for name, a, b, bits in cases:
        plan = ll.plan_conversion(a, b, "sm_90", elem_bits=bits)
        plans.append((name, a, b, bits, plan))
    # 16-bit round trips through shared memory: the planner's ldmatrix / stmatrix (x1/x2/x4,
    # .trans) annotations are emitted as the real instructions
    for name, a, b in hw:
        plan = ll.plan_conversion(a, b, "sm_90", elem_bits=16, strategy="shared_memory")
        if any("matrix" in (getattr(s, "instruction", None) or "") for s in plan.steps):
            plans.append((f"{name}/16/smem", a, b, 16, plan))
    # compile in chunks, in parallel
    chunk = 24
    srcs = []
    for c0 in range(0, len(plans), chunk):
        body = ["#include <cooperative_groups.h>"]
        for k, (_, _, _, _, plan) in enumerate(plans[c0 : c0 + chunk]):
            body.append(
                f"namespace n{c0 + k} {{\n{emit_check_kernel(plan, name=f'k{c0 + k}', include=False)}}}"
            )
        srcs.append((f"plans{c0}", "\n".join(body)))
    t0 = time.time()
    with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as ex:
        cubins = list(ex.map(lambda s: nvcc_cubin(s[1], workdir, s[0]), srcs))
    compile_s = time.time() - t0
    if cp is None:
        return {"compiled": len(plans), "compile_s": round(compile_s, 1), "missing_families": missing}
    results = []
    by_kind: dict[str, list[int]] = {}
    for ci, cub in enumerate(cubins):
        mod = cp.RawModule(path=str(cub))
        for k, (name, a, b, bits, plan) in enumerate(plans[ci * chunk : (ci + 1) * chunk]):
            idx = ci * chunk + k
            fn = mod.get_function(f"k{idx}")
            if plan.shared_bytes > 48 * 1024:
                fn.max_dynamic_shared_size_bytes = plan.shared_bytes
            sv, dv = element_ids(a), element_ids(b)
            dt = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[bits]
            if bits == 64:
                sv, dv = sv | (sv << 32), dv | (dv << 32)
            else:
                sv, dv = sv & ((1 << bits) - 1), dv & ((1 << bits) - 1)
            sv, dv = sv.astype(dt), dv.astype(dt)
            gin = cp.asarray(sv.reshape(-1))
            gout = cp.full(dv.size, np.iinfo(dt).max, dtype=dt)
            threads = 32 * plan.warps
            fn((plan.blocks,), (threads,), (gin, gout, np.int32(1)), shared_mem=plan.shared_bytes)
            cp.cuda.runtime.deviceSynchronize()
            got = cp.asnumpy(gout).reshape(dv.shape)
            ok = bool(np.array_equal(got, dv))
            by_kind.setdefault(plan.kind, [0, 0])
            by_kind[plan.kind][0 if ok else 1] += 1
            results.append(
                {
                    "name": name,
                    "kind": plan.kind,
                    "elem_bits": bits,
                    "ok": ok,
                    "shuffles": plan.shuffles,
                    "wavefronts": plan.wavefronts,
                    "shared_bytes": plan.shared_bytes,
                    "mismatches": int((got != dv).sum()),
                    "matrix": [
                        s.instruction
                        for s in plan.steps
                        if "matrix" in (getattr(s, "instruction", None) or "")
                    ],
                }
            )
    return {
        "cases": results,
        "by_kind": by_kind,
        "compile_s": round(compile_s, 1),
        "missing_families": missing,
        "passed": sum(r["ok"] for r in results),
        "total": len(results),
        "matrix_plans": sum(1 for r in results if r["matrix"]),
        "matrix_plans_passed": sum(1 for r in results if r["matrix"] and r["ok"]),
        "matrix_instructions": sorted({m for r in results for m in r["matrix"]}),
    }


# ----------------------------------------------------------------------------- part 3


def part_timing(cp, workdir: Path, seed: int) -> dict:
    rng = random.Random(seed + 1)
    cases = []
    tries = 0
    while len(cases) < 32 and tries < 4000:
        tries += 1
        bits = rng.choice([16, 32])
        a = random_distributed(rng, rng.randint(1, 4), 2, 0, broadcast=0)
        b = relabel(rng, a, keep_warps=True)
        try:
            ps = ll.plan_conversion(a, b, "sm_90", elem_bits=bits, strategy="shuffle")
            pm = ll.plan_conversion(a, b, "sm_90", elem_bits=bits, strategy="shared_memory")
        except ll.LayoutError:
            continue
        if ps.kind != "warp_shuffle" or pm.kind != "shared_memory":
            continue
        cases.append((a, b, bits, ps, pm))
    srcs = ["#include <cooperative_groups.h>"]
    for i, (_, _, _, ps, pm) in enumerate(cases):
        srcs.append(f"namespace s{i} {{\n{emit_check_kernel(ps, name=f'shfl{i}', include=False)}}}")
        srcs.append(f"namespace m{i} {{\n{emit_check_kernel(pm, name=f'smem{i}', include=False)}}}")
    cub = nvcc_cubin("\n".join(srcs), workdir, "timing")
    if cp is None:
        return {"compiled": 2 * len(cases)}
    mod = cp.RawModule(path=str(cub))
    iters = 512
    grid = 132 * 8
    rows = []
    for i, (a, b, bits, ps, pm) in enumerate(cases):
        row = {
            "elem_bits": bits,
            "regs": a.in_dims["register"],
            "shuffles": ps.shuffles,
            "selects": ps.selects,
            "wavefronts": pm.wavefronts,
            "shared_bytes": pm.shared_bytes,
            "cost_shuffle": ps.estimated_cost,
            "cost_shared": pm.estimated_cost,
        }
        for tag, plan in (("shfl", ps), ("smem", pm)):
            fn = mod.get_function(f"{tag}{i}")
            dt = {16: np.uint16, 32: np.uint32}[bits]
            sv = (element_ids(a) & ((1 << bits) - 1)).astype(dt)
            gin = cp.asarray(np.tile(sv.reshape(-1), grid))
            gout = cp.zeros(grid * b.total_in_size, dtype=dt)
            args = (gin, gout, np.int32(iters))
            for _ in range(3):
                fn((grid,), (32 * plan.warps,), args, shared_mem=plan.shared_bytes)
            times = []
            for _ in range(15):
                e0, e1 = cp.cuda.Event(), cp.cuda.Event()
                e0.record()
                fn((grid,), (32 * plan.warps,), args, shared_mem=plan.shared_bytes)
                e1.record()
                e1.synchronize()
                times.append(cp.cuda.get_elapsed_time(e0, e1))
            ms = float(np.median(times))
            # ns per conversion per warp, all SMs busy
            row[f"ns_{tag}"] = round(ms * 1e6 / (iters * grid * plan.warps) * 132 * 4, 3)
            # check the result once more
            got = cp.asnumpy(gout[: b.total_in_size]).reshape(element_ids(b).shape)
            row[f"ok_{tag}"] = bool(np.array_equal(got, (element_ids(b) & ((1 << bits) - 1)).astype(dt)))
        rows.append(row)
    return {"rows": rows, "iters": iters, "grid": grid}


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parts", nargs="*", default=["plans", "mma", "timing"])
    ap.add_argument("--out", default=os.environ.get("OUT", "."))
    ap.add_argument("--random", type=int, default=220, help="random layout pairs in part 1")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--compile-only", action="store_true", help="build every kernel, run nothing (no GPU)")
    args = ap.parse_args(argv)
    if args.compile_only:
        cp = None
        gpu = {"name": b"(compile only)", "major": 9, "minor": 0}
    else:
        import cupy as cp

        gpu = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    info = {
        "gpu": gpu["name"].decode(),
        "cc": f"{gpu['major']}.{gpu['minor']}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "PYTHONPATH=. python3 benchmarks/hardware/check_h200.py " + " ".join(argv or sys.argv[1:]),
    }
    out = {"info": info}
    workdir = Path(tempfile.mkdtemp(prefix="llhw"))
    for part in args.parts:
        t0 = time.time()
        try:
            if part == "plans":
                out["plans"] = part_plans(cp, workdir, args.random, args.seed)
            elif part == "mma":
                sys.path.insert(0, str(Path(__file__).parent))
                from mma_checks import part_mma

                out["mma"] = part_mma(cp, workdir)
            elif part == "timing":
                out["timing"] = part_timing(cp, workdir, args.seed)
            else:
                raise SystemExit(f"unknown part {part!r}")
        except Exception as e:  # noqa: BLE001 - report and go on with the other parts
            import traceback

            out[part] = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]}
        out.setdefault("seconds", {})[part] = round(time.time() - t0, 1)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "hardware_results.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(info))
    if args.compile_only:
        print(json.dumps({k: v for k, v in out.items() if k != "info"}, indent=1)[:3000])
        return 0
    if "plans" in out and "error" not in out["plans"]:
        p = out["plans"]
        print(
            f"plans: {p['passed']}/{p['total']} correct; by kind {p['by_kind']}; compile {p['compile_s']} s"
        )
        print(
            f"  with real ldmatrix/stmatrix: {p['matrix_plans_passed']}/{p['matrix_plans']} correct "
            f"({', '.join(p['matrix_instructions'])})"
        )
        for r in p["cases"]:
            if not r["ok"]:
                print("  FAIL", r)
        if p["missing_families"]:
            print("  missing:", p["missing_families"])
    for part in ("mma", "timing", "plans"):
        if part in out and "error" in out[part]:
            print(f"{part}: ERROR {out[part]['error']}\n{out[part]['trace']}")
    if "mma" in out and "error" not in out["mma"]:
        for k, v in out["mma"].items():
            print(f"mma/{k}: {v}")
    if "timing" in out and "error" not in out["timing"]:
        print("timing (ns per conversion per warp):")
        print("bits regs shfl sel wf bytes | cost_shfl cost_smem | ns_shfl ns_smem | ok")
        for r in out["timing"]["rows"]:
            print(
                f"{r['elem_bits']:>4} {r['regs']:>4} {r['shuffles']:>4} {r['selects']:>3} "
                f"{r['wavefronts']:>3} "
                f"{r['shared_bytes']:>5} | {r['cost_shuffle']:>9.1f} {r['cost_shared']:>9.1f} | "
                f"{r['ns_shfl']:>7.2f} {r['ns_smem']:>7.2f} | {r['ok_shfl'] and r['ok_smem']}"
            )
    print("seconds:", out.get("seconds"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
