"""Literal core-algebra expectations from Triton's LinearLayout tests and header
(see /work/shared/reference/triton-linear-layouts.md §1 and §4.4), ported as examples.

Each example is (id, linlayout computation, expected answer, wheel check).  The
default suite checks linlayout against the expected answer; ``-m triton`` sends
every wheel check (an op on ``triton._C.libtriton.linear_layout.LinearLayout``)
to Triton 3.9.0 and requires the same answer, so no expectation here is only
"what the reference says": where the wheel can express the operation, the wheel
agrees.  Operations the wheel does not bind (reshape, divide, free-variable masks,
num_consecutive_in_out, sublayout, quotient) are checked through the bound ones
where possible (e.g. a division C of A by B is checked as ``B * C == A``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from linlayout.errors import LayoutError
from linlayout.layout import LinearLayout, supremum

sys.path.insert(0, str(Path(__file__).parent / "tools"))

LL = LinearLayout


def D(bases: dict, outs: list) -> dict:
    """Layout dict in the oracle's format; ``outs`` = [(name, size)]."""
    return {
        "bases": {k: [list(b) for b in v] for k, v in bases.items()},
        "out_dims": [[n, s] for n, s in outs],
    }


def L(bases: dict, outs: list) -> LinearLayout:
    return LL.from_bases(bases, [tuple(o) for o in outs], require_surjective=False)


def as_dict(x: LinearLayout) -> dict:
    return D(x.bases, list(x.out_dims.items()))


def ident(n: int, i: str = "i", o: str = "o") -> dict:
    return D({i: [[1 << k] for k in range(n.bit_length() - 1)]}, [(o, n)])


def zeros(n: int, i: str = "i", o: str = "o", out: int = 1) -> dict:
    return D({i: [[0]] * (n.bit_length() - 1)}, [(o, out)])


def mk(d: dict) -> LinearLayout:
    return L(d["bases"], d["out_dims"])


def dims_layout(names: list[str]) -> dict:
    """In-dims with no bases (size 1), in this order: their product order is the supremum."""
    return D({n: [] for n in names}, [("o", 1)])


# id, linlayout thunk, expected, wheel request (op, args) whose answer must equal expected
Example = tuple[str, Callable[[], Any], Any, "tuple[str, list] | None"]
EXAMPLES: list[Example] = []


def ex(name: str, thunk: Callable[[], Any], expected: Any, wheel: tuple[str, list] | None = None) -> None:
    EXAMPLES.append((name, thunk, expected, wheel))


# ---------------------------------------------------------------- constructors and inference (§1.2)
ex("identity1D(8)", lambda: as_dict(LL.identity("i", 8, "o")), ident(8), ("from_bases", [ident(8)]))
ex("identity1D(1)", lambda: as_dict(LL.identity("i", 1, "o")), D({"i": []}, [("o", 1)]))
ex("strided1D(4, 2)", lambda: as_dict(LL.strided("i", 4, 2, "o")), D({"i": [[2], [4]]}, [("o", 8)]))
ex("zeros1D(4, out 8)", lambda: as_dict(LL.zeros("i", 4, "o", 8)), D({"i": [[0], [0]]}, [("o", 8)]))
ex(
    "zeros1D(4, out 8) not surjective",
    lambda: LL.zeros("i", 4, "o", 8).is_surjective(),
    False,
    ("is_surjective", [zeros(4, out=8)]),
)
ex(
    "zeros1D(4) surjective",
    lambda: LL.zeros("i", 4, "o").is_surjective(),
    True,
    ("is_surjective", [zeros(4)]),
)
ex("empty", lambda: str(LL.empty()), "\n(empty layout)", ("str", [D({}, [])]))
for comps, size in (([0], 1), ([1], 2), ([2], 4), ([4], 8), ([5], 8), ([1, 6], 8)):
    ex(
        f"inferred size {comps}",
        lambda comps=comps: LL.from_bases(
            {"i": [[c] for c in comps]}, ["o"], require_surjective=False
        ).out_dims["o"],
        size,
    )
