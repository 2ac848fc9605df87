"""A fuzz campaign over linlayout's public entry points, each input in its own process.

Every input is a short Python snippet (its own reproduction) run in a forked child with
a memory limit (``resource.setrlimit(RLIMIT_AS)``) and a wall-clock limit.  Outcomes:

``ok``            an answer, and the brute-force oracle (if any) agrees
``layout_error``  a clean LayoutError
``other``         any other exception, or a LayoutError that only wraps an internal
                  one ("TypeError: ..." in its message), or a crash of the child
``wrong``         an answer the oracle refutes (``Wrong`` raised by a check)
``timeout``       ran past the time limit
``memory``        MemoryError under the memory limit

Fuzzers (``--only`` picks some): ``parser`` (grammar-aware token mutations of the real
attribute texts stored in tests/data, with their shapes or mutated ones), ``from_bases``,
``algebra`` (compose / invert / pseudo_invert / invert_and_compose / product /
divide_left / quotient / reshape, each checked against brute-force tables),
``to_triton`` (round trip), ``hardware`` (description classes with one or two
parameters replaced by a nearby bad value), ``plans`` (hypothesis ``layout_pairs``;
every plan is run on distinct element ids and checked against the layouts' tables, and
by ``assert_plan_correct``), ``cute``, ``memory`` (TMA/TDM copies and ``plan_copy``),
``views`` and ``cli`` (random argv: exit status 2 with one stderr line, never a traceback
or "internal error").

Each distinct defect (fuzzer, outcome, exception type and raising line) is shrunk by
AST reduction of its snippet (smaller ints, shorter lists and strings, while the defect
stays the same) and written to ``--out`` (default ``benchmarks/results/fuzz``) as a
runnable ``.py`` file.  Usage::

    PYTHONPATH=. python benchmarks/fuzz.py -n 2000 --seed 1      # 2000 inputs per fuzzer
    PYTHONPATH=. python benchmarks/fuzz.py -n 200 --only parser,cli
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import resource
import select
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TIME_LIMIT_S = 5.0
MEMORY_LIMIT = 2 << 30  # bytes of address space a child may add
OUTCOMES = ("ok", "layout_error", "other", "wrong", "timeout", "memory")
_WRAPPED = re.compile(r"\b(TypeError|KeyError|IndexError|AttributeError|ZeroDivisionError|AssertionError|"
                      r"RecursionError|OverflowError|UnboundLocalError|NameError):")


class Wrong(Exception):
    """An oracle refuted an answer."""


# ================================================================================ oracles


def _table(L: Any) -> dict[tuple[int, ...], tuple[int, ...]]:
    """Brute force: every input (as a tuple, first in-dim first) -> output tuple, by XOR of bases."""
    dims = list(L.in_dims.items())
    bases = L.bases
    out = {}
    n = 1
    for _, s in dims:
        n *= s
    if n > 1 << 12:
        raise OverflowError("table too large for the oracle")
    for flat in range(n):
        idx, rest = [], flat
        for _, s in dims:
            idx.append(rest % s)
            rest //= s
        val = [0] * len(L.out_dims)
        for (d, _), x in zip(dims, idx):
            for k, b in enumerate(bases[d]):
                if x >> k & 1:
                    val = [a ^ c for a, c in zip(val, b)]
        out[tuple(idx)] = tuple(val)
    return out


def _apply(L: Any, ins: dict[str, int]) -> tuple[int, ...]:
    """``L(ins)`` by brute force (missing in-dims are 0)."""
    val = [0] * len(L.out_dims)
    for d, bs in L.bases.items():
        x = ins.get(d, 0)
        for k, b in enumerate(bs):
            if x >> k & 1:
                val = [a ^ c for a, c in zip(val, b)]
    return tuple(val)


def _inputs(L: Any) -> Iterator[dict[str, int]]:
    """Every input of ``L`` (at most 4096)."""
    dims = list(L.in_dims.items())
    n = 1
    for _, s in dims:
        n *= s
    for flat in range(min(n, 1 << 12)):
        ins, rest = {}, flat
        for d, s in dims:
            ins[d] = rest % s
            rest //= s
        yield ins


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise Wrong(what)


def check_layout(L: Any) -> Any:
    """The layout's own ``apply`` agrees with the XOR of its bases on every input."""
    from linlayout import LinearLayout

    _check(isinstance(L, LinearLayout), f"not a LinearLayout: {type(L).__name__}")
    if L.total_in_bits <= 12:
        names = list(L.out_dims)
        for ins in _inputs(L):
            got = L.apply(**ins)
            _check(tuple(got[n] for n in names) == _apply(L, ins), f"apply disagrees at {ins}")
    return L


def check_compose(a: Any, b: Any, c: Any) -> None:
    """``c = a.compose(b)``: ``c(x) == b(a(x))`` for every x."""
    names_a = list(a.out_dims)
    for ins in _inputs(a):
        mid = dict(zip(names_a, _apply(a, ins)))
        _check(_apply(c, ins) == _apply(b, mid), f"compose wrong at {ins}")


