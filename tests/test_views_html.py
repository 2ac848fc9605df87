# ruff: noqa: E501
"""Interactive HTML views: the data they carry (properties), the page is self-contained, and
in a real headless Chromium (tests marked ``browser``): hovering a cell names its thread,
lane, warp, register and bits; clicking highlights the thread's elements; a plan steps
through its bank accesses.

Browser tests skip when no Chromium is found, unless ``LINLAYOUT_REQUIRE_BROWSER=1``
(set by ``.ci/run``), where a missing browser fails them.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from _chromium import Browser, find_chromium
from hypothesis import given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout import LayoutError, LinearLayout
from linlayout.testing import distributed_layouts, shared_layouts
from linlayout.views import html as pages
from linlayout.views import text

BLOCKED = "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
MMA = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>"


def _coords(i: int, shape: list[int]) -> dict[str, int]:
    out = {}
    for k in range(len(shape) - 1, -1, -1):
        out[f"dim{k}"] = i % shape[k]
        i //= shape[k]
    return dict(sorted(out.items()))


@settings(max_examples=25)
@given(distributed_layouts(broadcast=True, max_bits=8))
def test_grid_data_lists_the_slots_holding_each_cell(L):
    """Every slot a cell lists holds that cell's element, and the copy count is exact."""
    data = pages._grid_data(L)
    shape = text._shape(L)
    total = sum(data["count"])
    assert total == 1 << L.total_in_bits
    for i, slots in enumerate(data["cells"]):
        assert len(slots) == min(data["count"][i], pages._MAX_LISTED)
        for b, w, lane, r in slots:
            assert L.apply(register=r, lane=lane, warp=w, block=b) == _coords(i, shape)


