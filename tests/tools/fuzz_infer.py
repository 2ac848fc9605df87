"""Randomized differential campaign: ``linlayout.infer_layout`` against Triton 3.9.0.

Run from the worktree root (the Triton side runs in the oracle interpreter through
``gen_infer_cases.run_worker``, which isolates a case that aborts Triton's C++ and goes on)::

    PYTHONPATH=. nice /work/venv/bin/python tests/tools/fuzz_infer.py --cases 400 --seed 1

Operands are drawn at random: random ``#ttg.blocked`` (random sizePerThread,
threadsPerWarp, warpsPerCTA, order, CGA), the stored family texts (nvidia_mma v2/v3,
dot_op of mma/mfma/wmma parents, amd_mfma, amd_wmma, linear) on random shapes (size-1
dims, smaller and larger than the tile), random ``#ttg.linear`` with zero bases, and slices
of all of them; ops and attributes at random.  Each ``build`` case is asked in both
spellings (``(attr_text, shape)`` and its LinearLayout as ``#ttg.linear``) and compared
with ``tests/test_kernel_infer._build_mismatch`` (the default suite's own check);
``tt.cat``/``tt.histogram`` go through TTIR->TTGIR.  Backward rules are checked on Triton's
results (``infer_operand_layout`` then ``infer_layout`` gives the result).  Mismatches are
written to ``--out`` (JSON lines, in the stored-case format) for minimising and appending to
tests/data/triton_infer.json (``--append``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

import gen_infer_cases as gen  # noqa: E402

MAX_BITS = [13]  # log2 of the largest tensor drawn
SEED = [0]  # the campaign's seed (in every case id)


def _bits(n: int) -> int:
    return n.bit_length() - 1


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _rand_shape(rng: random.Random, tile: list[int]) -> list[int]:
    """A power-of-two shape around ``tile``: some dims 1, some smaller, some larger."""
    out = []
    for t in tile:
        k = _bits(max(1, t)) + rng.choice([-3, -2, -1, 0, 0, 1, 2])
        if rng.random() < 0.12:
            k = 0
        out.append(1 << max(0, k))
    while sum(_bits(s) for s in out) > MAX_BITS[0]:
        d = max(range(len(out)), key=lambda i: out[i])
        out[d] //= 2
    return out


def _blocked(rng: random.Random, rank: int) -> tuple[str, list[int], int]:
    """Random ``#ttg.blocked`` text, a shape for it, and its number of CTAs."""
    spt = [1 << rng.randrange(3) for _ in range(rank)]
    tpw = gen._deal(rng, rng.choice([5, 5, 5, 6]), rank)
    wpc = gen._deal(rng, rng.randrange(4), rank)
    order = list(range(rank))
    rng.shuffle(order)
    text = gen._blocked(spt, tpw, wpc, order)
    ctas = [1] * rank
    if rng.random() < 0.15:
        nb = rng.choice([1, 2])
        bases = []
        for _ in range(nb):
            d = rng.randrange(rank)
            b = [0] * rank
            b[d] = ctas[d]
            ctas[d] *= 2
            bases.append(b)
        if rng.random() < 0.2:
            bases[-1] = [0] * rank  # a broadcast CTA
        text = text[:-2] + f", CGALayout = {bases}}}>"
    tile = [a * b * c * d for a, b, c, d in zip(spt, tpw, wpc, ctas)]
    shape = _rand_shape(rng, tile)
    shape = [max(s, c) for s, c in zip(shape, ctas)]
    return text, shape, _numel(ctas)


