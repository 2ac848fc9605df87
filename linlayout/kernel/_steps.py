"""The steps of reduction and scan plans, their combiners, and the flat-layout helpers both share.

A reduction or scan plan runs on one register file per thread, the *state*
``(blocks, warps, lanes, registers)``, whose register count changes as steps combine
registers.  Steps (dataclasses holding numpy int arrays, as in the conversion plan IR):

* ``Combine(groups)`` — in-thread: new register ``i`` is the combination of old registers
  ``groups[i, :]`` (the same in every lane; free of data movement);
* ``Butterfly(mask)`` — one shuffle round ``shfl.bfly``: every lane combines each register with
  the same register of lane ``lane ^ mask`` (one shuffle per register per 32 bits);
* ``Convert(plan)`` — a layout conversion of the state, a :class:`~linlayout.plan.ConversionPlan`
  (its shuffles, shared-memory stores/loads and barriers count as its own metrics say);
* ``Barrier()`` — between two shared-memory stages that reuse the scratch;
* scan steps (``ScanRegisters``, ``ScanShuffle``, ``ScanStore``, ``ScanLoad``) are in ``scan.py``.

Combiners: ``"sum"``, ``"max"``, ``"min"``, and ``"argmax"``/``"argmin"`` on ``(values, indices)``
with Triton's tie-breaking (``tie_break_left``: among equal values the smaller index wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, overload

from ..errors import LayoutError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..layout import LinearLayout
    from ..plan.classify import Flat
    from ..plan.ir import ConversionPlan
    from ..targets import Target

#: A per-thread value file: one array, or (values, indices) for argmax/argmin.
State: TypeAlias = "NDArray[Any] | tuple[NDArray[Any], ...]"

__all__ = [
    "PlanCounts",
    "Combine",
    "Butterfly",
    "Convert",
    "butterfly_instruction",
    "redux_cost",
    "combine",
    "check_op",
    "check_values",
    "REDUCE_OPS",
    "SCAN_OPS",
]

REDUCE_OPS = ("sum", "max", "min", "argmax", "argmin")
SCAN_OPS = ("sum", "max", "min")


def _arr(x: Any) -> NDArray[np.int64]:
    import numpy as np

    a = np.array(x, dtype=np.int64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Combine:
    """In-thread: ``new[i] = combine(old[groups[i, 0]], old[groups[i, 1]], …)`` in every lane."""

    groups: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", _arr(self.groups))


@dataclass(frozen=True)
class Butterfly:
    """``state[l, r] = combine(state[l, r], state[l ^ mask, r])`` for every lane and register
    (``shfl.sync.bfly`` with lane mask ``mask``; AMD: DPP / ``ds_swizzle`` / ``ds_bpermute``)."""

    mask: int
    registers: int
    instruction: str | None = None
    broadcast: int = 0  # lane bits holding copies when this warp-level group of rounds began


def redux_cost(target: Target, op: str, elem_bits: int, reduce_mask: int, broadcast: int) -> int | None:
    """``redux.sync`` instructions per register for a group of butterfly rounds over lane bits
    ``reduce_mask`` of integer data, or None where Triton 3.9.0 would not use it (sm_80+, one
    add/min/max combiner, at most 32 bits, at most one lane bit left over as a partition, enough
    lanes: triton-kernel-semantics.md §2.3)."""
    if not target.is_nvidia or op not in ("sum", "max", "min") or elem_bits > 32:
        return None
    sm = int(target.name.split("_")[1])
    if sm < 80:
        return None
    lanes = target.warp_size - 1
    group = lanes & ~(reduce_mask | broadcast)
    parts = bin(group).count("1")
    if parts > 1:
        return None
    minmax = op != "sum"
    need = (8 if parts else 2) if (sm >= 100 and minmax) else (16 if parts else 4)
    if (1 << bin(reduce_mask).count("1")) < need:
        return None
    return 2 if parts else 1


def butterfly_instruction(target: Target, mask: int) -> str:
    """The one instruction per register a ``lane ^ mask`` exchange takes on ``target``."""
    if target.is_nvidia:
        return "shfl.sync.bfly.b32"
    if mask < 16:
        return "DPP row_xmask" if target.warp_size == 32 else "DPP / ds_swizzle_b32"
    if mask == 16 and target.has("permlanex16"):
        return "v_permlanex16_b32"
    if mask == 16 and target.has("permlane16_swap"):
        return "v_permlane16_swap"
    if mask < 32:
        return "ds_swizzle_b32"
    if mask == 32 and target.has("permlane32_swap"):
        return "v_permlane32_swap"
    return "ds_bpermute_b32"


@dataclass(frozen=True, eq=False)
class Convert:
    """Move the state to another layout with a conversion plan (``plan.run`` on the state)."""

    plan: Any
    purpose: str = ""


def check_op(op: Any, allowed: tuple[str, ...]) -> str:
    """Validate a combiner name."""
    if not isinstance(op, str) or op not in allowed:
        raise LayoutError(f"op: expected one of {', '.join(map(repr, allowed))}, got {op!r}")
    return op


def check_values(
    values: Any, shape: tuple[int, ...], op: str
) -> tuple[NDArray[Any], NDArray[Any] | None]:
    """(values, indices or None) as numpy arrays of ``shape`` (LayoutError naming the argument)."""
    import numpy as np

    if op in ("argmax", "argmin"):
        if not isinstance(values, (tuple, list)) or len(values) != 2:
            raise LayoutError(
                f"values: op {op!r} takes a pair (values, indices), got {type(values).__name__}"
            )
        v, i = np.asarray(values[0]), np.asarray(values[1])
        if i.shape != shape:
            raise LayoutError(f"values: indices have shape {i.shape}, expected {shape}")
        if i.dtype.kind not in "iu":
            raise LayoutError(f"values: indices must be integers, got dtype {i.dtype}")
    else:
        if isinstance(values, (tuple, list)):
            raise LayoutError(f"values: op {op!r} takes one array (pairs are for argmax/argmin)")
        v, i = np.asarray(values), None
    if v.shape != shape:
        raise LayoutError(
            f"values: expected shape (blocks, warps, lanes, registers) = {shape}, got {v.shape}"
        )
    if v.dtype.kind not in "iuf":
        raise LayoutError(f"values: expected a numeric array, got dtype {v.dtype}")
    return v, i


@overload
def combine(op: str, a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]: ...
@overload
def combine(op: str, a: State, b: State) -> State: ...
def combine(op: str, a: State, b: State) -> State:
    """Triton's combiner ``op`` on two operands: arrays, or (value, index) pairs for arg ops."""
    import numpy as np

    if op == "sum":
        return a + b
    if op == "max":
        return np.maximum(a, b)
    if op == "min":
        return np.minimum(a, b)
    (v1, i1), (v2, i2) = a, b
    tie = (v1 == v2) & (i1 < i2)
    win = ((v1 > v2) if op == "argmax" else (v1 < v2)) | tie
    return np.where(win, v1, v2), np.where(win, i1, i2)


