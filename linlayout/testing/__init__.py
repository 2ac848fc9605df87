"""Property-testing support for code that builds or converts layouts.

Hypothesis strategies that draw layouts, and assertions with readable failures::

    from hypothesis import given
    from linlayout.testing import layout_pairs, assert_plan_correct
    import linlayout as ll

    @given(layout_pairs(warp_size=32, num_warps=4, shape=(32, 32)))
    def test_my_conversion(pair):
        src, dst = pair
        plan = ll.plan_conversion(src, dst, "sm_90")
        assert_plan_correct(plan, src, dst)

Strategies: :func:`layouts` (any named layout), :func:`distributed_layouts`
(``register, lane, warp, block``), :func:`shared_layouts` (``offset, block``,
swizzled), :func:`hardware_layouts` (Triton's hardware families for a target),
:func:`layout_pairs` (conversions) and :func:`shapes`.  Assertions:
:func:`assert_layouts_equal` (side-by-side basis diff) and
:func:`assert_plan_correct` (executes a conversion plan independently of
``plan.run``).

This module imports ``hypothesis``; ``import linlayout`` never does.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "linlayout.testing needs hypothesis: pip install 'hypothesis>=6.80' (or linlayout[test])"
    ) from e

from .asserts import assert_layouts_equal, assert_plan_correct, layout_diff, simulate_plan
from .strategies import (
    distributed_layouts,
    hardware_families,
    hardware_layouts,
    layout_pairs,
    layouts,
    shapes,
    shared_layouts,
    swizzled_offset_bases,
)

__all__ = [
    "layouts",
    "distributed_layouts",
    "shared_layouts",
    "hardware_layouts",
    "hardware_families",
    "layout_pairs",
    "shapes",
    "swizzled_offset_bases",
    "assert_layouts_equal",
    "assert_plan_correct",
    "layout_diff",
    "simulate_plan",
]
