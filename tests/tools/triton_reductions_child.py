"""Run with triton 3.9.0's interpreter: compile reduction/scan kernels, count their lowering.

Reads a JSON list of cases on stdin (see ``benchmarks/reductions.py``), writes one JSON object
per case (after ``@@JSON@@``): the layout's bases as Triton's ``toLinearLayout`` gives them, and
the shuffle, shared-memory, barrier and scratch counts of the PTX / AMDGCN.
"""

import json
import os
import re
import sys

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
import triton  # noqa: E402
from triton._C.libtriton import amd, gluon_ir, ir, nvidia  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.experimental import gluon  # noqa: E402
from triton.experimental.gluon import language as ttgl  # noqa: E402
from triton.experimental.gluon._runtime import GluonASTSource  # noqa: E402
from triton.experimental.gluon.language.amd import AMDMFMALayout, AMDWMMALayout  # noqa: E402


@gluon.jit
def _amax(v1, i1, v2, i2):
    tie = (v1 == v2) & (i1 < i2)
    gt = (v1 > v2) | tie
    return ttgl.where(gt, v1, v2), ttgl.where(gt, i1, i2)


@gluon.jit
def _amin(v1, i1, v2, i2):
    tie = (v1 == v2) & (i1 < i2)
    lt = (v1 < v2) | tie
    return ttgl.where(lt, v1, v2), ttgl.where(lt, i1, i2)


@gluon.jit
def _mx(a, b):
    return ttgl.maximum(a, b)


@gluon.jit
def kern(
    x_ptr,
    y_ptr,
    i_ptr,
    M: ttgl.constexpr,
    N: ttgl.constexpr,
    L: ttgl.constexpr,
    AXIS: ttgl.constexpr,
    OP: ttgl.constexpr,
    REV: ttgl.constexpr,
):
    om = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, L))
    on = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, L))
    offs = om[:, None] * N + on[None, :]
    x = ttgl.load(x_ptr + offs)
    if OP == "cumsum":
        ttgl.store(y_ptr + offs, ttgl.cumsum(x, AXIS, reverse=REV))
    elif OP == "cummax":
        ttgl.store(y_ptr + offs, ttgl.associative_scan(x, AXIS, _mx, reverse=REV))
    elif OP == "softmax":
        m = ttgl.max(x, 1)
        e = ttgl.exp(x - m[:, None])
        s = ttgl.sum(e, 1)
        ttgl.store(y_ptr + offs, e / s[:, None])
    elif OP == "layernorm":
        mean = ttgl.sum(x, 1) / N
        d = x - mean[:, None]
        var = ttgl.sum(d * d, 1) / N
        ttgl.store(y_ptr + offs, d * ttgl.rsqrt(var + 1e-5)[:, None])
    elif OP == "rmsnorm":
        ss = ttgl.sum(x * x, 1) / N
        ttgl.store(y_ptr + offs, x * ttgl.rsqrt(ss + 1e-5)[:, None])
    else:
        if OP == "sum":
            r = ttgl.sum(x, AXIS)
        elif OP == "max":
            r = ttgl.max(x, AXIS)
        elif OP == "min":
            r = ttgl.min(x, AXIS)
        else:
            if AXIS == 1:
                idx = om[:, None] * 0 + on[None, :]
            else:
                idx = om[:, None] + on[None, :] * 0
            if OP == "argmax":
                r, ri = ttgl.reduce((x, idx), AXIS, _amax)
            else:
                r, ri = ttgl.reduce((x, idx), AXIS, _amin)
            if AXIS == 1:
                ttgl.store(i_ptr + om, ri)
            else:
                ttgl.store(i_ptr + on, ri)
        if AXIS == 1:
            ttgl.store(y_ptr + om, r)
        else:
            ttgl.store(y_ptr + on, r)


