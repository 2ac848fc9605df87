"""Hypothesis strategies that draw :class:`~linlayout.LinearLayout` values.

Every strategy here is built from small integer draws (log2 sizes, permutations, bit
masks), so hypothesis shrinks a failing example towards a *readable* one: identity-like
bases, rank-1 shapes, one warp, no broadcast, no XOR swizzle.

>>> from hypothesis import given
>>> from linlayout.testing import distributed_layouts
>>> @given(distributed_layouts(warp_size=32, num_warps=4, shape=(32, 64)))
... def test_roundtrip(L):
...     assert L.is_surjective()
>>> test_roundtrip()

Sizes are bounded (``max_bits`` and friends), so every drawn layout is cheap to evaluate
exhaustively with :meth:`~linlayout.LinearLayout.to_table`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload

from hypothesis import strategies as st

from linlayout.errors import LayoutError
from linlayout.hardware._kit import DISTRIBUTED_IN_DIMS
from linlayout.layout import LinearLayout

if TYPE_CHECKING:
    from linlayout.hardware.base import HardwareLayout
    from linlayout.targets import Target

#: A hardware layout class; its constructor's keywords differ by family (drawn per family).
HwClass: TypeAlias = Any
#: A tensor shape.
Shape: TypeAlias = "tuple[int, ...]"
#: What a family drawer returns: (description, its LinearLayout, the shape).
Built: TypeAlias = "tuple[HardwareLayout, LinearLayout, tuple[int, ...]]"

__all__ = [
    "layouts",
    "distributed_layouts",
    "shared_layouts",
    "hardware_layouts",
    "layout_pairs",
    "shapes",
    "hardware_families",
]

_SMALL_WARPS = st.sampled_from([1, 2, 4])
_BOOLS = st.booleans()


# ----------------------------------------------------------------------------------------
# argument checking (bad strategy arguments are a user error: LayoutError naming them)


@overload
def _log2_of(value: Any, name: str, *, allow_none: Literal[False] = False) -> int: ...
@overload
def _log2_of(value: Any, name: str, *, allow_none: bool) -> int | None: ...
def _log2_of(value: Any, name: str, *, allow_none: bool = False) -> int | None:
    """log2 of a power-of-two int argument, or LayoutError naming ``name``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise LayoutError(f"{name}: expected a power-of-two int, got {value!r}")
    if value < 1 or value & (value - 1):
        raise LayoutError(f"{name}: expected a power of two >= 1, got {value}")
    return value.bit_length() - 1


def _check_bits(value: Any, name: str, lo: int = 0, hi: int = 64) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise LayoutError(f"{name}: expected an int in [{lo}, {hi}], got {value!r}")
    return value


def _check_shape(shape: Any, name: str = "shape") -> tuple[int, ...]:
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) == 0:
        raise LayoutError(f"{name}: expected a non-empty sequence of power-of-two ints, got {shape!r}")
    if len(shape) > 8:
        raise LayoutError(f"{name}: rank {len(shape)} is too large (at most 8)")
    for i, s in enumerate(shape):
        _log2_of(s, f"{name}[{i}]")
    return tuple(int(s) for s in shape)


def _maybe_strategy(value: Any) -> st.SearchStrategy[Any]:
    """Accept a strategy or a fixed value (drawn as ``just``)."""
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


# ----------------------------------------------------------------------------------------
# GF(2) column construction on flattened ints (bit k of a column = tensor bit k)


@st.composite
def _columns(draw: st.DrawFn, out_bits: int, n_cols: int, *, xor_mix: bool, full_rank: bool) -> list[int]:
    """``n_cols`` column vectors of ``out_bits`` bits; rank ``out_bits`` when ``full_rank``.

    Full rank: ``out_bits`` pivot slots hold ``e_sigma(i)`` XOR a combination of the earlier
    pivots' unit vectors (triangular, hence independent); the other slots hold anything
    (broadcast: a zero or a dependent column).  Shrinks to pivots in the first slots,
    ``sigma`` the identity, no XOR, zero extras: an identity layout.
    """
    cols = [0] * n_cols
    if full_rank:
        if n_cols < out_bits:
            raise LayoutError(f"internal: {n_cols} input bits cannot cover {out_bits} output bits")
        slots = draw(st.permutations(range(n_cols)))[:out_bits] if n_cols else []
        sigma = draw(st.permutations(range(out_bits))) if out_bits else []
        for i, slot in enumerate(slots):
            v = 1 << sigma[i]
            if xor_mix and i:
                mask = draw(st.integers(0, (1 << i) - 1))
                for j in range(i):
                    if mask >> j & 1:
                        v ^= 1 << sigma[j]
            cols[slot] = v
        pivots: set[int] = set(slots)
    else:
        pivots = set()
    for k in range(n_cols):
        if k in pivots:
            continue
        cols[k] = draw(_free_column(out_bits, xor_mix))
    return cols


def _free_column(out_bits: int, xor_mix: bool) -> st.SearchStrategy[int]:
    if out_bits == 0:
        return st.just(0)
    if xor_mix:
        return st.integers(0, (1 << out_bits) - 1)
    return st.integers(0, out_bits).map(lambda k: 0 if k == 0 else 1 << (k - 1))


def _split(col: int, out_log2: Sequence[int]) -> list[int]:
    """Split a flattened column into per-out-dim components (first out dim most minor)."""
    parts = []
    for k in out_log2:
        parts.append(col & ((1 << k) - 1))
        col >>= k
    return parts


def _build(in_bits: Sequence[tuple[str, int]], out: Sequence[tuple[str, int]], cols: Sequence[int],
           *, surjective: bool) -> LinearLayout:
    out_log2 = [s.bit_length() - 1 for _, s in out]
    bases: dict[str, list[list[int]]] = {}
    k = 0
    for name, nbits in in_bits:
        bases[name] = [_split(c, out_log2) for c in cols[k : k + nbits]]
        k += nbits
    return LinearLayout.from_bases(bases, dict(out), require_surjective=surjective)


