"""AMD hardware layouts against Triton 3.9.0.

The stored grids (tests/data/triton_amd_*.json, written by tests/tools/gen_amd_cases.py with
the Triton 3.9.0 wheel) are checked through the description classes and, where the attribute
parser knows the attribute, through ``linlayout.from_triton(text, shape)``.  Properties and the
literal expectations of Triton's C++ unit test (tests/data/triton_amd_cpp_expectations.json)
follow.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout.errors import LayoutError
from linlayout.hardware import amd, amd_shared
from linlayout.hardware.amd import AMDMFMALayout, AMDWMMALayout
from linlayout.hardware.amd_shared import AMDRotatingSharedLayout, PaddedSharedLayout, PartitionedSharedLayout
from linlayout.layout import LinearLayout

DATA = os.path.join(os.path.dirname(__file__), "data")

#: Triton errors that come from its Python binding (it cannot hand back a layout whose bases are
#: not unit vectors), not from Triton rejecting the layout: such cases are unverifiable, not wrong.
BINDING_LIMIT = "LinearEncodingAttr requires a permutation matrix"


@functools.cache
def load(family: str) -> dict:
    path = os.path.join(DATA, f"triton_amd_{family}.json")
    if not os.path.exists(path):
        pytest.skip(f"{path} not generated (run tests/tools/gen_amd_cases.py)")
    with open(path) as f:
        return json.load(f)


# --------------------------------------------------------------------------------------
# stored params -> linlayout descriptions
# --------------------------------------------------------------------------------------


class _Dot:
    """A dot operand: H2's DotOperandLayout when it exists, else the parent's method."""

    def __init__(self, op, parent, k_width):
        self.op, self.parent, self.k_width = op, parent, k_width

    def to_linear_layout(self, shape):
        return self.parent.dot_operand_linear_layout(self.op, self.k_width, shape)


class _Slice:
    """Triton's SliceEncodingAttr recipe, applied to a parent (to test AMD parents at size-1 dims)."""

    def __init__(self, dim, parent):
        self.dim, self.parent = dim, parent

    def to_linear_layout(self, shape):
        full = list(shape)
        full.insert(self.dim, 1)
        P = self.parent.to_linear_layout(full)
        keep = [i for i in range(len(full)) if i != self.dim]
        bases = {}
        for d, bl in P.bases.items():
            rows = [[b[i] for i in keep] for b in bl]
            if d == "register":
                rows = [r for r in rows if any(r)]
            bases[d] = rows
        return LinearLayout.from_bases(
            bases, [(f"dim{i}", s) for i, s in enumerate(shape)], require_surjective=False
        )


def build(kind: str, p: dict):
    if kind == "amd_mfma":
        return AMDMFMALayout(
            p["version"],
            p["instr_shape"],
            p["transposed"],
            p["warps_per_cta"],
            p["element_bitwidth"],
            p["tiles_per_warp"],
            p["cga_layout"],
        )
    if kind == "amd_wmma":
        return AMDWMMALayout(
            p["version"],
            p["transposed"],
            p["warp_bases"],
            p["reg_bases"],
            p["instr_shape"],
            p["cga_layout"],
            p["rank"],
        )
    if kind == "dot_op":
        return _Dot(p["operand_index"], build(p["parent"]["kind"], p["parent"]["params"]), p["k_width"])
    if kind == "slice":
        return _Slice(p["dim"], build(p["parent"]["kind"], p["parent"]["params"]))
    if kind == "swizzled_shared":
        from linlayout.hardware.shared import SwizzledSharedLayout

        return SwizzledSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"], p["cga_layout"])
    if kind == "padded_shared":
        return PaddedSharedLayout(p["interval_padding_pairs"], p["offset_bases"], p["cga_layout"], p["shape"])
    if kind == "partitioned_shared":
        return PartitionedSharedLayout(
            p["num_partitions"],
            p["num_groups"],
            p["partition_dim"],
            build(p["partition_layout"]["kind"], p["partition_layout"]["params"]),
        )
    raise KeyError(kind)


def _rank(obj) -> int:
    if isinstance(obj, _Dot):
        return _rank(obj.parent)
    if isinstance(obj, _Slice):
        return _rank(obj.parent) - 1
    return obj.rank


def try_build(c: dict):
    """The description of a stored case, or None where linlayout (rightly) rejects parameters that
    Triton prints but cannot lay out (every stored shape aborted)."""
    try:
        return build(c["kind"], c["params"])
    except LayoutError:
        if c["results"] and all("error" in r and BINDING_LIMIT not in r["error"] for r in c["results"]):
            return None
        raise


