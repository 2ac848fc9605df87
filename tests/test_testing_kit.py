"""Tests of linlayout.testing: the strategies draw what they promise, shrink to readable
examples, and the assertions catch what they should (with readable messages)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.targets import TARGETS
from linlayout.testing import (
    assert_layouts_equal,
    assert_plan_correct,
    distributed_layouts,
    hardware_families,
    hardware_layouts,
    layout_diff,
    layout_pairs,
    layouts,
    shapes,
    shared_layouts,
    simulate_plan,
    swizzled_offset_bases,
)

DIST = ["register", "lane", "warp", "block"]


FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _draw(strategy):
    """One example (errors in the strategy's arguments surface here)."""
    return find(strategy, lambda _: True)


# ------------------------------------------------------------------------------ import hygiene


def test_import_linlayout_does_not_import_hypothesis():
    code = "import sys, linlayout; import linlayout.layout; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_import_linlayout_testing_imports_hypothesis():
    code = "import sys, linlayout.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


# ------------------------------------------------------------------------------ shapes / layouts


@FAST
@given(shapes(min_rank=2, max_rank=3, min_bits=4, max_bits=9, max_dim_bits=5))
def test_shapes_respect_bounds(s):
    assert 2 <= len(s) <= 3
    bits = [d.bit_length() - 1 for d in s]
    assert all(d == 1 << b for d, b in zip(s, bits))
    assert 4 <= sum(bits) <= 9 and max(bits) <= 5


@FAST
@given(layouts())
def test_layouts_are_valid_values(L):
    # every basis component lies below its out-dim size and the value round-trips
    for name, bl in L.bases.items():
        assert len(bl) == L.in_dims[name].bit_length() - 1
        for b in bl:
            assert all(0 <= c < s for c, s in zip(b, L.out_dims.values()))
    again = LinearLayout.from_bases(L.bases, L.out_dims, require_surjective=False)
    assert again == L and hash(again) == hash(L)


@FAST
@given(layouts(in_dims=["x", "y"], out_dims={"p": 4, "q": 8}, surjective=True))
def test_layouts_surjective_named(L):
    assert list(L.in_dims) == ["x", "y"]
    assert L.out_dims == {"p": 4, "q": 8}
    assert L.is_surjective()


@FAST
@given(layouts(in_dims={"a": 8}, out_dims={"b": 8}, surjective=True, xor_mix=False))
def test_layouts_no_xor_is_a_permutation(L):
    flat = [b[0] for b in L.bases["a"]]
    assert sorted(flat) == [1, 2, 4]


def test_layouts_surjective_too_few_fixed_inputs():
    with pytest.raises(LayoutError, match="in_dims"):
        _draw(layouts(in_dims={"a": 2}, out_dims={"b": 8}, surjective=True))


# ------------------------------------------------------------------------------ distributed


@FAST
@given(distributed_layouts(warp_size=st.sampled_from([32, 64]), num_warps=st.sampled_from([1, 2, 4, 8]),
                           num_blocks=st.sampled_from([1, 2])))
def test_distributed_bijective_by_default(L):
    assert list(L.in_dims) == DIST
    assert L.in_dims["lane"] in (32, 64)
    assert list(L.out_dims) == [f"dim{i}" for i in range(len(L.out_dims))]
    assert L.is_invertible()
    # every element lives in exactly one register of one thread
    t = L.to_flat_table()
    assert len(set(t.tolist())) == t.size == L.total_out_size


@FAST
@given(distributed_layouts(num_warps=4, shape=st.sampled_from([(1,), (4, 2), (64, 64)]), broadcast=True))
def test_distributed_broadcast_is_surjective(L):
    assert L.in_dims["lane"] == 32 and L.in_dims["warp"] == 4
    assert L.is_surjective()
    assert tuple(L.out_dims.values()) in [(1,), (4, 2), (64, 64)]


def test_distributed_broadcast_actually_broadcasts():
    L = find(distributed_layouts(shape=(64,), broadcast=True), lambda L: not L.is_injective())
    assert not L.is_injective() and L.is_surjective()


def test_distributed_too_small_shape_without_broadcast():
    with pytest.raises(LayoutError, match="shape"):
        _draw(distributed_layouts(shape=(4, 4), broadcast=False))


@FAST
@given(distributed_layouts(shape=(16, 16), num_warps=2, xor_mix=False))
def test_distributed_no_xor_bases_are_unit(L):
    for bl in L.bases.values():
        for b in bl:
            nz = [c for c in b if c]
            assert len(nz) <= 1 and all(c & (c - 1) == 0 for c in nz)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(warp_size=24), "warp_size"),
        (dict(num_warps=0), "num_warps"),
        (dict(num_blocks=-2), "num_blocks"),
        (dict(shape=(3, 4)), "shape"),
        (dict(shape="32x32"), "shape"),
        (dict(max_bits=-1), "max_bits"),
        (dict(xor_mix="yes"), "xor_mix"),
    ],
)
def test_distributed_bad_arguments(kwargs, name):
    with pytest.raises(LayoutError, match=name):
        _draw(distributed_layouts(**kwargs))


