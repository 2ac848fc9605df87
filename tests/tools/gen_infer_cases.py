"""Regenerate tests/data/triton_infer.json: Triton 3.9.0's result layouts of shape ops.

Run with any Python (the work happens in a worker under the oracle interpreter)::

    nice python tests/tools/gen_infer_cases.py

Three kinds of questions go to Triton, each on a tiny TTGIR module parsed from text
(operands are ``ub.poison`` values of the given types, so any attribute Triton parses can
be an operand):

* ``build``: the op is built with Triton's own (``tl``) builder after the poisons, so its
  result type is what ``inferReturnTypes`` (``TritonGPUInferLayoutInterface``) infers —
  the type TTGIR then shows.  A failed inference aborts the worker (recorded as
  ``"error": "abort"``; the worker restarts).
* ``verify``: a module that spells the op with a given result type is parsed; parsing runs
  the op verifiers (``accepted`` true/false): reshape ``allow_reorder`` hints, broadcast
  result layouts.
* ``ttir``: a TTIR module (no encodings) goes through ``convert-triton-to-tritongpu`` (the
  encodings TTIR->TTGIR gives ``tt.cat`` and ``tt.histogram``).

Operand layouts are taken from the stored family answers in ``tests/data`` (blocked,
slice, nvidia_mma v2/v3, dot_op, amd_mfma, amd_wmma and their dot operands, linear), each
on a shape Triton already laid it out on, and every ``build`` case is asked twice: with the
operands as spelled and with each operand respelled ``#ttg.linear`` (its linear layout).
Results carry Triton's printed encoding and ``toLinearLayout`` bases.

The ``fuzz100-*`` cases in the same file come from the randomized campaign
(``tests/tools/fuzz_infer.py``); after regenerating, put them back with::

    PYTHONPATH=. nice python tests/tools/fuzz_infer.py --cases 120 --ttir 30 --verify 60 --seed 100 \
        --save /tmp/fuzz100.jsonl && PYTHONPATH=. python tests/tools/fuzz_infer.py --append /tmp/fuzz100.jsonl
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
DEFAULT_OUT = os.path.join(DATA, "triton_infer.json")
KERNELS_OUT = os.path.join(DATA, "triton_infer_kernels.json")
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
SEED = 18

# ----------------------------------------------------------------------------------------------
# worker (runs inside the triton interpreter)
# ----------------------------------------------------------------------------------------------


def _worker() -> None:  # pragma: no cover - runs under the oracle interpreter
    from triton._C.libtriton import amd, gluon_ir, ir, nvidia, passes

    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amd.load_dialects(ctx)
    gb = gluon_ir.GluonOpBuilder(ctx, "")
    tmp = tempfile.mkdtemp(prefix="gen_infer_")

    def parse(text):
        path = os.path.join(tmp, "m.mlir")
        with open(path, "w") as f:
            f.write(text)
        return ir.parse_mlir_module(path, ctx)

    def bases_of(value, shape):
        try:
            g = gb.get_gluon_layout_from_tensor(value)
            d = gb.to_linear_layout(g._to_ir(gb), list(shape))
        except Exception as e:  # noqa: BLE001 - record what Triton says
            return {"error": f"{type(e).__name__}: {e}"}
        return {
            "register": d.reg_bases,
            "lane": d.lane_bases,
            "warp": d.warp_bases,
            "block": d.block_bases,
        }

    for line in sys.stdin:
        case = json.loads(line)
        out = {"id": case["id"]}
        try:
            if case["kind"] == "build":
                m = parse(case["module"])
                ops = []
                m.walk(ops.append)
                polys = [o for o in ops if o.get_name() == "ub.poison"]
                vals = [o.get_result(0) for o in polys]
                b = ir.builder(ctx)
                b.set_insertion_point_after(polys[-1])
                op, a = case["op"], case["attrs"]
                if op == "tt.trans":
                    res = [b.create_trans(vals[0], a["order"])]
                elif op == "tt.reshape":
                    res = [b.create_reshape(vals[0], a["shape"], bool(a.get("allow_reorder", False)))]
                elif op == "tt.join":
                    res = [b.create_join(vals[0], vals[1])]
                elif op == "tt.split":
                    res = list(b.create_split(vals[0]))
                elif op == "tt.expand_dims":
                    res = [b.create_expand_dims(vals[0], a["axis"])]
                elif op == "tt.broadcast":
                    res = [b.create_broadcast(vals[0], a["shape"])]
                elif op == "tt.reduce":
                    r = b.create_reduce(vals, a["axis"])
                    res = [r.get_result(i) for i in range(len(vals))]
                elif op == "tt.gather":
                    res = [b.create_gather(vals[0], vals[1], a["axis"])]
                else:
                    raise ValueError(f"unknown op {op}")
                results = []
                for v in res:
                    text = str(v.get_type())
                    shape = case["result_shapes"][len(results)] if case.get("result_shapes") else None
                    results.append({"type": text, "bases": bases_of(v, shape) if shape else None})
                out["results"] = results
            elif case["kind"] == "verify":
                try:
                    parse(case["module"])
                    out["accepted"] = True
                except RuntimeError:
                    out["accepted"] = False
            elif case["kind"] == "ttir":
                m = parse(case["module"])
                pm = ir.pass_manager(ctx)
                passes.ttir.add_convert_to_ttgpuir(
                    pm, case["target"], case["num_warps"], case["tpw"], case.get("num_ctas", 1)
                )
                pm.run(m, "gen_infer")
                out["ttgir"] = str(m)
        except Exception as e:  # noqa: BLE001 - record what Triton says
            out["error"] = f"{type(e).__name__}: {str(e)[:300]}"
        print(json.dumps(out), flush=True)
    os.close(2)  # hide nanobind's leak report


# ----------------------------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------------------------


def run_worker(cases: list[dict]) -> dict[str, dict]:
    """Answers by case id; a case that aborts the worker gets ``error: abort``."""
    answers: dict[str, dict] = {}
    todo = list(cases)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
    while todo:
        p = subprocess.run(
            [TRITON_PY, os.path.abspath(__file__), "--worker"],
            input="".join(json.dumps(c) + "\n" for c in todo),
            capture_output=True,
            text=True,
            env=env,
            timeout=1800,
        )
        got = [json.loads(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
        for g in got:
            answers[g["id"]] = g
        done = len(got)
        if done < len(todo):  # the next case aborted the worker
            bad = todo[done]
            tail = [ln for ln in p.stderr.splitlines() if ln.strip() and "leak" not in ln][-3:]
            answers[bad["id"]] = {"id": bad["id"], "error": "abort", "stderr": "\n".join(tail)[:400]}
            todo = todo[done + 1 :]
        else:
            todo = []
    return answers


def _load(name: str) -> dict:
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def _pool() -> list[dict]:
    """Operand layouts (text, shape, bases, family) from the stored family answers, one CTA."""
    pool = []

    def add(fam, text, results):
        if "CGALayout" in text or "CTAsPerCGA" in text or "generic_linear" in text:
            return
        for r in results:
            if "bases" in r and r["bases"].get("block") == []:
                pool.append({"family": fam, "text": text, "shape": r["shape"], "bases": r["bases"]})

    nv = _load("triton_nvidia_cases.json")
    for lay in nv["layouts"]:
        add(lay["family"], lay["text"], lay.get("cases", []))
    for name in (
        "triton_amd_mfma.json",
        "triton_amd_wmma.json",
        "triton_amd_mfma_dot.json",
        "triton_amd_wmma_dot.json",
        "triton_amd_slice.json",
    ):
        for c in _load(name)["cases"]:
            if "text" in c:
                fam = c["kind"]
                if fam == "dot_op":
                    fam = "dot_op_" + c["params"]["parent"]["kind"]
                if fam == "slice":
                    fam = "slice_" + c["params"]["parent"]["kind"]
                add(fam, c["text"], c.get("results", []))
    return pool


def _linear_text(bases: dict) -> str:
    """``#ttg.linear`` (or ``#ttg.generic_linear`` for swizzled bases) text of these bases."""
    seen = set()
    perm = True
    for k in ("register", "lane", "warp", "block"):
        for b in bases[k]:
            nz = [(d, v) for d, v in enumerate(b) if v]
            if not nz:
                continue
            if len(nz) > 1 or nz[0][1] & (nz[0][1] - 1) or nz[0] in seen:
                perm = False
            seen.add(nz[0])
    name = "ttg.linear" if perm else "ttg.generic_linear"
    parts = ", ".join(f"{k} = {bases[k]}" for k in ("register", "lane", "warp", "block"))
    return f"#{name}<{{{parts}}}>"


