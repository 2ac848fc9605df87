"""Layout inference through Triton's shape ops, forward and backward.

``infer_layout(op, operands, **attrs)`` is the layout Triton 3.9.0 gives the result of a
TTGIR shape op, given its operands' layouts; ``infer_operand_layout(op, result, **attrs)``
goes the other way (the operand layout that makes the op free: no data moves).

An operand is either a :class:`~linlayout.LinearLayout` of the operand tensor (read as
Triton reads ``#ttg.linear`` text: a ``GenericLinearLayout`` when its warp bases are
swizzled) or a pair ``(attr_text, shape)``; Triton's answer can depend on the spelling (a
``#ttg.blocked`` operand keeps a blocked result where a ``#ttg.linear`` one does not, and
a blocked result on a new shape fits differently from a linear one).

>>> from linlayout import from_triton
>>> A = ("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
...      "order = [1, 0]}>", [32, 64])
>>> infer_encoding("tt.trans", [A], order=[1, 0])
'#ttg.blocked<{sizePerThread = [4, 1], threadsPerWarp = [8, 4], warpsPerCTA = [2, 2], order = [0, 1]}>'
>>> infer_layout("tt.reshape", [A], shape=[2048]).bases["register"]
[[1], [2], [512], [1024]]

The rules (Triton's ``TritonGPUInferLayoutInterface`` and the TTIR->TTGIR patterns):

* ``tt.trans``: a blocked operand stays blocked (its per-dim vectors and order
  permuted); anything else becomes ``#ttg.linear`` of the transposed layout.
* ``tt.reshape``: dropping one size-1 dim of a non-linear encoding gives a slice of it
  (when that slice is the same layout), inserting a size-1 dim at a slice's dim gives its
  parent (when the parent is the same layout); else Triton's legacy blocked rule where it
  applies; else ``#ttg.linear`` of the row-major reshape.  A ``result=`` layout is
  checked as the verifier does (the inferred one, or with ``allow_reorder=True`` any cheap
  view: same broadcast bits per in-dim, same registers per thread).
* ``tt.join`` / ``tt.split``: a new last dim of size 2 held in registers (Gluon's own
  builder types split halves as ``#ttg.slice`` of the operand instead; the verifier
  accepts both, they agree modulo register broadcast).
* ``tt.expand_dims``: the operand must be a slice along ``axis``; the result is its
  parent (a LinearLayout operand reads as a slice of a ``#ttg.linear`` parent).
* ``tt.broadcast``, ``tt.gather``: the operand's (indices') encoding on the result shape;
  a broadcast ``result=`` layout is checked as 3.9.0's verifier does.
* ``tt.reduce``: ``#ttg.slice`` of the operand along ``axis``.
* ``tt.cat``, ``tt.histogram``: the encoding TTIR->TTGIR gives them (default blocked).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import LayoutError
from ..hardware.amd import AMDWMMALayout
from ..hardware.blocked import BlockedLayout, SliceLayout
from ..hardware.cga import DISTRIBUTED_IN_DIMS
from ..hardware.linear import (
    DistributedLinearLayout,
    GenericLinearLayout,
    _is_permutation,
    distributed_from_linear_layout,
)
from ..layout import LinearLayout, standard_out_dims
from ..triton.attrs import check_shape, parse_attr

__all__ = [
    "infer_layout",
    "infer_encoding",
    "infer_operand_layout",
    "infer_operand_encoding",
    "SHAPE_OPS",
    "default_blocked",
    "reshape_linear_layout",
]

#: an operand: a LinearLayout of the operand tensor, or ``(attr_text, shape)``
Operand = LinearLayout | tuple[str, Sequence[int]]


class _Value:
    """A tensor's encoding (a hardware description) and shape; each computed from the other
    on demand (a value known by its layout is ``#ttg.linear``, or ``#ttg.generic_linear``)."""

    __slots__ = ("_desc", "shape", "_ll", "from_layout", "_generic")

    def __init__(
        self,
        desc: Any,
        shape: Sequence[int],
        *,
        layout: LinearLayout | None = None,
        from_layout: bool = False,
        generic: bool = False,
    ) -> None:
        self._desc = desc
        self.shape = tuple(shape)
        self._ll = layout
        #: given as a LinearLayout (not as text): read as #ttg.linear, or as a slice of a
        #: #ttg.linear parent where the op needs a slice (expand_dims)
        self.from_layout = from_layout
        self._generic = generic

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> type:
        """The description's class, without building a linear one."""
        if self._desc is None:
            return (
                GenericLinearLayout
                if self._generic or not _permutation_layout(self._ll)
                else DistributedLinearLayout
            )
        return type(self._desc)

    @property
    def desc(self) -> Any:
        """The encoding's description (``to_triton()`` prints it as Triton does)."""
        if self._desc is None:
            d = distributed_from_linear_layout(self._ll)
            if self._generic and not isinstance(d, GenericLinearLayout):
                d = GenericLinearLayout(d.reg_bases, d.lane_bases, d.warp_bases, d.block_bases, d.shape)
            self._desc = d
        return self._desc

    @property
    def layout(self) -> LinearLayout:
        """Triton's ``toLinearLayout(shape, encoding)``."""
        if self._ll is None:
            self._ll = self.desc.to_linear_layout(list(self.shape))
        return self._ll


def _permutation_layout(L: LinearLayout) -> bool:
    """Every nonzero basis one power of two, all distinct (printable as ``#ttg.linear``)."""
    return _is_permutation([b for bl in L.bases.values() for b in bl])


def _check_encodable(L: LinearLayout, what: str) -> None:
    """A layout ``#ttg.linear`` / ``#ttg.generic_linear`` can spell: surjective, and every
    register, lane and block basis zero or one power of two (only warps may be swizzled)."""
    bases = L.bases
    for k in ("register", "lane", "block"):
        for i, b in enumerate(bases[k]):
            nz = [c for c in b if c]
            if len(nz) > 1 or (nz and nz[0] & (nz[0] - 1)):
                raise LayoutError(
                    f"{what}: {k} basis {i} = {b} is not zero or one power of two in one dim; Triton's "
                    "linear encodings allow swizzled bases only on warps"
                )
    if not L.is_surjective():
        raise LayoutError(f"{what}: the layout does not cover every element of its tensor (not surjective)")


# --------------------------------------------------------------------------- operands


def _as_value(x: Any, what: str) -> _Value:
    """An operand as a (description, shape) pair, checked to be distributed."""
    if isinstance(x, LinearLayout):
        names = list(x.out_dims)
        if names != standard_out_dims(len(names)) or not names:
            raise LayoutError(f"{what}: out-dims must be dim0..dimN-1, got {names}")
        if list(x.in_dims) != list(DISTRIBUTED_IN_DIMS):
            raise LayoutError(
                f"{what}: a distributed layout needs in-dims {list(DISTRIBUTED_IN_DIMS)} in that order, "
                f"got {list(x.in_dims)}"
            )
        _check_encodable(x, what)
        return _Value(None, tuple(x.out_dims.values()), layout=x, from_layout=True)
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str):
        try:
            desc = parse_attr(x[0])
            shape = check_shape(x[1])
        except LayoutError as e:
            raise LayoutError(f"{what}: {e}") from None
        v = _Value(desc, shape)
        rank = getattr(desc, "rank", None)
        if rank is not None and rank != len(shape):
            raise LayoutError(
                f"{what}: the attribute has rank {rank} but the shape {list(shape)} has {len(shape)}"
            )
        try:
            L = v.layout
        except LayoutError as e:
            raise LayoutError(f"{what}: {e}") from None
        if list(L.in_dims) != list(DISTRIBUTED_IN_DIMS):
            raise LayoutError(
                f"{what}: {x[0][:40]}... is not a distributed (register) layout; shape ops take tensors"
            )
        return v
    raise LayoutError(
        f"{what}: expected a LinearLayout or an (attr_text, shape) pair, got {type(x).__name__}"
    )