def check_invert(a: Any, inv: Any) -> None:
    """``inv(a(x)) == x`` for every x (a bijection)."""
    names_a = list(a.out_dims)
    names_i = list(inv.out_dims)
    for ins in _inputs(a):
        back = dict(zip(names_i, _apply(inv, dict(zip(names_a, _apply(a, ins))))))
        _check(all(back.get(d, 0) == v for d, v in ins.items()), f"invert wrong at {ins}")


def check_pseudo_invert(a: Any, inv: Any) -> None:
    """``a(inv(a(x))) == a(x)`` for every x."""
    names_a = list(a.out_dims)
    names_i = list(inv.out_dims)
    for ins in _inputs(a):
        y = _apply(a, ins)
        x2 = dict(zip(names_i, _apply(inv, dict(zip(names_a, y)))))
        _check(_apply(a, x2) == y, f"pseudo_invert wrong at {ins}")


def check_invert_and_compose(a: Any, b: Any, c: Any) -> None:
    """``b(c(x)) == a(x)`` for every x."""
    names_c = list(c.out_dims)
    for ins in _inputs(a):
        _check(_apply(b, dict(zip(names_c, _apply(c, ins)))) == _apply(a, ins),
               f"invert_and_compose wrong at {ins}")


def check_product(a: Any, b: Any, c: Any) -> None:
    """``c = a * b``: on inputs split between a's and b's in-dims, outputs XOR per out dim."""
    outs = list(c.out_dims)
    for ins in _inputs(c):
        # a shared in-dim: a reads its low bits, b the bits above
        lo = {d: ins[d] % a.in_dims[d] for d in a.in_dims if d in ins}
        hi = {d: ins[d] // a.in_dims.get(d, 1) for d in b.in_dims if d in ins}
        va = dict(zip(a.out_dims, _apply(a, lo)))
        vb = dict(zip(b.out_dims, _apply(b, hi)))
        got = _apply(c, ins)  # b's part sits above a's in a shared out dim (Triton operator*)
        want = tuple(va.get(o, 0) ^ (vb.get(o, 0) * a.out_dims.get(o, 1)) for o in outs)
        _check(got == want, f"product wrong at {ins}")


def check_plan(plan: Any, src: Any, dst: Any, bits: int) -> None:
    """Run the plan on distinct element ids; every dst register must hold its element's id
    (checked from the layouts' tables), and ``assert_plan_correct`` must agree."""
    import numpy as np

    from linlayout.testing import assert_plan_correct

    shape = [src.in_dims[d] for d in ("block", "warp", "lane", "register")]
    names = list(src.out_dims)
    sizes = list(src.out_dims.values())

    def ident(L: Any, b: int, w: int, l_: int, r: int) -> int:
        coord = L.apply(register=r, lane=l_, warp=w, block=b)
        flat = 0
        for n, s in zip(reversed(names), reversed(sizes)):
            flat = flat * s + coord[n]
        return flat

    vals = np.zeros(shape, dtype=np.int64)
    for b in range(shape[0]):
        for w in range(shape[1]):
            for l_ in range(shape[2]):
                for r in range(shape[3]):
                    vals[b, w, l_, r] = ident(src, b, w, l_, r)
    from linlayout import LayoutError

    try:
        out = np.asarray(plan.run(vals))
    except LayoutError as e:  # a plan that was returned must run
        raise Wrong(f"plan.run refused the src values: {str(e)[:200]}") from None
    dshape = [dst.in_dims[d] for d in ("block", "warp", "lane", "register")]
    _check(list(out.shape) == dshape, f"plan.run shape {list(out.shape)} != {dshape}")
    for b in range(dshape[0]):
        for w in range(dshape[1]):
            for l_ in range(dshape[2]):
                for r in range(dshape[3]):
                    want = ident(dst, b, w, l_, r)
                    _check(int(out[b, w, l_, r]) == want, f"plan.run wrong at {(b, w, l_, r)}")
    try:
        assert_plan_correct(plan, src, dst, elem_bits=bits)
    except AssertionError as e:
        raise Wrong(f"assert_plan_correct: {str(e)[:300]}") from None


def check_parse(text: str, shape: list[int]) -> Any:
    """``from_triton``: out dims equal the shape, known in-dims; ``to_triton`` reads back."""
    import linlayout as ll
    from linlayout.hardware._kit import LAYOUT_KINDS

    L = check_layout(ll.from_triton(text, shape))
    _check(list(L.out_dims.values()) == list(shape), f"out dims {L.out_dims} != shape {shape}")
    ins = tuple(L.in_dims)
    _check(ins in LAYOUT_KINDS.values(), f"in dims {ins}")
    check_round_trip(L)
    return L


def check_round_trip(L: Any) -> None:
    """``to_triton`` raises LayoutError or prints text that parses back to ``L``."""
    import linlayout as ll

    try:
        text = L.to_triton()
    except ll.LayoutError:
        return
    try:
        back = ll.from_triton(text, list(L.out_dims.values()))
    except ll.LayoutError as e:  # to_triton's own text refused: a defect, not a clean error
        raise Wrong(f"to_triton printed text from_triton refuses: {text}: {str(e)[:200]}") from None
    _check(back == L, f"to_triton round trip: {text} reads back differently")


def check_cli(argv: list[str]) -> int:
    """Exit status 0/1/2; a failure is one line on stderr, never a traceback or internal error."""
    import contextlib
    import io

    from linlayout.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
    text = err.getvalue()
    _check("Traceback" not in text, f"traceback on stderr: {text[-300:]}")
    _check("internal error" not in text, f"internal error: {text[:300]}")
    _check(rc in (0, 1, 2, None), f"exit status {rc!r}")
    return rc or 0


ORACLES = {k: v for k, v in globals().items() if k.startswith("check_")}


# ================================================================================ isolated runner


@dataclass
class Result:
    """What one input did."""

    outcome: str
    kind: str = ""  # exception type
    where: str = ""  # raising file:line inside linlayout (or the oracle's message)
    message: str = ""
    seconds: float = 0.0

    @property
    def signature(self) -> tuple[str, str, str]:
        return (self.outcome, self.kind, self.where)


def _raising_line(tb: Any) -> str:
    """``file:line`` of the innermost frame inside the linlayout package."""
    where = ""
    for fr in traceback.extract_tb(tb):
        if "/linlayout/" in fr.filename:
            where = f"{fr.filename.split('/linlayout/')[-1]}:{fr.lineno}"
    return where


_ENV: dict[str, Any] | None = None


def _base_env() -> dict[str, Any]:
    """The names a snippet sees: linlayout's public surface and the oracles (imported once,
    in the parent, so forked children start warm)."""
    global _ENV
    if _ENV is None:
        _ENV = {**ORACLES, "Wrong": Wrong}
        exec("import numpy\nimport linlayout as ll\nfrom linlayout import *\nimport linlayout.views\n"
             "import linlayout.memory\nimport linlayout.cli\nimport linlayout.testing\n", _ENV)
        from linlayout.triton.attrs import known_attrs

        known_attrs()  # load every hardware family
    return dict(_ENV)


def _classify(code: str) -> dict[str, str]:
    """Run ``code`` here (in the child) and say what happened."""
    from linlayout import LayoutError

    env = {**_base_env(), "__name__": "__fuzz__"}
    try:
        exec(code, env)
    except Wrong as e:
        return {"outcome": "wrong", "kind": "Wrong", "where": str(e)[:80], "message": str(e)[:500]}
    except MemoryError:
        return {"outcome": "memory", "kind": "MemoryError", "where": "", "message": ""}
    except LayoutError as e:
        msg = str(e)
        if _WRAPPED.search(msg):
            where = _raising_line(e.__traceback__)
            return {"outcome": "other", "kind": "LayoutError(wrapped)", "where": where, "message": msg[:500]}
        return {"outcome": "layout_error", "kind": "LayoutError", "where": "", "message": msg[:200]}
    except BaseException as e:  # noqa: BLE001 - classifying every failure is the point
        return {"outcome": "other", "kind": type(e).__name__, "where": _raising_line(e.__traceback__),
                "message": str(e)[:500]}
    return {"outcome": "ok", "kind": "", "where": "", "message": ""}


def run_isolated(code: str, time_limit: float = TIME_LIMIT_S, memory_limit: int = MEMORY_LIMIT) -> Result:
    """Run ``code`` in a forked child under the time and memory limits."""
    _base_env()
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        try:
            used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            cap = used + memory_limit + (512 << 20)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            res = _classify(code)
        except BaseException as e:  # noqa: BLE001
            res = {"outcome": "other", "kind": type(e).__name__, "where": "runner", "message": str(e)[:200]}
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    deadline = t0 + time_limit
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    secs = time.monotonic() - t0
    if timed_out:
        return Result("timeout", "Timeout", "", f"over {time_limit} s", secs)
    if not data:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        return Result("other", "Crash", f"signal {sig}", "the child died", secs)
    res = json.loads(data)
    return Result(res["outcome"], res["kind"], res["where"], res["message"], secs)


# ================================================================================ generators

_SAMPLES: list[tuple[str, tuple[int, ...]]] | None = None


def _walk(x: Any) -> Iterator[dict]:
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from _walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v)


