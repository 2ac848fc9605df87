"""Shared-memory layouts (swizzled, NVMMA, shared linear) and ldmatrix/stmatrix tiles.

Stored Triton 3.9.0 answers (tests/data/triton_memory_shared.json, written by
tests/tools/gen_memory_cases.py) are checked through the description classes and, when
the text parser exists, through ``from_triton`` on Triton's own printed text.  Then
properties (invertibility, the documented swizzle formulas), the literal expectations of
Triton's LinearLayoutConversionsTest.cpp, errors, and the ldmatrix/stmatrix PTX fragments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.hardware.ldmatrix import (
    divide_by_ldmatrix_tile,
    ldmatrix_fragment,
    ldmatrix_full_tile,
    ldmatrix_lane_permutation,
    ldmatrix_min_sm,
    ldmatrix_row_lanes,
    ldmatrix_tile,
    ptx_ldmatrix_shape,
)
from linlayout.hardware.shared import (
    NVMMASharedLayout,
    SharedLinearLayout,
    SwizzledSharedLayout,
    nvmma_core_matrix,
    nvmma_shared_layout,
    shared_linear_layout,
    swizzled_shared_layout,
    tma_block_shape,
)

DATA = os.path.join(os.path.dirname(__file__), "data")
CLASSES = {
    "swizzled_shared": SwizzledSharedLayout,
    "nvmma_shared": NVMMASharedLayout,
    "shared_linear": SharedLinearLayout,
}


def _load(name: str) -> list[dict]:
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


SHARED = _load("triton_memory_shared.json")
LITERAL = _load("triton_memory_conversions_test.json")


def _answer(case: dict):
    """Our answer for a stored case: ``(bases+alignment, text, out sizes)`` or ``("error", msg)``."""
    try:
        obj = CLASSES[case["kind"]](**case["p"])
        L = obj.to_linear_layout(case["s"])
    except LayoutError as e:
        return ("error", str(e))
    got = {"offset": L.bases["offset"], "block": L.bases["block"], "alignment": obj.alignment}
    return (got, obj.to_triton(), list(L.out_dims.values()), list(L.in_dims))


def _mismatches(kind: str) -> tuple[int, list]:
    n, bad = 0, []
    for c in SHARED:
        if c["kind"] != kind:
            continue
        n += 1
        ans = _answer(c)
        if "err" in c:
            if ans[0] != "error":
                bad.append((c, "Triton refused but we answered", ans))
            continue
        if ans[0] == "error":
            bad.append((c, ans[1]))
            continue
        got, text, sizes, ins = ans
        if got != c["b"] or text != c["t"] or sizes != c["s"] or ins != ["offset", "block"]:
            bad.append((c, got, text, sizes))
    return n, bad


@pytest.mark.parametrize(
    "kind,minimum", [("swizzled_shared", 2000), ("nvmma_shared", 800), ("shared_linear", 30)]
)
def test_stored_cases_match_triton(kind, minimum):
    """Every stored case: same offset/block bases, alignment, printed text, out sizes; a
    LayoutError exactly where Triton refused (Python error or abort)."""
    n, bad = _mismatches(kind)
    assert n >= minimum
    assert not bad, f"{len(bad)} of {n} {kind} cases differ, first: {bad[0]}"


def test_stored_refusals_include_aborts():
    """The grid holds cases where Triton aborted the process; we raise LayoutError there."""
    aborts = [c for c in SHARED if c.get("err") == "abort"]
    assert aborts
    for c in aborts:
        with pytest.raises(LayoutError):
            CLASSES[c["kind"]](**c["p"]).to_linear_layout(c["s"])


def test_stored_cases_through_from_triton():
    """Triton's own printed text, parsed by ``from_triton``, gives Triton's layout."""
    from linlayout.triton.attrs import from_triton

    n = 0
    for c in SHARED:
        if "t" not in c:
            continue
        L = from_triton(c["t"], c["s"])
        assert L.bases["offset"] == c["b"]["offset"], c
        assert L.bases["block"] == c["b"]["block"], c
        assert list(L.out_dims.values()) == c["s"]
        n += 1
    assert n >= 3000


def test_text_round_trip():
    """``from_triton_params`` of the parsed printed text rebuilds an equal description,
    which prints the same text again."""
    from linlayout.triton.grammar import parse

    seen = set()
    for c in SHARED:
        if "t" not in c or c["t"] in seen:
            continue
        seen.add(c["t"])
        obj = CLASSES[c["kind"]](**c["p"])
        node = parse(c["t"])
        assert type(obj).triton_name == node.name
        back = type(obj).from_triton_params(node.params)
        assert back == obj, c
        assert back.to_triton() == c["t"]
    assert len(seen) > 500


# ----------------------------------------------------------------------------- literal C++ tests


def test_literal_conversion_test_expectations():
    """Triton's LinearLayoutConversionsTest.cpp expectations for shared/NVMMA layouts (all
    of them agree with the 3.9.0 wheel, recorded by the generator)."""
    n = 0
    for c in LITERAL:
        if c["kind"] not in ("swizzled_shared", "nvmma_shared"):
            continue
        assert c["wheel_agrees"], c
        L = CLASSES[c["kind"]](**c["p"]).to_linear_layout(c["s"])
        assert L.bases == c["expected"], c["id"]
        assert list(L.out_dims.values()) == c["s"]
        n += 1
    assert n == 19


def test_tma_mode_independence():
    """NvmmaSharedToLinearLayout_TMAModeIndependence: tiled and im2col boxes give one layout."""
    cases = [c for c in LITERAL if c["kind"] == "nvmma_tma_mode"]
    assert len(cases) == 8
    for c in cases:
        p = dict(c["p"])
        tiled = NVMMASharedLayout(**p, tma_mode="tiled")
        im2col = NVMMASharedLayout(**p, tma_mode="im2col")
        assert tiled.tma_block_shape(c["s"]) != im2col.tma_block_shape(c["s"])
        assert tiled.to_linear_layout(c["s"]) == im2col.to_linear_layout(c["s"])


# ----------------------------------------------------------------------------- properties

pow2 = st.sampled_from([1, 2, 4, 8, 16])


@st.composite
def swizzled_cases(draw):
    rank = draw(st.integers(1, 3))
    order = draw(st.permutations(list(range(rank))))
    shape = [draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64])) for _ in range(rank)]
    return SwizzledSharedLayout(draw(pow2), draw(pow2), draw(pow2), list(order)), shape


@given(swizzled_cases())
def test_swizzled_is_invertible_and_follows_the_xor_formula(case):
    layout, shape = case
    L = layout.to_linear_layout(shape)
    assert L.is_invertible()
    if layout.rank < 2:
        return
    col, row = layout.order[0], layout.order[1]
    ncols = shape[col]
    for o in range(min(L.in_dims["offset"], 512)):
        r, pc = divmod(o % (ncols * shape[row]), ncols)
        c = pc ^ ((layout.vec * ((r // layout.per_phase) % layout.max_phase)) % ncols)
        out = L.apply(offset=o)
        assert out[f"dim{col}"] == c and out[f"dim{row}"] == r


@given(
    st.sampled_from([0, 32, 64, 128]),
    st.sampled_from([8, 16, 32, 64]),
    st.booleans(),
    st.sampled_from([8, 16, 64, 256, 512]),
    st.sampled_from([1, 2, 4]),
)
def test_nvmma_is_invertible(sw, bits, transposed, rows, boxes):
    """Non-fp4 NVMMA layouts are bijective on any legal shape."""
    span = max(8 * sw // bits, 1) if sw else 8
    shape = [rows, span * boxes]
    if transposed:
        shape.reverse()
    L = nvmma_shared_layout(shape, swizzle_byte_width=sw, element_bitwidth=bits, transposed=transposed)
    assert L.is_invertible()


@given(st.sampled_from([32, 64, 128]), st.sampled_from([8, 16, 32]), st.sampled_from([8, 16, 64]))
def test_nvmma_follows_the_16_byte_chunk_xor(sw, bits, rows):
    """Inside one TMA box (non-transposed), offset ``o`` holds row ``o // span`` and the
    16-byte chunk ``(o % span) // vec`` XOR ``(row // per_phase) % max_phase``."""
    layout = NVMMASharedLayout(sw, bits)
    span = 8 * sw // bits
    L = layout.to_linear_layout([rows, span])
    for o in range(rows * span):
        r, pc = divmod(o, span)
        chunk, within = divmod(pc, layout.vec)
        c = (chunk ^ ((r // layout.per_phase) % layout.max_phase)) * layout.vec + within
        assert L.apply(offset=o) == {"dim0": r, "dim1": c}


def test_nvmma_fp4_padding_aliases_the_data():
    """fp4-padded: the second 8 bytes of each 16 repeat the first; the pseudo-inverse picks
    the real bytes (offset ``(lin // 8) * 16 + lin % 8`` before swizzling)."""
    L = nvmma_shared_layout([32, 64], swizzle_byte_width=128, element_bitwidth=8, fp4_padded=True)
    assert L.is_surjective() and not L.is_injective()
    assert L.bases["offset"][3] == [0, 0]
    P = L.pseudo_invert()
    for c in range(64):
        assert P.apply(dim0=0, dim1=c)["offset"] == (c // 8) * 16 + c % 8


def test_cga_split_and_broadcast():
    """Block bases are the CGA bases scaled by the per-CTA shape; zero bases broadcast."""
    kw = {"vec": 8, "per_phase": 2, "max_phase": 4, "order": [0, 1]}
    L = swizzled_shared_layout([32, 64], **kw, cga_layout=[[1, 0], [0, 1]])
    assert L.bases["block"] == [[16, 0], [0, 32]]
    L = swizzled_shared_layout([32, 64], **kw, cga_layout=[[0, 0], [0, 1]])
    assert L.bases["block"] == [[0, 0], [0, 32]]
    assert L.in_dims == {"offset": 1024, "block": 4}


def test_core_matrix_and_tma_box():
    assert nvmma_core_matrix(swizzle_byte_width=128, element_bitwidth=16).bases["offset"][-3:] == [
        [1, 8],
        [2, 16],
        [4, 32],
    ]
    assert nvmma_core_matrix(swizzle_byte_width=128, element_bitwidth=16, disable_swizzle=True).bases[
        "offset"
    ][-3:] == [[1, 0], [2, 0], [4, 0]]
    kw = {"element_bitwidth": 16, "swizzle_byte_width": 0}
    assert tma_block_shape([1024, 64], **kw, tma_mode="im2col") == [1024, 64]
    assert tma_block_shape([1024, 64], **kw) == [256, 64]
    fp4 = {"element_bitwidth": 8, "swizzle_byte_width": 128, "fp4_padded": True}
    assert tma_block_shape([64, 256], **fp4) == [64, 64]
    assert tma_block_shape([64, 256], **fp4, packed_size=False) == [64, 128]


def test_get_default_for_matches_gluon_rules():
    assert NVMMASharedLayout.get_default_for([64, 64], 16).swizzle_byte_width == 128
    assert NVMMASharedLayout.get_default_for([64, 16], 16).swizzle_byte_width == 32
    assert NVMMASharedLayout.get_default_for([4, 64], 16).swizzle_byte_width == 0  # < 8 rows
    assert NVMMASharedLayout.get_default_for([64, 8], 16).swizzle_byte_width == 0  # 16 bytes
    assert NVMMASharedLayout.get_default_for([64, 64], 8, fp4_padded=True).swizzle_byte_width == 128
    assert NVMMASharedLayout.get_default_for([128, 64], 16, transposed=True).swizzle_byte_width == 128


def test_get_default_for_matches_stored_gluon_choices():
    """Gluon's ``NVMMASharedLayout.get_default_for`` over shapes x dtypes x transposed x fp4 x CGA."""
    cases = [c for c in SHARED if c["kind"] == "nvmma_default"]
    assert len(cases) >= 150
    for c in cases:
        p = c["p"]
        args = (c["s"], p["bits"], p["transposed"], p["fp4_padded"], p["cga_layout"])
        if "err" in c:
            with pytest.raises(LayoutError):
                NVMMASharedLayout.get_default_for(*args)
            continue
        assert NVMMASharedLayout.get_default_for(*args).to_gluon() == c["b"], c


def test_shared_linear_round_trip_with_the_algebra():
    base = nvmma_shared_layout([64, 64], swizzle_byte_width=128, element_bitwidth=16)
    wrapped = SharedLinearLayout.from_layout(base, alignment=1024)
    assert wrapped.to_linear_layout([64, 64]) == base
    assert wrapped.shape == [64, 64]
    assert wrapped.to_triton().startswith("#ttg.shared_linear<{offset = [[0, 1], [0, 2]")
    assert shared_linear_layout([[1, 0], [0, 1]]).out_dims == {"dim0": 2, "dim1": 2}


# ----------------------------------------------------------------------------- errors

BAD = [
    (lambda: SwizzledSharedLayout(0, 1, 1, [1, 0]), "vec"),
    (lambda: SwizzledSharedLayout(1, 0, 1, [1, 0]), "per_phase"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 1]), "order"),
    (lambda: SwizzledSharedLayout(1, 1, 1, []), "order"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 0], [[3, 0]]), "cga_layout"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 0], [[2, 0]]), "cga_layout"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 0], [[1, 0, 0]]), "cga_layout"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 0]).to_linear_layout([8, 12]), "shape"),
    (lambda: SwizzledSharedLayout(1, 1, 1, [1, 0]).to_linear_layout([8, 16, 2]), "shape"),
    (lambda: SwizzledSharedLayout(1.5, 1, 1, [1, 0]), "vec"),
    (lambda: NVMMASharedLayout(48, 16), "swizzle_byte_width"),
    (lambda: NVMMASharedLayout(128, 12), "element_bitwidth"),
    (lambda: NVMMASharedLayout(64, 8, fp4_padded=True), "fp4_padded"),
    (lambda: NVMMASharedLayout(128, 16, rank=1), "rank"),
    (lambda: NVMMASharedLayout(128, 16, transposed=1), "transposed"),
    (lambda: NVMMASharedLayout(128, 16, tma_mode="gather"), "tma_mode"),
    (lambda: NVMMASharedLayout(128, 16, rank=3, tma_mode="im2col"), "tma_mode"),
    (lambda: NVMMASharedLayout(128, 16).to_linear_layout([4, 64]), "shape"),
    (lambda: NVMMASharedLayout(128, 16).to_linear_layout([64, 32]), "shape"),
    (lambda: NVMMASharedLayout(128, 16).to_linear_layout([64]), "shape"),
    (lambda: SharedLinearLayout([]), "offset_bases"),
    (lambda: SharedLinearLayout([[1, 0], [1, 0]]), "offset_bases"),
    (lambda: SharedLinearLayout([[1, 0], [0, 2]]), "offset_bases"),
    (lambda: SharedLinearLayout([[1, 0], [0, 1]], alignment=12), "alignment"),
    (lambda: SharedLinearLayout([[1, 0], [0, 1]]).to_linear_layout([4, 2]), "shape"),
    (lambda: SwizzledSharedLayout.from_triton_params({"vec": 1, "perPhase": 1, "maxPhase": 1}), "order"),
    (
        lambda: SwizzledSharedLayout.from_triton_params(
            {"vec": 1, "perPhase": 1, "maxPhase": 1, "order": [0], "bogus": 1}
        ),
        "bogus",
    ),
    (lambda: NVMMASharedLayout.from_triton_params({"swizzlingByteWidth": 32}), "elementBitWidth"),
    (lambda: SharedLinearLayout.from_triton_params({"block": []}), "offset"),
]


