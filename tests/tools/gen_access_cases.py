"""Regenerate tests/data/triton_access.json: global load/store vector widths in Triton's PTX.

Run with any Python (the compiles happen in a worker under the oracle interpreter)::

    nice python tests/tools/gen_access_cases.py

Each case compiles a Gluon kernel for ``cuda:90`` (and a few for ``hip:gfx942``) that
loads a tile in a given distributed layout and stores it back, with the pointers built as
``base + rows * stride + cols`` (row-major), ``base + rows + cols * stride``
(column-major) or ``base + arange`` (1D, optionally masked by ``offs < n``).  Pointers
carry ``tt.divisibility = 16``; ``stride`` and ``n`` are divisible by 16 or not.  Gluon
keeps the layout as given (no coalescing pass), so the PTX's ``ld.global`` /
``st.global`` instructions are Triton's vectorisation of exactly that layout.  Stored per
case: the layout's text and bases, the access pattern, and the instructions found (the
count per (op, vector words, width) as written in the PTX / AMDGCN).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "data", "triton_access.json")
COALESCE_OUT = os.path.join(HERE, "..", "data", "triton_access_coalesce.json")
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
SEED = 3

WORKER = r"""
import json, os, re, sys
os.environ["TRITON_DEFAULT_FP_FUSION"] = "1"
import triton
from triton.experimental import gluon
import triton.experimental.gluon.language as ttgl
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
from triton.experimental.gluon.language.amd import AMDMFMALayout

@gluon.jit
def k2(x, y, stride, M: ttgl.constexpr, N: ttgl.constexpr, L: ttgl.constexpr, COLMAJOR: ttgl.constexpr):
    rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, L))
    rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, L))
    if COLMAJOR:
        offs = rm[:, None] + rn[None, :] * stride
    else:
        offs = rm[:, None] * stride + rn[None, :]
    v = ttgl.load(x + offs)
    ttgl.store(y + offs, v)

@gluon.jit
def k1(x, y, n, N: ttgl.constexpr, L: ttgl.constexpr, MASK: ttgl.constexpr):
    offs = ttgl.arange(0, N, layout=L)
    if MASK:
        m = offs < n
        v = ttgl.load(x + offs, mask=m)
        ttgl.store(y + offs, v, mask=m)
    else:
        v = ttgl.load(x + offs)
        ttgl.store(y + offs, v)

ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
TY = {8: "fp8e4nv", 16: "fp16", 32: "fp32", 64: "fp64"}
NV = r"^\s*(?:@%p\d+\s+)?((?:ld|st)\.global)(?:\.\w+)*?(?:\.v(\d))?\.b(\d+)\s"
AMDRE = r"^\s*(global|buffer)_(load|store)_(dwordx\d|dword|short|ushort|byte|ubyte|b128|b96|b64|b32|b16|b8)\b"

def layout(spec):
    kind = spec["kind"]
    if kind == "blocked":
        return ttgl.BlockedLayout(spec["spt"], spec["tpw"], spec["wpc"], spec["order"])
    if kind == "linear":
        return ttgl.DistributedLinearLayout(spec["reg"], spec["lane"], spec["warp"], [], spec["shape"])
    if kind == "mma":
        return ttgl.NVMMADistributedLayout(version=spec["version"], warps_per_cta=spec["wpc"],
                                           instr_shape=spec["instr"])
    if kind == "dot":
        mma = ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=spec["wpc"], instr_shape=[16, 8])
        return ttgl.DotOperandLayout(spec["idx"], mma, spec["kw"])
    if kind == "mfma":
        return AMDMFMALayout(version=3, instr_shape=spec["instr"], transposed=spec["transposed"],
                             warps_per_cta=spec["wpc"])
    raise ValueError(kind)

