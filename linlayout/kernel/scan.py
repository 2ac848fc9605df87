"""Scan plans: ``plan_scan(layout, axis, target, reverse=False)`` (API.md "Kernel semantics").

An inclusive scan along ``axis`` (``cumsum``, ``cummax``, ``cummin``; ``reverse`` runs from the
end) in any distributed layout.  The plan walks the axis bits from least to most significant.
Each thread keeps, per register, the prefix ``P`` of its element inside the *block* of positions
that differ only in the bits done so far, and that block's total ``S``.  Joining a block with
its partner across the next bit gives ``P' = S_partner ⊕ P`` for the upper half (the lower one
for reverse scans) and ``S' = S ⊕ S_partner`` for both.  The partner is wherever the hardware
keeps that bit:

* a run of **register** bits: sequential in-thread scans (``ScanRegisters``), as Triton's
  in-thread step and its carry between register chunks;
* a **lane** bit: one ``shfl.bfly`` of each distinct total (``ScanShuffle``), as Triton's
  ``shfl.up`` rounds;
* a run of **warp** bits: one lane of each group stores its totals, a barrier, then every thread
  loads the ``2^w`` totals of its row as one vector and folds the earlier ones in
  (``ScanStore``, ``Barrier``, ``ScanLoad``), as Triton's cross-warp step.

Layouts whose bases mix the axis with other dims (or repeat an axis bit) are converted to a plain
layout first and back at the end.  A scan across CTAs (block bases on the axis) is refused, as
Triton lowers scans within one CTA.  Triton itself lowers only blocked layouts; this works for all.

>>> from linlayout import BlockedLayout, plan_scan
>>> L = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])
>>> p = plan_scan(L, 1, "sm_90")
>>> p.shuffles, p.shared_instructions, p.barriers, p.shared_bytes
(12, 8, 1, 256)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from ._steps import (
    SCAN_OPS,
    Convert,
    Geometry,
    PlanCounts,
    _arr,
    check_op,
    check_values,
    combine,
    geometry,
    take,
    where,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..layout import LinearLayout
    from ..targets import Target
    from .reduce import Levels

__all__ = ["plan_scan", "ScanPlan", "ScanRegisters", "ScanShuffle", "ScanStore", "ScanLoad"]


@dataclass(frozen=True, eq=False)
class ScanRegisters:
    """In-thread: for each row ``g = groups[i]`` (registers in scan order),
    ``P[g[k]] = S[g[0]] ⊕ … ⊕ S[g[k-1]] ⊕ P[g[k]]`` and every ``S[g[k]]`` becomes the row's total."""

    groups: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", _arr(self.groups))


@dataclass(frozen=True, eq=False)
class ScanShuffle:
    """``Sp = S`` of lane ``lane ^ mask`` (``shfl.bfly``); lanes with ``upper[lane]`` set do
    ``P = Sp ⊕ P``; every lane does ``S = S ⊕ Sp``.  ``sends`` = distinct totals shuffled."""

    mask: int
    upper: Any
    sends: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "upper", _arr(self.upper))


@dataclass(frozen=True, eq=False)
class ScanStore:
    """``scratch[offset[warp, lane, r]] = S[warp, lane, r]`` (``-1`` skips)."""

    offset: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset", _arr(self.offset))


@dataclass(frozen=True, eq=False)
class ScanLoad:
    """``T[k] = scratch[offset[warp, lane, r, k]]`` for the ``K`` blocks of a warp run (one
    vector per distinct total), then ``P = T[k] ⊕ P`` for every ``k`` before the thread's own
    ``rank[warp]`` (after it, for reverse scans), and ``S = T[0] ⊕ … ⊕ T[K-1]``."""

    offset: Any
    rank: Any
    reverse: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset", _arr(self.offset))
        object.__setattr__(self, "rank", _arr(self.rank))


def _providers(lv: Levels, g: Geometry) -> list[tuple[str, int]] | None:
    """For each axis bit (ascending), the (level, index) whose basis is that bit; None when the
    layout is not plain along the axis (mixed bases, repeated or missing axis bits)."""
    prov: dict[int, tuple[str, int]] = {}
    for d in ("register", "lane", "warp", "block"):
        for i, v in enumerate(lv[d]):
            a = v & g.axis_mask
            if not a:
                continue
            if a & (a - 1) or g.other(v) or a in prov:
                return None
            prov[a] = (d, i)
    bits = [1 << (g.shift + j) for j in range(g.width)]
    if any(b not in prov for b in bits):
        return None
    return [prov[b] for b in bits]


def _zero_bits(vs: list[int]) -> int:
    """Mask of the indices whose basis is zero."""
    return sum(1 << i for i, v in enumerate(vs) if v == 0)


