"""assign_layouts on stored triton 3.9.0 dumps (tests/data/assign_*.ttgir, made by
tests/tools/assign_kernels.py): costs, rewrite, semantics, solver exactness, errors."""

from __future__ import annotations

import functools
import itertools
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linlayout import LayoutError, assign_layouts
from linlayout.assign.interp import run
from linlayout.assign.model import build_problem, total_cost
from linlayout.assign.parse import parse_module
from linlayout.assign.rewrite import rewrite
from linlayout.assign.solve import solve
from linlayout.targets import get_target

DATA = pathlib.Path(__file__).parent / "data"
DUMPS = sorted(p.name for p in DATA.glob("assign_*.ttgir"))
# the interpreter knows no tensor-memory ops (sm_100 dumps)
INTERPRETED = [d for d in DUMPS if "ttng.tmem" not in (DATA / d).read_text()]


@functools.cache
def text(name: str) -> str:
    """A stored dump."""
    return (DATA / name).read_text()


@functools.cache
def assigned(name: str):
    """assign_layouts of a stored dump (cached across tests)."""
    return assign_layouts(text(name))


@functools.cache
def problem(name: str):
    """The assignment problem of a stored dump."""
    mod = parse_module(text(name))
    return build_problem(mod, get_target(mod.target))


def same_stores(a: dict, b: dict) -> bool:
    """Bit-identical stores."""
    return a.keys() == b.keys() and all(np.asarray(a[k]).tobytes() == np.asarray(b[k]).tobytes() for k in a)


def test_dumps_present():
    assert len(DUMPS) >= 6


@pytest.mark.parametrize("name", DUMPS)
def test_never_worse_than_triton(name):
    a = assigned(name)
    assert a.cost <= a.triton_cost + 1e-9
    assert a.lower_bound <= a.cost + 1e-9
    if a.optimal:
        assert a.lower_bound == pytest.approx(a.cost)


@pytest.mark.parametrize("name", DUMPS)
def test_rewritten_module_costs_what_it_claims(name):
    """Reading the rewritten module back: its own converts cost exactly our conversions."""
    a = assigned(name)
    b = assign_layouts(a.ttgir)
    assert b.triton_cost == pytest.approx(a.cost - a.remat_cost)
    assert len(b.triton_conversions) == len(a.conversions)
    assert b.cost <= a.cost + 1e-9


@pytest.mark.parametrize("name", INTERPRETED)
def test_semantics_preserved(name):
    a = assigned(name)
    before, after = run(text(name)), run(a.ttgir)
    assert before  # the kernel stores something
    assert same_stores(before, after)


@pytest.mark.parametrize("name", ["assign_transpose_add@cuda_80.ttgir", "assign_attention@hip_gfx942.ttgir"])
def test_lower_than_triton(name):
    """transpose_add: Triton converts both loads to a third layout, one convert suffices;
    attention on gfx942: the convert moves before the expand_dims (64 elements, not 64x1 padded)."""
    a = assigned(name)
    assert a.cost < a.triton_cost


def test_conversion_plans_are_executable():
    a = assigned("assign_transpose_add@cuda_80.ttgir")
    for c in a.conversions:
        plan = c.plan
        src = np.arange(plan.blocks * plan.warps * plan.lanes * plan.src_regs).reshape(
            plan.blocks, plan.warps, plan.lanes, plan.src_regs
        )
        out = plan.run(src)
        assert out.shape[-1] == plan.dst_regs


@pytest.mark.parametrize("max_table", [4096, 1])
def test_solver_exact_against_brute_force(max_table, monkeypatch):
    """Where the candidate space is small (≤ 3000 assignments), the solver's optimum is the
    least cost of all assignments, by variable elimination and by branch and bound alone."""
    from linlayout.assign import solve as solve_mod

    monkeypatch.setattr(solve_mod, "MAX_TABLE", max_table)
    checked = 0
    for name in DUMPS:
        prob = problem(name)
        free = [c for c, cs in prob.cands.items() if len(cs) > 1]
        size = 1
        for c in free:
            size *= len(prob.cands[c])
        if size > 3000:
            continue
        base = {c: cs[0] for c, cs in prob.cands.items()}
        best = min(
            total_cost(prob, {**base, **dict(zip(free, combo))})
            for combo in itertools.product(*(prob.cands[c] for c in free))
        )
        sol = solve(prob, budget_s=5.0)
        assert sol.optimal, name
        assert sol.cost == pytest.approx(best), name
        checked += 1
    assert checked >= 5


def test_time_budget_gives_a_valid_lower_bound(monkeypatch):
    """With no time, branch and bound returns a feasible assignment and a bound that does not
    exceed the true optimum."""
    from linlayout.assign import solve as solve_mod

    monkeypatch.setattr(solve_mod, "MAX_TABLE", 1)
    prob = problem("assign_attention@cuda_80.ttgir")
    exact = solve(prob, budget_s=5.0)
    monkeypatch.setattr(solve_mod, "MAX_TABLE", 4096)
    assert exact.cost == pytest.approx(solve(prob).cost)
    monkeypatch.setattr(solve_mod, "MAX_TABLE", 1)
    quick = solve(prob, budget_s=0.0)
    assert quick.lower_bound <= exact.cost + 1e-9 <= quick.cost + 2e-9
    assert total_cost(prob, quick.x) == pytest.approx(quick.cost)


