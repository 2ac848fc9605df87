"""CUDA C++ for conversion plans and layouts.

:func:`emit_plan` turns a :class:`~linlayout.plan.ConversionPlan` into a ``__device__``
function that performs it inside a kernel: register renames and lane-dependent selects
(``Copy``), ``__shfl_sync`` rounds with their selects (``Shuffle``; 8- and 16-bit elements
packed into 32-bit shuffles), vectorised swizzled ``st.shared``/``ld.shared`` with the
plan's vector width, in the step's register order (``regs``) and ``ldmatrix``/``stmatrix``
where annotated (``SharedStore``/``SharedLoad``; distributed shared memory through
cooperative groups for cluster plans), barriers, and gather plans (``GatherShuffle`` rounds
with id compares, index-addressed ``GatherLoad``).  Shared accesses take one base offset per
distinct linear part plus immediate offsets (``smem + base + imm``), as Triton's lowering
does; skipped accesses get a predicate computed from ``lane`` and ``warp`` (a bit cube, a
warp mask or per-warp lane masks), never a table.  Everything per-lane becomes an XOR-affine
expression of ``lane`` and ``warp`` (layouts are linear); only a non-affine offset or source
lane, which no planner plan of the stored real kernels has, falls back to a lookup table.
Data moves as unsigned integers of the element width (``elem_t``); bit-cast your values.

:func:`emit_layout_index` gives a layout's index function (tensor coordinates from
register, lane, warp and block), :func:`emit_check_kernel` a complete ``__global__``
kernel (global load → conversion → global store) used by the hardware check script, and
:func:`emit_ids_kernel` one shaped like Triton's one-conversion module (for SASS
comparisons with Triton's cubin).

>>> import linlayout as ll                                    # doctest: +SKIP
>>> print(emit_plan(ll.plan_conversion(src, dst, "sm_90")))   # doctest: +SKIP
"""

from __future__ import annotations

from ..errors import LayoutError

__all__ = ["emit_plan", "emit_layout_index", "emit_check_kernel", "emit_ids_kernel", "elem_type"]

_ELEM = {8: "unsigned char", 16: "unsigned short", 32: "unsigned int", 64: "unsigned long long"}
_VEC = {1: "unsigned char", 2: "unsigned short", 4: "unsigned int", 8: "uint2", 16: "uint4"}


def elem_type(elem_bits: int) -> str:
    """The unsigned C type the emitted code moves elements as."""
    if elem_bits not in _ELEM:
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    return _ELEM[elem_bits]


# --------------------------------------------------------------------------- small emitters


def _lane_mask_hex(mask: int, lanes: int) -> str:
    return f"0x{mask:0{lanes // 4}x}ull" if lanes > 32 else f"0x{mask:08x}u"


def _affine(values) -> tuple[int, list[int]] | None:
    """``values[i] == c ^ XOR(b_j for bit j of i)`` for all i?  Returns (c, [b_j])."""
    n = len(values)
    k = n.bit_length() - 1
    c = int(values[0])
    if c < 0:
        return None
    bs = [int(values[1 << j]) ^ c for j in range(k)]
    if any(int(values[1 << j]) < 0 for j in range(k)):
        return None
    # check every index: doubling
    import numpy as np

    exp = np.zeros(n, dtype=np.int64)
    exp[0] = c
    size = 1
    for b in bs:
        exp[size : 2 * size] = exp[:size] ^ b
        size *= 2
    return (c, bs) if np.array_equal(exp, np.asarray(values, dtype=np.int64)) else None


def _xor_expr(var: str, bases: list[int]) -> str:
    """C expression of XOR over the set bits of ``var`` of ``bases`` (runs become shifts)."""
    terms = []
    j = 0
    while j < len(bases):
        b = bases[j]
        if b == 0:
            j += 1
            continue
        if b & (b - 1) == 0:
            k = b.bit_length() - 1
            n = 1
            while j + n < len(bases) and bases[j + n] == b << n:
                n += 1
            field = f"(({var} >> {j}) & {(1 << n) - 1})" if j else f"({var} & {(1 << n) - 1})"
            terms.append(f"({field} << {k})" if k else field)
            j += n
        else:
            terms.append(f"(-(({var} >> {j}) & 1) & {b})")
            j += 1
    return " ^ ".join(terms) if terms else "0"


class _Ctx:
    def __init__(self, plan):
        self.plan = plan
        self.lanes = plan.lanes
        self.warps = plan.warps
        self.blocks = plan.blocks
        self.tables: list[str] = []
        self.ntab = 0
        self.nstep = 0

    def table(self, values, ctype: str = "int") -> str:
        name = f"_ll_tab{self.ntab}"
        self.ntab += 1
        vals = ", ".join(str(int(v)) for v in values)
        self.tables.append(f"static __device__ const {ctype} {name}[{len(values)}] = {{{vals}}};")
        return name


