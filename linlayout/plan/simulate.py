"""Executing plans on numpy register files and a banked scratch, and measuring them.

``run_plan`` follows API.md literally: every step reads ``src`` and writes ``out`` or the
scratch.  ``plan_metrics`` counts shuffles, selects, shared-memory wavefronts and vector
instructions from the steps themselves (never from how the plan was built), with the
conventions documented in ``cost.py``.

>>> # out = plan.run(values); plan.wavefronts
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from .ir import SharedLoad, SharedStore, Shuffle, dispatch, verify_plan

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .ir import Barrier, ConversionPlan, Copy, GatherLoad, GatherShuffle

__all__ = ["run_plan", "plan_metrics", "explain_plan", "validate_plan", "step_wavefronts"]


def _full(arr: NDArray[Any], plan: ConversionPlan, regs: int) -> NDArray[Any]:
    """Broadcast a (warps, lanes, regs) or (blocks, warps, lanes, regs) array to 4-D."""
    import numpy as np

    shape = (plan.blocks, plan.warps, plan.lanes, regs)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.shape[1:] != shape[1:] or arr.shape[0] not in (1, plan.blocks):
        raise LayoutError(f"step array: expected shape {shape[1:]} or {shape}, got {arr.shape}")
    return np.broadcast_to(arr, shape)


def validate_plan(plan: ConversionPlan) -> None:
    """Check the static rules of API.md (``ir.verify_plan``)."""
    verify_plan(plan)


def run_plan(plan: ConversionPlan, src_values: Any) -> NDArray[Any]:
    """Execute ``plan`` on ``src_values`` of shape ``(blocks, warps, lanes, src_regs)``,
    after :func:`ir.verify_plan`; every step reads ``src`` and writes ``out`` or the scratch."""
    import numpy as np

    vals: NDArray[Any] = np.asarray(src_values)
    want = (plan.blocks, plan.warps, plan.lanes, plan.src_regs)
    if vals.shape != want:
        raise LayoutError(f"src_values: expected shape {want}, got {vals.shape}")
    verify_plan(plan)
    if plan.kind == "noop" and not plan.steps:
        copied: NDArray[Any] = vals.copy()
        return copied
    B = want[0]
    out = np.zeros((B, plan.warps, plan.lanes, plan.dst_regs), dtype=vals.dtype)
    written = np.zeros(out.shape, dtype=bool)
    S = max(plan.scratch_elems, 1)
    scratch = np.zeros((B, S), dtype=vals.dtype)
    stored = np.zeros((B, S), dtype=bool)
    bidx = np.arange(B)[:, None, None, None]

    def copy(i: int, step: Copy) -> None:
        rm = step.reg_map
        li, ri = np.nonzero(rm >= 0)
        out[:, :, li, ri] = vals[:, :, li, rm[li, ri]]
        written[:, :, li, ri] = True

    def shuffle(i: int, step: Shuffle) -> None:
        sl, send, recv = step.src_lane, step.send, step.recv
        li, vi = np.nonzero(recv >= 0)
        s = sl[li]
        sr = send[s, vi]
        if (sr < 0).any():
            raise LayoutError(f"step {i}: a lane receives a slot its source lane does not send")
        out[:, :, li, recv[li, vi]] = vals[:, :, s, sr]
        written[:, :, li, recv[li, vi]] = True

    def store(i: int, step: SharedStore) -> None:
        off = _full(step.offset, plan, plan.src_regs)
        if step.block is not None:
            tb = _full(step.block, plan, plan.src_regs)
        else:
            tb = np.broadcast_to(bidx, off.shape)
        b, w, lane, r = np.nonzero(off >= 0)
        tgt_b, tgt_o = tb[b, w, lane, r], off[b, w, lane, r]
        v = vals[b, w, lane, r]
        key = tgt_b * S + tgt_o
        order = np.argsort(key, kind="stable")
        ks, vs = key[order], v[order]
        same = ks[1:] == ks[:-1]
        if (vs[1:][same] != vs[:-1][same]).any():
            raise LayoutError(f"step {i}: two different values stored to one scratch element")
        scratch[tgt_b, tgt_o] = v
        stored[tgt_b, tgt_o] = True

    def load(i: int, step: SharedLoad) -> None:
        off = _full(step.offset, plan, plan.dst_regs)
        b, w, lane, r = np.nonzero(off >= 0)
        o = off[b, w, lane, r]
        if not stored[b, o].all():
            raise LayoutError(f"step {i}: a load reads scratch that was never stored")
        out[b, w, lane, r] = scratch[b, o]
        written[b, w, lane, r] = True

    def gather(i: int, step: GatherShuffle | GatherLoad) -> None:
        raise LayoutError(f"step {i}: a gather step needs the index values: call the gather plan's "
                          "run(src_values, index_values)")

    handlers: dict[str, Callable[..., None]] = {
        "Copy": copy, "Shuffle": shuffle, "SharedStore": store, "SharedLoad": load,
        "Barrier": lambda i, s: None, "GatherShuffle": gather, "GatherLoad": gather
    }
    for i, step in enumerate(plan.steps):
        dispatch(step, handlers, f"step {i}")(i, step)
    if not written.all():
        raise LayoutError("plan left some out registers unwritten")
    return out


# ---------------------------------------------------------------------------------------
# metrics


def _words(off: NDArray[Any], elem_bits: int, bank_bytes: int) -> NDArray[Any]:
    """Bank-width words touched by elements at ``off`` (-1 stays -1): a trailing axis of
    the words per element."""
    import numpy as np

    eb = elem_bits // 8
    per = max(1, eb // bank_bytes)
    base = (off * eb) // bank_bytes
    w = base[..., None] + np.arange(per)
    return np.where(off[..., None] >= 0, w, -1)


def step_wavefronts(
    offset: NDArray[Any],
    vec: int,
    plan: ConversionPlan,
    block: NDArray[Any] | None = None,
    regs: NDArray[Any] | None = None,
    group: int = 1,
) -> tuple[int, int]:
    """(wavefronts, instructions) per warp for one shared step, max over warps and blocks.

    A vector access is ``vec`` registers (in ``regs`` order); lanes with ``-1`` are idle; an
    access with every lane idle is not issued; every other one counts (API.md: "for each
    vector access"), identical ones included.  ``group`` consecutive accesses issue as one
    instruction (counted once if any of them is issued).
    """
    import numpy as np

    t = plan.target
    nb, bb = t.num_banks, t.bank_bytes
    order = regs
    nregs = offset.shape[-1]
    off = _full(offset, plan, nregs)
    if order is not None:
        off = off[..., order]
        if block is not None:
            block = _full(block, plan, nregs)[..., order]
    B, W, L, R = off.shape
    G = R // vec
    if block is not None:
        blk = _full(block, plan, nregs)
    else:
        blk = np.zeros(off.shape, dtype=np.int64)
    S = int(off.max()) + 1 if off.size else 1
    # one key per (CTA, element); instructions are rows of keys
    ekeys = np.where(off >= 0, blk * S + off, -1)
    ekeys = ekeys.reshape(B * W, L, G, vec).transpose(0, 2, 1, 3).reshape(B * W, G, L * vec)
    ekeys = np.sort(ekeys, axis=-1)
    eb = plan.elem_bits // 8
    per = max(1, eb // bb)
    best_wf, best_n = 0, 0
    for bw in range(B * W):
        rows = ekeys[bw]
        live = (rows >= 0).any(-1)
        n_instr = int(live.reshape(-1, group).any(-1).sum())
        rows = rows[live]
        if rows.shape[0] == 0:
            continue
        cta = np.where(rows >= 0, rows // S, -1)
        el = np.where(rows >= 0, rows % S, -1)
        words = (el * eb // bb)[..., None] + np.arange(per)
        words = np.where(el[..., None] >= 0, words, -1).reshape(rows.shape[0], -1)
        cta = np.repeat(cta, per, axis=1)
        wspan = int(words.max()) + 1
        wk = np.where(words >= 0, cta * wspan + words, -1)
        wk = np.sort(wk, axis=-1)
        valid = wk >= 0
        first = np.ones(wk.shape, dtype=bool)
        first[:, 1:] = wk[:, 1:] != wk[:, :-1]
        u = valid & first
        ridx = np.nonzero(u)[0]
        kb = wk[u]
        bank = (kb // wspan) * nb + (kb % wspan) % nb
        nbank = (int(bank.max()) + 1) if bank.size else 1
        counts = np.bincount(ridx * nbank + bank, minlength=rows.shape[0] * nbank).reshape(
            rows.shape[0], nbank
        )
        wf = int(counts.max(1).sum())
        if wf > best_wf:
            best_wf = wf
        best_n = max(best_n, n_instr)
    return best_wf, best_n


def _issued(step: SharedStore | SharedLoad, groups: int, elem_bits: int = 16) -> int:
    """Instructions issued for ``groups`` vector groups: ``ldmatrix/stmatrix.xN`` moves N
    32-bit registers per lane at once, ``ds_read_b64_tr_bN`` 64 bits of N-bit ones."""
    import re

    m = re.search(r"matrix\.x(\d)", step.instruction or "")
    if m:  # N matrices of 8 rows x 16 bytes: N 32-bit registers per lane
        per = int(m.group(1)) * max(1, 32 // (step.vec * elem_bits))
        return -(-groups // per)
    m = re.search(r"_tr_b(\d+)", step.instruction or "")
    if m:  # ds_read_b64_tr_bN: 64 bits of N-bit registers per instruction
        return -(-groups * int(m.group(1)) // 64)
    return groups


def _permlane(plan: ConversionPlan) -> bool:
    """A Copy + Shuffle plan annotated ``v_permlane16/32_swap`` that is exactly that swap."""
    from .shuffle import permlane_swap_ok

    names = [getattr(s, "instruction", None) or "" for s in plan.steps if isinstance(s, Shuffle)]
    if len(names) != 1 or not names[0].startswith("v_permlane"):
        return False
    half = 32 if "32" in names[0] else 16
    return permlane_swap_ok(plan.steps, plan.lanes, plan.dst_regs, plan.elem_bits, half)


def _distinct_per_column(a: NDArray[Any], valid: NDArray[Any]) -> NDArray[Any]:
    """How many distinct values each column of ``a`` holds where ``valid`` (the invalid
    entries all sort before or between valid ones and are never counted)."""
    import numpy as np

    order = np.argsort(a, axis=0, kind="stable")
    srt = np.take_along_axis(a, order, axis=0)
    ok = np.take_along_axis(valid, order, axis=0)
    new = np.ones(srt.shape, dtype=bool)
    new[1:] = srt[1:] != srt[:-1]
    counts: NDArray[Any] = (new & ok).sum(axis=0)
    return counts


def plan_metrics(plan: ConversionPlan) -> dict[str, int]:
    """Shuffles, selects, wavefronts and shared instructions of ``plan`` (see ``cost.py``)."""
    import numpy as np

    eb = plan.elem_bits
    L = plan.lanes
    tot = {"shuffles": 0, "pre": 0, "wf": 0, "instr": 0}
    codes = np.full((L, plan.dst_regs), -1, dtype=np.int64)  # who wrote out[l, r] last

    def copy(i: int, step: Copy) -> None:
        li, ri = np.nonzero(step.reg_map >= 0)
        codes[li, ri] = step.reg_map[li, ri]

    def shuffle(i: int, step: Shuffle) -> None:
        used = (step.recv >= 0).any(0)
        cols = step.send[:, used]
        if cols.shape[1]:
            # API.md: one shuffle per lane per 32 bits *moved*; two slots carrying the
            # same sender register move the same bits (one shuffle, its result used twice)
            n = np.unique(cols.T, axis=0).shape[0]
            tot["shuffles"] += -(-n * eb // 32)
            tot["pre"] += int(np.maximum(_distinct_per_column(cols, cols >= 0) - 1, 0).sum())
        li, vi = np.nonzero(step.recv >= 0)
        codes[li, step.recv[li, vi]] = (i + 1) * 1_000_000 + vi

    def shared(i: int, step: SharedStore | SharedLoad) -> None:
        blk = getattr(step, "block", None)
        a, n = step_wavefronts(step.offset, step.vec, plan, blk, step.regs, step.group)
        tot["wf"] += a
        tot["instr"] += _issued(step, n, eb)
        if isinstance(step, SharedLoad):
            codes[:, :] = -2

    def gshuffle(i: int, step: GatherShuffle) -> None:
        # a compare-and-select per candidate and out register; a shuffle per 32 bits moved
        v = step.send.shape[1]
        if (step.src_lane != np.arange(L)).any():
            tot["shuffles"] += -(-v * eb // 32)
        tot["pre"] += v * plan.dst_regs
        codes[:, :] = -2

    def gload(i: int, step: GatherLoad) -> None:
        tot["wf"] += plan.dst_regs  # data-dependent addresses: at least one wavefront each
        tot["instr"] += plan.dst_regs
        codes[:, :] = -2

    handlers: dict[str, Callable[..., None]] = {
        "Copy": copy, "Shuffle": shuffle, "SharedStore": shared, "SharedLoad": shared,
        "Barrier": lambda i, s: None, "GatherShuffle": gshuffle, "GatherLoad": gload
    }
    for i, step in enumerate(plan.steps):
        dispatch(step, handlers, f"step {i}")(i, step)
    shuffles, pre_selects, wf, ninstr = tot["shuffles"], tot["pre"], tot["wf"], tot["instr"]
    if _permlane(plan):  # the swap instruction does the lane-dependent choice itself
        return {"shuffles": int(shuffles), "selects": 0, "wavefronts": 0, "shared_instructions": 0}
    post = int(np.maximum(_distinct_per_column(codes, codes != -1) - 1, 0).sum())
    scale = max(1, eb // 32)
    return {
        "shuffles": int(shuffles),
        "selects": int((pre_selects + post) * scale),
        "wavefronts": int(wf),
        "shared_instructions": int(ninstr),
    }


# ---------------------------------------------------------------------------------------
# explain


def _fmt_row(a: NDArray[Any], limit: int = 8) -> str:
    items = [str(int(x)) for x in a[:limit]]
    if len(a) > limit:
        items.append("…")
    return "[" + ", ".join(items) + "]"


def explain_plan(plan: ConversionPlan) -> str:
    """Readable text: header, then one paragraph per step."""
    import numpy as np

    t = plan.target
    lines = [
        f"ConversionPlan kind={plan.kind} on {t} ({t.warp_size}-lane warps, {t.num_banks} banks x "
        f"{t.bank_bytes} B), {plan.elem_bits}-bit elements",
        f"  threads: {plan.blocks} block(s) x {plan.warps} warp(s) x {plan.lanes} lanes; "
        f"src {plan.src_regs} regs/thread -> dst {plan.dst_regs} regs/thread",
    ]
    for note in plan.notes:
        lines.append(f"  note: {note}")
    if not plan.steps:
        lines.append("  no steps: out is src")

    def copy(i: int, s: Copy) -> None:
        uniform = bool((s.reg_map == s.reg_map[:1]).all())
        how = "same in every lane, free" if uniform else "lane-dependent, selects"
        lines.append(f"  {i}. Copy: registers renamed in-thread ({how})")
        lines.append(f"     lane 0: out r <- src {_fmt_row(s.reg_map[0])}")

    def shuffle(i: int, s: Shuffle) -> None:
        used = int((s.recv >= 0).any(0).sum())
        delta = np.bitwise_xor(s.src_lane, np.arange(len(s.src_lane)))
        pattern = f"xor {int(delta[0])}" if (delta == delta[0]).all() else "indexed"
        lines.append(f"  {i}. Shuffle ({pattern}): each lane receives {used} value(s) from one lane")
        lines.append(f"     src_lane {_fmt_row(s.src_lane)}")
        got = _fmt_row(s.send[s.src_lane[0]])
        lines.append(f"     lane 0 gets src regs {got} into out {_fmt_row(s.recv[0])}")

    def shared(i: int, s: SharedStore | SharedLoad) -> None:
        store = isinstance(s, SharedStore)
        blk = s.block if isinstance(s, SharedStore) else None
        wfs, n = step_wavefronts(s.offset, s.vec, plan, blk, s.regs, s.group)
        ins = s.instruction or ("st.shared" if store else "ld.shared")
        where = " into other CTAs (distributed shared memory)" if blk is not None else ""
        if s.regs is not None:
            where += f", vectors of registers {_fmt_row(s.regs, 2 * s.vec)}"
        if s.group == 2:
            where += ", two vectors (one address each) per instruction"
        lines.append(
            f"  {i}. {type(s).__name__} {ins} vec={s.vec} ({s.vec * plan.elem_bits} bits){where}: "
            f"{_issued(s, n, plan.elem_bits)} instruction(s)/warp, {wfs} wavefront(s)/warp"
        )
        off = s.offset if s.offset.ndim == 3 else s.offset[0]
        lines.append(f"     warp 0 lane 0 offsets {_fmt_row(off[0, 0])}; lane 1 {_fmt_row(off[0, 1])}")

    def barrier(i: int, s: Barrier) -> None:
        lines.append(f"  {i}. Barrier ({s.instruction or 'bar.sync'})")

    def gshuffle(i: int, s: GatherShuffle) -> None:
        moves = bool((s.src_lane != np.arange(len(s.src_lane))).any())
        how = f"from lane xor {int(s.src_lane[0])}" if moves else "in-lane"
        lines.append(
            f"  {i}. GatherShuffle {how}: {s.send.shape[1]} candidate value(s) per lane; each out "
            "register keeps the one its index names"
        )

    def gload(i: int, s: GatherLoad) -> None:
        lines.append(f"  {i}. GatherLoad: out = scratch[base | index << {s.axis_shift}]")

    handlers: dict[str, Callable[..., None]] = {
        "Copy": copy, "Shuffle": shuffle, "SharedStore": shared, "SharedLoad": shared,
        "Barrier": barrier, "GatherShuffle": gshuffle, "GatherLoad": gload
    }
    for i, s in enumerate(plan.steps, 1):
        dispatch(s, handlers, f"step {i - 1}")(i, s)
    lines.append(
        f"  totals: shuffles={plan.shuffles} selects={plan.selects} shared_bytes={plan.shared_bytes} "
        f"wavefronts={plan.wavefronts} barriers={plan.barriers}"
    )
    if plan.kind == "shared_memory" and sum(isinstance(s, SharedStore) for s in plan.steps) == 1:
        from .cost import wavefront_bound

        try:
            b = wavefront_bound(plan.src, plan.dst, plan.target, elem_bits=plan.elem_bits)
        except LayoutError:
            b = None
        if b is not None:
            lines.append(
                f"  fewest wavefronts any one-round plan can take under the plan IR's vector rule: {b}"
                + (" (this plan)" if b == plan.wavefronts else "")
            )
    if plan.alternatives:
        alt = ", ".join(f"{k}={v:.1f}" for k, v in plan.alternatives.items())
        lines.append(f"  cost model ({t}): {alt}")
    return "\n".join(lines)
