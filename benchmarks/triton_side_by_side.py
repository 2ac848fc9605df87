"""linlayout's conversion plans beside Triton 3.9.0's lowering of the same ``convert_layout``.

For each pair of layouts, Triton compiles a Gluon kernel ``load -> convert_layout -> store`` on
this CPU (``cuda:90`` PTX or ``hip:gfx942`` AMDGCN, no GPU needed) in a subprocess run with the
oracle interpreter (``LINLAYOUT_TRITON_PYTHON``, default ``/tmp/tritonvenv/bin/python``); we
count its data-movement instructions and read its scratch size, and print them beside
``plan_conversion`` on the same layouts.

Columns: ``shfl`` = shuffles per thread (NVIDIA ``shfl.sync``; AMD ``ds_bpermute`` + DPP +
``v_permlane``), ``st``/``ld`` = shared store/load instructions per thread (``stmatrix`` /
``ldmatrix`` marked ``m``), ``wf`` = shared-memory wavefronts per warp: linlayout's exact count
of its plan, and for Triton the bandwidth minimum its instructions need (each instruction moves
lanes x width bytes, at most ``num_banks * 4`` bytes per wavefront; ldmatrix/stmatrix .xN = N),
so Triton's real count is at least that.  ``smem`` = scratch bytes.

Run from the repository root: ``python3 benchmarks/triton_side_by_side.py [--json out.json]``
(Triton's counts are compiled once and cached in ``benchmarks/results/triton_side_by_side.json``;
targets: ``cuda:90/100/120``, ``hip:gfx942/950/1100/1200``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from linlayout.hardware.amd import AMDMFMALayout
from linlayout.hardware.blocked import BlockedLayout, SliceLayout
from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout
from linlayout.layout import LinearLayout
from linlayout.plan import plan_conversion, wavefront_bound

TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")

CHILD = r"""
import json, os, re, sys
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
import triton
from triton.experimental import gluon
from triton.experimental.gluon import language as ttgl
from triton.experimental.gluon._runtime import GluonASTSource
from triton.backends.compiler import GPUTarget

@gluon.jit
def kern(src_ptr, dst_ptr, M: ttgl.constexpr, N: ttgl.constexpr, SRC: ttgl.constexpr, DST: ttgl.constexpr):
    om = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, SRC))
    on = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, SRC))
    x = ttgl.load(src_ptr + om[:, None] * N + on[None, :])
    y = ttgl.convert_layout(x, DST)
    om2 = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, DST))
    on2 = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, DST))
    ttgl.store(dst_ptr + om2[:, None] * N + on2[None, :], y)

def lay(b, shape):
    return ttgl.DistributedLinearLayout(reg_bases=b["register"], lane_bases=b["lane"],
        warp_bases=b["warp"], block_bases=b["block"], shape=shape)

def width_nv(line):
    m = re.search(r"\.v(\d)", line)
    v = int(m.group(1)) if m else 1
    m = re.search(r"\.[bfsu](\d+)\b", line)
    return v * (int(m.group(1)) if m else 32)

def width_amd(line):
    m = re.search(r"ds_(?:write|read|store|load)(2?)(?:st64)?_[bui](\d+)", line)
    if not m:
        return 32
    return int(m.group(2)) * (2 if m.group(1) else 1)

