"""Global loads and stores through a layout: vector width and coalescing.

``global_access(layout, elem_bits=..., strides=...)`` says how Triton 3.9.0 issues a
``tt.load`` / ``tt.store`` of a tensor in ``layout`` whose element ``(i0, i1, ...)`` lives
at ``base + sum(i_d * strides[d])`` (elements), and what that costs in memory sectors:

* ``vector`` (elements per instruction) is Triton's rule (NVIDIA ``LoadStoreOpToLLVM``,
  AMD ``getVectorSize``): the per-thread contiguity of the layout along its first order
  dim, capped by the pointer's axis-info contiguity and divisibility, by a mask's
  constancy and by 128 bits; ``instruction`` is the PTX (or AMDGCN) instruction that
  width gives and ``accesses`` how many each thread issues;
* ``linear_vector`` is the widest access a linear-layout analysis of the address map
  allows (the registers whose addresses are consecutive and aligned, across dims), the
  "Triton-Linear" column of the paper's Table 3;
* ``sectors`` / ``sectors_per_request`` count the 32-byte sectors each warp touches per
  instruction (all lanes, duplicates once), against ``ideal_sectors`` (the bytes the warp
  needs, in sectors).

>>> from linlayout import blocked
>>> L = blocked([512, 2], [8, 2], [32, 1], [4, 1], [1, 0])    # [512, 2] x f8, row-major
>>> a = global_access(L, elem_bits=8)
>>> a.vector_bits, a.instruction, a.linear_vector_bits
(16, 'ld.global.b16', 128)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd
from typing import TYPE_CHECKING, Any, Literal, overload

from ..errors import LayoutError
from ..layout import LinearLayout

if TYPE_CHECKING:
    from ..hardware.blocked import BlockedLayout

__all__ = [
    "GlobalAccess",
    "global_access",
    "coalesced_layout",
    "layout_order",
    "contig_per_thread",
    "axis_info_from_strides",
]

#: the widest global access Triton 3.9.0 emits (NVIDIA and AMD), in bits
MAX_VECTOR_BITS = 128
SECTOR_BYTES = 32
_MAX_TABLE_BITS = 22


@dataclass(frozen=True)
class GlobalAccess:
    """How one global load or store of a layout is issued (see :func:`global_access`)."""

    vector: int
    vector_bits: int
    instruction: str
    accesses: int
    order: tuple[int, ...]
    contiguity: int
    #: what capped ``vector``: "layout" (the elements each thread holds contiguously along
    #: ``order[0]``), "contiguity" (the pointer's), "alignment", "128 bits" or "mask"
    limited_by: str
    linear_vector: int
    linear_vector_bits: int
    sectors: int | None
    sectors_per_request: float | None
    ideal_sectors: int | None

    @property
    def efficiency(self) -> float | None:
        """Ideal over touched sectors (1.0 is perfectly coalesced)."""
        if not self.sectors or self.ideal_sectors is None:
            return None
        return self.ideal_sectors / self.sectors

    def explain(self) -> str:
        """A few lines saying how the access is issued and what it costs.

        >>> from linlayout import blocked
        >>> print(global_access(blocked([1024], [8], [32], [4]), elem_bits=16).explain())
        ld.global.v4.b32 x1 per thread: 8 elements (128 bits) each, limited by the layout
          the layout holds 8 contiguous elements per thread along dim 0 (order [0])
          64 sectors touched by all warps, 64 needed (efficiency 1.00), 16.0 per request
          a linear-layout analysis of the addresses allows 8 elements (128 bits)
        """
        lines = [
            f"{self.instruction} x{self.accesses} per thread: {self.vector} elements "
            f"({self.vector_bits} bits) each, limited by the {self.limited_by}",
            f"  the layout holds {self.contiguity} contiguous elements per thread along dim {self.order[0]} "
            f"(order {list(self.order)})",
        ]
        if self.sectors is not None:
            lines.append(
                f"  {self.sectors} sectors touched by all warps, {self.ideal_sectors} needed (efficiency "
                f"{self.efficiency:.2f}), {self.sectors_per_request:.1f} per request"
            )
        lines.append(
            f"  a linear-layout analysis of the addresses allows {self.linear_vector} elements "
            f"({self.linear_vector_bits} bits)"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Jupyter: :meth:`explain` as text."""
        from .draw import explain_html

        return explain_html(self)

    def __str__(self) -> str:
        return self.explain()