def _shape_of(v: Any) -> tuple[int, ...] | None:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return None
    if isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        return tuple(v)
    return None


def samples() -> list[tuple[str, tuple[int, ...]]]:
    """(attribute text, shape) pairs from the stored Triton answers in tests/data."""
    global _SAMPLES
    if _SAMPLES is None:
        out: dict[str, tuple[int, ...]] = {}
        for f in sorted(DATA.glob("*.json")):
            try:
                d = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            for node in _walk(d):
                texts = [v for v in node.values() if isinstance(v, str) and v.startswith("#tt")]
                shape = _shape_of(node.get("shape", node.get("s")))
                if texts and shape and texts[0] not in out and len(texts[0]) < 2000:
                    out[texts[0]] = shape
        _SAMPLES = sorted(out.items())
    return _SAMPLES


_EXTREME = [0, 1, 2, 3, 7, -1, -2, 31, 33, 64, 1 << 16, 2**31 - 1, 2**31, 2**32, 2**63, 10**30]
_TOKEN = re.compile(r"#?[A-Za-z_][\w.$]*|-?\d+|\S")


def _mutate_text(rng: random.Random, text: str, vocab: list[str]) -> str:
    """One to four grammar-aware edits on the tokens of ``text``."""
    toks = _TOKEN.findall(text)
    for _ in range(rng.randint(1, 4)):
        if not toks:
            break
        i = rng.randrange(len(toks))
        op = rng.randrange(9)
        if op == 0:  # a number becomes an extreme one
            nums = [k for k, t in enumerate(toks) if re.fullmatch(r"-?\d+", t)]
            if nums:
                toks[rng.choice(nums)] = str(rng.choice(_EXTREME))
        elif op == 1:
            del toks[i]
        elif op == 2:
            toks.insert(i, rng.choice(vocab))
        elif op == 3:
            toks.insert(i, toks[i])
        elif op == 4:  # swap two tokens of the same kind
            j = rng.randrange(len(toks))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == 5:  # a nested attribute replaced by another sample
            hashes = [k for k, t in enumerate(toks) if t.startswith("#") and k > 0]
            if hashes:
                k = rng.choice(hashes)
                toks[k] = rng.choice(samples())[0]
        elif op == 6:
            toks = toks[: rng.randrange(len(toks) + 1)]
        elif op == 7:  # duplicate a list element: "[1, 0]" -> "[1, 0, 0]"
            if toks[i] == "]":
                toks[i:i] = [",", rng.choice(["0", "1", "2", "[0]", "[1, 0]"])]
        else:  # rename a key
            keys = [k for k, t in enumerate(toks) if re.fullmatch(r"[A-Za-z_]\w*", t)]
            if keys:
                toks[rng.choice(keys)] = rng.choice(vocab)
    return " ".join(toks).replace(" ,", ",")


