"""The layout-assignment problem of one TTGIR function: classes, candidates, costs.

Every tensor value is one of

* **fixed**: a result of an op whose layouts stay as they are (loads, stores, dots, shared
  memory, TMA, scans, gathers, reorderable reshapes, ``scf.if``, any op not known here);
* **cheap**: a result of ``tt.make_range``, ``tt.splat``, a tensor ``arith.constant``, or of
  index arithmetic (integer arith, ``addptr``, ``expand_dims``, ``broadcast``, ``convert``) on
  cheap values only; it is rematerialised in whatever layout each consumer wants (one clone
  per layout, ``REMAT_PER_REGISTER`` per register, or a conversion of a clone where that
  plans cheaper), as Triton's backward rematerialisation does;
* **flexible**: a result of an elementwise op, ``expand_dims``, ``broadcast``, ``reduce``,
  ``join``, ``split``, ``trans``, a plain ``reshape``, ``convert_layout`` or an ``scf.for``
  (its iter args).
  Flexible values tied by an elementwise op (all operands and results share one encoding) or
  by a loop (init, iter arg, yield, result) form one **class**, which takes one encoding from
  its candidates: the original, the anchors' encodings and their images through the shape
  ops in both directions (``infer_encoding`` / ``infer_operand_encoding`` for views, join
  and split).

Given an encoding per class, :func:`derive` says which layout every use needs; a use whose
value lives in another layout costs one planned conversion (shared by all uses that want the
same layout, placed right after the value's definition, weighted by the trip counts of the
loops around it, ``LOOP_WEIGHT`` when not constant).  A shape op whose operand and result
disagree converts before or after it, whichever plans cheaper.  :func:`total_cost` adds it
up; the solver minimises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LayoutError
from .parse import Module, Op, TensorType

__all__ = [
    "Problem",
    "build_problem",
    "derive",
    "total_cost",
    "slice_of",
    "slice_parts",
    "LOOP_WEIGHT",
    "REMAT_PER_REGISTER",
]

#: weight of a loop body whose trip count is not a constant
LOOP_WEIGHT = 8
#: cost (in the planner's units, one warp shuffle) of recomputing one register of a cheap op
REMAT_PER_REGISTER = 0.1
#: most candidate encodings kept per class
MAX_CANDIDATES = 6

ELEMENTWISE_OPS = frozenset(
    {
        "tt.addptr",
        "tt.fp_to_fp",
        "tt.bitcast",
        "tt.int_to_ptr",
        "tt.ptr_to_int",
        "tt.precise_sqrt",
        "tt.precise_divf",
        "tt.mulhiui",
        "tt.clampf",
        "tt.approx_divf",
    }
)
CHEAP_OPS = frozenset({"tt.make_range", "tt.splat", "arith.constant"})
#: ops rematerialised like the sources when every tensor operand is cheap (index arithmetic)
CHEAP_CHAIN_OPS = frozenset(
    {
        "arith.addi",
        "arith.subi",
        "arith.muli",
        "arith.divsi",
        "arith.divui",
        "arith.remsi",
        "arith.remui",
        "arith.andi",
        "arith.ori",
        "arith.xori",
        "arith.shli",
        "arith.shrsi",
        "arith.shrui",
        "arith.cmpi",
        "arith.select",
        "arith.extsi",
        "arith.extui",
        "arith.trunci",
        "arith.minsi",
        "arith.maxsi",
        "tt.addptr",
        "tt.expand_dims",
        "tt.broadcast",
        "ttg.convert_layout",
    }
)
SHAPE_OPS = frozenset(
    {
        "tt.expand_dims",
        "tt.broadcast",
        "tt.reduce",
        "ttg.convert_layout",
        "tt.trans",
        "tt.reshape",
        "tt.join",
        "tt.split",
    }
)
#: shape ops whose operands share one encoding (a frame class) and results another
FRAME_OPS = frozenset({"tt.reduce", "tt.join", "tt.split"})
VIEW_OPS = frozenset({"tt.trans", "tt.reshape"})
_SLICE = re.compile(r"^#ttg\.slice<\{dim = (\d+), parent = (.+)\}>$", re.S)


def slice_of(axis: int, parent: str) -> str:
    """The slice encoding text of ``parent`` along ``axis``, as Triton prints it."""
    return f"#ttg.slice<{{dim = {axis}, parent = {parent}}}>"


def slice_parts(enc: str) -> tuple[int, str] | None:
    """``(dim, parent)`` of a slice encoding text, else ``None``."""
    m = _SLICE.match(enc)
    return (int(m.group(1)), m.group(2)) if m else None


def _axis(op: Op) -> int:
    """The ``axis`` attribute of an expand_dims / reduce op."""
    m = re.search(r"axis = (\d+)", op.attrs)
    if not m:
        raise LayoutError(f"ttgir: line {op.line}: op {op.name} has no axis attribute")
    return int(m.group(1))


def _view_attrs(prob: Problem, op: Op, forward: bool) -> dict:
    """Keyword attributes of a view op for ``infer_encoding`` (``forward``) or
    ``infer_operand_encoding``."""
    if op.name == "tt.trans":
        order = _order(op)
        return {"order": order}
    src, dst = prob.ttype(op.operands[0]).shape, prob.ttype(op.results[0]).shape
    return {"shape": list(dst if forward else src)}


def _order(op: Op) -> list[int]:
    """The ``order`` attribute of a ``tt.trans``."""
    m = re.search(r"order = array<i32: ([\d, ]+)>", op.attrs)
    if not m:
        raise LayoutError(f"ttgir: line {op.line}: tt.trans has no order attribute")
    return [int(v) for v in m.group(1).split(",")]


def is_elementwise(name: str) -> bool:
    """Whether ``name`` is an elementwise op (same encoding for all its tensors)."""
    if name in ELEMENTWISE_OPS:
        return True
    return (name.startswith("arith.") and name != "arith.constant") or name.startswith("math.")


@dataclass
class Problem:
    """The assignment problem: the module, the kind of every op (``kinds[i]``), the class of
    every flexible value (``cls``), candidate encodings per class (original first), and the
    loop weight of every op."""

    mod: Module
    target: object
    kinds: list[str]
    cls: dict[str, str]
    cands: dict[str, list[str]]
    weight: list[float]
    notes: list[str] = field(default_factory=list)
    _ll: dict = field(default_factory=dict)
    _conv: dict = field(default_factory=dict)
    _plans: dict = field(default_factory=dict)
    _inf: dict = field(default_factory=dict)

    def short(self, text: str) -> str:
        """``#alias`` when ``text`` is an alias's definition, else ``text``."""
        rev = self._inf.get("rev")
        if rev is None:
            rev = self._inf["rev"] = {v: f"#{k}" for k, v in self.mod.aliases.items()}
        return rev.get(text, text)

    def view_fwd(self, op: Op, enc: str) -> str | None:
        """The encoding Triton gives the result of view op ``op`` (``tt.trans``/``tt.reshape``)
        for an ``enc`` operand (``None`` where Triton refuses it)."""
        tu = self.ttype(op.operands[0])
        key = ("f", op.name, op.attrs, enc, tu.shape)
        if key not in self._inf:
            from ..kernel.infer import infer_encoding
            from ..triton.ttgir import expand_aliases

            try:
                spelled = (expand_aliases(enc, self.mod.aliases), list(tu.shape))
                self._inf[key] = self.short(infer_encoding(op.name, [spelled], **_view_attrs(self, op, True)))
            except (LayoutError, ValueError):
                self._inf[key] = None
        return self._inf[key]

    def view_back(self, op: Op, enc: str) -> str | None:
        """An operand encoding whose view ``op`` gives exactly ``enc`` (``None`` if none found)."""
        tw = self.ttype(op.results[0])
        key = ("b", op.name, op.attrs, enc, tw.shape)
        if key not in self._inf:
            from ..kernel.infer import infer_operand_encoding
            from ..triton.ttgir import expand_aliases

            try:
                spelled = (expand_aliases(enc, self.mod.aliases), list(tw.shape))
                b = self.short(infer_operand_encoding(op.name, spelled, **_view_attrs(self, op, False)))
            except (LayoutError, ValueError):
                b = None
            self._inf[key] = b if b is not None and self.view_fwd(op, b) == enc else None
        return self._inf[key]

    def frame_fwd(self, op: Op, enc: str) -> str | None:
        """The result encoding of reduce/join/split with operands in ``enc`` (``None`` if refused)."""
        if op.name == "tt.reduce":
            return slice_of(_axis(op), enc)
        tu = self.ttype(op.operands[0])
        key = ("ff", op.name, enc, tu.shape)
        if key not in self._inf:
            from ..kernel.infer import infer_encoding
            from ..triton.ttgir import expand_aliases

            try:
                spelled = (expand_aliases(enc, self.mod.aliases), list(tu.shape))
                r = infer_encoding(op.name, [spelled] * len(op.operands))
                r = r[0] if isinstance(r, tuple) else r
                self._inf[key] = self.short(r)
            except (LayoutError, ValueError):
                self._inf[key] = None
        return self._inf[key]

    def frame_back(self, op: Op, enc: str) -> str | None:
        """Operand encoding giving reduce/join/split results in ``enc`` (``None`` if none found)."""
        if op.name == "tt.reduce":
            sp = slice_parts(enc)
            return sp[1] if sp and sp[0] == _axis(op) else None
        tw = self.ttype(op.results[0])
        key = ("fb", op.name, enc, tw.shape)
        if key not in self._inf:
            from ..kernel.infer import infer_operand_encoding
            from ..triton.ttgir import expand_aliases

            try:
                spelled = (expand_aliases(enc, self.mod.aliases), list(tw.shape))
                b = self.short(infer_operand_encoding(op.name, spelled))
            except (LayoutError, ValueError):
                b = None
            self._inf[key] = b if b is not None and self.frame_fwd(op, b) == enc else None
        return self._inf[key]

    def tensor_operands(self) -> list[list[tuple[int, str]]]:
        """Per op, its ``(position, value)`` tensor operands (cached)."""
        t = self._inf.get("tens")
        if t is None:
            t = self._inf["tens"] = [
                [(k, u) for k, u in enumerate(op.operands) if self.ttype(u) is not None]
                for op in self.mod.ops
            ]
        return t

    def ttype(self, v: str) -> TensorType | None:
        """The original type of value ``v`` (``None`` for scalars)."""
        return self.mod.values.get(v)

    def kind_of(self, v: str) -> str:
        """``"fixed"``, ``"cheap"`` or ``"flex"`` for tensor value ``v``."""
        if v in self.cls:
            return "flex"
        idx = self.mod.defs.get(v)
        if idx is not None and self.kinds[idx] == "cheap":
            return "cheap"
        return "fixed"

    def value_weight(self, v: str) -> float:
        """Loop weight where ``v`` is defined (inside the loop for its iter args)."""
        idx = self.mod.defs.get(v)
        if idx is None:
            return 1.0
        op = self.mod.ops[idx]
        if op.name == "scf.for" and v in op.block_args:
            return self.weight[idx] * self._trip(idx)
        return self.weight[idx]

    def _trip(self, idx: int) -> float:
        """Weight of the body of the loop ``ops[idx]``."""
        t = self.mod.loop_trips.get(idx)
        return float(LOOP_WEIGHT if t is None else t)

    def layout(self, enc: str, shape: tuple[int, ...]):
        """The LinearLayout of encoding text ``enc`` at ``shape`` (cached; ``None`` if invalid)."""
        key = (enc, shape)
        if key not in self._ll:
            from ..triton.attrs import from_triton
            from ..triton.ttgir import expand_aliases

            try:
                self._ll[key] = from_triton(expand_aliases(enc, self.mod.aliases), list(shape))
            except (LayoutError, ValueError):
                self._ll[key] = None
        return self._ll[key]

    def valid(self, enc: str, t: TensorType) -> bool:
        """Whether ``enc`` is a distributed layout for ``t``'s shape with the module's warps."""
        ll = self.layout(enc, t.shape)
        if ll is None or "register" not in ll.in_dims:
            return False
        base = self.layout(t.enc, t.shape) if t.enc else None
        return base is None or (
            ll.in_dims.get("lane") == base.in_dims.get("lane")
            and ll.in_dims.get("warp") == base.in_dims.get("warp")
            and ll.in_dims.get("block") == base.in_dims.get("block")
        )

    def conv_cost(self, a: str, b: str, t: TensorType) -> float:
        """Planned cost of converting a ``t``-shaped tensor from encoding ``a`` to ``b``."""
        if a == b:
            return 0.0
        key = (a, b, t.shape, t.elem_bits)
        if key not in self._conv:
            self._conv[key] = self._plan_cost(key)
        return self._conv[key]

    def plan(self, a: str, b: str, t: TensorType):
        """The planned conversion (``None`` when the layouts are equal)."""
        if a == b:
            return None
        key = (a, b, t.shape, t.elem_bits)
        if key not in self._plans:
            self._plan_cost(key)
        return self._plans.get(key)

    def _plan_cost(self, key) -> float:
        """Plan one conversion and reduce it to the cost model's scalar."""
        from ..plan import plan_conversion
        from ..plan.cost import cost_model

        a, b, shape, bits = key
        la, lb = self.layout(a, shape), self.layout(b, shape)
        if la is None or lb is None:
            raise LayoutError(f"ttgir: cannot build the layouts {a!r} / {b!r} at shape {list(shape)}")
        if la == lb:
            self._plans[key] = None
            return 0.0
        plan = plan_conversion(la, lb, self.target, elem_bits=bits)
        self._plans[key] = plan
        if plan.kind in ("noop", "registers"):
            return float(plan.selects) * cost_model(plan.target).select
        return float(plan.estimated_cost)


