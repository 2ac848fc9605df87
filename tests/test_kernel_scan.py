"""plan_scan: executable scan plans checked against numpy (cumsum, cummax, cummin, reverse) on
random and hardware layouts; the Triton comparison lives in test_kernel_reduce.py (one data file)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linlayout import BlockedLayout, LayoutError, LinearLayout, plan_scan
from linlayout.kernel.scan import ScanLoad, ScanRegisters, ScanShuffle, ScanStore
from linlayout.testing import distributed_layouts, hardware_layouts

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
TARGETS = ("sm_80", "sm_90", "gfx942", "gfx1100")
NUMPY = {"sum": np.cumsum, "max": np.maximum.accumulate, "min": np.minimum.accumulate}


def distribute(L: LinearLayout, X: np.ndarray) -> np.ndarray:
    t = L.to_table()
    ins = L.in_dims
    shp = (ins["block"], ins["warp"], ins["lane"], ins["register"])
    return X[tuple(t[:, k].reshape(shp) for k in range(t.shape[1]))]


def expected(X: np.ndarray, axis: int, op: str, reverse: bool) -> np.ndarray:
    fn = NUMPY[op]
    if reverse:
        return np.flip(fn(np.flip(X, axis), axis=axis), axis)
    return fn(X, axis=axis)


def check_scan(L: LinearLayout, axis: int, target: str, reverse: bool) -> None:
    p = plan_scan(L, axis, target, reverse=reverse)
    assert p.result == L
    shape = tuple(L.out_dims.values())
    X = np.random.default_rng(1).integers(-9, 9, size=shape)
    vals = distribute(L, X)
    for op in ("sum", "max", "min"):
        np.testing.assert_array_equal(
            p.run(vals, op), distribute(L, expected(X, axis, op, reverse)), err_msg=op
        )


@SETTINGS
@given(
    distributed_layouts(num_warps=st.sampled_from([1, 2, 4, 8]), broadcast=st.booleans(), max_bits=10)
    | distributed_layouts(
        num_warps=st.sampled_from([1, 2, 4]), broadcast=st.booleans(), xor_mix=False, max_bits=10
    ),
    st.data(),
    st.booleans(),
)
def test_random_layouts_match_numpy(L, data, reverse):
    check_scan(L, data.draw(st.integers(0, len(L.out_dims) - 1)), "sm_80", reverse)


@SETTINGS
@given(
    st.sampled_from(TARGETS).flatmap(
        lambda t: st.tuples(st.just(t), hardware_layouts(t, kind="distributed"))
    ),
    st.data(),
    st.booleans(),
)
def test_hardware_layouts_match_numpy(tl, data, reverse):
    target, L = tl
    check_scan(L, data.draw(st.integers(0, len(L.out_dims) - 1)), target, reverse)


@SETTINGS
@given(st.sampled_from([8, 16, 32, 64]), st.integers(0, 1), st.booleans())
def test_blocked_steps_follow_the_levels(bits, axis, reverse):
    """A blocked scan: registers in-thread, one shuffle per distinct total per lane bit, one
    shared-memory stage for the warps; reverse costs nothing extra."""
    L = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])
    p = plan_scan(L, axis, "sm_90", elem_bits=bits, reverse=reverse)
    kinds = [type(s) for s in p.steps]
    lane_bits = 3 if axis == 1 else 2
    assert kinds.count(ScanShuffle) == lane_bits
    assert kinds.count(ScanStore) == kinds.count(ScanLoad) == 1 and p.barriers == 1
    assert ScanRegisters in kinds  # axis registers: the low bits (axis 1) or the high ones (axis 0)
    fwd = plan_scan(L, axis, "sm_90", elem_bits=bits)
    assert p.metrics() == fwd.metrics()
    assert "totals:" in p.explain()


def test_refuses_a_scan_across_ctas():
    L = LinearLayout.from_bases(
        {"register": [], "lane": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16]], "warp": [], "block": [[1, 0]]},
        [("dim0", 2), ("dim1", 32)],
    )
    with pytest.raises(LayoutError, match="CTAs"):
        plan_scan(L, 0, "sm_90")
    plan_scan(L, 1, "sm_90")


L0 = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"axis": 2}, "axis"),
        ({"axis": None}, "axis"),
        ({"elem_bits": 0}, "elem_bits"),
        ({"reverse": 1}, "reverse"),
        ({"target": "gfx950"}, "layout"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, arg):
    args = {"axis": 1, "target": "sm_80", "elem_bits": 32, "reverse": False} | kwargs
    with pytest.raises(LayoutError, match=arg):
        plan_scan(L0, args["axis"], args["target"], elem_bits=args["elem_bits"], reverse=args["reverse"])


def test_bad_run_input_names_the_argument():
    p = plan_scan(L0, 1, "sm_80")
    with pytest.raises(LayoutError, match="op"):
        p.run(np.zeros((1, 4, 32, 16)), "argmax")
    with pytest.raises(LayoutError, match="values"):
        p.run(np.zeros((4, 32, 16)), "sum")


def test_mixed_layout_scans_through_a_plain_one_with_a_barrier_between_scratch_uses():
    """XOR-mixed bases: convert, scan, convert back; the second conversion waits for the first
    one's loads before it stores into the same scratch."""
    from linlayout.plan.ir import Barrier

    L = LinearLayout.from_bases(
        {
            "register": [[1, 1], [0, 2]],
            "lane": [[0, 1], [2, 0], [4, 0], [8, 0], [0, 4]],
            "warp": [[16, 0]],
            "block": [],
        },
        [("dim0", 32), ("dim1", 8)],
    )
    p = plan_scan(L, 0, "sm_80")
    kinds = [type(s).__name__ for s in p.steps]
    assert kinds[0] == "Convert" and kinds[-1] == "Convert"
    shared = [i for i, s in enumerate(p.steps) if type(s).__name__ in ("Convert", "ScanStore")]
    for a, b in zip(shared, shared[1:]):
        assert any(isinstance(s, Barrier) for s in p.steps[a + 1 : b + 1]) or (
            type(p.steps[b]).__name__ == "Convert"
            and p.steps[b].plan.kind not in ("shared_memory", "cluster")
        )
    check_scan(L, 0, "sm_80", False)
