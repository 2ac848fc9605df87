"""plan_conversion: executed plans deliver the dst distribution, for random layout pairs on
every target, with an executor independent of ConversionPlan.run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_plan_helpers import execute, layout_pairs, make_layout, tables, wavefronts

from linlayout import LayoutError
from linlayout.plan import plan_conversion
from linlayout.targets import TARGETS, get_target

TARGET_NAMES = ["sm_80", "sm_90", "sm_100", "gfx942", "gfx950", "gfx1100", "gfx1200"]


def check_plan(src, dst, target, elem_bits=32, **kw):
    plan = plan_conversion(src, dst, target, elem_bits=elem_bits, **kw)
    vals = tables(src)
    want = tables(dst)
    got = execute(plan, vals)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(plan.run(vals), want)
    t = get_target(target)
    assert plan.wavefronts == wavefronts(plan, t.num_banks, t.bank_bytes)
    from linlayout.plan.simulate import validate_plan

    validate_plan(plan)
    return plan


@pytest.mark.parametrize("target", TARGET_NAMES)
@settings(max_examples=20)
@given(data=st.data())
def test_random_pairs_every_target(target, data):
    ws = get_target(target).warp_size
    src, dst = data.draw(layout_pairs(warp_size=ws, max_bits=ws.bit_length() + 3))
    eb = data.draw(st.sampled_from([8, 16, 32, 64]))
    plan = check_plan(src, dst, target, eb)
    assert plan.kind in ("noop", "registers", "warp_shuffle", "shared_memory")


@settings(max_examples=30)
@given(data=st.data())
def test_random_pairs_forced_shuffle_and_shared(data):
    """Forced strategies deliver dst; 'shuffle' on a pair that crosses warps is a LayoutError."""
    src, dst = data.draw(layout_pairs(warp_size=32, max_bits=8))
    default = plan_conversion(src, dst, "sm_90")
    inter_warp = default.kind in ("shared_memory", "cluster") and "shuffles" not in default.alternatives
    for strategy in ("shuffle", "shared_memory"):
        if strategy == "shuffle" and inter_warp:
            with pytest.raises(LayoutError, match="strategy"):
                plan_conversion(src, dst, "sm_90", strategy=strategy)
            continue
        p = plan_conversion(src, dst, "sm_90", strategy=strategy)
        np.testing.assert_array_equal(execute(p, tables(src)), tables(dst))


@settings(max_examples=12)
@given(data=st.data())
def test_cluster_pairs(data):
    src, dst = data.draw(layout_pairs(warp_size=32, max_bits=7, blocks_log=2))
    plan = check_plan(src, dst, "sm_90", data.draw(st.sampled_from([16, 32])))
    assert plan.kind in ("noop", "registers", "warp_shuffle", "shared_memory", "cluster")


def test_rounds_when_scratch_is_small():
    # 2 warps, registers shared by both layouts become rounds
    src = make_layout({"register": [0, 6, 7], "lane": [1, 2, 3, 4, 5], "warp": [8]}, [9])
    dst = make_layout({"register": [0, 6, 7], "lane": [8, 1, 2, 3, 4], "warp": [5]}, [9])
    big = check_plan(src, dst, "sm_90", max_shared_bytes=1 << 16)  # explicit: fewest rounds
    small = check_plan(src, dst, "sm_90", max_shared_bytes=1024)
    assert small.shared_bytes <= 1024 < big.shared_bytes
    assert small.barriers > big.barriers


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_default_rounds_are_tritons_when_free(data):
    """By default a shared-memory round trip runs in Triton's rounds (every segment bit both
    layouts hold in registers) where that moves no more shared instructions or wavefronts:
    never more scratch, instructions or wavefronts than the fewest-rounds plan, and a smaller
    scratch costs one store/barrier/load trip per extra round."""
    src, dst = data.draw(layout_pairs(warp_size=32, max_bits=10))
    bits = data.draw(st.sampled_from([16, 32]))
    target = data.draw(st.sampled_from(["sm_80", "sm_90", "gfx1100"]))
    few = plan_conversion(src, dst, target, elem_bits=bits, max_shared_bytes=1 << 20)
    plan = check_plan(src, dst, target, bits)
    if plan.kind != "shared_memory" or few.kind != "shared_memory":
        return
    assert plan.shared_bytes <= few.shared_bytes
    assert plan.shared_instructions <= few.shared_instructions and plan.wavefronts <= few.wavefronts
    rounds, few_rounds = ((p.barriers + 1) // 2 for p in (plan, few))
    assert plan.shared_bytes * rounds == few.shared_bytes * few_rounds


def test_bad_arguments():
    a = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5]}, [6])
    with pytest.raises(LayoutError, match="elem_bits"):
        plan_conversion(a, a, "sm_90", elem_bits=12)
    with pytest.raises(LayoutError, match="lanes"):
        plan_conversion(a, a, "gfx942")
    b = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5]}, [3, 3])
    with pytest.raises(LayoutError, match="out dims"):
        plan_conversion(a, b, "sm_90")
    with pytest.raises(LayoutError, match="target"):
        plan_conversion(a, a, "sm_1")
    c = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5], "block": [6]}, [7])
    d = make_layout({"register": [6], "lane": [1, 2, 3, 4, 5], "block": [0]}, [7])
    with pytest.raises(LayoutError, match="distributed shared memory"):
        plan_conversion(c, d, "sm_80")


def test_noop_and_registers():
    a = make_layout({"register": [0, 1], "lane": [2, 3, 4, 5, 6]}, [7])
    b = make_layout({"register": [1, 0], "lane": [2, 3, 4, 5, 6]}, [7])
    assert plan_conversion(a, a, "sm_90").kind == "noop"
    p = check_plan(a, b, "sm_90")
    assert p.kind == "registers" and p.selects == 0 and p.shuffles == 0


def test_lane_broadcast_becomes_register_select():
    # src broadcasts over lane bit 0 and keeps bit 0 of the tensor in a register: dst's lane
    # bit 0 needs no shuffle, only a lane-dependent select (Triton would shuffle)
    a = make_layout({"register": [0], "lane": [None, 1, 2, 3, 4]}, [5])
    b = make_layout({"register": [], "lane": [0, 1, 2, 3, 4]}, [5])
    p = check_plan(a, b, "sm_90")
    assert p.kind == "registers" and p.shuffles == 0 and p.selects == 1


def test_explain_mentions_every_step():
    src = make_layout({"register": [0, 1], "lane": [2, 3, 4, 5, 6], "warp": [7]}, [4, 4])
    dst = make_layout({"register": [5, 6], "lane": [0, 1, 2, 3, 7], "warp": [4]}, [4, 4])
    p = check_plan(src, dst, "sm_90")
    text = p.explain()
    assert p.kind == "shared_memory"
    for i in range(1, len(p.steps) + 1):
        assert f"  {i}. " in text
    assert "wavefront" in text


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_identity_swap(name):
    t = get_target(name)
    nl = t.warp_size.bit_length() - 1
    src = make_layout({"register": [0, nl + 1], "lane": list(range(1, nl + 1)), "warp": [nl + 2]}, [nl + 3])
    dst = make_layout(
        {"register": [1, nl + 1], "lane": [0] + list(range(2, nl + 1)), "warp": [nl + 2]}, [nl + 3]
    )
    p = check_plan(src, dst, name, 16)
    assert p.kind in ("warp_shuffle", "shared_memory")


@pytest.mark.parametrize("target", ["sm_90", "gfx942"])
@settings(max_examples=15)
@given(data=st.data())
def test_random_pairs_permuted_vectors(target, data):
    """permute_registers=True: vectors may be any shared registers; same data movement, never
    more wavefronts than without."""
    ws = get_target(target).warp_size
    src, dst = data.draw(layout_pairs(warp_size=ws, max_bits=ws.bit_length() + 4))
    eb = data.draw(st.sampled_from([8, 16, 32, 64]))
    p = check_plan(src, dst, target, eb, strategy="shared_memory", permute_registers=True)
    q = plan_conversion(src, dst, target, elem_bits=eb, strategy="shared_memory")
    if p.kind == "shared_memory":
        assert p.wavefronts <= q.wavefronts or p.shared_instructions < q.shared_instructions


@pytest.mark.slow
@settings(max_examples=300)
@given(data=st.data())
def test_cluster_pairs_long(data):
    src, dst = data.draw(layout_pairs(warp_size=32, max_bits=9, blocks_log=2))
    check_plan(src, dst, "sm_90", data.draw(st.sampled_from([8, 16, 32, 64])))
