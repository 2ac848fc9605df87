"""Regenerate tests/data/triton_algebra.json: Triton 3.9.0's answers to LinearLayout algebra.

Run from the repository root with the oracle interpreter::

    /tmp/tritonvenv/bin/python tests/tools/gen_algebra_cases.py

The cases are drawn with a fixed seed (deterministic output), from random layouts
(any / surjective / injective / bijective, with zero and dependent bases) and
realistic ones that Triton's own ``toLinearLayout`` returns (blocked, NVIDIA mma
v2/v3, AMD mfma, swizzled and NVMMA shared) through Gluon.  Every op runs on
``triton._C.libtriton.linear_layout.LinearLayout`` in a worker subprocess
(``triton_oracle.ll_ops``), so an op that aborts is stored as ``{"crash": true}``:
linlayout must raise ``LayoutError`` there.

Stored case: ``{"id", "family", "op", "args", "result"}`` with ``op`` one of
compose, invert, invert_and_compose, pseudoinvert, mul, apply_many, describe
(``describe`` = toString plus is_surjective/is_injective/is_invertible).
Layouts are ``{"bases": {in: [[..]]}, "out_dims": [[name, size]]}``.
"""

from __future__ import annotations

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from triton_oracle import ll_ops  # noqa: E402

OUT = os.path.join(HERE, "..", "data", "triton_algebra.json")
SEED = 20261128

IN_NAMES = ["in0", "in1", "in2", "register", "lane", "warp"]
OUT_NAMES = ["out0", "out1", "out2", "dim0", "dim1"]


# ---------------------------------------------------------------- random layouts
def _split(vec: int, out_dims: list[list]) -> list[int]:
    """Packed out-bit vector -> one component per out dim (first dim least significant)."""
    comps = []
    for _, size in out_dims:
        k = size.bit_length() - 1
        comps.append(vec & (size - 1))
        vec >>= k
    return comps


def _deal(vecs: list[int], in_bits: list[tuple[str, int]], out_dims: list[list]) -> dict:
    bases, i = {}, 0
    for name, k in in_bits:
        bases[name] = [_split(v, out_dims) for v in vecs[i : i + k]]
        i += k
    return {"bases": bases, "out_dims": [list(o) for o in out_dims]}


def _invertible(rng: random.Random, n: int) -> list[int]:
    """n packed vectors forming an invertible n x n GF(2) matrix (permuted, then mixed)."""
    vecs = [1 << i for i in range(n)]
    rng.shuffle(vecs)
    for _ in range(rng.randint(0, 2 * n)):
        if n < 2:
            break
        i, j = rng.sample(range(n), 2)
        vecs[i] ^= vecs[j]
    return vecs


def rand_dims(rng: random.Random, pool: list[str], lo: int, hi: int, max_bits: int, total: int | None = None):
    names = rng.sample(pool, rng.randint(lo, hi))
    if total is None:
        bits = [rng.randint(0, max_bits) for _ in names]
    else:
        if not names:
            return []
        bits = [0] * len(names)
        for _ in range(total):
            bits[rng.randrange(len(names))] += 1
    return list(zip(names, bits))


def rand_layout(
    rng: random.Random,
    kind: str,
    in_bits: list[tuple[str, int]] | None = None,
    out_dims: list[list] | None = None,
) -> dict:
    """kind: any | surjective | injective | bijective | sparse (zero / repeated / unit bases)."""
    if out_dims is None:
        out_dims = [[n, 1 << k] for n, k in rand_dims(rng, OUT_NAMES, 1, 3, 4)]
    nout = sum(s.bit_length() - 1 for _, s in out_dims)
    if in_bits is None:
        total = {"bijective": nout, "injective": rng.randint(0, nout), "surjective": nout + rng.randint(0, 3)}
        in_bits = rand_dims(rng, IN_NAMES, 1, 3, 4, total.get(kind))
        if not in_bits:
            in_bits = [(rng.choice(IN_NAMES), 0)]
    nin = sum(k for _, k in in_bits)
    if kind in ("bijective", "injective", "surjective") and nin >= nout:
        core = _invertible(rng, nout)
        vecs = list(core)
        while len(vecs) < nin:  # extra bases: dependent (broadcast) ones
            v = 0
            for c in core:
                if rng.random() < 0.3:
                    v ^= c
            vecs.insert(rng.randint(0, len(vecs)), v)
    elif kind == "injective":
        vecs = _invertible(rng, nout)[:nin]
    elif kind == "sparse":
        vecs = []
        for _ in range(nin):
            r = rng.random()
            if r < 0.25 or nout == 0:
                vecs.append(0)
            elif r < 0.4 and vecs:
                vecs.append(rng.choice(vecs))
            else:
                vecs.append(1 << rng.randrange(nout))
    else:
        vecs = [rng.getrandbits(nout) if nout else 0 for _ in range(nin)]
    return _deal(vecs, in_bits, out_dims)