ex(
    "equality includes out sizes",
    lambda: LL.identity("in", 4, "out") == L({"in": [[1], [2]]}, [("out", 8)]),
    False,
    ("eq", [ident(4, "in", "out"), D({"in": [[1], [2]]}, [("out", 8)])]),
)
ex(
    "matrix strided1D(4,2)",
    lambda: LL.strided("i", 4, 2, "o").matrix(),
    [[0, 0], [1, 0], [0, 1]],
    ("matrix", [D({"i": [[2], [4]]}, [("o", 8)])]),
)
ex(
    "matrix identity1D(4)",
    lambda: LL.identity("i", 4, "o").matrix(),
    [[1, 0], [0, 1]],
    ("matrix", [ident(4)]),
)

# ---------------------------------------------------------------- apply (§4.4 Apply)
_apply_L = D({"in1": [[4, 2], [2, 1], [1, 0]], "in2": [[1, 2], [2, 1]]}, [("out1", 8), ("out2", 4)])
ex(
    "apply in1=1",
    lambda: mk(_apply_L).apply(in1=1, in2=0),
    {"out1": 4, "out2": 2},
    ("apply", [_apply_L, {"in1": 1, "in2": 0}]),
)
ex(
    "apply in2=1",
    lambda: mk(_apply_L).apply(in2=1, in1=0),
    {"out1": 1, "out2": 2},
    ("apply", [_apply_L, {"in2": 1, "in1": 0}]),
)
ex("apply missing dims are 0", lambda: mk(_apply_L).apply(in2=1), {"out1": 1, "out2": 2})

# ---------------------------------------------------------------- product (§1.4)
ex("id4*id2 == id8", lambda: as_dict(mk(ident(4)) * mk(ident(2))), ident(8), ("mul", [ident(4), ident(2)]))
ex(
    "id4*zeros2",
    lambda: as_dict(mk(ident(4)) * mk(zeros(2))),
    D({"i": [[1], [2], [0]]}, [("o", 4)]),
    ("mul", [ident(4), zeros(2)]),
)
ex(
    "zeros2*id4",
    lambda: as_dict(mk(zeros(2)) * mk(ident(4))),
    D({"i": [[0], [1], [2]]}, [("o", 4)]),
    ("mul", [zeros(2), ident(4)]),
)
ex(
    "id4(o1)*id8(o2)",
    lambda: as_dict(mk(ident(4, o="o1")) * mk(ident(8, o="o2"))),
    D({"i": [[1, 0], [2, 0], [0, 1], [0, 2], [0, 4]]}, [("o1", 4), ("o2", 8)]),
    ("mul", [ident(4, o="o1"), ident(8, o="o2")]),
)
ex(
    "id8*zeros16",
    lambda: as_dict(mk(ident(8)) * mk(zeros(16))),
    D({"i": [[1], [2], [4], [0], [0], [0], [0]]}, [("o", 8)]),
    ("mul", [ident(8), zeros(16)]),
)
for x, y, want in (
    (["a", "b"], ["a", "c"], ["a", "b", "c"]),
    (["a", "b"], ["b", "c"], ["a", "b", "c"]),
    (["a", "b", "c"], ["a", "d"], ["a", "b", "c", "d"]),
    (["col"], ["row", "col"], ["row", "col"]),
):
    ex(f"supremum {x} {y}", lambda x=x, y=y: supremum(x, y), want)
    ex(
        f"product in-dim order {x} {y}",
        lambda x=x, y=y: list((mk(dims_layout(x)) * mk(dims_layout(y))).in_dims),
        want,
        ("mul", [dims_layout(x), dims_layout(y)]),
    )


def test_supremum_conflict_raises():
    """Triton's header: ``sup([a, b], [b, a]) = error! Supremum does not exist`` (the release
    wheel reaches llvm_unreachable there); linlayout raises LayoutError."""
    with pytest.raises(LayoutError):
        supremum(["a", "b"], ["b", "a"])
    with pytest.raises(LayoutError):
        mk(dims_layout(["a", "b"])) * mk(dims_layout(["b", "a"]))