def _linear(rng: random.Random, rank: int) -> tuple[str, list[int], int]:
    """Random ``#ttg.linear``: the shape's bits dealt over register/lane/warp, zero bases mixed in."""
    shape = [1 << rng.randrange(0, 6) for _ in range(rank)]
    while sum(_bits(s) for s in shape) > MAX_BITS[0]:
        d = max(range(rank), key=lambda i: shape[i])
        shape[d] //= 2
    units = [[0] * d + [1 << i] + [0] * (rank - d - 1) for d in range(rank) for i in range(_bits(shape[d]))]
    rng.shuffle(units)
    nl, nw = rng.choice([5, 5, 6]), rng.randrange(4)
    nb = rng.choice([0, 0, 0, 0, 1, 2])
    cap = {"lane": nl, "warp": nw, "block": nb}
    bases: dict[str, list] = {"register": [], "lane": [], "warp": [], "block": []}
    for u in units:
        k = rng.choice(["register", "lane", "lane", "warp", "block"])
        if k != "register" and len(bases[k]) >= cap[k]:
            k = "register"
        bases[k].append(u)
    for k, n in cap.items():
        while len(bases[k]) < n:
            bases[k].insert(rng.randrange(len(bases[k]) + 1), [0] * rank)
    if rng.random() < 0.3:
        bases["register"].insert(rng.randrange(len(bases["register"]) + 1), [0] * rank)
    others = [b for k in ("register", "lane") for b in bases[k] if any(b)]
    if bases["warp"] and others and rng.random() < 0.25:  # a swizzled warp basis: #ttg.generic_linear
        i = rng.randrange(len(bases["warp"]))
        o = rng.choice(others)
        if any(bases["warp"][i]):
            bases["warp"][i] = [x ^ y for x, y in zip(bases["warp"][i], o)]
    return gen._linear_text(bases), shape, 1 << nb


class Pool:
    """Operand texts: the stored family answers grouped by rank."""

    def __init__(self) -> None:
        self.by_rank: dict[int, dict[str, list[dict]]] = {}
        for p in gen._pool():
            if p["family"] in ("blocked", "slice", "linear"):  # drawn fresh below
                continue
            self.add(p)
        for c in gen._load("triton_text_samples.json")["cases"]:  # incl. CGA layouts of every family
            if c["kind"] == "d" and c["family"] not in ("blocked", "linear"):
                fam = c["family"] if "CGALayout" not in c["text"] else c["family"] + "_cga"
                self.add({"family": fam, "text": c["text"], "shape": c["shape"]})

    def add(self, p: dict) -> None:
        """One operand text (with a shape Triton laid it out on)."""
        self.by_rank.setdefault(len(p["shape"]), {}).setdefault(p["family"], []).append(p)

    def draw(self, rng: random.Random, rank: int) -> tuple[str, list[int], str, int]:
        """(text, shape, family, num_ctas) of a random operand of ``rank``."""
        r = rng.random()
        if r < 0.25:
            t, s, n = _blocked(rng, rank)
            return t, s, "blocked", n
        if r < 0.37:
            t, s, n = _linear(rng, rank)
            return t, s, "linear", n
        if r < 0.42 and rank == 2:  # an FMA dot operand (blocked parent)
            t, s, n = _blocked(rng, rank)
            return f"#ttg.dot_op<{{opIdx = {rng.randrange(2)}, parent = {t}}}>", s, "dot_op_blocked", n
        if r < 0.5 and rank < 4:
            t, s, fam, n = self.draw(rng, rank + 1)
            d = rng.randrange(rank + 1)
            s = s[:d] + s[d + 1 :]
            return f"#ttg.slice<{{dim = {d}, parent = {t}}}>", s, "slice_" + fam, n
        fams = self.by_rank.get(rank)
        if not fams:
            t, s, n = _blocked(rng, rank)
            return t, s, "blocked", n
        p = rng.choice(fams[rng.choice(sorted(fams))])
        return p["text"], _rand_shape(rng, p["shape"]), p["family"], 1


def _operand_record(text: str, shape: list[int], family: str):
    """The stored-case operand record (bases from linlayout's reading of the text), or None."""
    import linlayout as ll

    try:
        L = ll.from_triton(text, shape)
    except ll.LayoutError:
        return None
    bases = {k: [list(b) for b in L.bases[k]] for k in ("register", "lane", "warp", "block")}
    return {"text": text, "shape": list(shape), "family": family, "bases": bases}


def _factor(rng: random.Random, n: int) -> list[int]:
    """A random shape of ``n`` elements (rank 1-4, size-1 dims allowed)."""
    rank = rng.randrange(1, 5)
    cuts = sorted(rng.randrange(0, _bits(n) + 1) for _ in range(rank - 1))
    return [1 << (b - a) for a, b in zip([0, *cuts], [*cuts, _bits(n)])]


OPS = ["tt.trans", "tt.reshape", "tt.reshape", "tt.join", "tt.split", "tt.expand_dims", "tt.broadcast"]
OPS += ["tt.reduce", "tt.reduce", "tt.gather"]