def in_bits_of(layout: dict) -> list[tuple[str, int]]:
    return [(k, len(v)) for k, v in layout["bases"].items()]


def as_in_bits(out_dims: list[list]) -> list[tuple[str, int]]:
    return [(n, s.bit_length() - 1) for n, s in out_dims]


# ---------------------------------------------------------------- realistic layouts
def realistic_layouts() -> dict[str, list[dict]]:
    """Layouts Triton's toLinearLayout returns, keyed by family; shape-tagged."""
    import triton.experimental.gluon.language as ttgl
    from triton._C.libtriton import amd as amdc
    from triton._C.libtriton import gluon_ir, ir, nvidia
    from triton.experimental.gluon.language import amd

    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amdc.load_dialects(ctx)
    b = gluon_ir.GluonOpBuilder(ctx, "")

    def dist(layout, shape):
        L = b.to_linear_layout(layout._to_ir(b), shape)
        return {
            "bases": {
                "register": L.reg_bases,
                "lane": L.lane_bases,
                "warp": L.warp_bases,
                "block": L.block_bases,
            },
            "out_dims": [[f"dim{i}", s] for i, s in enumerate(shape)],
            "shape": list(shape),
        }

    def shared(layout, shape):
        L = b.to_linear_layout(layout._to_ir(b), shape)
        return {
            "bases": {"offset": L.offset_bases, "block": L.block_bases},
            "out_dims": [[f"dim{i}", s] for i, s in enumerate(shape)],
            "shape": list(shape),
        }

    fam: dict[str, list[dict]] = {"blocked": [], "mma": [], "shared": []}
    shapes = [[32, 32], [64, 64], [128, 64], [64, 128], [128, 128], [16, 256], [256, 256], [512, 512]]
    blocked_params = [
        ([1, 4], [4, 8], [2, 2], [1, 0]),
        ([1, 8], [8, 4], [4, 1], [1, 0]),
        ([4, 1], [8, 4], [1, 4], [0, 1]),
        ([2, 2], [2, 16], [1, 8], [1, 0]),
        ([1, 1], [32, 1], [4, 2], [0, 1]),
        ([8, 1], [4, 8], [2, 4], [0, 1]),
    ]
    for i, (spt, tpw, wpc, order) in enumerate(blocked_params):
        for shape in (shapes[i % len(shapes)], shapes[(i + 3) % len(shapes)], [128, 256]):
            fam["blocked"].append(dist(ttgl.BlockedLayout(spt, tpw, wpc, order), shape))
    fam["blocked"].append(dist(ttgl.BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0], [[1, 0]]), [64, 64]))
    fam["blocked"].append(dist(ttgl.BlockedLayout([4], [32], [4], [0]), [1024]))
    fam["blocked"].append(dist(ttgl.BlockedLayout([2, 1, 4], [2, 4, 4], [1, 2, 2], [2, 1, 0]), [8, 16, 64]))
    for shape, wpc in (([64, 64], [2, 2]), ([128, 128], [4, 2]), ([128, 64], [4, 1]), ([256, 128], [8, 1])):
        fam["mma"].append(dist(ttgl.NVMMADistributedLayout([2, 0], wpc, [16, 8]), shape))
    for shape, n in (([128, 64], 64), ([128, 128], 128), ([64, 256], 256)):
        fam["mma"].append(dist(ttgl.NVMMADistributedLayout([3, 0], [4, 1], [16, n, 16]), shape))
    for shape, instr, tr in (([64, 64], [32, 32, 8], True), ([128, 128], [16, 16, 16], False)):
        fam["mma"].append(dist(amd.AMDMFMALayout(3, instr, tr, [2, 2]), shape))
    for shape in ([32, 64], [64, 64], [128, 128], [64, 256], [256, 64]):
        for vec, pp, mp in ((8, 1, 8), (4, 2, 4), (1, 1, 1), (8, 2, 4)):
            for order in ([1, 0], [0, 1]):
                fam["shared"].append(shared(ttgl.SwizzledSharedLayout(vec, pp, mp, order), shape))
        for sw, bw, tr in ((128, 16, False), (64, 16, True), (32, 8, False), (128, 32, True)):
            fam["shared"].append(shared(ttgl.NVMMASharedLayout(sw, bw, 2, tr), shape))
    return fam