@pytest.mark.parametrize("make,param", BAD)
def test_bad_parameters_raise_layout_error_naming_them(make, param):
    with pytest.raises(LayoutError) as e:
        make()
    assert param in str(e.value)


# ----------------------------------------------------------------------------- ldmatrix / stmatrix


def _ptx_m8n8(t: int, j: int, i: int, b: int, transposed: bool) -> tuple[int, int]:
    """PTX ISA fragment of ldmatrix/stmatrix .m8n8: thread ``t``, element ``j`` of its
    32-bit register ``i`` (matrix ``i``) -> (row, element in the 16-byte row)."""
    per = 32 // b  # elements per 32-bit register
    if transposed:  # .trans (b16): thread t holds column t // 4, rows 2 * (t % 4) + j
        return 8 * i + 2 * (t % 4) + j, t // 4
    return 8 * i + t // 4, per * (t % 4) + j


@pytest.mark.parametrize("num", [1, 2, 4])
@pytest.mark.parametrize("b,transposed", [(16, False), (8, False), (32, False), (16, True)])
def test_ldmatrix_fragment_is_the_ptx_fragment(num, b, transposed):
    for store in (False, True):
        F = ldmatrix_fragment(num, b, transposed=transposed, store=store)
        assert F.in_dims == {"register": num * (32 // b), "lane": 32, "warp": 1, "block": 1}
        assert F.is_invertible()
        per = 32 // b
        for t in range(32):
            for i in range(num):
                for j in range(per):
                    reg = i * per + j
                    got = F.apply(register=reg, lane=t)
                    assert (got["dim0"], got["dim1"]) == _ptx_m8n8(t, j, i, b, transposed), (t, i, j)


def test_ldmatrix_tile_divides_a_conversion():
    """The planner's use: a register layout stored row-major (or column-major, for .trans)
    in shared memory is left-divisible by the tile (after Triton's lane permutation)."""
    frag = ldmatrix_fragment(4)  # rows 32, 8 halves per row
    row_major = LinearLayout.identity("offset", 8, "dim1") * LinearLayout.identity("offset", 32, "dim0")
    row_major = row_major * LinearLayout.identity("block", 1, "dim0")
    cvt = frag.invert_and_compose(row_major)
    assert cvt.divide_left(ldmatrix_tile(16)) is not None
    # transposed: the same fragment against a column-major copy of the transposed tile
    tfrag = ldmatrix_fragment(4, transposed=True)
    col_major = LinearLayout.identity("offset", 8, "dim1") * LinearLayout.identity("offset", 32, "dim0")
    col_major = col_major * LinearLayout.identity("block", 1, "dim0")
    tcvt = tfrag.invert_and_compose(col_major)
    perm = ldmatrix_lane_permutation(True)
    lanes = tcvt.bases["lane"]
    bases = dict(tcvt.bases)
    bases["lane"] = [lanes[p] for p in perm]
    permuted = LinearLayout.from_bases(bases, list(tcvt.out_dims.items()), require_surjective=False)
    assert permuted.divide_left(ldmatrix_tile(16, transposed=True)) is not None
    assert tcvt.divide_left(ldmatrix_tile(16, transposed=True)) is None


def test_ldmatrix_tiles_and_shapes():
    for b, t, s, shape in [
        (16, False, False, "m8n8"),
        (8, False, False, "m8n8"),
        (16, True, True, "m8n8"),
        (8, True, False, "m16n16"),
        (8, True, True, "m16n8"),
    ]:
        full = ldmatrix_full_tile(b, transposed=t, store=s)
        assert full.is_invertible()
        tile = ldmatrix_tile(b, transposed=t, store=s)
        assert full.sublayout(["register", "lane"], ["offset"]).out_dims == tile.out_dims
        assert ptx_ldmatrix_shape(b, transposed=t, store=s) == shape
    # 8-bit transposed loads move 64 bits per tile: only .x1 and .x2
    assert ldmatrix_fragment(2, 8, transposed=True).out_dims == {"dim0": 32, "dim1": 16}
    with pytest.raises(LayoutError, match="num"):
        ldmatrix_fragment(4, 8, transposed=True)
    assert ldmatrix_row_lanes(1).bases["lane"] == [[1], [2], [4], [0], [0]]
    assert ldmatrix_row_lanes(4).bases["lane"] == [[1], [2], [4], [8], [16]]
    assert ldmatrix_min_sm() == 75 and ldmatrix_min_sm(store=True) == 90
    assert ldmatrix_min_sm(elem_bits=8, transposed=True) == 100
    bads = (lambda: ldmatrix_tile(64), lambda: ldmatrix_tile(32, transposed=True))
    bads += (lambda: ldmatrix_fragment(0),)
    for bad in bads:
        with pytest.raises(LayoutError):
            bad()


def test_ldmatrix_tile_predicts_tritons_lowering():
    """For 70 shared->register loads and 42 register->shared stores compiled for cuda:90
    (NVMMA and swizzled shared x dot operands, MMA, blocked), Triton used ldmatrix /
    stmatrix (``.trans`` or not) exactly when :func:`divide_by_ldmatrix_tile` succeeds on
    ``reg.invert_and_compose(shared)``."""
    cases = _load("triton_memory_ldmatrix.json")
    assert len(cases) >= 100 and any(c["store"] for c in cases)
    seen = set()
    for c in cases:
        out = [("dim0", c["s"][0]), ("dim1", c["s"][1])]
        reg = LinearLayout.from_bases(c["reg"], out)
        shared = LinearLayout.from_bases(c["shared"], out)
        cvt = reg.invert_and_compose(shared)
        st = c["store"]
        plain = divide_by_ldmatrix_tile(cvt, store=st) is not None
        trans = not plain and divide_by_ldmatrix_tile(cvt, transposed=True, store=st) is not None
        triton = "trans" if c["trans"] else ("plain" if c["ldmatrix"] else "none")
        ours = "plain" if plain else ("trans" if trans else "none")
        assert ours == triton, (c["kind"], c["p"], c["reg_name"], st)
        seen.add(triton)
    assert seen == {"plain", "trans", "none"}


# ----------------------------------------------------------------------------- live oracle


@pytest.mark.triton
def test_live_against_triton(triton_python):
    """A few fresh cases straight from Triton 3.9.0 (subprocess)."""
    code = r"""
import json, os
from triton._C.libtriton import ir, gluon_ir, nvidia, amd
import triton.experimental.gluon.language as ttgl
ctx = ir.context(); ir.load_dialects(ctx); nvidia.load_dialects(ctx); amd.load_dialects(ctx)
b = gluon_ir.GluonOpBuilder(ctx, "")
out = []
for L, shape in [(ttgl.SwizzledSharedLayout(4, 2, 4, [0, 1, 2], [[0, 0, 1]]), [16, 32, 4]),
                 (ttgl.NVMMASharedLayout(64, 16, rank=3, transposed=True), [64, 2, 32]),
                 (ttgl.NVMMASharedLayout(32, 8, cga_layout=[[0, 1], [1, 0]]), [256, 128])]:
    r = b.to_linear_layout(L._to_ir(b), shape)
    out.append({"offset": r.offset_bases, "block": r.block_bases})
print(json.dumps(out))
os.close(2)
"""
    r = subprocess.run([triton_python, "-c", code], capture_output=True, text=True, timeout=300)
    want = json.loads(r.stdout.strip().splitlines()[-1])
    ours = [
        SwizzledSharedLayout(4, 2, 4, [0, 1, 2], [[0, 0, 1]]).to_linear_layout([16, 32, 4]),
        NVMMASharedLayout(64, 16, rank=3, transposed=True).to_linear_layout([64, 2, 32]),
        NVMMASharedLayout(32, 8, cga_layout=[[0, 1], [1, 0]]).to_linear_layout([256, 128]),
    ]
    assert [{"offset": L.bases["offset"], "block": L.bases["block"]} for L in ours] == want


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


# ----------------------------------------------------------------------------- robustness

_junk = st.one_of(
    st.integers(-3, 300), st.sampled_from([None, "x", 1.5, True, [], [1], [[1, 0]], [[0, 1], [1, 0]]])
)
_small_lists = st.lists(st.integers(-1, 9), max_size=4)


@given(
    _junk,
    _junk,
    _junk,
    st.one_of(_small_lists, _junk),
    st.one_of(st.lists(_small_lists, max_size=3), _junk),
    st.one_of(st.lists(st.sampled_from([0, 1, 2, 4, 8, 64, 3, 2**20]), max_size=4), _junk),
)
def test_swizzled_never_fails_badly(vec, pp, mp, order, cga, shape):
    """Anything goes in: a layout or a LayoutError, never another exception."""
    try:
        SwizzledSharedLayout(vec, pp, mp, order, cga).to_linear_layout(shape)
    except LayoutError:
        pass


@given(
    st.sampled_from([0, 32, 64, 128, 16, -1, None]),
    st.sampled_from([8, 16, 32, 64, 4, "16"]),
    st.integers(-1, 4),
    _junk,
    _junk,
    st.one_of(st.lists(_small_lists, max_size=3), _junk),
    st.one_of(st.lists(st.sampled_from([1, 2, 8, 64, 256, 1024, 2**24, 6]), max_size=4), _junk),
)
def test_nvmma_never_fails_badly(sw, bits, rank, tr, fp4, cga, shape):
    try:
        NVMMASharedLayout(sw, bits, rank, tr, fp4, cga).to_linear_layout(shape)
    except LayoutError:
        pass


@given(
    st.one_of(st.lists(_small_lists, max_size=6), _junk),
    st.one_of(st.lists(_small_lists, max_size=2), _junk),
    _junk,
)
def test_shared_linear_never_fails_badly(offset, block, alignment):
    try:
        SharedLinearLayout(offset, block, alignment).to_linear_layout(None)
    except LayoutError:
        pass


@given(st.integers(-1, 5), _junk, st.booleans(), st.booleans())
def test_ldmatrix_never_fails_badly(num, bits, transposed, store):
    try:
        ldmatrix_fragment(num, bits, transposed=transposed, store=store)
    except LayoutError:
        pass


@pytest.mark.slow
@pytest.mark.triton
def test_random_cases_against_live_triton(triton_python):
    """1000 random swizzled/NVMMA cases (ranks 1-4, CGA) answered live by Triton 3.9.0."""
    import random

    from tools.gen_memory_cases import nvmma_legal, run_requests

    rng = random.Random(20260)
    reqs = []
    while len(reqs) < 1000:
        rank = rng.randint(1, 4)
        shape = [rng.choice([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) for _ in range(rank)]
        if sum(s.bit_length() - 1 for s in shape) > 16:
            continue
        cga = []
        for _ in range(rng.randint(0, 2)):
            d = rng.randrange(rank)
            have = sum(1 for b in cga if b[d])
            cga.append(
                [0] * rank if rng.random() < 0.3 else [(1 << have) if i == d else 0 for i in range(rank)]
            )
        if rng.random() < 0.5:
            p = {
                "vec": rng.choice([1, 2, 4, 8]),
                "per_phase": rng.choice([1, 2, 4]),
                "max_phase": rng.choice([1, 2, 4, 8]),
                "order": rng.sample(range(rank), rank),
                "cga_layout": cga,
            }
            if all(s == 1 for s in shape):
                continue
            reqs.append({"kind": "swizzled_shared", "p": p, "s": shape})
        else:
            bits = rng.choice([8, 16, 32, 64])
            sw = rng.choice([0, 32, 64, 128]) if rank > 1 else 0
            p = {
                "swizzle_byte_width": sw,
                "element_bitwidth": bits,
                "rank": rank,
                "transposed": rng.random() < 0.3,
                "fp4_padded": False,
                "cga_layout": cga,
            }
            if not nvmma_legal(p, shape):
                continue
            reqs.append({"kind": "nvmma_shared", "p": p, "s": shape, "bits": bits})
    answers = run_requests(reqs)
    for r, a in zip(reqs, answers):
        if "offset_bases must not be empty" in a.get("err", ""):
            continue  # Gluon's wrapper cannot show a single-element-per-CTA layout
        if "b" not in a:
            with pytest.raises(LayoutError):
                CLASSES[r["kind"]](**r["p"]).to_linear_layout(r["s"])
            continue
        obj = CLASSES[r["kind"]](**r["p"])
        L = obj.to_linear_layout(r["s"])
        assert {"offset": L.bases["offset"], "block": L.bases["block"], "alignment": obj.alignment} == a[
            "b"
        ], r
        assert obj.to_triton() == a["t"]


def test_numpy_integers_and_arrays_are_accepted():
    np = pytest.importorskip("numpy")
    a = SwizzledSharedLayout(np.int64(2), 1, 4, np.array([1, 0])).to_linear_layout(np.array([4, 8]))
    assert a == SwizzledSharedLayout(2, 1, 4, [1, 0]).to_linear_layout([4, 8])
    with pytest.raises(LayoutError, match="shape"):
        SwizzledSharedLayout(2, 1, 4, [1, 0]).to_linear_layout(np.array([4.0, 8.0]))
