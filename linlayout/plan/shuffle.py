"""Register plans (``Copy``) and warp-shuffle plans for conversions inside one warp.

Write the conversion restricted to one warp as ``C(r, l) = (A r ^ B l, E r ^ F l)``: dst
register ``r`` of lane ``l`` holds the element that src keeps in register ``A r ^ B l`` of lane
``E r ^ F l``.  Pick a bijection ``F'`` of the lanes close to ``F`` and set ``G = F ^ F'``; then
lane ``l`` reads its register ``r`` from lane ``F' l ^ u`` with ``u = E r ^ G l``.  One shuffle
round per ``u`` in ``span(E) + span(G)``: every lane reads from exactly one lane per round and
every sender's slots are well defined because ``F'`` is invertible.  When ``F' = 1`` the round
``u = 0`` stays in the lane (a ``Copy``).

For a register/lane bit permutation made of ``m`` disjoint transpositions (Triton's
``getWarpLayoutConvertDecomposition`` with ``P_lane = 1``) this is ``2^m - 1`` rounds of
``R / 2^m`` values — the ``(1 - 2^-m) R`` shuffles of the select/shuffle-xor/select
factorisation, but only the values that move are sent (the one-directional variant), for any
``m`` (Triton stops at ``m = 1``).  8/16-bit values are packed four/two to a 32-bit shuffle.

>>> # plan_conversion(src, dst, "sm_80") on a register<->lane swap gives kind "warp_shuffle"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._gf2 import Span
from .classify import Conversion, xor_table
from .ir import Copy, Shuffle, Step

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..targets import Target

__all__ = ["register_plan_steps", "shuffle_design", "shuffle_plan_steps", "triton_factorisation"]


def _mats(conv: Conversion) -> tuple[list[int], list[int], list[int], list[int]]:
    A = [c[0] for c in conv.of("register")]
    E = [c[1] for c in conv.of("register")]
    B = [c[0] for c in conv.of("lane")]
    F = [c[1] for c in conv.of("lane")]
    return A, B, E, F


def register_plan_steps(conv: Conversion) -> list[Step]:
    """One ``Copy``: out register ``r`` of lane ``l`` takes src register ``A r ^ B l``."""
    import numpy as np

    A, B, _, _ = _mats(conv)
    reg_map = xor_table(B)[:, None] ^ xor_table(A)[None, :]
    return [Copy(np.ascontiguousarray(reg_map))]


def _bijection(F: list[int], nl: int, prefer: list[int]) -> list[int]:
    """Columns of an invertible lane map agreeing with F where F's columns are independent;
    the other columns are filled from ``prefer`` (then unit vectors)."""
    s = Span()
    cols: list[int] = [0] * nl
    todo = []
    for k, f in enumerate(F):
        if f and s.add(f):
            cols[k] = f
        else:
            todo.append(k)
    for k in todo:
        for c in prefer + [1 << k] + [1 << j for j in range(nl)]:
            if c and s.add(c):
                cols[k] = c
                break
    return cols


def shuffle_design(conv: Conversion, elem_bits: int) -> dict[str, Any]:
    """Choose ``F'`` and return the round structure with its estimated counts."""
    A, B, E, F = _mats(conv)
    nl = len(F)
    e_basis = Span([e for e in E if e], False).inserted()
    best: dict[str, Any] = {}
    for prefer in ([], e_basis):
        Fp = _bijection(F, nl, prefer)
        G = [f ^ fp for f, fp in zip(F, Fp)]
        rounds = Span([v for v in E + G if v]).dim
        identity = all(fp == 1 << k for k, fp in enumerate(Fp))
        ker_e = len(E) - Span([e for e in E if e]).dim
        zeros = sum(1 for a, e in zip(A, E) if a == 0 and e == 0)
        slots = 1 << max(0, ker_e - zeros)
        words = -(-slots * elem_bits // 32)
        nrounds = (1 << rounds) - (1 if identity else 0)
        est = {
            "Fp": Fp,
            "G": G,
            "E": E,
            "rounds": rounds,
            "identity": identity,
            "shuffles": nrounds * words,
            "slots": slots,
            "selects": 2 * nrounds * slots * max(1, elem_bits // 32) if (any(G) or any(B) or any(E)) else 0,
        }
        if not best or est["shuffles"] < best["shuffles"]:
            best = est
    return best


def shuffle_plan_steps(conv: Conversion, design: dict[str, Any]) -> list[Step]:
    """The ``Copy``/``Shuffle`` steps of the design (see the module docstring)."""
    import numpy as np

    A, B, E, F = _mats(conv)
    Fp, G = design["Fp"], design["G"]
    At, Bt, Et = xor_table(A), xor_table(B), xor_table(E)
    Fpt, Gt = xor_table(Fp), xor_table(G)
    L = len(Fpt)
    lanes = np.arange(L)
    inv = np.empty(L, dtype=np.int64)
    inv[Fpt] = lanes
    ubasis = Span([v for v in E + G if v], False).inserted()
    steps: list[Step] = []
    copy_map = None
    for u in xor_table(ubasis):
        match = Et[None, :] == (int(u) ^ Gt)[:, None]  # (L, Rd): receiver l gets r this round
        if not match.any():
            continue
        counts = match.sum(1)
        K = int(counts.max())
        order = np.argsort(~match, axis=1, kind="stable")[:, :K]
        recv = np.where(np.arange(K)[None, :] < counts[:, None], order, -1)
        srcreg = np.where(recv >= 0, At[np.maximum(recv, 0)] ^ Bt[:, None], -1)
        if u == 0 and design["identity"]:
            copy_map = np.full((L, len(Et)), -1, dtype=np.int64)
            li, vi = np.nonzero(recv >= 0)
            copy_map[li, recv[li, vi]] = srcreg[li, vi]
            continue
        src_lane = Fpt ^ int(u)
        send = np.full((L, K), -1, dtype=np.int64)
        send[src_lane] = srcreg  # sender s = F' l ^ u serves receiver l
        steps.append(Shuffle(src_lane, send, recv))
    if copy_map is not None:
        steps.insert(0, Copy(copy_map))
    del inv
    return steps


# ---------------------------------------------------------------------------------------
# Triton's factorisation, for comparison (shuffle counts of transferWithinWarp)


def triton_factorisation(conv: Conversion, elem_bits: int) -> dict[str, Any] | None:
    """Triton's ``getWarpLayoutConvertDecomposition`` counts for a register/lane bit
    permutation: ``m`` mixed transpositions, whether ``P_lane`` is the identity, ``nPack``
    and the shuffle count ``(1 - 2^-m) R`` (``R`` when ``P_lane`` is not the identity) with
    ``R`` the packed 32-bit register count.  None when the conversion is not a permutation
    of register and lane bits (broadcast, different register counts, non-unit bases)."""
    A, B, E, F = _mats(conv)
    nr, nl = len(A), len(B)
    if len(conv.src.reg) != nr:
        return None
    # P on bits: index 0..nr-1 registers, nr..nr+nl-1 lanes; dst bit -> src bit
    perm = {}
    for j in range(nr):
        a, e = A[j], E[j]
        if (a and e) or (a == 0 and e == 0) or (a & (a - 1)) or (e & (e - 1)):
            return None
        perm[j] = (a.bit_length() - 1) if a else nr + e.bit_length() - 1
    for k in range(nl):
        b, f = B[k], F[k]
        if (b and f) or (b == 0 and f == 0) or (b & (b - 1)) or (f & (f - 1)):
            return None
        perm[nr + k] = (b.bit_length() - 1) if b else nr + f.bit_length() - 1
    if sorted(perm.values()) != list(range(nr + nl)):
        return None
    # walk cycles; each maximal run of lane bits inside a mixed cycle gives one transposition
    seen = set()
    m = 0
    p_lane_identity = True
    for start in range(nr + nl):
        if start in seen:
            continue
        cyc = []
        x = start
        while x not in seen:
            seen.add(x)
            cyc.append(x)
            x = perm[x]
        is_lane = [c >= nr for c in cyc]
        if all(is_lane):
            if len(cyc) > 1:
                p_lane_identity = False
            continue
        if not any(is_lane):
            continue
        # rotate so the cycle starts at a register bit
        i0 = is_lane.index(False)
        cyc = cyc[i0:] + cyc[:i0]
        is_lane = is_lane[i0:] + is_lane[:i0]
        runs = 0
        i = 0
        while i < len(cyc):
            if is_lane[i]:
                run = 0
                while i < len(cyc) and is_lane[i]:
                    run += 1
                    i += 1
                runs += 1
                if run > 1:
                    p_lane_identity = False
            else:
                i += 1
        m += runs
    n_pack = min((32 // elem_bits).bit_length() - 1 if elem_bits < 32 else 0, nr - m)
    n_pack = max(0, min(n_pack, 2))
    R = (1 << nr) >> n_pack
    if elem_bits == 64:
        R *= 2
    shuffles = (R - (R >> m)) if p_lane_identity else R
    return {"m": m, "p_lane_identity": p_lane_identity, "n_pack": n_pack, "R": R, "shuffles": shuffles}


# ---------------------------------------------------------------------------------------
# AMD v_permlane16/32_swap


def out_sources(
    steps: Sequence[Step], lanes: int, dst_regs: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    """``(lane, reg)`` arrays ``(lanes, dst_regs)``: the src lane and register each out
    register takes under ``steps`` (Copy and Shuffle only; -1 where none writes it)."""
    import numpy as np

    sl = np.full((lanes, dst_regs), -1, dtype=np.int64)
    sr = np.full((lanes, dst_regs), -1, dtype=np.int64)
    for s in steps:
        if isinstance(s, Copy):
            li, ri = np.nonzero(s.reg_map >= 0)
            sl[li, ri], sr[li, ri] = li, s.reg_map[li, ri]
        elif isinstance(s, Shuffle):
            li, vi = np.nonzero(s.recv >= 0)
            src = s.src_lane[li]
            sl[li, s.recv[li, vi]], sr[li, s.recv[li, vi]] = src, s.send[src, vi]
        else:
            return None
    return sl, sr


def permlane_swap_ok(steps: Sequence[Step], lanes: int, dst_regs: int, elem_bits: int, half: int) -> bool:
    """Whether ``steps`` (a Copy and one Shuffle reading lane ``l ^ half``) are exactly AMD
    ``v_permlane{half}_swap`` on register pairs: every out register is ``P(x, y)`` (lanes with
    bit ``half`` clear keep src ``x``, the others take the partner's ``y``) or ``Q(x, y)``
    (clear lanes take the partner's ``x``, the others keep ``y``), with ``x``, ``y`` the same
    in every lane, and 8/16-bit registers sharing a 32-bit word move together."""
    import numpy as np

    shuffles = [s for s in steps if isinstance(s, Shuffle)]
    if len(shuffles) != 1 or half >= lanes:
        return False
    lane = np.arange(lanes)
    if not (shuffles[0].src_lane == lane ^ half).all():
        return False
    got = out_sources(steps, lanes, dst_regs)
    if got is None:
        return False
    sl, sr = got
    if (sl < 0).any():
        return False
    hi = (lane & half) != 0
    own = sl == lane[:, None]
    if not ((sl == lane[:, None]) | (sl == (lane ^ half)[:, None])).all():
        return False
    x_lo, x_hi = sr[~hi], sr[hi]
    # one src register per out register on each half, lane-independent
    if not ((x_lo == x_lo[:1]).all() and (x_hi == x_hi[:1]).all()):
        return False
    own_lo, own_hi = own[~hi], own[hi]
    if not ((own_lo == own_lo[:1]).all() and (own_hi == own_hi[:1]).all()):
        return False
    p_type, q_type = own_lo[0] & ~own_hi[0], ~own_lo[0] & own_hi[0]
    if not (p_type | q_type).all():
        return False
    pack = max(1, 32 // elem_bits)
    if pack > 1:
        o = np.arange(dst_regs)
        x, y = x_lo[0], x_hi[0]
        if ((x % pack) != (o % pack)).any() or ((y % pack) != (o % pack)).any():
            return False
        for arr in (x // pack, y // pack, p_type):
            if not (arr.reshape(-1, pack) == arr.reshape(-1, pack)[:, :1]).all():
                return False
    return True


def annotate_permlane(
    steps: list[Step], target: Target, lanes: int, dst_regs: int, elem_bits: int
) -> list[Step]:
    """The steps with their Shuffle marked ``v_permlane32_swap``/``v_permlane16_swap`` where
    the target has it and the steps are exactly that swap (``permlane_swap_ok``)."""
    from dataclasses import replace

    for half, name in ((32, "permlane32_swap"), (16, "permlane16_swap")):
        if target.is_amd and target.has(name) and permlane_swap_ok(steps, lanes, dst_regs, elem_bits, half):
            return [replace(s, instruction=f"v_{name}") if isinstance(s, Shuffle) else s for s in steps]
    return steps