def layout(spec):
    k = spec["kind"]
    if k == "blocked":
        return ttgl.BlockedLayout(spec["spt"], spec["tpw"], spec["wpc"], spec["order"])
    if k == "slice":
        return ttgl.SliceLayout(spec["dim"], layout(spec["parent"]))
    if k == "mma":
        return ttgl.NVMMADistributedLayout(spec["version"], spec["warps"], spec["instr"])
    if k == "dot":
        return ttgl.DotOperandLayout(spec["op"], layout(spec["parent"]), spec["k_width"])
    if k == "mfma":
        return AMDMFMALayout(spec["version"], spec["instr"], spec["transposed"], spec["warps"])
    if k == "wmma":
        return AMDWMMALayout(spec["version"], spec["transposed"], spec["warp_bases"])
    if k == "linear":
        b = spec["bases"]
        return ttgl.DistributedLinearLayout(
            b["register"], b["lane"], b["warp"], b.get("block", []), spec["shape"]
        )
    raise ValueError(k)


def bases_of(lay, shape):
    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amd.load_dialects(ctx)
    b = gluon_ir.GluonOpBuilder(ctx, "")
    ll = b.to_linear_layout(lay._to_ir(b), list(shape))
    return {"register": ll.reg_bases, "lane": ll.lane_bases, "warp": ll.warp_bases, "block": ll.block_bases}


SHFL_NV = ("shfl.sync", "redux.sync")
AMD_SHFL = re.compile(r"^(ds_bpermute|ds_swizzle|v_permlane|v_readlane|\S*_dpp)")


def count(asm, nv):
    c = dict(shfl=0, redux=0, st=0, ld=0, bar=0)
    for line in asm.splitlines():
        s = re.sub(r"^@!?%\w+\s+", "", line.strip())
        op = s.split(" ")[0].split("\t")[0]
        if nv:
            if op.startswith("shfl.sync"):
                c["shfl"] += 1
            elif op.startswith("redux.sync"):
                c["redux"] += 1
            elif op.startswith(("st.shared", "stmatrix")):
                c["st"] += 1
            elif op.startswith(("ld.shared", "ldmatrix")):
                c["ld"] += 1
            elif op.startswith(("bar.sync", "barrier.sync", "bar.warp.sync", "barrier.cluster")):
                c["bar"] += 1
        else:
            if AMD_SHFL.match(op) or "row_" in s or "quad_perm" in s:
                c["shfl"] += 1
            elif op.startswith(("ds_write", "ds_store")):
                c["st"] += 1
            elif op.startswith(("ds_read", "ds_load")):
                c["ld"] += 1
            elif op.startswith("s_barrier"):
                c["bar"] += 1
    return c


def run(case):
    shape = case["shape"]
    lay = layout(case["layout"])
    rec = {"name": case["name"], "bases": bases_of(lay, shape)}
    dt = case["dtype"]
    sig = {
        "x_ptr": "*" + dt,
        "y_ptr": "*" + dt,
        "i_ptr": "*i32",
        "M": "constexpr",
        "N": "constexpr",
        "L": "constexpr",
        "AXIS": "constexpr",
        "OP": "constexpr",
        "REV": "constexpr",
    }
    arch, _, chip = case["target"].partition(":")
    nv = arch == "cuda"
    tgt = GPUTarget("cuda", int(chip), 32) if nv else GPUTarget("hip", chip, 64)
    src = GluonASTSource(
        kern,
        sig,
        constexprs={
            "M": shape[0],
            "N": shape[1],
            "L": lay,
            "AXIS": case["axis"],
            "OP": case["op"],
            "REV": case.get("reverse", False),
        },
        attrs={},
    )
    k = triton.compile(src, target=tgt, options={"num_warps": case["num_warps"]})
    asm = k.asm["ptx"] if nv else k.asm["amdgcn"]
    rec.update(count(asm, nv), smem=int(k.metadata.shared), ok=True)
    return rec


out = []
for case in json.load(sys.stdin):
    try:
        out.append(run(case))
    except Exception as e:  # a refused kernel is a result too
        out.append({"name": case["name"], "ok": False, "error": f"{type(e).__name__}: {str(e)[:300]}"})
sys.stdout.write("@@JSON@@" + json.dumps(out))
sys.stdout.flush()
os.close(2)
