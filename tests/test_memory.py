"""Bulk tensor copies (linlayout.memory): TMA / TDM descriptions, plan_copy, Triton answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from linlayout import LayoutError
from linlayout.hardware.blocked import BlockedLayout
from linlayout.hardware.shared import NVMMASharedLayout, SwizzledSharedLayout, tma_block_shape
from linlayout.memory import (
    TDM_RULES,
    TMA_RULES,
    TdmCopy,
    TmaCopy,
    plan_copy,
    tdm_warp_distribution,
    tma_box_layout,
    unswizzle_offsets,
)

DATA = json.loads((Path(__file__).parent / "data" / "triton_tma_cases.json").read_text())
ROOT = Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------- Triton answers


def test_stored_case_counts():
    assert len(DATA["tma_box"]) == 228 and len(DATA["tma_tile"]) == 64 and len(DATA["tdm_shared"]) == 54
    assert len(DATA["tdm_compiled"]) == 28


def test_tma_box_equals_triton_nvmma():
    for c in DATA["tma_box"]:
        t = TmaCopy(
            global_shape=[2 * x for x in c["box"]],
            box_shape=c["box"],
            element_bitwidth=c["bits"],
            swizzle=c["swizzle"],
        )
        assert t.smem_layout().bases["offset"] == c["offset"], c
        assert t.message_count == 1


def test_tma_tile_equals_triton_nvmma():
    for c in DATA["tma_tile"]:
        box = tma_block_shape(c["tile"], element_bitwidth=c["bits"], swizzle_byte_width=c["swizzle"])
        t = TmaCopy(
            global_shape=c["tile"],
            box_shape=box,
            element_bitwidth=c["bits"],
            swizzle=c["swizzle"],
            tile_shape=c["tile"],
        )
        assert t.smem_layout().bases["offset"] == c["offset"], c
        # and the NVMMA generator (H3) agrees with both
        nv = NVMMASharedLayout(c["swizzle"], c["bits"], len(c["tile"])).to_linear_layout(c["tile"])
        assert nv.bases["offset"] == c["offset"]


def test_tdm_shared_equals_triton():
    for c in DATA["tdm_shared"]:
        sl = SwizzledSharedLayout(c["vec"], c["per_phase"], 1, c["order"])
        t = TdmCopy(
            global_shape=c["block"], box_shape=c["block"], element_bitwidth=c["bits"], shared_layout=sl
        )
        assert t.smem_layout().bases["offset"] == c["offset"], c


def test_tdm_compiled_warp_tiles_equal_triton():
    """Triton 3.9.0's gfx1250 lowering (LLVM IR of a compiled tdm.async_load): one
    tensor_load_to_lds per warp, each moving TdmCopy.warp_box."""
    cases = DATA["tdm_compiled"]
    assert len(cases) == 28
    checked = 0
    for c in cases:
        t = TdmCopy(
            global_shape=[4 * x for x in c["block"]],
            box_shape=c["block"],
            element_bitwidth=16,
            num_warps=c["num_warps"],
            warp_used_hint=c["hint"] or None,
        )
        assert c["loads_per_warp"] == 1
        assert t.warp_box == [c["tile_rows"], c["tile_cols"]], c
        assert t.message_count == t.active_warps
        # which warp writes where: the LDS byte offset Triton computes for each warp
        hint = c["hint"] or (1 << c["num_warps"]) - 1
        assert [bool(a) for a in c["active"]] == [bool(hint >> w & 1) for w in range(c["num_warps"])]
        i0 = (hint & -hint).bit_length() - 1
        bits = t._warp_bits()
        M = t.messages()
        for w, (lds, act) in enumerate(zip(c["lds_bytes"], c["active"])):
            if not act or lds is None:
                continue
            i = sum(1 << k for k, b in enumerate(bits) if (w ^ i0) >> b & 1)
            o = M.apply(message=i)
            assert lds == (o["dim0"] * c["block"][1] + o["dim1"]) * 2, (c, w)
        checked += sum(1 for lds, a in zip(c["lds_bytes"], c["active"]) if a and lds is not None)
    assert checked >= 90


def test_hardware_results_recorded():
    """The H200 run (benchmarks/hardware/tma_check.py): every non-interleaved case agreed."""
    d = json.loads((ROOT / "benchmarks/hardware/results/tma_check_2026-11-28.json").read_text())
    non_il = [r for r in d["results"] if not r["case"].get("il")]
    assert d["device"].startswith("NVIDIA H200") and len(non_il) == 45
    assert all(r["ok"] and r["mismatches"] == 0 for r in non_il)
    swz = {(r["case"]["bits"], r["case"]["sw"]) for r in non_il}
    assert swz >= {(b, s) for b in (8, 16, 32, 64) for s in (0, 32, 64, 128)}
    assert any(r["case"].get("mc") for r in non_il)


# ----------------------------------------------------------------------------- properties


@st.composite
def tma_copies(draw):
    bits = draw(st.sampled_from([8, 16, 32, 64]))
    eb = bits // 8
    sw = draw(st.sampled_from([0, 32, 64, 128]))
    rank = draw(st.integers(1, 4))
    lo = 16 // eb
    hi = min(256, sw // eb) if sw else 256
    inner = draw(st.sampled_from([x for x in (1, 2, 4, 8, 16, 32, 64, 128, 256) if lo <= x <= hi]))
    outer = [draw(st.sampled_from([1, 2, 4, 8, 16])) for _ in range(rank - 1)]
    box = outer + [inner]
    reps = [draw(st.sampled_from([1, 2, 4])) for _ in range(rank)]
    tile = [b * r for b, r in zip(box, reps)]
    n = 1
    for t in tile:
        n *= t
    assume(n <= 1 << 13)
    mc = draw(st.sampled_from([0, 2, 4]))
    return TmaCopy(
        global_shape=[2 * t for t in tile],
        box_shape=box,
        element_bitwidth=bits,
        swizzle=sw,
        tile_shape=tile,
        multicast=tuple(range(mc)),
        cluster_size=max(1, mc),
    )


def _flat(coord, shape):
    v = 0
    for c, s in zip(coord, shape):
        v = v * s + c
    return v


@settings(max_examples=60, deadline=None)
@given(tma_copies())
def test_every_byte_written_once(c: TmaCopy):
    """Messages x box cover the tile exactly once, and the written offsets are a bijection
    onto the tile (with row padding, the padding offsets alias and are not written)."""
    import numpy as np

    tile = list(c.tile_shape)
    hits = np.zeros(int(np.prod(tile)), dtype=np.int64)
    M = c.messages()
    for m in range(c.message_count):
        o = M.apply(message=m)
        origin = [o[f"dim{d}"] for d in range(c.rank)]
        for e in range(c.box_elements):
            w = np.unravel_index(e, c.box_shape)
            hits[_flat([a + int(b) for a, b in zip(origin, w)], tile)] += 1
    assert (hits == 1).all()
    L = c.smem_layout()
    written = c.written_offsets()
    assert len(written) == int(np.prod(tile))
    seen = set()
    for off in written:
        x = L.apply(offset=off, block=0)
        seen.add(_flat([x[f"dim{d}"] for d in range(c.rank)], tile))
    assert len(seen) == len(written)
    if c.row_pitch_bytes == c.box_shape[-1] * c.element_bytes:
        assert L.sublayout(["offset"], L.out_dim_names).is_invertible()
    assert L.sublayout_is_zero(["block"], L.out_dim_names)
    # multicast: the CTAs of the set split the messages, together they issue each once
    MM = c.multicast_messages()
    issued = {
        tuple(MM.apply(message=i, block=b).values())
        for i in range(MM.in_dims["message"])
        for b in range(MM.in_dims["block"])
    }
    assert len(issued) == c.message_count


@settings(max_examples=40, deadline=None)
@given(tma_copies())
def test_plan_copy_finds_tma_and_messages(c: TmaCopy):
    """plan_copy recognises a TMA destination by division and recovers the messages."""
    if c.row_pitch_bytes != c.box_shape[-1] * c.element_bytes or c.rank > 5:
        return
    S = c.smem_layout()
    T = BlockedLayout([1] * c.rank, [1] * (c.rank - 1) + [32], [1] * c.rank, list(range(c.rank - 1, -1, -1)))
    T = T.to_linear_layout(list(c.tile_shape))
    p = plan_copy(T, S, "sm_90", elem_bits=c.element_bitwidth)
    assert p.kind == "tma"
    n = 1 << len(p.messages.bases["message"])
    assert n * p.bytes_per_instruction == c.message_count * c.bytes_per_message
    assert n <= c.message_count  # never more messages than the description needs


def test_box_layout_unswizzle_roundtrip():
    for bits in (8, 16, 32, 64):
        for sw in (32, 64, 128):
            box = [8, sw * 8 // bits]
            L = tma_box_layout(box, bits, sw)
            assert L.is_invertible()
            assert unswizzle_offsets(L, bits, sw) == tma_box_layout(box, bits, 0)


# ----------------------------------------------------------------------------- rules


def _tma(**kw):
    base = dict(global_shape=[256, 256], box_shape=[64, 64], element_bitwidth=16, swizzle=128)
    base.update(kw)
    return TmaCopy(**base)


@pytest.mark.parametrize(
    "rule, kw",
    [
        ("TMA-BOX-DIM", dict(box_shape=[512, 64], global_shape=[1024, 256])),
        ("TMA-BOX-POW2", dict(box_shape=[48, 64])),
        ("TMA-INNER-16B", dict(box_shape=[64, 4], swizzle=0)),
        ("TMA-INNER-SWIZZLE", dict(box_shape=[64, 128])),
        ("TMA-GLOBAL-ALIGN", dict(global_address=8)),
        ("TMA-STRIDE", dict(global_strides=[520, 2])),
        ("TMA-STRIDE", dict(global_strides=[512, 4])),
        ("TMA-RANK", dict(global_shape=[2] * 6, box_shape=[1] * 5 + [64])),
        ("TMA-RANK", dict(interleave=16)),
        ("TMA-INTERLEAVE", dict(interleave=8)),
        ("TMA-SWIZZLE", dict(swizzle=96)),
        ("TMA-SWIZZLE", dict(global_shape=[4, 64, 64], box_shape=[1, 8, 16], interleave=32, swizzle=0)),
        ("TMA-ELEMENT", dict(element_bitwidth=4)),
        ("TMA-GLOBAL-DIM", dict(global_shape=[0, 256])),
        ("TMA-TILE", dict(tile_shape=[96, 64])),
        ("TMA-MODE", dict(mode="gather4")),
        ("TMA-MODE", dict(mode="im2col")),
        ("TMA-MULTICAST", dict(multicast=(0, 1), cluster_size=32)),
        ("TMA-MULTICAST", dict(multicast=(0, 1, 2), cluster_size=4)),
        ("TMA-MULTICAST", dict(multicast=(0, 4), cluster_size=4)),
        ("TMA-MULTICAST", dict(multicast=(0, 1), cluster_size=6)),
    ],
)
def test_tma_rules(rule, kw):
    assert rule in TMA_RULES
    with pytest.raises(LayoutError, match=rf"\[{rule}\]"):
        _tma(**kw)


def test_tma_interleave_layout_not_modelled():
    c = _tma(global_shape=[4, 16, 32, 8], box_shape=[1, 8, 16, 8], swizzle=0, interleave=16)
    with pytest.raises(LayoutError, match=r"\[TMA-INTERLEAVE\]"):
        c.smem_layout()


def test_im2col_box():
    c = TmaCopy(
        global_shape=[2, 32, 32, 64], box_shape=[512, 64], element_bitwidth=16, swizzle=128, mode="im2col"
    )
    assert c.smem_layout().bases["offset"] == tma_box_layout([512, 64], 16, 128).bases["offset"]
    assert c.message_count == 1 and c.bytes_per_message == 512 * 64 * 2


@pytest.mark.parametrize(
    "rule, kw",
    [
        ("TDM-RANK", dict(global_shape=[2] * 6, box_shape=[2] * 6)),
        ("TDM-BOX-POW2", dict(box_shape=[24, 64])),
        ("TDM-LAYOUT", dict(shared_layout=SwizzledSharedLayout(8, 1, 4, [1, 0]))),
        ("TDM-LAYOUT", dict(shared_layout=SwizzledSharedLayout(1, 1, 1, [0, 1]))),
        ("TDM-LAYOUT", dict(shared_layout=NVMMASharedLayout(128, 16))),
        ("TDM-WARPS", dict(num_warps=6)),
        ("TDM-WARPS", dict(warp_used_hint=0b0111)),
        ("TDM-ELEMENT", dict(element_bitwidth=12)),
        ("TDM-STRIDE", dict(global_strides=[512, 4])),
    ],
)
def test_tdm_rules(rule, kw):
    assert rule in TDM_RULES
    base = dict(global_shape=[256, 256], box_shape=[64, 64], element_bitwidth=16)
    base.update(kw)
    with pytest.raises(LayoutError, match=rf"\[{rule}\]"):
        TdmCopy(**base)


# ----------------------------------------------------------------------------- TDM


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from([1, 2, 4, 8, 16, 64, 256]), min_size=1, max_size=5),
    st.sampled_from([1, 2, 4, 8, 16]),
)
def test_tdm_messages_cover_block_once(block, warps):
    import numpy as np

    assume(warps <= int(np.prod(block)) <= 1 << 12)
    c = TdmCopy(global_shape=block, box_shape=block, element_bitwidth=16, num_warps=warps)
    wd = c.warps_per_cta
    assert int(np.prod(wd)) == warps
    assert wd == tdm_warp_distribution(block, warps)
    hits = np.zeros(int(np.prod(block)), dtype=np.int64)
    M = c.messages()
    for m in range(c.message_count):
        o = M.apply(message=m)
        origin = [o[f"dim{d}"] for d in range(c.rank)]
        for e in range(int(np.prod(c.warp_box))):
            w = np.unravel_index(e, c.warp_box)
            hits[_flat([a + int(b) for a, b in zip(origin, w)], block)] += 1
    if all(b % w == 0 and b >= w for b, w in zip(block, wd)):
        assert (hits == 1).all() and c.message_count == warps
    T = c.tdm_layout()
    assert T.in_dims["warp"] == warps
    assert T.is_surjective() or not all(b >= w for b, w in zip(block, wd))


def test_tdm_warp_hint_free_variables():
    c = TdmCopy(
        global_shape=[64, 64], box_shape=[64, 64], element_bitwidth=16, num_warps=8, warp_used_hint=0b11110000
    )
    T = c.tdm_layout()
    assert c.active_warps == 4 and c.message_count == 4
    # warps {4, 5, 6, 7}: warp bit 2 only selects the active half, a free variable (zero basis)
    assert T.bases["warp"][2] == [0, 0] and T.is_surjective()
    assert T.free_variable_masks()["warp"] == 0b100


def test_tdm_non_contiguous_warp_hint_is_refused():
    """Waves {0, 1, 4, 5} vary wave-id bits 0 and 2: compiled gfx1250 kernels (stored in
    tests/data/triton_amd_tdm.json) show Triton 3.9 does not place them by getTDMLinearLayout."""
    c = TdmCopy(
        global_shape=[64, 64], box_shape=[64, 64], element_bitwidth=16, num_warps=8, warp_used_hint=0b00110011
    )
    with pytest.raises(LayoutError, match="warp_used_hint"):
        c.tdm_layout()


# ----------------------------------------------------------------------------- plan_copy


def _bank_wavefronts(offsets_by_lane, elem_bits, banks=32):
    """Brute force: max over banks of distinct 4-byte words one warp instruction touches."""
    eb = elem_bits // 8
    words = {}
    for offs in offsets_by_lane:
        for o in offs:
            for w in range(max(1, eb // 4)):
                word = o * eb // 4 + w
                words.setdefault(word % banks, set()).add(word)
    return max(len(v) for v in words.values())


@pytest.mark.parametrize("target", ["sm_80", "sm_90", "gfx942"])
@pytest.mark.parametrize("elem_bits", [16, 32])
def test_plan_copy_threads_vector_and_wavefronts(target, elem_bits):
    # a column-swizzled destination TMA cannot write (swizzle on 4-byte units)
    S = SwizzledSharedLayout(vec=2, per_phase=1, max_phase=8, order=[1, 0]).to_linear_layout([32, 64])
    T = BlockedLayout([1, 4], [8, 4], [4, 1], [1, 0]).to_linear_layout([32, 64])
    p = plan_copy(T, S, target, elem_bits=elem_bits)
    assert p.kind in ("cp.async", "ld.global+st.shared")
    assert p.vector == 2  # the swizzle keeps pairs of columns together
    cvt = T.invert_and_compose(S)
    lanes = []
    for lane in range(32):
        lanes.append([cvt.apply(register=r, lane=lane, warp=0)["offset"] for r in range(p.vector)])
    wf = _bank_wavefronts(lanes, elem_bits)
    assert p.smem_wavefronts == p.instructions * wf
    assert p.bytes_per_instruction == p.vector * elem_bits // 8


def test_plan_copy_tdm_and_fallback():
    T = BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0]).to_linear_layout([64, 64])
    dense = SwizzledSharedLayout(1, 1, 1, [1, 0]).to_linear_layout([64, 64])
    p = plan_copy(T, dense, "gfx1250")
    assert p.kind == "tdm" and p.copy.message_count == 4
    nv = NVMMASharedLayout(128, 16).to_linear_layout([64, 64])
    q = plan_copy(T, nv, "gfx1250")
    assert q.kind == "ld.global+st.shared" and q.vector == 8 and q.bytes_per_instruction == 16
    r = plan_copy(T, nv, "sm_90")
    assert r.kind == "tma" and r.instructions == 1 and "swizzle 128" in r.explain()


def test_plan_copy_multicast_and_transposed():
    # a tile every CTA of a pair holds: multicast halves the messages per CTA
    nv = NVMMASharedLayout(128, 16, cga_layout=[[0, 0]]).to_linear_layout([128, 64])
    T = BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0], cga_layout=[[0, 0]]).to_linear_layout([128, 64])
    p = plan_copy(T, nv, "sm_90")
    assert p.kind == "tma" and any("multicast" in n for n in p.notes)
    # transposed NVMMA: a tensor map whose innermost dim is dim0
    tr = NVMMASharedLayout(128, 16, transposed=True).to_linear_layout([64, 64])
    T2 = BlockedLayout([8, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout([64, 64])
    assert plan_copy(T2, tr, "sm_90", global_order=[0, 1]).kind == "tma"
    assert plan_copy(T2, tr, "sm_90").kind != "tma"


def test_plan_copy_bad_inputs():
    T = BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0]).to_linear_layout([64, 64])
    S = NVMMASharedLayout(128, 16).to_linear_layout([64, 64])
    with pytest.raises(LayoutError):
        plan_copy(S, S, "sm_90")
    with pytest.raises(LayoutError):
        plan_copy(T, T, "sm_90")
    with pytest.raises(LayoutError):
        plan_copy(T, S, "sm_99")
    with pytest.raises(LayoutError):
        plan_copy(T, NVMMASharedLayout(128, 16).to_linear_layout([32, 64]), "sm_90")
    with pytest.raises(LayoutError):
        plan_copy(T, S, "sm_90", elem_bits=12)


# ----------------------------------------------------------------------------- notebook


def test_notebook_executes():
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / "memory_copies.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=50, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outs and not any(o.get("output_type") == "error" for o in outs)


def test_tdm_padded_layout():
    from linlayout.hardware.amd_shared import PaddedSharedLayout

    sl = PaddedSharedLayout.with_identity_for([[64, 4]], [64, 64], [1, 0])
    c = TdmCopy(
        global_shape=[256, 256], box_shape=[64, 64], element_bitwidth=16, num_warps=4, shared_layout=sl
    )
    L = c.smem_layout()  # the linear component: row-major; the padding is separate
    assert (
        L.bases["offset"] == SwizzledSharedLayout(1, 1, 1, [1, 0]).to_linear_layout([64, 64]).bases["offset"]
    )
    assert sl.padded_offset(64) == 68 and c.message_count == 4


@given(st.sampled_from([0, 32, 64, 128]), st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]),
       st.sampled_from([8, 16, 32, 64]), st.sampled_from([1, 8, 16]), st.sampled_from([1, 2]))
def test_written_offsets_are_the_addresses_that_hold_data(sw, inner, bits, rows, reps):
    """The vectorized written_offsets equals reading every destination address back."""
    try:
        c = TmaCopy(global_shape=[1024, 1024], box_shape=[rows, inner], element_bitwidth=bits, swizzle=sw,
                    tile_shape=[rows * reps, inner * 2])
    except LayoutError:
        return
    eb = c.element_bytes
    n = c.smem_bytes_per_message * c.message_count // eb
    mb = c.messages().bases["message"]
    assert c.written_offsets() == [o for o in range(n) if c._coords_of_address(o * eb, mb) is not None]
