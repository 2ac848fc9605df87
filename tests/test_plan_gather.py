"""plan_gather: warp-local shuffle gathers and shared-memory gathers return src values at the
indexed positions, checked against numpy's take_along_axis."""

from __future__ import annotations

import numpy as np
import pytest
from test_plan_helpers import make_layout, tables

from linlayout import LayoutError
from linlayout.hardware.blocked import BlockedLayout
from linlayout.plan import plan_gather
from linlayout.testing import assert_plan_correct


def coords(layout):
    """Per-thread tensor coordinates: list of arrays (blocks, warps, lanes, regs) per dim."""
    flat = tables(layout)
    out, shift = [], 0
    for _, size in layout.out_dims.items():
        k = size.bit_length() - 1
        out.append((flat >> shift) & (size - 1))
        shift += k
    return out


def check(src, idx, axis, target, seed=0):
    plan = plan_gather(src, idx, axis, target)
    rng = np.random.default_rng(seed)
    shape_s = [s for s in src.out_dims.values()]
    tensor = rng.integers(0, 1 << 30, size=shape_s)
    shape_i = [s for s in idx.out_dims.values()]
    index = rng.integers(0, shape_s[axis], size=shape_i)
    src_vals = tensor[tuple(coords(src))]
    idx_vals = index[tuple(coords(idx))]
    want_full = np.take_along_axis(tensor, index, axis=axis) if shape_s == shape_i or True else None
    want = want_full[tuple(coords(idx))]
    got = plan.run(src_vals, idx_vals)
    np.testing.assert_array_equal(got, want)
    assert_plan_correct(plan, src, idx)  # the testing kit accepts gather plans too
    return plan


def test_warp_local_gather_uses_shuffles():
    # axis 0 lives in lanes and registers of one warp
    src = BlockedLayout([2, 1], [16, 2], [1, 4], [0, 1]).to_linear_layout([32, 8])
    idx = BlockedLayout([2, 1], [16, 2], [1, 4], [0, 1]).to_linear_layout([32, 8])
    p = check(src, idx, 0, "sm_90")
    assert p.kind == "warp_shuffle" and p.shuffles > 0 and p.shared_bytes == 0
    assert "GatherShuffle" in p.explain()


def test_gather_through_shared_memory():
    src = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout([32, 32])
    idx = BlockedLayout([4, 1], [8, 4], [1, 4], [0, 1]).to_linear_layout([16, 32])
    p = check(src, idx, 0, "sm_90")
    assert p.kind == "shared_memory" and p.shared_bytes == 32 * 32 * 4


@pytest.mark.parametrize("axis", [0, 1])
def test_gather_random_axis_wave64(axis):
    src = BlockedLayout([1, 2], [8, 8], [2, 2], [1, 0]).to_linear_layout([32, 32])
    check(src, src, axis, "gfx942", seed=axis)


def test_gather_with_broadcast_src():
    src = make_layout({"register": [0, None], "lane": [1, 2, 3, 4, 5], "warp": [None]}, [3, 3])
    idx = make_layout({"register": [0], "lane": [1, 2, 3, 4, 5], "warp": [None]}, [3, 3])
    check(src, idx, 1, "sm_80")


def test_gather_bad_axis():
    src = BlockedLayout([1, 4], [4, 8], [4, 1], [1, 0]).to_linear_layout([32, 32])
    with pytest.raises(LayoutError, match="axis"):
        plan_gather(src, src, 2, "sm_90")
