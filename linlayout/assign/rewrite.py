"""Rewrite a module under an assignment: same ops, new encodings, ``ttg.convert_layout``s.

Every value lives in one layout (its class's, or its original one for fixed values); each
other layout some use needs is made once, right after the value's definition, by a convert
(or, for a cheap op, by a clone of the op in that layout).  The dump's own converts become
renamings (and vanish when the layouts agree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import LayoutError
from .model import Problem, cheap_operand_encs, derive, own, slice_parts
from .parse import _VALUE, find_top, parse_type, split_top, strip_loc

__all__ = ["Conversion", "rewrite"]


@dataclass
class Conversion:
    """One conversion of the rewritten module: the value converted (its name there), source and
    destination encodings, tensor type text, loop ``weight``, planned ``cost`` (already
    weighted) and the ``plan`` (a :class:`linlayout.plan.ConversionPlan`)."""

    value: str
    src: str
    dst: str
    type: str
    weight: float
    cost: float
    plan: object

    def __repr__(self) -> str:
        kind = self.plan.kind if self.plan is not None else "noop"
        return f"Conversion({self.value}: {self.src} -> {self.dst}, {kind}, cost {self.cost:.1f})"


def _tensor_spans(text: str) -> list[tuple[int, int]]:
    """Spans of every ``tensor<...>`` type in ``text``, in order."""
    spans = []
    i = 0
    while True:
        k = text.find("tensor<", i)
        if k < 0:
            return spans
        depth = 0
        j = k + len("tensor")
        while j < len(text):
            c = text[j]
            if c == "<":
                depth += 1
            elif c == ">" and text[j - 1] != "-":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        spans.append((k, j + 1))
        i = j + 1


def retype(text: str, encs: list[str | None], line: int) -> str:
    """``text`` with the k-th tensor type's encoding replaced by ``encs[k]`` (``None`` keeps it)."""
    spans = _tensor_spans(text)
    if len(spans) != len(encs):
        raise LayoutError(
            f"ttgir: line {line}: expected {len(encs)} tensor types in {text.strip()[:80]!r}, "
            f"found {len(spans)}"
        )
    out = []
    last = 0
    for (a, b), e in zip(spans, encs):
        out.append(text[last:a])
        t = parse_type(text[a:b], line)
        out.append(text[a:b] if e is None or t is None else t.with_enc(e).text())
        last = b
    out.append(text[last:])
    return "".join(out)


def _rename_operands(text: str, new: list[str], line: int) -> str:
    """Replace the value tokens of ``text`` outside ``{...}``, in order, by ``new``."""
    out = []
    depth = 0
    k = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "%" and depth == 0:
            m = _VALUE.match(text, i)
            if m:
                if k >= len(new):
                    raise LayoutError(f"ttgir: line {line}: more operands than expected")
                out.append(new[k])
                k += 1
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


class _Writer:
    """Builds the rewritten body line by line."""

    def __init__(self, prob: Problem, x: dict[str, str]) -> None:
        self.prob, self.x = prob, x
        self.d = derive(prob, x)
        self.base: dict[str, str] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.out: list[str] = []
        self.convs: list[Conversion] = []
        self.n = 0
        self.used = set(prob.mod.values) | set(prob.mod.defs)

    def fresh(self, hint: str) -> str:
        """A new value name not used in the module."""
        stem = re.sub(r"[^\w]", "_", hint.lstrip("%"))
        while True:
            self.n += 1
            name = f"%ll{self.n}_{stem}"
            if name not in self.used:
                self.used.add(name)
                return name

    def name(self, v: str, enc: str | None) -> str:
        """The name of value ``v`` in encoding ``enc``."""
        if enc is None or self.prob.ttype(v) is None:
            return self.base.get(v, v)
        key = (v, enc)
        if key in self.names:
            return self.names[key]
        if self.prob.kind_of(v) != "cheap" and enc == own(self.prob, self.x, v):
            return self.base.get(v, v)
        raise LayoutError(f"ttgir: internal: {v} is not available in {enc}")

    def emit_converts(self, v: str, indent: str) -> None:
        """Converts of ``v`` to every other layout its uses demand."""
        prob = self.prob
        if prob.ttype(v) is None or prob.kind_of(v) == "cheap":
            return
        o = own(prob, self.x, v)
        t = prob.ttype(v)
        for enc in self.d.demands.get(v, []):
            if enc == o or (v, enc) in self.names:
                continue
            nm = self.fresh(v)
            self.names[(v, enc)] = nm
            self.add_convert(nm, self.base.get(v, v), o, enc, t, prob.value_weight(v), indent)

    def add_convert(self, nm: str, src: str, a: str, b: str, t, weight: float, indent: str) -> None:
        """Emit ``nm = convert_layout src`` and record its cost."""
        prob = self.prob
        self.out.append(
            f"{indent}{nm} = ttg.convert_layout {src} : {t.with_enc(a).text()} -> {t.with_enc(b).text()}"
        )
        self.convs.append(
            Conversion(
                nm, a, b, t.with_enc(b).text(), weight, prob.conv_cost(a, b, t) * weight, prob.plan(a, b, t)
            )
        )


