"""Bulk tensor copies as layouts: NVIDIA TMA (sm_90+) and AMD tensor DMA (gfx1250).

A bulk copy moves a *box* of a global tensor into shared memory.  Once the box is a
power of two in every dim, everything about it is a linear map over GF(2):

* :meth:`TmaCopy.smem_layout` — ``offset, block -> dim0..``: where each element lands.
  The TMA swizzle is a function of the shared-memory *byte address* (CUTLASS
  ``Swizzle<B, 4, 3>``): bits ``[4, 4+B)`` are XORed with bits ``[7, 7+B)``, ``B =
  log2(swizzle / 16)``.  For a box whose inner dim is exactly one swizzle span this is
  Triton's NVMMA shared layout (:class:`~linlayout.hardware.shared.NVMMASharedLayout`,
  checked case by case against Triton 3.9.0); narrower inner dims are covered too.
* :meth:`TmaCopy.messages` — ``message -> dim0..``: the box origin of each copy
  instruction needed to cover the tile, and :attr:`TmaCopy.message_count`.
* the hardware rules (``cuTensorMapEncodeTiled`` / PTX ``cp.async.bulk.tensor``) are
  checked when the description is built; a :class:`~linlayout.LayoutError` names the
  rule (``[TMA-BOX-DIM]`` etc., see :data:`TMA_RULES`).

:class:`TdmCopy` is the gfx1250 counterpart (Triton's ``amdg.async_tdm_copy``): every
warp moves one sub-box (``tdm_warp_distribution``), the LDS layout is a
``SwizzledSharedLayout`` with ``max_phase == 1`` (or a padded one), and
:meth:`TdmCopy.tdm_layout` is Triton's ``getTDMLinearLayout`` (``message, warp, block``).

:func:`plan_copy` decides how a tile reaches a desired shared layout: by TMA / TDM when
the layout divides by a box layout (:func:`tma_box_layout`), else by vectorised
``cp.async`` or ``ld.global`` + ``st.shared``.

>>> c = TmaCopy(global_shape=[256, 256], box_shape=[8, 64], element_bitwidth=16, swizzle=128)
>>> c.smem_layout().bases["offset"][6:9]
[[1, 8], [2, 16], [4, 32]]
>>> c.message_count
1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._limits import MAX_DIM, MAX_RANK, check_count, check_int
from .errors import LayoutError
from .layout import LinearLayout, standard_out_dims

__all__ = [
    "TMA_RULES",
    "TDM_RULES",
    "TmaCopy",
    "TdmCopy",
    "CopyPlan",
    "tma_box_layout",
    "tma_swizzle_bits",
    "unswizzle_offsets",
    "tdm_warp_distribution",
    "plan_copy",
]

#: Rule names used in the LayoutError messages of :class:`TmaCopy`.
TMA_RULES = {
    "TMA-RANK": "tensor rank is 1..5 (interleaved layouts: 3..5)",
    "TMA-BOX-DIM": "every box dim is 1..256 (im2col: pixels <= 1024, channels <= 256)",
    "TMA-BOX-POW2": "box dims are powers of two (needed for a linear shared layout)",
    "TMA-INNER-16B": "inner box dim * element bytes is a multiple of 16 (interleave none)",
    "TMA-INNER-SWIZZLE": "inner box dim * element bytes <= swizzle span (interleave none)",
    "TMA-SWIZZLE": "swizzle is 0, 32, 64 or 128 bytes; interleave 32B needs swizzle 32B",
    "TMA-INTERLEAVE": "interleave is 0 (none), 16 or 32 bytes",
    "TMA-ELEMENT": "element bitwidth is 8, 16, 32 or 64",
    "TMA-GLOBAL-ALIGN": "global address 16-byte aligned (32 with interleave 32B)",
    "TMA-STRIDE": "global strides (bytes) multiples of 16 (32 with interleave 32B), < 2^40, "
    "innermost = element",
    "TMA-GLOBAL-DIM": "global dims 1..2^32",
    "TMA-TILE": "the tile is a whole number of boxes",
    "TMA-MODE": "mode is 'tiled' or 'im2col' (im2col: tensor rank 3..5, a 2-D box [pixels, channels])",
    "TMA-MULTICAST": "multicast only inside a cluster: cluster <= 16 CTAs, power of two, CTAs in the "
    "set exist, the set's size a power of two",
}

#: Rule names used in the LayoutError messages of :class:`TdmCopy`.
TDM_RULES = {
    "TDM-RANK": "tensor rank is 1..5 (Gluon make_tensor_descriptor)",
    "TDM-BOX-POW2": "block dims are powers of two",
    "TDM-LAYOUT": "the LDS layout is a SwizzledSharedLayout with max_phase == 1 and order [rank-1..0], "
    "or a PaddedSharedLayout",
    "TDM-WARPS": "num_warps is a power of two; warp_used_hint has a power-of-two popcount",
    "TDM-ELEMENT": "element bitwidth is 8, 16, 32 or 64",
    "TDM-STRIDE": "the innermost global stride is one element",
}


def _err(rule: str, msg: str) -> LayoutError:
    return LayoutError(f"[{rule}] {msg}")


def _int(x: Any, what: str, rule: str, **limits: Any) -> int:
    """:func:`linlayout._limits.check_int`, its message tagged with the hardware ``rule``."""
    try:
        return check_int(x, what, **limits)
    except LayoutError as e:
        raise _err(rule, str(e)) from None


def _choice(x: Any, what: str, rule: str, allowed: tuple[int, ...], unit: str = "") -> int:
    """An int parameter that must be one of ``allowed`` (``16.0`` and ``True`` are refused)."""
    v = _int(x, what, rule)
    if v not in allowed:
        want = ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}"
        raise _err(rule, f"{what}: expected {want}{unit}, got {v}")
    return v


def _ints(x: Any, what: str, rule: str, max_len: int = MAX_RANK) -> tuple[int, ...]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise _err(rule, f"{what}: expected a sequence of ints, got {x!r}")
    if len(x) > max_len:
        raise _err(rule, f"{what}: {len(x)} entries is over the limit {max_len} (linlayout._limits)")
    return tuple(_int(v, f"{what}[{i}]", rule) for i, v in enumerate(x))


def _pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _log2(n: int) -> int:
    return n.bit_length() - 1


def _unravel(e: int, shape: Sequence[int]) -> list[int]:
    """Row-major (last dim fastest) coordinates of flat index ``e`` in ``shape``."""
    out = [0] * len(shape)
    for d in range(len(shape) - 1, -1, -1):
        out[d] = e % shape[d]
        e //= shape[d]
    return out


# ----------------------------------------------------------------------------- the swizzle


def tma_swizzle_bits(swizzle: int) -> int:
    """``B`` of the TMA swizzle ``Swizzle<B, 4, 3>`` on byte addresses (0 for none).

    >>> [tma_swizzle_bits(s) for s in (0, 32, 64, 128)]
    [0, 1, 2, 3]
    """
    swizzle = _choice(swizzle, "swizzle", "TMA-SWIZZLE", (0, 32, 64, 128), " bytes")
    return 0 if swizzle == 0 else _log2(swizzle // 16)


def _swizzle_address(b: int, bits: int) -> int:
    """The TMA byte-address swizzle (an involution): bits [4,4+B) ^= bits [7,7+B)."""
    if not bits:
        return b
    return b ^ (((b >> 7) & ((1 << bits) - 1)) << 4)


def tma_box_layout(
    box_shape: Sequence[int], element_bitwidth: int, swizzle: int = 0, order: Sequence[int] | None = None
) -> LinearLayout:
    """Where a TMA copy puts each element of one box: ``offset -> dim0..``.

    ``order`` lists the tensor dims fastest first (default: last dim fastest, the
    tensor-map order); the box is dense in that order and then swizzled on byte
    addresses.  The box base must be aligned to ``8 * swizzle`` bytes.

    >>> tma_box_layout([8, 32], 16, 64).bases["offset"][-3:]
    [[1, 0], [2, 8], [4, 16]]
    """
    box = _ints(box_shape, "box_shape", "TMA-BOX-DIM")
    rank = len(box)
    if not 1 <= rank <= 5:
        raise _err("TMA-RANK", f"box_shape: expected rank 1..5, got {rank}")
    for d, s in enumerate(box):
        if not _pow2(s):
            raise _err("TMA-BOX-POW2", f"box_shape[{d}]: expected a power of two, got {s}")
    if element_bitwidth not in (8, 16, 32, 64):
        raise _err("TMA-ELEMENT", f"element_bitwidth: expected 8, 16, 32 or 64, got {element_bitwidth!r}")
    order = list(range(rank - 1, -1, -1)) if order is None else list(order)
    if sorted(order) != list(range(rank)):
        raise LayoutError(f"order: expected a permutation of 0..{rank - 1}, got {order!r}")
    bits = tma_swizzle_bits(swizzle)
    eb = element_bitwidth // 8
    mem_shape = [box[d] for d in reversed(order)]  # slowest first
    n = 1
    for s in box:
        n *= s
    bases = []
    for i in range(_log2(n)):
        u = _swizzle_address(eb << i, bits)
        mem = _unravel(u // eb, mem_shape)
        coord = [0] * rank
        for k, d in enumerate(reversed(order)):
            coord[d] = mem[k]
        bases.append(coord)
    return LinearLayout.from_bases({"offset": bases}, list(zip(standard_out_dims(rank), box)))


def unswizzle_offsets(layout: LinearLayout, element_bitwidth: int, swizzle: int) -> LinearLayout:
    """``layout`` read through the TMA swizzle: offset ``o`` of the result is offset
    ``swizzle(o)`` of ``layout`` (both in elements).  Dividing the result by a dense box
    is how :func:`plan_copy` recognises a swizzled TMA destination.

    >>> L = tma_box_layout([8, 64], 16, 128)
    >>> unswizzle_offsets(L, 16, 128) == tma_box_layout([8, 64], 16, 0)
    True
    """
    bits = tma_swizzle_bits(swizzle)
    eb = element_bitwidth // 8
    if "offset" not in layout.in_dims:
        raise LayoutError("layout: expected an 'offset' in-dim (a shared-memory layout)")
    nb = layout.in_dim_size_log2("offset")
    new = []
    for i in range(nb):
        u = _swizzle_address(eb << i, bits) // eb
        if u >> nb:
            raise LayoutError(
                f"layout: the {swizzle}-byte swizzle moves offset {1 << i} outside the {1 << nb} elements"
            )
        acc = None
        for j in range(nb):
            if u >> j & 1:
                v = layout.get_basis("offset", j)
                acc = v if acc is None else [a ^ b for a, b in zip(acc, v)]
        new.append(acc if acc is not None else [0] * layout.num_out_dims)
    bases = {k: (new if k == "offset" else v) for k, v in layout.bases.items()}
    return LinearLayout.from_bases(bases, layout.out_dims, require_surjective=False)


# ----------------------------------------------------------------------------- TMA


@dataclass(frozen=True)
class TmaCopy:
    """One TMA tensor map plus the tile it fills (``cp.async.bulk.tensor``).

    Dims are listed like the tensor's (``dim0`` outermost, the last dim contiguous), the
    reverse of the driver's innermost-first arrays.  ``global_strides`` are in bytes, one
    per dim, the last equal to the element size (default: dense row-major).
    ``tile_shape`` (default: the box) is what the messages must cover; it is a whole
    number of boxes.  ``multicast`` lists the CTA ranks (within a cluster of
    ``cluster_size``) that receive every box; ``interleave`` is 0, 16 or 32 bytes
    (NC/8HWC8-style layouts, whose last dim is the interleaved channel chunk); ``mode``
    is ``"tiled"`` or ``"im2col"`` (the box is then 2-D ``[pixels, channels]``).

    >>> c = TmaCopy(global_shape=[128, 128], box_shape=[64, 64], element_bitwidth=16,
    ...             swizzle=128, tile_shape=[128, 128])
    >>> c.message_count, c.messages().bases["message"]
    (4, [[64, 0], [0, 64]])
    """

    global_shape: tuple[int, ...]
    box_shape: tuple[int, ...]
    element_bitwidth: int
    swizzle: int = 0
    global_strides: tuple[int, ...] | None = None
    tile_shape: tuple[int, ...] | None = None
    interleave: int = 0
    multicast: tuple[int, ...] = ()
    cluster_size: int = 1
    mode: str = "tiled"
    global_address: int = 0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        gshape = _ints(self.global_shape, "global_shape", "TMA-GLOBAL-DIM")
        box = _ints(self.box_shape, "box_shape", "TMA-BOX-DIM")
        rank = len(gshape)
        if self.mode not in ("tiled", "im2col"):
            raise _err("TMA-MODE", f"mode: expected 'tiled' or 'im2col', got {self.mode!r}")
        if not 1 <= rank <= 5:
            raise _err("TMA-RANK", f"global_shape: tensor rank must be 1..5, got {rank}")
        il = _choice(self.interleave, "interleave", "TMA-INTERLEAVE", (0, 16, 32), " bytes")
        set_(self, "interleave", il)
        if self.interleave and rank < 3:
            raise _err("TMA-RANK", f"global_shape: an interleaved layout needs rank >= 3, got {rank}")
        set_(self, "element_bitwidth", _choice(self.element_bitwidth, "element_bitwidth", "TMA-ELEMENT",
                                               (8, 16, 32, 64)))
        set_(self, "swizzle", _choice(self.swizzle, "swizzle", "TMA-SWIZZLE", (0, 32, 64, 128), " bytes"))
        eb = self.element_bitwidth // 8
        for d, s in enumerate(gshape):
            if not 1 <= s <= 1 << 32:
                raise _err("TMA-GLOBAL-DIM", f"global_shape[{d}]: expected 1..2^32, got {s}")
        # box
        if self.mode == "im2col":
            if rank < 3 or len(box) != 2:
                raise _err(
                    "TMA-MODE",
                    f"box_shape: im2col needs a tensor of rank 3..5 and a 2-D box [pixels, channels], "
                    f"got rank {rank} and box {list(box)}",
                )
            limits = (1024, 256)
        else:
            if len(box) != rank:
                raise _err(
                    "TMA-BOX-DIM", f"box_shape: expected {rank} dims like global_shape, got {len(box)}"
                )
            limits = (256,) * rank
        for d, (s, lim) in enumerate(zip(box, limits)):
            if not 1 <= s <= lim:
                raise _err("TMA-BOX-DIM", f"box_shape[{d}]: expected 1..{lim}, got {s}")
            if not _pow2(s):
                raise _err("TMA-BOX-POW2", f"box_shape[{d}]: expected a power of two, got {s}")
        inner = box[-1] * eb
        sw = self.swizzle
        tma_swizzle_bits(sw)
        if self.interleave == 32 and sw != 32:
            raise _err("TMA-SWIZZLE", f"swizzle: interleave 32B requires swizzle 32, got {sw}")
        if not self.interleave:
            if inner % 16:
                raise _err(
                    "TMA-INNER-16B",
                    f"box_shape[-1]: the inner box dim is {inner} bytes, not a multiple of 16 "
                    f"(use at least {16 // eb} elements)",
                )
            if sw and inner > sw:
                raise _err(
                    "TMA-INNER-SWIZZLE",
                    f"box_shape[-1]: the inner box dim is {inner} bytes, above the {sw}-byte swizzle span "
                    f"(use at most {sw // eb} elements or a wider swizzle)",
                )
        # strides and address
        align = 32 if self.interleave == 32 else 16
        if self.global_strides is None:
            strides, acc = [0] * rank, eb
            for d in range(rank - 1, -1, -1):
                strides[d] = acc
                acc *= gshape[d]
            strides = tuple(strides)
        else:
            strides = _ints(self.global_strides, "global_strides", "TMA-STRIDE")
            if len(strides) != rank:
                raise _err(
                    "TMA-STRIDE", f"global_strides: expected {rank} strides in bytes, got {len(strides)}"
                )
        if strides[-1] != eb:
            raise _err(
                "TMA-STRIDE",
                f"global_strides[-1]: the innermost dim must be contiguous ({eb} bytes), got {strides[-1]}",
            )
        for d, s in enumerate(strides[:-1]):
            if s <= 0 or s % align or s >= 1 << 40:
                raise _err(
                    "TMA-STRIDE",
                    f"global_strides[{d}]: expected a positive multiple of {align} bytes below 2^40, got {s}",
                )
        if _int(self.global_address, "global_address", "TMA-GLOBAL-ALIGN", lo=0) % align:
            raise _err(
                "TMA-GLOBAL-ALIGN",
                f"global_address: must be {align}-byte aligned, got {self.global_address!r}",
            )
        # tile
        tile = box if self.tile_shape is None else _ints(self.tile_shape, "tile_shape", "TMA-TILE")
        if len(tile) != len(box):
            raise _err("TMA-TILE", f"tile_shape: expected {len(box)} dims like box_shape, got {len(tile)}")
        for d, (t, b) in enumerate(zip(tile, box)):
            if t > MAX_DIM:
                raise _err("TMA-TILE", f"tile_shape[{d}]: {t} is over the limit 2**31 (MAX_DIM)")
            if t < b or t % b or not _pow2(t // b):
                raise _err(
                    "TMA-TILE", f"tile_shape[{d}]: {t} is not a power-of-two multiple of the box dim {b}"
                )
        # multicast
        cs = _int(self.cluster_size, "cluster_size", "TMA-MULTICAST")
        if not 1 <= cs <= 16 or not _pow2(cs):
            raise _err("TMA-MULTICAST", f"cluster_size: expected a power of two 1..16, got {cs!r}")
        mc = _ints(self.multicast, "multicast", "TMA-MULTICAST")
        if len(set(mc)) != len(mc):
            raise _err("TMA-MULTICAST", f"multicast: CTA ranks repeat in {list(mc)}")
        for c in mc:
            if not 0 <= c < cs:
                raise _err(
                    "TMA-MULTICAST",
                    f"multicast: CTA {c} is not in the cluster of {cs} CTAs "
                    "(multicast stays inside a cluster)",
                )
        if mc and not _pow2(len(mc)):
            raise _err("TMA-MULTICAST", f"multicast: the set of {len(mc)} CTAs is not a power of two")
        set_(self, "global_shape", gshape)
        set_(self, "box_shape", box)
        set_(self, "global_strides", strides)
        set_(self, "tile_shape", tile)
        set_(self, "multicast", tuple(sorted(mc)))

    # -- derived -------------------------------------------------------------------------

    @property
    def rank(self) -> int:
        return len(self.box_shape)

    @property
    def element_bytes(self) -> int:
        return self.element_bitwidth // 8

    @property
    def box_elements(self) -> int:
        n = 1
        for s in self.box_shape:
            n *= s
        return n

    @property
    def bytes_per_message(self) -> int:
        """Bytes one ``cp.async.bulk.tensor`` moves (into every receiving CTA)."""
        return self.box_elements * self.element_bytes

    @property
    def message_count(self) -> int:
        """Messages needed to cover the tile (issued once, by one CTA or split over the multicast set)."""
        n = 1
        for t, b in zip(self.tile_shape, self.box_shape):
            n *= t // b
        return n

    @property
    def smem_alignment(self) -> int:
        """Byte alignment the destination needs so the swizzle matches this layout
        (``8 * swizzle``; 128 without swizzle, the bulk-copy minimum)."""
        return max(128, 8 * self.swizzle)

    @property
    def multicast_mask(self) -> int:
        """``ctaMask`` of ``.multicast::cluster`` (bit ``i`` = CTA rank ``i``)."""
        m = 0
        for c in self.multicast:
            m |= 1 << c
        return m

    def box_layout(self) -> LinearLayout:
        """One box: ``offset -> dim0..`` (see :func:`tma_box_layout`)."""
        return tma_box_layout(self.box_shape, self.element_bitwidth, self.swizzle)

    def messages(self) -> LinearLayout:
        """``message -> dim0..``: the box origin of message ``i``.  Message ``i`` writes
        bytes ``[i, i+1) * bytes_per_message`` of the destination; boxes walk ``dim0``
        first, then ``dim1``, ... (Triton's repetition order for NVMMA buffers)."""
        bases = []
        for d, (t, b) in enumerate(zip(self.tile_shape, self.box_shape)):
            for k in range(_log2(t // b)):
                v = [0] * self.rank
                v[d] = b << k
                bases.append(v)
        return LinearLayout.from_bases(
            {"message": bases},
            list(zip(standard_out_dims(self.rank), self.tile_shape)),
            require_surjective=False,
        )

    def multicast_messages(self) -> LinearLayout:
        """``message, block -> dim0..``: with multicast the receiving CTAs share the
        issuing, ``block`` = position in the multicast set (its low message bits); with
        fewer messages than CTAs the extra CTAs issue nothing (zero bases would repeat
        a message, so ``block`` is then only as large as the message count)."""
        M = self.messages()
        mb = M.bases["message"]
        k = min(_log2(max(1, len(self.multicast))), len(mb))
        return LinearLayout.from_bases(
            {"message": mb[k:], "block": mb[:k]}, M.out_dims, require_surjective=False
        )

    @property
    def row_pitch_bytes(self) -> int:
        """Shared-memory bytes per box row: the inner box dim, or the whole swizzle span
        when the inner dim is narrower (the rest of the span is padding)."""
        inner = self.box_shape[-1] * self.element_bytes
        return max(inner, self.swizzle) if self.swizzle else inner

    @property
    def smem_bytes_per_message(self) -> int:
        """Destination bytes one message covers (``bytes_per_message`` plus row padding)."""
        return self.bytes_per_message // (self.box_shape[-1] * self.element_bytes) * self.row_pitch_bytes

    def _coords_of_address(self, b: int, mbases: list | None = None) -> list[int] | None:
        """Tile coordinates of destination byte ``b`` (``None`` for padding)."""
        if mbases is None:
            mbases = self.messages().bases["message"]
        u = _swizzle_address(b, tma_swizzle_bits(self.swizzle))
        m, w = divmod(u, self.smem_bytes_per_message)
        row, col = divmod(w, self.row_pitch_bytes)
        inner = self.box_shape[-1] * self.element_bytes
        if col >= inner:
            return None
        coord = _unravel(row * self.box_shape[-1] + col // self.element_bytes, self.box_shape)
        for j, v in enumerate(mbases):
            if m >> j & 1:
                coord = [a ^ c for a, c in zip(coord, v)]
        return coord

    def written_offsets(self) -> list[int]:
        """The destination offsets (elements) that hold data; the others are row padding."""
        eb = self.element_bytes
        n = self.smem_bytes_per_message * self.message_count // eb
        check_count(n, "tile_shape", what="destination offsets to list")
        if self.row_pitch_bytes == self.box_shape[-1] * eb:
            return list(range(n))
        # a byte holds data when its unswizzled column is inside the box row (the pitch is a
        # power of two and divides a message, as _coords_of_address reads it), all at once
        import numpy as np

        bits = tma_swizzle_bits(self.swizzle)
        o = np.arange(n, dtype=np.int64)
        b = o * eb
        u = b ^ (((b >> 7) & ((1 << bits) - 1)) << 4)
        return o[u % self.row_pitch_bytes < self.box_shape[-1] * eb].tolist()

    def smem_layout(self) -> LinearLayout:
        """``offset, block -> dim0..`` for the whole tile.  ``block`` spans the
        multicast set (every receiving CTA holds the same tile: zero bases).  When the
        inner box dim is narrower than the swizzle span each row is padded to the span
        and the padding offset bits alias the data (zero coordinates), as Triton's
        ``fp4Padded`` does; :meth:`written_offsets` lists the data offsets."""
        if self.interleave:
            raise _err(
                "TMA-INTERLEAVE",
                "interleave: the shared layout of interleaved tensor maps is not modelled (an H200 run "
                "disagreed with a dense box); describe the copy with interleave=0",
            )
        eb = self.element_bytes
        bits = tma_swizzle_bits(self.swizzle)
        n = self.smem_bytes_per_message * self.message_count // eb
        inner = self.box_shape[-1] * eb
        mbases = self.messages().bases["message"]
        bases = []
        for i in range(_log2(n)):
            u = _swizzle_address(eb << i, bits)
            # drop the padding bits of the column, then read the address as data
            pitch = self.row_pitch_bytes
            col = (u % pitch) & (inner - 1)
            m, w = divmod(u - u % pitch + col, self.smem_bytes_per_message)
            row, col = divmod(w, pitch)
            coord = _unravel(row * self.box_shape[-1] + col // eb, self.box_shape)
            for j, v in enumerate(mbases):
                if m >> j & 1:
                    coord = [a ^ c for a, c in zip(coord, v)]
            bases.append(coord)
        nblock = _log2(max(1, len(self.multicast)))
        return LinearLayout.from_bases(
            {"offset": bases, "block": [[0] * self.rank for _ in range(nblock)]},
            list(zip(standard_out_dims(self.rank), self.tile_shape)),
        )

    def driver_args(self) -> dict:
        """The ``cuTensorMapEncodeTiled`` arguments, innermost dim first."""
        swz = {0: 0, 32: 1, 64: 2, 128: 3}[self.swizzle]
        return {
            "tensorRank": len(self.global_shape),
            "globalDim": list(reversed(self.global_shape)),
            "globalStrides": list(reversed(self.global_strides[:-1])),
            "boxDim": list(reversed(self.box_shape)),
            "elementStrides": [1] * len(self.global_shape),
            "interleave": {0: 0, 16: 1, 32: 2}[self.interleave],
            "swizzle": swz,
        }

    def describe(self) -> str:
        s = (
            f"TMA {self.mode} load: box {list(self.box_shape)} x {self.element_bitwidth}-bit, swizzle "
            f"{self.swizzle or 'none'}B, {self.message_count} message(s) of {self.bytes_per_message} B for "
            f"tile {list(self.tile_shape)}"
        )
        if self.multicast:
            s += f", multicast to CTAs {list(self.multicast)} (mask 0x{self.multicast_mask:x})"
        return s


# ----------------------------------------------------------------------------- TDM


def tdm_warp_distribution(block_shape: Sequence[int], num_warps: int) -> list[int]:
    """Triton's ``tdmGetWarpDistribution``: warps fill dim 0 first, each dim up to its
    size; left-over warps go to the last dim.

    >>> tdm_warp_distribution([16, 64], 8), tdm_warp_distribution([2, 64], 8)
    ([8, 1], [2, 4])
    """
    warps = [1] * len(block_shape)
    left = num_warps
    for d, s in enumerate(block_shape):
        while left > 1 and warps[d] * 2 <= s:
            warps[d] *= 2
            left //= 2
    if left > 1:
        warps[-1] *= left
    return warps


@dataclass(frozen=True)
class TdmCopy:
    """A gfx1250 tensor-DMA load (Gluon ``amd.gfx1250.tdm.async_load``).

    ``shared_layout`` is the descriptor's LDS layout: a
    :class:`~linlayout.hardware.shared.SwizzledSharedLayout` with ``max_phase == 1`` and
    row-major order (the default: plain row-major) or a
    :class:`~linlayout.hardware.amd_shared.PaddedSharedLayout` (whose padding is not
    linear: :meth:`smem_layout` is then its linear component).  Each of ``num_warps``
    warps (or the ``warp_used_hint`` subset) issues one message for its sub-box.

    >>> c = TdmCopy(global_shape=[256, 256], box_shape=[64, 64], element_bitwidth=16, num_warps=4)
    >>> c.warps_per_cta, c.message_count, c.messages().bases["message"]
    ([4, 1], 4, [[16, 0], [32, 0]])
    """

    global_shape: tuple[int, ...]
    box_shape: tuple[int, ...]
    element_bitwidth: int
    num_warps: int = 4
    shared_layout: Any = None
    global_strides: tuple[int, ...] | None = None
    warp_used_hint: int | None = None
    cga_bases: tuple[tuple[int, ...], ...] = field(default=())

    def __post_init__(self) -> None:
        from .hardware.shared import SwizzledSharedLayout

        set_ = object.__setattr__
        gshape = _ints(self.global_shape, "global_shape", "TDM-RANK")
        box = _ints(self.box_shape, "box_shape", "TDM-RANK")
        rank = len(gshape)
        if not 1 <= rank <= 5 or len(box) != rank:
            raise _err(
                "TDM-RANK", f"global_shape/box_shape: expected equal ranks 1..5, got {rank} and {len(box)}"
            )
        for d, s in enumerate(box):
            if not _pow2(s):
                raise _err("TDM-BOX-POW2", f"box_shape[{d}]: expected a power of two, got {s}")
        for d, s in enumerate(gshape):
            if not 1 <= s <= 1 << 32:
                raise _err("TDM-RANK", f"global_shape[{d}]: expected 1..2^32, got {s}")
            if box[d] > MAX_DIM:
                raise _err("TDM-BOX-POW2", f"box_shape[{d}]: {box[d]} is over the limit 2**31 (MAX_DIM)")
        set_(self, "element_bitwidth", _choice(self.element_bitwidth, "element_bitwidth", "TDM-ELEMENT",
                                               (8, 16, 32, 64)))
        nw = _int(self.num_warps, "num_warps", "TDM-WARPS", lo=1, hi=1024)
        if not _pow2(nw):
            raise _err("TDM-WARPS", f"num_warps: expected a power of two, got {nw!r}")
        hint = self.warp_used_hint
        if hint is not None:
            hint = _int(hint, "warp_used_hint", "TDM-WARPS")
            if hint <= 0 or hint >> nw or not _pow2(bin(hint).count("1")):
                raise _err(
                    "TDM-WARPS",
                    f"warp_used_hint: expected a mask of {nw} warps with a power-of-two popcount, "
                    f"got {hint!r}",
                )
        sl = self.shared_layout
        row_major = tuple(range(rank - 1, -1, -1))
        if sl is None:
            sl = SwizzledSharedLayout(1, 1, 1, row_major)
        if isinstance(sl, SwizzledSharedLayout):
            if sl.max_phase != 1 or tuple(sl.order) != row_major:
                raise _err(
                    "TDM-LAYOUT",
                    f"shared_layout: TDM needs max_phase == 1 and order {list(row_major)}, got max_phase "
                    f"{sl.max_phase} and order {list(sl.order)}",
                )
        elif type(sl).__name__ != "PaddedSharedLayout":  # amd_shared's class (not imported: optional)
            raise _err(
                "TDM-LAYOUT",
                f"shared_layout: expected a SwizzledSharedLayout or PaddedSharedLayout, got {sl!r}",
            )
        eb = self.element_bitwidth // 8
        strides = self.global_strides
        if strides is not None:
            strides = _ints(strides, "global_strides", "TDM-STRIDE")
            if len(strides) != rank or strides[-1] != eb:
                raise _err(
                    "TDM-STRIDE",
                    f"global_strides: expected {rank} byte strides ending in {eb}, got {list(strides)}",
                )
        set_(self, "global_shape", gshape)
        set_(self, "box_shape", box)
        set_(self, "shared_layout", sl)
        set_(self, "global_strides", strides)

    @property
    def rank(self) -> int:
        return len(self.box_shape)

    @property
    def active_warps(self) -> int:
        return self.num_warps if self.warp_used_hint is None else bin(self.warp_used_hint).count("1")

    @property
    def warps_per_cta(self) -> list[int]:
        return tdm_warp_distribution(self.box_shape, self.active_warps)

    @property
    def warp_box(self) -> list[int]:
        """The sub-box one warp's message moves."""
        return [max(1, b // w) for b, w in zip(self.box_shape, self.warps_per_cta)]

    @property
    def message_count(self) -> int:
        n = 1
        for b, w in zip(self.box_shape, self.warp_box):
            n *= b // w
        return n

    @property
    def bytes_per_message(self) -> int:
        n = 1
        for s in self.warp_box:
            n *= s
        return n * self.element_bitwidth // 8

    def _warp_bits(self) -> list[int]:
        """Warp-id bits that carry the active warps (``warp_used_hint``'s axis bits)."""
        nb = _log2(self.num_warps)
        k = _log2(self.active_warps)
        if self.warp_used_hint is None:
            return list(range(k))
        h = self.warp_used_hint
        i0 = (h & -h).bit_length() - 1
        varying = 0
        for w in range(1 << nb):
            if h >> w & 1:
                varying |= w ^ i0
        return [b for b in range(nb) if varying >> b & 1][:k]

    def _warp_origin_bases(self) -> list[list[int]]:
        """Box origins of the active warps, identity over warps_per_cta in Triton's
        order getMatrixOrder(rank, rowMajor=false) (dim rank-2 fastest)."""
        rank = self.rank
        order = list(range(rank - 1, -1, -1))
        if rank >= 2:
            order[0], order[1] = order[1], order[0]
        bases = []
        for d in order:
            for k in range(_log2(self.warps_per_cta[d])):
                v = [0] * rank
                v[d] = self.warp_box[d] << k
                bases.append(v)
        return bases

    def messages(self) -> LinearLayout:
        """``message -> dim0..``: the origin of each warp's sub-box (message ``i`` is issued
        by the ``i``-th active warp)."""
        return LinearLayout.from_bases(
            {"message": self._warp_origin_bases()},
            list(zip(standard_out_dims(self.rank), self.box_shape)),
            require_surjective=False,
        )

    def tdm_layout(self) -> LinearLayout:
        """Triton's ``getTDMLinearLayout``: ``message`` (element of the warp's sub-box,
        row-major), ``warp`` (identity on the active warp bits, zero elsewhere: free
        variables that predicate inactive warps off), ``block`` (``cga_bases``).  Built by
        :func:`linlayout.hardware.amd_shared.tdm_message_layout`, which rejects the
        ``warp_used_hint`` patterns Triton 3.9's lowering does not place this way."""
        from .hardware.amd_shared import tdm_message_layout

        return tdm_message_layout(
            self.box_shape,
            self.warps_per_cta,
            [list(v) for v in self.cga_bases],
            num_warps=self.num_warps,
            warp_used_hint=self.warp_used_hint,
        )

    def smem_layout(self) -> LinearLayout:
        """``offset, block -> dim0..``: the descriptor's LDS layout on the box (for a
        padded layout its linear component; :meth:`PaddedSharedLayout.padded_offset`
        gives the padded address)."""
        sl = self.shared_layout
        if hasattr(sl, "linear_component"):
            return sl.linear_component(list(self.box_shape))
        return sl.to_linear_layout(list(self.box_shape))

    def describe(self) -> str:
        return (
            f"TDM load: block {list(self.box_shape)} x {self.element_bitwidth}-bit over "
            f"{self.active_warps} warp(s) {self.warps_per_cta}: {self.message_count} message(s) of "
            f"{self.bytes_per_message} B (sub-box {self.warp_box})"
        )


# ----------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class CopyPlan:
    """How a tile gets from global to shared memory.

    ``kind``: ``"tma"``, ``"tdm"``, ``"cp.async"`` or ``"ld.global+st.shared"``.
    ``instructions``: messages per CTA (tma/tdm, after multicast sharing) or vector
    instructions per thread.  ``bytes_per_instruction``: per message, or per thread
    and instruction.  ``smem_wavefronts``: shared-memory wavefronts per warp for the
    whole tile (bulk copies write whole 128-byte lines).
    """

    kind: str
    target: str
    instructions: int
    bytes_per_instruction: int
    smem_wavefronts: int
    copy: Any = None
    messages: LinearLayout | None = None
    vector: int = 1
    instruction: str = ""
    notes: tuple[str, ...] = ()

    def explain(self) -> str:
        lines = [
            f"{self.kind} on {self.target}: {self.instructions} x {self.instruction or self.kind} "
            f"({self.bytes_per_instruction} B each), {self.smem_wavefronts} shared-memory wavefront(s)"
        ]
        if self.copy is not None:
            lines.append(self.copy.describe())
        lines += list(self.notes)
        return "\n".join(lines)


def _dense_box_prefix(layout: LinearLayout, order: Sequence[int]) -> list[list[int]]:
    """The boxes (dims) whose dense layout, in ``order``, is a prefix of ``layout``'s offset bases."""
    rank = layout.num_out_dims
    box = [1] * rank
    out = [list(box)]
    pos = 0
    for v in layout.bases["offset"]:
        while pos < rank:
            d = order[pos]
            unit = [0] * rank
            unit[d] = box[d]
            if v == unit:
                break
            if all(box[e] == 1 for e in order[pos + 1 :]) and any(
                v == [box[e] if e == f else 0 for e in range(rank)] for f in order[pos + 1 :]
            ):
                pos += 1
                continue
            return out
        else:
            return out
        box[order[pos]] *= 2
        out.append(list(box))
    return out


def _tma_candidates(smem: LinearLayout, elem_bits: int, order: Sequence[int]):
    eb = elem_bits // 8
    rank = smem.num_out_dims
    inner_dim = order[0]
    for sw in (128, 64, 32, 0):
        try:
            A = unswizzle_offsets(smem.sublayout(["offset"], smem.out_dim_names), elem_bits, sw)
        except LayoutError:
            continue
        for box in reversed(_dense_box_prefix(A, order)):
            inner = box[inner_dim] * eb
            if inner % 16 or (sw and inner > sw) or any(b > 256 for b in box):
                continue
            dense = tma_box_layout([box[d] for d in range(rank)], elem_bits, 0, order)
            q = A.divide_left(dense)
            if q is None:
                continue
            yield sw, box, q
            break


def plan_copy(
    tile_layout: LinearLayout,
    smem_layout: LinearLayout,
    target: Any,
    *,
    elem_bits: int = 16,
    global_order: Sequence[int] | None = None,
) -> CopyPlan:
    """Plan global -> shared for a tile held (for the fallback copies) in ``tile_layout``.

    1. sm_90+: TMA when ``smem_layout``'s offsets, read through a TMA swizzle (128, 64,
       32 or none), divide on the left by a dense box (:func:`tma_box_layout` with no
       swizzle) whose inner dim is 16 B..swizzle span and every dim <= 256; the
       quotient is the message layout.  Zero ``block`` bases become a multicast set.
    2. gfx1250: TDM when the offsets are row-major over the tile (the
       ``SwizzledSharedLayout(max_phase=1)`` that TDM writes).
    3. otherwise vectorised ``cp.async`` (sm_80+, 4/8/16 B) or ``ld.global`` +
       ``st.shared``: the widest vector where the first register bits of
       ``tile_layout`` walk both the contiguous global dim and consecutive offsets;
       wavefronts per instruction from the planner's bank model
       (:func:`linlayout.plan.swizzle.wavefront_exp`).

    ``global_order`` lists the tensor dims fastest first in global memory (default:
    last dim contiguous).

    >>> from linlayout.hardware.blocked import BlockedLayout
    >>> from linlayout.hardware.shared import NVMMASharedLayout
    >>> S = NVMMASharedLayout(128, 16).to_linear_layout([64, 64])
    >>> T = BlockedLayout([1, 8], [4, 8], [4, 1], [1, 0]).to_linear_layout([64, 64])
    >>> p = plan_copy(T, S, "sm_90")
    >>> p.kind, p.instructions, p.bytes_per_instruction
    ('tma', 1, 8192)
    >>> plan_copy(T, S, "sm_80").kind
    'cp.async'
    """
    from .targets import get_target

    t = get_target(target)
    if not isinstance(smem_layout, LinearLayout) or "offset" not in smem_layout.in_dims:
        raise LayoutError("smem_layout: expected a shared-memory LinearLayout with an 'offset' in-dim")
    if not isinstance(tile_layout, LinearLayout) or "register" not in tile_layout.in_dims:
        raise LayoutError("tile_layout: expected a distributed LinearLayout with a 'register' in-dim")
    if elem_bits not in (8, 16, 32, 64):
        raise LayoutError(f"elem_bits: expected 8, 16, 32 or 64, got {elem_bits!r}")
    outs = smem_layout.out_dim_names
    if outs != tile_layout.out_dim_names or smem_layout.out_dims != tile_layout.out_dims:
        raise LayoutError(
            f"tile_layout/smem_layout: expected the same tensor shape, got {tile_layout.out_dims} and "
            f"{smem_layout.out_dims}"
        )
    rank = len(outs)
    order = list(range(rank - 1, -1, -1)) if global_order is None else list(global_order)
    if sorted(order) != list(range(rank)):
        raise LayoutError(f"global_order: expected a permutation of 0..{rank - 1}, got {global_order!r}")
    shape = [smem_layout.out_dims[o] for o in outs]
    eb = elem_bits // 8
    line = t.num_banks * t.bank_bytes
    nblock_zero = sum(1 for v in smem_layout.bases.get("block", []) if not any(v))
    notes: list[str] = []
    if t.is_nvidia and t.max_cluster_size > 1 and rank <= 5:
        cands = sorted(
            _tma_candidates(smem_layout, elem_bits, order), key=lambda c: (len(c[2].bases["offset"]), -c[0])
        )
        for sw, box, q in cands[:1]:
            msgs = LinearLayout.from_bases(
                {"message": [[c * b for c, b in zip(v, box)] for v in q.bases["offset"]]},
                list(zip(outs, shape)),
                require_surjective=False,
            )
            n = 1 << len(q.bases["offset"])
            mc = min(1 << nblock_zero, n) if nblock_zero else 1
            copy = None
            if order == list(range(rank - 1, -1, -1)):
                copy = TmaCopy(
                    global_shape=shape,
                    box_shape=box,
                    element_bitwidth=elem_bits,
                    swizzle=sw,
                    tile_shape=shape,
                    multicast=tuple(range(1 << nblock_zero)) if nblock_zero else (),
                    cluster_size=max(1, 1 << nblock_zero),
                )
            else:
                notes.append(
                    f"box in global order {order} (a transposed tensor map: innermost dim {order[0]})"
                )
            if nblock_zero:
                notes.append(f"{1 << nblock_zero} CTAs hold the same tile: multicast, each issues {n // mc}")
            box_bytes = eb * (1 << (len(smem_layout.bases["offset"]) - len(q.bases["offset"])))
            return CopyPlan(
                "tma",
                t.name,
                n // mc,
                box_bytes,
                -(-n * box_bytes // line),
                copy,
                msgs,
                instruction="cp.async.bulk.tensor",
                notes=(f"swizzle {sw or 'none'}, box {box}",) + tuple(notes),
            )
    if t.name == "gfx1250" and rank <= 5 and order == list(range(rank - 1, -1, -1)):
        dense = tma_box_layout(shape, elem_bits, 0)
        if smem_layout.sublayout(["offset"], outs) == dense:
            warps = tile_layout.in_dims.get("warp", 1)
            copy = TdmCopy(global_shape=shape, box_shape=shape, element_bitwidth=elem_bits, num_warps=warps)
            return CopyPlan(
                "tdm",
                t.name,
                1,
                copy.bytes_per_message,
                -(-copy.bytes_per_message // line),
                copy,
                copy.messages(),
                instruction="tensor_load_to_lds",
                notes=("one message per warp",),
            )
    return _plan_threads(tile_layout, smem_layout, t, elem_bits, order)


def _plan_threads(tile: LinearLayout, smem: LinearLayout, t, elem_bits: int, order) -> CopyPlan:
    from .plan.swizzle import low_bits, sub_bits, wavefront_exp

    outs = smem.out_dim_names
    ins = [d for d in ("register", "lane", "warp") if d in tile.in_dims]
    T = tile.sublayout(ins, outs)
    S = smem.sublayout(["offset"], outs)
    if not S.is_invertible():
        raise LayoutError("smem_layout: its offset part is not a bijection onto the tile")
    cvt = T.invert_and_compose(S)  # register/lane/warp -> offset
    eb = elem_bits // 8
    contig = outs[order[0]]
    regs = cvt.bases["register"]
    treg = T.bases["register"]
    v = 0
    ci = outs.index(contig)
    others = [(b[0], t[ci]) for d in ins if d != "register" for b, t in zip(cvt.bases[d], T.bases[d])]

    def aligned(k: int) -> bool:
        """Every other index bit keeps offsets and global columns 2^k-aligned."""
        rest = others + [(regs[j][0], treg[j][ci]) for j in range(k, len(regs))]
        return all(o % (1 << k) == 0 and c % (1 << k) == 0 for o, c in rest)

    while (
        v < len(regs)
        and regs[v] == [1 << v]
        and treg[v] == [(1 << v) if k == ci else 0 for k in range(len(outs))]
        and (eb << (v + 1)) <= 16
        and aligned(v + 1)
    ):
        v += 1
    vec = 1 << v
    nregs = 1 << len(regs)
    instrs = nregs // vec
    acc = [b[0] for b in regs[:v]] + [b[0] for b in cvt.bases.get("lane", [])]
    nbits = S.in_dim_size_log2("offset")
    low = low_bits(elem_bits, t.num_banks)
    seg = [1 << i for i in range(low, nbits)]
    sub = [1 << i for i in range(sub_bits(elem_bits))]
    wf = 1 << wavefront_exp(acc, seg, sub)
    nbytes = vec * eb
    if t.is_nvidia and t.name != "sm_75" and nbytes >= 4:
        kind, instr = "cp.async", f"cp.async.{'cg' if nbytes == 16 else 'ca'}.shared.global [{nbytes}]"
    else:
        kind = "ld.global+st.shared"
        instr = f"ld.global.v{vec}+st.shared" if t.is_nvidia else f"global_load+ds_write_b{nbytes * 8}"
    return CopyPlan(
        kind,
        t.name,
        instrs,
        nbytes,
        instrs * wf,
        None,
        None,
        vec,
        instr,
        (f"{wf} wavefront(s) per warp instruction",),
    )
