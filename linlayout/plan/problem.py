"""One conversion to plan, as every planner stage sees it.

>>> # prob = Problem(flatten(src), flatten(dst), get_target("sm_90"), 16, 228 * 1024, model)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """The flattened layouts (``classify.Flat``), the target, the element width, the scratch
    limit in bytes and the target's cost model (``cost.CostModel``)."""

    src: Any
    dst: Any
    target: Any
    elem_bits: int
    max_shared_bytes: int
    model: Any
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)  # limit-free results

    def with_limit(self, max_shared_bytes: int) -> Problem:
        """The same problem under another scratch limit."""
        return replace(self, max_shared_bytes=max_shared_bytes)
