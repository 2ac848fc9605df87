"""Record Triton 3.9.0's answers for the memory layout families (run with the oracle).

    /tmp/tritonvenv/bin/python tests/tools/gen_memory_cases.py            # everything
    /tmp/tritonvenv/bin/python tests/tools/gen_memory_cases.py shared     # one family group

Families and the files they write (one case per line, compact JSON):

* ``tests/data/triton_memory_shared.json``: ``swizzled_shared``, ``nvmma_shared``,
  ``shared_linear`` — Gluon parameters (snake_case, as the Gluon constructor takes them),
  the shape, Triton's printed attribute text (``t``), and ``b``: the ``offset`` and
  ``block`` bases plus ``alignment`` that ``to_linear_layout`` returns.  ``err`` instead of
  ``b`` when Triton refused (``"abort"`` when the C++ killed the process).
* ``tests/data/triton_memory_tmem.json``: ``tensor_memory`` and ``tensor_memory_scales``;
  ``b`` holds ``row`` and ``col`` only, because Gluon's ``to_linear_layout`` drops the TMEM
  block bases (see linlayout/hardware/tmem.py).
* ``tests/data/triton_memory_tmem_reg.json``: the tcgen05.ld/st register layouts from
  ``compute_tmem_reg_layout`` (and Gluon's ``32x32b_splitn`` post-processing):
  ``register``/``lane``/``warp``/``block`` bases, or ``null`` when Triton has none.
* ``tests/data/triton_memory_sm120.json``: the SM120 block-scaled MMA scale layouts, read
  out of the TTGIR of ``tl.dot_scaled`` kernels compiled for ``cuda:120``.

Everything runs in worker subprocesses; a case that aborts the worker is recorded and the
worker restarts after it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import threading

ORACLE = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")

# --------------------------------------------------------------------------------------
# Worker (runs under the oracle interpreter; reads one JSON request per line).
# --------------------------------------------------------------------------------------

_WORKER = r"""
import json, os, sys
os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
import triton.experimental.gluon.language as ttgl
from triton.experimental.gluon.language.nvidia.blackwell import (
    TensorMemoryLayout, TensorMemoryScalesLayout)
from triton.experimental.gluon.language._semantic import _compute_tmem_reg_layout
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")

def attr_text(ty):
    # '!ttg.memdesc<32x64xf16, #ttg.swizzled_shared<{...}>, #ttg.shared_memory, mutable>'
    s = str(ty)
    i = s.index("#")
    depth = 0
    for j in range(i, len(s)):
        c = s[j]
        if c in "<{[(":
            depth += 1
        elif c in ">}])":
            depth -= 1
        elif c == "," and depth == 0:
            return s[i:j]
    raise ValueError(s)

def elem_ty(bits):
    return {8: b.get_int8_ty(), 16: b.get_half_ty(), 32: b.get_float_ty(),
            64: b.get_double_ty()}[bits]

def gl_dtype(bits):
    return {8: ttgl.int8, 16: ttgl.float16, 32: ttgl.float32}[bits]

def shared_obj(kind, p):
    if kind == "swizzled_shared":
        return ttgl.SwizzledSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"],
                                         p.get("cga_layout", []))
    if kind == "nvmma_shared":
        return ttgl.NVMMASharedLayout(p["swizzle_byte_width"], p["element_bitwidth"],
                                      rank=p["rank"], transposed=p["transposed"],
                                      fp4_padded=p["fp4_padded"],
                                      cga_layout=p.get("cga_layout", []))
    if kind == "shared_linear":
        return ttgl.SharedLinearLayout(p["offset_bases"], p.get("block_bases", []),
                                       p.get("alignment", 16))
    raise KeyError(kind)

def tmem_obj(kind, p):
    if kind == "tensor_memory":
        return TensorMemoryLayout(tuple(p["block"]), p["col_stride"], p.get("cga_layout", []),
                                  p.get("two_ctas", False), p.get("fp4_padded", False))
    return TensorMemoryScalesLayout(p.get("cga_layout", []))

def handle(req):
    kind, p, shape = req["kind"], req["p"], req["s"]
    if kind in ("swizzled_shared", "nvmma_shared", "shared_linear"):
        a = shared_obj(kind, p)._to_ir(b)
        text = attr_text(b.get_shared_mem_desc_ty(elem_ty(req.get("bits", 16)), shape, a, shape))
        r = b.to_linear_layout(a, shape)
        return {"t": text, "b": {"offset": r.offset_bases, "block": r.block_bases,
                                 "alignment": r.alignment}}
    if kind == "nvmma_default":
        dt = {8: ttgl.int8, 16: ttgl.float16, 32: ttgl.float32, 64: ttgl.float64}[p["bits"]]
        L = ttgl.NVMMASharedLayout.get_default_for(shape, dt, transposed=p["transposed"],
                                                   fp4_padded=p["fp4_padded"],
                                                   cga_layout=p["cga_layout"] or None)
        return {"b": {"swizzle_byte_width": L.swizzle_byte_width, "element_bitwidth": L.element_bitwidth,
                      "rank": L.rank, "transposed": L.transposed, "fp4_padded": L.fp4_padded,
                      "cga_layout": L.cga_layout}}
    if kind in ("tensor_memory", "tensor_memory_scales"):
        # The layout first (toLinearLayout does not verify), then the text: the memdesc
        # verifier may refuse this shape ("verr"); the text does not depend on the shape.
        a = tmem_obj(kind, p)._to_ir(b)
        r = b.to_linear_layout(a, shape)
        out = {"b": {"row": r.rows, "col": r.cols}}
        try:
            out["t"] = attr_text(b.get_tensor_mem_desc_ty(elem_ty(req["bits"]), shape, a, shape))
        except Exception as e:
            out["verr"] = str(e).splitlines()[0][:200]
            big = [max(shape[0], 512), max(shape[1], 512)]
            out["t"] = attr_text(b.get_tensor_mem_desc_ty(elem_ty(req["bits"]), big, a, big))
        return out
    if kind == "tmem_reg":
        m = req["mem"]
        lay = tmem_obj(m["kind"], m["p"])
        r = _compute_tmem_reg_layout(gl_dtype(req["bits"]), shape, shape, lay, p["num_warps"],
                                     p["atom"])
        return {"b": {"register": r.reg_bases, "lane": r.lane_bases, "warp": r.warp_bases,
                      "block": r.block_bases}}
    raise KeyError(kind)