def _select_assign(lines, ind, dst: str, choices: dict, lanes: int, src_fmt: str) -> None:
    """``dst = src[k]`` in the lanes of each choice's mask (choices: k -> lane mask)."""
    full = (1 << lanes) - 1
    items = sorted(choices.items(), key=lambda kv: -bin(kv[1]).count("1"))
    for idx, (k, m) in enumerate(items):
        if m == full:
            lines.append(f"{ind}{dst} = {src_fmt.format(k)};")
        elif idx == 0 and sum(mm for _, mm in items) == full and len(items) == 2:
            k2, m2 = items[1]
            lines.append(
                f"{ind}{dst} = ((({_lane_mask_hex(m2, lanes)} >> lane) & 1) ? {src_fmt.format(k2)} : "
                f"{src_fmt.format(k)});"
            )
            return
        else:
            lines.append(f"{ind}if (({_lane_mask_hex(m, lanes)} >> lane) & 1) {dst} = {src_fmt.format(k)};")


def _choices(col) -> dict:
    ch: dict[int, int] = {}
    for lane, k in enumerate(col):
        k = int(k)
        if k >= 0:
            ch[k] = ch.get(k, 0) | (1 << lane)
    return ch


# --------------------------------------------------------------------------- steps


def _emit_copy(step, ctx, lines, ind):
    import numpy as np

    rm = np.asarray(step.reg_map)
    if rm.ndim == 1:
        rm = np.broadcast_to(rm, (ctx.lanes, rm.shape[0]))
    for r in range(rm.shape[1]):
        ch = _choices(rm[:, r])
        if ch:
            _select_assign(lines, ind, f"out[{r}]", ch, ctx.lanes, "src[{}]")