# ---------------------------------------------------------------- compose (§4.4 Compose)
_c1 = D({"in1": [[1, 1], [0, 1]], "in2": [[1, 0], [1, 2]]}, [("out1", 2), ("out2", 4)])
_c2 = D({"out1": [[2, 2], [1, 0]], "out2": [[1, 1], [2, 1]]}, [("out3", 4), ("out4", 4)])
_c2_sized = D({"out1": [[2, 2]], "out2": [[1, 1], [2, 1]]}, [("out3", 4), ("out4", 4)])
ex(
    "Compose",
    lambda: as_dict(mk(_c1).compose(mk(_c2_sized))),
    D({"in1": [[3, 3], [1, 1]], "in2": [[2, 2], [0, 3]]}, [("out3", 4), ("out4", 4)]),
    ("compose", [_c1, _c2_sized]),
)
ex(
    "Compose (outer in-dims larger)",
    lambda: as_dict(mk(_c1).compose(mk(_c2))),
    D({"in1": [[3, 3], [1, 1]], "in2": [[2, 2], [0, 3]]}, [("out3", 4), ("out4", 4)]),
    ("compose", [_c1, _c2]),
)
ex("Compose result not surjective", lambda: mk(_c1).compose(mk(_c2_sized)).is_surjective(), False)

# ---------------------------------------------------------------- invert_and_compose (§1.5)
_l1 = D({"in1": [[2], [1], [4]]}, [("out", 8)])
_l2 = D({"in2": [[4], [1], [2]]}, [("out", 8)])
ex(
    "invertAndCompose basic",
    lambda: as_dict(mk(_l1).invert_and_compose(mk(_l2))),
    D({"in1": [[4], [2], [1]]}, [("in2", 8)]),
    ("invert_and_compose", [_l1, _l2]),
)
_l2n = D({"in2": [[0], [2], [1], [4]]}, [("out", 8)])
ex(
    "invertAndCompose non-injective",
    lambda: as_dict(mk(_l1).invert_and_compose(mk(_l2n))),
    D({"in1": [[2], [4], [8]]}, [("in2", 16)]),
    ("invert_and_compose", [_l1, _l2n]),
)
_l1b = D({"in1": [[1], [2], [4]]}, [("out", 8)])
_l2b = D({"in2": [[0], [4], [1], [2], [0]]}, [("out", 8)])
ex(
    "invertAndCompose free zero bases",
    lambda: as_dict(mk(_l1b).invert_and_compose(mk(_l2b))),
    D({"in1": [[4], [8], [2]]}, [("in2", 32)]),
    ("invert_and_compose", [_l1b, _l2b]),
)
_reg = D(
    {
        "register": [[0, 1], [0, 2], [0, 4], [0, 32], [32, 0]],
        "lane": [[0, 8], [0, 16], [1, 0], [2, 0], [4, 0]],
        "warp": [[8, 0], [16, 0]],
    },
    [("dim0", 64), ("dim1", 64)],
)
_shared = D(
    {
        "offset": [
            [0, 1],
            [0, 2],
            [0, 4],
            [0, 8],
            [0, 16],
            [0, 32],
            [0, 64],
            [1, 8],
            [2, 16],
            [4, 32],
            [8, 0],
            [16, 0],
            [32, 0],
            [64, 0],
            [128, 0],
        ],
        "block": [],
    },
    [("dim0", 256), ("dim1", 128)],
)
_reg_blk = D({**_reg["bases"], "block": []}, _reg["out_dims"])
_larger_want = D(
    {
        "register": [[1, 0], [2, 0], [4, 0], [32, 0], [4096, 0]],
        "lane": [[8, 0], [16, 0], [136, 0], [272, 0], [544, 0]],
        "warp": [[1024, 0], [2048, 0]],
        "block": [],
    },
    [("offset", 32768), ("block", 1)],
)
ex(
    "InvertAndComposeLargerA",
    lambda: as_dict(mk(_reg_blk).invert_and_compose(mk(_shared))),
    _larger_want,
    ("invert_and_compose", [_reg_blk, _shared]),
)
ex(
    "InvertAndComposeLargerA == compose(invert)",
    lambda: as_dict(mk(_reg_blk).compose(mk(_shared).invert())),
    _larger_want,
)
_bc1 = D({"in1": [[1], [2], [4]], "in2": [[0]]}, [("out", 8)])
_bc2 = D({"in3": [[1], [2], [4]], "in4": [[0]]}, [("out", 8)])
ex(
    "invertAndCompose broadcast dims",
    lambda: as_dict(mk(_bc1).invert_and_compose(mk(_bc2))),
    D({"in1": [[1, 0], [2, 0], [4, 0]], "in2": [[0, 0]]}, [("in3", 8), ("in4", 2)]),
    ("invert_and_compose", [_bc1, _bc2]),
)
# invertAndCompose1 (June 2026): a block basis [0, 0] in both operands converts trivially over block
_ic_a = D({"register": [[1, 0], [0, 1]], "block": [[0, 0]]}, [("dim0", 2), ("dim1", 2)])
_ic_b = D({"register": [[0, 1], [1, 0]], "block": [[0, 0]]}, [("dim0", 2), ("dim1", 2)])
ex(
    "invertAndCompose1 (block [0,0] both)",
    lambda: as_dict(mk(_ic_a).invert_and_compose(mk(_ic_b))),
    D({"register": [[2, 0], [1, 0]], "block": [[0, 1]]}, [("register", 4), ("block", 2)]),
    ("invert_and_compose", [_ic_a, _ic_b]),
)
# 3.9.0's identity-dims rule: an equal sublayout stays identity only when its output bits are
# disjoint from every other in-dim's; otherwise the plain solve (free variables 0) is used.
_id_a = D({"r": [[1]], "block": [[2]]}, [("o", 4)])
_id_b_overlap = D({"offset": [[1], [3]], "block": [[2]]}, [("o", 4)])
_id_b_disjoint = D({"offset": [[1]], "block": [[2]]}, [("o", 4)])
ex(
    "identity dim overlapping other dims is solved",
    lambda: as_dict(mk(_id_a).invert_and_compose(mk(_id_b_overlap))),
    D({"r": [[1, 0]], "block": [[3, 0]]}, [("offset", 4), ("block", 2)]),
    ("invert_and_compose", [_id_a, _id_b_overlap]),
)
ex(
    "identity dim disjoint from other dims stays identity",
    lambda: as_dict(mk(_id_a).invert_and_compose(mk(_id_b_disjoint))),
    D({"r": [[1, 0]], "block": [[0, 1]]}, [("offset", 2), ("block", 2)]),
    ("invert_and_compose", [_id_a, _id_b_disjoint]),
)
_id_z_a = D({"r": [[1]], "block": [[2], [0]]}, [("o", 4)])
_id_z_b = D({"offset": [[1]], "block": [[2], [0]]}, [("o", 4)])
ex(
    "identity dim keeps its zero bases as identity",
    lambda: as_dict(mk(_id_z_a).invert_and_compose(mk(_id_z_b))),
    D({"r": [[1, 0]], "block": [[0, 1], [0, 2]]}, [("offset", 2), ("block", 4)]),
    ("invert_and_compose", [_id_z_a, _id_z_b]),
)

