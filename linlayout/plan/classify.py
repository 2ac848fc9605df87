"""Classifying a conversion: which hardware levels must move data.

Everything here works on *flat* layouts: a distributed layout's out dims are flattened to one
int (the first out dim is the most minor, as in Triton), so each basis is one int and the
algebra is GF(2) on Python ints.  The conversion ``C = dst.invert_and_compose(src)`` maps every
dst hardware bit (register, lane, warp, block) to the src hardware index holding the same
element, with free variables (src broadcast bits) 0 — except that a free lane/warp/block bit
of src takes the receiver's own bit, so broadcast copies are read from the nearest source.

The kind follows the paper's §5.4 / Triton's ``minimalCvtLayout``:

* ``noop``        — src and dst are the same layout;
* ``registers``   — every element a thread needs is already in that thread (a ``Copy``; when
  the choice of register depends on the lane it costs selects, which Triton does not do);
* ``warp_shuffle`` — every element is in the same warp (shuffles or shared memory, whichever the
  per-target cost model in ``cost.py`` prefers);
* ``shared_memory`` — every element is in the same CTA;
* ``cluster``     — elements cross CTAs (distributed shared memory).

>>> from linlayout import LinearLayout
>>> a = LinearLayout.from_bases({"register": [[1]], "lane": [[2], [4]], "warp": [], "block": []}, ["dim0"])
>>> b = LinearLayout.from_bases({"register": [[2]], "lane": [[1], [4]], "warp": [], "block": []}, ["dim0"])
>>> classify(flatten(a), flatten(b)).kind
'warp_shuffle'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._gf2 import Span
from .._limits import MAX_PLAN_INDICES, check_count
from ..errors import LayoutError
from ..hardware._kit import DISTRIBUTED_IN_DIMS as HW_DIMS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Flat", "flatten", "Conversion", "classify", "HW_DIMS"]

#: One column of ``C``: the src (register, lane, warp, block) index bits of a dst basis.
Col = tuple[int, ...]


# ---------------------------------------------------------------------------------------
# GF(2) on ints


# ---------------------------------------------------------------------------------------
# flat layouts


@dataclass(frozen=True)
class Flat:
    """A distributed layout with its out dims flattened (first out dim most minor)."""

    reg: tuple[int, ...]
    lane: tuple[int, ...]
    warp: tuple[int, ...]
    block: tuple[int, ...]
    out_dims: tuple[tuple[str, int], ...]
    nbits: int

    def dim(self, name: str) -> tuple[int, ...]:
        return {"register": self.reg, "lane": self.lane, "warp": self.warp, "block": self.block}[name]

    @property
    def hw(self) -> tuple[int, ...]:
        """All bases in hardware order register, lane, warp, block."""
        return self.reg + self.lane + self.warp + self.block

    def table(self, name: str) -> NDArray[np.int64]:
        """numpy array: the flat element at every index of in-dim ``name``."""
        return xor_table(self.dim(name))

    def unflatten(self, flat_values: NDArray[np.int64]) -> list[NDArray[np.int64]]:
        """Split flat element ids back into per-out-dim coordinates (a list of arrays)."""
        out = []
        shift = 0
        for _, size in self.out_dims:
            k = size.bit_length() - 1
            out.append((flat_values >> shift) & (size - 1))
            shift += k
        return out


def xor_table(bases: Iterable[int]) -> NDArray[np.int64]:
    """numpy int64 array of length 2^len(bases): XOR of the bases of each index's set bits."""
    import numpy as np

    t = np.zeros(1, dtype=np.int64)
    for b in bases:
        t = np.concatenate([t, t ^ b])
    return t


def flatten(layout: Any, arg: str = "layout") -> Flat:
    """The :class:`Flat` form of a distributed ``LinearLayout``."""
    try:
        bases = layout.bases
        out_dims = layout.out_dims
    except AttributeError:
        raise LayoutError(
            f"{arg}: expected a distributed LinearLayout, got {type(layout).__name__}"
        ) from None
    out_items = list(out_dims.items()) if isinstance(out_dims, dict) else list(out_dims)
    unknown = [d for d in bases if d not in HW_DIMS]
    if unknown:
        raise LayoutError(
            f"{arg}: a distributed layout has in-dims register, lane, warp, block; got {list(bases)}"
        )
    bits = sum(len(bases.get(d, ())) for d in HW_DIMS)
    check_count(1 << bits, arg, limit=MAX_PLAN_INDICES,
                what="hardware indices (registers x lanes x warps x blocks)")
    shifts = []
    s = 0
    for _, size in out_items:
        shifts.append(s)
        s += size.bit_length() - 1
    dims: dict[str, tuple[int, ...]] = {}
    for d in HW_DIMS:
        vs = []
        for b in bases.get(d, []):
            v = 0
            for c, sh in zip(b, shifts):
                v |= int(c) << sh
            vs.append(v)
        dims[d] = tuple(vs)
    return Flat(dims["register"], dims["lane"], dims["warp"], dims["block"], tuple(out_items), s)


