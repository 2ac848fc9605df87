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
from _stored_data import is_error as _is_error
from _stored_data import walk as _walk

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


def _target(**kw):
    Target = need_attr("linlayout.targets", "Target")
    args = dict(name="x", vendor="nvidia", warp_size=32, num_banks=32, bank_bytes=4, shared_bytes=49152)
    args.update(kw)
    return Target(**args)


cases("Target", "num_banks", {"banks-zero": lambda: _target(num_banks=0),
                              "banks-three": lambda: _target(num_banks=3),
                              "banks-float": lambda: _target(num_banks=32.0)})
cases("Target", "bank_bytes", {"bank-bytes-zero": lambda: _target(bank_bytes=0),
                               "bank-bytes-str": lambda: _target(bank_bytes="4")})
cases("Target", "warp_size", {"warp-size-bool": lambda: _target(warp_size=True),
                              "warp-size-huge": lambda: _target(warp_size=1 << 40)})
cases("Target", "shared_bytes", {"shared-bytes-negative": lambda: _target(shared_bytes=-1)})
cases("Target", "vendor", {"vendor-intel": lambda: _target(vendor="intel")})
cases("Target", "instructions", {"instruction-typo": lambda: _target(instructions={"shfl", "ldmatirx"}),
                                 "instructions-str": lambda: _target(instructions="shfl")})

# --- the size policy (linlayout._limits)


def _limits():
    return need("linlayout._limits")


cases("check_int", "n", {
    "bool": lambda: _limits().check_int(True, "n"),
    "float": lambda: _limits().check_int(2.0, "n"),
    "str": lambda: _limits().check_int("2", "n"),
    "over-hi": lambda: _limits().check_int(1 << 70, "n"),
    "not-pow2": lambda: _limits().check_int(6, "n", pow2=True),
})
cases("check_count", "box", {"over": lambda: _limits().check_count(1 << 30, "box")})
cases("check_text", "attr", {"bytes": lambda: _limits().check_text(b"#x", "attr"),
                             "long": lambda: _limits().check_text("#" * 2_000_000, "attr")})


def _to_triton(bases, outs):
    return need_attr("linlayout.triton.emit", "to_triton")(LinearLayout.from_bases(bases, outs))


