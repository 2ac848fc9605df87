"""Plans between hardware layouts (blocked, slice, NVIDIA mma/dot operands, AMD mfma/wmma)
deliver the dst distribution; shared-memory plans are checked against the bandwidth bound."""

from __future__ import annotations

import numpy as np
import pytest
from test_plan_helpers import execute, tables, wavefront_lower_bound

from linlayout.hardware.amd import AMDMFMALayout, AMDWMMALayout
from linlayout.hardware.blocked import BlockedLayout, SliceLayout
from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout
from linlayout.plan import plan_conversion
from linlayout.targets import get_target


def nv_layouts(shape):
    mma = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
    return {
        "blocked_row": BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(shape),
        "blocked_col": BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout(shape),
        "blocked_11": BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout(shape),
        "blocked_22": BlockedLayout([2, 2], [4, 8], [2, 2], [0, 1]).to_linear_layout(shape),
        "mma_v2": mma.to_linear_layout(shape),
        "mma_v2_41": NVMMADistributedLayout([2, 0], [4, 1], [16, 8]).to_linear_layout(shape),
        "mma_v3": NVMMADistributedLayout([3, 0], [4, 1], [16, 32, 16]).to_linear_layout(shape),
        "dot_a": DotOperandLayout(0, mma, 2).to_linear_layout(shape),
        "dot_b": DotOperandLayout(1, mma, 2).to_linear_layout(shape),
        "slice": SliceLayout(2, BlockedLayout([1, 1, 4], [2, 4, 4], [4, 1, 1], [2, 1, 0])).to_linear_layout(
            shape
        ),
    }


NV = nv_layouts([32, 64])
NV_PAIRS = [(a, b) for a in NV for b in NV if a != b]


def check_pair(a, b, targets):
    """The plan delivers dst on every (target, elem_bits); shared plans respect the bound."""
    for target, eb in targets:
        p = plan_conversion(a, b, target, elem_bits=eb)
        np.testing.assert_array_equal(execute(p, tables(a)), tables(b))
        if p.kind == "shared_memory":
            t = get_target(target)
            assert p.wavefronts >= wavefront_lower_bound(p, t.num_banks, t.bank_bytes)


@pytest.mark.parametrize("pair", NV_PAIRS, ids=[f"{a}->{b}" for a, b in NV_PAIRS])
def test_nvidia_pairs(pair):
    check_pair(NV[pair[0]], NV[pair[1]], (("sm_90", 16), ("sm_80", 32)))


def amd_layouts(shape):
    return {
        "mfma32T": AMDMFMALayout(3, [32, 32, 8], True, [2, 2]).to_linear_layout(shape),
        "mfma16": AMDMFMALayout(3, [16, 16, 16], False, [2, 2]).to_linear_layout(shape),
        "blocked_row": BlockedLayout([1, 4], [8, 8], [4, 1], [1, 0]).to_linear_layout(shape),
        "blocked_col": BlockedLayout([4, 1], [8, 8], [1, 4], [0, 1]).to_linear_layout(shape),
        "blocked_11": BlockedLayout([1, 1], [2, 32], [2, 2], [1, 0]).to_linear_layout(shape),
    }


AMD = amd_layouts([64, 64])
AMD_PAIRS = [(a, b) for a in AMD for b in AMD if a != b]


@pytest.mark.parametrize("pair", AMD_PAIRS, ids=[f"{a}->{b}" for a, b in AMD_PAIRS])
def test_amd_pairs(pair):
    check_pair(AMD[pair[0]], AMD[pair[1]], (("gfx942", 16), ("gfx950", 32)))


def test_wmma_to_blocked_rdna():
    shape = [32, 32]
    w = AMDWMMALayout(2, False, [[0, 1], [1, 0]]).to_linear_layout(shape)
    b = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout(shape)
    for x, y in ((w, b), (b, w)):
        p = plan_conversion(x, y, "gfx1200", elem_bits=16)
        np.testing.assert_array_equal(execute(p, tables(x)), tables(y))


def test_mma_to_dot_operand_is_register_only():
    # Triton: mma v2 -> dot_op(op 0, k_width 2) is registers-only on cuda:80 (triton-on-cpu.md §5)
    shape = [64, 64]
    mma = NVMMADistributedLayout([2, 0], [4, 1], [16, 8])
    a = mma.to_linear_layout(shape)
    b = DotOperandLayout(0, mma, 2).to_linear_layout(shape)
    p = plan_conversion(a, b, "sm_80", elem_bits=16)
    assert p.kind in ("noop", "registers") and p.shuffles == 0 and p.selects == 0


def test_transpose_uses_ldmatrix_or_vectors():
    shape = [64, 64]
    a = BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]).to_linear_layout(shape)
    b = BlockedLayout([8, 1], [4, 8], [1, 4], [0, 1]).to_linear_layout(shape)
    p = plan_conversion(a, b, "sm_90", elem_bits=16)
    assert p.kind == "shared_memory"
    np.testing.assert_array_equal(p.run(tables(a)), tables(b))
    st_ = p.steps[0]
    assert st_.vec * 16 == 128  # the store keeps src's 8 contiguous halves


