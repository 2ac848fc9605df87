"""Common + NVIDIA distributed layouts against stored Triton 3.9.0 answers.

``tests/data/triton_nvidia_cases.json`` is written by ``tests/tools/gen_nvidia_cases.py``
(run with the triton interpreter).  Every stored case is checked here without triton:

* through the Python description classes (``BlockedLayout``, ``SliceLayout``,
  ``DistributedLinearLayout``, ``NVMMADistributedLayout``, ``DotOperandLayout``): the
  layout, bit for bit (in-dims, bases in order, out-dims and sizes), and ``to_triton()``
  against Triton's printed text;
* through ``linlayout.triton.attrs.from_triton`` on Triton's own text (when the parser
  module exists);
* every parameter set Triton rejects (builder error or C++ abort) raises ``LayoutError``.

``tests/data/triton_llconv_nvidia.json`` ports the literal expectations of Triton's
``LinearLayoutConversionsTest.cpp`` for these families (checked against the 3.9.0 wheel).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from linlayout import LayoutError, LinearLayout
from linlayout.hardware.blocked import BlockedLayout, SliceLayout
from linlayout.hardware.cga import cga_from_split_params
from linlayout.hardware.linear import DistributedLinearLayout
from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout

DATA = os.path.join(os.path.dirname(__file__), "data")
IN_DIMS = ("register", "lane", "warp", "block")


def _load(name: str) -> dict:
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


CASES = _load("triton_nvidia_cases.json")
FAMILIES = sorted({lay["family"] for lay in CASES["layouts"]})


def build(p: dict[str, Any]):
    """The linlayout description of a stored Gluon parameter dict."""
    k = p["kind"]
    if k == "blocked":
        return BlockedLayout(
            p["size_per_thread"], p["threads_per_warp"], p["warps_per_cta"], p["order"], p["cga_layout"]
        )
    if k == "slice":
        return SliceLayout(p["dim"], build(p["parent"]))
    if k == "dot_operand":
        return DotOperandLayout(p["operand_index"], build(p["parent"]), p["k_width"])
    if k == "nvidia_mma":
        return NVMMADistributedLayout(p["version"], p["warps_per_cta"], p["instr_shape"], p["cga_layout"])
    if k == "linear":
        return DistributedLinearLayout(
            p["reg_bases"], p["lane_bases"], p["warp_bases"], p["block_bases"], p["shape"]
        )
    raise KeyError(k)


def build_cpp(p: dict[str, Any]):
    """The description of a ported C++ test parameter dict (CTALayout triple; toy warps
    of any power-of-two size, as Triton's unit tests use)."""
    q = dict(p)
    if "ctas_per_cga" in q:
        q["cga_layout"] = cga_from_split_params(
            q.pop("ctas_per_cga"), q.pop("cta_split_num"), q.pop("cta_order")
        )
    if "parent" in q:
        q["parent"] = build_cpp(q["parent"])
    if q["kind"] == "blocked":
        lanes = 1
        for t in q["threads_per_warp"]:
            lanes *= t
        return BlockedLayout(
            q["size_per_thread"],
            q["threads_per_warp"],
            q["warps_per_cta"],
            q["order"],
            q["cga_layout"],
            warp_size=lanes,
        )
    if q["kind"] == "slice":
        return SliceLayout(q["dim"], q["parent"])
    if q["kind"] == "dot_operand":
        return DotOperandLayout(q["operand_index"], q["parent"], q["k_width"])
    return build(q)


def expected_layout(bases: dict, shape: list[int]) -> LinearLayout:
    """Triton's answer as a LinearLayout: in-dims register, lane, warp, block; out-dims
    dim0.. with the tensor's sizes."""
    outs = [(f"dim{i}", s) for i, s in enumerate(shape)]
    return LinearLayout.from_bases({d: bases[d] for d in IN_DIMS}, outs, require_surjective=False)


def _diff(got: LinearLayout, want: LinearLayout) -> str:
    return f"\n got  {got.bases} {got.out_dims}\n want {want.bases} {want.out_dims}"


def _check_family_text(family: str) -> tuple[int, list[str]]:
    """Every case of a family through Triton's text: ``from_triton(text, shape)`` for the
    first shape of each layout, the parsed description (``parse_attr(text)``) for the
    others (parsing once per layout keeps the suite fast)."""
    from linlayout.triton.attrs import from_triton, parse_attr

    n, failures = 0, []
    for lay in CASES["layouts"]:
        if lay["family"] != family:
            continue
        desc = parse_attr(lay["text"])
        for i, case in enumerate(lay["cases"]):
            want = expected_layout(case["bases"], case["shape"])
            try:
                got = (
                    from_triton(lay["text"], case["shape"])
                    if i == 0
                    else desc.to_linear_layout(case["shape"])
                )
            except Exception as e:  # noqa: BLE001 - collected and reported below
                failures.append(f"{lay['id']} {case['shape']}: raised {type(e).__name__}: {e}")
                continue
            n += 1
            if got != want:
                failures.append(f"{lay['id']} {lay['text']} {case['shape']}:{_diff(got, want)}")
    return n, failures


@pytest.mark.parametrize("family", FAMILIES)
def test_stored_cases_python(family: str) -> None:
    """Every stored case, through the Python description classes."""
    n = 0
    failures = []
    for lay in CASES["layouts"]:
        if lay["family"] != family:
            continue
        desc = build(lay["params"])
        for case in lay["cases"]:
            want = expected_layout(case["bases"], case["shape"])
            got = desc.to_linear_layout(case["shape"])
            n += 1
            # Triton shrinks a swizzled warp basis component by zeroing it whole, so a
            # generic_linear on a smaller shape can miss elements (as Triton's own answer does)
            if family != "generic_linear" and not got.is_surjective():
                failures.append(f"{lay['id']} {case['shape']}: not surjective")
            if got != want:
                failures.append(f"{lay['id']} {lay['text']} {case['shape']}:{_diff(got, want)}")
    assert n > 0
    assert not failures, f"{len(failures)} of {n} cases differ:\n" + "\n".join(failures[:5])


@pytest.mark.parametrize("family", FAMILIES)
def test_to_triton_text(family: str) -> None:
    """``to_triton()`` prints exactly what Triton prints for the same parameters."""
    bad = [
        (lay["id"], build(lay["params"]).to_triton(), lay["text"])
        for lay in CASES["layouts"]
        if lay["family"] == family and build(lay["params"]).to_triton() != lay["text"]
    ]
    assert not bad, "\n".join(f"{i}:\n got  {g}\n want {w}" for i, g, w in bad[:5])


@pytest.mark.parametrize("family", FAMILIES)
def test_stored_cases_from_text(family: str) -> None:
    """Every stored case, through ``from_triton`` on Triton's own printed text."""
    n, failures = _check_family_text(family)
    assert n + len(failures) > 0
    assert not failures, f"{len(failures)} of {n + len(failures)} cases differ:\n" + "\n".join(failures[:5])


@pytest.mark.parametrize("family", FAMILIES)
def test_text_round_trip(family: str) -> None:
    """Parsing Triton's text gives a description that prints the same text."""
    from linlayout.triton.attrs import parse_attr

    bad = []
    for lay in CASES["layouts"]:
        if lay["family"] == family:
            again = parse_attr(lay["text"]).to_triton()
            if again != lay["text"]:
                bad.append(f"{lay['id']}:\n got  {again}\n want {lay['text']}")
    assert not bad, "\n".join(bad[:5])


def _rejects(p: dict, shape: list[int]) -> LayoutError | None:
    try:
        build(p).to_linear_layout(shape)
    except LayoutError as e:
        return e
    return None


def test_triton_rejections_raise_layout_error() -> None:
    """Every parameter set that Triton rejects (Python error or C++ abort) raises
    LayoutError naming the parameter, instead of aborting or answering."""
    assert CASES["errors"]
    for e in CASES["errors"]:
        if (e.get("text") or "").startswith("#ttg.generic_linear"):
            # Gluon's to_linear_layout binding aborts on every generic_linear (it re-verifies it as
            # #ttg.linear); the layout itself is valid and is checked against Triton's view instead
            continue
        err = _rejects(e["params"], e["shape"])
        if e["triton"] == "accepted":
            # recorded as a probe Triton accepts (threadsPerWarp products 16 and 128): so does
            # linlayout, with Triton's bases (test_hardware_common checks them)
            assert err is None, e
            continue
        assert err is not None, f"no LayoutError for {e}"
        if "param" in e:
            assert e["param"] in str(err), f"message {err} does not name {e['param']!r}"


def test_cga_split_params() -> None:
    """Pre-3.9 (CTAsPerCGA, CTASplitNum, CTAOrder) -> block bases, as Triton's make_cga_layout."""
    assert len(CASES["cga"]) > 50
    for c in CASES["cga"]:
        assert cga_from_split_params(c["ctas_per_cga"], c["cta_split_num"], c["cta_order"]) == c["bases"], c


def test_case_counts() -> None:
    """The stored grid is large and covers every family, rank and CGA variant."""
    counts = {f: 0 for f in FAMILIES}
    ranks = set()
    for lay in CASES["layouts"]:
        counts[lay["family"]] += len(lay["cases"])
        ranks.add(len(lay["cases"][0]["shape"]))
    assert set(counts) >= {"blocked", "slice", "dot_operand", "nvidia_mma", "linear"}
    assert sum(counts.values()) >= 3000, counts
    assert ranks >= {1, 2, 3}
    assert any("CGALayout" in lay["text"] for lay in CASES["layouts"] if lay["family"] == "nvidia_mma")


LLCONV = _load("triton_llconv_nvidia.json")


@pytest.mark.parametrize("case", LLCONV["cases"], ids=lambda c: f"{c['test']}-{c['shape']}")
def test_llconv_expectations(case: dict) -> None:
    """The literal expectations of Triton's LinearLayoutConversionsTest.cpp (blocked, slice,
    nvidia_mma, dot_op); where the 3.9.0 wheel answers differently (it drops register bases
    that the shape zeroes out for blocked and slice layouts) the wheel's answer is the bar."""
    want_bases = case.get("triton_3_9_0", case["expected"])
    got = build_cpp(case["params"]).to_linear_layout(case["shape"])
    want = expected_layout(want_bases, case["shape"])
    assert got == want, _diff(got, want)


def test_llconv_port_is_mostly_literal() -> None:
    """The port keeps the C++ answers; only the known 3.9.0 register-dropping cases differ."""
    cases = LLCONV["cases"]
    assert len(cases) >= 60
    differ = [c for c in cases if "triton_3_9_0" in c]
    assert len(differ) <= 3
    for c in differ:
        assert c["triton_3_9_0"]["register"] == [b for b in c["expected"]["register"] if any(b)]
        assert {k: v for k, v in c["triton_3_9_0"].items() if k != "register"} == {
            k: v for k, v in c["expected"].items() if k != "register"
        }


@pytest.mark.triton
@pytest.mark.slow
def test_live_against_triton(triton_python: str) -> None:
    """A fresh random grid (another seed), asked of Triton 3.9.0 now, in a subprocess."""
    import importlib.util as iu
    import random

    path = os.path.join(os.path.dirname(__file__), "tools", "gen_nvidia_cases.py")
    spec = iu.spec_from_file_location("gen_nvidia_cases", path)
    gen = iu.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.TRITON_PY = triton_python
    grid = gen.build_grid(seed=random.randrange(1 << 30))
    random.shuffle(grid)
    oracle = gen.Oracle()
    checked = 0
    try:
        for entry in grid[:150]:
            got = oracle.ask({"op": "layout", "params": entry["params"], "shapes": entry["shapes"]})
            text = next((p for t, p in got if t == "T"), None)
            results = [p for t, p in got if t == "S"]
            desc = build(entry["params"])
            if text is not None:
                assert desc.to_triton() == text
            for shape, bases in zip(entry["shapes"], results):
                assert desc.to_linear_layout(shape) == expected_layout(bases, shape), (entry, shape)
                checked += 1
            if len(results) < len(entry["shapes"]):  # Triton rejected this shape: so must we
                with pytest.raises(LayoutError):
                    desc.to_linear_layout(entry["shapes"][len(results)])
    finally:
        oracle.close()
    assert checked > 200