def check_layout(L: LinearLayout, r: dict, what: str) -> str | None:
    want = r["bases"]
    got = {d: L.bases[d] for d in want}
    if (
        got != want
        or list(L.out_dims.values()) != list(r["shape"])
        or list(L.out_dims) != [f"dim{i}" for i in range(len(r["shape"]))]
    ):
        return f"{what} shape {r['shape']}:\n  linlayout {L.bases} {L.out_dims}\n  triton    {want}"
    return None


def iter_cases(family: str):
    yield from load(family)["cases"]


def _fail(failures: list[str], n: int) -> None:
    if failures:
        pytest.fail(f"{len(failures)} of {n} cases differ; first ones:\n" + "\n".join(failures[:5]))


# --------------------------------------------------------------------------------------
# the stored grids, through the description classes
# --------------------------------------------------------------------------------------

LAYOUT_FAMILIES = ["mfma", "mfma_dot", "wmma", "wmma_dot", "slice", "shared", "invalid", "cpp"]


@pytest.mark.parametrize("family", LAYOUT_FAMILIES)
def test_stored_grid_through_classes(family):
    failures, n = [], 0
    for c in iter_cases(family):
        kind, p = c["kind"], c["params"]
        if kind == "swizzled_shared":
            continue  # H3's family; used here only for the rotating-shared cross-check
        what = f"{kind} {p}"
        if "error" in c:  # Triton rejects the parameters themselves
            n += 1
            try:
                obj = build(kind, p)
                obj.to_linear_layout([16] * _rank(obj))
                failures.append(f"{what}: accepted, Triton says {c['error'][:100]}")
            except LayoutError:
                pass
            continue
        try:
            obj = build(kind, p)
        except LayoutError:
            # Triton prints such attributes (e.g. a non-transposed 64x4 MFMA) but aborts on every
            # toLinearLayout; linlayout rejects them up front
            if c["results"] and all("error" in r and BINDING_LIMIT not in r["error"] for r in c["results"]):
                n += len(c["results"])
                continue
            raise
        for r in c["results"]:
            n += 1
            if "error" in r:
                if BINDING_LIMIT in r["error"]:
                    obj.to_linear_layout(r["shape"])  # must at least not fail
                    continue
                try:
                    obj.to_linear_layout(r["shape"])
                    failures.append(f"{what} shape {r['shape']}: accepted, Triton says {r['error'][:100]}")
                except LayoutError:
                    pass
                continue
            if kind == "padded_shared":
                continue  # no Triton layout to compare (text is checked below)
            err = check_layout(obj.to_linear_layout(r["shape"]), r, what)
            if err:
                failures.append(err)
    assert n > 0
    _fail(failures, n)


def test_stored_mfma_scale_grid():
    failures, n = [], 0
    for c in iter_cases("mfma_scale"):
        p = c["params"]
        for r in c["results"]:
            n += 1
            args = (p["operand_index"], r["shape"], p["m_dim"], p["tiles_per_warp"], p["warps_per_cta"])
            if "error" in r:
                with pytest.raises(LayoutError, match="m_dim"):
                    amd.mfma_scale_layout(*args)
                continue
            err = check_layout(amd.mfma_scale_layout(*args), r, f"mfma scale {p}")
            if err:
                failures.append(err)
    _fail(failures, n)


def test_stored_wmma_scale_grid():
    failures, n = [], 0
    for c in iter_cases("wmma_scale"):
        p = c["params"]
        for r in c["results"]:
            n += 1
            kw = dict(
                operand_index=p["operand_index"],
                shape=r["shape"],
                m_dim=p["m_dim"],
                n_dim=p["n_dim"],
                transposed=p["transposed"],
                scale_factor=p["scale_factor"],
                reg_bases=p["reg_bases"],
                warp_bases=p["warp_bases"],
                cga_layout=p["cga_layout"],
            )
            if "error" in r:
                if BINDING_LIMIT in r["error"]:
                    continue
                with pytest.raises(LayoutError):
                    amd.wmma_scale_layout(**kw)
                continue
            err = check_layout(amd.wmma_scale_layout(**kw), r, f"wmma scale {p}")
            if err:
                failures.append(err)
    _fail(failures, n)