# ------------------------------------------------------------------------------ shrinking


def test_shrinks_to_identity_like_layout():
    # the smallest layout with a 3-bit in-dim: all zero bases, one out bit at most
    L = find(layouts(), lambda L: L.total_in_bits >= 3)
    assert L.total_in_bits == 3
    assert all(c == 0 for bl in L.bases.values() for b in bl for c in b)


def test_shrinks_distributed_to_identity():
    # smallest distributed layout over 64 elements: registers then lanes in order
    L = find(distributed_layouts(shape=(64,), num_warps=1), lambda L: True)
    assert L.bases == {"register": [[1]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": []}


def test_shrinks_to_small_counterexample():
    # 'a swizzled layout' shrinks to a single XOR basis on the smallest shape
    L = find(distributed_layouts(num_warps=1),
             lambda L: any(bin(sum(c << (8 * i) for i, c in enumerate(b))).count("1") > 1
                           for bl in L.bases.values() for b in bl))
    assert L.total_out_bits == 5  # 32 lanes, no room to shrink further
    multi = [b for bl in L.bases.values() for b in bl if sum(bin(c).count("1") for c in b) > 1]
    assert len(multi) == 1


# ------------------------------------------------------------------------------ shared


@FAST
@given(shared_layouts(num_blocks=st.sampled_from([1, 2, 4]), elem_bits=st.sampled_from([8, 16, 32])))
def test_shared_layouts_invertible(L):
    assert list(L.in_dims) == ["offset", "block"]
    assert L.is_invertible()


# Triton's swizzled_shared expectations (LinearLayoutConversionsTest: SharedSwizzled2D_*)
@pytest.mark.parametrize(
    "shape,order,vec,pp,mp,want",
    [
        ((32, 32), (1, 0), 1, 1, 4,
         [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 1], [2, 2], [4, 0], [8, 0], [16, 0]]),
        ((32, 32), (1, 0), 1, 2, 4,
         [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 1], [4, 2], [8, 0], [16, 0]]),
        ((4, 8), (1, 0), 2, 1, 4, [[0, 1], [0, 2], [0, 4], [1, 2], [2, 4]]),
        ((4, 8), (0, 1), 1, 1, 4, [[1, 0], [2, 0], [1, 1], [2, 2], [0, 4]]),
    ],
)
def test_swizzled_offset_bases_match_triton(shape, order, vec, pp, mp, want):
    assert swizzled_offset_bases(shape, order, vec, pp, mp) == want


@FAST
@given(shared_layouts(shape=(16, 32)))
def test_shared_layouts_fixed_shape(L):
    assert L.out_dims == {"dim0": 16, "dim1": 32}


# ------------------------------------------------------------------------------ pairs


@FAST
@given(layout_pairs(warp_size=st.sampled_from([32, 64]), num_warps=st.sampled_from([1, 2]),
                    num_blocks=st.sampled_from([1, 2]), max_bits=9))
def test_layout_pairs_compatible(pair):
    src, dst = pair
    assert src.out_dims == dst.out_dims
    for d in ("lane", "warp", "block"):
        assert src.in_dims[d] == dst.in_dims[d]
    assert src.is_surjective() and dst.is_surjective()


# ------------------------------------------------------------------------------ hardware


