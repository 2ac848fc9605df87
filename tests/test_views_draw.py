# ruff: noqa: E501
"""Pictures: PNG/SVG are produced, have a sensible size and are not blank; the bank-map
conflict analysis and the plan panels say the right thing; Jupyter HTML/PNG helpers."""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np
import pytest

from linlayout import LayoutError, LinearLayout
from linlayout.views import draw, text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


def _distinct_colours(data: bytes) -> int:
    import io

    import matplotlib.image as mpimg

    img = mpimg.imread(io.BytesIO(data), format="png")
    flat = (img[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(flat, axis=0))


def _blocked() -> LinearLayout:
    # sizePerThread [1,2], threadsPerWarp [4,8], warpsPerCTA [2,1] on 8x16
    return LinearLayout.from_bases(
        {
            "register": [[0, 1]],
            "lane": [[0, 2], [0, 4], [0, 8], [1, 0], [2, 0]],
            "warp": [[4, 0]],
            "block": [],
        },
        ["dim0", "dim1"],
    )


def _shared() -> LinearLayout:
    # swizzled_shared vec=2, perPhase=1, maxPhase=4 on 4x8 (16-bit) -- bases from Triton 3.9.0
    return LinearLayout.from_bases(
        {"offset": [[0, 1], [0, 2], [0, 4], [1, 2], [2, 4]], "block": []}, ["dim0", "dim1"]
    )


def test_distributed_png_has_size_and_content():
    png = draw.layout_png(_blocked())
    w, h = _png_size(png)
    assert 300 < w < 3000 and 200 < h < 3000
    # 2 warps x several lane shades + labels and lines
    assert _distinct_colours(png) > 20
    plain = draw._png_bytes(draw.draw_layout(_blocked(), labels=False))
    assert plain != png


def test_save_png_and_svg(tmp_path):
    fig = draw.draw_layout(_blocked())
    draw.save(fig, tmp_path / "a.png")
    draw.save(fig, tmp_path / "a.svg")
    assert (tmp_path / "a.png").stat().st_size > 5000
    svg = (tmp_path / "a.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.count("<path") > 20
    with pytest.raises(LayoutError, match="path"):
        draw.save(fig, tmp_path / "a.jpg")


def test_broadcast_layout_draws():
    L = LinearLayout.from_bases(
        {"register": [], "lane": [[0, 1], [0, 2], [0, 0], [1, 0], [2, 0]], "warp": [], "block": []},
        ["dim0", "dim1"],
    )
    assert "held by 2 threads" in draw.draw_layout(L).axes[0].get_title()


def test_shared_bank_map_and_conflicts():
    S = _shared()
    # one warp reading a column: lanes 0..3 take rows 0..3 of column 0
    column = LinearLayout.from_bases(
        {
            "register": [[0, 1], [0, 2], [0, 4]],
            "lane": [[1, 0], [2, 0], [0, 0], [0, 0], [0, 0]],
            "warp": [],
            "block": [],
        },
        ["dim0", "dim1"],
    )
    acc = text.shared_access(S, column, elem_bits=16)
    # the swizzle puts (r, 0) in banks 0, 5, 10, 15: no conflict
    assert acc.wavefronts == [1, 1, 1, 1, 1, 1, 1, 1]
    fig = draw.draw_shared(S, access=column, elem_bits=16)
    assert "conflict-free" in fig.axes[0].get_title()
    # the same read of an unswizzled layout hits one bank 4 times over 8 rows x 8 cols fp32
    flat = LinearLayout.from_bases(
        {"offset": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 0], [2, 0]], "block": []}, ["dim0", "dim1"]
    )
    col = LinearLayout.from_bases(
        {
            "register": [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16]],
            "lane": [[1, 0], [2, 0], [0, 0], [0, 0], [0, 0]],
            "warp": [],
            "block": [],
        },
        ["dim0", "dim1"],
    )
    bad = text.shared_access(flat, col, elem_bits=32)
    assert bad.wavefronts[0] == 4 and bad.ideal[0] == 1 and not bad.conflict_free
    title = draw.draw_shared(flat, access=col, elem_bits=32).axes[0].get_title()
    assert "4 wavefronts" in title and "banks in conflict" in title
    png = draw._png_bytes(draw.draw_layout(S, elem_bits=16))
    assert _distinct_colours(png) > 10


