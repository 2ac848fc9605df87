"""A small, documented cost model: shuffles or shared memory, per target.

Units are "one warp shuffle" of time.  They only have to rank the two ways of doing an
intra-warp conversion, and the choice is printed by ``plan.explain()``.  The NVIDIA row is
calibrated on an H200 (``benchmarks/hardware/``, 40 conversions timed both ways with CUDA
events): a shuffle took about 2 ns, a lane-dependent select about 1 ns, a shuffle plan about
8 ns of fixed overhead (lane and select-mask arithmetic), a shared-memory wavefront about
1.6 ns and a warp-local store→barrier→load round trip about 6.4 ns.  With these figures the
model picks the faster plan for 34 of the 40 measured conversions (the first, uncalibrated
model: 13 of 40).  The AMD rows are estimates, not measured.

How the metrics of a plan are counted (``simulate.plan_metrics``):

* ``shuffles``: per ``Shuffle`` step, the distinct send columns that some lane receives
  (two slots carrying the same sender register are one shuffle whose result is used twice),
  packed into 32-bit words: ``ceil(columns * elem_bits / 32)``; 64-bit values take two.
* ``selects``: for every slot of a ``Shuffle`` the number of distinct sender registers across
  lanes minus one (pre-selects), plus for every out register the number of distinct sources
  (copy register or shuffle slot) across lanes minus one (post-selects); doubled for 64 bits.
* ``wavefronts``: per vector instruction (a group of ``vec`` registers of one step) the most
  distinct bank-width words one bank serves, summed over the instructions of every shared
  step; identical instructions in one step (dst register broadcast) are issued once.  The
  maximum over warps is reported (all warps are the same for linear layouts).

Costs per target family (``cost_model(target)``):

============  =======  ======  =========  ==========  =======  ==============================
family        shuffle  select  wavefront  ld/st issue  barrier  notes
============  =======  ======  =========  ==========  =======  ==============================
NVIDIA        1.0      0.5     0.8        0.1          8.0      H200-calibrated; + 4.0 per shuffle
                                                                plan, warp round trip 1.0 + 2.2
AMD CDNA w64  2.0      0.5     1.0        0.5          8.0      ds_bpermute = 2 LDS passes;
                                                                xor 1/2 via DPP costs 0.5
AMD gfx950    2.0      0.5     1.0        0.5          8.0      + permlane16/32 swap 0.5
AMD RDNA w32  1.0      0.25    1.0        0.5          8.0      ds_bpermute = 1 LDS pass
============  =======  ======  =========  ==========  =======  ==============================

A warp-local shared-memory round trip only needs a warp barrier (``warp_barrier`` = 1.0) when
neither layout broadcasts over warps; it pays one store→load latency (``roundtrip``: 2.2 on
NVIDIA, 6.0 elsewhere) per round.

>>> from linlayout.targets import get_target
>>> cost_model(get_target("gfx942")).shuffle
2.0
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CostModel", "cost_model", "shuffle_cost", "shared_cost"]


@dataclass(frozen=True)
class CostModel:
    shuffle: float
    select: float
    wavefront: float
    issue: float
    barrier: float
    warp_barrier: float = 1.0
    roundtrip: float = 6.0
    cheap_shuffle: float = 0.5  # DPP / permlane swaps on AMD
    cheap_xor_masks: tuple = ()
    shuffle_overhead: float = 0.0  # fixed cost of a plan that shuffles at all


def cost_model(target) -> CostModel:
    """The cost figures for ``target`` (see the module table)."""
    if target.is_nvidia:
        return CostModel(
            shuffle=1.0,
            select=0.5,
            wavefront=0.8,
            issue=0.1,
            barrier=8.0,
            warp_barrier=1.0,
            roundtrip=2.2,
            shuffle_overhead=4.0,
        )
    if target.warp_size == 64:
        masks = (1, 2, 3)
        if target.has("permlane32_swap"):
            masks = masks + (16, 32)
        return CostModel(
            shuffle=2.0, select=0.5, wavefront=1.0, issue=0.5, barrier=8.0, cheap_xor_masks=masks
        )
    masks = (1, 2, 3)
    return CostModel(shuffle=1.0, select=0.25, wavefront=1.0, issue=0.5, barrier=8.0, cheap_xor_masks=masks)


def shuffle_cost(model: CostModel, shuffles: float, selects: float, cheap: float = 0.0) -> float:
    """Cost of a shuffle plan: ``cheap`` of the shuffles are DPP/permlane ones."""
    fixed = model.shuffle_overhead if shuffles else 0.0
    return (shuffles - cheap) * model.shuffle + cheap * model.cheap_shuffle + selects * model.select + fixed


def shared_cost(
    model: CostModel, wavefronts: float, instructions: float, rounds: int, warp_sync: bool
) -> float:
    """Cost of a shared-memory plan with ``rounds`` store/barrier/load rounds."""
    bar = model.warp_barrier if warp_sync else model.barrier
    return (
        wavefronts * model.wavefront
        + instructions * model.issue
        + rounds * (bar + model.roundtrip)
        + (rounds - 1) * bar
    )