def _classify(mod: Module) -> tuple[list[str], list[str]]:
    """Kind of every op (``cheap``/``elementwise``/``shape``/``for``/``yield``/``fixed``/``none``)."""
    kinds: list[str] = []
    notes = []
    cheap: set[str] = set()
    for op in mod.ops:
        tensors = [mod.values.get(v) for v in op.operands + op.results]
        has_tensor = any(t is not None for t in tensors)
        if op.name in ("scf.end", "scf.else"):
            kinds.append("none")
        elif op.name == "scf.for":
            kinds.append("for")
        elif op.name == "scf.yield" and op.parent is not None and mod.ops[op.parent].name == "scf.for":
            kinds.append("yield")
        elif not has_tensor:
            kinds.append("none")
        elif op.name in CHEAP_OPS and len(op.results) == 1 and mod.values.get(op.results[0]) is not None:
            kinds.append("cheap")
            cheap.add(op.results[0])
        elif _cheap_chain(mod, op, cheap):
            kinds.append("cheap")
            cheap.add(op.results[0])
        elif is_elementwise(op.name) and _uniform(mod, op):
            kinds.append("elementwise")
        elif op.name in SHAPE_OPS and _shape_ok(mod, op):
            kinds.append("shape")
        else:
            kinds.append("fixed")
            if not _known_fixed(op.name):
                notes.append(
                    f"line {op.line}: op {op.name} is not known to assign_layouts; its operands "
                    "and results keep their layouts"
                )
    return kinds, notes