def test_ldmatrix_stmatrix_annotations_match_their_tiles():
    """Where a step says ldmatrix/stmatrix (non-transposed, 16-bit), its offsets really divide
    by the tile: register bit 0 and lane bits 0, 1 fill one 16-byte row, the rest is
    row-aligned (unpermuted plans, whose register order is the layout's)."""
    shape = [64, 64]
    a = BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]).to_linear_layout(shape)
    b = BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout(shape)
    r = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(shape)
    mma = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
    dot_a = DotOperandLayout(0, mma, 2).to_linear_layout(shape)
    seen = 0
    for src, dst in ((a, b), (b, a), (mma.to_linear_layout(shape), r), (r, dot_a)):
        p = plan_conversion(src, dst, "sm_90", elem_bits=16, permute_registers=False)
        np.testing.assert_array_equal(execute(p, tables(src)), tables(dst))
        for s in p.steps:
            name = getattr(s, "instruction", None) or ""
            if "matrix" not in name or "trans" in name:
                continue
            seen += 1
            off = np.asarray(s.offset)
            lanes = np.arange(off.shape[1])[None, :, None]
            regs = np.arange(off.shape[2])[None, None, :]
            valid = off >= 0
            assert ((off & 7) == (((lanes & 3) << 1) | (regs & 1)))[valid].all()
    assert seen >= 2


def _ds_read_tr_feasible(off, elem_bits):
    """Independent check of one ``ds_read_b64_tr_bN`` per group of 64/N registers (gfx950,
    wave64; semantics as Triton lowers it): in every 16-lane group, source lane ``j`` reads
    ``R = 64/N`` consecutive elements whose element ``r`` lands in lane ``R*(j mod 16/R) + r``,
    register ``j // (16/R)``.  So those R wanted offsets must be ``base .. base+R-1`` with
    ``base % R == 0``."""
    R = 64 // elem_bits
    per = 16 // R
    W, L, regs = off.shape
    for w in range(W):
        for k in range(regs // R):
            want = off[w, :, k * R : (k + 1) * R]  # (lanes, element)
            for s in range(L):
                g, j = s & ~15, s & 15
                cells = [want[g + R * (j % per) + r, j // per] for r in range(R)]
                base = cells[0]
                if base % R or cells != [base + r for r in range(R)]:
                    return False
    return True


@pytest.mark.parametrize(
    "elem_bits, src_bases, dst_bases, shape",
    [
        (
            16,
            {"register": [[1, 0], [2, 0]], "lane": [[4, 0], [8, 0], [0, 1], [0, 2], [0, 4], [0, 8]]},
            {"register": [[0, 1], [0, 2]], "lane": [[1, 0], [2, 0], [0, 4], [0, 8], [4, 0], [8, 0]]},
            {"dim0": 16, "dim1": 16},
        ),
        (
            8,
            {"register": [[1, 0], [2, 0], [4, 0]], "lane": [[8, 0], [0, 1], [0, 2], [0, 4], [0, 8], [0, 16]]},
            {"register": [[0, 1], [0, 2], [0, 4]], "lane": [[1, 0], [2, 0], [4, 0], [0, 8], [8, 0], [0, 16]]},
            {"dim0": 16, "dim1": 32},
        ),
    ],
    ids=["b16", "b8"],
)
def test_ds_read_tr_on_gfx950(elem_bits, src_bases, dst_bases, shape):
    """A transposing load on gfx950 (the load's lanes run along the scratch's contiguous
    direction) is annotated ``ds_read_b64_tr_bN``; its offsets satisfy the instruction's
    16-lane transpose, the plan delivers every element, and one instruction is issued per
    64 bits of registers.  gfx942 has no such instruction."""
    from linlayout import LinearLayout

    src = LinearLayout.from_bases(src_bases, shape)
    dst = LinearLayout.from_bases(dst_bases, shape)
    p = plan_conversion(src, dst, "gfx950", elem_bits=elem_bits, strategy="shared_memory")
    np.testing.assert_array_equal(execute(p, tables(src)), tables(dst))
    ld = [s for s in p.steps if type(s).__name__ == "SharedLoad"]
    assert [s.instruction for s in ld] == [f"ds_read_b64_tr_b{elem_bits}"]
    assert ld[0].vec == 1
    assert _ds_read_tr_feasible(np.asarray(ld[0].offset), elem_bits)
    n_regs = ld[0].offset.shape[-1]
    stores = sum(1 for s in p.steps if type(s).__name__ == "SharedStore")
    assert p.shared_instructions == stores + n_regs * elem_bits // 64
    q = plan_conversion(src, dst, "gfx942", elem_bits=elem_bits, strategy="shared_memory")
    assert not any("tr_b" in (getattr(s, "instruction", None) or "") for s in q.steps)


def test_ds_read_tr_annotation_only_where_it_fits():
    """Every load annotated ds_read_b64_tr over the AMD hardware pairs passes the independent
    16-lane transpose check (and the plan is still correct); unpermuted plans, since by
    default several of these pairs permute registers into wider ds_read vectors instead."""
    seen = 0
    for a, b in AMD_PAIRS:
        for eb in (8, 16):
            p = plan_conversion(
                AMD[a], AMD[b], "gfx950", elem_bits=eb, strategy="shared_memory", permute_registers=False
            )
            np.testing.assert_array_equal(execute(p, tables(AMD[a])), tables(AMD[b]))
            for s in p.steps:
                if "tr_b" in (getattr(s, "instruction", None) or ""):
                    seen += 1
                    assert _ds_read_tr_feasible(np.asarray(s.offset), eb)
    assert seen >= 8  # 7 ds_read_b64_tr_b16 and 1 _b8 loads among these pairs when written
