"""Gather plans: ``out = gather(src, index, axis)`` (Triton's ``tl.gather``; paper §5.5).

``out`` has the index tensor's shape and layout: ``out[i] = src[i with i[axis] = index[i]]``.

* **warp-local** (Triton's ``isWarpLocal``): when neither layout spreads the gathered axis over
  warps or blocks, and src and index agree on how warps, blocks and lanes cover the other
  dims, every candidate lives in the same warp.  The plan is a few :class:`GatherShuffle`
  rounds: in round ``u`` lane ``l`` reads lane ``l ^ u``'s candidate registers (those of its
  column) and each out register keeps the one whose element is the indexed one (a
  compare-and-select per candidate).  Rounds = ``2^(lane bits on the axis)``; values per round
  = the sender's registers in that column — quadratic in the column per thread, as in Triton.
* otherwise **shared memory**: src is stored once (broadcast copies skipped) at its element's
  offset, a barrier, then :class:`GatherLoad` reads ``base | index << axis_shift``.

``plan.run(src_values, index_values)`` executes it; index values are ints in
``[0, shape[axis])``.

>>> # plan_gather(src, idx, 0, "sm_90").kind in ("warp_shuffle", "shared_memory")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from .classify import Flat, flatten, xor_table
from .ir import Barrier, ConversionPlan, GatherLoad, GatherShuffle, SharedStore

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..targets import Target
    from .ir import Step

__all__ = ["GatherShuffle", "GatherLoad", "GatherPlan", "plan_gather"]


class GatherPlan(ConversionPlan):
    """A :class:`ConversionPlan` whose ``run`` also takes the index values."""

    axis: int = 0
    axis_size: int = 1
    axis_shift_flat: int = 0
    #: (blocks, warps, lanes, idx regs) flat element, axis coordinate 0
    want_other: NDArray[np.int64] | None = None
    warp_xor: NDArray[np.int64] | None = None  # (blocks, warps) flat XOR of src's block/warp part

    def run(self, src_values: Any, index_values: Any = None) -> NDArray[Any]:
        """Execute on ``src_values`` (blocks, warps, lanes, src regs) and ``index_values``
        (blocks, warps, lanes, index regs)."""
        if index_values is None:
            raise LayoutError("index_values: a gather plan needs the index tensor's values")
        return _run_gather(self, src_values, index_values)


def _run_gather(plan: GatherPlan, src_values: Any, index_values: Any) -> NDArray[Any]:
    import numpy as np

    src = np.asarray(src_values)
    idx = np.asarray(index_values)
    B, W, L = plan.blocks, plan.warps, plan.lanes
    if src.shape != (B, W, L, plan.src_regs):
        raise LayoutError(f"src_values: expected shape {(B, W, L, plan.src_regs)}, got {src.shape}")
    if idx.shape != (B, W, L, plan.dst_regs):
        raise LayoutError(f"index_values: expected shape {(B, W, L, plan.dst_regs)}, got {idx.shape}")
    if (idx < 0).any() or (idx >= plan.axis_size).any():
        raise LayoutError(f"index_values: must lie in [0, {plan.axis_size})")
    want = None
    if plan.want_other is not None:
        want = plan.want_other | (idx.astype(np.int64) << plan.axis_shift_flat)  # B W L R
    out = np.zeros(idx.shape, dtype=src.dtype)
    done = np.zeros(idx.shape, dtype=bool)
    scratch = np.zeros((B, max(plan.scratch_elems, 1)), dtype=src.dtype)
    for s in plan.steps:
        if isinstance(s, GatherShuffle):
            if want is None or plan.warp_xor is None:
                raise LayoutError(
                    "plan: a GatherShuffle needs want_other and warp_xor; build it with plan_gather"
                )
            sl = s.src_lane
            vals = src[:, :, sl[:, None], s.send[sl]]  # B W L V (values arriving at each lane)
            els = s.elem[sl]  # L V (elements of warp 0 of block 0)
            els = np.where(els >= 0, els[None, None] ^ plan.warp_xor[:, :, None, None], -1)  # B W L V
            hit = want[..., :, None] == els[:, :, :, None, :]  # B W L R V
            any_hit = hit.any(-1)
            pick = hit.argmax(-1)
            got = np.take_along_axis(vals[:, :, :, None, :], pick[..., None], axis=-1)[..., 0]
            out = np.where(any_hit, got, out)
            done |= any_hit
        elif isinstance(s, SharedStore):
            off = np.broadcast_to(s.offset[None], (B,) + s.offset.shape)
            b, w, lane, r = np.nonzero(off >= 0)
            scratch[b, off[b, w, lane, r]] = src[b, w, lane, r]
        elif isinstance(s, GatherLoad):
            addr = s.base[None] | (idx.astype(np.int64) << s.axis_shift)
            out = scratch[np.arange(B)[:, None, None, None], addr]
            done[:] = True
    if not done.all():
        raise LayoutError("gather plan bug: an indexed element was not found")  # pragma: no cover
    return out


def _axis_info(f: Flat, axis: int) -> tuple[int, int, int]:
    dims = list(f.out_dims)
    if not 0 <= axis < len(dims):
        raise LayoutError(f"axis: expected 0 <= axis < {len(dims)}, got {axis}")
    shift = sum(s.bit_length() - 1 for _, s in dims[:axis])
    size = dims[axis][1]
    mask = (size - 1) << shift
    return shift, size, mask


def plan_gather(src: Any, index: Any, axis: int, target: str | Target, *, elem_bits: int = 32) -> GatherPlan:
    """Plan ``gather(src, index, axis)`` on ``target`` (see the module docstring)."""
    import numpy as np

    from ..targets import get_target

    t = get_target(target)
    if type(elem_bits) is not int or elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise LayoutError(f"axis: expected an int, got {axis!r}")
    fs, fi = flatten(src, "src"), flatten(index, "index")
    if len(fs.out_dims) != len(fi.out_dims):
        raise LayoutError("index: must have the same rank as src")
    for k, ((_na, sa), (_nb, sb)) in enumerate(zip(fs.out_dims, fi.out_dims)):
        if k != axis and sa != sb:
            raise LayoutError(f"index: dim {k} has size {sb} but src's has {sa}; only the axis may differ")
    for d in ("lane", "warp", "block"):
        if len(fs.dim(d)) != len(fi.dim(d)):
            raise LayoutError(f"index: has 2^{len(fi.dim(d))} {d}s but src has 2^{len(fs.dim(d))}")
    if (1 << len(fs.lane)) != t.warp_size:
        raise LayoutError(f"src: has {1 << len(fs.lane)} lanes but {t.name} runs {t.warp_size}-lane warps")
    s_shift, s_size, s_mask = _axis_info(fs, axis)
    i_shift, i_size, i_mask = _axis_info(fi, axis)
    if s_shift != i_shift:
        raise LayoutError("index: the dims before the axis must match src's")  # sizes equal ⇒ unreachable
    other = ~s_mask
    # index coordinates -> src flat numbering (other dims are identical; the axis bits drop)
    i_other = ~i_mask

    def oth_i(v: int) -> int:
        lo = v & ((1 << s_shift) - 1)
        hi = (v & i_other) >> (s_shift + (i_size.bit_length() - 1))
        return lo | (hi << (s_shift + (s_size.bit_length() - 1)))

    warp_local = (
        all(v & s_mask == 0 for v in fs.warp + fs.block)
        and all(v & i_mask == 0 for v in fi.warp + fi.block)
        and [v & other for v in fs.warp] == [oth_i(v) for v in fi.warp]
        and [v & other for v in fs.block] == [oth_i(v) for v in fi.block]
        and [v & other for v in fs.lane] == [oth_i(v) for v in fi.lane]
    )
    B, W, L = 1 << len(fs.block), 1 << len(fs.warp), 1 << len(fs.lane)
    Ri = 1 << len(fi.reg)
    w_other = (
        xor_table([oth_i(v) for v in fi.warp])[:, None, None]
        ^ xor_table([oth_i(v) for v in fi.lane])[None, :, None]
        ^ xor_table([oth_i(v) for v in fi.reg])[None, None, :]
    )
    plan = GatherPlan(
        kind="warp_shuffle" if warp_local else "shared_memory",
        steps=[],
        src=src,
        dst=index,
        target=t,
        elem_bits=elem_bits,
        blocks=B,
        warps=W,
        lanes=L,
        src_regs=1 << len(fs.reg),
        dst_regs=Ri,
    )
    plan.axis, plan.axis_size, plan.axis_shift_flat = axis, s_size, s_shift
    plan.want_other = w_other  # flat src element (axis 0) each out register wants, per warp
    if warp_local:
        # src and index agree on the block/warp part of the other dims
        blk = xor_table([v & other for v in fs.block])
        plan.want_other = w_other[None] ^ blk[:, None, None, None]
        plan.warp_xor = blk[:, None] ^ xor_table(fs.warp)[None, :]
        _warp_local_steps(plan, fs, w_other)
        plan.notes.append("warp-local gather: candidates come from the lanes covering the axis")
    else:
        if any(v & s_mask for v in fs.block):
            raise LayoutError("src: spreads the gathered axis over CTAs; cross-CTA gather is not supported")
        if any(v & i_mask for v in fi.block) or [v & other for v in fs.block] != [oth_i(v) for v in fi.block]:
            raise LayoutError("index: its CTAs must cover the other dims as src's do (cross-CTA gather)")
        _shared_steps(plan, fs, fi, s_shift, oth_i)
        plan.notes.append("gather through shared memory: src stored once, index-addressed loads")
    del np
    return plan


def _warp_local_steps(plan: GatherPlan, fs: Flat, w_other: NDArray[np.int64]) -> None:
    import numpy as np

    L = plan.lanes
    other_mask = ~((plan.axis_size - 1) << plan.axis_shift_flat)
    reg_t = xor_table(fs.reg)
    lane_t = xor_table(fs.lane)
    # the columns each receiver lane needs (warp 0 stands for all warps)
    need = w_other[0]  # (L, Ri): flat element with axis 0
    free_r = sum(1 << k for k, v in enumerate(fs.reg) if v == 0)
    regs = np.nonzero((np.arange(len(reg_t)) & free_r) == 0)[0]  # one copy per element
    steps: list[Step] = []
    for u in range(L):
        send_rows = []
        elem_rows = []
        for s in range(L):
            lane_recv = s ^ u
            cols = set(int(x) for x in need[lane_recv])
            els = lane_t[s] ^ reg_t[regs]
            keep = np.isin(els & other_mask, list(cols))
            send_rows.append(regs[keep])
            elem_rows.append(els[keep])
        V = max(len(r) for r in send_rows)
        if V == 0:
            continue
        send = np.full((L, V), -1, dtype=np.int64)
        elem = np.full((L, V), -1, dtype=np.int64)
        for s in range(L):
            send[s, : len(send_rows[s])] = send_rows[s]
            elem[s, : len(elem_rows[s])] = elem_rows[s]
        steps.append(GatherShuffle(np.arange(L) ^ u, send, elem))
    plan.steps = steps


def _shared_steps(
    plan: GatherPlan, fs: Flat, fi: Flat, shift: int, oth_i: Callable[[int], int]
) -> None:
    import numpy as np

    blk_mask = 0
    for v in fs.block:
        blk_mask |= v
    keep = ~blk_mask

    def comp(bits: int) -> int:
        """Squeeze the non-block tensor bits together: the scratch offset of an element."""
        out, j = 0, 0
        for b in range(max(fs.nbits, 1)):
            if keep >> b & 1:
                if bits >> b & 1:
                    out |= 1 << j
                j += 1
        return out

    def tab(bases: Iterable[int]) -> NDArray[np.int64]:
        return xor_table([comp(v) for v in bases])

    off = tab(fs.warp)[:, None, None] ^ tab(fs.lane)[None, :, None] ^ tab(fs.reg)[None, None, :]
    skip = np.zeros(off.shape, dtype=bool)
    for dim_i, bases in enumerate((fs.warp, fs.lane, fs.reg)):
        free = sum(1 << k for k, v in enumerate(bases) if v == 0)
        if free:
            idx = (np.arange(1 << len(bases)) & free) != 0
            shape = [1, 1, 1]
            shape[dim_i] = -1
            skip |= idx.reshape(shape)
    off = np.where(skip, -1, off)
    base = (
        tab([oth_i(v) for v in fi.warp])[:, None, None]
        ^ tab([oth_i(v) for v in fi.lane])[None, :, None]
        ^ tab([oth_i(v) for v in fi.reg])[None, None, :]
    )
    axis_shift = comp(1 << shift).bit_length() - 1 if (keep >> shift) & 1 else 0
    nloc = bin(keep & ((1 << fs.nbits) - 1)).count("1")
    plan.scratch_elems = 1 << nloc
    plan.steps = [
        SharedStore(off, 1, instruction="st.shared"),
        Barrier("bar.sync"),
        GatherLoad(base, axis_shift),
    ]