for line in sys.stdin:
    req = json.loads(line)
    try:
        L = layout(req["layout"])
        bits = req["elem_bits"]
        shape = req["shape"]
        nw = req["num_warps"]
        if len(shape) == 2:
            sig = {"x": "*" + TY[bits], "y": "*" + TY[bits], "stride": "i32", "M": "constexpr",
                   "N": "constexpr", "L": "constexpr", "COLMAJOR": "constexpr"}
            cx = {"M": shape[0], "N": shape[1], "L": L, "COLMAJOR": req["colmajor"]}
            fn = k2
        else:
            sig = {"x": "*" + TY[bits], "y": "*" + TY[bits], "n": "i32", "N": "constexpr",
                   "L": "constexpr", "MASK": "constexpr"}
            cx = {"N": shape[0], "L": L, "MASK": req["mask"]}
            fn = k1
        attrs = {(0,): [["tt.divisibility", 16]], (1,): [["tt.divisibility", 16]]}
        if req["div16"]:
            attrs[(2,)] = [["tt.divisibility", 16]]
        src = GluonASTSource(fn=fn, signature=sig, constexprs=cx, attrs=attrs)
        if req["target"] == "cuda:90":
            tgt = GPUTarget("cuda", 90, 32)
        else:
            tgt = GPUTarget("hip", "gfx942", 64)
        ck = triton.compile(src, target=tgt, options={"num_warps": nw})
        found = {}
        if req["target"] == "cuda:90":
            for m in re.finditer(NV, ck.asm["ptx"], re.M):
                key = f"{m.group(1)}.v{m.group(2) or 1}.b{m.group(3)}"
                found[key] = found.get(key, 0) + 1
        else:
            for m in re.finditer(AMDRE, ck.asm["amdgcn"], re.M):
                key = f"{m.group(1)}_{m.group(2)}_{m.group(3)}"
                found[key] = found.get(key, 0) + 1
        d = b.to_linear_layout(L._to_ir(b), shape)
        ty = str(b.get_distributed_ty(b.get_float_ty(), shape, L._to_ir(b)))
        text = ty[ty.index(", #") + 2 : -1]
        print(json.dumps({"id": req["id"], "text": text, "instructions": found,
                          "bases": {"register": d.reg_bases, "lane": d.lane_bases, "warp": d.warp_bases,
                                    "block": d.block_bases}}), flush=True)
    except Exception as e:
        print(json.dumps({"id": req["id"], "error": f"{type(e).__name__}: {str(e)[:200]}"}), flush=True)
os.close(2)
"""


COALESCE_WORKER = r"""
import json, os, re, sys
os.environ["TRITON_DEFAULT_FP_FUSION"] = "1"
import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

@triton.jit
def t2(x, y, stride, M: tl.constexpr, N: tl.constexpr, COLMAJOR: tl.constexpr):
    rm = tl.arange(0, M)
    rn = tl.arange(0, N)
    if COLMAJOR:
        offs = rm[:, None] + rn[None, :] * stride
    else:
        offs = rm[:, None] * stride + rn[None, :]
    tl.store(y + offs, tl.load(x + offs))

@triton.jit
def t1(x, y, N: tl.constexpr):
    offs = tl.arange(0, N)
    tl.store(y + offs, tl.load(x + offs))

TY = {8: "i8", 16: "fp16", 32: "fp32", 64: "fp64"}
for line in sys.stdin:
    req = json.loads(line)
    try:
        bits, shape = req["elem_bits"], req["shape"]
        if len(shape) == 2:
            sig = {"x": "*" + TY[bits], "y": "*" + TY[bits], "stride": "i32", "M": "constexpr",
                   "N": "constexpr", "COLMAJOR": "constexpr"}
            cx = {"M": shape[0], "N": shape[1], "COLMAJOR": req["colmajor"]}
            fn = t2
        else:
            sig = {"x": "*" + TY[bits], "y": "*" + TY[bits], "N": "constexpr"}
            cx = {"N": shape[0]}
            fn = t1
        attrs = {(0,): [["tt.divisibility", 16]], (1,): [["tt.divisibility", 16]]}
        if req["div16"] and len(shape) == 2:
            attrs[(2,)] = [["tt.divisibility", 16]]
        tgt = GPUTarget("cuda", 90, 32) if req["target"] == "cuda:90" else GPUTarget("hip", "gfx942", 64)
        ck = triton.compile(ASTSource(fn=fn, signature=sig, constexprs=cx, attrs=attrs), target=tgt,
                            options={"num_warps": req["num_warps"], "num_ctas": req["num_ctas"]})
        ttgir = ck.asm["ttgir"]
        aliases = dict(re.findall(r"^#(\w+) = (#ttg\.\w+<.*>)$", ttgir, re.M))
        line_ = next(l for l in ttgir.splitlines() if re.search(r"(tt|amdg\w*)\.(buffer_)?load ", l))
        enc = re.findall(r"#(\w+)>", line_)[-1]
        print(json.dumps({"id": req["id"], "load": aliases[enc]}), flush=True)
    except Exception as e:
        print(json.dumps({"id": req["id"], "error": f"{type(e).__name__}: {str(e)[:200]}"}), flush=True)