def _operands(operands: Any, n: int, op: str) -> list[_Value]:
    """Exactly ``n`` operands as values."""
    if isinstance(operands, (LinearLayout, str)) or (
        isinstance(operands, tuple) and len(operands) == 2 and isinstance(operands[0], str)
    ):
        operands = [operands]
    if not isinstance(operands, Sequence):
        raise LayoutError(f"operands: expected a list of operand layouts, got {type(operands).__name__}")
    if len(operands) != n:
        raise LayoutError(f"operands: {op} takes {n} operand(s), got {len(operands)}")
    return [_as_value(x, f"operands[{i}]") for i, x in enumerate(operands)]


def _linear(L: LinearLayout, src: _Value) -> _Value:
    """Triton ``inferEncodingFromLinearLayout``: ``#ttg.generic_linear`` for a generic
    source, else ``#ttg.linear`` (generic anyway when the bases are swizzled)."""
    generic = src.kind is GenericLinearLayout if src._desc is None else _is_generic(src._desc)
    return _Value(None, tuple(L.out_dims.values()), layout=L, generic=generic)


def _is_generic(desc: Any) -> bool:
    """Triton ``isGenericLinearEncoding``: a generic encoding, an AMD WMMA whose CTA layout
    (register and warp tile bases) is not a permutation, or a slice / dot operand whose
    root parent is one of those."""
    while desc is not None:
        if isinstance(desc, GenericLinearLayout):
            return True
        if isinstance(desc, AMDWMMALayout) and not _is_permutation([*desc.reg_bases, *desc.warp_bases]):
            return True
        desc = getattr(desc, "parent", None)
    return False


def _int(x: Any, what: str) -> int:
    """``x`` as an int, or LayoutError naming ``what``."""
    if isinstance(x, bool) or not hasattr(x, "__index__"):
        raise LayoutError(f"{what}: expected an int, got {x!r}")
    return int(x.__index__())


def _axis(attrs: Mapping[str, Any], rank: int, op: str, *, insert: bool = False) -> int:
    """The ``axis`` attribute, in ``[0, rank)`` (``[0, rank]`` for an inserted dim)."""
    if "axis" not in attrs:
        raise LayoutError(f"axis: {op} needs axis=")
    a = _int(attrs["axis"], "axis")
    hi = rank + 1 if insert else rank
    if not 0 <= a < hi:
        raise LayoutError(f"axis: must be in [0, {hi}) for a rank-{rank} operand of {op}, got {a}")
    return a


def _shape_attr(attrs: Mapping[str, Any], op: str) -> tuple[int, ...]:
    """The ``shape`` attribute (the result shape), checked."""
    if "shape" not in attrs:
        raise LayoutError(f"shape: {op} needs shape= (the result shape)")
    try:
        return check_shape(attrs["shape"])
    except LayoutError as e:
        raise LayoutError(f"shape: {e}") from None


def _check_attrs(attrs: Mapping[str, Any], allowed: Sequence[str], op: str) -> None:
    """LayoutError for an attribute ``op`` does not take."""
    extra = sorted(set(attrs) - set(allowed))
    if extra:
        raise LayoutError(f"{extra[0]}: not an attribute of {op} (expected {sorted(allowed) or 'none'})")


def _transpose_bases(bases: Sequence[Sequence[int]], order: Sequence[int]) -> list[list[int]]:
    """Each basis b -> b' with b'[k] = b[order[k]] (Triton ``transposeLinearLayout``)."""
    return [[b[o] for o in order] for b in bases]


