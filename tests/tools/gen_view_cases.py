"""Store Triton 3.9.0's own layout views (``gluon_ir.get_layout_view``) for a few dozen layouts.

Run with the oracle interpreter from the repository root::

    /tmp/tritonvenv/bin/python tests/tools/gen_view_cases.py

It writes ``tests/data/triton_views.json``: a list of cases, each with the layout's
TTGIR text (``attr``), the tensor ``shape``, the ``bases`` Triton's ``toLinearLayout``
returns, its ``out_dims``, and Triton's two views: ``tensor_view``
(``useHWPointOfView=False``) and ``hardware_view`` (``True``).  tests/test_views_text.py
compares linlayout's views with them cell by cell without needing triton.
"""

from __future__ import annotations

import json
import os
import sys

import triton.experimental.gluon.language as ttgl
from triton._C.libtriton import amd, gluon_ir, ir, nvidia
from triton.experimental.gluon.language.amd import AMDMFMALayout, AMDWMMALayout

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "triton_views.json")

ctx = ir.context()
ir.load_dialects(ctx)
nvidia.load_dialects(ctx)
amd.load_dialects(ctx)
B = gluon_ir.GluonOpBuilder(ctx, "")


def _attr_from_type(type_text: str) -> str:
    """The first '#ttg...' attribute in a printed type, brackets balanced."""
    start = type_text.index("#")
    depth = 0
    for i in range(start, len(type_text)):
        c = type_text[i]
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
            if depth == 0:
                return type_text[start : i + 1]
    raise ValueError(type_text)


def blocked(spt, tpw, wpc, order, cga=()):
    return ttgl.BlockedLayout(spt, tpw, wpc, order, cga_layout=[list(b) for b in cga])


MMA2 = ttgl.NVMMADistributedLayout(version=[2, 0], warps_per_cta=[2, 2], instr_shape=[16, 8])
MMA3 = ttgl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 32, 16])
MFMA32 = AMDMFMALayout(version=3, instr_shape=[32, 32, 8], transposed=True, warps_per_cta=[2, 2])
MFMA16 = AMDMFMALayout(version=4, instr_shape=[16, 16, 16], transposed=False, warps_per_cta=[2, 1])
WMMA2 = AMDWMMALayout(version=2, transposed=False, warp_bases=[[0, 1], [1, 0]], instr_shape=[16, 16, 16])
BL = blocked([1, 4], [4, 8], [2, 2], [1, 0])

DISTRIBUTED = [
    ("blocked_32x64", BL, [32, 64]),
    ("blocked_broadcast_8x8", blocked([1, 2], [4, 8], [2, 1], [1, 0]), [8, 8]),
    ("blocked_colmajor_16x16", blocked([2, 1], [8, 4], [1, 2], [0, 1]), [16, 16]),
    ("blocked_1d_32", blocked([2], [32], [1], [0]), [32]),
    ("blocked_1d_256", blocked([2], [32], [2], [0]), [256]),
    ("blocked_3d", blocked([1, 1, 4], [2, 4, 4], [2, 1, 2], [2, 1, 0]), [4, 8, 16]),
    ("blocked_2cta", blocked([1, 1], [4, 8], [1, 1], [1, 0], cga=[[0, 1]]), [4, 16]),
    ("blocked_4cta", blocked([1, 2], [4, 8], [1, 1], [1, 0], cga=[[1, 0], [0, 1]]), [8, 32]),
    ("blocked_cta_broadcast", blocked([1, 1], [4, 8], [1, 1], [1, 0], cga=[[0, 0], [0, 1]]), [4, 16]),
    ("blocked_wave64", blocked([1, 2], [8, 8], [1, 2], [1, 0]), [16, 32]),
    ("slice0_64", ttgl.SliceLayout(0, BL), [64]),
    ("slice1_32", ttgl.SliceLayout(1, BL), [32]),
    ("slice_of_3d", ttgl.SliceLayout(1, blocked([1, 1, 4], [2, 4, 4], [2, 1, 2], [2, 1, 0])), [4, 16]),
    ("mma_v2_32x32", MMA2, [32, 32]),
    ("mma_v2_64x64", MMA2, [64, 64]),
    ("mma_v3_64x32", MMA3, [64, 32]),
    ("dot_op0_mma_v2", ttgl.DotOperandLayout(0, MMA2, 2), [32, 16]),
    ("dot_op1_mma_v2", ttgl.DotOperandLayout(1, MMA2, 2), [16, 32]),
    ("mfma_32x32_transposed", MFMA32, [64, 64]),
    ("mfma_16x16", MFMA16, [32, 32]),
    ("dot_op0_mfma", ttgl.DotOperandLayout(0, MFMA16, 8), [32, 32]),
    ("wmma_v2", WMMA2, [32, 32]),
    (
        "linear_broadcast_warp",
        ttgl.DistributedLinearLayout(
            reg_bases=[[0, 1], [8, 0]],
            lane_bases=[[0, 2], [0, 4], [0, 8], [1, 0], [2, 0]],
            warp_bases=[[0, 0], [4, 0]],
            block_bases=[],
            shape=[16, 16],
        ),
        [16, 16],
    ),
    (
        "linear_interleaved_lanes",
        ttgl.DistributedLinearLayout(
            reg_bases=[[4, 0]],
            lane_bases=[[0, 1], [1, 0], [0, 2], [2, 0], [0, 4]],
            warp_bases=[],
            block_bases=[],
            shape=[8, 8],
        ),
        [8, 8],
    ),
]