@dataclass(eq=False)
class ScanPlan(PlanCounts):
    """An executable scan: ``steps`` run on ``(P, S)`` register files in ``layout``; the result
    (``P``) is in ``layout`` too."""

    layout: LinearLayout
    axis: int
    target: Any
    elem_bits: int
    reverse: bool
    steps: list[Any]  # ScanRegisters, ScanShuffle, ScanStore, ScanLoad, Convert, Barrier
    blocks: int
    warps: int
    lanes: int
    registers: int
    scratch_elems: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def result(self) -> LinearLayout:
        """The result's layout: the input layout."""
        return self.layout

    def metrics(self, op: str = "sum") -> dict[str, int]:
        """Counts per thread (``op`` does not change them: one operand)."""
        from ..plan.ir import Barrier

        check_op(op, SCAN_OPS)
        words = max(1, -(-self.elem_bits // 32))
        m = {"shuffles": 0, "selects": 0, "shared_instructions": 0, "barriers": 0}
        conv_bytes = [0]
        for s in self.steps:
            if isinstance(s, ScanShuffle):
                m["shuffles"] += s.sends * words
                m["selects"] += s.sends * words
            elif isinstance(s, ScanStore):
                live = [s.offset[:, :, r] for r in range(s.offset.shape[2]) if (s.offset[:, :, r] >= 0).any()]
                m["shared_instructions"] += self._issued(live, 1)
            elif isinstance(s, ScanLoad):
                k = s.offset.shape[3]
                vec = min(k, max(1, 128 // self.elem_bits))
                cols: list[NDArray[Any]] = []
                seen: set[bytes] = set()
                for r in range(s.offset.shape[2]):
                    key = s.offset[:, :, r].tobytes()
                    if key not in seen:
                        seen.add(key)
                        cols += [s.offset[:, :, r, j] for j in range(0, k, vec)]
                m["shared_instructions"] += self._issued(cols, vec)
            elif isinstance(s, Barrier):
                m["barriers"] += 1
            elif isinstance(s, Convert):
                p = s.plan
                for key in ("shuffles", "selects", "shared_instructions", "barriers"):
                    m[key] += getattr(p, key)
                conv_bytes.append(p.shared_bytes)
        m["shared_bytes"] = max([self.scratch_elems * self.elem_bits // 8] + conv_bytes)
        return m

    def _issued(self, cols: Sequence[NDArray[Any]], vec: int) -> int:
        """Instructions for vector accesses at offset columns ``cols``: on AMD two accesses whose
        offsets differ by the same small constant in every thread fuse (``ds_write2``/``ds_read2``,
        8-bit offsets in vector units, as LLVM's SILoadStoreOptimizer does)."""
        if not self.target.is_amd or vec * self.elem_bits > 64:
            return len(cols)
        n, i = 0, 0
        while i < len(cols):
            a = cols[i]
            if i + 1 < len(cols):
                b = cols[i + 1]
                both = (a >= 0) & (b >= 0)
                d = (b - a)[both]
                if (
                    (both == ((a >= 0) | (b >= 0))).all()
                    and d.size
                    and (d == d.flat[0]).all()
                    and 0 < d.flat[0] // vec <= 255
                    and d.flat[0] % vec == 0
                ):
                    n, i = n + 1, i + 2
                    continue
            n, i = n + 1, i + 1
        return n


    def run(self, values: Any, op: str = "sum") -> NDArray[Any]:
        """Execute on ``values`` ``(blocks, warps, lanes, registers)`` in ``layout``; returns the
        inclusive scan in the same layout."""
        import numpy as np

        check_op(op, SCAN_OPS)
        v, _ = check_values(values, (self.blocks, self.warps, self.lanes, self.registers), op)
        P = S = v
        lanes = np.arange(self.lanes)
        scratch: NDArray[Any] | None = None
        for s in self.steps:
            if isinstance(s, Convert):
                P = s.plan.run(P)
                S = P
            elif isinstance(s, ScanRegisters):
                P, S = _scan_registers(op, P, S, s.groups)
            elif isinstance(s, ScanShuffle):
                Sp = take(S, lanes ^ s.mask, axis=2)
                up = s.upper.astype(bool)[None, None, :, None]
                P = where(up, combine(op, Sp, P), P)
                S = combine(op, S, Sp)
            elif isinstance(s, ScanStore):
                scratch = np.zeros((self.blocks, max(self.scratch_elems, 1)), dtype=S.dtype)
                w, li, r = np.nonzero(s.offset >= 0)
                scratch[:, s.offset[w, li, r]] = S[:, w, li, r]
            elif isinstance(s, ScanLoad):
                if scratch is None:
                    raise LayoutError("steps: a ScanLoad before any ScanStore reads an empty scratch")
                T = scratch[:, s.offset]  # (blocks, warps, lanes, regs, K)
                rank = s.rank[None, :, None, None]
                K = T.shape[-1]
                tot = T[..., 0]
                for k in range(1, K):
                    tot = combine(op, tot, T[..., k])
                for k in range(K):
                    before = (k > rank) if s.reverse else (k < rank)
                    P = where(before, combine(op, T[..., k], P), P)
                S = tot
        return P

    def explain(self) -> str:
        """A readable account of the plan."""
        t = self.target
        lines = [
            f"ScanPlan axis={self.axis}{' reverse' if self.reverse else ''} on {t} ({t.warp_size} lanes), "
            f"{self.elem_bits}-bit elements; {self.registers} register(s) per thread",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        for k, s in enumerate(self.steps, 1):
            if isinstance(s, ScanRegisters):
                lines.append(
                    f"  {k}. ScanRegisters: {s.groups.shape[0]} row(s) of {s.groups.shape[1]} register(s), "
                    f"first {list(map(int, s.groups[0]))}"
                )
            elif isinstance(s, ScanShuffle):
                lines.append(
                    f"  {k}. ScanShuffle shfl.bfly xor {s.mask}: {s.sends} total(s); upper lanes add "
                    "the partner's total to their prefixes"
                )
            elif isinstance(s, ScanStore):
                n = int((s.offset >= 0).any(axis=(0, 1)).sum())
                lines.append(f"  {k}. ScanStore: {n} total(s) per thread to scratch (one lane per group)")
            elif isinstance(s, ScanLoad):
                lines.append(
                    f"  {k}. ScanLoad: the {s.offset.shape[3]} warp totals of each row, folded into "
                    "the prefixes of later warps"
                )
            elif isinstance(s, Convert):
                lines.append(f"  {k}. Convert ({s.purpose}): {s.plan.kind}")
            else:
                lines.append(f"  {k}. Barrier (bar.sync)")
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
        """Jupyter: :meth:`explain` as text."""
        from .draw import explain_html

        return explain_html(self)

    def __repr__(self) -> str:
        return (
            f"ScanPlan(axis={self.axis}, reverse={self.reverse}, steps={len(self.steps)}, "
            f"target={str(self.target)!r})"
        )


def _scan_registers(
    op: str, P: NDArray[Any], S: NDArray[Any], groups: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Sequential in-thread scan over each row of ``groups``."""
    newP, newS = P.copy(), S.copy()
    m = groups.shape[1]
    run = take(S, groups[:, 0])
    for k in range(1, m):
        cols = groups[:, k]
        newP[..., cols] = combine(op, run, take(P, cols))
        run = combine(op, run, take(S, cols))
    for k in range(m):
        newS[..., groups[:, k]] = run
    return newP, newS


def plan_scan(
    layout: LinearLayout, axis: int, target: str | Target, *, elem_bits: int = 32, reverse: bool = False
) -> ScanPlan:
    """Plan an inclusive ``tt.scan`` of ``layout`` along ``axis`` on ``target`` (see the module
    docstring).  ``LayoutError`` for a bad axis, ``elem_bits`` or ``reverse``, a layout for another
    warp size, or a scan across CTAs."""
    from ._steps import to_layout
    from .reduce import _canonical, _check_common, _levels, lean_conversion

    fs, t = _check_common(layout, target, elem_bits)
    g = geometry(fs, axis)
    if not isinstance(reverse, bool):
        raise LayoutError(f"reverse: expected a bool, got {reverse!r}")
    if any(v & g.axis_mask for v in fs.block):
        raise LayoutError(
            f"layout: its block bases run along axis {axis}; a scan across CTAs is not supported (Triton "
            "lowers scans within one CTA): keep the axis inside a CTA"
        )
    plan = ScanPlan(
        layout,
        g.axis,
        t,
        elem_bits,
        reverse,
        [],
        1 << len(fs.block),
        1 << len(fs.warp),
        1 << len(fs.lane),
        1 << len(fs.reg),
    )
    lv = _levels(fs)
    prov = _providers(lv, g)
    back = None
    shared = False  # whether an earlier step used the scratch (a later store must wait)
    if prov is None:
        canon = _canonical(fs)
        dims = list(fs.out_dims)
        cl = to_layout(canon, dims)
        pre = lean_conversion(layout, cl, t, elem_bits)
        plan.steps.append(Convert(pre, "to a plain layout"))
        shared = pre.kind in ("shared_memory", "cluster")
        plan.notes.append(
            "the layout mixes the axis with other dims: scanned in a plain layout, converted back"
        )
        back = lean_conversion(cl, layout, t, elem_bits)
        lv = canon
        prov = _providers(lv, g)
    if prov is None:
        raise LayoutError("planner bug: the plain layout has no axis providers")  # pragma: no cover
    shared = _scan_steps(plan, lv, g, prov, shared)
    if back is not None:
        from ..plan.ir import Barrier

        if shared and back.kind in ("shared_memory", "cluster"):
            plan.steps.append(Barrier("bar.sync"))
        plan.steps.append(Convert(back, "back to the layout"))
    return plan


def _scan_steps(
    plan: ScanPlan, lv: Levels, g: Geometry, prov: list[tuple[str, int]], shared_before: bool
) -> bool:
    """The steps for a plain layout: axis bits in order, grouped into runs of one level; returns
    whether the scratch has been used."""
    runs: list[tuple[str, list[int]]] = []
    for d, i in prov:
        if runs and runs[-1][0] == d and d != "lane":
            runs[-1][1].append(i)
        else:
            runs.append((d, [i]))
    done = {"register": 0, "lane": 0, "warp": 0}
    for d, idx in runs:
        if d == "register":
            plan.steps.append(ScanRegisters(_register_groups(len(lv["register"]), idx, plan.reverse)))
        elif d == "lane":
            nl = len(lv["lane"])
            upper = [((lane >> idx[0]) & 1) ^ int(plan.reverse) for lane in range(1 << nl)]
            plan.steps.append(ScanShuffle(1 << idx[0], upper, _distinct_totals(lv, done)))
        else:
            shared_before = _warp_stage(plan, lv, idx, done, shared_before)
        for i in idx:
            done[d] |= 1 << i
    return shared_before


def _register_groups(nreg: int, idx: list[int], reverse: bool) -> NDArray[Any]:
    """Rows of registers differing only in bits ``idx`` (in scan order)."""
    import numpy as np

    mask = sum(1 << i for i in idx)
    subs = []
    for k in range(1 << len(idx)):
        subs.append(sum(1 << i for j, i in enumerate(idx) if k >> j & 1))
    if reverse:
        subs = subs[::-1]
    bases = [r for r in range(1 << nreg) if not r & mask]
    return np.array([[b | s for s in subs] for b in bases], dtype=np.int64)


def _distinct_totals(lv: Levels, done: dict[str, int]) -> int:
    """Distinct totals per thread: registers other than the done axis bits and broadcast bits."""
    regs = lv["register"]
    same = done["register"] | _zero_bits(regs)
    return 1 << (len(regs) - bin(same).count("1"))


def _warp_stage(
    plan: ScanPlan, lv: Levels, idx: list[int], done: dict[str, int], shared_before: bool
) -> bool:
    """Store each group's totals once, barrier, load every warp's of the row, fold them in."""
    import numpy as np

    from ..plan.ir import Barrier

    nreg, nlane, nwarp = len(lv["register"]), len(lv["lane"]), len(lv["warp"])
    run_mask = sum(1 << i for i in idx)
    K = 1 << len(idx)
    # the bits that tell totals apart: registers, lanes and warps outside the done/broadcast bits
    keys = []
    for d, n, skip in (
        ("register", nreg, done["register"] | _zero_bits(lv["register"])),
        ("lane", nlane, done["lane"] | _zero_bits(lv["lane"])),
        ("warp", nwarp, run_mask | done["warp"] | _zero_bits(lv["warp"])),
    ):
        keys += [(d, i) for i in range(n) if not skip >> i & 1]
    r = np.arange(1 << nreg)[None, None, :]
    lane = np.arange(1 << nlane)[None, :, None]
    w = np.arange(1 << nwarp)[:, None, None]
    ident = np.zeros((1 << nwarp, 1 << nlane, 1 << nreg), dtype=np.int64)
    owner = np.ones_like(ident, dtype=bool)
    for j, (d, i) in enumerate(keys):
        src = {"register": r, "lane": lane, "warp": w}[d]
        ident |= ((src >> i) & 1) << j
    # one writer per total: done/broadcast lane bits and done/broadcast register bits at 0
    lane_skip = done["lane"] | _zero_bits(lv["lane"])
    reg_skip = done["register"] | _zero_bits(lv["register"])
    owner &= (lane & lane_skip) == 0
    owner &= (r & reg_skip) == 0
    rank = np.zeros(1 << nwarp, dtype=np.int64)
    for j, i in enumerate(idx):
        rank |= ((np.arange(1 << nwarp) >> i) & 1) << j
    store = np.where(owner, ident * K + rank[:, None, None], -1)
    load = ident[..., None] * K + np.arange(K)
    if shared_before:
        plan.steps.append(Barrier("bar.sync"))
    plan.steps.append(ScanStore(store))
    plan.steps.append(Barrier("bar.sync"))
    plan.steps.append(ScanLoad(load, rank, plan.reverse))
    plan.scratch_elems = max(plan.scratch_elems, (1 << len(keys)) * K)
    return True
