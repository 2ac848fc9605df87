"""Shared-memory plans: store through an optimally swizzled scratch, barrier, load.

``design_shared`` picks the vectorisation (the common register prefix, ≤ 128 bits, possibly
extended on one side), the swizzle (``swizzle.py``) and the number of rounds (segment bits that
are registers on both sides become rounds when the scratch would exceed ``max_shared_bytes``).
``shared_plan_steps`` turns the design into ``SharedStore``/``Barrier``/``SharedLoad`` steps,
annotated with the instruction a lowering would use (``st.shared.v4.b32``, ``stmatrix.x4``,
``ldmatrix.x4.trans``, ``ds_write_b128`` …).

Broadcast: src copies held by several lanes/warps/registers are stored once (the copy whose
broadcast bits are 0); dst copies all load the same element.

>>> # plan = plan_conversion(blocked_a, blocked_b, "sm_90"); plan.steps[0].vec
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeAlias

from .._gf2 import Span
from ..errors import LayoutError
from .classify import Flat, xor_table
from .ir import Barrier, SharedLoad, SharedStore
from .swizzle import Swizzle, _units, aligned_space, choose_swizzle, conflict_floor

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..targets import Target
    from .ir import Step
    from .problem import Problem

#: Register orders (store lead, load lead) the search puts first.
Lead: TypeAlias = "tuple[tuple[int, ...], tuple[int, ...]]"

__all__ = ["SharedDesign", "design_shared", "shared_plan_steps", "matrix_instruction", "with_rounds",
           "triton_round_bits", "matrix_whole"]


def _log2(x: int) -> int:
    return x.bit_length() - 1


@dataclass
class SharedDesign:
    swizzle: Swizzle
    space: list[int]
    n_store: int  # store instructions per warp (all rounds)
    n_load: int
    wavefronts: int  # analytic, store + load, per warp
    bound: int  # the Lemma 9.4 bound for the same instruction counts
    rounds: int
    warp_sync: bool
    cost: float = 0.0
    permute: bool = False
    lead: Lead | None = None  # the register order it was searched under (``design_shared``)


def _prefix(a: tuple[int, ...], b: tuple[int, ...], vmax: int) -> int:
    s = Span()
    p = 0
    while p < min(len(a), len(b), vmax):
        v = a[p]
        if v == 0 or v != b[p] or not s.add(v):
            break
        p += 1
    return p


def _extension(regs: tuple[int, ...], p: int, vmax: int, prefix: list[int], space: Span) -> int:
    s = Span(prefix)
    k = 0
    while p + k < min(len(regs), vmax):
        v = regs[p + k]
        if v == 0 or not space.contains(v) or not s.add(v):
            break
        k += 1
    return k


def _space(layout: Flat) -> list[int]:
    s = Span()
    out = []
    for v in layout.reg + layout.lane + layout.warp:
        if v and s.add(v):
            out.append(v)
    return out


@dataclass(frozen=True)
class _Search:
    """What every vector configuration of one register order shares (``design_shared``)."""

    common: list[int]  # the registers both vectors start with
    s_regs: tuple[int, ...]  # src registers in the search's order (vectors are prefixes)
    d_regs: tuple[int, ...]
    lanes_s: list[int]  # src lane images projected into dst's CTA space
    lanes_d: list[int]
    warps_s: list[int] | None  # None: no alignment pre-check (the fallback search)
    warps_d: list[int] | None
    space: list[int]
    units: list[int]
    nz_s: int  # src registers stored (broadcast copies once)
    nz_d: int  # dst registers loaded (every one)
    rep_cand: list[int]
    n_reps: int
    warp_sync: bool
    permute: bool
    lead: Lead | None


@dataclass(frozen=True)
class _Basics:
    """What every register order of one problem shares: dst's CTA space and the other
    images projected into it (computed once per problem, ``_basics``)."""

    space: list[int]
    span: Span
    units: list[int]
    lanes_s: list[int]
    lanes_d: list[int]
    warps_s: list[int]
    warps_d: list[int]
    warp_sync: bool


def _basics(prob: Problem) -> _Basics:
    """The problem's ``_Basics``, memoised on the problem."""
    got: _Basics | None = prob.memo.get("shared")
    if got is None:
        src, dst = prob.src, prob.dst
        space = _space(dst)
        proj = projector(space, dst.block)
        ps = [proj(v) for v in src.lane]
        pw = [proj(v) for v in src.warp]
        got = _Basics(
            space=space, span=Span(space, False), units=_units(space),
            lanes_s=[v for v in ps if v], lanes_d=[v for v in dst.lane if v],
            warps_s=[v for v in pw if v], warps_d=[v for v in dst.warp if v],
            warp_sync=src.warp == dst.warp and all(v != 0 for v in src.warp) and _warp_local(src, dst),
        )
        prob.memo["shared"] = got
    return got


