"""LinearLayout -> Triton text (``#ttg.linear`` / ``#ttg.shared_linear``) and Gluon arguments.

The text is exactly what Triton 3.9.0 prints for ``str()`` of the attribute
(``b.get_distributed_ty(...)`` / ``get_shared_mem_desc_ty(...)`` of a Gluon
``DistributedLinearLayout`` / ``SharedLinearLayout``)::

    #ttg.linear<{register = [[0, 1]], lane = [[0, 2], [1, 0]], warp = [], block = []}>
    #ttg.shared_linear<{offset = [[0, 1], [1, 0]]}, alignment = 16>
    #ttg.shared_linear<{offset = [[0, 1], [1, 0]], block = [[0, 0]]}, alignment = 16>

(``block`` is printed for shared layouts only when it has bases; ``alignment``
always.)  Nothing here imports triton.

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[1]], "lane": [[2], [4]], "warp": [], "block": []}, ["dim0"])
>>> to_triton(L)
'#ttg.linear<{register = [[1]], lane = [[2], [4]], warp = [], block = []}>'
>>> to_gluon(L)["lane_bases"]
[[2], [4]]
"""

from __future__ import annotations

from typing import Any

from ..errors import LayoutError

__all__ = ["to_triton", "to_gluon", "layout_kind", "DISTRIBUTED_IN_DIMS", "SHARED_IN_DIMS", "TMEM_IN_DIMS"]

DISTRIBUTED_IN_DIMS = ("register", "lane", "warp", "block")
SHARED_IN_DIMS = ("offset", "block")
TMEM_IN_DIMS = ("row", "col", "block")


def layout_kind(layout: Any) -> str:
    """``"distributed"``, ``"shared"`` or ``"tensor_memory"`` from the in-dims (in order).

    >>> from linlayout import LinearLayout
    >>> layout_kind(LinearLayout.from_bases({"offset": [[1]], "block": []}, ["dim0"]))
    'shared'
    """
    from ..layout import LinearLayout

    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    ins = tuple(layout.in_dims)
    for kind, want in (
        ("distributed", DISTRIBUTED_IN_DIMS),
        ("shared", SHARED_IN_DIMS),
        ("tensor_memory", TMEM_IN_DIMS),
    ):
        if ins == want:
            return kind
    raise LayoutError(
        f"layout: in dims {list(ins)} are none of {list(DISTRIBUTED_IN_DIMS)} (distributed), "
        f"{list(SHARED_IN_DIMS)} (shared) or {list(TMEM_IN_DIMS)} (tensor memory), in that order; "
        "add missing dims with size 1 (no bases) and reorder with transpose_ins"
    )


def _check_out_dims(layout: Any) -> list[int]:
    names = list(layout.out_dims)
    want = [f"dim{i}" for i in range(len(names))]
    if not names or names != want:
        raise LayoutError(
            f"layout: out dims {names} must be {want or ['dim0', '...']} (Triton's tensor dims, in order)"
        )
    return list(layout.out_dims.values())


def _bases_text(bases: list[list[int]]) -> str:
    return "[" + ", ".join("[" + ", ".join(str(int(x)) for x in b) + "]" for b in bases) + "]"


def _check_surjective(layout: Any, kind: str) -> None:
    if not layout.is_surjective():
        raise LayoutError(
            f"layout: this {kind} layout is not surjective onto its out dims {dict(layout.out_dims)}; "
            "Triton's text has no out-dim sizes (they are inferred from the bases), so it cannot "
            "represent it exactly"
        )


def to_triton(layout: Any, *, alignment: int = 16) -> str:
    """Triton 3.9.0 text of a distributed (``#ttg.linear``) or shared (``#ttg.shared_linear``) layout.

    ``alignment`` (bytes, a power of two) is used for shared layouts only; 16 is
    Gluon's default.  Tensor-memory layouts have no linear attribute in Triton.

    >>> from linlayout import LinearLayout
    >>> to_triton(LinearLayout.from_bases({"offset": [[0, 1], [1, 0]], "block": []}, ["dim0", "dim1"]))
    '#ttg.shared_linear<{offset = [[0, 1], [1, 0]]}, alignment = 16>'
    """
    kind = layout_kind(layout)
    _check_out_dims(layout)
    bases = layout.bases
    if kind == "distributed":
        _check_surjective(layout, kind)
        inner = ", ".join(f"{d} = {_bases_text(bases[d])}" for d in DISTRIBUTED_IN_DIMS)
        return f"#ttg.linear<{{{inner}}}>"
    if kind == "shared":
        if isinstance(alignment, bool) or not isinstance(alignment, int) or alignment <= 0 or (
            alignment & (alignment - 1)
        ):
            raise LayoutError(f"alignment: expected a positive power of two (bytes), got {alignment!r}")
        _check_surjective(layout, kind)
        inner = f"offset = {_bases_text(bases['offset'])}"
        if bases["block"]:
            inner += f", block = {_bases_text(bases['block'])}"
        return f"#ttg.shared_linear<{{{inner}}}, alignment = {alignment}>"
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
    raise LayoutError("layout: tensor-memory layouts have no Gluon linear-layout class (row, col, block)")
