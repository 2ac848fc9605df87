"""Read one TTGIR module (as triton 3.9.0 prints it) into ops, values and their types.

The reader is line based, like Triton's printer: one op per line, except ops with regions
(``scf.for``: header ``... {`` / body / ``}``; ``tt.reduce``/``tt.scan``: header ``... ({`` /
combiner / ``}) : types``).  Locations (``loc(...)``) are kept verbatim but ignored.

>>> m = parse_module('''
... #b = #ttg.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
... module attributes {ttg.target = "cuda:80", "ttg.num-warps" = 4 : i32} {
...   tt.func @k() {
...     %0 = tt.make_range {end = 128 : i32, start = 0 : i32} : tensor<128xi32, #b>
...     tt.return
...   }
... }''')
>>> [(op.name, op.results) for op in m.ops], m.values["%0"].shape, m.target
([('tt.make_range', ['%0']), ('tt.return', [])], (128,), 'cuda:80')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import LayoutError

__all__ = ["TensorType", "Op", "Module", "parse_module", "split_top", "find_top"]

MAX_TEXT = 50_000_000

_RESULTS = re.compile(r"^\s*(%[\w.$-]+)(?::(\d+))?((?:\s*,\s*%[\w.$-]+)*)\s*=\s*")
_VALUE = re.compile(r"%[\w.$-]+(?:#\d+)?")
_OPNAME = re.compile(r'"([\w.]+)"|([A-Za-z_][\w]*\.[\w.]+)')
_DIMS = re.compile(r"^((?:\d+x)+)(.+)$", re.S)
_ELEM_BITS = {"i1": 8, "i8": 8, "i16": 16, "i32": 32, "i64": 64, "f16": 16, "bf16": 16, "f32": 32, "f64": 64}
_PAIRS = {"<": ">", "(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _PAIRS.items()}


@dataclass(frozen=True)
class TensorType:
    """A ranked tensor type: ``shape``, element type text ``elem`` and encoding text ``enc``
    (as written in the dump, e.g. ``#blocked`` or ``#ttg.slice<{dim = 1, parent = #blocked}>``)."""

    shape: tuple[int, ...]
    elem: str
    enc: str | None

    @property
    def elem_bits(self) -> int:
        """Bits one element occupies in registers (pointers 64, ``i1`` as a byte, fp8 8)."""
        if self.elem.startswith("!tt.ptr"):
            return 64
        if self.elem in _ELEM_BITS:
            return _ELEM_BITS[self.elem]
        if self.elem.startswith("f8") or self.elem.startswith("f4"):
            return 8
        m = re.fullmatch(r"[if](\d+)", self.elem)
        if m and int(m.group(1)) in (8, 16, 32, 64):
            return int(m.group(1))
        raise LayoutError(
            f"ttgir: element type {self.elem!r} is not supported (expected i1..i64, f16, bf16, f32, f64, fp8)"
        )

    def with_enc(self, enc: str) -> TensorType:
        """The same type in encoding ``enc``."""
        return TensorType(self.shape, self.elem, enc)

    def with_elem(self, elem: str) -> TensorType:
        """The same shape and encoding with element type ``elem``."""
        return TensorType(self.shape, elem, self.enc)

    def text(self) -> str:
        """The type as MLIR prints it."""
        dims = "".join(f"{d}x" for d in self.shape)
        return f"tensor<{dims}{self.elem}, {self.enc}>" if self.enc else f"tensor<{dims}{self.elem}>"


@dataclass
class Op:
    """One op: ``name``, ``results``/``operands`` (value names such as ``%3`` or ``%5#1``),
    ``sig`` the type list after the op's top-level `` : ``, its source ``line`` (1-based) and
    text ``head`` (and ``foot`` for reduce/scan), ``depth`` the enclosing ``scf.for`` ops."""

    name: str
    results: list[str]
    operands: list[str]
    line: int
    head: str
    sig: str = ""
    foot: str = ""
    region: list[str] = field(default_factory=list)
    loops: tuple[int, ...] = ()
    attrs: str = ""
    block_args: list[str] = field(default_factory=list)
    parent: int | None = None


@dataclass
class Module:
    """A parsed module: ``prefix``/``suffix`` lines around the function body, its ``ops``
    in order, ``values`` (name → :class:`TensorType` for tensors, ``None`` for scalars), the
    defining op index of every value, ``aliases`` (name → text) and module attributes."""

    text: str
    lines: list[str]
    ops: list[Op]
    values: dict[str, TensorType | None]
    defs: dict[str, int]
    aliases: dict[str, str]
    target: str | None
    num_warps: int | None
    body_start: int
    body_end: int
    loop_trips: dict[int, int | None] = field(default_factory=dict)


def find_top(text: str, needle: str, start: int = 0, last: bool = False) -> int:
    """Index of ``needle`` in ``text`` outside brackets and strings (-1 if absent)."""
    depth = 0
    found = -1
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            while j > 0 and text[j - 1] == "\\":
                j = text.find('"', j + 1)
            i = n if j < 0 else j + 1
            continue
        if depth == 0 and text.startswith(needle, i):
            if not last:
                return i
            found = i
            i += len(needle)
            continue
        if c in _PAIRS:
            depth += 1
        elif c in _CLOSE:
            if c == ">" and i > 0 and text[i - 1] == "-":
                i += 1
                continue
            depth -= 1
        i += 1
    return found


def split_top(text: str, sep: str = ",") -> list[str]:
    """``text`` split at top-level ``sep``, each part stripped (no empty parts)."""
    parts = []
    while True:
        k = find_top(text, sep)
        if k < 0:
            break
        parts.append(text[:k])
        text = text[k + len(sep) :]
    parts.append(text)
    return [p.strip() for p in parts if p.strip()]


def strip_loc(text: str) -> tuple[str, str]:
    """``(code, location suffix)``: the trailing top-level ``loc(...)`` split off."""
    t = text.rstrip()
    k = t.rfind(" loc(")
    while k >= 0:
        tail = t[k + 1 :]
        if tail.endswith(")") and _balanced(tail):
            return t[:k].rstrip(), text[k:]
        k = t.rfind(" loc(", 0, k)
    return t, ""


def _balanced(text: str) -> bool:
    """Whether the parentheses of ``text`` (strings skipped) close exactly at its end."""
    depth = 0
    instr = False
    for j, c in enumerate(text):
        if c == '"' and (j == 0 or text[j - 1] != "\\"):
            instr = not instr
        elif not instr and c == "(":
            depth += 1
        elif not instr and c == ")":
            depth -= 1
            if depth == 0 and j != len(text) - 1:
                return False
    return depth == 0


def parse_type(text: str, line: int) -> TensorType | None:
    """The :class:`TensorType` of ``text``, or ``None`` for a scalar / non-tensor type."""
    t = text.strip()
    if not t.startswith("tensor<"):
        return None
    if not t.endswith(">"):
        raise LayoutError(f"ttgir: line {line}: cannot read the tensor type {t!r} (unclosed '<')")
    parts = split_top(t[len("tensor<") : -1], ",")
    m = _DIMS.match(parts[0]) if parts else None
    if not m or len(parts) > 2:
        raise LayoutError(
            f"ttgir: line {line}: cannot read the tensor type {t!r} (dynamic or malformed shape)"
        )
    shape = tuple(int(x) for x in m.group(1)[:-1].split("x"))
    enc = parts[1] if len(parts) == 2 else None
    return TensorType(shape, m.group(2).strip(), enc)


def sig_types(sig: str) -> tuple[list[str], list[str]]:
    """``(before, after)`` type lists of a signature split at ``->`` or `` to ``
    (``after`` empty when there is no arrow)."""
    for sep in ("->", " to "):
        k = find_top(sig, sep)
        if k >= 0:
            return _types(sig[:k]), _types(sig[k + len(sep) :])
    return _types(sig), []


def _types(text: str) -> list[str]:
    """A comma list of types, parentheses around it dropped; ``*`` separates dot operands."""
    t = text.strip()
    if t.startswith("(") and t.endswith(")") and find_top(t[1:-1], ")") < 0:
        t = t[1:-1]
    out = []
    for part in split_top(t, ","):
        out.extend(split_top(part, " * "))
    return out


def _op_name(rest: str, line: int) -> tuple[str, str]:
    """``(op name, text after it)`` at the start of ``rest``."""
    m = _OPNAME.match(rest)
    if not m:
        raise LayoutError(f"ttgir: line {line}: expected an op name, got {rest[:40]!r}")
    return (m.group(1) or m.group(2)), rest[m.end() :]


def _result_names(base: str, count: int) -> list[str]:
    """``%x`` for one result, ``%x#0 … %x#(n-1)`` for ``%x:n``."""
    return [base] if count == 1 else [f"{base}#{i}" for i in range(count)]


def parse_module(text: str) -> Module:
    """Parse ``text`` (one module with one ``tt.func``) into a :class:`Module`.

    Malformed text raises :class:`LayoutError` naming the line."""
    from ..triton.ttgir import find_aliases

    if not isinstance(text, str):
        raise LayoutError(f"ttgir: expected the module text as a str, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise LayoutError(f"ttgir: {len(text)} characters exceed the {MAX_TEXT} this reader accepts")
    aliases = find_aliases(text)
    lines = text.split("\n")
    tm = re.search(r'ttg\.target\s*=\s*"([^"]+)"', text)
    wm = re.search(r'"ttg\.num-warps"\s*=\s*(\d+)', text)
    fstart = next((i for i, ln in enumerate(lines) if re.match(r"\s*tt\.func\b", ln)), None)
    if fstart is None:
        raise LayoutError("ttgir: no tt.func found; pass a whole module as triton prints it")
    if sum(1 for ln in lines if re.match(r"\s*tt\.func\b", ln)) > 1:
        raise LayoutError("ttgir: more than one tt.func; assign_layouts reads modules with one function")
    values: dict[str, TensorType | None] = {}
    head = lines[fstart]
    for m in re.finditer(r"(%[\w.$-]+)\s*:\s*", head):
        end = find_top(head[m.end() :] + ",", ",")
        tt = head[m.end() : m.end() + end]
        tt = strip_loc(tt)[0].split(" {")[0]
        values[m.group(1)] = parse_type(tt, fstart + 1)
    lines = _uniquify(lines, fstart + 1, set(values), text)
    mod = Module(
        text,
        lines,
        [],
        values,
        {},
        aliases,
        tm.group(1) if tm else None,
        int(wm.group(1)) if wm else None,
        fstart + 1,
        len(lines),
    )
    _parse_body(mod, fstart + 1)
    _check_defined(mod)
    return mod


def _uniquify(lines: list[str], start: int, args: set[str], text: str) -> list[str]:
    """The body with every name that MLIR reuses in a later, non-nested region (say a loop's
    induction variable and a value after the loop) renamed ``%name_uN`` there, so each value
    has one name in the whole function."""
    out = list(lines)
    seen = set(args)
    scopes: list[dict[str, str]] = [{}]
    in_region = False
    counter = [0]

    def fresh(name: str) -> str:
        while True:
            counter[0] += 1
            new = f"{name}_u{counter[0]}"
            if new not in seen and new not in text:
                return new

    def define(name: str, scope: dict[str, str], line: int) -> str:
        if any(name in sc for sc in scopes) or (name in args and name in seen):
            raise LayoutError(f"ttgir: line {line}: {name} is defined a second time in the same region")
        new = fresh(name) if name in seen else name
        seen.update((name, new))
        scope[name] = new
        return new

    def resolve(name: str) -> str:
        for sc in reversed(scopes):
            if name in sc:
                return sc[name]
        return name

    for i in range(start, len(lines)):
        code, loc = strip_loc(lines[i])
        s = code.strip()
        if in_region:
            in_region = not s.startswith("})")
            continue
        if s.startswith("}"):
            if s == "} else {":
                scopes[-1] = {}
            elif len(scopes) == 1:
                break
            else:
                scopes.pop()
            continue
        m = _RESULTS.match(code)
        new_code = []
        pos = 0
        if m:
            lhs = code[: m.end()]
            new_code.append(re.sub(r"%[\w.$-]+", lambda t, ln=i + 1: define(t.group(), scopes[-1], ln), lhs))
            pos = m.end()
        opens = s.endswith("{") and not s.endswith("({")
        inner: dict[str, str] = {}
        rest = code[pos:]
        pieces = []
        last = 0
        for t in re.finditer(r"%[\w.$-]+", rest):
            name = t.group()
            after = rest[t.end() :].lstrip()
            is_def = opens and after.startswith("=") and not after.startswith("==")
            pieces.append(rest[last : t.start()])
            pieces.append(define(name, inner, i + 1) if is_def else resolve(name))
            last = t.end()
        pieces.append(rest[last:])
        new_code.append("".join(pieces))
        joined = "".join(new_code)
        if joined != code:
            out[i] = joined + ((" " + loc.strip()) if loc else "")
        if s.endswith("({"):
            in_region = True
        elif opens:
            scopes.append(inner)
    return out


def _check_defined(mod: Module) -> None:
    """Every operand is a function argument or defined by an earlier op (else LayoutError)."""
    seen = {v for v in mod.values if v not in mod.defs}
    for op in mod.ops:
        seen.update(op.block_args)
        for u in op.operands:
            if u not in seen:
                raise LayoutError(
                    f"ttgir: line {op.line}: op {op.name} uses {u}, which is not defined before it"
                )
        for r in op.results:
            if r in seen:
                raise LayoutError(f"ttgir: line {op.line}: op {op.name} defines {r} a second time")
            seen.add(r)


def _parse_body(mod: Module, start: int) -> None:
    """Fill ``mod.ops`` from the function body starting at line index ``start``."""
    lines = mod.lines
    loops: list[int] = []
    regions: list[int] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        code, _loc = strip_loc(raw)
        s = code.strip()
        if not s or s.startswith("//"):
            i += 1
            continue
        if s.startswith("}"):
            if s == "} else {" and regions and mod.ops[regions[-1]].name == "scf.if":
                mod.ops.append(Op("scf.else", [], [], i + 1, raw, loops=tuple(loops), parent=regions[-1]))
                i += 1
                continue
            if s != "}":
                raise LayoutError(f"ttgir: line {i + 1}: unexpected {s[:40]!r} (scf.while is not supported)")
            if regions:
                idx = regions.pop()
                mod.ops.append(Op("scf.end", [], [], i + 1, raw, loops=tuple(loops), parent=idx))
                if mod.ops[idx].name == "scf.for":
                    loops.pop()
                i += 1
                continue
            mod.body_end = i  # the tt.func's closing brace
            return
        op, i = _parse_op(mod, i, tuple(loops))
        op.parent = regions[-1] if regions else None
        mod.ops.append(op)
        idx = len(mod.ops) - 1
        for r in op.results:
            mod.defs[r] = idx
        for b in op.block_args:
            mod.defs[b] = idx
        if op.name == "scf.for":
            loops.append(idx)
            regions.append(idx)
        elif op.name == "scf.if":
            regions.append(idx)
    raise LayoutError("ttgir: the function body is not closed with '}'")


def _parse_op(mod: Module, i: int, loops: tuple[int, ...]) -> tuple[Op, int]:
    """Parse the op starting at line index ``i``; returns it and the next line index."""
    raw = mod.lines[i]
    code, _ = strip_loc(raw)
    line = i + 1
    m = _RESULTS.match(code)
    base, count = (m.group(1), int(m.group(2) or 1)) if m else (None, 0)
    rest = code[m.end() :] if m else code.lstrip()
    name, after = _op_name(rest, line)
    results = _result_names(base, count) if base else []
    if m and m.group(3):  # ``%a, %b = op …``: one name per result
        results = [base] + re.findall(r"%[\w.$-]+", m.group(3))
    if name in ("tt.reduce", "tt.scan") or code.rstrip().endswith("({"):
        return _parse_region_op(mod, i, name, results, after, loops)
    if name == "scf.for":
        return _parse_for(mod, i, results, after, loops), i + 1
    if name == "scf.if":
        return _parse_if(mod, i, results, after, loops), i + 1
    if code.rstrip().endswith("{"):
        raise LayoutError(
            f"ttgir: line {line}: op {name} has a region; only scf.for, scf.if, tt.reduce and "
            "tt.scan are read"
        )
    if not _brackets_ok(after):
        raise LayoutError(f"ttgir: line {line}: op {name}: unbalanced brackets")
    k = find_top(after, " : ", last=True)
    pre, sig = (after, after[k + 3 :].strip()) if k >= 0 else (after, "")
    if k >= 0:
        pre = after[:k]
    operands = _VALUE.findall(_blank_attrs(pre))
    op = Op(name, results, operands, line, raw, sig=sig, loops=loops, attrs=pre)
    _type_results(mod, op)
    return op, i + 1


def _brackets_ok(text: str) -> bool:
    """Whether every ``<([{`` of ``text`` (outside strings, ``->`` aside) closes in order."""
    stack: list[str] = []
    instr = False
    for j, c in enumerate(text):
        if c == '"' and (j == 0 or text[j - 1] != "\\"):
            instr = not instr
        elif instr:
            continue
        elif c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in _CLOSE:
            if c == ">" and j > 0 and text[j - 1] == "-":
                continue
            if not stack or stack.pop() != c:
                return False
    return not stack and not instr


def _blank_attrs(text: str) -> str:
    """``text`` with ``{...}``/``<{...}>`` attribute dicts and strings removed (no values in them)."""
    out = []
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0:
            out.append(c)
    return "".join(out)


def _parse_for(mod: Module, i: int, results: list[str], after: str, loops: tuple[int, ...]) -> Op:
    """``scf.for %iv = %lb to %ub step %s iter_args(%a = %x, ...) -> (T, ...) : i32 {``."""
    code, _ = strip_loc(mod.lines[i])
    line = i + 1
    m = re.match(r"\s*(%[\w.$-]+)\s*=\s*(%[\w.$-]+)\s+to\s+(%[\w.$-]+)\s+step\s+(%[\w.$-]+)\s*", after)
    if not m:
        raise LayoutError(f"ttgir: line {line}: cannot read the scf.for header")
    iv, lb, ub, st = m.groups()
    rest = after[m.end() :]
    args: list[str] = [iv]
    inits: list[str] = []
    types: list[str] = []
    if rest.startswith("iter_args("):
        inner = rest[len("iter_args(") : _match(rest, len("iter_args"))]
        for pair in split_top(inner, ","):
            a, _, v = pair.partition("=")
            args.append(a.strip())
            inits.append(v.strip())
        tail = rest[_match(rest, len("iter_args")) + 1 :]
        ar = find_top(tail, "->")
        if ar >= 0:
            colon = find_top(tail, " : ", ar)
            types = _types(tail[ar + 2 : colon])
    if len(types) != len(inits) or len(results) != len(inits):
        raise LayoutError(
            f"ttgir: line {line}: scf.for has {len(inits)} iter_args, {len(types)} types, "
            f"{len(results)} results"
        )
    for a, r, t in zip(args[1:], results, types):
        tt = parse_type(t, line)
        mod.values[a] = tt
        mod.values[r] = tt
    mod.values[iv] = None
    op = Op(
        "scf.for",
        results,
        [lb, ub, st] + inits,
        line,
        mod.lines[i],
        sig=", ".join(types),
        loops=loops,
        block_args=args,
    )
    mod.loop_trips[len(mod.ops)] = _trip_count(mod, lb, ub, st)
    return op


def _parse_if(mod: Module, i: int, results: list[str], after: str, loops: tuple[int, ...]) -> Op:
    """``%r = scf.if %c -> (T, ...) {``: its results keep their types (a fixed op)."""
    code, _ = strip_loc(mod.lines[i])
    body = after.rstrip()[:-1]
    ar = find_top(body, "->")
    types = _types(body[ar + 2 :]) if ar >= 0 else []
    if len(types) != len(results):
        raise LayoutError(f"ttgir: line {i + 1}: scf.if has {len(results)} results but {len(types)} types")
    for r, t in zip(results, types):
        mod.values[r] = parse_type(t, i + 1)
    cond = _VALUE.findall(body[:ar] if ar >= 0 else body)
    return Op("scf.if", results, cond, i + 1, mod.lines[i], sig=", ".join(types), loops=loops)


def _match(text: str, k: int) -> int:
    """Index of the bracket closing the one at ``text[k]``."""
    depth = 0
    for j in range(k, len(text)):
        if text[j] in _PAIRS:
            depth += 1
        elif text[j] in _CLOSE:
            depth -= 1
            if depth == 0:
                return j
    raise LayoutError(f"ttgir: unbalanced brackets in {text[:60]!r}")


def _const_int(mod: Module, name: str) -> int | None:
    """The value of ``name`` if an ``arith.constant N : i32/i64`` defines it."""
    idx = mod.defs.get(name)
    if idx is None:
        return None
    op = mod.ops[idx]
    if op.name != "arith.constant":
        return None
    m = re.match(r"\s*(-?\d+)\s*$", op.attrs)
    return int(m.group(1)) if m else None


def _trip_count(mod: Module, lb: str, ub: str, st: str) -> int | None:
    """Trip count of a loop with constant bounds, else ``None``."""
    a, b, s = (_const_int(mod, x) for x in (lb, ub, st))
    if a is None or b is None or not s or s <= 0:
        return None
    return max(0, -(-(b - a) // s))


def _parse_region_op(mod: Module, i: int, name: str, results: list[str], after: str, loops: tuple[int, ...]):
    """``"tt.reduce"(%x) <{axis = 1 : i32}> ({`` … ``}) : (T) -> R`` (also tt.scan)."""
    line = i + 1
    region = []
    j = i + 1
    while j < len(mod.lines):
        code, _ = strip_loc(mod.lines[j])
        if code.strip().startswith("})"):
            break
        region.append(mod.lines[j])
        j += 1
    else:
        raise LayoutError(f"ttgir: line {line}: region of {name} is not closed")
    foot = mod.lines[j]
    fcode, _ = strip_loc(foot)
    k = find_top(fcode.strip()[2:], " : ")
    sig = fcode.strip()[2:][k + 3 :].strip() if k >= 0 else ""
    k2 = after.find("(")
    operands = _VALUE.findall(after[k2 : _match(after, k2) + 1]) if k2 >= 0 else []
    op = Op(
        name,
        results,
        operands,
        line,
        mod.lines[i],
        sig=sig,
        foot=foot,
        region=region,
        loops=loops,
        attrs=after,
    )
    _type_results(mod, op)
    return op, j + 1


def _type_results(mod: Module, op: Op) -> None:
    """Record the types of ``op``'s results in ``mod.values`` from its signature."""
    if not op.results:
        return
    before, after = sig_types(op.sig)
    line = op.line
    if not op.sig:
        for r in op.results:
            mod.values[r] = None  # e.g. ``arith.constant false``
        return
    if after:
        types = after
    elif op.name == "tt.load":
        pt = parse_type(before[0], line) if before else None
        if pt is None:
            types = [before[0]] if before else []
        else:
            m = re.fullmatch(r"!tt\.ptr<(.+?)(?:,\s*\d+)?>", pt.elem)
            if not m:
                raise LayoutError(f"ttgir: line {line}: tt.load of a non-pointer tensor {pt.text()}")
            mod.values[op.results[0]] = pt.with_elem(m.group(1))
            return
    elif op.name in ("arith.cmpi", "arith.cmpf"):
        t = parse_type(before[0], line) if before else None
        mod.values[op.results[0]] = t.with_elem("i1") if t else None
        return
    elif op.name == "tt.addptr":
        types = before[:1]
    else:
        types = before[-len(op.results) :] if before else []
    if len(types) == 1 and len(op.results) > 1:
        types = types * len(op.results)  # ``tt.split``: one type for both results
    if len(types) != len(op.results):
        if any("tensor<" in t for t in types) or not types:
            raise LayoutError(
                f"ttgir: line {line}: op {op.name}: cannot tell the types of its "
                f"{len(op.results)} result(s) from {op.sig!r}"
            )
    for r, t in zip(op.results, types):
        mod.values[r] = parse_type(t, line)
