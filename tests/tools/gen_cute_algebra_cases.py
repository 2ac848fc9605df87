"""Regenerate tests/data/cute_algebra_cases.json: the hand-picked cases of CUTLASS's
``test/python/pycute/`` and of NVlabs CuTe's ``test/`` as data (layout text and the name
of the post-condition the test checks).  tests/test_cute_algebra.py runs linlayout's own
code on them; nothing of either project's code is used there.

    python tests/tools/gen_cute_algebra_cases.py /path/to/cutlass /path/to/nvlabs_cases.py

The CUTLASS files are read as they are (each ``helper_test_*`` call of each ``test_*``
method becomes a case).  The NVlabs file is a transcription of the ``postcondition_*``
calls of NVlabs/CuTe's test files (its tests also assert things about its own
implementation, e.g. the exact printed form; those are left out or, where GF(2) answers
differently, given their own post-condition name).  Each method runs with stand-in
``Layout``/``E``/``F2`` classes that only record what they are called with.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "cute_algebra_cases.json"
CUTLASS_FILES = [
    "test_coalesce",
    "test_complement",
    "test_composition",
    "test_left_inverse",
    "test_right_inverse",
]


def fmt(x: object) -> str:
    """CuTe-style text of a recorded value."""
    if isinstance(x, tuple):
        return "(" + ",".join(fmt(e) for e in x) + ")"
    return str(x)


class F2:
    def __init__(self, v):
        self.v = v

    def __str__(self):
        return f"F2({self.v})"

    def __mul__(self, other):
        return Text(f"{self}*{other}")


class Text:
    """A stride the parser is meant to see verbatim (sums, ArithTuple, symbols)."""

    def __init__(self, s):
        self.s = s

    def __str__(self):
        return self.s

    def __add__(self, other):
        return Text(f"{self}+{other}")

    __radd__ = __add__


class SB:
    def __init__(self, k, path):
        self.k, self.path = k, path

    def __str__(self):
        e = "E(" + ",".join(map(str, self.path)) + ")"
        return e if self.k == 1 else f"{self.k}*{e}"

    def __rmul__(self, k):
        return SB(k * self.k, self.path)

    def __add__(self, other):
        return Text(f"{self}+{other}")


def E(*path):
    return SB(1, path)


def ArithTuple(*v):
    return Text("ArithTuple(" + ",".join(map(str, v)) + ")")


def _compact(shape):
    acc = [1]

    def rec(s):
        if isinstance(s, tuple):
            return tuple(rec(e) for e in s)
        d = acc[0]
        acc[0] = acc[0] * s
        return d

    return rec(shape)


class Layout:
    def __init__(self, shape, stride=None):
        self.shape = shape
        self.stride = _compact(shape) if stride is None else stride

    def data(self):
        return f"{fmt(self.shape)}:{fmt(self.stride)}"


def tiler_to_layout(shape):
    return Layout(shape, tuple(E(i) for i in range(len(shape))))


def composition(a, b):
    return {"compose": [enc(a), enc(b)]}


def enc(x):
    """JSON form of a recorded argument."""
    if isinstance(x, Layout):
        return x.data()
    if isinstance(x, tuple):
        return [enc(e) for e in x]
    if x is None or isinstance(x, dict):
        return x
    raise TypeError(f"cannot record {x!r}")


class Recorder:
    def __init__(self, source, out):
        self.source, self.out, self.test = source, out, None

    def __getattr__(self, name):
        if not (name.startswith("helper_test_") or name.startswith("postcondition_")):
            raise AttributeError(name)
        check = name.split("helper_test_")[-1].split("postcondition_")[-1]
        if name.startswith("helper_test_"):
            check = "pycute_" + check

        def rec(*args, **kwargs):
            self.out.append(
                {
                    "source": self.source,
                    "test": self.test,
                    "check": check,
                    "args": [enc(a) for a in args],
                    "kwargs": {k: enc(v) for k, v in kwargs.items()},
                }
            )

        return rec


def run_file(source: str, text: str, out: list) -> None:
    import logging

    import sympy

    ns = {
        "logging": logging,
        "Layout": Layout,
        "E": E,
        "F2": F2,
        "ArithTuple": ArithTuple,
        "sympy": sympy,
        "tiler_to_layout": tiler_to_layout,
        "composition": composition,
        "unittest": _Unittest,
        "__name__": "cases",
    }
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("import ", "from ")))
    exec(compile(body, source, "exec"), ns)
    for cname, cls in list(ns.items()):
        if not isinstance(cls, type) or cname.startswith("_") or cls in (Layout, F2, Text, SB):
            continue
        for mname in sorted(k for k in vars(cls) if k.startswith("test")):
            r = Recorder(source if source.startswith("cutlass") else f"nvlabs/{cname.split('__')[0]}.py", out)
            r.test = mname
            vars(cls)[mname](r)


class _Unittest:
    class TestCase:
        pass

    @staticmethod
    def main():
        pass


def main(cutlass: str, nvlabs: str) -> None:
    out: list = []
    for f in CUTLASS_FILES:
        path = f"test/python/pycute/{f}.py"
        text = subprocess.run(
            ["git", "-C", cutlass, "show", f"HEAD:{path}"], capture_output=True, text=True, check=True
        ).stdout
        run_file(f"cutlass/{f}.py", text, out)
    run_file("nvlabs", Path(nvlabs).read_text(), out)
    OUT.write_text(json.dumps({"generator": "tests/tools/gen_cute_algebra_cases.py", "cases": out}, indent=0))
    print(f"{len(out)} cases -> {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
