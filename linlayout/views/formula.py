"""A layout as formulas: each output coordinate as an expression of the input bits, and
index code for Python, C and Triton that computes it.

Over GF(2) every output bit is the XOR of some input bits.  :func:`formulas` gives that
as a sympy expression per output dim (``Mod(a + b, 2)`` is ``a XOR b``).  :func:`bit_fields`
groups the input bits that move together into *fields* — ``(lane >> 2) << 3`` moves lane
bits 2..4 to output bits 3..5 — and :func:`index_code` joins the fields with ``+`` where
their output bits don't overlap and with ``^`` where they do.  :func:`check_index_code`
runs the emitted code on every input and compares with the layout.

>>> from linlayout import LinearLayout
>>> L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [0, 4], [1, 0], [2, 0]],
...                              "warp": [], "block": []}, ["dim0", "dim1"])
>>> print(index_expressions(L)["dim1"])
register + ((lane & 3) << 1)
>>> formulas(L)["dim0"]
lane_2 + 2*lane_3
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import LayoutError
from . import text as _text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..layout import LinearLayout

__all__ = [
    "Field",
    "bit_fields",
    "formulas",
    "index_expressions",
    "index_code",
    "check_index_code",
    "LANGUAGES",
]

LANGUAGES = ("python", "c", "triton")
_C_KEYWORDS = {
    "register",
    "int",
    "char",
    "long",
    "short",
    "float",
    "double",
    "void",
    "if",
    "else",
    "for",
    "while",
    "do",
    "return",
    "break",
    "continue",
    "switch",
    "case",
    "default",
    "static",
    "const",
    "auto",
    "signed",
    "unsigned",
    "struct",
    "union",
    "enum",
    "typedef",
    "extern",
    "volatile",
    "goto",
    "sizeof",
    "inline",
}


@dataclass(frozen=True)
class Field:
    """Input bits ``lo .. lo+width-1`` of ``in_dim`` land on output bits ``out_lo ..``.

    >>> Field("lane", 2, 3, 3).expr(5)
    '(lane >> 2) << 3'
    """

    in_dim: str
    lo: int
    width: int
    out_lo: int

    @property
    def out_mask(self) -> int:
        return ((1 << self.width) - 1) << self.out_lo

    def expr(self, in_bits: int, name: str | None = None) -> str:
        """The field as code (``in_bits`` = size of ``in_dim`` in bits, to drop a useless mask)."""
        x = name or self.in_dim
        mask = (1 << self.width) - 1
        top = self.lo + self.width >= in_bits
        if self.lo == self.out_lo and not top:
            core = f"{x} & {_num(mask << self.lo)}"
            return core
        core = x if self.lo == 0 else f"({x} >> {self.lo})"
        if not top:
            core = f"({core} & {_num(mask)})" if self.lo else f"{x} & {_num(mask)}"
        if self.out_lo:
            core = f"{_paren(core)} << {self.out_lo}"
        return core


def _num(v: int) -> str:
    return str(v) if v < 16 else hex(v)


def _paren(s: str) -> str:
    return s if re.fullmatch(r"[A-Za-z_]\w*|\(.*\)", s) and _balanced_outer(s) else f"({s})"


def _balanced_outer(s: str) -> bool:
    """True when ``s`` is a name, or one parenthesised group spanning the whole string."""
    if not s.startswith("("):
        return True
    depth = 0
    for k, ch in enumerate(s):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and k < len(s) - 1:
            return False
    return True


def _check(layout: LinearLayout) -> None:
    _text._check_layout(layout)


def _bit_pairs(layout: LinearLayout, out: str) -> dict[tuple[str, int], int]:
    """{(in_dim, shift): in-bit mask} for output dim ``out``."""
    k = list(layout.out_dims).index(out)
    groups: dict[tuple[str, int], int] = {}
    for dim, bases in layout.bases.items():
        for i, vec in enumerate(bases):
            v = vec[k]
            j = 0
            while v:
                if v & 1:
                    key = (dim, j - i)
                    groups[key] = groups.get(key, 0) | (1 << i)
                v >>= 1
                j += 1
    return groups


def bit_fields(layout: LinearLayout) -> dict[str, list[Field]]:
    """For each output dim, the fields (contiguous input-bit runs moved by one shift) whose
    XOR is that coordinate, lowest output bit first.

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"offset": [[0, 1], [0, 2], [1, 0], [2, 1]]}, ["dim0", "dim1"])
    >>> bit_fields(L)["dim1"]
    [Field(in_dim='offset', lo=0, width=2, out_lo=0), Field(in_dim='offset', lo=3, width=1, out_lo=0)]
    """
    _check(layout)
    out: dict[str, list[Field]] = {}
    for name in layout.out_dims:
        fields = []
        for (dim, shift), mask in _bit_pairs(layout, name).items():
            i = 0
            while mask >> i:
                if (mask >> i) & 1:
                    j = i
                    while (mask >> (j + 1)) & 1:
                        j += 1
                    fields.append(Field(dim, i, j - i + 1, i + shift))
                    i = j + 1
                else:
                    i += 1
        dims = list(layout.in_dims)
        fields.sort(key=lambda f: (f.out_lo, dims.index(f.in_dim), f.lo))
        out[name] = fields
    return out


def _components(fields: list[Field]) -> list[list[Field]]:
    """Group fields whose output bits overlap (transitively); groups in output-bit order."""
    groups: list[list[Field]] = []
    masks: list[int] = []
    for f in fields:
        hit = [k for k, m in enumerate(masks) if m & f.out_mask]
        merged = [f]
        mask = f.out_mask
        for k in reversed(hit):
            merged = groups.pop(k) + merged
            mask |= masks.pop(k)
        groups.append(merged)
        masks.append(mask)
    order = sorted(range(len(groups)), key=lambda k: masks[k] & -masks[k])
    return [groups[k] for k in order]


def _idents(layout: LinearLayout, lang: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for dim in list(layout.in_dims) + list(layout.out_dims):
        ident = re.sub(r"\W", "_", dim)
        if not ident or ident[0].isdigit():
            ident = "d_" + ident
        if lang == "c" and ident in _C_KEYWORDS:
            ident = {"register": "reg"}.get(ident, ident + "_")
        if lang != "c" and keyword.iskeyword(ident):
            ident += "_"
        names[dim] = ident
    return names


def index_expressions(layout: LinearLayout, lang: str = "python") -> dict[str, str]:
    """Each output dim as one expression over the in-dim variables (``^`` joins fields
    whose output bits overlap, ``+`` joins the rest).

    >>> from linlayout import LinearLayout
    >>> S = LinearLayout.from_bases({"offset": [[0, 1], [0, 2], [1, 0], [2, 1]]}, ["dim0", "dim1"])
    >>> index_expressions(S)
    {'dim0': 'offset >> 2', 'dim1': '(offset & 3) ^ (offset >> 3)'}
    """
    _check(layout)
    if lang not in LANGUAGES:
        raise LayoutError(f"lang: expected one of {LANGUAGES}, got {lang!r}")
    names = _idents(layout, lang)
    bits = {d: layout.in_dims[d].bit_length() - 1 for d in layout.in_dims}
    out = {}
    for o, fields in bit_fields(layout).items():
        parts = []
        for group in _components(fields):
            terms = [f.expr(bits[f.in_dim], names[f.in_dim]) for f in group]
            if len(group) == 1:
                parts.append(terms[0])
            else:
                parts.append("(" + " ^ ".join(_paren(t) for t in terms) + ")")
        if not parts:
            out[o] = "0"
        elif len(parts) == 1:
            out[o] = _strip(parts[0])
        else:
            out[o] = " + ".join(_paren(p) for p in parts)
    return out


def _strip(s: str) -> str:
    if s.startswith("(") and s.endswith(")") and _balanced_outer(s):
        return s[1:-1]
    return s


def index_code(layout: LinearLayout, lang: str = "python", *, name: str = "layout_index") -> str:
    """Source of a function ``name(<in dims>) -> <out dims>`` computing the layout.

    ``lang``: ``"python"`` (works on ints and numpy arrays), ``"c"`` (a ``static inline``
    function writing through pointers; ``register`` is spelled ``reg``) or ``"triton"``
    (a ``@triton.jit`` function over ``tl`` integer tensors).

    >>> from linlayout import LinearLayout
    >>> L = LinearLayout.from_bases({"lane": [[1], [2]], "warp": [[4]]}, ["dim0"])
    >>> print(index_code(L, "c"))
    static inline void layout_index(int lane, int warp, int *dim0) {
        *dim0 = lane + (warp << 2);
    }
    """
    exprs = index_expressions(layout, lang)
    names = _idents(layout, lang)
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        raise LayoutError(f"name: expected an identifier, got {name!r}")
    ins = [names[d] for d in layout.in_dims]
    outs = [names[d] for d in layout.out_dims]
    if lang == "c":
        params = ", ".join([f"int {v}" for v in ins] + [f"int *{v}" for v in outs])
        body = "\n".join(f"    *{names[o]} = {e};" for o, e in exprs.items())
        return f"static inline void {name}({params}) {{\n{body}\n}}"
    body = "\n".join(f"    {names[o]} = {e}" for o, e in exprs.items())
    ret = f"    return {', '.join(outs)}"
    sig = f"def {name}({', '.join(ins)}):"
    doc = f'    """{_text.describe(layout)}."""'
    if lang == "triton":
        return f"import triton\n\n\n@triton.jit\n{sig}\n{doc}\n{body}\n{ret}"
    return f"{sig}\n{doc}\n{body}\n{ret}"


def formulas(layout: LinearLayout) -> dict[str, Any]:
    """Each output dim as a sympy expression of the input-bit symbols ``<in_dim>_<bit>``
    (bit 0 least significant); ``Mod(a + b, 2)`` is ``a XOR b``.

    >>> from linlayout import LinearLayout
    >>> S = LinearLayout.from_bases({"offset": [[0, 1], [1, 0], [1, 1]]}, ["dim0", "dim1"])
    >>> formulas(S)["dim1"]
    Mod(offset_0 + offset_2, 2)
    """
    import sympy

    _check(layout)
    syms = {
        d: [sympy.Symbol(f"{d}_{i}", integer=True, nonnegative=True) for i in range(len(b))]
        for d, b in layout.bases.items()
    }
    out: dict[str, Any] = {}
    for k, (o, size) in enumerate(layout.out_dims.items()):
        total = sympy.Integer(0)
        for j in range(max(size.bit_length() - 1, 0)):
            bits = [
                syms[d][i]
                for d, bases in layout.bases.items()
                for i, vec in enumerate(bases)
                if (vec[k] >> j) & 1
            ]
            if not bits:
                continue
            term = bits[0] if len(bits) == 1 else sympy.Mod(sympy.Add(*bits), 2)
            total += (1 << j) * term
        out[o] = total
    return out


# ----------------------------------------------------------------------------- checking


def _all_inputs(layout: LinearLayout) -> tuple[list[str], list[NDArray[np.int64]]]:
    import numpy as np

    dims = list(layout.in_dims)
    sizes = [layout.in_dims[d] for d in dims]
    grids = np.meshgrid(*[np.arange(s, dtype=np.int64) for s in sizes], indexing="ij") if dims else []
    return dims, [g.reshape(-1) for g in grids]


def _expected(layout: LinearLayout) -> NDArray[np.int64]:
    import numpy as np

    dims = list(layout.in_dims)
    table = _text.evaluate(layout, dims)
    return table.reshape(-1, table.shape[-1]) if dims else np.zeros((1, len(layout.out_dims)), dtype=np.int64)


def check_index_code(
    layout: LinearLayout, code: str | None = None, lang: str = "python", *, name: str = "layout_index"
) -> bool:
    """Run ``code`` (default: :func:`index_code`) on every input of ``layout`` and compare.

    Python and Triton code run here (the Triton body is plain integer arithmetic, run
    without the ``@triton.jit`` decorator); C code is compiled with the system C
    compiler (``LayoutError`` when there is none).  Returns True, or raises
    ``LayoutError`` naming the first input where the code is wrong.
    """
    import numpy as np

    if lang not in LANGUAGES:
        raise LayoutError(f"lang: expected one of {LANGUAGES}, got {lang!r}")
    code = code if code is not None else index_code(layout, lang, name=name)
    dims, ins = _all_inputs(layout)
    want = _expected(layout)
    if lang == "c":
        got = _run_c(layout, code, name, dims, ins)
    else:
        if lang == "triton":
            code = "\n".join(
                ln for ln in code.splitlines() if not ln.startswith("@triton.jit") and ln != "import triton"
            )
        scope: dict[str, Any] = {}
        exec(compile(code, f"<{lang} index code>", "exec"), scope)  # noqa: S102 - our own emitted code
        res = scope[name](*ins) if dims else scope[name]()
        res = res if isinstance(res, tuple) else (res,)
        n = want.shape[0]
        got = np.stack([np.broadcast_to(np.asarray(r, dtype=np.int64), (n,)) for r in res], axis=1)
    bad = np.nonzero((got != want).any(axis=1))[0]
    if len(bad):
        k = int(bad[0])
        point = {d: int(v[k]) for d, v in zip(dims, ins)}
        raise LayoutError(
            f"code: wrong at {point}: gives {got[k].tolist()}, the layout gives {want[k].tolist()}"
        )
    return True


def _run_c(
    layout: LinearLayout, code: str, name: str, dims: list[str], ins: list[NDArray[np.int64]]
) -> NDArray[np.int64]:
    import numpy as np

    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise LayoutError("lang: checking C code needs a C compiler (cc, gcc or clang) on PATH")
    names = _idents(layout, "c")
    outs = [names[o] for o in layout.out_dims]
    loops, close = [], []
    for k, d in enumerate(dims):
        v = names[d]
        loops.append(f"{'  ' * k}for (int {v} = 0; {v} < {layout.in_dims[d]}; ++{v}) {{")
        close.append("}")
    decl = " ".join(f"int {o};" for o in outs)
    call = f"{name}({', '.join([names[d] for d in dims] + ['&' + o for o in outs])});"
    fmt = " ".join(["%d"] * len(outs))
    body = f'{decl} {call} printf("{fmt}\\n", {", ".join(outs)});'
    # innermost loop = last in-dim, matching numpy's meshgrid(indexing="ij") order
    prog = "#include <stdio.h>\n" + code + "\nint main(void) {\n" + "\n".join(loops) + body + "".join(close)
    prog += "\nreturn 0;\n}\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "idx.c")
        exe = os.path.join(tmp, "idx")
        with open(src, "w") as f:
            f.write(prog)
        r = subprocess.run([cc, "-O1", "-o", exe, src], capture_output=True, text=True)
        if r.returncode:
            raise LayoutError(f"code: the C compiler rejected it: {r.stderr.strip()[:500]}")
        r = subprocess.run([exe], capture_output=True, text=True, timeout=60)
    vals = [list(map(int, line.split())) for line in r.stdout.splitlines()]
    return np.asarray(vals, dtype=np.int64).reshape(-1, len(outs))
