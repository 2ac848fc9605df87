"""LinearLayout -> Triton text (``#ttg.linear`` / ``#ttg.shared_linear``) and Gluon arguments.

The text is exactly what Triton 3.9.0 prints for ``str()`` of the attribute
(``b.get_distributed_ty(...)`` / ``get_shared_mem_desc_ty(...)`` of a Gluon
``DistributedLinearLayout`` / ``SharedLinearLayout``)::

    #ttg.linear<{register = [[0, 1]], lane = [[0, 2], [1, 0]], warp = [], block = []}>
    #ttg.generic_linear<{register = [[0, 1]], lane = [[0, 2], [1, 0]], warp = [[1, 1]], block = []}>
    #ttg.shared_linear<{offset = [[0, 1], [1, 0]]}, alignment = 16>
    #ttg.shared_linear<{offset = [[0, 1], [1, 0]], block = [[0, 0]]}, alignment = 16>

A distributed layout is a ``#ttg.linear`` (LinearEncodingAttr) when, after removing
its zero (broadcast) bases, it is a permutation matrix: every basis a single power
of two in one dim, no basis repeated.  Otherwise Triton uses ``#ttg.generic_linear``
(GenericLinearEncodingAttr), whose verifier wants register, lane and block bases
that move in at most one dim and a surjective layout.  For shared layouts
``block`` is printed only when it has bases; ``alignment`` always.  Nothing here
imports triton.

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[1]], "lane": [[2], [4]], "warp": [], "block": []}, ["dim0"])
>>> to_triton(L)
'#ttg.linear<{register = [[1]], lane = [[2], [4]], warp = [], block = []}>'
>>> to_gluon(L)["lane_bases"]
[[2], [4]]
"""

from __future__ import annotations

from typing import Any

from .._limits import MAX_DIM, MAX_RANK, check_int
from ..errors import LayoutError
from ..hardware._kit import DISTRIBUTED_IN_DIMS, SHARED_IN_DIMS, TMEM_IN_DIMS, layout_kind

__all__ = [
    "to_triton",
    "to_gluon",
    "layout_kind",
    "linear_attr_name",
    "DISTRIBUTED_IN_DIMS",
    "SHARED_IN_DIMS",
    "TMEM_IN_DIMS",
]

_NO_TEXT = "layout: it has no Triton text: "


def _check_out_dims(layout: Any) -> list[int]:
    """The tensor shape: out dims ``dim0..`` in order, a rank and sizes ``from_triton`` takes."""
    names = list(layout.out_dims)
    want = [f"dim{i}" for i in range(len(names))]
    if not names or names != want:
        raise LayoutError(
            f"layout: out dims {names} must be {want or ['dim0', '...']} (Triton's tensor dims, in order)"
        )
    shape = list(layout.out_dims.values())
    if len(shape) > MAX_RANK or max(shape) > MAX_DIM:
        raise LayoutError(
            f"{_NO_TEXT}its shape {shape} is over the limits of from_triton (rank <= {MAX_RANK}, "
            f"dims <= 2**31; linlayout._limits)"
        )
    return shape


def _bases_text(bases: list[list[int]]) -> str:
    return "[" + ", ".join("[" + ", ".join(str(int(x)) for x in b) + "]" for b in bases) + "]"


def _check_surjective(layout: Any, kind: str) -> None:
    if not layout.is_surjective():
        raise LayoutError(
            f"layout: this {kind} layout is not surjective onto its out dims {dict(layout.out_dims)}; "
            "Triton's verifier rejects it (and its text has no out-dim sizes: they are inferred "
            "from the bases)"
        )


def _is_permutation(layout: Any, dims: tuple[str, ...]) -> bool:
    """Triton's isPermutationMatrixLayout: without zero bases, distinct one-bit bases, one per out bit."""
    seen = set()
    for d in dims:
        for b in layout.bases[d]:
            nz = [(k, x) for k, x in enumerate(b) if x]
            if not nz:
                continue
            if len(nz) > 1 or nz[0][1] & (nz[0][1] - 1):
                return False
            seen.add(nz[0])
    nonzero = sum(1 for d in dims for b in layout.bases[d] if any(b))
    return len(seen) == nonzero == layout.total_out_bits


def linear_attr_name(layout: Any) -> str:
    """``"ttg.linear"`` or ``"ttg.generic_linear"``: the attribute Triton uses for a distributed layout.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"register": [[1, 0]], "lane": [[0, 1]], "warp": [[1, 1]], "block": []},
    ...                             [("dim0", 2), ("dim1", 2)], require_surjective=False)
    >>> linear_attr_name(L)
    'ttg.generic_linear'
    """
    _check_distributed(layout)
    return "ttg.linear" if _is_permutation(layout, DISTRIBUTED_IN_DIMS) else "ttg.generic_linear"


def _check_distributed(layout: Any) -> None:
    """Triton's GenericLinearEncodingAttr::verify: register, lane and block bases move
    in at most one dim (only warp bases may be swizzled), and the layout is surjective."""
    for d in ("register", "lane", "block"):
        for i, b in enumerate(layout.bases[d]):
            nz = [x for x in b if x]
            if len(nz) > 1 or (nz and nz[0] & (nz[0] - 1)):
                raise LayoutError(
                    f"{_NO_TEXT}{d} basis {i} = {b} is not zero or one power of two in one dim; "
                    "Triton's #ttg.generic_linear allows swizzled bases only in 'warp'"
                )
    _check_surjective(layout, "distributed")


