"""Exact minimisation over the candidate encodings: branch and bound per component.

Classes interact only through the cost terms that mention them, so the problem splits into
independent components (classes linked by some op).  Each component is searched depth first
from its original encodings (Triton's choice, an upper bound), then a greedy descent, with
the partial cost (the terms whose classes are all assigned, each ≥ 0) as the lower bound.
When the time budget runs out the best assignment found is returned with a proven lower bound
(the least partial cost among the subtrees left unexplored).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .model import Problem, frame, total_cost

__all__ = ["Solution", "solve"]


@dataclass
class Solution:
    """The chosen encoding per class, its cost, a proven lower bound and whether it is optimal."""

    x: dict[str, str]
    cost: float
    lower_bound: float
    optimal: bool
    nodes: int


def _links(prob: Problem) -> list[set[str]]:
    """Sets of classes that appear together in one op's requirements."""
    mod = prob.mod
    groups: list[set[str]] = []
    for idx, op in enumerate(mod.ops):
        k = prob.kinds[idx]
        if k in ("none", "cheap"):
            continue
        s: set[str] = set()
        for v in op.operands + op.results + op.block_args:
            if v in prob.cls:
                s.add(prob.cls[v])
        if frame(idx) in prob.cls:
            s.add(prob.cls[frame(idx)])
        if k == "yield":
            parent = mod.ops[op.parent]
            s.update(prob.cls[a] for a in parent.block_args[1:] if a in prob.cls)
        groups.append(s)
    users: dict[str, set[str]] = {}  # a cheap value's consumers share its clone count
    for idx, op in enumerate(mod.ops):
        for u in op.operands:
            if prob.kind_of(u) == "cheap" and prob.ttype(u) is not None:
                g = users.setdefault(u, set())
                for v in op.results:
                    if v in prob.cls:
                        g.add(prob.cls[v])
                if frame(idx) in prob.cls:
                    g.add(prob.cls[frame(idx)])
    groups.extend(users.values())
    return [g for g in groups if g]


def _components(prob: Problem, free: list[str]) -> list[list[str]]:
    """Free classes grouped into independent components, each in link order."""
    parent = {c: c for c in prob.cands}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for g in _links(prob):
        g = sorted(g)
        for b in g[1:]:
            ra, rb = find(g[0]), find(b)
            if ra != rb:
                parent[rb] = ra
    comps: dict[str, list[str]] = {}
    for c in free:
        comps.setdefault(find(c), []).append(c)
    return list(comps.values())


def solve(prob: Problem, budget_s: float = 0.5) -> Solution:
    """The assignment of least total cost (exact within ``budget_s`` seconds)."""
    base = {c: cs[0] for c, cs in prob.cands.items()}
    free = [c for c, cs in prob.cands.items() if len(cs) > 1]
    deadline = time.perf_counter() + budget_s
    x = dict(base)
    nodes = 0
    lb_total = 0.0
    optimal = True
    comps = _components(prob, free)
    for comp in comps:
        sub_budget = max(0.0, (deadline - time.perf_counter()) / max(1, len(comps)))
        best, lb, opt, n = _solve_component(prob, x, comp, time.perf_counter() + sub_budget)
        x.update(best)
        nodes += n
        optimal &= opt
        lb_total += lb
    cost = total_cost(prob, x)
    return Solution(x, cost, min(cost, _global_lb(cost, optimal, lb_total, prob, x, free)), optimal, nodes)


def _global_lb(cost: float, optimal: bool, lb_parts: float, prob: Problem, x: dict, free: list[str]) -> float:
    """A lower bound on the optimum: the cost itself when every component was proven optimal,
    else the terms not touching free classes plus each component's bound."""
    if optimal:
        return cost
    rest = {c: e for c, e in x.items() if c not in free}
    return total_cost(prob, rest) + lb_parts


def _solve_component(prob: Problem, x0: dict[str, str], comp: list[str], deadline: float):
    """Branch and bound over one component; other classes stay as in ``x0``."""
    others = {c: e for c, e in x0.items() if c not in comp}
    comp = _order(prob, comp)

    def cost_of(assign: dict[str, str]) -> float:
        return total_cost(prob, {**others, **assign})

    best = {c: x0[c] for c in comp}
    best_cost = cost_of(best)
    best, best_cost = _descend(prob, comp, best, best_cost, cost_of)
    base_partial = cost_of({})
    open_lb = [best_cost]
    nodes = 0
    timed_out = False

    def dfs(i: int, assign: dict[str, str], partial: float) -> None:
        nonlocal best, best_cost, nodes, timed_out
        nodes += 1
        if partial >= best_cost - 1e-9:
            return
        if i == len(comp):
            best, best_cost = dict(assign), partial
            return
        if time.perf_counter() > deadline:
            timed_out = True
            open_lb.append(partial)
            return
        c = comp[i]
        kids = []
        for e in prob.cands[c]:
            assign[c] = e
            kids.append((cost_of(assign), e))
        del assign[c]
        for p, e in sorted(kids, key=lambda t: t[0]):
            assign[c] = e
            dfs(i + 1, assign, p)
            del assign[c]

    dfs(0, {}, base_partial)
    lb = min(open_lb) if timed_out else best_cost
    # the component's own share: its bound minus what the other classes cost alone
    share = max(0.0, lb - base_partial)
    return best, share, not timed_out, nodes


def _order(prob: Problem, comp: list[str]) -> list[str]:
    """Classes in definition order (so an op's terms complete early)."""
    pos: dict[str, int] = {}
    for v, c in prob.cls.items():
        idx = prob.mod.defs.get(v, 1 << 30)
        if v.startswith("@op"):
            idx = int(v[3:])
        pos[c] = min(pos.get(c, 1 << 30), idx)
    return sorted(comp, key=lambda c: pos.get(c, 1 << 30))


def _descend(prob: Problem, comp: list[str], x: dict[str, str], cost: float, cost_of):
    """Greedy: change one class at a time while the total falls."""
    improved = True
    rounds = 0
    while improved and rounds < 4:
        improved = False
        rounds += 1
        for c in comp:
            for e in prob.cands[c]:
                if e == x[c]:
                    continue
                y = {**x, c: e}
                cy = cost_of(y)
                if cy < cost - 1e-9:
                    x, cost, improved = y, cy, True
    return x, cost