def test_hardware_families_names():
    fams = hardware_families()
    assert all(f.startswith(("ttg.", "ttng.")) for f in fams)
    for t in TARGETS:
        assert set(hardware_families(t)) <= set(fams)


def _targets_with_families(kind="any"):
    out = []
    for t in TARGETS:
        names = hardware_families(t)
        if names:
            out.append(t)
    return out


@pytest.mark.parametrize("target", ["sm_80", "sm_100", "gfx950", "gfx1200"])
def test_hardware_layouts_valid(target):
    if not hardware_families(target):
        pytest.skip(f"no hardware family has landed for {target}")

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hardware_layouts(target, with_description=True))
    def check(item):
        desc, shape, L = item
        assert L.out_dims == {f"dim{i}": s for i, s in enumerate(shape)}
        assert L == desc.to_linear_layout(shape)
        ins = list(L.in_dims)
        if ins[0] == "register":
            assert ins == DIST
            assert L.in_dims["lane"] == TARGETS[target].warp_size
            assert L.is_surjective()
        elif ins[0] == "offset":
            assert L.is_surjective()

    check()


@pytest.mark.parametrize("target", ["sm_90", "gfx942"])
def test_hardware_layouts_roundtrip_through_triton_text(target):
    pytest.importorskip("linlayout.triton.attrs")
    if not hardware_families(target):
        pytest.skip(f"no hardware family has landed for {target}")
    from linlayout import from_triton

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hardware_layouts(target, with_description=True))
    def check(item):
        desc, shape, L = item
        assert_layouts_equal(from_triton(desc.to_triton(), shape), L)

    check()


FAMILY_TARGETS = [(f, t) for t in ("sm_100", "gfx942", "gfx1100") for f in hardware_families(t)]


@pytest.mark.parametrize("family,target", FAMILY_TARGETS)
def test_every_family_draws(family, target):
    """Each family yields layouts on its own (no family silently rejects every draw)."""
    seen = []

    @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hardware_layouts(target, families=[family], num_blocks=st.sampled_from([1, 2]),
                            with_description=True))
    def check(item):
        desc, shape, L = item
        assert desc.triton_name == family
        assert list(L.out_dims.values()) == list(shape)
        seen.append(desc)

    check()
    assert seen


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(layout_pairs(target="sm_90", num_warps=4, shape=(64, 64)))
def test_layout_pairs_with_hardware(pair):
    src, dst = pair
    assert src.out_dims == dst.out_dims == {"dim0": 64, "dim1": 64}
    assert src.in_dims["lane"] == dst.in_dims["lane"] == 32
    assert src.in_dims["warp"] == dst.in_dims["warp"] == 4


def test_hardware_layouts_bad_arguments():
    with pytest.raises(LayoutError, match="target"):
        hardware_layouts("sm_999")
    with pytest.raises(LayoutError, match="kind"):
        hardware_layouts("sm_90", kind="registers")
    with pytest.raises(LayoutError, match="families"):
        hardware_layouts("sm_90", families=["ttg.not_a_family"])


# ------------------------------------------------------------------------------ assert_layouts_equal


def test_assert_layouts_equal_passes():
    a = LinearLayout.identity("lane", 8, "dim0")
    assert_layouts_equal(a, LinearLayout.from_bases({"lane": [[1], [2], [4]]}, {"dim0": 8}))
    assert layout_diff(a, a) == ""


def test_assert_layouts_equal_side_by_side():
    a = LinearLayout.from_bases({"register": [[0, 1], [0, 2]], "lane": [[1, 0]]}, ["dim0", "dim1"])
    b = LinearLayout.from_bases({"register": [[0, 1], [1, 0]], "lane": [[0, 2]]}, ["dim0", "dim1"])
    with pytest.raises(AssertionError) as ei:
        assert_layouts_equal(a, b, "my conversion")
    msg = str(ei.value)
    lines = msg.splitlines()
    assert lines[0] == "my conversion"
    assert "2 of 3 bases" in lines[1]
    row = next(x for x in lines if "register[1]" in x)
    assert row.lstrip().startswith("*") and "[0, 2]" in row and "[1, 0]" in row
    assert row.index("[0, 2]") < row.index("|") < row.index("[1, 0]")
    same = next(x for x in lines if "register[0]" in x)
    assert not same.lstrip().startswith("*")


