"""The plan IR: explicit, executable steps of a layout conversion (API.md "Conversion plans").

A plan runs on two register files per thread, ``src`` (read-only, shape
``(blocks, warps, lanes, src_regs)``) and ``out`` (``(blocks, warps, lanes, dst_regs)``),
plus a shared-memory scratch per block.  Every step reads ``src`` and writes ``out`` or the
scratch; all warps and blocks run the same program, the arrays say what each lane does.

>>> import numpy as np
>>> step = Copy(np.array([[1, 0]]))          # one lane, out r0 <- src r1, out r1 <- src r0
>>> step.reg_map.shape
(1, 2)

Arrays hold ints; ``-1`` means "skip".  Extension (only with
``plan_conversion(..., permute_registers=True)``): a shared step may carry ``regs``, a
permutation of its register indices; vector ``k`` is then registers
``regs[k*vec : (k+1)*vec]`` instead of ``k*vec … k*vec+vec-1`` (what moves where is
unchanged).  Cluster plans may give ``SharedStore.offset`` and ``SharedStore.block`` a
leading ``block`` axis ``(blocks, warps, lanes, regs)`` because there the
destination of an element depends on the sending CTA (see ``cluster.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Copy", "Shuffle", "SharedStore", "SharedLoad", "Barrier", "ConversionPlan", "KINDS"]

KINDS = ("noop", "registers", "warp_shuffle", "shared_memory", "cluster")


def _arr(x: Any):
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

    def __post_init__(self):
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

    def __post_init__(self):
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

    def __post_init__(self):
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

    def __post_init__(self):
        object.__setattr__(self, "offset", _arr(self.offset))
        if self.regs is not None:
            object.__setattr__(self, "regs", _arr(self.regs))


@dataclass(frozen=True)
class Barrier:
    """All threads that share the scratch wait here (``instruction`` says which barrier:
    ``"bar.warp.sync"``, ``"bar.sync"``, ``"barrier.cluster"``, ``"s_barrier"``)."""

    instruction: str | None = None


@dataclass(eq=False)
class ConversionPlan:
    """An executable conversion from ``src`` to ``dst`` (see the module docstring).

    >>> # plan = linlayout.plan_conversion(src, dst, "sm_90"); plan.kind, plan.shuffles
    """

    kind: str
    steps: list
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
    notes: list = field(default_factory=list)
    estimated_cost: float = 0.0
    alternatives: dict = field(default_factory=dict)
    _metrics: dict | None = field(default=None, repr=False)

    # ---- execution -------------------------------------------------------------------
    def run(self, src_values):
        """Execute the steps on ``src_values`` (shape ``(blocks, warps, lanes, src_regs)``)
        and return the ``out`` register file ``(blocks, warps, lanes, dst_regs)``."""
        from .simulate import run_plan

        return run_plan(self, src_values)

    # ---- metrics ---------------------------------------------------------------------
    def _m(self) -> dict:
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