@settings(max_examples=15)
@given(shared_layouts(max_bits=8))
def test_grid_data_shared_banks(S):
    data = pages._grid_data(S, elem_bits=16)
    for i, slots in enumerate(data["cells"]):
        for b, off, bank in slots:
            assert S.apply(offset=off, block=b) == _coords(i, text._shape(S))
            assert bank == (off * 2 // 4) % 32


def test_page_is_self_contained():
    page = pages.layout_page(ll.from_triton(BLOCKED, [32, 64]))
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:|//)""", page)
    assert "import(" not in page and "fetch(" not in page


def test_too_large_and_bad_input():
    big = ll.from_triton(BLOCKED, [256, 256])
    with pytest.raises(LayoutError, match="too many for the interactive view"):
        pages.layout_page(big)
    with pytest.raises(LayoutError, match="layout: expected a linlayout.LinearLayout"):
        pages.layout_page("#ttg.blocked")
    with pytest.raises(LayoutError, match="plan: expected a ConversionPlan"):
        pages.plan_page(big)


def test_plan_accesses_match_the_plan():
    """Each shared step's accesses cover every lane and register of warp 0 once, and the cells
    highlighted are the elements those registers hold."""
    src, dst = ll.from_triton(BLOCKED, [32, 32]), ll.from_triton(MMA, [32, 32])
    plan = ll.plan_conversion(src, dst, "sm_90", elem_bits=16)
    frag = pages.plan_fragment(plan)
    data = json.loads(re.search(r"class='lld'>(.*?)</script>", frag, re.S).group(1))
    steps = data["steps"]
    assert [s["name"] for s in steps] == [type(s).__name__ for s in plan.steps]
    for s, step in zip(steps, plan.steps):
        assert s["text"].startswith(f"{steps.index(s) + 1}. {s['name']}")  # explain()'s numbering
        if s["name"] not in ("SharedStore", "SharedLoad"):
            continue
        lay = src if s["name"] == "SharedStore" else dst
        regs = sorted(r for a in s["accesses"] for r in a["regs"])
        assert regs == list(range(step.offset.shape[-1]))
        held = sorted(c for a in s["accesses"] for c in a["cells"])
        want = sorted(
            text._linear_index(text.evaluate(lay, ["lane", "register"]), [32, 32]).reshape(-1).tolist()
        )
        assert held == want


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    exe = find_chromium()
    if exe is None:
        if os.environ.get("LINLAYOUT_REQUIRE_BROWSER"):
            pytest.fail("LINLAYOUT_REQUIRE_BROWSER is set but no Chromium was found")
        pytest.skip("no Chromium found (apt-get install chromium, or set LINLAYOUT_CHROMIUM)")
    with Browser(exe) as b:
        yield b


@pytest.mark.browser
def test_hover_and_click_in_chromium(browser, tmp_path):
    L = ll.from_triton(BLOCKED, [32, 64])
    path = tmp_path / "layout.html"
    path.write_text(pages.layout_page(L))
    browser.open(path)
    assert browser.eval("document.querySelectorAll('.llv .c').length") == 32 * 64
    i = 5 * 64 + 37  # element (5, 37)
    browser.hover(f".llv .c[data-i='{i}']")
    info = browser.eval("document.querySelector('.llv .info').textContent")
    nregs = L.in_dims["register"]
    (w, lane, r), = [(w, lane, r) for w in range(4) for lane in range(32) for r in range(nregs)
                     if L.apply(register=r, lane=lane, warp=w, block=0) == {"dim0": 5, "dim1": 37}]
    assert "element (5, 37)" in info
    assert f"warp {w} lane {lane} (thread {w * 32 + lane}) register {r}" in info
    rbits = nregs.bit_length() - 1
    assert f"register={r:0{rbits}b} lane={lane:05b} warp={w:02b}" in info
    browser.click(f".llv .c[data-i='{i}']")
    lit = browser.eval("[...document.querySelectorAll('.llv .c.hl')].map(e=>+e.dataset.i)")
    want = sorted(
        e["dim0"] * 64 + e["dim1"] for e in (L.apply(register=k, lane=lane, warp=w) for k in range(nregs))
    )
    assert sorted(lit) == want
    assert f"thread {w * 32 + lane}" in browser.eval("document.querySelector('.llv .info').textContent")
    browser.click(f".llv .c[data-i='{i}']")  # again: cleared
    assert browser.eval("document.querySelectorAll('.llv .c.hl').length") == 0
    assert all(u.startswith("file:") for u in browser.requests())


@pytest.mark.browser
def test_plan_steps_in_chromium(browser, tmp_path):
    src, dst = ll.from_triton(BLOCKED, [32, 32]), ll.from_triton(MMA, [32, 32])
    plan = ll.plan_conversion(src, dst, "sm_90", elem_bits=16)
    path = tmp_path / "plan.html"
    path.write_text(pages.plan_page(plan))
    browser.open(path)

    def state():
        return browser.eval(
            "(()=>{const r=document.querySelector('.llv');return [+r.dataset.step,"
            "r.querySelector('.step .body b').textContent,"
            "[...r.querySelectorAll('.pane[data-g=src] .c.hl')].length,"
            "[...r.querySelectorAll('.pane[data-g=dst] .c.hl')].length,"
            "r.querySelectorAll('table.banks tr').length]})()"
        )

    step, title, lit_src, lit_dst, rows = state()
    assert step == 1 and title.startswith(f"step 1 of {len(plan.steps)}: SharedStore")
    assert lit_src == 32 * plan.steps[0].vec and lit_dst == 0  # warp 0's first vector access
    from linlayout.plan.simulate import step_wavefronts

    st = plan.steps[0]
    wf, n = step_wavefronts(st.offset, st.vec, plan, None, st.regs, st.group)
    assert wf % n == 0 and wf > n  # every access of this store conflicts alike
    assert rows == 1 + wf // n  # header + one row per wavefront of the first access
    browser.click(".llv .step .next")
    assert state()[:2] == [2, f"step 2 of {len(plan.steps)}: Barrier"]
    browser.click(".llv .step .next")
    step, title, lit_src, lit_dst, rows = state()
    assert step == 3 and "SharedLoad" in title and lit_dst == 32 * plan.steps[2].vec and lit_src == 0
    browser.click(".llv .step .prev")
    assert state()[0] == 2


def test_layout_html_is_interactive_for_notebooks():
    L = LinearLayout.from_bases({"register": [[0, 1]], "lane": [[0, 2], [1, 0]], "warp": [], "block": []},
                                ["dim0", "dim1"])
    frag = L._repr_html_()
    assert "class='llv'" in frag and "<script>" in frag


@pytest.mark.browser
def test_shared_layout_and_two_notebook_fragments_in_chromium(browser, tmp_path):
    """Two fragments on one page (two notebook outputs) work independently; a shared layout's
    cell names its offset, bank and bits, and a click highlights its bank."""
    S = ll.from_triton("#ttg.swizzled_shared<{vec = 2, perPhase = 1, maxPhase = 4, order = [1, 0]}>", [8, 16])
    D = ll.from_triton(BLOCKED, [16, 16])
    path = tmp_path / "two.html"
    path.write_text("<!DOCTYPE html><html><body>" + D._repr_html_() + S._repr_html_() + "</body></html>")
    browser.open(path)
    assert browser.eval("document.querySelectorAll('.llv').length") == 2
    browser.hover("div:nth-of-type(2) > .llv .c[data-i='19']")
    infos = browser.eval("[...document.querySelectorAll('.llv .info')].map(e=>e.textContent)")
    off = next(o for o in range(128) if S.apply(offset=o) == {"dim0": 1, "dim1": 3})
    bank = (off * 4 // 4) % 32
    assert "hover a cell" in infos[0]  # the first fragment did not react
    assert f"offset {off} bank {bank}" in infos[1] and f"offset={off:07b}" in infos[1]
    browser.click("div:nth-of-type(2) > .llv .c[data-i='19']")
    lit = browser.eval("[...document.querySelectorAll('.llv')[1].querySelectorAll('.c.hl')].map(e=>+e.dataset.i)")
    want = sorted(i for i in range(128) if (next(o for o in range(128) if S.apply(offset=o) ==
                                                  {"dim0": i // 16, "dim1": i % 16})) % 32 == bank)
    assert sorted(lit) == want


@settings(max_examples=20)
@given(distributed_layouts(broadcast=True, max_bits=9), st.data())
def test_sub_tile_is_the_slice_of_the_whole(L, data):
    whole = pages._grid_data(L)
    rows, cols = whole["rows"], whole["cols"]
    r0 = data.draw(st.integers(0, rows - 1))
    r1 = data.draw(st.integers(r0 + 1, rows))
    c0 = data.draw(st.integers(0, cols - 1))
    c1 = data.draw(st.integers(c0 + 1, cols))
    tile = pages._grid_data(L, rows=(r0, r1), cols=(c0, c1))
    assert (tile["rows"], tile["cols"], tile["r0"], tile["c0"]) == (r1 - r0, c1 - c0, r0, c0)
    for i, slots in enumerate(tile["cells"]):
        r, c = divmod(i, c1 - c0)
        j = (r + r0) * cols + c + c0
        assert slots == whole["cells"][j] and tile["count"][i] == whole["count"][j]


def test_cli_html_sub_tile(tmp_path):
    from linlayout import cli

    out = tmp_path / "t.html"
    assert cli.main(["show", BLOCKED, "--shape", "256x256", "--html", str(out), "--rows", "64:96",
                     "--cols", "0:32"]) == 0
    page = out.read_text()
    data = json.loads(re.search(r"class='lld'>(.*?)</script>", page, re.S).group(1))["grids"]["layout"]
    assert (data["rows"], data["cols"], data["r0"], data["c0"]) == (32, 32, 64, 0)
    assert "rows 64…95, columns 0…31" in page


@pytest.mark.browser
def test_sub_tile_hover_names_the_tensor_element(browser, tmp_path):
    L = ll.from_triton(BLOCKED, [256, 256])
    path = tmp_path / "tile.html"
    path.write_text(pages.layout_page(L, rows=(64, 96), cols=(128, 160)))
    browser.open(path)
    browser.hover(".llv .c[data-i='33']")  # row 1, column 1 of the tile
    info = browser.eval("document.querySelector('.llv .info').textContent")
    assert info.startswith("element (65, 129)")
