"""Median time of ``plan_conversion`` on blocked/MMA layout pairs, 64x64 .. 256x256, 4-8 warps.

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


def main(md: bool = False) -> list[tuple[str, float, str]]:
    rows = []
    for name, s, d, tgt, eb in cases():
        plan_conversion(s, d, tgt, elem_bits=eb)  # warm
        ts = []
        for _ in range(31):
            t0 = time.perf_counter()
            p = plan_conversion(s, d, tgt, elem_bits=eb)
            ts.append(time.perf_counter() - t0)
        rows.append((name, statistics.median(ts) * 1e3, p.kind))
    if md:
        print("| case | kind | median ms |\n|---|---|---|")
        for n, ms, k in rows:
            print(f"| {n} | {k} | {ms:.2f} |")
    else:
        for n, ms, k in rows:
            print(f"{n:40s} {k:14s} {ms:7.2f} ms")
    print(
        f"overall median {statistics.median(r[1] for r in rows):.2f} ms, max {max(r[1] for r in rows):.2f} ms"
    )
    return rows


if __name__ == "__main__":
    main("--md" in sys.argv)
