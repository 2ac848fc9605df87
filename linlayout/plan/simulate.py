"""Executing plans on numpy register files and a banked scratch, and measuring them.

``run_plan`` follows API.md literally: every step reads ``src`` and writes ``out`` or the
scratch.  ``plan_metrics`` counts shuffles, selects, shared-memory wavefronts and vector
instructions from the steps themselves (never from how the plan was built), with the
conventions documented in ``cost.py``.

>>> # out = plan.run(values); plan.wavefronts
"""

from __future__ import annotations

from ..errors import LayoutError
from .ir import Barrier, Copy, SharedLoad, SharedStore, Shuffle

__all__ = ["run_plan", "plan_metrics", "explain_plan", "validate_plan", "step_wavefronts"]


def _full(arr, plan, regs):
    """Broadcast a (warps, lanes, regs) or (blocks, warps, lanes, regs) array to 4-D."""
    import numpy as np

    shape = (plan.blocks, plan.warps, plan.lanes, regs)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.shape[1:] != shape[1:] or arr.shape[0] not in (1, plan.blocks):
        raise LayoutError(f"step array: expected shape {shape[1:]} or {shape}, got {arr.shape}")
    return np.broadcast_to(arr, shape)


def validate_plan(plan) -> None:
    """Check the static rules of API.md: shapes, vector widths and vector alignment."""
    for i, step in enumerate(plan.steps):
        if isinstance(step, (SharedStore, SharedLoad)):
            regs = plan.src_regs if isinstance(step, SharedStore) else plan.dst_regs
            vec = step.vec
            if vec < 1 or vec & (vec - 1) or vec * plan.elem_bits > 128 or regs % vec:
                raise LayoutError(
                    f"step {i}: vec={vec} is invalid for {regs} registers of {plan.elem_bits} bits"
                )
            off = _full(step.offset, plan, regs)
            if step.regs is not None:
                off = off[..., step.regs]
            g = off.reshape(off.shape[:3] + (regs // vec, vec))
            first = g[..., :1]
            ok_skip = (g < 0).all(-1)
            import numpy as np

            ok_vec = (g == first + np.arange(vec)).all(-1) & (first[..., 0] % vec == 0)
            if not (ok_skip | ok_vec).all():
                raise LayoutError(
                    f"step {i}: a vector of {vec} registers is not at consecutive aligned offsets"
                )
            if plan.scratch_elems and (off >= plan.scratch_elems).any():
                raise LayoutError(f"step {i}: offset beyond the scratch of {plan.scratch_elems} elements")


def run_plan(plan, src_values):
    """Execute ``plan`` on ``src_values`` of shape ``(blocks, warps, lanes, src_regs)``."""
    import numpy as np

    vals = np.asarray(src_values)
    want = (plan.blocks, plan.warps, plan.lanes, plan.src_regs)
    if vals.shape != want:
        raise LayoutError(f"src_values: expected shape {want}, got {vals.shape}")
    if plan.kind == "noop" and not plan.steps:
        return vals.copy()
    B, W, L = want[:3]
    out = np.zeros((B, W, L, plan.dst_regs), dtype=vals.dtype)
    written = np.zeros(out.shape, dtype=bool)
    S = max(plan.scratch_elems, 1)
    scratch = np.zeros((B, S), dtype=vals.dtype)
    sw = np.zeros((B, S), dtype=bool)
    bidx = np.arange(B)[:, None, None, None]
    widx = np.arange(W)[None, :, None, None]
    lidx = np.arange(L)[None, None, :, None]
    for i, step in enumerate(plan.steps):
        if isinstance(step, Copy):
            rm = step.reg_map
            li, ri = np.nonzero(rm >= 0)
            out[:, :, li, ri] = vals[:, :, li, rm[li, ri]]
            written[:, :, li, ri] = True
        elif isinstance(step, Shuffle):
            sl, send, recv = step.src_lane, step.send, step.recv
            li, vi = np.nonzero(recv >= 0)
            s = sl[li]
            sr = send[s, vi]
            if (sr < 0).any():
                raise LayoutError(f"step {i}: a lane receives a slot its source lane does not send")
            out[:, :, li, recv[li, vi]] = vals[:, :, s, sr]
            written[:, :, li, recv[li, vi]] = True
        elif isinstance(step, SharedStore):
            off = _full(step.offset, plan, plan.src_regs)
            m = off >= 0
            tb = (
                _full(step.block, plan, plan.src_regs)
                if step.block is not None
                else np.broadcast_to(bidx, off.shape)
            )
            b, w, lane, r = np.nonzero(m)
            tgt_b, tgt_o = tb[b, w, lane, r], off[b, w, lane, r]
            v = vals[b, w, lane, r]
            key = tgt_b * S + tgt_o
            order = np.argsort(key, kind="stable")
            ks, vs = key[order], v[order]
            same = ks[1:] == ks[:-1]
            if (vs[1:][same] != vs[:-1][same]).any():
                raise LayoutError(f"step {i}: two different values stored to one scratch element")
            scratch[tgt_b, tgt_o] = v
            sw[tgt_b, tgt_o] = True
        elif isinstance(step, SharedLoad):
            off = _full(step.offset, plan, plan.dst_regs)
            m = off >= 0
            b, w, lane, r = np.nonzero(m)
            o = off[b, w, lane, r]
            if not sw[b, o].all():
                raise LayoutError(f"step {i}: a load reads scratch that was never stored")
            out[b, w, lane, r] = scratch[b, o]
            written[b, w, lane, r] = True
        elif isinstance(step, Barrier):
            continue
        else:
            raise LayoutError(f"step {i}: unknown step type {type(step).__name__}")
    del widx, lidx
    if not written.all():
        raise LayoutError("plan left some out registers unwritten")
    return out


# ---------------------------------------------------------------------------------------
# metrics


def _words(off, elem_bits: int, bank_bytes: int):
    """Bank-width words touched by elements at ``off`` (-1 stays -1): a trailing axis of
    the words per element."""
    import numpy as np

    eb = elem_bits // 8
    per = max(1, eb // bank_bytes)
    base = (off * eb) // bank_bytes
    w = base[..., None] + np.arange(per)
    return np.where(off[..., None] >= 0, w, -1)


def step_wavefronts(offset, vec, plan, block=None, regs=None) -> tuple[int, int]:
    """(wavefronts, instructions) per warp for one shared step, max over warps and blocks.

    A vector instruction is one group of ``vec`` registers; lanes with ``-1`` are idle; an
    instruction with every lane idle is not issued; every other one counts (API.md: "for each
    vector instruction"), identical ones included.
    """
    import numpy as np

    t = plan.target
    nb, bb = t.num_banks, t.bank_bytes
    order = regs
    regs = offset.shape[-1]
    off = _full(offset, plan, regs)
    if order is not None:
        off = off[..., order]
        if block is not None:
            block = _full(block, plan, regs)[..., order]
    B, W, L, R = off.shape
    G = R // vec
    if block is not None:
        blk = _full(block, plan, regs)
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
        rows = rows[(rows >= 0).any(-1)]
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
        best_n = max(best_n, rows.shape[0])
    return best_wf, best_n


def _issued(step, groups: int, elem_bits: int = 16) -> int:
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


def plan_metrics(plan) -> dict:
    """Shuffles, selects, wavefronts and shared instructions of ``plan`` (see ``cost.py``)."""
    import numpy as np

    eb = plan.elem_bits
    L = plan.lanes
    shuffles = 0
    pre_selects = 0
    wf = 0
    ninstr = 0
    codes = np.full((L, plan.dst_regs), -1, dtype=np.int64)  # who wrote out[l, r] last
    for i, step in enumerate(plan.steps):
        if isinstance(step, Copy):
            li, ri = np.nonzero(step.reg_map >= 0)
            codes[li, ri] = step.reg_map[li, ri]
        elif isinstance(step, Shuffle):
            used = (step.recv >= 0).any(0)
            cols = step.send[:, used]
            if cols.shape[1]:
                # API.md: one shuffle per lane per 32 bits *moved*; two slots carrying the
                # same sender register move the same bits (one shuffle, its result used twice)
                n = np.unique(cols.T, axis=0).shape[0]
                shuffles += -(-n * eb // 32)
                for v in range(cols.shape[1]):
                    c = cols[:, v]
                    pre_selects += max(0, len(np.unique(c[c >= 0])) - 1)
            li, vi = np.nonzero(step.recv >= 0)
            codes[li, step.recv[li, vi]] = (i + 1) * 1_000_000 + vi
        elif isinstance(step, SharedStore):
            a, n = step_wavefronts(step.offset, step.vec, plan, step.block, step.regs)
            wf += a
            ninstr += _issued(step, n, eb)
        elif isinstance(step, SharedLoad):
            a, n = step_wavefronts(step.offset, step.vec, plan, regs=step.regs)
            wf += a
            ninstr += _issued(step, n, eb)
            codes[:, :] = -2
    post = 0
    for r in range(plan.dst_regs):
        c = codes[:, r]
        post += max(0, len(np.unique(c[c != -1])) - 1)
    scale = max(1, eb // 32)
    return {
        "shuffles": int(shuffles),
        "selects": int((pre_selects + post) * scale),
        "wavefronts": int(wf),
        "shared_instructions": int(ninstr),
    }


# ---------------------------------------------------------------------------------------
# explain


def _fmt_row(a, limit: int = 8) -> str:
    items = [str(int(x)) for x in a[:limit]]
    if len(a) > limit:
        items.append("…")
    return "[" + ", ".join(items) + "]"


def explain_plan(plan) -> str:
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
    for i, s in enumerate(plan.steps, 1):
        if isinstance(s, Copy):
            uniform = bool((s.reg_map == s.reg_map[:1]).all())
            how = "same in every lane, free" if uniform else "lane-dependent, selects"
            lines.append(f"  {i}. Copy: registers renamed in-thread ({how})")
            lines.append(f"     lane 0: out r <- src {_fmt_row(s.reg_map[0])}")
        elif isinstance(s, Shuffle):
            used = int((s.recv >= 0).any(0).sum())
            delta = np.bitwise_xor(s.src_lane, np.arange(len(s.src_lane)))
            pattern = f"xor {int(delta[0])}" if (delta == delta[0]).all() else "indexed"
            lines.append(f"  {i}. Shuffle ({pattern}): each lane receives {used} value(s) from one lane")
            lines.append(f"     src_lane {_fmt_row(s.src_lane)}")
            lines.append(
                f"     lane 0 gets src regs {_fmt_row(s.send[s.src_lane[0]])} into out {_fmt_row(s.recv[0])}"
            )
        elif isinstance(s, SharedStore):
            wfs, n = step_wavefronts(s.offset, s.vec, plan, s.block, s.regs)
            ins = s.instruction or "st.shared"
            where = " into other CTAs (distributed shared memory)" if s.block is not None else ""
            if s.regs is not None:
                where += f", vectors of registers {_fmt_row(s.regs, 2 * s.vec)}"
            lines.append(
                f"  {i}. SharedStore {ins} vec={s.vec} ({s.vec * plan.elem_bits} bits){where}: "
                f"{_issued(s, n, plan.elem_bits)} instruction(s)/warp, {wfs} wavefront(s)/warp"
            )
            off = s.offset if s.offset.ndim == 3 else s.offset[0]
            lines.append(f"     warp 0 lane 0 offsets {_fmt_row(off[0, 0])}; lane 1 {_fmt_row(off[0, 1])}")
        elif isinstance(s, SharedLoad):
            wfs, n = step_wavefronts(s.offset, s.vec, plan, regs=s.regs)
            ins = s.instruction or "ld.shared"
            lines.append(
                f"  {i}. SharedLoad {ins} vec={s.vec} ({s.vec * plan.elem_bits} bits): "
                f"{_issued(s, n, plan.elem_bits)} instruction(s)/warp, {wfs} wavefront(s)/warp"
            )
            off = s.offset if s.offset.ndim == 3 else s.offset[0]
            lines.append(f"     warp 0 lane 0 offsets {_fmt_row(off[0, 0])}; lane 1 {_fmt_row(off[0, 1])}")
        elif isinstance(s, Barrier):
            lines.append(f"  {i}. Barrier ({s.instruction or 'bar.sync'})")
        elif type(s).__name__ == "GatherShuffle":
            moves = bool((s.src_lane != np.arange(len(s.src_lane))).any())
            how = f"from lane xor {int(s.src_lane[0])}" if moves else "in-lane"
            lines.append(
                f"  {i}. GatherShuffle {how}: {s.send.shape[1]} candidate value(s) per lane; each out "
                "register keeps the one its index names"
            )
        elif type(s).__name__ == "GatherLoad":
            lines.append(f"  {i}. GatherLoad: out = scratch[base | index << {s.axis_shift}]")
        else:
            lines.append(f"  {i}. {type(s).__name__}")
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
