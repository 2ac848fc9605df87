"""Regenerate notebooks/08_assign.ipynb (cells only; execute it with tests/test_notebooks.execute)."""

import nbformat as nbf

nb = nbf.v4.new_notebook()
md = nbf.v4.new_markdown_cell
code = nbf.v4.new_code_cell
cells = [
    md("""# 08 · Choosing a kernel's layouts globally: `assign_layouts`

Triton picks the layout of every tensor in a kernel with a greedy pass (RemoveLayoutConversions:
forward propagation from anchors, then backward rematerialisation).  `linlayout.assign_layouts`
solves the same problem exactly: it reads the TTGIR that Triton 3.9.0 printed after its own passes,
keeps the anchors (loads, stores, dots, shared memory) fixed, and picks for every other value the
encoding that minimises the total *planned* cost of the conversions left (each one planned by
`plan_conversion`, weighted by loop trip counts).

This notebook walks through one kernel: flash-attention forward, compiled for `gfx942`
(`tests/data/assign_attention@hip_gfx942.ttgir`, made by `tests/tools/assign_kernels.py`)."""),
    code("""import re
from pathlib import Path

from linlayout import assign_layouts

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
text = (ROOT / "tests/data/assign_attention@hip_gfx942.ttgir").read_text()
body = [ln for ln in text.split("\\n") if ln.strip() and not ln.startswith("#loc")]
n_cvt = sum("ttg.convert_layout" in ln for ln in body)
print(len(body), "lines;", n_cvt, "convert_layout ops in Triton's output")"""),
    md("""## Triton's choice, costed by the planner

`assign_layouts` first prices the dump's own `convert_layout` ops with the same planner and loop
weights it uses for its own answer, so the two numbers compare like with like."""),
    code("""a = assign_layouts(text)
print(a.summary())"""),
    md("""Triton converts the loop-carried `m_i` statistics *after* `expand_dims` (a `64x1` tensor in
the MFMA layout, padded to the MFMA tile), inside the loop (weight 8: the trip count is not a
constant).  The exact assignment converts the 64-element row vector *before* `expand_dims`
instead: the same data, fewer registers moved.

## The problem it solved

Values fall into three kinds: *fixed* (anchors and ops the model does not rewrite), *cheap*
(`make_range`, `splat`, constants and the index arithmetic built on them only, cloned in
whatever layout a consumer wants, as Triton's rematerialisation does) and *flexible*.
Flexible values tied by elementwise ops or loops form classes; each class has candidate
encodings, the anchors' encodings and their images through the shape ops."""),
    code("""from linlayout.assign.model import build_problem
from linlayout.assign.parse import parse_module
from linlayout.targets import get_target

mod = parse_module(text)
prob = build_problem(mod, get_target(mod.target))
kinds = {}
for k in prob.kinds:
    kinds[k] = kinds.get(k, 0) + 1
print("ops by kind:", kinds)
free = {c: cs for c, cs in prob.cands.items() if len(cs) > 1}
print(len(prob.cands), "classes,", len(free), "with a choice")
for c, cs in list(free.items())[:4]:
    print(f"  {c}: {cs}")"""),
    md("""The solver splits the classes into independent components and runs exact min-sum variable
elimination over small cost tables (one per value, one per shape op); `optimal` says the
optimum was proven, and `lower_bound` is a proven bound when the time budget ran out first."""),
    code("""from linlayout.assign.solve import solve

sol = solve(prob)
print("cost", round(sol.cost, 1), "optimal", sol.optimal, "lower bound", round(sol.lower_bound, 1))
changed = {c: (cs[0], sol.x[c]) for c, cs in prob.cands.items() if sol.x[c] != cs[0]}
for c, (old, new) in changed.items():
    print(f"  {c}: {old} -> {new}")"""),
    md("""## The rewritten module

Same ops, new encodings, one `convert_layout` per value and layout needed, right after the
value's definition.  The lines that differ:"""),
    code("""import difflib

new = [ln for ln in a.ttgir.split("\\n") if ln.strip() and not ln.startswith("#loc")]
strip = lambda s: re.sub(r" loc\\(.*\\)$", "", s)
for ln in difflib.unified_diff([strip(x) for x in body], [strip(x) for x in new], lineterm="", n=0):
    if not ln.startswith(("---", "+++", "@@")):
        print(ln[:160])"""),
    md("""triton 3.9.0 compiles the rewritten module for gfx942 on the CPU (the `triton`-marked test
`tests/test_assign.py::test_triton_compiles_rewritten` and `benchmarks/assign.py --compile`
check every stored dump).

## Semantics preserved

The numpy interpreter runs the TTGIR subset on full tensors (layouts only checked for
consistency), with distinct values in every input buffer (integer arguments 128, so the
loop runs twice)."""),
    code("""import numpy as np

from linlayout.assign.interp import run

for name in ("assign_attention@hip_gfx942.ttgir", "assign_transpose_add@cuda_80.ttgir"):
    src = (ROOT / "tests/data" / name).read_text()
    b = assign_layouts(src)
    before, after = run(src), run(b.ttgir)
    same = before.keys() == after.keys() and all(
        np.asarray(before[k]).tobytes() == np.asarray(after[k]).tobytes() for k in before)
    print(f"{name}: {len(before)} stored elements, bit-identical: {same}; "
          f"cost {b.triton_cost:.1f} -> {b.cost:.1f}")"""),
    md("""## Over nine kernels and nine targets

`benchmarks/assign.py` compiles softmax, layernorm, matmul with an epilogue, attention, column
sum, row max, cumsum, transpose and transpose+add for cuda:80/90/100/120 and
gfx942/950/1100/1200/1250 and prints Triton's cost beside ours for each.  Ours is never higher;
it is lower on attention for gfx942 and gfx950 (convert before `expand_dims`) and on
transpose+add everywhere (Triton converts both loaded tiles to a third layout; one convert
suffices)."""),
]
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(
    nb, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "notebooks" / "08_assign.ipynb")
)
