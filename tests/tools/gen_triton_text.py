"""Collect Triton 3.9.0's printed layout text (and its LinearLayouts) as test data.

Run with the oracle interpreter from the repository root::

    /tmp/tritonvenv/bin/python tests/tools/gen_triton_text.py            # both files
    /tmp/tritonvenv/bin/python tests/tools/gen_triton_text.py --cases    # samples only
    /tmp/tritonvenv/bin/python tests/tools/gen_triton_text.py --ttgir    # TTGIR dumps only
    /tmp/tritonvenv/bin/python tests/tools/gen_triton_text.py --canonical  # Triton's re-printing

Writes

* ``tests/data/triton_text_samples.json``: for random Gluon layouts of every
  family, the attribute text exactly as Triton prints it (``str()`` of the
  tensor / memdesc type built with the attribute, the attribute cut out of it)
  and the layout ``b.to_linear_layout(attr, shape)`` returns (``ll`` is null
  where Triton has no linear layout, e.g. padded_shared);
* ``tests/data/triton_text_canonical.json``: hand-written (non-canonical: reordered
  fields, defaults spelled out, no spaces) attribute text and Triton's own re-printing
  of it after parsing it in a module (``ir.parse_mlir_module``), or Triton's error;
* ``tests/data/triton_text_ttgir.json``: TTGIR dumps of small Gluon kernels
  compiled with ``triton.compile`` for cuda:80, cuda:90, cuda:100 and gfx942 (no GPU needed).

Each case runs in a child interpreter; a case that aborts Triton's C++ kills only
that child and is left out (counted in ``meta.crashed``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

CHILD = r'''
import json, sys, os
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
import triton.experimental.gluon.language as ttgl
from triton.experimental.gluon.language import amd as tamd
from triton.experimental.gluon.language.amd import cdna5
from triton.experimental.gluon.language.nvidia import blackwell as bw
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
TY = {"f16": b.get_half_ty(), "f32": b.get_float_ty(), "i8": b.get_int8_ty(), "f64": b.get_double_ty()}

def cut_attr(s):
    """The first attribute after the element type in 'tensor<...>' / '!ttg.memdesc<...>'."""
    i = s.index(", #") + 2
    depth = 0
    for j in range(i, len(s)):
        c = s[j]
        if c in "<{[(":
            depth += 1
        elif c in ">}])":
            if depth == 0:
                return s[i:j]
            depth -= 1
        elif c == "," and depth == 0:
            return s[i:j]
    raise ValueError(s)

def ll_dict(r):
    n = type(r).__name__
    if n == "DistributedLinearLayout":
        return {"register": r.reg_bases, "lane": r.lane_bases, "warp": r.warp_bases, "block": r.block_bases}
    if n == "SharedLinearLayout":
        return {"offset": r.offset_bases, "block": r.block_bases}
    if n == "_TensorMemoryLinearLayout":
        return {"row": r.rows, "col": r.cols}
    raise TypeError(n)

cases = json.load(open(sys.argv[1]))
start = int(sys.argv[2])
for c in cases[start:]:
    print("START", c["i"], flush=True)
    out = {"i": c["i"]}
    try:
        L = eval(c["expr"])
        a = L._to_ir(b)
        ty = TY[c.get("elem", "f16")]
        if c["kind"] == "d":
            s = str(b.get_distributed_ty(ty, c["shape"], a))
        elif c["kind"] == "s":
            s = str(b.get_shared_mem_desc_ty(ty, c["shape"], a, c["shape"]))
        else:
            s = str(b.get_tensor_mem_desc_ty(ty, c["shape"], a, c["shape"]))
        out["type"] = s
        out["text"] = cut_attr(s)
        if c.get("ll", True):
            r = b.to_linear_layout(a, c["shape"])
            out["ll"] = ll_dict(r)
            if hasattr(r, "alignment"):
                out["alignment"] = r.alignment
            if type(r).__name__ != "_TensorMemoryLinearLayout":
                # Triton's own text of the returned linear layout (for to_triton checks)
                a2 = r._to_ir(b)
                if c["kind"] == "d":
                    out["ll_text"] = cut_attr(str(b.get_distributed_ty(ty, c["shape"], a2)))
                else:
                    out["ll_text"] = cut_attr(str(b.get_shared_mem_desc_ty(ty, c["shape"], a2, c["shape"])))
        else:
            out["ll"] = None
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"[:300]
    print("RESULT " + json.dumps(out), flush=True)
'''


def run_cases(cases: list[dict], python: str = sys.executable) -> tuple[list[dict], int]:
    """Run every case in child interpreters, restarting after a crash."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cases, f)
        path = f.name
    results: dict[int, dict] = {}
    crashed = 0
    start = 0
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    while start < len(cases):
        p = subprocess.Popen([python, "-c", CHILD, path, str(start)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
        current = None
        for line in p.stdout:
            if line.startswith("START "):
                current = int(line.split()[1])
            elif line.startswith("RESULT "):
                r = json.loads(line[7:])
                results[r["i"]] = r
                current = None
        p.wait()
        if current is None:
            break
        crashed += 1
        results[current] = {"i": current, "crash": True}
        start = next(k for k, c in enumerate(cases) if c["i"] == current) + 1
    os.unlink(path)
    return [results.get(c["i"], {"crash": True}) for c in cases], crashed


# ---------------------------------------------------------------- parameter grids

def pow2s(lo: int, hi: int) -> list[int]:
    out, v = [], 1
    while v <= hi:
        if v >= lo:
            out.append(v)
        v *= 2
    return out


def split_pow2(rng: random.Random, total: int, rank: int) -> list[int]:
    """Random powers of two, one per dim, whose product is ``total``."""
    parts = [1] * rank
    while total > 1:
        parts[rng.randrange(rank)] *= 2
        total //= 2
    return parts


def rand_cga(rng: random.Random, rank: int, max_bits: int = 2) -> list[list[int]]:
    nbits = rng.choice([0, 0, 1, max_bits])
    seen: dict[int, int] = {}
    bases = []
    for _ in range(nbits):
        if rng.random() < 0.15:
            bases.append([0] * rank)
            continue
        d = rng.randrange(rank)
        seen[d] = seen.get(d, 0) + 1
        v = [0] * rank
        v[d] = 1 << (seen[d] - 1)
        bases.append(v)
    return bases


def rand_shape(rng: random.Random, rank: int, lo: int = 1, hi: int = 128,
               max_total: int = 1 << 14) -> list[int]:
    while True:
        s = [rng.choice(pow2s(lo, hi)) for _ in range(rank)]
        tot = 1
        for x in s:
            tot *= x
        if tot <= max_total:
            return s


def perm(rng: random.Random, n: int) -> list[int]:
    p = list(range(n))
    rng.shuffle(p)
    return p


def blocked_expr(rng: random.Random, rank: int, warp: int = 32, cga: bool = True) -> str:
    spt = [rng.choice([1, 1, 2, 4, 8]) for _ in range(rank)]
    tpw = split_pow2(rng, warp, rank)
    wpc = split_pow2(rng, rng.choice([1, 2, 4, 8]), rank)
    cg = rand_cga(rng, rank) if cga else []
    return f"ttgl.BlockedLayout({spt}, {tpw}, {wpc}, {perm(rng, rank)}, cga_layout={cg})"


def mma_expr(rng: random.Random, rank: int = 2, cga: bool = True) -> tuple[str, int]:
    version = rng.choice([2, 2, 3])
    cg = rand_cga(rng, rank) if cga else []
    if version == 2:
        wpc = split_pow2(rng, rng.choice([1, 2, 4, 8]), rank)
        instr = [16, 8] if rank == 2 else [1, 16, 8]
    else:
        rank = 2
        cg = rand_cga(rng, 2) if cga else []
        wpc = [4 * rng.choice([1, 2]), rng.choice([1, 2])]
        instr = [16, rng.choice([8, 16, 32, 64, 128, 256]), 16]
    return (f"ttgl.NVMMADistributedLayout(version=[{version}, 0], warps_per_cta={wpc}, "
            f"instr_shape={instr}, cga_layout={cg})"), version


def mfma_expr(rng: random.Random, rank: int = 2) -> str:
    version = rng.choice([1, 2, 3, 4])
    m = rng.choice([32, 16])
    k = {32: [8, 16], 16: [16, 32]}[m]
    instr = [m, m, rng.choice(k)]
    if rank == 3:
        wpc = [rng.choice([1, 2])] + split_pow2(rng, rng.choice([1, 2, 4]), 2)
    else:
        wpc = split_pow2(rng, rng.choice([1, 2, 4, 8]), 2)
    tr = rng.choice([True, False])
    extra = ""
    if version == 4 and rng.random() < 0.5:
        extra += f", element_bitwidth={rng.choice([32, 64])}"
    if rng.random() < 0.3 and rank == 2:
        extra += f", tiles_per_warp={split_pow2(rng, rng.choice([1, 2, 4]), 2)}"
    cg = rand_cga(rng, rank, 1)
    return f"tamd.AMDMFMALayout({version}, {instr}, {tr}, {wpc}{extra}, cga_layout={cg})"


def wmma_expr(rng: random.Random) -> str:
    version = rng.choice([1, 2, 3])
    tr = rng.choice([True, False])
    nw = rng.choice([0, 1, 2, 3])
    warp_bases = []
    used = [0, 0]
    for _ in range(nw):
        d = rng.randrange(2)
        v = [0, 0]
        v[d] = 1 << used[d]
        used[d] += 1
        warp_bases.append(v)
    reg = ""
    if rng.random() < 0.4:
        d = rng.randrange(2)
        v = [0, 0]
        v[d] = 1 << used[d]
        reg = f", reg_bases=[{v}]"
    instr = ""
    if version == 3 and rng.random() < 0.5:
        instr = f", instr_shape=[16, 16, {rng.choice([32, 64, 128])}]"
    cga = f", cga_layout={rand_cga(rng, 2, 1)}" if rng.random() < 0.3 else ""
    return f"tamd.AMDWMMALayout({version}, {tr}, {warp_bases}{reg}{instr}{cga})"


def random_invertible_bases(rng: random.Random, shape: list[int], mix: bool = True) -> list[list[int]]:
    """Offset bases of a random bijection onto ``shape`` (unit vectors, optionally xor-mixed)."""
    units = []
    for d, s in enumerate(shape):
        for k in range(s.bit_length() - 1):
            v = [0] * len(shape)
            v[d] = 1 << k
            units.append(v)
    rng.shuffle(units)
    if mix:  # add earlier bases into later ones: still a bijection
        for i in range(1, len(units)):
            if rng.random() < 0.3:
                j = rng.randrange(i)
                units[i] = [a ^ b for a, b in zip(units[i], units[j])]
    return units


def linear_expr(rng: random.Random, rank: int) -> tuple[str, list[int]]:
    """A random #ttg.linear layout: Triton's verifier wants register, lane and block bases
    that move in at most one dim (only warp bases may be xor-mixed), and surjectivity."""
    shape = rand_shape(rng, rank, 1, 64, 1 << 12)
    bases = random_invertible_bases(rng, shape, mix=False)
    while len(bases) < 5:  # pad to 5 lane bits with zero (broadcast) bases
        bases.insert(rng.randrange(len(bases) + 1), [0] * rank)
    nl = 5
    nw = rng.randrange(0, max(1, len(bases) - nl) + 1)
    lane_pos = sorted(rng.sample(range(len(bases)), nl))
    rest = [b for i, b in enumerate(bases) if i not in lane_pos]
    lane = [bases[i] for i in lane_pos]
    warp = rest[:nw]
    reg = rest[nw:]
    for i in range(len(warp)):  # xor-mix warp bases with earlier bases: still a bijection
        if rng.random() < 0.4:
            other = rng.choice(reg + lane + warp[:i]) if (reg or lane or i) else [0] * rank
            warp[i] = [a ^ b for a, b in zip(warp[i], other)]
    block = [[0] * rank] if rng.random() < 0.2 else []
    return (f"ttgl.DistributedLinearLayout(reg_bases={reg}, lane_bases={lane}, warp_bases={warp}, "
            f"block_bases={block}, shape={shape})"), shape


def gen_cases(seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    cases: list[dict] = []

    def add(family: str, expr: str, shape: list[int], kind: str, elem: str = "f16", ll: bool = True):
        cases.append({"i": len(cases), "family": family, "expr": expr, "shape": shape, "kind": kind,
                      "elem": elem, "ll": ll})

    for _ in range(150):
        rank = rng.choice([1, 2, 2, 3])
        add("blocked", blocked_expr(rng, rank, rng.choice([32, 32, 64])), rand_shape(rng, rank), "d")
    for _ in range(120):
        rank = rng.choice([2, 2, 3])
        which = rng.choice(["blocked", "mma", "dot"])
        if which == "blocked":
            parent = blocked_expr(rng, rank)
        elif which == "mma":
            parent, _ = mma_expr(rng, rank)
        else:
            mma, v = mma_expr(rng, 2, cga=False)
            op = 0 if v == 3 else rng.choice([0, 1])
            parent = f"ttgl.DotOperandLayout({op}, {mma}, {rng.choice([1, 2, 4])})"
            rank = 2
        dim = rng.randrange(rank)
        shape = rand_shape(rng, rank - 1, 1, 128)
        add("slice", f"ttgl.SliceLayout({dim}, {parent})", shape, "d")
    for _ in range(100):
        rank = rng.choice([1, 2, 3])
        expr, shape = linear_expr(rng, rank)
        if rng.random() < 0.3:  # Triton's toLinearLayout fits the layout to another shape too
            shape = [max(1, s * rng.choice([1, 2, 1 / 2])) for s in shape]
            shape = [int(s) for s in shape]
        add("linear", expr, shape, "d")
    for _ in range(120):
        rank = rng.choice([2, 2, 3])
        expr, _ = mma_expr(rng, rank)
        add("nvidia_mma", expr, rand_shape(rng, len(eval_rank(expr)), 16, 256, 1 << 15), "d")
    for _ in range(150):
        kind = rng.choice(["mma", "mma", "blocked", "mfma", "wmma"])
        if kind == "mma":
            mma, v = mma_expr(rng, 2, cga=rng.random() < 0.3)
            op = 0 if v == 3 else rng.choice([0, 1])
            expr = f"ttgl.DotOperandLayout({op}, {mma}, {rng.choice([1, 2, 4, 8])})"
        elif kind == "blocked":
            expr = f"ttgl.DotOperandLayout({rng.choice([0, 1])}, {blocked_expr(rng, 2)}, 0)"
        elif kind == "mfma":
            kw = rng.choice([1, 2, 4, 8, 16])
            expr = f"ttgl.DotOperandLayout({rng.choice([0, 1])}, {mfma_expr(rng)}, {kw})"
        else:
            kw = rng.choice([2, 4, 8, 16])
            expr = f"ttgl.DotOperandLayout({rng.choice([0, 1])}, {wmma_expr(rng)}, {kw})"
        add("dot_op", expr, rand_shape(rng, 2, 16, 256, 1 << 15), "d")
    for _ in range(100):
        rank = rng.choice([2, 2, 3])
        expr = mfma_expr(rng, rank)
        add("amd_mfma", expr, rand_shape(rng, rank, 16, 256, 1 << 15), "d")
    for _ in range(80):
        add("amd_wmma", wmma_expr(rng), rand_shape(rng, 2, 16, 128), "d")
    for _ in range(120):
        rank = rng.choice([1, 2, 2, 3])
        vec, pp, mp = rng.choice([1, 2, 4, 8]), rng.choice([1, 2, 4]), rng.choice([1, 2, 4, 8])
        cg = rand_cga(rng, rank)
        expr = f"ttgl.SwizzledSharedLayout({vec}, {pp}, {mp}, {perm(rng, rank)}, cga_layout={cg})"
        add("swizzled_shared", expr, rand_shape(rng, rank, 1, 128), "s")
    for _ in range(150):
        rank = rng.choice([2, 2, 3])
        sw = rng.choice([0, 32, 64, 128])
        bw_ = rng.choice([8, 16, 32, 64] if sw else [8, 16, 32])
        tr = rng.choice([False, True])
        fp4 = sw == 128 and bw_ == 8 and rng.random() < 0.3
        elem = {8: "i8", 16: "f16", 32: "f32", 64: "f64"}[bw_]
        expr = (f"ttgl.NVMMASharedLayout(swizzle_byte_width={sw}, element_bitwidth={bw_}, rank={rank}, "
                f"transposed={tr}, fp4_padded={fp4}, cga_layout={rand_cga(rng, rank)})")
        shape = rand_shape(rng, rank, 8, 128, 1 << 15)
        contig = 0 if tr else rank - 1
        shape[contig] = max(shape[contig], (sw or 32) * 8 // bw_, 8)
        add("nvmma_shared", expr, shape, "s", elem)
    for _ in range(80):
        rank = rng.choice([1, 2, 3])
        shape = rand_shape(rng, rank, 1, 64, 1 << 12)
        off = random_invertible_bases(rng, shape)
        blk = [[0] * rank] if rng.random() < 0.2 else []
        al = rng.choice([16, 16, 128, 1024])
        add("shared_linear", f"ttgl.SharedLinearLayout({off}, {blk}, {al})", shape, "s")
    for _ in range(40):
        rank = rng.choice([1, 2, 2])
        shape = rand_shape(rng, rank, 8, 128)
        n_pairs = rng.choice([1, 2])
        pairs = sorted({(rng.choice([32, 64, 128, 256]), rng.choice([1, 2, 4, 8])) for _ in range(n_pairs)})
        pairs = [list(p) for p in dict(pairs).items()]
        if rng.random() < 0.5:
            expr = f"ttgl.PaddedSharedLayout.with_identity_for({pairs}, {shape}, {perm(rng, rank)})"
        else:
            off = random_invertible_bases(rng, shape, mix=False)  # verifier: no swizzled bases
            expr = f"ttgl.PaddedSharedLayout({pairs}, {off}, [], {shape})"
        add("padded_shared", expr, shape, "s", ll=False)
    for _ in range(30):
        inner = (f"ttgl.SwizzledSharedLayout({rng.choice([1, 2, 4])}, 1, {rng.choice([1, 2, 4])}, [1, 0])"
                 if rng.random() < 0.6 else
                 "ttgl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=16, rank=2)")
        pd = rng.choice([0, 1])
        expr = f"cdna5.PartitionedSharedLayout({rng.choice([2, 4])}, {rng.choice([1, 2])}, {pd}, {inner})"
        add("partitioned_shared", expr, rand_shape(rng, 2, 64, 256, 1 << 16), "s", ll=False)
    for _ in range(100):
        m = rng.choice([64, 128])
        n = rng.choice([8, 16, 32, 64, 128, 256])
        elem = rng.choice(["f32", "f16", "i8"])
        cs = rng.choice({"f32": [1], "f16": [1, 2], "i8": [1, 2, 4]}[elem])
        two = rng.random() < 0.2
        cg = [[1, 0]] if two else rand_cga(rng, 2, 1)
        fp4 = elem == "i8" and rng.random() < 0.2
        expr = f"bw.TensorMemoryLayout(({m}, {n}), {cs}, cga_layout={cg}, two_ctas={two}, fp4_padded={fp4})"
        add("tensor_memory", expr, [rng.choice([64, 128, 256]), rng.choice([8, 32, 64, 128, 256])], "t", elem)
    for _ in range(15):
        cg = rand_cga(rng, 2, 1)
        add("tensor_memory_scales", f"bw.TensorMemoryScalesLayout(cga_layout={cg})",
            [rng.choice([128, 256]), rng.choice([4, 8, 16])], "t", "i8")
    return cases


def eval_rank(expr: str) -> list[int]:
    """The rank of an nvidia mma expression, from its warps_per_cta."""
    i = expr.index("warps_per_cta=") + len("warps_per_cta=")
    return json.loads(expr[i : expr.index("]", i) + 1])


# ---------------------------------------------------------------- TTGIR dumps

KERNELS = r'''
import os, json, sys
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
import triton
from triton.backends.compiler import GPUTarget
from triton.experimental import gluon
from triton.experimental.gluon import language as ttgl
from triton.experimental.gluon._runtime import GluonASTSource

which = sys.argv[1]

if which == "cuda80_mma_v2":
    from triton.experimental.gluon.language.nvidia.ampere import mma_v2

    @gluon.jit
    def kern(a_ptr, b_ptr, c_ptr, M: ttgl.constexpr, N: ttgl.constexpr, K: ttgl.constexpr):
        BL: ttgl.constexpr = ttgl.BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0])
        BL2: ttgl.constexpr = ttgl.BlockedLayout([1, 1], [32, 1], [1, 4], [0, 1])
        MMA: ttgl.constexpr = ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2],
                                                          instr_shape=[16, 8])
        SH: ttgl.constexpr = ttgl.SwizzledSharedLayout(8, 1, 8, [1, 0])
        rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
        rk = ttgl.arange(0, K, layout=ttgl.SliceLayout(0, BL))
        rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
        rkr = ttgl.arange(0, K, layout=ttgl.SliceLayout(1, BL))
        a = ttgl.load(a_ptr + rm[:, None] * K + rk[None, :])
        b = ttgl.load(b_ptr + rkr[:, None] * N + rn[None, :])
        sa = ttgl.allocate_shared_memory(ttgl.float16, [M, K], SH, a)
        sb = ttgl.allocate_shared_memory(ttgl.float16, [K, N], SH, b)
        av = sa.load(ttgl.DotOperandLayout(0, MMA, 2))
        bv = sb.load(ttgl.DotOperandLayout(1, MMA, 2))
        acc = ttgl.zeros([M, N], ttgl.float32, MMA)
        acc = mma_v2(av, bv, acc)
        rowsum = ttgl.sum(acc, axis=1)
        c = ttgl.convert_layout(acc, BL)
        c2 = ttgl.convert_layout(c, BL2)
        rm3 = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL2))
        rn3 = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL2))
        ttgl.store(c_ptr + rm3[:, None] * N + rn3[None, :], c2.to(ttgl.float16))
        rm2 = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, MMA))
        ttgl.store(c_ptr + rm2, rowsum.to(ttgl.float16))

    sig = {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
           "M": "constexpr", "N": "constexpr", "K": "constexpr"}
    src = GluonASTSource(kern, sig, constexprs={"M": 64, "N": 64, "K": 32})
    target = GPUTarget("cuda", 80, 32)

elif which == "cuda90_nvmma_linear":
    @gluon.jit
    def kern(a_ptr, c_ptr, M: ttgl.constexpr, N: ttgl.constexpr):
        BL: ttgl.constexpr = ttgl.BlockedLayout([1, 4], [2, 16], [4, 1], [1, 0], cga_layout=[])
        LIN: ttgl.constexpr = ttgl.DistributedLinearLayout(
            reg_bases=[[0, 1], [0, 2], [16, 0], [32, 0]],
            lane_bases=[[0, 4], [0, 8], [0, 16], [1, 0], [2, 0]],
            warp_bases=[[4, 0], [8, 0]], block_bases=[], shape=[64, 32])
        NV: ttgl.constexpr = ttgl.NVMMASharedLayout(swizzle_byte_width=64, element_bitwidth=16, rank=2)
        SL: ttgl.constexpr = ttgl.SharedLinearLayout(
            offset_bases=[[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 0], [4, 0], [8, 0], [16, 0],
                          [32, 0]])
        rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
        rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
        a = ttgl.load(a_ptr + rm[:, None] * N + rn[None, :])
        s1 = ttgl.allocate_shared_memory(ttgl.float16, [M, N], NV, a)
        s2 = ttgl.allocate_shared_memory(ttgl.float16, [M, N], SL, a)
        x = s1.load(LIN)
        y = s2.load(LIN)
        z = ttgl.convert_layout(x + y, BL)
        ttgl.store(c_ptr + rm[:, None] * N + rn[None, :], z)

    sig = {"a_ptr": "*fp16", "c_ptr": "*fp16", "M": "constexpr", "N": "constexpr"}
    src = GluonASTSource(kern, sig, constexprs={"M": 64, "N": 32})
    target = GPUTarget("cuda", 90, 32)

elif which == "cuda100_tmem":
    from triton.experimental.gluon.language.nvidia import blackwell as bw

    @gluon.jit
    def kern(a_ptr, c_ptr, M: ttgl.constexpr, N: ttgl.constexpr):
        BL: ttgl.constexpr = ttgl.BlockedLayout([1, 4], [1, 32], [4, 1], [1, 0])
        TM: ttgl.constexpr = bw.TensorMemoryLayout((128, 64), 1)
        REG: ttgl.constexpr = ttgl.DistributedLinearLayout(  # tcgen05.ld 32x32b, 4 warps
            reg_bases=[[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [0, 32]],
            lane_bases=[[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]], warp_bases=[[32, 0], [64, 0]],
            block_bases=[], shape=[128, 64])
        rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
        rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
        a = ttgl.load(a_ptr + rm[:, None] * N + rn[None, :])
        t = bw.allocate_tensor_memory(ttgl.float32, [M, N], TM, ttgl.convert_layout(a, REG))
        x = t.load(REG)
        ttgl.store(c_ptr + rm[:, None] * N + rn[None, :], ttgl.convert_layout(x, BL))

    sig = {"a_ptr": "*fp32", "c_ptr": "*fp32", "M": "constexpr", "N": "constexpr"}
    src = GluonASTSource(kern, sig, constexprs={"M": 128, "N": 64})
    target = GPUTarget("cuda", 100, 32)

elif which == "gfx942_mfma":
    from triton.experimental.gluon.language import amd as tamd

    @gluon.jit
    def kern(a_ptr, b_ptr, c_ptr, M: ttgl.constexpr, N: ttgl.constexpr, K: ttgl.constexpr):
        BL: ttgl.constexpr = ttgl.BlockedLayout([1, 8], [8, 8], [4, 1], [1, 0])
        MF: ttgl.constexpr = tamd.AMDMFMALayout(3, [32, 32, 8], True, [2, 2])
        SH: ttgl.constexpr = ttgl.SwizzledSharedLayout(4, 2, 4, [1, 0])
        rm = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
        rk = ttgl.arange(0, K, layout=ttgl.SliceLayout(0, BL))
        rn = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
        rkr = ttgl.arange(0, K, layout=ttgl.SliceLayout(1, BL))
        a = ttgl.load(a_ptr + rm[:, None] * K + rk[None, :])
        b = ttgl.load(b_ptr + rkr[:, None] * N + rn[None, :])
        sa = ttgl.allocate_shared_memory(ttgl.float16, [M, K], SH, a)
        sb = ttgl.allocate_shared_memory(ttgl.float16, [K, N], SH, b)
        av = sa.load(ttgl.DotOperandLayout(0, MF, 4))
        bv = sb.load(ttgl.DotOperandLayout(1, MF, 4))
        acc = ttgl.zeros([M, N], ttgl.float32, MF)
        acc = tamd.cdna3.mfma(av, bv, acc)
        c = ttgl.convert_layout(acc, BL)
        ttgl.store(c_ptr + rm[:, None] * N + rn[None, :], c.to(ttgl.float16))

    sig = {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
           "M": "constexpr", "N": "constexpr", "K": "constexpr"}
    src = GluonASTSource(kern, sig, constexprs={"M": 64, "N": 64, "K": 32})
    target = GPUTarget("hip", "gfx942", 64)

k = triton.compile(src, target=target)
rec = {"name": which, "target": f"{target.backend}:{target.arch}", "ttgir": k.asm["ttgir"]}
print("TTGIR-JSON " + json.dumps(rec))
'''

# ---------------------------------------------------------------- canonical printing of parsed text

#: hand-written (often non-canonical) attribute text, kind (d/s/t), shape, element type
CANONICAL_INPUTS = [
    ("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0], "
     "CGALayout = []}>", "d", [64, 64], "f16"),
    ("#ttg.blocked<{order=[1,0],sizePerThread=[1,4],warpsPerCTA=[2,2],threadsPerWarp=[4,8],"
     "CGALayout=[[1,0],[0,1]]}>", "d", [64, 64], "f16"),
    ("#ttg.blocked<{sizePerThread = [2], threadsPerWarp = [64], warpsPerCTA = [8], order = [0]}>",
     "d", [1024], "f16"),
    ("#ttg.amd_mfma<{version = 3, warpsPerCTA = [2, 2], instrShape = [32, 32, 8], isTransposed = true, "
     "tilesPerWarp = [1, 1], elementBitWidth = 32}>", "d", [64, 64], "f16"),
    ("#ttg.amd_mfma<{version = 4, warpsPerCTA = [4, 1], instrShape = [16, 16, 32], isTransposed = false, "
     "tilesPerWarp = [2, 2], elementBitWidth = 64}>", "d", [64, 64], "f16"),
    ("#ttg.nvmma_shared<{swizzlingByteWidth = 128, elementBitWidth = 16}>", "s", [64, 64], "f16"),
    ("#ttg.nvmma_shared<{swizzlingByteWidth = 64, transposed = true, elementBitWidth = 16, "
     "fp4Padded = false}>",
     "s", [64, 64], "f16"),
    ("#ttg.nvmma_shared<{swizzlingByteWidth = 32, transposed = false, elementBitWidth = 16, rank = 3}>",
     "s", [4, 64, 64], "f16"),
    ("#ttg.nvmma_shared<{swizzlingByteWidth = 128, elementBitWidth = 16, CGALayout = [[0, 1, 0]]}>",
     "s", [2, 64, 64], "f16"),
    ("#ttg.swizzled_shared<{order = [1, 0], vec = 8, perPhase = 1, maxPhase = 8}>", "s", [64, 64], "f16"),
    ("#ttg.amd_rotating_shared<{vec = 4, perPhase = 2, maxPhase = 4, order = [1, 0]}>", "s", [64, 64], "f16"),
    ("#ttg.amd_rotating_shared<{vec = 8, perPhase = 1, maxPhase = 16, order = [0, 1], CGALayout = [[1, 0]]}>",
     "s", [64, 64], "f16"),
    ("#ttg.amd_rotating_shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0]}>", "s", [2, 32, 32],
     "f16"),
    ("#ttg.shared_linear<{offset = [[0, 1], [0, 2], [1, 0], [2, 0]], block = []}, alignment = 16>",
     "s", [4, 4], "f16"),
    ("#ttg.padded_shared<[32:+4] {offset = [[0, 1], [0, 2], [0, 4], [1, 0], [2, 0]], block = []}>",
     "s", [4, 8], "f16"),
    ("#ttg.padded_shared<[16:+2, 64:+4] {order = [0, 1], shape = [8, 16]}>", "s", [8, 16], "f16"),
    ("#ttg.linear<{register = [[0, 1]], lane = [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], warp = [[8, 0]], "
     "block = []}>", "d", [16, 8], "f16"),
    ("#ttg.generic_linear<{register = [[0, 1]], lane = [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], "
     "warp = [[8, 1]], block = []}>", "d", [16, 8], "f16"),
    ("#ttg.generic_linear<{register = [[0, 1]], lane = [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], "
     "warp = [[8, 0]], block = []}>", "d", [16, 8], "f16"),
    ("#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8], "
     "CGALayout = [[1, 0]]}>", "d", [64, 64], "f16"),
    ("#ttg.nvidia_mma<{versionMajor = 3, versionMinor = 0, warpsPerCTA = [4, 2], "
     "instrShape = [16, 128, 16]}>",
     "d", [128, 256], "f16"),
    ("#ttg.dot_op<{opIdx = 0, parent = #ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], "
     "warpsPerCTA = [2, 2], order = [1, 0]}>, kWidth = 0}>", "d", [32, 32], "f16"),
    ("#ttg.dot_op<{opIdx = 1, parent = #ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], "
     "warpsPerCTA = [2, 2], order = [1, 0]}>}>", "d", [32, 32], "f16"),
    ("#ttg.dot_op<{opIdx = 1, parent = #ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, "
     "warpsPerCTA = [2, 2], instrShape = [16, 8]}>, kWidth = 4}>", "d", [64, 64], "f16"),
    ("#ttg.slice<{dim = 1, parent = #ttg.slice<{dim = 0, parent = #ttg.blocked<{sizePerThread = [1, 1, 4], "
     "threadsPerWarp = [2, 2, 8], warpsPerCTA = [1, 2, 2], order = [2, 1, 0]}>}>}>", "d", [64], "f16"),
    ("#ttng.tensor_memory_encoding<blockM = 128, blockN = 64, colStride = 1, twoCTAs = false, "
     "fp4Padded = false>", "t", [128, 128], "f32"),
    ("#ttng.tensor_memory_encoding<colStride = 1, blockN = 64, blockM = 64>", "t", [64, 64], "f32"),
    ("#ttng.tensor_memory_scales_encoding<CGALayout = []>", "t", [128, 4], "i8"),
    ("#ttng.tensor_memory_scales_encoding<>", "t", [128, 8], "i8"),
    ("#ttg.amd_wmma<{version = 2, isTranspose = false, ctaLayout = {warp = [[0, 1], [1, 0]]}, "
     "instrShape = [16, 16, 16]}>", "d", [64, 64], "f16"),
    ("#ttg.amd_wmma<{version = 3, isTranspose = true, ctaLayout = {register = [], warp = [[1, 0]], "
     "block = []}, instrShape = [16, 16, 32]}>", "d", [64, 64], "f16"),
    ("#ttg.partitioned_shared<{numPartitions = 2, numGroups = 1, partitionDim = 1, "
     "partitionLayout = #ttg.padded_shared<[32:+4] {order = [1, 0], shape = [64, 64]}>}>",
     "s", [64, 64], "f16"),
]

CANON_CHILD = r'''
import json, sys, tempfile, re
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
attr, kind, shape, elem = json.loads(sys.argv[1])
dims = "x".join(map(str, shape))
ty = {"d": f"tensor<{dims}x{elem}, {attr}>",
      "s": f"!ttg.memdesc<{dims}x{elem}, {attr}, #ttg.shared_memory, mutable>",
      "t": f"!ttg.memdesc<{dims}x{elem}, {attr}, #ttng.tensor_memory, mutable>"}[kind]
mod = ('module attributes {"ttg.num-warps" = 4 : i32, "ttg.num-ctas" = 4 : i32, '
       '"ttg.threads-per-warp" = 32 : i32, ttg.target = "cuda:100"} {\n'
       f"  tt.func public @k(%a: {ty}) {{\n    tt.return\n  }}\n}}\n")
p = tempfile.mktemp(suffix=".ttgir")
open(p, "w").write(mod)
m = ir.parse_mlir_module(p, ctx)
text = m.str_nodebug()
arg = re.search(r"@k\((%\w+): (.*)\) \{", text).group(2)
print("CANON " + json.dumps({"module": text, "arg_type": arg}))
'''


def gen_canonical(python: str = sys.executable) -> list[dict]:
    """Triton's own printing of each hand-written attribute, parsed inside a module."""
    out = []
    for attr, kind, shape, elem in CANONICAL_INPUTS:
        r = subprocess.run([python, "-c", CANON_CHILD, json.dumps([attr, kind, shape, elem])],
                           capture_output=True, text=True)
        line = [ln for ln in r.stdout.splitlines() if ln.startswith("CANON ")]
        rec = {"input": attr, "kind": kind, "shape": shape, "elem": elem}
        if line:
            rec.update(json.loads(line[0][len("CANON "):]))
        else:
            err = [ln for ln in r.stderr.splitlines() if "error:" in ln or "ERROR" in ln]
            rec["error"] = (err[0] if err else r.stderr.strip().splitlines()[-1])[:300]
        out.append(rec)
    return out


KERNEL_NAMES = ["cuda80_mma_v2", "cuda90_nvmma_linear", "cuda100_tmem", "gfx942_mfma"]


def gen_ttgir(python: str = sys.executable) -> list[dict]:
    out = []
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1", TRITON_ALWAYS_COMPILE="1")
    for name in KERNEL_NAMES:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "kernel.py")  # a stable file name for the loc() entries
            with open(path, "w") as f:
                f.write(KERNELS)
            r = subprocess.run([python, path, name], capture_output=True, text=True, env=env, cwd=d)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("TTGIR-JSON ")]
        if not lines:
            print(f"kernel {name} failed:\n{r.stderr[-3000:]}", file=sys.stderr)
            continue
        rec = json.loads(lines[0][len("TTGIR-JSON "):])
        rec["ttgir"] = rec["ttgir"].replace(d, "/tmp/kernel_dir")
        out.append(rec)
    return out


def main(argv: list[str]) -> None:
    picked = {a for a in argv if a in ("--cases", "--ttgir", "--canonical")}
    do_cases = not picked or "--cases" in picked
    do_ttgir = not picked or "--ttgir" in picked
    do_canonical = not picked or "--canonical" in picked
    import triton

    if do_cases:
        cases = gen_cases(seed=20260)
        results, crashed = run_cases(cases)
        kept, errors = [], 0
        for c, r in zip(cases, results):
            if r.get("crash"):
                continue
            if "error" in r:
                errors += 1
                continue
            rec = {"family": c["family"], "gluon": c["expr"], "shape": c["shape"], "kind": c["kind"],
                   "elem": c["elem"], "type": r["type"], "text": r["text"], "ll": r["ll"]}
            for key in ("alignment", "ll_text"):
                if key in r:
                    rec[key] = r[key]
            kept.append(rec)
        counts: dict[str, int] = {}
        for k in kept:
            counts[k["family"]] = counts.get(k["family"], 0) + 1
        meta = {"triton": triton.__version__, "generator": "tests/tools/gen_triton_text.py", "seed": 20260,
                "tried": len(cases), "kept": len(kept), "crashed": crashed, "python_errors": errors,
                "per_family": counts}
        with open(os.path.join(DATA, "triton_text_samples.json"), "w") as f:
            json.dump({"meta": meta, "cases": kept}, f, indent=0)
        print(json.dumps(meta, indent=1))
    if do_canonical:
        canon = gen_canonical()
        with open(os.path.join(DATA, "triton_text_canonical.json"), "w") as f:
            json.dump({"meta": {"triton": triton.__version__, "generator": "tests/tools/gen_triton_text.py"},
                       "cases": canon}, f, indent=1)
        print("canonical:", sum("module" in c for c in canon), "printed,", sum("error" in c for c in canon),
              "rejected")
    if do_ttgir:
        dumps = gen_ttgir()
        with open(os.path.join(DATA, "triton_text_ttgir.json"), "w") as f:
            json.dump({"meta": {"triton": triton.__version__, "generator": "tests/tools/gen_triton_text.py"},
                       "dumps": dumps}, f, indent=1)
        print("ttgir dumps:", [d["name"] for d in dumps])


if __name__ == "__main__":
    main(sys.argv[1:])