def test_stored_padded_chooser_grid():
    failures, n = [], 0
    for c in iter_cases("padded_chooser"):
        p = c["params"]
        parent = AMDMFMALayout(
            p["version"],
            p["instr_shape"],
            p["transposed"],
            p["warps_per_cta"],
            p["element_bitwidth"],
            p["tiles_per_warp"],
            p["cga_layout"],
        )
        for r in c["results"]:
            n += 1
            if "error" in r:
                with pytest.raises(LayoutError):
                    amd_shared.cdna4_padded_shared_layout(
                        parent, p["operand_index"], p["k_width"], r["shape"], p["elem_bits"], p["k_contig"]
                    )
                continue
            got = amd_shared.cdna4_padded_shared_layout(
                parent, p["operand_index"], p["k_width"], r["shape"], p["elem_bits"], p["k_contig"]
            )
            if r.get("none"):
                if got is not None:
                    failures.append(f"{p} {r['shape']}: Triton chooses nothing, linlayout {got}")
                continue
            want = (r["interval_padding_pairs"], r["offset_bases"], r["cga_layout"])
            have = (
                None
                if got is None
                else (
                    [list(x) for x in got.interval_padding_pairs],
                    [list(b) for b in got.offset_bases],
                    [list(b) for b in got.cga_layout],
                )
            )
            if have != tuple(want) and have != list(want):
                failures.append(f"{p} {r['shape']}:\n  linlayout {have}\n  triton    {want}")
            elif got.to_triton() != r["text"]:
                failures.append(f"{p} {r['shape']}: text {got.to_triton()} != {r['text']}")
    _fail(failures, n)


# --------------------------------------------------------------------------------------
# text: to_triton, from_triton_params and from_triton
# --------------------------------------------------------------------------------------

TEXT_KINDS = {
    "amd_mfma": AMDMFMALayout,
    "amd_wmma": AMDWMMALayout,
    "padded_shared": PaddedSharedLayout,
    "partitioned_shared": PartitionedSharedLayout,
}


@pytest.mark.parametrize("family", ["mfma", "wmma", "shared"])
def test_to_triton_prints_like_triton(family):
    failures, n = [], 0
    for c in iter_cases(family):
        if c["kind"] not in TEXT_KINDS or "text" not in c or "error" in c:
            continue
        obj = try_build(c)
        if obj is None:
            continue
        n += 1
        if obj.to_triton() != c["text"]:
            failures.append(f"{obj.to_triton()}\n  triton {c['text']}")
    assert n > 0
    _fail(failures, n)


def _parser():
    attrs = importlib.import_module("linlayout.triton.attrs")
    grammar = importlib.import_module("linlayout.triton.grammar")
    return attrs, grammar


@pytest.mark.parametrize("family", ["mfma", "wmma", "shared"])
def test_from_triton_params_round_trip(family):
    _, grammar = _parser()
    failures, n = [], 0
    for c in iter_cases(family):
        if c["kind"] not in TEXT_KINDS or "text" not in c or "error" in c:
            continue
        obj = try_build(c)
        if obj is None:
            continue
        n += 1
        node = grammar.parse(c["text"])
        params = {
            k: (build_node(v) if isinstance(v, grammar.AttrNode) else v) for k, v in node.params.items()
        }
        back = TEXT_KINDS[c["kind"]].from_triton_params(params)
        if back.to_triton() != c["text"] or (c["kind"] != "padded_shared" and back != obj):
            failures.append(f"{c['text']}: {back!r} != {obj!r}")
    _fail(failures, n)


def build_node(node):
    attrs, _ = _parser()
    return attrs.build(node)


def _text_families():
    return ["mfma", "mfma_dot", "wmma", "wmma_dot", "slice", "shared", "cpp"]


@pytest.mark.parametrize("family", _text_families())
def test_stored_grid_through_text(family):
    attrs, _ = _parser()
    from linlayout.hardware.base import TRITON_ATTRS

    attrs.known_attrs()  # load the registry
    failures, n, missing = [], 0, set()
    for c in iter_cases(family):
        if "text" not in c or "error" in c or c["kind"] in ("padded_shared", "swizzled_shared"):
            continue
        needed = set(re.findall(r"#(ttg\.[a-z_]+)<", c["text"])) - set(TRITON_ATTRS)
        if needed:
            missing |= needed
            continue
        desc = None
        for r in c["results"]:
            if "error" in r:
                continue
            n += 1
            if desc is None:  # the full entry point once per attribute, the parsed description after
                L = attrs.from_triton(c["text"], r["shape"])
                desc = attrs.parse_attr(c["text"])
            else:
                L = desc.to_linear_layout(r["shape"])
            err = check_layout(L, r, c["text"])
            if err:
                failures.append(err)
    assert not (n == 0 and missing), f"{', '.join(sorted(missing))} not registered"
    _fail(failures, n)


def test_padded_shared_from_triton_explains_not_linear():
    attrs, _ = _parser()
    text = "#ttg.padded_shared<[512:+16] {order = [1, 0], shape = [128, 64]}>"
    with pytest.raises(LayoutError, match="not a linear layout"):
        attrs.from_triton(text, [128, 64])


# --------------------------------------------------------------------------------------
# rotating shared: Triton has no Python constructor; check what can be checked
# --------------------------------------------------------------------------------------


