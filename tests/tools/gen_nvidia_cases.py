"""Regenerate tests/data/triton_nvidia_cases.json from Triton 3.9.0 (the oracle).

Run with the oracle interpreter (never needed by the default test suite)::

    /tmp/tritonvenv/bin/python tests/tools/gen_nvidia_cases.py

It drives Triton over a deterministic parameter grid of the common and NVIDIA
*distributed* layout families -- blocked, slice, linear / generic linear,
nvidia_mma (v2 incl. fp64 tiles, v3 every power-of-two N), dot_op of blocked and
MMA parents, and the CGA block layouts -- and stores, per layout, the Gluon
parameters, Triton's printed attribute text (``str`` of the tensor type's
encoding), and per shape the bases Triton's ``toLinearLayout(shape, attr)``
returns.  Parameters that Triton rejects (a Python/RuntimeError from the builder,
or a C++ abort of the whole process) are stored under ``errors``; linlayout must
raise ``LayoutError`` for them instead of aborting.

Triton's C++ aborts the process on bad input, so the work runs in a worker
subprocess (``--worker``) that is restarted after every crash.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "data", "triton_nvidia_cases.json")
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")

# ----------------------------------------------------------------------------------------------
# worker (runs inside the triton interpreter)
# ----------------------------------------------------------------------------------------------


def _worker() -> None:  # pragma: no cover - runs under the oracle interpreter
    import triton.experimental.gluon.language as ttgl
    from triton._C.libtriton import amd, gluon_ir, ir, nvidia

    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amd.load_dialects(ctx)
    b = gluon_ir.GluonOpBuilder(ctx, "")

    def build(p):
        k = p["kind"]
        if k == "blocked":
            return ttgl.BlockedLayout(
                p["size_per_thread"], p["threads_per_warp"], p["warps_per_cta"], p["order"], p["cga_layout"]
            )
        if k == "slice":
            return ttgl.SliceLayout(p["dim"], build(p["parent"]))
        if k == "dot_operand":
            return ttgl.DotOperandLayout(p["operand_index"], build(p["parent"]), p["k_width"])
        if k == "nvidia_mma":
            return ttgl.NVMMADistributedLayout(
                p["version"], p["warps_per_cta"], p["instr_shape"], p["cga_layout"]
            )
        if k == "linear":
            return ttgl.DistributedLinearLayout(
                p["reg_bases"], p["lane_bases"], p["warp_bases"], p["block_bases"], p["shape"]
            )
        raise ValueError(f"unknown kind {k}")

    def text_of(attr, shape):
        ty = str(b.get_distributed_ty(b.get_float_ty(), [max(1, s) for s in shape] or [1], attr))
        return ty[ty.index("#") : -1]

    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["op"] == "cga":
                out.write("R " + json.dumps(gluon_ir.make_cga_layout(*req["args"])) + "\n")
            elif req["op"] == "view":
                lay = build(req["params"])
                if req.get("text"):
                    out.write("T " + json.dumps(text_of(lay._to_ir(b), req["shape"])) + "\n")
                    out.flush()
                out.write("V " + json.dumps(gluon_ir.get_layout_view(lay, req["shape"], True)) + "\n")
            else:
                _layout_request(b, build, text_of, req, out)
        except BaseException as e:  # noqa: BLE001 - report every Python-level rejection
            msg = str(e).splitlines()[0] if str(e) else ""
            out.write("E " + json.dumps(f"{type(e).__name__}: {msg}") + "\n")
        out.write("D\n")
        out.flush()


def _layout_request(b, build, text_of, req, out) -> None:  # pragma: no cover - oracle side
    """Print Triton's text for the layout, then its bases at each shape (flushing each line,
    so a C++ abort tells the driver how far it got)."""
    lay = build(req["params"])
    attr = lay._to_ir(b)
    out.write("T " + json.dumps(text_of(attr, req["shapes"][0])) + "\n")
    out.flush()
    for shape in req["shapes"]:
        ll = b.to_linear_layout(attr, shape)
        bases = {
            "register": ll.reg_bases,
            "lane": ll.lane_bases,
            "warp": ll.warp_bases,
            "block": ll.block_bases,
        }
        out.write("S " + json.dumps(bases) + "\n")
        out.flush()


# ----------------------------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------------------------


class Oracle:
    """A restartable worker subprocess; `ask` survives C++ aborts."""

    def __init__(self) -> None:
        self.proc = None
        self.err = tempfile.TemporaryFile(mode="w+")
        self.crashes = 0

    def _start(self) -> None:
        self.err.seek(0)
        self.err.truncate()
        env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
        self.proc = subprocess.Popen(
            [TRITON_PY, os.path.abspath(__file__), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
            env=env,
        )

    def _abort_message(self) -> str:
        self.proc.wait()
        self.err.flush()
        self.err.seek(0)
        lines = [
            ln.strip()
            for ln in self.err.read().splitlines()
            if ln.strip() and "leak" not in ln and "nanobind" not in ln and "skipped remainder" not in ln
        ]
        self.proc = None
        self.crashes += 1
        msg = " | ".join(lines[-2:]) if lines else "aborted"
        return "abort: " + msg[:300]

    def ask(self, req: dict) -> list[tuple[str, object]]:
        """Send one request; return the list of (tag, payload) lines, ending at D or abort."""
        if self.proc is None:
            self._start()
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        got: list[tuple[str, object]] = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                got.append(("A", self._abort_message()))
                return got
            line = line.rstrip("\n")
            if line == "D":
                return got
            tag, payload = line[0], json.loads(line[2:])
            got.append((tag, payload))

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            self.proc.wait()


# ---------------------------------------------------------------------------------------------- grid

POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]


def factorizations(n: int, rank: int) -> list[list[int]]:
    """All ways to write n (a power of two) as a product of `rank` powers of two."""
    if rank == 1:
        return [[n]]
    res = []
    f = 1
    while f <= n:
        for rest in factorizations(n // f, rank - 1):
            res.append([f, *rest])
        f *= 2
    return res


def cga_choices(rank: int) -> list[list[list[int]]]:
    """Block-basis sets (Gluon 3.9 cga_layout) for a rank: none, split, broadcast, mixed, permuted."""
    unit = [[1 << 0 if j == i else 0 for j in range(rank)] for i in range(rank)]
    zero = [0] * rank
    ch = [[], [unit[0]], [zero], [unit[-1], zero]]
    if rank >= 2:
        ch += [
            [unit[0], unit[1]],
            [unit[1], unit[0]],
            [unit[1], [0, 2] if rank == 2 else unit[0]],
            [zero, unit[0]],
            [unit[-1], [2 if j == rank - 1 else 0 for j in range(rank)]],
        ]
    else:
        ch += [[[1], [2]], [[0], [1]]]
    return ch


def pick_shapes(rng: random.Random, tile: list[int], n: int = 3, max_elems: int = 1 << 16) -> list[list[int]]:
    """Shapes around a natural tile: some smaller, the tile itself, some larger (powers of two)."""
    shapes = [list(tile)]
    for _ in range(n * 3):
        if len(shapes) >= n:
            break
        s = [max(1, min(2048, _scale(t, rng.choice([-3, -2, -1, 0, 1, 2])))) for t in tile]
        if s not in shapes:
            shapes.append(s)
    out = []
    for s in shapes:
        s = list(s)
        while _prod(s) > max_elems:
            i = max(range(len(s)), key=lambda k: s[k])
            s[i] //= 2
        if s not in out:
            out.append(s)
    return out


def _scale(t: int, e: int) -> int:
    """``t * 2**e`` in integers (at least 1)."""
    return t << e if e >= 0 else max(1, t >> -e)


def _prod(xs) -> int:
    r = 1
    for x in xs:
        r *= x
    return r


def cga_size(cga: list[list[int]], rank: int) -> list[int]:
    size = [1] * rank
    for bv in cga:
        for d, v in enumerate(bv):
            if v:
                size[d] = max(size[d], 2 * v)
    return size


def tile_of(p: dict) -> list[int]:
    """A natural tile (rough; only used to choose interesting shapes)."""
    k = p["kind"]
    if k == "blocked":
        c = cga_size(p["cga_layout"], len(p["order"]))
        return [
            a * b_ * w * cc
            for a, b_, w, cc in zip(p["size_per_thread"], p["threads_per_warp"], p["warps_per_cta"], c)
        ]
    if k == "nvidia_mma":
        rank = len(p["warps_per_cta"])
        instr = list(p["instr_shape"])[:2] if p["version"][0] == 3 else list(p["instr_shape"])
        instr = [1] * (rank - len(instr)) + instr if len(instr) < rank else instr[:rank]
        c = cga_size(p["cga_layout"], rank)
        return [max(1, i) * w * cc for i, w, cc in zip(instr, p["warps_per_cta"], c)]
    if k == "dot_operand":
        t = tile_of(p["parent"])
        rank = len(t)
        kdim = rank - 1 if p["operand_index"] == 0 else rank - 2
        t = list(t)
        t[kdim] = max(8, 4 * max(1, p["k_width"]) * 2)
        return t
    if k == "slice":
        t = tile_of(p["parent"])
        return t[: p["dim"]] + t[p["dim"] + 1 :]
    if k == "linear":
        return list(p["shape"])
    raise ValueError(k)


def blocked_params(rng: random.Random, rank: int, warp_size: int = 32, cga=None) -> dict:
    spt = [rng.choice([1, 1, 2, 4, 8]) for _ in range(rank)]
    tpw = rng.choice(factorizations(warp_size, rank))
    wpc = rng.choice(factorizations(rng.choice([1, 2, 4, 8]), rank))
    order = list(range(rank))
    rng.shuffle(order)
    if cga is None:
        cga = rng.choice(cga_choices(rank))
    return {
        "kind": "blocked",
        "size_per_thread": spt,
        "threads_per_warp": tpw,
        "warps_per_cta": wpc,
        "order": order,
        "cga_layout": cga,
    }


def mma_v2_params(rng: random.Random, rank: int) -> dict:
    nwarps = rng.choice([1, 2, 4, 8, 16])
    warps = rng.choice(factorizations(nwarps, rank))
    base = rng.choice([[16, 8], [16, 8], [16, 8], [8, 8], [16, 16], [32, 8]])
    instr = [1] * (rank - 2) + base
    cga = rng.choice(cga_choices(rank)) if rng.random() < 0.4 else []
    return {
        "kind": "nvidia_mma",
        "version": [2, rng.choice([0, 0, 1])],
        "warps_per_cta": warps,
        "instr_shape": instr,
        "cga_layout": cga,
    }


def mma_v3_params(rng: random.Random) -> dict:
    n = rng.choice([8, 16, 32, 64, 128, 256])
    kk = rng.choice([8, 16, 32])
    warps = rng.choice([[4, 1], [4, 2], [8, 1], [4, 4], [8, 2], [16, 1], [4, 8]])
    instr = rng.choice([[16, n, kk], [16, n, kk], [16, n]])
    cga = rng.choice(cga_choices(2)) if rng.random() < 0.4 else []
    return {
        "kind": "nvidia_mma",
        "version": [3, rng.choice([0, 0, 1])],
        "warps_per_cta": warps,
        "instr_shape": instr,
        "cga_layout": cga,
    }


def linear_params(rng: random.Random, rank: int) -> dict:
    """A random `#ttg.linear`: a permutation of tensor bits over register/lane/warp/block plus zero bases."""
    shape = [2 ** rng.randint(0, 5) for _ in range(rank)]
    while _prod(shape) < 32:
        shape[rng.randrange(rank)] *= 2
    bits = [(d, i) for d in range(rank) for i in range(shape[d].bit_length() - 1)]
    rng.shuffle(bits)

    def vec(bit):
        v = [0] * rank
        if bit is not None:
            v[bit[0]] = 1 << bit[1]
        return v

    lane = [vec(bits.pop()) for _ in range(5)]
    nreg = rng.randint(0, min(3, len(bits)))
    reg = [vec(bits.pop()) for _ in range(nreg)]
    nwarp = rng.randint(0, min(2, len(bits)))
    warp = [vec(bits.pop()) for _ in range(nwarp)]
    block = [vec(bits.pop()) for _ in range(len(bits))]
    # sprinkle broadcast (zero) bases
    for lst in (reg, warp, block):
        if rng.random() < 0.3:
            lst.insert(rng.randint(0, len(lst)), [0] * rank)
    return {
        "kind": "linear",
        "reg_bases": reg,
        "lane_bases": lane,
        "warp_bases": warp,
        "block_bases": block,
        "shape": shape,
    }


def generic_linear_params(rng: random.Random, rank: int) -> dict:
    """A random `#ttg.generic_linear`: a `#ttg.linear` whose warp bases are XOR-ed with
    other bases (swizzled; the span, hence surjectivity, is unchanged)."""
    p = linear_params(rng, rank)
    if not any(any(w) for w in p["warp_bases"]):  # give it a warp bit to swizzle
        d = rng.randrange(rank)
        p["warp_bases"].append([p["shape"][d] if j == d else 0 for j in range(rank)])
        p["shape"][d] *= 2
    others = [b for b in p["reg_bases"] + p["lane_bases"] if any(b)]
    warp = []
    for w in p["warp_bases"]:
        w = list(w)
        if any(w):
            for o in rng.sample(others, rng.randint(1, min(2, len(others)))):
                w = [a ^ b for a, b in zip(w, o)]
        warp.append(w)
    p["warp_bases"] = warp
    return p


def parse_hardware_view(text: str) -> dict[tuple[int, int, int, int], list[int]]:
    """Triton's hardware view (``get_layout_view(..., True)``) as {(block, warp, register,
    lane): coordinates}: 'BlockN:' / 'WarpN:' headers, then one line per register, one
    '(i,j)' entry per lane."""
    table = {}
    block = warp = 0
    row = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("Block") and line.endswith(":"):
            block, row = int(line[5:-1]), 0
            continue
        if line.startswith("Warp") and line.endswith(":"):
            warp, row = int(line[4:-1]), 0
            continue
        cells = [c for c in line.replace(" ", "").split("),") if c]
        for lane, c in enumerate(cells):
            table[(block, warp, row, lane)] = [int(x) for x in c.strip("(),").split(",")]
        row += 1
    return table


def bases_from_view(table: dict) -> dict | None:
    """Bases of a linear view (None when the view is not linear)."""
    keys = table.keys()
    sizes = [max(k[i] for k in keys) + 1 for i in range(4)]
    names = ["block", "warp", "register", "lane"]
    bases = {}
    for i, name in enumerate(names):
        lst = []
        k = 1
        while k < sizes[i]:
            idx = [0, 0, 0, 0]
            idx[i] = k
            lst.append(table[tuple(idx)])
            k *= 2
        bases[name] = lst
    for key, val in table.items():
        acc = [0] * len(val)
        for i, name in enumerate(names):
            for bit, b in enumerate(bases[name]):
                if key[i] >> bit & 1:
                    acc = [a ^ c for a, c in zip(acc, b)]
        if acc != val:
            return None
    return {n: bases[n] for n in ("register", "lane", "warp", "block")}


def run_generic(oracle: Oracle, rng: random.Random, count: int) -> tuple[list, list]:
    """#ttg.generic_linear: Gluon's to_linear_layout binding aborts on it, so its layout on
    each shape is read back from Triton's hardware view (checked to be linear)."""
    layouts, errors = [], []
    for _ in range(count):
        p = generic_linear_params(rng, rng.choice([1, 2, 2, 3]))
        shapes = pick_shapes(rng, list(p["shape"]), 3)
        text = None
        cases = []
        for shape in shapes:
            got = oracle.ask({"op": "view", "params": p, "shape": shape, "text": True})
            view = next((pl for t, pl in got if t == "V"), None)
            text = next((pl for t, pl in got if t == "T"), text)
            if view is None:
                errors.append(
                    {
                        "family": "generic_linear",
                        "params": p,
                        "shape": shape,
                        "text": text,
                        "triton": next((pl for t, pl in got if t in "EA"), "?"),
                    }
                )
                continue
            bases = bases_from_view(parse_hardware_view(view))
            if bases is None:
                errors.append(
                    {
                        "family": "generic_linear",
                        "params": p,
                        "shape": shape,
                        "text": text,
                        "triton": "view is not linear",
                    }
                )
                continue
            cases.append({"shape": shape, "bases": bases, "via": "hardware view"})
        if cases:
            layouts.append(
                {
                    "id": f"generic_linear-{len(layouts):04d}",
                    "family": "generic_linear",
                    "params": p,
                    "text": text,
                    "cases": cases,
                }
            )
    return layouts, errors


