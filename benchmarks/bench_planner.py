"""Median (and minimum) time of ``plan_conversion`` on blocked/MMA layout pairs, 64x64 ..
256x256, 4-8 warps, 31 calls each, round-robin over the pairs.

Run from the repository root: ``python3 benchmarks/bench_planner.py`` (add ``--md`` for a
markdown table).  Target: under 2 ms per plan.
"""

from __future__ import annotations

import statistics
import sys
import time

from linlayout.hardware.blocked import blocked
from linlayout.hardware.nvidia import NVMMADistributedLayout
from linlayout.plan import plan_conversion


def cases():
    for shape in ([64, 64], [128, 128], [256, 256]):
        for warps in (4, 8):
            wr = [warps, 1]
            a = blocked(shape, [1, 4], [4, 8], wr, [1, 0])
            b = blocked(shape, [4, 1], [8, 4], [1, warps], [0, 1])
            c = blocked(shape, [1, 1], [1, 32], wr, [1, 0])
            mma = NVMMADistributedLayout(
                version=[2, 0], warps_per_cta=[warps // 2, 2], instr_shape=[16, 8]
            ).to_linear_layout(shape)
            yield f"{shape[0]}x{shape[1]} w{warps} blocked row->col", a, b, "sm_90", 16
            yield f"{shape[0]}x{shape[1]} w{warps} blocked [1,4]->[1,1]", a, c, "sm_90", 32
            yield f"{shape[0]}x{shape[1]} w{warps} mma->blocked", mma, a, "sm_90", 16


def main(md: bool = False, reps: int = 31) -> list[tuple[str, float, float, str]]:
    """Time every case ``reps`` times, round-robin over the cases (so that a CPU that changes
    speed during the run slows every case alike); report the median and the minimum."""
    cs = list(cases())
    kinds = {}
    for name, s, d, tgt, eb in cs:
        kinds[name] = plan_conversion(s, d, tgt, elem_bits=eb).kind  # warm
    times: dict[str, list[float]] = {name: [] for name, *_ in cs}
    for _ in range(reps):
        for name, s, d, tgt, eb in cs:
            t0 = time.perf_counter()
            plan_conversion(s, d, tgt, elem_bits=eb)
            times[name].append(time.perf_counter() - t0)
    rows = [(n, statistics.median(t) * 1e3, min(t) * 1e3, kinds[n]) for n, t in times.items()]
    if md:
        print("| case | kind | median ms | min ms |\n|---|---|---|---|")
        for n, med, lo, k in rows:
            print(f"| {n} | {k} | {med:.2f} | {lo:.2f} |")
    else:
        for n, med, lo, k in rows:
            print(f"{n:40s} {k:14s} {med:7.2f} ms (min {lo:.2f})")
    print(
        f"overall median {statistics.median(r[1] for r in rows):.2f} ms, "
        f"max median {max(r[1] for r in rows):.2f} ms"
    )
    return rows


if __name__ == "__main__":
    main("--md" in sys.argv)