def layout_order(L: LinearLayout) -> list[int]:
    """Triton's ``getOrder`` of a distributed layout: the dims the register bases touch, in
    basis order, then the others as ``rank-1 .. 0``.

    >>> from linlayout import blocked
    >>> layout_order(blocked([32, 64], [1, 4], [4, 8], [2, 2], [1, 0]))
    [1, 0]
    """
    rank = len(L.out_dims)
    order: list[int] = []
    for b in L.bases.get("register", []):
        for d, v in enumerate(b):
            if v and d not in order:
                order.append(d)
    return order + [d for d in range(rank - 1, -1, -1) if d not in order]


def contig_per_thread(L: LinearLayout) -> list[int]:
    """Triton's ``getUniqueContigPerThread``: per dim, how many elements each thread holds
    contiguously (zero register bases dropped; walking the register bases in order, each dim
    in ``layout_order`` takes the bases 1, 2, 4, ... along it from where the last stopped).

    >>> from linlayout import blocked
    >>> contig_per_thread(blocked([32, 64], [1, 4], [4, 8], [2, 2], [1, 0]))
    [1, 4]
    """
    rank = len(L.out_dims)
    regs = [b for b in L.bases.get("register", []) if any(b)]
    contig = [1] * rank
    pos = 0
    for d in layout_order(L):
        want = 1
        while pos < len(regs) and regs[pos] == [want if e == d else 0 for e in range(rank)]:
            contig[d] *= 2
            want *= 2
            pos += 1
    return contig


def axis_info_from_strides(
    shape: Sequence[int], strides: Sequence[int | None], elem_bytes: int, base_alignment: int = 16
) -> tuple[list[int], list[int]]:
    """(contiguity, divisibility) per dim, as Triton's AxisInfo finds them for
    ``base + sum(arange_d * strides[d])`` with ``base`` aligned to ``base_alignment`` bytes:
    a dim of stride 1 is contiguous over its whole size (others 1); each dim's run start is
    divisible by the gcd of the base alignment and the byte strides of the other dims (an
    unknown stride, ``None``, contributes one element's bytes).

    >>> axis_info_from_strides([64, 64], [64, 1], 4)
    ([1, 64], [4, 16])
    """
    rank = len(shape)
    contig = [shape[d] if strides[d] == 1 else 1 for d in range(rank)]
    div = []
    for d in range(rank):
        g = base_alignment
        for e in range(rank):
            if e == d or shape[e] == 1:
                continue
            s_e = strides[e]
            g = gcd(g, elem_bytes if s_e is None else s_e * elem_bytes)
        if strides[d] is None and shape[d] > 1:
            g = gcd(g, elem_bytes)
        div.append(max(g, 1))
    return contig, div


def _as_layout(layout: Any) -> LinearLayout:
    """A LinearLayout or ``(attr_text, shape)`` operand as its distributed layout."""
    from .infer import _as_value

    return _as_value(layout, "layout").layout