@overload
def take(state: NDArray[Any], idx: Any, axis: int = -1) -> NDArray[Any]: ...
@overload
def take(state: State, idx: Any, axis: int = -1) -> State: ...
def take(state: State, idx: Any, axis: int = -1) -> State:
    """Index the register (or lane) axis of a state, a (value, index) pair included."""
    import numpy as np

    if isinstance(state, tuple):
        return tuple(np.take(s, idx, axis=axis) for s in state)
    taken: NDArray[Any] = np.take(state, idx, axis=axis)
    return taken


@overload
def where(cond: NDArray[Any], a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]: ...
@overload
def where(cond: NDArray[Any], a: State, b: State) -> State: ...
def where(cond: NDArray[Any], a: State, b: State) -> State:
    """Select between two states elementwise."""
    import numpy as np

    if isinstance(a, tuple):
        return tuple(np.where(cond, x, y) for x, y in zip(a, b))
    return np.where(cond, a, b)


def convert_state(plan: ConversionPlan, state: State) -> State:
    """Run a conversion plan on a state (both members of a pair)."""
    if isinstance(state, tuple):
        return tuple(plan.run(s) for s in state)
    return plan.run(state)


# ---------------------------------------------------------------------------------------
# flat layouts


@dataclass(frozen=True)
class Geometry:
    """A distributed layout's flat out bits split into the axis and the other dims."""

    out_dims: tuple[tuple[str, int], ...]
    axis: int
    shift: int  # first flat bit of the axis
    width: int  # axis bits

    @property
    def axis_mask(self) -> int:
        return ((1 << self.width) - 1) << self.shift

    def other(self, v: int) -> int:
        """``v`` with its axis bits cleared."""
        return v & ~self.axis_mask

    def squeeze(self, v: int) -> int:
        """The other dims' bits of ``v``, packed as in the tensor without the axis."""
        low = v & ((1 << self.shift) - 1)
        return low | ((v >> (self.shift + self.width)) << self.shift)

    def reduced_dims(self) -> list[tuple[str, int]]:
        """Out dims of the tensor without the axis (renamed dim0..)."""
        keep = [s for i, (_, s) in enumerate(self.out_dims) if i != self.axis]
        return [(f"dim{i}", s) for i, s in enumerate(keep)]


