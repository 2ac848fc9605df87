"""The core's foundations: the value's slots and constructor, limits, and argument checks
shared by every part of :class:`linlayout.LinearLayout`."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError

if TYPE_CHECKING:
    from ..layout import LinearLayout

MAX_BITS = 64
MAX_TABLE_BITS = 28  # to_table() refuses more than 2**28 rows (2 GiB of int64 per out dim)
MAX_TABLE_BYTES = 2 << 30  # ... and more than 2 GiB in all (rows x out dims x 8 bytes)


# --------------------------------------------------------------------------- helpers


def _log2_of_size(size: Any, what: str) -> int:
    """log2 of a power-of-two size; LayoutError naming ``what`` otherwise."""
    if isinstance(size, bool):
        raise LayoutError(f"{what}: expected a power-of-two int, got {size!r}")
    try:
        n = operator.index(size)
    except TypeError:
        raise LayoutError(
            f"{what}: expected a power-of-two int, got {type(size).__name__} {size!r}"
        ) from None
    if n <= 0 or n & (n - 1):
        raise LayoutError(f"{what}: expected a power of two, got {n}")
    k = n.bit_length() - 1
    if k > MAX_BITS:
        raise LayoutError(f"{what}: {n} is larger than 2**{MAX_BITS}")
    return k


def _check_name(name: Any, what: str) -> str:
    """A non-empty str dim name; LayoutError otherwise."""
    if not isinstance(name, str) or not name:
        raise LayoutError(f"{what}: expected a non-empty str dimension name, got {name!r}")
    return name


def _as_int(x: Any, what: str) -> int:
    """An int (not a bool); LayoutError naming ``what`` otherwise."""
    if isinstance(x, bool):
        raise LayoutError(f"{what}: expected an int, got {x!r}")
    try:
        return operator.index(x)
    except TypeError:
        raise LayoutError(f"{what}: expected an int, got {type(x).__name__} {x!r}") from None


def _offsets(outlog: Sequence[int]) -> list[int]:
    """The bit offset of each packed field of the given widths."""
    offs = []
    o = 0
    for w in outlog:
        offs.append(o)
        o += w
    return offs


def _unpack(v: int, offs: Sequence[int], outlog: Sequence[int]) -> list[int]:
    """The fields of packed value ``v``."""
    return [(v >> o) & ((1 << w) - 1) for o, w in zip(offs, outlog)]


def _make_repacker(fields: list[tuple[int, int, int]]):
    """Return f(v) moving bit fields: (src_off, width, dst_off) for each field."""
    if all(s == d for s, _, d in fields):
        return None
    spec = [(s, (1 << w) - 1, d) for s, w, d in fields if w]

    def repack(v: int) -> int:
        r = 0
        for s, m, d in spec:
            r |= ((v >> s) & m) << d
        return r

    return repack


def supremum(x: Sequence[str], y: Sequence[str]) -> list[str]:
    """Merge two ordered name lists keeping each one's relative order (Triton's
    ``supremum``); ties prefer ``x``.  Raises LayoutError when the orders conflict.

    >>> supremum(["a", "b"], ["b", "c"])
    ['a', 'b', 'c']
    """
    x = _name_list(x, "x")
    y = _name_list(y, "y")
    xs, ys = set(x), set(y)
    res: list[str] = []
    seen: set[str] = set()
    i = j = 0
    while i < len(x) or j < len(y):
        if i < len(x) and x[i] in seen:
            i += 1
            continue
        if j < len(y) and y[j] in seen:
            j += 1
            continue
        if i == len(x):
            pick = y[j]
        elif j == len(y):
            pick = x[i]
        elif x[i] == y[j]:
            pick = x[i]
        elif x[i] not in ys:
            pick = x[i]
        elif y[j] not in xs:
            pick = y[j]
        else:
            raise LayoutError(
                f"dimension orders {list(x)} and {list(y)} conflict: {x[i]!r} and {y[j]!r} appear in "
                "opposite orders; transpose one layout's dims first"
            )
        res.append(pick)
        seen.add(pick)
    return res


class _Base:
    """The stored value: in-dims, packed bases (one int per basis, out-dims as bit fields),
    out-dims and their log2 sizes, plus caches (rank, hash, apply closure, flat bases,
    unit-bit positions)."""

    __slots__ = (
        "_ins",
        "_bases",
        "_outs",
        "_outlog",
        "_rank",
        "_hash",
        "_ap",
        "_flat",
        "_pos",
        "__weakref__",
    )

    # ------------------------------------------------------------------ construction

    @classmethod
    def _new(cls, ins, bases, outs, outlog) -> LinearLayout:
        # Built as a _Builder (plain attribute sets), then given its real class: half
        # the cost of six slot-descriptor calls, and every layout op ends here.
        """A layout from its stored parts (no checks): every op ends here."""
        self = _object_new(_Builder)
        self._ins = ins
        self._bases = bases
        self._outs = outs
        self._outlog = outlog
        self._rank = None
        self._hash = None
        self._ap = None  # apply() closure
        self._flat = None  # flat bases + [0], for compose
        self._pos = None  # unit-basis bit positions, for compose
        self.__class__ = cls
        return self


_set_ins = _Base._ins.__set__
_set_bases = _Base._bases.__set__
_set_outs = _Base._outs.__set__
_set_outlog = _Base._outlog.__set__
_set_rank = _Base._rank.__set__
_set_hash = _Base._hash.__set__
_set_ap = _Base._ap.__set__
_set_flat = _Base._flat.__set__
_set_pos = _Base._pos.__set__
_object_new = object.__new__


class _Builder(_Base):
    """Mutable twin used only inside ``LinearLayout._new`` (same slots)."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__  # both plain: attribute sets take CPython's fast slot


