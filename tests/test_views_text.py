"""Text views: compared cell by cell with Triton 3.9.0's own views (stored by
tests/tools/gen_view_cases.py), plus golden text on tiny layouts and properties."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.views import text

DATA = Path(__file__).parent / "data" / "triton_views.json"
CASES = json.loads(DATA.read_text())["cases"]
IDS = [c["name"] for c in CASES]


def _layout(case) -> LinearLayout:
    return LinearLayout.from_bases(case["bases"], [tuple(o) for o in case["out_dims"]])


# ------------------------------------------------------------------ parsing Triton's text


def _triton_cells(view: str) -> list[str]:
    """Cells of a bracketed Triton tensor view, row-major."""
    cells = []
    for line in view.splitlines():
        line = line.strip().strip("[]").strip()
        if not line:
            continue
        if line.startswith("("):  # shared: (a:b),(c:d)
            cells += re.findall(r"\([^)]*\)", line)
        else:
            cells += [c.strip() for c in line.split(", ")]
    return cells


def _elements(shape):
    import itertools

    return list(itertools.product(*[range(s) for s in shape]))


def _parse_distributed_tensor(case):
    lanes = 1 << len(case["bases"]["lane"])
    out = {}
    for elem, cell in zip(_elements(case["shape"]), _triton_cells(case["tensor_view"])):
        slots = []
        for part in cell.split("|"):
            m = re.fullmatch(r"\s*(?:B(\d+):)?T(\d+):(\d+)", part)
            assert m, part
            block = int(m.group(1) or 0)
            tid, reg = int(m.group(2)), int(m.group(3))
            slots.append((block, tid // lanes, tid % lanes, reg))
        out[elem] = sorted(slots)
    return out


def _tuple(s: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.split(r"[,:]", s.strip("() ")))


def _parse_distributed_hw(case):
    out = {}
    block = warp = reg = 0
    for line in case["hardware_view"].splitlines():
        if m := re.fullmatch(r"Block(\d+):", line):
            block = int(m.group(1))
        elif m := re.fullmatch(r"Warp(\d+):", line):
            warp, reg = int(m.group(1)), 0
        elif line.strip():
            for lane, tup in enumerate(re.findall(r"\([^)]*\)", line)):
                out[(block, warp, lane, reg)] = _tuple(tup)
            reg += 1
    return out


def _parse_shared_hw(case):
    out = {}
    block = 0
    for line in case["hardware_view"].splitlines():
        if m := re.fullmatch(r"Block: (\d+):", line):
            block = int(m.group(1))
        elif m := re.fullmatch(r"Offset: (\d+) -> (\(.*\))", line):
            out[(block, int(m.group(1)))] = _tuple(m.group(2))
    return out


# ------------------------------------------------------------------ against Triton


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_triton_text_reproduced_exactly(case):
    L = _layout(case)
    assert text.triton_layout_str(L, False) == case["tensor_view"]
    assert text.triton_layout_str(L, True) == case["hardware_view"]


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "distributed"],
                         ids=[c["name"] for c in CASES if c["kind"] == "distributed"])
def test_distributed_cells_match_triton(case):
    L = _layout(case)
    cells = text.tensor_cells(L)
    theirs = _parse_distributed_tensor(case)
    assert set(theirs) == set(cells)
    for elem, slots in theirs.items():
        assert sorted(cells[elem]) == slots, elem
    hw = text.hardware_cells(L)
    assert _parse_distributed_hw(case) == hw


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "shared"],
                         ids=[c["name"] for c in CASES if c["kind"] == "shared"])
def test_shared_cells_match_triton(case):
    L = _layout(case)
    hw = text.hardware_cells(L)
    theirs = _parse_shared_hw(case)
    for slot, elem in theirs.items():
        assert hw[slot] == elem
    # Triton's "tensor" view of a shared layout lists offset -> element in offset order.
    block_size = len(theirs) // (1 << len(case["bases"]["block"]))
    cells = text.tensor_cells(L)
    for i, cell in enumerate(_triton_cells(case["tensor_view"])):
        slot = (i // block_size, i % block_size)
        assert slot in cells[_tuple(cell)]


def _parse_my_grid(view: str, rank: int) -> dict[tuple[int, ...], str]:
    """Parse tensor_view(full=True, header=False) back into {element: cell}."""
    out = {}
    lead: tuple[int, ...] = ()
    cols: list[int] = []
    for line in view.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            lead = tuple(int(v) for v in line.strip("[]").split(",")[: rank - 2])
            continue
        parts = line.split()
        if line.startswith(" "):  # header row
            cols = [int(p.lstrip("+")) for p in parts]
            continue
        row = int(parts[0])
        for c, cell in zip(cols, parts[1:]):
            elem = (row + c,) if rank == 1 else (*lead, row, c)
            out[elem] = cell
    return out


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "distributed"],
                         ids=[c["name"] for c in CASES if c["kind"] == "distributed"])
def test_printed_tensor_view_matches_triton_cell_by_cell(case):
    L = _layout(case)
    mine = _parse_my_grid(text.tensor_view(L, full=True, header=False), len(case["shape"]))
    theirs = _parse_distributed_tensor(case)
    assert set(mine) == set(theirs)
    multi_block = len(case["bases"]["block"]) > 0
    multi_warp = len(case["bases"]["warp"]) > 0
    for elem, slots in theirs.items():
        want = []
        for b, w, lane, r in slots:
            label = (f"B{b}:" if multi_block else "") + (f"W{w}:" if multi_warp else "") + f"T{lane}:R{r}"
            want.append(label)
        assert sorted(mine[elem].split("|")) == sorted(want), elem


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "shared"],
                         ids=[c["name"] for c in CASES if c["kind"] == "shared"])
def test_printed_shared_view_matches_triton_cell_by_cell(case):
    L = _layout(case)
    mine = _parse_my_grid(text.tensor_view(L, full=True, header=False, elem_bits=16), len(case["shape"]))
    theirs = _parse_shared_hw(case)
    multi_block = len(case["bases"]["block"]) > 0
    for (block, offset), elem in theirs.items():
        label = (f"B{block}:" if multi_block else "") + f"{offset}:b{(offset * 2 // 4) % 32}"
        assert label in mine[elem].split("|")


# ------------------------------------------------------------------ golden text


def _tiny():
    return LinearLayout.from_bases(
        {"register": [[0, 1]], "lane": [[0, 2], [1, 0]], "warp": [], "block": []}, ["dim0", "dim1"]
    )


def test_golden_tensor_view():
    assert text.tensor_view(_tiny()) == (
        "distributed layout of a 2x4 tensor: 1 block x 1 warp x 4 lanes x 2 registers\n"
        "cell = T<lane>:R<register>; rows: dim0, columns: dim1\n"
        "       0      1      2      3\n"
        "0  T0:R0  T0:R1  T1:R0  T1:R1\n"
        "1  T2:R0  T2:R1  T3:R0  T3:R1"
    )


def test_golden_hardware_view():
    assert text.hardware_view(_tiny(), header=False) == (
        "warp 0:\n"
        "       R0     R1\n"
        "T0  (0,0)  (0,1)\n"
        "T1  (0,2)  (0,3)\n"
        "T2  (1,0)  (1,1)\n"
        "T3  (1,2)  (1,3)"
    )


def test_golden_shared_views():
    S = LinearLayout.from_bases({"offset": [[0, 1], [1, 1]], "block": []}, ["dim0", "dim1"])
    assert text.tensor_view(S, header=False) == "      0     1\n0  0:b0  1:b1\n1  3:b3  2:b2"
    hw = text.hardware_view(S, header=False, elem_bits=32)
    assert hw.splitlines()[1:] == [
        "offset     b0     b1     b2     b3",
        "@0      (0,0)  (0,1)  (1,1)  (1,0)",
    ]


def test_broadcast_copies_listed():
    L = LinearLayout.from_bases(
        {"register": [], "lane": [[1], [0]], "warp": [[0]], "block": []}, ["dim0"]
    )
    view = text.tensor_view(L, header=False, full=True)
    assert "W0:T0:R0|W0:T2:R0|W1:T0:R0|W1:T2:R0" in view
    # summarised: the first copy and the copy count (4 = 2 lanes x 2 warps)
    row = text.tensor_view(L, header=False).splitlines()[1].split()
    assert row == ["0", "W0:T0:R0", "×4", "W0:T1:R0", "×4"]
    assert "each element held by 4 threads" in text.describe(L)


def test_tmem_views():
    T = LinearLayout.from_bases(
        {"row": [[1, 0], [2, 0]], "col": [[0, 1], [0, 2]], "block": []}, ["dim0", "dim1"]
    )
    assert text.layout_kind(T) == "tmem"
    assert text.tensor_view(T, header=False).splitlines()[1].split() == ["0", "0:0", "0:1", "0:2", "0:3"]
    hw = text.hardware_view(T, header=False)
    assert "row 3  (3,0)  (3,1)  (3,2)  (3,3)" in hw


def test_large_tensor_is_summarised():
    L = LinearLayout.from_bases(
        {"register": [[0, 1], [0, 2], [0, 64], [64, 0]], "lane": [[0, 4], [0, 8], [0, 16], [1, 0], [2, 0]],
         "warp": [[0, 32], [4, 0], [8, 0], [16, 0], [32, 0]], "block": []},
        ["dim0", "dim1"],
    )
    view = text.tensor_view(L)
    lines = view.splitlines()
    assert len(lines) < 45 and max(len(x) for x in lines) <= 210
    assert text.ELLIPSIS in view
    full = text.tensor_view(L, full=True, header=False)
    assert len(full.splitlines()) == 129
    hw = text.hardware_view(L)
    assert text.ELLIPSIS in hw and len(hw.splitlines()) < 400


def test_generic_layout_view():
    G = LinearLayout.from_bases({"x": [[1], [2]]}, ["y"])
    assert text.layout_kind(G) == "generic"
    assert text.hardware_view(G, header=False).splitlines()[3] == "x=3 -> (3)"


def test_errors():
    with pytest.raises(LayoutError, match="view"):
        text.layout_view(_tiny(), "sideways")
    with pytest.raises(LayoutError, match="layout"):
        text.tensor_view("not a layout")
    with pytest.raises(LayoutError, match="elem_bits"):
        text.bank_of(3, elem_bits=12)
    T = LinearLayout.from_bases({"row": [[1, 0]], "col": [[0, 1]], "block": []}, ["dim0", "dim1"])
    with pytest.raises(LayoutError, match="Triton prints only"):
        text.triton_layout_str(T)


def test_banks_follow_target():
    S = LinearLayout.from_bases({"offset": [[1], [2], [4], [8], [16], [32], [64]], "block": []}, ["dim0"])
    view = text.hardware_view(S, target="gfx950", elem_bits=32)
    assert "64 banks x 4 B (gfx950)" in view
    assert "b63" in view


# ------------------------------------------------------------------ properties


@st.composite
def _distributed(draw):
    rank = draw(st.integers(1, 2))
    out_bits = [draw(st.integers(0, 3)) for _ in range(rank)]
    pool = [(d, 1 << i) for d in range(rank) for i in range(out_bits[d])]
    pool = draw(st.permutations(pool))
    dims = ["register", "lane", "warp", "block"]
    bases = {d: [] for d in dims}
    for d, v in pool:
        vec = [0] * rank
        vec[d] = v
        bases[draw(st.sampled_from(dims))].append(vec)
    for d in dims:  # some broadcast
        if draw(st.booleans()):
            bases[d].append([0] * rank)
    return LinearLayout.from_bases(bases, [(f"dim{i}", 1 << b) for i, b in enumerate(out_bits)])


@given(_distributed())
def test_views_agree_with_each_other(L):
    cells = text.tensor_cells(L)
    hw = text.hardware_cells(L)
    assert sum(len(v) for v in cells.values()) == len(hw)
    for elem, slots in cells.items():
        for s in slots:
            assert hw[s] == elem
    # every slot evaluates like the layout itself
    for (b, w, lane, r), elem in list(hw.items())[:50]:
        assert tuple(L.apply(block=b, warp=w, lane=lane, register=r).values()) == elem
    assert text.tensor_view(L) and text.hardware_view(L)


# ------------------------------------------------------------------ live differential (needs triton)

_LIVE = r"""
import json, random, sys
from triton._C.libtriton import gluon_ir
import triton.experimental.gluon.language as ttgl
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
out = []
for _ in range(12):
    rank = random.choice([1, 2, 2, 3])
    bits = [random.randint(1, 3) for _ in range(rank)]
    pool = [(d, 1 << i) for d in range(rank) for i in range(bits[d])]
    random.shuffle(pool)
    dims = {"register": [], "lane": [], "warp": [], "block": []}
    for d, v in pool:
        vec = [0] * rank
        vec[d] = v
        dims[random.choice(["register", "lane", "lane", "warp", "block"])].append(vec)
    while len(dims["lane"]) < 5:  # 32 lanes; the extra ones broadcast
        dims["lane"].append([0] * rank)
    shape = [1 << b for b in bits]
    L = ttgl.DistributedLinearLayout(dims["register"], dims["lane"], dims["warp"], dims["block"], shape)
    out.append({"bases": dims, "shape": shape,
                "tensor": gluon_ir.get_layout_view(L, shape, False),
                "hardware": gluon_ir.get_layout_view(L, shape, True)})
