"""The fast paths of the core, and which speed target each serves (benchmarks/bench_algebra.py,
targets of issue 17: every op <= 0.5x Triton's C++ binding, ``to_table`` of 2^20 inputs <= 2 ms):

- ``apply`` (<= 0.5x Triton's ``apply``): after ``_TABLE_AFTER`` calls a layout gets lookup tables
  per in-dim (``_table_applier``) and one generated function for the all-keywords call
  (``_fused_applier``); the first calls take the checked bit loop, which also does every check.
- ``compose`` (<= 0.5x): per-layout caches of the flat bases (``_flat_with_zero``) and of the
  unit-bit positions (``_unit_positions``), so composing through a permutation-like outer layout
  is a table lookup per basis.
- ``*`` (<= 0.5x): the dim bookkeeping of a product depends only on the two operands' dims, so
  ``_mul_plan`` caches it (``_MUL_PLANS``).
- every op: ``_Base._new`` builds through a plain-attribute twin class (half the cost of slot
  descriptor calls) and the ``_set_*`` slot setters fill caches on immutable values.
"""

from __future__ import annotations

from itertools import chain as _chain
from typing import TYPE_CHECKING

from ..errors import LayoutError

if TYPE_CHECKING:
    from ..layout import LinearLayout
from .base import (
    MAX_BITS,
    _offsets,
    _set_ap,
    _set_flat,
    _set_pos,
    supremum,
)

# --------------------------------------------------------------------------- fast-path helpers

# apply(): the first _TABLE_AFTER calls on a layout take the checked bit loop; then a layout
# whose in-dims have at most 2 * _TABLE_BITS bits each gets a closure ``f(ins) -> dict |
# None`` over lookup tables, one per in-dim (two, low and high bits, for in-dims of more
# than _TABLE_BITS bits).  None means "not a plain valid call": the checked path decides.
_TABLE_AFTER = 24
_TABLE_BITS = 10


def _out_fn(L: LinearLayout):
    """packed out value -> {out_dim: component}."""
    spec = tuple((n, o, (1 << w) - 1) for n, o, w in zip(L._outs, _offsets(L._outlog), L._outlog))
    if len(spec) == 1:
        ((n0, _, m0),) = spec
        return lambda v: {n0: v & m0}
    if len(spec) == 2:
        (n0, _, m0), (n1, s1, m1) = spec
        return lambda v: {n0: v & m0, n1: (v >> s1) & m1}
    return lambda v: {n: (v >> s) & m for n, s, m in spec}


def _count_apply(L: LinearLayout, count: int | None) -> None:
    """Count ``apply`` calls; at _TABLE_AFTER, install the table closure when every
    in-dim has at most 2 * _TABLE_BITS bits (larger layouts keep the checked path)."""
    n = 1 if count is None else count + 1
    if n < _TABLE_AFTER:
        _set_ap(L, n)
    elif n == _TABLE_AFTER:
        if all(len(bl) <= 2 * _TABLE_BITS for bl in L._bases):
            _set_ap(L, _fused_applier(L, _table_applier(dict(zip(L._ins, L._bases)), _out_fn(L))))
        else:
            _set_ap(L, n)


def _xor_table(bl) -> list[int]:
    """The XOR of every subset of ``bl``, indexed by the subset as a bit mask."""
    t = [0]
    for b in bl:
        t += [v ^ b for v in t]
    return t  # t[2**i] is basis i


def _table_applier(bases: dict, out):
    """``f(ins) -> dict | None``: apply by one lookup table per in-dim (two for large ones)."""
    small = {}  # in-dim -> table of all its inputs
    big = {}  # in-dim -> (size, table of the low _TABLE_BITS bits, table of the rest)
    for name, bl in bases.items():
        if len(bl) <= _TABLE_BITS:
            small[name] = _xor_table(bl)
        else:
            big[name] = (1 << len(bl), _xor_table(bl[:_TABLE_BITS]), _xor_table(bl[_TABLE_BITS:]))
    get = small.get
    get_big = big.get
    low_mask = (1 << _TABLE_BITS) - 1

    def by_table(ins):
        v = 0
        for name, x in ins.items():
            t = get(name)
            if t is None or x.__class__ is not int or x < 0:
                b = get_big(name)
                if b is None or x.__class__ is not int or x < 0 or x >= b[0]:
                    return None
                v ^= b[1][x & low_mask] ^ b[2][x >> _TABLE_BITS]
                continue
            try:
                v ^= t[x]
            except IndexError:
                return None
        return out(v)

    return by_table