def rewrite(prob: Problem, x: dict[str, str]) -> tuple[str, list[Conversion]]:
    """The module text under ``x`` and its conversions."""
    w = _Writer(prob, x)
    mod = prob.mod
    if not w.d.complete:
        raise LayoutError("assignment: some class has no encoding")
    for idx, op in enumerate(mod.ops):
        _emit_op(w, idx, op)
    head, body = mod.lines[: mod.body_start], w.out
    head, body = _new_aliases(prob, head, body, w)
    lines = head + body + mod.lines[mod.body_end :]
    return "\n".join(lines), w.convs


def _inline_attrs(enc: str) -> list[str]:
    """The non-slice attributes written inline in encoding text ``enc`` (not alias references)."""
    sp = slice_parts(enc)
    if sp is not None:
        return _inline_attrs(sp[1])
    return [] if re.fullmatch(r"#[\w$.-]+", enc) else [enc]


def _new_aliases(prob: Problem, head: list[str], body: list[str], w: _Writer):
    """Give every new inline encoding (e.g. a ``#ttg.linear`` from a view's inference, never
    written in the dump) an ``#alias`` line, as Triton prints modules, and use it in the body."""
    used = set(w.x.values()) | set(w.d.pre.values())
    for encs in w.d.demands.values():
        used.update(encs)
    found: list[str] = []
    for enc in sorted(e for e in used if e):
        for a in _inline_attrs(enc):
            if a not in found and a not in prob.mod.text and any(a in ln for ln in body):
                found.append(a)
    if not found:
        return head, body
    taken = set(prob.mod.aliases)
    defs = []
    for a in sorted(found, key=len, reverse=True):  # longest first: no alias text inside another
        m = re.match(r"#\w+\.(\w+)<", a)
        stem = (m.group(1) if m else "enc") + "_ll"
        k = 0
        while f"{stem}{k}" in taken:
            k += 1
        name = f"{stem}{k}"
        taken.add(name)
        defs.append(f"#{name} = {a}")
        body = [ln.replace(a, f"#{name}") for ln in body]
    last = max((i for i, ln in enumerate(head) if re.match(r"#(?!loc)[\w$.-]+ = #", ln)), default=-1)
    return head[: last + 1] + defs + head[last + 1 :], body


def _indent(line: str) -> str:
    """Leading whitespace of ``line``."""
    return line[: len(line) - len(line.lstrip())]


def _split_head(code: str) -> tuple[str, str]:
    """``(results part 'x = ', rest)`` of an op's code."""
    m = re.match(r"^(\s*%[\w.$-]+(?::\d+)?(?:\s*,\s*%[\w.$-]+)*\s*=\s*)", code)
    return (m.group(1), code[m.end() :]) if m else (_indent(code), code.lstrip())


def _emit_op(w: _Writer, idx: int, op) -> None:
    """Emit op ``idx`` (and the converts of its results) under the assignment."""
    prob, x, d = w.prob, w.x, w.d
    kind = prob.kinds[idx]
    ind = _indent(op.head)
    if kind == "none":
        w.out.append(op.head)
        if op.name == "scf.end" and mod_op(prob, op.parent).name in ("scf.for", "scf.if"):
            for r in mod_op(prob, op.parent).results:  # after the region, where the results exist
                w.emit_converts(r, _indent(mod_op(prob, op.parent).head))
        return
    code, loc = strip_loc(op.head)
    loc = (" " + loc.strip()) if loc else ""
    if kind == "cheap":
        _emit_cheap(w, idx, op, code, loc, ind)
        return
    reqs = [d.reqs.get((idx, k)) for k in range(len(op.operands))]
    new_ops = [
        w.name(u, r) if prob.ttype(u) is not None else w.base.get(u, u) for u, r in zip(op.operands, reqs)
    ]
    if kind == "for":
        _emit_for(w, idx, op, code, loc, new_ops)
        return
    if kind == "shape" and op.name == "ttg.convert_layout":
        wv = op.results[0]
        w.base[wv] = new_ops[0]
        w.emit_converts(wv, ind)
        return
    lhs, rest = _split_head(code)
    pre = d.pre.get(idx)
    if pre is not None:
        base = w.fresh(op.results[0].split("#")[0])
        lhs = f"{ind}{base}{':' + str(len(op.results)) if len(op.results) > 1 else ''} = "
    if op.name in ("tt.reduce", "tt.scan") and op.foot:
        k = rest.find("(")
        rest = rest[:k] + _rename_operands(rest[k:], new_ops, op.line)
        w.out.append(f"{lhs}{rest}{loc}")
        w.out.extend(op.region)
        fcode, floc = strip_loc(op.foot)
        if kind == "shape":
            fe = x[prob.cls[f"@op{idx}"]]
            res = pre if pre is not None else x[prob.cls[op.results[0]]]
            fcode = retype(fcode, [fe] * len(op.operands) + [res] * len(op.results), op.line)
        w.out.append(fcode + ((" " + floc.strip()) if floc else ""))
    else:
        k = _sig_start(rest)
        body, sig = rest[:k], rest[k:]
        body = _rename_operands(body, new_ops, op.line) if new_ops else body
        sig = _retype_op(prob, x, idx, op, sig, reqs, pre)
        w.out.append(f"{lhs}{body}{sig}{loc}")
    if pre is not None:
        for j, r in enumerate(op.results):
            src = f"{base}#{j}" if len(op.results) > 1 else base
            nm = w.fresh(r)
            t = prob.ttype(r)
            w.add_convert(nm, src, pre, x[prob.cls[r]], t, prob.weight[idx], ind)
            w.base[r] = nm
    if op.name != "scf.if":  # an scf.if's results exist only after its region (see scf.end)
        for r in op.results:
            w.emit_converts(r, ind)