def _cheap_chain(mod: Module, op: Op, cheap: set[str]) -> bool:
    """Index arithmetic, expand_dims, broadcast or convert whose tensor operands are all cheap."""
    if op.name not in CHEAP_CHAIN_OPS or len(op.results) != 1 or mod.values.get(op.results[0]) is None:
        return False
    tens = [u for u in op.operands if mod.values.get(u) is not None]
    if not tens or not all(u in cheap for u in tens):
        return False
    return _uniform(mod, op) if op.name.startswith("arith.") or op.name == "tt.addptr" else _shape_ok(mod, op)


def _known_fixed(name: str) -> bool:
    """Ops kept fixed on purpose (anchors and ops whose inference is not modelled)."""
    return name.split(".")[0] in (
        "tt",
        "ttg",
        "ttng",
        "amdg",
        "scf",
        "rocdl",
        "nvvm",
        "gpu",
    ) or is_elementwise(name)


def _uniform(mod: Module, op: Op) -> bool:
    """All tensors of ``op`` have one shape and encoding, and every result is a tensor."""
    ts = [mod.values.get(v) for v in op.operands + op.results]
    ts = [t for t in ts if t is not None]
    rs = [mod.values.get(v) for v in op.results]
    return bool(rs) and all(r is not None for r in rs) and len({(t.shape, t.enc) for t in ts}) == 1