def _permute(v: Sequence[int], order: Sequence[int]) -> list[int]:
    """``v'[i] = v[order[i]]`` (a per-dim vector after ``trans(order)``)."""
    return [v[o] for o in order]


def _inverse(order: Sequence[int]) -> list[int]:
    """The inverse permutation."""
    inv = [0] * len(order)
    for i, o in enumerate(order):
        inv[o] = i
    return inv


def _check_order(order: Any, rank: int) -> list[int]:
    """A permutation of ``0 .. rank-1``, checked."""
    if isinstance(order, (str, bytes)) or not isinstance(order, Sequence):
        raise LayoutError(f"order: expected a permutation of 0..{rank - 1}, got {order!r}")
    o = [_int(x, "order") for x in order]
    if sorted(o) != list(range(rank)):
        raise LayoutError(
            f"order: expected a permutation of 0..{rank - 1} (the operand's rank is {rank}), got {o}"
        )
    return o


def _new_layout(L: LinearLayout, bases: Mapping[str, list], shape: Sequence[int]) -> LinearLayout:
    """A distributed layout with these bases over ``shape`` (standard out-dims)."""
    outs = list(zip(standard_out_dims(len(shape)), shape))
    return LinearLayout.from_bases(
        {k: bases.get(k, []) for k in DISTRIBUTED_IN_DIMS}, outs, require_surjective=False
    )


# --------------------------------------------------------------------------- default blocked


