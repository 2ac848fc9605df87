"""Time ``plan_conversion`` (default arguments) on the 502 stored real-kernel conversions.

``PYTHONPATH=. python3 benchmarks/bench_planner_real.py``: each pair of
``tests/data/real_kernels.json`` is planned once to warm up, then three times; prints the
median, p99 and max of the per-call wall time in milliseconds.  A benchmark, never a test.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_real_kernels import _layouts, _pairs, _target  # noqa: E402

import linlayout as ll  # noqa: E402


def main() -> None:
    """Print median / p99 / max milliseconds per plan over the stored pairs."""
    times = []
    for rec in _pairs():
        src, dst = _layouts(rec)
        target = _target(rec["target"])
        ll.plan_conversion(src, dst, target, elem_bits=rec["elem_bits"])
        t0 = time.perf_counter()
        for _ in range(3):
            ll.plan_conversion(src, dst, target, elem_bits=rec["elem_bits"])
        times.append((time.perf_counter() - t0) / 3 * 1e3)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    med = statistics.median(times)
    print(f"{len(times)} pairs: median {med:.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
