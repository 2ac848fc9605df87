"""The hardware kit: what every hardware family module shares.

* the in-dim names of each kind of layout (one set of constants) and :func:`layout_kind`;
* parameter validation, all built on :func:`linlayout._limits.check_int` (no bool as int,
  no float truncation, strings refused, sizes bounded);
* Triton-style formatting of parameter values, and the per-(description, shape) memo.

Family modules (``blocked``, ``nvidia``, ``shared``, ``tmem``, ``amd``, ...) import these
instead of each other's private helpers.

Adding a hardware family: a ``@triton_attr("ttg.name")`` frozen dataclass deriving from
:class:`~linlayout.hardware.base.HardwareLayout` whose fields are Gluon's constructor
arguments; ``__post_init__`` validates and normalizes them with the ``*_param`` helpers
below (``object.__setattr__`` for normalized values); ``to_linear_layout(shape)`` returns
``memo_layout(self, tuple(memory_shape(shape, self.rank)))`` (or the distributed shape
check) and ``_build(shape, flag)`` builds it; ``to_triton()`` prints it exactly as Triton
does and ``from_triton_params(params)`` reads it back; ``rank`` is the tensor rank it
describes; ``kind`` and ``to_gluon`` come from the base unless the family needs its own.  List the module in
``linlayout.triton.attrs.FAMILY_MODULES``; ``tests/test_hardware_common.py`` checks that
every registered family has these members.

>>> int_param(4, "vec", lo=1)
4
>>> format_param([[0, 1], True])
'[[0, 1], true]'
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from .._limits import MAX_RANK, check_bool, check_int, check_rank
from ..errors import LayoutError
from ..layout import LinearLayout, standard_out_dims

# cga.py imports the dim names from here, so its helpers are imported where used

__all__ = [
    "DISTRIBUTED_IN_DIMS",
    "SHARED_IN_DIMS",
    "TMEM_IN_DIMS",
    "PARTITIONED_IN_DIMS",
    "TDM_IN_DIMS",
    "LAYOUT_KINDS",
    "layout_kind",
    "int_param",
    "pow2_param",
    "log2_param",
    "bool_param",
    "rank_param",
    "seq_param",
    "int_list_param",
    "bases_param",
    "memory_shape",
    "check_permutation",
    "check_known_fields",
    "cga_param",
    "format_param",
    "as_lists",
    "memo_layout",
    "combine_cta_cga",
    "fit_cta_cga",
    "layout_from_bases",
    "MAX_RANK",
]

#: in-dims of a distributed (register) layout, in Triton's order
DISTRIBUTED_IN_DIMS = ("register", "lane", "warp", "block")
#: in-dims of a shared-memory layout
SHARED_IN_DIMS = ("offset", "block")
#: in-dims of a tensor-memory layout
TMEM_IN_DIMS = ("row", "col", "block")
#: in-dims of a gfx1250 partitioned shared layout
PARTITIONED_IN_DIMS = ("offset", "block", "partition")
#: in-dims of a gfx1250 TDM message layout
TDM_IN_DIMS = ("message", "warp", "block")

#: kind name -> its in-dims, in order (the one table :func:`layout_kind` reads)
LAYOUT_KINDS: dict[str, tuple[str, ...]] = {
    "distributed": DISTRIBUTED_IN_DIMS,
    "shared": SHARED_IN_DIMS,
    "tensor_memory": TMEM_IN_DIMS,
    "partitioned_shared": PARTITIONED_IN_DIMS,
}


def layout_kind(layout: Any) -> str:
    """``"distributed"``, ``"shared"``, ``"tensor_memory"`` or ``"partitioned_shared"``: which
    in-dims (in order) it has (:data:`LAYOUT_KINDS`).

    >>> layout_kind(LinearLayout.from_bases({"offset": [[1]], "block": []}, ["dim0"]))
    'shared'
    """
    if not isinstance(layout, LinearLayout):
        raise LayoutError(f"layout: expected a LinearLayout, got {type(layout).__name__}")
    ins = tuple(layout.in_dims)
    for kind, want in LAYOUT_KINDS.items():
        if ins == want:
            return kind
    raise LayoutError(
        f"layout: in dims {list(ins)} are none of {list(DISTRIBUTED_IN_DIMS)} (distributed), "
        f"{list(SHARED_IN_DIMS)} (shared), {list(TMEM_IN_DIMS)} (tensor memory) or "
        f"{list(PARTITIONED_IN_DIMS)} (partitioned shared), in that order; "
        "add missing dims with size 1 (no bases) and reorder with transpose_ins"
    )


# ----------------------------------------------------------------------------- validation


def int_param(x: Any, what: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """An int parameter (numpy integers welcome; bools, floats and strings are not)."""
    return check_int(x, what, lo=lo, hi=hi)


def pow2_param(x: Any, what: str) -> int:
    """A positive power-of-two parameter."""
    return check_int(x, what, pow2=True)


def log2_param(x: Any, what: str) -> int:
    """``k`` for a parameter that must be ``2**k`` (a positive power of two)."""
    return check_int(x, what, pow2=True).bit_length() - 1


def bool_param(x: Any, what: str) -> bool:
    """A true/false parameter (``0``/``1`` are refused)."""
    return check_bool(x, what)


def rank_param(x: Any, what: str = "rank") -> int:
    """A tensor rank in ``[1, MAX_RANK]``."""
    return check_rank(x, what)


def seq_param(x: Any, what: str, expected: str) -> tuple:
    """A list-like value as a tuple (lists, tuples, numpy arrays; not strings or dicts)."""
    if isinstance(x, (str, bytes, Mapping)) or not hasattr(x, "__iter__"):
        raise LayoutError(f"{what}: expected {expected}, got {x!r}")
    return tuple(x)


def int_list_param(x: Any, what: str, n: int | None = None) -> tuple[int, ...]:
    """A list of ints as a tuple (of exactly ``n`` entries when given)."""
    out = tuple(int_param(v, f"{what}[{i}]") for i, v in enumerate(seq_param(x, what, "a list of ints")))
    if n is not None and len(out) != n:
        raise LayoutError(f"{what}: expected {n} entries, got {list(out)}")
    return out


def bases_param(x: Any, what: str, rank: int | None = None) -> tuple[tuple[int, ...], ...]:
    """A list of bases (lists of ``rank`` non-negative ints) as nested tuples."""
    x = seq_param(x, what, "a list of bases (lists of ints)")
    out = tuple(int_list_param(b, f"{what}[{i}]") for i, b in enumerate(x))
    for i, b in enumerate(out):
        if rank is not None and len(b) != rank:
            raise LayoutError(f"{what}[{i}]: expected {rank} components (one per dim), got {list(b)}")
        if any(v < 0 for v in b):
            raise LayoutError(f"{what}[{i}]: components must be >= 0, got {list(b)}")
    return out


def memory_shape(shape: Any, rank: int | None, what: str = "shape") -> list[int]:
    """A memory layout's shape: 1 to ``MAX_RANK`` power-of-two dims (of ``rank`` when given)."""
    dims = list(int_list_param(shape, what))
    if len(dims) > MAX_RANK:
        raise LayoutError(
            f"{what}: rank {len(dims)} is over the limit {MAX_RANK} (linlayout._limits.MAX_RANK)"
        )
    for i, s in enumerate(dims):
        if s < 1 or s & (s - 1):
            raise LayoutError(
                f"{what}[{i}]: shared and tensor memory layouts need power-of-two dims, got {s} in {dims}"
            )
    if rank is not None and len(dims) != rank:
        raise LayoutError(f"{what}: the layout has rank {rank} but the shape {dims} has rank {len(dims)}")
    if not dims:
        raise LayoutError(f"{what}: expected at least one dim")
    if sum(s.bit_length() - 1 for s in dims) > 64:
        raise LayoutError(f"{what}: {dims} has more than 2**64 elements")
    return dims


