"""assign_layouts against Triton's RemoveLayoutConversions on real-style kernels.

Each kernel of ``tests/tools/assign_kernels.py`` (softmax, layernorm, matmul with a bias+ReLU
epilogue, attention forward, column sum, row max, cumsum, transpose, transpose+add,
reshape+add, split+join) is compiled with triton 3.9.0 on this CPU for the nine targets; the
TTGIR after Triton's last TTGIR pass (``kernel.asm["ttgir"]``) is cached under
``benchmarks/.cache/assign/`` (git ignored).  For every dump we print the planned cost of
Triton's own converts and of ours (same planner, same loop weights), the time assign_layouts
takes, whether the solver proved optimality, whether the numpy interpreter
(``linlayout.assign.interp``) stores bit-identical values for the dump and the rewritten
module, and with ``--compile`` whether triton compiles the rewritten module.

Run from the repository root: ``PYTHONPATH=. python benchmarks/assign.py [--compile] [--md]``
(compiles run niced, two at a time, with ``LINLAYOUT_TRITON_PYTHON``, default
``/tmp/tritonvenv/bin/python``).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache" / "assign"
TOOLS = ROOT / "tests" / "tools"
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
TARGETS = [
    "cuda:80",
    "cuda:90",
    "cuda:100",
    "cuda:120",
    "hip:gfx942",
    "hip:gfx950",
    "hip:gfx1100",
    "hip:gfx1200",
    "hip:gfx1250",
]
KERNELS = [
    "softmax",
    "layernorm",
    "matmul",
    "attention",
    "colsum",
    "rowmax",
    "cumsum",
    "transpose",
    "transpose_add",
    "reshape_add",
    "split_join",
]


def dump_path(kernel: str, target: str) -> pathlib.Path:
    """Cache file of one dump."""
    return CACHE / f"{kernel}@{target.replace(':', '_')}.ttgir"


def ensure_dumps(pool: int) -> None:
    """Compile the missing dumps (one child per target, ``pool`` at a time)."""
    missing = sorted({t for t in TARGETS for k in KERNELS if not dump_path(k, t).exists()})
    if not missing:
        return
    CACHE.mkdir(parents=True, exist_ok=True)

    def one(target: str) -> None:
        subprocess.run(
            ["nice", TRITON_PY, str(TOOLS / "assign_kernels.py"), "--all", str(CACHE), target],
            cwd=ROOT,
            capture_output=True,
            timeout=1800,
        )

    with ThreadPoolExecutor(pool) as ex:
        list(ex.map(one, missing))


def compile_ok(text: str, target: str, tag: str) -> str:
    """``ok`` when triton compiles ``text`` for ``target``, else the last error line."""
    path = CACHE / "rewritten" / f"{tag}.ttgir"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    r = subprocess.run(
        ["nice", TRITON_PY, str(TOOLS / "compile_ttgir.py"), str(path), target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TRITON_CACHE_DIR": str(CACHE / "triton_cache")},
    )
    if r.returncode == 0:
        return "ok"
    tail = [ln for ln in r.stderr.strip().split("\n") if ln.strip()]
    return "FAIL: " + (tail[-1][:100] if tail else f"rc {r.returncode}")


def same_stores(before: str, after: str) -> str:
    """``same stores`` when the numpy interpreter stores bit-identical values for both modules."""
    import numpy as np

    from linlayout import LayoutError
    from linlayout.assign.interp import run

    try:
        a, b = run(before), run(after)
    except LayoutError:
        return "not interpreted"
    same = a.keys() == b.keys() and all(np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in a)
    return "same stores" if same else "STORES DIFFER"


def main(argv: list[str]) -> int:
    """Print the table; exit 1 if ours costs more than Triton's anywhere."""
    from linlayout import assign_layouts

    ap = argparse.ArgumentParser()
    ap.add_argument("--compile", action="store_true", help="compile every rewritten module with triton")
    ap.add_argument("--md", action="store_true", help="markdown table")
    ap.add_argument("--pool", type=int, default=2)
    args = ap.parse_args(argv)
    ensure_dumps(args.pool)
    rows = []
    for kernel in KERNELS:
        for target in TARGETS:
            p = dump_path(kernel, target)
            text = p.read_text() if p.exists() else ""
            if not text or text.startswith("// compile failed"):
                rows.append((kernel, target, None, None, None, None, None, "triton compile failed"))
                continue
            t0 = time.process_time()
            a = assign_layouts(text)
            dt = time.process_time() - t0
            rows.append(
                [
                    kernel,
                    target,
                    a.triton_cost,
                    a.cost,
                    len(a.triton_conversions),
                    len(a.conversions),
                    dt,
                    ("optimal" if a.optimal else f"lb {a.lower_bound:.1f}")
                    + ", "
                    + same_stores(text, a.ttgir),
                    a,
                ]
            )
    if args.compile:
        todo = [r for r in rows if r[2] is not None]
        with ThreadPoolExecutor(args.pool) as ex:
            res = list(
                ex.map(lambda r: compile_ok(r[8].ttgir, r[1], f"{r[0]}@{r[1].replace(':', '_')}"), todo)
            )
        for r, c in zip(todo, res):
            r[7] = f"{r[7]}, {c}"
    worse = 0
    hdr = ("kernel", "target", "triton", "ours", "#cvt T", "#cvt ours", "cpu s", "notes")
    fmt = (
        "| {} | {} | {} | {} | {} | {} | {} | {} |"
        if args.md
        else "{:14s} {:12s} {:>8s} {:>8s} {:>6s} {:>9s} {:>6s}  {}"
    )
    print(fmt.format(*hdr))
    if args.md:
        print("|" + "---|" * len(hdr))
    for r in rows:
        if r[2] is None:
            print(fmt.format(r[0], r[1], "-", "-", "-", "-", "-", r[7]))
            continue
        worse += r[3] > r[2] + 1e-9
        mark = " (lower)" if r[3] < r[2] - 1e-9 else ""
        print(
            fmt.format(
                r[0], r[1], f"{r[2]:.1f}", f"{r[3]:.1f}", str(r[4]), str(r[5]), f"{r[6]:.2f}", r[7] + mark
            )
        )
    done = [r for r in rows if r[2] is not None]
    print(
        f"\n{len(done)} dumps: ours <= Triton on {len(done) - worse}, lower on "
        f"{sum(r[3] < r[2] - 1e-9 for r in done)}; total {sum(r[2] for r in done):.1f} -> "
        f"{sum(r[3] for r in done):.1f}; max {max(r[6] for r in done):.2f} s per kernel"
    )
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
