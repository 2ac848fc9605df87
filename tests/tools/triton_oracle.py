"""Run Triton 3.9.0 (the test oracle) in a subprocess and get JSON answers back.

Triton's C++ aborts the whole process on bad input (``LLVM ERROR``, failed
asserts), so nothing here imports triton: every call runs the oracle
interpreter in a child process.  Usable from pytest (``from tools.triton_oracle
import ...`` with ``tests/`` on ``sys.path``, as pytest arranges) and from
scripts (``sys.path.insert(0, "tests/tools")``).

Two entry points:

* :func:`run_triton` runs a code snippet that prints JSON on its last stdout
  line and returns the decoded value (raises :class:`OracleCrash` when the child
  dies, :class:`OracleUnavailable` when there is no oracle interpreter).

  >>> run_triton("import triton, json; print(json.dumps(triton.__version__))")  # doctest: +SKIP
  '3.9.0'

* :func:`ll_ops` / :func:`ll_op` run algebra operations on
  ``triton._C.libtriton.linear_layout.LinearLayout``.  Layouts are plain dicts
  ``{"bases": {in_dim: [[int per out dim], ...]}, "out_dims": [[name, size], ...]}``
  (``"require_surjective"`` optional, default False: the flag only switches
  Triton's assertion on or off).  A batch runs in one child; an op that aborts
  the child gives ``{"crash": True, "stderr": ...}`` and the batch resumes in a
  fresh child after it.

  >>> ident = {"bases": {"i": [[1], [2]]}, "out_dims": [["o", 4]]}
  >>> ll_op("invert", ident)  # doctest: +SKIP
  {'layout': {'bases': {'o': [[1], [2]]}, 'out_dims': [['i', 4]]}}

Ops (``args`` in order; ``L`` = layout dict):

=====================  ==========================  ======================================
op                     args                        result key
=====================  ==========================  ======================================
``from_bases``         L (require_surjective used)  ``layout``
``compose``            L, outer                    ``layout``  (outer ∘ L)
``invert``             L                           ``layout``
``invert_and_compose`` L, outer                    ``layout``
``pseudoinvert``       L                           ``layout``
``mul``                L, R                        ``layout``  (L * R)
``apply``              L, {in_dim: int}            ``value`` ({out_dim: int}; all in-dims needed)
``apply_many``         L, [{in_dim: int}, ...]     ``value`` (list of dicts)
``is_surjective``...   L                           ``value`` (bool; also is_injective/is_invertible)
``str``                L                           ``value`` (``str(layout)``, Triton's toString)
``eq``                 L, R                        ``value`` (bool)
``matrix``             L                           ``value`` (``get_matrix_view()``)
=====================  ==========================  ======================================

Every ``layout`` result is a layout dict as above (Triton's in-dim order).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "OracleCrash",
    "OracleUnavailable",
    "find_triton_python",
    "have_triton",
    "run_triton",
    "ll_ops",
    "ll_op",
    "layout_dict",
    "LL_OPS",
]

DEFAULT_TRITON_PYTHON = "/tmp/tritonvenv/bin/python"

LL_OPS = (
    "from_bases",
    "compose",
    "invert",
    "invert_and_compose",
    "pseudoinvert",
    "mul",
    "apply",
    "apply_many",
    "is_surjective",
    "is_injective",
    "is_invertible",
    "str",
    "eq",
    "matrix",
)


class OracleUnavailable(RuntimeError):
    """No interpreter with triton 3.9.0 was found."""


class OracleCrash(RuntimeError):
    """The oracle child process died (abort, LLVM ERROR, timeout) or printed no JSON."""

    def __init__(self, message: str, stderr: str = "", returncode: int | None = None):
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


_checked: dict[str, bool] = {}


def find_triton_python(check: bool = True) -> str | None:
    """Path of the oracle interpreter (``$LINLAYOUT_TRITON_PYTHON`` or
    ``/tmp/tritonvenv/bin/python``), or None when it is missing or (``check``)
    cannot import triton 3.9.0.  The running interpreter is used when it has
    triton 3.9.0 itself and no other is configured."""
    exe = os.environ.get("LINLAYOUT_TRITON_PYTHON")
    candidates = [exe] if exe else [DEFAULT_TRITON_PYTHON, sys.executable]
    for cand in candidates:
        if not cand or not os.path.exists(cand):
            continue
        if not check:
            return cand
        if cand not in _checked:
            try:
                r = subprocess.run(
                    [cand, "-c", "import triton; assert triton.__version__ == '3.9.0'"],
                    capture_output=True,
                    timeout=120,
                )
                _checked[cand] = r.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                _checked[cand] = False
        if _checked[cand]:
            return cand
    return None


def have_triton() -> bool:
    """True when an oracle interpreter with triton 3.9.0 is available."""
    return find_triton_python() is not None


def _python(python: str | None) -> str:
    exe = python or find_triton_python()
    if exe is None:
        raise OracleUnavailable("no interpreter with triton==3.9.0 (set LINLAYOUT_TRITON_PYTHON)")
    return exe


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
    # The oracle must never pick up linlayout (or anything else) by accident.
    env.pop("PYTHONPATH", None)
    return env


def run_triton(code: str, timeout: float = 300, python: str | None = None, stdin: str | None = None) -> Any:
    """Run ``code`` with the oracle interpreter; return the JSON its last stdout line holds.

    Raises :class:`OracleCrash` if the child exits non-zero, times out or prints no
    JSON (the message carries the tail of stderr), and :class:`OracleUnavailable`
    without an oracle interpreter.
    """
    exe = _python(python)
    try:
        r = subprocess.run(
            [exe, "-c", code],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_child_env(),
        )
    except subprocess.TimeoutExpired as e:
        raise OracleCrash(f"triton snippet timed out after {timeout} s", str(e.stderr or "")) from None
    if r.returncode != 0:
        raise OracleCrash(
            f"triton snippet exited with {r.returncode}: {r.stderr[-2000:]}", r.stderr, r.returncode
        )
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    if not lines:
        raise OracleCrash("triton snippet printed nothing", r.stderr, r.returncode)
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError as e:
        raise OracleCrash(f"last stdout line is not JSON: {lines[-1][:200]!r}", r.stderr) from e


# The worker: reads a JSON list of requests on stdin, prints one JSON line per
# request (flushed), so a crash tells us exactly which request killed it.
_WORKER = r"""
import json, os, sys
from triton._C.libtriton.linear_layout import LinearLayout as LL

