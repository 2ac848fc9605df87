"""Every size limit linlayout enforces, in one place, and the checks that apply them.

An entry point checks what it is about to allocate or enumerate *before* doing so, and
raises :class:`~linlayout.LayoutError` naming the argument and the limit when the input
is larger; inside the limits the work finishes within seconds.  The limits:

=========================  ===============  ====================================================
name                       value            what it bounds
=========================  ===============  ====================================================
``MAX_RANK``               16               tensor dims of a shape, a hardware layout's ``rank``,
                                            a TMA/TDM box
``MAX_DIM``                2**31            one tensor dim (Triton's shapes are int32/int64)
``MAX_TENSOR_BITS``        64               log2 of a tensor's element count
``MAX_PARAM``              2**63 - 1        any other integer parameter (Triton stores int64)
``MAX_TEXT``               1,000,000        characters of one attribute text
``MAX_DEPTH``              100              nesting of ``<>``, ``[]``, ``{}`` and alias hops
``MAX_INT_DIGITS``         40               digits of one integer literal
``MAX_TTGIR_TEXT``         16,000,000       characters of one TTGIR dump (``scan_ttgir``)
``MAX_TTGIR_ALIASES``      20,000           alias definitions in one TTGIR dump
``MAX_ALIAS_EXPANSION``    64               aliases inside aliases ``expand_aliases`` follows
``MAX_ENUMERATION``        2**20            entries an explicit list may have: TMA/TDM written
                                            offsets, per-element copy tables
=========================  ===============  ====================================================

The checks (one validation helper for every numeric parameter, so the rules are the
same everywhere: ``bool`` is not an int, floats are refused rather than truncated,
strings are refused, numpy integers are welcome):

>>> check_int(8, "vec", lo=1, pow2=True)
8
>>> check_int(2.0, "vec")
Traceback (most recent call last):
...
linlayout.errors.LayoutError: vec: expected an int, got 2.0 (float; floats are not truncated)
>>> check_count(1 << 30, "box", what="elements to enumerate")
Traceback (most recent call last):
...
linlayout.errors.LayoutError: box: 1073741824 elements to enumerate is over the limit 1048576 \
(linlayout._limits.MAX_ENUMERATION)
"""

from __future__ import annotations

from typing import Any

from .errors import LayoutError

__all__ = [
    "MAX_RANK",
    "MAX_PLAN_INDICES",
    "MAX_DIM",
    "MAX_TENSOR_BITS",
    "MAX_PARAM",
    "MAX_TEXT",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_TTGIR_TEXT",
    "MAX_TTGIR_ALIASES",
    "MAX_ALIAS_EXPANSION",
    "MAX_ENUMERATION",
    "check_int",
    "check_bool",
    "check_rank",
    "check_count",
    "check_text",
]

#: most tensor dims of a shape, a layout's rank or a copy box
MAX_RANK = 16
#: largest size of one tensor dim
MAX_DIM = 1 << 31
#: log2 of the most elements a tensor may have
MAX_TENSOR_BITS = 64
#: largest magnitude of any other integer parameter
MAX_PARAM = (1 << 63) - 1
#: longest attribute text accepted (characters)
MAX_TEXT = 1_000_000
#: deepest nesting of one attribute ('<...>', '[...]', '{...}' and alias hops each count one)
MAX_DEPTH = 100
#: longest integer literal accepted (digits)
MAX_INT_DIGITS = 40
#: longest TTGIR dump ``scan_ttgir`` reads (characters)
MAX_TTGIR_TEXT = 16_000_000
#: most alias definitions ``scan_ttgir`` builds descriptions for
MAX_TTGIR_ALIASES = 20_000
#: deepest alias-inside-alias expansion (``expand_aliases``)
MAX_ALIAS_EXPANSION = 64
#: most entries an explicitly enumerated list (offsets, per-element tables) may have
MAX_ENUMERATION = 1 << 20
#: most hardware indices (registers x lanes x warps x blocks) a layout given to the planners
#: may have: at 2^18 a plan, its metrics and a run take about a second each; at 2^20 a plan
#: in Triton's rounds has thousands of steps and its metrics take tens of seconds
MAX_PLAN_INDICES = 1 << 18


def _limit_name(limit: int) -> str:
    """The name of ``limit`` in this module, for error messages (or the number itself)."""
    for k in __all__:
        if k.startswith("MAX_") and globals()[k] == limit:
            return f"linlayout._limits.{k}"
    return str(limit)


def check_int(
    value: Any,
    name: str,
    *,
    lo: int | None = None,
    hi: int | None = None,
    pow2: bool = False,
) -> int:
    """``value`` as an int in ``[lo, hi]`` (and a power of two when ``pow2``), else LayoutError.

    ``hi`` defaults to :data:`MAX_PARAM` and ``lo`` to ``-MAX_PARAM``.

    >>> check_int(True, "num_warps")
    Traceback (most recent call last):
    ...
    linlayout.errors.LayoutError: num_warps: expected an int, got True (bool)
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        kind = type(value).__name__
        hint = "; floats are not truncated" if isinstance(value, float) else ""
        raise LayoutError(f"{name}: expected an int, got {value!r} ({kind}{hint})")
    v = int(value.__index__())
    top = MAX_PARAM if hi is None else hi
    bottom = -MAX_PARAM if lo is None else lo
    if v < bottom:
        raise LayoutError(f"{name}: expected an int >= {bottom}, got {v}")
    if v > top:
        raise LayoutError(f"{name}: {v} is over the limit {top} ({_limit_name(top)})")
    if pow2 and (v < 1 or v & (v - 1)):
        raise LayoutError(f"{name}: expected a positive power of two, got {v}")
    return v


def check_bool(value: Any, name: str) -> bool:
    """``value`` if it is a bool (ints, strings and numpy bools other than bool are refused).

    >>> check_bool(1, "transposed")
    Traceback (most recent call last):
    ...
    linlayout.errors.LayoutError: transposed: expected True or False, got 1 (int)
    """
    if not isinstance(value, bool):
        raise LayoutError(f"{name}: expected True or False, got {value!r} ({type(value).__name__})")
    return value


def check_rank(value: Any, name: str = "rank", *, lo: int = 1) -> int:
    """A tensor rank: an int in ``[lo, MAX_RANK]``.

    >>> check_rank(2147483647)
    Traceback (most recent call last):
    ...
    linlayout.errors.LayoutError: rank: 2147483647 is over the limit 16 (linlayout._limits.MAX_RANK)
    """
    return check_int(value, name, lo=lo, hi=MAX_RANK)


def check_count(count: int, name: str, *, limit: int = MAX_ENUMERATION, what: str = "entries") -> int:
    """Refuse to enumerate ``count`` items when that is over ``limit``; return ``count``.

    >>> check_count(16, "box")
    16
    """
    if count > limit:
        raise LayoutError(f"{name}: {count} {what} is over the limit {limit} ({_limit_name(limit)})")
    return count


def check_text(text: Any, name: str, *, limit: int = MAX_TEXT) -> str:
    """``text`` if it is a str of at most ``limit`` characters.

    >>> check_text(b"#blocked", "attr")
    Traceback (most recent call last):
    ...
    linlayout.errors.LayoutError: attr: expected a str of text, got bytes
    """
    if not isinstance(text, str):
        raise LayoutError(f"{name}: expected a str of text, got {type(text).__name__}")
    if len(text) > limit:
        raise LayoutError(
            f"{name}: text of {len(text)} characters is over the limit {limit} ({_limit_name(limit)})"
        )
    return text
