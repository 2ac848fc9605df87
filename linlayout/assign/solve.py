"""Exact minimisation over the candidate encodings, per independent component.

Ops are linked through the classes they read or write and the fixed or cheap values they
share, which splits the problem into components whose costs add up.  The cost of a component
is a sum of small factors: per value, its conversions (or clones) as a function of its own
class and its consumers' classes; per shape op, its result conversion.  Min-sum variable
elimination over these tables (a greedy order, each table at most ``MAX_TABLE`` entries) is
exact.  Where a table would be larger, a depth-first branch and bound takes over from
Triton's own encodings and a greedy descent, with the partial cost plus the least increment of
a few open classes as its bound; when the time budget runs out it returns the best assignment
found and a proven lower bound (the least bound among the subtrees left unexplored).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from .model import Derived, Problem, cost_terms, derive, frame, total_cost

__all__ = ["Solution", "solve"]

#: open classes whose least increment is added to a node's bound (beyond the next one)
LOOKAHEAD = 3
#: largest table variable elimination builds before branch and bound takes over
MAX_TABLE = 4096


@dataclass
class Solution:
    """The chosen encoding per class, its cost, a proven lower bound and whether it is optimal."""

    x: dict[str, str]
    cost: float
    lower_bound: float
    optimal: bool
    nodes: int


def _op_nodes(prob: Problem, idx: int) -> set[str]:
    """The classes op ``idx`` reads or writes, and its fixed or cheap tensor operands."""
    mod = prob.mod
    op = mod.ops[idx]
    s: set[str] = set()
    for v in op.operands + op.results + op.block_args:
        if v in prob.cls:
            s.add(prob.cls[v])
        elif prob.ttype(v) is not None and (v in op.operands or prob.kinds[idx] == "cheap"):
            s.add("=" + v)
    if frame(idx) in prob.cls:
        s.add(prob.cls[frame(idx)])
    if prob.kinds[idx] == "yield":
        parent = mod.ops[op.parent]
        s.update(prob.cls[a] for a in parent.block_args[1:] if a in prob.cls)
    return s


def _components(prob: Problem, free: list[str]) -> list[tuple[list[str], list[int]]]:
    """Independent components: (free classes in definition order, the ops whose cost depends
    on them).  Ops are linked through shared classes and shared fixed or cheap operands (whose
    conversions and clones are shared), so the total cost is the sum of the components'."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        parent.setdefault(a, a)
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    nodes = []
    for idx in range(len(prob.mod.ops)):
        if prob.kinds[idx] == "none":
            nodes.append(set())
            continue
        ns = sorted(_op_nodes(prob, idx))
        nodes.append(set(ns))
        for b in ns[1:]:
            ra, rb = find(ns[0]), find(b)
            if ra != rb:
                parent[rb] = ra
    comps: dict[str, tuple[list[str], list[int]]] = {}
    for c in free:
        comps.setdefault(find(c), ([], []))[0].append(c)
    for idx, ns in enumerate(nodes):
        if ns:
            r = find(next(iter(ns)))
            if r in comps:
                comps[r][1].append(idx)
    return [(_order(prob, cs), ops) for cs, ops in comps.values()]


def solve(prob: Problem, budget_s: float = 0.5) -> Solution:
    """The assignment of least total cost (exact within ``budget_s`` seconds)."""
    base = {c: cs[0] for c, cs in prob.cands.items()}
    free = [c for c, cs in prob.cands.items() if len(cs) > 1]
    deadline = time.perf_counter() + budget_s
    x = dict(base)
    nodes = 0
    gap = 0.0
    optimal = True
    comps = _components(prob, free)
    for k, (comp, ops) in enumerate(comps):
        sub_budget = max(0.0, (deadline - time.perf_counter()) / (len(comps) - k))
        best, g, opt, n = _solve_component(prob, x, comp, ops, time.perf_counter() + sub_budget)
        x.update(best)
        nodes += n
        optimal &= opt
        gap += g
    cost = total_cost(prob, x)
    return Solution(x, cost, cost if optimal else max(0.0, cost - gap), optimal, nodes)