def _check_layout(x: Any, what: str) -> None:
    """LayoutError unless ``x`` is a LinearLayout."""
    if not isinstance(x, _Base):
        raise LayoutError(f"{what}: expected a LinearLayout, got {type(x).__name__}")


def _name_list(names: Any, what: str) -> list[str]:
    """A list of dim names; LayoutError otherwise."""
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        raise LayoutError(f"{what}: expected a list of dim names, got {names!r}")
    for n in names:
        _check_name(n, what)
    return list(names)


def _name_set(names: Any, what: str) -> list[str]:
    """Dim names from a name or an iterable of names; LayoutError otherwise."""
    if isinstance(names, str):
        names = [names]
    try:
        lst = list(names)
    except TypeError:
        raise LayoutError(f"{what}: expected an iterable of dim names, got {names!r}") from None
    for n in lst:
        _check_name(n, what)
    return lst


def _pairs(x: Any, what: str) -> list[tuple[str, Any]]:
    """``(name, value)`` pairs from a mapping or a sequence of pairs; LayoutError otherwise."""
    if isinstance(x, Mapping):
        items = list(x.items())
    elif isinstance(x, (list, tuple)):
        items = []
        for k, p in enumerate(x):
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise LayoutError(f"{what}[{k}]: expected a (name, size) pair, got {p!r}")
            items.append((p[0], p[1]))
    else:
        raise LayoutError(f"{what}: expected [(name, size), ...], got {type(x).__name__}")
    names = [_check_name(n, what) for n, _ in items]
    if len(set(names)) != len(names):
        raise LayoutError(f"{what}: duplicate names in {names}")
    return items


def _perm(order: Any, current: tuple[str, ...], what: str) -> list[str]:
    """A permutation of ``current``; LayoutError otherwise."""
    lst = _name_set(order, what)
    if sorted(lst) != sorted(current) or len(set(lst)) != len(lst):
        raise LayoutError(f"{what}: expected a permutation of {list(current)}, got {lst}")
    return lst