def build_grid(seed: int = 1234) -> list[dict]:
    rng = random.Random(seed)
    layouts: list[dict] = []

    def add(family, params, nshapes=3, shapes=None):
        layouts.append(
            {
                "family": family,
                "params": params,
                "shapes": shapes or pick_shapes(rng, tile_of(params), nshapes),
            }
        )

    # blocked: ranks 1-4, warp size 32 and 64
    for spt, tpw, wpc in itertools.product([1, 2, 4, 8], [32, 64], [1, 2, 4, 8]):
        for cga in cga_choices(1)[:4]:
            p = {
                "kind": "blocked",
                "size_per_thread": [spt],
                "threads_per_warp": [tpw],
                "warps_per_cta": [wpc],
                "order": [0],
                "cga_layout": cga,
            }
            if rng.random() < 0.5:
                add("blocked", p)
    for _ in range(420):
        add("blocked", blocked_params(rng, 2, rng.choice([32, 32, 32, 64])))
    for _ in range(220):
        add("blocked", blocked_params(rng, 3, rng.choice([32, 32, 64])))
    for _ in range(30):
        add("blocked", blocked_params(rng, 4), nshapes=2)

    # nvidia_mma v2 (ranks 2 and 3) and v3
    for _ in range(160):
        add("nvidia_mma", mma_v2_params(rng, 2))
    for _ in range(60):
        add("nvidia_mma", mma_v2_params(rng, 3))
    for _ in range(150):
        add("nvidia_mma", mma_v3_params(rng))

    # dot operands
    for _ in range(260):
        parent = mma_v2_params(rng, rng.choice([2, 2, 3]))
        kw = rng.choice([1, 2, 4, 8, 16])
        add(
            "dot_operand",
            {"kind": "dot_operand", "operand_index": rng.choice([0, 1]), "parent": parent, "k_width": kw},
        )
    for _ in range(110):
        add(
            "dot_operand",
            {
                "kind": "dot_operand",
                "operand_index": 0,
                "parent": mma_v3_params(rng),
                "k_width": rng.choice([1, 2, 4, 8]),
            },
        )
    for _ in range(160):
        add(
            "dot_operand",
            {
                "kind": "dot_operand",
                "operand_index": rng.choice([0, 1]),
                "parent": blocked_params(rng, rng.choice([2, 2, 3])),
                "k_width": 0,
            },
        )

    # linear
    for _ in range(200):
        add("linear", linear_params(rng, rng.choice([1, 2, 2, 3])))

    # slices of every parent
    def parents():
        r = rng.random()
        if r < 0.25:
            return blocked_params(rng, rng.choice([2, 2, 3, 4]))
        if r < 0.35:
            return mma_v2_params(rng, rng.choice([2, 3]))
        if r < 0.42:
            return mma_v3_params(rng)
        if r < 0.55:
            return {
                "kind": "dot_operand",
                "operand_index": rng.choice([0, 1]),
                "parent": mma_v2_params(rng, rng.choice([2, 3])),
                "k_width": rng.choice([1, 2, 4, 8]),
            }
        if r < 0.6:
            return {
                "kind": "dot_operand",
                "operand_index": 0,
                "parent": mma_v3_params(rng),
                "k_width": rng.choice([1, 2, 4]),
            }
        if r < 0.7:
            return {
                "kind": "dot_operand",
                "operand_index": rng.choice([0, 1]),
                "parent": blocked_params(rng, rng.choice([2, 3])),
                "k_width": 0,
            }
        if r < 0.8:
            return linear_params(rng, rng.choice([2, 3]))
        if r < 0.9:
            inner = blocked_params(rng, rng.choice([3, 4]))
            return {"kind": "slice", "dim": rng.randrange(len(inner["order"])), "parent": inner}
        inner = {
            "kind": "dot_operand",
            "operand_index": rng.choice([0, 1]),
            "parent": mma_v2_params(rng, 3),
            "k_width": rng.choice([1, 2, 4]),
        }
        return {"kind": "slice", "dim": rng.randrange(3), "parent": inner}

    def rank_of(p):
        k = p["kind"]
        if k == "blocked":
            return len(p["order"])
        if k == "nvidia_mma":
            return len(p["warps_per_cta"])
        if k == "dot_operand":
            return rank_of(p["parent"])
        if k == "slice":
            return rank_of(p["parent"]) - 1
        return len(p["shape"])

    # edge cases: unused instr_shape entries (batch dims, wgmma K) that Triton accepts and ignores
    for instr, warps in (([2, 16, 8], [2, 2, 1]), ([3, 16, 8], [1, 2, 2]), ([1, 8, 8], [4, 1, 1])):
        add(
            "nvidia_mma",
            {
                "kind": "nvidia_mma",
                "version": [2, 0],
                "warps_per_cta": warps,
                "instr_shape": instr,
                "cga_layout": [],
            },
        )
    for instr in ([16, 64, 16, 4], [16, 64, 24], [16, 128, 32]):
        mma3 = {
            "kind": "nvidia_mma",
            "version": [3, 0],
            "warps_per_cta": [4, 2],
            "instr_shape": instr,
            "cga_layout": [[1, 0]],
        }
        add("nvidia_mma", mma3)
        add("dot_operand", {"kind": "dot_operand", "operand_index": 0, "parent": mma3, "k_width": 2})

    for _ in range(480):
        par = parents()
        r = rank_of(par)
        if r < 2:
            continue
        add("slice", {"kind": "slice", "dim": rng.randrange(r), "parent": par})
    return layouts