def _mutate_shape(rng: random.Random, shape: tuple[int, ...]) -> list[Any]:
    s = list(shape)
    op = rng.randrange(6)
    if op == 0:
        return s
    if op == 1:
        return s + [rng.choice([1, 2, 64])]
    if op == 2:
        return s[:-1]
    if op == 3 and s:
        s[rng.randrange(len(s))] = rng.choice([1, 2, 3, 0, 2**31, 2**32])
        return s
    if op == 4 and s:
        s[rng.randrange(len(s))] //= 2
        return [max(1, x) for x in s]
    return [x * 2 for x in s]


def gen_parser(rng: random.Random) -> str:
    items = samples()
    text, shape = rng.choice(items)
    vocab = sorted({t for t, _ in items[:200] for t in _TOKEN.findall(t)})
    if rng.random() < 0.85:
        text = _mutate_text(rng, text, vocab)
    if rng.random() < 0.5:
        shape = _mutate_shape(rng, shape)
    return f"check_parse({text!r}, {list(shape)!r})"


_DIMS = ["register", "lane", "warp", "block", "offset", "row", "col", "in", "dim0"]


def _rand_bases(rng: random.Random, n_out: int, bad: bool) -> dict[str, list[list[Any]]]:
    bases: dict[str, list[list[Any]]] = {}
    for d in rng.sample(_DIMS[:4] if rng.random() < 0.6 else _DIMS, rng.randint(1, 4)):
        bs = []
        for _ in range(rng.randint(0, 4)):
            b: list[Any] = [rng.choice([0, 0, 1, 2, 4, 8, 3, 5]) for _ in range(n_out)]
            if bad and rng.random() < 0.3:
                b[rng.randrange(n_out)] = rng.choice([-1, 2**70, True, 1.5, "1", None, [1]])
            bs.append(b)
        bases[d] = bs
    return bases


def _example(strategy: Any) -> Any:
    """One draw of a hypothesis strategy (generation only; the runner isolates and shrinks)."""
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        return strategy.example()


def _layout_code(rng: random.Random, n_out: int | None = None, surjective: bool = False) -> str:
    """A random valid layout as ``LinearLayout.from_bases`` code: half the time drawn from
    ``linlayout.testing.layouts`` (XOR-mixed bases, any dims), else from small random bases."""
    if n_out is None and rng.random() < 0.5:
        from linlayout.testing import layouts

        L = _example(layouts(max_in_dims=3, max_out_dims=2, max_dim_bits=3))
        return f"LinearLayout.from_bases({L.bases!r}, {list(L.out_dims.items())!r}, require_surjective=False)"
    n_out = n_out or rng.randint(1, 2)
    bases = _rand_bases(rng, n_out, bad=False)
    outs = [f"dim{i}" for i in range(n_out)]
    return f"LinearLayout.from_bases({bases!r}, {outs!r}, require_surjective={surjective})"