def design_shared(
    prob: Problem, permute: bool = False, lead: Lead | None = None,
    bound: float | None = None, ties: bool = False,
) -> SharedDesign | None:
    """Choose vectors, swizzle and rounds for a CTA-local (or, with ``dst``'s space, a
    cluster) round trip of ``prob`` (a ``problem.Problem``); the cheapest under its cost
    model among the vector extensions.

    ``permute``: vectors may be any registers both sides share (they go first); ``lead``
    (implies ``permute``): the store's and the load's registers to put first instead, with no
    common prefix (a vector matching the other side's ldmatrix/stmatrix ``.trans`` rows).
    ``bound``: only a design cheaper than this counts (``ties``: or as cheap); ``None`` when
    there is none."""
    src, dst, elem_bits = prob.src, prob.dst, prob.elem_bits
    base = _basics(prob)
    space, sp = base.space, base.span
    vmax = _log2(128 // elem_bits)
    s_regs, d_regs = tuple(src.reg), tuple(dst.reg)
    if lead is not None:
        permute = True
        s_regs = lead[0] + tuple(v for v in src.reg if v and v not in lead[0])
        d_regs = lead[1] + tuple(v for v in dst.reg if v and v not in lead[1])
        p = 0
        while p < min(len(lead[0]), len(lead[1])) and lead[0][p] == lead[1][p]:
            p += 1
        common = list(lead[0][:p])
    elif permute:
        # any registers the two sides share may form the vector (Triton's regS ∩ regD)
        cs = Span()
        common = [v for v in src.reg if v and v in dst.reg and cs.add(v)][:vmax]
        s_regs = tuple(common) + tuple(v for v in src.reg if v and v not in common)
        d_regs = tuple(common) + tuple(v for v in dst.reg if v and v not in common)
        p = len(common)
    else:
        p = _prefix(src.reg, dst.reg, vmax)
        common = list(src.reg[:p])
    ks = _extension(s_regs, p, vmax, common, sp)
    kd = _extension(d_regs, p, vmax, common, sp)
    n = len(space)
    rep_cand = [v for v in src.reg if v and v in dst.reg and v not in common]
    n_reps = 0
    while (1 << (n - n_reps)) * (elem_bits // 8) > prob.max_shared_bytes and n_reps < len(rep_cand):
        n_reps += 1
    srch = _Search(
        common=common, s_regs=s_regs, d_regs=d_regs,
        lanes_s=base.lanes_s, lanes_d=base.lanes_d, warps_s=base.warps_s, warps_d=base.warps_d,
        space=space, units=base.units,
        # every dst register is loaded (a broadcast copy is loaded again: the IR has no
        # register-to-register move on the out side); src broadcast copies are stored once
        nz_s=sum(1 for v in src.reg if v), nz_d=len(dst.reg),
        rep_cand=rep_cand, n_reps=n_reps, warp_sync=base.warp_sync, permute=permute, lead=lead,
    )
    # vector widths worth trying, as (common bits, store extension, load extension): every
    # extension on either side (a narrower one leaves the other side's access space more
    # room), and narrower common prefixes for when the full one cannot stay aligned
    configs = [(p, 0, 0)] + [(p, k, 0) for k in range(1, ks + 1)] + [(p, 0, k) for k in range(1, kd + 1)]
    configs += [(m, 0, 0) for m in range(p - 1, -1, -1)]
    best = _best_design(prob, srch, configs, bound, ties)
    if best is None and bound is None:  # no aligned scratch found: vectors fall back at plan time
        loose = replace(srch, warps_s=None, warps_d=None)
        best = _best_design(prob, loose, configs[: 1 + ks + kd], None, False)
    return best


def _best_design(
    prob: Problem, srch: _Search, configs: list[tuple[int, int, int]], bound: float | None, ties: bool
) -> SharedDesign | None:
    """The cheapest design over ``configs`` (best-first with lower bounds), or None when
    none is aligned or beats ``bound`` (``ties``: or matches it)."""
    import heapq

    from .cost import shared_cost
    from .swizzle import low_bits, span_dim

    src, dst, target, elem_bits, model = prob.src, prob.dst, prob.target, prob.elem_bits, prob.model
    common, s_regs, d_regs = srch.common, srch.s_regs, srch.d_regs
    lanes_s, lanes_d, warps_s, warps_d = srch.lanes_s, srch.lanes_d, srch.warps_s, srch.warps_d
    space, nz_s, nz_d, warp_sync = srch.space, srch.nz_s, srch.nz_d, srch.warp_sync
    # a cheap lower bound per configuration (bandwidth bound, widest possible issue) lets the
    # search stop once no remaining configuration can beat the best design found
    nlow = low_bits(elem_bits, target.num_banks)
    dl_s = span_dim(lanes_s)
    dl_d = span_dim(lanes_d)
    # ld/stmatrix (one instruction per four 32-bit vectors) only with 16-bit pairs as vectors
    mat16 = target.is_nvidia and elem_bits == 16
    rounds0 = 1 << srch.n_reps
    n = len(space)
    # the two sides with their registers in the search's order (tiles start at regs[0])
    src_o = replace(src, reg=tuple(s_regs) + tuple(v for v in src.reg if v not in s_regs))
    dst_o = replace(dst, reg=tuple(d_regs) + tuple(v for v in dst.reg if v not in d_regs))

    def sizes(i: int) -> tuple[int, int, int, int, int, int, int]:
        m, se, le = configs[i]
        vs, vd = m + se, m + le
        return m, se, le, vs, vd, 1 << max(0, nz_s - vs), 1 << max(0, nz_d - vd)

    trans_s = mat16 and target.has("stmatrix") and len(src.lane) >= 5
    trans_d = mat16 and target.has("ldmatrix") and len(dst.lane) >= 5

    def can_trans(vs: int, vd: int) -> tuple[bool, bool]:
        """Whether the store (load) may be .trans: no vector of its own, the other side's
        vector inside its lane-2..4 row (``_matrix_tile`` needs that row lowest)."""
        ld = trans_d and vd == 0 and tuple(s_regs[:vs]) == tuple(dst.lane[2 : 2 + vs])
        st = trans_s and vs == 0 and tuple(d_regs[:vd]) == tuple(src.lane[2 : 2 + vd])
        return st, ld

    mat32 = target.is_nvidia and elem_bits == 32 and len(src.lane) >= 5

    def instr_lb(vs: int, vd: int, n_store: int, n_load: int) -> int:
        # _bank_prefer gives the ldmatrix tile to the load when it can, else to the store
        if mat32:  # fp32 as b16 pairs: four 32-bit accesses per x4, no vector of its own
            per_d = 4 if vd == 0 and target.has("ldmatrix") else 1
            per_s = 4 if vs == 0 and target.has("stmatrix") and per_d == 1 else 1
            return -(-n_store // per_s) + -(-n_load // per_d)
        st, ld = can_trans(vs, vd)
        mat_d = mat16 and target.has("ldmatrix") and (vd == 1 or ld)
        mat_s = mat16 and target.has("stmatrix") and (vs == 1 or st) and not mat_d
        per_d = (8 if vd == 0 else 4) if mat_d else 1
        per_s = (8 if vs == 0 else 4) if mat_s else 1
        return -(-n_store // per_s) + -(-n_load // per_d)

    def wf_lb(n_store: int, xs: int, n_load: int, xd: int, vs: int, vd: int) -> int:
        # a .trans tile serves two 16-bit accesses per wavefront (see the cost below)
        st, ld = can_trans(vs, vd)
        a, b = n_store << xs, n_load << xd
        return a - (a // 2 if st else 0) + b - (b // 2 if ld else 0)

    # best-first over configurations: a cheap bound (bandwidth, widest issue) first; popped
    # once, a configuration gets the alignment floor (needs H); popped refined, it is built
    heap: list[tuple[float, int, int, Span | None]] = []
    for i in range(len(configs)):
        m, se, le, vs, vd, n_store, n_load = sizes(i)
        wf = wf_lb(n_store, max(0, vs + dl_s - nlow), n_load, max(0, vd + dl_d - nlow), vs, vd)
        lb = shared_cost(model, wf, instr_lb(vs, vd, n_store, n_load), rounds0, warp_sync)
        heap.append((lb, i, 0, None))
    heapq.heapify(heap)
    best: SharedDesign | None = None
    best_cost = bound

    def beats(c: float) -> bool:
        return best_cost is None or c < best_cost or (ties and best is None and c <= best_cost)

    while heap:
        lb, i, refined, h = heapq.heappop(heap)
        if not beats(lb):
            break
        m, se, le, vs, vd, n_store, n_load = sizes(i)
        if not refined and warps_s is not None and warps_d is not None:
            h = aligned_space(common[:m], se, le, s_regs, d_regs, lanes_s, lanes_d, warps_s, warps_d, space)
            if h is None:
                continue  # these vectors cannot both stay aligned
            acc_s = [v for v in list(s_regs[:vs]) + list(lanes_s) if v]
            acc_d = [v for v in list(d_regs[:vd]) + list(lanes_d) if v]
            n_seg = max(0, n - max(nlow, vs, vd))
            fs_, fd_ = conflict_floor(h, acc_s, acc_d, n_seg, n_store, n_load)
            xs = max(max(0, vs + dl_s - nlow), fs_)
            xd = max(max(0, vd + dl_d - nlow), fd_)
            wf = wf_lb(n_store, xs, n_load, xd, vs, vd)
            lb2 = shared_cost(model, wf, instr_lb(vs, vd, n_store, n_load), rounds0, warp_sync)
            heapq.heappush(heap, (max(lb, lb2), i, 1, h))
            continue
        sw = choose_swizzle(
            vec_common=common[:m],
            src_regs=list(s_regs),
            dst_regs=list(d_regs),
            lanes_s=lanes_s,
            lanes_d=lanes_d,
            space=space,
            elem_bits=elem_bits,
            num_banks=target.num_banks,
            store_ext=se,
            load_ext=le,
            n_store=n_store,
            n_load=n_load,
            rep_candidates=srch.rep_cand,
            n_reps=srch.n_reps,
            bank_prefer=_bank_prefer(src_o, dst_o, target, elem_bits, vs, vd),
            units=srch.units,
            h_span=h,
        )
        wf = (n_store << sw.store_wavefront_exp) + (n_load << sw.load_wavefront_exp)
        lemma = (n_store << sw.store_bound_exp) + (n_load << sw.load_bound_exp)
        rounds = 1 << len(sw.reps)
        # ld/stmatrix.x4 issue one instruction for four 32-bit vectors (eight 16-bit ones
        # for .trans, whose 16-byte rows take one wavefront per two 16-bit vectors: the
        # hardware figure the cost uses, while plan.wavefronts counts API.md's accesses)
        per_s = _matrix_tile(sw, src_o, target, elem_bits, True)
        per_d = _matrix_tile(sw, dst_o, target, elem_bits, False)
        i_store = -(-n_store // per_s) if per_s else n_store
        i_load = -(-n_load // per_d) if per_d else n_load
        hw_wf = wf - ((n_store << sw.store_wavefront_exp) // 2 if per_s == 8 else 0)
        hw_wf -= (n_load << sw.load_wavefront_exp) // 2 if per_d == 8 else 0
        c = shared_cost(model, hw_wf, i_store + i_load, rounds, warp_sync)
        if beats(c):
            best_cost = c
            best = SharedDesign(sw, space, n_store, n_load, wf, lemma, rounds, warp_sync, c, srch.permute,
                                srch.lead)
    return best


def triton_round_bits(fs: Flat, fd: Flat, target: Target, elem_bits: int) -> int:
    """The rounds (log2) Triton's swizzled conversion takes: its ``segment`` bases (tensor bits
    neither the vector nor either side's bank-covering lanes hold) that are registers on both
    sides (``buildReps``; ``optimalSwizzlingLdSt``, triton-linear-layouts.md §3.4)."""
    reg_s, reg_d = [v for v in fs.reg if v], {v for v in fd.reg if v}
    vec = [v for v in reg_s if v in reg_d][: (128 // elem_bits).bit_length() - 1]
    log2vec = max(0, ((1 << len(vec)) * elem_bits // 32).bit_length() - 1)
    block = [v for v in fs.block if v]
    n = fs.nbits
    len_b = min(
        max(0, (target.num_banks * 32 // ((1 << len(vec)) * elem_bits)).bit_length() - 1),
        n - len(vec) - len(block),
    )
    len_s = n - len_b - len(vec) - len(block)
    covered = [set(vec) | set(block) | set(lanes[: len(lanes) - log2vec]) for lanes in (fs.lane, fd.lane)]
    segment = [1 << b for b in range(n) if all(1 << b not in c for c in covered)][: max(0, len_s)]
    return sum(1 for v in segment if v in reg_d and v in set(reg_s))


def with_rounds(design: SharedDesign, src: Flat, dst: Flat, most: int) -> SharedDesign:
    """``design`` with up to ``most`` (log2) rounds, taken from its segment bits that are
    registers of both layouts (Triton's ``reps``): scratch divided by the rounds, the same
    instructions and wavefronts per warp, one store/barrier/load trip per round."""
    sw = design.swizzle
    both = {v for v in src.reg if v and v in dst.reg}
    # the highest registers first: the lowest ones form vectors and ld/stmatrix tiles
    cands = [v for v in sw.segment if v in both and v not in sw.reps]
    cands.sort(key=lambda v: -min(src.reg.index(v), dst.reg.index(v)))
    reps = list(sw.reps) + cands
    reps = reps[: max(len(sw.reps), most)]
    if len(reps) <= len(sw.reps):
        return design
    keep = [v for v in sw.segment if v not in reps]
    columns = sw.columns[: sw.n_low] + keep + reps
    new_sw = replace(sw, columns=columns, reps=reps)
    return replace(design, swizzle=new_sw, rounds=1 << len(reps))


def matrix_whole(step: Step, elem_bits: int) -> bool:
    """Whether every ld/stmatrix.xN instruction of ``step`` (N matrices of 32-bit registers per
    lane, in the step's register order) is issued whole or not at all by each warp (always
    true for other steps): a round must not split one."""
    import re

    import numpy as np

    m = re.search(r"matrix\.x(\d)", getattr(step, "instruction", None) or "")
    if m is None or not isinstance(step, (SharedStore, SharedLoad)):
        return True
    off = np.asarray(step.offset)
    vec = int(step.vec)
    group = int(m.group(1)) * max(1, 32 // (vec * elem_bits)) * vec
    W, L, R = off.shape
    if R % group:
        return False
    regs = getattr(step, "regs", None)
    if regs is not None:
        off = off[:, :, np.asarray(regs)]
    on = (off >= 0).reshape(W, L, R // group, group)
    return bool((on.all(axis=(1, 3)) | (~on).all(axis=(1, 3))).all())


def projector(space: list[int], block: Sequence[int]) -> Callable[[int], int]:
    """The map t -> its component in span(space) along span(block images)."""
    blk = [v for v in block if v]
    s = Span(list(space) + blk)
    n = len(space)
    low = (1 << n) - 1

    def proj(v: int) -> int:
        c = s.express(v)
        if c is None:
            return v
        out = 0
        c &= low
        i = 0
        while c:
            if c & 1:
                out ^= space[i]
            c >>= 1
            i += 1
        return out

    return proj


def trans_leads(src: Flat, dst: Flat, target: Target, elem_bits: int) -> list[Lead]:
    """Register orders (store lead, load lead) under which the vectors line up with one
    side's ldmatrix/stmatrix tile (NVIDIA, 16-bit): ``.trans``, where one side's vector is
    the other's lane-2..4 row; plain, where a register both hold plus the tile side's lanes
    0 and 1 form the other side's vector."""
    if not target.is_nvidia or elem_bits != 16 or len(src.lane) < 5:
        return []
    out: list[Lead] = []
    rows_d, rows_s = tuple(dst.lane[2:5]), tuple(src.lane[2:5])
    if target.has("ldmatrix") and all(v and v in src.reg for v in rows_d):
        out.append((rows_d, ()))
    if target.has("stmatrix") and all(v and v in dst.reg for v in rows_s):
        out.append(((), rows_s))
    both = [v for v in src.reg if v and v in dst.reg]
    for x in both[:2]:
        pair_d, pair_s = (x,) + tuple(dst.lane[:2]), (x,) + tuple(src.lane[:2])
        if target.has("ldmatrix") and x not in dst.lane[:2] and all(v and v in src.reg for v in pair_d):
            if len(set(pair_d)) == 3 and pair_d != tuple(dst.reg[:1]) + tuple(dst.lane[:2]):
                out.append((pair_d, (x,)))
        if target.has("stmatrix") and all(v and v in dst.reg for v in pair_s):
            if len(set(pair_s)) == 3 and pair_s != tuple(src.reg[:1]) + tuple(src.lane[:2]):
                out.append(((x,), pair_s))
    return out


def _matrix_tile(sw: Swizzle, side: Flat, target: Target, elem_bits: int, store: bool) -> int:
    """Vector accesses one ldmatrix/stmatrix.x4 instruction issues when the scratch starts
    with the side's tile (16-bit, NVIDIA), else 0: 4 for a 32-bit register pair then lane
    bits 0 and 1 (one 16-byte row), 8 for ``.trans`` (lane bits 2, 3, 4 fill the row)."""
    if not target.is_nvidia or elem_bits not in (16, 32) or len(side.lane) < 5 or not side.reg:
        return 0
    if not target.has("stmatrix" if store else "ldmatrix"):
        return 0
    vbits = sw.store_vec_bits if store else sw.load_vec_bits
    if elem_bits == 32:  # b16 pairs: four 32-bit accesses per x4
        per = 4 if vbits == 0 and sw.columns[:2] == list(side.lane[:2]) else 0
        if not per:
            return 0
    elif vbits == 1 and sw.columns[:3] == [side.reg[0], side.lane[0], side.lane[1]]:
        per = 4
    elif vbits == 0 and sw.columns[:3] == list(side.lane[2:5]):
        per = 8
    else:
        return 0
    cs = Span(sw.columns)
    mask = (1 << sw.offset_bits) - 1

    def co(v: int) -> int:
        c = cs.express(v) if v else 0
        return -1 if c is None else c & mask

    cr, cl, cw = ([co(v) for v in bases] for bases in (side.reg, side.lane, side.warp))
    if -1 in cr + cl + cw:
        return 0
    return per if matrix_instruction(cr, cl, cw, elem_bits, store, target) is not None else 0


def _warp_local(src: Flat, dst: Flat) -> bool:
    """Every element a warp loads was stored by the same warp (no warp bits cross)."""
    ws = Span([v for v in src.reg + src.lane if v])
    return all(ws.contains(v) for v in dst.reg + dst.lane)


def _bank_prefer(src: Flat, dst: Flat, target: Target, elem_bits: int, vs: int, vd: int) -> list[int]:
    """Put the side's first two lane images right above a 32-bit vector so that ldmatrix /
    stmatrix tiles divide the scratch (NVIDIA, 16-bit); ``vs``/``vd`` are vector bits."""
    if _ds_read_tr_bits(target, elem_bits) and vd == 0:
        # gfx950 ds_read_b64_tr: the load's first lane images on the lowest offset bits
        k = _ds_read_tr_bits(target, elem_bits)
        if len(dst.lane) >= k and all(dst.lane[:k]):
            return list(dst.lane[:k])
        return []
    if target.is_nvidia and elem_bits == 32 and len(dst.lane) >= 5:
        # fp32 ld/stmatrix (b16 pairs): the side's lanes 0, 1 lowest, one row of four
        if vd == 0 and target.has("ldmatrix"):
            return [dst.lane[0], dst.lane[1]]
        if vs == 0 and target.has("stmatrix"):
            return [src.lane[0], src.lane[1]]
        return []
    if not target.is_nvidia or elem_bits != 16:
        return []
    if (elem_bits << vd) == 32 and target.has("ldmatrix") and len(dst.lane) >= 2:
        return [dst.lane[0], dst.lane[1]]
    if vd == 0 and target.has("ldmatrix") and len(dst.lane) >= 5 and len(dst.reg) >= 1:
        # ldmatrix.trans: lane bits 2, 3, 4 fill one 16-byte row (already low when the store's
        # vector runs along them, as in a transpose)
        if vs == 0 or (src.reg and src.reg[0] == dst.lane[2]):
            return [dst.lane[2], dst.lane[3], dst.lane[4]]
    if (elem_bits << vs) == 32 and target.has("stmatrix") and len(src.lane) >= 2:
        return [src.lane[0], src.lane[1]]
    return []


def _ds_read_tr_bits(target: Target, elem_bits: int) -> int:
    """log2 of the elements in one ds_read_b64_tr chunk (2 for b16, 3 for b8), 0 if none."""
    if not target.is_amd or target.warp_size != 64 or not target.has("ds_read_tr"):
        return 0
    return {16: 2, 8: 3}.get(elem_bits, 0)


def ds_read_tr_instruction(
    cr: Sequence[int], cl: Sequence[int], cw: Sequence[int], elem_bits: int, target: Target
) -> str | None:
    """``ds_read_b64_tr_b16`` / ``_b8`` (gfx950) when one instruction per 64/elem_bits
    registers delivers the load.

    Within each 16-lane group, source lane ``j`` reads ``R = 64/elem_bits`` consecutive
    elements; element ``r`` of it goes to lane ``R*(j mod 16/R) + r``, register ``j // (16/R)``
    (CDNA4 ISA §11.4 as Triton lowers it, checked against its gfx950 code).  In offset
    coordinates: the load's lane bits ``0..log2 R - 1`` are offset bits ``0..``, and every other
    register, lane and warp bit leaves those offset bits alone, so each source lane's chunk is
    contiguous and aligned; registers ``k*R .. k*R+R-1`` form one instruction.
    """
    k = _ds_read_tr_bits(target, elem_bits)
    if not k or len(cl) < 4 or len(cr) < k:
        return None
    if any(cl[i] != 1 << i for i in range(k)):
        return None
    low = (1 << k) - 1
    if any(c & low for c in list(cr) + list(cl[k:]) + list(cw)):
        return None
    return f"ds_read_b64_tr_b{elem_bits}"


def matrix_instruction(
    cr: Sequence[int], cl: Sequence[int], cw: Sequence[int], elem_bits: int, store: bool, target: Target
) -> str | None:
    """``stmatrix``/``ldmatrix`` (``.x1/.x2/.x4``, ``.trans``) when the side's map to scratch
    offsets (coords of register, lane, warp bits) divides by the instruction tile.  32-bit
    elements move as b16 pairs (Triton's fp32 ld/stmatrix): one element per register, lane
    bits 0, 1 fill a 16-byte row of four, no ``.trans``."""
    if not target.is_nvidia or elem_bits not in (16, 32) or len(cl) < 5:
        return None
    if store and not target.has("stmatrix"):
        return None
    if not store and not target.has("ldmatrix"):
        return None
    name = "stmatrix" if store else "ldmatrix"
    regs = len(cr)
    if elem_bits == 32:
        rest = list(cr) + list(cl[2:]) + list(cw)
        if cl[0] == 1 and cl[1] == 2 and all(c & 3 == 0 for c in rest):
            return f"{name}.x{min(4, 1 << regs)}"
        return None
    row = 7  # offset bits inside one 16-byte row of 8 halves
    # non-transposed: register bit 0 and lane bits 0, 1 fill the row, the rest addresses rows
    if regs >= 1 and cr[0] == 1 and cl[0] == 2 and cl[1] == 4:
        rest = list(cr[1:]) + list(cl[2:]) + list(cw)
        if all(c & row == 0 for c in rest):
            x = min(4, 1 << max(0, regs - 1))
            return f"{name}.x{x}"
    # transposed: lane bits 2, 3, 4 fill the row
    if cl[2] == 1 and cl[3] == 2 and cl[4] == 4 and regs >= 1:
        rest = list(cr) + list(cl[:2]) + list(cw)
        if all(c & row == 0 for c in rest):
            x = min(4, 1 << max(0, regs - 1))
            return f"{name}.x{x}.trans"
    return None


def _vector_order(
    regs: tuple[int, ...], columns: list[int], vbits: int
) -> tuple[list[int], NDArray[np.int64]] | None:
    """(register bit indices forming the vector, register order putting them lowest) or None."""
    import numpy as np

    bits: list[int] = []
    for j in range(vbits):
        if columns[j] not in regs:
            return None
        bits.append(regs.index(columns[j]))
    rest = [i for i in range(len(regs)) if i not in bits]
    k = np.arange(1 << len(regs))
    order = np.zeros_like(k)
    for pos, b in enumerate(bits + rest):
        order |= ((k >> pos) & 1) << b
    return bits, order


def _instr_name(target: Target, store: bool, vec: int, elem_bits: int) -> str:
    bits = vec * elem_bits
    if target.is_amd:
        return f"ds_write_b{bits}" if store else f"ds_read_b{bits}"
    op = "st.shared" if store else "ld.shared"
    if vec == 1:
        return f"{op}.b{elem_bits}"
    return f"{op}.v{vec}.b{elem_bits}"


def _aligned(reg_coords: list[int], other_coords: list[int], vec: int) -> bool:
    """Registers ``k*vec ..`` sit at consecutive aligned offsets: the first log2(vec) register
    bits are offset bits 0.., every other hardware bit leaves those offset bits alone."""
    vb = _log2(vec)
    if len(reg_coords) < vb or any(reg_coords[i] != 1 << i for i in range(vb)):
        return False
    low = vec - 1
    return all(c & low == 0 for c in list(reg_coords[vb:]) + list(other_coords))


def _permuted(
    regs: tuple[int, ...], columns: list[int], vbits: int, cr: list[int], other: list[int]
) -> tuple[int, NDArray[np.int64] | None]:
    """Vector width and register order when the vector may be any registers."""
    found = _vector_order(regs, columns, vbits)
    if found is None:
        return 1, None
    bits, order = found
    if any(cr[b] != 1 << j for j, b in enumerate(bits)):
        return 1, None
    low = (1 << vbits) - 1
    rest = [cr[i] for i in range(len(cr)) if i not in bits] + list(other)
    if any(c & low for c in rest):
        return 1, None
    if bits == list(range(vbits)):
        return 1 << vbits, None  # already the leading registers: no permutation needed
    return 1 << vbits, order


def _in_order(
    cr: list[int], order: NDArray[np.int64] | None, regs: tuple[int, ...], columns: list[int], vbits: int
) -> list[int]:
    """Register-bit coordinates with the vector's bits first when ``order`` permutes them."""
    if order is None:
        return cr
    bits = [regs.index(columns[j]) for j in range(vbits)]
    return [cr[b] for b in bits] + [cr[i] for i in range(len(cr)) if i not in bits]


def shared_plan_steps(prob: Problem, design: SharedDesign) -> tuple[list[Step], int] | None:
    """The steps and scratch size (elements) of ``design`` for ``prob``; ``None`` when rounds
    could not be separated by register (then the caller retries with one round)."""
    import numpy as np

    src, dst, target, elem_bits = prob.src, prob.dst, prob.target, prob.elem_bits
    sw = design.swizzle
    cs = Span(sw.columns)
    nb = sw.offset_bits
    mask = (1 << nb) - 1

    def coords(v: int) -> int:
        if v == 0:
            return 0
        c = cs.express(v)
        if c is None:
            raise LayoutError("planner bug: an element lies outside the scratch space")  # pragma: no cover
        return c

    s_cr = [coords(v) for v in src.reg]
    s_cl = [coords(v) for v in src.lane]
    s_cw = [coords(v) for v in src.warp]
    d_cr = [coords(v) for v in dst.reg]
    d_cl = [coords(v) for v in dst.lane]
    d_cw = [coords(v) for v in dst.warp]
    if any(c >> nb for c in s_cl + s_cw + d_cl + d_cw):
        return None
    dt = np.int32 if len(sw.columns) < 31 else np.int64
    # lane/warp coordinates have no round bits (checked above): split rounds off the registers
    rs_t, rd_t = xor_table(s_cr), xor_table(d_cr)
    s_round, d_round = rs_t >> nb, rd_t >> nb

    def wl_table(cw: list[int], cl: list[int]) -> NDArray[Any]:
        return xor_table(cw).astype(dt)[:, None] ^ xor_table(cl).astype(dt)[None, :]

    wl_s, wl_d = wl_table(s_cw, s_cl), wl_table(d_cw, d_cl)
    rlow_s, rlow_d = (rs_t & mask).astype(dt), (rd_t & mask).astype(dt)
    # src copies stored once: skip any index with a broadcast bit set (-1 = all bits set, so
    # OR-ing a {0, -1} mask marks the skipped entries)
    def neg(bases: Sequence[int]) -> NDArray[Any] | None:
        free = sum(1 << k for k, v in enumerate(bases) if v == 0)
        if not free:
            return None
        table: NDArray[Any] = np.where((np.arange(1 << len(bases)) & free) != 0, dt(-1), dt(0))
        return table

    skip_w, skip_l, skip_r = neg(src.warp), neg(src.lane), neg(src.reg)
    skip_wl = None
    if skip_w is not None or skip_l is not None:
        skip_wl = np.zeros(wl_s.shape, dtype=dt)
        if skip_w is not None:
            skip_wl |= skip_w[:, None]
        if skip_l is not None:
            skip_wl |= skip_l[None, :]

    def offsets(
        wl: NDArray[Any], rlow: NDArray[Any], keep_r: NDArray[Any] | None, skip_wl_: NDArray[Any] | None
    ) -> NDArray[Any]:
        """(warps, lanes, regs) offsets, -1 where ``keep_r`` is -1 or ``skip_wl_`` is -1."""
        out: NDArray[Any] = wl[:, :, None] ^ rlow[None, None, :]
        if keep_r is not None:
            np.bitwise_or(out, keep_r[None, None, :], out=out)
        if skip_wl_ is not None:
            np.bitwise_or(out, skip_wl_[:, :, None], out=out)
        return out

    vs = 1 << sw.store_vec_bits
    vd = 1 << sw.load_vec_bits
    s_order = d_order = None
    if design.permute:
        vs, s_order = _permuted(src.reg, sw.columns, sw.store_vec_bits, s_cr, s_cl + s_cw)
        vd, d_order = _permuted(dst.reg, sw.columns, sw.load_vec_bits, d_cr, d_cl + d_cw)
    else:
        if not _aligned(s_cr, s_cl + s_cw, vs):
            vs = 1
        if not _aligned(d_cr, d_cl + d_cw, vd):
            vd = 1
    # ld/stmatrix tiles are read in the vectors' register order (``regs``)
    s_cro = _in_order(s_cr, s_order, src.reg, sw.columns, sw.store_vec_bits)
    d_cro = _in_order(d_cr, d_order, dst.reg, sw.columns, sw.load_vec_bits)
    st_instr = (
        matrix_instruction(s_cro, s_cl, s_cw, elem_bits, True, target) if vs * elem_bits < 128 else None
    )
    ld_instr = (
        matrix_instruction(d_cro, d_cl, d_cw, elem_bits, False, target) if vd * elem_bits < 128 else None
    )
    if ld_instr is None and vd == 1:
        ld_instr = ds_read_tr_instruction(d_cr, d_cl, d_cw, elem_bits, target)
    st_name = st_instr or _instr_name(target, True, vs, elem_bits)
    ld_name = ld_instr or _instr_name(target, False, vd, elem_bits)
    if target.is_amd:
        bar = "s_barrier"
    else:
        bar = "bar.warp.sync" if design.warp_sync else "bar.sync"
    steps: list[Step] = []
    rounds = 1 << len(sw.reps)
    for k in range(rounds):
        if k:
            steps.append(Barrier(bar))
        keep_s, keep_d = skip_r, None
        if rounds > 1:
            keep_s = np.where(s_round == k, dt(0), dt(-1))
            if skip_r is not None:
                keep_s |= skip_r
            keep_d = np.where(d_round == k, dt(0), dt(-1))
        so = offsets(wl_s, rlow_s, keep_s, skip_wl)
        lo = offsets(wl_d, rlow_d, keep_d, None)
        steps.append(_paired(SharedStore(so, vs, instruction=st_name, regs=s_order), target, elem_bits))
        steps.append(Barrier(bar))
        steps.append(_paired(SharedLoad(lo, vd, instruction=ld_name, regs=d_order), target, elem_bits))
    return steps, 1 << nb


def _paired(step: SharedStore | SharedLoad, target: Target, elem_bits: int) -> SharedStore | SharedLoad:
    """``step`` as AMD ``ds_write2_bN``/``ds_read2_bN`` (``group=2``) when its vectors pair up:
    every pair at one lane- and warp-independent distance (one base address, two 8-bit
    immediate offsets in vector units), same lanes active; else ``step`` unchanged."""
    import numpy as np

    bits = step.vec * elem_bits
    if not target.is_amd or bits not in (32, 64) or "_tr_" in (step.instruction or ""):
        return step
    off = step.offset
    R = off.shape[-1]
    order = np.arange(R) if step.regs is None else step.regs
    nv = R // step.vec
    if nv % 2:
        return step
    base = off[..., order].reshape(off.shape[:-1] + (nv, step.vec))[..., 0]  # (W, L, vectors)
    flat = base.reshape(-1, nv)
    active = flat >= 0
    if not active.any(0).all():
        return step  # a vector no lane issues: leave the step as it is
    first = active.argmax(0)
    ref = flat[first, np.arange(nv)]
    sig = np.where(active, flat - ref[None, :], -1)
    buckets: dict[bytes, list[int]] = {}
    for v in range(nv):
        buckets.setdefault(sig[:, v].tobytes() + active[:, v].tobytes(), []).append(v)
    pairs: list[int] = []
    for vs in buckets.values():
        if len(vs) % 2:
            return step
        vs = sorted(vs, key=lambda v: ref[v])
        for a, b in zip(vs[::2], vs[1::2]):
            if (ref[b] - ref[a]) // step.vec > 255:
                return step
            pairs += [a, b]
    vec_regs = order.reshape(nv, step.vec)
    new_order = vec_regs[pairs].reshape(-1)
    regs = None if (new_order == np.arange(R)).all() else new_order
    name = ("ds_write2_b" if isinstance(step, SharedStore) else "ds_read2_b") + str(bits)
    fields: dict[str, Any] = dict(offset=off, vec=step.vec, instruction=name, regs=regs, group=2)
    if isinstance(step, SharedStore):
        fields["block"] = step.block
    return type(step)(**fields)