# ---------------------------------------------------------------- invert / pseudoinvert (§1.5)
_perm = D({"offset": [[2], [1], [4]]}, [("o", 8)])
ex(
    "invert permutation",
    lambda: as_dict(mk(_perm).invert()),
    D({"o": [[2], [1], [4]]}, [("offset", 8)]),
    ("invert", [_perm]),
)
_bcast = D({"lane": [[1], [0], [2]]}, [("o", 4)])
ex(
    "pseudoinvert skips broadcast bit",
    lambda: as_dict(mk(_bcast).pseudo_invert()),
    D({"o": [[1], [4]]}, [("lane", 8)]),
    ("pseudoinvert", [_bcast]),
)

# ---------------------------------------------------------------- reshape / transpose / sublayout (§1.6)
ex(
    "reshapeIns",
    lambda: as_dict(
        L({"in1": [[1], [4], [8]], "in2": [[2]]}, [("out", 16)]).reshape_ins([("in3", 2), ("in4", 8)])
    ),
    D({"in3": [[1]], "in4": [[4], [8], [2]]}, [("out", 16)]),
)
ex(
    "reshapeOuts",
    lambda: as_dict(
        L({"in1": [[1], [4], [8]], "in2": [[3]]}, [("out", 16)]).reshape_outs([("out2", 2), ("out3", 8)])
    ),
    D({"in1": [[1, 0], [0, 2], [0, 4]], "in2": [[1, 1]]}, [("out2", 2), ("out3", 8)]),
)
ex(
    "flattenOuts",
    lambda: as_dict(L({"i": [[1, 0], [0, 1]]}, [("a", 2), ("b", 4)]).flatten_outs()),
    D({"i": [[1], [2]]}, [("a", 8)]),
)
ex(
    "flattenIns",
    lambda: as_dict(L({"x": [[1]], "y": [[2]]}, [("o", 4)]).flatten_ins()),
    D({"x": [[1], [2]]}, [("o", 4)]),
)
ex(
    "transposeOuts",
    lambda: as_dict(L({"i": [[1, 2]]}, [("a", 2), ("b", 4)]).transpose_outs(["b", "a"])),
    D({"i": [[2, 1]]}, [("b", 4), ("a", 2)]),
)
_sub = D({"in1": [[1, 1], [2, 0], [0, 1]], "in2": [[1, 0]]}, [("out1", 4), ("out2", 2)])
ex("sublayout({}, {out1})", lambda: as_dict(mk(_sub).sublayout([], ["out1"])), D({}, [("out1", 4)]))
ex("sublayout({in1}, {})", lambda: as_dict(mk(_sub).sublayout(["in1"], [])), D({"in1": [[], [], []]}, []))
ex(
    "sublayout keeps original order",
    lambda: as_dict(mk(_sub).sublayout(["in2", "in1"], ["out2", "out1"])),
    as_dict(mk(_sub)),
)
ex(
    "resizeInDim",
    lambda: as_dict(mk(_sub).resize_in_dim("in1", 2)),
    D({"in1": [[1, 1]], "in2": [[1, 0]]}, [("out1", 4), ("out2", 2)]),
)
ex(
    "resizeOutDim",
    lambda: as_dict(mk(_sub).resize_out_dim("out1", 2)),
    D({"in1": [[1, 1], [0, 0], [0, 1]], "in2": [[1, 0]]}, [("out1", 2), ("out2", 2)]),
)
ex("renameInDim moves to end", lambda: list(mk(_sub).rename_in_dim("in1", "x").in_dims), ["in2", "x"])
ex(
    "removeZeroBasesAlongDim",
    lambda: as_dict(L({"r": [[1], [0], [2], [0]]}, [("o", 4)]).remove_zero_bases("r")),
    D({"r": [[1], [2]]}, [("o", 4)]),
)

