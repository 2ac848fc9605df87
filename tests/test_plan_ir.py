"""The plan IR as API.md words it, checked by a tiny reference executor written here from
API.md alone (plain Python loops: no numpy fancy indexing, nothing from linlayout.plan), on
every plan kind: noop, registers, warp_shuffle, shared_memory (permuted ``regs`` and
``group`` included) and cluster; plus the one verifier, ``max_shared_bytes`` and forced
strategies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_plan_helpers import layout_pairs, make_layout, tables, wavefronts

import linlayout as ll
from linlayout import LayoutError
from linlayout.plan import Barrier, ConversionPlan, SharedLoad, SharedStore, plan_conversion
from linlayout.targets import get_target
from linlayout.testing import assert_plan_correct


class RefError(Exception):
    """The reference executor found a plan that breaks API.md's rules."""


def _at(arr, b, w, lane, r):
    """``arr[warp, lane, r]`` or, with a leading blocks axis, ``arr[b, warp, lane, r]``."""
    a = np.asarray(arr)
    return int(a[b, w, lane, r] if a.ndim == 4 else a[w, lane, r])


def _vectors(step, nregs: int, elem_bits: int) -> list[list[int]]:
    """API.md: vector k is registers regs[k*vec:(k+1)*vec] (regs default 0..n-1)."""
    vec = step.vec
    if vec * elem_bits > 128 or nregs % vec:
        raise RefError(f"vec {vec} invalid for {nregs} x {elem_bits} bits")
    if getattr(step, "group", 1) not in (1, 2):
        raise RefError("group must be 1 or 2")
    regs = list(range(nregs)) if step.regs is None else [int(x) for x in step.regs]
    if sorted(regs) != list(range(nregs)):
        raise RefError("regs is not a permutation")
    return [regs[k * vec : (k + 1) * vec] for k in range(nregs // vec)]


def _check_vector(offs: list[int], vec: int) -> None:
    """Consecutive, aligned offsets, or the whole vector skipped."""
    if all(o == -1 for o in offs):
        return
    if offs[0] % vec or offs != list(range(offs[0], offs[0] + vec)):
        raise RefError(f"vector offsets {offs} are not consecutive and aligned (vec={vec})")


def ref_run(plan, src_vals, n_out: int, elem_bits: int):
    """Run ``plan`` on ``src_vals[b][w][lane][r]``; returns ``out`` (None = unwritten)."""
    B, W, L = len(src_vals), len(src_vals[0]), len(src_vals[0][0])
    out = [[[[None] * n_out for _ in range(L)] for _ in range(W)] for _ in range(B)]
    if not plan.steps:
        if plan.kind != "noop":
            raise RefError("only a noop plan may have no steps")
        return [[[list(src_vals[b][w][ln]) for ln in range(L)] for w in range(W)] for b in range(B)]
    scratch = [dict() for _ in range(B)]
    fresh: set = set()  # (CTA, offset) stored since the last Barrier
    for step in plan.steps:
        name = type(step).__name__
        if name == "Barrier":
            fresh.clear()
        for b in range(B):
            for w in range(W):
                for ln in range(L):
                    src, dst = src_vals[b][w][ln], out[b][w][ln]
                    if name == "Copy":
                        for r, s in enumerate(step.reg_map[ln]):
                            if s >= 0:
                                dst[r] = src[s]
                    elif name == "Shuffle":
                        sl = int(step.src_lane[ln])
                        for v, r in enumerate(step.recv[ln]):
                            if r >= 0:
                                s = int(step.send[sl][v])
                                if s < 0:
                                    raise RefError("a lane receives a slot its source does not send")
                                dst[r] = src_vals[b][w][sl][s]
                    elif name == "SharedStore":
                        for vecs in _vectors(step, len(src), elem_bits):
                            offs = [_at(step.offset, b, w, ln, r) for r in vecs]
                            _check_vector(offs, step.vec)
                            for r, o in zip(vecs, offs):
                                if o >= 0:
                                    tb = b if step.block is None else _at(step.block, b, w, ln, r)
                                    if (tb, o) in fresh and scratch[tb][o] != src[r]:
                                        raise RefError("two values stored to one element")
                                    scratch[tb][o] = src[r]
                                    fresh.add((tb, o))
                    elif name == "SharedLoad":
                        for vecs in _vectors(step, n_out, elem_bits):
                            offs = [_at(step.offset, b, w, ln, r) for r in vecs]
                            _check_vector(offs, step.vec)
                            for r, o in zip(vecs, offs):
                                if o >= 0:
                                    if o not in scratch[b]:
                                        raise RefError("a load reads an element never stored")
                                    dst[r] = scratch[b][o]
                    elif name != "Barrier":
                        raise RefError(f"unknown step {name}")
    return out


def ref_instructions(plan) -> int:
    """Shared instructions per thread: per step the vectors (in regs order) of warp 0 that
    some lane uses, ``group`` consecutive ones counting once (ld/stmatrix and ds_read_tr
    annotations aside, checked elsewhere)."""
    total = 0
    for step in plan.steps:
        if not isinstance(step, (SharedStore, SharedLoad)):
            continue
        off = np.asarray(step.offset)
        off = off[0] if off.ndim == 4 else off
        vecs = _vectors(step, off.shape[-1], plan.elem_bits)
        used = [any(off[0, ln, r] >= 0 for ln in range(off.shape[1]) for r in v) for v in vecs]
        g = step.group
        total += sum(any(used[k : k + g]) for k in range(0, len(used), g))
    return total


def check_ref(plan, src, dst):
    """The reference executor delivers dst's distribution; metrics agree with it."""
    want = tables(dst)
    got = ref_run(plan, tables(src).tolist(), want.shape[-1], plan.elem_bits)
    assert np.array_equal(np.array(got, dtype=object).astype(np.int64), want)
    assert_plan_correct(plan, src, dst)
    np.testing.assert_array_equal(plan.run(tables(src)), want)
    t = plan.target
    assert plan.wavefronts == wavefronts(plan, t.num_banks, t.bank_bytes)
    names = " ".join(getattr(s, "instruction", None) or "" for s in plan.steps)
    if "matrix" not in names and "_tr_" not in names:
        assert plan.shared_instructions == ref_instructions(plan)


KW = st.sampled_from([{}, {"strategy": "shared_memory"}, {"permute_registers": True},
                      {"permute_registers": False, "strategy": "shared_memory"}])


@pytest.mark.parametrize("target", ["sm_90", "gfx942", "gfx1100"])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_reference_executor_agrees_on_every_kind(target, data):
    ws = get_target(target).warp_size
    src, dst = data.draw(layout_pairs(warp_size=ws, max_bits=ws.bit_length() + 2))
    eb = data.draw(st.sampled_from([8, 16, 32, 64]))
    check_ref(plan_conversion(src, dst, target, elem_bits=eb, **data.draw(KW)), src, dst)


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_reference_executor_cluster(data):
    src, dst = data.draw(layout_pairs(warp_size=32, max_bits=7, blocks_log=1))
    check_ref(plan_conversion(src, dst, "sm_90", elem_bits=data.draw(st.sampled_from([16, 32]))), src, dst)


def _transpose():
    src = make_layout({"register": [0, 1], "lane": [2, 3, 4, 5, 6], "warp": [7]}, [4, 4])
    dst = make_layout({"register": [5, 6], "lane": [0, 1, 2, 3, 7], "warp": [4]}, [4, 4])
    return src, dst


def test_every_kind_is_covered():
    a = make_layout({"register": [0, 1], "lane": [2, 3, 4, 5, 6]}, [7])
    b = make_layout({"register": [1, 0], "lane": [2, 3, 4, 5, 6]}, [7])
    c = make_layout({"register": [2, 1], "lane": [0, 3, 4, 5, 6]}, [7])
    s, d = _transpose()
    e = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5], "block": [6]}, [7])
    f = make_layout({"register": [6], "lane": [1, 2, 3, 4, 5], "block": [0]}, [7])
    kinds = set()
    for x, y in ((a, a), (a, b), (a, c), (s, d), (e, f)):
        p = plan_conversion(x, y, "sm_90")
        check_ref(p, x, y)
        kinds.add(p.kind)
    assert kinds == {"noop", "registers", "warp_shuffle", "shared_memory", "cluster"}