out = []
for case in json.load(sys.stdin):
    shape = case["shape"]
    rec = {"name": case["name"], "target": case["target"]}
    try:
        src, dst = lay(case["src"], shape), lay(case["dst"], shape)
        dt = {16: "fp16", 32: "fp32", 8: "i8"}[case["elem_bits"]]
        sig = {"src_ptr": "*" + dt, "dst_ptr": "*" + dt, "M": "constexpr", "N": "constexpr",
               "SRC": "constexpr", "DST": "constexpr"}
        backend, arch = case["target"].split(":")
        nv = backend == "cuda"
        if nv:
            tgt = GPUTarget("cuda", int(arch), 32)
        else:
            tgt = GPUTarget("hip", arch, 32 if arch.startswith(("gfx11", "gfx12")) else 64)
        k = triton.compile(GluonASTSource(kern, sig, constexprs={"M": shape[0], "N": shape[1], "SRC": src,
                           "DST": dst}, attrs={}), target=tgt, options={"num_warps": case["warps"]})
        asm = k.asm["ptx"] if nv else k.asm["amdgcn"]
        lines = [l.strip() for l in asm.splitlines()]
        lanes = tgt.warp_size
        wf = 0
        c = dict(shfl=0, st=0, ld=0, stm=0, ldm=0, bar=0, sel=0)
        for l in lines:
            if nv:
                if l.startswith(("selp", "prmt")):
                    c["sel"] += 1
                elif l.startswith("shfl.sync"):
                    c["shfl"] += 1
                elif l.startswith("st.shared"):
                    c["st"] += 1; wf += max(1, lanes * width_nv(l) // 8 // 128)
                elif l.startswith("ld.shared"):
                    c["ld"] += 1; wf += max(1, lanes * width_nv(l) // 8 // 128)
                elif l.startswith("stmatrix") or l.startswith("ldmatrix"):
                    key = "stm" if l.startswith("st") else "ldm"
                    c[key] += 1
                    m = re.search(r"\.x(\d)", l); wf += int(m.group(1)) if m else 1
                elif l.startswith(("bar.sync", "barrier.sync", "bar.warp.sync")):
                    c["bar"] += 1
            else:
                if l.startswith(("v_cndmask", "v_perm_b32")):
                    c["sel"] += 1
                elif l.startswith("ds_bpermute") or "_dpp" in l.split(" ")[0] or l.startswith("v_permlane"):
                    c["shfl"] += 1
                elif l.startswith("ds_write") or l.startswith("ds_store"):
                    c["st"] += 1; wf += max(1, lanes * width_amd(l) // 8 // 128)
                elif l.startswith(("ds_read", "ds_load")) and not l.startswith("ds_read_addtid"):
                    c["ld"] += 1; wf += max(1, lanes * width_amd(l) // 8 // 128)
                elif l.startswith("s_barrier"):
                    c["bar"] += 1
        rec.update(c, wf=wf, smem=int(k.metadata.shared), ok=True)
    except Exception as e:
        rec.update(ok=False, error=f"{type(e).__name__}: {str(e)[:200]}")
    out.append(rec)
sys.stdout.write("@@JSON@@" + json.dumps(out))
os.close(2)
"""


def _lin(bases: dict, shape) -> LinearLayout:
    return LinearLayout.from_bases(bases, [(f"dim{i}", s) for i, s in enumerate(shape)])


def _swap_pair(nl: int, a: list[tuple[str, int, str, int]], shape):
    """Identity-like layouts where bits are exchanged between register and lane (shuffle tests)."""
    total = sum(s.bit_length() - 1 for s in shape)
    bits = list(range(total))
    reg = bits[: total - nl - 2]
    lane = bits[total - nl - 2 : total - 2]
    warp = bits[total - 2 :]
    src = {"register": reg, "lane": lane, "warp": warp}
    dst = {"register": list(reg), "lane": list(lane), "warp": list(warp)}
    for d1, i, d2, j in a:
        dst[d1][i], dst[d2][j] = dst[d2][j], dst[d1][i]
    logs = [s.bit_length() - 1 for s in shape]

    def mk(m):
        out = {}
        for d in ("register", "lane", "warp"):
            rows = []
            for b in m[d]:
                row = [0] * len(shape)
                k = 0
                while b >= logs[k]:
                    b -= logs[k]
                    k += 1
                row[k] = 1 << b
                rows.append(row)
            out[d] = rows
        out["block"] = []
        return _lin(out, shape)

    return mk(src), mk(dst)


def cases():
    """(name, target, src, dst, elem_bits, shape)."""
    S = [64, 64]
    nv = "cuda:90"
    bl_row = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(S)
    bl_row8 = BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]).to_linear_layout(S)
    bl_col = BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout(S)
    bl_11 = BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout(S)
    bl_22 = BlockedLayout([2, 2], [8, 4], [2, 2], [1, 0]).to_linear_layout(S)
    mma2 = NVMMADistributedLayout([2, 0], [2, 2], [16, 8]).to_linear_layout(S)
    mma2b = NVMMADistributedLayout([2, 0], [4, 1], [16, 8]).to_linear_layout(S)
    mma3 = NVMMADistributedLayout([3, 0], [4, 1], [16, 64, 16]).to_linear_layout(S)
    mma2p = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
    dot_a = DotOperandLayout(0, mma2p, 2).to_linear_layout(S)
    dot_b = DotOperandLayout(1, mma2p, 2).to_linear_layout(S)
    dot_a32 = DotOperandLayout(0, mma2p, 1).to_linear_layout(S)
    sl = SliceLayout(2, BlockedLayout([1, 1, 4], [2, 4, 4], [4, 1, 1], [2, 1, 0])).to_linear_layout(S)
    small = BlockedLayout([1, 1], [4, 8], [4, 1], [1, 0]).to_linear_layout([16, 16])
    small2 = BlockedLayout([1, 2], [8, 4], [1, 4], [1, 0]).to_linear_layout([16, 16])
    out = [
        ("blocked row [1,4] -> col [4,1]", nv, bl_row, bl_col, 16, S),
        ("blocked row [1,4] -> col [4,1]", nv, bl_row, bl_col, 32, S),
        ("blocked [1,8] -> [1,1]", nv, bl_row8, bl_11, 16, S),
        ("blocked [1,4] -> [2,2]", nv, bl_row, bl_22, 32, S),
        ("blocked [1,4] -> [1,8]", nv, bl_row, bl_row8, 16, S),
        ("mma v2 -> blocked", nv, mma2, bl_row, 16, S),
        ("mma v2 -> blocked", nv, mma2, bl_row, 32, S),
        ("mma v2 [4,1] -> blocked col", nv, mma2b, bl_col, 16, S),
        ("mma v3 -> blocked", nv, mma3, bl_row, 16, S),
        ("mma v3 -> blocked", nv, mma3, bl_row8, 32, S),
        ("blocked -> dot A (kw2)", nv, bl_row, dot_a, 16, S),
        ("blocked -> dot B (kw2)", nv, bl_row, dot_b, 16, S),
        ("blocked col -> dot A (kw1)", nv, bl_col, dot_a32, 32, S),
        ("mma v2 -> dot A", nv, mma2, dot_a, 16, S),
        ("mma v2 [2,2] -> mma v2 [4,1]", nv, mma2, mma2b, 32, S),
        ("slice(blocked3d) -> blocked", nv, sl, bl_row, 32, S),
        ("broadcast 16x16 [1,1] -> [1,2]", nv, small, small2, 32, [16, 16]),
    ]
    for name, swaps in (
        ("swap reg0<->lane0", [("register", 0, "lane", 0)]),
        ("swap reg0<->lane4", [("register", 0, "lane", 4)]),
        ("swaps reg0<->lane0, reg1<->lane1", [("register", 0, "lane", 0), ("register", 1, "lane", 1)]),
        ("3 swaps reg<->lane", [("register", i, "lane", i) for i in range(3)]),
        ("lane0<->lane3 (lane permutation)", [("lane", 0, "lane", 3)]),
        ("warp0<->lane2", [("warp", 0, "lane", 2)]),
    ):
        for eb in (16, 32):
            s, d = _swap_pair(5, swaps, S)
            out.append((name, nv, s, d, eb, S))
    amd = "hip:gfx942"
    mfma32 = AMDMFMALayout(3, [32, 32, 8], True, [2, 2]).to_linear_layout(S)
    mfma16 = AMDMFMALayout(3, [16, 16, 16], False, [2, 2]).to_linear_layout(S)
    ab_row = BlockedLayout([1, 4], [8, 8], [4, 1], [1, 0]).to_linear_layout(S)
    ab_col = BlockedLayout([4, 1], [8, 8], [1, 4], [0, 1]).to_linear_layout(S)
    ab_11 = BlockedLayout([1, 1], [1, 64], [4, 1], [1, 0]).to_linear_layout(S)
    out += [
        ("mfma32 T -> blocked", amd, mfma32, ab_row, 16, S),
        ("mfma16 -> blocked", amd, mfma16, ab_row, 32, S),
        ("blocked row -> col (w64)", amd, ab_row, ab_col, 16, S),
        ("blocked [1,4] -> [1,1] (w64)", amd, ab_row, ab_11, 32, S),
    ]
    for name, swaps in (
        ("w64 swap reg0<->lane0", [("register", 0, "lane", 0)]),
        ("w64 swap reg0<->lane5", [("register", 0, "lane", 5)]),
        ("w64 swaps reg0,1<->lane0,1", [("register", 0, "lane", 0), ("register", 1, "lane", 1)]),
    ):
        s, d = _swap_pair(6, swaps, S)
        out.append((name, amd, s, d, 32, S))
    out += _issue14_cases()
    return out


def _issue14_cases():
    """The examples of issue 14: sm_100 16-bit transposes (ldmatrix.trans), gfx1100 (register
    permutation), gfx942/gfx950 LDS pairs (ds_write2), gfx950 MFMA epilogues (permlane32)."""
    S = [64, 64]
    rm = BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]).to_linear_layout(S)
    cm = BlockedLayout([8, 1], [4, 8], [1, 4], [0, 1]).to_linear_layout(S)
    bl_row = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(S)
    bl_col = BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout(S)
    S2 = [32, 64]
    w_row = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(S2)
    w_col = BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout(S2)
    w_11 = BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout(S2)
    a_row = BlockedLayout([1, 4], [16, 4], [4, 1], [1, 0]).to_linear_layout(S)
    a_col = BlockedLayout([4, 1], [16, 4], [1, 4], [0, 1]).to_linear_layout(S)
    ab_row = BlockedLayout([1, 4], [8, 8], [4, 1], [1, 0]).to_linear_layout(S)
    mfma32 = AMDMFMALayout(4, [32, 32, 16], True, [2, 2]).to_linear_layout(S)
    mfma16 = AMDMFMALayout(4, [16, 16, 32], True, [2, 2]).to_linear_layout(S)
    out = []
    for t in ("cuda:100", "cuda:90", "cuda:120"):
        out.append(("RM [1,8] -> CM [8,1] (transpose)", t, rm, cm, 16, S))
    out.append(("blocked row [1,4] -> col [4,1]", "cuda:100", bl_row, bl_col, 16, S))
    for eb in (32, 8):
        out.append(("w32 [32,64] row -> col", "hip:gfx1100", w_row, w_col, eb, S2))
    out.append(("w32 [32,64] [1,4] -> [1,1]", "hip:gfx1100", w_row, w_11, 32, S2))
    out.append(("w32 [32,64] row -> col", "hip:gfx1200", w_row, w_col, 32, S2))
    for t in ("hip:gfx942", "hip:gfx950"):
        out.append(("LDS [1,4],[16,4] row -> col", t, a_row, a_col, 16, S))
    for eb in (16, 32):
        out.append(("mfma32 T -> blocked", "hip:gfx950", mfma32, ab_row, eb, S))
        out.append(("mfma16 T -> blocked", "hip:gfx950", mfma16, ab_row, eb, S))
    return out


CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "triton_side_by_side.json")


def triton_counts(cs) -> list[dict]:
    """Triton's counts per case, compiled once and cached in ``results/triton_side_by_side.json``."""
    req = [
        {
            "name": n,
            "target": t,
            "src": s.bases,
            "dst": d.bases,
            "elem_bits": eb,
            "shape": shape,
            "warps": s.in_dims["warp"],
        }
        for n, t, s, d, eb, shape in cs
    ]
    cache = {}
    if os.path.exists(CACHE):
        with open(CACHE) as f:
            cache = json.load(f)
    keys = [json.dumps(r, sort_keys=True) for r in req]
    todo = [r for r, k in zip(req, keys) if k not in cache]
    if todo:
        for r, k in zip(todo, _compile(todo)):
            cache[json.dumps(r, sort_keys=True)] = k
        with open(CACHE, "w") as f:
            json.dump(cache, f, indent=0, sort_keys=True)
    return [cache[k] for k in keys]


def _compile(req: list[dict]) -> list[dict]:
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "linlayout_cvt_probe.py")  # @jit needs its source in a file
        with open(path, "w") as f:
            f.write(CHILD)
        r = subprocess.run(
            [TRITON_PY, path], input=json.dumps(req), capture_output=True, text=True, env=env, timeout=1800
        )
    if "@@JSON@@" not in r.stdout:
        raise RuntimeError(f"triton child failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout.split("@@JSON@@", 1)[1])


def _target(t: str) -> str:
    return t.replace("hip:", "").replace("cuda:", "sm_")


def ours(s, d, target, eb, permute=None) -> dict:
    target = _target(target)
    try:
        p = plan_conversion(s, d, target, elem_bits=eb, permute_registers=permute)
    except TypeError:  # the planner before issue 14 took only True/False
        p = plan_conversion(s, d, target, elem_bits=eb, permute_registers=bool(permute))
    st = sum(1 for x in p.steps if type(x).__name__ == "SharedStore")
    names = {x.instruction for x in p.steps if getattr(x, "instruction", None)}
    return {
        "kind": p.kind,
        "shfl": p.shuffles,
        "sel": p.selects,
        "instr": p.shared_instructions,
        "wf": p.wavefronts,
        "smem": p.shared_bytes,
        "mat": any("matrix" in n for n in names),
        "rounds": st,
        "bound": wavefront_bound(s, d, target, elem_bits=eb) if p.wavefronts else 0,
    }


def main(md: bool = False, out_json: str | None = None) -> list[tuple]:
    """Print one row per pair: Triton's counts beside linlayout's default plan, and which
    metrics are no worse (``≤``: shuffles, selects, shared instructions, scratch)."""
    cs = list(cases())
    tri = triton_counts(cs)
    rows = []
    for (name, t, s, d, eb, _shape), tr in zip(cs, tri):
        rows.append((name, t, eb, ours(s, d, t, eb), tr))
    print(
        "| pair | target | bits | Triton: shfl / sel / sh. instr (st+ld) / wf≥ / smem | linlayout: kind "
        "| shfl | sel | sh. instr | wf | API bound | smem | ≤ Triton (shfl, sel, instr, smem) |"
    )
    print("|" + "---|" * 12)
    tally = {"shfl": 0, "sel": 0, "instr": 0, "smem": 0}
    n_ok = 0
    for name, t, eb, o, tr in rows:
        if not tr.get("ok"):
            err = tr.get("error", "?")[:60]
            print(f"| {name} | {t} | {eb} | error: {err} | {o['kind']} | | | | | | | n/a |")
            continue
        n_ok += 1
        ti = tr["st"] + tr["stm"] + tr["ld"] + tr["ldm"]
        m = " (ld/stmatrix)" if o["mat"] else ""
        flags = {
            "shfl": o["shfl"] <= tr["shfl"],
            "sel": o["sel"] <= tr["sel"],
            "instr": o["instr"] <= ti,
            "smem": o["smem"] <= tr["smem"] or tr["smem"] == 0 and o["smem"] == 0,
        }
        for k, v in flags.items():
            tally[k] += v
        verdict = ", ".join("≤" if flags[k] else "**>**" for k in ("shfl", "sel", "instr", "smem"))
        print(
            f"| {name} | {t} | {eb} | {tr['shfl']} / {tr['sel']} / {ti} ({tr['st']}+{tr['stm']}m, "
            f"{tr['ld']}+{tr['ldm']}m) / {tr['wf']} / {tr['smem']} | {o['kind']}{m} | {o['shfl']} "
            f"| {o['sel']} | {o['instr']} | {o['wf']} | {o['bound'] if o['wf'] else '-'} | {o['smem']} "
            f"| {verdict} |"
        )
    print(
        f"\nof {n_ok} pairs, linlayout needs no more: shuffles {tally['shfl']}, selects {tally['sel']}, "
        f"shared instructions {tally['instr']}, scratch {tally['smem']} (Triton's selects: selp/prmt, "
        "v_cndmask/v_perm; a plan of another kind than Triton's is the cost model's choice)"
    )
    if out_json:
        with open(out_json, "w") as f:
            keys = ("name", "target", "bits", "ours", "triton")
            json.dump([dict(zip(keys, r)) for r in rows], f)
    return rows


if __name__ == "__main__":
    main("--md" in sys.argv, sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None)