def gen_from_bases(rng: random.Random) -> str:
    n_out = rng.randint(1, 3)
    bases = _rand_bases(rng, n_out, bad=True)
    outs: Any = [f"dim{i}" for i in range(n_out)]
    if rng.random() < 0.3:
        outs = {o: rng.choice([1, 2, 4, 8, 16, 3, 0, True]) for o in outs}
    sur = rng.choice([True, False])
    return f"check_layout(LinearLayout.from_bases({bases!r}, {outs!r}, require_surjective={sur}))"


def gen_algebra(rng: random.Random) -> str:
    a = _layout_code(rng)
    op = rng.choice(["compose", "invert", "pseudo_invert", "invert_and_compose", "mul", "divide_left",
                     "quotient", "reshape_ins", "flatten_outs", "transpose_outs"])
    lines = [f"a = {a}"]
    if op in ("compose", "invert_and_compose", "mul", "divide_left"):
        lines.append(f"b = {_layout_code(rng)}")
    if op == "compose":
        lines += ["b = LinearLayout.from_bases(b.bases if list(b.in_dims) == list(a.out_dims) else "
                  "{o: [[1 << k] * len(b.out_dims) for k in range(s.bit_length() - 1)] "
                  "for o, s in a.out_dims.items()}, list(b.out_dims), require_surjective=False)",
                  "c = a.compose(b)", "check_compose(a, b, c)"]
    elif op == "invert":
        lines += ["c = a.invert()", "check_invert(a, c)"]
    elif op == "pseudo_invert":
        lines += ["c = a.pseudo_invert()", "check_pseudo_invert(a, c)"]
    elif op == "invert_and_compose":
        lines += ["c = a.invert_and_compose(b)", "check_invert_and_compose(a, b, c)"]
    elif op == "mul":
        lines += ["c = a * b", "check_product(a, b, c)"]
    elif op == "divide_left":
        lines += ["c = (a * b).divide_left(a)", "check_layout(c) if c is not None else None"]
    elif op == "quotient":
        lines += [f"c = a.quotient({rng.sample(_DIMS[:4], rng.randint(0, 2))!r})",
                  "check_layout(c) if c is not None else None"]
    elif op == "reshape_ins":
        lines += [f"c = a.reshape_ins([('x', {rng.choice([1, 2, 4, 16, 3, 1 << 40])})])", "check_layout(c)"]
    elif op == "flatten_outs":
        lines += ["c = a.flatten_outs()", "check_layout(c)"]
    else:
        lines += ["c = a.transpose_outs(list(reversed(a.out_dims)))", "check_layout(c)"]
    return "\n".join(lines)


def gen_to_triton(rng: random.Random) -> str:
    n_out = rng.randint(1, 3)
    kind = rng.choice(["distributed", "shared", "tmem"])
    ins = {"distributed": ["register", "lane", "warp", "block"], "shared": ["offset", "block"],
           "tmem": ["row", "col", "block"]}[kind]
    bases = {d: [[rng.choice([0, 1, 2, 4, 8, 3]) for _ in range(n_out)] for _ in range(rng.randint(0, 3))]
             for d in ins}
    outs = [f"dim{i}" for i in range(n_out)]
    return f"check_round_trip(LinearLayout.from_bases({bases!r}, {outs!r}, require_surjective=False))"


def _descriptions() -> list[tuple[Any, tuple[int, ...]]]:
    from linlayout import LayoutError
    from linlayout.triton.attrs import parse_attr

    out = []
    for text, shape in samples()[::3]:
        try:
            out.append((parse_attr(text), shape))
        except LayoutError:
            continue
    return out


_DESCS: list | None = None
_BAD = [None, True, False, 0, -1, 3, 6, 2**31, 2**64, 1.5, 2.0, "x", "", [], [0], [1, 2, 3], [[0, 1]],
        {"a": 1}]


def _fields(desc: Any) -> dict[str, Any]:
    import dataclasses
    import inspect

    if dataclasses.is_dataclass(desc):
        return {f.name: getattr(desc, f.name) for f in dataclasses.fields(desc) if f.init}
    params = inspect.signature(type(desc)).parameters
    return {n: getattr(desc, n) for n, p in params.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and hasattr(desc, n)}


