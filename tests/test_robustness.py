"""Robustness: every public entry point rejects bad input with a LayoutError that names
the bad argument -- never AssertionError/IndexError/KeyError/TypeError/RecursionError,
never a hang, never a silently wrong layout.

Each case is one distinct bad input: ``(id, thunk, words)``.  The thunk must raise
:class:`~linlayout.LayoutError` within the time limit, and the message must contain one of
``words`` (case-insensitive): the name of the argument at fault.  Cases for modules that
have not landed are skipped.  See tests/README.md for how to add cases.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

import pytest

from linlayout import LayoutError, LinearLayout
from linlayout import layout as core

TIME_LIMIT_S = 5.0


class _Hang(BaseException):
    """Raised by the alarm: the call ran past TIME_LIMIT_S."""


@contextmanager
def time_limit(seconds: float):
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield
        return

    def on_alarm(signum, frame):
        raise _Hang()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def expect_layout_error(thunk: Callable[[], object], words: str | tuple[str, ...]) -> LayoutError:
    """Run ``thunk``; it must raise LayoutError mentioning one of ``words``."""
    if isinstance(words, str):
        words = (words,)
    try:
        with time_limit(TIME_LIMIT_S):
            result = thunk()
    except LayoutError as e:
        msg = str(e)
        assert any(w.lower() in msg.lower() for w in words), (
            f"LayoutError does not name the argument (expected one of {words}): {msg}"
        )
        return e
    except _Hang:
        pytest.fail(f"hang: no answer within {TIME_LIMIT_S} s (work must be bounded before it starts)")
    except RecursionError as e:
        pytest.fail(f"RecursionError instead of LayoutError: {e}")
    except Exception as e:
        pytest.fail(f"{type(e).__name__} instead of LayoutError: {e}")
    pytest.fail(f"bad input silently accepted; returned {result!r}"[:2000])


def need(module: str):
    """The module, or skip the case when it has not landed yet."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            pytest.skip(f"{module} has not landed")
        raise


def need_attr(module: str, name: str):
    mod = need(module)
    if not hasattr(mod, name):
        pytest.skip(f"{module}.{name} has not landed")
    return getattr(mod, name)


CASES: list = []


def case(id: str, words, *, xfail: str | None = None):
    """Decorator registering a zero-argument function as one bad-input case."""

    def deco(fn):
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        CASES.append(pytest.param(fn, words, id=id, marks=marks))
        return fn

    return deco


def cases(prefix: str, words, table: dict, *, xfail: dict | None = None):
    """Register ``{suffix: thunk}`` as cases ``prefix-suffix`` naming ``words``."""
    for k, fn in table.items():
        reason = (xfail or {}).get(k)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        CASES.append(pytest.param(fn, words, id=f"{prefix}-{k}", marks=marks))


# ==================================================================================== the core

LL = LinearLayout
A = LL.from_bases({"register": [[0, 1], [0, 2]], "lane": [[1, 0], [2, 0]]}, ["dim0", "dim1"])  # 4x4
I4 = LL.identity("in", 4, "out")
NS = LL.from_bases({"in": [[1], [0]]}, {"out": 4}, require_surjective=False)  # not surjective
Z = LL.zeros("in", 4, "out")  # broadcast
BIG = LL.from_bases({"x": [[1 << i] for i in range(40)]}, ["y"])  # 2^40 inputs