SHARED = [
    ("swizzled_2_1_4", ttgl.SwizzledSharedLayout(2, 1, 4, [1, 0]), [4, 8]),
    ("swizzled_8_1_8", ttgl.SwizzledSharedLayout(8, 1, 8, [1, 0]), [32, 64]),
    ("swizzled_colmajor", ttgl.SwizzledSharedLayout(4, 2, 4, [0, 1]), [16, 16]),
    ("swizzled_3d", ttgl.SwizzledSharedLayout(2, 1, 2, [2, 1, 0]), [2, 4, 8]),
    ("swizzled_2cta", ttgl.SwizzledSharedLayout(2, 1, 4, [1, 0], cga_layout=[[0, 1]]), [4, 16]),
    ("unswizzled_1d", ttgl.SwizzledSharedLayout(1, 1, 1, [0]), [64]),
    ("nvmma_32B_fp16", ttgl.NVMMASharedLayout(swizzle_byte_width=32, element_bitwidth=16, rank=2), [8, 16]),
    (
        "nvmma_128B_fp16",
        ttgl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=16, rank=2),
        [32, 64],
    ),
    (
        "nvmma_64B_fp16_transposed",
        ttgl.NVMMASharedLayout(swizzle_byte_width=64, element_bitwidth=16, rank=2, transposed=True),
        [32, 32],
    ),
    ("nvmma_128B_fp8", ttgl.NVMMASharedLayout(swizzle_byte_width=128, element_bitwidth=8, rank=2), [16, 128]),
    (
        "shared_linear",
        ttgl.SharedLinearLayout(offset_bases=[[0, 1], [0, 2], [1, 0], [2, 1], [4, 2]], block_bases=[]),
        [8, 4],
    ),
]


def _distributed_case(name, layout, shape):
    attr = layout._to_ir(B)
    ty = str(B.get_distributed_ty(B.get_float_ty(), shape, attr))
    ll = B.to_linear_layout(attr, shape)
    bases = {
        "register": ll.reg_bases,
        "lane": ll.lane_bases,
        "warp": ll.warp_bases,
        "block": ll.block_bases,
    }
    return {
        "name": name,
        "kind": "distributed",
        "attr": _attr_from_type(ty),
        "shape": list(shape),
        "bases": {k: [list(map(int, b)) for b in v] for k, v in bases.items()},
        "out_dims": [[f"dim{i}", int(s)] for i, s in enumerate(ll.shape)],
        "tensor_view": gluon_ir.get_layout_view(layout, list(shape), False),
        "hardware_view": gluon_ir.get_layout_view(layout, list(shape), True),
    }


def _shared_case(name, layout, shape):
    attr = layout._to_ir(B)
    ty = str(B.get_shared_mem_desc_ty(B.get_half_ty(), shape, attr, list(shape)))
    ll = B.to_linear_layout(attr, shape)
    bases = {"offset": ll.offset_bases, "block": ll.block_bases}
    return {
        "name": name,
        "kind": "shared",
        "attr": _attr_from_type(ty),
        "shape": list(shape),
        "bases": {k: [list(map(int, b)) for b in v] for k, v in bases.items()},
        "out_dims": [[f"dim{i}", int(s)] for i, s in enumerate(shape)],
        "tensor_view": gluon_ir.get_layout_view(layout, list(shape), False),
        "hardware_view": gluon_ir.get_layout_view(layout, list(shape), True),
    }


def main() -> int:
    cases = [_distributed_case(*c) for c in DISTRIBUTED] + [_shared_case(*c) for c in SHARED]
    with open(OUT, "w") as f:
        json.dump({"triton": "3.9.0", "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
