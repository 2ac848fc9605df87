"""The algebra: direct product, composition, inversion, division."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import _gf2
from ..errors import LayoutError
from .base import (
    MAX_BITS,
    _Base,
    _check_layout,
    _make_repacker,
    _offsets,
    _unpack,
)
from .fast import (
    _MUL_PLANS,
    _flat_with_zero,
    _mul_plan,
    _unit_positions,
)

if TYPE_CHECKING:
    from ..layout import LinearLayout


class _Algebra(_Base):
    """``*``, ``compose``, ``invert_and_compose``, inverses and divisions."""

    __slots__ = ()

    # ------------------------------------------------------------------ algebra

    def __mul__(self, other: LinearLayout) -> LinearLayout:
        """Direct product ``self * other`` (Triton ``operator*``): in and out dims merged
        by :func:`supremum`; ``other``'s bases come after ``self``'s and its out
        coordinates are shifted above ``self``'s (self is the minor part).

        >>> from linlayout import LinearLayout
        >>> (LinearLayout.identity("i", 4, "o") * LinearLayout.identity("i", 2, "o")).bases
        {'i': [[1], [2], [4]]}
        """
        if type(other) is not type(self):
            if not isinstance(other, _Base):
                raise LayoutError(
                    f"other: expected a LinearLayout to multiply with, got {type(other).__name__}"
                )
        key = (self._ins, self._outs, self._outlog, other._ins, other._outs, other._outlog)
        plan = _MUL_PLANS.get(key)
        if plan is None:
            plan = _mul_plan(self, other)
            if len(_MUL_PLANS) >= 4096:
                _MUL_PLANS.clear()
            _MUL_PLANS[key] = plan
        ins, outs, outlog, ra, rb, steps = plan
        ab, bb = self._bases, other._bases
        res = []
        total = 0
        for i, j in steps:
            x = ab[i] if i >= 0 else ()
            if ra is not None and x:
                x = _repack_fields(x, ra)
            if j >= 0:
                y = bb[j]
                if y:
                    x = x + (_repack_fields(y, rb) if rb is not None else y)
            total += len(x)
            res.append(x)
        if total > MAX_BITS:
            raise LayoutError(f"other: the product has {total} input bits; at most {MAX_BITS}")
        return self._new(ins, tuple(res), outs, outlog)

    def __rmul__(self, other: Any) -> LinearLayout:
        raise LayoutError(f"other: expected a LinearLayout to multiply with, got {type(other).__name__}")

    def compose(self, outer: LinearLayout) -> LinearLayout:
        """``outer ∘ self``: apply self, then outer.  ``self``'s out dims must be
        ``outer``'s in dims (as sets) with sizes no larger.

        >>> from linlayout import LinearLayout
        >>> a = LinearLayout.identity("x", 4, "y")
        >>> b = LinearLayout.from_bases({"y": [[2], [1]]}, ["z"])
        >>> a.compose(b).bases
        {'x': [[2], [1]]}
        """
        if type(outer) is not type(self):
            _check_layout(outer, "outer")
        if self._outs == outer._ins and tuple(map(len, outer._bases)) == self._outlog:
            m = outer._flat
            if m is None:
                m = _flat_with_zero(outer)
            pos = self._pos
            if pos is None:
                pos = _unit_positions(self)
            if pos:  # every basis of self is 0 or one bit: compose is pure indexing
                g = m.__getitem__
                res = tuple([tuple(map(g, p)) for p in pos])
                return self._new(self._ins, res, outer._outs, outer._outlog)
        else:
            if set(self._outs) != set(outer._ins) or len(self._outs) != len(outer._ins):
                raise LayoutError(
                    f"outer: its in-dims {list(outer._ins)} must be this layout's out-dims {list(self._outs)}"
                )
            obases = dict(zip(outer._ins, outer._bases))
            m = []
            for o, w in zip(self._outs, self._outlog):
                bl = obases[o]
                if w > len(bl):
                    raise LayoutError(
                        f"outer: out-dim {o!r} has size {1 << w} here but outer's in-dim {o!r} only "
                        f"{1 << len(bl)}"
                    )
                m.extend(bl[:w])
        res = []
        for bl in self._bases:
            nb = []
            for x in bl:
                if x & (x - 1):
                    v = 0
                    while x:
                        low = x & -x
                        v ^= m[low.bit_length() - 1]
                        x ^= low
                    nb.append(v)
                else:
                    nb.append(m[x.bit_length() - 1] if x else 0)
            res.append(tuple(nb))
        return self._new(self._ins, tuple(res), outer._outs, outer._outlog)

    def invert_and_compose(self, outer: LinearLayout) -> LinearLayout:
        """The layout ``C`` with ``outer(C(x)) == self(x)`` for every input (Triton
        ``invertAndCompose``): self's in-dims to outer's in-dims.

        As in Triton 3.9.0: an in-dim of both layouts whose bases are equal (ignoring
        out-dim sizes) stays the identity when the output bits it reaches are reached by
        no other in-dim of either layout (e.g. a broadcast ``warp``/``block``); every
        other basis is solved with the free variables set to 0, i.e. using only the
        pivot inputs of ``outer`` (each basis of outer, in-dims in order and low bits
        first, that is independent of the earlier ones).  Raises LayoutError when the
        image of self is not inside the image of outer.

        >>> from linlayout import LinearLayout
        >>> l1 = LinearLayout.from_bases({"in1": [[2], [1], [4]]}, ["out"])
        >>> l2 = LinearLayout.from_bases({"in2": [[4], [1], [2]]}, ["out"])
        >>> l1.invert_and_compose(l2).bases
        {'in1': [[4], [2], [1]]}
        """
        if type(outer) is not type(self):
            _check_layout(outer, "outer")
        B, A = self, outer
        ains, abases, bins, bbases = A._ins, A._bases, B._ins, B._bases
        rb = _repack_outs_into(B, A)
        if rb is not None:
            bbases = tuple(tuple(rb(v) for v in bl) for bl in bbases)
        ident = None
        for d, bl in zip(bins, bbases):
            if bl and d in ains:  # a shared dim without bases adds nothing either way
                ident = _identity_dims(ains, abases, bins, bbases)
                break
        # Columns of outer (identity dims zeroed: never pivots).  C's packed basis is a
        # bit mask over these columns, i.e. over outer's in-dims in order.
        cols: list[int] = []
        for d, bl in zip(ains, abases):
            cols.extend((0,) * len(bl) if ident and d in ident else bl)
        ech = _gf2.Echelon(cols)  # solutions use pivot columns only (free variables 0)
        res = []
        for d, bl in zip(bins, bbases):
            if ident and d in ident:
                pos = 0
                for e, abl in zip(ains, abases):
                    if e == d:
                        break
                    pos += len(abl)
                res.append(tuple(1 << (pos + j) for j in range(len(bl))))
                continue
            nb = ech.solve_all(bl)
            if nb is None:
                raise LayoutError(
                    "outer: the image of this layout is not contained in the image of outer "
                    f"(in-dim {d!r} reaches an output that outer never produces)"
                )
            res.append(tuple(nb))
        return self._new(bins, tuple(res), ains, tuple(len(b) for b in abases))

    def pseudo_invert(self) -> LinearLayout:
        """A right inverse on the image: ``self.compose``-able map out-dims -> in-dims
        with ``self(P(y)) == y`` for every ``y`` in the image (Triton ``pseudoinvert``).

        Where the layout is not surjective (Triton aborts) ``P`` sends a complement of
        the image, spanned by the lowest output bits outside it, to 0.
        """
        if not self.is_surjective():
            return self._pseudo_invert_on_image()
        ident = self._new(
            self._outs,
            tuple(
                tuple(1 << (o + i) for i in range(w)) for o, w in zip(_offsets(self._outlog), self._outlog)
            ),
            self._outs,
            self._outlog,
        )
        return ident.invert_and_compose(self)

    def _pseudo_invert_on_image(self) -> LinearLayout:
        """``pseudo_invert`` of a non-surjective layout: solve each output bit against
        the layout's columns plus the complement bits, keeping the layout's part."""
        cols = self._flat_bases()
        ncols = len(cols)
        total = self.total_out_bits
        comp = _gf2.complete_basis(cols, total)
        ech = _gf2.Echelon(cols + comp)
        keep = (1 << ncols) - 1
        res = []
        pos = 0
        for w in self._outlog:
            res.append(tuple((ech.solve(1 << (pos + i)) or 0) & keep for i in range(w)))
            pos += w
        return self._new(self._outs, tuple(res), self._ins, tuple(len(bl) for bl in self._bases))

    def invert(self) -> LinearLayout:
        """The inverse layout (out-dims -> in-dims).  Raises LayoutError unless the
        layout is invertible (bijective)."""
        if not self.is_invertible():
            raise LayoutError(
                f"layout is not invertible (in bits {self.total_in_bits}, out bits {self.total_out_bits}, "
                f"rank {self.rank()}); use pseudo_invert() for a right inverse"
            )
        return self.pseudo_invert()

    def divide_left(self, divisor: LinearLayout) -> LinearLayout | None:
        """``C`` with ``divisor * C == self``, or ``None`` when there is none."""
        A, B = self, divisor
        clog = _quotient_out_log2(A, divisor)
        if clog is None:
            return None
        blog = dict(zip(B._outs, B._outlog))
        aoffs = _offsets(A._outlog)
        boffs = dict(zip(B._outs, _offsets(B._outlog)))
        bvals = dict(zip(B._ins, B._bases))
        coffs = _offsets(clog)
        res = []
        for d, abl in zip(A._ins, A._bases):
            bbl = bvals.get(d, ())
            if len(bbl) > len(abl):
                return None
            for va, vb in zip(abl, bbl):
                ca = _unpack(va, aoffs, A._outlog)
                for o, x in zip(A._outs, ca):
                    y = (vb >> boffs[o]) & ((1 << blog[o]) - 1) if o in blog else 0
                    if x != y:
                        return None
            nb = []
            for va in abl[len(bbl) :]:
                ca = _unpack(va, aoffs, A._outlog)
                v = 0
                for k, (o, x) in enumerate(zip(A._outs, ca)):
                    s = blog.get(o, 0)
                    if x & ((1 << s) - 1):
                        return None
                    v |= (x >> s) << coffs[k]
                nb.append(v)
            res.append(tuple(nb))
        C = self._new(A._ins, tuple(res), A._outs, tuple(clog))
        try:
            ok = B * C == A
        except LayoutError:
            ok = False
        return C if ok else None

    def divide_right(self, divisor: LinearLayout) -> LinearLayout | None:
        """``C`` with ``C * divisor == self``, or ``None`` when there is none."""
        A, B = self, divisor
        clog = _quotient_out_log2(A, divisor)
        if clog is None:
            return None
        aoffs = _offsets(A._outlog)
        coffs = _offsets(clog)
        bvals = dict(zip(B._ins, B._bases))
        res = []
        for d, abl in zip(A._ins, A._bases):
            nb_b = len(bvals.get(d, ()))
            if nb_b > len(abl):
                return None
            nb = []
            for va in abl[: len(abl) - nb_b]:
                ca = _unpack(va, aoffs, A._outlog)
                v = 0
                for k, x in enumerate(ca):
                    if x >> clog[k]:
                        return None
                    v |= x << coffs[k]
                nb.append(v)
            res.append(tuple(nb))
        C = self._new(A._ins, tuple(res), A._outs, tuple(clog))
        try:
            ok = C * B == A
        except LayoutError:
            ok = False
        return C if ok else None


def _quotient_out_log2(A: LinearLayout, B: Any) -> list[int] | None:
    """Out-dim log2 sizes of ``A / B`` (A's out-dims, sizes divided by B's), or None when B
    has dims A lacks or a larger out-dim."""
    _check_layout(B, "divisor")
    if not set(B._ins) <= set(A._ins) or not set(B._outs) <= set(A._outs):
        return None
    blog = dict(zip(B._outs, B._outlog))
    clog = [w - blog.get(o, 0) for o, w in zip(A._outs, A._outlog)]
    return None if min(clog, default=0) < 0 else clog


def _repack_outs_into(B: LinearLayout, A: LinearLayout):
    """For ``B.invert_and_compose(A)``: check the out dims and return a function moving
    B's packed out values into A's packing (None when the packings agree)."""
    bouts, aouts = B._outs, A._outs
    if bouts == aouts and B._outlog == A._outlog:
        return None
    if len(bouts) != len(aouts) or set(bouts) != set(aouts):
        raise LayoutError(
            f"outer: its out-dims {list(aouts)} must match this layout's out-dims {list(bouts)}"
        )
    alog = dict(zip(aouts, A._outlog))
    for o, w in zip(bouts, B._outlog):
        if alog[o] < w:
            raise LayoutError(
                f"outer: out-dim {o!r} has size {1 << alog[o]} in outer, smaller than {1 << w} here"
            )
    aoffs = dict(zip(aouts, _offsets(A._outlog)))
    return _make_repacker([(s, w, aoffs[o]) for o, s, w in zip(bouts, _offsets(B._outlog), B._outlog)])


def _identity_dims(ains, abases, bins, bbases) -> set[str]:
    """Triton 3.9.0's identity dims of ``B.invert_and_compose(A)`` (bases already in A's
    out packing): in-dims of both with equal bases whose output bits (OR of the bases)
    meet no other in-dim's output bits, in either layout."""
    amap = dict(zip(ains, abases))
    cand = [d for d, bl in zip(bins, bbases) if amap.get(d) == bl]
    out: set[str] = set()
    if not cand:
        return out
    masks = []
    for names, bases in ((ains, abases), (bins, bbases)):
        for d, bl in zip(names, bases):
            m = 0
            for v in bl:
                m |= v
            masks.append((d, m))
    for d in cand:
        mine = others = 0
        for e, m in masks:
            if e == d:
                mine |= m
            else:
                others |= m
        if mine & others == 0:
            out.add(d)
    return out


def _repack_fields(bl: tuple[int, ...], spec: tuple[tuple[int, int, int], ...]) -> tuple[int, ...]:
    """Each packed basis with its bit fields moved as ``spec`` says."""
    out = []
    for v in bl:
        r = 0
        if v:
            for s, m, d in spec:
                r |= ((v >> s) & m) << d
        out.append(r)
    return tuple(out)