def geometry(flat: Flat, axis: Any, arg: str = "axis") -> Geometry:
    """Validate ``axis`` against a flat layout's out dims."""
    import operator

    rank = len(flat.out_dims)
    try:
        ok = not isinstance(axis, bool) and 0 <= operator.index(axis) < rank
    except TypeError:
        ok = False
    if not ok:
        raise LayoutError(f"{arg}: expected an int in [0, {rank}) for a rank-{rank} layout, got {axis!r}")
    axis = operator.index(axis)
    shift = sum(s.bit_length() - 1 for _, s in flat.out_dims[:axis])
    width = flat.out_dims[axis][1].bit_length() - 1
    return Geometry(tuple(flat.out_dims), axis, shift, width)


def to_layout(levels: dict[str, list[int]], dims: list[tuple[str, int]]) -> LinearLayout:
    """A LinearLayout from flat bases per hardware level over out dims ``dims``."""
    from ..layout import LinearLayout

    shifts, s = [], 0
    for _, size in dims:
        shifts.append(s)
        s += size.bit_length() - 1

    def split(v: int) -> list[int]:
        return [(v >> sh) & (size - 1) for sh, (_, size) in zip(shifts, dims)]

    bases = {d: [split(v) for v in levels[d]] for d in ("register", "lane", "warp", "block")}
    return LinearLayout.from_bases(bases, dims, require_surjective=False)


class PlanCounts:
    """The per-thread counts of a reduction or scan plan, read from its ``metrics()``."""

    def metrics(self) -> dict[str, int]:  # pragma: no cover - every plan class defines it
        raise NotImplementedError

    @property
    def shuffles(self) -> int:
        """Shuffle instructions per thread (32 bits each)."""
        return self.metrics()["shuffles"]

    @property
    def selects(self) -> int:
        """Lane-dependent register choices per thread."""
        return self.metrics()["selects"]

    @property
    def shared_instructions(self) -> int:
        """Shared-memory load/store instructions per thread."""
        return self.metrics()["shared_instructions"]

    @property
    def shared_bytes(self) -> int:
        """Scratch bytes per block (the largest stage; stages reuse it)."""
        return self.metrics()["shared_bytes"]

    @property
    def barriers(self) -> int:
        """Barriers per thread."""
        return self.metrics()["barriers"]