def _check_shared(layout: Any) -> None:
    """Triton's SharedLinearEncodingAttr::verify: surjective, and a bijection once the
    zero (broadcast) bases are removed."""
    _check_surjective(layout, "shared")
    if not layout.bases["offset"]:
        raise LayoutError(
            f"{_NO_TEXT}it has no offset bases, and #ttg.shared_linear infers the rank from them "
            "(add an offset dim of size 2 or more)"
        )
    nonzero = sum(1 for d in SHARED_IN_DIMS for b in layout.bases[d] if any(b))
    if nonzero != layout.total_out_bits:
        raise LayoutError(
            "layout: the non-zero offset/block bases of a shared layout must form a bijection onto "
            f"the tensor ({nonzero} non-zero bases for {layout.total_out_bits} out bits); Triton's "
            "#ttg.shared_linear rejects repeated bases"
        )


def to_triton(layout: Any, *, alignment: int = 16) -> str:
    """Triton 3.9.0 text of a distributed (``#ttg.linear`` / ``#ttg.generic_linear``) or shared
    (``#ttg.shared_linear``) layout.

    ``alignment`` (bytes, a power of two) is used for shared layouts only; 16 is
    Gluon's default.  Tensor-memory layouts have no linear attribute in Triton.

    >>> from linlayout import LinearLayout
    >>> to_triton(LinearLayout.from_bases({"offset": [[0, 1], [1, 0]], "block": []}, ["dim0", "dim1"]))
    '#ttg.shared_linear<{offset = [[0, 1], [1, 0]]}, alignment = 16>'
    """
    text = _text(layout, alignment)
    _check_round_trip(layout, text)
    return text


def _check_round_trip(layout: Any, text: str) -> None:
    """``from_triton(text, shape) == layout``, else LayoutError: the contract of ``to_triton``."""
    from .attrs import from_triton

    shape = list(layout.out_dims.values())
    try:
        back = from_triton(text, shape)
    except LayoutError as e:
        raise LayoutError(f"{_NO_TEXT}Triton's parser refuses {text}: {str(e).splitlines()[0]}") from None
    if back != layout:
        raise LayoutError(f"{_NO_TEXT}{text} reads back as a different layout ({back!r})")


def _text(layout: Any, alignment: int) -> str:
    """The text of ``layout`` (checked only for what Triton's verifiers require)."""
    kind = layout_kind(layout)
    _check_out_dims(layout)
    bases = layout.bases
    if kind != "tensor_memory" and not any(bases.values()):
        raise LayoutError(
            "layout: it has no bases at all, so Triton's text cannot express its rank "
            "(out-dim count and sizes are inferred from the bases)"
        )
    if kind == "distributed":
        name = linear_attr_name(layout)
        inner = ", ".join(f"{d} = {_bases_text(bases[d])}" for d in DISTRIBUTED_IN_DIMS)
        return f"#{name}<{{{inner}}}>"
    if kind == "shared":
        alignment = check_int(alignment, "alignment", pow2=True, hi=1 << 31)
        _check_shared(layout)
        inner = f"offset = {_bases_text(bases['offset'])}"
        if bases["block"]:
            inner += f", block = {_bases_text(bases['block'])}"
        return f"#ttg.shared_linear<{{{inner}}}, alignment = {alignment}>"
    if kind == "partitioned_shared":
        raise LayoutError(
            f"{_NO_TEXT}partitioned shared layouts (offset, block, partition) have no #ttg linear "
            "attribute in Triton 3.9.0; use #ttg.partitioned_shared"
        )
    raise LayoutError(
        "layout: tensor-memory layouts (row, col, block) have no #ttg linear attribute in Triton 3.9.0; "
        "use #ttng.tensor_memory_encoding"
    )


def to_gluon(layout: Any, *, alignment: int = 16) -> dict[str, Any]:
    """Keyword arguments of Gluon's ``DistributedLinearLayout`` (or ``SharedLinearLayout``).

    For a distributed layout: ``reg_bases, lane_bases, warp_bases, block_bases, shape``;
    for a shared one: ``offset_bases, block_bases, alignment``.  Lists of plain ints,
    so ``ttgl.DistributedLinearLayout(**to_gluon(L))`` works; triton is not imported.

    >>> from linlayout import LinearLayout
    >>> to_gluon(LinearLayout.from_bases({"register": [], "lane": [[1]], "warp": [], "block": []}, ["dim0"]))
    {'reg_bases': [], 'lane_bases': [[1]], 'warp_bases': [], 'block_bases': [], 'shape': [2]}
    """
    kind = layout_kind(layout)
    shape = _check_out_dims(layout)
    bases = layout.bases
    if kind == "distributed":
        return {
            "reg_bases": bases["register"],
            "lane_bases": bases["lane"],
            "warp_bases": bases["warp"],
            "block_bases": bases["block"],
            "shape": shape,
        }
    if kind == "shared":
        return {"offset_bases": bases["offset"], "block_bases": bases["block"], "alignment": alignment}
    what = "tensor-memory" if kind == "tensor_memory" else "partitioned shared"
    dims = ', '.join(layout.in_dims)
    raise LayoutError(f"layout: {what} layouts ({dims}) have no Gluon linear-layout class")