os.close(2)
"""


def _coalesce_requests(rng: random.Random) -> list[dict]:
    """tl kernels (no layouts given): the load layout Triton's Coalesce pass picks."""
    reqs = []
    for _ in range(50):
        rank = rng.choice((1, 2, 2))
        bits = rng.choice((8, 16, 32, 64))
        if rank == 1:
            shape = [1 << rng.randrange(5, 13)]
        else:
            shape = [1 << rng.randrange(1, 8), 1 << rng.randrange(1, 8)]
        target = rng.choice(("cuda:90", "cuda:90", "hip:gfx942"))
        reqs.append(
            {
                "id": f"coalesce-{len(reqs)}",
                "shape": shape,
                "elem_bits": bits,
                "colmajor": rng.random() < 0.3,
                "div16": rng.random() < 0.8,
                "num_warps": rng.choice((1, 2, 4, 8)),
                "num_ctas": 2 if target == "cuda:90" and rng.random() < 0.15 and shape[0] >= 4 else 1,
                "target": target,
            }
        )
    return reqs


def _requests(rng: random.Random) -> list[dict]:
    reqs = []

    def add(layout, shape, nw, bits, *, colmajor=False, mask=False, div16=True, target="cuda:90"):
        reqs.append(
            {
                "id": f"acc-{len(reqs)}",
                "layout": layout,
                "shape": shape,
                "num_warps": nw,
                "elem_bits": bits,
                "colmajor": colmajor,
                "mask": mask,
                "div16": div16,
                "target": target,
            }
        )

    def blk(spt, tpw, wpc, order):
        return {"kind": "blocked", "spt": spt, "tpw": tpw, "wpc": wpc, "order": order}

    # 1D: the reference's examples, masks, every element width
    for bits in (8, 16, 32, 64):
        for spt in (1, 2, 4, 8, 16):
            for mask, div16 in ((False, True), (True, True), (True, False)):
                add(blk([spt], [32], [4], [0]), [1024], 4, bits, mask=mask, div16=div16)
    # 2D row- and column-major, stride divisible or not
    for _ in range(60):
        bits = rng.choice((8, 16, 32, 64))
        spt = [1 << rng.randrange(4), 1 << rng.randrange(4)]
        t0 = 1 << rng.randrange(6)
        tpw = [t0, 32 // t0]
        w0 = 1 << rng.randrange(3)
        wpc = [w0, 4 // w0]
        order = rng.choice(([1, 0], [0, 1]))
        shape = [rng.choice((16, 32, 64, 128)), rng.choice((16, 32, 64, 128))]
        add(blk(spt, tpw, wpc, order), shape, 4, bits, colmajor=rng.random() < 0.3, div16=rng.random() < 0.8)
    # repetitions carry the contiguity: Triton orders by the register bases, not the attribute
    for spt, tpw, wpc, order, shape, colmajor in (
        ([1, 1], [32, 1], [4, 1], [0, 1], [128, 64], False),
        ([1, 1], [1, 32], [1, 4], [1, 0], [64, 128], True),
        ([2, 1], [32, 1], [4, 1], [1, 0], [256, 64], True),
        ([1, 2], [32, 1], [2, 2], [0, 1], [64, 64], False),
    ):
        for bits in (16, 32):
            add(blk(spt, tpw, wpc, order), shape, 4, bits, colmajor=colmajor)
    # the paper's Table 3 tile: [512, 2], every element width, a blocked and a linear layout
    for bits in (8, 16, 32):
        add(blk([1, 2], [32, 1], [4, 1], [1, 0]), [512, 2], 4, bits)
        add(blk([8, 2], [32, 1], [2, 1], [1, 0]), [512, 2], 2, bits)
        reg = [[0, 1], [1, 0], [2, 0], [4, 0]]
        lane = [[8 << i, 0] for i in range(5)]
        warp = [[256, 0]]
        add({"kind": "linear", "reg": reg, "lane": lane, "warp": warp, "shape": [512, 2]}, [512, 2], 2, bits)
    # MMA accumulators and dot operands, linear layouts with registers on the slower dim
    for bits in (16, 32):
        for wpc in ([2, 2], [4, 1]):
            add({"kind": "mma", "version": [2, 0], "wpc": wpc, "instr": [16, 8]}, [64, 64], 4, bits)
            for idx in (0, 1):
                add({"kind": "dot", "idx": idx, "wpc": wpc, "kw": 2 if bits == 16 else 1}, [64, 64], 4, bits)
        add({"kind": "mma", "version": [3, 0], "wpc": [4, 1], "instr": [16, 64, 16]}, [64, 64], 4, bits)
    for bits in (16, 32):
        reg = [[1, 0], [2, 0], [0, 1], [0, 2]]
        lane = [[0, 4], [0, 8], [0, 16], [4, 0], [8, 0]]
        warp = [[16, 0], [32, 0]]
        lay = {"kind": "linear", "reg": reg, "lane": lane, "warp": warp, "shape": [64, 32]}
        add(lay, [64, 32], 4, bits)
        add(lay, [64, 32], 4, bits, colmajor=True)
    # AMD: 2D tiles with the row stride divisible by 16 or unknown
    for spt, tpw, wpc, order, colmajor in (
        ([1, 4], [8, 8], [4, 1], [1, 0], False),
        ([1, 8], [8, 8], [4, 1], [1, 0], False),
        ([4, 1], [8, 8], [1, 4], [0, 1], True),
        ([1, 16], [16, 4], [4, 1], [1, 0], False),
    ):
        for bits in (8, 16, 32):
            for div16 in (True, False):
                add(
                    blk(spt, tpw, wpc, order),
                    [64, 64],
                    4,
                    bits,
                    colmajor=colmajor,
                    div16=div16,
                    target="hip:gfx942",
                )
    # AMD
    for bits in (16, 32):
        for spt in (1, 4, 8):
            add(blk([spt], [64], [4], [0]), [2048], 4, bits, target="hip:gfx942")
        add(
            {"kind": "mfma", "instr": [32, 32, 8], "transposed": True, "wpc": [2, 2]},
            [64, 64],
            4,
            bits,
            target="hip:gfx942",
        )
        add(
            {"kind": "mfma", "instr": [32, 32, 8], "transposed": False, "wpc": [2, 2]},
            [64, 64],
            4,
            bits,
            target="hip:gfx942",
        )
    return reqs


def _run(worker: str, reqs: list[dict], out_path: str) -> None:
    """Answer ``reqs`` with ``worker`` (a script run by the oracle) and store them."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    tmp = tempfile.mkdtemp(prefix="gen_access_")
    path = os.path.join(tmp, "access_worker.py")  # @jit needs a source file
    with open(path, "w") as f:
        f.write(worker)
    p = subprocess.run(
        [TRITON_PY, path],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    got = {a["id"]: a for a in map(json.loads, filter(None, p.stdout.splitlines()))}
    if len(got) != len(reqs):
        sys.exit(f"worker stopped after {len(got)} of {len(reqs)}:\n{p.stderr[-2000:]}")
    out = []
    for r in reqs:
        rec = dict(r)
        rec.update({k: v for k, v in got[r["id"]].items() if k != "id"})
        out.append(rec)
    with open(out_path, "w") as f:
        f.write('{"triton": "3.9.0", "generator": "tests/tools/gen_access_cases.py", "cases": [\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in out))
        f.write("\n]}\n")
    errors = [r for r in out if "error" in r]
    print(f"{os.path.basename(out_path)}: {len(out)} cases, {len(errors)} errors")
    for e in errors[:5]:
        print(e["id"], e["error"])


def main() -> None:
    rng = random.Random(SEED)
    if "--coalesce-only" not in sys.argv:
        _run(WORKER, _requests(rng), DEFAULT_OUT)
    _run(COALESCE_WORKER, _coalesce_requests(random.Random(SEED + 1)), COALESCE_OUT)


if __name__ == "__main__":
    main()
