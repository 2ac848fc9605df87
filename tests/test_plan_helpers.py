"""Helpers for the plan tests: random distributed layouts and an executor written from the
words of API.md alone (it shares no code with linlayout.plan.simulate)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from linlayout.layout import LinearLayout

HW = ("register", "lane", "warp", "block")


def split_bits(n: int, parts: int) -> list[int]:
    """Out-dim sizes (log2) for n bits over `parts` dims."""
    sizes = [n // parts] * parts
    for i in range(n % parts):
        sizes[i] += 1
    return sizes


def make_layout(hw_bits: dict, out_logs: list[int]) -> LinearLayout:
    """hw_bits: {in_dim: [flat tensor bit or None (broadcast)]} -> LinearLayout."""
    shifts = np.cumsum([0] + out_logs[:-1])
    bases = {}
    for d in HW:
        rows = []
        for b in hw_bits.get(d, []):
            row = [0] * len(out_logs)
            if b is not None:
                k = int(np.searchsorted(shifts, b, side="right") - 1)
                row[k] = 1 << (b - int(shifts[k]))
            rows.append(row)
        bases[d] = rows
    return LinearLayout.from_bases(bases, [(f"dim{i}", 1 << s) for i, s in enumerate(out_logs)])


@st.composite
def layout_bits(draw, n: int, nl: int, nw: int, nb: int, max_reg_bcast: int = 1, bcast: bool = True):
    """A random assignment of n tensor bits to hardware bits with broadcast zeros."""
    bits = draw(st.permutations(list(range(n))))
    cap_l = nl
    cap_w = nw
    cap_b = nb
    n_b = draw(st.integers(0, min(cap_b, n)))
    n_w = draw(st.integers(0, min(cap_w, n - n_b)))
    n_l = draw(
        st.integers(max(0, min(cap_l, n - n_b - n_w) - (2 if bcast else 0)), min(cap_l, n - n_b - n_w))
    )
    if not bcast:
        n_b, n_w, n_l = min(cap_b, n), 0, 0
        n_b = min(nb, n)
        n_w = min(nw, n - n_b)
        n_l = min(nl, n - n_b - n_w)
    rest = n - n_b - n_w - n_l
    pos = 0
    out = {}
    for d, cnt, cap in (("block", n_b, nb), ("warp", n_w, nw), ("lane", n_l, nl)):
        vals = list(bits[pos : pos + cnt]) + [None] * (cap - cnt)
        pos += cnt
        out[d] = draw(st.permutations(vals)) if cnt < cap else vals
    regs = list(bits[pos:])
    nz = draw(st.integers(0, max_reg_bcast)) if bcast else 0
    for _ in range(nz):
        i = draw(st.integers(0, len(regs)))
        regs.insert(i, None)
    out["register"] = regs
    assert pos + rest == n
    return out


@st.composite
def layout_pairs(draw, warp_size: int = 32, max_bits: int = 10, blocks_log: int = 0, bcast: bool = True):
    nl = warp_size.bit_length() - 1
    nw = draw(st.integers(0, 2))
    nb = blocks_log
    n = draw(st.integers(nl - 1, nl + nw + nb + max(0, max_bits - nl - nw - nb)))
    parts = draw(st.integers(1, 3))
    out_logs = split_bits(n, parts)
    a = draw(layout_bits(n, nl, nw, nb, bcast=bcast))
    if nb:
        # same block bases unless the test asks otherwise
        pass
    b = draw(layout_bits(n, nl, nw, nb, bcast=bcast))
    return make_layout(a, out_logs), make_layout(b, out_logs)


def tables(layout: LinearLayout):
    """(blocks, warps, lanes, regs) array of flat element ids of the layout."""
    outs = list(layout.out_dims.items())
    shifts = np.cumsum([0] + [s.bit_length() - 1 for _, s in outs[:-1]])

    def flat(basis):
        return sum(int(c) << int(sh) for c, sh in zip(basis, shifts))

    def tab(d):
        t = np.zeros(1, dtype=np.int64)
        for b in layout.bases.get(d, []):
            t = np.concatenate([t, t ^ flat(b)])
        return t

    r, lane, w, blk = (tab(d) for d in HW)
    return (
        blk[:, None, None, None] ^ w[None, :, None, None] ^ lane[None, None, :, None] ^ r[None, None, None, :]
    )


def execute(plan, src_values):
    """Run a plan following API.md literally (independent of ConversionPlan.run)."""
    src = np.asarray(src_values)
    B, W, L, _ = src.shape
    R = plan.dst_regs
    out = np.full((B, W, L, R), -(1 << 40), dtype=np.int64)
    if plan.kind == "noop" and not plan.steps:
        return src.copy()
    scratch = {}
    for step in plan.steps:
        name = type(step).__name__
        if name == "Copy":
            rm = np.asarray(step.reg_map)
            for lane in range(L):
                for r in range(R):
                    if rm[lane, r] >= 0:
                        out[:, :, lane, r] = src[:, :, lane, rm[lane, r]]
        elif name == "Shuffle":
            sl, send, recv = (np.asarray(x) for x in (step.src_lane, step.send, step.recv))
            new = out.copy()
            for lane in range(L):
                s = sl[lane]
                for v in range(recv.shape[1]):
                    if recv[lane, v] >= 0:
                        assert send[s, v] >= 0
                        new[:, :, lane, recv[lane, v]] = src[:, :, s, send[s, v]]
            out = new
        elif name == "SharedStore":
            off = np.asarray(step.offset)
            blk = None if getattr(step, "block", None) is None else np.asarray(step.block)
            this_step = {}
            for b in range(B):
                for w in range(W):
                    for lane in range(L):
                        for r in range(src.shape[3]):
                            o = off[w, lane, r] if off.ndim == 3 else off[b, w, lane, r]
                            if o < 0:
                                continue
                            tb = b
                            if blk is not None:
                                tb = blk[w, lane, r] if blk.ndim == 3 else blk[b, w, lane, r]
                            key = (int(tb), int(o))
                            if key in this_step:
                                assert this_step[key] == src[b, w, lane, r], (
                                    "two values stored to one element"
                                )
                            this_step[key] = src[b, w, lane, r]
            scratch.update(this_step)
        elif name == "SharedLoad":
            off = np.asarray(step.offset)
            for b in range(B):
                for w in range(W):
                    for lane in range(L):
                        for r in range(R):
                            o = off[w, lane, r] if off.ndim == 3 else off[b, w, lane, r]
                            if o >= 0:
                                out[b, w, lane, r] = scratch[(b, int(o))]
        elif name == "Barrier":
            pass
        else:
            raise AssertionError(name)
    return out


def wavefronts(plan, num_banks: int, bank_bytes: int) -> int:
    """Independent wavefront count: per vector instruction (per warp), the most distinct
    bank-width words one bank serves; identical instructions of a step count once."""
    eb = plan.elem_bits // 8
    total_by_warp = {}
    for step in plan.steps:
        name = type(step).__name__
        if name not in ("SharedStore", "SharedLoad"):
            continue
        off = np.asarray(step.offset)
        blk = None if getattr(step, "block", None) is None else np.asarray(step.block)
        if off.ndim == 3:
            off = off[None]
        if blk is not None and blk.ndim == 3:
            blk = blk[None]
        order = getattr(step, "regs", None)
        if order is not None:  # extension: vector k is registers regs[k*vec:(k+1)*vec]
            off = off[..., np.asarray(order)]
            if blk is not None:
                blk = blk[..., np.asarray(order)]
        vec = step.vec
        for b in range(off.shape[0]):
            for w in range(off.shape[1]):
                tot = 0
                for g in range(off.shape[3] // vec):
                    words = set()
                    for lane in range(off.shape[2]):
                        for j in range(vec):
                            o = int(off[b, w, lane, g * vec + j])
                            if o < 0:
                                continue
                            tb = 0 if blk is None else int(blk[b, w, lane, g * vec + j])
                            for byte in range(o * eb, o * eb + eb):
                                words.add((tb, byte // bank_bytes))
                    if not words:
                        continue  # every lane idle: not issued
                    per_bank = {}
                    for tb, wd in words:
                        per_bank.setdefault((tb, wd % num_banks), set()).add(wd)
                    tot += max(len(s) for s in per_bank.values())
                total_by_warp[(b, w)] = total_by_warp.get((b, w), 0) + tot
    return max(total_by_warp.values()) if total_by_warp else 0


def wavefront_lower_bound(plan, num_banks: int, bank_bytes: int) -> int:
    """Lemma 9.4's bandwidth bound for the plan's instructions: each vector instruction
    needs at least ceil(bytes of its distinct elements / (num_banks * bank_bytes))."""
    eb = plan.elem_bits // 8
    best = {}
    for step in plan.steps:
        name = type(step).__name__
        if name not in ("SharedStore", "SharedLoad"):
            continue
        off = np.asarray(step.offset)
        if off.ndim == 3:
            off = off[None]
        if getattr(step, "regs", None) is not None:
            off = off[..., np.asarray(step.regs)]
        vec = step.vec
        for b in range(off.shape[0]):
            for w in range(off.shape[1]):
                tot = 0
                for g in range(off.shape[3] // vec):
                    els = off[b, w, :, g * vec : (g + 1) * vec]
                    els = set(int(x) for x in els.ravel() if x >= 0)
                    if not els:
                        continue
                    tot += max(1, -(-len(els) * eb // (num_banks * bank_bytes)))
                best[(b, w)] = best.get((b, w), 0) + tot
    return max(best.values()) if best else 0