def strip(layout: dict) -> dict:
    return {"bases": layout["bases"], "out_dims": layout["out_dims"]}


# ---------------------------------------------------------------- case drawing
def _pick(rng: random.Random, seq: list, k: int) -> list:
    return rng.sample(seq, k) if seq else []


def draw_cases(rng: random.Random, real: dict[str, list[dict]] | None = None) -> list[tuple[str, str, list]]:
    """(family, op, args) triples; second-phase ops (that need a Triton inverse) are built later.

    Without ``real`` (no Gluon needed) only the random and edge cases are drawn: the
    live differential test in tests/test_triton_algebra.py uses that.
    """
    real = real or {"blocked": [], "mma": [], "shared": []}
    cases: list[tuple[str, str, list]] = []
    kinds = ["any", "surjective", "injective", "bijective", "sparse"]

    # describe: toString + predicates
    for _ in range(60):
        cases.append(("random", "describe", [rand_layout(rng, rng.choice(kinds))]))
    cases.append(("edge", "describe", [{"bases": {}, "out_dims": []}]))
    cases.append(("edge", "describe", [{"bases": {}, "out_dims": [["dim0", 4], ["dim1", 1]]}]))
    cases.append(
        ("edge", "describe", [{"bases": {"register": [], "lane": [[1]]}, "out_dims": [["dim0", 2]]}])
    )
    cases.append(("edge", "describe", [{"bases": {"x": [[0], [0]]}, "out_dims": [["y", 1]]}]))
    for famname in ("blocked", "mma", "shared"):
        for L in _pick(rng, real[famname], 3):
            cases.append((famname, "describe", [strip(L)]))

    # apply_many
    for i in range(60):
        rand = i < 40 or not real["blocked"]
        L = rand_layout(rng, rng.choice(kinds)) if rand else strip(rng.choice(real[rng.choice(list(real))]))
        pts = [{k: rng.randrange(1 << len(v)) for k, v in L["bases"].items()} for _ in range(6)]
        cases.append(("random" if rand else "realistic", "apply_many", [L, pts]))

    # invert: bijective random, realistic shared (invertible), and non-invertible (crash)
    for _ in range(40):
        cases.append(("random", "invert", [rand_layout(rng, "bijective")]))
    for L in _pick(rng, real["shared"], 12):
        cases.append(("shared", "invert", [strip(L)]))
    for _ in range(12):
        cases.append(("error", "invert", [rand_layout(rng, rng.choice(["surjective", "injective", "any"]))]))

    # pseudoinvert: surjective random (with broadcast bases), realistic distributed; non-surjective (crash)
    for _ in range(40):
        cases.append(("random", "pseudoinvert", [rand_layout(rng, rng.choice(["surjective", "bijective"]))]))
    for famname in ("blocked", "mma"):
        for L in _pick(rng, real[famname], 6):
            cases.append((famname, "pseudoinvert", [strip(L)]))
    for _ in range(6):
        cases.append(("error", "pseudoinvert", [rand_layout(rng, "sparse")]))

    # compose: outer's in-dims = this's out-dims (sizes >=), random order
    for _ in range(60):
        a = rand_layout(rng, rng.choice(kinds))
        ins = [(n, (s.bit_length() - 1) + (rng.random() < 0.3)) for n, s in a["out_dims"]]
        rng.shuffle(ins)
        b = rand_layout(rng, rng.choice(kinds), in_bits=ins)
        cases.append(("random", "compose", [a, b]))
    for _ in range(8):  # mismatched dims (crash)
        a = rand_layout(rng, "any")
        b = rand_layout(rng, "any")
        cases.append(("error", "compose", [a, b]))
    for _ in range(4):  # outer in-dim too small (crash)
        a = rand_layout(rng, "surjective", out_dims=[["out0", 8]])
        b = rand_layout(rng, "any", in_bits=[("out0", 2)])
        cases.append(("error", "compose", [a, b]))

    # invert_and_compose
    for _ in range(50):  # bijective outer, same out dims (maybe reordered)
        a = rand_layout(rng, rng.choice(kinds))
        outs = [list(o) for o in a["out_dims"]]
        rng.shuffle(outs)
        b = rand_layout(rng, "bijective", out_dims=outs)
        cases.append(("random", "invert_and_compose", [a, b]))
    for _ in range(40):  # non-injective surjective outer (free variables = 0), bigger out sizes
        a = rand_layout(rng, rng.choice(kinds))
        outs = [[n, s << (rng.random() < 0.2)] for n, s in a["out_dims"]]
        rng.shuffle(outs)
        b = rand_layout(rng, "surjective", out_dims=outs)
        cases.append(("random", "invert_and_compose", [a, b]))
    for _ in range(30):  # identity-dims rule: a shared in-dim with an equal sublayout
        outs = [[n, 1 << k] for n, k in rand_dims(rng, OUT_NAMES, 1, 2, 3)]
        nout = sum(s.bit_length() - 1 for _, s in outs)
        common = rand_layout(
            rng, rng.choice(["sparse", "injective"]), in_bits=[("block", rng.randint(0, 2))], out_dims=outs
        )
        a_rest = rand_layout(
            rng,
            rng.choice(kinds),
            in_bits=[("register", rng.randint(0, 3)), ("lane", rng.randint(0, 3))],
            out_dims=outs,
        )
        b_rest = rand_layout(rng, "surjective", in_bits=[("offset", nout + rng.randint(0, 2))], out_dims=outs)
        a = {"bases": {**a_rest["bases"], "block": common["bases"]["block"]}, "out_dims": outs}
        b = {"bases": {**b_rest["bases"], "block": common["bases"]["block"]}, "out_dims": outs}
        if rng.random() < 0.3:  # equal ignoring out-dim sizes
            b = {"bases": b["bases"], "out_dims": [[n, s * 2] for n, s in outs]}
        cases.append(("identity_dims", "invert_and_compose", [a, b]))
    for _ in range(40):  # identity rule at bit level: small layouts sharing warp/block dims
        outs = [["o", 1 << rng.randint(1, 3)]] + (
            [["p", 1 << rng.randint(0, 2)]] if rng.random() < 0.5 else []
        )

        def vec(outs: list = outs) -> list[int]:
            return [rng.randrange(s) if rng.random() < 0.7 else 0 for _, s in outs]

        shared_dims = ["warp", "block"] if rng.random() < 0.5 else ["block"]
        coms = {d: [vec() for _ in range(rng.randint(0, 2))] for d in shared_dims}
        nbits = sum(s.bit_length() - 1 for _, s in outs)
        a = {"bases": {"register": [vec() for _ in range(rng.randint(0, 2))], **coms}, "out_dims": outs}
        bcoms = dict(coms)
        if rng.random() < 0.2:
            bcoms["block"] = [vec() for _ in bcoms["block"]]
        b = {
            "bases": {"offset": [vec() for _ in range(nbits + rng.randint(0, 1))], **bcoms},
            "out_dims": outs,
        }
        cases.append(("identity_dims_bits", "invert_and_compose", [a, b]))
    for _ in range(10):  # image of a not inside image of b (crash)
        a = rand_layout(rng, "surjective")
        b = rand_layout(rng, "sparse", out_dims=a["out_dims"])
        cases.append(("error", "invert_and_compose", [a, b]))
    by_shape: dict[tuple, list[dict]] = {}
    for L in real["shared"]:
        by_shape.setdefault(tuple(L["shape"]), []).append(L)
    for famname in ("blocked", "mma"):
        for L in real[famname]:
            for S in rng.sample(
                by_shape.get(tuple(L["shape"]), []), min(3, len(by_shape.get(tuple(L["shape"]), [])))
            ):
                cases.append((famname + "+shared", "invert_and_compose", [strip(L), strip(S)]))
    for famname in ("blocked", "mma"):  # distributed -> distributed conversions of one shape
        same = {}
        for L in real["blocked"] + real["mma"]:
            same.setdefault(tuple(L["shape"]), []).append(L)
        for L in real[famname][:8]:
            others = [M for M in same[tuple(L["shape"])] if M is not L]
            if others:
                cases.append((famname + "+dist", "invert_and_compose", [strip(L), strip(rng.choice(others))]))

    # mul: supremum of dim lists, shifted bases
    for _ in range(60):
        a = rand_layout(rng, rng.choice(kinds))
        b = rand_layout(rng, rng.choice(kinds))
        cases.append(("random", "mul", [a, b]))
    for _ in range(6):  # conflicting dim orders: 3.9.0 does not abort, it keeps the left order
        a = rand_layout(rng, "any", in_bits=[("in0", 1), ("in1", 1)], out_dims=[["out0", 4]])
        b = rand_layout(rng, "any", in_bits=[("in1", 1), ("in0", 1)], out_dims=[["out0", 4]])
        cases.append(("order_conflict", "mul", [a, b]))
    return cases