def _plain(v: Any) -> Any:
    """A description's field value as literal code (nested descriptions as their Triton text)."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "to_triton") and not isinstance(v, (str, bytes)):
        return ("__attr__", v.to_triton())
    return v


def _value_code(v: Any) -> str:
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "__attr__":
        return f"ll.parse_attr({v[1]!r})"
    if isinstance(v, list):
        return "[" + ", ".join(_value_code(x) for x in v) + "]"
    return repr(v)


def gen_hardware(rng: random.Random) -> str:
    global _DESCS
    if _DESCS is None:
        _DESCS = _descriptions()
    desc, shape = rng.choice(_DESCS)
    fields = {k: _plain(v) for k, v in _fields(desc).items()}
    for _ in range(rng.randint(1, 2)):
        if not fields:
            break
        k = rng.choice(sorted(fields))
        v = fields[k]
        if isinstance(v, int) and not isinstance(v, bool) and rng.random() < 0.6:
            fields[k] = rng.choice([v + 1, v * 3, 0, -v, 1 << 70, v - 1])
        elif isinstance(v, list) and rng.random() < 0.5:
            fields[k] = v + [rng.choice([0, 1, [0], [1, 0]])] if rng.random() < 0.5 else v[:-1]
        else:
            fields[k] = rng.choice(_BAD)
    if rng.random() < 0.3:
        shape = tuple(_mutate_shape(rng, shape))
    cls = type(desc)
    mod = cls.__module__
    args = ", ".join(f"{k}={_value_code(v)}" for k, v in fields.items())
    return (f"from {mod} import {cls.__name__}\n"
            f"d = {cls.__name__}({args})\n"
            f"check_layout(d.to_linear_layout({list(shape)!r}))")


def gen_plans(rng: random.Random) -> str:
    from linlayout.testing import layout_pairs

    ws = rng.choice([32, 64])
    nw = rng.choice([1, 2, 4])
    target = rng.choice(["sm_80", "sm_90", "sm_100", "gfx942", "gfx950", "gfx1100", "gfx1200"])
    if (ws == 64) != target.startswith("gfx9"):
        ws = 64 if target.startswith("gfx9") else 32
    src, dst = _example(layout_pairs(warp_size=ws, num_warps=nw, max_bits=9))
    bits = rng.choice([8, 16, 32, 64, 64, 3, True, 16.0])
    if rng.random() < 0.05:  # a big tensor: the plan must stay bounded or be refused
        big = [rng.choice([1024, 2048, 4096]), 1024]
        return (f"src = ll.from_triton({_BLK.format(v=4, o='1, 0')!r}, {big!r})\n"
                f"dst = ll.from_triton({_BLK.format(v=1, o='0, 1')!r}, {big!r})\n"
                f"p = plan_conversion(src, dst, 'sm_90', elem_bits=32)\np.shuffles, p.wavefronts")
    return (f"src = LinearLayout.from_bases({src.bases!r}, {list(src.out_dims.items())!r})\n"
            f"dst = LinearLayout.from_bases({dst.bases!r}, {list(dst.out_dims.items())!r})\n"
            f"p = plan_conversion(src, dst, {target!r}, elem_bits={bits!r})\n"
            f"check_plan(p, src, dst, {bits!r})")


def gen_cute(rng: random.Random) -> str:
    shape = rng.choice([4, 8, (4, 2), (2, 2, 2), (8, (2, 2)), 3, 0, -4, 2.7, "4", (4, 16)])
    stride = repr(rng.choice([1, 2, (1, 4), (1, 2, 4), (2, (1, 16)), 0, -1, 10**50, 2.0, None, (1,)]))
    extra = rng.choice(["", ", out_shape=5", ", out_shape=[4, 2.7]", ", out_shape=[16]",
                        ", swizzle=(1, 2, 3)", ", swizzle=(3, 3, 3)", ", swizzle=(-1, 0, 0)", ""])
    if rng.random() < 0.05:
        stride = "10**5000"
    code = f"L = from_cute({shape!r}, {stride}{extra})\ncheck_layout(L)\nto_cute(L)"
    if "2.7" in extra or shape == 2.7:  # a float must be refused, not truncated
        code += "\nraise Wrong('a float size was accepted')"
    return code


def gen_memory(rng: random.Random) -> str:
    if rng.random() < 0.6:
        def pick(good: list, bad: list) -> Any:  # mostly well-formed, so the methods run too
            return rng.choice(good if rng.random() < 0.85 else bad)

        g = pick([[1024, 1024], [4096, 256], [512, 512]], [[64], [256, 64, 8], [2**32, 2], [0, 4],
                                                          [128, 128.0], [True, 64]])
        box = pick([[64, 64], [8, 32], [128, 16], [16, 128], [256, 8]],
                   [[256, 256], [32], [64, 3], [1, 16], [2**20, 8]])
        bits = pick([8, 16, 32], [64, 16.0, True, 4])
        sw = pick([0, 32, 64, 128], [32.0, 16, None])
        tile = pick(["None", "[256, 256]", "[128, 128]", "[512, 1024]"],
                    ["[2**31, 64]", "[2**40, 64]", "[64]"])
        meth = rng.choice(["written_offsets()", "smem_layout()", "messages()", "driver_args()", "describe()"])
        return (f"from linlayout.memory import TmaCopy\n"
                f"c = TmaCopy(global_shape={g!r}, box_shape={box!r}, element_bitwidth={bits!r}, "
                f"swizzle={sw!r}, tile_shape={tile})\nc.{meth}")
    if rng.random() < 0.5:
        g = rng.choice([[256, 256], [64, 64], [2**33, 4]])
        box = rng.choice([[64, 64], [16, 16], [2**40, 1], [3, 4]])
        nw = rng.choice([1, 2, 4, 8, 3, 2**40, True])
        meth = rng.choice(["tdm_layout()", "smem_layout()", "messages()", "describe()"])
        return (f"from linlayout.memory import TdmCopy\n"
                f"c = TdmCopy(global_shape={g!r}, box_shape={box!r}, element_bitwidth=16, num_warps={nw!r})\n"
                f"c.{meth}")
    text, shape = rng.choice([s for s in samples() if "shared" in s[0][:20]] or samples())
    target = rng.choice(["sm_90", "sm_80", "gfx1250", "gfx942"])
    bits = rng.choice([8, 16, 32, 3])
    tile = rng.choice(["smem", "LinearLayout.from_bases({'register': [[1]], 'lane': [], 'warp': [], "
                       "'block': []}, ['dim0'])"])
    return (f"from linlayout.memory import plan_copy\n"
            f"smem = ll.from_triton({text!r}, {list(shape)!r})\n"
            f"plan_copy({tile}, smem, {target!r}, elem_bits={bits!r})")


def gen_views(rng: random.Random) -> str:
    text, shape = rng.choice(samples())
    fn = rng.choice(["tensor_view", "hardware_view", "describe", "layout_view"])
    kw = rng.choice(["", "max_rows=0", "max_rows=-1", "max_rows=3", "max_width=0", "max_width=10**9"])
    kw = "" if fn == "describe" else kw
    obj = rng.choice([f"ll.from_triton({text!r}, {list(shape)!r})", "None", "'#ttg.blocked'", "3"])
    return f"import linlayout.views as v\nv.{fn}({obj}{', ' + kw if kw else ''})"


_BLK = ("#ttg.blocked<{{sizePerThread = [1, {v}], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], "
        "order = [{o}]}}>")


def gen_cli(rng: random.Random) -> str:
    if rng.random() < 0.25:  # well-formed commands on sizes from tiny to huge
        shape = rng.choice(["64x64", "1x1", "32768x32768", "2x4096", "0x4", "64"])
        src, dst = _BLK.format(v=4, o="1, 0"), _BLK.format(v=1, o="0, 1")
        target = rng.choice(["sm_90", "gfx942"])
        argv = rng.choice([["plan", src, dst, "--shape", shape, "--target", target],
                           ["show", src, "--shape", shape],
                           ["show", src, "--shape", shape, "--view", "hardware"]])
        return f"check_cli({argv!r})"
    words = ["show", "convert", "plan", "view", "--shape", "--target", "--elem-bits", "--help", "32,64",
             "32x64", "sm_90", "gfx942", "nope", "-1", "0", "3", "", "--", "-", "32768x32768", "--png",
             "/dev/null"]
    text = rng.choice(samples())[0]
    argv = [rng.choice(words + [text, str(rng.choice(_EXTREME))]) for _ in range(rng.randint(0, 6))]
    return f"check_cli({argv!r})"


FUZZERS: dict[str, Callable[[random.Random], str]] = {
    "parser": gen_parser,
    "from_bases": gen_from_bases,
    "algebra": gen_algebra,
    "to_triton": gen_to_triton,
    "hardware": gen_hardware,
    "plans": gen_plans,
    "cute": gen_cute,
    "memory": gen_memory,
    "views": gen_views,
    "cli": gen_cli,
}


# ================================================================================ shrinking


def _candidates(tree: ast.AST) -> Iterator[ast.AST]:
    """Smaller variants of ``tree``: one list element dropped, one int made smaller, one
    string shortened (halves, then tokens)."""
    nodes = list(ast.walk(tree))
    for i, node in enumerate(nodes):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            for k in range(len(node.elts)):
                yield _replaced(tree, i, lambda n, k=k: type(n)(elts=n.elts[:k] + n.elts[k + 1:], ctx=n.ctx))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            v = node.value
            for w in sorted({0, 1, v // 2, v - 1} - {v}, key=abs):
                if abs(w) < abs(v):
                    yield _replaced(tree, i, lambda n, w=w: ast.Constant(w))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 1:
            s = node.value
            toks = _TOKEN.findall(s)
            cuts = [s[: len(s) // 2], s[len(s) // 2:]]
            cuts += [" ".join(toks[:k] + toks[k + 1:]) for k in range(len(toks))] if len(toks) < 80 else []
            for c in cuts:
                yield _replaced(tree, i, lambda n, c=c: ast.Constant(c))


def _replaced(tree: ast.AST, index: int, make: Callable[[Any], ast.AST]) -> ast.AST:
    """A copy of ``tree`` with its ``index``-th node (in ``ast.walk`` order) replaced."""
    import copy

    new = copy.deepcopy(tree)
    nodes = list(ast.walk(new))
    target = nodes[index]
    for parent in nodes:
        for fname, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, fname, make(target))
                return new
            if isinstance(value, list):
                for j, x in enumerate(value):
                    if x is target:
                        value[j] = make(target)
                        return new
    return new


def shrink(code: str, signature: tuple[str, str, str], budget: int = 150) -> str:
    """The smallest variant of ``code`` (greedy AST reduction) that keeps ``signature``."""
    best = code
    tries = 0
    improved = True
    while improved and tries < budget:
        improved = False
        for cand in _candidates(ast.parse(best)):
            text = ast.unparse(cand)
            if len(text) >= len(best):
                continue
            tries += 1
            if run_isolated(text).signature == signature:
                best, improved = text, True
                break
            if tries >= budget:
                break
    return best


# ================================================================================ the campaign


@dataclass
class Campaign:
    """Totals per fuzzer and outcome, and one (shrunk) reproduction per distinct defect."""

    counts: dict[str, Counter] = field(default_factory=dict)
    defects: dict[tuple[str, str, str, str], tuple[str, Result]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def bad(self) -> int:
        return sum(c[o] for c in self.counts.values() for o in ("other", "wrong", "timeout", "memory"))

    def table(self) -> str:
        head = "| fuzzer | inputs | " + " | ".join(OUTCOMES) + " |"
        rows = [head, "|" + " --- |" * (len(OUTCOMES) + 2)]
        for name, c in self.counts.items():
            rows.append(f"| {name} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
        tot = Counter()
        for c in self.counts.values():
            tot.update(c)
        rows.append(f"| **all** | {sum(tot.values())} | " + " | ".join(str(tot[o]) for o in OUTCOMES) + " |")
        return "\n".join(rows)


def campaign(n: int, seed: int = 0, only: list[str] | None = None, out: Path | None = None,
             do_shrink: bool = True, log: Callable[[str], None] | None = None) -> Campaign:
    """Run ``n`` inputs per fuzzer; shrink and write out each distinct defect."""
    rng = random.Random(seed)
    res = Campaign()
    t0 = time.monotonic()
    for name in only or list(FUZZERS):
        gen = FUZZERS[name]
        c = res.counts.setdefault(name, Counter())
        for _ in range(n):
            try:
                code = gen(rng)
            except Exception as e:  # noqa: BLE001 - a generator bug must not stop the campaign
                code = f"raise RuntimeError({('generator: ' + repr(e))[:200]!r})"
            r = run_isolated(code)
            c[r.outcome] += 1
            if r.outcome in ("other", "wrong", "timeout", "memory"):
                key = (name, *r.signature)
                if key not in res.defects:
                    res.defects[key] = (code, r)
                    if log:
                        log(f"[{name}] {r.outcome} {r.kind} {r.where}: {r.message[:120]}")
    if do_shrink:
        for key, (code, r) in list(res.defects.items()):
            slow = r.outcome in ("timeout", "memory")  # each try costs up to the time limit
            res.defects[key] = (shrink(code, r.signature, budget=6 if slow else 150), r)
    res.seconds = time.monotonic() - t0
    if out is not None:
        write_defects(res, out)
    return res


def write_defects(res: Campaign, out: Path) -> None:
    """One runnable reproduction per defect, plus ``summary.md`` with the totals."""
    out.mkdir(parents=True, exist_ok=True)
    for i, ((name, outcome, kind, where), (code, r)) in enumerate(sorted(res.defects.items())):
        body = ("# ruff: noqa  (a generated reproduction: long literals, star imports)\n"
                f"# fuzz defect {i}: fuzzer {name}, outcome {outcome}, {kind} at {where}\n"
                f"# {r.message[:300]!r}\n"
                "import sys; sys.path.insert(0, 'benchmarks')\n"
                "from fuzz import *  # the oracles\nimport linlayout as ll\nfrom linlayout import *\n\n"
                f"{code}\n")
        (out / f"defect_{i:03d}_{name}_{outcome}.py").write_text(body)
    rate = res.total / res.seconds if res.seconds else 0.0
    (out / "summary.md").write_text(f"{res.table()}\n\n{res.total} inputs in {res.seconds:.1f} s "
                                    f"({rate:.0f}/s); {len(res.defects)} distinct defects\n")


def main(argv: list[str] | None = None) -> int:
    """Command line: run a campaign, print the totals table and each defect."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200, help="inputs per fuzzer")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated fuzzers: " + ", ".join(FUZZERS))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fuzz"))
    ap.add_argument("--no-shrink", action="store_true")
    args = ap.parse_args(argv)
    only = [s for s in args.only.split(",") if s] or None
    for s in only or []:
        if s not in FUZZERS:
            ap.error(f"--only: unknown fuzzer {s!r}; known: {', '.join(FUZZERS)}")
    res = campaign(args.n, args.seed, only, Path(args.out), not args.no_shrink,
                   log=lambda s: print(s, flush=True))
    print(res.table())
    print(f"{res.total} inputs in {res.seconds:.1f} s ({res.total / max(res.seconds, 1e-9):.0f}/s), "
          f"{len(res.defects)} distinct defects (reproductions in {args.out})")
    for (name, outcome, kind, where), (code, _r) in sorted(res.defects.items()):
        print(f"\n--- {name}: {outcome} {kind} {where}\n{code}")
    return 1 if res.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