def _permuted_plan(perm: bool):
    """gfx1100 [32, 64] f32 blocked [1,4] -> [1,1]: vectors need a register permutation."""
    from linlayout.hardware.blocked import BlockedLayout

    a = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout([32, 64])
    b = BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout([32, 64])
    return a, b, plan_conversion(a, b, "gfx1100", permute_registers=perm)


def test_register_permutation_by_default():
    a, b, auto = _permuted_plan(None)
    _, _, plain = _permuted_plan(False)
    check_ref(auto, a, b)
    check_ref(plain, a, b)
    assert any(getattr(s, "regs", None) is not None for s in auto.steps)
    assert auto.shared_instructions < plain.shared_instructions
    assert auto.estimated_cost <= plain.estimated_cost


def test_verifier_rejects_broken_vectors():
    """A permuted vector whose registers are not consecutive in scratch is invalid for
    plan.run, assert_plan_correct and the reference alike; so are group 3 and a regs that
    is no permutation."""
    a, b, p = _permuted_plan(True)
    k = next(i for i, s in enumerate(p.steps) if getattr(s, "regs", None) is not None)
    s = p.steps[k]
    n = s.offset.shape[-1]
    variants = [
        (dict(regs=np.arange(n)), "consecutive"),  # the permutation dropped
        (dict(group=3), "group"),
        (dict(regs=np.zeros(n, dtype=np.int64)), "regs"),
    ]
    for change, msg in variants:
        fields = dict(offset=s.offset, vec=s.vec, instruction=s.instruction, regs=s.regs, group=s.group)
        if isinstance(s, SharedStore):
            fields["block"] = s.block
        fields.update(change)
        bad = ConversionPlan(**{**p.__dict__, "steps": p.steps[:k] + [type(s)(**fields)] + p.steps[k + 1:],
                                "_metrics": None})
        with pytest.raises(LayoutError, match=msg):
            bad.run(tables(a))
        with pytest.raises(AssertionError):
            assert_plan_correct(bad, a, b)
        with pytest.raises(RefError):
            ref_run(bad, tables(a).tolist(), tables(b).shape[-1], bad.elem_bits)


