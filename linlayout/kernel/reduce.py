"""Reduction plans: ``plan_reduce(layout, axis, target)`` (API.md "Kernel semantics").

A reduction along ``axis`` combines, for every coordinate of the other dims, all tensor
elements along the axis.  Writing ``M`` for "a hardware bit's tensor basis with its axis
coordinate dropped", hardware bits (or XOR-combinations of them) with ``M = 0`` join elements
that must be combined, and the plan works level by level, as Triton does:

1. **in-thread** — registers in the kernel of ``M`` are combined (``Combine``); registers that
   hold the same element (broadcast) are dropped, never combined twice;
2. **in-warp** — each lane combination in the kernel of ``M`` whose axis part is new is one
   butterfly round (``Butterfly``, ``shfl.bfly`` by that lane mask); broadcast lanes need none;
3. **across warps (and CTAs)** — the warp/block combinations in the kernel are swapped into
   lanes that hold nothing new (as Triton's ``getInterLayout``), through a shared-memory
   conversion planned by :func:`linlayout.plan_conversion` (distributed shared memory across
   CTAs, sm_90+ only), then more butterflies; repeated while warps remain;
4. a last conversion (often a no-op) puts the result in the slice layout Triton gives
   ``tt.reduce``: ``layout`` with ``axis`` removed and zero register bases dropped.

Every intermediate value is a *partial*: the combination of a coset of the elements reduced
so far, so a layout is tracked on the tensor of partials (other dims, plus what is left of
the axis).  Layouts whose hardware levels do not split the kernel of ``M`` cleanly (XOR-mixed
custom layouts) are first converted to a plain one.

>>> from linlayout import BlockedLayout, plan_reduce
>>> L = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])
>>> p = plan_reduce(L, 1, "sm_80")
>>> p.shuffles, p.barriers, p.shared_bytes
(16, 1, 256)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from ._steps import (
    REDUCE_OPS,
    Butterfly,
    Combine,
    Convert,
    Geometry,
    PlanCounts,
    butterfly_instruction,
    check_op,
    check_values,
    geometry,
    redux_cost,
    to_layout,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..layout import LinearLayout
    from ..plan.classify import Flat
    from ..plan.ir import ConversionPlan
    from ..targets import Target
    from ._steps import State

#: Flat bases per hardware level ("register", "lane", "warp", "block").
Levels = dict[str, list[int]]

__all__ = ["plan_reduce", "ReducePlan", "reduced_layout"]

_LEVELS = ("register", "lane", "warp", "block")
_MAX_HW_BITS = 22


def _check_common(layout: Any, target: str | Target, elem_bits: int) -> tuple[Flat, Target]:
    """(flat layout, target) after the argument checks shared by reductions and scans."""
    from ..plan.classify import flatten
    from ..targets import get_target

    t = get_target(target)
    if isinstance(elem_bits, bool) or not isinstance(elem_bits, int) or elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    fs = flatten(layout, "layout")
    if len(fs.hw) > _MAX_HW_BITS:
        raise LayoutError(
            f"layout: {len(fs.hw)} hardware bits (2^{len(fs.hw)} register slots) exceed the {_MAX_HW_BITS} "
            "this planner simulates; plan a smaller tile"
        )
    if _rank(fs.hw) != fs.nbits:
        raise LayoutError(
            "layout: not surjective (some tensor elements live in no thread); every element must "
            "be held somewhere to be reduced or scanned"
        )
    if (1 << len(fs.lane)) != t.warp_size:
        raise LayoutError(
            f"layout: has {1 << len(fs.lane)} lanes but {t.name} runs {t.warp_size}-lane warps; build the "
            "layout for this target"
        )
    return fs, t


def _levels(fs: Flat) -> Levels:
    """The flat bases of a :class:`Flat` layout per hardware level (mutable lists)."""
    return {"register": list(fs.reg), "lane": list(fs.lane), "warp": list(fs.warp), "block": list(fs.block)}


def _xor(vectors: list[int], mask: int) -> int:
    """XOR of ``vectors[i]`` over the set bits ``i`` of ``mask``."""
    v, i = 0, 0
    while mask:
        if mask & 1:
            v ^= vectors[i]
        mask >>= 1
        i += 1
    return v


def _kernel(vectors: list[int], f: Callable[[int], int]) -> tuple[list[int], list[int]]:
    """(kernel combinations as index masks, indices of a complement) of ``x -> f(XOR vectors[x])``."""
    from .._gf2 import Span

    span = Span()
    kern: list[int] = []
    comp: list[int] = []
    for i, v in enumerate(vectors):
        r, combo = span.reduce(f(v))
        if r:
            span.add(f(v))
            comp.append(i)
        else:
            idx = 0
            m = 0
            for j in comp:  # the span's inputs are the complement vectors, in order
                if combo >> idx & 1:
                    m |= 1 << j
                idx += 1
            kern.append(m | (1 << i))
    return kern, comp


def _rank(vectors: Iterable[int]) -> int:
    """Dimension of the GF(2) span of ``vectors``."""
    from .._gf2 import Span

    return len(Span([v for v in vectors if v]).basis())


def reduced_layout(layout: LinearLayout, axis: int) -> LinearLayout:
    """The slice layout of ``tt.reduce(layout, axis)``: ``axis`` dropped, zero register bases removed."""
    from ..plan.classify import flatten

    fs = flatten(layout, "layout")
    g = geometry(fs, axis)
    return _slice(fs, g)


def _slice(fs: Flat, g: Geometry) -> LinearLayout:
    """The slice layout of a flat layout (Triton ``SliceEncodingAttr``'s rule)."""
    lv = {d: [g.squeeze(v) for v in vs] for d, vs in _levels(fs).items()}
    lv["register"] = [v for v in lv["register"] if v]
    return to_layout(lv, g.reduced_dims())


def _aligned(lv: Levels, g: Geometry) -> bool:
    """Whether the per-level kernels of ``M`` reach every axis value the whole kernel reaches
    (combinations across levels that only meet broadcast copies do not count)."""

    def images(vs: list[int]) -> list[int]:
        kern, _ = _kernel(vs, g.other)
        return [_xor(vs, k) for k in kern]

    per_level: list[int] = sum((images(lv[d]) for d in _LEVELS), [])
    return _rank(per_level) == _rank(images(sum((lv[d] for d in _LEVELS), [])))


def _canonical(fs: Flat) -> Levels:
    """A layout of the same tensor and hardware with one tensor bit per basis: the block bases
    kept, the other bits dealt to lanes, warps, then registers (zeros where bits run out)."""
    from .._gf2 import Span

    span = Span([v for v in fs.block if v])
    free = [1 << i for i in range(fs.nbits) if span.add(1 << i)]
    lanes, warps = len(fs.lane), len(fs.warp)
    lane = (free[:lanes] + [0] * lanes)[:lanes]
    rest = free[lanes:]
    warp = (rest[:warps] + [0] * warps)[:warps]
    return {"register": rest[warps:], "lane": lane, "warp": warp, "block": list(fs.block)}


class _Partials:
    """Flat bases of the partials' layout: other-dim bits plus the axis bits not yet reduced."""

    def __init__(self, g: Geometry) -> None:
        from .._gf2 import Span

        self.g = g
        self.span = Span()

    def add(self, axis_value: int) -> bool:
        """Mark ``axis_value`` reduced (True when it was new)."""
        if self.span.reduce(axis_value)[0] == 0:
            return False
        self.span.add(axis_value)
        return True

    def residue(self, v: int) -> int:
        """``v`` with the reduced axis values eliminated (the partial that holds it)."""
        return self.span.reduce(v)[0]

    def free_bits(self) -> list[int]:
        """Axis bit positions that still index partials (not pivots of the reduced span)."""
        g = self.g
        piv = {r.bit_length() - 1 for r in self.span.basis()}
        return [b for b in range(g.shift, g.shift + g.width) if b not in piv]

    def layout(self, lv: Levels) -> LinearLayout:
        """The LinearLayout of flat bases ``lv`` on the partials' tensor."""
        g = self.g
        dims = g.reduced_dims()
        obits = sum(s.bit_length() - 1 for _, s in dims)
        free = self.free_bits()

        def pack(v: int) -> int:
            v = self.residue(v)
            extra = sum(1 << i for i, b in enumerate(free) if v >> b & 1)
            return g.squeeze(v) | (extra << obits)

        if free:
            dims = dims + [(f"dim{len(dims)}", 1 << len(free))]
        return to_layout({d: [pack(v) for v in vs] for d, vs in lv.items()}, dims)


@dataclass(eq=False)
class ReducePlan(PlanCounts):
    """An executable reduction: ``steps`` (``Combine``, ``Butterfly``, ``Convert``, ``Barrier``),
    the input ``layout`` and the ``result`` layout (the slice layout), and per-thread counts."""

    layout: Any
    axis: int
    target: Any
    elem_bits: int
    result: Any
    steps: list[Any]  # Combine, Butterfly, Convert, Barrier
    blocks: int
    warps: int
    lanes: int
    registers: int
    integer: bool = False
    notes: list[str] = field(default_factory=list)
    #: per step: the reduced axis values (flat), a basis
    progress: list[tuple[int, ...]] = field(default_factory=list)
    _index_plans: dict[int, Convert] = field(default_factory=dict, repr=False)

    # ---- metrics --------------------------------------------------------------------
    def metrics(self, op: str = "sum") -> dict[str, int]:
        """Counts per thread for ``op``: argmax/argmin also move a 32-bit index beside each value
        (same stages and barriers, twice the traffic)."""
        check_op(op, REDUCE_OPS)
        m = _stage_metrics(self.steps, self.elem_bits)
        if self.integer:
            _use_redux(m, self.steps, self.target, op, self.elem_bits)
        if op in ("argmax", "argmin"):
            idx = _stage_metrics([self._index_step(s) for s in self.steps], 32)
            for k in ("shuffles", "selects", "shared_instructions"):
                m[k] += idx[k]
            m["shared_bytes"] = max((a + b for a, b in zip(m["stage_bytes"], idx["stage_bytes"])), default=0)
        m.pop("stage_bytes")
        return m

    def _index_step(self, s: Any) -> Any:
        """The step moving the 32-bit indices beside ``s``."""
        if not isinstance(s, Convert) or self.elem_bits == 32:
            return s
        key = id(s)
        if key not in self._index_plans:
            p = s.plan
            self._index_plans[key] = Convert(lean_conversion(p.src, p.dst, self.target, 32), s.purpose)
        return self._index_plans[key]


    # ---- execution ------------------------------------------------------------------
    def run(self, values: Any, op: str = "sum") -> State:
        """Execute on ``values`` ``(blocks, warps, lanes, registers)`` in ``layout`` and return the
        result register file in ``result`` (for argmax/argmin: ``(values, indices)`` in and out)."""
        from ._steps import combine, convert_state, take

        check_op(op, REDUCE_OPS)
        v, i = check_values(values, (self.blocks, self.warps, self.lanes, self.registers), op)
        import numpy as np

        state: State = (v, i) if i is not None else v
        lanes = np.arange(self.lanes)
        for s in self.steps:
            if isinstance(s, Combine):
                acc = take(state, s.groups[:, 0])
                for k in range(1, s.groups.shape[1]):
                    acc = combine(op, acc, take(state, s.groups[:, k]))
                state = acc
            elif isinstance(s, Butterfly):
                state = combine(op, state, take(state, lanes ^ s.mask, axis=2))
            elif isinstance(s, Convert):
                state = convert_state(s.plan, state)
        return state

    def draw(self, **kwargs: Any) -> Figure:
        """A matplotlib figure: the tensor after each step, cells of one partial in one colour
        (see :func:`linlayout.kernel.draw.draw_reduce_plan`)."""
        from .draw import draw_reduce_plan

        return draw_reduce_plan(self, **kwargs)

    def explain(self) -> str:
        """A readable account of the plan, stage by stage."""
        t = self.target
        lines = [
            f"ReducePlan axis={self.axis} on {t} ({t.warp_size}-lane warps), {self.elem_bits}-bit elements",
            f"  threads: {self.blocks} block(s) x {self.warps} warp(s) x {self.lanes} lanes; "
            f"{self.registers} register(s) in, {self.result.in_dims['register']} out (slice layout)",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        for k, s in enumerate(self.steps, 1):
            if isinstance(s, Combine):
                g = s.groups
                lines.append(
                    f"  {k}. Combine in-thread: {g.shape[0]} register(s) from {g.shape[1]} each"
                    + ("" if g.shape[1] > 1 else " (drop broadcast copies: a free renaming)")
                )
                lines.append(f"     r0 <- {list(map(int, g[0]))}")
            elif isinstance(s, Butterfly):
                lines.append(
                    f"  {k}. Butterfly xor {s.mask} ({s.instruction}): {s.registers} register(s) "
                    f"x {max(1, -(-self.elem_bits // 32))} shuffle(s)"
                )
            elif isinstance(s, Convert):
                p = s.plan
                lines.append(
                    f"  {k}. Convert ({s.purpose}): {p.kind}, shuffles={p.shuffles} "
                    f"shared_instructions={p.shared_instructions} shared_bytes={p.shared_bytes} "
                    f"barriers={p.barriers}"
                )
                lines += ["     " + x for x in p.explain().splitlines()[1:]]
            else:
                lines.append(f"  {k}. Barrier (bar.sync): the scratch is reused")
        m = self.metrics()
        lines.append(
            "  totals: "
            + " ".join(
                f"{key}={m[key]}"
                for key in ("shuffles", "selects", "shared_instructions", "shared_bytes", "barriers")
            )
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Jupyter: :meth:`explain`, then the :meth:`draw` picture where it can be drawn."""
        from .draw import explain_html, reduce_plan_png

        return explain_html(self, reduce_plan_png(self))

    def _repr_png_(self) -> bytes | None:
        """Jupyter: the :meth:`draw` picture (``None`` without matplotlib or when too large)."""
        from .draw import reduce_plan_png

        return reduce_plan_png(self)

    def __repr__(self) -> str:
        return f"ReducePlan(axis={self.axis}, steps={len(self.steps)}, target={str(self.target)!r})"


def _butterfly_groups(steps: Sequence[Any]) -> list[list[Butterfly]]:
    """Maximal runs of consecutive Butterfly steps (one warp-level reduction each)."""
    groups: list[list[Butterfly]] = []
    prev = None
    for s in steps:
        if isinstance(s, Butterfly):
            if not isinstance(prev, Butterfly):
                groups.append([])
            groups[-1].append(s)
        prev = s
    return groups


def _use_redux(m: dict[str, Any], steps: Sequence[Any], t: Target, op: str, elem_bits: int) -> None:
    """Integer data: a group of rounds Triton lowers to ``redux.sync`` counts its reduxes (as
    shuffles, and apart under ``redux``) when that is fewer; a partition bit adds a select."""
    m["redux"] = 0
    for grp in _butterfly_groups(steps):
        masks = [b.mask for b in grp]
        if any(x & (x - 1) for x in masks):
            continue
        per = redux_cost(t, op, elem_bits, sum(masks), grp[0].broadcast)
        regs = grp[0].registers
        if per is not None and per < len(grp):
            m["shuffles"] -= len(grp) * regs
            m["shuffles"] += per * regs
            m["redux"] += per * regs
            m["selects"] += (per - 1) * regs


def _stage_metrics(steps: Sequence[Any], elem_bits: int) -> dict[str, Any]:
    from ..plan.ir import Barrier

    words = max(1, -(-elem_bits // 32))
    m: dict[str, Any] = {
        "shuffles": 0,
        "selects": 0,
        "shared_instructions": 0,
        "barriers": 0,
        "stage_bytes": [],
    }
    for s in steps:
        if isinstance(s, Butterfly):
            m["shuffles"] += s.registers * words
        elif isinstance(s, Convert):
            p = s.plan
            m["shuffles"] += p.shuffles
            m["selects"] += p.selects
            m["shared_instructions"] += p.shared_instructions
            m["barriers"] += p.barriers
            m["stage_bytes"].append(p.shared_bytes)
        elif isinstance(s, Barrier):
            m["barriers"] += 1
    m["shared_bytes"] = max(m["stage_bytes"], default=0)
    return m


def lean_conversion(src: LinearLayout, dst: LinearLayout, t: Target, elem_bits: int) -> ConversionPlan:
    """``plan_conversion``, then with less scratch in rounds (Triton's ``reps``): halve it while
    that costs no more shuffles, shared instructions or wavefronts and the rounds stay within
    :func:`round_bits` (the register bits a bank-conflict-free tile leaves over, as Triton)."""
    from ..plan import plan_conversion

    best = plan_conversion(src, dst, t, elem_bits=elem_bits, max_shared_bytes=t.shared_bytes)  # fewest rounds
    if not _uses_shared(best) or best.kind == "cluster":
        return best
    floor = best.shared_bytes >> round_bits(src, dst, t, elem_bits)
    limit = best.shared_bytes // 2
    while limit >= max(floor, 1):
        try:
            p = plan_conversion(src, dst, t, elem_bits=elem_bits, max_shared_bytes=limit)
        except LayoutError:  # no plan fits in that little scratch
            break
        if (
            p.kind != best.kind
            or p.shared_bytes >= best.shared_bytes
            or p.shuffles > best.shuffles
            or p.shared_instructions > best.shared_instructions
            or p.wavefronts > best.wavefronts
        ):
            break
        best = p
        limit = p.shared_bytes // 2
    return best


def round_bits(src: LinearLayout, dst: LinearLayout, t: Target, elem_bits: int) -> int:
    """The rounds (log2) Triton's swizzled conversion takes (``plan.shared.triton_round_bits``)."""
    from ..plan.classify import flatten
    from ..plan.shared import triton_round_bits

    return triton_round_bits(flatten(src, "src"), flatten(dst, "dst"), t, elem_bits)


def _uses_shared(plan: ConversionPlan) -> bool:
    return plan.kind in ("shared_memory", "cluster")


def plan_reduce(
    layout: LinearLayout, axis: int, target: str | Target, *, elem_bits: int = 32, integer: bool = False
) -> ReducePlan:
    """Plan ``tt.reduce`` of a tensor in distributed ``layout`` along ``axis`` on ``target``.

    ``elem_bits`` is 8, 16, 32 or 64.  The result is in the slice layout (``result``); see the
    module docstring for the stages.  ``integer=True`` says the elements are integers: on sm_80+
    the metrics then count a warp-level group of rounds as Triton's ``redux.sync`` where it
    applies (the steps, and what they compute, are the same).  ``LayoutError`` for a bad axis,
    a layout built for another warp size, or a reduction across CTAs on a chip without
    distributed shared memory.
    """
    from ..layout import LinearLayout
    from ..plan.ir import Barrier

    fs, t = _check_common(layout, target, elem_bits)
    if not isinstance(integer, bool):
        raise LayoutError(f"integer: expected a bool, got {integer!r}")
    g = geometry(fs, axis)
    result = _slice(fs, g)
    lv = _levels(fs)
    plan = ReducePlan(
        layout,
        g.axis,
        t,
        elem_bits,
        result,
        [],
        1 << len(fs.block),
        1 << len(fs.warp),
        1 << len(fs.lane),
        1 << len(fs.reg),
        integer=integer,
    )
    steps = plan.steps
    part = _Partials(g)
    shared_before = False

    def convert(src_lv: Levels, dst_lv: Levels | LinearLayout, purpose: str) -> None:
        nonlocal shared_before
        src = part.layout(src_lv)
        dst = dst_lv if isinstance(dst_lv, LinearLayout) else part.layout(dst_lv)
        p = lean_conversion(src, dst, t, elem_bits)
        if p.kind == "noop":
            return
        if _uses_shared(p):
            if shared_before:
                steps.append(Barrier("bar.sync"))
            shared_before = True
        steps.append(Convert(p, purpose))
        _sync(plan, part)

    if not _aligned(lv, g):
        canon = _canonical(fs)
        if not _aligned(canon, g):
            raise LayoutError(
                "layout: its block bases mix the reduced axis with other dims; a reduction across CTAs "
                "needs block bases along single dims"
            )
        plan.notes.append(
            "the hardware levels mix the axis with other dims: converted to a plain layout first"
        )
        convert(lv, canon, "to a layout whose levels split the axis")
        lv = canon
    regs = _in_thread(lv, g, part, steps)
    _sync(plan, part)
    _butterflies(lv, g, part, t, steps, regs, lambda: _sync(plan, part))
    _across_warps(lv, g, part, t, steps, regs, convert, lambda: _sync(plan, part))
    if part.layout(lv) != result:
        convert(lv, result, "to the slice layout")
    return plan


def _sync(plan: ReducePlan, part: _Partials) -> None:
    """Record, for every step so far, the axis values reduced after it (for pictures)."""
    basis = tuple(part.span.basis())
    plan.progress += [basis] * (len(plan.steps) - len(plan.progress))


def _in_thread(lv: Levels, g: Geometry, part: _Partials, steps: list[Any]) -> int:
    """Combine the registers in the kernel of ``M``, drop broadcast copies; the registers left."""
    import numpy as np

    regs = lv["register"]
    kern, comp = _kernel(regs, g.other)
    eff = []
    for k in kern:
        if part.add(_xor(regs, k)):
            eff.append(k)
    if len(comp) < len(regs):
        subs = [0]
        for k in eff:
            subs = subs + [s ^ k for s in subs]
        bases = [0]
        for j in comp:
            bases = bases + [b | (1 << j) for b in bases]
        steps.append(Combine(np.array([[b ^ s for s in subs] for b in bases], dtype=np.int64)))
    lv["register"] = [regs[j] for j in comp]
    _reduce_all(lv, part)
    return 1 << len(comp)


def _reduce_all(lv: Levels, part: _Partials) -> None:
    for d in _LEVELS:
        lv[d] = [part.residue(v) for v in lv[d]]


def _butterflies(
    lv: Levels, g: Geometry, part: _Partials, t: Target, steps: list[Any], regs: int, sync: Callable[[], None]
) -> None:
    """One butterfly round per lane combination in the kernel of ``M`` with a new axis part."""
    kern, _ = _kernel(lv["lane"], g.other)
    bcast = sum(1 << j for j, v in enumerate(lv["lane"]) if v == 0)
    for k in sorted(kern, reverse=True):
        if part.add(_xor(lv["lane"], k)):
            steps.append(Butterfly(k, regs, butterfly_instruction(t, k), bcast))
            sync()
    _reduce_all(lv, part)


def _across_warps(
    lv: Levels, g: Geometry, part: _Partials, t: Target, steps: list[Any], regs: int,
    convert: Callable[[Levels, Levels, str], None], sync: Callable[[], None],
) -> None:
    """Swap the warp/block combinations in the kernel of ``M`` into lanes, then butterflies."""
    nw = len(lv["warp"])
    while True:
        hw = lv["warp"] + lv["block"]
        kern, _ = _kernel(hw, g.other)
        effs = []
        seen = _Partials(g)
        for k in kern:
            a = part.residue(_xor(hw, k))
            if seen.add(a):
                effs.append([k, a])
        if not effs:
            return
        if any(k >> nw for k, _ in effs) and not t.has("dsmem"):
            raise LayoutError(
                f"layout: the reduction crosses CTAs (block bases along axis {g.axis}), which needs "
                f"distributed shared memory (sm_90+); {t.name} has none"
            )
        effs = _pivoted(effs)[: len(lv["lane"])]
        lanes = lv["lane"]
        free = [j for j, v in enumerate(lanes) if v == 0]
        busy = [j for j, v in enumerate(lanes) if v != 0]
        slots = (free + busy)[: len(effs)]
        dst = {d: list(v) for d, v in lv.items()}
        dhw = list(hw)
        for (_, a, p), j in zip(effs, slots):
            dhw[p] = lanes[j]
            dst["lane"][j] = a
        dst["warp"], dst["block"] = dhw[:nw], dhw[nw:]
        convert(lv, dst, "warp partials into lanes")
        bcast = sum(1 << j for j, v in enumerate(dst["lane"]) if v == 0)
        for (_, a, _), j in zip(effs, slots):
            part.add(a)
            steps.append(Butterfly(1 << j, regs, butterfly_instruction(t, 1 << j), bcast))
            sync()
        lv.update(dst)
        _reduce_all(lv, part)


def _pivoted(effs: list[list[int]]) -> list[list[int]]:
    """Row-reduce (hardware mask, axis value) pairs: each gets a pivot bit no other mask has;
    returns (mask, axis value, pivot index) triples."""
    rows = [list(e) for e in effs]
    pivots = []
    for i in range(len(rows)):
        k = rows[i][0]
        low = k & -k
        pivots.append(low.bit_length() - 1)
        for j in range(len(rows)):
            if j != i and rows[j][0] & low:
                rows[j][0] ^= k
                rows[j][1] ^= rows[i][1]
    return [[k, a, p] for (k, a), p in zip(rows, pivots)]