def test_rotating_equals_triton_swizzled_where_rotation_is_inactive():
    """With rows <= per_phase * max_phase the rotation term is 0: the layout is Triton's swizzled one."""
    n = 0
    for c in iter_cases("shared"):
        if c["kind"] != "swizzled_shared":
            continue
        p = c["params"]
        rot = AMDRotatingSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"])
        for r in c["results"]:
            rows = r["shape"][p["order"][1]]
            if rows <= p["per_phase"] * p["max_phase"] or p["max_phase"] == 1:
                n += 1
                assert rot.to_linear_layout(r["shape"]).bases["offset"] == r["bases"]["offset"], (
                    p,
                    r["shape"],
                )
    assert n > 50


def test_rotating_text_is_what_triton_prints():
    """Triton parsed each attribute inside a TTGIR module and printed it back (the only way to reach
    amd_rotating_shared from Python in 3.9.0)."""
    attrs, _ = _parser()
    n = 0
    for c in iter_cases("rotating_text"):
        p = c["params"]
        R = AMDRotatingSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"], p["cga_layout"])
        for r in c["results"]:
            n += 1
            assert R.to_triton() == r["text"]
            assert attrs.parse_attr(r["text"]) == R
            assert attrs.from_triton(r["text"], r["shape"]) == R.to_linear_layout(r["shape"])
    assert n == 6


def test_rotating_differs_from_swizzled_when_rotation_is_active():
    L = AMDRotatingSharedLayout(4, 2, 4, [1, 0]).to_linear_layout([64, 64])
    # row 8 starts the second block of per_phase*max_phase rows: its phase rotates by one
    assert L.apply(offset=64 * 8) == {"dim0": 8, "dim1": 4}
    assert L.is_invertible()


def _linear_text_bases(text: str) -> dict:
    """Bases of a ``#ttg.linear<{register = [...], ...}>`` text."""
    out = {}
    for name in ("register", "lane", "warp", "block"):
        m = re.search(name + r" = (\[[^=]*?\]\])(?:,|\})", text) or re.search(name + r" = (\[\])", text)
        out[name] = json.loads(m.group(1))
    return out


def test_mfma_like_store_layout_matches_triton_compiler():
    """Triton applies chooseMfmaLikeStoreLayout inside the AMD compiler; the generator compiled
    tl.dot -> fp16 store kernels for gfx950/gfx942 and kept the MFMA and store layouts of the TTGIR."""
    from linlayout.triton.grammar import parse

    n = 0
    for c in iter_cases("store"):
        for r in c["results"]:
            n += 1
            mma = AMDMFMALayout.from_triton_params(parse(r["mma"]).params)
            got = amd.mfma_like_store_layout(mma, r["shape"])
            if r["store"].startswith("#ttg.amd_mfma"):
                assert got is None, (r["mma"], r["shape"])
            else:
                assert got is not None and got.bases == _linear_text_bases(r["store"]), (r, got)
                assert list(got.out_dims.values()) == r["shape"]
    assert n >= 14


# --------------------------------------------------------------------------------------
# the C++ unit-test expectations
# --------------------------------------------------------------------------------------


def test_cpp_expectations():
    path = os.path.join(DATA, "triton_amd_cpp_expectations.json")
    with open(path) as f:
        cases = json.load(f)["cases"]
    failures = []
    for c in cases:
        L = cpp_case_layout(c)
        want = c["expected"]
        got = {d: L.bases.get(d) for d in want}
        if got != want or list(L.out_dims.values()) != c["shape"]:
            failures.append(f"{c['test']}: {got} != {want}")
    assert len(cases) >= 20
    _fail(failures, len(cases))


def test_cpp_expectations_agree_with_the_wheel():
    """The literal expectations come from a newer upstream test file; the 3.9.0 wheel gives the same
    bases for every one it can build (tests/data/triton_amd_cpp.json)."""
    with open(os.path.join(DATA, "triton_amd_cpp_expectations.json")) as f:
        cases = [c for c in json.load(f)["cases"] if c["kind"].startswith(("amd_mfma", "amd_wmma"))]
    wheel = [r for c in load("cpp")["cases"] for r in c["results"]]
    assert len(cases) == len(wheel) >= 80
    for c, r in zip(cases, wheel):
        assert r["shape"] == c["shape"]
        assert {d: r["bases"][d] for d in c["expected"]} == c["expected"], c["test"]


