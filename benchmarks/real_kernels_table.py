"""Fewer/equal/more than Triton per target on the stored real-kernel conversions.

Plans every pair of ``tests/data/real_kernels.json`` with default arguments (no triton
needed, ~10 s), checks each plan, and prints a Markdown table of shuffles, selects, shared
instructions and scratch bytes against Triton's own lowering (``fewer/equal/more``); with
the argument ``stored`` it prints the recorded ``ours_at_store`` counts instead.  Run from
the repository root: ``PYTHONPATH=. python benchmarks/real_kernels_table.py [stored]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_real_kernels import METRICS, _layouts, _pairs, _target  # noqa: E402

import linlayout as ll  # noqa: E402
from linlayout.testing import assert_plan_correct  # noqa: E402


def _row() -> dict:
    """An empty table row: pair and same-kind counts, fewer/equal/more per metric."""
    return {"pairs": 0, "kind": 0, **{m: [0, 0, 0] for m in METRICS}}


def table(use_store: bool) -> tuple[dict[str, dict], int]:
    """Rows per target and the number of incorrect plans."""
    rows: dict[str, dict] = {}
    bad = 0
    for rec in _pairs():
        s, d = _layouts(rec)
        p = ll.plan_conversion(s, d, _target(rec["target"]), elem_bits=rec["elem_bits"])
        try:
            assert_plan_correct(p, s, d, elem_bits=rec["elem_bits"])
        except AssertionError:
            bad += 1
        r = rows.setdefault(rec["target"], _row())
        r["pairs"] += 1
        r["kind"] += p.kind == rec["triton"].get("kind", p.kind)
        for m in METRICS:
            now = rec["ours_at_store"][m] if use_store else int(getattr(p, m))
            tri = rec["triton"][m]
            r[m][0 if now < tri else 1 if now == tri else 2] += 1
    return rows, bad


def _line(name: str, r: dict) -> str:
    cells = " | ".join("/".join(map(str, r[m])) for m in METRICS)
    return f"| {name} | {r['pairs']} | {r['kind']} | {cells} |"


def main() -> None:
    """Print the table."""
    rows, bad = table(len(sys.argv) > 1 and sys.argv[1] == "stored")
    print("incorrect plans:", bad)
    print("| target | pairs | same kind | " + " | ".join(METRICS) + " |")
    print("|---" * (3 + len(METRICS)) + "|")
    total = _row()
    for t, r in rows.items():
        print(_line(t, r))
        total["pairs"] += r["pairs"]
        total["kind"] += r["kind"]
        for m in METRICS:
            total[m] = [a + b for a, b in zip(total[m], r[m])]
    print(_line("**all**", total))


if __name__ == "__main__":
    main()
