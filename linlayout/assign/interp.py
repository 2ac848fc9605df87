"""A numpy interpreter for the TTGIR subset assign_layouts reads: each value is a full tensor
(its layout only checked, never used), so a layout rewrite must leave every stored byte equal.
Covers arith/math, pointers, loads/stores (``amdg.buffer_load`` too), shape ops, reductions and
scans, ``tt.dot``/``warp_group_dot``, shared memory (``local_alloc/store/load``,
``memdesc_index``), ``scf.for`` and ``scf.if``; not tensor memory (``ttng.tmem_*``).

Pointers are int64 ``buffer << 40 | element offset``; a load reads a deterministic distinct
value per (buffer, offset); ``run`` returns every store as ``{(buffer, offset): value}``.

>>> text = open("tests/data/assign_transpose_add@cuda_80.ttgir").read()
>>> out = run(text)
>>> len(out)
4096
"""

from __future__ import annotations

import re

from ..errors import LayoutError
from .parse import Module, Op, TensorType, parse_module, sig_types

__all__ = ["run"]

_SHIFT = 40
_NP = {
    "f16": "float16",
    "bf16": "float32",
    "f32": "float32",
    "f64": "float64",
    "i1": "bool",
    "i8": "int8",
    "i16": "int16",
    "i32": "int32",
    "i64": "int64",
}
_BIN = {
    "arith.addi": "add",
    "arith.subi": "subtract",
    "arith.muli": "multiply",
    "arith.addf": "add",
    "arith.subf": "subtract",
    "arith.mulf": "multiply",
    "arith.divf": "divide",
    "arith.andi": "bitwise_and",
    "arith.ori": "bitwise_or",
    "arith.xori": "bitwise_xor",
    "arith.maxnumf": "fmax",
    "arith.minnumf": "fmin",
    "arith.maximumf": "maximum",
    "arith.minimumf": "minimum",
    "arith.maxsi": "maximum",
    "arith.minsi": "minimum",
    "tt.approx_divf": "divide",
}
_UN = {
    "math.exp": "exp",
    "math.exp2": "exp2",
    "math.sqrt": "sqrt",
    "math.log": "log",
    "math.log2": "log2",
    "math.absf": "abs",
    "arith.negf": "negative",
    "tt.precise_sqrt": "sqrt",
    "math.sin": "sin",
    "math.cos": "cos",
}
_CMP = {
    "eq": "equal",
    "ne": "not_equal",
    "slt": "less",
    "sle": "less_equal",
    "sgt": "greater",
    "sge": "greater_equal",
    "ult": "less",
    "ule": "less_equal",
    "ugt": "greater",
    "uge": "greater_equal",
    "olt": "less",
    "ole": "less_equal",
    "ogt": "greater",
    "oge": "greater_equal",
    "oeq": "equal",
    "one": "not_equal",
    "ult_f": "less",
}


def _dtype(elem: str):
    """numpy dtype of an element type (pointers as int64)."""
    import numpy as np

    if elem.startswith("!tt.ptr"):
        return np.int64
    if elem not in _NP:
        raise LayoutError(f"interp: element type {elem} is not supported")
    return np.dtype(_NP[elem])


def _load_values(ptrs, elem: str):
    """Distinct deterministic values for the elements at ``ptrs``."""
    import numpy as np

    buf = (ptrs >> _SHIFT).astype(np.int64)
    off = ptrs & ((1 << _SHIFT) - 1)
    h = (off * 2654435761 + buf * 97 + 12345) % 65521
    if elem.startswith("f") or elem == "bf16":
        return ((h.astype(np.float64) - 32760.0) / 4096.0).astype(_dtype(elem))
    return h.astype(_dtype(elem))


class _State:
    """Values by name, and the stores done so far."""

    def __init__(self, mod: Module, scalars: dict[str, int], pid: tuple[int, int, int]) -> None:
        self.mod, self.pid = mod, pid
        self.env: dict[str, object] = {}
        self.enc: dict[str, str | None] = {}
        self.stores: dict[tuple[int, int], object] = {}
        self.scalars = scalars