def cpp_case_layout(c):
    k, p, shape = c["kind"], c["params"], c["shape"]
    if k == "amd_mfma":
        return AMDMFMALayout(
            p["version"],
            p["instr_shape"],
            p["transposed"],
            p["warps_per_cta"],
            p.get("element_bitwidth"),
            p.get("tiles_per_warp"),
        ).to_linear_layout(shape)
    if k == "amd_mfma_dot":
        par = AMDMFMALayout(
            p["version"], p["instr_shape"], p["transposed"], p["warps_per_cta"], None, p.get("tiles_per_warp")
        )
        return par.dot_operand_linear_layout(p["operand_index"], p["k_width"], shape)
    if k == "amd_wmma":
        return AMDWMMALayout.from_warps_per_cta(
            p["version"], p["transposed"], p["warps_per_cta"], p.get("instr_shape")
        ).to_linear_layout(shape)
    if k == "amd_wmma_dot":
        par = AMDWMMALayout.from_warps_per_cta(
            p["version"], p["transposed"], p["warps_per_cta"], p.get("instr_shape")
        )
        return par.dot_operand_linear_layout(p["operand_index"], p["k_width"], shape)
    if k == "amd_rotating_shared":
        return AMDRotatingSharedLayout(p["vec"], p["per_phase"], p["max_phase"], p["order"]).to_linear_layout(
            shape
        )
    if k == "ds_read_tr":
        par = AMDMFMALayout(p["version"], p["instr_shape"], p["transposed"], p["warps_per_cta"])
        return amd.ds_read_tr_dot_layout(par, p["operand_index"], p["k_width"], shape, p["elem_bits"])
    raise KeyError(k)


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------

MFMA_INSTRS = [
    ([32, 32, 8], False),
    ([32, 32, 8], True),
    ([16, 16, 16], False),
    ([16, 16, 16], True),
    ([64, 4, 4], True),
    ([4, 64, 4], False),
    ([4, 64, 4], True),
]
pow2 = st.sampled_from([1, 2, 4])


@st.composite
def mfma_layouts(draw, rank=None):
    instr, tr = draw(st.sampled_from(MFMA_INSTRS))
    rank = rank or draw(st.sampled_from([2, 3]))
    warps = [draw(pow2) for _ in range(rank)]
    tpw = [draw(st.sampled_from([1, 2])) for _ in range(rank)]
    eb = draw(st.sampled_from([32, 64]))
    return AMDMFMALayout(draw(st.integers(1, 4)), instr, tr, warps, eb, tpw)


def _cta_tile(L: AMDMFMALayout) -> list[int]:
    rank = L.rank
    t = [L.warps_per_cta[d] * L.tiles_per_warp[d] for d in range(rank)]
    t[-2] *= L.instr_shape[0]
    t[-1] *= L.instr_shape[1]
    return t


@given(mfma_layouts(), st.sampled_from([1, 2, 4]))
def test_mfma_accumulator_covers_each_element_once(L, rep):
    """On a multiple of the CTA tile, (register, lane, warp) -> element is a bijection."""
    shape = _cta_tile(L)
    shape[-1] *= rep
    LL = L.to_linear_layout(shape)
    assert LL.is_invertible() or (LL.is_surjective() and LL.total_in_bits == LL.total_out_bits)
    # each warp covers exactly its own tiles: the register x lane part is injective
    tile = LL.sublayout(["register", "lane"], list(LL.out_dims))
    assert tile.is_injective()
    assert tile.total_in_bits == 6 + sum(1 for b in LL.bases["register"])


@given(
    st.sampled_from([1, 2, 3]),
    st.booleans(),
    st.sampled_from([[1, 1], [2, 2], [4, 1], [1, 2]]),
    st.sampled_from([1, 2, 4]),
)
def test_wmma_accumulator_covers_each_element_once(version, transposed, warps, rep):
    instr = {1: [16, 16, 16], 2: [16, 16, 32], 3: [32, 16, 64]}[version]
    L = AMDWMMALayout.from_warps_per_cta(version, transposed, warps, instr)
    ext = L._tile_extent()
    shape = [ext[0] * warps[0] * rep, ext[1] * warps[1]]
    LL = L.to_linear_layout(shape)
    assert LL.is_invertible()
    assert L.wave_size == 32 and len(LL.bases["lane"]) == 5


@given(mfma_layouts(rank=2), st.sampled_from([0, 1]), st.sampled_from([1, 2, 4, 8, 16]))
def test_mfma_dot_operand_broadcasts_warps_along_k(P, op, kw):
    """Warps of the parent along the operand's K dim hold copies (zero warp bases), the others
    split the non-K dim; the whole operand is covered."""
    k_idx = 1 if op == 0 else 0
    shape = [
        P.instr_shape[0] * P.warps_per_cta[0] * P.tiles_per_warp[0],
        P.instr_shape[1] * P.warps_per_cta[1] * P.tiles_per_warp[1],
    ]
    shape[k_idx] = 64 * kw * 4
    L = P.dot_operand_linear_layout(op, kw, shape)
    assert L.is_surjective()
    warp_k = P.warps_per_cta[1 - op]  # A: the parent's N warps; B: its M warps
    zero = [b for b in L.bases["warp"] if not any(b)]
    assert len(zero) >= (warp_k.bit_length() - 1)
    assert all(b[k_idx] == 0 for b in L.bases["warp"])


