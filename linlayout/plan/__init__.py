"""Conversion planning: explicit, executable plans for ``convert_layout`` (docs/plan-ir.md).

>>> from linlayout import LinearLayout, plan_conversion
>>> src = LinearLayout.from_bases({"register": [[1]], "lane": [[2], [4], [8], [16], [32]],
...                                "warp": [], "block": []}, ["dim0"])
>>> dst = LinearLayout.from_bases({"register": [[32]], "lane": [[1], [2], [4], [8], [16]],
...                                "warp": [], "block": []}, ["dim0"])
>>> plan = plan_conversion(src, dst, "sm_90")   # the cost model prefers shared memory here
>>> plan.kind, plan.shuffles, plan.wavefronts
('shared_memory', 0, 4)
>>> plan = plan_conversion(src, dst, "sm_90", strategy="shuffle")
>>> plan.kind, plan.shuffles
('warp_shuffle', 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from .ir import Barrier, ConversionPlan, Copy, SharedLoad, SharedStore, Shuffle

__all__ = [
    "plan_conversion",
    "plan_gather",
    "ConversionPlan",
    "Copy",
    "Shuffle",
    "SharedStore",
    "SharedLoad",
    "Barrier",
    "wavefront_bound",
]

if TYPE_CHECKING:
    from ..targets import Target
    from .cost import CostModel
    from .gather import GatherPlan
    from .problem import Problem
    from .shared import Lead, SharedDesign

_STRATEGIES = (None, "auto", "shuffle", "shared_memory")


def plan_conversion(
    src: Any,
    dst: Any,
    target: str | Target,
    *,
    elem_bits: int = 32,
    max_shared_bytes: int | None = None,
    strategy: str | None = None,
    permute_registers: bool | None = None,
) -> ConversionPlan:
    """Plan the conversion of a tensor from distributed layout ``src`` to ``dst`` on ``target``.

    ``elem_bits`` is 8, 16, 32 or 64.  ``max_shared_bytes`` (default: the target's shared
    memory per block) bounds the scratch; larger round trips run in several rounds.  By
    default a round trip also runs in Triton's rounds (one per segment bit that both layouts
    hold in registers, scratch halved each) wherever that moves no more shared instructions
    or wavefronts; an explicit ``max_shared_bytes`` takes the fewest rounds that fit.
    ``strategy`` forces ``"shuffle"`` or ``"shared_memory"`` for intra-warp conversions
    (default: the cost model of ``cost.py`` decides).  Shared-memory vectors may be any
    registers the two layouts share (as Triton permutes its values; the steps then carry
    ``regs``) whenever that lowers the cost: ``permute_registers=None`` (default) decides by
    the cost model, ``True`` always permutes where it widens a vector, ``False`` never does.
    """
    from ..targets import get_target
    from .classify import classify, flatten
    from .cost import cost_model, shuffle_cost
    from .problem import Problem
    from .shared import design_shared
    from .shuffle import annotate_permlane, register_plan_steps, shuffle_design, shuffle_plan_steps

    t = get_target(target)
    if type(elem_bits) is not int or elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    if strategy not in _STRATEGIES:
        raise LayoutError(f"strategy: expected one of 'shuffle', 'shared_memory' or None, got {strategy!r}")
    if permute_registers not in (None, True, False):
        raise LayoutError(f"permute_registers: expected None, True or False, got {permute_registers!r}")
    fs, fd = flatten(src, "src"), flatten(dst, "dst")
    if (1 << len(fs.lane)) != t.warp_size:
        raise LayoutError(
            f"src: has {1 << len(fs.lane)} lanes but {t.name} runs {t.warp_size}-lane warps; build the "
            "layouts for this target"
        )
    conv = classify(fs, fd)
    if max_shared_bytes is not None and (type(max_shared_bytes) is not int or max_shared_bytes <= 0):
        raise LayoutError(f"max_shared_bytes: expected a positive byte count, got {max_shared_bytes!r}")
    limit = t.shared_bytes if max_shared_bytes is None else max_shared_bytes
    default = max_shared_bytes is None  # Triton's rounds; an explicit limit takes the fewest that fit
    if strategy == "shuffle" and conv.kind in ("shared_memory", "cluster"):
        raise LayoutError(
            f"strategy: 'shuffle' cannot apply, this conversion moves data between "
            f"{'warps' if conv.kind == 'shared_memory' else 'CTAs'}; use strategy=None or 'shared_memory'"
        )
    plan = ConversionPlan(
        kind=conv.kind,
        steps=[],
        src=src,
        dst=dst,
        target=t,
        elem_bits=elem_bits,
        blocks=1 << len(fs.block),
        warps=1 << len(fs.warp),
        lanes=1 << len(fs.lane),
        src_regs=1 << len(fs.reg),
        dst_regs=1 << len(fd.reg),
    )
    model = cost_model(t)
    prob = Problem(fs, fd, t, elem_bits, limit, model)
    kind = conv.kind
    if kind == "noop":
        plan.notes.append("src and dst are the same layout: nothing moves")
        return plan
    if kind == "registers":
        plan.steps = register_plan_steps(conv)
        plan.notes.append("every element a thread needs is already in its registers")
        return plan
    if kind == "warp_shuffle":
        des = shuffle_design(conv, elem_bits)
        cheap = _cheap_shuffles(des, model, elem_bits)
        shfl_steps = annotate_permlane(shuffle_plan_steps(conv, des), t, plan.lanes, plan.dst_regs, elem_bits)
        # the cost sees the plan's own counts (the design's estimate misses the selects of
        # several exchanged bits: each out register picks among 2^m sources); 8/16-bit
        # selects pack into 32-bit prmt/selp as the shuffles do
        probe = ConversionPlan(**{**plan.__dict__, "steps": shfl_steps, "notes": [], "_metrics": None})
        packed = -(-probe.selects * min(elem_bits, 32) // 32)
        c_shfl = shuffle_cost(model, probe.shuffles, packed, cheap)
        sdes = _design(prob, permute_registers)
        c_smem = sdes.cost
        plan.alternatives = {"shuffles": c_shfl, "shared_memory": c_smem}
        use_shuffle = (strategy == "shuffle") or (strategy != "shared_memory" and c_shfl <= c_smem)
        if use_shuffle:
            plan.steps = shfl_steps
            plan.estimated_cost = c_shfl
            plan.notes.append(
                f"intra-warp: {des['shuffles']} shuffle(s) in {(1 << des['rounds']) - des['identity']} "
                f"round(s) (cost {c_shfl:.1f}) beat shared memory (cost {c_smem:.1f})"
                if strategy is None or strategy == "auto"
                else f"intra-warp: shuffles forced ({des['shuffles']})"
            )
            return plan
        plan.kind = "shared_memory"
        plan.notes.append(
            f"intra-warp, but shared memory (cost {c_smem:.1f}) beats "
            f"{des['shuffles']} shuffles (cost {c_shfl:.1f})"
            if strategy != "shared_memory"
            else "intra-warp: shared memory forced"
        )
        return _check_limit(_finish_shared(plan, prob, sdes, default), prob, max_shared_bytes)
    if kind == "shared_memory":
        sdes = _design(prob, permute_registers)
        plan.estimated_cost = sdes.cost
        return _check_limit(_finish_shared(plan, prob, sdes, default), prob, max_shared_bytes)
    # cluster
    from .cluster import cluster_plan_steps

    if not t.has("dsmem"):
        raise LayoutError(
            f"dst: moves data between CTAs, which needs distributed shared memory (sm_90+); {t.name} has none"
        )
    if plan.blocks > t.max_cluster_size:
        raise LayoutError(f"src: {plan.blocks} CTAs exceed the cluster size {t.max_cluster_size} of {t.name}")
    sdes = _found(design_shared(prob.with_limit(1 << 62)))
    steps, scratch = cluster_plan_steps(prob, sdes)
    plan.steps, plan.scratch_elems = steps, scratch
    plan.estimated_cost = sdes.cost
    _check_limit(plan, prob, max_shared_bytes)
    plan.notes.append(
        "cross-CTA: every element is stored into the scratch of the CTA that reads it, then a cluster barrier"
    )
    if scratch * elem_bits // 8 > t.shared_bytes:
        plan.notes.append(
            f"warning: the scratch exceeds the {t.shared_bytes} bytes of shared memory of {t.name}"
        )
    return plan


def _check_limit(plan: ConversionPlan, prob: Problem, max_shared_bytes: int | None) -> ConversionPlan:
    """``plan``, or a ``LayoutError`` giving the fewest bytes when it exceeds an explicit
    ``max_shared_bytes``."""
    if max_shared_bytes is None or plan.shared_bytes <= max_shared_bytes:
        return plan
    need = plan.shared_bytes
    if plan.kind == "shared_memory":  # the scratch of the plan with the most rounds
        from .shared import design_shared, shared_plan_steps

        des = _found(design_shared(prob.with_limit(1)))
        res = shared_plan_steps(prob, des)
        if res is not None and res[1] * plan.elem_bits // 8 <= max_shared_bytes:
            plan.steps, plan.scratch_elems = res  # every round bit used: it fits
            plan.estimated_cost, plan._metrics = des.cost, None
            plan.notes.append(f"{des.rounds} rounds to fit max_shared_bytes={max_shared_bytes}")
            return plan
        if res is not None:
            need = min(need, res[1] * plan.elem_bits // 8)
    raise LayoutError(
        f"max_shared_bytes: this conversion needs at least {need} bytes of scratch per block "
        f"(rounds included), more than {max_shared_bytes}; raise max_shared_bytes to {need} or more"
    )


def _cheap_shuffles(des: dict[str, Any], model: CostModel, elem_bits: int) -> int:
    if not model.cheap_xor_masks or not des["identity"]:
        return 0
    from .._gf2 import Span
    from .classify import xor_table

    basis = Span([v for v in des["G"] if v], False).inserted()
    if basis:
        return 0
    words = -(-des["slots"] * elem_bits // 32)
    ubasis = Span([v for v in des.get("E", []) if v], False).inserted()
    us = [int(u) for u in xor_table(ubasis)[1:]] if ubasis else []
    return sum(words for u in us if u in model.cheap_xor_masks)


def _found(des: SharedDesign | None) -> SharedDesign:
    """``des``, or a ``LayoutError`` when the planner found no shared-memory design (a bug)."""
    if des is None:
        raise LayoutError("planner bug: no shared-memory design found")  # pragma: no cover
    return des


def _design(prob: Problem, permute: bool | None) -> SharedDesign:
    """The cheapest shared-memory design of ``prob``: with register permutation when
    ``permute`` is True, without when False, whichever costs less when None (ties: none).
    Each later search only counts what beats the best so far, and stops early otherwise:
    the permuted orders go first (usually the cheapest), the unpermuted one last, keeping
    ties."""
    from .cost import permutable
    from .shared import design_shared, trans_leads

    if permute is False:
        return _found(design_shared(prob))
    tries: list[Lead | None] = [None] if permute or permutable(prob.src, prob.dst) else []
    tries += trans_leads(prob.src, prob.dst, prob.target, prob.elem_bits)
    best: SharedDesign | None = None
    for lead in tries:
        d = design_shared(prob, True, lead, None if best is None else best.cost)
        if d is not None and (best is None or d.cost < best.cost):
            best = d
    if not permute or best is None:
        d = design_shared(prob, False, None, None if best is None else best.cost, ties=True)
        if d is not None:
            best = d
    return _found(best)


def _finish_shared(
    plan: ConversionPlan, prob: Problem, sdes: SharedDesign, triton_rounds: bool
) -> ConversionPlan:
    """``plan`` with the steps of ``sdes``; ``triton_rounds``: in Triton's rounds where they
    cost no more shared instructions or wavefronts (``_prefer_rounds``)."""
    from .shared import design_shared, shared_plan_steps

    elem_bits, t = prob.elem_bits, prob.target
    res = shared_plan_steps(prob, sdes)
    if res is None:
        sdes = _found(design_shared(prob.with_limit(1 << 62), sdes.permute, sdes.lead))
        res = shared_plan_steps(prob, sdes)
    if res is None:
        raise LayoutError("planner bug: no shared-memory plan for a design")  # pragma: no cover
    plan.steps, plan.scratch_elems = res
    plan.estimated_cost = sdes.cost
    if triton_rounds:
        sdes = _prefer_rounds(plan, prob, sdes)
    sw = sdes.swizzle
    plan.notes.append(
        f"scratch swizzle: {sw.store_vec_bits} store-vector / {sw.load_vec_bits} load-vector bit(s), "
        f"{len(sw.segment)} segment bit(s), {len(sw.reps)} round bit(s); analytic wavefronts "
        f"{sdes.wavefronts} (Lemma 9.4 bound {sdes.bound})"
    )
    if plan.scratch_elems * elem_bits // 8 > t.shared_bytes:
        plan.notes.append(
            f"warning: the scratch exceeds the {t.shared_bytes} bytes of shared memory of {t.name}"
        )
    return plan


def _prefer_rounds(plan: ConversionPlan, prob: Problem, sdes: SharedDesign) -> SharedDesign:
    """Split ``plan`` (steps of ``sdes``) into as many rounds as Triton takes
    (``shared.triton_round_bits``; the rounds are segment bits both layouts hold in
    registers, ``shared.with_rounds``), or fewer, when that moves no more shared instructions
    or wavefronts and every ld/stmatrix stays whole: the scratch shrinks by the rounds, each
    extra round costing the barriers Triton also takes; the estimated cost adds them.
    Returns the design the plan now has."""
    from .cost import shared_cost
    from .shared import matrix_whole, shared_plan_steps, triton_round_bits, with_rounds

    src, dst = prob.src, prob.dst
    if any("matrix" in (getattr(s, "instruction", None) or "") for s in plan.steps):
        most = len(src.reg)  # Triton's ld/stmatrix swizzle leaves every other register a round
    else:
        most = triton_round_bits(src, dst, prob.target, prob.elem_bits)
    most = min(most, len(with_rounds(sdes, src, dst, most).swizzle.reps))
    # ``with_rounds`` keeps the swizzle: the round bits leave the offsets above the bank
    # bits, so every access of a round is an access of the one-round plan and instructions and
    # wavefronts cannot grow (test_default_rounds_are_tritons_when_free checks it; the plans
    # are not simulated here, which kept the planner 10x slower).
    for k in range(most, len(sdes.swizzle.reps), -1):
        more = with_rounds(sdes, src, dst, k)
        res = shared_plan_steps(prob, more)
        if res is None or res[1] >= plan.scratch_elems:
            continue
        if not all(matrix_whole(s, prob.elem_bits) for s in res[0]):
            continue
        m, ws = prob.model, sdes.warp_sync
        extra = shared_cost(m, 0, 0, more.rounds, ws) - shared_cost(m, 0, 0, sdes.rounds, ws)
        plan.steps, plan.scratch_elems, plan._metrics = res[0], res[1], None
        plan.estimated_cost = (plan.estimated_cost or 0.0) + extra
        plan.notes.append(
            f"{more.rounds} rounds as Triton takes them (registers of both layouts on segment "
            f"bits): scratch / {more.rounds // sdes.rounds}, same instructions and wavefronts"
        )
        return more
    return sdes


def wavefront_bound(src: Any, dst: Any, target: str | Target, *, elem_bits: int = 32) -> int | None:
    """The fewest wavefronts any one-round shared-memory plan for ``src -> dst`` can take
    under API.md's vector rule (see ``cost.wavefront_bound``)."""
    from .cost import wavefront_bound as _wb

    return _wb(src, dst, target, elem_bits=elem_bits)


def plan_gather(src: Any, index: Any, axis: int, target: str | Target, *, elem_bits: int = 32) -> GatherPlan:
    """Plan ``gather(src, index, axis)`` (see ``gather.py``)."""
    from .gather import plan_gather as _pg

    return _pg(src, index, axis, target, elem_bits=elem_bits)