def _spec(rng: random.Random, pool: Pool):
    """One random (op, [operand records], attrs), or None when an operand is unreadable."""
    op = rng.choice(OPS)
    rank = rng.choice([1, 2, 2, 2, 3, 3, 4])
    t, s, fam, _ = pool.draw(rng, rank)
    if op == "tt.split":
        s = s[:-1] + [2]
    if op == "tt.expand_dims" and rank < 4 and rng.random() < 0.85:
        t, s, fam, _ = pool.draw(rng, rank + 1)
        d = rng.randrange(rank + 1)
        s = s[:d] + s[d + 1 :]
        t = f"#ttg.slice<{{dim = {d}, parent = {t}}}>"
        fam = "slice_" + fam
        attrs = {"axis": d if rng.random() < 0.8 else rng.randrange(rank + 1)}
    elif op == "tt.expand_dims":
        attrs = {"axis": rng.randrange(rank + 1)}
    elif op == "tt.trans":
        order = list(range(rank))
        rng.shuffle(order)
        attrs = {"order": order}
    elif op == "tt.reshape":
        attrs = {"shape": _factor(rng, _numel(s))}
        r = rng.random()
        if t.startswith("#ttg.slice") and r < 0.4:  # a size-1 dim back at the slice's dim
            d = gen._slice_dim(t)
            attrs["shape"] = [*s[:d], 1, *s[d:]]
        elif r < 0.6:  # the same shape, or size-1 dims inserted, dropped or moved
            out = list(s)
            k = rng.randrange(4)
            if k == 1 and len(out) < 4:
                out.insert(rng.randrange(len(out) + 1), 1)
            elif k == 2 and 1 in out and len(out) > 1:
                out.remove(1)
            elif k == 3 and 1 in out and len(out) > 1:
                out.remove(1)
                out.insert(rng.randrange(len(out) + 1), 1)
            attrs["shape"] = out
        if rng.random() < 0.3:
            attrs["allow_reorder"] = True
    elif op == "tt.broadcast":
        ones = [d for d in range(rank) if rng.random() < 0.5] or [rng.randrange(rank)]
        out = list(s)
        for d in ones:
            out[d] = max(2, s[d]) if s[d] > 1 else 1 << rng.randrange(1, 5)
        s = [1 if d in ones else x for d, x in enumerate(s)]
        attrs = {"shape": out}
    elif op in ("tt.reduce", "tt.gather"):
        if op == "tt.reduce" and rank == 1:
            return None  # a scalar result: no layout
        attrs = {"axis": rng.randrange(rank)}
    else:
        attrs = {}
    a = _operand_record(t, s, fam)
    if a is None:
        return None
    ops = [a]
    if op == "tt.join" or op == "tt.reduce" and rng.random() < 0.3:
        b, r = None, rng.random()
        if r < 0.15:  # operands of one shape in different layouts (Triton refuses)
            tb, _, fb, _ = pool.draw(rng, rank)
            b = _operand_record(tb, s, fb)
        elif r < 0.25:  # the same linear layout, spelled differently
            b = dict(a, text=gen._linear_text(a["bases"]), family="linear")
        ops.append(b if b is not None and _counts(b) == _counts(a) else a)
    if op == "tt.gather":
        ti, si, fi, _ = pool.draw(rng, rank)
        si = list(s)
        si[attrs["axis"]] = 1 << rng.randrange(0, 6)
        b = _operand_record(ti, si, fi)
        if b is None or _counts(b) != _counts(a):
            b = a if rng.random() < 0.5 else None
            if b is None:
                return None
        ops.append(b)
    return op, ops, attrs


def _counts(o: dict) -> tuple[int, int, int]:
    b = o["bases"]
    return 1 << len(b["warp"]), 1 << len(b["lane"]), 1 << len(b["block"])


def _result_shapes(op, shapes, attrs):
    try:
        return gen._result_shapes(op, shapes, attrs)
    except (IndexError, ValueError):
        return None