def _shape_ok(mod: Module, op: Op) -> bool:
    """The shape op has tensor operands and results of the form this model handles."""
    ts = [mod.values.get(v) for v in op.operands]
    rs = [mod.values.get(v) for v in op.results]
    if not ts or not rs or any(t is None for t in ts + rs):
        return False
    if op.name in FRAME_OPS:
        return len({t.enc for t in ts}) == 1 and len({r.enc for r in rs}) == 1
    if op.name == "tt.reshape" and ("allow_reorder" in op.attrs or "efficient_layout" in op.attrs):
        return False  # Triton may pick its result freely (or anchors it): kept as it is
    return len(ts) == 1 and len(rs) == 1


class _UF:
    """Union-find over names."""

    def __init__(self) -> None:
        self.p: dict[str, str] = {}

    def find(self, a: str) -> str:
        self.p.setdefault(a, a)
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def frame(idx: int) -> str:
    """The class key of op ``idx``'s operand frame (elementwise ops, reduce operands)."""
    return f"@op{idx}"


def build_problem(mod: Module, target) -> Problem:
    """Classes, weights and candidate encodings for ``mod`` on ``target``."""
    kinds, notes = _classify(mod)
    uf = _UF()
    flex: set[str] = set()
    weight: list[float] = []
    for op in mod.ops:
        w = 1.0
        for lp in op.loops:
            t = mod.loop_trips.get(lp)
            w *= LOOP_WEIGHT if t is None else t
        weight.append(w)
    for idx, op in enumerate(mod.ops):
        k = kinds[idx]
        if k == "elementwise":
            f = frame(idx)
            uf.find(f)
            for r in op.results:
                flex.add(r)
                uf.union(f, r)
        elif k == "shape":
            for r in op.results:
                flex.add(r)
                uf.union(op.results[0], r)
            if op.name in FRAME_OPS:
                uf.find(frame(idx))
        elif k == "for":
            for a, r in zip(op.block_args[1:], op.results):
                if mod.values.get(r) is not None:
                    flex.update((a, r))
                    uf.union(a, r)
    for idx, op in enumerate(mod.ops):  # elementwise/reduce operands that are flexible join the frame
        if kinds[idx] == "elementwise" or (kinds[idx] == "shape" and op.name in FRAME_OPS):
            for u in op.operands:
                if u in flex:
                    uf.union(frame(idx), u)
    cls = {v: uf.find(v) for v in flex}
    frames = {
        frame(i): uf.find(frame(i))
        for i, k in enumerate(kinds)
        if k == "elementwise" or (k == "shape" and mod.ops[i].name in FRAME_OPS)
    }
    prob = Problem(mod, target, kinds, {**cls, **frames}, {}, weight, notes)
    _candidates(prob)
    return prob


