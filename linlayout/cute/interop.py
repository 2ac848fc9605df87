"""CuTe layouts as linear layouts and back: ``from_cute``, ``from_cute_tv``, ``to_cute``,
``to_cute_tv``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import LayoutError
from ..layout import LinearLayout
from .bits import FIELD, bits_of, layout_of, run_shape
from .types import _MAX_BITS, CuteLayout, IntTuple, Swizzle, _flatten, _fmt, parse_cute

__all__ = ["from_cute", "from_cute_tv", "to_cute", "to_cute_tv"]


# --------------------------------------------------------------------------- CuTe -> GF(2)


def _as_cute(shape: Any, stride: Any, swizzle: Any) -> CuteLayout:
    """A CuteLayout from shape and stride, a CuteLayout or its text, with an optional swizzle."""
    if isinstance(shape, CuteLayout):
        if stride is not None:
            raise LayoutError("stride: give either a CuteLayout or shape and stride, not both")
        cl = shape
    elif isinstance(shape, str):
        if stride is not None:
            raise LayoutError("stride: a CuTe layout string already has its strides")
        cl = parse_cute(shape)
    elif stride is None and hasattr(shape, "shape") and hasattr(shape, "stride"):  # tensor_layouts.Layout
        cl = CuteLayout(shape.shape, shape.stride)
    else:
        cl = CuteLayout(shape, stride)
    if swizzle is not None:
        if isinstance(swizzle, (tuple, list)) and len(swizzle) == 3:
            swizzle = Swizzle(*swizzle)
        if not isinstance(swizzle, Swizzle):
            raise LayoutError(f"swizzle: expected Swizzle(B, M, S) or a (B, M, S) tuple, got {swizzle!r}")
        if cl.swizzle is not None:
            raise LayoutError("swizzle: the layout already has a swizzle")
        cl = CuteLayout(cl.shape, cl.stride, swizzle)
    return cl


def _linear_bases(cl: CuteLayout) -> tuple[list[str], list[list[int]], list[int]]:
    """(out-dim names, one basis vector per index bit, out-dim widths); LayoutError naming
    the mode that breaks linearity.  An offset is one out-dim ``offset``; ``E(i)``
    coordinates are ``dim{i}`` (``dim1_1`` for ``E(1, 1)``)."""
    b = bits_of(cl)
    nf = len(b.paths)
    mask = (1 << FIELD) - 1
    vecs = [[(c >> (FIELD * f)) & mask for f in range(nf)] for c in b.cols]
    widths = [max((v[f].bit_length() for v in vecs), default=0) for f in range(nf)]
    names = ["offset"] if not b.coord else ["dim" + "_".join(map(str, p)) for p in b.paths]
    return names, vecs, widths


def _sizes(x: Any, what: str) -> list[int]:
    """A sequence of power-of-two ints; LayoutError naming ``what`` otherwise."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise LayoutError(f"{what}: expected a sequence of power-of-two ints, got {type(x).__name__} {x!r}")
    if not x or len(x) > _MAX_BITS:
        raise LayoutError(f"{what}: expected 1..{_MAX_BITS} sizes, got {len(x)}")
    out = []
    for v in x:
        if isinstance(v, bool) or not isinstance(v, int):
            raise LayoutError(f"{what}: sizes must be ints (no truncation), got {type(v).__name__} {v!r}")
        if v <= 0 or v & (v - 1) or v >> _MAX_BITS:
            raise LayoutError(f"{what}: sizes must be powers of two below 2**{_MAX_BITS}, got {list(x)}")
        out.append(v)
    return out


