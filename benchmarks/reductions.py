"""linlayout's reduction and scan plans beside Triton 3.9.0's lowering of the same kernels.

Each case is a real-style Gluon kernel (row/column sum, max, min, argmax/argmin, softmax,
layer norm, RMS norm, cumsum/cummax, reverse scans) over a 2-D tile in one layout: blocked,
slice, NVIDIA MMA v2/v3, MMA dot operands, AMD MFMA, and custom ``#ttg.linear`` layouts
(the paper's Table 4 families).  Triton compiles it on this CPU (``cuda:80``, ``cuda:90``
PTX, ``hip:gfx942``, ``gfx950``, ``gfx1100`` AMDGCN) in a subprocess of its own interpreter
(``LINLAYOUT_TRITON_PYTHON``, default ``/tmp/tritonvenv/bin/python``), at most two at a
time under ``nice``; each answer is cached in ``benchmarks/.reductions_cache/`` (git-ignored).
We count Triton's shuffles (``shfl.sync``, ``redux.sync`` counted apart; AMD DPP, ``ds_swizzle``,
``ds_bpermute``, ``v_permlane``, ``v_readlane``), shared-memory instructions
(``st/ld.shared``, ``st/ldmatrix``; ``ds_write/ds_read``), barriers and scratch bytes, and
print them beside ``plan_reduce`` / ``plan_scan`` on the layout Triton itself reports.

Run from the repository root::

    PYTHONPATH=. python benchmarks/reductions.py [--md | --families] [--store]

``--store`` writes the measured pairs to ``tests/data/triton_reductions.json`` (the test
``tests/test_kernel_reduce.py`` checks the "no more than Triton" claim on them without
triton).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "benchmarks", ".reductions_cache")
CHILD = os.path.join(ROOT, "tests", "tools", "triton_reductions_child.py")
DATA = os.path.join(ROOT, "tests", "data", "triton_reductions.json")
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")

# ---------------------------------------------------------------------------------------
# the cases


def _blocked(spt, tpw, wpc, order=(1, 0)):
    return {"kind": "blocked", "spt": list(spt), "tpw": list(tpw), "wpc": list(wpc), "order": list(order)}


def _mma(version, warps, instr):
    return {"kind": "mma", "version": list(version), "warps": list(warps), "instr": list(instr)}


def _custom(shape, seed, lanes, warps, broadcast=False):
    """A ``#ttg.linear`` layout: the tensor's unit bases dealt to register/lane/warp bits in a
    seeded random order (and one broadcast lane when asked)."""
    import random

    rnd = random.Random(seed)
    units = [
        [1 << k if d == dim else 0 for d in range(2)]
        for dim in range(2)
        for k in range(shape[dim].bit_length() - 1)
    ]
    rnd.shuffle(units)
    lb, wb = lanes.bit_length() - 1, warps.bit_length() - 1
    lane = units[:lb]
    if broadcast:
        lane = units[: lb - 1] + [[0, 0]]
        lane.insert(rnd.randrange(lb), lane.pop())
    used = len([x for x in lane if any(x)])
    warp = units[used : used + wb]
    reg = units[used + wb :]
    return {
        "kind": "linear",
        "shape": list(shape),
        "bases": {"register": reg, "lane": lane, "warp": warp, "block": []},
    }


def _layouts():
    """(target, name, layout spec, num_warps, shapes, dtypes) of every layout family."""
    out = []
    for t, nws in (("cuda:80", (4, 8)), ("cuda:90", (4,))):
        for nw in nws:
            h = nw // 2
            sh = [[64, 64]] if nw == 4 else [[32, 128]]
            out += [
                (t, "blocked_rows", _blocked([1, 4], [4, 8], [h, 2]), nw, sh, ["fp32"]),
                (
                    t,
                    "blocked_warp_row",
                    _blocked([1, 1], [1, 32], [nw, 1]),
                    nw,
                    [[16, 256]],
                    ["fp32", "fp16"] if nw == 4 else ["fp32"],
                ),
                (t, "blocked_warp_col", _blocked([1, 1], [1, 32], [1, nw]), nw, [[16, 256]], ["fp32"]),
                (t, "blocked_colmajor", _blocked([4, 1], [8, 4], [1, nw], [0, 1]), nw, [[64, 64]], ["fp32"]),
            ]
    for nw, w in ((4, [2, 2]), (8, [4, 2]), (4, [4, 1])):
        m2 = _mma([2, 0], w, [16, 8])
        out += [
            ("cuda:80", f"mma_v2_{w[0]}x{w[1]}", m2, nw, [[64, 64]] if nw == 4 else [[128, 64]], ["fp32"]),
            (
                "cuda:80",
                f"dot_a_v2_{w[0]}x{w[1]}",
                {"kind": "dot", "op": 0, "k_width": 2, "parent": m2},
                nw,
                [[64, 64]],
                ["fp16"],
            ),
            (
                "cuda:80",
                f"dot_b_v2_{w[0]}x{w[1]}",
                {"kind": "dot", "op": 1, "k_width": 2, "parent": m2},
                nw,
                [[64, 64]],
                ["fp16"],
            ),
        ]
    m3 = _mma([3, 0], [4, 1], [16, 64, 16])
    out += [
        ("cuda:90", "mma_v3_4x1", m3, 4, [[64, 64]], ["fp32"]),
        ("cuda:90", "mma_v3_8x1", _mma([3, 0], [8, 1], [16, 64, 16]), 8, [[128, 64]], ["fp32"]),
        (
            "cuda:90",
            "dot_a_v3",
            {"kind": "dot", "op": 0, "k_width": 2, "parent": m3},
            4,
            [[64, 64]],
            ["fp16"],
        ),
    ]
    par3 = _blocked([1, 1, 4], [2, 4, 4], [2, 2, 1], [2, 1, 0])
    out += [
        ("cuda:80", "slice_of_3d", {"kind": "slice", "dim": 2, "parent": par3}, 4, [[64, 64]], ["fp32"]),
        (
            "cuda:80",
            "slice_of_3d_dim0",
            {"kind": "slice", "dim": 0, "parent": _blocked([2, 1, 4], [1, 4, 8], [2, 1, 2], [2, 1, 0])},
            4,
            [[64, 64]],
            ["fp32"],
        ),
        ("cuda:80", "custom_a", _custom([64, 64], 1, 32, 4), 4, None, ["fp32"]),
        ("cuda:80", "custom_b_bcast", _custom([64, 64], 2, 32, 4, broadcast=True), 4, None, ["fp32"]),
        ("cuda:90", "custom_c", _custom([64, 128], 3, 32, 8), 8, None, ["fp32"]),
    ]
    g = "hip:gfx942"
    out += [
        (g, "blocked_rows", _blocked([1, 4], [8, 8], [2, 2]), 4, [[64, 64]], ["fp32"]),
        (g, "blocked_warp_row", _blocked([1, 1], [1, 64], [4, 1]), 4, [[16, 256]], ["fp32"]),
        (g, "blocked_colmajor", _blocked([4, 1], [16, 4], [1, 4], [0, 1]), 4, [[64, 64]], ["fp32"]),
        (
            g,
            "mfma_32x32_t",
            {"kind": "mfma", "version": 3, "instr": [32, 32, 8], "transposed": True, "warps": [2, 2]},
            4,
            [[64, 64]],
            ["fp32"],
        ),
        (
            g,
            "mfma_16x16",
            {"kind": "mfma", "version": 3, "instr": [16, 16, 16], "transposed": False, "warps": [4, 1]},
            4,
            [[64, 64]],
            ["fp32"],
        ),
        (g, "custom_d", _custom([64, 64], 4, 64, 4), 4, None, ["fp32"]),
        ("hip:gfx950", "blocked_rows", _blocked([1, 4], [8, 8], [2, 2]), 4, [[64, 64]], ["fp32"]),
        (
            "hip:gfx950",
            "mfma_32x32x16_t",
            {"kind": "mfma", "version": 4, "instr": [32, 32, 16], "transposed": True, "warps": [2, 2]},
            4,
            [[64, 64]],
            ["fp32"],
        ),
        ("hip:gfx1100", "blocked_rows", _blocked([1, 4], [4, 8], [2, 2]), 4, [[64, 64]], ["fp32"]),
        (
            "hip:gfx1100",
            "wmma_v1_2x2",
            {"kind": "wmma", "version": 1, "transposed": False, "warp_bases": [[0, 1], [1, 0]]},
            4,
            [[64, 64]],
            ["fp32"],
        ),
    ]
    return out


def _ops(name: str, kind: str):
    """The (op, axis, reverse) list a layout family is run with."""
    if kind == "dot" or name.startswith(("blocked_warp_col", "slice_of_3d_dim0")):
        return [
            ("sum", 1, False),
            ("sum", 0, False),
            ("max", 1, False),
            ("argmax", 1, False),
            ("softmax", 1, False),
        ]
    ops = [
        ("sum", 1, False),
        ("sum", 0, False),
        ("max", 1, False),
        ("max", 0, False),
        ("argmax", 1, False),
        ("argmin", 0, False),
        ("softmax", 1, False),
        ("layernorm", 1, False),
        ("rmsnorm", 1, False),
    ]
    if kind == "blocked":  # Triton lowers scans for blocked layouts only
        ops += [("cumsum", 1, False), ("cumsum", 0, False), ("cummax", 1, False), ("cumsum", 1, True)]
    return ops


def _integer_cases() -> list[dict]:
    """i32 sum/max over full, half and quarter warps (where Triton uses ``redux.sync``)."""
    lays = [
        ("blocked_warp_row", _blocked([1, 1], [1, 32], [4, 1]), [16, 256]),
        ("blocked_half_warp", _blocked([1, 1], [2, 16], [4, 1]), [16, 256]),
        ("blocked_rows", _blocked([1, 4], [4, 8], [2, 2]), [64, 64]),
        ("mma_v2_2x2", _mma([2, 0], [2, 2], [16, 8]), [64, 64]),
    ]
    out = []
    for target in ("cuda:80", "cuda:90", "cuda:100"):
        for lname, spec, shape in lays:
            for op in ("sum", "max"):
                for axis in (0, 1):
                    name = f"{target}/{lname}/{shape[0]}x{shape[1]}/i32/w4/{op}/ax{axis}"
                    out.append(
                        {
                            "name": name,
                            "target": target,
                            "layout": spec,
                            "shape": shape,
                            "dtype": "i32",
                            "num_warps": 4,
                            "op": op,
                            "axis": axis,
                            "reverse": False,
                            "family": lname,
                        }
                    )
    return out


def cases() -> list[dict]:
    """Every benchmark case: target, layout spec, shape, dtype, warps, op, axis, reverse."""
    out = _integer_cases()
    for target, lname, spec, nw, shapes, dtypes in _layouts():
        shapes = shapes or [spec["shape"]]
        for si, shape in enumerate(shapes):
            for dt in dtypes:
                for op, axis, rev in _ops(lname, spec["kind"]):
                    if (si or dt != dtypes[0]) and op in ("min", "argmin", "layernorm", "cummax"):
                        continue  # fewer repeats of the same lowering on other shapes / dtypes
                    opname = op + ("_rev" if rev else "")
                    name = f"{target}/{lname}/{shape[0]}x{shape[1]}/{dt}/w{nw}/{opname}/ax{axis}"
                    out.append(
                        {
                            "name": name,
                            "target": target,
                            "layout": spec,
                            "shape": shape,
                            "dtype": dt,
                            "num_warps": nw,
                            "op": op,
                            "axis": axis,
                            "reverse": rev,
                            "family": lname,
                        }
                    )
    return out


# ---------------------------------------------------------------------------------------
# Triton's side


def _key(case: dict) -> str:
    return hashlib.sha1(json.dumps(case, sort_keys=True).encode()).hexdigest()[:16]


def _compile_chunk(chunk: list[dict]) -> None:
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    r = subprocess.run(
        ["nice", "-n", "15", TRITON_PY, CHILD],
        input=json.dumps(chunk),
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
    )
    if "@@JSON@@" not in r.stdout:
        raise RuntimeError(f"triton child failed: {r.stderr[-2000:]}")
    for case, rec in zip(chunk, json.loads(r.stdout.split("@@JSON@@", 1)[1])):
        with open(os.path.join(CACHE, _key(case) + ".json"), "w") as f:
            json.dump({"case": case, "triton": rec}, f)


def triton_results(cs: list[dict], workers: int = 2, chunk: int = 12) -> list[dict]:
    """Triton's counts for every case (compiling only those not cached yet)."""
    os.makedirs(CACHE, exist_ok=True)
    todo = [c for c in cs if not os.path.exists(os.path.join(CACHE, _key(c) + ".json"))]
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    if chunks:
        with ThreadPoolExecutor(max_workers=min(workers, 2)) as ex:
            list(ex.map(_compile_chunk, chunks))
    out = []
    for c in cs:
        with open(os.path.join(CACHE, _key(c) + ".json")) as f:
            out.append(json.load(f)["triton"])
    return out