def test_shared_access_errors():
    with pytest.raises(LayoutError, match="shared"):
        text.shared_access(_blocked(), _blocked())
    with pytest.raises(LayoutError, match="vec"):
        text.shared_access(
            _shared(),
            LinearLayout.from_bases(
                {
                    "register": [[0, 1]],
                    "lane": [[1, 0], [2, 0], [0, 2], [0, 4], [0, 0]],
                    "warp": [],
                    "block": [],
                },
                ["dim0", "dim1"],
            ),
            vec=4,
        )


def test_tmem_and_generic_draw():
    T = LinearLayout.from_bases(
        {"row": [[1, 0], [2, 0], [4, 0]], "col": [[0, 1], [0, 2]], "block": []}, ["dim0", "dim1"]
    )
    assert _png_size(draw.layout_png(T))[0] > 200
    G = LinearLayout.from_bases({"x": [[1], [2], [4]]}, ["y"])
    assert _png_size(draw.layout_png(G))[0] > 200


def test_too_large_to_draw():
    big = LinearLayout.from_bases(
        {"register": [[1 << i] for i in range(16)], "lane": [], "warp": [], "block": []}, ["dim0"]
    )
    assert draw.layout_png(big) is None
    with pytest.raises(LayoutError, match="too many .* draw a sub-tile"):
        draw.draw_layout(big)


def test_layout_html():
    assert "class='llv'" in draw.layout_html(_blocked())  # the interactive view (tests/test_views_html.py)
    h = draw.layout_html(_blocked(), interactive=False)
    assert h.count("<td") >= 8 * 16 and "warp 1" in h and "T0:R0" in h and "background:#" in h
    assert "(0, 0): W0:T0:R0" in h  # hover text names every copy
    hs = draw.layout_html(_shared(), interactive=False)
    assert "bank" in hs
    big = LinearLayout.from_bases(
        {"register": [[1 << i] for i in range(14)], "lane": [], "warp": [], "block": []}, ["dim0"]
    )
    assert "<td title" not in draw.layout_html(big, interactive=False)


# ----------------------------------------------------------------------------- plans


class Shuffle:  # the step shapes of API.md, standing in for linlayout.plan.ir
    def __init__(self, src_lane, send, recv):
        self.src_lane, self.send, self.recv = np.asarray(src_lane), np.asarray(send), np.asarray(recv)


class SharedStore:
    def __init__(self, offset, vec):
        self.offset, self.vec, self.instruction = np.asarray(offset), vec, "st.shared"


class SharedLoad(SharedStore):
    pass


class Barrier:
    pass


class Copy:
    def __init__(self, reg_map):
        self.reg_map = np.asarray(reg_map)


class Plan:
    def __init__(self, steps, src=None, dst=None):
        self.steps, self.src, self.dst = steps, src, dst
        self.kind, self.shuffles, self.target, self.elem_bits = "shared_memory", 1, "sm_80", 32