def test_group_counts_once():
    """AMD plans pair vectors at a constant distance into ds_write2/ds_read2 (group=2): the
    same data moves, a pair counts as one instruction, wavefronts are per vector access."""
    from linlayout.hardware.blocked import BlockedLayout

    s = BlockedLayout([1, 4], [16, 4], [4, 1], [1, 0]).to_linear_layout([64, 64])
    d = BlockedLayout([4, 1], [16, 4], [1, 4], [0, 1]).to_linear_layout([64, 64])
    p = plan_conversion(s, d, "gfx942", elem_bits=16)
    grouped = [x for x in p.steps if getattr(x, "group", 1) == 2]
    assert grouped and all("2_b" in x.instruction for x in grouped)
    steps = []
    for x in p.steps:
        if isinstance(x, SharedStore):
            x = SharedStore(x.offset, x.vec, x.block, x.instruction, x.regs, 1)
        elif isinstance(x, SharedLoad):
            x = SharedLoad(x.offset, x.vec, x.instruction, x.regs, 1)
        steps.append(x)
    q = ConversionPlan(**{**p.__dict__, "steps": steps, "_metrics": None})
    check_ref(p, s, d)
    check_ref(q, s, d)
    assert q.wavefronts == p.wavefronts
    assert p.shared_instructions < q.shared_instructions
    for x in grouped:  # one base per thread, the pair's distance a constant immediate
        off = x.offset.reshape(-1, x.offset.shape[-1])[:, x.regs if x.regs is not None else slice(None)]
        first = off[:, :: x.vec]
        diff = first[:, 1::2] - first[:, 0::2]
        assert (diff == diff[:1]).all() and (diff >= 0).all() and (diff // x.vec <= 255).all()


def test_unknown_step_is_refused():
    s, d = _transpose()
    p = plan_conversion(s, d, "sm_90")
    bad = ConversionPlan(**{**p.__dict__, "steps": [object()] + p.steps, "_metrics": None})
    with pytest.raises(LayoutError, match="unknown step type"):
        bad.run(tables(s))
    with pytest.raises(LayoutError, match="unknown step type"):
        _ = bad.shuffles


def test_max_shared_bytes_rounds_or_error():
    from linlayout.hardware.blocked import BlockedLayout
    from linlayout.hardware.nvidia import NVMMADistributedLayout

    S = [64, 64]
    mma = NVMMADistributedLayout([2, 0], [2, 2], [16, 8]).to_linear_layout(S)
    blk = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout(S)
    full = plan_conversion(mma, blk, "sm_90")
    with pytest.raises(LayoutError, match=r"max_shared_bytes: .*at least (\d+) bytes") as e:
        plan_conversion(mma, blk, "sm_90", max_shared_bytes=100)
    need = int(str(e.value).split("at least ")[1].split()[0])
    assert 100 < need < full.shared_bytes
    p = plan_conversion(mma, blk, "sm_90", max_shared_bytes=need)
    assert p.shared_bytes <= need and p.barriers > full.barriers
    check_ref(p, mma, blk)
    for bad in (0, -5, 1.5, "4k"):
        with pytest.raises(LayoutError, match="max_shared_bytes"):
            plan_conversion(mma, blk, "sm_90", max_shared_bytes=bad)


def test_forced_strategy_that_cannot_apply():
    s, d = _transpose()
    with pytest.raises(LayoutError, match="strategy: 'shuffle' cannot apply"):
        plan_conversion(s, d, "sm_90", strategy="shuffle")
    e = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5], "block": [6]}, [7])
    f = make_layout({"register": [6], "lane": [1, 2, 3, 4, 5], "block": [0]}, [7])
    with pytest.raises(LayoutError, match="strategy"):
        plan_conversion(e, f, "sm_90", strategy="shuffle")
    with pytest.raises(LayoutError, match="permute_registers"):
        plan_conversion(s, d, "sm_90", permute_registers="yes")