def _emit_shuffle(step, ctx, lines, ind, elem_bits, nshfl):
    import numpy as np

    lanes = ctx.lanes
    src_lane = np.asarray(step.src_lane).reshape(-1)
    send = np.asarray(step.send)
    recv = np.asarray(step.recv)
    if send.ndim == 1:
        send = send.reshape(lanes, -1)
        recv = recv.reshape(lanes, -1)
    nslots = send.shape[1]
    diffs = {int(src_lane[l]) ^ l for l in range(lanes)}
    aff = _affine(src_lane)
    if len(diffs) == 1:
        shfl = f"__shfl_xor_sync(0xffffffffu, {{}}, {diffs.pop()})"
    else:
        if aff is not None:
            c, bs = aff
            expr = _xor_expr("lane", bs)
            lines.append(f"{ind}const int sl{nshfl} = {c} ^ {expr};")
        else:
            tab = ctx.table(src_lane)
            lines.append(f"{ind}const int sl{nshfl} = {tab}[lane];")
        shfl = f"__shfl_sync(0xffffffffu, {{}}, sl{nshfl})"
    per_word = max(1, 32 // elem_bits)
    for w0 in range(0, nslots, per_word):
        slots = list(range(w0, min(nslots, w0 + per_word)))
        if elem_bits >= 32:
            v = slots[0]
            lines.append(f"{ind}{{ elem_t s = 0;")
            _select_assign(lines, ind + "  ", "s", _choices(send[:, v]), lanes, "src[{}]")
            lines.append(f"{ind}  elem_t r = {shfl.format('s')};")
            for k, m in _choices(recv[:, v]).items():
                _select_assign(lines, ind + "  ", f"out[{k}]", {0: m}, lanes, "r")
            lines.append(f"{ind}}}")
        else:
            lines.append(f"{ind}{{ unsigned int s = 0;")
            for p, v in enumerate(slots):
                lines.append(f"{ind}  {{ elem_t e = 0;")
                _select_assign(lines, ind + "    ", "e", _choices(send[:, v]), lanes, "src[{}]")
                lines.append(f"{ind}    s |= (unsigned int)e << {p * elem_bits}; }}")
            lines.append(f"{ind}  unsigned int r = {shfl.format('s')};")
            for p, v in enumerate(slots):
                val = f"(elem_t)(r >> {p * elem_bits})"
                for k, m in _choices(recv[:, v]).items():
                    _select_assign(lines, ind + "  ", f"out[{k}]", {0: m}, lanes, val)
            lines.append(f"{ind}}}")


def _fit_affine(values, valid=None) -> tuple[int, list[int]] | None:
    """``(c, b)`` with ``values[i] == c ^ XOR(b_j for bit j of i)`` wherever ``valid[i]`` (bases of
    bits that no valid index needs are 0), or None when no affine map fits."""
    import numpy as np

    from .._gf2 import Echelon

    vals = np.asarray(values, dtype=np.int64).reshape(-1)
    n = len(vals)
    k = n.bit_length() - 1
    if valid is None or bool(np.all(valid)):
        return _affine(vals)
    idx = np.nonzero(np.asarray(valid).reshape(-1))[0]
    if not len(idx):
        return None
    x0, y0 = int(idx[0]), int(vals[idx[0]])
    ech, ys = Echelon(), []
    for x in idx[1:]:
        d, y = int(x) ^ x0, int(vals[x]) ^ y0
        combo = ech.solve(d)
        if combo is None:
            ech.add(d)
            ys.append(y)
            continue
        pred = 0
        for j in range(len(ys)):
            if combo >> j & 1:
                pred ^= ys[j]
        if pred != y:
            return None
    bases = []
    for j in range(k):
        combo = ech.solve(1 << j)
        b = 0
        if combo is not None:
            for i in range(len(ys)):
                if combo >> i & 1:
                    b ^= ys[i]
        bases.append(b)
    c = y0
    for j in range(k):
        if x0 >> j & 1:
            c ^= bases[j]
    return c, bases


def _mask_pred(valid, lanes: int, warps: int) -> str | None:
    """A C condition true exactly in the (warp, lane) threads where ``valid`` (index
    ``warp * lanes + lane``) is set, computed from ``lane`` and ``warp`` (no tables); None when
    every thread is valid, ``"false"`` when none is."""
    import numpy as np

    v = np.asarray(valid, dtype=bool).reshape(warps, lanes)
    if v.all():
        return None
    if not v.any():
        return "false"
    # a cube {x : x & m == val}?
    idx = np.nonzero(v.reshape(-1))[0]
    same = ~0
    for x in idx:
        same &= ~(int(x) ^ int(idx[0]))
    lb = lanes.bit_length() - 1
    full = warps * lanes - 1
    m = same & full
    if len(idx) == (full + 1) >> bin(m).count("1"):
        val = int(idx[0]) & m
        parts = []
        ml, mw = m & (lanes - 1), m >> lb
        if ml:
            parts.append(f"(lane & {ml}) == {val & (lanes - 1)}")
        if mw:
            parts.append(f"(warp & {mw}) == {val >> lb}")
        return " && ".join(parts)
    lane_masks = [sum(1 << i for i in range(lanes) if v[w, i]) for w in range(warps)]
    if len(set(lane_masks)) == 1:
        return f"(({_lane_mask_hex(lane_masks[0], lanes)} >> lane) & 1)"
    if all(mk in (0, (1 << lanes) - 1) for mk in lane_masks):
        wm = sum(1 << w for w in range(warps) if lane_masks[w])
        return f"((0x{wm:x}ull >> warp) & 1)"
    expr = _lane_mask_hex(lane_masks[-1], lanes)
    for w in range(warps - 2, -1, -1):
        if lane_masks[w] != lane_masks[-1]:
            expr = f"(warp == {w} ? {_lane_mask_hex(lane_masks[w], lanes)} : {expr})"
    return f"(({expr} >> lane) & 1)"


def _lane_warp_expr(bases: list[int], lanes: int) -> str:
    """XOR expression of ``lane`` and ``warp`` for the bases of the bits of ``warp*lanes+lane``."""
    lb = lanes.bit_length() - 1
    parts = [e for e in (_xor_expr("lane", bases[:lb]), _xor_expr("warp", bases[lb:])) if e != "0"]
    return " ^ ".join(parts) if parts else "0"


def _offset_code(off_wl, ctx, ind, lines, var: str) -> tuple[str, str | None]:
    """C expression of the per-thread offset array ``off_wl`` (shape (warps, lanes); -1 entries
    skipped) and its predicate (None: every thread; ``"false"``: none).  Affine offsets become
    XOR expressions of ``lane`` and ``warp``; others a lookup table."""
    import numpy as np

    flat = np.asarray(off_wl).reshape(-1)  # index = warp * lanes + lane
    valid = flat >= 0
    pred = _mask_pred(valid, ctx.lanes, ctx.warps)
    if pred == "false":
        return "", "false"
    aff = _fit_affine(flat, valid)
    if aff is not None:
        c, bs = aff
        e = _lane_warp_expr(bs, ctx.lanes)
        return (f"{c} ^ {e}" if c and e != "0" else str(c) if e == "0" else e), pred
    tab = ctx.table(np.where(valid, flat, 0))
    return f"{tab}[warp * {ctx.lanes} + lane]", pred


class _Addr:
    """Base-plus-immediate addresses for a step's accesses.

    Each access's offset is ``c ^ f(lane, warp)`` with a linear ``f``; accesses sharing ``f``
    share base pointers ``smem + (f ^ lo)``, where ``lo`` is the part of ``c`` inside the bits
    ``f`` can set, and add the rest of ``c`` (``hi``) as an immediate (``f ^ lo`` and ``hi`` have
    no common bit, so XOR is addition).  So a step needs one base per distinct ``(f, lo)``, not
    one address register per access."""

    def __init__(self, ctx, lines: list[str], ind: str, ptr: str, tag: str):
        self.ctx, self.lines, self.ind, self.ptr, self.tag = ctx, lines, ind, ptr, tag
        self.bases: dict[tuple, str] = {}
        self.preds: dict[str, str] = {}

    def pred(self, cond: str | None) -> str | None:
        """A bool variable holding ``cond`` (declared once per step)."""
        if cond is None or cond == "false":
            return cond
        if cond not in self.preds:
            name = f"q{self.tag}_{len(self.preds)}"
            self.lines.append(f"{self.ind}const bool {name} = {cond};")
            self.preds[cond] = name
        return self.preds[cond]

    def access(self, off_wl) -> tuple[str, str | None] | None:
        """``(lvalue pointer expression, predicate variable)`` of one access; None when no
        thread performs it."""
        import numpy as np

        flat = np.asarray(off_wl).reshape(-1)
        valid = flat >= 0
        cond = _mask_pred(valid, self.ctx.lanes, self.ctx.warps)
        if cond == "false":
            return None
        aff = _fit_affine(flat, valid)
        if aff is None:
            tab = self.ctx.table(np.where(valid, flat, 0))
            return f"({self.ptr} + {tab}[warp * {self.ctx.lanes} + lane])", self.pred(cond)
        c, bs = aff
        span = 0
        for b in bs:
            span |= b
        lo, hi = c & span, c & ~span
        key = (tuple(bs), lo)
        if key not in self.bases:
            name = f"p{self.tag}_{len(self.bases)}"
            e = _lane_warp_expr(bs, self.ctx.lanes)
            expr = e if not lo else (f"{lo} ^ {e}" if e != "0" else str(lo))
            self.lines.append(f"{self.ind}elem_t* const {name} = {self.ptr} + ({expr});")
            self.bases[key] = name
        base = self.bases[key]
        return (f"({base} + {hi})" if hi else base), self.pred(cond)


def _order(step, regs: int):
    """The register order of a shared step: ``step.regs`` or 0, 1, ... (API.md ``regs``)."""
    import numpy as np

    r = getattr(step, "regs", None)
    if r is None:
        return np.arange(regs)
    r = np.asarray(r).reshape(-1)
    if sorted(int(x) for x in r) != list(range(regs)):
        raise LayoutError(f"plan: a shared step's regs must be a permutation of 0..{regs - 1}, "
                          f"got {r.tolist()}")
    return r


def _matrix_code(step, ctx, ind, elem_bits, store: bool) -> list[str] | None:
    """``ldmatrix``/``stmatrix`` (``.xN``, ``.trans``) for a step annotated so, or None when the
    annotation cannot be lowered (not 16-bit, cluster/per-CTA offsets, partly skipped warps).

    Lane ``l < 8N`` gives the address of row ``l % 8`` of matrix ``l // 8``; matrix ``i`` of
    instruction ``m`` is the thread's 32-bit register ``g = N*m + i`` (registers ``2g, 2g+1``
    in the step's register order).  Non-transposed, thread ``t`` holds row ``t/4``, columns
    ``2(t%4)``, ``+1``: row ``ρ`` starts at thread ``4ρ``'s register ``2g``.  Transposed,
    thread ``t`` holds rows ``2(t%4)``, ``+1`` of column ``t/4``: row ``ρ`` starts at thread
    ``ρ>>1``'s register ``2g + (ρ&1)``.
    """
    import re

    import numpy as np

    m = re.fullmatch(r"(ld|st)matrix\.x([124])(\.trans)?", step.instruction or "")
    if m is None or elem_bits != 16 or getattr(step, "block", None) is not None:
        return None
    if (m.group(1) == "st") != store:
        return None
    off = np.asarray(step.offset)
    if off.ndim != 3 or ctx.lanes != 32:
        return None
    n, trans = int(m.group(2)), m.group(3) is not None
    W, L, R = off.shape
    if R % (2 * n) or int(step.vec) != (1 if trans else 2):
        return None
    order = _order(step, R)
    off = off[:, :, order]  # register positions in the step's order
    lanes = np.arange(L)
    rho, mat = lanes % 8, (lanes // 8) % n
    op = ("ldmatrix" if not store else "stmatrix") + f".sync.aligned.m8n8.x{n}" + (".trans" if trans else "")
    op += ".shared.b16"
    out: list[str] = []
    addr = _Addr(ctx, out, ind, "smem", "m")
    for k in range(R // (2 * n)):
        g = n * k + mat
        # a warp issues the instruction whole or not at all (skipped broadcast copies)
        part = off[:, :, 2 * n * k : 2 * n * (k + 1)]
        on, off_ = (part >= 0).all(axis=(1, 2)), (part < 0).all(axis=(1, 2))
        if not (on | off_).all():
            return None
        a = off[:, rho >> 1, 2 * g + (rho & 1)] if trans else off[:, 4 * rho, 2 * g]
        acc = addr.access(np.where(on[:, None], a, -1))
        if acc is None:
            continue
        ptr, pred = acc
        out.append(f"{ind}{{" if pred is None else f"{ind}if ({pred}) {{")
        out.append(f"{ind}  const unsigned a = (unsigned)__cvta_generic_to_shared({ptr});")
        regs = [(int(order[2 * (n * k + i)]), int(order[2 * (n * k + i) + 1])) for i in range(n)]
        if store:
            for i, (r0, r1) in enumerate(regs):
                out.append(f"{ind}  const unsigned r{i} = (unsigned)src[{r0}] | ((unsigned)src[{r1}] << 16);")
            ins = ", ".join(f'"r"(r{i})' for i in range(n))
            rl = ", ".join(f"%{i + 1}" for i in range(n))
            out.append(f'{ind}  asm volatile("{op} [%0], {{{rl}}};" :: "r"(a), {ins} : "memory");')
        else:
            out.append(f"{ind}  unsigned {', '.join(f'r{i}' for i in range(n))};")
            outs = ", ".join(f'"=r"(r{i})' for i in range(n))
            rl = ", ".join(f"%{i}" for i in range(n))
            out.append(f'{ind}  asm volatile("{op} {{{rl}}}, [%{n}];" : {outs} : "r"(a) : "memory");')
            for i, (r0, r1) in enumerate(regs):
                out.append(f"{ind}  out[{r0}] = (elem_t)(r{i} & 0xffffu);")
                out.append(f"{ind}  out[{r1}] = (elem_t)(r{i} >> 16);")
        out.append(f"{ind}}}")
    return out


def _emit_shared(step, ctx, lines, ind, elem_bits, store: bool):
    mat = _matrix_code(step, ctx, ind + "  ", elem_bits, store)
    if mat is not None:
        arch = 900 if store else 750
        lines.append(f"#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= {arch}")
        lines.append(f"{ind}{{")
        lines.extend(mat)
        lines.append(f"{ind}}}")
        lines.append("#else")
        _emit_shared_plain(step, ctx, lines, ind, elem_bits, store)
        lines.append("#endif")
        return
    _emit_shared_plain(step, ctx, lines, ind, elem_bits, store)


def _emit_shared_plain(step, ctx, lines, ind, elem_bits, store: bool):
    """Vector ld/st.shared in the step's register order (``regs``); ``group`` vectors issue one
    after the other (CUDA has no two-address access).  Local scratch: base pointers plus
    immediates; cluster plans: the target CTA's scratch through cooperative groups."""
    import numpy as np

    off = np.asarray(step.offset)
    block = getattr(step, "block", None)
    vec = int(step.vec)
    nbytes = vec * elem_bits // 8
    if nbytes not in _VEC or vec < 1:
        raise LayoutError(f"plan: vector of {vec} x {elem_bits} bits is not a legal shared-memory access")
    group = int(getattr(step, "group", 1) or 1)
    if group not in (1, 2):
        raise LayoutError(f"plan: a shared step's group must be 1 or 2, got {group}")
    vt = _VEC[nbytes]
    per_block = off.ndim == 4
    regs = off.shape[-1]
    if regs % vec:
        raise LayoutError(f"plan: vector width {vec} does not divide {regs} registers")
    order = _order(step, regs)
    arr = "src" if store else "out"
    bb = None if block is None else np.asarray(block)
    if bb is not None and bb.ndim == 3:
        bb = np.broadcast_to(bb, (ctx.blocks, *bb.shape))
    if not per_block:
        off = np.broadcast_to(off, (1, *off.shape))
    nb = max(off.shape[0], 1 if bb is None else bb.shape[0])
    tag = str(ctx.nstep)
    ctx.nstep += 1
    lines.append(f"{ind}{{")
    sub = ind + "  "
    for b in range(nb):
        inner = sub
        if nb > 1:
            lines.append(f"{sub}if (rank == {b}) {{")
            inner = sub + "  "
        ob = off[min(b, off.shape[0] - 1)]
        if bb is None:
            addr = _Addr(ctx, lines, inner, "smem", f"{tag}_{b}")
        for k in range(regs // vec):
            rl = [int(x) for x in order[k * vec : (k + 1) * vec]]
            if bb is None:
                acc = addr.access(ob[:, :, rl[0]])
                if acc is None:
                    continue
                ptr, pred = acc
            else:
                expr, pred = _offset_code(ob[:, :, rl[0]], ctx, inner, lines, "o")
                if pred == "false":
                    continue
                bexpr, _ = _offset_code(bb[b, :, :, rl[0]], ctx, inner, lines, "b")
                ptr = f"(cluster_smem({bexpr}) + ({expr}))"
            _emit_vector(lines, inner, ptr, pred, arr, rl, vt, store)
        if nb > 1:
            lines.append(f"{sub}}}")
    lines.append(f"{ind}}}")


def _emit_vector(lines, ind, ptr, pred, arr, rl, vt, store):
    """One vector access of registers ``rl`` at ``ptr``, under ``pred``."""
    vec = len(rl)
    head = f"{ind}if ({pred}) " if pred else ind
    if vec == 1:
        body = f"*{ptr} = {arr}[{rl[0]}];" if store else f"{arr}[{rl[0]}] = *{ptr};"
        lines.append(head + body)
        return
    lines.append(head + "{")
    inner = ind + "  "
    lines.append(f"{inner}union {{ {vt} v; elem_t e[{vec}]; }} u;")
    if store:
        for i, r in enumerate(rl):
            lines.append(f"{inner}u.e[{i}] = {arr}[{r}];")
        lines.append(f"{inner}*reinterpret_cast<{vt}*>({ptr}) = u.v;")
    else:
        lines.append(f"{inner}u.v = *reinterpret_cast<const {vt}*>({ptr});")
        for i, r in enumerate(rl):
            lines.append(f"{inner}{arr}[{r}] = u.e[{i}];")
    lines.append(f"{ind}}}")


# --------------------------------------------------------------------------- gather


def _emit_gather_shuffle(step, ctx, lines, ind, elem_bits, nshfl, plan):
    """One round of a warp-local gather: every slot's value is shuffled in with its element id;
    each out register keeps the value whose id is the one its index names."""
    import numpy as np

    lanes = ctx.lanes
    src_lane = np.asarray(step.src_lane).reshape(-1)
    send, elem = np.asarray(step.send), np.asarray(step.elem)
    diffs = {int(src_lane[ln]) ^ ln for ln in range(lanes)}
    if len(diffs) == 1:
        d = diffs.pop()
        shfl = f"__shfl_xor_sync(0xffffffffu, {{}}, {d})" if d else "{}"
    else:
        e, _ = _offset_code(src_lane[None, :], _OneWarp(ctx), ind, lines, "l")
        lines.append(f"{ind}const int gl{nshfl} = {e};")
        shfl = f"__shfl_sync(0xffffffffu, {{}}, gl{nshfl})"
    wx = np.asarray(plan.warp_xor)[0]  # (warps,) XOR of the sender warp's part
    wexpr, _ = _offset_code(np.repeat(wx[:, None], lanes, axis=1), ctx, ind, lines, "w")
    for v in range(send.shape[1]):
        lines.append(f"{ind}{{")
        sub = ind + "  "
        ty = "elem_t" if elem_bits >= 32 else "unsigned int"
        lines.append(f"{sub}{ty} s = 0;")
        _select_assign(lines, sub, "s", _choices(send[:, v]), lanes, "src[{}]")
        lines.append(f"{sub}const elem_t r = (elem_t){shfl.format('s')};")
        got = elem[src_lane, v]  # element id arriving in each lane (warp 0), -1: none
        eexpr, epred = _offset_code(got[None, :], _OneWarp(ctx), sub, lines, "e")
        if epred != "false":
            e = f"({eexpr}) ^ ({wexpr})"
            e = f"({epred}) ? ({e}) : -1" if epred else e
            lines.append(f"{sub}const int id = {e};")
            for r in range(plan.dst_regs):
                lines.append(f"{sub}if (id == want[{r}]) out[{r}] = r;")
        lines.append(f"{ind}}}")


class _OneWarp:
    """A context view with one warp (for lane-only arrays)."""

    def __init__(self, ctx):
        self.lanes, self.warps, self.table = ctx.lanes, 1, ctx.table


def _emit_gather_want(plan, ctx, lines, ind):
    """``want[r]``: the flat src element out register ``r`` takes (axis coordinate from index)."""
    import numpy as np

    w = np.asarray(plan.want_other)
    if w.ndim == 4:
        w = w[0]
    lines.append(f"{ind}int want[{plan.dst_regs}];")
    for r in range(plan.dst_regs):
        e, _ = _offset_code(w[:, :, r], ctx, ind, lines, "t")
        lines.append(f"{ind}want[{r}] = ({e}) | (index[{r}] << {plan.axis_shift_flat});")


def _emit_gather_load(step, ctx, lines, ind, plan):
    """``out[r] = scratch[base[r] | index[r] << axis_shift]``, bases as base-plus-immediate."""
    import numpy as np

    base = np.asarray(step.base)
    lines.append(f"{ind}{{")
    addr = _Addr(ctx, lines, ind + "  ", "smem", f"g{ctx.nstep}")
    ctx.nstep += 1
    for r in range(plan.dst_regs):
        acc = addr.access(base[:, :, r])
        if acc is None:
            continue
        ptr, pred = acc
        head = f"{ind}  if ({pred}) " if pred else f"{ind}  "
        lines.append(f"{head}out[{r}] = {ptr}[index[{r}] << {int(step.axis_shift)}];")
    lines.append(f"{ind}}}")


# --------------------------------------------------------------------------- public


def emit_plan(plan, *, name: str = "convert_layout") -> str:
    """CUDA C++ source of a ``__device__`` function performing ``plan``.

    Signature: ``void name(const elem_t (&src)[S], elem_t (&out)[D], elem_t* smem)``
    where ``smem`` points to ``plan.shared_bytes`` bytes of 16-byte aligned shared memory
    (unused for register and shuffle plans); gather plans (``plan_gather``) take the index
    registers too: ``void name(const elem_t (&src)[S], const int (&index)[D], elem_t (&out)[D],
    elem_t* smem)``.  Every plan kind is emitted: permuted (``regs``) and grouped (``group``)
    shared steps, ``ldmatrix``/``stmatrix``, cluster and gather steps.  Shared accesses use one
    base pointer per distinct linear part plus immediate offsets, and skipped accesses a
    predicate computed from ``lane``/``warp`` (no tables).  Threads are ``threadIdx.x``: lane =
    ``threadIdx.x % 32``, warp = ``threadIdx.x / 32``; for cluster plans the CTA rank in
    the cluster is the block index of the layouts.
    """
    from ..plan.gather import GatherLoad, GatherPlan, GatherShuffle
    from ..plan.ir import Barrier, Copy, SharedLoad, SharedStore, Shuffle

    if not hasattr(plan, "steps") or not hasattr(plan, "kind"):
        raise LayoutError(f"plan: expected a ConversionPlan, got {type(plan).__name__}")
    if not name.isidentifier():
        raise LayoutError(f"name: {name!r} is not a C identifier")
    if plan.lanes != 32:
        raise LayoutError(f"plan: CUDA warps have 32 lanes, the plan has {plan.lanes} (an AMD target?)")
    gather = isinstance(plan, GatherPlan)
    if gather and plan.blocks > 1:
        raise LayoutError(f"plan: a gather plan over {plan.blocks} CTAs is not emitted; "
                          "plan one CTA's layouts")
    eb = plan.elem_bits
    ctx = _Ctx(plan)
    S, D = plan.src_regs, plan.dst_regs
    lines: list[str] = []
    ind = "  "
    cluster = plan.kind == "cluster" or any(getattr(s, "block", None) is not None for s in plan.steps)
    if plan.kind == "noop" and not plan.steps:
        for r in range(D):
            lines.append(f"{ind}out[{r}] = src[{r}];")
    if gather and any(isinstance(s, GatherShuffle) for s in plan.steps):
        _emit_gather_want(plan, ctx, lines, ind)
    nshfl = 0
    for step in plan.steps:
        lines.append(
            f"{ind}// {type(step).__name__}"
            + (f" ({step.instruction})" if getattr(step, "instruction", None) else "")
        )
        if isinstance(step, Copy):
            _emit_copy(step, ctx, lines, ind)
        elif isinstance(step, Shuffle):
            _emit_shuffle(step, ctx, lines, ind, eb, nshfl)
            nshfl += 1
        elif isinstance(step, SharedStore):
            _emit_shared(step, ctx, lines, ind, eb, True)
        elif isinstance(step, SharedLoad):
            _emit_shared(step, ctx, lines, ind, eb, False)
        elif isinstance(step, GatherShuffle) and gather:
            _emit_gather_shuffle(step, ctx, lines, ind, eb, nshfl, plan)
            nshfl += 1
        elif isinstance(step, GatherLoad) and gather:
            _emit_gather_load(step, ctx, lines, ind, plan)
        elif isinstance(step, Barrier):
            ins = step.instruction or ""
            if cluster or "cluster" in ins:
                lines.append(f"{ind}cg::this_cluster().sync();")
            elif "warp" in ins:
                lines.append(f"{ind}__syncwarp();")
            else:
                lines.append(f"{ind}__syncthreads();")
        else:
            raise LayoutError(f"plan: unknown step {type(step).__name__}")
    idx = f"const int (&index)[{max(D, 1)}], " if gather else ""
    head = [
        f"// linlayout conversion plan: kind={plan.kind}, elem_bits={eb}, warps={plan.warps}, "
        f"blocks={plan.blocks}" + (f", gather along axis {plan.axis}" if gather else ""),
        f"// src registers {S}, dst registers {D}, shared bytes {plan.shared_bytes}",
        f"typedef {_ELEM[eb]} elem_t;",
        *ctx.tables,
        f"__device__ __forceinline__ void {name}(const elem_t (&src)[{max(S, 1)}], {idx}"
        f"elem_t (&out)[{max(D, 1)}], elem_t* smem) {{",
        "  const int lane = threadIdx.x & 31;",
        "  const int warp = threadIdx.x >> 5;",
        "  (void)lane; (void)warp; (void)smem;",
    ]
    if cluster:
        head += [
            "  cg::cluster_group cl_ = cg::this_cluster();",
            "  const int rank = cl_.block_rank(); (void)rank;",
            "  auto cluster_smem = [&](int b) { return cl_.map_shared_rank(smem, b); };",
        ]
    else:
        head.append("  const int rank = 0; (void)rank;")
    return "\n".join(head + lines + ["}"]) + "\n"


def _no_gather(plan, fn: str) -> None:
    """Refuse gather plans in the kernel wrappers (they need the index tensor too)."""
    from ..plan.gather import GatherPlan

    if isinstance(plan, GatherPlan):
        raise LayoutError(f"plan: {fn} wraps conversions; for a gather plan call emit_plan, whose "
                          "function also takes the index registers")


def emit_check_kernel(plan, *, name: str = "check", include: bool = True) -> str:
    """A complete CUDA source: the plan's device function plus ``extern "C" __global__
    void {name}(const elem_t* in, elem_t* out, int iters)`` that loads each thread's src
    registers from ``in[(blockIdx.x * blockDim.x + threadIdx.x) * S + r]``, converts
    ``iters`` times (for timing; the registers are perturbed between rounds so nothing is
    hoisted) and stores the dst registers the same way.  Launch ``plan.blocks`` blocks per
    cluster (``__cluster_dims__`` is set for cluster plans), ``32 * plan.warps`` threads
    and ``plan.shared_bytes`` dynamic shared memory.  With ``include=False`` the
    cooperative-groups include is left to the caller (to put several kernels, each in its
    own namespace, in one translation unit)."""
    _no_gather(plan, "emit_check_kernel")
    S, D = max(plan.src_regs, 1), max(plan.dst_regs, 1)
    body = emit_plan(plan, name=f"{name}_convert")
    cluster = plan.kind == "cluster"
    attr = f"__cluster_dims__({plan.blocks}, 1, 1) " if cluster else ""
    pre = "#include <cooperative_groups.h>\n" if include else ""
    return (
        pre
        + "namespace cg = cooperative_groups;\n"
        + body
        + f"""extern "C" __global__ void {attr}{name}(const elem_t* gin, elem_t* gout, int iters) {{
  extern __shared__ uint4 smem_raw[];
  elem_t* smem = reinterpret_cast<elem_t*>(smem_raw);
  const long t = (long)blockIdx.x * blockDim.x + threadIdx.x;
  elem_t src[{S}];
  elem_t out[{D}];
#pragma unroll
  for (int r = 0; r < {S}; ++r) src[r] = gin[t * {S} + r];
#pragma unroll
  for (int r = 0; r < {D}; ++r) out[r] = (elem_t)~(elem_t)0;
  for (int it = 0; it < iters; ++it) {{
    {name}_convert(src, out, smem);
    if (it + 1 < iters) {{
      src[0] ^= (elem_t)(out[0] == (elem_t)0x5a5a5a5a ? 1 : 0);
      __syncthreads();
    }}
  }}
#pragma unroll
  for (int r = 0; r < {D}; ++r) gout[t * {D} + r] = out[r];
}}
"""
    )


def emit_layout_index(layout, *, name: str = "layout_index") -> str:
    """A ``__device__`` function ``void name(int register_, int lane, int warp, int block,
    int* coords)`` computing the tensor coordinates a distributed layout assigns (XORs of
    bit fields; runs of single-bit bases become shifts)."""
    from ..layout import LinearLayout

    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    if not name.isidentifier():
        raise LayoutError(f"name: {name!r} is not a C identifier")
    names = {"register": "register_", "lane": "lane", "warp": "warp", "block": "block", "offset": "offset"}
    ins = layout.in_dim_names
    params = ", ".join(f"int {names.get(d, d)}" for d in ins)
    lines = [f"__device__ __forceinline__ void {name}({params}, int* coords) {{"]
    b = layout.bases
    for k, o in enumerate(layout.out_dim_names):
        parts = [_xor_expr(names.get(d, d), [v[k] for v in b[d]]) for d in ins]
        parts = [p for p in parts if p != "0"]
        lines.append(f"  coords[{k}] = {' ^ '.join(parts) if parts else '0'};  // {o}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _row_major_bases(layout, dim: str) -> list[int]:
    """Row-major flat index (last tensor dim fastest) of each basis of in-dim ``dim``."""
    sizes = list(layout.out_dims.values())
    shifts = [sum(s.bit_length() - 1 for s in sizes[d + 1 :]) for d in range(len(sizes))]
    return [sum(int(c) << sh for c, sh in zip(b, shifts)) for b in layout.bases[dim]]


def _xor_of(bases: list[int], x: int) -> int:
    """XOR of ``bases[j]`` over the set bits ``j`` of ``x``."""
    v = 0
    for j, b in enumerate(bases):
        if x >> j & 1:
            v ^= b
    return v


def emit_ids_kernel(plan, *, name: str = "cvt") -> str:
    """A complete CUDA source shaped like Triton's one-conversion module: every thread builds
    its src registers as the row-major index of their element (in ``elem_t``), runs the plan
    once and stores each dst register at its element's row-major index of ``gout``
    (vector stores where the dst layout's registers are contiguous).  Launch one CTA of
    ``32 * plan.warps`` threads and ``plan.shared_bytes`` dynamic shared memory; compiled
    with ``nvcc -cubin`` its registers and SASS compare with Triton's cubin of the same
    ``convert_layout`` (``benchmarks/real_kernels.py --sass``)."""
    _no_gather(plan, "emit_ids_kernel")
    if getattr(plan, "src", None) is None or getattr(plan, "dst", None) is None:
        raise LayoutError("plan: needs its src and dst layouts (a plan from plan_conversion)")
    if plan.blocks != 1:
        raise LayoutError(f"plan: emit_ids_kernel takes one-CTA plans, this one spans {plan.blocks}")
    if not name.isidentifier():
        raise LayoutError(f"name: {name!r} is not a C identifier")
    src, dst = plan.src, plan.dst
    S, D = max(plan.src_regs, 1), max(plan.dst_regs, 1)
    eb = plan.elem_bits
    sreg, dreg = _row_major_bases(src, "register"), _row_major_bases(dst, "register")
    sl = _row_major_bases(src, "lane") + _row_major_bases(src, "warp")
    dl = _row_major_bases(dst, "lane") + _row_major_bases(dst, "warp")
    sx, dx = _lane_warp_expr(sl, plan.lanes), _lane_warp_expr(dl, plan.lanes)
    # contiguous dst registers: the leading register bases are 1, 2, 4, ... (row-major)
    vec = 1
    while vec < len(dreg) + 1 and vec * 2 * eb <= 128 and len(dreg) > vec.bit_length() - 1 \
            and dreg[vec.bit_length() - 1] == vec:
        vec *= 2
    lines = [emit_plan(plan, name=f"{name}_convert"),
             f'extern "C" __global__ void {name}(elem_t* __restrict__ gout) {{',
             "  extern __shared__ uint4 smem_raw[];",
             "  elem_t* smem = reinterpret_cast<elem_t*>(smem_raw);",
             "  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;",
             "  (void)lane; (void)warp;",
             f"  const unsigned sb = {sx};",
             f"  elem_t src[{S}], out[{D}];"]
    for r in range(S):
        c = _xor_of(sreg, r)
        lines.append(f"  src[{r}] = (elem_t)({c}u ^ sb);" if c else f"  src[{r}] = (elem_t)sb;")
    lines.append(f"  {name}_convert(src, out, smem);")
    addr_lines: list[str] = []
    ctx = _OneWarp.__new__(_OneWarp)
    ctx.lanes, ctx.warps, ctx.table = plan.lanes, plan.warps, None
    span = 0
    for b in dl:
        span |= b
    bases: dict[int, str] = {}
    vt = _VEC.get(vec * eb // 8)
    for r in range(0, D, vec):
        c = _xor_of(dreg, r)
        lo, hi = c & span, c & ~span
        if lo not in bases:
            bases[lo] = f"g{len(bases)}"
            e = dx if not lo else (f"{lo}u ^ {dx}" if dx != "0" else f"{lo}u")
            addr_lines.append(f"  elem_t* const {bases[lo]} = gout + ({e});")
        ptr = f"({bases[lo]} + {hi})" if hi else bases[lo]
        if vec == 1:
            addr_lines.append(f"  *{ptr} = out[{r}];")
        else:
            addr_lines.append(f"  {{ union {{ {vt} v; elem_t e[{vec}]; }} u;")
            addr_lines += [f"    u.e[{i}] = out[{r + i}];" for i in range(vec)]
            addr_lines.append(f"    *reinterpret_cast<{vt}*>({ptr}) = u.v; }}")
    lines += addr_lines
    lines.append("}")
    return "namespace cg = cooperative_groups;\n" + "\n".join(lines) + "\n"