def _eliminate(prob: Problem, x0: dict[str, str], comp: list[str], ops: list[int]):
    """Exact min-sum variable elimination over the component's cost factors (one per value:
    its conversions or clones, one per shape op: its result conversion), each a table over
    the few classes it depends on (bounded by ``MAX_TABLE``, so not by the time budget).
    ``None`` when some table would exceed ``MAX_TABLE``."""
    others = {c: e for c, e in x0.items() if c not in comp}
    free = set(comp)
    users: dict[str, list[int]] = {}
    for idx in ops:
        for u in prob.mod.ops[idx].operands:
            if prob.ttype(u) is not None:
                users.setdefault(u, []).append(idx)
    deps = {idx: {n for n in _op_nodes(prob, idx) if n in free} for idx in ops}

    def closure(u: str, seen: set[int]) -> None:
        """The ops whose requirements reach ``u`` (through cheap clones)."""
        for i in users.get(u, []):
            if i not in seen:
                seen.add(i)
                if prob.kinds[i] == "cheap":
                    closure(prob.mod.ops[i].results[0], seen)

    factors = []  # (scope, table)
    for u in users:
        seen: set[int] = set()
        closure(u, seen)
        us = sorted(seen)
        scope = set().union(*(deps[i] for i in us))
        if u in prob.cls and prob.cls[u] in free:
            scope.add(prob.cls[u])
        factors.append(_table(prob, others, sorted(scope), us, {u}, set()))
    for idx in ops:
        if prob.kinds[idx] == "shape":
            factors.append(_table(prob, others, sorted(deps[idx]), [idx], set(), {idx}))
    if any(f is None for f in factors):
        return None
    order_done: list[tuple[str, tuple, dict]] = []
    remaining = set(comp)
    while remaining:
        best_v, best_size = None, None
        for v in sorted(remaining):
            scope = set().union(*(set(sc) for sc, _ in factors if v in sc)) - {v}
            size = 1
            for c in scope:
                size *= len(prob.cands[c])
            if best_size is None or size < best_size:
                best_v, best_size = v, size
        if best_size * len(prob.cands[best_v]) > MAX_TABLE:
            return None
        v = best_v
        touching = [f for f in factors if v in f[0]]
        factors = [f for f in factors if v not in f[0]]
        scope = tuple(sorted(set().union(*(set(sc) for sc, _ in touching)) - {v}))
        table, arg = {}, {}
        for combo in itertools.product(*(prob.cands[c] for c in scope)):
            env = dict(zip(scope, combo))
            best_e, best_c = None, None
            for e in prob.cands[v]:
                env[v] = e
                total = sum(tb[tuple(env[c] for c in sc)] for sc, tb in touching)
                if best_c is None or total < best_c - 1e-12:
                    best_e, best_c = e, total
            del env[v]
            table[combo], arg[combo] = best_c, best_e
        factors.append((scope, table))
        order_done.append((v, scope, arg))
        remaining.discard(v)
    x: dict[str, str] = {}
    for v, scope, arg in reversed(order_done):
        x[v] = arg[tuple(x[c] for c in scope)]
    return x


def _table(prob: Problem, others: dict, scope: list[str], ops: list[int], values: set, pre_ops: set):
    """One factor: its cost for every assignment of ``scope`` (``None`` if too large)."""
    size = 1
    for c in scope:
        size *= len(prob.cands[c])
    if size > MAX_TABLE:
        return None
    table = {}
    for combo in itertools.product(*(prob.cands[c] for c in scope)):
        x = {**others, **dict(zip(scope, combo))}
        d = derive(prob, x, ops)
        sub = Derived(
            {u: e for u, e in d.demands.items() if u in values},
            {i: p for i, p in d.pre.items() if i in pre_ops},
            {},
            cheap_conv={k: p for k, p in d.cheap_conv.items() if k[0] in values},
        )
        table[combo] = sum(t[-1] for t in cost_terms(prob, x, sub))
    return tuple(scope), table


def _solve_component(prob: Problem, x0: dict[str, str], comp: list[str], ops: list[int], deadline: float):
    """Branch and bound over one component (its ``ops`` carry all its cost); returns the best
    encodings, the gap between their cost and the proven bound, optimality, nodes."""
    others = {c: e for c, e in x0.items() if c not in comp}

    def cost_of(assign: dict[str, str]) -> float:
        return total_cost(prob, {**others, **assign}, ops)

    exact = _eliminate(prob, x0, comp, ops)
    if exact is not None:
        return exact, 0.0, True, len(comp)

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
        # any completion costs at least partial + the least increment of any one open class
        bound = max(
            [min(k[0] for k in kids)]
            + [_least(prob, assign, d, cost_of) for d in comp[i + 1 : i + 1 + LOOKAHEAD]]
        )
        if bound >= best_cost - 1e-9:
            return
        if time.perf_counter() > deadline:
            timed_out = True
            open_lb.append(bound)
            return
        for p, e in sorted(kids, key=lambda t: t[0]):
            assign[c] = e
            dfs(i + 1, assign, p)
            del assign[c]

    dfs(0, {}, base_partial)
    lb = min(open_lb) if timed_out else best_cost
    return best, best_cost - lb, not timed_out, nodes


def _least(prob: Problem, assign: dict[str, str], c: str, cost_of) -> float:
    """Least cost of ``assign`` extended by one encoding of class ``c``."""
    out = min(cost_of({**assign, c: e}) for e in prob.cands[c])
    return out


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