# ---------------------------------------------------------------------------------------
# our side

_BITS = {"fp32": 32, "fp16": 16, "bf16": 16, "fp64": 64, "i32": 32}
_PARTS = {  # kernel op -> the reductions / scans it lowers: (kind, op, axis-from-case?)
    "softmax": [("reduce", "max"), ("reduce", "sum")],
    "layernorm": [("reduce", "sum"), ("reduce", "sum")],
    "rmsnorm": [("reduce", "sum")],
    "cumsum": [("scan", "sum")],
    "cummax": [("scan", "max")],
}
KEYS = ("shuffles", "shared_instructions", "shared_bytes", "barriers")


def ours(case: dict, bases: dict) -> dict:
    """Our counts for a case: the sum over the kernel's reductions/scans (scratch: the largest)."""
    from linlayout import LinearLayout
    from linlayout.kernel.reduce import plan_reduce
    from linlayout.kernel.scan import plan_scan

    shape = case["shape"]
    L = LinearLayout.from_bases(bases, [(f"dim{i}", s) for i, s in enumerate(shape)])
    target = case["target"].replace("cuda:", "sm_").replace("hip:", "")
    bits = _BITS[case["dtype"]]
    tot = dict.fromkeys(KEYS, 0)
    used_shared = False
    for kind, op in _PARTS.get(case["op"], [("reduce", case["op"])]):
        if kind == "reduce":
            integer = case["dtype"].startswith(("i", "u"))
            m = plan_reduce(L, case["axis"], target, elem_bits=bits, integer=integer).metrics(op)
        else:
            m = plan_scan(L, case["axis"], target, elem_bits=bits, reverse=case["reverse"]).metrics(op)
        if m["shared_bytes"]:  # the next op reuses the scratch: one barrier between them
            tot["barriers"] += used_shared
            used_shared = True
        for k in KEYS:
            tot[k] = max(tot[k], m[k]) if k == "shared_bytes" else tot[k] + m[k]
    return tot


