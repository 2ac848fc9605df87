"""Optimal swizzling of the scratch for a shared-memory round trip (paper §5.4, App. 9.2).

The scratch is a linear bijection ``M: offset bits -> tensor bits`` (flat ints), its offset
bits split, from the bottom, into

* **vector** bits — the common register prefix of src and dst (≤ 128 bits), possibly
  extended on one side (asymmetric vectorisation: the store or the load alone gets wider);
* **sub-word** bits still free below the 32-bit bank word (8/16-bit elements);
* **bank** bits — up to one full row of ``num_banks`` words;
* **segment** bits — the rows.

Elements that differ by a vector in ``span(segment)`` (plus sub-word bits) sit in the same bank,
in different words.  One vector instruction of side X touches the coset of
``Acc_X = span(vector_X ∪ lane images of X)``, so it needs
``2^(|Seg| - dim(Acc+Seg+Sub) + dim(Acc+Sub))`` wavefronts; the bandwidth (Lemma 9.4) bound is
``2^max(0, dim Acc - log2(num_banks*32/elem_bits))``.  Segments are picked as in the paper:
first vectors outside both access spaces, then ``e_i ^ f_i`` pairs from the two difference
sets (conflict-free for both, Lemma 9.5), and only then vectors that cost conflicts, on the
side where a doubling costs fewer wavefronts.

>>> sw = choose_swizzle(vec_common=[1], src_regs=[1, 2], dst_regs=[1, 32],
...                     lanes_s=[4, 8, 16, 32, 64], lanes_d=[2, 4, 8, 16, 64],
...                     space=[1 << i for i in range(7)], elem_bits=32, num_banks=32)
>>> sw.store_wavefront_exp, sw.load_wavefront_exp, sw.store_bound_exp, sw.load_bound_exp
(1, 1, 1, 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from .._gf2 import Span


def _span(vectors: Iterable[int] = ()) -> Span:
    """An untracked span (the swizzle search needs no combinations)."""
    return Span(vectors, False)


__all__ = ["Swizzle", "choose_swizzle", "wavefront_exp", "bound_exp", "low_bits"]


def _log2(x: int) -> int:
    return x.bit_length() - 1


def low_bits(elem_bits: int, num_banks: int) -> int:
    """Offset bits below one bank row: log2(num_banks * 32 / elem_bits)."""
    return _log2(num_banks * 32 // elem_bits)


def sub_bits(elem_bits: int) -> int:
    """Offset bits inside one 32-bit word."""
    return _log2(32 // elem_bits) if elem_bits < 32 else 0


def span_dim(vectors: Iterable[int]) -> int:
    """Rank over GF(2) (a basis with distinct leading bits, kept in descending order)."""
    return _span(vectors).dim


def wavefront_exp(acc: list[int], seg: list[int], sub: list[int]) -> int:
    """log2 of the wavefronts of one instruction touching ``span(acc)``: ``dim(S ∩ (A +
    sub))``, the segment vectors that add nothing to the access span."""
    sp = _span(list(acc) + list(sub))
    return sum(1 for v in seg if not sp.add(v))


def bound_exp(acc: list[int], elem_bits: int, num_banks: int) -> int:
    """log2 of the bandwidth bound (Lemma 9.4) for one instruction touching ``span(acc)``."""
    return max(0, span_dim(acc) - low_bits(elem_bits, num_banks))


@dataclass
class Swizzle:
    """The scratch layout: ``columns[i]`` is the tensor vector of offset bit ``i``."""

    columns: list[int]  # vector, sub, bank, segment (non-rep), reps — in this order
    store_vec_bits: int
    load_vec_bits: int
    n_low: int  # vector + sub + bank bits
    segment: list[int]
    reps: list[int]
    store_wavefront_exp: int
    load_wavefront_exp: int
    store_bound_exp: int
    load_bound_exp: int

    @property
    def offset_bits(self) -> int:
        return len(self.columns) - len(self.reps)


def _complement(base: Span, candidates: Iterable[int]) -> list[int]:
    """Greedy: candidates independent of ``base`` (and of each other); updates ``base``."""
    out = []
    for c in candidates:
        if c and base.add(c):
            out.append(c)
    return out


def _units(space: list[int]) -> list[int]:
    """Unit vectors inside span(space), lowest bit first, then the space's own basis."""
    s = _span(space)
    bits = 0
    for v in space:
        bits |= v
    units = [1 << b for b in range(bits.bit_length()) if bits >> b & 1 and s.contains(1 << b)]
    return units + list(space)