def test_plan_picture_has_a_panel_per_step():
    lanes = np.arange(32)
    offs = (lanes[:, None] * 2 + np.arange(2)[None, :])[None]  # 1 warp, 2 regs, consecutive
    steps = [
        Copy(np.tile([1, 0], (32, 1))),
        Shuffle(lanes ^ 1, np.zeros((32, 1), int), np.zeros((32, 1), int)),
        SharedStore(offs, 2),
        Barrier(),
        SharedLoad(offs * 16 % 64, 1),
    ]
    fig = draw.draw_plan(Plan(steps, _blocked(), _blocked()))
    titles = [ax.get_title() for ax in fig.axes]
    assert sum("step" in t for t in titles) == 5
    assert any("Shuffle" in t and "xor 1" in t for t in titles)
    store = next(t for t in titles if "SharedStore" in t)
    assert "2 wavefronts" in store and "ideal 2" in store  # 64 words over 32 banks
    load = next(t for t in titles if "SharedLoad" in t)
    assert "ideal 1" in load and "wavefront(s)" in load
    assert _png_size(draw._png_bytes(fig, 40))[1] > 300
    html = draw.plan_html(Plan(steps[:1]), image=True)
    assert "<b>Copy</b>" in html and "data:image/png;base64," in html
    with pytest.raises(LayoutError, match="plan"):
        draw.draw_plan(object())