def mk(d):
    outs = d["out_dims"]
    names = [o[0] for o in outs]
    sizes = [int(o[1]) for o in outs]
    return LL.from_bases([(k, [list(map(int, b)) for b in v]) for k, v in d["bases"].items()],
                         names, sizes, bool(d.get("require_surjective", False)))

def dump(L):
    return {"bases": {k: [list(b) for b in v] for k, v in L.bases},
            "out_dims": [[k, int(s)] for k, s in L.out_dims]}

def run(req):
    op, a = req["op"], req["args"]
    if op == "from_bases":
        return {"layout": dump(mk(a[0]))}
    if op in ("invert", "pseudoinvert"):
        return {"layout": dump(getattr(mk(a[0]), op)())}
    if op in ("compose", "invert_and_compose"):
        return {"layout": dump(getattr(mk(a[0]), op)(mk(a[1])))}
    if op == "mul":
        return {"layout": dump(mk(a[0]) * mk(a[1]))}
    if op == "apply":
        return {"value": {k: int(v) for k, v in mk(a[0]).apply(dict(a[1])).items()}}
    if op == "apply_many":
        L = mk(a[0])
        return {"value": [{k: int(v) for k, v in L.apply(dict(p)).items()} for p in a[1]]}
    if op in ("is_surjective", "is_injective", "is_invertible"):
        return {"value": bool(getattr(mk(a[0]), op)())}
    if op == "str":
        return {"value": str(mk(a[0]))}
    if op == "eq":
        return {"value": bool(mk(a[0]) == mk(a[1]))}
    if op == "matrix":
        return {"value": [list(map(int, r)) for r in mk(a[0]).get_matrix_view()]}
    return {"error": "unknown op " + repr(op)}

reqs = json.loads(sys.stdin.read())
for req in reqs:
    try:
        res = run(req)
    except Exception as e:  # a Python-level error (bad argument types), not an abort
        res = {"error": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
sys.stdout.flush()
os.close(2)  # hide nanobind leak warnings at exit
os._exit(0)
"""


def _validate_request(req: dict) -> None:
    if not isinstance(req, dict) or req.get("op") not in LL_OPS or not isinstance(req.get("args"), list):
        raise ValueError(f"bad oracle request {req!r}: expected {{'op': one of {LL_OPS}, 'args': [...]}}")


def ll_ops(
    requests: Iterable[dict], timeout: float = 300, python: str | None = None, max_crashes: int = 1000
) -> list[dict]:
    """Run algebra requests ``{"op": ..., "args": [...]}`` on Triton's LinearLayout.

    Returns one result dict per request: ``{"layout": ...}`` or ``{"value": ...}``;
    ``{"crash": True, "stderr": ...}`` when that op aborted the process;
    ``{"error": ...}`` for a Python exception in the binding (e.g. a type error).
    """
    reqs = list(requests)
    for req in reqs:
        _validate_request(req)
    exe = _python(python)
    results: list[dict] = []
    crashes = 0
    while len(results) < len(reqs):
        todo = reqs[len(results) :]
        try:
            r = subprocess.run(
                [exe, "-c", _WORKER],
                input=json.dumps(todo),
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_child_env(),
            )
            out, err, rc = r.stdout, r.stderr, r.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err, rc = f"timeout after {timeout} s", -9
        done = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
        results.extend(done)
        if len(results) < len(reqs):
            if rc == 0:
                raise OracleCrash("oracle worker exited early without a crash", err, rc)
            if not done and crashes == 0 and "ModuleNotFoundError" in err:
                raise OracleUnavailable(err[-1000:])
            crashes += 1
            if crashes > max_crashes:
                raise OracleCrash(f"more than {max_crashes} oracle crashes", err, rc)
            results.append({"crash": True, "stderr": err[-1000:].strip()})
    return results


def ll_op(op: str, *args: Any, timeout: float = 300, python: str | None = None) -> dict:
    """One algebra request; see :func:`ll_ops`.  ``ll_op("compose", a, b)``."""
    return ll_ops([{"op": op, "args": list(args)}], timeout=timeout, python=python)[0]


def layout_dict(
    bases: dict[str, Sequence[Sequence[int]]], out_dims: Sequence[tuple[str, int]], surjective: bool = False
) -> dict:
    """Build the layout dict the oracle expects."""
    return {
        "bases": {k: [list(map(int, b)) for b in v] for k, v in bases.items()},
        "out_dims": [[str(n), int(s)] for n, s in out_dims],
        "require_surjective": bool(surjective),
    }



if __name__ == "__main__":  # tiny self-check: python tests/tools/triton_oracle.py
    ident = layout_dict({"i": [[1], [2]]}, [("o", 4)])
    bad = layout_dict({"i": [[1], [1]]}, [("o", 4)])
    print(ll_ops([{"op": "invert", "args": [ident]}, {"op": "invert", "args": [bad]},
                  {"op": "str", "args": [ident]}]))