for line in sys.stdin:
    req = json.loads(line)
    try:
        out = handle(req)
    except Exception as e:  # Triton refused with a Python-level error
        out = {"err": type(e).__name__ + ": " + str(e).splitlines()[0][:200] if str(e) else type(e).__name__}
    print(json.dumps(out), flush=True)
os.close(2)
"""


def run_requests(reqs: list[dict]) -> list[dict]:
    """Answer every request; a request that kills the worker gets ``{"err": "abort"}``."""
    out: list[dict] = []
    i = 0
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    env.pop("PYTHONPATH", None)
    while i < len(reqs):
        proc = subprocess.Popen(
            [ORACLE, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stdin and proc.stdout
        # Feed the rest; read answers one by one so a crash pins the request.
        payload = "".join(json.dumps(r) + "\n" for r in reqs[i:])

        def feed(stream=proc.stdin, data=payload):
            try:
                stream.write(data)
                stream.close()
            except (BrokenPipeError, OSError):
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        for line in proc.stdout:
            line = line.strip()
            if not line:
                continue
            out.append(json.loads(line))
            i += 1
        proc.wait()
        if i < len(reqs):  # the worker died on reqs[i]
            out.append({"err": "abort"})
            i += 1
        print(f"  {i}/{len(reqs)}", file=sys.stderr)
    return out


def _trim(case: dict) -> dict:
    """Keep refusal messages short (the tests only need to know Triton refused)."""
    for k in ("err", "verr"):
        if k in case and len(case[k]) > 90:
            case[k] = case[k][:90]
    return case


def write(name: str, cases: list[dict]) -> None:
    cases = [_trim(c) for c in cases]
    path = os.path.join(DATA, name)
    with open(path, "w") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]\n")
    ok = sum(1 for c in cases if "err" not in c)
    print(f"wrote {path}: {len(cases)} cases ({ok} answered, {len(cases) - ok} refused)")


def write_with_mem_table(name: str, cases: list[dict]) -> None:
    """Register-layout cases share a few TMEM layouts: store them once (``mems``) and refer
    to them by index (``m``); the file is ``{"mems": [...], "cases": [...]}``."""
    mems: list[dict] = []
    keyed: dict[str, int] = {}
    out = []
    for c in cases:
        c = _trim(dict(c))
        mem = c.pop("mem")
        k = json.dumps(mem, sort_keys=True)
        if k not in keyed:
            keyed[k] = len(mems)
            mems.append(mem)
        c["m"] = keyed[k]
        out.append(c)
    path = os.path.join(DATA, name)
    with open(path, "w") as f:
        f.write('{"mems": [\n')
        f.write(",\n".join(json.dumps(m, separators=(",", ":")) for m in mems))
        f.write('\n], "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in out))
        f.write("\n]}\n")
    ok = sum(1 for c in out if "err" not in c)
    print(
        f"wrote {path}: {len(out)} cases ({ok} answered, {len(out) - ok} refused), {len(mems)} TMEM layouts"
    )


# --------------------------------------------------------------------------------------
# Parameter grids.
# --------------------------------------------------------------------------------------


def _cga_choices(rank: int) -> list[list[list[int]]]:
    """A few CGA layouts (Gluon block bases, in CTA-tile units) for a rank."""
    if rank == 1:
        return [[], [[1]], [[1], [2]], [[0]], [[1], [0]]]
    unit = [[1 if i == d else 0 for i in range(rank)] for d in range(rank)]
    zero = [0] * rank
    cands = [
        [],
        [unit[0]],
        [unit[-1]],
        [unit[-1], unit[0]],
        [zero, unit[0]],
        [unit[0], [2 if i == 0 else 0 for i in range(rank)]],
    ]
    return cands


def _one_elem_per_cta(r: dict) -> bool:
    per = shape_per_cta(r["s"], r["p"].get("cga_layout", []))
    n = 1
    for x in per:
        n *= x
    return n == 1


def swizzled_cases() -> list[dict]:
    """Gluon's SharedLinearLayout wrapper cannot hold an empty offset basis list, so shapes
    with a single element per CTA are left out (Triton itself answers them)."""
    return [r for r in _swizzled_cases() if not _one_elem_per_cta(r)]


def _swizzled_cases() -> list[dict]:
    rng = random.Random(1)
    reqs = []
    # rank 1
    for vec, pp, mp in [(1, 1, 1), (4, 2, 4), (8, 1, 8)]:
        for shape in ([1], [16], [128]):
            for cga in _cga_choices(1):
                reqs.append(
                    {
                        "kind": "swizzled_shared",
                        "p": {"vec": vec, "per_phase": pp, "max_phase": mp, "order": [0], "cga_layout": cga},
                        "s": shape,
                    }
                )
    # rank 2: the full parameter product on a few shapes, CGA on a sample
    shapes2 = [[1, 1], [4, 8], [32, 32], [16, 128], [128, 16], [64, 1], [1, 64], [8, 256]]
    for vec, pp, mp, order in itertools.product(
        [1, 2, 4, 8, 16], [1, 2, 4, 8], [1, 2, 4, 8, 16], ([1, 0], [0, 1])
    ):
        for shape in shapes2:
            reqs.append(
                {
                    "kind": "swizzled_shared",
                    "p": {"vec": vec, "per_phase": pp, "max_phase": mp, "order": order, "cga_layout": []},
                    "s": shape,
                }
            )
        for cga in _cga_choices(2)[1:]:
            shape = rng.choice([[32, 32], [64, 128], [128, 64], [8, 8]])
            reqs.append(
                {
                    "kind": "swizzled_shared",
                    "p": {"vec": vec, "per_phase": pp, "max_phase": mp, "order": order, "cga_layout": cga},
                    "s": shape,
                }
            )
    # rank 3 and 4: every order, a few parameter sets
    for rank, shapes in (
        (3, [[2, 16, 32], [4, 8, 8], [1, 64, 16], [8, 4, 128]]),
        (4, [[2, 4, 32, 32], [1, 2, 8, 16]]),
    ):
        for order in itertools.permutations(range(rank)):
            for vec, pp, mp in [(1, 1, 1), (2, 2, 4), (8, 1, 8), (4, 4, 2)]:
                for shape in shapes:
                    reqs.append(
                        {
                            "kind": "swizzled_shared",
                            "p": {
                                "vec": vec,
                                "per_phase": pp,
                                "max_phase": mp,
                                "order": list(order),
                                "cga_layout": [],
                            },
                            "s": shape,
                        }
                    )
            cga = rng.choice(_cga_choices(rank)[1:])
            reqs.append(
                {
                    "kind": "swizzled_shared",
                    "p": {"vec": 4, "per_phase": 2, "max_phase": 4, "order": list(order), "cga_layout": cga},
                    "s": [s * 4 for s in shapes[0]],
                }
            )
    return reqs


def shape_per_cta(shape: list[int], cga: list[list[int]]) -> list[int]:
    """Gluon's ``_get_shape_per_cta`` (CGA bases in CTA-tile units), floored at 1."""
    out = list(shape)
    for d in range(len(shape)):
        top = max([abs(b[d]) for b in cga] + [0])
        split = 2 * top if top else 1
        out[d] = max(1, shape[d] // split)
    return out


def nvmma_legal(p: dict, shape: list[int]) -> bool:
    """Our prediction of whether Triton accepts it (to keep aborts few)."""
    sw, bits, tr, fp4 = p["swizzle_byte_width"], p["element_bitwidth"], p["transposed"], p["fp4_padded"]
    per_cta = shape_per_cta(shape, p["cga_layout"])
    if sw == 0:
        return True
    cdim = 0 if tr else len(per_cta) - 1
    contig = per_cta[cdim] * (2 if fp4 else 1)
    if min(contig, 256) < 8 * sw // bits:
        return False
    outer = 1
    for d, s in enumerate(per_cta):
        if d != cdim:
            outer *= min(s, 256)
    return outer >= 8


def nvmma_cases() -> list[dict]:
    rng = random.Random(2)
    reqs = []
    shapes2 = [
        [8, 16],
        [8, 64],
        [16, 32],
        [64, 64],
        [128, 64],
        [64, 128],
        [256, 32],
        [32, 256],
        [512, 64],
        [8, 512],
        [1024, 16],
        [16, 8],
        [4, 64],
        [64, 4],
        [8, 8],
        [128, 128],
        [512, 512],
    ]
    shapes3 = [
        [2, 8, 64],
        [4, 16, 32],
        [2, 64, 128],
        [8, 2, 64],
        [2, 4, 256],
        [32, 4, 64],
        [64, 4, 32],
        [1, 8, 128],
        [4, 64, 8],
    ]
    illegal = []
    for sw, bits, tr in itertools.product([0, 32, 64, 128], [8, 16, 32, 64], [False, True]):
        for fp4 in [False, True] if (sw == 128 and bits == 8) else [False]:
            for rank, shapes in ((2, shapes2), (3, shapes3)):
                for shape in shapes:
                    p = {
                        "swizzle_byte_width": sw,
                        "element_bitwidth": bits,
                        "rank": rank,
                        "transposed": tr,
                        "fp4_padded": fp4,
                        "cga_layout": [],
                    }
                    r = {"kind": "nvmma_shared", "p": p, "s": shape, "bits": bits}
                    (reqs if nvmma_legal(p, shape) else illegal).append(r)
                for cga in _cga_choices(rank)[1:]:
                    shape = rng.choice(
                        [[256, 256], [128, 512], [512, 128]] if rank == 2 else [[4, 64, 256], [8, 128, 128]]
                    )
                    p = {
                        "swizzle_byte_width": sw,
                        "element_bitwidth": bits,
                        "rank": rank,
                        "transposed": tr,
                        "fp4_padded": fp4,
                        "cga_layout": cga,
                    }
                    r = {"kind": "nvmma_shared", "p": p, "s": shape, "bits": bits}
                    (reqs if nvmma_legal(p, shape) else illegal).append(r)
    for sw, bits in [(0, 8), (0, 16), (0, 32), (0, 64), (128, 16)]:
        for shape in ([16], [64], [512]):
            p = {
                "swizzle_byte_width": sw,
                "element_bitwidth": bits,
                "rank": 1,
                "transposed": False,
                "fp4_padded": False,
                "cga_layout": [],
            }
            (reqs if sw == 0 else illegal).append({"kind": "nvmma_shared", "p": p, "s": shape, "bits": bits})
    rng.shuffle(illegal)
    return reqs + illegal[:14]


def nvmma_default_cases() -> list[dict]:
    """Gluon's ``NVMMASharedLayout.get_default_for`` choices."""
    reqs = []
    shapes = [
        [64, 64],
        [8, 16],
        [4, 64],
        [64, 8],
        [128, 32],
        [16, 16],
        [2, 4, 64],
        [1, 8, 32],
        [256, 128],
        [64, 4],
    ]
    for shape in shapes:
        for bits in (8, 16, 32, 64):
            for tr in (False, True):
                for fp4 in [False, True] if bits == 8 else [False]:
                    for cga in ([], [[1] + [0] * (len(shape) - 1)]):
                        p = {"bits": bits, "transposed": tr, "fp4_padded": fp4, "cga_layout": cga}
                        reqs.append({"kind": "nvmma_default", "p": p, "s": shape})
    return reqs


def _random_invertible_bases(rng: random.Random, shape: list[int]) -> list[list[int]]:
    """Unit bases of ``shape`` in a random order, then XOR-mixed upward (still bijective)."""
    units = []
    for d, s in enumerate(shape):
        v = 1
        while v < s:
            units.append([v if i == d else 0 for i in range(len(shape))])
            v *= 2
    rng.shuffle(units)
    out = [list(u) for u in units]
    for i in range(len(out)):
        for j in range(i):
            if rng.random() < 0.2:
                out[i] = [a ^ b for a, b in zip(out[i], units[j])]
    return out


def shared_linear_cases() -> list[dict]:
    rng = random.Random(3)
    reqs = []
    for shape in ([8, 4], [16, 16], [32, 8], [4, 4, 8], [64], [2, 32, 4], [128, 64]):
        for k in range(6):
            full = _random_invertible_bases(rng, shape)
            nblock = rng.choice([0, 0, 1, 2]) if len(full) > 2 else 0
            offset, block = full[: len(full) - nblock], full[len(full) - nblock :]
            if k == 5 and block:
                block[0] = [0] * len(shape)  # a broadcast CTA
            align = rng.choice([16, 16, 64, 128, 1024])
            reqs.append(
                {
                    "kind": "shared_linear",
                    "p": {"offset_bases": offset, "block_bases": block, "alignment": align},
                    "s": shape,
                }
            )
    return reqs


def tmem_cases() -> list[dict]:
    reqs = []
    cgas = [[], [[1, 0]], [[0, 1]], [[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    for bm, bn, cs in itertools.product([64, 128], [8, 16, 32, 64, 128, 256], [1, 2, 4]):
        for two_ctas, fp4 in [(False, False), (True, False), (False, True)]:
            if fp4 and cs != 1:
                continue
            bits = 8 if fp4 else 32 // cs
            for cga in cgas:
                if two_ctas and (not cga or cga[0] != [1, 0]):
                    continue
                splits = [1, 1]
                for basis in cga:
                    for d in range(2):
                        if basis[d]:
                            splits[d] *= 2
                for shape in (
                    [64, 64],
                    [128, 64],
                    [128, 128],
                    [64, 256],
                    [256, 128],
                    [256, 256],
                    [128, 32],
                    [64, 16],
                    [128, 512],
                ):
                    full = [shape[0] * splits[0], shape[1] * splits[1]]
                    p = {
                        "block": [bm, bn],
                        "col_stride": cs,
                        "cga_layout": cga,
                        "two_ctas": two_ctas,
                        "fp4_padded": fp4,
                    }
                    reqs.append({"kind": "tensor_memory", "p": p, "s": full, "bits": bits})
    for cga in [[], [[1, 0]], [[0, 1]], [[1, 0], [0, 1]]]:
        for m, k in itertools.product([32, 64, 128, 256], [1, 2, 4, 8, 16, 32]):
            splits = [2 if any(b[0] for b in cga) else 1, 2 if any(b[1] for b in cga) else 1]
            reqs.append(
                {
                    "kind": "tensor_memory_scales",
                    "p": {"cga_layout": cga},
                    "s": [m * splits[0], k * splits[1]],
                    "bits": 8,
                }
            )
    return reqs


def tmem_reg_cases() -> list[dict]:
    reqs = []
    atoms = ["32x32b", "16x64b", "16x128b", "16x256b", "32x32b_splitn"]
    mems = []
    for bm, bn, cs, two, fp4, cga in [
        (128, 128, 1, False, False, []),
        (128, 64, 1, False, False, []),
        (64, 64, 1, False, False, []),
        (64, 128, 1, False, False, []),
        (128, 256, 1, False, False, []),
        (128, 32, 1, False, False, []),
        (128, 128, 2, False, False, []),
        (64, 64, 2, False, False, []),
        (128, 64, 4, False, False, []),
        (128, 64, 1, False, False, [[0, 1]]),
        (128, 128, 1, False, False, [[1, 0]]),
        (128, 128, 1, True, False, [[1, 0]]),
        (64, 64, 1, True, False, [[1, 0]]),
        (128, 64, 1, False, True, []),
        (128, 128, 1, False, False, [[1, 0], [0, 1]]),
    ]:
        mems.append(
            {
                "kind": "tensor_memory",
                "p": {
                    "block": [bm, bn],
                    "col_stride": cs,
                    "cga_layout": cga,
                    "two_ctas": two,
                    "fp4_padded": fp4,
                },
            }
        )
    for mem in mems:
        p = mem["p"]
        cs = p["col_stride"]
        bit_choices = [32 // cs] if cs > 1 else [32, 16, 8]
        if p["fp4_padded"]:
            bit_choices = [8]
        splits = [1, 1]
        for basis in p["cga_layout"]:
            for d in range(2):
                if basis[d]:
                    splits[d] *= 2
        for bits in bit_choices:
            for shape in (
                [128, 128],
                [64, 64],
                [128, 64],
                [256, 128],
                [64, 256],
                [128, 16],
                [128, 256],
                [64, 8],
            ):
                full = [shape[0] * splits[0], shape[1] * splits[1]]
                for nw in (4, 8, 16):
                    for atom in atoms:
                        reqs.append(
                            {
                                "kind": "tmem_reg",
                                "mem": mem,
                                "p": {"num_warps": nw, "atom": atom},
                                "s": full,
                                "bits": bits,
                            }
                        )
    for cga in ([], [[1, 0]]):
        for shape in ([128, 4], [128, 8], [256, 16], [64, 4], [128, 1], [128, 32]):
            full = [shape[0] * (2 if cga else 1), shape[1]]
            for nw in (4, 8):
                for atom in atoms[:4]:
                    reqs.append(
                        {
                            "kind": "tmem_reg",
                            "mem": {"kind": "tensor_memory_scales", "p": {"cga_layout": cga}},
                            "p": {"num_warps": nw, "atom": atom},
                            "s": full,
                            "bits": 8,
                        }
                    )
    return reqs


# --------------------------------------------------------------------------------------
# SM120 scales: compile tl.dot_scaled for cuda:120 and read the scale layouts.
# --------------------------------------------------------------------------------------

_SM120 = r"""
import json, os, re, sys
os.environ["TRITON_DEFAULT_FP_FUSION"] = "1"
import triton, triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

@triton.jit
def k(a_ptr, b_ptr, as_ptr, bs_ptr, c_ptr, M: tl.constexpr, N: tl.constexpr, K: tl.constexpr):
    offs_m = tl.arange(0, M); offs_n = tl.arange(0, N); offs_k = tl.arange(0, K)
    a = tl.load(a_ptr + offs_m[:, None] * K + offs_k[None, :])
    b = tl.load(b_ptr + offs_k[:, None] * N + offs_n[None, :])
    offs_ks = tl.arange(0, K // 32)
    a_s = tl.load(as_ptr + offs_m[:, None] * (K // 32) + offs_ks[None, :])
    b_s = tl.load(bs_ptr + offs_n[:, None] * (K // 32) + offs_ks[None, :])
    c = tl.dot_scaled(a, a_s, "e4m3", b, b_s, "e4m3")
    tl.store(c_ptr + offs_m[:, None] * N + offs_n[None, :], c)

def attrs(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(#[\w.]+) = (#.*)$", line)
        if m and not m.group(1).startswith("#loc"):
            out[m.group(1)] = m.group(2)
    return out

sig = {"a_ptr": "*fp8e4nv", "b_ptr": "*fp8e4nv", "as_ptr": "*u8", "bs_ptr": "*u8", "c_ptr": "*fp32",
       "M": "constexpr", "N": "constexpr", "K": "constexpr"}
for line in sys.stdin:
    req = json.loads(line)
    try:
        src = ASTSource(fn=k, signature=sig, constexprs={"M": req["M"], "N": req["N"], "K": req["K"]})
        ck = triton.compile(src, target=GPUTarget("cuda", 120, 32), options={"num_warps": req["num_warps"]})
        t = ck.asm["ttgir"]
        al = attrs(t)
        dl = [l for l in t.splitlines() if "tt.dot_scaled" in l][0]
        sig_part = dl.split(" : ", 1)[1]
        tys = re.findall(r"tensor<([0-9x]+)x(\w+), (#[\w.]+)", sig_part)
        res = {}
        for name, (shp, et, alias) in zip(["a", "a_scale", "b", "b_scale"], tys):
            res[name] = {"shape": [int(x) for x in shp.split("x")], "attr": al.get(alias, alias)}
        mma = [v for v in al.values() if v.startswith("#ttg.nvidia_mma")][0]
        res["mma"] = mma
        print(json.dumps(res), flush=True)
    except Exception as e:
        print(json.dumps({"err": str(e)[:200]}), flush=True)
"""


def sm120_cases() -> list[dict]:
    import re

    reqs = []
    for M, N, K, nw in itertools.product([64, 128, 256], [64, 128, 256], [64, 128, 256], [4, 8]):
        if M * N * K > 128 * 256 * 256:
            continue
        reqs.append({"M": M, "N": N, "K": K, "num_warps": nw})
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    env.pop("PYTHONPATH", None)
    import tempfile

    # @triton.jit needs its source in a file
    with tempfile.NamedTemporaryFile("w", suffix="_sm120_probe.py", delete=False) as f:
        f.write(_SM120)
        script = f.name
    proc = subprocess.run(
        [ORACLE, script],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
    )
    os.unlink(script)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(answers) != len(reqs):
        print(proc.stderr[-3000:], file=sys.stderr)
    cases = []
    seen = set()
    for req, ans in zip(reqs, answers):
        if "err" in ans:
            print("sm120 error", req, ans["err"], file=sys.stderr)
            continue
        warps = [int(x) for x in re.search(r"warpsPerCTA = \[([0-9, ]+)\]", ans["mma"]).group(1).split(",")]
        for op_idx, key in ((0, "a_scale"), (1, "b_scale")):
            attr = ans[key]["attr"]
            m = re.match(r"#ttg\.linear<\{register = (.*), lane = (.*), warp = (.*), block = (.*)\}>$", attr)
            if not m:
                print("sm120: unexpected scale attr", attr, file=sys.stderr)
                continue
            bases = {k: json.loads(v) for k, v in zip(["register", "lane", "warp", "block"], m.groups())}
            shape = ans[key]["shape"]
            ident = (op_idx, tuple(shape), tuple(warps))
            if ident in seen:
                continue
            seen.add(ident)
            cases.append(
                {
                    "kind": "sm120_scale",
                    "p": {"op_idx": op_idx, "warps_per_cta": warps, "cga_layout": []},
                    "s": shape,
                    "b": bases,
                    "mma": ans["mma"],
                    "src": req,
                }
            )
    return cases


# --------------------------------------------------------------------------------------
# ldmatrix use: compile shared -> register loads for cuda:90 and record whether Triton's
# lowering used ldmatrix (and .trans), with both layouts, so the tests can check that
# ldmatrix_tile divides exactly the conversions Triton lowers with ldmatrix.
# --------------------------------------------------------------------------------------

_LDMATRIX = r"""
import json, os, re, sys
os.environ["TRITON_DEFAULT_FP_FUSION"] = "1"
import triton
from triton.experimental import gluon
import triton.experimental.gluon.language as ttgl
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from triton._C.libtriton import ir, gluon_ir, nvidia, amd

@gluon.jit
def k(ptr, out, M: ttgl.constexpr, N: ttgl.constexpr, SH: ttgl.constexpr, REG: ttgl.constexpr,
      BL: ttgl.constexpr):
    offs_m = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
    offs_n = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
    x = ttgl.load(ptr + offs_m[:, None] * N + offs_n[None, :])
    smem = ttgl.allocate_shared_memory(ttgl.float16, [M, N], SH, x)
    y = smem.load(REG)
    offs_m2 = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, REG))
    offs_n2 = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, REG))
    ttgl.store(out + offs_m2[:, None] * N + offs_n2[None, :], y)

@gluon.jit
def kst(ptr, out, M: ttgl.constexpr, N: ttgl.constexpr, SH: ttgl.constexpr, REG: ttgl.constexpr,
        BL: ttgl.constexpr):
    offs_m = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, REG))
    offs_n = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, REG))
    x = ttgl.load(ptr + offs_m[:, None] * N + offs_n[None, :])
    smem = ttgl.allocate_shared_memory(ttgl.float16, [M, N], SH, x)
    y = smem.load(BL)
    offs_m2 = ttgl.arange(0, M, layout=ttgl.SliceLayout(1, BL))
    offs_n2 = ttgl.arange(0, N, layout=ttgl.SliceLayout(0, BL))
    ttgl.store(out + offs_m2[:, None] * N + offs_n2[None, :], y)

ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
mma = ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2], instr_shape=[16, 8])
regs = {"dotA": ttgl.DotOperandLayout(0, mma, 2), "dotB": ttgl.DotOperandLayout(1, mma, 2), "mma": mma,
        "blocked": ttgl.BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0]),
        "blockedT": ttgl.BlockedLayout([8, 1], [8, 4], [1, 4], [0, 1])}
bl = ttgl.BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0])
sig = {"ptr": "*fp16", "out": "*fp16", "M": "constexpr", "N": "constexpr", "SH": "constexpr",
       "REG": "constexpr", "BL": "constexpr"}
for line in sys.stdin:
    req = json.loads(line)
    p = req["p"]
    if req["kind"] == "nvmma_shared":
        sh = ttgl.NVMMASharedLayout(p["swizzle_byte_width"], 16, transposed=p["transposed"])
    else:
        sh = ttgl.SwizzledSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"])
    reg = regs[req["reg_name"]]
    M, N = req["s"]
    try:
        # loads: the shared buffer is written from the (st.shared-friendly) blocked layout
        # "bl"; stores: written from REG and read back into "bl" (ld.shared: no ldmatrix).
        fn, instr = (kst, "stmatrix") if req.get("store") else (k, "ldmatrix")
        cx = {"M": M, "N": N, "SH": sh, "REG": reg, "BL": bl}
        src = GluonASTSource(fn=fn, signature=sig, constexprs=cx)
        ck = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": 4})
        ptx = ck.asm["ptx"]
        ld = [l for l in ptx.splitlines() if re.match(r"\s*(@\S+\s+)?" + instr + r"\.", l)]
        r = b.to_linear_layout(reg._to_ir(b), [M, N])
        s = b.to_linear_layout(sh._to_ir(b), [M, N])
        print(json.dumps({"reg": {"register": r.reg_bases, "lane": r.lane_bases, "warp": r.warp_bases,
                                  "block": r.block_bases},
                          "shared": {"offset": s.offset_bases, "block": s.block_bases},
                          "ldmatrix": len(ld), "trans": sum(".trans" in l for l in ld),
                          "ld_shared": len(re.findall(r"^\s*(?:@\S+\s+)?ld\.shared", ptx, re.M))}),
              flush=True)
    except Exception as e:
        print(json.dumps({"err": str(e)[:90]}), flush=True)
os.close(2)
"""


def ldmatrix_cases() -> list[dict]:
    import tempfile

    reqs = []
    shared = [
        {"kind": "nvmma_shared", "p": {"swizzle_byte_width": sw, "transposed": tr}}
        for sw in (0, 32, 64, 128)
        for tr in (False, True)
    ]
    shared += [
        {"kind": "swizzled_shared", "p": {"vec": v, "per_phase": pp, "max_phase": mp, "order": o}}
        for v, pp, mp in ((8, 1, 8), (4, 2, 4), (1, 1, 1))
        for o in ([1, 0], [0, 1])
    ]
    for store in (False, True):
        for sh in shared:
            for reg in ("dotA", "dotB", "mma", "blocked", "blockedT"):
                if store and reg in ("dotA", "dotB"):
                    continue  # dot operands are loaded, not stored
                reqs.append(dict(sh, reg_name=reg, s=[64, 64], store=store))
    with tempfile.NamedTemporaryFile("w", suffix="_ldm_probe.py", delete=False) as f:
        f.write(_LDMATRIX)
        script = f.name
    env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [ORACLE, script],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
    )
    os.unlink(script)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(answers) != len(reqs):
        print(proc.stderr[-3000:], file=sys.stderr)
    cases = []
    for r, a in zip(reqs, answers):
        c = dict(r)
        c.update(a)
        cases.append(c)
    return cases


# --------------------------------------------------------------------------------------
# Literal expectations of Triton's unittest/Dialect/TritonGPU/LinearLayoutConversionsTest.cpp
# for the memory families (shared, NVMMA, TMEM, SM120 scales), checked against the wheel.
# --------------------------------------------------------------------------------------

_CPP = "unittest/Dialect/TritonGPU/LinearLayoutConversionsTest.cpp :: "


def _ident(n: int, rank: int, d: int) -> list[list[int]]:
    out, v = [], 1
    while v < n:
        out.append([v if i == d else 0 for i in range(rank)])
        v *= 2
    return out


def conversion_test_cases() -> list[dict]:
    """The literal expectations (bases as written in the C++ test)."""
    sw = "swizzled_shared"
    nv = "nvmma_shared"

    def swz(vec, pp, mp, order):
        return {"vec": vec, "per_phase": pp, "max_phase": mp, "order": order, "cga_layout": []}

    def nvm(s, tr, bits, rank=2, fp4=False):
        return {
            "swizzle_byte_width": s,
            "element_bitwidth": bits,
            "rank": rank,
            "transposed": tr,
            "fp4_padded": fp4,
            "cga_layout": [],
        }

    cases = [
        ("SharedSimple1D", sw, swz(1, 1, 1, [0]), [1024], {"offset": _ident(1024, 1, 0), "block": []}),
        (
            "SharedSimple2D",
            sw,
            swz(1, 1, 1, [1, 0]),
            [128, 128],
            {"offset": _ident(128, 2, 1) + _ident(128, 2, 0), "block": []},
        ),
        (
            "SharedSimple2D_Order01",
            sw,
            swz(1, 1, 1, [0, 1]),
            [128, 128],
            {"offset": _ident(128, 2, 0) + _ident(128, 2, 1), "block": []},
        ),
        (
            "SharedSwizzled2D_MaxPhaseOnly",
            sw,
            swz(1, 1, 4, [1, 0]),
            [32, 32],
            {
                "offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 1], [2, 2], [4, 0], [8, 0], [16, 0]],
                "block": [],
            },
        ),
        (
            "SharedSwizzled2D_PerPhaseMaxPhase",
            sw,
            swz(1, 2, 4, [1, 0]),
            [32, 32],
            {
                "offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 1], [4, 2], [8, 0], [16, 0]],
                "block": [],
            },
        ),
        (
            "SharedSwizzled2D_Vec",
            sw,
            swz(2, 1, 4, [1, 0]),
            [4, 8],
            {"offset": [[0, 1], [0, 2], [0, 4], [1, 2], [2, 4]], "block": []},
        ),
        (
            "SharedSwizzled2D_PerPhaseMaxPhaseVec",
            sw,
            swz(2, 2, 4, [1, 0]),
            [32, 32],
            {
                "offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 2], [4, 4], [8, 0], [16, 0]],
                "block": [],
            },
        ),
        (
            "SharedSwizzled4D",
            sw,
            swz(2, 2, 4, [3, 2, 1, 0]),
            [2, 4, 32, 32],
            {
                "offset": [
                    [0, 0, 0, 1],
                    [0, 0, 0, 2],
                    [0, 0, 0, 4],
                    [0, 0, 0, 8],
                    [0, 0, 0, 16],
                    [0, 0, 1, 0],
                    [0, 0, 2, 2],
                    [0, 0, 4, 4],
                    [0, 0, 8, 0],
                    [0, 0, 16, 0],
                    [0, 1, 0, 0],
                    [0, 2, 0, 0],
                    [1, 0, 0, 0],
                ],
                "block": [],
            },
        ),
        (
            "SharedSwizzled2D_Order01",
            sw,
            swz(1, 1, 4, [0, 1]),
            [4, 8],
            {"offset": [[1, 0], [2, 0], [1, 1], [2, 2], [0, 4]], "block": []},
        ),
        ("Shared1DSwizzle", sw, swz(2, 2, 4, [1, 0]), [64, 1], {"offset": _ident(64, 2, 0), "block": []}),
        (
            "LeadingOffset_8x16_4_2",
            nv,
            nvm(32, False, 16),
            [8, 16],
            {"offset": [[0, 1], [0, 2], [0, 4], [0, 8], [1, 0], [2, 0], [4, 8]], "block": []},
        ),
        (
            "LeadingOffset_128x16_4_2",
            nv,
            nvm(32, False, 16),
            [128, 16],
            {
                "offset": [
                    [0, 1],
                    [0, 2],
                    [0, 4],
                    [0, 8],
                    [1, 0],
                    [2, 0],
                    [4, 8],
                    [8, 0],
                    [16, 0],
                    [32, 0],
                    [64, 0],
                ],
                "block": [],
            },
        ),
        (
            "LeadingOffset_8x32_2_4",
            nv,
            nvm(64, False, 16),
            [8, 32],
            {"offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 8], [4, 16]], "block": []},
        ),
        (
            "LeadingOffset_8x64_1_8",
            nv,
            nvm(128, False, 16),
            [8, 64],
            {
                "offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [0, 32], [1, 8], [2, 16], [4, 32]],
                "block": [],
            },
        ),
        (
            "LeadingOffset_8x64_1_8_32b",
            nv,
            nvm(128, False, 32),
            [8, 64],
            {
                "offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 4], [2, 8], [4, 16], [0, 32]],
                "block": [],
            },
        ),
        (
            "LeadingOffset_128x128_1_8_128b_transposed",
            nv,
            nvm(128, True, 32),
            [128, 128],
            {
                "offset": [
                    [1, 0],
                    [2, 0],
                    [4, 0],
                    [8, 0],
                    [16, 0],
                    [4, 1],
                    [8, 2],
                    [16, 4],
                    [0, 8],
                    [0, 16],
                    [0, 32],
                    [0, 64],
                    [32, 0],
                    [64, 0],
                ],
                "block": [],
            },
        ),
        (
            "LeadingOffset_32x4x64_1_8_32b",
            nv,
            nvm(64, False, 32, rank=3),
            [32, 4, 64],
            {
                "offset": [
                    [0, 0, 1],
                    [0, 0, 2],
                    [0, 0, 4],
                    [0, 0, 8],
                    [0, 1, 0],
                    [0, 2, 4],
                    [1, 0, 8],
                    [2, 0, 0],
                    [4, 0, 0],
                    [8, 0, 0],
                    [16, 0, 0],
                    [0, 0, 16],
                    [0, 0, 32],
                ],
                "block": [],
            },
        ),
        (
            "LeadingOffset_64x4x32_1_8_32b_transposed",
            nv,
            nvm(64, True, 32, rank=3),
            [64, 4, 32],
            {
                "offset": [
                    [1, 0, 0],
                    [2, 0, 0],
                    [4, 0, 0],
                    [8, 0, 0],
                    [0, 0, 4],
                    [4, 0, 8],
                    [8, 0, 16],
                    [0, 1, 0],
                    [0, 2, 0],
                    [0, 0, 1],
                    [0, 0, 2],
                    [16, 0, 0],
                    [32, 0, 0],
                ],
                "block": [],
            },
        ),
        (
            "MMAv5Fp4Padded",
            nv,
            nvm(128, False, 8, fp4=True),
            [32, 64],
            {
                "offset": [
                    [0, 1],
                    [0, 2],
                    [0, 4],
                    [0, 0],
                    [0, 8],
                    [0, 16],
                    [0, 32],
                    [1, 8],
                    [2, 16],
                    [4, 32],
                    [8, 0],
                    [16, 0],
                ],
                "block": [],
            },
        ),
    ]
    out = [{"id": n, "kind": k, "p": p, "s": s, "expected": e, "source": _CPP + n} for n, k, p, s, e in cases]

    def tmem(bm, bn, cga=(), fp4=False):
        return {
            "block": [bm, bn],
            "col_stride": 1,
            "cga_layout": [list(b) for b in cga],
            "two_ctas": False,
            "fp4_padded": fp4,
        }

    r64 = [[1, 0], [2, 0], [4, 0], [8, 0]]
    c64 = [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [0, 32]]
    tm = [
        (
            "TensorMemory_blockM_64",
            tmem(64, 64),
            [128, 64],
            {"row": r64 + [[64, 0], [16, 0], [32, 0]], "col": c64, "block": []},
        ),
        (
            "TensorMemory_blockM_64",
            tmem(64, 64),
            [64, 64],
            {"row": r64 + [[0, 0], [16, 0], [32, 0]], "col": c64, "block": []},
        ),
        (
            "TensorMemory_blockM_64",
            tmem(64, 64),
            [256, 128],
            {"row": r64 + [[64, 0], [16, 0], [32, 0]], "col": c64 + [[128, 0], [0, 64]], "block": []},
        ),
        (
            "TensorMemory_blockM_64",
            tmem(64, 64),
            [64, 256],
            {"row": r64 + [[0, 64], [16, 0], [32, 0]], "col": c64 + [[0, 128]], "block": []},
        ),
        (
            "TensorMemory_blockM_128",
            tmem(128, 128),
            [128, 128],
            {"row": _ident(128, 2, 0), "col": _ident(128, 2, 1), "block": []},
        ),
        (
            "TensorMemory_blockM_128",
            tmem(128, 128),
            [256, 128],
            {"row": _ident(128, 2, 0), "col": _ident(128, 2, 1) + [[128, 0]], "block": []},
        ),
        (
            "TensorMemory_blockM_128",
            tmem(128, 128),
            [256, 256],
            {"row": _ident(128, 2, 0), "col": _ident(128, 2, 1) + [[128, 0], [0, 128]], "block": []},
        ),
        (
            "TensorMemory_fp4Padded",
            tmem(128, 64, fp4=True),
            [128, 64],
            {"row": _ident(128, 2, 0), "col": [[0, 0]] + _ident(64, 2, 1), "block": []},
        ),
        (
            "TensorMemory_CTASplit",
            tmem(128, 64, cga=[[0, 1]]),
            [128, 128],
            {"row": _ident(128, 2, 0), "col": _ident(64, 2, 1), "block": [[0, 64]]},
        ),
    ]
    out += [
        {"id": n, "kind": "tensor_memory", "p": p, "s": s, "expected": e, "source": _CPP + n}
        for n, p, s, e in tm
    ]

    lane0 = [[8, 0], [0, 0], [1, 0], [2, 0], [4, 0]]
    lane1 = [[0, 0], [0, 0], [1, 0], [2, 0], [4, 0]]
    sm = [
        ([128, 2], 0, [1, 1], [[0, 1], [16, 0], [32, 0], [64, 0]], lane0, []),
        ([128, 2], 1, [1, 1], [[0, 1], [8, 0], [16, 0], [32, 0], [64, 0]], lane1, []),
        ([128, 4], 0, [2, 2], [[0, 1], [0, 2], [32, 0], [64, 0]], lane0, [[0, 0], [16, 0]]),
        ([256, 4], 1, [1, 2], [[0, 1], [0, 2], [16, 0], [32, 0], [64, 0], [128, 0]], lane1, [[8, 0]]),
        ([128, 8], 0, [2, 2], [[0, 1], [0, 2], [0, 4], [32, 0], [64, 0]], lane0, [[0, 0], [16, 0]]),
        ([128, 8], 1, [2, 2], [[0, 1], [0, 2], [0, 4], [16, 0], [32, 0], [64, 0]], lane1, [[8, 0], [0, 0]]),
        ([256, 2], 0, [1, 1], [[0, 1], [16, 0], [32, 0], [64, 0], [128, 0]], lane0, []),
        ([256, 2], 1, [1, 1], [[0, 1], [8, 0], [16, 0], [32, 0], [64, 0], [128, 0]], lane1, []),
        ([256, 4], 0, [2, 2], [[0, 1], [0, 2], [32, 0], [64, 0], [128, 0]], lane0, [[0, 0], [16, 0]]),
        ([256, 4], 1, [1, 2], [[0, 1], [0, 2], [16, 0], [32, 0], [64, 0], [128, 0]], lane1, [[8, 0]]),
        ([256, 8], 0, [2, 2], [[0, 1], [0, 2], [0, 4], [32, 0], [64, 0], [128, 0]], lane0, [[0, 0], [16, 0]]),
        (
            [256, 8],
            1,
            [2, 2],
            [[0, 1], [0, 2], [0, 4], [16, 0], [32, 0], [64, 0], [128, 0]],
            lane1,
            [[8, 0], [0, 0]],
        ),
    ]
    out += [
        {
            "id": "SM120DotScaledScaleLayout",
            "kind": "sm120_scale",
            "p": {"op_idx": o, "warps_per_cta": w, "cga_layout": []},
            "s": s,
            "expected": {"register": r, "lane": ln, "warp": wb, "block": []},
            "source": _CPP + "SM120DotScaledScaleLayout",
        }
        for s, o, w, r, ln, wb in sm
    ]
    # NvmmaSharedToLinearLayout_TMAModeIndependence: Tiled == Im2Col (no literal bases)
    for swb in (0, 32, 64, 128):
        for d0 in (512, 1024):
            d1 = 64 if swb == 0 else 128
            out.append(
                {
                    "id": "NvmmaSharedToLinearLayout_TMAModeIndependence",
                    "kind": "nvmma_tma_mode",
                    "p": nvm(swb, False, 16),
                    "s": [d0, d1],
                    "expected": "tiled == im2col",
                    "source": _CPP + "NvmmaSharedToLinearLayout_TMAModeIndependence",
                }
            )
    return out


def conversion_cases_checked() -> list[dict]:
    """Attach the wheel's answer (``wheel_agrees``) where Gluon can express the case."""
    cases = conversion_test_cases()
    idx, reqs = [], []
    for i, c in enumerate(cases):
        if c["kind"] in ("swizzled_shared", "nvmma_shared"):
            reqs.append(
                {"kind": c["kind"], "p": c["p"], "s": c["s"], "bits": c["p"].get("element_bitwidth", 16)}
            )
            idx.append(i)
        elif c["kind"] == "tensor_memory":
            reqs.append(
                {"kind": "tensor_memory", "p": c["p"], "s": c["s"], "bits": 8 if c["p"]["fp4_padded"] else 32}
            )
            idx.append(i)
    ans = run_requests(reqs)
    for i, a in zip(idx, ans):
        c = cases[i]
        e = c["expected"]
        if "b" not in a:
            c["wheel_agrees"] = False
            c["wheel"] = a
            continue
        if c["kind"] == "tensor_memory":  # Gluon drops the block bases
            c["wheel_agrees"] = a["b"] == {"row": e["row"], "col": e["col"]}
        else:
            c["wheel_agrees"] = a["b"]["offset"] == e["offset"] and a["b"]["block"] == e["block"]
        if not c["wheel_agrees"]:
            c["wheel"] = a["b"]
    return cases


# --------------------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    groups = set(argv) or {"shared", "tmem", "tmem_reg", "sm120", "conversions", "ldmatrix"}
    if "shared" in groups:
        reqs = swizzled_cases() + nvmma_cases() + shared_linear_cases() + nvmma_default_cases()
        print(f"shared: {len(reqs)} requests", file=sys.stderr)
        ans = run_requests(reqs)
        cases = []
        for r, a in zip(reqs, ans):
            c = {"kind": r["kind"], "p": r["p"], "s": r["s"]}
            c.update(a)
            cases.append(c)
        write("triton_memory_shared.json", cases)
    if "tmem" in groups:
        reqs = tmem_cases()
        print(f"tmem: {len(reqs)} requests", file=sys.stderr)
        ans = run_requests(reqs)
        cases = []
        for r, a in zip(reqs, ans):
            c = {"kind": r["kind"], "p": r["p"], "s": r["s"], "bits": r["bits"]}
            c.update(a)
            cases.append(c)
        write("triton_memory_tmem.json", cases)
    if "tmem_reg" in groups:
        reqs = tmem_reg_cases()
        print(f"tmem_reg: {len(reqs)} requests", file=sys.stderr)
        ans = run_requests(reqs)
        cases = []
        for r, a in zip(reqs, ans):
            c = {"mem": r["mem"], "p": r["p"], "s": r["s"], "bits": r["bits"]}
            c.update(a)
            cases.append(c)
        write_with_mem_table("triton_memory_tmem_reg.json", cases)
    if "sm120" in groups:
        write("triton_memory_sm120.json", sm120_cases())
    if "ldmatrix" in groups:
        write("triton_memory_ldmatrix.json", ldmatrix_cases())
    if "conversions" in groups:
        cases = conversion_cases_checked()
        bad = [c["id"] for c in cases if c.get("wheel_agrees") is False]
        print(f"conversions: {len(cases)} literal expectations, wheel disagrees on {bad}", file=sys.stderr)
        write("triton_memory_conversions_test.json", cases)


if __name__ == "__main__":
    main(sys.argv[1:])