def test_assert_layouts_equal_reports_dims():
    a = LinearLayout.identity("lane", 4, "dim0")
    b = LinearLayout.identity("lane", 8, "dim0")
    with pytest.raises(AssertionError, match=r"in dims:.*'lane': 4.*'lane': 8") as ei:
        assert_layouts_equal(a, b)
    assert "lane[2]" in str(ei.value) and "-" in str(ei.value)
    c = LinearLayout.from_bases({"lane": [[1], [2]]}, {"dim0": 8}, require_surjective=False)
    with pytest.raises(AssertionError, match="out dims"):
        assert_layouts_equal(a, c)


def test_assert_layouts_equal_wrong_type():
    with pytest.raises(LayoutError, match="b: expected a LinearLayout"):
        assert_layouts_equal(LinearLayout.empty(), "not a layout")


@FAST
@given(layouts(), layouts())
def test_layout_diff_empty_iff_equal(a, b):
    assert (layout_diff(a, b) == "") == (a == b)


# ------------------------------------------------------------------------------ assert_plan_correct
# Hand-made plans using step classes named as in API.md (the checker dispatches by name).


@dataclass
class Copy:
    reg_map: Any


@dataclass
class Shuffle:
    src_lane: Any
    send: Any
    recv: Any


@dataclass
class SharedStore:
    offset: Any
    vec: int = 1
    block: Any = None


@dataclass
class SharedLoad:
    offset: Any
    vec: int = 1


@dataclass
class Barrier:
    pass


@dataclass
class Plan:
    kind: str
    steps: list
    shared_bytes: int | None = None
    elem_bits: int = 32


def _L(reg, lane, warp=(), block=(), out=("dim0",)):
    return LinearLayout.from_bases({"register": [list(x) for x in reg], "lane": [list(x) for x in lane],
                                    "warp": [list(x) for x in warp], "block": [list(x) for x in block]},
                                   list(out))


def _element_ids(L):
    """flattened element index at [block, warp, lane, register], straight from apply()."""
    R, Ln, W, B = (L.in_dims[d] for d in DIST)
    sizes = list(L.out_dims.values())
    out = np.zeros((B, W, Ln, R), dtype=np.int64)
    for b in range(B):
        for w in range(W):
            for ln in range(Ln):
                for r in range(R):
                    v = L.apply(register=r, lane=ln, warp=w, block=b)
                    idx, mul = 0, 1
                    for s, x in zip(sizes, v.values()):
                        idx += x * mul
                        mul *= s
                    out[b, w, ln, r] = idx
    return out


def _smem_plan(src, dst, barrier=True):
    """The generic correct plan: store each element at its own index, barrier, load."""
    s, d = _element_ids(src), _element_ids(dst)
    steps = [SharedStore(s[0]), *([Barrier()] if barrier else []), SharedLoad(d[0])]
    return Plan("shared_memory", steps, shared_bytes=4 * src.total_out_size)


def test_plan_register_permutation():
    src = _L([[1], [2]], [[4]])
    dst = _L([[2], [1]], [[4]])
    good = Plan("registers", [Copy(np.array([[0, 2, 1, 3]] * 2))])
    assert_plan_correct(good, src, dst)
    bad = Plan("registers", [Copy(np.array([[0, 1, 2, 3]] * 2))])
    with pytest.raises(AssertionError, match="register 1: got \\(dim0=1\\), dst wants \\(dim0=2\\)"):
        assert_plan_correct(bad, src, dst)


def test_plan_shuffle_lane_register_swap():
    src = _L([[2]], [[1]])  # lane l, reg r holds l + 2r
    dst = _L([[1]], [[2]])  # lane l, reg r holds 2l + r
    steps = [Copy(np.array([[0, -1], [-1, 1]])),
             Shuffle(np.array([1, 0]), np.array([[1], [0]]), np.array([[1], [0]]))]
    assert_plan_correct(Plan("warp_shuffle", steps), src, dst)
    # forgetting the copy leaves registers unwritten
    with pytest.raises(AssertionError, match="never written"):
        assert_plan_correct(Plan("warp_shuffle", steps[1:]), src, dst)
    # a lane that receives from a lane sending nothing
    bad = [steps[0], Shuffle(np.array([1, 0]), np.array([[-1], [0]]), np.array([[1], [0]]))]
    with pytest.raises(AssertionError, match="sends nothing"):
        assert_plan_correct(Plan("warp_shuffle", bad), src, dst)