def default_blocked(
    shape: Sequence[int],
    num_warps: int,
    threads_per_warp: int = 32,
    num_ctas: int = 1,
    *,
    size_per_thread: Sequence[int] | None = None,
    order: Sequence[int] | None = None,
) -> BlockedLayout:
    """Triton's ``BlockedEncodingAttr::get(shape, sizePerThread, order, numWarps,
    threadsPerWarp, CTALayout)`` with the default CTA layout (the CTAs split dim 0): lanes,
    then warps, fill dims from ``order[0]`` up to the per-CTA shape; the last dim in the
    order takes the rest (spt 1 and row-major by default, i.e. ``getDefaultBlockedEncoding``).

    >>> default_blocked([64, 64], 4)
    BlockedLayout(size_per_thread=[1, 1], threads_per_warp=[1, 32], warps_per_cta=[2, 2], order=[1, 0])
    >>> default_blocked([32, 64], 4, num_ctas=2).cga_layout
    ((1, 0),)
    """
    shape = check_shape(shape)
    rank = len(shape)
    spt = [1] * rank if size_per_thread is None else [int(s) for s in size_per_thread]
    order = list(range(rank - 1, -1, -1)) if order is None else [int(o) for o in order]
    for what, n in (("num_warps", num_warps), ("threads_per_warp", threads_per_warp), ("num_ctas", num_ctas)):
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0 or n & (n - 1):
            raise LayoutError(f"{what}: expected a positive power of two, got {n!r}")
    cga = [[1 << i if d == 0 else 0 for d in range(rank)] for i in range(num_ctas.bit_length() - 1)]
    per_cta = [max(1, shape[0] // num_ctas), *shape[1:]]
    tpw, wpc = [1] * rank, [1] * rank
    rem_lanes, rem_threads, rem_warps = threads_per_warp, num_warps * threads_per_warp, num_warps
    prev_lanes = prev_warps = 1
    for i in order[:-1]:
        threads = max(1, min(rem_threads, max(1, per_cta[i] // spt[i])))
        tpw[i] = max(1, min(threads, rem_lanes))
        wpc[i] = max(1, min(threads // tpw[i], rem_warps))
        rem_warps //= wpc[i]
        rem_lanes //= tpw[i]
        rem_threads //= threads
        prev_lanes *= tpw[i]
        prev_warps *= wpc[i]
    tpw[order[-1]] = threads_per_warp // prev_lanes
    wpc[order[-1]] = num_warps // prev_warps
    return BlockedLayout(spt, tpw, wpc, order, cga)


def _counts(v: _Value, attrs: Mapping[str, Any]) -> tuple[int, int, int]:
    """(num_warps, threads_per_warp, num_ctas) of the module: given, or the operand's."""
    L = v.layout
    nw = attrs.get("num_warps", L.in_dims["warp"])
    tpw = attrs.get("threads_per_warp", L.in_dims["lane"])
    nc = attrs.get("num_ctas", L.in_dims["block"])
    return _int(nw, "num_warps"), _int(tpw, "threads_per_warp"), _int(nc, "num_ctas")


# --------------------------------------------------------------------------- trans


def _trans(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.trans``: Triton ``inferTransOpEncoding``."""
    (v,) = vals
    _check_attrs(attrs, ("order",), "tt.trans")
    if "order" not in attrs:
        raise LayoutError("order: tt.trans needs order= (a permutation of the operand's dims)")
    order = _check_order(attrs["order"], v.rank)
    shape = tuple(_permute(v.shape, order))
    if order == list(range(v.rank)):
        return [v]
    if v.kind is BlockedLayout:
        d = v.desc
        inv = _inverse(order)
        nd = BlockedLayout(
            _permute(d.size_per_thread, order),
            _permute(d.threads_per_warp, order),
            _permute(d.warps_per_cta, order),
            [inv[o] for o in d.order],
            _transpose_bases(d.cga_layout, order),
        )
        return [_Value(nd, shape)]
    L = v.layout
    bases = {k: _transpose_bases(bl, order) for k, bl in L.bases.items()}
    return [_linear(_new_layout(L, bases, shape), v)]


# --------------------------------------------------------------------------- reshape


def reshape_linear_layout(L: LinearLayout, shape: Sequence[int]) -> LinearLayout:
    """The row-major reshape of a layout's tensor to ``shape`` (Triton ``reshapeLayout``:
    the last dim is the most minor).

    >>> L = LinearLayout.from_bases({"register": [[0, 1], [1, 0]]}, ["dim0", "dim1"])
    >>> reshape_linear_layout(L, [4]).bases["register"]
    [[1], [2]]
    """
    shape = check_shape(shape)
    names = list(L.out_dims)
    new = list(zip(standard_out_dims(len(shape)), shape))
    R = L.transpose_outs(names[::-1]).reshape_outs(new[::-1])
    return R.transpose_outs([n for n, _ in new])


def _reshape_decomposition(src: Sequence[int], dst: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """Triton ``getReshapeDecomposition``: groups of src dims and dst dims with equal
    products (e.g. [4,4,4] -> [2,2,8,2] is {[0] -> [0,1], [1,2] -> [2,3]})."""
    ret: list[tuple[list[int], list[int]]] = [([], [])]
    si = di = 0
    sn = dn = 1
    while si < len(src) or di < len(dst):
        if sn < dn or (si < len(src) and sn == 1) or (si < len(src) and src[si] == 1):
            sn *= src[si]
            ret[-1][0].append(si)
            si += 1
        elif dn < sn or (di < len(dst) and dst[di] == 1):
            dn *= dst[di]
            ret[-1][1].append(di)
            di += 1
        else:
            ret.append(([], []))
            sn = dn = 1
    return ret


def _legacy_reshape(v: _Value, dst: Sequence[int]) -> BlockedLayout | None:
    """Triton ``inferReshapeOpLegacyEncoding`` (blocked sources only), or None."""
    if v.kind is not BlockedLayout:
        return None
    d = v.desc
    src = v.shape
    if tuple(src) == tuple(dst):
        return d
    nw, tpw_n = 1, 1
    for w in d.warps_per_cta:
        nw *= w
    for t in d.threads_per_warp:
        tpw_n *= t
    nctas = 1 << len(d.cga_layout)
    if d == default_blocked(src, nw, tpw_n, nctas):
        return default_blocked(dst, nw, tpw_n, nctas)
    if d.cga_layout:  # Triton refuses multi-CTA sources here
        return None
    subs = (d.size_per_thread, d.threads_per_warp, d.warps_per_cta)
    for sub in subs:
        if any(s >= b and s % b for s, b in zip(src, sub)):
            return None
    decomp = _reshape_decomposition(src, dst)
    inv = _inverse(d.order)
    for sdims, _ in decomp:
        phys = [inv[s] for s in sdims][::-1]
        if any(phys[i] != phys[i - 1] + 1 for i in range(1, len(phys))):
            return None
    for sdims, _ in decomp:
        if not _filled(src, sdims, subs):
            return None
    rem = list(dst)
    outs = []
    for sub in subs:
        res = [0] * len(dst)
        for sdims, ddims in decomp:
            r = 1
            for s in sdims:
                r *= sub[s]
            for i in range(len(ddims) - 1, -1, -1):
                val = min(r, rem[ddims[i]])
                res[ddims[i]] = val
                r //= val
                rem[ddims[i]] //= val
            res[ddims[0]] *= r
        outs.append(res)
    decomp.sort(key=lambda g: inv[g[0][0]])
    dinv = [0] * len(dst)
    k = 0
    for _, ddims in decomp:
        for dd in reversed(ddims):
            dinv[dd] = k
            k += 1
    return BlockedLayout(outs[0], outs[1], outs[2], _inverse(dinv))


def _filled(src: Sequence[int], sdims: Sequence[int], subs: Sequence[Sequence[int]]) -> bool:
    """Triton's check that merged src dims are 'filled up' by the subblocks (spt, then tpw,
    then wpc, sharing one remaining shape; minor to major a non-1 subblock needs every
    more-minor dim used up; overflow only on the group's most major dim)."""
    rem = [src[s] for s in sdims]
    for sub in subs:
        for i in range(len(sdims) - 1, -1, -1):
            b = sub[sdims[i]]
            if b == 1:
                continue
            if any(rem[j] != 1 for j in range(i + 1, len(sdims))):
                return False
            rem[i] = rem[i] // b if rem[i] >= b else 0
            if rem[i] == 0 and i != 0:
                return False
    return True


def _squeeze_slice(v: _Value, shape: tuple[int, ...], target: LinearLayout) -> _Value | None:
    """A reshape that drops one size-1 dim ``d`` of a non-linear encoding gives
    ``#ttg.slice<{dim = d, parent = src}>`` when that slice lays the tensor out as the
    linear reshape does (measured on 3.9.0, before the legacy blocked rule: blocked, slice
    and dot_op sources; a ``#ttg.linear`` source stays linear)."""
    if issubclass(v.kind, DistributedLinearLayout) or v.rank != len(shape) + 1 or v.rank < 2:
        return None
    for d in range(v.rank):
        if v.shape[d] == 1 and v.shape[:d] + v.shape[d + 1 :] == shape:
            cand = _Value(SliceLayout(d, v.desc), shape)
            try:
                if cand.layout == target:
                    return cand
            except LayoutError:
                return None
            return None
    return None


def _unsqueeze_slice(v: _Value, shape: tuple[int, ...], target: LinearLayout) -> _Value | None:
    """A reshape of ``#ttg.slice<{dim = d, parent = P}>`` that inserts a size-1 dim at ``d``
    gives ``P`` when ``P`` lays the new shape out as the linear reshape does (measured on
    3.9.0 for every parent kind: blocked, mma, mfma, dot_op, slice, linear)."""
    if v.kind is not SliceLayout or len(shape) != v.rank + 1:
        return None
    d = v.desc
    if shape != (*v.shape[: d.dim], 1, *v.shape[d.dim :]):
        return None
    cand = _Value(d.parent, shape)
    try:
        return cand if cand.layout == target else None
    except LayoutError:
        return None


def _elems_per_thread(v: _Value) -> int:
    """Triton ``getTotalElemsPerThread``: the registers of the layout on its shape."""
    return v.layout.in_dims["register"]


def _is_expensive_view(src: _Value, dst: _Value) -> bool:
    """Triton ``isExpensiveView``: the broadcast bits per in-dim or the registers per thread
    differ (then the reshape is not a free renaming of registers)."""
    a, b = src.layout, dst.layout
    return a.free_variable_masks() != b.free_variable_masks() or _elems_per_thread(src) != _elems_per_thread(
        dst
    )


def _reshape(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.reshape``: Triton ``inferReshapeOpEncoding`` (legacy blocked rule, then the
    linear reshape).  A ``result`` layout is checked as the verifier does: the inferred one,
    or with ``allow_reorder`` any cheap view (``efficient_layout`` only pins it for the
    propagation passes; inference is the same)."""
    (v,) = vals
    _check_attrs(attrs, ("shape", "allow_reorder", "efficient_layout", "result"), "tt.reshape")
    shape = _shape_attr(attrs, "tt.reshape")
    n_src = n_dst = 1
    for s in v.shape:
        n_src *= s
    for s in shape:
        n_dst *= s
    if n_src != n_dst:
        raise LayoutError(
            f"shape: a reshape keeps the element count; the operand {list(v.shape)} has {n_src}, "
            f"{list(shape)} has {n_dst}"
        )
    linear = _linear(reshape_linear_layout(v.layout, shape), v)
    inferred = _squeeze_slice(v, shape, linear.layout) or _unsqueeze_slice(v, shape, linear.layout)
    if inferred is None:
        legacy = _legacy_reshape(v, shape)
        inferred = _Value(legacy, shape) if legacy is not None else linear
    hint = attrs.get("result")
    if hint is None:
        return [inferred]
    h = _as_value(hint, "result")
    if h.shape != shape:
        raise LayoutError(f"result: the hint's shape {list(h.shape)} must be the result shape {list(shape)}")
    if h.layout == inferred.layout:
        return [h]
    if not attrs.get("allow_reorder", False):
        raise LayoutError(
            "result: without allow_reorder a reshape's result layout is the inferred one and this one "
            "differs (pass allow_reorder=True to let the reshape reorder elements)"
        )
    if _is_expensive_view(v, h):
        raise LayoutError(
            "result: the layout is an expensive view of the operand (broadcast bits or registers per "
            "thread differ), which Triton's verifier rejects for an allow_reorder reshape"
        )
    return [h]


# --------------------------------------------------------------------------- join / split


def _drop_register_broadcast(L: LinearLayout) -> LinearLayout:
    """The layout without its zero register bases (equal "modulo register broadcast")."""
    return L.remove_zero_bases("register")


def _split_value(v: _Value, what: str) -> _Value:
    """Triton ``inferSplitOpEncoding``: the layout of each half of ``split(x)``."""
    if v.kind is BlockedLayout and v.rank >= 2:
        d = v.desc
        if (
            d.size_per_thread[-1] == 2
            and d.threads_per_warp[-1] == 1
            and d.warps_per_cta[-1] == 1
            and all(b[-1] == 0 for b in d.cga_layout)
        ):
            last = d.rank - 1
            nd = BlockedLayout(
                d.size_per_thread[:-1],
                d.threads_per_warp[:-1],
                d.warps_per_cta[:-1],
                [o for o in d.order if o != last],
                [b[:-1] for b in d.cga_layout],
            )
            return _Value(nd, v.shape[:-1])
    if v.shape[-1] != 2:
        raise LayoutError(f"{what}: tt.split needs a last dim of size 2, the shape is {list(v.shape)}")
    if v.rank < 2:
        raise LayoutError(f"{what}: tt.split needs rank >= 2 (the result drops the last dim)")
    L = v.layout
    axis = v.rank - 1
    found = False
    bases: dict[str, list] = {}
    for k, bl in L.bases.items():
        out = []
        for b in bl:
            if b[axis] == 1 and k == "register":
                found = True
                continue
            out.append(list(b[:axis]))
        bases[k] = out
    if not found:
        raise LayoutError(
            f"{what}: tt.split requires at least 2 elements per thread in the last dimension (no register "
            "basis along it); Triton refuses this layout"
        )
    return _linear(_new_layout(L, bases, v.shape[:-1]), v)


def _join_value(v: _Value) -> _Value:
    """Triton ``inferDefaultJoinOpEncoding``: the layout of ``join(a, b)`` for operands in ``v``."""
    shape = (*v.shape, 2)
    rank = v.rank
    kind = v.kind
    d = v.desc if kind in (SliceLayout, BlockedLayout) else None
    if kind is SliceLayout and d.dim == rank:
        parent = _Value(d.parent, shape)
        try:
            split = _split_value(parent, "operands")
        except LayoutError:
            split = None
        if split is not None and _drop_register_broadcast(split.layout) == _drop_register_broadcast(v.layout):
            return parent
    elif kind is BlockedLayout:
        nd = BlockedLayout(
            [*d.size_per_thread, 2],
            [*d.threads_per_warp, 1],
            [*d.warps_per_cta, 1],
            [rank, *d.order],
            [[*b, 0] for b in d.cga_layout],
        )
        return _Value(nd, shape)
    L = v.layout
    unit = [0] * rank + [1]
    bases = {k: [[*b, 0] for b in bl] for k, bl in L.bases.items()}
    bases["register"] = [unit, *bases["register"]]
    return _linear(_new_layout(L, bases, shape), v)


def _join(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.join``: two operands of one layout; a new last dim of size 2."""
    a, b = vals
    _check_attrs(attrs, (), "tt.join")
    if a.shape != b.shape:
        raise LayoutError(f"operands: tt.join needs equal shapes, got {list(a.shape)} and {list(b.shape)}")
    if a.layout != b.layout:
        raise LayoutError("operands: tt.join needs both operands in the same layout (convert one first)")
    return [_join_value(a)]


def _split(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.split``: two results of one layout."""
    (v,) = vals
    _check_attrs(attrs, (), "tt.split")
    r = _split_value(v, "operands[0]")
    return [r, r]


# --------------------------------------------------------------------------- expand_dims / reduce / broadcast


def _expand_dims(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.expand_dims``: the operand is a slice along ``axis``; the result its parent
    (a LinearLayout operand reads as a slice of a ``#ttg.linear`` parent)."""
    (v,) = vals
    _check_attrs(attrs, ("axis",), "tt.expand_dims")
    axis = _axis(attrs, v.rank, "tt.expand_dims", insert=True)
    shape = (*v.shape[:axis], 1, *v.shape[axis:])
    d = v.desc
    if v.from_layout:
        L = v.layout
        bases = {k: [[*b[:axis], 0, *b[axis:]] for b in bl] for k, bl in L.bases.items()}
        return [_linear(_new_layout(L, bases, shape), v)]
    if type(d) is not SliceLayout:
        raise LayoutError(
            f"operands[0]: tt.expand_dims needs a #ttg.slice operand (ExpandDimsOp operand encoding must be "
            f"SliceEncodingAttr), got {type(d).__name__}"
        )
    if d.dim != axis:
        raise LayoutError(
            f"axis: the operand is a slice along dim {d.dim}, so expand_dims needs axis={d.dim}, got {axis} "
            "(Incompatible slice dimension)"
        )
    return [_Value(d.parent, shape)]


def _reduce(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.reduce``: ``#ttg.slice<{dim = axis, parent = operand}>``."""
    _check_attrs(attrs, ("axis",), "tt.reduce")
    v = vals[0]
    for i, w in enumerate(vals[1:], 1):
        if w.shape != v.shape or w.layout != v.layout:
            raise LayoutError(
                f"operands[{i}]: every tt.reduce operand needs the first one's shape and layout"
            )
    axis = _axis(attrs, v.rank, "tt.reduce")
    if v.rank == 1:
        raise LayoutError("operands[0]: reducing a rank-1 tensor gives a scalar, which has no layout")
    shape = v.shape[:axis] + v.shape[axis + 1 :]
    r = _Value(SliceLayout(axis, v.desc), shape)
    return [r] * len(vals)


def _broadcast(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.broadcast``: the operand's encoding on the larger shape; a ``result`` layout is
    checked as 3.9.0's verifier does (equal to the operand's up to repeated registers)."""
    (v,) = vals
    _check_attrs(attrs, ("shape", "result"), "tt.broadcast")
    shape = _shape_attr(attrs, "tt.broadcast")
    if len(shape) != v.rank:
        raise LayoutError(f"shape: tt.broadcast keeps the rank ({v.rank}), got {list(shape)}")
    for i, (s, t) in enumerate(zip(v.shape, shape)):
        if s != t and s != 1:
            raise LayoutError(f"shape: dim {i} of size {s} can only broadcast from 1, got {t}")
    hint = attrs.get("result")
    if hint is not None:
        h = _as_value(hint, "result")
        if h.shape != shape:
            raise LayoutError(f"result: its shape {list(h.shape)} must be {list(shape)}")
        if not _broadcast_compatible(v, h):
            raise LayoutError(
                "result: tt.broadcast requires matching source and result layouts up to broadcasting "
                "(only register bases along the broadcast dims may differ)"
            )
        return [h]
    return [_Value(v.desc, shape)]


def _broadcast_compatible(src: _Value, dst: _Value) -> bool:
    """The result layout, seen on the source shape, is the source's up to repeated registers."""
    D = dst.layout
    keep = [i for i, s in enumerate(src.shape) if s > 1 or dst.shape[i] == 1]
    bases: dict[str, list] = {}
    for k, bl in D.bases.items():
        rows = [[c if i in keep else 0 for i, c in enumerate(b)] for b in bl]
        bases[k] = rows
    P = _new_layout(D, bases, src.shape)
    return _drop_register_broadcast(P) == _drop_register_broadcast(src.layout)


# --------------------------------------------------------------------------- gather / cat / histogram


def _gather(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.gather``: the result has the indices' shape and encoding."""
    src, idx = vals
    _check_attrs(attrs, ("axis", "efficient_layout"), "tt.gather")
    if src.rank != idx.rank:
        raise LayoutError(f"operands[1]: the indices need the source's rank {src.rank}, got {idx.rank}")
    axis = _axis(attrs, src.rank, "tt.gather")
    for d in range(src.rank):
        if d != axis and src.shape[d] != idx.shape[d]:
            raise LayoutError(
                f"operands[1]: indices dim {d} ({idx.shape[d]}) must match the source's ({src.shape[d]}) "
                f"off the gather axis {axis}"
            )
    return [idx]


def _cat(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.cat``: TTIR->TTGIR's choice, the default blocked result with
    ``sizePerThread[order[0]]`` scaled to ``nextPow2(ept(lhs) + ept(rhs))`` registers."""
    a, b = vals
    _check_attrs(attrs, ("num_warps", "threads_per_warp", "num_ctas"), "tt.cat")
    if a.shape != b.shape:
        raise LayoutError(f"operands: tt.cat needs equal shapes, got {list(a.shape)} and {list(b.shape)}")
    shape = (2 * a.shape[0], *a.shape[1:])
    base = default_blocked(shape, *_counts(a, attrs))
    ret = _elems_per_thread(_Value(base, shape))
    total = _elems_per_thread(a) + _elems_per_thread(b)
    want = 1 << (total - 1).bit_length()
    if want < ret:
        raise LayoutError(
            f"operands: the default result layout already holds {ret} elements per thread, more than the "
            f"operands' {total}; Triton's cat pattern cannot shrink it"
        )
    spt = list(base.size_per_thread)
    spt[base.order[0]] *= want // ret
    nd = BlockedLayout(spt, base.threads_per_warp, base.warps_per_cta, base.order, base.cga_layout)
    return [_Value(nd, shape)]


def _histogram(vals: list[_Value], attrs: Mapping[str, Any]) -> list[_Value]:
    """``tt.histogram``: TTIR->TTGIR's default blocked ``[num_bins]`` (the lowering accepts
    any result layout); ``num_bins=n`` or ``shape=[n]`` (the result shape)."""
    (v,) = vals
    _check_attrs(attrs, ("num_bins", "shape", "num_warps", "threads_per_warp", "num_ctas"), "tt.histogram")
    if v.rank != 1:
        raise LayoutError(f"operands[0]: tt.histogram takes a rank-1 tensor, got rank {v.rank}")
    if "num_bins" in attrs:
        try:
            bins = check_shape([_int(attrs["num_bins"], "num_bins")])
        except LayoutError as e:
            raise LayoutError(f"num_bins: {e}") from None
        if "shape" in attrs and tuple(_shape_attr(attrs, "tt.histogram")) != bins:
            raise LayoutError(f"shape: {attrs['shape']!r} disagrees with num_bins={bins[0]}")
    elif "shape" in attrs:
        bins = _shape_attr(attrs, "tt.histogram")
        if len(bins) != 1:
            raise LayoutError(f"shape: a histogram is rank 1 ([num_bins]), got {list(bins)}")
    else:
        raise LayoutError("num_bins: tt.histogram needs num_bins= (or shape=[num_bins])")
    return [_Value(default_blocked(bins, *_counts(v, attrs)), bins)]


# --------------------------------------------------------------------------- dispatch

_Rule = Callable[[list[_Value], Mapping[str, Any]], list[_Value]]

#: op name -> (number of operands or None for any, forward rule)
_FORWARD: dict[str, tuple[int | None, _Rule]] = {
    "tt.trans": (1, _trans),
    "tt.reshape": (1, _reshape),
    "tt.join": (2, _join),
    "tt.split": (1, _split),
    "tt.expand_dims": (1, _expand_dims),
    "tt.broadcast": (1, _broadcast),
    "tt.reduce": (None, _reduce),
    "tt.cat": (2, _cat),
    "tt.gather": (2, _gather),
    "tt.histogram": (1, _histogram),
}

#: the shape ops :func:`infer_layout` knows
SHAPE_OPS: tuple[str, ...] = tuple(_FORWARD)


def _op_name(op: Any) -> str:
    """``op`` as ``tt.<name>`` (the ``tt.`` prefix may be left out), checked."""
    if not isinstance(op, str):
        raise LayoutError(f"op: expected an op name such as 'tt.trans', got {type(op).__name__}")
    name = op if op.startswith("tt.") else "tt." + op
    if name not in _FORWARD:
        raise LayoutError(f"op: unknown shape op {op!r}; known: {', '.join(SHAPE_OPS)}")
    return name


def _forward(op: Any, operands: Any, attrs: Mapping[str, Any]) -> list[_Value]:
    """The result values of ``op`` on ``operands``."""
    name = _op_name(op)
    n, rule = _FORWARD[name]
    if n is None:
        if (
            isinstance(operands, Sequence)
            and not isinstance(operands, (str, LinearLayout))
            and not (isinstance(operands, tuple) and len(operands) == 2 and isinstance(operands[0], str))
        ):
            n = max(1, len(operands))
        else:
            n = 1
    vals = _operands(operands, n, name)
    return rule(vals, attrs)


def _single(res: list, op: str) -> Any:
    """One result bare, several (or a split's two) as a tuple."""
    return res[0] if len(res) == 1 and op != "tt.split" else tuple(res)


def infer_layout(
    op: str, operands: Sequence[Operand] | Operand, **attrs: Any
) -> LinearLayout | tuple[LinearLayout, ...]:
    """The layout(s) Triton 3.9.0 gives the result(s) of shape op ``op``.

    ``operands`` is a list (a single operand may be passed bare); each is a
    :class:`~linlayout.LinearLayout` (read as ``#ttg.linear``) or ``(attr_text, shape)``.
    Attributes: ``order=`` (trans), ``shape=`` (reshape, broadcast: the result shape),
    ``axis=`` (expand_dims, reduce, gather), ``num_bins=`` or ``shape=[n]`` (histogram),
    ``allow_reorder=`` / ``efficient_layout=`` / ``result=`` (reshape hint),
    ``result=`` (broadcast: a result layout to check), ``num_warps=`` /
    ``threads_per_warp=`` / ``num_ctas=`` (cat, histogram; default: the operand's).  ``tt.split`` returns
    two layouts, ``tt.reduce`` one per operand when given several, otherwise one.

    >>> A = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[1, 0], [2, 0]], "warp": [],
    ...                              "block": []}, ["dim0", "dim1"])
    >>> infer_layout("tt.trans", [A], order=[1, 0]).bases["register"]
    [[1, 0]]
    """
    name = _op_name(op)
    res = _forward(op, operands, attrs)
    return _single([r.layout for r in res], name)


def infer_encoding(op: str, operands: Sequence[Operand] | Operand, **attrs: Any) -> str | tuple[str, ...]:
    """Like :func:`infer_layout`, but the result encoding(s) as Triton prints them.

    >>> S = ("#ttg.slice<{dim = 1, parent = #ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], "
    ...      "warpsPerCTA = [2, 2], order = [1, 0]}>}>", [32])
    >>> infer_encoding("tt.expand_dims", [S], axis=1)[:12]
    '#ttg.blocked'
    """
    name = _op_name(op)
    res = _forward(op, operands, attrs)
    return _single([r.desc.to_triton() for r in res], name)


# --------------------------------------------------------------------------- backward


def _backward(op: Any, result: Any, attrs: Mapping[str, Any]) -> _Value:
    """The operand value that makes ``op`` free for ``result``."""
    name = _op_name(op)
    r = _as_value(result, "result")
    if name == "tt.trans":
        _check_attrs(attrs, ("order",), name)
        if "order" not in attrs:
            raise LayoutError("order: tt.trans needs order=")
        order = _check_order(attrs["order"], r.rank)
        return _trans([r], {"order": _inverse(order)})[0]
    if name == "tt.reshape":
        _check_attrs(attrs, ("shape",), name)
        return _reshape([r], {"shape": _operand_shape(attrs, name)})[0]
    if name == "tt.join":
        _check_attrs(attrs, (), name)
        return _split_value(r, "result")
    if name == "tt.split":
        _check_attrs(attrs, (), name)
        return _join_value(r)
    if name == "tt.expand_dims":
        _check_attrs(attrs, ("axis",), name)
        axis = _axis(attrs, r.rank, name)
        if r.shape[axis] != 1:
            raise LayoutError(f"result: dim {axis} of an expand_dims result has size 1, got {r.shape[axis]}")
        return _Value(SliceLayout(axis, r.desc), r.shape[:axis] + r.shape[axis + 1 :])
    if name == "tt.broadcast":
        _check_attrs(attrs, ("shape",), name)
        shape = _operand_shape(attrs, name)
        if len(shape) != r.rank or any(s != t and s != 1 for s, t in zip(shape, r.shape)):
            raise LayoutError(f"shape: {list(shape)} does not broadcast to the result shape {list(r.shape)}")
        return _Value(r.desc, shape)
    if name == "tt.reduce":
        _check_attrs(attrs, ("axis", "shape"), name)
        return _reduce_backward(r, attrs)
    if name == "tt.gather":
        _check_attrs(attrs, ("axis",), name)
        return r
    raise LayoutError(
        f"op: {name}'s result layout is free (TTIR->TTGIR picks it); no operand layout follows from it"
    )


def _operand_shape(attrs: Mapping[str, Any], op: str) -> tuple[int, ...]:
    """The ``shape`` attribute of a backward rule (the operand's shape), checked."""
    if "shape" not in attrs:
        raise LayoutError(f"shape: the backward rule of {op} needs shape= (the operand's shape)")
    try:
        return check_shape(attrs["shape"])
    except LayoutError as e:
        raise LayoutError(f"shape: {e}") from None


def _reduce_backward(r: _Value, attrs: Mapping[str, Any]) -> _Value:
    """A slice result along ``axis`` -> its parent on the operand shape; a ``#ttg.linear``
    result -> that layout with the reduced dim held in registers (a thread-local reduction)."""
    shape = _operand_shape(attrs, "tt.reduce")
    if len(shape) != r.rank + 1:
        raise LayoutError(
            f"shape: the operand has one dim more than the result {list(r.shape)}, got {list(shape)}"
        )
    axis = _axis(attrs, len(shape), "tt.reduce")
    if tuple(shape[:axis] + shape[axis + 1 :]) != r.shape:
        raise LayoutError(f"shape: {list(shape)} without dim {axis} must be the result shape {list(r.shape)}")
    d = r.desc
    if type(d) is SliceLayout:
        if d.dim != axis:
            raise LayoutError(f"axis: the result is a slice along dim {d.dim}, not {axis}")
        return _Value(d.parent, shape)
    L = r.layout
    bases = {k: [[*b[:axis], 0, *b[axis:]] for b in bl] for k, bl in L.bases.items()}
    unit = [0] * len(shape)
    reg = []
    for i in range(shape[axis].bit_length() - 1):
        unit = [0] * len(shape)
        unit[axis] = 1 << i
        reg.append(unit)
    bases["register"] = reg + bases["register"]
    return _linear(_new_layout(L, bases, shape), r)


def infer_operand_layout(op: str, result: Operand, **attrs: Any) -> LinearLayout:
    """The operand layout that makes shape op ``op`` free (its result is ``result`` with no
    data movement), as Triton's ``inferSrcEncoding`` gives it.

    ``tt.trans``: ``order=`` (the op's); ``tt.reshape``, ``tt.broadcast``, ``tt.reduce``:
    ``shape=`` the *operand's* shape; ``tt.expand_dims``, ``tt.reduce``: ``axis=``;
    ``tt.join``: the layout of each operand; ``tt.split``: the joined operand;
    ``tt.gather``: the indices' layout.  ``tt.reduce`` of a ``#ttg.linear`` result (not a
    slice, where Triton has no answer) gives the operand with the reduced dim in registers.
    ``LayoutError`` where no operand layout makes the op free (``tt.join`` of a result
    without a register basis along its last dim) or the result is free (cat, histogram).

    >>> R = LinearLayout.from_bases({"register": [[1, 0]], "lane": [[0, 1]], "warp": [], "block": []},
    ...                             ["dim0", "dim1"])
    >>> infer_operand_layout("tt.trans", R, order=[1, 0]).bases["register"]
    [[0, 1]]
    """
    return _backward(op, result, attrs).layout


def infer_operand_encoding(op: str, result: Operand, **attrs: Any) -> str:
    """Like :func:`infer_operand_layout`, but the encoding as Triton prints it."""
    return _backward(op, result, attrs).desc.to_triton()