def run(ttgir: str | Module, *, scalars: dict[str, int] | None = None, pid: tuple[int, int, int] = (1, 0, 0)):
    """Execute the module's function; pointer arguments are buffers 1, 2, …; integer arguments
    take ``scalars[name]`` (default 128, so loops run more than once).  Returns
    ``{(buffer, offset): stored value}``."""
    import numpy as np

    mod = parse_module(ttgir) if isinstance(ttgir, str) else ttgir
    st = _State(mod, scalars or {}, pid)
    head = mod.lines[mod.body_start - 1]
    nbuf = 0
    for m in re.finditer(r"(%[\w.$-]+)\s*:\s*(!tt\.ptr<[^>]*>|i32|i64|f32|i1)", head):
        name, ty = m.groups()
        if ty.startswith("!tt.ptr"):
            nbuf += 1
            st.env[name] = np.int64(nbuf << _SHIFT)
        else:
            st.env[name] = np.asarray(st.scalars.get(name.lstrip("%"), 128), dtype=_dtype(ty))
    _block(st, 0, len(mod.ops))
    return st.stores


def _block(st: _State, start: int, end: int):
    """Run ops ``[start, end)`` at one nesting level; returns the yielded values, if any."""
    mod = st.mod
    i = start
    while i < end:
        op = mod.ops[i]
        if op.name == "scf.for":
            close = _region_end(mod, i)
            _for(st, i, close)
            i = close + 1
            continue
        if op.name == "scf.yield":
            return [st.env[v] for v in op.operands]
        if op.name == "scf.if":
            i = _if(st, i)
            continue
        if op.name in ("scf.else", "scf.while"):
            raise LayoutError(f"interp: line {op.line}: op {op.name} is not interpreted")
        _op(st, op)
        i += 1
    return None


def _if(st: _State, idx: int) -> int:
    """``scf.if``: run the branch its condition picks; returns the index after the region."""
    mod = st.mod
    op = mod.ops[idx]
    close = _region_end(mod, idx)
    other = next(
        (j for j in range(idx + 1, close) if mod.ops[j].name == "scf.else" and mod.ops[j].parent == idx),
        close,
    )
    taken = bool(st.env[op.operands[0]])
    vals = _block(st, idx + 1, other) if taken else _block(st, other + 1, close) if other < close else None
    for r, v in zip(op.results, vals or []):
        st.env[r] = v
    return close + 1


def _region_end(mod: Module, idx: int) -> int:
    """Index of the ``scf.end`` closing region op ``idx``."""
    for j in range(idx + 1, len(mod.ops)):
        if mod.ops[j].name == "scf.end" and mod.ops[j].parent == idx:
            return j
    raise LayoutError(f"interp: line {mod.ops[idx].line}: region not closed")


def _for(st: _State, idx: int, close: int) -> None:
    """``scf.for`` with iter args."""
    op = st.mod.ops[idx]
    lb, ub, step = (int(st.env[v]) for v in op.operands[:3])
    carried = [st.env[v] for v in op.operands[3:]]
    for a, v in zip(op.block_args[1:], op.operands[3:]):
        _check_enc(st, op, v, st.mod.values.get(a))
    iv = op.block_args[0]
    for k in range(lb, ub, step):
        st.env[iv] = _as(k, "i32")
        for a, val in zip(op.block_args[1:], carried):
            st.env[a] = val
        carried = _block(st, idx + 1, close)
    for r, val in zip(op.results, carried):
        st.env[r] = val


def _as(v, elem: str):
    """A 0-d array of ``v`` in element type ``elem``."""
    import numpy as np

    return np.asarray(v, dtype=_dtype(elem))


def _check_enc(st: _State, op: Op, v: str, want: TensorType | None) -> None:
    """The operand ``v`` must be typed in the encoding the op expects."""
    have = st.mod.values.get(v)
    if have is not None and want is not None and have.enc != want.enc:
        raise LayoutError(
            f"interp: line {op.line}: op {op.name} takes {v} in {want.enc} but it is {have.enc}"
        )


def _sig_tensors(op: Op) -> list[TensorType]:
    """Tensor types of the op's signature, in order."""
    from .parse import parse_type

    a, b = sig_types(op.sig)
    return [t for t in (parse_type(x, op.line) for x in a + b) if t is not None]