def _members(prob: Problem) -> dict[str, list[TensorType]]:
    """Types of the values of every class (frames take their operands' types)."""
    out: dict[str, list[TensorType]] = {}
    for v, c in prob.cls.items():
        t = prob.ttype(v)
        if t is not None:
            out.setdefault(c, []).append(t)
    for i, k in enumerate(prob.kinds):
        if k == "shape" and prob.mod.ops[i].name in FRAME_OPS:
            out.setdefault(prob.cls[frame(i)], []).extend(
                t for t in (prob.ttype(u) for u in prob.mod.ops[i].operands) if t is not None
            )
    return out


def original(prob: Problem, c: str, members: dict[str, list[TensorType]]) -> str:
    """A class's original encoding (the first member's)."""
    return members[c][0].enc


def _candidates(prob: Problem) -> None:
    """Candidates per class: its own encoding, anchors' encodings and their images under the
    shape ops in both directions, kept where valid for every member's shape."""
    mod = prob.mod
    members = _members(prob)
    cands: dict[str, list[str]] = {c: [original(prob, c, members)] for c in members}

    def add(c: str | None, enc: str | None) -> bool:
        if c is None or enc is None or c not in cands or enc in cands[c] or len(cands[c]) >= MAX_CANDIDATES:
            return False
        if not all(prob.valid(enc, t) for t in members[c]):
            return False
        cands[c].append(enc)
        return True

    def src(u: str) -> tuple[str | None, list[str]]:
        """(class of u or None, encodings u can have)."""
        c = prob.cls.get(u)
        if c is not None:
            return c, list(cands.get(c, []))
        t = prob.ttype(u)
        return None, ([t.enc] if t is not None and prob.kind_of(u) == "fixed" else [])

    for _round in range(8):
        changed = False
        for idx, op in enumerate(mod.ops):
            k = prob.kinds[idx]
            if k == "elementwise":
                f = prob.cls[frame(idx)]
                for u in op.operands:
                    for e in src(u)[1]:
                        changed |= add(f, e)
            elif k == "shape":
                u, w = op.operands[0], op.results[0]
                cu, eu = src(u)
                cw = prob.cls[w]
                if op.name in FRAME_OPS:
                    cu = prob.cls[frame(idx)]
                    eu = list(cands[cu])
                    for uu in op.operands:
                        for e in src(uu)[1]:
                            changed |= add(cu, e)
                if op.name in ("tt.broadcast", "ttg.convert_layout"):
                    for e in eu:
                        changed |= add(cw, e)
                    for e in list(cands[cw]):
                        changed |= add(cu, e)
                elif op.name in VIEW_OPS:
                    for e in eu:
                        changed |= add(cw, prob.view_fwd(op, e))
                    for e in list(cands[cw]):
                        changed |= add(cu, prob.view_back(op, e))
                elif op.name == "tt.expand_dims":
                    ax = _axis(op)
                    for e in eu:
                        sp = slice_parts(e)
                        if sp and sp[0] == ax:
                            changed |= add(cw, sp[1])
                    for e in list(cands[cw]):
                        changed |= add(cu, slice_of(ax, e))
                else:  # reduce, join, split
                    for e in eu:
                        changed |= add(cw, prob.frame_fwd(op, e))
                    for e in list(cands[cw]):
                        changed |= add(cu, prob.frame_back(op, e))
            elif k == "for":
                for a, init in zip(op.block_args[1:], op.operands[3:]):
                    if a in prob.cls:
                        for e in src(init)[1]:
                            changed |= add(prob.cls[a], e)
            elif k == "yield":
                parent = mod.ops[op.parent]
                for a, v in zip(parent.block_args[1:], op.operands):
                    if a in prob.cls:
                        for e in src(v)[1]:
                            changed |= add(prob.cls[a], e)
                        cv = prob.cls.get(v)
                        for e in list(cands[prob.cls[a]]):
                            changed |= add(cv, e)
            elif k == "fixed":
                for u in op.operands:
                    t = prob.ttype(u)
                    if t is not None and u in prob.cls:
                        changed |= add(prob.cls[u], t.enc)
        if not changed:
            break
    prob.cands = cands