def _counts(bases: dict) -> tuple[int, int]:
    return 1 << len(bases["warp"]), 1 << len(bases["lane"])


def _ty(shape, text, elem="f32") -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{elem}, {text}>"


def _module(operands: list[tuple[str, list[int], str]], body: str, nw: int, tpw: int, nctas: int = 1) -> str:
    lines = [f"    %{i} = ub.poison : {_ty(s, t, e)}" for i, (t, s, e) in enumerate(operands)]
    return (
        f'module attributes {{"ttg.num-warps" = {nw} : i32, "ttg.threads-per-warp" = {tpw} : i32, '
        f'"ttg.num-ctas" = {nctas} : i32}} {{\n  tt.func @k() {{\n'
        + "\n".join(lines)
        + "\n"
        + body
        + "    tt.return\n  }\n}\n"
    )


def _result_shapes(op: str, shapes: list[list[int]], attrs: dict) -> list[list[int]]:
    s = shapes[0]
    if op == "tt.trans":
        return [[s[o] for o in attrs["order"]]]
    if op in ("tt.reshape", "tt.broadcast"):
        return [list(attrs["shape"])]
    if op == "tt.join":
        return [[*s, 2]]
    if op == "tt.split":
        return [s[:-1], s[:-1]]
    if op == "tt.expand_dims":
        a = attrs["axis"]
        return [[*s[:a], 1, *s[a:]]]
    if op == "tt.reduce":
        a = attrs["axis"]
        return [s[:a] + s[a + 1 :]] * len(shapes)
    if op == "tt.gather":
        return [shapes[1]]
    raise ValueError(op)