def _op(st: _State, op: Op) -> None:
    """Run one op."""
    import numpy as np

    mod, env = st.mod, st.env
    name = op.name
    rt = mod.values.get(op.results[0]) if op.results else None
    sig = _sig_tensors(op)
    encs = {t.enc for t in sig}
    for v in op.operands:
        t = mod.values.get(v)
        if t is not None and sig and name not in ("ttg.convert_layout", "scf.yield") and t.enc not in encs:
            raise LayoutError(
                f"interp: line {op.line}: op {name}: operand {v} is in {t.enc}, "
                f"not among the op's types {sorted(encs)}"
            )
    args = [env[v] for v in op.operands]
    if name in ("tt.return", "scf.end", "ttg.local_dealloc", "ttng.fence_async_shared") or name.startswith(
        "rocdl."
    ):
        return  # no values: scheduling hints, fences, frees
    if name == "ttng.warp_group_dot_wait":
        for r, a in zip(op.results, args):
            env[r] = a
        return
    if name == "arith.constant":
        val = _constant(op, rt)
    elif name == "tt.get_program_id":
        val = _as(st.pid["xyz".index(op.attrs.strip()[0])], "i32")
    elif name == "tt.make_range":
        s = int(re.search(r"start = (\d+)", op.attrs).group(1))
        e = int(re.search(r"end = (\d+)", op.attrs).group(1))
        val = np.arange(s, e, dtype=np.int32)
    elif name == "tt.splat":
        val = np.full(rt.shape, args[0], dtype=_dtype(rt.elem))
    elif name in _BIN:
        val = getattr(np, _BIN[name])(args[0], args[1])
        if rt is not None:
            val = np.asarray(val).astype(_dtype(rt.elem))
    elif name in ("arith.divsi", "arith.divui"):
        val = np.asarray(np.trunc(args[0] / args[1])).astype(args[0].dtype)
    elif name in ("arith.remsi", "arith.remui"):
        val = np.fmod(args[0], args[1])
    elif name in _UN:
        val = getattr(np, _UN[name])(args[0])
    elif name in ("arith.cmpi", "arith.cmpf"):
        pred = op.attrs.strip().split(",")[0].strip()
        val = getattr(np, _CMP[pred])(args[0], args[1])
    elif name == "arith.select":
        val = np.where(args[0], args[1], args[2])
    elif name in (
        "arith.extf",
        "arith.truncf",
        "arith.sitofp",
        "arith.fptosi",
        "arith.extsi",
        "arith.trunci",
        "arith.extui",
        "tt.fp_to_fp",
        "arith.uitofp",
    ):
        val = np.asarray(args[0]).astype(_dtype((rt or _scalar(op)).elem if rt else _scalar(op)))
    elif name == "tt.addptr":
        val = (np.asarray(args[0], dtype=np.int64) + np.asarray(args[1], dtype=np.int64)).astype(np.int64)
    elif name == "tt.expand_dims":
        val = np.expand_dims(args[0], int(re.search(r"axis = (\d+)", op.attrs).group(1)))
    elif name == "tt.broadcast":
        val = np.broadcast_to(args[0], rt.shape).copy()
    elif name == "tt.trans":
        order = [int(x) for x in re.search(r"array<i32: ([\d, ]+)>", op.attrs).group(1).split(",")]
        val = np.transpose(args[0], order).copy()
    elif name == "tt.join":
        val = np.stack([args[0], args[1]], axis=-1)
    elif name == "tt.split":
        env[op.results[0]], env[op.results[1]] = args[0][..., 0].copy(), args[0][..., 1].copy()
        return
    elif name == "tt.reshape":
        val = np.reshape(args[0], rt.shape)
    elif name in ("ttg.convert_layout", "ttg.local_load", "amdg.in_thread_transpose"):
        val = np.array(args[0], copy=True)
    elif name == "ttg.local_alloc":
        val = np.array(args[0], copy=True) if args else _memdesc_zeros(op)
    elif name == "ttg.memdesc_index":
        val = args[0][int(args[1])]  # a view: local_store writes through it
    elif name == "ttg.local_store":
        args[1][...] = args[0]
        return
    elif name == "amdg.buffer_load":
        rt = _sig_tensors(op)[-1]
        ptrs = np.asarray(args[0], dtype=np.int64) + np.asarray(args[1], dtype=np.int64)
        val = _load_values(ptrs, rt.elem)
        if len(args) > 2:
            other = args[3] if len(args) > 3 else np.zeros_like(val)
            val = np.where(args[2], val, other)
    elif name == "tt.load":
        val = _load_values(np.asarray(args[0]), rt.elem)
        if len(args) > 1:
            other = args[2] if len(args) > 2 else np.zeros_like(val)
            val = np.where(args[1], val, other)
    elif name == "tt.store":
        _store(st, args)
        return
    elif name in ("tt.dot", "ttng.warp_group_dot"):
        val = (np.matmul(args[0].astype(np.float32), args[1].astype(np.float32)) + args[2]).astype(np.float32)
    elif name in ("tt.reduce", "tt.scan"):
        _reduce(st, op, args)
        return
    else:
        raise LayoutError(f"interp: line {op.line}: op {name} is not interpreted")
    if op.results:
        env[op.results[0]] = val