@dataclass
class Derived:
    """What an assignment implies: the layouts demanded of every value (``demands[v]``), the
    result conversions of shape ops (``(op index, pre encoding)``), and the requirement of
    each operand position (``reqs[(op index, k)]``)."""

    demands: dict[str, list[str]]
    pre: dict[int, str]
    reqs: dict[tuple[int, int], str]
    complete: bool = True
    #: (cheap value, layout) made by converting the clone in the given layout, not by a clone
    cheap_conv: dict[tuple[str, str], str] = field(default_factory=dict)


def own(prob: Problem, x: dict[str, str], v: str) -> str | None:
    """The layout value ``v`` is produced in (``None`` for cheap values and unassigned classes)."""
    k = prob.kind_of(v)
    if k == "flex":
        return x.get(prob.cls[v])
    if k == "cheap":
        return None
    t = prob.ttype(v)
    return t.enc if t is not None else None


def derive(prob: Problem, x: dict[str, str], ops: list[int] | None = None) -> Derived:
    """Requirements implied by ``x`` (class → encoding) from every op (or those in ``ops``);
    unassigned classes are skipped."""
    mod = prob.mod
    d = Derived({}, {}, {})
    tensors = prob.tensor_operands()

    def demand(idx: int, k: int, u: str, enc: str | None) -> None:
        if enc is None:
            d.complete = False
            return
        d.reqs[(idx, k)] = enc
        lst = d.demands.setdefault(u, [])
        if enc not in lst:
            lst.append(enc)

    for idx in range(len(mod.ops)) if ops is None else ops:
        op = mod.ops[idx]
        kind = prob.kinds[idx]
        if kind in ("none", "cheap"):
            continue
        tens = tensors[idx]
        if kind == "elementwise":
            enc = x.get(prob.cls[frame(idx)])
            for k, u in tens:
                demand(idx, k, u, enc)
        elif kind == "fixed":
            for k, u in tens:
                demand(idx, k, u, prob.ttype(u).enc)
        elif kind == "for":
            for j, (a, u) in enumerate(zip(op.block_args[1:], op.operands[3:])):
                if a in prob.cls:
                    demand(idx, 3 + j, u, x.get(prob.cls[a]))
        elif kind == "yield":
            parent = mod.ops[op.parent]
            for k, (a, u) in enumerate(zip(parent.block_args[1:], op.operands)):
                if a in prob.cls:
                    demand(idx, k, u, x.get(prob.cls[a]))
        else:
            _derive_shape(prob, x, idx, op, d, demand)
    _derive_cheap(prob, d, range(len(mod.ops)) if ops is None else ops)
    return d


