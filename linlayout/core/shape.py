"""Shape operations: sublayouts, reshaping, transposing, concatenating, resizing, renaming."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .. import _gf2
from ..errors import LayoutError
from .base import (
    MAX_BITS,
    _Base,
    _check_layout,
    _check_name,
    _log2_of_size,
    _make_repacker,
    _name_set,
    _offsets,
    _pairs,
    _perm,
)

if TYPE_CHECKING:
    from ..layout import LinearLayout


class _Shape(_Base):
    """Dims in and out: sublayouts, quotients, reshapes, transposes, concatenation, resizes."""

    __slots__ = ()

    # ------------------------------------------------------------------ sublayouts

    def sublayout(self, in_dims: Iterable[str], out_dims: Iterable[str]) -> LinearLayout:
        """Restrict to the given in-dims (others treated as 0) and out-dims (other
        components dropped), keeping this layout's order and out sizes."""
        ins = _name_set(in_dims, "in_dims")
        outs = _name_set(out_dims, "out_dims")
        for n in ins:
            self._in_index(n, "in_dims")
        for n in outs:
            self._out_index(n, "out_dims")
        keep = [(o, s, w) for o, s, w in zip(self._outs, _offsets(self._outlog), self._outlog) if o in outs]
        new_outs = tuple(o for o, _, _ in keep)
        new_log = tuple(w for _, _, w in keep)
        rp = _make_repacker([(s, w, d) for (_, s, w), d in zip(keep, _offsets(new_log))])
        nins, nb = [], []
        for d, bl in zip(self._ins, self._bases):
            if d in ins:
                nins.append(d)
                if rp is not None:
                    nb.append(tuple(rp(v) for v in bl))
                else:
                    mask = (1 << sum(new_log)) - 1
                    nb.append(tuple(v & mask for v in bl))
        return self._new(tuple(nins), tuple(nb), new_outs, new_log)

    def sublayout_is_zero(self, in_dims: Iterable[str], out_dims: Iterable[str]) -> bool:
        """Whether every basis of :meth:`sublayout` ``(in_dims, out_dims)`` is zero."""
        s = self.sublayout(in_dims, out_dims)
        return all(v == 0 for bl in s._bases for v in bl)

    def is_trivial_over(self, dims: Iterable[str]) -> bool:
        """Whether the layout is the identity on ``dims`` (each both an in- and an
        out-dim) and does not mix them with the other dims."""
        ds = _name_set(dims, "dims")
        for d in ds:
            self._in_index(d, "dims")
            self._out_index(d, "dims")
        other_in = [d for d in self._ins if d not in ds]
        other_out = [d for d in self._outs if d not in ds]
        if not self.sublayout(other_in, ds).sublayout_is_zero(other_in, ds):
            return False
        if not self.sublayout(ds, other_out).sublayout_is_zero(ds, other_out):
            return False
        sq = self.sublayout(ds, ds)
        flat = sq._flat_bases()
        if len(flat) != sq.total_out_bits:
            return False
        return all(v == 1 << i for i, v in enumerate(flat))

    def quotient(self, dims: Iterable[str]) -> LinearLayout | None:
        """The layout on the remaining dims when this one is trivial over ``dims``
        (Triton ``quotient``), else ``None``."""
        ds = _name_set(dims, "dims")
        for d in ds:
            if d not in self._ins and d not in self._outs:
                raise LayoutError(
                    f"dims: {d!r} is neither an in-dim ({list(self._ins)}) nor an out-dim "
                    f"({list(self._outs)}) of this layout"
                )
            if d not in self._ins or d not in self._outs:
                return None
        if not self.is_trivial_over(ds):
            return None
        return self.sublayout([d for d in self._ins if d not in ds], [d for d in self._outs if d not in ds])

    # ------------------------------------------------------------------ reshaping

    def reshape_ins(self, new_in_dims: Sequence[tuple[str, int]] | Mapping[str, int]) -> LinearLayout:
        """Deal the flattened bases (in-dims in order) out to new in-dims.

        >>> from linlayout import LinearLayout
        >>> L = LinearLayout.from_bases({"in1": [[1], [4], [8]], "in2": [[2]]}, ["out"])
        >>> L.reshape_ins([("in3", 2), ("in4", 8)]).bases
        {'in3': [[1]], 'in4': [[4], [8], [2]]}
        """
        pairs = _pairs(new_in_dims, "new_in_dims")
        logs = [_log2_of_size(s, f"new_in_dims[{n!r}]") for n, s in pairs]
        if sum(logs) != self.total_in_bits:
            raise LayoutError(
                f"new_in_dims: sizes multiply to 2**{sum(logs)} but the layout has "
                f"2**{self.total_in_bits} inputs"
            )
        flat = self._flat_bases()
        res, p = [], 0
        for k in logs:
            res.append(tuple(flat[p : p + k]))
            p += k
        return self._new(tuple(n for n, _ in pairs), tuple(res), self._outs, self._outlog)

    def reshape_outs(self, new_out_dims: Sequence[tuple[str, int]] | Mapping[str, int]) -> LinearLayout:
        """Flatten the outputs (first out-dim most minor) and split them into new
        out-dims (first new dim most minor)."""
        pairs = _pairs(new_out_dims, "new_out_dims")
        logs = [_log2_of_size(s, f"new_out_dims[{n!r}]") for n, s in pairs]
        if sum(logs) != self.total_out_bits:
            raise LayoutError(
                f"new_out_dims: sizes multiply to 2**{sum(logs)} but the layout has 2**{self.total_out_bits} "
                "outputs"
            )
        return self._new(self._ins, self._bases, tuple(n for n, _ in pairs), tuple(logs))

    def flatten_ins(self) -> LinearLayout:
        """One in-dim, named after the first, holding every input bit."""
        if not self._ins:
            return self
        return self.reshape_ins([(self._ins[0], self.total_in_size)])

    def flatten_outs(self) -> LinearLayout:
        """One out-dim, named after the first, holding every output bit."""
        if not self._outs:
            return self
        return self.reshape_outs([(self._outs[0], self.total_out_size)])

    def transpose_ins(self, order: Sequence[str]) -> LinearLayout:
        """Reorder the in-dims (``order`` must name each exactly once)."""
        order = _perm(order, self._ins, "order")
        d = dict(zip(self._ins, self._bases))
        return self._new(tuple(order), tuple(d[n] for n in order), self._outs, self._outlog)

    def transpose_outs(self, order: Sequence[str]) -> LinearLayout:
        """Reorder the out-dims (``order`` must name each exactly once)."""
        order = _perm(order, self._outs, "order")
        if tuple(order) == self._outs:
            return self
        log = dict(zip(self._outs, self._outlog))
        off = dict(zip(self._outs, _offsets(self._outlog)))
        newlog = tuple(log[o] for o in order)
        rp = _make_repacker([(off[o], log[o], d) for o, d in zip(order, _offsets(newlog))])
        nb = tuple(tuple(rp(v) for v in bl) for bl in self._bases) if rp else self._bases
        return self._new(self._ins, nb, tuple(order), newlog)

    def concat_ins(self, other: LinearLayout) -> LinearLayout:
        """This layout's in-dims followed by ``other``'s (same out-dims and sizes)."""
        _check_layout(other, "other")
        if self._outs != other._outs or self._outlog != other._outlog:
            raise LayoutError(f"other: out-dims {other.out_dims} must equal this layout's {self.out_dims}")
        dup = set(self._ins) & set(other._ins)
        if dup:
            raise LayoutError(f"other: in-dims {sorted(dup)} appear in both layouts")
        if self.total_in_bits + other.total_in_bits > MAX_BITS:
            raise LayoutError(f"other: the result would have more than {MAX_BITS} input bits")
        return self._new(self._ins + other._ins, self._bases + other._bases, self._outs, self._outlog)

    def concat_outs(self, other: LinearLayout) -> LinearLayout:
        """This layout's out-dims followed by ``other``'s (same in-dims and sizes)."""
        _check_layout(other, "other")
        if self.in_dims != other.in_dims or self._ins != other._ins:
            raise LayoutError(f"other: in-dims {other.in_dims} must equal this layout's {self.in_dims}")
        dup = set(self._outs) & set(other._outs)
        if dup:
            raise LayoutError(f"other: out-dims {sorted(dup)} appear in both layouts")
        if self.total_out_bits + other.total_out_bits > MAX_BITS:
            raise LayoutError(f"other: the result would have more than {MAX_BITS} output bits")
        sh = self.total_out_bits
        nb = tuple(tuple(a | (b << sh) for a, b in zip(x, y)) for x, y in zip(self._bases, other._bases))
        return self._new(self._ins, nb, self._outs + other._outs, self._outlog + other._outlog)

    def resize_in_dim(self, in_dim: str, size: int) -> LinearLayout:
        """Keep only the first log2(size) bases of ``in_dim``."""
        k = self._in_index(in_dim)
        n = _log2_of_size(size, "size")
        if n > len(self._bases[k]):
            raise LayoutError(f"size: {size} is larger than in-dim {in_dim!r} ({1 << len(self._bases[k])})")
        nb = list(self._bases)
        nb[k] = nb[k][:n]
        return self._new(self._ins, tuple(nb), self._outs, self._outlog)

    def resize_out_dim(self, out_dim: str, size: int) -> LinearLayout:
        """Set ``out_dim``'s size to ``size`` (not larger), zeroing components >= size."""
        k = self._out_index(out_dim)
        n = _log2_of_size(size, "size")
        if n > self._outlog[k]:
            raise LayoutError(f"size: {size} is larger than out-dim {out_dim!r} ({1 << self._outlog[k]})")
        return _map_components(self, {out_dim: n})

    def rename_in_dim(self, old: str, new: str) -> LinearLayout:
        """Rename an in-dim; like Triton, the renamed dim moves to the end of the order."""
        k = self._in_index(old, "old")
        _check_name(new, "new")
        if new in self._ins and new != old:
            raise LayoutError(f"new: {new!r} is already an in-dim")
        ins = self._ins[:k] + self._ins[k + 1 :] + (new,)
        bases = self._bases[:k] + self._bases[k + 1 :] + (self._bases[k],)
        return self._new(ins, bases, self._outs, self._outlog)

    def rename_out_dim(self, old: str, new: str) -> LinearLayout:
        """Rename an out-dim in place."""
        k = self._out_index(old, "old")
        _check_name(new, "new")
        if new in self._outs and new != old:
            raise LayoutError(f"new: {new!r} is already an out-dim")
        return self._new(self._ins, self._bases, self._outs[:k] + (new,) + self._outs[k + 1 :], self._outlog)

    def remove_zero_bases(self, in_dim: str) -> LinearLayout:
        """Drop the all-zero bases of ``in_dim`` (Triton ``removeZeroBasesAlongDim``)."""
        k = self._in_index(in_dim)
        nb = list(self._bases)
        nb[k] = tuple(v for v in nb[k] if v)
        return self._new(self._ins, tuple(nb), self._outs, self._outlog)

    # ------------------------------------------------------------------ structure

    def free_variable_masks(self) -> dict[str, int]:
        """For each in-dim, the bit mask of its inputs whose basis lies in the span of
        the earlier bases (in-dims in order, low bits first): the broadcast bits.

        >>> from linlayout import LinearLayout
        >>> LinearLayout.zeros("x", 16, "y").free_variable_masks()
        {'x': 15}
        """
        e = _gf2.Echelon()
        out = {}
        for d, bl in zip(self._ins, self._bases):
            m = 0
            for i, v in enumerate(bl):
                if not e.add(v):
                    m |= 1 << i
            out[d] = m
        return out

    def num_consecutive_in_out(self) -> int:
        """How many consecutive inputs of the first in-dim map to consecutive outputs
        of the first out-dim, in every case (Triton ``getNumConsecutiveInOut``)."""
        if not self._ins or not self._outs:
            return 1
        first = self._bases[0]
        consec = 0
        for i, v in enumerate(first):
            if v != 1 << i or i >= self._outlog[0]:
                break
            consec += 1
        m0 = (1 << self._outlog[0]) - 1
        acc = 0
        for v in first[consec:]:
            acc |= v & m0
        for bl in self._bases[1:]:
            for v in bl:
                acc |= v & m0
        ctz = (acc & -acc).bit_length() - 1 if acc else 31
        return 1 << min(consec, ctz)


def _map_components(L: LinearLayout, new_log: Mapping[str, int]) -> LinearLayout:
    """Shrink out-dims to the given log2 sizes, zeroing components that don't fit."""
    offs = _offsets(L._outlog)
    outlog = tuple(new_log.get(o, w) for o, w in zip(L._outs, L._outlog))
    noffs = _offsets(outlog)
    res = []
    for bl in L._bases:
        nb = []
        for v in bl:
            r = 0
            for k, (o, w) in enumerate(zip(offs, L._outlog)):
                c = (v >> o) & ((1 << w) - 1)
                if c >> outlog[k]:
                    c = 0
                r |= c << noffs[k]
            nb.append(r)
        res.append(tuple(nb))
    return L._new(L._ins, tuple(res), L._outs, outlog)
