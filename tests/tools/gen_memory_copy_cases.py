"""Store Triton 3.9.0's shared layouts for bulk-copy (TMA / TDM) parameters.

Run with the oracle interpreter from the repository root:
``/tmp/tritonvenv/bin/python tests/tools/gen_memory_copy_cases.py``.
Writes ``tests/data/triton_tma_cases.json``:

* ``tma_box``: ``NVMMASharedLayout(swizzle, element_bitwidth, rank)`` on a TMA box whose
  inner dim is exactly one swizzle span (16 bytes .. 256 elements without swizzle) —
  the layout one ``cp.async.bulk.tensor`` writes; compared with
  ``TmaCopy(box).smem_layout()``.
* ``tma_tile``: the same NVMMA layouts on whole tiles (several boxes); compared with
  ``TmaCopy(box=tma_block_shape(tile), tile_shape=tile).smem_layout()``.
* ``tdm_shared``: ``SwizzledSharedLayout(vec, per_phase, 1, order=[rank-1..0])`` — the
  descriptor layouts ``amd.gfx1250.tdm.make_tensor_descriptor`` accepts — on TDM blocks;
  compared with ``TdmCopy(...).smem_layout()``.

Triton 3.9.0 does not expose ``getTDMLinearLayout`` (the message/warp layout) to Python
and the padded TDM layouts have no linear layout there.  Instead ``tdm_compiled`` compiles
a Gluon ``tdm.async_load`` kernel for ``hip:gfx1250`` (no GPU needed) and reads from the
LLVM IR how many ``llvm.amdgcn.tensor.load.to.lds`` each warp issues and the per-warp tile
(descriptor group 1: element 4 = tile rows, element 3 bits 16.. = tile columns); compared
with ``TdmCopy.warp_box`` and ``message_count``.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import triton.experimental.gluon.language as ttgl
from triton._C.libtriton import amd, gluon_ir, ir, nvidia  # noqa: F401

OUT = Path(__file__).resolve().parents[1] / "data" / "triton_tma_cases.json"


def _tdm_kernel():
    from triton.experimental import gluon
    from triton.experimental.gluon.language.amd.gfx1250 import tdm

    @gluon.jit
    def tdm_copy(a_ptr, M, N, BM: ttgl.constexpr, BN: ttgl.constexpr, HINT: ttgl.constexpr):
        layout: ttgl.constexpr = ttgl.SwizzledSharedLayout(1, 1, 1, [1, 0])
        desc = tdm.make_tensor_descriptor(a_ptr, [M, N], [N, 1], [BM, BN], layout)
        smem = ttgl.allocate_shared_memory(a_ptr.dtype.element_ty, [BM, BN], layout)
        if HINT == 0:
            tdm.async_load(desc, [0, 0], smem)
        else:
            tdm.async_load(desc, [0, 0], smem, warp_used_hint=HINT)
        tdm.async_wait(0)

    return tdm_copy


_GEP_SIZE = {"i8": 1, "i16": 2, "half": 2, "bfloat": 2, "i32": 4, "float": 4}


def _llir_eval(llir: str, target: str, wave: int) -> int | None:
    """Evaluate the scalar integer chain that defines ``target`` in LLVM IR for one wave id
    (``@global_smem`` = 0).  Only the handful of ops the TDM lowering emits; None otherwise."""
    defs = {}
    for line in llir.splitlines():
        m = re.match(r"\s*(%[\w.]+) = (.*?)(?:, !dbg !\d+)?$", line)
        if m:
            defs[m.group(1)] = m.group(2)
    memo: dict[str, int | None] = {}

    def val(tok: str) -> int | None:
        tok = tok.strip()
        if tok == "@global_smem":
            return 0
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if tok not in defs:
            return None
        if tok not in memo:
            memo[tok] = ev(defs[tok])
        return memo[tok]

    def ev(rhs: str) -> int | None:
        if "@llvm.amdgcn.wave.id()" in rhs:
            return wave
        m = re.match(r"tail call i(\d+) @llvm\.bitreverse\.i\d+\(i\d+ (\S+)\)$", rhs)
        if m:
            a, bits = val(m.group(2)), int(m.group(1))
            return None if a is None else int(format(a, f"0{bits}b")[::-1], 2)
        m = re.match(
            r"(and|or disjoint|or|xor|add(?: nuw)?(?: nsw)?|sub(?: nuw)?(?: nsw)?|mul(?: nuw)?(?: nsw)?|"
            r"shl(?: nuw)?(?: nsw)?|lshr(?: exact)?) i(\d+) (\S+), (\S+)$",
            rhs,
        )
        if m:
            a, b = val(m.group(3)), val(m.group(4))
            if a is None or b is None:
                return None
            op, bits = m.group(1).split()[0], int(m.group(2))
            r = {
                "and": a & b,
                "or": a | b,
                "xor": a ^ b,
                "add": a + b,
                "sub": a - b,
                "mul": a * b,
                "shl": a << b,
                "lshr": a >> b,
            }[op]
            return r & ((1 << bits) - 1)
        m = re.match(r"(?:zext|trunc)(?: nneg| nuw)? i\d+ (\S+) to i(\d+)$", rhs)
        if m:
            a = val(m.group(1))
            return None if a is None else a & ((1 << int(m.group(2))) - 1)
        m = re.match(r"ptrtoint ptr addrspace\(3\) (\S+) to i32$", rhs)
        if m:
            return val(m.group(1))
        m = re.match(
            r"getelementptr (?:inbounds )?(?:nuw )?(\[(\d+) x (\w+)\]|\w+), ptr addrspace\(3\) (\S+), "
            r"i32 (\S+)$",
            rhs,
        )
        if m:
            size = int(m.group(2)) * _GEP_SIZE[m.group(3)] if m.group(2) else _GEP_SIZE.get(m.group(1))
            base, idx = val(m.group(4)), val(m.group(5))
            return None if size is None or base is None or idx is None else base + size * idx
        return None

    return val(target)


def tdm_compiled() -> list[dict]:
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.experimental.gluon._runtime import GluonASTSource

    os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
    kern = _tdm_kernel()
    sig = {
        "a_ptr": "*fp16",
        "M": "i32",
        "N": "i32",
        "BM": "constexpr",
        "BN": "constexpr",
        "HINT": "constexpr",
    }
    out = []
    grid = [
        (bm, bn, w, 0)
        for bm, bn in ((64, 64), (2, 64), (16, 128), (1, 256), (128, 32), (4, 16))
        for w in (1, 2, 4, 8)
    ]
    grid += [(64, 64, 8, 0b00001111), (64, 64, 8, 0b11110000), (64, 64, 8, 0b01010101), (32, 64, 4, 0b0011)]
    for bm, bn, w, hint in grid:
        src = GluonASTSource(fn=kern, signature=sig, constexprs={"BM": bm, "BN": bn, "HINT": hint})
        ck = triton.compile(src, target=GPUTarget("hip", "gfx1250", 32), options={"num_warps": w})
        llir = ck.asm["llir"]
        loads = llir.count("call void @llvm.amdgcn.tensor.load.to.lds(")
        g1 = re.search(
            r"insertelement <8 x i32> <i32 \d+, i32 poison, i32 poison, i32 poison, i32 (\d+),", llir
        )
        e3 = re.search(r"insertelement <8 x i32> %\d+, i32 (%\d+), i64 3", llir)
        cols = None
        if e3:
            m = re.search(re.escape(e3.group(1)) + r" = or disjoint i32 %\d+, (\d+)", llir)
            cols = int(m.group(1)) >> 16 if m else None
        # the LDS destination byte offset of each warp's message (group 0, element 1)
        # and its predicate (group 0, element 0: 1 without a hint, computed from the warp id with one)
        g0 = re.search(
            r"insertelement <4 x i32> (?:<i32 1, i32 poison, i32 poison, i32 poison>|%[\w.]+), "
            r"i32 (%[\w.]+), i64 1",
            llir,
        )
        p0 = re.search(r"insertelement <4 x i32> poison, i32 (%[\w.]+), i64 0", llir)
        lds = [_llir_eval(llir, g0.group(1), wave) if g0 else None for wave in range(w)]
        pred = [_llir_eval(llir, p0.group(1), wave) if p0 else 1 for wave in range(w)]
        out.append(
            {
                "lds_bytes": lds,
                "active": pred,
                "block": [bm, bn],
                "num_warps": w,
                "hint": hint,
                "loads_per_warp": loads,
                "tile_rows": int(g1.group(1)) if g1 else None,
                "tile_cols": cols,
            }
        )
    return out


def main() -> None:
    ctx = ir.context()
    ir.load_dialects(ctx)
    nvidia.load_dialects(ctx)
    amd.load_dialects(ctx)
    b = gluon_ir.GluonOpBuilder(ctx, "")

    def nvmma(sw, bits, rank, shape):
        L = ttgl.NVMMASharedLayout(swizzle_byte_width=sw, element_bitwidth=bits, rank=rank)
        return b.to_linear_layout(L._to_ir(b), list(shape)).offset_bases

    boxes, tiles, tdm = [], [], []
    for bits, sw in itertools.product((8, 16, 32, 64), (0, 32, 64, 128)):
        eb = bits // 8
        span = (sw or 16) // eb  # inner dim in elements: the span (16 bytes without swizzle)
        inners = [span] if sw else [span, span * 2, span * 4, min(256, span * 16)]
        for inner in inners:
            for rows in (1, 2, 8, 16, 64, 256):
                if sw and rows < 8:
                    continue
                shape = [rows, inner]
                boxes.append({"bits": bits, "swizzle": sw, "box": shape, "offset": nvmma(sw, bits, 2, shape)})
            for outer in ([2, 8], [4, 16], [8, 8]):
                shape = outer + [inner]
                boxes.append({"bits": bits, "swizzle": sw, "box": shape, "offset": nvmma(sw, bits, 3, shape)})
        # tiles of several boxes (Triton's box: tma_block_shape)
        for shape in ([512, span * 2], [16, span * 4], [256, span * 8], [32, 8, span * 2]):
            if max(shape) > 4096 or shape[-1] * eb > 4096:
                continue
            tiles.append(
                {"bits": bits, "swizzle": sw, "tile": shape, "offset": nvmma(sw, bits, len(shape), shape)}
            )
    for bits, vec, pp, shape in itertools.product(
        (8, 16, 32), (1, 4, 8), (1, 2), ([64, 64], [16, 128], [8, 4, 32])
    ):
        order = list(range(len(shape) - 1, -1, -1))
        L = ttgl.SwizzledSharedLayout(vec=vec, per_phase=pp, max_phase=1, order=order)
        tdm.append(
            {
                "bits": bits,
                "vec": vec,
                "per_phase": pp,
                "order": order,
                "block": shape,
                "offset": b.to_linear_layout(L._to_ir(b), shape).offset_bases,
            }
        )
    data = {
        "triton": "3.9.0",
        "tma_box": boxes,
        "tma_tile": tiles,
        "tdm_shared": tdm,
        "tdm_compiled": tdm_compiled(),
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")))
    print(
        f"{len(boxes)} box, {len(tiles)} tile, {len(tdm)} tdm, "
        f"{len(data['tdm_compiled'])} compiled cases -> {OUT}"
    )


if __name__ == "__main__":
    main()
