"""Layout assignment for a whole TTGIR function (API.md "Layout assignment").

``assign_layouts(ttgir)`` reads a module as triton 3.9.0 prints it, builds the problem of
``model.py`` (fixed anchors, cheap ops rematerialised per layout, classes of values tied by
elementwise ops and loops, candidate encodings through the shape ops), finds the assignment of
least total planned conversion cost (``solve.py``) and rewrites the module (``rewrite.py``).

>>> from linlayout.assign import assign_layouts
>>> a = assign_layouts(open("tests/data/assign_transpose_add@cuda_80.ttgir").read())
>>> a.cost < a.triton_cost, len(a.conversions)
(True, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LayoutError

__all__ = ["Assignment", "assign_layouts"]

#: default search budget (seconds) of the exact solver
BUDGET_S = 0.5


@dataclass
class Assignment:
    """The result of :func:`assign_layouts`.

    ``cost``: total planned cost of the rewritten module (conversions weighted by loop trip
    counts, plus rematerialised cheap ops); ``triton_cost``: the dump's own conversions
    costed the same way; ``lower_bound``: a proven lower bound on the optimum of the model
    (equal to ``cost`` when ``optimal``); ``conversions``: the remaining conversions, each
    with its plan; ``triton_conversions`` the dump's; ``layouts``: value name → encoding text
    of every tensor value of the dump (for a cheap value, rematerialised per layout, its
    original one); ``ttgir``: the rewritten module; ``notes``: ops kept fixed and why.
    """

    cost: float
    triton_cost: float
    lower_bound: float
    optimal: bool
    conversions: list
    triton_conversions: list
    layouts: dict[str, str]
    ttgir: str
    target: str
    notes: list[str] = field(default_factory=list)
    remat_cost: float = 0.0

    def __repr__(self) -> str:
        return (
            f"Assignment(target={self.target!r}, cost={self.cost:.1f}, triton_cost={self.triton_cost:.1f}, "
            f"optimal={self.optimal}, conversions={len(self.conversions)})"
        )

    def summary(self) -> str:
        """A few lines comparing this assignment with Triton's."""
        lines = [
            f"target {self.target}: Triton's conversions cost {self.triton_cost:.1f} "
            f"({len(self.triton_conversions)} convert_layout), ours {self.cost:.1f} "
            f"({len(self.conversions)} convert_layout, remat {self.remat_cost:.1f}); "
            + ("optimal" if self.optimal else f"lower bound {self.lower_bound:.1f}")
        ]
        for tag, convs in (("triton", self.triton_conversions), ("ours", self.conversions)):
            for c in convs:
                kind = c.plan.kind if c.plan is not None else "noop"
                lines.append(
                    f"  {tag:6s} {c.value}: {c.type}  {c.src} -> {c.dst}  {kind}  "
                    f"cost {c.cost:.1f} (x{c.weight:g})"
                )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def assign_layouts(ttgir: str, *, target=None, budget_s: float = BUDGET_S) -> Assignment:
    """Choose the layouts of ``ttgir``'s function that minimise the planned conversion cost.

    ``target`` (a :class:`linlayout.Target` or a name such as ``"sm_90"``) defaults to the
    module's ``ttg.target``.  Malformed TTGIR raises :class:`LayoutError` naming the line."""
    from ..targets import get_target
    from .model import build_problem, cost_terms
    from .parse import parse_module
    from .rewrite import rewrite
    from .solve import solve

    mod = parse_module(ttgir)
    if target is None:
        if mod.target is None:
            raise LayoutError(
                "target: the module has no ttg.target attribute; pass target='sm_90' or similar"
            )
        target = mod.target
    t = get_target(target)
    m = re.search(r'"ttg\.threads-per-warp"\s*=\s*(\d+)', ttgir)
    if m and int(m.group(1)) != t.warp_size:
        raise LayoutError(
            f"target: {t.name} runs {t.warp_size}-lane warps but the module has ttg.threads-per-warp = "
            f"{m.group(1)}; pass a target of the module's kind (or none, to use its ttg.target)"
        )
    prob = build_problem(mod, t)
    sol = solve(prob, budget_s)
    text, convs = rewrite(prob, sol.x)
    tconvs = triton_conversions(prob)
    terms = cost_terms(prob, sol.x)
    remat = sum(tm[-1] for tm in terms if tm[0] == "remat")
    cost = sum(c.cost for c in convs) + remat
    layouts = {}
    for v, tt in mod.values.items():
        if tt is None:
            continue
        k = prob.kind_of(v)
        layouts[v] = sol.x[prob.cls[v]] if k == "flex" else tt.enc
    return Assignment(
        cost,
        sum(c.cost for c in tconvs),
        min(sol.lower_bound, cost),
        sol.optimal,
        convs,
        tconvs,
        layouts,
        text,
        t.name,
        list(prob.notes),
        remat,
    )


def triton_conversions(prob) -> list:
    """The dump's own ``convert_layout`` ops, costed with the planner (weighted by loops)."""
    from .rewrite import Conversion

    out = []
    for idx, op in enumerate(prob.mod.ops):
        if op.name != "ttg.convert_layout":
            continue
        a, b = prob.ttype(op.operands[0]), prob.ttype(op.results[0])
        if a is None or b is None:
            continue
        wgt = prob.weight[idx]
        out.append(
            Conversion(
                op.results[0],
                a.enc,
                b.enc,
                b.text(),
                wgt,
                prob.conv_cost(a.enc, b.enc, a) * wgt,
                prob.plan(a.enc, b.enc, a),
            )
        )
    return out
