"""The plan IR: explicit, executable steps of a layout conversion (API.md "Conversion plans").

A plan runs on two register files per thread, ``src`` (read-only, shape
``(blocks, warps, lanes, src_regs)``) and ``out`` (``(blocks, warps, lanes, dst_regs)``),
plus a shared-memory scratch per block.  Every step reads ``src`` and writes ``out`` or the
scratch; all warps and blocks run the same program, the arrays say what each lane does.

>>> import numpy as np
>>> step = Copy(np.array([[1, 0]]))          # one lane, out r0 <- src r1, out r1 <- src r0
>>> step.reg_map.shape
(1, 2)

Arrays hold ints; ``-1`` means "skip".  A shared step may carry ``regs``, a permutation of
its register indices (the same in every lane): vector ``k`` is then registers
``regs[k*vec : (k+1)*vec]`` instead of ``k*vec … k*vec+vec-1`` (what moves where is
unchanged), and ``group`` (1 or 2): that many consecutive vectors, in ``regs`` order, issue
as one instruction with one address each (AMD ``ds_write2*``/``ds_read2*``).  Cluster plans
may give ``SharedStore.offset`` and ``SharedStore.block`` a leading ``block`` axis
``(blocks, warps, lanes, regs)`` because there the destination of an element depends on the
sending CTA (see ``cluster.py``).  Gather plans (``gather.py``) add :class:`GatherShuffle`
and :class:`GatherLoad`.

:func:`verify_plan` checks every static rule; :func:`dispatch` is the one place that maps a
step to its handler, shared by ``run``, the metrics, ``explain`` and ``linlayout.testing``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from ..errors import LayoutError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "Copy",
    "Shuffle",
    "SharedStore",
    "SharedLoad",
    "Barrier",
    "GatherShuffle",
    "GatherLoad",
    "ConversionPlan",
    "KINDS",
    "STEP_TYPES",
    "verify_plan",
    "dispatch",
    "vector_view",
]

KINDS = ("noop", "registers", "warp_shuffle", "shared_memory", "cluster")


def _arr(x: Any) -> NDArray[np.integer[Any]]:
    import numpy as np

    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        a = np.asarray(x, dtype=np.int64)
    elif a.flags.writeable:
        a = a.view()
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Copy:
    """``out[lane, r] = src[lane, reg_map[lane, r]]`` in every thread (``-1`` leaves ``r``).

    A map that is the same in every lane is a free renaming; one that varies by lane
    costs selects.
    """

    reg_map: Any
    instruction: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "reg_map", _arr(self.reg_map))


@dataclass(frozen=True, eq=False)
class Shuffle:
    """One warp-shuffle round: lane ``l`` reads lane ``src_lane[l]``.

    ``send[s, v]`` is the src register lane ``s`` offers in slot ``v``; ``recv[l, v]`` the
    out register where slot ``v`` lands in lane ``l`` (``-1`` skips):
    ``out[l, recv[l, v]] = src[src_lane[l], send[src_lane[l], v]]``.
    """

    src_lane: Any
    send: Any
    recv: Any
    instruction: str | None = None

    def __post_init__(self) -> None:
        for name in ("src_lane", "send", "recv"):
            object.__setattr__(self, name, _arr(getattr(self, name)))


@dataclass(frozen=True, eq=False)
class SharedStore:
    """``scratch[offset[warp, lane, r]] = src[warp, lane, r]`` (``-1`` skips).

    Registers ``k*vec … k*vec+vec-1`` form one vector instruction at consecutive, aligned
    offsets.  ``block[warp, lane, r]`` (cluster plans) names the CTA whose scratch receives
    the element; without it, the thread's own CTA.
    """

    offset: Any
    vec: int = 1
    block: Any = None
    instruction: str | None = None
    regs: Any = None
    group: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset", _arr(self.offset))
        if self.block is not None:
            object.__setattr__(self, "block", _arr(self.block))
        if self.regs is not None:
            object.__setattr__(self, "regs", _arr(self.regs))


@dataclass(frozen=True, eq=False)
class SharedLoad:
    """``out[warp, lane, r] = scratch[offset[warp, lane, r]]`` (``-1`` skips); vectors as in
    :class:`SharedStore`."""

    offset: Any
    vec: int = 1
    instruction: str | None = None
    regs: Any = None
    group: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset", _arr(self.offset))
        if self.regs is not None:
            object.__setattr__(self, "regs", _arr(self.regs))


@dataclass(frozen=True)
class Barrier:
    """All threads that share the scratch wait here (``instruction`` says which barrier:
    ``"bar.warp.sync"``, ``"bar.sync"``, ``"barrier.cluster"``, ``"s_barrier"``)."""

    instruction: str | None = None


@dataclass(frozen=True, eq=False)
class GatherShuffle:
    """Lane ``l`` reads lane ``src_lane[l]``: slot ``v`` carries src register
    ``send[s, v]`` of sender ``s``, which holds tensor element ``elem[s, v]`` (flat);
    each out register takes the slot whose element is the one its index names."""

    src_lane: Any
    send: Any
    elem: Any

    def __post_init__(self) -> None:
        for n in ("src_lane", "send", "elem"):
            object.__setattr__(self, n, _arr(getattr(self, n)))


@dataclass(frozen=True, eq=False)
class GatherLoad:
    """``out[w, l, r] = scratch[base[w, l, r] | index[w, l, r] << axis_shift]``."""

    base: Any
    axis_shift: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", _arr(self.base))


STEP_TYPES = (Copy, Shuffle, SharedStore, SharedLoad, Barrier, GatherShuffle, GatherLoad)
#: Any step of the IR.
Step: TypeAlias = "Copy | Shuffle | SharedStore | SharedLoad | Barrier | GatherShuffle | GatherLoad"


def dispatch(step: Any, handlers: dict[str, Callable[..., Any]], where: str = "step") -> Callable[..., Any]:
    """The handler in ``handlers`` (keyed by step class name) for ``step``; a ``LayoutError``
    naming ``where`` for a step type the IR does not have or the caller does not handle."""
    name = type(step).__name__
    fn = handlers.get(name)
    if fn is None or not isinstance(step, STEP_TYPES):
        known = ", ".join(t.__name__ for t in STEP_TYPES)
        raise LayoutError(f"{where}: unknown step type {name}; a plan holds only {known}")
    return fn


def _shape_of(
    arr: NDArray[Any], plan: ConversionPlan, nregs: int, where: str, leading_blocks: bool
) -> NDArray[Any]:
    """``arr`` broadcast to ``(blocks, warps, lanes, nregs)``; a ``LayoutError`` otherwise."""
    import numpy as np

    want = (plan.warps, plan.lanes, nregs)
    if arr.ndim == 3 and arr.shape == want:
        return np.broadcast_to(arr[None], (plan.blocks,) + want)
    if leading_blocks and arr.ndim == 4 and arr.shape == (plan.blocks,) + want:
        return arr
    raise LayoutError(f"{where}: expected shape {want}" + (f" or {(plan.blocks,) + want}" if leading_blocks
                                                          else "") + f", got {arr.shape}")


def vector_view(step: Any, plan: ConversionPlan, where: str = "step") -> NDArray[Any]:
    """The step's offsets as ``(blocks, warps, lanes, vectors, vec)`` in ``regs`` order,
    after checking shapes, ``regs``, ``vec`` and ``group`` (API.md's static rules)."""
    import numpy as np

    nregs = plan.src_regs if isinstance(step, SharedStore) else plan.dst_regs
    vec, group = step.vec, step.group
    if type(vec) is bool or not isinstance(vec, (int, np.integer)) or vec < 1 or vec & (vec - 1):
        raise LayoutError(f"{where}.vec: expected a power of two, got {vec!r}")
    if vec * plan.elem_bits > 128 or nregs % vec:
        raise LayoutError(f"{where}.vec: {vec} x {plan.elem_bits} bits is over 128 bits or does not divide "
                          f"the {nregs} registers")
    if group not in (1, 2) or (nregs // vec) % group:
        raise LayoutError(
            f"{where}.group: expected 1 or 2 dividing the {nregs // vec} vectors, got {group!r}"
        )
    off = _shape_of(step.offset, plan, nregs, f"{where}.offset", True)
    if step.regs is not None:
        r = step.regs
        if r.shape != (nregs,) or not np.array_equal(np.sort(r), np.arange(nregs)):
            raise LayoutError(f"{where}.regs: expected a permutation of range({nregs}), got {r.tolist()}")
        off = off[..., r]
    return off.reshape(off.shape[:3] + (nregs // vec, vec))


def _check_vectors(g: NDArray[Any], where: str) -> None:
    """Every vector is skipped whole or sits at consecutive offsets starting at a multiple of vec."""
    import numpy as np

    vec = g.shape[-1]
    if (g < -1).any():
        raise LayoutError(f"{where}.offset: offsets are >= 0 or -1 (skip)")
    skip = g < 0
    first = g[..., :1]
    whole = (g == first + np.arange(vec)).all(-1) & (first[..., 0] % vec == 0)
    bad = ~(skip.all(-1) | whole)
    if bad.any():
        b, w, ln, k = (int(x[0]) for x in np.nonzero(bad))
        raise LayoutError(
            f"{where}: vector {k} (block {b} warp {w} lane {ln}) is not at consecutive, aligned offsets: "
            f"{g[b, w, ln, k].tolist()} (vec={vec}); fix the offsets or the vector width"
        )


def _verify_regfile(
    a: NDArray[Any], plan: ConversionPlan, cols: int | None, lo: int, hi: int, where: str
) -> None:
    if a.ndim != 2 or a.shape[0] != plan.lanes or (cols is not None and a.shape[1] != cols):
        raise LayoutError(f"{where}: expected shape ({plan.lanes}, {cols if cols is not None else 'v'}), "
                          f"got {a.shape}")
    if a.size and (a.min() < lo or a.max() >= hi):
        raise LayoutError(f"{where}: entries must lie in [{lo}, {hi})")


def verify_plan(plan: ConversionPlan) -> None:
    """Check every static rule of API.md's plan IR (shapes, index ranges, vectors, ``regs``,
    ``group``, the scratch size); a ``LayoutError`` naming the step otherwise."""
    S, D, L = plan.src_regs, plan.dst_regs, plan.lanes

    def copy(i: int, s: Copy) -> None:
        _verify_regfile(s.reg_map, plan, D, -1, S, f"step {i} Copy.reg_map")

    def shuffle(i: int, s: Shuffle) -> None:
        if s.src_lane.shape != (L,) or (L and (s.src_lane.min() < 0 or s.src_lane.max() >= L)):
            raise LayoutError(f"step {i} Shuffle.src_lane: expected {L} lanes in [0, {L})")
        _verify_regfile(s.send, plan, None, -1, S, f"step {i} Shuffle.send")
        _verify_regfile(s.recv, plan, s.send.shape[1], -1, D, f"step {i} Shuffle.recv")

    def shared(i: int, s: SharedStore | SharedLoad) -> None:
        where = f"step {i} {type(s).__name__}"
        g = vector_view(s, plan, where)
        _check_vectors(g, where)
        if plan.scratch_elems and g.size and g.max() >= plan.scratch_elems:
            raise LayoutError(f"{where}: offset beyond the scratch of {plan.scratch_elems} elements")
        blk = getattr(s, "block", None)
        if blk is not None:
            b = _shape_of(blk, plan, S, f"{where}.block", True)
            if ((b < 0) | (b >= plan.blocks))[_shape_of(s.offset, plan, S, where, True) >= 0].any():
                raise LayoutError(f"{where}.block: CTAs must lie in [0, {plan.blocks})")

    def gshuffle(i: int, s: GatherShuffle) -> None:
        if s.src_lane.shape != (L,) or s.send.shape != s.elem.shape or s.send.shape[:1] != (L,):
            raise LayoutError(f"step {i} GatherShuffle: expected src_lane ({L},) and send/elem ({L}, v)")

    def gload(i: int, s: GatherLoad) -> None:
        _shape_of(s.base, plan, D, f"step {i} GatherLoad.base", False)

    handlers: dict[str, Callable[..., Any]] = {
        "Copy": copy, "Shuffle": shuffle, "SharedStore": shared, "SharedLoad": shared,
        "Barrier": lambda i, s: None, "GatherShuffle": gshuffle, "GatherLoad": gload
    }
    for i, step in enumerate(plan.steps):
        dispatch(step, handlers, f"step {i}")(i, step)


@dataclass(eq=False)
class ConversionPlan:
    """An executable conversion from ``src`` to ``dst`` (see the module docstring).

    >>> # plan = linlayout.plan_conversion(src, dst, "sm_90"); plan.kind, plan.shuffles
    """

    kind: str
    steps: list[Any]  # Step objects (a list of anything is checked by verify_plan)
    src: Any = None
    dst: Any = None
    target: Any = None
    elem_bits: int = 32
    blocks: int = 1
    warps: int = 1
    lanes: int = 32
    src_regs: int = 1
    dst_regs: int = 1
    scratch_elems: int = 0
    notes: list[str] = field(default_factory=list)
    estimated_cost: float = 0.0
    alternatives: dict[str, Any] = field(default_factory=dict)
    _metrics: dict[str, int] | None = field(default=None, repr=False)

    # ---- execution -------------------------------------------------------------------
    def run(self, src_values: Any) -> NDArray[Any]:
        """Execute the steps on ``src_values`` (shape ``(blocks, warps, lanes, src_regs)``)
        and return the ``out`` register file ``(blocks, warps, lanes, dst_regs)``."""
        from .simulate import run_plan

        return run_plan(self, src_values)

    # ---- metrics ---------------------------------------------------------------------
    def _m(self) -> dict[str, int]:
        if self._metrics is None:
            from .simulate import plan_metrics

            self._metrics = plan_metrics(self)
        return self._metrics

    @property
    def shuffles(self) -> int:
        """Shuffle instructions per thread (32 bits each; see ``cost.py``)."""
        return self._m()["shuffles"]

    @property
    def selects(self) -> int:
        """Lane-dependent register choices (selects/prmt) per thread (see ``cost.py``)."""
        return self._m()["selects"]

    @property
    def shared_bytes(self) -> int:
        """Scratch bytes per block."""
        return self.scratch_elems * self.elem_bits // 8

    @property
    def wavefronts(self) -> int:
        """Shared-memory wavefronts per warp: per vector instruction the largest number of
        distinct bank-width words one bank serves, summed over the instructions."""
        return self._m()["wavefronts"]

    @property
    def shared_instructions(self) -> int:
        """Vector ld/st.shared instructions issued per warp (``ld/stmatrix.xN`` and
        ``ds_read_b64_tr`` move several groups at once)."""
        return self._m()["shared_instructions"]

    @property
    def barriers(self) -> int:
        return sum(isinstance(s, Barrier) for s in self.steps)

    def explain(self) -> str:
        """A readable step-by-step account of the plan."""
        from .simulate import explain_plan

        return explain_plan(self)

    def _repr_html_(self) -> str | None:
        """Jupyter: source and destination grids and one panel per step (picture embedded)."""
        from ..views.draw import plan_html

        return plan_html(self)

    def __repr__(self) -> str:
        return (
            f"ConversionPlan(kind={self.kind!r}, steps={len(self.steps)}, target={str(self.target)!r}, "
            f"elem_bits={self.elem_bits})"
        )