def _memdesc_zeros(op: Op):
    """A zeroed shared buffer of the ``!ttg.memdesc<…>`` an empty ``local_alloc`` returns."""
    import numpy as np

    m = re.search(r"memdesc<((?:\d+x)+)(\w+)", op.sig)
    if not m:
        raise LayoutError(f"interp: line {op.line}: cannot read the local_alloc type {op.sig!r}")
    shape = tuple(int(x) for x in m.group(1)[:-1].split("x"))
    return np.zeros(shape, dtype=_dtype(m.group(2)))


def _scalar(op: Op) -> TensorType:
    """The scalar result type of a cast (``A to B``)."""
    a, b = sig_types(op.sig)
    return TensorType((), b[0].strip(), None)


def _constant(op: Op, rt: TensorType | None):
    """``arith.constant``: a scalar or a splat ``dense<…>``."""
    import numpy as np

    text = op.attrs.strip()
    m = re.match(r"dense<(.+)>$", text)
    lit = m.group(1) if m else text
    elem = rt.elem if rt is not None else op.sig.strip()
    if lit in ("true", "false"):
        v = lit == "true"
    elif lit.startswith("0x"):
        raw = int(lit, 16)
        v = np.frombuffer(
            raw.to_bytes(4 if elem == "f32" else 2, "little"),
            dtype=np.float32 if elem == "f32" else np.float16,
        )[0]
    else:
        v = float(lit) if any(c in lit for c in ".eE") else int(lit)
    if not elem:
        elem = "i1"
    if rt is not None:
        return np.full(rt.shape, v, dtype=_dtype(elem))
    return _as(v, elem)


def _store(st: _State, args) -> None:
    """``tt.store ptrs, values[, mask]``: record every stored element."""
    import numpy as np

    ptr = np.asarray(args[0]).ravel()
    val = np.asarray(args[1]).ravel()
    mask = np.asarray(args[2]).ravel() if len(args) > 2 else np.ones(ptr.shape, bool)
    for p, v, k in zip(ptr.tolist(), val, mask.tolist()):
        if k:
            st.stores[(p >> _SHIFT, p & ((1 << _SHIFT) - 1))] = v


def _reduce(st: _State, op: Op, args) -> None:
    """``tt.reduce``/``tt.scan`` with a one-op combiner, folded left to right along the axis."""
    import numpy as np

    axis = int(re.search(r"axis = (\d+)", op.attrs).group(1))
    body = [ln for ln in op.region if "=" in ln and "^bb" not in ln]
    if len(body) != 1 or len(args) != 1:
        raise LayoutError(
            f"interp: line {op.line}: only single-operand {op.name} with a one-op combiner is interpreted"
        )
    comb = re.search(r"=\s*([\w.]+)", body[0]).group(1)
    fn = _BIN.get(comb)
    if fn is None:
        raise LayoutError(f"interp: line {op.line}: combiner {comb} is not interpreted")
    f = getattr(np, fn)
    x = np.moveaxis(args[0], axis, 0)
    acc = x[0].copy()
    outs = [acc.copy()]
    for k in range(1, x.shape[0]):
        acc = f(acc, x[k]).astype(x.dtype)
        outs.append(acc.copy())
    if op.name == "tt.reduce":
        st.env[op.results[0]] = acc
    else:
        st.env[op.results[0]] = np.moveaxis(np.stack(outs), 0, axis)
