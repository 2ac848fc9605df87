"""Formulas and emitted index code, checked by evaluating them on every input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.views import formula as F
from linlayout.views import text

CASES = json.loads((Path(__file__).parent / "data" / "triton_views.json").read_text())["cases"]


def _layout(case):
    return LinearLayout.from_bases(case["bases"], [tuple(o) for o in case["out_dims"]])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_python_and_triton_code_on_every_input(case):
    L = _layout(case)
    assert F.check_index_code(L, lang="python")
    assert F.check_index_code(L, lang="triton")


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
@pytest.mark.parametrize("name", ["mma_v2_32x32", "nvmma_128B_fp16", "mfma_32x32_transposed", "blocked_3d"])
def test_c_code_compiles_and_is_right(name):
    case = next(c for c in CASES if c["name"] == name)
    L = _layout(case)
    code = F.index_code(L, "c")
    assert "register" not in code.split("{")[0]  # a C keyword
    assert ("int reg," in code) == ("register" in L.in_dims)
    assert F.check_index_code(L, code, "c")


def test_golden_swizzle_expression():
    # nvmma_shared 128B fp16 on 32x64 (Triton 3.9.0 bases): the classic XOR swizzle
    case = next(c for c in CASES if c["name"] == "nvmma_128B_fp16")
    assert F.index_expressions(_layout(case)) == {
        "dim0": "offset >> 6",
        "dim1": "(offset & 0x3f) ^ (((offset >> 6) & 7) << 3)",
    }


def test_golden_blocked_expression_uses_adds():
    case = next(c for c in CASES if c["name"] == "blocked_32x64")
    ex = F.index_expressions(_layout(case))
    assert "^" not in ex["dim0"] + ex["dim1"]
    assert ex["dim1"] == "(register & 3) + ((lane & 7) << 2) + ((warp & 1) << 5)"
    code = F.index_code(_layout(case))
    assert code.startswith("def layout_index(register, lane, warp, block):")


def test_fields_and_formulas_small():
    S = LinearLayout.from_bases({"offset": [[0, 1], [1, 0], [1, 1]]}, ["dim0", "dim1"])
    assert F.bit_fields(S)["dim0"] == [F.Field("offset", 1, 1, 0), F.Field("offset", 2, 1, 0)]
    f = F.formulas(S)
    assert str(f["dim1"]) == "Mod(offset_0 + offset_2, 2)"
    assert str(f["dim0"]) == "Mod(offset_1 + offset_2, 2)"  # dim0 has one bit: offset_1 XOR offset_2
    assert F.index_expressions(S)["dim0"] == "((offset >> 1) & 1) ^ (offset >> 2)"
    Z = LinearLayout.from_bases({"lane": [[0], [0]]}, [("dim0", 1)], require_surjective=False)
    assert F.index_expressions(Z) == {"dim0": "0"}
    assert F.check_index_code(Z)


def test_wrong_code_is_caught():
    S = LinearLayout.from_bases({"offset": [[0, 1], [1, 0], [1, 1]]}, ["dim0", "dim1"])
    bad = "def layout_index(offset):\n    return offset >> 1, offset & 1\n"
    with pytest.raises(LayoutError, match="wrong at"):
        F.check_index_code(S, bad)


def test_errors():
    L = LinearLayout.identity("lane", 4, "dim0")
    with pytest.raises(LayoutError, match="lang"):
        F.index_code(L, "fortran")
    with pytest.raises(LayoutError, match="name"):
        F.index_code(L, name="not valid")
    with pytest.raises(LayoutError, match="layout"):
        F.bit_fields([1, 2])


@st.composite
def _layouts(draw):
    n_out = draw(st.integers(1, 3))
    out_bits = [draw(st.integers(0, 4)) for _ in range(n_out)]
    ins = {}
    for name in draw(
        st.lists(st.sampled_from(["register", "lane", "warp", "x"]), min_size=1, max_size=3, unique=True)
    ):
        ins[name] = [
            [draw(st.integers(0, (1 << b) - 1)) for b in out_bits] for _ in range(draw(st.integers(0, 4)))
        ]
    return LinearLayout.from_bases(
        ins, [(f"dim{i}", 1 << b) for i, b in enumerate(out_bits)], require_surjective=False
    )


@given(_layouts())
def test_property_python_code_matches_layout(L):
    assert F.check_index_code(L)
    assert F.check_index_code(L, lang="triton")


@settings(max_examples=15)
@given(_layouts())
def test_property_sympy_formula_matches_layout(L):
    import itertools

    import sympy

    f = F.formulas(L)
    dims = list(L.in_dims)
    syms = [
        sympy.Symbol(f"{d}_{i}", integer=True, nonnegative=True) for d in dims for i in range(len(L.bases[d]))
    ]
    fns = {o: sympy.lambdify(syms, expr, modules="math") for o, expr in f.items()}
    for point in itertools.islice(itertools.product(*[range(L.in_dims[d]) for d in dims]), 64):
        bits = [(v >> i) & 1 for d, v in zip(dims, point) for i in range(len(L.bases[d]))]
        want = L.apply(**dict(zip(dims, point)))
        for o, fn in fns.items():
            assert int(fn(*bits)) == want[o]
    assert text.describe(L)