def test_gather_plans_share_the_dispatch():
    """Gather plans are measured and verified by the same IR code (no 'unknown step')."""
    from linlayout.hardware.blocked import BlockedLayout

    src = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout([32, 32])
    idx = BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout([32, 32])
    for lay in (src, idx):
        p = ll.plan_gather(src, lay, 0, "sm_90")
        from linlayout.plan.ir import verify_plan

        verify_plan(p)
        assert p.shared_instructions >= 0 and p.wavefronts >= 0
        assert "totals" in p.explain()
        assert_plan_correct(p, src, lay)
    # a gather plan whose loads read the wrong base fails the testing kit
    from linlayout.plan.ir import GatherLoad

    p = ll.plan_gather(src, idx, 0, "sm_90")
    steps = [GatherLoad(s.base ^ 1, s.axis_shift) if isinstance(s, GatherLoad) else s for s in p.steps]
    assert steps != p.steps
    p.steps = steps
    with pytest.raises(AssertionError):
        assert_plan_correct(p, src, idx)
    _ = Barrier


@pytest.mark.parametrize("target", ["sm_90", "sm_100", "sm_120"])
def test_fp16_transposes_use_ldmatrix_trans_like_triton(target):
    """64x64 fp16 transposes (issue 14): 4 128-bit stores + 4 ldmatrix.x4.trans, as Triton
    3.9.0 lowers them (benchmarks/results/triton_side_by_side.json), in rounds as Triton takes
    them (RM->CM: 4 rounds, 7 barriers, 2048 B; triton-kernel-semantics.md 4.5); the .trans
    offsets pass an independent tile check: lane bits 2, 3, 4 fill one 16-byte row (offset
    bits 0..2), and nothing else touches those bits."""
    from linlayout.hardware.blocked import BlockedLayout

    S = [64, 64]
    pairs = [
        (BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]), BlockedLayout([8, 1], [4, 8], [1, 4], [0, 1])),
        (BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]), BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1])),
    ]
    for i, (a, b) in enumerate(pairs):
        src, dst = a.to_linear_layout(S), b.to_linear_layout(S)
        p = plan_conversion(src, dst, target, elem_bits=16)
        check_ref(p, src, dst)
        assert p.shared_instructions == 8
        if i == 0:
            assert (p.shared_bytes, p.barriers) == (2048, 7)
        ld = [s for s in p.steps if isinstance(s, SharedLoad)]
        assert {s.instruction for s in ld} == {"ldmatrix.x4.trans"}
        for step in ld:  # each round loads its own registers (the others are -1)
            off = step.offset
            regs = (off >= 0).all(axis=(0, 1))
            assert regs.any()
            off = off[:, :, regs]
            lanes = np.arange(off.shape[1])[None, :, None]
            assert ((off & 7) == ((lanes >> 2) & 7)).all()
            lo = off & ~7
            for bit in (2, 3, 4):  # the row address does not depend on lane bits 2..4
                assert (lo[:, (np.arange(off.shape[1]) ^ (1 << bit)), :] == lo).all()