def error_grid() -> list[dict]:
    """Parameters Triton rejects (builder error or C++ abort) -- linlayout must raise LayoutError."""
    B = {
        "kind": "blocked",
        "size_per_thread": [1, 4],
        "threads_per_warp": [4, 8],
        "warps_per_cta": [2, 2],
        "order": [1, 0],
        "cga_layout": [],
    }
    M2 = {
        "kind": "nvidia_mma",
        "version": [2, 0],
        "warps_per_cta": [2, 2],
        "instr_shape": [16, 8],
        "cga_layout": [],
    }
    M3 = {
        "kind": "nvidia_mma",
        "version": [3, 0],
        "warps_per_cta": [4, 1],
        "instr_shape": [16, 64, 16],
        "cga_layout": [],
    }
    L = {
        "kind": "linear",
        "reg_bases": [[0, 1]],
        "lane_bases": [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]],
        "warp_bases": [[0, 2]],
        "block_bases": [],
        "shape": [32, 4],
    }

    def w(base, **kw):
        return dict(base, **kw)

    def dot(i, parent, k):
        return {"kind": "dot_operand", "operand_index": i, "parent": parent, "k_width": k}

    E = [
        ("size_per_thread", w(B, size_per_thread=[1, 3]), [32, 64]),
        ("warps_per_cta", w(B, warps_per_cta=[2, 3]), [32, 64]),
        ("threads_per_warp", w(B, threads_per_warp=[3, 8]), [32, 64]),
        ("order", w(B, order=[0, 0]), [32, 64]),
        ("order", w(B, order=[1, 2]), [32, 64]),
        ("shape", B, [32, 48]),
        ("shape", B, [32]),
        ("cga_layout", w(B, cga_layout=[[0, 1], [0, 3]]), [32, 64]),
        ("cga_layout", w(B, cga_layout=[[0, 1], [0, 1]]), [32, 64]),
        ("cga_layout", w(B, cga_layout=[[0, 2]]), [32, 64]),
        ("version", w(M2, version=[1, 0]), [64, 64]),
        ("version", w(M2, version=[5, 0]), [64, 64]),
        ("warps_per_cta", w(M2, warps_per_cta=[2, 3]), [64, 64]),
        ("instr_shape", w(M2, instr_shape=[16, 4]), [64, 64]),
        ("instr_shape", w(M2, instr_shape=[4, 8]), [64, 64]),
        ("instr_shape", w(M2, instr_shape=[16, 8, 16]), [64, 64]),
        ("instr_shape", w(M2, warps_per_cta=[2, 2, 2], instr_shape=[16, 8]), [2, 64, 64]),
        ("warps_per_cta", w(M2, warps_per_cta=[4], instr_shape=[16, 8]), [64]),
        ("instr_shape", w(M3, instr_shape=[16, 24, 16]), [64, 64]),
        ("instr_shape", w(M3, instr_shape=[16, 4, 16]), [64, 64]),
        ("warps_per_cta", w(M3, warps_per_cta=[1, 4, 1]), [2, 64, 64]),
        ("k_width", dot(0, M2, 0), [64, 64]),
        ("k_width", dot(0, M2, 3), [64, 64]),
        ("k_width", dot(1, M2, 6), [64, 64]),
        ("operand_index", dot(1, M3, 2), [64, 64]),
        ("operand_index", dot(2, M2, 2), [64, 64]),
        ("k_width", dot(0, B, 2), [32, 64]),
        ("operand_index", dot(2, B, 0), [32, 64]),
        ("parent", dot(0, dot(0, M2, 2), 2), [64, 64]),
        (
            "parent",
            dot(
                0,
                {
                    "kind": "slice",
                    "dim": 0,
                    "parent": w(
                        B,
                        size_per_thread=[1, 1, 4],
                        threads_per_warp=[1, 4, 8],
                        warps_per_cta=[1, 2, 2],
                        order=[2, 1, 0],
                    ),
                },
                0,
            ),
            [32, 64],
        ),
        ("parent", dot(0, L, 0), [32, 4]),
        (
            "operand_index",
            dot(1, w(B, size_per_thread=[4], threads_per_warp=[32], warps_per_cta=[1], order=[0]), 0),
            [64],
        ),
        (
            "rank",
            {
                "kind": "slice",
                "dim": 0,
                "parent": w(B, size_per_thread=[4], threads_per_warp=[32], warps_per_cta=[1], order=[0]),
            },
            [1],
        ),
        ("dim", {"kind": "slice", "dim": 2, "parent": B}, [32]),
        ("threads_per_warp", w(B, threads_per_warp=[4, 4]), [32, 64]),
        ("threads_per_warp", w(B, threads_per_warp=[8, 16]), [32, 64]),
        ("warp_bases", w(L, warp_bases=[[1, 2]]), [32, 4]),
        ("warp_bases", w(L, warp_bases=[[0, 3]]), [32, 4]),
        ("reg_bases", w(L, reg_bases=[[0, 1], [0, 2]]), [32, 4]),
        ("shape", w(L, shape=[64, 4]), [64, 4]),
        ("shape", L, [32, 3]),
        ("warp_bases", w(L, reg_bases=[[0, 2]], warp_bases=[[0, 0]]), [32, 4]),
    ]
    return [{"param": name, "params": p, "shape": s} for name, p, s in E]