def build_cases(rng: random.Random, pool: Pool, n: int) -> list[dict]:
    """``n`` random build specs, each in both spellings."""
    cases = []
    while len(cases) < 2 * n:
        spec = _spec(rng, pool)
        if spec is None:
            continue
        op, ops, attrs = spec
        nw, tpw, nctas = _counts(ops[0])
        rs = _result_shapes(op, [o["shape"] for o in ops], attrs)
        if rs is None or any(not s for s in rs) and op != "tt.reduce":
            continue
        k = len(cases) // 2
        for spelling in ("attr", "linear"):
            if spelling == "attr":
                recs = [dict(o) for o in ops]
            else:
                recs = []
                for o in ops:
                    if op == "tt.expand_dims":
                        ax = attrs["axis"]
                        parent = {kk: [[*b[:ax], 0, *b[ax:]] for b in bl] for kk, bl in o["bases"].items()}
                        text = f"#ttg.slice<{{dim = {ax}, parent = {gen._linear_text(parent)}}}>"
                    else:
                        text = gen._linear_text(o["bases"])
                    recs.append(dict(o, text=text))
            elems = ["f32"] * len(recs)
            if op == "tt.gather":
                elems[1] = "i32"
            mod = gen._module([(o["text"], o["shape"], e) for o, e in zip(recs, elems)], "", nw, tpw, nctas)
            cases.append(
                {
                    "id": f"fuzz{SEED[0]}-{op}-{k}-{spelling}",
                    "kind": "build",
                    "op": op,
                    "spelling": spelling,
                    "operands": recs,
                    "attrs": attrs,
                    "module": mod,
                    "result_shapes": [list(s) for s in rs],
                    "num_warps": nw,
                    "threads_per_warp": tpw,
                }
            )
    return cases


def _hint(rng: random.Random, pool: Pool, L, shape: list[int]) -> str:
    """A result layout to check on ``shape``: ``L`` respelled, its bases shuffled, or a random one."""
    b = {k: [list(x) for x in L.bases[k]] for k in ("register", "lane", "warp", "block")}
    r = rng.random()
    if r < 0.25:
        return gen._linear_text(b)
    if r < 0.6:
        rng.shuffle(b["register"])
        if rng.random() < 0.5 and b["register"] and b["lane"]:  # trade a register and a lane basis
            i, j = rng.randrange(len(b["register"])), rng.randrange(len(b["lane"]))
            b["register"][i], b["lane"][j] = b["lane"][j], b["register"][i]
        return gen._linear_text(b)
    for _ in range(20):
        t, s, _, _ = pool.draw(rng, len(shape))
        if "slice" not in t and "CGALayout" not in t:
            return t
    return gen._linear_text(b)


def verify_cases(rng: random.Random, pool: Pool, n: int) -> list[dict]:
    """Reshapes with a result layout (allow_reorder or not) and broadcasts with a result layout:
    does Triton's verifier accept them?"""
    import linlayout as ll

    cases = []
    while len(cases) < n:
        op = rng.choice(["tt.reshape", "tt.broadcast"])
        rank = rng.choice([1, 2, 2, 3])
        t, s, fam, nctas = pool.draw(rng, rank)
        if op == "tt.broadcast":
            d = rng.randrange(rank)
            out = list(s)
            out[d] = max(2, s[d])
            s = [1 if i == d else x for i, x in enumerate(s)]
            attrs: dict = {"shape": out}
        else:
            attrs = {"shape": _factor(rng, _numel(s)), "allow_reorder": rng.random() < 0.6}
        try:
            L = ll.infer_layout(op, [(t, s)], **attrs)
        except ll.LayoutError:
            continue
        if L.in_dims["block"] != 1 or nctas != 1:
            continue
        h = _hint(rng, pool, L, attrs["shape"])
        try:
            H = ll.from_triton(h, attrs["shape"])
        except ll.LayoutError:
            continue
        if (H.in_dims["lane"], H.in_dims["warp"]) != (L.in_dims["lane"], L.in_dims["warp"]):
            continue
        kw = " allow_reorder" if attrs.get("allow_reorder") else ""
        if kw and rng.random() < 0.3:
            kw += " efficient_layout"
            attrs["efficient_layout"] = True
        body = f"    %r = {op} %0{kw} : {gen._ty(s, t)} -> {gen._ty(attrs['shape'], h)}\n"
        nw, tpw = L.in_dims["warp"], L.in_dims["lane"]
        cases.append(
            {
                "id": f"fuzz{SEED[0]}-verify-{op}-{len(cases)}",
                "kind": "verify",
                "op": op,
                "operands": [{"text": t, "shape": s, "family": fam}],
                "attrs": attrs,
                "result": {"text": h, "shape": attrs["shape"]},
                "module": gen._module([(t, s, "f32")], body, nw, tpw),
            }
        )
    return cases