def from_cute(
    shape: IntTuple | CuteLayout | str,
    stride: IntTuple | None = None,
    *,
    swizzle: Swizzle | tuple[int, int, int] | None = None,
    out_shape: Sequence[int] | None = None,
    in_dims: Sequence[str] | None = None,
) -> LinearLayout:
    """The linear layout of a CuTe layout (given as shape and stride, a
    :class:`CuteLayout`, or CuTe's printed text).

    By default one in-dim ``index`` (the flat colexicographic index) maps to one out-dim
    ``offset``.  ``in_dims`` names the top-level modes instead (one in-dim each);
    ``out_shape`` splits the offset into tensor coordinates ``dim0..`` in row-major
    order (the last dim contiguous), as a Triton shared-memory layout's inverse.

    >>> from_cute((8, 64), (64, 1), swizzle=(3, 4, 3), in_dims=["dim0", "dim1"]).apply(dim0=2, dim1=0)
    {'offset': 144}
    """
    cl = _as_cute(shape, stride, swizzle)
    outs, bases, widths = _linear_bases(cl)
    top = cl.shape if isinstance(cl.shape, tuple) else (cl.shape,)
    if in_dims is None:
        ins = [("index", bases)]
    else:
        names = list(in_dims)
        if len(names) != len(top):
            raise LayoutError(
                f"in_dims: expected {len(top)} names (one per top-level mode of {_fmt(cl.shape)}), "
                f"got {names}"
            )
        ins, p = [], 0
        for n, m in zip(names, top):
            k = sum(s.bit_length() - 1 for s in _flatten(m))
            ins.append((n, bases[p : p + k]))
            p += k
    if out_shape is None:
        return LinearLayout.from_bases(
            {n: bl for n, bl in ins}, {o: 1 << w for o, w in zip(outs, widths)}, require_surjective=False
        )
    if outs != ["offset"]:
        raise LayoutError(
            "out_shape: a layout with E(i) strides already gives coordinates; leave out_shape out"
        )
    sizes = _sizes(out_shape, "out_shape")
    total = 1
    for x in sizes:
        total *= x
    if total < (1 << widths[0]):
        raise LayoutError(
            f"out_shape: {list(out_shape)} holds {total} elements but offsets reach {1 << widths[0]}"
        )
    flat = LinearLayout.from_bases({n: bl for n, bl in ins}, {"offset": total}, require_surjective=False)
    names = [f"dim{i}" for i in range(len(sizes))]
    return flat.reshape_outs([(names[i], sizes[i]) for i in reversed(range(len(sizes)))]).transpose_outs(
        names
    )


def from_cute_tv(
    tv_layout: CuteLayout | str | tuple, tile: Sequence[int], warp_size: int = 32
) -> LinearLayout:
    """A thread-value layout (``(thread, value) -> column-major index into tile``, as
    CUTLASS's MMA atoms' ``CLayout``) as a distributed layout: thread bits become lane
    bits then warp bits, value bits become register bits; outputs are ``dim0..`` of
    ``tile`` (``dim0`` the fastest in CuTe's column-major index).

    >>> L = from_cute_tv("((4,8),(2,2)):((32,1),(16,8))", (16, 8))
    >>> L.bases["lane"]
    [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]]
    """
    if isinstance(tv_layout, tuple) and len(tv_layout) == 2 and not isinstance(tv_layout, CuteLayout):
        cl = CuteLayout(*tv_layout)
    else:
        cl = _as_cute(tv_layout, None, None)
    if not isinstance(cl.shape, tuple) or len(cl.shape) != 2:
        raise LayoutError(
            f"tv_layout: expected two top-level modes (thread, value), got shape {_fmt(cl.shape)}"
        )
    if (
        isinstance(warp_size, bool)
        or not isinstance(warp_size, int)
        or warp_size <= 0
        or warp_size & (warp_size - 1)
    ):
        raise LayoutError(f"warp_size: expected a power of two, got {warp_size!r}")
    sizes = _sizes(tile, "tile")
    total = 1
    for x in sizes:
        total *= x
    L = from_cute(cl, in_dims=["thread", "value"])
    if "offset" not in L.out_dims:
        raise LayoutError("tv_layout: expected integer strides (an index into the tile), got E(i) strides")
    width = L.out_dims["offset"].bit_length() - 1
    if (1 << width) > total:
        raise LayoutError(
            f"tile: {list(tile)} holds {total} elements but the TV layout reaches index {1 << width}"
        )
    b = L.bases
    thread = [v[0] for v in b["thread"]]
    value = [v[0] for v in b["value"]]
    lw = warp_size.bit_length() - 1
    lane, warp = thread[:lw], thread[lw:]
    flat = LinearLayout.from_bases(
        {
            "register": [[v] for v in value],
            "lane": [[v] for v in lane],
            "warp": [[v] for v in warp],
            "block": [],
        },
        {"offset": total},
        require_surjective=False,
    )
    return flat.reshape_outs([(f"dim{i}", s) for i, s in enumerate(sizes)])