@settings(max_examples=12)
@given(data=st.data(), name=st.sampled_from(INTERPRETED))
def test_random_assignments_rewrite_soundly(data, name):
    """Any candidate assignment rewrites to a module with the same stores whose own converts
    cost what the model says; assigning that module again never costs more."""
    prob = problem(name)
    x = {c: data.draw(st.sampled_from(cs)) for c, cs in prob.cands.items()}
    txt, convs = rewrite(prob, x)
    assert same_stores(run(text(name)), run(txt))
    again = assign_layouts(txt)
    model = total_cost(prob, x)
    assert again.triton_cost <= model + 1e-9
    assert again.cost <= again.triton_cost + 1e-9


def test_names_reused_in_sibling_regions_are_made_unique():
    """MLIR reuses a loop's induction-variable name for a value after the loop (gfx950 matmul):
    the reader renames the later one, so every value has one definition."""
    src = text("assign_matmul@hip_gfx950.ttgir")
    mod = parse_module(src)
    renamed = [v for v in mod.defs if re.search(r"_u\d+$", v)]
    assert renamed
    a = assigned("assign_matmul@hip_gfx950.ttgir")
    assert a.cost <= a.triton_cost + 1e-9
    parse_module(a.ttgir)  # each name defined once


def test_unknown_op_kept_fixed_with_note():
    src = text("assign_transpose_add@cuda_80.ttgir")
    line = next(ln for ln in src.split("\n") if "arith.addf" in ln)
    fake = line.replace("arith.addf", "mydialect.combine")
    a = assign_layouts(src.replace(line, fake))
    assert any("mydialect.combine" in n for n in a.notes)
    assert "mydialect.combine" in a.ttgir
    assert a.cost <= a.triton_cost + 1e-9


@pytest.mark.parametrize(
    "mutate, words",
    [
        (lambda s: s.replace("tt.func", "tt.fun"), "no tt.func"),
        (lambda s: s[: s.rfind("tt.return")], "not closed"),
        (lambda s: s.replace("tensor<64x", "tensor<?x", 1), "line"),
        (lambda s: s.replace('ttg.target = "cuda:80", ', ""), "target"),
        (lambda s: s.replace("tt.return", "%w = scf.while (%a = %c0) : (i32) -> i32 {", 1), "scf.while"),
        (lambda s: s.replace("tt.load", "tt.load )", 1), "line"),
        (lambda s: s.replace("tt.store %", "tt.store %nowhere, %", 1), "not defined"),
        (
            lambda s: s.replace(
                "tt.return", "%x = tt.make_range {end = 4 : i32, start = 0 : i32} : tensor<4xi32, #blocked>"
            ),
            "second time",
        ),
    ],
)
def test_malformed_ttgir_raises_layout_error(mutate, words):
    with pytest.raises(LayoutError, match=words):
        assign_layouts(mutate(text("assign_transpose_add@cuda_80.ttgir")))


@pytest.mark.parametrize(
    "target, words", [("gfx942", "64-lane"), ("nonsense", "unknown chip"), (3, "target")]
)
def test_bad_target(target, words):
    with pytest.raises(LayoutError, match=words):
        assign_layouts(text("assign_transpose_add@cuda_80.ttgir"), target=target)


def test_not_a_string():
    with pytest.raises(LayoutError, match="ttgir"):
        assign_layouts(b"module {}")  # type: ignore[arg-type]


def test_cli_prints_comparison(tmp_path, capsys):
    import argparse

    from linlayout.assign import cli

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli.add_parser(sub)
    out = tmp_path / "rw.ttgir"
    args = parser.parse_args(["assign", str(DATA / "assign_transpose_add@cuda_80.ttgir"), "-o", str(out)])
    assert cli.run(args) == 0
    printed = capsys.readouterr().out
    assert "Triton's conversions cost" in printed and "ours" in printed
    assert out.read_text() == assigned("assign_transpose_add@cuda_80.ttgir").ttgir
    bad = parser.parse_args(["assign", str(tmp_path / "missing.ttgir")])
    assert cli.run(bad) == 2


