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
and the padded TDM layouts have no linear layout there, so those are not stored.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import triton.experimental.gluon.language as ttgl
from triton._C.libtriton import amd, gluon_ir, ir, nvidia  # noqa: F401

OUT = Path(__file__).resolve().parents[1] / "data" / "triton_tma_cases.json"


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
    data = {"triton": "3.9.0", "tma_box": boxes, "tma_tile": tiles, "tdm_shared": tdm}
    OUT.write_text(json.dumps(data, separators=(",", ":")))
    print(f"{len(boxes)} box, {len(tiles)} tile, {len(tdm)} tdm cases -> {OUT}")


if __name__ == "__main__":
    main()
