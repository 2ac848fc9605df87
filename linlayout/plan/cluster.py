"""Cluster plans: the block bases differ, so elements cross CTAs (distributed shared memory,
sm_90+).

The scratch of CTA ``b`` holds exactly the elements dst's CTA ``b`` needs, laid out by the
swizzle of ``shared.py`` over dst's register/lane/warp span.  Every src thread *stores* its
elements into the owning CTA's scratch (``SharedStore.block``), a cluster barrier follows, and
every dst thread loads from its own scratch.  Because the receiving CTA and the offset depend
on the sending CTA, the store's ``offset`` and ``block`` arrays carry a leading ``block`` axis:
shape ``(blocks, warps, lanes, src_regs)``.  Elements that dst broadcasts over blocks are stored
once into each CTA that needs them (one ``SharedStore`` per copy); src copies are stored once.

>>> # plan_conversion(src, dst, "sm_90").kind == "cluster" when dst.block != src.block
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._gf2 import Span
from ..errors import LayoutError
from .classify import xor_table
from .ir import Barrier, SharedLoad, SharedStore
from .shared import SharedDesign, _instr_name

if TYPE_CHECKING:
    from .ir import Step
    from .problem import Problem

__all__ = ["cluster_plan_steps"]


def cluster_plan_steps(prob: Problem, design: SharedDesign) -> tuple[list[Step], int]:
    """Steps and scratch elements of a cluster round trip of ``prob`` (a ``Problem``)
    following ``design`` (one round)."""
    import numpy as np

    src, dst, target, elem_bits = prob.src, prob.dst, prob.target, prob.elem_bits
    sw = design.swizzle
    if sw.reps:
        raise LayoutError("planner bug: cluster plans use one round")  # pragma: no cover
    cols = sw.columns
    ncol = len(cols)
    blk_idx = [k for k, v in enumerate(dst.block) if v]
    cs = Span(list(cols) + [dst.block[k] for k in blk_idx])

    def coords(v: int) -> int:
        if v == 0:
            return 0
        c = cs.express(v)
        if c is None:
            raise LayoutError("src: holds elements dst does not; both must describe one tensor")
        return c

    cb, cw, cl, cr = ([coords(v) for v in bases] for bases in (src.block, src.warp, src.lane, src.reg))
    tabs = [xor_table(c) for c in (cb, cw, cl, cr)]
    full = (
        tabs[0][:, None, None, None]
        ^ tabs[1][None, :, None, None]
        ^ tabs[2][None, None, :, None]
        ^ tabs[3][None, None, None, :]
    )
    mask = (1 << ncol) - 1
    offset = full & mask
    block_of = xor_table([1 << k for k in blk_idx])
    target_block = block_of[full >> ncol]
    skip = np.zeros(full.shape, dtype=bool)
    for dim_i, bases in enumerate((src.block, src.warp, src.lane, src.reg)):
        free = sum(1 << k for k, v in enumerate(bases) if v == 0)
        if free:
            idx = (np.arange(1 << len(bases)) & free) != 0
            shape = [1, 1, 1, 1]
            shape[dim_i] = -1
            skip |= idx.reshape(shape)
    offset = np.where(skip, -1, offset)
    dw, dl, dr = ([coords(v) for v in bases] for bases in (dst.warp, dst.lane, dst.reg))
    d_tabs = [xor_table(c) for c in (dw, dl, dr)]
    ld = d_tabs[0][:, None, None] ^ d_tabs[1][None, :, None] ^ d_tabs[2][None, None, :]
    if (ld >> ncol).any():
        raise LayoutError("planner bug: dst element outside its own CTA's scratch")  # pragma: no cover
    vs = 1 << sw.store_vec_bits
    vd = 1 << sw.load_vec_bits
    from .shared import _aligned

    mask_off = (1 << ncol) - 1
    if not _aligned([c & mask_off for c in cr], [c & mask_off for c in cl + cw + cb], vs):
        vs = 1
    if not _aligned(dr, dl + dw, vd):
        vd = 1
    copies = xor_table([1 << k for k, v in enumerate(dst.block) if v == 0])
    steps: list[Step] = []
    st_name = _instr_name(target, True, vs, elem_bits).replace("st.shared", "st.shared::cluster")
    for z in copies:
        steps.append(SharedStore(offset, vs, block=target_block ^ int(z), instruction=st_name))
    steps.append(Barrier("barrier.cluster.arrive+wait"))
    steps.append(SharedLoad(ld, vd, instruction=_instr_name(target, False, vd, elem_bits)))
    return steps, 1 << ncol