# --- from_bases: the bases argument
cases("from_bases", "bases", {
    "bases-list-of-lists": lambda: LL.from_bases([[1], [2]], ["o"]),
    "bases-none": lambda: LL.from_bases(None, ["o"]),
    "bases-str": lambda: LL.from_bases("register", ["o"]),
    "bases-int": lambda: LL.from_bases(7, ["o"]),
    "bases-set": lambda: LL.from_bases({("a", ((1,),))}, ["o"]),
    "in-dim-int-name": lambda: LL.from_bases({0: [[1]]}, ["o"]),
    "in-dim-empty-name": lambda: LL.from_bases({"": [[1]]}, ["o"]),
    "in-dim-none-name": lambda: LL.from_bases({None: [[1]]}, ["o"]),
    "in-dim-dup-pairs": lambda: LL.from_bases([("a", [[1]]), ("a", [[2]])], ["o"]),
    "pair-of-three": lambda: LL.from_bases([("a", [[1]], 3)], ["o"]),
    "bases-value-int": lambda: LL.from_bases({"a": 1}, ["o"]),
    "bases-value-str": lambda: LL.from_bases({"a": "1,2"}, ["o"]),
    "bases-value-dict": lambda: LL.from_bases({"a": {0: [1]}}, ["o"]),
    "bases-value-generator": lambda: LL.from_bases({"a": ([1] for _ in range(2))}, ["o"]),
    "basis-int": lambda: LL.from_bases({"a": [1, 2]}, ["o"]),
    "basis-none": lambda: LL.from_bases({"a": [None]}, ["o"]),
    "basis-too-short": lambda: LL.from_bases({"a": [[1]]}, ["o", "p"]),
    "basis-too-long": lambda: LL.from_bases({"a": [[1, 0, 0]]}, ["o", "p"]),
    "basis-empty-with-outs": lambda: LL.from_bases({"a": [[]]}, ["o"]),
    "component-negative": lambda: LL.from_bases({"a": [[-1]]}, {"o": 2}, require_surjective=False),
    "component-float": lambda: LL.from_bases({"a": [[1.0]]}, ["o"]),
    "component-str": lambda: LL.from_bases({"a": [["1"]]}, ["o"]),
    "component-bool": lambda: LL.from_bases({"a": [[True]]}, ["o"]),
    "component-none": lambda: LL.from_bases({"a": [[None]]}, ["o"]),
    "component-nested-list": lambda: LL.from_bases({"a": [[[1]]]}, ["o"]),
    "component-complex": lambda: LL.from_bases({"a": [[1j]]}, ["o"]),
    "component-huge-inferred": lambda: LL.from_bases({"a": [[1 << 100]]}, ["o"]),
    "component-2pow64-inferred": lambda: LL.from_bases({"a": [[1 << 64]]}, ["o"]),
    "component-too-big-explicit": lambda: LL.from_bases({"a": [[4]]}, {"o": 4}, require_surjective=False),
    "component-huge-explicit": lambda: LL.from_bases({"a": [[10**30]]}, {"o": 8}, require_surjective=False),
    "65-input-bits": lambda: LL.from_bases({"a": [[0]] * 65}, {"o": 1}),
    "65-input-bits-across-dims": lambda: LL.from_bases({"a": [[0]] * 33, "b": [[0]] * 32}, {"o": 1}),
    "million-bases": lambda: LL.from_bases({"a": [[0]] * 1_000_000}, {"o": 1}),
    "not-surjective": lambda: LL.from_bases({"a": [[1], [1]]}, {"o": 4}),
    "not-surjective-inferred": lambda: LL.from_bases({"a": [[2]]}, ["o"]),
    "not-surjective-zero": lambda: LL.from_bases({"a": [[0], [3]]}, ["o"]),
})
cases("from_bases", "out_dims", {
    "out-dims-int": lambda: LL.from_bases({"a": [[1]]}, 2),
    "out-dims-none": lambda: LL.from_bases({"a": [[1]]}, None),
    "out-dims-str": lambda: LL.from_bases({"a": [[1]]}, "o"),
    "out-dims-dup-names": lambda: LL.from_bases({"a": [[1, 0]]}, ["o", "o"]),
    "out-dims-dup-pairs": lambda: LL.from_bases({"a": [[1, 0]]}, [("o", 2), ("o", 2)]),
    "out-dims-int-name": lambda: LL.from_bases({"a": [[1]]}, {0: 2}),
    "out-dims-empty-name": lambda: LL.from_bases({"a": [[1]]}, {"": 2}),
    "out-size-3": lambda: LL.from_bases({"a": [[1]]}, {"o": 3}),
    "out-size-0": lambda: LL.from_bases({"a": [[0]]}, {"o": 0}),
    "out-size-negative": lambda: LL.from_bases({"a": [[0]]}, {"o": -2}),
    "out-size-float": lambda: LL.from_bases({"a": [[1]]}, {"o": 2.0}),
    "out-size-str": lambda: LL.from_bases({"a": [[1]]}, {"o": "2"}),
    "out-size-none": lambda: LL.from_bases({"a": [[1]]}, {"o": None}),
    "out-size-bool": lambda: LL.from_bases({"a": [[1]]}, {"o": True}),
    "out-size-2pow65": lambda: LL.from_bases({"a": []}, {"o": 1 << 65}, require_surjective=False),
    "out-size-huge": lambda: LL.from_bases({"a": []}, {"o": 1 << 1000}, require_surjective=False),
    "out-bits-over-64": lambda: LL.from_bases({"a": []}, {"o": 1 << 40, "p": 1 << 40},
                                              require_surjective=False),
    "pair-of-one": lambda: LL.from_bases({"a": [[1]]}, [("o",)]),
    "mixed-names-and-pairs": lambda: LL.from_bases({"a": [[1, 1]]}, ["o", ("p", 2)]),
})
cases("from_bases", "require_surjective", {
    "flag-str": lambda: LL.from_bases({"a": [[1]]}, ["o"], require_surjective="yes"),
    "flag-int": lambda: LL.from_bases({"a": [[1]]}, ["o"], require_surjective=1),
    "flag-none": lambda: LL.from_bases({"a": [[1]]}, ["o"], require_surjective=None),
})
case("LinearLayout-direct-constructor", "from_bases")(lambda: LL({"a": [[1]]}, ["o"]))