def choose_swizzle(
    *,
    vec_common: list[int],
    src_regs: list[int],
    dst_regs: list[int],
    lanes_s: list[int],
    lanes_d: list[int],
    space: list[int],
    elem_bits: int,
    num_banks: int,
    store_ext: int = 0,
    load_ext: int = 0,
    n_store: int = 1,
    n_load: int = 1,
    rep_candidates: Sequence[int] = (),
    n_reps: int = 0,
    bank_prefer: Sequence[int] = (),
    units: list[int] | None = None,
    h_span: Span | None = None,
) -> Swizzle:
    """Build the scratch layout for one choice of vector extension (see module docstring).

    ``vec_common``: the common register prefix (tensor vectors); ``store_ext``/``load_ext``:
    how many more src (dst) registers extend the store (load) vector; ``space``: a basis of
    the tensor bits held by one CTA; ``n_store``/``n_load``: instructions per warp on each
    side, used to decide on which side unavoidable conflicts cost less; ``rep_candidates``:
    vectors that are registers on both sides and may become rounds (``n_reps`` of them).

    With ``h_span`` (``H`` from ``aligned_space``) the scratch keeps both vectors aligned for
    every warp: every non-vector image of the wider side (lanes, warps, registers past the
    vector) must lie in ``H``, the span of the non-vector columns, so segment and bank vectors
    are chosen inside it (exact costs, no translate by a vector bit).
    """
    if units is None:
        units = _units(space)
    p = len(vec_common)
    ext = []
    if store_ext:
        ext = list(src_regs[p : p + store_ext])
    elif load_ext:
        ext = list(dst_regs[p : p + load_ext])
    low = list(vec_common) + ext
    if h_span is not None:
        units = [u for u in units if h_span.contains(u)] + h_span.basis()
        rep_candidates = [v for v in rep_candidates if h_span.contains(v)]
        bank_prefer = [v for v in bank_prefer if h_span.contains(v)]
    acc_s = [v for v in list(vec_common) + (ext if store_ext else []) + list(lanes_s) if v]
    acc_d = [v for v in list(vec_common) + (ext if load_ext else []) + list(lanes_d) if v]
    n = len(space)
    nsub = sub_bits(elem_bits)
    nlow = min(low_bits(elem_bits, num_banks), n)
    # sub-word bits still free: prefer lanes both sides touch, then either side's lanes
    sub_fill: list[int] = []
    if len(low) < nsub:
        base = _span(low)
        ld = _span(lanes_d)
        both = [v for v in lanes_s if v and ld.contains(v)]
        either = [v for v in list(lanes_s) + list(lanes_d) if v]
        for c in both + either:
            if len(low) + len(sub_fill) >= min(nsub, n):
                break
            if h_span is not None and not h_span.contains(c):
                continue
            if base.add(c):
                sub_fill.append(c)
    low = low + sub_fill
    len_seg = max(0, n - max(nlow, len(low)))

    # Work modulo the low (vector + sub) part: segment vectors then never touch the vector
    # bits, so every vector stays at consecutive aligned offsets.
    if h_span is None:
        q0 = _span(low)
        acc_s_h, acc_d_h = acc_s, acc_d
    else:
        # inside H: the access spaces' parts in H (plus the word bits), modulo the sub-word
        # lanes placed low
        q0 = _span(sub_fill)
        hb = h_span.basis()
        sub0 = low[:nsub]
        acc_s_h = _intersection(acc_s + sub0, hb)
        acc_d_h = _intersection(acc_d + sub0, hb)

    def red(v: int) -> int:
        return q0.reduce(v)[0]

    rs = _span([red(v) for v in acc_s_h]).basis()
    rd = _span([red(v) for v in acc_d_h]).basis()
    # I = A_S ∩ A_D, E = complement of I in A_S, F = complement of I in A_D
    inter = _intersection(rs, rd)
    e_part = _complement(_span(inter), rs)
    f_part = _complement(_span(inter), rd)
    # C: complement of A_S + A_D (and of the low part) inside the space; registers of both
    # sides first so that they can become rounds
    both_span = _span(low + rs + rd)
    c_part = []
    if len_seg:
        # (inside H every candidate already lies in H: units and registers were filtered)
        for v in chain(rep_candidates, (red(u) for u in units)):
            if v and both_span.add(v):
                c_part.append(v)
                if len(c_part) >= len_seg:
                    break
    seg: list[int] = []
    chosen = _span(low)

    def take(v: int) -> bool:
        if len(seg) < len_seg and chosen.add(v):
            seg.append(v)
            return True
        return False

    for v in c_part:
        take(v)
    npair = min(len(e_part), len(f_part))
    for i in range(npair):
        take(e_part[i] ^ f_part[i])
    xs = xd = 0
    left_e = e_part[npair:]
    left_f = f_part[npair:]
    while len(seg) < len_seg and (left_e or left_f):
        cost_s = n_store << xs
        cost_d = n_load << xd
        if left_e and (cost_s <= cost_d or not left_f):
            if take(left_e.pop(0)):
                xs += 1
        elif left_f:
            if take(left_f.pop(0)):
                xd += 1
    # forced conflicts on both sides: split pairs, then the intersection, then anything
    for i in range(npair):
        take(e_part[i])
    for v in inter:
        take(v)
    for v in units:
        take(v)
    # bank bits complete the basis
    bank: list[int] = []
    full = _span(low + seg)
    if bank_prefer:
        in_space = _span(space)
        bank_prefer = [b for b in bank_prefer if in_space.contains(b)]
    for v in list(bank_prefer) + units:
        if len(low) + len(seg) + len(bank) >= n:
            break
        if full.add(v):
            bank.append(v)
    # rounds: segment vectors that are registers on both sides
    reps = [v for v in seg if v in rep_candidates][: max(0, n_reps)]
    seg_keep = [v for v in seg if v not in reps]
    columns = low + bank + seg_keep + reps
    sub = (low + bank)[:nsub]
    acc_store = acc_s
    acc_load = acc_d
    return Swizzle(
        columns=columns,
        store_vec_bits=p + (store_ext if store_ext else 0),
        load_vec_bits=p + (load_ext if load_ext else 0),
        n_low=len(low) + len(bank),
        segment=seg,
        reps=reps,
        store_wavefront_exp=wavefront_exp(acc_store, seg, sub),
        load_wavefront_exp=wavefront_exp(acc_load, seg, sub),
        store_bound_exp=bound_exp(acc_store, elem_bits, num_banks),
        load_bound_exp=bound_exp(acc_load, elem_bits, num_banks),
    )