@given(st.sampled_from([8, 16]), st.sampled_from([0, 1]))
def test_wmma_v1_operands_duplicate_lane_halves(kw, op):
    """RDNA3 (v1): lanes 16-31 hold the same A/B elements as lanes 0-15."""
    P = AMDWMMALayout.from_warps_per_cta(1, False, [1, 1])
    L = P.dot_operand_linear_layout(op, kw, [16, 16])
    assert L.bases["lane"][4] == [0, 0]
    L2 = AMDWMMALayout.from_warps_per_cta(2, False, [1, 1]).dot_operand_linear_layout(op, 8, [16, 16])
    assert any(L2.bases["lane"][4])


@given(mfma_layouts(rank=2))
def test_mfma_dot_operand_ignores_transposed(P):
    Q = (
        AMDMFMALayout(
            P.version,
            list(P.instr_shape),
            not P.transposed,
            list(P.warps_per_cta),
            P.element_bitwidth,
            list(P.tiles_per_warp),
        )
        if P.instr_shape[:2] != (64, 4)
        else P
    )
    for op in (0, 1):
        assert P.dot_operand_linear_layout(op, 8, [64, 64]) == Q.dot_operand_linear_layout(op, 8, [64, 64])


def test_wave_size_from_parameters_and_targets():
    assert AMDMFMALayout.for_target("gfx942", [32, 32, 8], True, [2, 2]).version == 3
    assert AMDMFMALayout.for_target("gfx950", [16, 16, 32], False, [1, 1]).wave_size == 64
    W = AMDWMMALayout.for_target("gfx1100", False, [2, 2])
    assert (W.version, W.wave_size) == (1, 32)
    assert AMDWMMALayout.for_target("gfx1250", True, [1, 1], instr_shape=[32, 16, 64]).version == 3
    with pytest.raises(LayoutError, match="target"):
        AMDMFMALayout.for_target("gfx1100", [32, 32, 8], True, [1, 1])
    with pytest.raises(LayoutError, match="target"):
        AMDWMMALayout.for_target("sm_90", False, [1, 1])


def test_targets_describe_amd_chips():
    from linlayout.targets import get_target

    for name, wave in [
        ("gfx908", 64),
        ("gfx90a", 64),
        ("gfx942", 64),
        ("gfx950", 64),
        ("gfx1100", 32),
        ("gfx1200", 32),
        ("gfx1250", 32),
    ]:
        t = get_target(name)
        assert t.is_amd and t.warp_size == wave
    assert get_target("gfx950").has("ds_read_tr") and not get_target("gfx942").has("ds_read_tr")


# --------------------------------------------------------------------------------------
# invalid parameters
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(version=3, instr_shape=[4, 4, 4], transposed=False, warps_per_cta=[1, 1]), "instr_shape"),
        (dict(version=3, instr_shape=[64, 4, 4], transposed=False, warps_per_cta=[1, 1]), "instr_shape"),
        (dict(version=5, instr_shape=[32, 32, 8], transposed=False, warps_per_cta=[1, 1]), "version"),
        (dict(version=3, instr_shape=[32, 32, 8], transposed=False, warps_per_cta=[3, 1]), "warps_per_cta"),
        (
            dict(version=3, instr_shape=[32, 32, 8], transposed=False, warps_per_cta=[1, 1, 1, 1]),
            "warps_per_cta",
        ),
        (
            dict(
                version=3,
                instr_shape=[32, 32, 8],
                transposed=False,
                warps_per_cta=[1, 1],
                element_bitwidth=16,
            ),
            "element_bitwidth",
        ),
        (
            dict(
                version=3, instr_shape=[32, 32, 8], transposed=False, warps_per_cta=[1, 1], tiles_per_warp=[1]
            ),
            "tiles_per_warp",
        ),
        (dict(version=3, instr_shape=[32, 32, 8], transposed="yes", warps_per_cta=[1, 1]), "transposed"),
        (
            dict(
                version=3,
                instr_shape=[32, 32, 8],
                transposed=False,
                warps_per_cta=[1, 1],
                cga_layout=[[2, 0]],
            ),
            "cga_layout",
        ),
    ],
)
def test_mfma_rejects_bad_parameters(kwargs, name):
    with pytest.raises(LayoutError, match=name):
        AMDMFMALayout(**kwargs)