# --- identity / zeros / strided
cases("identity", "size", {
    "size-3": lambda: LL.identity("i", 3, "o"),
    "size-0": lambda: LL.identity("i", 0, "o"),
    "size-negative": lambda: LL.identity("i", -4, "o"),
    "size-float": lambda: LL.identity("i", 4.0, "o"),
    "size-str": lambda: LL.identity("i", "4", "o"),
    "size-none": lambda: LL.identity("i", None, "o"),
    "size-2pow65": lambda: LL.identity("i", 1 << 65, "o"),
    "size-2pow10000": lambda: LL.identity("i", 1 << 10000, "o"),
})
cases("identity", "in_dim", {
    "in-dim-int": lambda: LL.identity(0, 4, "o"),
    "in-dim-empty": lambda: LL.identity("", 4, "o"),
    "in-dim-none": lambda: LL.identity(None, 4, "o"),
})
cases("identity", "out_dim", {
    "out-dim-int": lambda: LL.identity("i", 4, 1),
    "out-dim-list": lambda: LL.identity("i", 4, ["o"]),
})
cases("zeros", "size", {
    "size-6": lambda: LL.zeros("i", 6, "o"),
    "size-neg": lambda: LL.zeros("i", -1, "o"),
})
cases("zeros", "out_size", {
    "out-size-3": lambda: LL.zeros("i", 4, "o", 3),
    "out-size-0": lambda: LL.zeros("i", 4, "o", 0),
    "out-size-2pow70": lambda: LL.zeros("i", 4, "o", 1 << 70),
})
cases("strided", "stride", {
    "stride-3": lambda: LL.strided("i", 4, 3, "o"),
    "stride-0": lambda: LL.strided("i", 4, 0, "o"),
    "stride-negative": lambda: LL.strided("i", 4, -2, "o"),
})
cases("strided", ("size", "stride"), {
    "size-times-stride-over-64-bits": lambda: LL.strided("i", 1 << 40, 1 << 40, "o"),
    "size-5": lambda: LL.strided("i", 5, 2, "o"),
})

# --- apply / __call__
cases("apply", ("lane", "in-dim", "in_dim"), {
    "unknown-in-dim": lambda: A.apply(lane=1, warp=1),
})
cases("apply", "register", {
    "value-too-large": lambda: A.apply(register=4),
    "value-negative": lambda: A.apply(register=-1),
    "value-float": lambda: A.apply(register=1.0),
    "value-str": lambda: A.apply(register="1"),
    "value-none": lambda: A.apply(register=None),
    "value-huge": lambda: A.apply(register=1 << 200),
    "value-bool": lambda: A.apply(register=True),
    "call-value-too-large": lambda: A(register=8),
})
cases("apply_flat", "x", {
    "too-large": lambda: A.apply_flat(16),
    "negative": lambda: A.apply_flat(-1),
    "str": lambda: A.apply_flat("3"),
})