def check_verify(case: dict) -> str | None:
    """Whether linlayout accepts the result layout exactly where Triton's verifier does."""
    import linlayout as ll

    if "accepted" not in case:
        return None  # the verifier aborted
    ops = [(o["text"], o["shape"]) for o in case["operands"]]
    hint = (case["result"]["text"], case["result"]["shape"])
    try:
        got = ll.infer_layout(case["op"], ops, result=hint, **case["attrs"])
    except ll.LayoutError as e:
        return f"Triton accepts, linlayout refuses: {e}" if case["accepted"] else None
    except Exception as e:  # noqa: BLE001 - a crash is a finding
        return f"{type(e).__name__}: {e}"
    if not case["accepted"]:
        return "Triton's verifier refuses, linlayout accepts"
    return None if got == ll.from_triton(*hint) else "accepted, but not the given layout"


def ttir_cases(rng: random.Random, n: int) -> list[dict]:
    """Random tt.cat / tt.histogram questions through TTIR->TTGIR."""
    cases = []
    for k in range(n):
        target, tpw = rng.choice((("cuda:80", 32), ("cuda:90", 32), ("hip:gfx942", 64), ("hip:gfx1200", 32)))
        nw = 1 << rng.randrange(0, 4)
        if rng.random() < 0.5:
            rank = rng.randrange(1, 4)
            shape = [1 << rng.randrange(0, 6) for _ in range(rank)]
            ts = f"tensor<{'x'.join(map(str, shape))}xf32>"
            out = [2 * shape[0], *shape[1:]]
            to = f"tensor<{'x'.join(map(str, out))}xf32>"
            body = (
                f"    %a = ub.poison : {ts}\n    %c = tt.cat %a, %a : {ts} -> {to}\n"
                f"    tt.store %p, %c : tensor<{'x'.join(map(str, out))}x!tt.ptr<f32>>\n"
            )
            c = gen._ttir_case(f"fuzz{SEED[0]}-cat-{k}", "tt.cat", body, shape, out, target, nw, tpw, "f32")
        else:
            n_in, bins = 1 << rng.randrange(0, 13), 1 << rng.randrange(0, 10)
            body = (
                f"    %a = ub.poison : tensor<{n_in}xi32>\n"
                f"    %c = tt.histogram %a : tensor<{n_in}xi32> -> tensor<{bins}xi32>\n"
                f"    tt.store %p, %c : tensor<{bins}x!tt.ptr<i32>>\n"
            )
            cid = f"fuzz{SEED[0]}-hist-{k}"
            c = gen._ttir_case(cid, "tt.histogram", body, [n_in], [bins], target, nw, tpw, "i32")
        if target == "cuda:90" and rng.random() < 0.3:
            c["num_ctas"] = 2
        cases.append(c)
    return cases


def check_ttir(case: dict) -> str | None:
    """Why linlayout's cat/histogram layout differs from the TTGIR Triton printed, or None."""
    import test_kernel_infer as T

    import linlayout as ll

    if "ttgir" not in case:
        return None  # Triton refused the module; nothing to compare
    src, res, aliases = T._ttgir_op_types(case["ttgir"], case["op"])
    operand = (aliases[src[1:]], case["shape"])
    want = ll.from_triton(aliases[res[1:]], case["result_shape"])
    try:
        if case["op"] == "tt.cat":
            got = ll.infer_layout("tt.cat", [operand, operand])
        else:
            got = ll.infer_layout("tt.histogram", [operand], num_bins=case["result_shape"][0])
    except Exception as e:  # noqa: BLE001 - a crash is a finding
        return f"{type(e).__name__}: {e}"
    return None if got == want else f"layout {got} != Triton's {want}"


def check_build(case: dict) -> str | None:
    """The default suite's comparison, with crashes reported instead of raised."""
    import test_kernel_infer as T

    if "error" not in case and any(not r["bases"] or "error" in r["bases"] for r in case["results"]):
        return None  # Triton cannot lay out its own result (recorded, not compared)
    ops = case["operands"]
    if case["op"] in ("tt.join", "tt.reduce") and any(o["bases"] != ops[0]["bases"] for o in ops[1:]):
        # Triton's builder infers from the first operand, but its verifier refuses operands in
        # different layouts ("requires all operands to have the same type" / "the same encoding")
        case = dict(case, error="verifier: operands in different layouts")
    try:
        return T._build_mismatch(case)
    except Exception as e:  # noqa: BLE001 - a crash is a finding
        return f"{type(e).__name__}: {e}"