# ----------------------------------------------------------------------------------------
# shapes


def shapes(*, min_rank: int = 1, max_rank: int = 3, min_bits: int = 0, max_bits: int = 10,
           max_dim_bits: int = 8) -> st.SearchStrategy[tuple[int, ...]]:
    """Tensor shapes: tuples of powers of two with ``min_bits <= sum(log2) <= max_bits``.

    >>> from linlayout.testing import shapes
    >>> s = shapes(max_rank=2, max_bits=6).example()
    >>> len(s) in (1, 2) and all(d & (d - 1) == 0 for d in s)
    True
    """
    _check_bits(min_rank, "min_rank", 1, 8)
    _check_bits(max_rank, "max_rank", min_rank, 8)
    _check_bits(min_bits, "min_bits", 0, 64)
    _check_bits(max_bits, "max_bits", min_bits, 64)
    _check_bits(max_dim_bits, "max_dim_bits", 0, 64)
    if max_rank * max_dim_bits < min_bits:
        raise LayoutError(f"min_bits: {min_bits} bits do not fit in {max_rank} dims of "
                          f"at most 2^{max_dim_bits}")

    @st.composite
    def draw_shape(draw: st.DrawFn) -> tuple[int, ...]:
        rank = draw(st.integers(min_rank, max_rank))
        if rank * max_dim_bits < min_bits:
            rank = max_rank
        total = draw(st.integers(min(min_bits, rank * max_dim_bits), min(max_bits, rank * max_dim_bits)))
        bits = [0] * rank
        # deal the bits out, each dim capped; shrinks to everything in the fastest dims
        for _ in range(total):
            free = [d for d in range(rank) if bits[d] < max_dim_bits]
            bits[draw(st.sampled_from(free))] += 1
        return tuple(1 << b for b in bits)

    return draw_shape()


def _out_pairs(shape: Sequence[int]) -> list[tuple[str, int]]:
    return [(f"dim{i}", s) for i, s in enumerate(shape)]


# ----------------------------------------------------------------------------------------
# general layouts


def _dims_arg(value: Any, name: str, default_prefix: str, max_dims: int, max_dim_bits: int,
              draw: st.DrawFn) -> list[tuple[str, int]]:
    """Resolve an in_dims/out_dims argument to (name, size) pairs."""
    if value is None:
        n = draw(st.integers(1, max_dims))
        return [(f"{default_prefix}{i}", 1 << draw(st.integers(0, max_dim_bits))) for i in range(n)]
    if isinstance(value, Mapping):
        pairs = list(value.items())
        for k, v in pairs:
            if not isinstance(k, str) or not k:
                raise LayoutError(f"{name}: dim names must be non-empty strings, got {k!r}")
            _log2_of(v, f"{name}[{k!r}]")
        return pairs
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise LayoutError(f"{name}: expected None, a mapping name->size or a sequence of names, "
                          f"got {value!r}")
    pairs = []
    for k in value:
        if not isinstance(k, str) or not k:
            raise LayoutError(f"{name}: dim names must be non-empty strings, got {k!r}")
        pairs.append((k, 1 << draw(st.integers(0, max_dim_bits))))
    if len({k for k, _ in pairs}) != len(pairs):
        raise LayoutError(f"{name}: duplicate dim names in {value!r}")
    return pairs


def layouts(*, in_dims: Any = None, out_dims: Any = None, max_in_dims: int = 3, max_out_dims: int = 2,
            max_dim_bits: int = 3, surjective: bool = False, xor_mix: bool = True
            ) -> st.SearchStrategy[LinearLayout]:
    """General named layouts: any in-dims, any out-dims, any bases.

    ``in_dims`` / ``out_dims``: ``None`` (names ``in0, in1, ...`` / ``out0, ...`` with random
    sizes), a sequence of names (random sizes) or a mapping ``{name: size}`` (fixed sizes).
    Each drawn size is at most ``2**max_dim_bits``.  With ``surjective=True`` every drawn
    layout is surjective (the in-dims are grown if they are too small to cover the
    out-dims); otherwise bases are arbitrary values below each out-dim size.  With
    ``xor_mix=False`` every basis is zero or a single power of two in one out-dim.

    >>> from linlayout.testing import layouts
    >>> L = layouts(in_dims={"x": 8}, out_dims={"y": 8}, surjective=True).example()
    >>> L.is_surjective(), L.in_dims, L.out_dims
    (True, {'x': 8}, {'y': 8})
    """
    _check_bits(max_in_dims, "max_in_dims", 1, 16)
    _check_bits(max_out_dims, "max_out_dims", 1, 16)
    _check_bits(max_dim_bits, "max_dim_bits", 0, 16)

    @st.composite
    def draw_layout(draw: st.DrawFn) -> LinearLayout:
        ins = _dims_arg(in_dims, "in_dims", "in", max_in_dims, max_dim_bits, draw)
        outs = _dims_arg(out_dims, "out_dims", "out", max_out_dims, max_dim_bits, draw)
        in_log2 = [s.bit_length() - 1 for _, s in ins]
        m = sum(s.bit_length() - 1 for _, s in outs)
        n = sum(in_log2)
        if n + m > 64 * 2 or n > 64 or m > 64:
            raise LayoutError("in_dims/out_dims: at most 64 input and 64 output bits")
        if surjective and n < m:
            if isinstance(in_dims, Mapping):
                raise LayoutError(f"in_dims: {n} input bits cannot cover {m} output bits "
                                  "with surjective=True")
            # grow the last in-dim so that the layout can be surjective
            in_log2[-1] += m - n
            ins[-1] = (ins[-1][0], 1 << in_log2[-1])
            n = m
        cols = draw(_columns(m, n, xor_mix=xor_mix, full_rank=surjective))
        return _build([(k, b) for (k, _), b in zip(ins, in_log2)], outs, cols, surjective=surjective)

    return draw_layout()


# ----------------------------------------------------------------------------------------
# distributed layouts