# ---------------------------------------------------------------------------------------
# the conversion map


@dataclass
class Conversion:
    """``C``: for each dst hardware bit, the src hardware index (per dim, as a bitmask of
    that dim's index bits) holding the same element."""

    src: Flat
    dst: Flat
    cols: dict[str, list[Col]]  # dst dim -> list of (reg, lane, warp, block) tuples
    kind: str

    def of(self, dim: str) -> list[Col]:
        return self.cols[dim]


def _solve_conversion(src: Flat, dst: Flat) -> dict[str, list[Col]]:
    sizes = [len(src.reg), len(src.lane), len(src.warp), len(src.block)]
    offs = [0, sizes[0], sizes[0] + sizes[1], sizes[0] + sizes[1] + sizes[2]]
    span = Span()
    order = []  # src hw bit index for each inserted vector
    for i, v in enumerate(src.hw):
        if v:
            before = span.n
            if span.add(v):
                order.append(i)
            else:
                span.n = before  # dependent: not used
    cols: dict[str, list[Col]] = {}
    for d_i, dname in enumerate(HW_DIMS):
        res: list[Col] = []
        same = src.dim(dname) == dst.dim(dname)
        for k, v in enumerate(dst.dim(dname)):
            if same:
                parts = [0, 0, 0, 0]
                parts[d_i] = 1 << k
                res.append(tuple(parts))
                continue
            combo = span.express(v)
            if combo is None:
                raise LayoutError(
                    f"dst: its {dname} basis {k} reaches an element src does not hold; src and dst "
                    "must be layouts of the same tensor"
                )
            hw = 0
            j = 0
            while combo:
                if combo & 1:
                    hw |= 1 << order[j]
                combo >>= 1
                j += 1
            res.append(tuple((hw >> offs[t]) & ((1 << sizes[t]) - 1) for t in range(4)))
        cols[dname] = res
    # free (broadcast) lane/warp/block bits of src: read the copy with the receiver's own bit
    for d_i, dname in enumerate(HW_DIMS[1:], start=1):
        free = [k for k, v in enumerate(src.dim(dname)) if v == 0]
        for k in free:
            if k < len(cols[dname]):
                parts = list(cols[dname][k])
                if parts[d_i] >> k & 1 == 0:
                    parts[d_i] ^= 1 << k
                cols[dname][k] = tuple(parts)
    return cols


def _pure(parts: Sequence[int], d_i: int, k: int) -> bool:
    return all((p == (1 << k)) if t == d_i else p == 0 for t, p in enumerate(parts))


def classify(src: Flat, dst: Flat) -> Conversion:
    """Solve ``C`` and name the kind of conversion (see the module docstring)."""
    if src.out_dims != dst.out_dims:
        raise LayoutError(
            f"dst: out dims {list(dst.out_dims)} differ from src's {list(src.out_dims)}; both must "
            "describe the same tensor"
        )
    for d in ("lane", "warp", "block"):
        if len(src.dim(d)) != len(dst.dim(d)):
            raise LayoutError(
                f"dst: has 2^{len(dst.dim(d))} {d}s but src has 2^{len(src.dim(d))}; a conversion keeps "
                "the number of lanes, warps and blocks"
            )
    cols = _solve_conversion(src, dst)

    def trivial(d_i: int, dname: str) -> bool:
        if not all(_pure(c, d_i, k) for k, c in enumerate(cols[dname])):
            return False
        return all(c[d_i] == 0 for lower in HW_DIMS[:d_i] for c in cols[lower])

    if src == dst:
        kind = "noop"
    elif not trivial(3, "block"):
        kind = "cluster"
    elif not trivial(2, "warp"):
        kind = "shared_memory"
    elif not (
        all(c[1] == 1 << k for k, c in enumerate(cols["lane"])) and all(c[1] == 0 for c in cols["register"])
    ):
        kind = "warp_shuffle"
    else:
        kind = "registers"
    return Conversion(src, dst, cols, kind)
