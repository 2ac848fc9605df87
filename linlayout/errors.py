"""The one exception linlayout raises for bad input."""

from __future__ import annotations

__all__ = ["LayoutError"]


class LayoutError(ValueError):
    """Invalid input to a linlayout entry point.

    The message names the offending argument, says what was given and what was
    expected.  It subclasses :class:`ValueError`, so ``except ValueError`` also
    catches it.

    >>> from linlayout import LinearLayout, LayoutError
    >>> try:
    ...     LinearLayout.identity("lane", 3, "dim0")
    ... except LayoutError as e:
    ...     print(e)
    size: expected a power of two, got 3
    """