def main() -> None:
    rng = random.Random(SEED)
    real = realistic_layouts()
    triples = draw_cases(rng, real)

    # second phase: compose(distributed, shared.invert()) needs Triton's inverse of the shared layout
    inv_src = _pick(rng, real["shared"], 16)
    invs = ll_ops([{"op": "invert", "args": [strip(S)]} for S in inv_src])
    dist_by_shape: dict[tuple, list[dict]] = {}
    for L in real["blocked"] + real["mma"]:
        dist_by_shape.setdefault(tuple(L["shape"]), []).append(L)
    for S, inv in zip(inv_src, invs):
        for L in dist_by_shape.get(tuple(S["shape"]), [])[:3]:
            if "layout" in inv:
                triples.append(("dist+shared_inv", "compose", [strip(L), inv["layout"]]))

    requests, index = [], []
    for n, (_fam, op, args) in enumerate(triples):
        if op == "describe":
            for sub in ("str", "is_surjective", "is_injective", "is_invertible"):
                requests.append({"op": sub, "args": args})
                index.append((n, sub))
        else:
            requests.append({"op": op, "args": args})
            index.append((n, op))
    answers = ll_ops(requests, timeout=900)

    results: dict[int, dict] = {}
    for (n, sub), ans in zip(index, answers):
        if "error" in ans:
            raise SystemExit(f"binding error for case {n} ({sub}): {ans['error']}")
        if triples[n][1] == "describe":
            results.setdefault(n, {})[sub] = ans.get("value", ans)
        else:
            results[n] = {"crash": True} if ans.get("crash") else ans
    cases = []
    for n, (fam, op, args) in enumerate(triples):
        cases.append({"id": n, "family": fam, "op": op, "args": args, "result": results[n]})

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(f'{{"triton": "3.9.0", "seed": {SEED}, "generator": "tests/tools/gen_algebra_cases.py",\n')
        f.write(' "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")
    counts: dict[str, int] = {}
    for c in cases:
        key = c["op"] + (" (crash)" if c["result"].get("crash") else "")
        counts[key] = counts.get(key, 0) + 1
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)")
    for k in sorted(counts):
        print(f"  {k}: {counts[k]}")
    sys.stdout.flush()
    os.close(2)  # hide nanobind leak warnings from the in-process gluon builder
    os._exit(0)


if __name__ == "__main__":
    main()