def test_dot_operand_rejects_bad_k_width():
    P = AMDMFMALayout(3, [32, 32, 8], False, [1, 1])
    for kw in (0, -4, 3):
        with pytest.raises(LayoutError, match="k_width"):
            P.dot_operand_linear_layout(0, kw, [32, 32])
    with pytest.raises(LayoutError, match="operand_index"):
        P.dot_operand_linear_layout(2, 8, [32, 32])
    for version, bad in [(1, (2, 4, 32)), (2, (2, 32)), (3, (0,))]:
        W = AMDWMMALayout(version, False, [], instr_shape=[16, 16, 16] if version < 3 else [16, 16, 32])
        for kw in bad:
            with pytest.raises(LayoutError, match="k_width"):
                W.dot_operand_linear_layout(1, kw, [32, 32])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(version=4, transposed=False, warp_bases=[]), "version"),
        (dict(version=1, transposed=False, warp_bases=[], instr_shape=[16, 16, 32]), "instr_shape"),
        (dict(version=3, transposed=False, warp_bases=[], instr_shape=[32, 32, 64]), "instr_shape"),
        (dict(version=2, transposed=False, warp_bases=[[0, 2]]), "warp_bases"),
        (dict(version=2, transposed=False, warp_bases=[[0, 1, 0]]), "warp_bases"),
        (dict(version=2, transposed=False, warp_bases=[], rank=4), "rank"),
    ],
)
def test_wmma_rejects_bad_parameters(kwargs, name):
    with pytest.raises(LayoutError, match=name):
        AMDWMMALayout(**kwargs)


def test_shape_errors_name_the_shape():
    with pytest.raises(LayoutError, match="shape"):
        AMDMFMALayout(3, [32, 32, 8], False, [1, 1]).to_linear_layout([48, 32])
    with pytest.raises(LayoutError, match="shape"):
        AMDWMMALayout(2, False, [[0, 1]]).to_linear_layout([16, 16, 16])
    with pytest.raises(LayoutError, match="m_dim"):
        amd.mfma_scale_layout(0, [64, 8], 4)


def test_padded_shared_is_not_linear():
    P = PaddedSharedLayout.with_identity_for([[512, 16]], [128, 64], [1, 0])
    with pytest.raises(LayoutError, match="not a linear layout"):
        P.to_linear_layout([128, 64])
    C = P.linear_component()
    assert C.bases["offset"][:6] == [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [0, 32]]
    assert P.padded_offset(512) == 528 and P.padded_size() == 128 * 64 + 15 * 16
    with pytest.raises(LayoutError, match="offset_bases"):
        PaddedSharedLayout([[4, 1]], [[1], [1]], [], [4])
    with pytest.raises(LayoutError, match="interval_padding_pairs"):
        PaddedSharedLayout([[3, 1]], [[1], [2]], [], [4])


# --------------------------------------------------------------------------------------
# live differential test against the wheel (slow-ish: a subprocess per run)
# --------------------------------------------------------------------------------------


@pytest.mark.triton
def test_live_random_cases_against_triton(triton_python):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tools"))
    import gen_amd_cases as gen

    layouts = (
        gen.fam_mfma()[::97] + gen.fam_wmma()[::23] + gen.fam_mfma_dot()[::31] + gen.fam_wmma_dot()[::101]
    )
    specs, objs = [], []
    for kind, p, shapes in layouts:
        specs.append({"family": "layout", "kind": kind, "params": p, "shape": shapes[0]})
        objs.append((kind, p, shapes[0]))
    res = gen.run_specs(specs, python=triton_python)
    checked = 0
    for (kind, p, shape), r in zip(objs, res):
        if "error" in r:
            continue
        checked += 1
        L = build(kind, p).to_linear_layout(shape)
        assert check_layout(L, {"shape": shape, "bases": r["bases"]}, f"{kind} {p}") is None
    assert checked > 5


def test_wmma_text_without_bases_takes_the_rank_from_the_shape():
    """Triton prints ``ctaLayout = {}`` for every rank; the tensor shape decides (checked on the wheel:
    rank 3, [2, 16, 16] -> register [[0,1,0],[0,2,0],[0,4,0],[1,0,0]])."""
    attrs, _ = _parser()
    L = attrs.from_triton("#ttg.amd_wmma<{version = 2, isTranspose = false, ctaLayout = {}}>", [2, 16, 16])
    assert L.bases["register"] == [[0, 1, 0], [0, 2, 0], [0, 4, 0], [1, 0, 0]]
    assert L.bases["lane"] == [[0, 0, 1], [0, 0, 2], [0, 0, 4], [0, 0, 8], [0, 8, 0]]


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.text(max_size=3),
    st.floats(allow_nan=True),
    st.lists(st.integers(-3, 70), max_size=4),
    st.lists(st.lists(st.integers(-2, 9), max_size=4), max_size=4),
)