def compact_dumps(doc: dict) -> str:
    """JSON with one layout / error per line: small, and diffs stay readable."""
    lines = ["{"]
    keys = list(doc)
    for ki, k in enumerate(keys):
        v = doc[k]
        end = "," if ki < len(keys) - 1 else ""
        if isinstance(v, list):
            lines.append(f"{json.dumps(k)}: [")
            for i, item in enumerate(v):
                sep = "," if i < len(v) - 1 else ""
                lines.append(json.dumps(item, separators=(",", ":")) + sep)
            lines.append("]" + end)
        else:
            lines.append(f"{json.dumps(k)}: {json.dumps(v)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run(out_path: str, seed: int) -> None:
    oracle = Oracle()
    layouts_out, errors_out, cga_out = [], [], []
    grid = build_grid(seed)
    seen = set()
    for entry in grid:
        key = json.dumps(entry["params"], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        got = oracle.ask({"op": "layout", "params": entry["params"], "shapes": entry["shapes"]})
        text = None
        cases = []
        err = None
        for tag, payload in got:
            if tag == "T":
                text = payload
            elif tag == "S":
                cases.append({"shape": entry["shapes"][len(cases)], "bases": payload})
            else:
                err = payload
        if err is not None:
            # an unexpected rejection inside the valid grid: keep it as an error case
            errors_out.append(
                {
                    "family": entry["family"],
                    "params": entry["params"],
                    "shape": entry["shapes"][len(cases)],
                    "text": text,
                    "triton": err,
                }
            )
            if not cases:
                continue
        layouts_out.append(
            {
                "id": f"{entry['family']}-{len(layouts_out):04d}",
                "family": entry["family"],
                "params": entry["params"],
                "text": text,
                "cases": cases,
            }
        )
    for e in error_grid():
        got = oracle.ask({"op": "layout", "params": e["params"], "shapes": [e["shape"]]})
        text = next((p for t, p in got if t == "T"), None)
        err = next((p for t, p in got if t in "EA"), None)
        rec = {
            "family": e["params"]["kind"],
            "param": e["param"],
            "params": e["params"],
            "shape": e["shape"],
            "text": text,
            "triton": err if err is not None else "accepted",
        }
        errors_out.append(rec)
    gen_layouts, gen_errors = run_generic(oracle, random.Random(seed + 1), 80)
    layouts_out += gen_layouts
    errors_out += gen_errors
    # old-style CGA parameters -> block bases
    for rank in (1, 2, 3):
        for ctas in itertools.product([1, 2, 4], repeat=rank):
            if _prod(ctas) > 16:
                continue
            for split in itertools.product(*[[d for d in (1, 2, 4) if d <= c] for c in ctas]):
                for order in itertools.permutations(range(rank)):
                    got = oracle.ask({"op": "cga", "args": [list(ctas), list(split), list(order)]})
                    if got and got[0][0] == "R":
                        cga_out.append(
                            {
                                "ctas_per_cga": list(ctas),
                                "cta_split_num": list(split),
                                "cta_order": list(order),
                                "bases": got[0][1],
                            }
                        )
    oracle.close()
    doc = {
        "triton_version": "3.9.0",
        "generator": "tests/tools/gen_nvidia_cases.py",
        "seed": seed,
        "layouts": layouts_out,
        "errors": errors_out,
        "cga": cga_out,
    }
    with open(out_path, "w") as f:
        f.write(compact_dumps(doc))
    fams: dict[str, list[int]] = {}
    for lay in layouts_out:
        c = fams.setdefault(lay["family"], [0, 0])
        c[0] += 1
        c[1] += len(lay["cases"])
    print(f"wrote {out_path}: {fams}, errors {len(errors_out)}, cga {len(cga_out)}, crashes {oracle.crashes}")


def _gluon_params(oracle: Oracle, p: dict) -> dict:
    """Ported C++ parameters (CTAsPerCGA/CTASplitNum/CTAOrder) -> Gluon ones (cga_layout),
    converted by Triton's own ``make_cga_layout``."""
    q = {k: v for k, v in p.items() if k not in ("ctas_per_cga", "cta_split_num", "cta_order")}
    if "ctas_per_cga" in p:
        got = oracle.ask({"op": "cga", "args": [p["ctas_per_cga"], p["cta_split_num"], p["cta_order"]]})
        q["cga_layout"] = got[0][1]
    if "parent" in p:
        q["parent"] = _gluon_params(oracle, p["parent"])
    return q


def verify_llconv(path: str) -> None:
    """Check the hand-ported LinearLayoutConversionsTest.cpp expectations in ``path``
    against the 3.9.0 wheel; record the wheel's answer where it differs (in place)."""
    with open(path) as f:
        cases = json.load(f)["cases"]
    oracle = Oracle()
    agree = 0
    for c in cases:
        got = oracle.ask(
            {"op": "layout", "params": _gluon_params(oracle, c["params"]), "shapes": [c["shape"]]}
        )
        res = next((pl for t, pl in got if t == "S"), None)
        c.pop("triton_3_9_0", None)
        if res == c["expected"]:
            agree += 1
        else:
            c["triton_3_9_0"] = res if res is not None else next((pl for t, pl in got if t in "EA"), "?")
    oracle.close()
    doc = {
        "source": "triton-lang/triton unittest/Dialect/TritonGPU/LinearLayoutConversionsTest.cpp, the "
        "blocked / slice / nvidia_mma / dot_op expectations, transcribed by hand (C++ CTALayout parameters "
        "kept); 'triton_3_9_0' holds the 3.9.0 wheel's answer where it differs",
        "checked_with": "tests/tools/gen_nvidia_cases.py --verify-llconv",
        "agree": agree,
        "cases": cases,
    }
    with open(path, "w") as f:
        f.write(compact_dumps(doc))
    print(f"{path}: {agree} of {len(cases)} expectations agree with the 3.9.0 wheel")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--verify-llconv", metavar="JSON", help="check ported C++ expectations against the wheel")
    args = ap.parse_args()
    if args.worker:
        _worker()
    elif args.verify_llconv:
        verify_llconv(args.verify_llconv)
    else:
        run(args.out, args.seed)


if __name__ == "__main__":
    main()