# ---------------------------------------------------------------- division (§1.7, §4.4)
ex(
    "divideLeft(id8*zeros16, id8)",
    lambda: as_dict((mk(ident(8)) * mk(zeros(16))).divide_left(mk(ident(8)))),
    zeros(16, out=1),
    ("mul", [ident(8), zeros(16, out=1)]),
)  # wheel: id8 * result == dividend
ex(
    "divideLeft(A, A) = identity1D(1)",
    lambda: as_dict(mk(_reg).divide_left(mk(_reg))),
    D({"register": [], "lane": [], "warp": []}, [("dim0", 1), ("dim1", 1)]),
)
_d1 = D({"in1": [[1, 1], [2, 2], [0, 8], [0, 4]], "in2": [[0, 2], [0, 1]]}, [("out1", 4), ("out2", 16)])
_d2 = D({"in1": [[1, 1], [2, 2]], "in2": [[0, 2], [0, 1]]}, [("out1", 4), ("out2", 4)])
_d3 = D({"in1": [[0, 2], [0, 1]], "in2": []}, [("out1", 1), ("out2", 4)])
ex("Divide_2D product", lambda: as_dict(mk(_d2) * mk(_d3)), _d1, ("mul", [_d2, _d3]))
ex("Divide_2D divideLeft", lambda: as_dict(mk(_d1).divide_left(mk(_d2))), _d3)
ex("Divide_2D divideRight", lambda: as_dict(mk(_d1).divide_right(mk(_d3))), _d2)
_e1 = D({"in2": [[1, 0], [1, 0]], "in1": [[2, 0], [0, 1]]}, [("out1", 4), ("out2", 2)])
_e2 = D({"in2": [[1], [1]]}, [("out1", 2)])
_e3 = D({"in2": [], "in1": [[1, 0], [0, 1]]}, [("out1", 2), ("out2", 2)])
ex("Divide_EliminateOutDim product", lambda: as_dict(mk(_e2) * mk(_e3)), _e1, ("mul", [_e2, _e3]))
ex("Divide_EliminateOutDim divideLeft", lambda: as_dict(mk(_e1).divide_left(mk(_e2))), _e3)
ex("divideLeft not divisible", lambda: mk(ident(8)).divide_left(L({"i": [[2]]}, [("o", 4)])), None)