def test_plan_noop():
    L = _L([[1]], [[2]])
    assert_plan_correct(Plan("noop", []), L, L)
    with pytest.raises(AssertionError):
        assert_plan_correct(Plan("noop", []), L, _L([[2]], [[1]]))
    with pytest.raises(AssertionError, match="no steps"):
        assert_plan_correct(Plan("shared_memory", []), L, L)


def test_plan_missing_barrier_is_a_race():
    src = _L([[1]], [[2], [4]], warp=[[8]])
    dst = _L([[8]], [[1], [2]], warp=[[4]])
    assert_plan_correct(_smem_plan(src, dst), src, dst)
    with pytest.raises(AssertionError, match="missing Barrier"):
        assert_plan_correct(_smem_plan(src, dst, barrier=False), src, dst)


def test_plan_vector_rules():
    src = _L([[1], [2]], [[4]])
    dst = src
    off = _element_ids(src)[0]
    ok = Plan("shared_memory", [SharedStore(off, vec=4), Barrier(), SharedLoad(off, vec=2)], 64)
    assert_plan_correct(ok, src, dst)
    with pytest.raises(AssertionError, match="exceeds 128 bits"):
        assert_plan_correct(Plan("shared_memory", [SharedStore(off, vec=4), Barrier(), SharedLoad(off)]),
                            src, dst, elem_bits=64)
    swapped = off[:, :, [1, 0, 2, 3]]
    with pytest.raises(AssertionError, match="consecutive, aligned"):
        assert_plan_correct(Plan("shared_memory", [SharedStore(swapped, vec=2), Barrier(),
                                                   SharedLoad(swapped)]), src, dst)
    with pytest.raises(AssertionError, match="does not divide"):
        assert_plan_correct(Plan("shared_memory", [SharedStore(off, vec=8), Barrier(), SharedLoad(off)]),
                            src, dst, elem_bits=8)
    with pytest.raises(AssertionError, match="shared_bytes"):
        assert_plan_correct(Plan("shared_memory", [SharedStore(off), Barrier(), SharedLoad(off)], 8),
                            src, dst)


def test_plan_conflicting_writes():
    src = _L([[1]], [[2]])
    dst = src
    off = np.zeros((1, 2, 2), dtype=int)
    with pytest.raises(AssertionError, match="race"):
        assert_plan_correct(Plan("shared_memory", [SharedStore(off), Barrier(), SharedLoad(off)]), src, dst)


def test_plan_cluster_store_block():
    # two CTAs; the store names the receiving CTA.  Both CTAs store register r to CTA r,
    # offset 0: two distinct elements race for one location.
    src = _L([[1]], [], block=[[2]])
    dst = _L([[2]], [], block=[[1]])
    steps = [SharedStore(np.array([[[0, 0]]]), block=np.array([[[0, 1]]])), Barrier(),
             SharedLoad(np.array([[[0, 0]]]))]
    with pytest.raises(AssertionError, match="race"):
        assert_plan_correct(Plan("cluster", steps), src, dst)
    # a CTA index outside the cluster is rejected
    steps[0] = SharedStore(np.array([[[0, 1]]]), block=np.array([[[0, 2]]]))
    with pytest.raises(AssertionError, match="SharedStore.block"):
        assert_plan_correct(Plan("cluster", steps), src, dst)
    # storing into the own CTA and reading back each own element is fine when dst == src
    own = [SharedStore(np.array([[[0, 1]]])), Barrier(), SharedLoad(np.array([[[0, 1]]]))]
    assert_plan_correct(Plan("shared_memory", own), src, src)


@settings(max_examples=25, deadline=None)
@given(layout_pairs(warp_size=st.sampled_from([4, 8]), num_warps=st.sampled_from([1, 2]),
                    max_bits=7, broadcast=st.booleans()))