@st.composite
def _distributed(draw: st.DrawFn, warp_size: Any, num_warps: Any, num_blocks: Any, shape: Any, broadcast: Any,
                 xor_mix: bool, max_bits: int, max_extra_registers: int) -> LinearLayout:
    lane_bits = _log2_of(draw(_maybe_strategy(warp_size)), "warp_size")
    warp_bits = _log2_of(draw(_maybe_strategy(num_warps)), "num_warps")
    block_bits = _log2_of(draw(_maybe_strategy(num_blocks)), "num_blocks")
    hw_bits = lane_bits + warp_bits + block_bits
    do_broadcast = draw(_maybe_strategy(broadcast))
    if not isinstance(do_broadcast, bool):
        raise LayoutError(f"broadcast: expected a bool, got {do_broadcast!r}")
    if shape is None:
        lo = 0 if do_broadcast else hw_bits
        if lo > max_bits:
            raise LayoutError(f"max_bits: {max_bits} tensor bits cannot hold {hw_bits} lane/warp/block "
                              "bits without broadcast; raise max_bits or pass broadcast=True")
        tshape = draw(shapes(min_bits=lo, max_bits=max_bits))
    else:
        tshape = _check_shape(draw(_maybe_strategy(shape)))
    m = sum(s.bit_length() - 1 for s in tshape)
    if m > 64:
        raise LayoutError(f"shape: {tshape} has {m} bits, more than 64")
    if not do_broadcast and hw_bits > m:
        raise LayoutError(f"shape: {tshape} ({m} bits) is too small for {hw_bits} lane/warp/block bits "
                          "without broadcast; pass broadcast=True or a larger shape")
    reg_bits = max(0, m - hw_bits)
    if do_broadcast:
        reg_bits += draw(st.integers(0, max_extra_registers))
    n = reg_bits + hw_bits
    cols = draw(_columns(m, n, xor_mix=xor_mix, full_rank=True))
    ins = [("register", reg_bits), ("lane", lane_bits), ("warp", warp_bits), ("block", block_bits)]
    return _build(ins, _out_pairs(tshape), cols, surjective=True)


def distributed_layouts(*, warp_size: Any = 32, num_warps: Any = _SMALL_WARPS,
                        num_blocks: Any = 1, shape: Any = None, broadcast: Any = False,
                        xor_mix: bool = True, max_bits: int = 12, max_extra_registers: int = 2
                        ) -> st.SearchStrategy[LinearLayout]:
    """Distributed (register) layouts: in-dims ``register, lane, warp, block`` -> ``dim0..``.

    Each drawn layout is surjective onto ``shape``.  Without broadcast it is a bijection
    (every tensor element lives in exactly one register of one thread), so the shape must
    have at least ``log2(warp_size * num_warps * num_blocks)`` bits.  With
    ``broadcast=True`` some bases are zero or repeat others (replicated data), and extra
    register bits (up to ``max_extra_registers``) may appear.  ``warp_size``,
    ``num_warps``, ``num_blocks``, ``shape`` and ``broadcast`` each take a fixed value or
    a strategy; ``shape=None`` draws a shape of at most ``max_bits`` bits.  With
    ``xor_mix=False`` every basis is zero or one power of two in one dim (like Triton's
    blocked/MMA layouts); otherwise bases may XOR several tensor bits (swizzles).

    >>> from linlayout.testing import distributed_layouts
    >>> L = distributed_layouts(warp_size=32, num_warps=2, shape=(16, 16)).example()
    >>> L.in_dims["lane"], L.in_dims["warp"], L.out_dims
    (32, 2, {'dim0': 16, 'dim1': 16})
    >>> L.is_invertible()
    True
    """
    _check_bits(max_bits, "max_bits", 0, 64)
    _check_bits(max_extra_registers, "max_extra_registers", 0, 16)
    if not isinstance(xor_mix, bool):
        raise LayoutError(f"xor_mix: expected a bool, got {xor_mix!r}")
    if shape is not None and not isinstance(shape, st.SearchStrategy):
        _check_shape(shape)
    for name, v in (("warp_size", warp_size), ("num_warps", num_warps), ("num_blocks", num_blocks)):
        if not isinstance(v, st.SearchStrategy):
            _log2_of(v, name)
    return _distributed(warp_size, num_warps, num_blocks, shape, broadcast, xor_mix, max_bits,
                        max_extra_registers)


# ----------------------------------------------------------------------------------------
# shared-memory layouts