def cheap_operand_encs(prob: Problem, idx: int, enc: str) -> list[str | None]:
    """Encodings a clone of cheap op ``idx`` in ``enc`` needs of its operands (``None``: scalar)."""
    op = prob.mod.ops[idx]
    out: list[str | None] = []
    for u in op.operands:
        tu = prob.ttype(u)
        if tu is None:
            out.append(None)
        elif op.name == "tt.expand_dims":
            tw = prob.ttype(op.results[0])
            out.append(tu.enc if enc == tw.enc else slice_of(_axis(op), enc))
        elif op.name == "tt.broadcast":
            out.append(tu.enc if enc == prob.ttype(op.results[0]).enc else enc)
        else:
            out.append(enc)
    return out


def cheap_clones(prob: Problem, v: str, encs: list[str]) -> tuple[list[str], dict[str, str]]:
    """How the layouts ``encs`` demanded of cheap value ``v`` are made: ``(clones, {layout:
    source clone})``.  The original layout (or the first demanded) is cloned; each further
    layout is cloned or converted from a clone, whichever costs less."""
    t = prob.ttype(v)
    e0 = t.enc
    order = ([e0] if e0 in encs else []) + [e for e in encs if e != e0]
    clones = order[:1]
    conv: dict[str, str] = {}
    for e in order[1:]:
        clone = _regs(prob, [e], t) * REMAT_PER_REGISTER
        src = min(clones, key=lambda p: prob.conv_cost(p, e, t))
        if prob.conv_cost(src, e, t) < clone:
            conv[e] = src
        else:
            clones.append(e)
    return clones, conv


def _derive_cheap(prob: Problem, d: Derived, ops) -> None:
    """Clones of cheap ops, last first: each layout cloned of a cheap result is demanded of
    its cheap operands in the layout that clone needs (a convert of a cheap value passes its
    layouts on to its operand)."""
    for idx in sorted(ops, reverse=True):
        op = prob.mod.ops[idx]
        if prob.kinds[idx] != "cheap":
            continue
        v = op.results[0]
        encs = list(d.demands.get(v, []))
        if op.name != "ttg.convert_layout" and encs:
            encs, conv = cheap_clones(prob, v, encs)
            for e, src in conv.items():
                d.cheap_conv[(v, e)] = src
        if not any(prob.ttype(u) is not None for u in op.operands):
            continue
        for enc in encs:
            for u, e in zip(op.operands, cheap_operand_encs(prob, idx, enc)):
                if e is not None:
                    lst = d.demands.setdefault(u, [])
                    if e not in lst:
                        lst.append(e)


def _derive_shape(prob: Problem, x, idx: int, op: Op, d: Derived, demand) -> None:
    """Requirements of a convert, broadcast, expand_dims or reduce."""
    w = op.results[0]
    tw = prob.ttype(w)
    enc_w = x.get(prob.cls[w])
    if op.name in FRAME_OPS:
        fe = x.get(prob.cls[frame(idx)])
        if fe is None or enc_w is None:
            d.complete = False
            return
        t0 = prob.ttype(op.operands[0])
        pre = tw.enc if fe == t0.enc else prob.frame_fwd(op, fe)
        if pre is None:  # Triton refuses the op in fe: run it as it was, converting around it
            fe, pre = t0.enc, tw.enc
        for k, u in enumerate(op.operands):
            demand(idx, k, u, fe)
        if pre != enc_w:
            d.pre[idx] = pre
        return
    u = op.operands[0]
    tu = prob.ttype(u)
    if enc_w is None:
        d.complete = False
        return
    if op.name == "ttg.convert_layout":
        demand(idx, 0, u, enc_w)
        return
    if op.name == "tt.broadcast":
        demand(idx, 0, u, tu.enc if enc_w == tw.enc else enc_w)
        return
    if op.name in VIEW_OPS:
        _derive_view(prob, x, idx, op, d, demand, enc_w)
        return
    ax = _axis(op)  # expand_dims
    before = tu.enc if enc_w == tw.enc else slice_of(ax, enc_w)
    ou = own(prob, x, u)
    if prob.kind_of(u) == "cheap" or ou == before:
        demand(idx, 0, u, before)
        return
    if ou is None:
        d.complete = False
        return
    sp = slice_parts(ou)
    if sp and sp[0] == ax:
        after = prob.conv_cost(sp[1], enc_w, tw)
        if after < prob.conv_cost(ou, before, tu):
            demand(idx, 0, u, ou)
            d.pre[idx] = sp[1]
            return
    demand(idx, 0, u, before)