def test_noop_plan_draws():
    fig = draw.draw_plan(Plan([], _blocked(), _blocked()))
    assert any("no-op" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_real_plan_draws():
    plan_conversion = pytest.importorskip("linlayout.plan").plan_conversion
    dst = LinearLayout.from_bases(
        {
            "register": [[1, 0]],
            "lane": [[0, 2], [0, 4], [0, 8], [0, 1], [2, 0]],
            "warp": [[4, 0]],
            "block": [],
        },
        ["dim0", "dim1"],
    )
    plan = plan_conversion(_blocked(), dst, "sm_80")
    fig = draw.draw_plan(plan)
    assert len(fig.axes) >= 2 + len(plan.steps)


def test_import_is_lazy():
    code = (
        "import sys, linlayout.views.draw, linlayout.views.text, linlayout.views; "
        "print('matplotlib' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from linlayout import LinearLayout\n"
        "from linlayout.views import draw\n"
        "L = LinearLayout.from_bases({'register': [[1]], 'lane': [], 'warp': [], 'block': []}, ['dim0'])\n"
        "assert draw.layout_png(L) is None and '<table' in draw.layout_html(L)\n"
        "try:\n"
        "    draw.draw_layout(L)\n"
        "except ImportError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("MissingMatplotlib drawing layouts needs matplotlib")


# ----------------------------------------------------------------------------- issue 16: pictures that answer questions

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import linlayout as ll  # noqa: E402

BLOCKED = "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
MMA = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>"


@given(st.integers(0, 9), st.sampled_from([8, 16, 32, 64]))
def test_lane_shading_is_monotonic(colour, lanes):
    """Lightness grows with the lane, for every warp colour."""
    base = draw.warp_colors(10)[colour]
    light = [sum(draw._shade(base, lane, lanes)) for lane in range(lanes)]
    assert all(a < b for a, b in zip(light, light[1:]))


def test_every_cell_labelled_at_64x64():
    L = ll.from_triton(BLOCKED, [64, 64])
    fig = draw.draw_layout(L)
    paths = [c for c in fig.axes[0].collections if type(c).__name__ == "PathCollection"]
    assert len(paths) == 1 and len(paths[0].get_paths()) == 2 * 64 * 64  # "T<lane>" and "R<register>" each
    cell_in = fig.get_size_inches()[0] / 64
    assert cell_in >= draw.LABEL_CELL * 0.9


def test_sub_tile_draws_the_asked_rows_and_columns():
    L = ll.from_triton(BLOCKED, [256, 256])
    fig = draw.draw_layout(L, rows=(64, 96), cols=(128, 160))
    ax = fig.axes[0]
    assert ax.images[0].get_array().shape[:2] == (32, 32)
    assert ax.get_yticklabels()[0].get_text() == "64" and ax.get_xticklabels()[0].get_text() == "128"
    for bad in ({"rows": (0, 999)}, {"cols": (5, 5)}, {"rows": "0:4"}):
        with pytest.raises(LayoutError, match="rows|cols"):
            draw.draw_layout(L, **bad)


def test_legend_lists_only_warps_that_appear():
    # a dot operand broadcasts over the warps of the other dim: warps 1 and 3 hold copies only
    A = ll.from_triton(f"#ttg.dot_op<{{opIdx = 0, parent = {MMA}, kWidth = 2}}>", [32, 16])
    fig = draw.draw_layout(A)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    first = draw._distributed_grid(A)[0]
    shown = sorted({int(w) for w in first[:, :, 1].reshape(-1)})
    assert [x for x in labels if x.startswith("warp")] == [f"warp {w}" for w in shown]
    assert len(shown) < 4 and any("hold copies only" in x for x in labels)


def test_narrow_tensor_keeps_title_and_legend_inside():
    L = ll.from_triton(BLOCKED, [64, 1])
    fig = draw.draw_layout(L)
    fig.canvas.draw()
    box = fig.bbox
    for artist in (fig.axes[0].title, fig.axes[0].get_legend()):
        ext = artist.get_window_extent()
        assert ext.x0 >= box.x0 - 1 and ext.x1 <= box.x1 + 1 and ext.y0 >= box.y0 - 1 and ext.y1 <= box.y1 + 1


def test_padded_shared_draws_its_padding():
    desc = ll.parse_attr("#ttg.padded_shared<[32:+4] {order = [1, 0], shape = [32, 64]}>")
    lin = desc.linear_component([32, 64])
    fig = draw.draw_layout(lin, padded=desc, elem_bits=16)
    hatched = {(int(p.get_x() + 0.5), int(p.get_y() + 0.5)) for p in fig.axes[0].patches if p.get_hatch()}
    # 16-bit elements: a bank word holds physical offsets 2w, 2w+1; the first 32 rows of 32 words are shown
    used = {desc.padded_offset(o) for o in range(2048)}
    want = {(w % 32, w // 32) for w in range(32 * 32) if 2 * w not in used and 2 * w + 1 not in used}
    assert hatched == want
    assert len(want) > 20


def test_plan_steps_numbered_from_one_like_explain():
    src, dst = ll.from_triton(BLOCKED, [32, 32]), ll.from_triton(MMA, [32, 32])
    plan = ll.plan_conversion(src, dst, "sm_90", elem_bits=16)
    titles = [ax.get_title() for ax in draw.draw_plan(plan).axes if ax.get_title().startswith("step ")]
    explained = [ln.strip().split(" ", 2)[:2] for ln in plan.explain().splitlines() if ln[:4] == "  " + ln.strip()[:2]]
    assert [t.split(":")[0] for t in titles] == [f"step {k}" for k in range(1, len(plan.steps) + 1)]
    assert [e[0] for e in explained if e[0].rstrip(".").isdigit()] == [f"{k}." for k in range(1, len(plan.steps) + 1)]
    assert "<ol start='1'" in draw.plan_html(plan, interactive=False)


def test_quick_png_is_the_layout_and_cached():
    import io

    from PIL import Image

    L = ll.from_triton(BLOCKED, [64, 64])
    png = draw.layout_png(L)
    assert png is draw.layout_png(L)  # cached
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert img.shape[0] > 64 * 20 and img.shape[1] > 64 * 20
    # the colour of each cell's centre is its warp's colour shaded by its lane
    first = draw._distributed_grid(L)[0]
    cs = (img.shape[1] - 34) // 64
    for r, c in ((0, 0), (5, 37), (63, 63)):
        b, w, lane, _ = first[r, c]
        want = np.array(draw._shade(draw.warp_colors(4)[w], lane, 32)) * 255
        y, x = 34 + r * cs + cs - 3, 30 + c * cs + cs - 3  # a corner pixel away from the label
        assert np.abs(img[y, x] - want).max() < 24, (r, c, img[y, x], want)
    assert draw.layout_png(ll.from_triton(BLOCKED, [256, 256])) is None