@pytest.mark.triton
@pytest.mark.parametrize("name", DUMPS)
def test_triton_compiles_rewritten(name, triton_python, tmp_path):
    """triton 3.9.0 parses and compiles the rewritten module for its target on the CPU."""
    a = assigned(name)
    path = tmp_path / name
    path.write_text(a.ttgir)
    target = name.split("@")[1].removesuffix(".ttgir").replace("_", ":", 1)
    tool = pathlib.Path(__file__).parent / "tools" / "compile_ttgir.py"
    r = subprocess.run(
        [triton_python, str(tool), str(path), target],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TRITON_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("ok")


def test_notebook_committed_with_outputs_and_executes():
    """notebooks/08_assign.ipynb carries its outputs, and runs again without an error."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from test_notebooks import execute

    path = pathlib.Path(__file__).parent.parent / "notebooks" / "08_assign.ipynb"
    stored = nbformat.read(path, as_version=4)
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert code and all(c.get("outputs") for c in code)
    nb = execute(path, timeout=300)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"
    ]
    assert not errors
    assert "optimal" in "".join(o.get("text", "") for o in nb.cells[3].outputs)


@settings(max_examples=40)
@given(
    name=st.sampled_from(DUMPS),
    how=st.sampled_from(["drop", "dup", "cut", "swap"]),
    where=st.floats(0, 1),
    other=st.floats(0, 1),
)
def test_mangled_ttgir_gives_layout_error_or_a_result(name, how, where, other):
    """Dropping, duplicating or swapping a line, or cutting the text anywhere, gives either an
    assignment or a LayoutError — never another exception."""
    lines = text(name).split("\n")
    i, j = int(where * (len(lines) - 1)), int(other * (len(lines) - 1))
    if how == "drop":
        lines = lines[:i] + lines[i + 1 :]
    elif how == "dup":
        lines = lines[: i + 1] + lines[i:]
    elif how == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    src = "\n".join(lines)
    if how == "cut":
        src = src[: int(where * len(src))]
    try:
        a = assign_layouts(src)
    except LayoutError:
        return
    assert a.cost <= a.triton_cost + 1e-9


def test_import_stays_light():
    """Reaching assign_layouts imports no numpy (the planner loads it when a plan is made)."""
    import sys

    code = (
        "import sys, linlayout; linlayout.assign_layouts; import linlayout.assign.solve, "
        "linlayout.assign.rewrite, linlayout.assign.cli; print('numpy' in sys.modules)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parent.parent)},
    )
    assert r.stdout.strip() == "False", r.stderr


def _forced_reshape_rewrite():
    """tests/data/assign_handmade_reshape@cuda_80.ttgir rewritten with the reshape fed in the load's
    layout, so its result takes an encoding the dump never spells (a new ``#ttg.linear``)."""
    name = "assign_handmade_reshape@cuda_80.ttgir"
    prob = problem(name)
    y, z = prob.cls["%y"], prob.cls["%z"]
    new = [e for e in prob.cands[z] if e.startswith("#ttg.linear")]
    x = {**{c: cs[0] for c, cs in prob.cands.items()}, y: "#A", z: new[0]}
    return name, prob, x, rewrite(prob, x)[0]


def test_new_encodings_get_alias_lines():
    name, prob, x, txt = _forced_reshape_rewrite()
    aliases = [ln for ln in txt.split("\n") if ln.startswith("#linear_ll")]
    assert len(aliases) == 1
    alias = aliases[0].split(" = ")[0]
    body = txt[txt.index("tt.func") :]
    assert alias in body and x[prob.cls["%z"]] not in body
    assert same_stores(run(text(name)), run(txt))
    again = assign_layouts(txt)
    assert again.triton_cost == pytest.approx(total_cost(prob, x))


@pytest.mark.triton
def test_triton_compiles_new_aliases(triton_python, tmp_path):
    _, _, _, txt = _forced_reshape_rewrite()
    path = tmp_path / "forced.ttgir"
    path.write_text(txt)
    tool = pathlib.Path(__file__).parent / "tools" / "compile_ttgir.py"
    r = subprocess.run(
        [triton_python, str(tool), str(path), "cuda:80"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TRITON_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.returncode == 0, r.stderr[-2000:]


def test_deterministic_across_hash_seeds():
    """Ties between equal-cost optima break the same way in every process."""
    import sys

    code = (
        "import hashlib, linlayout; a = linlayout.assign_layouts(open("
        "'tests/data/assign_attention@hip_gfx942.ttgir').read()); "
        "print(hashlib.sha256(a.ttgir.encode()).hexdigest())"
    )
    root = pathlib.Path(__file__).parent.parent
    outs = set()
    for seed in ("1", "2"):
        r = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": seed},
        )
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout.strip())
    assert len(outs) == 1


@pytest.mark.triton
@pytest.mark.parametrize("name", DUMPS)
def test_triton_compiles_other_assignments(name, triton_python, tmp_path):
    """The rewriter is sound off the optimum too: every class on its last candidate (many
    converts, clones, slices, loop-carried and scf.if results) still compiles."""
    prob = problem(name)
    x = {c: cs[-1] for c, cs in prob.cands.items()}
    txt = rewrite(prob, x)[0]
    if name in INTERPRETED:
        assert same_stores(run(text(name)), run(txt))
    path = tmp_path / name
    path.write_text(txt)
    target = name.split("@")[1].removesuffix(".ttgir").replace("_", ":", 1)
    tool = pathlib.Path(__file__).parent / "tools" / "compile_ttgir.py"
    r = subprocess.run(
        [triton_python, str(tool), str(path), target],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TRITON_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.returncode == 0, r.stderr[-2000:]