@overload
def _per_dim(x: Any, rank: int, what: str, *, allow_none: Literal[False] = False) -> list[int]: ...
@overload
def _per_dim(x: Any, rank: int, what: str, *, allow_none: Literal[True]) -> list[int | None]: ...
def _per_dim(x: Any, rank: int, what: str, *, allow_none: bool = False) -> list[int] | list[int | None]:
    """One int per dim (``None`` allowed where ``allow_none``), checked."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence) or len(x) != rank:
        raise LayoutError(f"{what}: expected one value per dim ({rank}), got {x!r}")
    out: list[int | None] = []
    for v in x:
        if v is None and allow_none:
            out.append(None)
            continue
        if isinstance(v, bool) or not isinstance(v, int) or not (0 if allow_none else 1) <= v < 1 << 40:
            lo = 0 if allow_none else 1
            raise LayoutError(
                f"{what}: expected ints in [{lo}, 2**40){' or None' if allow_none else ''}, got {x!r}"
            )
        out.append(v)
    return out


def _check_pow2(v: Any, what: str) -> None:
    """A positive power-of-two int, or LayoutError naming ``what``."""
    if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v & (v - 1):
        raise LayoutError(f"{what}: expected a positive power of two, got {v!r}")


def _instruction(vector: int, elem_bits: int, store: bool, vendor: str) -> str:
    """The instruction a chunk of ``vector`` elements becomes (Triton: ``width = min(vec *
    bits, max(32, bits))``, ``nWords = vec * bits / width``)."""
    total = vector * elem_bits
    width = min(total, max(32, elem_bits))
    words = total // width
    if vendor == "amd":
        kind = "store" if store else "load"
        if total >= 32:
            n = total // 32
            return f"global_{kind}_dword" + (f"x{n}" if n > 1 else "")
        small = "short" if total == 16 else "byte"
        return f"global_{kind}_" + (small if store else "u" + small)
    op = "st.global" if store else "ld.global"
    return op + (f".v{words}" if words > 1 else "") + f".b{width}"


def global_access(
    layout: Any,
    *,
    elem_bits: int,
    strides: Sequence[int | None] | None = None,
    contiguity: Sequence[int] | None = None,
    divisibility: Sequence[int] | None = None,
    base_alignment: int = 16,
    mask_constancy: Sequence[int] | None = None,
    store: bool = False,
    target: Any = "sm_90",
) -> GlobalAccess:
    """How Triton 3.9.0 issues a global load (``store=True``: store) of ``layout``.

    ``layout`` is a distributed :class:`~linlayout.LinearLayout` or ``(attr_text, shape)``.
    ``strides`` are the element strides per dim (default row-major contiguous; ``None``
    for a stride Triton knows nothing about); ``contiguity`` and ``divisibility`` (bytes)
    override the axis info derived from them (:func:`axis_info_from_strides`, with the base
    pointer aligned to ``base_alignment`` bytes, i.e. ``tt.divisibility``);
    ``mask_constancy`` is the mask's constancy per dim (``None``: no mask).  Sector counts
    need known strides (else ``None``).

    >>> a = global_access(("#ttg.blocked<{sizePerThread = [8], threadsPerWarp = [32], "
    ...                    "warpsPerCTA = [4], order = [0]}>", [1024]), elem_bits=16)
    >>> a.instruction, a.accesses, a.sectors_per_request
    ('ld.global.v4.b32', 1, 16.0)
    """
    from ..targets import get_target

    L = _as_layout(layout)
    tgt = get_target(target)
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    if L.in_dims.get("lane", 1) != tgt.warp_size:
        raise LayoutError(
            f"layout: it has {L.in_dims.get('lane', 1)} lanes but {tgt.name} warps have {tgt.warp_size}"
        )
    _check_pow2(base_alignment, "base_alignment")
    shape = list(L.out_dims.values())
    rank = len(shape)
    ebytes = max(elem_bits // 8, 1)
    if strides is None:
        known = [1] * rank
        for d in range(rank - 2, -1, -1):
            known[d] = known[d + 1] * shape[d + 1]
        strides_l: list[int | None] = list(known)
    else:
        strides_l = _per_dim(strides, rank, "strides", allow_none=True)
    ax_contig, ax_div = axis_info_from_strides(shape, strides_l, ebytes, base_alignment)
    if contiguity is not None:
        ax_contig = _per_dim(contiguity, rank, "contiguity")
    if divisibility is not None:
        ax_div = _per_dim(divisibility, rank, "divisibility")
    order = layout_order(L)
    o = order[0]
    contig = contig_per_thread(L)[o]
    alignment = min(max(ax_div[o] // ebytes, 1), ax_contig[o])
    limits = {
        "layout": contig,
        "contiguity": ax_contig[o],
        "alignment": alignment,
        "128 bits": MAX_VECTOR_BITS // elem_bits,
    }
    if mask_constancy is not None:
        limits["mask"] = _per_dim(mask_constancy, rank, "mask_constancy")[o]
    vec = min(limits.values())
    limited_by = next(k for k, v in limits.items() if v == vec)
    vec = 1 << (vec.bit_length() - 1)
    free = L.free_variable_masks().get("register", 0)
    unique = L.in_dims["register"] >> bin(free).count("1")
    accesses = max(unique // vec, 1)
    lin = _linear_vector(L, strides_l, ebytes, base_alignment)
    sectors: int | None = None
    ideal: int | None = None
    per_req: float | None = None
    all_known = [s for s in strides_l if s is not None]
    if len(all_known) == len(strides_l):
        sectors, ideal = _sectors(L, all_known, ebytes, vec, free)
        per_req = sectors / (accesses * L.in_dims.get("warp", 1) * L.in_dims.get("block", 1))
    return GlobalAccess(
        vector=vec,
        vector_bits=vec * elem_bits,
        instruction=_instruction(vec, elem_bits, store, tgt.vendor),
        accesses=accesses,
        order=tuple(order),
        contiguity=contig,
        limited_by=limited_by,
        linear_vector=lin,
        linear_vector_bits=lin * elem_bits,
        sectors=sectors,
        sectors_per_request=per_req,
        ideal_sectors=ideal,
    )


def coalesced_layout(
    shape: Sequence[int],
    *,
    elem_bits: int,
    num_warps: int,
    strides: Sequence[int | None] | None = None,
    contiguity: Sequence[int] | None = None,
    divisibility: Sequence[int] | None = None,
    base_alignment: int = 16,
    threads_per_warp: int = 32,
    num_ctas: int = 1,
    store: bool = False,
    group: Sequence[int] = (),
) -> BlockedLayout:
    """The layout Triton 3.9.0's ``Coalesce`` pass gives a load (``store=True``: a store)
    of a ``shape`` tile of pointers with this axis info (from ``strides`` as in
    :func:`global_access`, or given): order by decreasing contiguity (ties: the later dim),
    ``sizePerThread[order[0]]`` = the widest aligned vector (at most 128 bits and
    ``numel / threads``), then ``BlockedEncodingAttr::get``.  ``group`` holds the per-thread
    values of the other memory ops of the same shape and order in the op's slice (the
    maximum is taken; a store never exceeds its own).

    >>> coalesced_layout([64, 64], elem_bits=32, num_warps=4, strides=[64, 1])
    BlockedLayout(size_per_thread=[1, 4], threads_per_warp=[2, 16], warps_per_cta=[4, 1], order=[1, 0])
    """
    from ..triton.attrs import check_shape
    from .infer import default_blocked

    try:
        shape_t = list(check_shape(shape))
    except LayoutError as e:
        raise LayoutError(f"shape: {e}") from None
    rank = len(shape_t)
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    for v, what in ((base_alignment, "base_alignment"), (num_warps, "num_warps")):
        _check_pow2(v, what)
    for v, what in ((threads_per_warp, "threads_per_warp"), (num_ctas, "num_ctas")):
        _check_pow2(v, what)
    ebytes = max(elem_bits // 8, 1)
    if strides is None:
        known = [1] * rank
        for d in range(rank - 2, -1, -1):
            known[d] = known[d + 1] * shape_t[d + 1]
        strides_l: list[int | None] = list(known)
    else:
        strides_l = _per_dim(strides, rank, "strides", allow_none=True)
    ax_contig, ax_div = axis_info_from_strides(shape_t, strides_l, ebytes, base_alignment)
    if contiguity is not None:
        ax_contig = _per_dim(contiguity, rank, "contiguity")
    if divisibility is not None:
        ax_div = _per_dim(divisibility, rank, "divisibility")
    # getOrderFromContiguity: stable sort of [rank-1 .. 0] by decreasing contiguity
    order = sorted(range(rank - 1, -1, -1), key=lambda d: -ax_contig[d])
    o = order[0]
    per_cta = [max(1, shape_t[0] // num_ctas), *shape_t[1:]]
    mine = min(max(ax_div[o] // ebytes, 1), min(ax_contig[o], per_cta[o]), MAX_VECTOR_BITS // elem_bits)
    if isinstance(group, (str, bytes)) or not isinstance(group, Sequence):
        raise LayoutError(f"group: expected a list of elements per thread, got {group!r}")
    for g in group:
        if isinstance(g, bool) or not isinstance(g, int) or g < 1:
            raise LayoutError(f"group: expected positive ints (elements per thread), got {list(group)}")
    per_thread = max([mine, *group])
    numel = 1
    for s in per_cta:
        numel *= s
    per_thread = min(per_thread, max(numel // (num_warps * threads_per_warp), 1))
    if store:
        per_thread = min(per_thread, mine)
    spt = [1] * rank
    spt[o] = 1 << (per_thread.bit_length() - 1)
    return default_blocked(shape_t, num_warps, threads_per_warp, num_ctas, size_per_thread=spt, order=order)


def _address(b: Sequence[int], strides: Sequence[int]) -> int:
    """The element offset of coordinates ``b`` under ``strides``."""
    return sum(c * s for c, s in zip(b, strides))


def _linear_vector(L: LinearLayout, strides: Sequence[int | None], ebytes: int, base_alignment: int) -> int:
    """The most leading (nonzero) register bases whose addresses are 1, 2, 4, ... elements
    (so those registers are one consecutive run), with every other basis and the base
    keeping runs aligned, capped at 128 bits."""
    regs = [b for b in L.bases.get("register", []) if any(b)]
    others = [b for k, bl in L.bases.items() if k != "register" for b in bl if any(b)]
    cap = MAX_VECTOR_BITS // (8 * ebytes)
    k = 0
    while k < len(regs) and (1 << k) < cap:
        if any(s is None and c for c, s in zip(regs[k], strides)):
            break
        if _address(regs[k], [0 if s is None else s for s in strides]) != 1 << k:
            break
        k += 1
    run = 1 << k
    rest = [*regs[k:], *others]
    while run > 1 and not _aligned(run, rest, strides, ebytes, base_alignment):
        run //= 2
    return run


def _aligned(
    run: int, bases: list[list[int]], strides: Sequence[int | None], ebytes: int, base_alignment: int
) -> bool:
    """Every run of ``run`` elements starts ``run``-aligned: the base and every other
    basis' address are multiples of ``run`` elements (an unknown stride is not)."""
    if base_alignment % (run * ebytes):
        return False
    for b in bases:
        if any(s is None and c for c, s in zip(b, strides)):
            return False
        if _address(b, [0 if s is None else s for s in strides]) % run:
            return False
    return True