def theirs(rec: dict) -> dict:
    """Triton's counts in our names (``redux.sync`` counted as a shuffle)."""
    return {
        "shuffles": rec["shfl"] + rec["redux"],
        "shared_instructions": rec["st"] + rec["ld"],
        "shared_bytes": rec["smem"],
        "barriers": rec["bar"],
    }


def compare(cs: list[dict], res: list[dict]) -> list[dict]:
    rows = []
    for c, r in zip(cs, res):
        if not r["ok"]:
            rows.append({"case": c, "triton": None, "error": r["error"]})
            continue
        rows.append({"case": c, "bases": r["bases"], "triton": theirs(r), "ours": ours(c, r["bases"])})
    return rows


def table(rows: list[dict], md: bool = False) -> str:
    head = ["case", "shfl T/o", "smem instr T/o", "scratch B T/o", "bar T/o", "ok"]
    lines = []
    if md:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        if row["triton"] is None:
            lines.append(f"{row['case']['name']}: triton refused ({row['error'][:60]})")
            continue
        t, o = row["triton"], row["ours"]
        ok = all(o[k] <= t[k] for k in KEYS)
        cells = [row["case"]["name"]] + [f"{t[k]}/{o[k]}" for k in KEYS] + ["yes" if ok else "**NO**"]
        lines.append(
            ("| " + " | ".join(cells) + " |")
            if md
            else "  ".join(f"{x:>14}" if i else f"{x:<58}" for i, x in enumerate(cells))
        )
    return "\n".join(lines)