print(json.dumps(out))
"""


@pytest.mark.triton
def test_live_random_layouts_match_triton_text(triton_python):
    import subprocess

    r = subprocess.run([triton_python, "-c", _LIVE, "11"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    cases = json.loads(r.stdout.strip().splitlines()[-1])
    for c in cases:
        L = LinearLayout.from_bases(c["bases"], [(f"dim{i}", s) for i, s in enumerate(c["shape"])])
        assert text.triton_layout_str(L, False) == c["tensor"]
        assert text.triton_layout_str(L, True) == c["hardware"]


def test_too_many_slots_is_a_clear_error():
    big = LinearLayout.from_bases(
        {"register": [[1 << i] for i in range(18)], "lane": [[1 << i] for i in range(18, 23)], "warp": [],
         "block": []}, ["dim0"])
    with pytest.raises(LayoutError, match="too many to view"):
        text.tensor_view(big)
    with pytest.raises(LayoutError, match="too many to view"):
        text.hardware_view(big)
    assert text.describe(big).startswith("distributed layout of a 8388608 tensor")


@given(st.integers(50, 300))
def test_views_fit_the_width(width):
    """Every line of a summarised view fits ``max_width`` (when one column fits at all)."""
    lanes = [[0, 4], [0, 8], [0, 16], [1, 0], [2, 0]]
    L = LinearLayout.from_bases({"register": [[0, 1], [0, 2]], "lane": lanes,
                                 "warp": [[0, 0]], "block": []}, [("dim0", 4), ("dim1", 32)])
    for view in (text.tensor_view(L, max_width=width), text.hardware_view(L, max_width=width)):
        body = view.splitlines()[2:]
        assert all(len(line) <= width for line in body), width


def test_width_follows_the_terminal(monkeypatch):
    L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [0, 4], [0, 8], [0, 16], [0, 32]],
                                 "warp": [], "block": []}, ["dim0", "dim1"])
    monkeypatch.setenv("COLUMNS", "60")
    narrow = text.tensor_view(L, header=False)
    monkeypatch.setenv("COLUMNS", "300")
    wide = text.tensor_view(L, header=False)
    assert max(map(len, narrow.splitlines())) <= 60 < max(map(len, wide.splitlines()))


@pytest.mark.parametrize("kw", [{"max_rows": 0}, {"max_rows": True}, {"max_width": 5}, {"max_width": "80"}])
def test_bad_view_sizes_are_layout_errors(kw):
    L = LinearLayout.from_bases({"lane": [[1]]}, ["dim0"])
    with pytest.raises(LayoutError, match=next(iter(kw))):
        text.tensor_view(L, **kw)


def test_huge_sparse_tensors_are_refused_or_summarised_without_allocating_them():
    """A few slots spread over a 2**51-element tensor: text views stay bounded."""
    L = LinearLayout.from_bases({"register": [[1 << 30, 0]], "lane": [[1, 1]], "warp": [], "block": []},
                                [("dim0", 1 << 31), ("dim1", 1 << 20)], require_surjective=False)
    view = text.tensor_view(L, max_width=80)
    assert "…" in view and len(view.splitlines()) < 40
    with pytest.raises(LayoutError, match="too many to be printed in full"):
        text.triton_layout_str(L)
