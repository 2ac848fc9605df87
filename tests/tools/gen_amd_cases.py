"""Record Triton 3.9.0's AMD layouts as JSON test data (tests/data/triton_amd_*.json).

Run with the oracle interpreter (Triton is never a runtime dependency of linlayout)::

    /tmp/tritonvenv/bin/python tests/tools/gen_amd_cases.py [family ...]

Each family is a grid of hardware parameters.  For every layout we store the
parameters, the attribute text Triton prints (``str`` of a tensor / memdesc type,
cut to the ``#ttg...`` part) and, per tensor shape, the bases of
``toLinearLayout(shape, attr)`` as Triton returns them.  Triton's C++ aborts the
process on some bad input, so the layouts are evaluated in a worker subprocess; a
case that kills the worker (or raises) is stored with ``"error"`` instead of bases,
which the tests use to check that linlayout rejects the same parameters.

Families (one file each): mfma, mfma_dot, wmma, wmma_dot, slice (SliceLayout of AMD parents and
of their dot operands), mfma_scale (gluon_ir.get_amd_mfma_scale_layout), wmma_scale
(get_amd_wmma_scale_layout), padded_chooser (compute_amd_efficient_padded_shared_layout), shared
(swizzled shared for the rotating cross-check, padded-shared text, partitioned shared), invalid
(parameters Triton rejects or aborts on), rotating_text (amd_rotating_shared has no Python
constructor: Triton parses and re-prints it inside a TTGIR module), store (the MFMA-like epilogue
store layout, read from the TTGIR of compiled gfx950/gfx942 kernels), cpp (the wheel's answers for
the hand-ported C++ unit-test expectations in triton_amd_cpp_expectations.json), tdm (per-wave
piece origins of compiled gfx1250 tdm.async_load kernels, read from the LLVM IR).

Stored JSON layout (compact, one layout per line)::

    {"family": ..., "cases": [{"params": {...}, "text": "#ttg...", "results":
        [{"shape": [..], "bases": {"register": [[..]], ...}} | {"shape": [..], "error": ".."}]}]}
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")

# --------------------------------------------------------------------------------------
# worker side (runs inside the Triton interpreter)
# --------------------------------------------------------------------------------------


def _worker() -> None:  # pragma: no cover - runs under the oracle interpreter
    os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
    import triton.experimental.gluon.language as ttgl
    from triton._C.libtriton import amd, gluon_ir, ir, nvidia
    from triton.experimental.gluon.language.amd import AMDMFMALayout, AMDWMMALayout
    from triton.experimental.gluon.language.amd.cdna5 import PartitionedSharedLayout

    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amd.load_dialects(ctx)
    b = gluon_ir.GluonOpBuilder(ctx, "")

    def build(spec):
        k, p = spec["kind"], spec["params"]
        if k == "amd_mfma":
            return AMDMFMALayout(
                p["version"],
                p["instr_shape"],
                p["transposed"],
                p["warps_per_cta"],
                p["element_bitwidth"],
                p["tiles_per_warp"],
                p["cga_layout"],
            )
        if k == "amd_wmma":
            return AMDWMMALayout(
                p["version"],
                p["transposed"],
                p["warp_bases"],
                p["reg_bases"],
                p["instr_shape"],
                p["cga_layout"],
                p["rank"],
            )
        if k == "dot_op":
            return ttgl.DotOperandLayout(p["operand_index"], build(p["parent"]), p["k_width"])
        if k == "slice":
            return ttgl.SliceLayout(p["dim"], build(p["parent"]))
        if k == "swizzled_shared":
            return ttgl.SwizzledSharedLayout(
                p["vec"], p["per_phase"], p["max_phase"], p["order"], p.get("cga_layout", [])
            )
        if k == "padded_shared":
            return ttgl.PaddedSharedLayout(
                p["interval_padding_pairs"], p["offset_bases"], p["cga_layout"], p["shape"]
            )
        if k == "partitioned_shared":
            return PartitionedSharedLayout(
                p["num_partitions"], p["num_groups"], p["partition_dim"], build(p["partition_layout"])
            )
        raise ValueError(k)

    def text_of(obj, attr, shape):
        if isinstance(obj, ttgl.SharedLayout) if hasattr(ttgl, "SharedLayout") else False:
            t = str(b.get_shared_mem_desc_ty(b.get_half_ty(), shape, attr, shape))
            start = t.index("#")
            return t[start : t.rindex(", #ttg.shared_memory")]
        t = str(b.get_distributed_ty(b.get_float_ty(), shape, attr))
        return t[t.index("#") : -1]

    def ll_dict(r):
        if hasattr(r, "reg_bases"):
            return {
                "register": r.reg_bases,
                "lane": r.lane_bases,
                "warp": r.warp_bases,
                "block": r.block_bases,
            }
        return {"offset": r.offset_bases, "block": r.block_bases}

    def reprint(spec):
        """Parse a TTGIR module using the attribute (as a memdesc encoding) and print it back."""
        import tempfile

        p = spec["params"]
        shape = "x".join(str(s) for s in spec["shape"])
        src = (
            f'#enc = {p["text"]}\n#smem = #ttg.shared_memory\nmodule attributes {{"ttg.num-warps" = 4 : i32, '
            f'"ttg.num-ctas" = {p["num_ctas"]} : i32, "ttg.threads-per-warp" = 64 : i32, '
            f'ttg.target = "hip:gfx942"}} {{\n  tt.func public @f(%a: !ttg.memdesc<{shape}xf16, #enc, #smem, '
            "mutable>) {\n    tt.return\n  }\n}\n"
        )
        with tempfile.NamedTemporaryFile("w", suffix=".ttgir", delete=False) as f:
            f.write(src)
        try:
            text = ir.parse_mlir_module(f.name, ctx).str()
        finally:
            os.unlink(f.name)
        line = next(ln for ln in text.splitlines() if ln.startswith("#shared"))
        return {"text": line.split(" = ", 1)[1]}

    def compile_store(spec):
        """Compile tl.dot -> fp16 store for an AMD target; return the MFMA and store layouts Triton
        chose (chooseMfmaLikeStoreLayout is applied inside the compiler, not exposed to Python)."""
        import re as _re

        import triton
        import triton.language as tl
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource

        @triton.jit
        def kernel(a_ptr, b_ptr, c_ptr, M: tl.constexpr, N: tl.constexpr, K: tl.constexpr):
            rm = tl.arange(0, M)
            rn = tl.arange(0, N)
            rk = tl.arange(0, K)
            a = tl.load(a_ptr + rm[:, None] * K + rk[None, :])
            b = tl.load(b_ptr + rk[:, None] * N + rn[None, :])
            c = tl.dot(a, b)
            tl.store(c_ptr + rm[:, None] * N + rn[None, :], c.to(tl.float16))

        p = spec["params"]
        m, n = spec["shape"]
        sig = {
            "a_ptr": "*fp16",
            "b_ptr": "*fp16",
            "c_ptr": "*fp16",
            "M": "constexpr",
            "N": "constexpr",
            "K": "constexpr",
        }
        src = ASTSource(fn=kernel, signature=sig, constexprs={"M": m, "N": n, "K": p["k"]})
        ck = triton.compile(
            src, target=GPUTarget("hip", p["arch"], 64), options={"num_warps": p["num_warps"]}
        )
        ttgir = ck.asm["ttgir"]
        defs = dict(_re.findall(r"^(#\w+) = (#ttg\.\w+<.*>)$", ttgir, _re.M))
        store = _re.search(r"tt\.store %\w+, %\w+ : tensor<[^,]+, (#\w+)>", ttgir).group(1)
        mma = next(v for v in defs.values() if v.startswith("#ttg.amd_mfma"))
        return {"mma": mma, "store": defs[store]}

    def compile_tdm(spec):
        """Compile a gfx1250 TDM load (gluon tdm.async_load) into an unswizzled row-major LDS tile and
        evaluate, for every wave id, the LDS offset the lowering gives that wave's message: the origin
        of the wave's piece, i.e. getTDMLinearLayout(message=0, warp=w ^ lsb(hint))."""
        import re as _re

        import triton
        import triton.experimental.gluon.language as gl
        from triton.backends.compiler import GPUTarget
        from triton.experimental import gluon
        from triton.experimental.gluon._runtime import GluonASTSource
        from triton.experimental.gluon.language.amd.gfx1250 import tdm

        @gluon.jit
        def kernel(a_ptr, M, N, BM: gl.constexpr, BN: gl.constexpr, HINT: gl.constexpr):
            layout: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [1, 0])
            desc = tdm.make_tensor_descriptor(a_ptr, [M, N], [N, 1], [BM, BN], layout)
            smem = gl.allocate_shared_memory(gl.float16, [BM, BN], layout)
            if HINT == 0:
                tdm.async_load(desc, [0, 0], smem)
            else:
                tdm.async_load(desc, [0, 0], smem, warp_used_hint=HINT)
            tdm.async_wait(0)

        p = spec["params"]
        bm, bn = spec["shape"]
        sig = {
            "a_ptr": "*fp16",
            "M": "i32",
            "N": "i32",
            "BM": "constexpr",
            "BN": "constexpr",
            "HINT": "constexpr",
        }
        src = GluonASTSource(fn=kernel, signature=sig, constexprs={"BM": bm, "BN": bn, "HINT": p["hint"]})
        ck = triton.compile(
            src, target=GPUTarget("hip", "gfx1250", 32), options={"num_warps": p["num_warps"]}
        )
        defs = {}
        for line in ck.asm["llir"].splitlines():
            m = _re.match(r"\s*(%[\w.]+) = (.*?)(, !dbg.*)?$", line)
            if m:
                defs[m.group(1)] = m.group(2)
        wave = next(k for k, v in defs.items() if "llvm.amdgcn.wave.id" in v)
        gep = next(v for v in defs.values() if "@global_smem, i32" in v)
        m = _re.search(
            r"getelementptr (?:inbounds )?(i8|\[(\d+) x i8\]), ptr addrspace\(3\) @global_smem, i32 (\S+)",
            gep,
        )
        unit = int(m.group(2) or 1)
        ops = {
            "and": lambda a, b: a & b,
            "or": lambda a, b: a | b,
            "xor": lambda a, b: a ^ b,
            "shl": lambda a, b: (a << b) & 0xFFFFFFFF,
            "lshr": lambda a, b: a >> b,
            "add": lambda a, b: (a + b) & 0xFFFFFFFF,
            "mul": lambda a, b: (a * b) & 0xFFFFFFFF,
            "sub": lambda a, b: (a - b) & 0xFFFFFFFF,
        }

        def ev(x, w):
            if x == wave:
                return w
            if _re.fullmatch(r"-?\d+", x):
                return int(x)
            e = _re.match(r"(\w+)(?: disjoint| nuw| nsw)* i32 (\S+), (\S+)$", defs[x])
            return ops[e.group(1)](ev(e.group(2), w), ev(e.group(3), w))

        origins = []
        for w in range(p["num_warps"]):
            off = ev(m.group(3), w) * unit // 2  # fp16 elements
            origins.append([off // bn, off % bn])
        return {"origins": origins}

    def compile_swap(spec):
        """Compile a convert_layout that swaps register bit 0 with one lane bit (one wave) and count
        the cross-lane instructions the AMD backend emits for it."""
        import re as _re

        import triton
        import triton.experimental.gluon.language as gl
        from triton.backends.compiler import GPUTarget
        from triton.experimental import gluon
        from triton.experimental.gluon._runtime import GluonASTSource

        p = spec["params"]
        wave, bit = p["wave"], p["lane_bit"]
        lanes = [[2 << i] for i in range(wave.bit_length() - 1)]
        src_l = gl.DistributedLinearLayout([[1]], lanes, [], [], [2 * wave])
        lanes2 = [list(b) for b in lanes]
        regs2 = [lanes2[bit]]
        lanes2[bit] = [1]
        dst_l = gl.DistributedLinearLayout(regs2, lanes2, [], [], [2 * wave])

        @gluon.jit
        def kernel(a_ptr, b_ptr, N: gl.constexpr, SRC: gl.constexpr, DST: gl.constexpr):
            x = gl.load(a_ptr + gl.arange(0, N, layout=SRC))
            y = gl.convert_layout(x, DST)
            gl.store(b_ptr + gl.arange(0, N, layout=DST), y)

        sig = {"a_ptr": "*fp32", "b_ptr": "*fp32", "N": "constexpr", "SRC": "constexpr", "DST": "constexpr"}
        src = GluonASTSource(fn=kernel, signature=sig, constexprs={"N": 2 * wave, "SRC": src_l, "DST": dst_l})
        ck = triton.compile(src, target=GPUTarget("hip", p["arch"], wave), options={"num_warps": 1})
        asm = ck.asm["amdgcn"]
        found = sorted(set(_re.findall(r"v_permlane\w+|ds_bpermute_b32|ds_swizzle_b32", asm)))
        if _re.search(r"_dpp\b|\bdpp:|row_\w+:|quad_perm", asm):
            found.append("dpp")
        return {"instructions": found}

    def run_one(spec):
        fam = spec["family"]
        if fam == "compile_swap":
            return compile_swap(spec)
        if fam == "compile_tdm":
            return compile_tdm(spec)
        if fam == "compile_store":
            return compile_store(spec)
        if fam == "reprint":
            return reprint(spec)
        if fam == "mfma_scale":
            p = spec["params"]
            r = gluon_ir.get_amd_mfma_scale_layout(
                p["operand_index"], spec["shape"], p["m_dim"], p["tiles_per_warp"], p["warps_per_cta"]
            )
            return {"bases": ll_dict(r)}
        if fam == "wmma_scale":
            p = spec["params"]
            r = gluon_ir.get_amd_wmma_scale_layout(
                p["operand_index"],
                spec["shape"],
                p["m_dim"],
                p["n_dim"],
                p["transposed"],
                p["scale_factor"],
                p["reg_bases"],
                p["warp_bases"],
                p["cga_layout"],
            )
            return {"bases": ll_dict(r)}
        if fam == "padded_chooser":
            p = spec["params"]
            r = gluon_ir.compute_amd_efficient_padded_shared_layout(
                p["operand_index"],
                p["k_width"],
                p["version"],
                p["warps_per_cta"],
                p["instr_shape"],
                p["transposed"],
                p["tiles_per_warp"],
                p["element_bitwidth"],
                p["cga_layout"],
                spec["shape"],
                p["elem_bits"],
                p["k_contig"],
            )
            if r is None:
                return {"none": True}
            return {
                "interval_padding_pairs": [list(x) for x in r.interval_padding_pairs],
                "offset_bases": r.offset_bases,
                "cga_layout": r.cga_layout,
                "text": text_of(r, r._to_ir(b), spec["shape"]),
            }
        obj = build(spec)
        attr = obj._to_ir(b)
        out = {"text": text_of(obj, attr, spec["shape"])}
        if not spec.get("text_only"):
            out["bases"] = ll_dict(b.to_linear_layout(attr, spec["shape"]))
        return out

    for line in sys.stdin:
        spec = json.loads(line)
        try:
            res = run_one(spec)
        except Exception as e:  # noqa: BLE001 - recorded as Triton's answer
            res = {"error": f"{type(e).__name__}: {e}"[:300]}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()
    os.close(2)


# --------------------------------------------------------------------------------------
# parent side
# --------------------------------------------------------------------------------------


def run_specs(specs: list[dict], python: str | None = None) -> list[dict]:
    """Evaluate every spec in a worker (``python``: the oracle interpreter), restarting it after
    each abort."""
    results: list[dict] = []
    i = 0
    while i < len(specs):
        todo = specs[i:]
        payload = "".join(json.dumps(s) + "\n" for s in todo)
        p = subprocess.run(
            [python or sys.executable, os.path.abspath(__file__), "--worker"],
            input=payload,
            capture_output=True,
            text=True,
            env={**os.environ, "TRITON_DEFAULT_FP_FUSION": "1"},
        )
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
        results.extend(json.loads(ln) for ln in lines)
        i += len(lines)
        if i < len(specs):  # the worker died on specs[i]
            err = [ln for ln in p.stderr.splitlines() if "leaked" not in ln and ln.strip()]
            msg = next(
                (ln for ln in err if "ERROR" in ln or "Assertion" in ln or "error" in ln),
                err[-1] if err else f"exit {p.returncode}",
            )
            results.append({"error": "abort: " + msg[:300]})
            i += 1
    return results


def pow2_bases(counts: list[int], order: list[int]) -> list[list[int]]:
    """Bases putting counts[d] units along dims in ``order`` (fastest first)."""
    rank = len(counts)
    out = []
    for d in order:
        n = 1
        while n < counts[d]:
            v = [0] * rank
            v[d] = n
            out.append(v)
            n *= 2
    return out


CGAS2 = [[], [[1, 0]], [[0, 1]], [[0, 1], [1, 0]], [[0, 0]], [[1, 0], [0, 0]]]


def fam_mfma():
    layouts, shapes = [], {}
    instrs = [
        ([32, 32, 8], (False, True)),
        ([16, 16, 16], (False, True)),
        ([64, 4, 4], (True, False)),
        ([4, 64, 4], (False, True)),
    ]
    tpws = [[1, 1], [2, 1], [1, 2], [2, 2], [4, 1]]
    warps = [[1, 1], [2, 2], [4, 1], [1, 4], [2, 4], [8, 1]]
    n = 0
    for (instr, trs), tr, eb, tpw, w in itertools.product(instrs, (0, 1), (32, 64), tpws, warps):
        n += 1
        version = 1 + n % 4
        ins = list(instr)
        if version == 4 and ins[0] in (16, 32):
            ins[2] *= 2
        p = {
            "version": version,
            "instr_shape": ins,
            "transposed": trs[tr],
            "warps_per_cta": w,
            "element_bitwidth": eb,
            "tiles_per_warp": tpw,
            "cga_layout": CGAS2[n % len(CGAS2)],
        }
        layouts.append(("amd_mfma", p))
    shp = [[16, 16], [64, 64], [128, 32], [32, 256], [4, 64], [64, 4], [256, 256]]
    for i in range(len(layouts)):
        shapes[i] = [shp[(i + j) % len(shp)] for j in range(4)]
        p = layouts[i][1]
        if p["instr_shape"][:2] == [64, 4] and not p["transposed"]:
            shapes[i] = shapes[i][:1]  # Triton asserts in toLinearLayout: one shape is enough
    for w, tpw in [
        ([2, 2, 1], [1, 1, 1]),
        ([1, 2, 2], [1, 2, 1]),
        ([4, 1, 1], [1, 1, 2]),
        ([2, 1, 4], [1, 1, 1]),
    ]:
        for instr, tr in [
            ([32, 32, 8], False),
            ([16, 16, 16], True),
            ([64, 4, 4], True),
            ([4, 64, 4], False),
        ]:
            for eb in (32, 64):
                p = {
                    "version": 3,
                    "instr_shape": instr,
                    "transposed": tr,
                    "warps_per_cta": w,
                    "element_bitwidth": eb,
                    "tiles_per_warp": tpw,
                    "cga_layout": [] if eb == 32 else [[0, 0, 1]],
                }
                shapes[len(layouts)] = [[2, 64, 64], [4, 32, 128], [1, 16, 16], [8, 128, 4]]
                layouts.append(("amd_mfma", p))
    return [(k, p, shapes[i]) for i, (k, p) in enumerate(layouts)]


def mfma_parents():
    out = []
    for instr, tr, w, tpw, eb, cga in [
        ([32, 32, 8], False, [2, 4], [1, 1], 32, []),
        ([32, 32, 16], True, [2, 2], [2, 2], 32, [[1, 0]]),
        ([16, 16, 16], False, [1, 4], [1, 1], 32, []),
        ([16, 16, 32], True, [4, 1], [2, 1], 32, [[0, 1]]),
        ([16, 16, 16], False, [2, 2], [1, 2], 64, []),
        ([64, 4, 4], True, [1, 1], [1, 1], 32, []),
        ([4, 64, 4], False, [1, 1], [1, 1], 32, []),
        ([64, 4, 4], True, [2, 2], [1, 1], 32, []),
        ([4, 64, 4], True, [4, 1], [1, 1], 32, []),
        ([32, 32, 8], False, [8, 1], [1, 1], 32, [[0, 1], [1, 0]]),
        ([32, 32, 8], True, [1, 2], [2, 1], 32, [[0, 0]]),
        ([16, 16, 32], False, [2, 1], [1, 4], 32, [[1, 0], [0, 1]]),
        ([4, 64, 4], False, [2, 2], [2, 2], 64, []),
        ([64, 4, 4], True, [4, 2], [1, 2], 64, [[0, 1]]),
        ([32, 32, 16], False, [1, 1], [4, 4], 32, []),
        ([16, 16, 16], True, [8, 2], [1, 1], 32, [[1, 0]]),
    ]:
        out.append(
            {
                "kind": "amd_mfma",
                "params": {
                    "version": 4 if instr[2] in (16, 32) and instr[0] != 4 and instr[1] != 4 else 3,
                    "instr_shape": instr,
                    "transposed": tr,
                    "warps_per_cta": w,
                    "element_bitwidth": eb,
                    "tiles_per_warp": tpw,
                    "cga_layout": cga,
                },
            }
        )
    out.append(
        {
            "kind": "amd_mfma",
            "params": {
                "version": 3,
                "instr_shape": [32, 32, 8],
                "transposed": False,
                "warps_per_cta": [2, 2, 1],
                "element_bitwidth": 32,
                "tiles_per_warp": [1, 1, 1],
                "cga_layout": [],
            },
        }
    )
    return out


def fam_mfma_dot():
    out = []
    shp2 = [[16, 16], [32, 64], [64, 32], [128, 128], [64, 256], [256, 16], [4, 64], [64, 4]]
    for pi, parent in enumerate(mfma_parents()):
        rank = len(parent["params"]["warps_per_cta"])
        for op, kw in itertools.product((0, 1), (0, 1, 2, 4, 8, 16, 32)):
            p = {"operand_index": op, "parent": parent, "k_width": kw}
            if rank == 2:
                shapes = [shp2[(pi + op + kw + j) % len(shp2)] for j in range(4)]
            else:
                shapes = [[2, 64, 64], [4, 32, 128], [1, 16, 16]]
            out.append(("dot_op", p, shapes))
    return out


def wmma_parents_grid():
    instrs = {
        1: [[16, 16, 16]],
        2: [[16, 16, 16], [16, 16, 32]],
        3: [[16, 16, 4], [16, 16, 32], [16, 16, 64], [16, 16, 128], [32, 16, 64], [32, 16, 128]],
    }
    ctas = [  # (warp_bases, reg_bases)
        ([], []),
        ([[0, 1], [1, 0]], []),
        ([[1, 0], [2, 0]], []),
        ([[0, 1], [0, 2], [1, 0]], []),
        ([[0, 1]], [[1, 0]]),
        ([[2, 1], [1, 0]], [[2, 0]]),
        ([[1, 0], [0, 1], [2, 0]], [[0, 2], [4, 0]]),
        ([[0, 0], [1, 0]], []),
    ]
    out = []
    n = 0
    for v, ins_list in instrs.items():
        for ins, tr, (wb, rb) in itertools.product(ins_list, (False, True), ctas):
            n += 1
            out.append(
                {
                    "kind": "amd_wmma",
                    "params": {
                        "version": v,
                        "transposed": tr,
                        "warp_bases": wb,
                        "reg_bases": rb,
                        "instr_shape": ins,
                        "cga_layout": CGAS2[n % len(CGAS2)],
                        "rank": 2,
                    },
                }
            )
    for v, ins in [(1, [16, 16, 16]), (2, [16, 16, 32]), (3, [32, 16, 64])]:
        for tr in (False, True):
            out.append(
                {
                    "kind": "amd_wmma",
                    "params": {
                        "version": v,
                        "transposed": tr,
                        "warp_bases": [[0, 0, 1], [0, 1, 0], [1, 0, 0]],
                        "reg_bases": [[0, 2, 0]],
                        "instr_shape": ins,
                        "cga_layout": [[1, 0, 0], [0, 0, 1]] if tr else [[0, 1, 0]],
                        "rank": 3,
                    },
                }
            )
    return out


def fam_wmma():
    shp = [[16, 16], [64, 64], [128, 32], [32, 256], [16, 128], [256, 16], [32, 32]]
    out = []
    for i, par in enumerate(wmma_parents_grid()):
        if par["params"]["rank"] == 3:
            shapes = [[2, 64, 64], [4, 32, 128], [1, 16, 16]]
        else:
            shapes = [shp[(i + j) % len(shp)] for j in range(4)]
        out.append(("amd_wmma", par["params"], shapes))
    return out


def fam_wmma_dot():
    shp = [[16, 16], [32, 64], [64, 32], [128, 128], [64, 256], [256, 16], [16, 128]]
    out = []
    pars = wmma_parents_grid()
    for pi, parent in enumerate(pars):
        if pi % 2 and parent["params"]["rank"] == 2 and pi > 8:
            continue
        for op, kw in itertools.product((0, 1), (0, 1, 2, 4, 8, 16, 32)):
            p = {"operand_index": op, "parent": parent, "k_width": kw}
            if parent["params"]["rank"] == 3:
                shapes = [[2, 64, 64], [4, 32, 128]]
            else:
                shapes = [shp[(pi + op + kw + j) % len(shp)] for j in range(3)]
            out.append(("dot_op", p, shapes))
    return out


def fam_slice():
    out = []
    parents = mfma_parents()[:6] + wmma_parents_grid()[::9]
    for parent in parents:
        if len(parent["params"].get("warps_per_cta", [0, 0])) == 3 or parent["params"].get("rank") == 3:
            continue
        for dim in (0, 1):
            out.append(("slice", {"dim": dim, "parent": parent}, [[16], [64], [256]]))
        for op, kw in ((0, 8), (1, 4)):
            dot = {"kind": "dot_op", "params": {"operand_index": op, "parent": parent, "k_width": kw}}
            for dim in (0, 1):
                out.append(("slice", {"dim": dim, "parent": dot}, [[32], [128]]))
    return out


def fam_mfma_scale():
    out = []
    for op, mdim, tpw, w in itertools.product(
        (0, 1), (16, 32), ([1, 1], [2, 1], [1, 2], [2, 2]), ([1, 1], [2, 2], [4, 1], [1, 4], [2, 4])
    ):
        p = {"operand_index": op, "m_dim": mdim, "tiles_per_warp": tpw, "warps_per_cta": w}
        out.append(("mfma_scale", p, [[32, 4], [64, 8], [128, 16], [256, 4], [16, 2], [128, 1]]))
    for op in (0, 1):  # Triton asserts mDim in {16, 32}
        p = {"operand_index": op, "m_dim": 4, "tiles_per_warp": [1, 1], "warps_per_cta": [2, 2]}
        out.append(("mfma_scale", p, [[64, 8]]))
    return out


def fam_wmma_scale():
    out = []
    ctas = [
        ([], []),
        ([[0, 1], [1, 0]], []),
        ([[1, 0], [2, 0]], [[0, 1]]),
        ([[0, 1], [0, 2], [1, 0]], [[2, 0]]),
    ]
    for op, (m, n), tr, sf, (wb, rb), cga in itertools.product(
        (0, 1), ((16, 16), (32, 16)), (False, True), (16, 32), ctas, ([], [[1, 0]], [[0, 1]])
    ):
        if cga and (wb, rb) != ([[0, 1], [1, 0]], []):
            continue
        p = {
            "operand_index": op,
            "m_dim": m,
            "n_dim": n,
            "transposed": tr,
            "scale_factor": sf,
            "reg_bases": rb,
            "warp_bases": wb,
            "cga_layout": cga,
        }
        out.append(("wmma_scale", p, [[32, 4], [64, 8], [128, 16], [256, 4], [16, 2], [64, 1]]))
    return out


def fam_padded_chooser():
    out = []
    grid = list(
        itertools.product(
            (0, 1),
            (4, 8, 16),
            ([32, 32, 16], [16, 16, 32], [16, 16, 128], [32, 32, 64]),
            (False, True),
            ([2, 2], [4, 1], [1, 4], [8, 1]),
            ([1, 1], [2, 2]),
            (4, 8, 16),
            (True, False),
        )
    )
    for i, (op, kw, ins, tr, w, tpw, bits, kc) in enumerate(grid):
        if (i * 2654435761) % 1000 >= 180:  # a deterministic, uncorrelated ~18% sample
            continue
        p = {
            "operand_index": op,
            "k_width": kw,
            "version": 4,
            "warps_per_cta": w,
            "instr_shape": ins,
            "transposed": tr,
            "tiles_per_warp": tpw,
            "element_bitwidth": 32,
            "cga_layout": [],
            "elem_bits": bits,
            "k_contig": kc,
        }
        shapes = [[128, 64], [64, 128], [256, 256], [32, 32], [16, 512]]
        out.append(("padded_chooser", p, shapes))
    return out


def fam_shared():
    """Swizzled shared (for the rotating cross-check), padded text, partitioned shared."""
    out = []
    for vec, pp, mp, order in itertools.product((1, 2, 4, 8), (1, 2, 4), (1, 2, 4, 8), ([1, 0], [0, 1])):
        p = {"vec": vec, "per_phase": pp, "max_phase": mp, "order": order, "cga_layout": []}
        out.append(("swizzled_shared", p, [[8, 16], [16, 64], [64, 64], [128, 32]]))
    for vec, pp, mp in ((4, 2, 4), (2, 1, 8), (1, 1, 1)):
        out.append(
            (
                "swizzled_shared",
                {"vec": vec, "per_phase": pp, "max_phase": mp, "order": [2, 1, 0], "cga_layout": []},
                [[4, 64, 64], [2, 16, 32]],
            )
        )
    for pairs, bases, shape in [
        ([[512, 16]], None, [128, 64]),
        ([[64, 4], [128, 8]], None, [64, 64]),
        ([[32, 1]], [[0, 1], [0, 2], [2, 0], [4, 0], [1, 0]], [8, 4]),
        ([[2, 2]], [[2], [1]], [8]),
        ([[256, 8]], "rev", [32, 16]),
    ]:
        rank = len(shape)
        if bases is None or bases == "rev":
            order = list(range(rank))[::-1] if bases is None else list(range(rank))
            bases = pow2_bases(shape, order)
        p = {"interval_padding_pairs": pairs, "offset_bases": bases, "cga_layout": [], "shape": shape}
        out.append(("padded_shared", p, [shape]))
    for np_, ng, pd, inner in itertools.product((2, 4), (1, 2), (0, 1), ((4, 2, 4), (8, 1, 8), (1, 1, 1))):
        sw = {
            "kind": "swizzled_shared",
            "params": {
                "vec": inner[0],
                "per_phase": inner[1],
                "max_phase": inner[2],
                "order": [1, 0],
                "cga_layout": [],
            },
        }
        p = {"num_partitions": np_, "num_groups": ng, "partition_dim": pd, "partition_layout": sw}
        out.append(("partitioned_shared", p, [[64, 64], [128, 32], [32, 128]]))
    return out


def fam_invalid():
    """Parameters Triton rejects (or aborts on); linlayout must raise LayoutError for each."""
    m = {
        "version": 3,
        "instr_shape": [32, 32, 8],
        "transposed": False,
        "warps_per_cta": [2, 2],
        "element_bitwidth": 32,
        "tiles_per_warp": [1, 1],
        "cga_layout": [],
    }
    w = {
        "version": 2,
        "transposed": False,
        "warp_bases": [[0, 1], [1, 0]],
        "reg_bases": [],
        "instr_shape": [16, 16, 16],
        "cga_layout": [],
        "rank": 2,
    }
    out = []
    for ch in [
        {"instr_shape": [4, 4, 4]},
        {"instr_shape": [8, 8, 4]},
        {"instr_shape": [64, 4, 4]},
        {"instr_shape": [32, 32, 8], "warps_per_cta": [3, 1]},
        {"warps_per_cta": [2, 6]},
        {"tiles_per_warp": [3, 1]},
        {"element_bitwidth": 16},
        {"version": 0},
        {"version": 5},
        {"instr_shape": [32, 32, 6]},
        {"warps_per_cta": [1, 1, 1, 1], "tiles_per_warp": [1, 1, 1, 1]},
        {"cga_layout": [[2, 0]]},
        {"cga_layout": [[1, 0], [1, 0]]},
    ]:
        out.append(("amd_mfma", {**m, **ch}, [[64, 64]]))
    for kw in (3, 6, 12, 64, 128):
        out.append(
            (
                "dot_op",
                {"operand_index": 0, "parent": {"kind": "amd_mfma", "params": m}, "k_width": kw},
                [[64, 64]],
            )
        )
    for ch in [
        {"version": 4},
        {"version": 0},
        {"instr_shape": [16, 16, 32]},
        {"instr_shape": [32, 16, 32]},
        {"version": 3, "instr_shape": [16, 16, 8]},
        {"version": 3, "instr_shape": [32, 32, 64]},
        {"version": 3, "instr_shape": [16, 32, 64]},
        {"warp_bases": [[0, 2]]},
        {"warp_bases": [[0, 1], [0, 1]]},
        {"warp_bases": [[0, 3]]},
    ]:
        out.append(("amd_wmma", {**w, **ch}, [[64, 64]]))
    w3 = {**w, "version": 3, "instr_shape": [16, 16, 32]}
    for kw in (3, 6, 64):
        out.append(
            (
                "dot_op",
                {"operand_index": 1, "parent": {"kind": "amd_wmma", "params": w3}, "k_width": kw},
                [[64, 64]],
            )
        )
    for shape in ([48, 64], [64, 3]):
        out.append(("amd_mfma", dict(m), [shape]))
    return out


def fam_rotating_text():
    """amd_rotating_shared has no Python constructor in 3.9.0: write its text into a TTGIR module,
    let Triton parse and print it back, and keep what Triton prints."""
    out = []
    for vec, pp, mp, order, cga in [
        (4, 2, 4, [1, 0], []),
        (2, 2, 2, [0, 1], []),
        (8, 1, 8, [1, 0], [[1, 0]]),
        (1, 1, 1, [1, 0], [[0, 1], [1, 0]]),
        (4, 1, 16, [2, 1, 0], []),
        (16, 4, 2, [0, 1], [[0, 0]]),
    ]:
        fields = f"vec = {vec}, perPhase = {pp}, maxPhase = {mp}, order = {order}"
        if cga:
            fields += f", CGALayout = {cga}"
        p = {
            "text": "#ttg.amd_rotating_shared<{" + fields + "}>",
            "num_ctas": 1 << len([b for b in cga if any(b)]),
            "vec": vec,
            "per_phase": pp,
            "max_phase": mp,
            "order": order,
            "cga_layout": cga,
        }
        out.append(("amd_rotating_shared", p, [[64, 64] if len(order) == 2 else [2, 64, 64]]))
    return out


def fam_store():
    """Epilogue store layouts Triton's AMD compiler picks (chooseMfmaLikeStoreLayout), by compiling."""
    out = []
    for arch, m, n, k, w in [
        ("gfx950", 128, 128, 64, 4),
        ("gfx950", 64, 64, 64, 4),
        ("gfx950", 128, 64, 64, 4),
        ("gfx950", 64, 128, 32, 8),
        ("gfx950", 32, 32, 64, 1),
        ("gfx950", 16, 64, 64, 1),
        ("gfx950", 256, 32, 64, 4),
        ("gfx950", 16, 128, 64, 1),
        ("gfx950", 32, 64, 32, 2),
        ("gfx950", 64, 256, 64, 4),
        ("gfx950", 16, 32, 32, 1),
        ("gfx950", 128, 16, 64, 4),
        ("gfx942", 128, 128, 64, 4),
        ("gfx942", 32, 32, 32, 1),
    ]:
        out.append(("store", {"arch": arch, "k": k, "num_warps": w}, [[m, n]]))
    return out


def fam_cpp():
    """The layouts of the hand-ported C++ unit-test expectations that the wheel can build: Triton
    3.9.0's answer for each, to compare with the (newer, upstream) literal expectation."""
    with open(os.path.join(DATA, "triton_amd_cpp_expectations.json")) as f:
        cases = json.load(f)["cases"]
    out = []
    for c in cases:
        k, p = c["kind"], c["params"]
        if k in ("amd_mfma", "amd_mfma_dot"):
            rank = len(p["warps_per_cta"])
            par = {
                "version": p["version"],
                "instr_shape": p["instr_shape"],
                "transposed": p["transposed"],
                "warps_per_cta": p["warps_per_cta"],
                "element_bitwidth": 32,
                "tiles_per_warp": p.get("tiles_per_warp") or [1] * rank,
                "cga_layout": [],
            }
            if k == "amd_mfma":
                out.append(("amd_mfma", par, [c["shape"]]))
            else:
                dot = {
                    "operand_index": p["operand_index"],
                    "k_width": p["k_width"],
                    "parent": {"kind": "amd_mfma", "params": par},
                }
                out.append(("dot_op", dot, [c["shape"]]))
        elif k in ("amd_wmma", "amd_wmma_dot"):
            w = p["warps_per_cta"]
            rank = len(w)
            warp_bases = []
            for d in range(rank - 1, -1, -1):
                n = 1
                while n < w[d]:
                    warp_bases.append([n if i == d else 0 for i in range(rank)])
                    n *= 2
            par = {
                "version": p["version"],
                "transposed": p["transposed"],
                "warp_bases": warp_bases,
                "reg_bases": [],
                "instr_shape": p.get("instr_shape") or [16, 16, 16],
                "cga_layout": [],
                "rank": rank,
            }
            if k == "amd_wmma":
                out.append(("amd_wmma", par, [c["shape"]]))
            else:
                dot = {
                    "operand_index": p["operand_index"],
                    "k_width": p["k_width"],
                    "parent": {"kind": "amd_wmma", "params": par},
                }
                out.append(("dot_op", dot, [c["shape"]]))
    return out


def fam_tdm():
    """gfx1250 TDM: per-wave piece origins of compiled tdm.async_load kernels (see compile_tdm)."""
    out = []
    for w, bm, bn, hint in [
        (4, 64, 64, 0),
        (4, 32, 32, 0),
        (8, 64, 64, 0),
        (8, 16, 256, 0),
        (2, 64, 64, 0),
        (4, 16, 128, 0),
        (8, 32, 32, 0),
        (4, 128, 16, 0),
        (8, 4, 256, 0),
        (8, 1, 512, 0),
        (16, 8, 64, 0),
        (4, 1, 64, 0),
        (8, 64, 64, 0b01010101),
        (8, 64, 64, 0b11110000),
        (4, 64, 64, 0b0011),
        (8, 128, 64, 0b00110011),
        (16, 64, 64, 0b1111000011110000),
    ]:
        out.append(("tdm", {"num_warps": w, "hint": hint}, [[bm, bn]]))
    return out


def fam_permlane():
    """Which cross-lane instruction each AMD chip uses for a register<->lane bit swap (Target check)."""
    out = []
    for arch, wave, bits in [
        ("gfx908", 64, (4, 5)),
        ("gfx90a", 64, (5,)),
        ("gfx942", 64, (4, 5)),
        ("gfx950", 64, (3, 4, 5)),
        ("gfx1100", 32, (3, 4)),
        ("gfx1200", 32, (4,)),
        ("gfx1250", 32, (3, 4)),
    ]:
        for b in bits:
            out.append(("permlane", {"arch": arch, "wave": wave, "lane_bit": b}, [[2 * wave]]))
    return out


FAMILIES = {
    "mfma": fam_mfma,
    "mfma_dot": fam_mfma_dot,
    "wmma": fam_wmma,
    "wmma_dot": fam_wmma_dot,
    "slice": fam_slice,
    "mfma_scale": fam_mfma_scale,
    "wmma_scale": fam_wmma_scale,
    "padded_chooser": fam_padded_chooser,
    "shared": fam_shared,
    "invalid": fam_invalid,
    "rotating_text": fam_rotating_text,
    "store": fam_store,
    "cpp": fam_cpp,
    "tdm": fam_tdm,
    "permlane": fam_permlane,
}
NO_TEXT = {"mfma_scale", "wmma_scale", "padded_chooser", "rotating_text", "store", "tdm", "permlane"}


def generate(name: str) -> dict:
    layouts = FAMILIES[name]()
    fam = name if name in NO_TEXT else "layout"
    if name == "rotating_text":
        fam = "reprint"
    if name == "store":
        fam = "compile_store"
    if name == "tdm":
        fam = "compile_tdm"
    if name == "permlane":
        fam = "compile_swap"
    # phase 1: does Triton accept the parameters at all (one spec per layout)?
    ok = [True] * len(layouts)
    first: dict[int, dict] = {}
    if fam == "layout":
        probe = [
            {"family": fam, "kind": k, "params": p, "shape": s[0], "text_only": True} for k, p, s in layouts
        ]
        for i, r in enumerate(run_specs(probe)):
            first[i] = r
            ok[i] = "error" not in r
    specs, where = [], []
    for i, (kind, params, shapes) in enumerate(layouts):
        if not ok[i] or kind == "padded_shared":
            continue
        for j, s in enumerate(shapes):
            specs.append({"family": fam, "kind": kind, "params": params, "shape": s})
            where.append((i, j))
    res = dict(zip(where, run_specs(specs)))
    cases = []
    for i, (kind, params, shapes) in enumerate(layouts):
        entry = {"kind": kind, "params": params}
        if i in first and "text" in first[i]:
            entry["text"] = first[i]["text"]
        if not ok[i]:
            entry["error"] = first[i]["error"]
            entry["results"] = []
        elif kind == "padded_shared":
            entry["results"] = [{"shape": shapes[0]}]
        else:
            entry["results"] = []
            for j, s in enumerate(shapes):
                r = dict(res[(i, j)])
                r.pop("text", None) if name not in ("padded_chooser", "rotating_text") else None
                entry["results"].append({"shape": s, **r})
        cases.append(entry)
    return {"family": name, "triton": "3.9.0", "cases": cases}


def dump(doc: dict, path: str) -> None:
    with open(path, "w") as f:
        f.write('{"family": ' + json.dumps(doc["family"]) + ', "triton": "3.9.0", "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in doc["cases"]))
        f.write("\n]}\n")


def main(argv: list[str]) -> None:
    names = argv or list(FAMILIES)
    for name in names:
        doc = generate(name)
        path = os.path.join(DATA, f"triton_amd_{name}.json")
        dump(doc, path)
        n = sum(len(c["results"]) for c in doc["cases"])
        bad = sum(1 for c in doc["cases"] for r in c["results"] if "error" in r)
        badl = sum(1 for c in doc["cases"] if "error" in c)
        print(
            f"{name}: {len(doc['cases'])} layouts ({badl} rejected by Triton), {n} cases "
            f"({bad} rejected) -> {path}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker()
    else:
        main(sys.argv[1:])