def check_backward(case: dict) -> str | None:
    """``infer_operand_layout`` (``_encoding`` for a spelled result) then ``infer_layout``
    gives Triton's result back, or why not."""
    import test_kernel_infer as T

    import linlayout as ll

    if "error" in case or not isinstance(case["results"][0]["bases"], dict):
        return None
    op, attrs = case["op"], case["attrs"]
    rshape = case["result_shapes"][0]
    R = T._ll(case["results"][0]["bases"], rshape)
    spelled = case["spelling"] == "attr"
    t = case["results"][0]["type"]
    res = (t[t.index(", #") + 2 : -1], rshape) if spelled else R
    shape = case["operands"][0]["shape"]

    def back(**kw):
        """The operand for ``res``, in the result's spelling."""
        if spelled or op in ("tt.expand_dims", "tt.broadcast"):  # a slice's / a size-1 dim's encoding
            return (ll.infer_operand_encoding(op, res, **kw), rshape if op == "tt.gather" else shape)
        return ll.infer_operand_layout(op, res, **kw)

    try:
        if op in ("tt.trans", "tt.expand_dims"):
            got = ll.infer_layout(op, [back(**attrs)], **attrs)
        elif op in ("tt.reshape", "tt.broadcast"):
            got = ll.infer_layout(op, [back(shape=shape)], shape=attrs["shape"])
        elif op == "tt.reduce":
            got = ll.infer_layout(op, [back(axis=attrs["axis"], shape=shape)], **attrs)
            R, got = R.remove_zero_bases("register"), got.remove_zero_bases("register")
        elif op == "tt.join":
            try:
                A = back()
            except ll.LayoutError:
                return None  # no register basis along the new dim: documented refusal
            got = ll.infer_layout(op, [A, A])
        elif op == "tt.split":
            got = ll.infer_layout(op, [back()])[0]
        elif op == "tt.gather":
            A = back(**attrs)
            got = ll.infer_layout(op, [A, A], **attrs)
        else:
            return None
    except ll.LayoutError as e:
        if op == "tt.reduce" and "slice" in str(e):
            return None
        return f"backward refused: {e}"
    except Exception as e:  # noqa: BLE001 - a crash is a finding
        return f"backward crashed: {type(e).__name__}: {e}"
    if got == R:
        return None
    if op == "tt.join" and _same_up_to_register_order(got, R):
        return None  # Triton's inferSrcEncoding for join is its split rule: registers may reorder
    return f"backward then forward gives {got}, not {R}"


def _same_up_to_register_order(a, b) -> bool:
    """The same bases, registers in any order (a free renaming of registers)."""
    ka, kb = a.bases, b.bases
    if sorted(map(tuple, ka["register"])) != sorted(map(tuple, kb["register"])):
        return False
    return all(ka[k] == kb[k] for k in ("lane", "warp", "block")) and a.out_dims == b.out_dims


UNPARSEABLE = "Expected basis of 'warp' not found"  # Triton prints ctaLayout = {} but cannot read it back
NO_GLUON = "LinearEncodingAttr requires a permutation"  # a result Gluon cannot wrap (bases_of aborts)


def ask(cases: list[dict]) -> dict[str, dict]:
    """Triton's answers; a case whose result only Gluon's layout wrapper refuses (it aborts
    in ``bases_of``) is asked again for its types, and its bases read from the printed type."""
    import linlayout as ll

    ans = gen.run_worker(cases)
    again = [
        dict(c, result_shapes=None)
        for c in cases
        if ans[c["id"]].get("error") == "abort" and NO_GLUON in ans[c["id"]].get("stderr", "")
    ]
    for cid, a in gen.run_worker(again).items() if again else ():
        if "results" not in a:
            continue
        shapes = next(c["result_shapes"] for c in cases if c["id"] == cid)
        for r, shape in zip(a["results"], shapes):
            L = ll.from_triton(r["type"][r["type"].index(", #") + 2 : -1], shape)
            r["bases"] = {k: [list(b) for b in L.bases[k]] for k in ("register", "lane", "warp", "block")}
            r["bases_from"] = "linlayout.from_triton of Triton's printed type"
        ans[cid] = a
    return ans