def _derive_view(prob: Problem, x, idx: int, op: Op, d: Derived, demand, enc_w: str) -> None:
    """``tt.trans`` / ``tt.reshape``: convert the operand before (to the encoding whose view is
    the result's) or the result after, whichever the planner prices lower."""
    u, w = op.operands[0], op.results[0]
    tu, tw = prob.ttype(u), prob.ttype(w)
    before = tu.enc if enc_w == tw.enc else prob.view_back(op, enc_w)
    cheap = prob.kind_of(u) == "cheap"
    ou = (before or tu.enc) if cheap else own(prob, x, u)
    if ou is None:
        d.complete = False
        return
    after = tw.enc if ou == tu.enc else prob.view_fwd(op, ou)
    c_before = prob.conv_cost(ou, before, tu) if before is not None else None
    c_after = prob.conv_cost(after, enc_w, tw) if after is not None else None
    if after == enc_w:  # the operand as it is already gives the result's encoding
        c_before = None
    if c_before is not None and (c_after is None or c_before <= c_after):
        demand(idx, 0, u, before)
        return
    if c_after is None:  # neither side inferable: keep the original pairing
        demand(idx, 0, u, tu.enc)
        if tw.enc != enc_w:
            d.pre[idx] = tw.enc
        return
    demand(idx, 0, u, ou)
    if after != enc_w:
        d.pre[idx] = after


def cost_terms(prob: Problem, x: dict[str, str], d: Derived | None = None) -> list[tuple]:
    """Every cost of ``x``: ``("convert", value, src enc, dst enc, weight, cost)`` per
    conversion, ``("result", op index, pre, enc, weight, cost)`` per shape-op result
    conversion and ``("remat", value, n clones, weight, cost)`` per extra clone set."""
    d = derive(prob, x) if d is None else d
    out = []
    for v, encs in d.demands.items():
        t = prob.ttype(v)
        wv = prob.value_weight(v)
        if prob.kind_of(v) == "cheap":
            if prob.mod.ops[prob.mod.defs[v]].name == "ttg.convert_layout":
                continue
            clones = [e for e in encs if (v, e) not in d.cheap_conv]
            if len(clones) > 1:
                regs = _regs(prob, clones, t)
                out.append(("remat", v, len(clones), wv, (len(clones) - 1) * regs * REMAT_PER_REGISTER * wv))
            for e in encs:
                src = d.cheap_conv.get((v, e))
                if src is not None:
                    out.append(("convert", v, src, e, wv, prob.conv_cost(src, e, t) * wv))
            continue
        o = own(prob, x, v)
        if o is None:
            continue
        for e in encs:
            if e != o:
                out.append(("convert", v, o, e, wv, prob.conv_cost(o, e, t) * wv))
    for idx, pre in d.pre.items():
        for w in prob.mod.ops[idx].results:
            enc = x[prob.cls[w]]
            t = prob.ttype(w)
            out.append(
                ("result", idx, pre, enc, prob.weight[idx], prob.conv_cost(pre, enc, t) * prob.weight[idx])
            )
    return out


def _regs(prob: Problem, encs: list[str], t: TensorType) -> int:
    """Registers per thread of the largest clone."""
    best = 1
    for e in encs:
        ll = prob.layout(e, t.shape)
        if ll is not None:
            best = max(best, ll.in_dims.get("register", 1))
    return best


def total_cost(prob: Problem, x: dict[str, str], ops: list[int] | None = None) -> float:
    """Total planned cost of ``x`` (a lower bound when some classes are unassigned); with
    ``ops``, the share of those ops (exact for a component's ops, see ``solve.py``)."""
    return sum(t[-1] for t in cost_terms(prob, x, derive(prob, x, ops)))