def _sectors(L: LinearLayout, strides: Sequence[int], ebytes: int, vec: int, free: int) -> tuple[int, int]:
    """(sectors touched, sectors needed) by all warps for the whole access: per instruction
    the distinct 32-byte sectors the warp's lanes touch, summed; and per warp the bytes it
    needs, in sectors, summed."""
    import numpy as np

    bits = L.total_in_bits
    if bits > _MAX_TABLE_BITS:
        raise LayoutError(f"layout: {2**bits} hardware indices is too many to count sectors (at most 2**22)")
    tab = L.to_table()  # (register * lane * warp * block, rank), register most minor
    addr = (tab * np.asarray(strides, dtype=np.int64)).sum(axis=1) * ebytes
    ins = L.in_dims
    R, T, W, B = (ins.get(k, 1) for k in ("register", "lane", "warp", "block"))
    addr = addr.reshape(B, W, T, R)
    regs = [r for r in range(R) if not r & free]
    total = need = 0
    for b in range(B):
        for w in range(W):
            warp = addr[b, w][:, regs]
            for k in range(0, len(regs), vec):
                total += len(np.unique(warp[:, k : k + vec] // SECTOR_BYTES))
            need += -(-len(np.unique(warp)) * ebytes // SECTOR_BYTES)
    return total, need