# --- products and composition
cases("mul", "other", {
    "times-int": lambda: A * 3,
    "times-none": lambda: A * None,
    "times-str": lambda: A * "x",
    "over-64-out-bits": lambda: LL.identity("i", 1 << 40, "o") * LL.identity("j", 1 << 40, "o"),
    "over-64-in-bits": lambda: LL.zeros("i", 1 << 40, "o") * LL.zeros("i", 1 << 40, "o"),
})
cases("rmul", ("other", "LinearLayout"), {
    "int-times-layout": lambda: 3 * A,
})
cases("mul", ("order", "conflict"), {
    "conflicting-in-dim-order": lambda: (LL.identity("a", 2, "o") * LL.identity("b", 2, "o"))
    * (LL.identity("b", 2, "o") * LL.identity("a", 2, "o")),
    "conflicting-out-dim-order": lambda: (LL.identity("i", 2, "x") * LL.identity("i", 2, "y"))
    * (LL.identity("i", 2, "y") * LL.identity("i", 2, "x")),
})
cases("compose", "outer", {
    "outer-int": lambda: A.compose(3),
    "outer-dims-mismatch": lambda: A.compose(I4),
    "outer-too-small": lambda: LL.identity("i", 8, "out").compose(I4),
    "outer-extra-in-dim": lambda: I4.compose(LL.identity("out", 4, "z") * LL.identity("w", 2, "z")),
})
cases("invert", "invert", {
    "not-injective": lambda: Z.invert(),
    "not-surjective": lambda: NS.invert(),
    "not-square": lambda: LL.from_bases({"i": [[1], [2], [0]]}, ["o"]).invert(),
})
cases("invert_and_compose", "outer", {
    "outer-none": lambda: A.invert_and_compose(None),
    "out-dims-mismatch": lambda: A.invert_and_compose(I4),
    "image-not-contained": lambda: I4.invert_and_compose(NS),
    "outer-smaller": lambda: LL.identity("in", 8, "out").invert_and_compose(I4),
})
cases("pseudo_invert", ("outer", "image", "surjective", "invert"), {
    "not-surjective": lambda: NS.pseudo_invert(),
})
cases("divide", "divisor", {
    "left-divisor-int": lambda: A.divide_left(2),
    "right-divisor-str": lambda: A.divide_right("I4"),
})

# --- sublayouts, quotient
cases("sublayout", "in_dims", {
    "in-dims-none": lambda: A.sublayout(None, ["dim0"]),
    "in-dims-unknown": lambda: A.sublayout(["warp"], ["dim0"]),
    "in-dims-int-names": lambda: A.sublayout([0], ["dim0"]),
})
cases("sublayout", "out_dims", {
    "out-dims-unknown": lambda: A.sublayout(["lane"], ["dim7"]),
    "out-dims-int": lambda: A.sublayout(["lane"], 5),
})
cases("sublayout_is_zero", ("in_dims", "out_dims"), {
    "unknown-in": lambda: A.sublayout_is_zero(["block"], ["dim0"]),
    "unknown-out": lambda: A.sublayout_is_zero(["lane"], ["dimX"]),
})
cases("quotient", "dims", {
    "dims-int": lambda: A.quotient(3),
    "dims-none": lambda: A.quotient(None),
})
cases("is_trivial_over", "dims", {
    "unknown": lambda: A.is_trivial_over(["warp"]),
})