def _build_cases(rng: random.Random, pool: list[dict]) -> list[dict]:
    """The ``build`` questions: each (op, operands, attrs) in two spellings."""
    specs = []  # (op, [pool entries or (text, shape, bases)], attrs)
    by_rank: dict[int, list[dict]] = {}
    for p in pool:
        by_rank.setdefault(len(p["shape"]), []).append(p)
    fams: dict[str, list[dict]] = {}
    for p in by_rank.get(2, []):
        fams.setdefault(p["family"], []).append(p)

    def pick(fam_list, k):
        out = []
        for f in sorted(fam_list):
            cands = fam_list[f]
            out += rng.sample(cands, min(k, len(cands)))
        return out

    two = pick(fams, 3)
    for p in two:
        specs.append(("tt.trans", [p], {"order": [1, 0]}))
        specs.append(("tt.reduce", [p], {"axis": rng.randrange(2)}))
        n = p["shape"][0] * p["shape"][1]
        specs.append(("tt.reshape", [p], {"shape": [n]}))
        if p["shape"][1] >= 4:
            specs.append(("tt.reshape", [p], {"shape": [p["shape"][0], 2, p["shape"][1] // 2]}))
            specs.append(("tt.reshape", [p], {"shape": [p["shape"][0] * 2, p["shape"][1] // 2]}))
        specs.append(("tt.join", [p, p], {}))
        specs.append(("tt.gather", [p, p], {"axis": rng.randrange(2)}))
    for p in rng.sample(by_rank.get(3, []), min(30, len(by_rank.get(3, [])))):
        order = list(range(3))
        rng.shuffle(order)
        specs.append(("tt.trans", [p], {"order": order}))
        specs.append(("tt.reshape", [p], {"shape": [p["shape"][0], p["shape"][1] * p["shape"][2]]}))
        specs.append(("tt.reduce", [p], {"axis": rng.randrange(3)}))
        if p["shape"][2] == 2:
            specs.append(("tt.split", [p], {}))
    for p in rng.sample(by_rank.get(1, []), min(30, len(by_rank.get(1, [])))):
        n = p["shape"][0]
        if n >= 4:
            specs.append(("tt.reshape", [p], {"shape": [n // 4, 4]}))
            specs.append(("tt.reshape", [p], {"shape": [4, n // 4]}))
        specs.append(("tt.join", [p, p], {}))
        if p["family"].startswith("slice"):
            specs.append(("tt.expand_dims", [p], {"axis": _slice_dim(p["text"])}))
        else:
            specs.append(("tt.expand_dims", [p], {"axis": 0}))
    # expand_dims of slices (incl. slices of MFMA/WMMA parents)
    slices = [q for q in pool if q["family"].startswith("slice")]
    for p in rng.sample(slices, min(40, len(slices))):
        d = _slice_dim(p["text"])
        specs.append(("tt.expand_dims", [p], {"axis": d}))
        specs.append(("tt.expand_dims", [p], {"axis": (d + 1) % (len(p["shape"]) + 1)}))
    # slices of MMA / MFMA / WMMA parents (and their dot operands) made here, expanded back
    for f in sorted(fams):
        if not f.startswith(("amd_", "nvidia_mma", "dot_op")):
            continue
        for p in rng.sample(fams[f], min(3, len(fams[f]))):
            d = rng.randrange(2)
            text = f"#ttg.slice<{{dim = {d}, parent = {p['text']}}}>"
            shape = [s for i, s in enumerate(p["shape"]) if i != d]
            q = {
                "family": "slice_" + f,
                "text": text,
                "shape": shape,
                "bases": None,
                "counts": _counts(p["bases"]),
            }
            specs.append(("tt.expand_dims", [q], {"axis": d}))
    # broadcast from a size-1 dim
    for p in pick(fams, 2):
        s = p["shape"]
        specs.append(("tt.reduce", [p, p], {"axis": 1}))
        if s[1] >= 2:
            small = [s[0], 1]
            specs.append(
                ("tt.broadcast", [dict(p, shape=small, bases=None, counts=_counts(p["bases"]))], {"shape": s})
            )
    # split of join results and of blocked [.., 2] layouts with the 2 on lanes / registers
    for p in two[: len(two) // 2]:
        specs.append(("tt.split", [("join", p)], {}))
    for spt, tpw, order in (
        ([1, 2], [32, 1], [1, 0]),
        ([1, 2], [32, 1], [0, 1]),
        ([1, 1], [16, 2], [1, 0]),
        ([2, 2], [32, 1], [1, 0]),
        ([1, 1], [32, 1], [1, 0]),
    ):
        text = _blocked(spt, tpw, [4, 1], order)
        for shape in ([128, 2], [256, 2], [64, 2]):
            specs.append(
                ("tt.split", [{"family": "blocked", "text": text, "shape": shape, "bases": None}], {})
            )
    return specs + _legacy_specs(rng)


def _deal(rng: random.Random, bits: int, rank: int) -> list[int]:
    """``2**bits`` dealt out over ``rank`` dims at random."""
    out = [1] * rank
    for _ in range(bits):
        out[rng.randrange(rank)] *= 2
    return out


def _legacy_specs(rng: random.Random) -> list:
    """Blocked operands (some on 2 CTAs) through reshapes that merge and split dims (the
    legacy blocked rule and its fallbacks), transposes, joins and splits."""
    specs = []
    for k in range(70):
        rank = rng.choice([2, 2, 3, 3, 4])
        spt = [1 << rng.randrange(3) for _ in range(rank)]
        tpw = _deal(rng, 5, rank)
        wpc = _deal(rng, rng.randrange(4), rank)
        order = list(range(rank))
        if rng.random() < 0.6:
            order = order[::-1]
        else:
            rng.shuffle(order)
        shape = [
            max(1, a * b * c * (1 << rng.randrange(3)) >> rng.randrange(3)) for a, b, c in zip(spt, tpw, wpc)
        ]
        while sum(s.bit_length() - 1 for s in shape) > 16:
            shape[rng.randrange(rank)] = max(1, shape[rng.randrange(rank)] // 2)
            shape = [max(1, s) for s in shape]
        cga, nctas = "", 1
        if k % 10 == 9:
            cga_b = [0] * rank
            cga_b[rng.randrange(rank)] = 1
            cga, nctas = f", CGALayout = [{cga_b}]", 2
            shape = [s * 2 if b else s for s, b in zip(shape, cga_b)]
        text = _blocked(spt, tpw, wpc, order)[:-2] + cga + "}>"
        op = {
            "family": "blocked",
            "text": text,
            "shape": shape,
            "bases": None,
            "counts": (1 << sum(w.bit_length() - 1 for w in wpc), 32),
            "nctas": nctas,
        }
        n = 1
        for s in shape:
            n *= s
        targets = [[n]]
        if rank >= 2:
            targets.append([shape[0] * shape[1], *shape[2:]])
            targets.append([*shape[:-2], shape[-2] * shape[-1]])
        big = max(range(rank), key=lambda d: shape[d])
        if shape[big] >= 4:
            f = 1 << rng.randrange(1, shape[big].bit_length() - 1)
            targets.append([*shape[:big], f, shape[big] // f, *shape[big + 1 :]])
        for t in targets:
            specs.append(("tt.reshape", [op], {"shape": t}))
        perm = list(range(rank))
        rng.shuffle(perm)
        specs.append(("tt.trans", [op], {"order": perm}))
        specs.append(("tt.join", [op, op], {}))
        if shape[-1] == 2:
            specs.append(("tt.split", [op], {}))
    return specs


def _blocked(spt: list, tpw: list, wpc: list, order: list) -> str:
    return (
        f"#ttg.blocked<{{sizePerThread = {spt}, threadsPerWarp = {tpw}, warpsPerCTA = {wpc}, "
        f"order = {order}}}>"
    )


def _slice_dim(text: str) -> int:
    return int(text.split("dim = ", 1)[1].split(",", 1)[0])


def _pre_cases(specs: list) -> tuple[list[dict], list]:
    """Questions answered before the main run: the join results that split cases start
    from, and the bases of operands not in the pool (asked with a reshape to the same shape)."""
    pre = []
    for i, (_, operands, _) in enumerate(specs):
        for j, o in enumerate(operands):
            if isinstance(o, tuple):
                p = o[1]
                nw, tpw = _counts(p["bases"])
                pre.append(
                    {
                        "id": f"join-{i}-{j}",
                        "kind": "build",
                        "op": "tt.join",
                        "module": _module([(p["text"], p["shape"], "f32")] * 2, "", nw, tpw),
                        "attrs": {},
                        "result_shapes": [[*p["shape"], 2]],
                    }
                )
    lack = {}
    for _, operands, _ in specs:
        for o in operands:
            if isinstance(o, dict) and o["bases"] is None:
                lack[(o["text"], tuple(o["shape"]))] = o
    keys = sorted(lack)
    for k, key in enumerate(keys):
        o = lack[key]
        nw, tpw = o.get("counts", (4, 32))
        pre.append(
            {
                "id": f"bases-{k}",
                "kind": "build",
                "op": "tt.reshape",
                "module": _module([(o["text"], o["shape"], "f32")], "", nw, tpw, o.get("nctas", 1)),
                "attrs": {"shape": o["shape"]},
                "result_shapes": [o["shape"]],
            }
        )
    return pre, keys


def main() -> None:
    rng = random.Random(SEED)
    pool = _pool()
    meta = _build_cases(rng, pool)
    pre, keys = _pre_cases(meta)
    ans = run_worker(pre)
    lack = {}
    for k, key in enumerate(keys):
        a = ans[f"bases-{k}"]
        lack[key] = a["results"][0]["bases"] if "results" in a else None
    cases = []
    for i, (op, operands, attrs) in enumerate(meta):
        new = []
        for j, o in enumerate(operands):
            if isinstance(o, tuple):
                a = ans[f"join-{i}-{j}"]
                if "results" not in a:
                    new = None
                    break
                t = a["results"][0]["type"]
                text = t[t.index(", #") + 2 : -1]
                new.append(
                    {
                        "family": "join",
                        "text": text,
                        "shape": [*o[1]["shape"], 2],
                        "bases": a["results"][0]["bases"],
                    }
                )
            else:
                if o["bases"] is None:
                    o = dict(o, bases=lack[(o["text"], tuple(o["shape"]))])
                new.append(o)
        if new is None or any(not isinstance(o["bases"], dict) or "error" in o["bases"] for o in new):
            continue
        for spelling in ("attr", "linear"):
            ops_ = []
            for o in new:
                if spelling == "attr":
                    text = o["text"]
                elif op == "tt.expand_dims":  # a slice of a #ttg.linear parent (API.md)
                    a = attrs["axis"]
                    parent = {k: [[*b[:a], 0, *b[a:]] for b in bl] for k, bl in o["bases"].items()}
                    text = f"#ttg.slice<{{dim = {a}, parent = {_linear_text(parent)}}}>"
                else:
                    text = _linear_text(o["bases"])
                rec = {"text": text, "shape": o["shape"], "family": o["family"]}
                if spelling == "linear":  # the LinearLayout the test passes
                    rec["bases"] = o["bases"]
                ops_.append(rec)
            nw, tpw = _counts(new[0]["bases"])
            nctas = 1 << len(new[0]["bases"]["block"])
            elems = ["f32"] * len(ops_)
            if op == "tt.gather":
                elems[1] = "i32"
            mod = _module([(o["text"], o["shape"], e) for o, e in zip(ops_, elems)], "", nw, tpw, nctas)
            rs = _result_shapes(op, [o["shape"] for o in ops_], attrs)
            cases.append(
                {
                    "id": f"{op}-{i}-{spelling}",
                    "kind": "build",
                    "op": op,
                    "spelling": spelling,
                    "operands": ops_,
                    "attrs": attrs,
                    "module": mod,
                    "result_shapes": rs,
                    "num_warps": nw,
                    "threads_per_warp": tpw,
                }
            )
    cases += _verify_cases(rng, pool)
    cases += _ttir_cases() + _ttir_reshape_cases(rng)
    ans = run_worker(cases)
    out = []
    for c in cases:
        a = ans[c["id"]]
        rec = {k: v for k, v in c.items() if k != "module"}
        if c["kind"] != "build":
            rec["module"] = c["module"]
        rec.update({k: v for k, v in a.items() if k != "id"})
        out.append(rec)
    doc = {
        "triton": "3.9.0",
        "generator": "tests/tools/gen_infer_cases.py",
        "seed": SEED,
        "cases": out,
    }
    with open(DEFAULT_OUT, "w") as f:
        head = {k: v for k, v in doc.items() if k != "cases"}
        f.write(json.dumps(head)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in doc["cases"]))
        f.write("\n]}\n")
    kinds: dict[str, int] = {}
    for r in out:
        key = r["kind"] + ":" + r.get("op", "") + (":error" if "error" in r else "")
        kinds[key] = kinds.get(key, 0) + 1
    print(json.dumps(kinds, indent=1))


def _verify_cases(rng: random.Random, pool: list[dict]) -> list[dict]:
    """Verifier questions: reshape allow_reorder hints and broadcast result layouts."""
    cases = []
    src = _blocked([1, 4], [4, 8], [2, 2], [1, 0])
    hints = [
        _blocked([16], [32], [4], [0]),
        _blocked([8], [32], [4], [0]),
        _blocked([4], [32], [4], [0]),
        _blocked([1], [32], [4], [0]),
        "#ttg.linear<{register = [[1], [2], [512], [1024]], lane = [[4], [8], [16], [64], [128]], "
        "warp = [[32], [256]], block = []}>",
    ]
    for k, h in enumerate(hints):
        for reorder in (True, False):
            kw = " allow_reorder" if reorder else ""
            body = f"    %r = tt.reshape %0{kw} : {_ty([32, 64], src)} -> {_ty([2048], h)}\n"
            cases.append(
                {
                    "id": f"verify-reshape-{k}-{reorder}",
                    "kind": "verify",
                    "op": "tt.reshape",
                    "operands": [{"text": src, "shape": [32, 64]}],
                    "attrs": {"shape": [2048], "allow_reorder": reorder},
                    "result": {"text": h, "shape": [2048]},
                    "module": _module([(src, [32, 64], "f32")], body, 4, 32),
                }
            )
    bsrc = _blocked([1, 1], [32, 1], [4, 1], [1, 0])
    results = [
        bsrc,
        _blocked([1, 4], [32, 1], [4, 1], [1, 0]),
        _blocked([1, 4], [32, 1], [4, 1], [0, 1]),
        _blocked([1, 1], [8, 4], [4, 1], [1, 0]),
        _blocked([1, 1], [32, 1], [1, 4], [1, 0]),
        _blocked([2, 1], [16, 2], [4, 1], [1, 0]),
        "#ttg.linear<{register = [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [0, 32]], lane = [[1, 0], [2, 0], "
        "[4, 0], [8, 0], [16, 0]], warp = [[32, 0], [64, 0]], block = []}>",
        "#ttg.linear<{register = [[0, 32], [0, 1], [0, 2], [0, 4], [0, 8], [0, 16]], lane = [[1, 0], [2, 0], "
        "[4, 0], [8, 0], [16, 0]], warp = [[32, 0], [64, 0]], block = []}>",
    ]
    for k, r in enumerate(results):
        body = f"    %r = tt.broadcast %0 : {_ty([128, 1], bsrc)} -> {_ty([128, 64], r)}\n"
        cases.append(
            {
                "id": f"verify-broadcast-{k}",
                "kind": "verify",
                "op": "tt.broadcast",
                "operands": [{"text": bsrc, "shape": [128, 1]}],
                "attrs": {"shape": [128, 64]},
                "result": {"text": r, "shape": [128, 64]},
                "module": _module([(bsrc, [128, 1], "f32")], body, 4, 32),
            }
        )
    return cases


def _ttir_cases() -> list[dict]:
    """TTIR->TTGIR questions for tt.cat and tt.histogram (their result encodings are free)."""
    cases = []
    for target, nw, tpw in (("cuda:80", 4, 32), ("cuda:90", 8, 32), ("hip:gfx942", 4, 64)):
        for n in (32, 64, 128, 256, 512, 1024, 4096):
            body = (
                f"    %a = ub.poison : tensor<{n}xf32>\n"
                f"    %c = tt.cat %a, %a : tensor<{n}xf32> -> tensor<{2 * n}xf32>\n"
                f"    tt.store %p, %c : tensor<{2 * n}x!tt.ptr<f32>>\n"
            )
            cases.append(
                _ttir_case(f"ttir-cat-{target}-{n}", "tt.cat", body, [n], 2 * n, target, nw, tpw, "f32")
            )
        for n, bins in ((1024, 8), (1024, 64), (256, 256), (128, 32), (4096, 16)):
            body = (
                f"    %a = ub.poison : tensor<{n}xi32>\n"
                f"    %c = tt.histogram %a : tensor<{n}xi32> -> tensor<{bins}xi32>\n"
                f"    tt.store %p, %c : tensor<{bins}x!tt.ptr<i32>>\n"
            )
            cases.append(
                _ttir_case(
                    f"ttir-hist-{target}-{n}-{bins}", "tt.histogram", body, [n], bins, target, nw, tpw, "i32"
                )
            )
    return cases + _with_ctas([c for c in cases if c["target"] == "cuda:90"], 2)


def _with_ctas(cases: list[dict], n: int) -> list[dict]:
    """The same questions on a cluster of ``n`` CTAs."""
    return [dict(c, id=c["id"] + f"-ctas{n}", num_ctas=n) for c in cases]


def _ttir_reshape_cases(rng: random.Random) -> list[dict]:
    """TTIR->TTGIR of reshapes and transposes of default-layout tensors (the legacy rule's
    default -> default step and what the conversion infers)."""
    cases = []
    for k in range(24):
        rank = rng.choice([1, 2, 3])
        shape = [1 << rng.randrange(0, 7) for _ in range(rank)]
        n = 1
        for s in shape:
            n *= s
        if n < 32:
            shape[0] *= 64
            n *= 64
        bits = n.bit_length() - 1
        cut = sorted(rng.sample(range(1, bits), min(2, bits - 1)))
        dst = [1 << (b - a) for a, b in zip([0, *cut], [*cut, bits])]
        src_t = f"tensor<{'x'.join(map(str, shape))}xf32>"
        dst_t = f"tensor<{'x'.join(map(str, dst))}xf32>"
        body = (
            f"    %a = ub.poison : {src_t}\n    %c = tt.reshape %a : {src_t} -> {dst_t}\n"
            f"    tt.store %p, %c : tensor<{'x'.join(map(str, dst))}x!tt.ptr<f32>>\n"
        )
        target, nw, tpw = rng.choice((("cuda:80", 4, 32), ("cuda:90", 8, 32), ("hip:gfx942", 4, 64)))
        c = _ttir_case(f"ttir-reshape-{k}", "tt.reshape", body, shape, dst, target, nw, tpw, "f32")
        cases.append(c)
        if target == "cuda:90" and shape[0] >= 4:  # the same on a cluster of 2 or 4 CTAs
            c = dict(c, id=f"ttir-reshape-{k}-ctas", num_ctas=rng.choice((2, 4)))
            cases.append(c)
    return cases


def _ttir_case(cid, op, body, shape, out_shape, target, nw, tpw, elem) -> dict:
    out = out_shape if isinstance(out_shape, list) else [out_shape]
    ptr = f"tensor<{'x'.join(map(str, out))}x!tt.ptr<{elem}>>"
    mod = f"module {{\n  tt.func @k() {{\n    %p = ub.poison : {ptr}\n" + body + "    tt.return\n  }\n}\n"
    return {
        "id": cid,
        "kind": "ttir",
        "op": op,
        "target": target,
        "num_warps": nw,
        "tpw": tpw,
        "shape": shape,
        "result_shape": out,
        "module": mod,
    }


KERNEL_WORKER = r"""
import json, os, re, sys
os.environ["TRITON_DEFAULT_FP_FUSION"] = "1"
from triton.experimental import gluon
import triton.experimental.gluon.language as ttgl
from triton.experimental.gluon.language.amd import AMDMFMALayout, AMDWMMALayout
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from triton.compiler.compiler import make_backend
from triton._C.libtriton import ir

@gluon.jit
def kern(out, L: ttgl.constexpr, M: ttgl.constexpr, N: ttgl.constexpr):
    rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, L))
    rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, L))
    x = (rm[:, None] * N + rn[None, :]).to(ttgl.float32)
    t = ttgl.permute(x, (1, 0))
    tt_ = ttgl.permute(t, (1, 0))
    r = ttgl.reshape(x, (M * N,))
    r2 = ttgl.reshape(r, (M * 2, N // 2))
    r3 = ttgl.reshape(x, (M, 2, N // 2))
    j = ttgl.join(x, x)
    a, b = ttgl.split(j)
    s = ttgl.sum(x, axis=1)
    e = ttgl.expand_dims(s, 1)
    s0 = ttgl.max(t, axis=0)
    e0 = ttgl.expand_dims(s0, 0)

for line in sys.stdin:
    req = json.loads(line)
    L = eval(req["layout"])
    target = GPUTarget("cuda", 90, 32) if req["target"] == "cuda" else GPUTarget("hip", "gfx942", 64)
    backend = make_backend(target)
    options = backend.parse_options({"num_warps": req["num_warps"]})
    ctx = ir.context(); ir.load_dialects(ctx); backend.load_dialects(ctx)
    sig = {"out": "*fp32", "L": "constexpr", "M": "constexpr", "N": "constexpr"}
    src = GluonASTSource(fn=kern, signature=sig, constexprs={"L": L, "M": req["M"], "N": req["N"]})
    try:
        cg = backend.get_codegen_implementation(options)
        mod = src.make_ir(target, options, cg, backend.get_module_map(), ctx)
        lines = [l for l in str(mod).splitlines() if not l.startswith("#loc")]
        text = "\n".join(re.sub(r" loc\(.*$", "", l) for l in lines)
        print(json.dumps({"id": req["id"], "ttgir": text}), flush=True)
    except Exception as e:
        print(json.dumps({"id": req["id"], "error": f"{type(e).__name__}: {str(e)[:200]}"}), flush=True)
os.close(2)
"""

KERNEL_LAYOUTS = [
    ("cuda", 4, "ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2], instr_shape=[16, 8])"),
    (
        "cuda",
        4,
        "ttgl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 32, 16])",
    ),
    (
        "cuda",
        4,
        "ttgl.DotOperandLayout(0, ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[4, 1], "
        "instr_shape=[16, 8]), 2)",
    ),
    (
        "cuda",
        4,
        "ttgl.DotOperandLayout(1, ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2], "
        "instr_shape=[16, 8]), 2)",
    ),
    ("cuda", 4, "ttgl.BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0])"),
    ("cuda", 8, "ttgl.BlockedLayout([2, 2], [8, 4], [2, 4], [0, 1])"),
    ("cuda", 4, "ttgl.BlockedLayout([1, 2], [32, 1], [4, 1], [1, 0])"),
    (
        "cuda",
        4,
        "ttgl.DistributedLinearLayout([[0, 1], [8, 0]], [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], "
        "[[16, 0], [0, 8]], [], [32, 16])",
    ),
    ("hip", 4, "AMDMFMALayout(version=3, instr_shape=[32, 32, 8], transposed=True, warps_per_cta=[2, 2])"),
    ("hip", 4, "AMDMFMALayout(version=4, instr_shape=[16, 16, 16], transposed=False, warps_per_cta=[4, 1])"),
]


def kernels_main() -> None:
    """Gluon kernels whose TTGIR (as the frontend builds it) shows the inferred types."""
    reqs = []
    for target, nw, lay in KERNEL_LAYOUTS:
        for m, n in ((64, 32), (32, 64), (128, 16)):
            reqs.append(
                {
                    "id": f"kernel-{len(reqs)}",
                    "target": target,
                    "num_warps": nw,
                    "layout": lay,
                    "M": m,
                    "N": n,
                }
            )
    tmp = tempfile.mkdtemp(prefix="gen_infer_kernels_")
    path = os.path.join(tmp, "kernels_worker.py")  # @gluon.jit needs a source file
    with open(path, "w") as f:
        f.write(KERNEL_WORKER)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run(
        [TRITON_PY, path],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    got = {a["id"]: a for a in map(json.loads, filter(None, p.stdout.splitlines()))}
    if len(got) != len(reqs):
        sys.exit(f"worker stopped after {len(got)} of {len(reqs)}:\n{p.stderr[-2000:]}")
    out = [dict(r, **{k: v for k, v in got[r["id"]].items() if k != "id"}) for r in reqs]
    with open(KERNELS_OUT, "w") as f:
        json.dump(
            {"triton": "3.9.0", "generator": "tests/tools/gen_infer_cases.py --kernels", "kernels": out}, f
        )
        f.write("\n")
    print(f"{len(out)} kernels, {sum('error' in r for r in out)} errors")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker()
    elif "--kernels" in sys.argv:
        kernels_main()
    else:
        main()