def _storable(rec: dict) -> bool:
    """A case the default suite can check without Triton (an answer, or a clean refusal)."""
    if rec["kind"] == "build":
        return "error" in rec or all(isinstance(r["bases"], dict) for r in rec["results"])
    if rec["kind"] == "verify":
        return "accepted" in rec
    return "ttgir" in rec


def _family(case: dict) -> str:
    fam = case["operands"][0]["family"] if "operands" in case else "default"
    return re.sub(r"^(slice_)+", "slice_", fam)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--cases", type=int, default=300, help="build specs (each asked in two spellings)")
    ap.add_argument("--ttir", type=int, default=40, help="tt.cat / tt.histogram questions")
    ap.add_argument("--verify", type=int, default=100, help="result-layout verifier questions")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="/tmp/fuzz_infer_mismatches.jsonl")
    ap.add_argument("--save", help="also write every comparable answered case here (JSON lines)")
    ap.add_argument("--append", help="a JSON-lines file of cases to append to tests/data/triton_infer.json")
    ap.add_argument("--max-bits", type=int, default=13, help="log2 of the largest tensor drawn")
    ap.add_argument("--ops", help="comma-separated build ops to draw (default: all)")
    args = ap.parse_args()
    if args.ops:
        OPS[:] = args.ops.split(",")
    if args.append:
        append(args.append)
        return
    SEED[0], MAX_BITS[0] = args.seed, args.max_bits
    rng = random.Random(args.seed)
    pool = Pool()
    cases = build_cases(rng, pool, args.cases) + ttir_cases(rng, args.ttir)
    cases += verify_cases(rng, pool, args.verify)
    ans = ask(cases)
    runs: Counter = Counter()
    bad: Counter = Counter()
    refused: Counter = Counter()
    unparseable: Counter = Counter()
    saved: list[dict] = []
    with open(args.out, "w") as f:
        for c in cases:
            rec = {k: v for k, v in c.items() if k != "module" or c["kind"] != "build"}
            rec.update({k: v for k, v in ans[c["id"]].items() if k != "id"})
            key = (c["op"], _family(c), c.get("spelling", c["kind"]))
            if UNPARSEABLE in rec.get("stderr", ""):
                unparseable[key] += 1
                continue
            runs[key] += 1
            refused[key] += "error" in rec or rec.get("accepted") is False
            if c["kind"] == "build":
                whys = [check_build(rec), check_backward(rec)]
            else:
                whys = [check_ttir(rec) if c["kind"] == "ttir" else check_verify(rec)]
            if args.save and _storable(rec) and not any(whys):
                saved.append(rec)
            for tag, why in zip(("forward", "backward"), whys):
                if why:
                    bad[key] += 1
                    f.write(json.dumps(dict(rec, why=f"{tag}: {why}"[:600])) + "\n")
    if args.save:
        with open(args.save, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in saved)
    width = max(len(" ".join(k)) for k in runs)
    for k in sorted(runs):
        print(f"{' '.join(k):<{width}}  {runs[k]:5d} run {refused[k]:4d} refused  {bad[k]:4d} mismatched")
    by_op: Counter = Counter()
    for k, v in runs.items():
        by_op[k[0]] += v
    print("per op:", dict(sorted(by_op.items())))
    print("operands Triton cannot parse (skipped):", sum(unparseable.values()))
    total = f"total {sum(runs.values())} run, {sum(refused.values())} refused"
    print(f"{total}, {sum(bad.values())} mismatched -> {args.out}")


def append(path: str) -> None:
    """Append the cases in ``path`` (JSON lines, without ``why``) to tests/data/triton_infer.json."""
    with open(gen.DEFAULT_OUT) as f:
        doc = json.load(f)
    have = {c["id"] for c in doc["cases"]}
    with open(path) as f:
        new = [json.loads(ln) for ln in f if ln.strip()]
    for c in new:
        c.pop("why", None)
        if c["id"] not in have:
            doc["cases"].append(c)
            have.add(c["id"])
    with open(gen.DEFAULT_OUT, "w") as f:
        head = {k: v for k, v in doc.items() if k != "cases"}
        f.write(json.dumps(head)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in doc["cases"]))
        f.write("\n]}\n")
    print(f"{len(doc['cases'])} cases in {gen.DEFAULT_OUT}")


if __name__ == "__main__":
    main()