def aligned_space(
    vec_common: Sequence[int], store_ext: int, load_ext: int, src_regs: Sequence[int],
    dst_regs: Sequence[int], lanes_s: Sequence[int], lanes_d: Sequence[int], warps_s: Sequence[int],
    warps_d: Sequence[int], space: Sequence[int],
) -> Span | None:
    """``H`` for one choice of vectors (see ``choose_swizzle``), or None."""
    p = len(vec_common)
    ext = list(src_regs[p : p + store_ext]) if store_ext else list(dst_regs[p : p + load_ext])
    return _aligned_space(
        list(vec_common) + ext, list(vec_common), ext, store_ext > 0,
        list(lanes_s) + list(warps_s) + list(src_regs[p + store_ext :]),
        list(lanes_d) + list(warps_d) + list(dst_regs[p + load_ext :]),
        space,
    )


def conflict_bounds(h: Span, acc_s: Sequence[int], acc_d: Sequence[int], n_seg: int) -> tuple[int, int, int]:
    """``(xs0, xd0, extra)``: any segment of ``n_seg`` vectors inside ``h`` has store and load
    conflict exponents ``xs ≥ xs0 = n_seg - dim H + dim(A_s∩H)``, likewise ``xd ≥ xd0``, and
    ``xs + xd ≥ extra = n_seg - dim H + max`` of the two intersections."""
    hb = h.basis()
    dh = len(hb)
    # dim(A ∩ H) = dim A + dim H - dim(A + H)
    da = _span(acc_s).dim + dh - _span(hb + list(acc_s)).dim
    dd = _span(acc_d).dim + dh - _span(hb + list(acc_d)).dim
    return max(0, n_seg - dh + da), max(0, n_seg - dh + dd), max(0, n_seg - dh + max(da, dd))