def swizzled_offset_bases(shape: Sequence[int], order: Sequence[int], vec: int, per_phase: int,
                          max_phase: int) -> list[list[int]]:
    """Offset bases of a swizzled shared layout (Triton's ``swizzled_shared`` recipe).

    Element ``(r, c)`` of the two fastest dims (``order[1]``, ``order[0]``) sits at column
    ``c XOR vec * ((r // per_phase) % max_phase)``; slower dims follow in ``order``.

    >>> swizzled_offset_bases((4, 8), (1, 0), 2, 1, 4)
    [[0, 1], [0, 2], [0, 4], [1, 2], [2, 4]]
    """
    rank = len(shape)
    bases: list[list[int]] = []

    def unit(d: int, v: int) -> list[int]:
        b = [0] * rank
        b[d] = v
        return b

    col = order[0]
    for k in range(shape[col].bit_length() - 1):
        bases.append(unit(col, 1 << k))
    if rank >= 2:
        row = order[1]
        ncols = shape[col]
        for k in range(shape[row].bit_length() - 1):
            r = 1 << k
            b = unit(row, r)
            b[col] = (vec * ((r // per_phase) % max_phase)) % ncols
            bases.append(b)
        for d in order[2:]:
            for k in range(shape[d].bit_length() - 1):
                bases.append(unit(d, 1 << k))
    return bases


@st.composite
def _shared(draw: st.DrawFn, shape: Any, num_blocks: Any, max_bits: int, elem_bits: Any) -> LinearLayout:
    block_bits = _log2_of(draw(_maybe_strategy(num_blocks)), "num_blocks")
    if shape is None:
        tshape = draw(shapes(min_bits=block_bits, max_bits=max(max_bits, block_bits)))
    else:
        tshape = _check_shape(draw(_maybe_strategy(shape)))
    rank = len(tshape)
    bits = [s.bit_length() - 1 for s in tshape]
    if sum(bits) < block_bits:
        raise LayoutError(f"shape: {tshape} has fewer bits than num_blocks needs ({block_bits})")
    # each block bit splits the top of one dim (CGA split); shrinks to splitting dim0
    per_cta = list(bits)
    block_cols: list[tuple[int, int]] = []
    for _ in range(block_bits):
        d = draw(st.sampled_from([i for i in range(rank) if per_cta[i] > 0]))
        per_cta[d] -= 1
        block_cols.append((d, per_cta[d]))
    # the block bits of one dim, lowest first
    block_cols.sort(key=lambda t: (t[1]))
    order = draw(st.permutations(range(rank)).map(tuple)) if rank > 1 else (0,)
    cta_shape = [1 << b for b in per_cta]
    ebits = draw(_maybe_strategy(elem_bits))
    _log2_of(ebits, "elem_bits")
    ncols = cta_shape[order[0]]
    vec = 1 << draw(st.integers(0, max(0, min(ncols.bit_length() - 1, (128 // ebits).bit_length() - 1))))
    per_phase = 1 << draw(st.integers(0, 3))
    max_phase = 1 << draw(st.integers(0, max(0, (ncols // vec).bit_length() - 1)))
    offset = swizzled_offset_bases(cta_shape, order, vec, per_phase, max_phase)
    block = []
    for d, b in block_cols:
        v = [0] * rank
        v[d] = 1 << b
        block.append(v)
    out = _out_pairs(tshape)
    return LinearLayout.from_bases({"offset": offset, "block": block}, dict(out))


def shared_layouts(*, shape: Any = None, num_blocks: Any = 1, elem_bits: Any = 16, max_bits: int = 12
                   ) -> st.SearchStrategy[LinearLayout]:
    """Swizzled shared-memory layouts: in-dims ``offset, block`` -> ``dim0..``, invertible.

    Drawn like Triton's ``swizzled_shared`` encoding: a random ``order``, ``vec`` (at most
    128 bits of ``elem_bits`` elements), ``per_phase`` and ``max_phase``; with
    ``num_blocks > 1`` the block bits split the top of random dims (a CGA split).  Shrinks
    to the unswizzled, row-major layout.

    >>> from linlayout.testing import shared_layouts
    >>> L = shared_layouts(shape=(8, 8)).example()
    >>> list(L.in_dims), L.is_invertible()
    (['offset', 'block'], True)
    """
    _check_bits(max_bits, "max_bits", 0, 64)
    if shape is not None and not isinstance(shape, st.SearchStrategy):
        _check_shape(shape)
    if not isinstance(num_blocks, st.SearchStrategy):
        _log2_of(num_blocks, "num_blocks")
    if not isinstance(elem_bits, st.SearchStrategy):
        _log2_of(elem_bits, "elem_bits")
    return _shared(shape, num_blocks, max_bits, elem_bits)


# ----------------------------------------------------------------------------------------
# pairs for conversions


@st.composite
def _pairs(
    draw: st.DrawFn, warp_size: Any, num_warps: Any, num_blocks: Any, shape: Any, broadcast: Any,
    xor_mix: bool, max_bits: int, target: Target | None,
) -> tuple[LinearLayout, LinearLayout]:
    ws = draw(_maybe_strategy(warp_size))
    nw = draw(_maybe_strategy(num_warps))
    nb = draw(_maybe_strategy(num_blocks))
    bc = draw(_maybe_strategy(broadcast))
    if not isinstance(bc, bool):
        raise LayoutError(f"broadcast: expected a bool, got {bc!r}")
    if shape is None:
        hw_bits = _log2_of(ws, "warp_size") + _log2_of(nw, "num_warps") + _log2_of(nb, "num_blocks")
        lo = 0 if bc else hw_bits
        if lo > max_bits:
            raise LayoutError(f"max_bits: {max_bits} tensor bits cannot hold {hw_bits} lane/warp/block "
                              "bits without broadcast")
        tshape = draw(shapes(min_bits=lo, max_bits=max_bits))
    else:
        tshape = _check_shape(draw(_maybe_strategy(shape)))
    if target is not None:
        options: list[st.SearchStrategy[LinearLayout | None]] = [st.none()]
        hw = _hardware_for_pair(target, tshape, ws, nw, nb)
        if hw is not None:
            options.append(hw)
        picks = []
        for _ in range(2):
            got = draw(st.one_of(*options))
            picks.append(got)
    else:
        picks = [None, None]
    out = []
    for got in picks:
        if got is None:
            got = draw(_distributed(ws, nw, nb, tshape, bc, xor_mix, max_bits, 2))
        out.append(got)
    return out[0], out[1]


def layout_pairs(*, warp_size: Any = 32, num_warps: Any = _SMALL_WARPS, num_blocks: Any = 1,
                 shape: Any = None, broadcast: Any = _BOOLS, xor_mix: bool = True,
                 max_bits: int = 12, target: Any = None
                 ) -> st.SearchStrategy[tuple[LinearLayout, LinearLayout]]:
    """Pairs ``(src, dst)`` of distributed layouts of one tensor, for conversions.

    Both have the same out-dims and sizes and the same numbers of lanes, warps and blocks
    (their register counts may differ when ``broadcast`` is true).  With ``target`` (a
    :class:`~linlayout.Target` or name), each side is sometimes drawn from the hardware
    families (:func:`hardware_layouts`) with that warp size instead.

    >>> from linlayout.testing import layout_pairs
    >>> src, dst = layout_pairs(num_warps=2, shape=(32, 8)).example()
    >>> src.out_dims == dst.out_dims, src.in_dims["warp"] == dst.in_dims["warp"]
    (True, True)
    """
    _check_bits(max_bits, "max_bits", 0, 64)
    if shape is not None and not isinstance(shape, st.SearchStrategy):
        _check_shape(shape)
    for name, v in (("warp_size", warp_size), ("num_warps", num_warps), ("num_blocks", num_blocks)):
        if not isinstance(v, st.SearchStrategy):
            _log2_of(v, name)
    if target is not None:
        from linlayout.targets import get_target

        target = get_target(target)
    return _pairs(warp_size, num_warps, num_blocks, shape, broadcast, xor_mix, max_bits, target)


def _hardware_for_pair(
    target: Target, shape: Shape, ws: int, nw: int, nb: int
) -> st.SearchStrategy[LinearLayout] | None:
    """A strategy of hardware distributed layouts matching (target, shape, warps), or None."""
    if ws != target.warp_size:
        return None
    fams = [f for f in _available_families(target) if f.kind == "distributed"]
    if not fams:
        return None
    return st.one_of(*[f.strategy(target, tuple(shape), num_warps=nw, num_blocks=nb) for f in fams]).filter(
        lambda x: x is not None
    ).map(lambda hw_ll: hw_ll[1])


# ----------------------------------------------------------------------------------------
# hardware families


def hardware_families(target: Any = None) -> list[str]:
    """Names (Triton attribute names) of the hardware families :func:`hardware_layouts`
    can draw from, for ``target`` (all targets when ``None``).

    >>> from linlayout.testing import hardware_families
    >>> isinstance(hardware_families("sm_90"), list)
    True
    """
    t = None
    if target is not None:
        from linlayout.targets import get_target

        t = get_target(target)
    return [f.name for f in _available_families(t)]


def hardware_layouts(target: Any, *, shape: Any = None, families: Sequence[str] | None = None,
                     kind: str = "any", num_warps: Any = None, num_blocks: Any = 1,
                     with_description: bool = False) -> st.SearchStrategy[Any]:
    """Layouts drawn from every hardware generator family available for ``target``.

    Each example picks a family (``blocked``, ``slice``, ``nvidia_mma``, ``dot_op``,
    ``amd_mfma``, ``amd_wmma``, ``swizzled_shared``, ``nvmma_shared``, ``tensor_memory``,
    ... as registered in ``linlayout.hardware``), draws parameters that Triton accepts
    for that target (warp size, legal instruction shapes, powers of two), builds the
    description and returns its ``to_linear_layout(shape)``.  ``kind`` restricts to
    ``"distributed"``, ``"shared"`` or ``"tmem"`` families; ``families`` to given
    Triton attribute names (``"ttg.blocked"`` or just ``"blocked"``).  With
    ``with_description=True`` the strategy yields ``(description, shape, layout)``.

    >>> from linlayout.testing import hardware_layouts
    >>> from hypothesis import given
    >>> @given(hardware_layouts("sm_80", kind="distributed"))
    ... def test_surjective(L):
    ...     assert L.is_surjective()
    >>> test_surjective()
    """
    from linlayout.targets import get_target

    tgt = get_target(target)
    if kind not in ("any", "distributed", "shared", "tmem"):
        raise LayoutError(f"kind: expected 'any', 'distributed', 'shared' or 'tmem', got {kind!r}")
    if not isinstance(with_description, bool):
        raise LayoutError(f"with_description: expected a bool, got {with_description!r}")
    fams = _available_families(tgt)
    if families is not None:
        if isinstance(families, str) or not isinstance(families, Sequence):
            raise LayoutError(f"families: expected a sequence of family names, got {families!r}")
        known = {f.name for f in _FAMILIES}
        wanted: set[str] = set()
        for f in families:
            if not isinstance(f, str):
                raise LayoutError(f"families: expected family names, got {f!r}")
            full = [n for n in (f, f"ttg.{f}", f"ttng.{f}") if n in known]
            wanted.add(full[0] if full else f)
        unknown = wanted - {f.name for f in _FAMILIES}
        if unknown:
            raise LayoutError(f"families: unknown {sorted(unknown)}; known: "
                              f"{sorted(f.name for f in _FAMILIES)}")
        fams = [f for f in fams if f.name in wanted]
    if kind != "any":
        fams = [f for f in fams if f.kind == kind]
    if not fams:
        raise LayoutError(f"families: no hardware family available for target {tgt.name} "
                          f"with kind={kind!r} (families={families!r})")
    if shape is not None and not isinstance(shape, st.SearchStrategy):
        _check_shape(shape)
    if num_warps is not None and not isinstance(num_warps, st.SearchStrategy):
        _log2_of(num_warps, "num_warps")

    @st.composite
    def draw_hw(draw: st.DrawFn) -> Any:
        fam = draw(st.sampled_from(fams))
        sh = None if shape is None else tuple(draw(_maybe_strategy(shape)))
        nw = None if num_warps is None else draw(_maybe_strategy(num_warps))
        nb = draw(_maybe_strategy(num_blocks))
        got = draw(fam.strategy(tgt, sh, num_warps=nw, num_blocks=nb))
        if got is None:
            from hypothesis import reject

            reject()
        desc, layout, sh2 = got[0], got[1], got[2]
        return (desc, sh2, layout) if with_description else layout

    return draw_hw()


# ----------------------------------------------------------------------------------------
# hardware family registry: one parameter drawer per Triton attribute name


class _Family:
    """A hardware family: its Triton attribute name, kind, defining module, the targets it
    exists on, and a drawer ``build(draw, target, shape, num_warps, num_blocks)`` returning
    ``(description, layout, shape)`` or ``None`` when it cannot fit the request."""

    def __init__(
        self, name: str, kind: str, module: str, applies: Callable[[Target], bool],
        build: Callable[..., Built | None],
    ) -> None:
        self.name, self.kind, self.module, self.applies, self.build = name, kind, module, applies, build

    def cls(self) -> HwClass:
        from importlib import import_module

        from linlayout.hardware.base import TRITON_ATTRS

        if self.name not in TRITON_ATTRS:
            try:
                import_module(self.module)
            except ImportError:
                return None
        return TRITON_ATTRS.get(self.name)

    def strategy(
        self, target: Target, shape: Shape | None, *, num_warps: int | None = None, num_blocks: int = 1
    ) -> st.SearchStrategy[Built | None]:
        fam = self

        @st.composite
        def draw_it(draw: st.DrawFn) -> Built | None:
            return fam.build(draw, fam.cls(), target, shape, num_warps, num_blocks)

        return draw_it()


_FAMILIES: list[_Family] = []


def _available_families(target: Target | None) -> list[_Family]:
    return [f for f in _FAMILIES if (target is None or f.applies(target)) and f.cls() is not None]


# -- drawing helpers for the families


def _deal(draw: st.DrawFn, bits: int, rank: int) -> list[int]:
    """Deal ``bits`` powers of two over ``rank`` dims (shrinks to all in the last dim)."""
    out = [0] * rank
    for _ in range(bits):
        out[rank - 1 - draw(st.integers(0, rank - 1))] += 1
    return out


def _cga(draw: st.DrawFn, rank: int, num_blocks: int) -> list[list[int]]:
    """Legal CGA block bases: per dim the nonzero ones are 1, 2, 4, ...; some may be zero."""
    nb = num_blocks.bit_length() - 1
    nxt = [1] * rank
    bases = []
    for _ in range(nb):
        d = draw(st.integers(-1, rank - 1))  # -1: a broadcast (zero) block basis
        b = [0] * rank
        if d >= 0:
            b[d] = nxt[d]
            nxt[d] *= 2
        bases.append(b)
    return bases


def _shape_for(
    draw: st.DrawFn, rank: int, shape: Shape | None, min_bits: int = 0, max_bits: int = 12,
    max_dim_bits: int = 7,
) -> Shape | None:
    if shape is not None:
        return tuple(shape) if len(shape) == rank else None
    return draw(shapes(min_rank=rank, max_rank=rank, min_bits=min(min_bits, max_bits),
                       max_bits=max_bits, max_dim_bits=max_dim_bits))


def _warps(draw: st.DrawFn, num_warps: int | None, choices: Sequence[int] = (1, 2, 4, 8)) -> int:
    return num_warps if num_warps is not None else draw(st.sampled_from(list(choices)))


def _rank(draw: st.DrawFn, shape: Shape | None, ranks: Sequence[int]) -> int | None:
    if shape is not None:
        return len(shape) if len(shape) in ranks else None
    return draw(st.sampled_from(list(ranks)))


def _finish(desc: HardwareLayout, shape: Sequence[int] | None) -> Built:
    if shape is None:
        raise LayoutError("shape: no shape of the family's rank to draw")  # pragma: no cover
    return desc, desc.to_linear_layout(list(shape)), tuple(shape)


_MFMA_VERSION = {"gfx908": 1, "gfx90a": 2, "gfx942": 3, "gfx950": 4}
_WMMA_VERSION = {"gfx1100": 1, "gfx1200": 2, "gfx1250": 3}
_WMMA_INSTR = {1: [(16, 16, 16)], 2: [(16, 16, 16), (16, 16, 32)],
               3: [(16, 16, 4), (16, 16, 32), (16, 16, 64), (16, 16, 128), (32, 16, 64), (32, 16, 128)]}


def _blocked_desc(
    draw: st.DrawFn, cls: HwClass, target: Target, rank: int, num_warps: int | None, num_blocks: int
) -> HardwareLayout:
    lanes = target.warp_size.bit_length() - 1
    nw = _warps(draw, num_warps)
    desc: HardwareLayout = cls(size_per_thread=[1 << draw(st.integers(0, 2)) for _ in range(rank)],
                           threads_per_warp=[1 << b for b in _deal(draw, lanes, rank)],
                           warps_per_cta=[1 << b for b in _deal(draw, nw.bit_length() - 1, rank)],
                           order=list(draw(st.permutations(range(rank)))),
                           cga_layout=_cga(draw, rank, num_blocks))
    return desc


def _build_blocked(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    rank = _rank(draw, shape, (1, 2, 3))
    if rank is None:
        return None
    desc = _blocked_desc(draw, cls, target, rank, num_warps, num_blocks)
    sh = _shape_for(draw, rank, shape)
    return _finish(desc, sh)


def _build_slice(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    from linlayout.hardware.base import TRITON_ATTRS

    blocked = TRITON_ATTRS.get("ttg.blocked")
    if blocked is None:
        return None
    rank = _rank(draw, shape, (1, 2))
    if rank is None:
        return None
    parent = _blocked_desc(draw, blocked, target, rank + 1, num_warps, num_blocks)
    desc = cls(dim=draw(st.integers(0, rank)), parent=parent)
    return _finish(desc, _shape_for(draw, rank, shape))


def _mma_parent(
    draw: st.DrawFn, target: Target, num_warps: int | None, rank: int = 2
) -> HardwareLayout | None:
    from linlayout.hardware.base import TRITON_ATTRS

    cls: HwClass = TRITON_ATTRS.get("ttg.nvidia_mma")
    if cls is None:
        return None
    hopper = target.has("wgmma") and draw(st.booleans())
    if hopper:
        nw = _warps(draw, num_warps, (4, 8))
        if nw < 4:
            return None
        wm = draw(st.integers(2, nw.bit_length() - 1))
        warps = [1 << wm, nw >> wm]
        instr = [16, 1 << draw(st.integers(3, 8)), 16]
        hopper_mma: HardwareLayout = cls(
            version=[3, 0], warps_per_cta=warps, instr_shape=instr, cga_layout=[]
        )
        return hopper_mma
    nw = _warps(draw, num_warps)
    mma: HardwareLayout = cls(
        version=[2, 0], warps_per_cta=[1 << b for b in _deal(draw, nw.bit_length() - 1, rank)],
        instr_shape=[16, 8], cga_layout=[],
    )
    return mma


def _build_nvidia_mma(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    if shape is not None and len(shape) != 2 or num_blocks != 1:
        return None
    desc = _mma_parent(draw, target, num_warps)
    if desc is None:
        return None
    return _finish(desc, _shape_for(draw, 2, shape, max_bits=14))


def _build_dot_op(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    if shape is not None and len(shape) != 2 or num_blocks != 1:
        return None
    from linlayout.hardware.base import TRITON_ATTRS

    if target.is_nvidia:
        parent = _mma_parent(draw, target, num_warps)
        if parent is None:
            return None
        nv_parent: HwClass = parent  # an NvidiaMma description
        op = 0 if list(nv_parent.version)[0] == 3 else draw(st.integers(0, 1))
        kw = draw(st.sampled_from([1, 2, 4, 8]))
    elif target.name in _MFMA_VERSION and "ttg.amd_mfma" in TRITON_ATTRS:
        parent = _mfma_desc(draw, TRITON_ATTRS["ttg.amd_mfma"], target, 2, num_warps, 1)
        op, kw = draw(st.integers(0, 1)), draw(st.sampled_from([4, 8, 16]))
    else:
        return None
    desc = cls(operand_index=op, parent=parent, k_width=kw)
    return _finish(desc, _shape_for(draw, 2, shape, max_bits=14))


def _mfma_desc(
    draw: st.DrawFn, cls: HwClass, target: Target, rank: int, num_warps: int | None, num_blocks: int
) -> HardwareLayout:
    nw = _warps(draw, num_warps)
    mn = draw(st.sampled_from([(32, 32), (16, 16), (64, 4), (4, 64)]))
    k = {(32, 32): 8, (16, 16): 16, (64, 4): 4, (4, 64): 4}[mn]
    transposed = True if mn == (64, 4) else draw(st.booleans())
    eb = 64 if mn == (16, 16) and draw(st.integers(0, 3)) == 0 else 32
    if eb == 64:
        k = 4
    desc: HardwareLayout = cls(
        version=_MFMA_VERSION[target.name], instr_shape=[*mn, k], transposed=transposed,
        warps_per_cta=[1 << b for b in _deal(draw, nw.bit_length() - 1, rank)],
        element_bitwidth=eb, tiles_per_warp=[1 << draw(st.integers(0, 1)) for _ in range(rank)],
        cga_layout=_cga(draw, rank, num_blocks),
    )
    return desc


def _build_amd_mfma(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    rank = _rank(draw, shape, (2, 3))
    if rank is None:
        return None
    desc = _mfma_desc(draw, cls, target, rank, num_warps, num_blocks)
    return _finish(desc, _shape_for(draw, rank, shape, max_bits=14))


def _build_amd_wmma(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    rank = _rank(draw, shape, (2, 3))
    if rank is None:
        return None
    version = _WMMA_VERSION[target.name]
    nw = _warps(draw, num_warps)
    wb = [[0] * rank for _ in range(nw.bit_length() - 1)]
    nxt = [1] * rank
    for b in wb:  # warps tile the last two dims in tile units (a permutation matrix)
        d = rank - 1 - draw(st.integers(0, 1))
        b[d] = nxt[d]
        nxt[d] *= 2
    rb = []
    for _ in range(draw(st.integers(0, 1))):
        d = rank - 1 - draw(st.integers(0, 1))
        b = [0] * rank
        b[d] = nxt[d]
        nxt[d] *= 2
        rb.append(b)
    desc = cls(version=version, transposed=draw(st.booleans()), warp_bases=wb, reg_bases=rb,
               instr_shape=list(draw(st.sampled_from(_WMMA_INSTR[version]))),
               cga_layout=_cga(draw, rank, num_blocks), rank=rank)
    return _finish(desc, _shape_for(draw, rank, shape, max_bits=14))


def _build_linear(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int, *, generic: bool = False,
) -> Built | None:
    nw = _warps(draw, num_warps)
    L = draw(_distributed(target.warp_size, nw, num_blocks, None if shape is None else tuple(shape),
                          True, False, 12, 1))
    b = L.bases
    # #ttg.linear: nonzero bases distinct powers of two in one dim; broadcast = zero bases
    seen: set[tuple[int, ...]] = set()
    for d in DISTRIBUTED_IN_DIMS:
        for i, v in enumerate(b[d]):
            key = tuple(v)
            if any(key) and key in seen:
                b[d][i] = [0] * len(v)
            seen.add(key)
    if generic:
        # #ttg.generic_linear: warp bases may be swizzled.  Adding other (non-warp) columns
        # to a warp column keeps the span, so the layout stays surjective.
        others = [v for d in ("register", "lane", "block") for v in b[d] if any(v)]
        for i, w in enumerate(b["warp"]):
            if others:
                mask = draw(st.integers(0, (1 << len(others)) - 1))
                for k, v in enumerate(others):
                    if mask >> k & 1:
                        w = [x ^ y for x, y in zip(w, v)]
                b["warp"][i] = w
    desc = cls(reg_bases=b["register"], lane_bases=b["lane"], warp_bases=b["warp"], block_bases=b["block"],
               shape=list(L.out_dims.values()))
    return _finish(desc, tuple(L.out_dims.values()))


def _build_generic_linear(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    return _build_linear(draw, cls, target, shape, num_warps, num_blocks, generic=True)


def _build_tmem_scales(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    if shape is not None and len(shape) != 2 or num_blocks != 1:
        return None
    if shape is None:
        shape = (1 << draw(st.integers(5, 8)), 1 << draw(st.integers(2, 4)))
    return _finish(cls(), shape)


def _build_swizzled_shared(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    rank = _rank(draw, shape, (1, 2, 3))
    if rank is None:
        return None
    vec = 1 << draw(st.integers(0, 3))
    desc = cls(vec=vec, per_phase=1 << draw(st.integers(0, 3)), max_phase=1 << draw(st.integers(0, 3)),
               order=list(draw(st.permutations(range(rank)))), cga_layout=_cga(draw, rank, num_blocks))
    return _finish(desc, _shape_for(draw, rank, shape, min_bits=num_blocks.bit_length() - 1))


def _build_amd_rotating_shared(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    return _build_swizzled_shared(draw, cls, target, shape, num_warps, num_blocks)


def _build_nvmma_shared(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    rank = _rank(draw, shape, (2, 3))
    if rank is None:
        return None
    sw = draw(st.sampled_from([0, 32, 64, 128]))
    bits = draw(st.sampled_from([8, 16, 32]))
    transposed = draw(st.booleans())
    desc = cls(swizzle_byte_width=sw, element_bitwidth=bits, rank=rank, transposed=transposed,
               cga_layout=_cga(draw, rank, num_blocks))
    contig = 0 if transposed else rank - 1
    need = max(1, 8 * sw // bits)  # the contiguous dim must cover one swizzle span
    if shape is None:
        sh = [1 << draw(st.integers(0, 4)) for _ in range(rank)]
        sh[contig] = need << draw(st.integers(0, 2))
        rows = rank - 1 if transposed else rank - 2
        sh[rows] = max(sh[rows], 8)
        sh = [s * (2 if i == 0 and num_blocks > 1 else 1) for i, s in enumerate(sh)]
        for b in desc.cga_layout:  # keep the per-CTA shape large enough
            for d, v in enumerate(b):
                if v:
                    sh[d] *= 2
        shape = tuple(sh)
    elif shape[contig] < need:
        return None
    return _finish(desc, shape)


def _build_shared_linear(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    if shape is None:
        shape = draw(shapes(min_bits=num_blocks.bit_length(), max_bits=10))
    elif sum(s.bit_length() - 1 for s in shape) < num_blocks.bit_length():
        return None  # Gluon needs at least one offset basis to know the rank
    L = draw(_shared(tuple(shape), num_blocks, 10, 16))
    desc = cls(offset_bases=L.bases["offset"], block_bases=L.bases["block"])
    return _finish(desc, tuple(L.out_dims.values()))


def _build_tmem(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    if shape is not None and len(shape) != 2 or num_blocks != 1:
        return None
    bm = draw(st.sampled_from([64, 128]))
    bn = 1 << draw(st.integers(3, 8))
    desc = cls(block=(bm, bn), col_stride=1 << draw(st.integers(0, 1)))
    if shape is None:
        shape = (bm << draw(st.integers(0, 1)), bn << draw(st.integers(0, 1)))
    return _finish(desc, shape)


def _build_partitioned_shared(
    draw: st.DrawFn, cls: HwClass, target: Target, shape: Shape | None, num_warps: int | None,
    num_blocks: int,
) -> Built | None:
    from linlayout.hardware.base import TRITON_ATTRS

    inner_cls: HwClass = TRITON_ATTRS.get("ttg.swizzled_shared")
    rank = _rank(draw, shape, (1, 2, 3))
    if inner_cls is None or rank is None or num_blocks != 1:
        return None
    npart = 1 << draw(st.integers(1, 2))
    ngroups = 1 << draw(st.integers(0, 1))
    pdim = draw(st.integers(0, rank - 1))
    inner = inner_cls(vec=1 << draw(st.integers(0, 2)), per_phase=1 << draw(st.integers(0, 2)),
                      max_phase=1 << draw(st.integers(0, 2)), order=list(draw(st.permutations(range(rank)))))
    if shape is None:
        sh = list(draw(shapes(min_rank=rank, max_rank=rank, max_bits=9)))
        sh[pdim] *= npart * ngroups
        shape = tuple(sh)
    elif shape[pdim] < npart * ngroups:
        return None
    desc = cls(num_partitions=npart, num_groups=ngroups, partition_dim=pdim, partition_layout=inner)
    return _finish(desc, shape)


def _nv(t: Target) -> bool:
    return t.is_nvidia


def _mfma_target(t: Target) -> bool:
    return t.name in _MFMA_VERSION


def _wmma_target(t: Target) -> bool:
    return t.name in _WMMA_VERSION


def _any(t: Target) -> bool:
    return True


def _dot_target(t: Target) -> bool:
    return t.is_nvidia or t.name in _MFMA_VERSION


def _tmem_target(t: Target) -> bool:
    return t.has("tcgen05")


_FAMILIES.extend([
    _Family("ttg.blocked", "distributed", "linlayout.hardware.blocked", _any, _build_blocked),
    _Family("ttg.slice", "distributed", "linlayout.hardware.blocked", _any, _build_slice),
    _Family("ttg.linear", "distributed", "linlayout.hardware.linear", _any, _build_linear),
    _Family("ttg.generic_linear", "distributed", "linlayout.hardware.linear", _any, _build_generic_linear),
    _Family("ttg.nvidia_mma", "distributed", "linlayout.hardware.nvidia", _nv, _build_nvidia_mma),
    _Family("ttg.dot_op", "distributed", "linlayout.hardware.nvidia", _dot_target, _build_dot_op),
    _Family("ttg.amd_mfma", "distributed", "linlayout.hardware.amd", _mfma_target, _build_amd_mfma),
    _Family("ttg.amd_wmma", "distributed", "linlayout.hardware.amd", _wmma_target, _build_amd_wmma),
    _Family("ttg.swizzled_shared", "shared", "linlayout.hardware.shared", _any, _build_swizzled_shared),
    _Family("ttg.nvmma_shared", "shared", "linlayout.hardware.shared", _nv, _build_nvmma_shared),
    _Family("ttg.shared_linear", "shared", "linlayout.hardware.shared", _any, _build_shared_linear),
    _Family("ttg.amd_rotating_shared", "shared", "linlayout.hardware.amd_shared", lambda t: t.is_amd,
            _build_amd_rotating_shared),
    _Family("ttg.partitioned_shared", "shared", "linlayout.hardware.amd_shared", lambda t: t.is_amd,
            _build_partitioned_shared),
    _Family("ttng.tensor_memory_encoding", "tmem", "linlayout.hardware.tmem", _tmem_target, _build_tmem),
    _Family("ttng.tensor_memory_scales_encoding", "tmem", "linlayout.hardware.tmem", _tmem_target,
            _build_tmem_scales),
])
