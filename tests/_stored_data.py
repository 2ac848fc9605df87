"""Walking the stored Triton answers in tests/data (shared by test_fuzz and test_robustness)."""

from __future__ import annotations


def walk(x):
    """Every dict inside ``x`` (depth first, in document order); lists of numbers and lists of
    such lists (basis vectors) are not entered."""
    stack = [x]
    while stack:
        y = stack.pop()
        if isinstance(y, dict):
            yield y
            stack.extend(v for v in reversed(y.values()) if may_hold_dicts(v))
        else:
            stack.extend(v for v in reversed(y) if may_hold_dicts(v))


def may_hold_dicts(v) -> bool:
    """False for scalars, ``[]``, ``[1, 2]`` and ``[[1, 0], …]``: nothing to walk into."""
    if isinstance(v, dict):
        return True
    if not isinstance(v, list) or not v:
        return False
    first = v[0]
    return not (isinstance(first, (int, float, str)) or (isinstance(first, list) and all(
        isinstance(e, (int, float)) for e in first)) and all(isinstance(u, list) for u in v))


def is_error(v) -> bool:
    """A stored answer that is Triton's refusal (an abort or an error message)."""
    return isinstance(v, str) and (v.startswith("abort") or "Error" in v[:40])