def test_permuted_ldmatrix_tiles_like_triton():
    """16-bit [1,8] -> [1,1] and a 3-bit register/lane exchange: Triton's 4 st.shared.v4 +
    4 ldmatrix.x4 (8 instructions); our vectors come from a register permutation, and the
    ldmatrix tile holds in ``regs`` order (independent check: the k-th register of the order
    and lane bits 0, 1 fill one 16-byte row, offset bits 0..2)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    from triton_side_by_side import _swap_pair

    from linlayout.hardware.blocked import BlockedLayout

    S = [64, 64]
    a = BlockedLayout([1, 8], [8, 4], [4, 1], [1, 0]).to_linear_layout(S)
    b = BlockedLayout([1, 1], [1, 32], [4, 1], [1, 0]).to_linear_layout(S)
    pairs = [(a, b), _swap_pair(5, [("register", i, "lane", i) for i in range(3)], S)]
    for src, dst in pairs:
        p = plan_conversion(src, dst, "sm_90", elem_bits=16)
        check_ref(p, src, dst)
        assert p.shared_instructions == 8
        mats = [s for s in p.steps if "matrix" in (s.instruction or "") and "trans" not in s.instruction]
        assert mats
        for s in mats:
            order = np.arange(s.offset.shape[-1]) if s.regs is None else s.regs
            off = s.offset[..., order]
            lanes = np.arange(off.shape[1])[None, :, None]
            k = np.arange(off.shape[2])[None, None, :]
            assert ((off & 7) == (((lanes & 3) << 1) | (k & 1)))[off >= 0].all()


@pytest.mark.parametrize("target", ["sm_90", "sm_100"])
def test_fp32_ldmatrix_as_b16_pairs(target):
    """A 64x64 fp32 transpose from a real kernel (b-realk's corpus, Triton 3.9.0 on sm_100:
    8 st.shared.v4 + 8 ldmatrix.x4 = 16 instructions): the load runs as ldmatrix on b16 pairs
    (one fp32 per register), independent check: lane bits 0, 1 are offset bits 0, 1 (a
    16-byte row of four) and nothing else touches them."""
    dims = [("dim0", 64), ("dim1", 64)]
    src = ll.LinearLayout.from_bases(
        {"register": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16]],
         "lane": [[1, 0], [2, 0], [4, 0], [8, 0], [0, 32]], "warp": [[16, 0], [32, 0]], "block": []}, dims)
    dst = ll.LinearLayout.from_bases(
        {"register": [[2, 0], [4, 0], [8, 0], [16, 0], [32, 0]],
         "lane": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16]], "warp": [[0, 32], [1, 0]], "block": []}, dims)
    p = plan_conversion(src, dst, target)
    check_ref(p, src, dst)
    assert p.shared_instructions == 16
    ld = [s for s in p.steps if isinstance(s, SharedLoad)]
    assert [s.instruction for s in ld] == ["ldmatrix.x4"] and ld[0].vec == 1
    off = ld[0].offset
    lanes = np.arange(off.shape[1])[None, :, None]
    assert ((off & 3) == (lanes & 3)).all()


def _mfma_epilogue_pair():
    """A gfx950 MFMA-epilogue conversion from a real kernel (register bit 2 <-> lane bit 5;
    Triton 3.9.0: 4 v_permlane32_swap, no selects)."""
    dims = [("dim0", 64), ("dim1", 128)]
    src = ll.LinearLayout.from_bases(
        {"register": [[0, 1], [0, 2], [0, 8], [0, 16]],
         "lane": [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0], [0, 4]], "warp": [[0, 32], [0, 64], [32, 0]],
         "block": []}, dims)
    dst = ll.LinearLayout.from_bases(
        {"register": [[0, 1], [0, 2], [0, 4], [0, 16]],
         "lane": [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0], [0, 8]], "warp": [[0, 32], [0, 64], [32, 0]],
         "block": []}, dims)
    return src, dst


def test_gfx950_permlane32_swap_has_no_selects():
    src, dst = _mfma_epilogue_pair()
    p = plan_conversion(src, dst, "gfx950", elem_bits=16)
    check_ref(p, src, dst)
    shf = [s for s in p.steps if type(s).__name__ == "Shuffle"]
    assert [s.instruction for s in shf] == ["v_permlane32_swap"]
    assert p.kind == "warp_shuffle" and p.shuffles == 4 and p.selects == 0
    # gfx942 has no permlane32_swap: the same shuffle pays its selects
    q = plan_conversion(src, dst, "gfx942", elem_bits=16, strategy="shuffle")
    check_ref(q, src, dst)
    assert all(s.instruction is None for s in q.steps) and q.selects > 0


def test_permlane_annotation_is_checked():
    """An annotation on steps that are not exactly the swap does not remove selects."""
    from dataclasses import replace

    from linlayout.plan.shuffle import permlane_swap_ok

    src, dst = _mfma_epilogue_pair()
    q = plan_conversion(src, dst, "gfx942", elem_bits=16, strategy="shuffle")
    assert permlane_swap_ok(q.steps, q.lanes, q.dst_regs, 16, 32)
    assert not permlane_swap_ok(q.steps, q.lanes, q.dst_regs, 16, 16)
    a = make_layout({"register": [0, 1], "lane": [2, 3, 4, 5, 6]}, [7])
    c = make_layout({"register": [2, 1], "lane": [0, 3, 4, 5, 6]}, [7])
    p = plan_conversion(a, c, "gfx1100", strategy="shuffle")
    steps = [replace(x, instruction="v_permlane32_swap") if type(x).__name__ == "Shuffle" else x
             for x in p.steps]
    fake = ConversionPlan(**{**p.__dict__, "_metrics": None, "steps": steps})
    assert p.selects > 0 and fake.selects == p.selects