# --- reshape / transpose / concat / resize / rename
cases("reshape_ins", "new_in_dims", {
    "wrong-total": lambda: A.reshape_ins([("x", 8)]),
    "size-3": lambda: A.reshape_ins([("x", 3), ("y", 4)]),
    "not-pairs": lambda: A.reshape_ins(["x", "y"]),
    "none": lambda: A.reshape_ins(None),
    "dup-names": lambda: A.reshape_ins([("x", 4), ("x", 4)]),
    "name-int": lambda: A.reshape_ins([(1, 16)]),
})
cases("reshape_outs", "new_out_dims", {
    "wrong-total": lambda: A.reshape_outs({"x": 32}),
    "size-0": lambda: A.reshape_outs({"x": 0, "y": 16}),
    "int": lambda: A.reshape_outs(16),
})
cases("transpose_ins", "order", {
    "missing": lambda: A.transpose_ins(["lane"]),
    "extra": lambda: A.transpose_ins(["lane", "register", "warp"]),
    "duplicate": lambda: A.transpose_ins(["lane", "lane"]),
    "none": lambda: A.transpose_ins(None),
})
cases("transpose_outs", "order", {
    "missing": lambda: A.transpose_outs(["dim1"]),
    "unknown": lambda: A.transpose_outs(["dim1", "dim2"]),
    "int-names": lambda: A.transpose_outs([1, 0]),
})
cases("concat_ins", "other", {
    "other-int": lambda: A.concat_ins(5),
    "out-dims-differ": lambda: A.concat_ins(I4),
    "same-in-dim": lambda: A.concat_ins(A),
    "over-64-bits": lambda: LL.zeros("a", 1 << 40, "o").concat_ins(LL.zeros("b", 1 << 40, "o")),
})
cases("concat_outs", "other", {
    "other-none": lambda: A.concat_outs(None),
    "in-dims-differ": lambda: A.concat_outs(I4),
    "same-out-dim": lambda: I4.concat_outs(I4),
})
cases("resize_in_dim", ("size", "in_dim"), {
    "larger": lambda: A.resize_in_dim("lane", 8),
    "size-3": lambda: A.resize_in_dim("lane", 3),
    "unknown-dim": lambda: A.resize_in_dim("warp", 2),
})
cases("resize_out_dim", ("size", "out_dim"), {
    "larger": lambda: A.resize_out_dim("dim0", 8),
    "size-0": lambda: A.resize_out_dim("dim0", 0),
    "unknown-dim": lambda: A.resize_out_dim("dim9", 2),
})
cases("rename_in_dim", ("old", "new"), {
    "unknown-old": lambda: A.rename_in_dim("warp", "x"),
    "new-exists": lambda: A.rename_in_dim("lane", "register"),
    "new-int": lambda: A.rename_in_dim("lane", 3),
    "new-empty": lambda: A.rename_in_dim("lane", ""),
})
cases("rename_out_dim", ("old", "new"), {
    "unknown-old": lambda: A.rename_out_dim("dim5", "x"),
    "new-exists": lambda: A.rename_out_dim("dim0", "dim1"),
})
cases("remove_zero_bases", "in_dim", {"unknown": lambda: A.remove_zero_bases("warp")})
cases("in_dim_size_log2", "in_dim", {"unknown": lambda: A.in_dim_size_log2("warp")})
cases("out_dim_size_log2", "out_dim", {"unknown": lambda: A.out_dim_size_log2("dim2")})
cases("get_basis", "in_dim", {"unknown-dim": lambda: A.get_basis("warp", 0)})
cases("get_basis", "i", {
    "index-too-large": lambda: A.get_basis("lane", 2),
    "index-negative": lambda: A.get_basis("lane", -1),
    "index-str": lambda: A.get_basis("lane", "0"),
})
cases("equal_ignoring_out_dim_sizes", "other", {"int": lambda: A.equal_ignoring_out_dim_sizes(3)})

# --- whole-table work must be bounded before it starts
cases("to_table", ("too large", "table", "input bits", "size"), {
    "2pow40-inputs": lambda: BIG.to_table(),
    "flat-2pow40-inputs": lambda: BIG.to_flat_table(),
})

