"""plan_reduce: executable reduction plans checked against numpy on random and hardware layouts,
and against Triton 3.9.0's lowering of real-style kernels (tests/data/triton_reductions.json,
written by ``benchmarks/reductions.py --store``)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linlayout import (
    BlockedLayout,
    LayoutError,
    LinearLayout,
    NVMMADistributedLayout,
    SliceLayout,
    plan_reduce,
    plan_scan,
    reduced_layout,
)
from linlayout.testing import distributed_layouts, hardware_layouts

DATA = os.path.join(os.path.dirname(__file__), "data", "triton_reductions.json")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
TARGETS = ("sm_80", "sm_90", "sm_100", "gfx942", "gfx950", "gfx1100")
KEYS = ("shuffles", "shared_instructions", "shared_bytes", "barriers")


def distribute(L: LinearLayout, X: np.ndarray) -> np.ndarray:
    """The register file ``(blocks, warps, lanes, registers)`` of tensor ``X`` in layout ``L``."""
    t = L.to_table()
    ins = L.in_dims
    shp = (ins["block"], ins["warp"], ins["lane"], ins["register"])
    return X[tuple(t[:, k].reshape(shp) for k in range(t.shape[1]))]


def axis_index(shape, axis: int) -> np.ndarray:
    """Each element's coordinate along ``axis`` (the indices Triton's argmax reduces with)."""
    return np.broadcast_to(
        np.arange(shape[axis]).reshape([-1 if i == axis else 1 for i in range(len(shape))]), shape
    )


def check_reduction(L: LinearLayout, axis: int, target: str, seed: int = 0) -> None:
    """Run sum/max/min/argmax/argmin plans on data with ties and compare with numpy, broadcast
    copies of the slice layout included."""
    p = plan_reduce(L, axis, target)
    assert p.result == reduced_layout(L, axis)
    shape = tuple(L.out_dims.values())
    X = np.random.default_rng(seed).integers(-4, 4, size=shape)  # few values: many ties
    vals = distribute(L, X)
    for op, fn in (("sum", np.sum), ("max", np.max), ("min", np.min)):
        np.testing.assert_array_equal(p.run(vals, op), distribute(p.result, fn(X, axis=axis)), err_msg=op)
    idx = distribute(L, axis_index(shape, axis))
    for op, fv, fi in (("argmax", np.max, np.argmax), ("argmin", np.min, np.argmin)):
        gv, gi = p.run((vals, idx), op)
        np.testing.assert_array_equal(gv, distribute(p.result, fv(X, axis=axis)), err_msg=op)
        np.testing.assert_array_equal(gi, distribute(p.result, fi(X, axis=axis)), err_msg=op)


# ---------------------------------------------------------------------------------------
# properties


@SETTINGS
@given(
    distributed_layouts(num_warps=st.sampled_from([1, 2, 4, 8]), broadcast=st.booleans(), max_bits=10)
    | distributed_layouts(
        num_warps=st.sampled_from([1, 2, 4]), broadcast=st.booleans(), xor_mix=False, max_bits=10
    ),
    st.data(),
)
def test_random_layouts_match_numpy(L, data):
    check_reduction(L, data.draw(st.integers(0, len(L.out_dims) - 1)), "sm_80")


@SETTINGS
@given(
    distributed_layouts(
        warp_size=64, num_warps=st.sampled_from([1, 2, 4]), broadcast=st.booleans(), max_bits=10
    ),
    st.data(),
)
def test_random_wave64_layouts_match_numpy(L, data):
    check_reduction(L, data.draw(st.integers(0, len(L.out_dims) - 1)), "gfx942")


@SETTINGS
@given(
    st.sampled_from(TARGETS).flatmap(
        lambda t: st.tuples(st.just(t), hardware_layouts(t, kind="distributed"))
    ),
    st.data(),
)
def test_hardware_layouts_match_numpy(tl, data):
    """blocked, slice, mma v2/v3, dot operands, mfma, wmma, linear, tmem register layouts."""
    target, L = tl
    check_reduction(L, data.draw(st.integers(0, len(L.out_dims) - 1)), target)


@SETTINGS
@given(
    distributed_layouts(
        num_warps=st.sampled_from([1, 2, 4]), num_blocks=st.sampled_from([2, 4]), xor_mix=False, max_bits=11
    ),
    st.data(),
)
def test_across_ctas(L, data):
    """sm_90 reduces across the CTAs of a cluster (distributed shared memory); sm_80 refuses."""
    axis = data.draw(st.integers(0, len(L.out_dims) - 1))
    check_reduction(L, axis, "sm_90")
    crosses = any(b[axis] for b in L.bases["block"])
    if crosses:
        with pytest.raises(LayoutError, match="distributed shared memory"):
            plan_reduce(L, axis, "sm_80")
    else:
        plan_reduce(L, axis, "sm_80")


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(TARGETS).flatmap(
        lambda t: st.tuples(st.just(t), hardware_layouts(t, kind="distributed"))
    ),
    st.data(),
    st.sampled_from([8, 16, 64]),
)
def test_metrics_are_consistent(tl, data, bits):
    """Counts add up over the steps; an index beside each value never costs extra barriers."""
    target, L = tl
    axis = data.draw(st.integers(0, len(L.out_dims) - 1))
    p = plan_reduce(L, axis, target, elem_bits=bits)
    m, a = p.metrics("sum"), p.metrics("argmax")
    assert a["barriers"] == m["barriers"]
    assert all(a[k] >= m[k] for k in KEYS)
    assert p.shuffles == m["shuffles"] and p.barriers == m["barriers"]
    assert "totals:" in p.explain()


@SETTINGS
@given(
    st.sampled_from(TARGETS).flatmap(lambda t: hardware_layouts(t, kind="distributed"))
    | distributed_layouts(broadcast=True, xor_mix=False),
    st.data(),
)
def test_result_is_the_layout_infer_layout_gives(L, data):
    """The result register file is in ``infer_layout('tt.reduce', …)``'s slice layout (f1's module;
    skipped on a branch without it)."""
    infer = pytest.importorskip("linlayout.kernel.infer")
    if len(L.out_dims) < 2:
        return
    axis = data.draw(st.integers(0, len(L.out_dims) - 1))
    assert plan_reduce(
        L, axis, "sm_80" if L.in_dims["lane"] == 32 else "gfx942"
    ).result == infer.infer_layout("tt.reduce", [L], axis=axis)


@pytest.mark.parametrize(
    "tpw, target, op, redux, shuffles",
    [
        ([1, 32], "sm_80", "sum", 1, 1),  # a full warp: one redux.sync per register
        ([2, 16], "sm_80", "sum", 2, 2),  # 16 lanes and one partition bit: two reduxes
        ([4, 8], "sm_80", "sum", 0, 3),  # 8 lanes and two partition bits: shuffles
        ([4, 8], "sm_80", "max", 0, 3),
        ([2, 4, 4], "sm_100", "max", 2, 2),  # sm_100 min/max over 8 lanes + one partition bit
        ([2, 4, 4], "sm_80", "max", 0, 3),
        ([1, 32], "gfx942", "sum", 0, 6),  # no redux on AMD: 6 rounds over 64 lanes
    ],
)
def test_integer_reductions_count_reduxes_as_triton(tpw, target, op, redux, shuffles):
    """The redux.sync rule of triton-kernel-semantics.md §2.3 (one register per thread here)."""
    if len(tpw) == 3:  # lanes: 8 on the axis, one partition bit, one broadcast bit
        L = LinearLayout.from_bases(
            {"register": [], "lane": [[1, 0], [2, 0], [4, 0], [0, 1], [0, 0]], "warp": [], "block": []},
            [("dim0", 8), ("dim1", 2)],
        )
        axis = 0
    else:
        lanes = 64 if target.startswith("gfx") else 32
        shape = [tpw[0], tpw[1] * (lanes // 32)]
        L = BlockedLayout([1, 1], [tpw[0], tpw[1] * (lanes // 32)], [1, 1], [1, 0]).to_linear_layout(shape)
        axis = 1
    m = plan_reduce(L, axis, target, integer=True).metrics(op)
    assert m.get("redux", 0) == redux and m["shuffles"] == shuffles
    assert plan_reduce(L, axis, target).metrics(op).get("redux", 0) == 0
    with pytest.raises(LayoutError, match="integer"):
        plan_reduce(L, axis, target, integer=1)


def test_numpy_integer_axis():
    assert plan_reduce(L0, np.int64(1), "sm_80").axis == 1


def test_slice_layout_of_blocked_parent():
    P = BlockedLayout([2, 4], [4, 8], [2, 2], [1, 0])
    L = P.to_linear_layout([64, 64])
    for axis in (0, 1):
        assert plan_reduce(L, axis, "sm_80").result == SliceLayout(axis, P).to_linear_layout([64])


def test_rank_one_reduces_to_a_scalar():
    L = BlockedLayout([4], [32], [4], [0]).to_linear_layout([512])
    p = plan_reduce(L, 0, "sm_80")
    X = np.arange(512)
    out = p.run(distribute(L, X), "sum")
    assert out.shape == (1, 4, 32, 1) and (out == X.sum()).all()


# ---------------------------------------------------------------------------------------
# Triton 3.9.0, stored


def _stored():
    with open(DATA) as f:
        return json.load(f)["cases"]


_PARTS = {
    "softmax": [("reduce", "max"), ("reduce", "sum")],
    "layernorm": [("reduce", "sum"), ("reduce", "sum")],
    "rmsnorm": [("reduce", "sum")],
    "cumsum": [("scan", "sum")],
    "cummax": [("scan", "max")],
}


def _ours(case) -> dict:
    L = LinearLayout.from_bases(case["bases"], [(f"dim{i}", s) for i, s in enumerate(case["shape"])])
    target = case["target"].replace("cuda:", "sm_").replace("hip:", "")
    bits = {"fp32": 32, "fp16": 16, "i32": 32}[case["dtype"]]
    integer = case["dtype"] == "i32"
    tot = dict.fromkeys(KEYS, 0)
    used_shared = False
    for kind, op in _PARTS.get(case["op"], [("reduce", case["op"])]):
        if kind == "reduce":
            m = plan_reduce(L, case["axis"], target, elem_bits=bits, integer=integer).metrics(op)
        else:
            m = plan_scan(L, case["axis"], target, elem_bits=bits, reverse=case["reverse"]).metrics(op)
        if m["shared_bytes"]:  # the next op reuses the scratch: one barrier between them
            tot["barriers"] += used_shared
            used_shared = True
        for k in KEYS:
            tot[k] = max(tot[k], m[k]) if k == "shared_bytes" else tot[k] + m[k]
    return tot


def test_stored_cover_the_table4_families():
    cases = _stored()
    assert len(cases) >= 100
    fams = {c["family"].split("_")[0] for c in cases}
    assert {"blocked", "mma", "slice", "dot", "mfma", "custom"} <= fams
    assert {c["target"] for c in cases} >= {"cuda:80", "cuda:90", "hip:gfx942"}


def test_no_more_than_triton_on_any_count():
    worse = []
    for case in _stored():
        ours = _ours(case)
        if any(ours[k] > case["triton"][k] for k in KEYS):
            worse.append((case["name"], case["triton"], ours))
    assert not worse, worse[:5]


def test_stored_layouts_run_correctly():
    """A sample of the benchmark's layouts (Triton's own bases) reduces correctly."""
    for case in _stored()[::17]:
        if case["op"] in ("sum", "max", "argmax", "argmin"):
            L = LinearLayout.from_bases(case["bases"], [(f"dim{i}", s) for i, s in enumerate(case["shape"])])
            check_reduction(L, case["axis"], case["target"].replace("cuda:", "sm_").replace("hip:", ""))


# ---------------------------------------------------------------------------------------
# bad input


L0 = BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"axis": 2}, "axis"),
        ({"axis": -1}, "axis"),
        ({"axis": True}, "axis"),
        ({"elem_bits": 12}, "elem_bits"),
        ({"target": "gfx942"}, "layout"),
        ({"target": "sm_7"}, "target"),
        ({"layout": "blocked"}, "layout"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, arg):
    args = {"layout": L0, "axis": 1, "target": "sm_80"} | kwargs
    eb = args.pop("elem_bits", 32)
    with pytest.raises(LayoutError, match=arg):
        plan_reduce(args["layout"], args["axis"], args["target"], elem_bits=eb)


def test_bad_run_input_names_the_argument():
    p = plan_reduce(L0, 1, "sm_80")
    v = np.zeros((1, 4, 32, 16))
    with pytest.raises(LayoutError, match="op"):
        p.run(v, "prod")
    with pytest.raises(LayoutError, match="values"):
        p.run(np.zeros((1, 4, 32, 8)), "sum")
    with pytest.raises(LayoutError, match="values"):
        p.run(v, "argmax")
    with pytest.raises(LayoutError, match="values"):
        p.run((v, v), "argmax")  # float indices
    with pytest.raises(LayoutError, match="op"):
        p.metrics("cumsum")
    with pytest.raises(LayoutError, match="values"):
        p.run(v.astype(bool), "sum")  # booleans would sum as a logical or


def test_non_surjective_layout_is_refused():
    L = LinearLayout.from_bases(
        {"register": [[1]], "lane": [[0]] * 5, "warp": [], "block": []},
        [("dim0", 4)],
        require_surjective=False,
    )
    with pytest.raises(LayoutError, match="surjective"):
        plan_reduce(L, 0, "sm_80")


# ---------------------------------------------------------------------------------------
# Triton 3.9.0, live


@pytest.mark.triton
def test_live_kernels_against_triton(triton_python):
    """Kernels outside the stored set (2 warps, 32x32, fp16): Triton's layout bases equal ours and
    our plans are no more expensive than its lowering."""
    import subprocess

    child = os.path.join(os.path.dirname(__file__), "tools", "triton_reductions_child.py")
    blk = BlockedLayout([2, 1], [4, 8], [1, 2], [0, 1])
    spec = {"kind": "blocked", "spt": [2, 1], "tpw": [4, 8], "wpc": [1, 2], "order": [0, 1]}
    cases = [
        {
            "name": f"live/{op}/{axis}",
            "target": "cuda:90",
            "shape": [32, 32],
            "dtype": "fp16",
            "num_warps": 2,
            "op": op,
            "axis": axis,
            "reverse": rev,
            "layout": spec,
        }
        for op, axis, rev in (
            ("sum", 0, False),
            ("argmax", 1, False),
            ("cumsum", 1, True),
            ("softmax", 1, False),
        )
    ]
    r = subprocess.run(
        [triton_python, child],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, TRITON_DEFAULT_FP_FUSION="1"),
    )
    assert "@@JSON@@" in r.stdout, r.stderr[-2000:]
    got = json.loads(r.stdout.split("@@JSON@@", 1)[1])
    ours_layout = blk.to_linear_layout([32, 32])
    for case, rec in zip(cases, got):
        assert rec["ok"], rec
        assert LinearLayout.from_bases(rec["bases"], [("dim0", 32), ("dim1", 32)]) == ours_layout
        theirs = {
            "shuffles": rec["shfl"] + rec["redux"],
            "shared_instructions": rec["st"] + rec["ld"],
            "shared_bytes": rec["smem"],
            "barriers": rec["bar"],
        }
        ours = _ours(case | {"bases": rec["bases"]})
        assert all(ours[k] <= theirs[k] for k in KEYS), (case["name"], theirs, ours)


def test_picture_merges_partials_step_by_step():
    import matplotlib

    matplotlib.use("Agg")
    from linlayout.kernel.draw import _partial_ids

    p = plan_reduce(NVMMADistributedLayout([2, 0], [2, 2], [16, 8]).to_linear_layout([64, 64]), 0, "sm_80")
    fig = p.draw()
    assert len(fig.axes) >= 1 + sum(type(s).__name__ in ("Combine", "Butterfly") for s in p.steps)
    counts = [len(np.unique(_partial_ids(p, b))) for b in [()] + p.progress]
    assert counts[0] == 64 and counts[-1] == 1
    assert all(a >= b for a, b in zip(counts, counts[1:]))
    with pytest.raises(LayoutError, match="max_panels"):
        p.draw(max_panels=1)


def test_command_line(tmp_path, capsys):
    from linlayout.kernel.cli import main

    attr = (
        "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
        "order = [1, 0]}>"
    )
    png = tmp_path / "plan.png"
    assert main([attr, "32x64", "--axis", "1", "--target", "sm_80", "--draw", str(png)]) == 0
    out = capsys.readouterr().out
    assert "ReducePlan axis=1" in out and "shuffles=16" in out and png.stat().st_size > 0
    assert main([attr, "32x64", "--axis", "0", "--scan", "--reverse"]) == 0
    assert "ScanPlan axis=0 reverse" in capsys.readouterr().out
    assert main([attr, "32x6x", "--axis", "0"]) == 2
    assert "shape" in capsys.readouterr().err
    assert main([attr, "32x64", "--axis", "3"]) == 2
    assert "axis" in capsys.readouterr().err