def _emit_cheap(w: _Writer, idx: int, op, code: str, loc: str, ind: str) -> None:
    """One clone of a cheap op per layout its uses demand (a convert of a cheap value is a
    renaming: the clone of its operand in that layout)."""
    prob = w.prob
    v = op.results[0]
    t0 = prob.ttype(v)
    later = []
    for enc in w.d.demands.get(v, []):
        if (v, enc) in w.d.cheap_conv:
            later.append(enc)
            continue
        reqs = cheap_operand_encs(prob, idx, enc)
        names = [w.name(u, e) for u, e in zip(op.operands, reqs)]
        if op.name == "ttg.convert_layout":
            w.names[(v, enc)] = names[0]
            continue
        nm = v if enc == t0.enc else w.fresh(v)
        w.names[(v, enc)] = nm
        _lhs, rest = _split_head(code)
        k = _sig_start(rest)
        body, sig = rest[:k], rest[k:]
        if names:
            body = _rename_operands(body, names, op.line)
        n = len(_tensor_spans(sig))
        if op.name in ("tt.expand_dims", "tt.broadcast"):
            encs = [reqs[0], enc]
        else:
            encs = [enc] * n
        w.out.append(f"{ind}{nm} = {body}{retype(sig, encs, op.line)}{loc}")
    for enc in later:  # converted from a clone where that plans cheaper than another clone
        src = w.d.cheap_conv[(v, enc)]
        nm = w.fresh(v)
        w.names[(v, enc)] = nm
        w.add_convert(nm, w.names[(v, src)], src, enc, t0, prob.value_weight(v), ind)


def mod_op(prob: Problem, idx: int):
    """The op at index ``idx``."""
    return prob.mod.ops[idx]


def _sig_start(rest: str) -> int:
    """Index of the op's top-level `` : `` (the length of ``rest`` when absent)."""
    k = find_top(rest, " : ", last=True)
    return len(rest) if k < 0 else k


def _retype_op(prob: Problem, x: dict[str, str], idx: int, op, sig: str, reqs, pre) -> str:
    """The signature of a non-fixed op under the assignment."""
    kind = prob.kinds[idx]
    n = len(_tensor_spans(sig))
    if kind == "fixed" or n == 0:
        return sig
    if kind == "elementwise":
        return retype(sig, [x[prob.cls[f"@op{idx}"]]] * n, op.line)
    if kind == "yield":
        encs = [r for u, r in zip(op.operands, reqs) if prob.ttype(u) is not None]
        return retype(sig, [e for e in encs], op.line)
    # broadcast / expand_dims: operand then result
    res = pre if pre is not None else x[prob.cls[op.results[0]]]
    return retype(sig, [reqs[0], res], op.line)


def _emit_for(w: _Writer, idx: int, op, code: str, loc: str, new_ops: list[str]) -> None:
    """The scf.for header with renamed inits and new iter-arg types, then the iter args' converts."""
    prob, x = w.prob, w.x
    k = code.find("iter_args(")
    if k >= 0:
        inner_start = k + len("iter_args(")
        depth, j = 1, inner_start
        while depth:
            depth += {"(": 1, ")": -1}.get(code[j], 0)
            j += 1
        inner = code[inner_start : j - 1]
        pairs = []
        for pair, nm in zip(split_top(inner, ","), new_ops[3:]):
            a = pair.partition("=")[0].strip()
            pairs.append(f"{a} = {nm}")
        tail = code[j:]
        encs = [
            x.get(prob.cls[a]) if a in prob.cls else None
            for a in op.block_args[1:]
            if prob.ttype(a) is not None
        ]
        tail = retype(tail, encs, op.line) if _tensor_spans(tail) else tail
        code = code[:inner_start] + ", ".join(pairs) + ")" + tail
    w.out.append(code + loc)
    body_ind = _indent(op.head) + "  "
    for a in op.block_args[1:]:
        w.emit_converts(a, body_ind)