# --------------------------------------------------------------------------- GF(2) -> CuTe


def _modes_of(bases: list[int]) -> tuple[list[tuple[int, int]], bool]:
    """Group consecutive bases into (size, stride) modes; False if not shape:stride."""
    modes: list[tuple[int, int]] = []
    used = 0
    for b in bases:
        if b and b & (b - 1):
            return [], False
        if b:
            if used & b:
                return [], False
            used |= b
        if modes:
            s, d = modes[-1]
            if (d == 0 and b == 0) or (d and b == d * s):
                modes[-1] = (s * 2, d)
                continue
        modes.append((2, b))
    return modes, True


def _find_swizzle(bases: list[int], width: int) -> Swizzle | None:
    """The narrowest Swizzle<B,M,S> that makes ``bases`` a shape:stride layout, or None."""
    multi = next((b for b in bases if b & (b - 1)), None)
    if multi is None:
        return None
    hb = multi.bit_length() - 1
    # the swizzle must clear the extra bits of this basis: shift = top bit - another set bit
    shifts = sorted({hb - j for j in range(hb) if multi >> j & 1})
    # the narrowest swizzle that explains the layout: on a domain of ``width`` bits a wider
    # swizzle whose extra source bits lie above the top offset bit is the same function
    for bits in range(1, min(16, width) + 1):
        for shift in shifts:
            if shift < bits:
                continue
            for base in range(0, width - shift):
                if base + bits > width or base + shift + bits > 64:
                    continue
                sw = Swizzle(bits, base, shift)
                if _modes_of([sw(b) for b in bases])[1]:
                    return sw
    return None


