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
  step, every instruction counted as API.md words it (a dst broadcast register is loaded
  again; src broadcast copies are skipped, ``-1``, so never stored twice).  The
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..targets import Target
    from .classify import Flat

__all__ = [
    "CostModel", "cost_model", "shuffle_cost", "shared_cost", "wavefront_bound", "permutable", "common_first",
]


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
    cheap_xor_masks: tuple[int, ...] = ()
    shuffle_overhead: float = 0.0  # fixed cost of a plan that shuffles at all


def cost_model(target: Target) -> CostModel:
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
        masks: tuple[int, ...] = (1, 2, 3)
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


def _side_bound(fl: Flat, vbits: int, elem_bits: int, num_banks: int, bank_bytes: int, store: bool) -> int:
    """Fewest wavefronts per warp one side's vector instructions can take in any scratch:
    each distinct instruction moves its distinct elements' bytes, at most ``num_banks *
    bank_bytes`` per wavefront (Lemma 9.4), and at least one wavefront."""
    import numpy as np

    from .classify import xor_table

    regs = xor_table(fl.reg).reshape(-1, 1 << vbits)  # instruction groups
    lanes = xor_table(fl.lane)
    els = regs[:, None, :] ^ lanes[None, :, None]  # (groups, lanes, vec)
    els = els.reshape(els.shape[0], -1)
    rows = np.sort(els, axis=1)
    if store:  # src broadcast copies are stored once: repeated instructions are skipped
        rows = np.unique(rows, axis=0)
    row_bits = 8 * num_banks * bank_bytes
    total = 0
    for row in rows:
        n = np.unique(row).size  # broadcast copies of one element move once
        total += max(1, -(-n * elem_bits // row_bits))
    return total


def wavefront_bound(src: Any, dst: Any, target: str | Target, *, elem_bits: int = 32) -> int | None:
    """The fewest wavefronts per warp any one-round shared-memory plan can take under API.md's
    vector rule (a vector is registers ``regs[k*vec … k*vec+vec-1]`` at consecutive aligned
    offsets), for the two register orders the planner searches: each layout's own, and the
    registers both layouts share first (``common_first``; Triton's permutation).

    Minimum over both orders and every legal pair of store/load vector widths: each a prefix of its side's
    registers (≤ 128 bits), the narrower a prefix of the wider (both occupy the lowest offset
    bits), and some scratch keeps both aligned for every warp.  For one pair, each side needs

    * the Lemma 9.4 bandwidth bound: per distinct instruction, its bytes over one bank row;
    * the alignment bound: the segment ``S`` (kernel of the bank map, ``k`` offset bits) must
      lie in ``H``, the span of the wider side's non-vector images, so an instruction whose
      access space is ``A`` conflicts ``2^dim(S∩A)``-fold with ``dim(S∩A) ≥ k - dim H +
      dim(A∩H)``, and ``dim(S∩A_s) + dim(S∩A_d) ≥ k - dim H + max dim(A∩H)``.

    A plan whose ``wavefronts`` equals it is optimal among such plans, whatever the swizzle.

    >>> from linlayout import LinearLayout
    >>> a = LinearLayout.from_bases({"register": [[1]], "lane": [[2], [4], [8], [16], [32]]}, {"dim0": 64})
    >>> wavefront_bound(a, a, "sm_90")  # one 64-bit store, one 64-bit load, 256 B each
    4
    """
    from ..errors import LayoutError
    from ..targets import get_target
    from .classify import classify, flatten

    t = get_target(target)
    if type(elem_bits) is not int or elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    fs, fd = flatten(src, "src"), flatten(dst, "dst")
    if (1 << len(fs.lane)) != t.warp_size:
        raise LayoutError(
            f"src: has {1 << len(fs.lane)} lanes but {t.name} runs {t.warp_size}-lane warps; build the "
            "layouts for this target"
        )
    conv = classify(fs, fd)  # same tensor, same lanes, warps and blocks (LayoutError naming dst)
    if conv.kind == "cluster":
        raise LayoutError(
            "dst: this conversion moves data between CTAs (a cluster plan); wavefront_bound covers "
            "round trips through one CTA's shared memory"
        )
    vmax = max(1, 128 // elem_bits)
    orders = [(fs, fd)] + ([common_first(fs, fd, vmax)] if permutable(fs, fd) else [])
    found = [_order_bound(a, b, t, elem_bits, vmax) for a, b in orders]
    bounds = [b for b in found if b is not None]
    return min(bounds) if bounds else None


def permutable(fs: Flat, fd: Flat) -> bool:
    """Whether a register permutation can widen a vector: some register basis of both
    layouts lies outside their common leading prefix."""
    k = 0
    while k < min(len(fs.reg), len(fd.reg)) and fs.reg[k] and fs.reg[k] == fd.reg[k]:
        k += 1
    lead = set(fs.reg[:k])
    return any(v and v in fd.reg and v not in lead for v in fs.reg)


def common_first(fs: Flat, fd: Flat, vmax: int) -> tuple[Flat, Flat]:
    """``fs`` and ``fd`` with their registers reordered: up to ``log2 vmax`` independent bases
    both share first (in ``fs``'s order), then the other non-zero ones, then broadcast zeros."""
    from dataclasses import replace

    from .._gf2 import Span

    cs = Span()
    common = [v for v in fs.reg if v and v in fd.reg and cs.add(v)][: vmax.bit_length() - 1]

    def order(regs: tuple[int, ...]) -> tuple[int, ...]:
        rest = [v for v in regs if v and v not in common]
        return tuple(common) + tuple(rest) + tuple(v for v in regs if not v)

    return replace(fs, reg=order(fs.reg)), replace(fd, reg=order(fd.reg))


def _order_bound(fs: Flat, fd: Flat, t: Target, elem_bits: int, vmax: int) -> int | None:
    """``wavefront_bound`` for one register order (vectors are prefixes of ``reg``)."""
    from .._gf2 import Span
    from .swizzle import aligned_space, conflict_bounds, low_bits

    space = Span([v for v in fd.reg + fd.lane + fd.warp if v]).basis()
    n = len(space)
    nlow = low_bits(elem_bits, t.num_banks)

    def widths(fl: Flat) -> list[int]:
        out = []
        for b in range(len(fl.reg) + 1):
            if 1 << b > vmax or any(v == 0 for v in fl.reg[:b]):
                break
            out.append(b)
        return out

    nb, bb = t.num_banks, t.bank_bytes
    bw: dict[tuple[str, int], int] = {}
    best: int | None = None
    for bs in widths(fs):
        for bd in widths(fd):
            m = min(bs, bd)
            if tuple(fs.reg[:m]) != tuple(fd.reg[:m]):
                continue
            h = aligned_space(
                fs.reg[:m], bs - m, bd - m, fs.reg, fd.reg, fs.lane, fd.lane, fs.warp, fd.warp, space
            )
            if h is None:
                continue  # no scratch keeps these vectors aligned
            if ("s", bs) not in bw:
                bw[("s", bs)] = _side_bound(fs, bs, elem_bits, nb, bb, True)
            if ("d", bd) not in bw:
                bw[("d", bd)] = _side_bound(fd, bd, elem_bits, nb, bb, False)
            k = max(0, n - max(nlow, bs, bd))
            xs0, xd0, extra = conflict_bounds(
                h, [v for v in fs.reg[:bs] + fs.lane if v], [v for v in fd.reg[:bd] + fd.lane if v], k
            )
            ns = 1 << sum(1 for v in fs.reg[bs:] if v)
            nd = 1 << len(fd.reg[bd:])
            cfg: int | None = None
            for xs in range(xs0, k + 1):
                xd = max(xd0, extra - xs)
                c = max(ns << xs, bw[("s", bs)]) + max(nd << xd, bw[("d", bd)])
                cfg = c if cfg is None else min(cfg, c)
            if cfg is not None:
                best = cfg if best is None else min(best, cfg)
    return best