# ---------------------------------------------------------------- free variables, consecutiveness (§1.7)
ex("free masks zeros(16)", lambda: mk(zeros(16)).free_variable_masks(), {"i": 0b1111})
ex(
    "free masks id2*zeros4*id4*zeros2",
    lambda: (mk(ident(2)) * mk(zeros(4)) * mk(ident(4)) * mk(zeros(2))).free_variable_masks(),
    {"i": 0b100110},
)
ex(
    "free masks 2 dims",
    lambda: L(
        {"in1": [[1, 1], [2, 2], [0, 0]], "in2": [[1, 0], [0, 1], [2, 0]]}, [("o1", 4), ("o2", 4)]
    ).free_variable_masks(),
    {"in1": 0b100, "in2": 0b10},
)
for bases, want in (([1, 2, 4, 9], 1), ([1, 2, 4, 10], 2), ([1, 4, 2], 2)):
    ex(
        f"numConsecutiveInOut {bases}",
        lambda bases=bases: LL.from_bases(
            {"in": [[b] for b in bases]}, ["out"], require_surjective=False
        ).num_consecutive_in_out(),
        want,
    )
ex(
    "numConsecutiveInOut two dims",
    lambda: L({"in": [[1], [2], [4]], "in2": [[8], [18]]}, [("out", 32)]).num_consecutive_in_out(),
    2,
)
ex(
    "numConsecutiveInOut zeros4(o1)*id4(o2)",
    lambda: (mk(zeros(4, o="o1")) * mk(ident(4, o="o2"))).num_consecutive_in_out(),
    1,
)

# ---------------------------------------------------------------- quotient (§1.6, §4.4)
_q = D({"dim1": [[1, 0], [2, 0]], "dim2": [[0, 1], [0, 2]]}, [("dim1", 4), ("dim2", 4)])
ex("quotient trivial dim", lambda: as_dict(mk(_q).quotient(["dim2"])), D({"dim1": [[1], [2]]}, [("dim1", 4)]))
_q_dep = D({"dim1": [[1, 0], [2, 0]], "dim2": [[0, 1], [1, 2]]}, [("dim1", 4), ("dim2", 4)])
ex("quotient fails when dim2 depends", lambda: mk(_q_dep).quotient(["dim2"]), None)

# ---------------------------------------------------------------- toString (§1.3)
_s = D({"register": [[0, 1], [0, 2]], "lane": [[1, 0]], "block": []}, [("dim0", 2), ("dim1", 4)])
ex(
    "toString",
    lambda: str(mk(_s)),
    "\n - register=1 -> (0, 1)\n   register=2 -> (0, 2)\n - lane=1 -> (1, 0)"
    "\n - block is a size 1 dimension\n"
    "where out dims are: [dim0 (size 2), dim1 (size 4)]",
    ("str", [_s]),
)
ex(
    "toString empty with out dims",
    lambda: str(L({}, [("dim0", 4)])),
    "\n(empty layout with out-dims [dim0 (size 4)])",
    ("str", [D({}, [("dim0", 4)])]),
)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("name,thunk,expected,wheel", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example(name, thunk, expected, wheel):
    got = thunk()
    if isinstance(expected, dict) and "bases" in expected and got is not None:
        assert list(got["bases"].items()) == list(expected["bases"].items()), f"{name}: {got}"
        assert got["out_dims"] == expected["out_dims"], f"{name}: {got}"
    else:
        assert got == expected


@pytest.mark.triton
def test_examples_agree_with_the_wheel(triton_python):
    from triton_oracle import ll_ops

    checked = [(name, expected, wheel) for name, _, expected, wheel in EXAMPLES if wheel is not None]
    assert len(checked) >= 30
    answers = ll_ops([{"op": op, "args": args} for _, _, (op, args) in checked], python=triton_python)
    for (name, expected, (op, _args)), ans in zip(checked, answers):
        assert "crash" not in ans and "error" not in ans, f"{name}: {ans}"
        if op == "mul" and name.startswith("product in-dim order"):
            assert list(ans["layout"]["bases"]) == expected, name
        elif name.startswith("divideLeft(id8*zeros16"):
            assert ans["layout"] == as_dict(mk(ident(8)) * mk(zeros(16))), name
        elif "layout" in ans:
            assert list(ans["layout"]["bases"].items()) == list(expected["bases"].items()), f"{name}: {ans}"
            assert ans["layout"]["out_dims"] == expected["out_dims"], f"{name}: {ans}"
        else:
            assert ans["value"] == expected, f"{name}: {ans}"
