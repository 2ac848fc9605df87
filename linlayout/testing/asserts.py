"""Assertions for users' tests: layout equality with a readable diff, and an independent
checker of conversion plans.

>>> from linlayout import LinearLayout
>>> from linlayout.testing import assert_layouts_equal
>>> a = LinearLayout.identity("lane", 4, "dim0")
>>> assert_layouts_equal(a, LinearLayout.from_bases({"lane": [[1], [2]]}, ["dim0"]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from linlayout.errors import LayoutError
from linlayout.hardware._kit import DISTRIBUTED_IN_DIMS
from linlayout.layout import LinearLayout

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from numpy.typing import NDArray

__all__ = ["assert_layouts_equal", "assert_plan_correct", "layout_diff", "simulate_plan"]

_MAX_ROWS = 80  # basis rows shown in a diff before eliding equal ones


# ----------------------------------------------------------------------------------------
# layout equality


def _check_layout(x: Any, name: str) -> LinearLayout:
    if not isinstance(x, LinearLayout):
        raise LayoutError(f"{name}: expected a LinearLayout, got {type(x).__name__}")
    return x


def _fmt(v: Any) -> str:
    return "-" if v is None else str(list(v))


def layout_diff(a: LinearLayout, b: LinearLayout, names: tuple[str, str] = ("a", "b")) -> str:
    """A side-by-side text diff of two layouts ('' when they are equal).

    Rows are ``in_dim[bit]  basis in a | basis in b``; rows that differ start with ``*``.

    >>> from linlayout import LinearLayout
    >>> a = LinearLayout.from_bases({"lane": [[1], [2]]}, ["dim0"])
    >>> b = LinearLayout.from_bases({"lane": [[2], [1]]}, ["dim0"])
    >>> print(layout_diff(a, b))
    layouts differ (2 of 2 bases):
        basis    a   | b
      * lane[0]  [1] | [2]
      * lane[1]  [2] | [1]
    """
    _check_layout(a, "a")
    _check_layout(b, "b")
    if a == b:
        return ""
    na, nb = names
    lines: list[str] = []
    if list(a.in_dims.items()) != list(b.in_dims.items()):
        lines.append(f"  in dims:  {na} {a.in_dims}  |  {nb} {b.in_dims}")
    if list(a.out_dims.items()) != list(b.out_dims.items()):
        lines.append(f"  out dims: {na} {a.out_dims}  |  {nb} {b.out_dims}")
    if list(a.out_dims) != list(b.out_dims):
        lines.append(f"  (basis components are in out-dim order: {na} {list(a.out_dims)}, "
                     f"{nb} {list(b.out_dims)})")
    ba, bb = a.bases, b.bases
    dims = list(ba) + [d for d in bb if d not in ba]
    rows: list[tuple[bool, str, str, str]] = []
    for d in dims:
        la, lb = ba.get(d, []), bb.get(d, [])
        for i in range(max(len(la), len(lb))):
            va = la[i] if i < len(la) else None
            vb = lb[i] if i < len(lb) else None
            rows.append((va != vb, f"{d}[{i}]", _fmt(va), _fmt(vb)))
    ndiff = sum(r[0] for r in rows)
    head = f"layouts differ ({ndiff} of {len(rows)} bases):" if ndiff else "layouts differ:"
    shown = rows if len(rows) <= _MAX_ROWS else [r for r in rows if r[0]][:_MAX_ROWS]
    w1 = max([len(r[1]) for r in shown] + [5])
    w2 = max([len(r[2]) for r in shown] + [len(na)])
    if shown:
        lines.append(f"    {'basis':<{w1}}  {na:<{w2}} | {nb}")
        for diff, label, sa, sb in shown:
            lines.append(f"  {'*' if diff else ' '} {label:<{w1}}  {sa:<{w2}} | {sb}")
        if len(shown) < len(rows):
            lines.append(f"  ... ({len(rows) - len(shown)} more rows, equal or elided)")
    return "\n".join([head, *lines])


def assert_layouts_equal(a: LinearLayout, b: LinearLayout, msg: str | None = None) -> None:
    """Assert ``a == b`` (same in-dims in order, sizes, bases, out-dims in order and sizes).

    On failure the ``AssertionError`` shows the bases side by side, marking rows that
    differ with ``*``:

    >>> from linlayout import LinearLayout
    >>> a = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[1, 0]]}, ["dim0", "dim1"])
    >>> b = LinearLayout.from_bases({"register": [[1, 0]], "lane": [[0, 1]]}, ["dim0", "dim1"])
    >>> assert_layouts_equal(a, b)
    Traceback (most recent call last):
    ...
    AssertionError: layouts differ (2 of 2 bases):
        basis        a      | b
      * register[0]  [0, 1] | [1, 0]
      * lane[0]      [1, 0] | [0, 1]
    """
    text = layout_diff(a, b)
    if text:
        raise AssertionError(f"{msg}\n{text}" if msg else text)


# ----------------------------------------------------------------------------------------
# plan checking


class _PlanFailure(AssertionError):
    pass


def _dims_of(layout: LinearLayout, name: str) -> tuple[int, int, int, int]:
    ins = layout.in_dims
    extra = [d for d in ins if d not in DISTRIBUTED_IN_DIMS]
    if extra:
        raise LayoutError(f"{name}: a distributed layout has in-dims register, lane, warp, block; "
                          f"got {list(ins)}")
    return tuple(ins.get(d, 1) for d in DISTRIBUTED_IN_DIMS)  # type: ignore[return-value]


def _element_values(layout: LinearLayout) -> NDArray[np.int64]:
    """Distinct value of each tensor element held at each (block, warp, lane, register).

    The value of element ``(x0, x1, ...)`` is its flattened index with dim0 most minor,
    computed from the bases directly (not through plan.run or to_table).
    """
    import numpy as np

    out_dims = list(layout.out_dims.items())
    shifts, s = [], 0
    for _, size in out_dims:
        shifts.append(s)
        s += size.bit_length() - 1
    vals = np.zeros(1, dtype=np.int64)
    for d in DISTRIBUTED_IN_DIMS:
        for basis in layout.bases.get(d, []):
            col = 0
            for comp, sh in zip(basis, shifts):
                col |= int(comp) << sh
            vals = np.concatenate([vals, vals ^ col])
    R, L, W, B = _dims_of(layout, "layout")
    return vals.reshape(B, W, L, R)


def _decode(value: int, out_dims: Sequence[tuple[str, int]]) -> str:
    if value < 0:
        return "<never written>"
    parts = []
    for name, size in out_dims:
        parts.append(f"{name}={value % size}")
        value //= size
    return "(" + ", ".join(parts) + ")"


def _arr(step: Any, attr: str, ndim: int, shape_hint: str) -> NDArray[np.int64]:
    import numpy as np

    if not hasattr(step, attr):
        raise _PlanFailure(f"{type(step).__name__} step has no '{attr}' array")
    a = np.asarray(getattr(step, attr))
    if a.ndim != ndim or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise _PlanFailure(f"{type(step).__name__}.{attr}: expected an integer array {shape_hint}, "
                           f"got shape {a.shape} dtype {a.dtype}")
    return a.astype(np.int64)


class _Machine:
    """The plan semantics of API.md, executed step by step on explicit register files."""

    def __init__(
        self, src_vals: NDArray[np.int64], n_out_regs: int, elem_bits: int, shared_bytes: int | None
    ) -> None:
        import numpy as np

        self.np = np
        self.src = src_vals
        B, W, L, _ = src_vals.shape
        self.B, self.W, self.L = B, W, L
        self.out = np.full((B, W, L, n_out_regs), -1, dtype=np.int64)
        self.elem_bits = elem_bits
        self.shared_bytes = shared_bytes
        self.scratch: list[dict[int, int]] = [dict() for _ in range(B)]
        # per (block, offset): the (phase, thread) of the last write and of reads in this phase
        self.write_tag: list[dict[int, tuple[int, tuple[int, ...]]]] = [dict() for _ in range(B)]
        self.read_tag: list[dict[int, tuple[int, Any]]] = [dict() for _ in range(B)]
        self.phase = 0
        self.max_offset = -1

    # -- register steps
    def copy(self, i: int, step: Any) -> None:
        m = _arr(step, "reg_map", 2, "[lane, out register]")
        R = self.src.shape[3]
        if m.shape != (self.L, self.out.shape[3]):
            raise _PlanFailure(f"step {i} Copy.reg_map: expected shape {(self.L, self.out.shape[3])}, "
                               f"got {m.shape}")
        if (m >= R).any() or (m < -1).any():
            raise _PlanFailure(f"step {i} Copy.reg_map: src register out of range [−1, {R})")
        for lane in range(self.L):
            for r in range(m.shape[1]):
                s = m[lane, r]
                if s >= 0:
                    self.out[:, :, lane, r] = self.src[:, :, lane, s]

    def shuffle(self, i: int, step: Any) -> None:
        src_lane = _arr(step, "src_lane", 1, "[lane]")
        send = _arr(step, "send", 2, "[lane, v]")
        recv = _arr(step, "recv", 2, "[lane, v]")
        L, R, Ro = self.L, self.src.shape[3], self.out.shape[3]
        if src_lane.shape != (L,) or send.shape[0] != L or recv.shape != send.shape:
            raise _PlanFailure(f"step {i} Shuffle: expected src_lane [{L}], send/recv [{L}, v] of equal "
                               f"shape, got {src_lane.shape}, {send.shape}, {recv.shape}")
        if (src_lane < 0).any() or (src_lane >= L).any():
            raise _PlanFailure(f"step {i} Shuffle.src_lane: lanes must be in [0, {L})")
        if (send >= R).any() or (send < -1).any() or (recv >= Ro).any() or (recv < -1).any():
            raise _PlanFailure(f"step {i} Shuffle: register index out of range")
        for lane in range(L):
            sl = src_lane[lane]
            for v in range(send.shape[1]):
                r = recv[lane, v]
                if r < 0:
                    continue
                s = send[sl, v]
                if s < 0:
                    raise _PlanFailure(f"step {i} Shuffle: lane {lane} receives slot {v} from lane {sl}, "
                                       "which sends nothing there")
                self.out[:, :, lane, r] = self.src[:, :, sl, s]

    # -- shared memory steps
    def _vec_check(self, i: int, kind: str, vec: Any, offset: NDArray[np.int64], step: Any = None) -> int:
        """API.md's vector rule: vector ``k`` is registers ``regs[k*vec:(k+1)*vec]`` (``regs``
        a permutation, the same in every lane; default 0, 1, ...), skipped whole or at
        consecutive offsets starting at a multiple of ``vec``; ``group`` is 1 or 2."""
        np = self.np
        if isinstance(vec, bool) or not isinstance(vec, (int, np.integer)) or vec < 1 or vec & (vec - 1):
            raise _PlanFailure(f"step {i} {kind}.vec: expected a power of two, got {vec!r}")
        vec = int(vec)
        width: int = vec
        nregs = offset.shape[-1]
        if vec * self.elem_bits > 128:
            raise _PlanFailure(f"step {i} {kind}.vec: {vec} x {self.elem_bits}-bit elements exceeds 128 bits")
        if nregs % vec:
            raise _PlanFailure(f"step {i} {kind}.vec: {vec} does not divide the {nregs} registers")
        group = getattr(step, "group", 1)
        if group not in (1, 2) or (nregs // vec) % group:
            raise _PlanFailure(f"step {i} {kind}.group: expected 1 or 2 dividing the {nregs // vec} vectors, "
                               f"got {group!r}")
        order = getattr(step, "regs", None)
        if order is not None:
            order = np.asarray(order)
            if order.shape != (nregs,) or sorted(order.tolist()) != list(range(nregs)):
                raise _PlanFailure(f"step {i} {kind}.regs: expected a permutation of 0..{nregs - 1}, got "
                                   f"{order.tolist()}")
            offset = offset[..., order]
        groups = offset.reshape(*offset.shape[:-1], nregs // vec, vec)
        used = groups >= 0
        partial = used.any(axis=-1) & ~used.all(axis=-1)
        if partial.any():
            b, w, ln, k = (int(x[0]) for x in np.nonzero(partial))
            raise _PlanFailure(f"step {i} {kind}: vector {k} of block {b} warp {w} lane {ln} is partly "
                               f"skipped (offsets {groups[b, w, ln, k].tolist()})")
        base = groups[..., :1]
        bad = used.all(axis=-1) & ((groups != base + np.arange(vec)).any(axis=-1) | (base[..., 0] % vec != 0))
        if bad.any():
            b, w, ln, k = (int(x[0]) for x in np.nonzero(bad))
            raise _PlanFailure(f"step {i} {kind}: vector {k} of block {b} warp {w} lane {ln} is not at "
                               f"consecutive, aligned offsets: {groups[b, w, ln, k].tolist()} (vec={vec})")
        return width

    def _per_block(self, i: int, step: Any, kind: str, attr: str, nregs: int) -> NDArray[np.int64]:
        """``step.attr`` as a ``[block, warp, lane, register]`` array: 3-d arrays are the same
        in every block; cluster plans may give a leading block axis."""
        np = self.np
        if not hasattr(step, attr):
            raise _PlanFailure(f"{kind} step has no '{attr}' array")
        a = np.asarray(getattr(step, attr))
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise _PlanFailure(f"step {i} {kind}.{attr}: expected integers, got dtype {a.dtype}")
        ints: npt.NDArray[Any] = a.astype(np.int64)
        want3, want4 = (self.W, self.L, nregs), (self.B, self.W, self.L, nregs)
        if ints.shape == want3:
            wide: npt.NDArray[Any] = np.broadcast_to(ints, want4)
            return wide
        if ints.shape == want4:
            return ints
        raise _PlanFailure(f"step {i} {kind}.{attr}: expected shape {want3} or {want4}, got {ints.shape}")

    def _offsets(self, i: int, step: Any, kind: str, nregs: int) -> NDArray[np.int64]:
        off = self._per_block(i, step, kind, "offset", nregs)
        if (off < -1).any():
            raise _PlanFailure(f"step {i} {kind}.offset: negative offsets other than -1")
        self._vec_check(i, kind, getattr(step, "vec", None), off, step)
        if off.size:
            self.max_offset = max(self.max_offset, int(off.max()))
        return off

    def store(self, i: int, step: Any) -> None:
        off = self._offsets(i, step, "SharedStore", self.src.shape[3])
        dest = None
        if getattr(step, "block", None) is not None:
            dest = self._per_block(i, step, "SharedStore", "block", self.src.shape[3])
            if ((dest < 0) | (dest >= self.B))[off >= 0].any():
                raise _PlanFailure(f"step {i} SharedStore.block: CTAs must be in [0, {self.B})")
        for b, w, ln, r in zip(*self.np.nonzero(off >= 0)):
            o = int(off[b, w, ln, r])
            tb = int(b) if dest is None else int(dest[b, w, ln, r])
            val = int(self.src[b, w, ln, r])
            thread = (int(b), int(w), int(ln))
            rt = self.read_tag[tb].get(o)
            if rt and rt[0] == self.phase and rt[1] != thread:
                raise _PlanFailure(f"step {i} SharedStore: offset {o} of CTA {tb} is overwritten by "
                                   f"{thread} after another thread read it, with no Barrier between")
            wt = self.write_tag[tb].get(o)
            old = self.scratch[tb].get(o)
            if wt and wt[0] == self.phase and old != val:
                raise _PlanFailure(f"step {i} SharedStore: threads {wt[1]} and {thread} write "
                                   f"different elements to offset {o} of CTA {tb} (race)")
            self.scratch[tb][o] = val
            self.write_tag[tb][o] = (self.phase, thread)

    def load(self, i: int, step: Any) -> None:
        off = self._offsets(i, step, "SharedLoad", self.out.shape[3])
        for b, w, ln, r in zip(*self.np.nonzero(off >= 0)):
            o = int(off[b, w, ln, r])
            b = int(b)
            thread = (b, int(w), int(ln))
            if o not in self.scratch[b]:
                raise _PlanFailure(f"step {i} SharedLoad: block {b} warp {w} lane {ln} register {r} reads "
                                   f"offset {o} of its CTA, which was never written")
            wt = self.write_tag[b][o]
            if wt[0] == self.phase and wt[1] != thread:
                raise _PlanFailure(f"step {i} SharedLoad: offset {o} of CTA {b} is read by {thread} "
                                   f"in the same phase thread {wt[1]} wrote it (missing Barrier)")
            self.out[b, w, ln, r] = self.scratch[b][o]
            rt = self.read_tag[b].get(o)
            self.read_tag[b][o] = (self.phase, thread if not rt or rt[0] != self.phase or
                                   rt[1] == thread else "many")

    def barrier(self, i: int, step: Any) -> None:
        self.phase += 1


_DISPATCH = {
    "Copy": _Machine.copy,
    "Shuffle": _Machine.shuffle,
    "SharedStore": _Machine.store,
    "SharedLoad": _Machine.load,
    "Barrier": _Machine.barrier,
}


def simulate_plan(
    plan: Any, src: LinearLayout, dst: LinearLayout, *, elem_bits: int | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Execute ``plan`` on ``src``'s register files (distinct element values) and return
    ``(out, expected)``: numpy arrays ``[block, warp, lane, dst register]`` of element
    values (``-1`` = never written), the second computed from ``dst``.

    This is an independent reading of the step semantics in API.md (it never calls
    ``plan.run``); :func:`assert_plan_correct` compares the two.
    """
    import numpy as np

    _check_layout(src, "src")
    _check_layout(dst, "dst")
    if list(src.out_dims.items()) != list(dst.out_dims.items()):
        raise LayoutError(f"dst: out dims {dst.out_dims} differ from src's {src.out_dims}")
    Rs, Ls, Ws, Bs = _dims_of(src, "src")
    Rd, Ld, Wd, Bd = _dims_of(dst, "dst")
    if (Ls, Ws, Bs) != (Ld, Wd, Bd):
        raise LayoutError(f"dst: lanes/warps/blocks {(Ld, Wd, Bd)} differ from src's {(Ls, Ws, Bs)}")
    if src.total_in_bits > 24 or dst.total_in_bits > 24:
        raise LayoutError("src: layouts over 24 input bits are too large to simulate")
    if elem_bits is None:
        elem_bits = getattr(plan, "elem_bits", 32)
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    steps = getattr(plan, "steps", None)
    if steps is None:
        raise LayoutError(f"plan: expected a ConversionPlan with .steps, got {type(plan).__name__}")
    sb = getattr(plan, "shared_bytes", None)
    m = _Machine(_element_values(src), Rd, elem_bits, int(sb) if isinstance(sb, (int, np.integer)) else None)
    steps = list(steps)
    if not steps:
        if getattr(plan, "kind", None) != "noop":
            raise _PlanFailure(f"plan of kind {getattr(plan, 'kind', None)!r} has no steps")
        if Rs != Rd:
            raise _PlanFailure(f"noop plan, but src has {Rs} registers and dst {Rd}")
        m.out[...] = m.src
    for i, step in enumerate(steps):
        fn = _DISPATCH.get(type(step).__name__)
        if fn is None:
            raise _PlanFailure(f"step {i}: unknown step type {type(step).__name__}")
        fn(m, i, step)
    if m.max_offset >= 0 and m.shared_bytes is not None:
        need = (m.max_offset + 1) * elem_bits // 8
        if need > m.shared_bytes:
            raise _PlanFailure(f"plan.shared_bytes = {m.shared_bytes}, but offsets up to {m.max_offset} "
                               f"of {elem_bits}-bit elements need {need} bytes")
    return m.out, _element_values(dst)