# --- module-level helpers
cases("supremum", ("x", "y", "names", "order"), {
    "conflict": lambda: core.supremum(["a", "b"], ["b", "a"]),
    "none": lambda: core.supremum(None, ["a"]),
    "int-names": lambda: core.supremum([1], ["a"]),
})
cases("ensure_not_larger_than", "shape", {
    "shape-int": lambda: core.ensure_not_larger_than(A, 4),
    "shape-size-3": lambda: core.ensure_not_larger_than(A, {"dim0": 3}),
    "shape-list": lambda: core.ensure_not_larger_than(A, [2, 2]),
    "shape-unknown-dim": lambda: core.ensure_not_larger_than(A, {"dim7": 2}),
})
cases("ensure_not_larger_than", "layout", {
    "layout-not-a-layout": lambda: core.ensure_not_larger_than("A", {"dim0": 2}),
})
cases("ensure_not_larger_than", "broadcast_registers", {
    "flag-str": lambda: core.ensure_not_larger_than(A, {"dim0": 2}, broadcast_registers="no"),
})
cases("ensure_not_smaller_than", "shape", {
    "shape-size-0": lambda: core.ensure_not_smaller_than(A, {"dim0": 0}),
    "shape-list": lambda: core.ensure_not_smaller_than(A, [8, 8]),
    "shape-unknown-dim": lambda: core.ensure_not_smaller_than(A, {"dim7": 8}),
    "shape-over-64-bits": lambda: core.ensure_not_smaller_than(A, {"dim0": 1 << 40, "dim1": 1 << 40}),
})
cases("ensure_not_smaller_than", "layout", {
    "layout-none": lambda: core.ensure_not_smaller_than(None, {"dim0": 8}),
})
cases("identity_standard_nd", "order", {
    "order-out-of-range": lambda: core.identity_standard_nd("register", [2, 2], [0, 1, 2]),
    "order-not-permutation": lambda: core.identity_standard_nd("register", [2, 2], [0, 0]),
    "order-str": lambda: core.identity_standard_nd("register", [2, 2], ["1", "0"]),
    "order-negative": lambda: core.identity_standard_nd("register", [2, 2], [-1, 0]),
})
cases("identity_standard_nd", "shape", {
    "shape-size-3": lambda: core.identity_standard_nd("register", [3], [0]),
    "shape-none": lambda: core.identity_standard_nd("register", None, [0]),
})
cases("standard_out_dims", "rank", {
    "rank-str": lambda: core.standard_out_dims("2"),
    "rank-negative": lambda: core.standard_out_dims(-1),
    "rank-huge": lambda: core.standard_out_dims(10**9),
})
cases("zeros_like", ("L", "layout"), {"int": lambda: core.zeros_like(3)})


# ==================================================================================== targets

def _get_target(x):
    return need_attr("linlayout.targets", "get_target")(x)


cases("get_target", "target", {
    "unknown": lambda: _get_target("sm_999"),
    "int": lambda: _get_target(90),
    "none": lambda: _get_target(None),
    "empty": lambda: _get_target(""),
    "garbage": lambda: _get_target("gfx9\x00"),
})


# ==================================================================================== Triton text

def _from_triton(attr, shape=(16, 16), **kw):
    return need_attr("linlayout.triton.attrs", "from_triton")(attr, shape, **kw)


BLOCKED = ("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
           "order = [1, 0]}>")