def family_table(rows: list[dict]) -> str:
    """One markdown row per (layout family, target): totals Triton / ours and how many kernels are <=."""
    agg: dict = {}
    for r in rows:
        if r["triton"] is None:
            continue
        a = agg.setdefault(
            (r["case"]["family"], r["case"]["target"]), {"n": 0, "le": 0, **{k: [0, 0] for k in KEYS}}
        )
        a["n"] += 1
        a["le"] += all(r["ours"][k] <= r["triton"][k] for k in KEYS)
        for k in KEYS:
            a[k][0] += r["triton"][k]
            a[k][1] += r["ours"][k]
    lines = [
        "| family | target | kernels | shuffles T / ours | shared instr T / ours | scratch B T / ours "
        "| barriers T / ours | ours <= T on all |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (fam, tg), a in agg.items():
        cells = [fam, tg, str(a["n"])] + [f"{a[k][0]} / {a[k][1]}" for k in KEYS] + [f"{a['le']}/{a['n']}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    ok = [r for r in rows if r["triton"] is not None]
    le = sum(all(r["ours"][k] <= r["triton"][k] for k in KEYS) for r in ok)
    tot = {k: (sum(r["triton"][k] for r in ok), sum(r["ours"][k] for r in ok)) for k in KEYS}
    fams = sorted({r["case"]["family"] for r in ok})
    return (
        f"{len(ok)} kernels compiled ({len(rows) - len(ok)} refused by Triton); ours <= Triton on every "
        f"count in {le}/{len(ok)}; totals Triton/ours: "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in tot.items())
        + f"; families: {', '.join(fams)}"
    )


def store(rows: list[dict]) -> None:
    keep = [
        {
            "name": r["case"]["name"],
            "target": r["case"]["target"],
            "shape": r["case"]["shape"],
            "dtype": r["case"]["dtype"],
            "op": r["case"]["op"],
            "axis": r["case"]["axis"],
            "reverse": r["case"]["reverse"],
            "family": r["case"]["family"],
            "bases": r["bases"],
            "triton": r["triton"],
        }
        for r in rows
        if r["triton"] is not None
    ]
    with open(DATA, "w") as f:
        f.write(
            '{"generator": "benchmarks/reductions.py --store (triton 3.9.0, compiled on the CPU)",\n'
            ' "cases": [\n'
        )
        f.write(",\n".join(json.dumps(k, separators=(",", ":")) for k in keep))
        f.write("\n]}\n")


if __name__ == "__main__":
    cs = cases()
    res = triton_results(cs)
    if "--triton-only" in sys.argv:
        print(sum(r["ok"] for r in res), "compiled")
        sys.exit(0)
    rows = compare(cs, res)
    print(family_table(rows) if "--families" in sys.argv else table(rows, md="--md" in sys.argv))
    print(summary(rows))
    if "--store" in sys.argv:
        store(rows)
