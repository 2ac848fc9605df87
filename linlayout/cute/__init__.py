"""CuTe interop: ``shape:stride`` layouts and ``Swizzle<B,M,S>`` as linear layouts, and back.

A CuTe layout maps a coordinate (equivalently, its colexicographic flat index: the first
mode is the fastest) to an integer offset, ``sum(c_i * d_i)``.  It is linear over GF(2)
exactly when every mode size is a power of two, every stride is 0 or a power of two, and
the offset bits the modes occupy, ``[log2 d_i, log2 d_i + log2 s_i)``, are pairwise
disjoint (so the integer sum never carries and equals the XOR).  A swizzle on top,
``Sw<B,M,S>``, XORs bits ``[M+S, M+S+B)`` of the offset into bits ``[M, M+B)``: still linear.

>>> from linlayout.cute import from_cute, to_cute
>>> L = from_cute((4, 8), (8, 1))
>>> L.apply(index=5)                      # coordinate (1, 1) -> 1*8 + 1*1
{'offset': 9}
>>> str(to_cute(from_cute("Sw<3,3,3> o _0 o (8,64):(64,1)")))   # 128B swizzle, 16-bit elements
'Sw<3,3,3> o _0 o (8,64):(64,1)'
"""

from __future__ import annotations

from .algebra import (
    blocked_product,
    coalesce,
    complement,
    composition,
    cosize,
    flat_divide,
    left_inverse,
    logical_divide,
    logical_product,
    make_layout,
    raked_product,
    right_inverse,
    size,
    tiled_divide,
    tiled_product,
    zipped_divide,
    zipped_product,
)
from .interop import from_cute, from_cute_tv, to_cute, to_cute_tv
from .types import F2, CuteLayout, E, ScaledBasis, Swizzle, parse_cute

__all__ = [
    "Swizzle",
    "F2",
    "E",
    "ScaledBasis",
    "CuteLayout",
    "parse_cute",
    "from_cute",
    "from_cute_tv",
    "to_cute",
    "to_cute_tv",
    "make_layout",
    "size",
    "cosize",
    "coalesce",
    "complement",
    "composition",
    "logical_divide",
    "zipped_divide",
    "tiled_divide",
    "flat_divide",
    "logical_product",
    "blocked_product",
    "raked_product",
    "zipped_product",
    "tiled_product",
    "left_inverse",
    "right_inverse",
]