@given(junk, junk, junk, junk, junk, junk, junk)
def test_mfma_constructor_fuzz_raises_only_layout_error(a, b, c, d, e, f, g):
    try:
        L = AMDMFMALayout(a, b, c, d, e, f, g if g is not None else ())
    except LayoutError:
        return
    for shape in ([64, 64], [2, 32, 32]):
        try:
            L.to_linear_layout(shape)
            L.dot_operand_linear_layout(0, 8, shape)
        except LayoutError:
            pass


@given(junk, junk, junk, junk, junk, junk, junk, junk)
def test_wmma_and_scale_fuzz_raise_only_layout_error(a, b, c, d, e, f, g, h):
    for call in (
        lambda: AMDWMMALayout(a, b, c, d, e, f if f is not None else (), g).to_linear_layout(h),
        lambda: amd.mfma_scale_layout(
            a, b, c, d if d is not None else (1, 1), e if e is not None else (1, 1)
        ),
        lambda: amd.wmma_scale_layout(a, b, c, d, e, f, g or (), h or ()),
        lambda: AMDRotatingSharedLayout(a, b, c, d, e or ()).to_linear_layout(f),
        lambda: PaddedSharedLayout(a, b, c or (), d),
    ):
        try:
            call()
        except LayoutError:
            pass


def test_to_gluon_round_trips_through_the_constructors():
    M = AMDMFMALayout(4, [16, 16, 32], True, [2, 2], 64, [2, 1], [[1, 0]])
    assert AMDMFMALayout(**M.to_gluon()) == M
    W = AMDWMMALayout(3, True, [[2, 1], [1, 0]], [[2, 0]], [32, 16, 64], [[0, 1]])
    assert AMDWMMALayout(**W.to_gluon()) == W
    P = PaddedSharedLayout.with_identity_for([[512, 16]], [128, 64], [1, 0])
    assert PaddedSharedLayout(**P.to_gluon()) == P


def test_tdm_message_layout_matches_compiled_gfx1250_tdm_loads():
    """The generator compiled gluon ``tdm.async_load`` kernels for gfx1250 and evaluated, per wave
    id, the LDS offset of the wave's piece.  The wave split the lowering picks is read off the
    result (distinct piece rows x columns); the layout must then place every wave's piece there
    (the lowering applies it to ``wave ^ lowest active wave``)."""
    n = checked_hints = 0
    for c in iter_cases("tdm"):
        p = c["params"]
        for r in c["results"]:
            n += 1
            origins = r["origins"]
            rows = len({o[0] for o in origins})
            cols = len({o[1] for o in origins})
            hint = p["hint"] or None
            args = (r["shape"], [rows, cols])
            kw = dict(num_warps=p["num_warps"], warp_used_hint=hint)
            if hint is not None:
                active = [w for w in range(p["num_warps"]) if hint >> w & 1]
                varying = 0
                for w in active:
                    varying |= w ^ active[0]
                bits = [b for b in range(8) if varying >> b & 1]
                if bits and bits != list(range(bits[0], bits[0] + len(bits))):
                    # Triton 3.9 places such waves inconsistently (pieces are skipped): linlayout refuses
                    with pytest.raises(LayoutError, match="warp_used_hint"):
                        amd_shared.tdm_message_layout(*args, **kw)
                    continue
                checked_hints += 1
            L = amd_shared.tdm_message_layout(*args, **kw)
            i0 = (hint & -hint).bit_length() - 1 if hint else 0
            for w, o in enumerate(origins):
                assert L.apply(message=0, warp=w ^ i0) == {"dim0": o[0], "dim1": o[1]}, (p, r["shape"], w)
            assert L.sublayout(["message"], ["dim0", "dim1"]).is_injective()
    assert n == 17 and checked_hints == 3


def test_amd_targets_list_the_cross_lane_instructions_triton_emits():
    """The generator compiled a register<->lane bit swap for every AMD chip; each instruction the
    backend chose must be one the Target says the chip has (gfx950/gfx1250 permlane swaps, RDNA
    v_permlanex16, DPP and ds_bpermute elsewhere)."""
    from linlayout.targets import get_target

    names = {
        "v_permlane16_swap": "permlane16_swap",
        "v_permlane32_swap": "permlane32_swap",
        "v_permlanex16": "permlanex16",
        "ds_bpermute": "ds_bpermute",
        "dpp": "dpp",
    }
    n = 0
    for c in iter_cases("permlane"):
        t = get_target(c["params"]["arch"])
        assert t.warp_size == c["params"]["wave"]
        for r in c["results"]:
            for ins in r["instructions"]:
                n += 1
                key = next(v for k, v in names.items() if ins.startswith(k))
                assert t.has(key), (t.name, ins)
    assert n >= 13