cases("from_triton", "attr", {
    "attr-int": lambda: _from_triton(5),
    "attr-none": lambda: _from_triton(None),
    "attr-bytes": lambda: _from_triton(BLOCKED.encode()),
    "attr-list": lambda: _from_triton([BLOCKED]),
    "empty": lambda: _from_triton(""),
    "whitespace": lambda: _from_triton("   \n\t "),
    "hash-only": lambda: _from_triton("#"),
    "no-hash": lambda: _from_triton("ttg.blocked<{}>"),
    "unknown-attr": lambda: _from_triton("#ttg.nope<{}>"),
    "unknown-dialect": lambda: _from_triton("#foo.blocked<{order = [0]}>"),
    "memory-space-not-layout": lambda: _from_triton("#ttg.shared_memory"),
    "undefined-alias": lambda: _from_triton("#blocked"),
    "truncated-1": lambda: _from_triton(BLOCKED[:-1]),
    "truncated-2": lambda: _from_triton(BLOCKED[:-2]),
    "truncated-half": lambda: _from_triton(BLOCKED[: len(BLOCKED) // 2]),
    "truncated-after-lt": lambda: _from_triton("#ttg.blocked<"),
    "trailing-garbage": lambda: _from_triton(BLOCKED + " junk"),
    "two-attrs": lambda: _from_triton(BLOCKED + BLOCKED),
    "unbalanced-brackets": lambda: _from_triton(BLOCKED.replace("[1, 0]", "[1, 0")),
    "extra-closing": lambda: _from_triton(BLOCKED.replace("[1, 0]", "[1, 0]]")),
    "garbage-bytes": lambda: _from_triton("\x00\x01\x02#ttg"),
    "emoji": lambda: _from_triton("#ttg.blocked<{order = [\U0001f600]}>"),
    "binary-noise": lambda: _from_triton("".join(chr(i) for i in range(32, 127))),
    "nesting-too-deep-lists": lambda: _from_triton("#ttg.blocked<{order = " + "[" * 5000 + "]" * 5000 + "}>"),
    "nesting-too-deep-dicts": lambda: _from_triton(
        "#ttg.blocked<{a = " + "{b = " * 3000 + "1" + "}" * 3000 + "}>"),
    "nesting-too-deep-slices": lambda: _from_triton(
        "#ttg.slice<{dim = 0, parent = " * 2000 + BLOCKED + "}>" * 2000),
    "huge-integer": lambda: _from_triton(BLOCKED.replace("[1, 4]", "[1, " + "9" * 5000 + "]")),
    "huge-text": lambda: _from_triton("#ttg.blocked<{order = [" + "0, " * 2_000_000 + "0]}>"),
    "unterminated-string": lambda: _from_triton('#ttg.blocked<{order = "abc}>'),
    "self-alias": lambda: _from_triton("#a", aliases={"a": "#a"}),
    "alias-cycle": lambda: _from_triton("#a", aliases={"a": "#b", "b": "#a"}),
})
cases("from_triton", "shape", {
    "shape-none": lambda: _from_triton(BLOCKED, None),
    "shape-int": lambda: _from_triton(BLOCKED, 16),
    "shape-str": lambda: _from_triton(BLOCKED, "16x16"),
    "shape-empty": lambda: _from_triton(BLOCKED, []),
    "shape-zero": lambda: _from_triton(BLOCKED, [0, 16]),
    "shape-negative": lambda: _from_triton(BLOCKED, [-16, 16]),
    "shape-not-pow2": lambda: _from_triton(BLOCKED, [12, 16]),
    "shape-float": lambda: _from_triton(BLOCKED, [16.0, 16]),
    "shape-huge": lambda: _from_triton(BLOCKED, [1 << 80, 16]),
    "shape-rank-mismatch": lambda: _from_triton(BLOCKED, [16, 16, 16]),
    "shape-rank-1-for-rank-2": lambda: _from_triton(BLOCKED, [256]),
    "shape-over-64-bits": lambda: _from_triton(BLOCKED, [1 << 31, 1 << 31, 1 << 31]),
})


@pytest.mark.parametrize("thunk,words", CASES)
def test_bad_input(thunk, words):
    expect_layout_error(thunk, words)


def test_distinct_case_count():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)), "case ids must be distinct"
    assert len(ids) >= 200, f"only {len(ids)} distinct bad inputs"


# ==================================================================================== immutability


def test_layout_attribute_assignment_fails():
    for name in ("bases", "_bases", "in_dims", "anything"):
        with pytest.raises(AttributeError):
            setattr(A, name, {})
    with pytest.raises(AttributeError):
        del A._bases


def test_returned_bases_and_dims_are_copies():
    b = A.bases
    b["register"][0][0] = 99
    b["lane"].append([3, 3])
    b["warp"] = []
    A.in_dims["lane"] = 64
    A.out_dims["dim0"] = 64
    A.get_basis("lane", 0)[0] = 7
    assert A.bases == {"register": [[0, 1], [0, 2]], "lane": [[1, 0], [2, 0]]}
    assert A.in_dims == {"register": 4, "lane": 4} and A.out_dims == {"dim0": 4, "dim1": 4}


def test_input_lists_are_not_aliased():
    rows = [[1], [2]]
    bases = {"lane": rows}
    L = LL.from_bases(bases, ["dim0"])
    rows[0][0] = 3
    rows.append([0])
    bases["warp"] = [[0]]
    assert L.bases == {"lane": [[1], [2]]}


def test_layouts_hash_and_compare_by_value_across_threads():
    from concurrent.futures import ThreadPoolExecutor

    def work(k):
        L = LL.from_bases({"register": [[1 << ((i + k) % 6)] for i in range(6)]}, ["dim0"])
        return L.is_invertible(), hash(L) == hash(LL.from_bases(L.bases, L.out_dims)), L.invert().compose(L)

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(work, range(64)))
    assert all(r[0] and r[1] for r in results)
    assert all(r[2] == LL.identity("dim0", 64, "dim0") for r in results)