def test_generic_smem_plan_is_correct_and_mutations_are_caught(pair):
    src, dst = pair
    plan = _smem_plan(src, dst)
    assert_plan_correct(plan, src, dst)
    # loading a different element anywhere is caught
    load = plan.steps[-1].offset.copy()
    flat = load.reshape(-1)
    if flat.size >= 2 and len(set(flat.tolist())) >= 2:
        j = next(k for k in range(1, flat.size) if flat[k] != flat[0])
        flat[0], flat[j] = flat[j], flat[0]
        bad = Plan("shared_memory", plan.steps[:-1] + [SharedLoad(load)], plan.shared_bytes)
        with pytest.raises(AssertionError, match="is wrong in"):
            assert_plan_correct(bad, src, dst)


def test_plan_checker_argument_errors():
    L = _L([[1]], [[2]])
    with pytest.raises(LayoutError, match="src"):
        assert_plan_correct(Plan("noop", []), "x", L)
    with pytest.raises(LayoutError, match="dst"):
        assert_plan_correct(Plan("noop", []), L, _L([[1]], [[2], [4]]))
    with pytest.raises(LayoutError, match="plan"):
        assert_plan_correct(object(), L, L)
    with pytest.raises(LayoutError, match="elem_bits"):
        assert_plan_correct(Plan("noop", []), L, L, elem_bits=12)


# ------------------------------------------------------------------------------ real plans


def _planner():
    mod = pytest.importorskip("linlayout.plan")
    if not hasattr(mod, "plan_conversion"):
        pytest.skip("plan_conversion has not landed")
    return mod.plan_conversion


@pytest.mark.parametrize("target,ws", [("sm_80", 32), ("sm_90", 32), ("gfx942", 64), ("gfx1100", 32)])
def test_plan_conversion_passes_independent_checker(target, ws):
    plan_conversion = _planner()

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(layout_pairs(warp_size=ws, num_warps=st.sampled_from([1, 2, 4]), max_bits=10,
                        broadcast=st.booleans()), st.sampled_from([16, 32]))
    def check(pair, bits):
        src, dst = pair
        plan = plan_conversion(src, dst, target, elem_bits=bits)
        assert_plan_correct(plan, src, dst, elem_bits=bits)
        out, _ = simulate_plan(plan, src, dst, elem_bits=bits)
        vals = _element_ids(src)
        np.testing.assert_array_equal(np.asarray(plan.run(vals)), out)

    check()


def test_checker_catches_broken_real_plans():
    """Break real plans from plan_conversion in small ways: the checker notices each."""
    import dataclasses

    plan_conversion = _planner()
    src = _L([[0, 1], [0, 2]], [[0, 4], [0, 8], [1, 0], [2, 0], [4, 0]], [[8, 0], [16, 0]],
             out=("dim0", "dim1"))
    dst = _L([[1, 0], [2, 0]], [[4, 0], [8, 0], [0, 1], [0, 2], [0, 4]], [[0, 8], [16, 0]],
             out=("dim0", "dim1"))
    plan = plan_conversion(src, dst, "sm_80", elem_bits=32)
    assert_plan_correct(plan, src, dst)
    steps = list(plan.steps)
    kinds = [type(s).__name__ for s in steps]
    assert "SharedStore" in kinds and "Barrier" in kinds
    broken = []
    # 1. no barrier: a race
    broken.append([s for s in steps if type(s).__name__ != "Barrier"])
    # 2. one load offset pointing elsewhere
    k = kinds.index("SharedLoad")
    off = np.array(steps[k].offset).copy()
    flat = off.reshape(-1)
    j = int(np.flatnonzero(flat != flat[0])[0])
    flat[0], flat[j] = flat[j], flat[0]
    broken.append(steps[:k] + [dataclasses.replace(steps[k], offset=off, vec=1)] + steps[k + 1:])
    # 3. the store dropped
    broken.append([s for s in steps if type(s).__name__ != "SharedStore"])
    for bad in broken:
        with pytest.raises(AssertionError):
            assert_plan_correct(dataclasses.replace(plan, steps=bad, _metrics=None), src, dst)