cases("to_triton", "no Triton text", {
    "lane-basis-3": lambda: _to_triton({"register": [], "lane": [[3], [2]], "warp": [], "block": []},
                                       {"dim0": 4}),
    "shared-no-offset": lambda: _to_triton({"offset": [], "block": [[1]]}, {"dim0": 2}),
    "dim-over-2-31": lambda: _to_triton({"register": [[1 << k] for k in range(32)], "lane": [], "warp": [],
                                         "block": []}, ["dim0"]),
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


# ==================================================================================== generators


def H(module: str, name: str):
    """A hardware description class, or skip when it has not landed."""
    return need_attr(f"linlayout.hardware.{module}", name)


def blocked(*a, **k):
    return H("blocked", "BlockedLayout")(*a, **k)


def BL2():
    return blocked([1, 4], [4, 8], [2, 2], [1, 0])


def mma(*a, **k):
    return H("nvidia", "NVMMADistributedLayout")(*a, **k)


def dot(*a, **k):
    return H("nvidia", "DotOperandLayout")(*a, **k)


def mfma(*a, **k):
    return H("amd", "AMDMFMALayout")(*a, **k)


def wmma(*a, **k):
    return H("amd", "AMDWMMALayout")(*a, **k)


def swz(*a, **k):
    return H("shared", "SwizzledSharedLayout")(*a, **k)


def nvmma_sh(*a, **k):
    return H("shared", "NVMMASharedLayout")(*a, **k)


def sh_lin(*a, **k):
    return H("shared", "SharedLinearLayout")(*a, **k)


def tmem(*a, **k):
    return H("tmem", "TensorMemoryLayout")(*a, **k)


def lin(*a, **k):
    return H("linear", "DistributedLinearLayout")(*a, **k)


def rot(*a, **k):
    return H("amd_shared", "AMDRotatingSharedLayout")(*a, **k)


def padded(*a, **k):
    return H("amd_shared", "PaddedSharedLayout")(*a, **k)


def parted(*a, **k):
    return H("amd_shared", "PartitionedSharedLayout")(*a, **k)


def sliced(*a, **k):
    return H("blocked", "SliceLayout")(*a, **k)


cases("BlockedLayout", "size_per_thread", {
    "spt-3": lambda: blocked([3], [32], [1], [0]),
    "spt-0": lambda: blocked([0], [32], [1], [0]),
    "spt-negative": lambda: blocked([-1], [32], [1], [0]),
    "spt-float": lambda: blocked([1.0], [32], [1], [0]),
    "spt-none": lambda: blocked(None, [32], [1], [0]),
    "spt-str": lambda: blocked("1", [32], [1], [0]),
    "spt-empty": lambda: blocked([], [], [], []),
    "spt-huge": lambda: blocked([1 << 70], [32], [1], [0]),
})
cases("BlockedLayout", "threads_per_warp", {
    "tpw-rank-mismatch": lambda: blocked([1, 1], [32], [1, 1], [1, 0]),
    "tpw-product-24": lambda: blocked([1], [24], [1], [0]),
    "tpw-zero": lambda: blocked([1, 1], [0, 32], [1, 1], [1, 0]),
    "tpw-nested": lambda: blocked([1], [[32]], [1], [0]),
})
cases("BlockedLayout", "warps_per_cta", {
    "wpc-6": lambda: blocked([1], [32], [6], [0]),
    "wpc-rank-mismatch": lambda: blocked([1, 1], [4, 8], [1], [1, 0]),
    "wpc-bool": lambda: blocked([1], [32], [True], [0]),
})
cases("BlockedLayout", "order", {
    "order-dup": lambda: blocked([1, 1], [4, 8], [1, 1], [0, 0]),
    "order-out-of-range": lambda: blocked([1, 1], [4, 8], [1, 1], [0, 2]),
    "order-short": lambda: blocked([1, 1], [4, 8], [1, 1], [0]),
    "order-negative": lambda: blocked([1, 1], [4, 8], [1, 1], [-1, 0]),
})
cases("BlockedLayout", "cga_layout", {
    "cga-not-pow2": lambda: blocked([1], [32], [1], [0], [[3]]),
    "cga-wrong-rank": lambda: blocked([1], [32], [1], [0], [[1, 0]]),
    "cga-repeated": lambda: blocked([1], [32], [1], [0], [[1], [1]]),
    "cga-gap": lambda: blocked([1], [32], [1], [0], [[2]]),
    "cga-two-dims": lambda: blocked([1, 1], [4, 8], [1, 1], [1, 0], [[1, 1]]),
    "cga-int": lambda: blocked([1], [32], [1], [0], 2),
})
cases("BlockedLayout.to_linear_layout", "shape", {
    "shape-rank-mismatch": lambda: BL2().to_linear_layout([16]),
    "shape-not-pow2": lambda: BL2().to_linear_layout([16, 24]),
    "shape-zero": lambda: BL2().to_linear_layout([0, 16]),
    "shape-negative": lambda: BL2().to_linear_layout([16, -16]),
    "shape-str": lambda: BL2().to_linear_layout("16,16"),
    "shape-none": lambda: BL2().to_linear_layout(None),
    "shape-over-64-bits": lambda: BL2().to_linear_layout([1 << 40, 1 << 40]),
    "shape-huge-int": lambda: BL2().to_linear_layout([1 << 200, 16]),
})
cases("SliceLayout", "dim", {
    "dim-too-large": lambda: sliced(2, BL2()).to_linear_layout([16]),
    "dim-negative": lambda: sliced(-1, BL2()).to_linear_layout([16]),
    "dim-str": lambda: sliced("0", BL2()),
})
cases("SliceLayout", "parent", {
    "parent-int": lambda: sliced(0, 5),
    "parent-shared": lambda: sliced(0, swz(1, 1, 1, [1, 0])),
    "parent-rank-1": lambda: sliced(0, blocked([1], [32], [1], [0])),
})
cases("NVMMADistributedLayout", "version", {
    "volta-v1": lambda: mma([1, 0], [1, 1], [16, 8]).to_linear_layout([16, 16]),
    "v5": lambda: mma([5, 0], [1, 1], [16, 8]),
    "version-int": lambda: mma(2, [1, 1], [16, 8]),
    "version-long": lambda: mma([2, 0, 0], [1, 1], [16, 8]),
})
cases("NVMMADistributedLayout", ("instr_shape", "instr"), {
    "v2-instr-rank-mismatch": lambda: mma([2, 0], [1, 1], [16, 8, 16]),
    "v2-instr-not-pow2": lambda: mma([2, 0], [1, 1], [16, 7]),
    "v3-instr-n-12": lambda: mma([3, 0], [4, 1], [16, 12, 16]),
})
cases("NVMMADistributedLayout", "warps_per_cta", {
    "warps-3": lambda: mma([2, 0], [3, 1], [16, 8]),
    "warps-none": lambda: mma([2, 0], None, [16, 8]),
})
cases("DotOperandLayout", "operand_index", {
    "op-2": lambda: dot(2, BL2(), 0),
    "op-negative": lambda: dot(-1, BL2(), 0),
    "op-str": lambda: dot("0", BL2(), 0),
    "hopper-op-1": lambda: dot(1, mma([3, 0], [4, 1], [16, 64, 16]), 2).to_linear_layout([64, 64]),
})
cases("DotOperandLayout", "k_width", {
    "mma-kwidth-0": lambda: dot(0, mma([2, 0], [1, 1], [16, 8]), 0).to_linear_layout([16, 16]),
    "mma-kwidth-3": lambda: dot(0, mma([2, 0], [1, 1], [16, 8]), 3).to_linear_layout([16, 16]),
    "blocked-kwidth-2": lambda: dot(0, BL2(), 2).to_linear_layout([16, 16]),
    "mfma-kwidth-0": lambda: dot(0, mfma(3, [32, 32, 8], False, [2, 2]), 0).to_linear_layout([64, 64]),
    "wmma-kwidth-0": lambda: dot(1, wmma(3, True, [[0, 1], [1, 0]], instr_shape=[16, 16, 32]), 0)
    .to_linear_layout([64, 64]),
    "kwidth-float": lambda: dot(0, BL2(), 0.0),
})
cases("DotOperandLayout", "parent", {
    "parent-shared": lambda: dot(0, swz(1, 1, 1, [1, 0]), 0).to_linear_layout([16, 16]),
    "parent-none": lambda: dot(0, None, 0),
    "parent-str": lambda: dot(0, "#ttg.blocked", 0),
})
cases("AMDMFMALayout", "version", {
    "v0": lambda: mfma(0, [32, 32, 8], False, [1, 1]),
    "v5": lambda: mfma(5, [32, 32, 8], False, [1, 1]),
})
cases("AMDMFMALayout", "instr_shape", {
    "4x4-removed": lambda: mfma(3, [4, 4, 4], True, [1, 1]),
    "8x8": lambda: mfma(3, [8, 8, 4], False, [1, 1]),
    "64x4-not-transposed": lambda: mfma(3, [64, 4, 4], False, [1, 1]),
    "rank-2": lambda: mfma(3, [32, 32], False, [1, 1]),
})
cases("AMDMFMALayout", ("warps_per_cta", "rank"), {
    "warps-rank-1": lambda: mfma(3, [32, 32, 8], False, [4]),
    "warps-rank-4": lambda: mfma(3, [32, 32, 8], False, [1, 1, 1, 1]),
    "warps-5": lambda: mfma(3, [32, 32, 8], False, [5, 1]),
})
cases("AMDMFMALayout", "element_bitwidth", {"ebw-16": lambda: mfma(3, [32, 32, 8], False, [1, 1], 16)})
cases("AMDMFMALayout", "tiles_per_warp", {"tpw-3": lambda: mfma(3, [32, 32, 8], False, [1, 1], 32, [3, 1])})
cases("AMDMFMALayout", "transposed", {"transposed-int": lambda: mfma(3, [32, 32, 8], 1, [1, 1])})
cases("AMDMFMALayout", "cga_layout", {
    "cga-none-entry": lambda: mfma(3, [32, 32, 8], False, [1, 1], cga_layout=[None]),
    "cga-int-entry": lambda: mfma(3, [32, 32, 8], False, [1, 1], cga_layout=[[0, 1], 5]),
})
cases("AMDWMMALayout", "version", {"v4": lambda: wmma(4, False, [[0, 1]])})
cases("AMDWMMALayout", "instr_shape", {
    "v1-instr-32": lambda: wmma(1, False, [[0, 1]], instr_shape=[32, 32, 16]),
    "v2-instr-16-16-64": lambda: wmma(2, False, [[0, 1]], instr_shape=[16, 16, 64]),
})
cases("AMDWMMALayout", ("warp_bases", "reg_bases"), {
    "warp-bases-3": lambda: wmma(2, False, [[0, 3]]),
    "warp-bases-negative": lambda: wmma(2, False, [[0, -1]]),
    "warp-bases-wrong-rank": lambda: wmma(2, False, [[0, 1, 0]]),
})
cases("AMDWMMALayout", "rank", {"rank-4": lambda: wmma(2, False, [[0, 0, 0, 1]], rank=4)})
cases("SwizzledSharedLayout", "vec", {
    "vec-0": lambda: swz(0, 1, 1, [1, 0]),
    "vec-str": lambda: swz("2", 1, 1, [1, 0]),
})
cases("SwizzledSharedLayout", "per_phase", {"pp-negative": lambda: swz(1, -1, 1, [1, 0])})
cases("SwizzledSharedLayout", "max_phase", {"mp-none": lambda: swz(1, 1, None, [1, 0])})
cases("SwizzledSharedLayout", "order", {
    "order-dup": lambda: swz(1, 1, 1, [1, 1]),
    "order-empty": lambda: swz(1, 1, 1, []),
})
cases("SwizzledSharedLayout.to_linear_layout", "shape", {
    "shape-not-pow2": lambda: swz(1, 1, 1, [1, 0]).to_linear_layout([16, 12]),
    "shape-rank": lambda: swz(1, 1, 1, [1, 0]).to_linear_layout([16, 16, 16]),
})
cases("NVMMASharedLayout", "swizzle_byte_width", {
    "swizzle-48": lambda: nvmma_sh(48, 16),
    "swizzle-256": lambda: nvmma_sh(256, 16),
})
cases("NVMMASharedLayout", "element_bitwidth", {
    "bits-7": lambda: nvmma_sh(128, 7),
    "bits-0": lambda: nvmma_sh(128, 0),
})
cases("NVMMASharedLayout", ("fp4_padded", "swizzle"), {
    "fp4-16bit": lambda: nvmma_sh(128, 16, fp4_padded=True),
})
cases("NVMMASharedLayout", "rank", {"rank-1-swizzled": lambda: nvmma_sh(128, 16, rank=1)})
cases("NVMMASharedLayout.to_linear_layout", "shape", {
    # Triton aborts: "LLVM ERROR: getTMABlockShape failed: invalid block shape for TMA operation"
    "contig-dim-below-swizzle-span": lambda: nvmma_sh(128, 16).to_linear_layout([8, 16]),
    "shape-not-pow2": lambda: nvmma_sh(128, 16).to_linear_layout([8, 96]),
})
cases("SharedLinearLayout", "offset_bases", {
    "not-surjective": lambda: sh_lin([[0, 1], [0, 1]]),
    "dependent": lambda: sh_lin([[0, 1], [1, 0], [1, 1]]),
    "empty": lambda: sh_lin([]),
    "ragged": lambda: sh_lin([[0, 1], [1]]),
    "negative": lambda: sh_lin([[0, -1]]),
})
cases("SharedLinearLayout", "alignment", {"alignment-3": lambda: sh_lin([[1]], alignment=3)})
cases("SharedLinearLayout.to_linear_layout", "shape", {
    "shape-mismatch": lambda: sh_lin([[0, 1], [1, 0]]).to_linear_layout([4, 4]),
})
cases("TensorMemoryLayout", "block", {
    "block-m-32": lambda: tmem((32, 64), 1),
    "block-n-3": lambda: tmem((128, 3), 1),
    "block-rank-3": lambda: tmem((128, 64, 1), 1),
    "block-int": lambda: tmem(128, 1),
})
cases("TensorMemoryLayout", "col_stride", {"col-stride-0": lambda: tmem((128, 64), 0)})
cases("TensorMemoryLayout", ("two_ctas", "cga_layout"), {
    "two-ctas-no-cga": lambda: tmem((128, 64), 1, two_ctas=True),
})
cases("DistributedLinearLayout", ("bases", "reg_bases", "lane_bases", "warp_bases", "shape"), {
    "ragged-bases": lambda: lin([[0, 1]], [[1]], [], []),
    "not-surjective": lambda: lin([[0, 1]], [[0, 1]], [], [], [2, 2]),
    "lane-bases-str": lambda: lin([], "lanes", [], []),
    "shape-mismatch": lambda: lin([[1]], [[2]], [], [], [2]),
})
cases("AMDRotatingSharedLayout", ("vec", "per_phase", "max_phase", "order"), {
    "vec-0": lambda: rot(0, 1, 1, [1, 0]),
    "order-dup": lambda: rot(1, 1, 1, [0, 0]),
})
cases("PaddedSharedLayout", ("interval", "padding", "interval_padding_pairs"), {
    "interval-3": lambda: padded([[3, 1]], [[1], [2]], [], [4]),
    "pairs-int": lambda: padded(5, [[1], [2]], [], [4]),
})
cases("PaddedSharedLayout.to_linear_layout", ("linear", "padded"), {
    # Triton aborts: "padded shared encoding has no linear layout"
    "no-linear-layout": lambda: padded([[4, 1]], [[1], [2], [4]], [], [8]).to_linear_layout([8]),
})
cases("PartitionedSharedLayout", "num_partitions", {
    "partitions-1": lambda: parted(1, 2, 0, swz(4, 2, 4, [1, 0])),
})
cases("PartitionedSharedLayout", "partition_dim", {
    "partition-dim-5": lambda: parted(2, 2, 5, swz(4, 2, 4, [1, 0])).to_linear_layout([64, 64]),
})


# ==================================================================================== Triton fields

BLK1 = "#ttg.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>"

cases("from_triton-fields", ("bogus", "field", "unknown", "unexpected"), {
    "unknown-field": lambda: _from_triton(BLK1.replace("}>", ", bogus = 1}>"), [32]),
})
cases("from_triton-fields", ("order", "missing", "required"), {
    "missing-field": lambda: _from_triton("#ttg.blocked<{sizePerThread = [1], threadsPerWarp = [32], "
                                          "warpsPerCTA = [1]}>", [32]),
    "field-wrong-type": lambda: _from_triton(BLK1.replace("order = [0]", 'order = "x"'), [32]),
    "field-dict": lambda: _from_triton(BLK1.replace("order = [0]", "order = {a = 1}"), [32]),
})
cases("from_triton-fields", ("sizePerThread", "size_per_thread"), {
    "field-negative": lambda: _from_triton(BLK1.replace("sizePerThread = [1]", "sizePerThread = [-1]"), [32]),
    "field-duplicate": lambda: _from_triton(BLK1.replace("}>", ", sizePerThread = [2]}>"), [32]),
})
cases("from_triton-fields", ("parent", "slice"), {
    "slice-without-parent": lambda: _from_triton("#ttg.slice<{dim = 0}>", [32]),
    "slice-parent-int": lambda: _from_triton("#ttg.slice<{dim = 0, parent = 5}>", [32]),
})
cases("from_triton-fields", ("version", "Volta"), {
    "mma-volta": lambda: _from_triton("#ttg.nvidia_mma<{versionMajor = 1, versionMinor = 0, "
                                      "warpsPerCTA = [1, 1], instrShape = [16, 8]}>", [16, 16]),
})
cases("from_triton-fields", ("kWidth", "k_width"), {
    "dot-mma-no-kwidth": lambda: _from_triton(
        "#ttg.dot_op<{opIdx = 0, parent = #ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, "
        "warpsPerCTA = [1, 1], instrShape = [16, 8]}>}>", [16, 16]),
})


# ==================================================================================== the planner

def _plan(src, dst, target="sm_90", **kw):
    return need_attr("linlayout.plan", "plan_conversion")(src, dst, target, **kw)


D32 = LL.from_bases({"register": [[1], [2]], "lane": [[4], [8], [16], [32], [64]], "warp": [], "block": []},
                    ["dim0"])
D32b = LL.from_bases({"register": [[64], [1]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": []},
                     ["dim0"])
D64 = LL.from_bases({"register": [[1]], "lane": [[2], [4], [8], [16], [32], [64]], "warp": [], "block": []},
                    ["dim0"])
SH = LL.from_bases({"offset": [[1], [2], [4], [8], [16], [32], [64]], "block": []}, ["dim0"])

cases("plan_conversion", "elem_bits", {
    "elem-bits-12": lambda: _plan(D32, D32b, elem_bits=12),
    "elem-bits-0": lambda: _plan(D32, D32b, elem_bits=0),
    "elem-bits-128": lambda: _plan(D32, D32b, elem_bits=128),
    "elem-bits-str": lambda: _plan(D32, D32b, elem_bits="32"),
    "elem-bits-none": lambda: _plan(D32, D32b, elem_bits=None),
    "elem-bits-bool": lambda: _plan(D32, D32b, elem_bits=True),
    "elem-bits-float": lambda: _plan(D32, D32b, elem_bits=32.0),
})
cases("plan_conversion", "target", {
    "target-unknown": lambda: _plan(D32, D32b, "sm_999"),
    "target-int": lambda: _plan(D32, D32b, 90),
    "target-none": lambda: _plan(D32, D32b, None),
})
cases("plan_conversion", ("src", "lane", "warp size", "warp_size"), {
    "wave64-on-nvidia": lambda: _plan(D64, D64, "sm_90"),
    "wave32-on-cdna": lambda: _plan(D32, D32b, "gfx942"),
})
cases("plan_conversion", "src", {
    "src-int": lambda: _plan(5, D32),
    "src-shared-layout": lambda: _plan(SH, D32),
    "src-not-distributed-dims": lambda: _plan(I4, D32),
})
cases("plan_conversion", "dst", {
    "dst-none": lambda: _plan(D32, None),
    "dst-other-shape": lambda: _plan(D32, LL.from_bases(
        {"register": [[1]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": []}, ["dim0"])),
    "dst-other-warps": lambda: _plan(D32, LL.from_bases(
        {"register": [[1]], "lane": [[2], [4], [8], [16], [32]], "warp": [[64]], "block": []}, ["dim0"])),
    "dst-other-out-names": lambda: _plan(D32, D32b.transpose_outs(["dim0"]).rename_out_dim("dim0", "x")),
})
cases("plan_conversion", "src", {
    "src-not-surjective": lambda: _plan(LL.from_bases(
        {"register": [[1], [1]], "lane": [[4], [8], [16], [32], [64]], "warp": [], "block": []},
        {"dim0": 128}, require_surjective=False), D32),
})


# ==================================================================================== interop and views


def _emit(name):
    return need_attr("linlayout.triton.emit", name)


def _views(name):
    return need_attr("linlayout.views.text", name)


def _cute(name):
    return need_attr("linlayout.cute", name)


cases("to_triton", ("layout", "in dims", "in-dims"), {
    "not-a-layout": lambda: _emit("to_triton")("#ttg.blocked"),
    "plain-in-dims": lambda: I4.to_triton(),
    "tmem-like-dims": lambda: LL.from_bases({"row": [[1]], "lane": [[2]]}, ["dim0"]).to_triton(),
})
cases("to_triton", ("alignment",), {
    "alignment-3": lambda: _emit("to_triton")(LL.from_bases({"offset": [[1]], "block": []}, ["dim0"]),
                                              alignment=3),
})
cases("to_gluon", ("layout", "in dims", "in-dims"), {
    "not-a-layout": lambda: _emit("to_gluon")(None),
    "plain-in-dims": lambda: A.to_gluon(),
})
cases("views", ("layout",), {
    "tensor-view-int": lambda: _views("tensor_view")(5),
    "describe-str": lambda: _views("describe")("#ttg.blocked"),
})
cases("views", ("view",), {
    "layout-view-sideways": lambda: _views("layout_view")(D32, "sideways"),
})
cases("views", ("elem_bits", "num_banks", "bank_bytes", "offset"), {
    "bank-of-elem-bits-12": lambda: _views("bank_of")(4, elem_bits=12),
    "bank-of-negative-offset": lambda: _views("bank_of")(-4),
})
cases("cute", ("text", "cute", "layout", "shape", "stride"), {
    "parse-garbage": lambda: _cute("parse_cute")("(4,8):(1,"),
    "parse-empty": lambda: _cute("parse_cute")(""),
    "parse-int": lambda: _cute("parse_cute")(5),
    "parse-deep": lambda: _cute("parse_cute")("(" * 3000 + "4" + ")" * 3000 + ":" + "(" * 3000 + "1"
                                              + ")" * 3000),
})
cases("cute", ("layout",), {"to-cute-int": lambda: _cute("to_cute")(3)})
def _bound(src, dst, target="sm_90", **kw):
    return need_attr("linlayout.plan", "wavefront_bound")(src, dst, target, **kw)


cases("wavefront_bound", "elem_bits", {
    "bound-elem-bits-12": lambda: _bound(D32, D32b, elem_bits=12),
    "bound-elem-bits-str": lambda: _bound(D32, D32b, elem_bits="16"),
})
cases("wavefront_bound", "target", {"bound-target-unknown": lambda: _bound(D32, D32b, "sm_999")})
cases("wavefront_bound", ("src", "lane", "warp size"), {
    "bound-wave32-on-cdna": lambda: _bound(D32, D32b, "gfx942"),
})
cases("wavefront_bound", "dst", {
    "bound-dst-none": lambda: _bound(D32, None),
    "bound-dst-other-shape": lambda: _bound(D32, LL.from_bases(
        {"register": [[1]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": []}, ["dim0"])),
    "bound-dst-other-out-names": lambda: _bound(D32, D32b.rename_out_dim("dim0", "x")),
    "bound-dst-cluster": lambda: _bound(
        LL.from_bases({"register": [[1]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": [[64]]},
                      ["dim0"]),
        LL.from_bases({"register": [[64]], "lane": [[2], [4], [8], [16], [32]], "warp": [], "block": [[1]]},
                      ["dim0"])),
})


def _gather(*a, **k):
    need("linlayout.plan.gather")
    return need_attr("linlayout.plan", "plan_gather")(*a, **k)


cases("plan_gather", ("axis",), {
    "axis-5": lambda: _gather(D32, D32, 5, "sm_90"),
    "axis-str": lambda: _gather(D32, D32, "0", "sm_90"),
})
cases("plan_gather", ("index", "src"), {
    "index-int": lambda: _gather(D32, 3, 0, "sm_90"),
})


# ==================================================================================== the CLI


def cli(*argv: str):
    """Run ``linlayout.cli.main(argv)``; a clean refusal (exit 2, one ``linlayout: error:``
    line naming the argument, no traceback) is turned into a LayoutError for the check."""
    import contextlib
    import io
    import os

    main = need_attr("linlayout.cli", "main")
    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("LINLAYOUT_DEBUG")
    os.environ["LINLAYOUT_DEBUG"] = "1"  # internal errors propagate: they are defects
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(argv))
            except SystemExit as e:  # argparse --help and friends
                rc = e.code
    finally:
        if old is None:
            os.environ.pop("LINLAYOUT_DEBUG", None)
        else:
            os.environ["LINLAYOUT_DEBUG"] = old
    text = err.getvalue()
    assert "Traceback" not in text, text
    if rc == 2 and text.startswith("linlayout: error:"):
        raise LayoutError(text)
    if rc == 2 and not text and out.getvalue().startswith("usage:"):  # no command: the help
        raise LayoutError(out.getvalue())
    return f"exit status {rc}, stderr {text!r}, stdout {out.getvalue()[:200]!r}"


SWZ = "#ttg.swizzled_shared<{vec = 2, perPhase = 1, maxPhase = 4, order = [1, 0]}>"
BLK_T = ("#ttg.blocked<{sizePerThread = [4, 1], threadsPerWarp = [8, 4], warpsPerCTA = [2, 2], "
         "order = [0, 1]}>")

cases("cli", ("command", "usage", "choose from", "required"), {
    "no-command": lambda: cli(),
    "unknown-command": lambda: cli("frobnicate"),
    "show-no-attr": lambda: cli("show"),
})
cases("cli", "shape", {
    "show-no-shape": lambda: cli("show", BLOCKED),
    "show-shape-garbage": lambda: cli("show", BLOCKED, "--shape", "32x"),
    "show-shape-zero": lambda: cli("show", BLOCKED, "--shape", "0x64"),
    "show-shape-not-pow2": lambda: cli("show", BLOCKED, "--shape", "24x64"),
    "show-shape-rank": lambda: cli("show", BLOCKED, "--shape", "32x64x2"),
    "show-shape-huge": lambda: cli("show", BLOCKED, "--shape", "1" + "0" * 60 + "x64"),
    "show-shape-negative": lambda: cli("show", BLOCKED, "--shape", "-32x64"),
    "plan-no-shape": lambda: cli("plan", BLOCKED, BLK_T, "--target", "sm_90"),
})
cases("cli", "attr", {
    "show-unknown-attr": lambda: cli("show", "#ttg.nope<{}>", "--shape", "32x64"),
    "show-empty-attr": lambda: cli("show", "", "--shape", "32x64"),
    "show-truncated-attr": lambda: cli("show", BLOCKED[:-3], "--shape", "32x64"),
    "show-garbage-attr": lambda: cli("show", "\x00\x7f<<>>", "--shape", "32x64"),
})
cases("cli", "view", {
    "show-bad-view": lambda: cli("show", BLOCKED, "--shape", "32x64", "--view", "sideways"),
})
cases("cli", "elem-bits", {
    "show-elem-bits-12": lambda: cli("show", BLOCKED, "--shape", "32x64", "--elem-bits", "12"),
    "plan-elem-bits-word": lambda: cli("plan", BLOCKED, BLK_T, "--shape", "32x64", "--target", "sm_90",
                                       "--elem-bits", "abc"),
})
cases("cli", "target", {
    "show-unknown-target": lambda: cli("show", BLOCKED, "--shape", "32x64", "--target", "sm_999"),
    "plan-no-target": lambda: cli("plan", BLOCKED, BLK_T, "--shape", "32x64"),
    "plan-warp-size-mismatch": lambda: cli("plan", BLOCKED, BLK_T, "--shape", "32x64", "--target", "gfx942"),
    "gallery-unknown-target": lambda: cli("gallery", "--target", "sm_999", "--out", "/tmp/h8-never-written"),
})
cases("cli", ("dst", "distributed", "shared"), {
    "plan-shared-dst": lambda: cli("plan", BLOCKED, SWZ, "--shape", "32x64", "--target", "sm_90"),
})
cases("cli", ("file", "ttgir", "No such", "directory"), {
    "ttgir-missing-file": lambda: cli("ttgir", "/nonexistent/kernel.ttgir"),
    "ttgir-directory": lambda: cli("ttgir", "/tmp"),
})
cases("cli", ("png", "file", "No such", "directory"), {
    "show-png-bad-dir": lambda: cli("show", BLOCKED, "--shape", "32x64", "--png", "/nonexistent/dir/x.png"),
})

cases("from_triton", "rank", {
    "nvmma-rank-2**31": lambda: _from_triton(
        "#ttg.nvmma_shared<{swizzlingByteWidth = 0, transposed = false, elementBitWidth = 32, "
        "rank = 2147483647}>", (64, 64)),
})
cases("from_triton", "shape", {
    "tmem-dim-below-cta-split": lambda: _from_triton(
        "#ttng.tensor_memory_encoding<blockM = 64, blockN = 8, CGALayout = [[0, 1]]>", (64, 1)),
    "tmem-scales-dim-below-cta-split": lambda: _from_triton(
        "#ttng.tensor_memory_scales_encoding<CGALayout = [[0, 1]]>", (128, 1)),
})
cases("from_triton", "partition_layout", {
    "partitioned-tmem-inner": lambda: _from_triton(
        "#ttg.partitioned_shared<{numPartitions = 2, numGroups = 1, partitionDim = 0, "
        "partitionLayout = #ttng.tensor_memory_encoding<blockM = 64, blockN = 8, colStride = 1>}>", (64, 64)),
    "partitioned-blocked-inner": lambda: _from_triton(
        "#ttg.partitioned_shared<{numPartitions = 2, numGroups = 1, partitionDim = 0, partitionLayout = "
        "#ttg.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], "
        "order = [1, 0]}>}>",
        (64, 64)),
})


def _tma(**kw):
    TmaCopy = need_attr("linlayout.memory", "TmaCopy")
    args = dict(global_shape=[128, 128], box_shape=[64, 64], element_bitwidth=16)
    args.update(kw)
    return TmaCopy(**args)


cases("TmaCopy", "element_bitwidth", {"bits-float": lambda: _tma(element_bitwidth=16.0),
                                      "bits-bool": lambda: _tma(element_bitwidth=True)})
cases("TmaCopy", "swizzle", {"swizzle-float": lambda: _tma(swizzle=32.0),
                             "swizzle-none": lambda: _tma(swizzle=None)})
cases("TmaCopy", "interleave", {"interleave-float": lambda: _tma(interleave=16.0)})
cases("TmaCopy", "tile_shape", {
    "over-2**31": lambda: _tma(tile_shape=[1 << 40, 64]),
    "written-offsets-over-limit": lambda: _tma(global_shape=[1 << 31, 1 << 31], box_shape=[256, 32],
                                               tile_shape=[1 << 20, 1 << 12], swizzle=64).written_offsets(),
})


def _tdm(**kw):
    TdmCopy = need_attr("linlayout.memory", "TdmCopy")
    args = dict(global_shape=[256, 256], box_shape=[64, 64], element_bitwidth=16)
    args.update(kw)
    return TdmCopy(**args)


cases("TdmCopy", "num_warps", {"warps-huge": lambda: _tdm(num_warps=1 << 40),
                               "warps-bool": lambda: _tdm(num_warps=True)})
cases("TdmCopy", "element_bitwidth", {"tdm-bits-float": lambda: _tdm(element_bitwidth=16.0)})


# ==================================================================================== Triton's own errors
# Parameter sets that Triton 3.9.0 itself rejects (RuntimeError, AssertionError or abort), as
# recorded by the other engineers' generators in tests/data: each must give a LayoutError here.

_ERROR_KEYS = ("error", "err", "triton")


# Gluon's ``to_linear_layout`` returns its answer as a ``#ttg.linear`` attribute, which must be a
# permutation matrix once broadcast bases are removed; layouts with XOR-mixed or repeated bases
# (valid MFMA/WMMA/linear layouts) fail only there, in the binding, not in Triton's layout code.
_BINDING_ONLY = "LinearEncodingAttr requires a permutation matrix"


def _triton_rejected() -> list[tuple[str, dict, list | None, str]]:
    """(file, params, shape or None, Triton's error) for every distinct stored rejection."""
    import json
    from pathlib import Path

    out, seen = [], set()
    for f in sorted((Path(__file__).parent / "data").glob("*.json")):
        if "tmem_reg" in f.name:  # register layouts of tmem loads: a helper, not a description class
            continue
        try:
            data = json.loads(f.read_text())
        except ValueError:
            continue
        for node in _walk(data):
            params = node.get("params", node.get("p"))
            if not isinstance(params, dict):
                continue
            kind = node.get("kind") or params.get("kind")
            rows = [(node.get(k), node.get("shape", node.get("s"))) for k in _ERROR_KEYS
                    if _is_error(node.get(k))]
            rows += [(r.get("error"), r.get("shape")) for r in node.get("results") or []
                     if isinstance(r, dict) and _is_error(r.get("error"))]
            for err, shape in rows:
                if _BINDING_ONLY in str(err):
                    continue
                spec = {"kind": kind, "params": params}
                key = json.dumps([spec, shape], sort_keys=True, default=str)
                if key not in seen:
                    seen.add(key)
                    out.append((f.name, spec, shape, err))
    return out


TRITON_REJECTED = _triton_rejected()


def _class_of(kind: str):
    from linlayout.hardware.base import TRITON_ATTRS

    need("linlayout.triton.attrs")._registry()
    for name in (f"ttg.{kind}", f"ttng.{kind}", f"ttng.{kind}_encoding"):
        if name in TRITON_ATTRS:
            return TRITON_ATTRS[name]
    pytest.skip(f"no description class for kind {kind!r}")


def _build_spec(spec):
    """Build a description from a stored {"kind", "params"} spec (nested parents too)."""
    if isinstance(spec, dict) and "kind" in spec:
        params = spec.get("params", {k: v for k, v in spec.items() if k != "kind"})
        if isinstance(params, dict) and "kind" in params and "params" not in spec:
            params = {k: v for k, v in params.items() if k != "kind"}
        kw = {k: _build_spec(v) for k, v in params.items() if k != "kind"}
        return _class_of(spec["kind"])(**kw)
    return spec


def _default_shape(spec) -> list[int]:
    p = spec.get("params", {})
    for k in ("warps_per_cta", "order", "size_per_thread"):
        if isinstance(p.get(k), list):
            return [64] * len(p[k])
    if isinstance(p.get("rank"), int):
        return [64] * p["rank"]
    if isinstance(p.get("parent"), dict):
        rank = len(_default_shape(p["parent"]))
        return [64] * (rank - 1 if spec.get("kind") == "slice" else rank)
    return [64, 64]


def test_triton_rejected_parameters():
    """Every stored parameter set that Triton rejects is rejected here too."""
    if not TRITON_REJECTED:
        pytest.skip("no stored Triton error cases")
    problems, tried = [], 0
    for fname, spec, shape, err in TRITON_REJECTED:
        sh = shape if isinstance(shape, list) else _default_shape(spec)
        try:
            expect_layout_error(lambda spec=spec, sh=sh: _build_spec(spec).to_linear_layout(sh), ("",))
            tried += 1
        except pytest.skip.Exception:
            continue
        except pytest.fail.Exception as e:
            tried += 1
            problems.append((f"{fname} {spec['kind']}: Triton says {err.strip()[:60]!r}; here: {str(e)[:60]}",
                             f"{spec} {sh}"))
    groups: dict[str, list[str]] = {}
    for head, example in problems:
        groups.setdefault(head, []).append(example)
    report = [f"{len(v)} x {k}\n    e.g. {v[0][:300]}" for k, v in groups.items()]
    assert not problems, f"{len(problems)} of {tried} ({len(groups)} kinds):\n" + "\n".join(report)


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


def test_hardware_descriptions_are_immutable():
    strategies = pytest.importorskip("linlayout.testing.strategies")
    from hypothesis import HealthCheck, given, settings

    if not strategies.hardware_families("sm_100"):
        pytest.skip("no hardware family has landed")

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategies.hardware_layouts("sm_100", with_description=True))
    def check(item):
        desc, shape, L = item
        name = next(iter(vars(desc))) if hasattr(desc, "__dict__") and vars(desc) else "order"
        with pytest.raises(AttributeError):
            setattr(desc, name, None)
        assert desc.to_linear_layout(list(shape)) == L  # unchanged

    check()


def test_from_triton_and_planning_are_thread_safe():
    """Concurrent first use (registry loading) and planning give the single-thread answers."""
    from concurrent.futures import ThreadPoolExecutor

    from_triton = need_attr("linlayout.triton.attrs", "from_triton")
    texts = [(BLOCKED, (32, 64)), (BLOCKED, (16, 16)),
             ("#ttg.swizzled_shared<{vec = 2, perPhase = 1, maxPhase = 4, order = [1, 0]}>", (16, 32))]
    want = [from_triton(t, s) for t, s in texts]

    def work(k):
        t, s = texts[k % len(texts)]
        return k % len(texts), from_triton(t, s)

    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(work, range(96)))
    assert all(L == want[k] for k, L in got)


def test_planner_refuses_oversized_layouts_before_allocating():
    """plan_conversion, wavefront_bound, plan_gather, plan_reduce and plan_scan check the hardware
    index count first (MAX_PLAN_INDICES), instead of running for seconds into a MemoryError."""
    import linlayout as ll
    from linlayout._limits import MAX_PLAN_INDICES

    attr = ("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], "
            "order = [1, 0]}>")
    big = ll.from_triton(attr, [2048, 2048])
    assert 1 << big.total_in_bits > MAX_PLAN_INDICES
    for call in (lambda: ll.plan_conversion(big, big, "sm_90"),
                 lambda: ll.wavefront_bound(big, big, "sm_90"),
                 lambda: ll.plan_gather(big, big, 0, "sm_90")):
        with pytest.raises(ll.LayoutError, match=r"src: .* over the limit"):
            call()
    for call in (lambda: ll.plan_reduce(big, 1, "sm_90"), lambda: ll.plan_scan(big, 1, "sm_90")):
        with pytest.raises(ll.LayoutError, match=r"layout: .* over the limit"):
            call()


@pytest.mark.parametrize(
    "kw", [{"num_banks": 0}, {"bank_bytes": 0}, {"num_banks": True}, {"bank_bytes": 2.0}]
)
def test_bank_of_refuses_bad_bank_geometry(kw):
    """views.text.bank_of names a zero, bool or float bank count/width (it divided by zero)."""
    from linlayout.views.text import bank_of

    with pytest.raises(LayoutError, match=next(iter(kw))):
        bank_of(4, **kw)