def conflict_floor(
    h: Span, acc_s: Sequence[int], acc_d: Sequence[int], n_seg: int, n_store: int, n_load: int
) -> tuple[int, int]:
    """Smallest ``(store, load)`` conflict exponents allowed by ``conflict_bounds`` for the
    weighted cost ``n_store * 2^xs + n_load * 2^xd``."""
    xs0, xd0, extra = conflict_bounds(h, acc_s, acc_d, n_seg)
    best: tuple[int, int, int] = (-1, 0, 0)
    for xs in range(xs0, max(xs0, extra) + 1):
        xd = max(xd0, extra - xs)
        c = (n_store << xs) + (n_load << xd)
        if best[0] < 0 or c < best[0]:
            best = (c, xs, xd)
    return best[1], best[2]


def _aligned_space(
    low: Sequence[int], small_vec: Sequence[int], ext: Sequence[int], store_big: bool,
    imgs_s: Sequence[int], imgs_d: Sequence[int], space: Sequence[int],
) -> Span | None:
    """``H``: the span the non-vector columns must have so that both sides' vectors sit at
    aligned offsets for every warp, or None when none exists.

    The wider vector's side (``store_big``: the store's) has its non-vector images in ``H``
    and ``H ∩ vector = 0``; the narrower side's images lie in ``H + ext`` (``ext``: the
    wider vector's extra columns), so ``(H + its images + ext) ∩ small_vec = 0``.
    """
    big_imgs, small_imgs = (imgs_s, imgs_d) if store_big else (imgs_d, imgs_s)
    big_imgs = [v for v in big_imgs if v]
    small_imgs = [v for v in small_imgs if v]
    h = _span()
    for v in big_imgs:
        h.add(v)
    hv = _span(h.basis() + list(low))
    if hv.dim != h.dim + len(low):
        return None  # a non-vector image of the wide side touches its vector bits
    for v in small_imgs:
        if hv.add(v):
            h.add(v)
    chk = _span(h.basis() + list(ext) + small_imgs)
    if _span(chk.basis() + list(small_vec)).dim != chk.dim + len(small_vec):
        return None
    target = len(space) - len(low)
    for v in list(space):
        if h.dim >= target:
            break
        if hv.add(v):
            h.add(v)
    if h.dim != target:
        return None
    return h


def _intersection(a: list[int], b: list[int]) -> list[int]:
    """A basis of span(a) ∩ span(b) (Zassenhaus: echelon of ``(a|a)`` and ``(b|0)``; rows
    whose upper half vanishes carry the intersection in their lower half)."""
    shift = max([v.bit_length() for v in list(a) + list(b)] + [1])
    rows = _span([x << shift | x for x in a] + [x << shift for x in b]).basis()
    mask = (1 << shift) - 1
    return [r & mask for r in rows if r >> shift == 0]