def check_permutation(order: Sequence[int], what: str = "order") -> None:
    """``order`` is a permutation of ``0..len(order)-1``."""
    if sorted(order) != list(range(len(order))):
        raise LayoutError(f"{what}: expected a permutation of 0..{len(order) - 1}, got {list(order)}")


def check_known_fields(params: Mapping[str, Any], allowed: set[str], attr: str) -> None:
    """Every key of the parsed attribute ``params`` is a field of ``#attr``."""
    for k in params:
        if k not in allowed:
            raise LayoutError(f"{k}: unknown parameter of #{attr}; expected one of {sorted(allowed)}")


def cga_param(cga: Any, rank: int, what: str = "cga_layout") -> tuple[tuple[int, ...], ...]:
    """Validated CGA block bases (:func:`~linlayout.hardware.cga.check_cga_layout`)."""
    from .cga import check_cga_layout

    return check_cga_layout(cga, rank, what)


# ----------------------------------------------------------------------------- formatting, memo


def format_param(x: Any) -> str:
    """Triton's printing of list/bool/int parameter values."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(format_param(v) for v in x) + "]"
    return str(x)


def as_lists(bases: Sequence[Sequence[int]]) -> list[list[int]]:
    """Nested tuples as nested lists (for Gluon arguments and ``from_bases``)."""
    return [list(b) for b in bases]


@functools.lru_cache(maxsize=4096)
def memo_layout(desc: Any, shape: tuple[int, ...], flag: bool = False) -> LinearLayout:
    """``desc._build(shape, flag)`` once per (description, shape): descriptions are hashable
    values and layouts immutable, as Triton's ``toLinearLayout`` cache assumes."""
    return desc._build(list(shape), flag)


def combine_cta_cga(
    cta: LinearLayout, cga_layout: Sequence[Sequence[int]], shape: Sequence[int]
) -> LinearLayout:
    """Triton's ``combineCtaCgaWithShape`` for a tile that may not list every out dim yet
    (missing ones get size 1)."""
    from .cga import cga_to_linear_layout, combine_cta_cga_with_shape

    names = standard_out_dims(len(shape))
    for n in names:
        if n not in cta.out_dims:
            cta = cta * LinearLayout.identity(cta.in_dim_names[0], 1, n)
    return combine_cta_cga_with_shape(cta, cga_to_linear_layout(cga_layout, len(shape)), shape)


def fit_cta_cga(cta: LinearLayout, cga_layout: Sequence[Sequence[int]], shape: Sequence[int]) -> LinearLayout:
    """Triton's ``combineCtaCgaWithShape`` for already-validated block bases; in-dims kept in
    ``cta``'s order, ``block`` appended."""
    from .cga import combine_cta_cga_with_shape

    cga = layout_from_bases({"block": [list(b) for b in cga_layout]}, standard_out_dims(len(shape)))
    return combine_cta_cga_with_shape(cta, cga, shape)


def layout_from_bases(bases: Mapping[str, Sequence[Sequence[int]]], out_dims: Sequence[Any]) -> LinearLayout:
    """``LinearLayout.from_bases`` without the surjectivity check (tiles are built piecewise)."""
    return LinearLayout.from_bases({k: [list(b) for b in v] for k, v in bases.items()}, out_dims,
                                   require_surjective=False)