def to_cute(layout: LinearLayout, *, f2: bool = False) -> CuteLayout:
    """The CuTe form of a linear layout, where CuTe can say it: inputs flattened (in-dims
    in order, first most minor) to a colexicographic index, outputs flattened (first
    out-dim most minor) to an offset.  Each in-dim becomes a top-level mode; a swizzle
    is detected and returned as ``Swizzle(B, M, S)``.  With ``f2=True`` a layout no
    swizzle explains gets NVlabs CuTe's ``F2`` (XOR) strides; LayoutError otherwise.

    A shared-memory layout (in-dim ``offset`` -> tensor coordinates) is given as CuTe
    writes it, coordinates -> offset: its inverse, one mode per tensor dim (``dim0``
    first).

    >>> str(to_cute(from_cute((4, 8), (8, 1))))
    '(4,8):(8,1)'
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    if "offset" in layout.in_dims and "offset" not in layout.out_dims:
        return to_cute(_shared_inverse(layout), f2=f2)
    flat_out = layout.flatten_outs()
    per_dim = (
        [[v[0] if v else 0 for v in bl] for bl in flat_out.bases.values()]
        if layout.out_dims
        else [[0] * len(bl) for bl in layout.bases.values()]
    )
    allb = [b for bl in per_dim for b in bl]
    width = max((b.bit_length() for b in allb), default=0)
    swz = None
    if not _modes_of(allb)[1]:
        swz = _find_swizzle(allb, width)
        if swz is None and f2:
            shape = tuple(1 << len(bl) for bl in per_dim)
            return layout_of(shape if len(shape) > 1 else shape[0], ((),), allb)
        if swz is None:
            raise LayoutError(
                "layout: not expressible as a CuTe shape:stride layout (some basis has several bits "
                "set or two inputs share an offset bit) and no Swizzle<B,M,S> explains it"
            )
        per_dim = [[swz(b) for b in bl] for bl in per_dim]
    shapes, strides = [], []
    for bl in per_dim:
        if not bl:
            shapes.append(1)
            strides.append(0)
            continue
        modes, ok = _modes_of(bl)
        if not ok:  # pragma: no cover - guarded above
            raise LayoutError("layout: not expressible as a CuTe layout")
        if len(modes) == 1:
            shapes.append(modes[0][0])
            strides.append(modes[0][1])
        else:
            shapes.append(tuple(s for s, _ in modes))
            strides.append(tuple(d for _, d in modes))
    if len(shapes) == 1:
        return CuteLayout(shapes[0], strides[0], swz)
    return CuteLayout(tuple(shapes), tuple(strides), swz)


def _dim_key(name: str) -> tuple[int, str]:
    """Sort key putting ``dim0, dim1, ..., dim10`` in numeric order."""
    return (int(name[3:]), name) if name.startswith("dim") and name[3:].isdigit() else (1 << 30, name)


def _shared_inverse(layout: LinearLayout) -> LinearLayout:
    """coordinates -> offset of a shared-memory layout (offset[, block] -> dims)."""
    extra = [d for d in layout.in_dims if d != "offset"]
    for d in extra:
        if any(any(v) for v in layout.bases[d]):
            raise LayoutError(
                f"layout: in-dim {d!r} of this shared-memory layout is not broadcast; CuTe's form "
                "covers one block's offsets (take layout.sublayout(['offset'], ...) first)"
            )
    L = layout.sublayout(["offset"], list(layout.out_dims)) if extra else layout
    if not L.is_invertible():
        raise LayoutError(
            "layout: this shared-memory layout is not a bijection offset <-> coordinates (padded or "
            "broadcast), so it has no coordinates -> offset CuTe form"
        )
    inv = L.invert()
    return inv.transpose_ins(sorted(inv.in_dims, key=_dim_key))


def to_cute_tv(layout: LinearLayout, warp_size: int = 32) -> CuteLayout:
    """A distributed layout in CUTLASS's thread-value form: ``(thread, value) -> index``
    into the tile, column-major (``dim0`` fastest), thread = lane + warp_size * warp, value =
    register; each mode grouped into its runs, ``F2`` strides where integer ones would carry.
    The inverse of :func:`from_cute_tv`.

    >>> str(to_cute_tv(from_cute_tv("((4,8),(2,2)):((32,1),(16,8))", (16, 8))))
    '((4,8),(2,2)):((32,1),(16,8))'
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    extra = [d for d in layout.in_dims if d not in ("register", "lane", "warp", "block")]
    if extra:
        raise LayoutError(f"layout: expected in-dims register/lane/warp/block, got {extra}")
    if (
        isinstance(warp_size, bool)
        or not isinstance(warp_size, int)
        or warp_size <= 0
        or warp_size & (warp_size - 1)
    ):
        raise LayoutError(f"warp_size: expected a power of two, got {warp_size!r}")
    b = (
        layout.flatten_outs().bases
        if layout.out_dims
        else {d: [[0]] * len(v) for d, v in layout.bases.items()}
    )
    col = {d: [v[0] if v else 0 for v in b.get(d, [])] for d in ("register", "lane", "warp", "block")}
    if any(col["block"]):
        raise LayoutError("layout: CUTLASS's (thread, value) form covers one CTA; the block bases are not 0")
    lane, warp, reg = col["lane"], col["warp"], col["register"]
    if warp and len(lane) != warp_size.bit_length() - 1:
        raise LayoutError(
            f"layout: {len(lane)} lane bits but warp_size {warp_size}; give warp_size={1 << len(lane)}"
        )
    thread = lane + warp
    shape = (run_shape(thread), run_shape(reg))
    return layout_of(shape, ((),), thread + reg)