def _gather_expected(
    plan: Any, src: LinearLayout, index: LinearLayout
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(src values, index values, expected out) for a gather plan: element ids as values,
    a fixed pseudo-random index per index element (equal across its broadcast copies), and
    the src element each index names, computed from the layouts' bases."""
    import numpy as np

    ids = _element_values(index)
    axis, size = int(getattr(plan, "axis", 0)), int(getattr(plan, "axis_size", 1))
    idx = (ids * 2654435761 >> 7) % max(size, 1)
    coords, rest = [], ids.copy()
    for _, n in index.out_dims.items():
        coords.append(rest % n)
        rest //= n
    coords[axis] = idx
    want = np.zeros_like(ids)
    mult = 1
    for c, (_, n) in zip(coords, src.out_dims.items()):
        want += c * mult
        mult *= n
    return _element_values(src), idx, want


def assert_plan_correct(plan: Any, src: LinearLayout, dst: LinearLayout, *,
                        elem_bits: int | None = None, max_report: int = 8) -> None:
    """Assert that executing ``plan`` turns the ``src`` distribution into ``dst``'s (for a
    ``plan_gather`` plan, ``dst`` is the index tensor's layout and the plan, run on a fixed
    index tensor, must deliver the elements it names).

    The tensor gets distinct element values; the plan's steps (``Copy``, ``Shuffle``,
    ``SharedStore``, ``Barrier``, ``SharedLoad``) are executed as API.md defines them,
    independently of ``plan.run``, and every register of every thread (broadcast copies
    included) must then hold the element ``dst`` puts there.  Also checked: array shapes
    and index ranges, vector groups (power of two, at most 128 bits, consecutive and
    aligned offsets), reads of unwritten scratch, races between threads without a
    ``Barrier``, and that ``plan.shared_bytes`` covers the offsets used.

    >>> import linlayout as ll
    >>> from linlayout.testing import assert_plan_correct
    >>> src = ll.LinearLayout.from_bases(
    ...     {"register": [[1]], "lane": [[2], [4]], "warp": [], "block": []}, ["dim0"])
    >>> dst = ll.LinearLayout.from_bases(
    ...     {"register": [[4]], "lane": [[1], [2]], "warp": [], "block": []}, ["dim0"])
    >>> plan = ll.plan_conversion(src, dst, "sm_80")   # doctest: +SKIP
    >>> assert_plan_correct(plan, src, dst)              # doctest: +SKIP
    """
    import numpy as np

    if any(type(s).__name__ in ("GatherShuffle", "GatherLoad") for s in getattr(plan, "steps", ())):
        # a gather plan (dst = the index tensor's layout): run it on src's element ids and a
        # fixed index tensor, compare with the indexed elements
        _check_layout(src, "src")
        _check_layout(dst, "dst")
        sv, iv, want = _gather_expected(plan, src, dst)
        try:
            out = np.asarray(plan.run(sv, iv))
        except LayoutError as e:
            raise AssertionError(f"gather plan failed to run: {e}") from e
    else:
        out, want = simulate_plan(plan, src, dst, elem_bits=elem_bits)
    bad = np.argwhere(out != want)
    if not len(bad):
        return
    od = list(dst.out_dims.items())
    lines = [f"plan (kind {getattr(plan, 'kind', '?')!r}, {len(list(plan.steps))} steps) is wrong in "
             f"{len(bad)} of {out.size} registers:"]
    for b, w, ln, r in bad[:max_report]:
        lines.append(f"  block {b} warp {w} lane {ln} register {r}: got {_decode(int(out[b, w, ln, r]), od)}"
                     f", dst wants {_decode(int(want[b, w, ln, r]), od)}")
    if len(bad) > max_report:
        lines.append(f"  ... and {len(bad) - max_report} more")
    raise AssertionError("\n".join(lines))