def _fused_applier(L: LinearLayout, general):
    """The table closure specialised to this layout for the usual call, every in-dim given
    by keyword: one generated function, a lookup per in-dim and the output dict built inline
    (target: ``apply`` <= 0.5x Triton's binding).  Other calls go to ``general``."""
    names = L._ins
    if not names:
        return general
    env: dict = {"general": general}
    load, terms = [], []
    for i, (name, bl) in enumerate(zip(names, L._bases)):
        load.append(f"x{i} = ins[{name!r}]")
        if len(bl) <= _TABLE_BITS:
            env[f"T{i}"] = _xor_table(bl)
            terms.append(f"T{i}[x{i}]")
        else:
            env[f"L{i}"] = _xor_table(bl[:_TABLE_BITS])
            env[f"H{i}"] = _xor_table(bl[_TABLE_BITS:])
            terms.append(f"L{i}[x{i} & {(1 << _TABLE_BITS) - 1}] ^ H{i}[x{i} >> {_TABLE_BITS}]")
    outs = ", ".join(
        f"{n!r}: " + (f"v & {(1 << w) - 1}" if o == 0 else f"(v >> {o}) & {(1 << w) - 1}")
        for n, o, w in zip(L._outs, _offsets(L._outlog), L._outlog)
    )
    xs = " | ".join(f"x{i}" for i in range(len(names)))
    cls = " is ".join(f"x{i}.__class__" for i in range(len(names)))
    src = "\n".join(
        [
            "def fused(ins):",
            f"    if len(ins) != {len(names)}:",
            "        return general(ins)",
            "    try:",
            *(f"        {ln}" for ln in load),
            f"        if not ({cls} is int) or ({xs}) < 0:",
            "            return None",
            "        v = " + " ^ ".join(terms),
            "    except (KeyError, IndexError, TypeError):",
            "        return None",
            "    return {" + outs + "}",
        ]
    )
    exec(src, env)  # noqa: S102 - generated from this layout's dim names (repr) and ints only
    return env["fused"]


def _flat_with_zero(L: LinearLayout) -> list[int]:
    """All bases in order, then a 0 (index -1: the image of a zero basis); cached."""
    m = list(_chain(*L._bases))
    m.append(0)
    _set_flat(L, m)
    return m


_BIT_INDEX = {1 << i: i for i in range(MAX_BITS + 1)}
_BIT_INDEX[0] = -1


def _unit_positions(L: LinearLayout):
    """Per in-dim, the bit index of each basis (-1 for a zero basis), or False when some
    basis has more than one bit; cached."""
    get = _BIT_INDEX.get
    pos = tuple([tuple(map(get, bl)) for bl in L._bases])
    res = False if any(None in p for p in pos) else pos
    _set_pos(L, res)
    return res


# __mul__: the dim bookkeeping depends only on the dims of both operands; cache it.
_MUL_PLANS: dict[tuple, tuple] = {}


def _mul_plan(a: LinearLayout, b: LinearLayout) -> tuple:
    """The dim bookkeeping of ``a * b`` (merged dims and the moves of each operand's fields)."""
    ins = tuple(supremum(a._ins, b._ins))
    outs = tuple(supremum(a._outs, b._outs))
    alog = dict(zip(a._outs, a._outlog))
    blog = dict(zip(b._outs, b._outlog))
    outlog = tuple(alog.get(o, 0) + blog.get(o, 0) for o in outs)
    if sum(outlog) > MAX_BITS:
        raise LayoutError(f"other: the product has {sum(outlog)} output bits; at most {MAX_BITS}")
    offs = dict(zip(outs, _offsets(outlog)))
    ra = [(s, (1 << w) - 1, offs[o]) for o, s, w in zip(a._outs, _offsets(a._outlog), a._outlog) if w]
    rb = [
        (s, (1 << w) - 1, offs[o] + alog.get(o, 0))
        for o, s, w in zip(b._outs, _offsets(b._outlog), b._outlog)
        if w
    ]
    aidx = {d: k for k, d in enumerate(a._ins)}
    bidx = {d: k for k, d in enumerate(b._ins)}
    steps = tuple((aidx.get(d, -1), bidx.get(d, -1)) for d in ins)
    return (
        ins,
        outs,
        outlog,
        None if all(s == d for s, _, d in ra) else tuple(ra),
        None if all(s == d for s, _, d in rb) else tuple(rb),
        steps,
    )
