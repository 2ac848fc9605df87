"""API traps a newcomer falls into (issue 16, item 7): each works, or says the fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

import linlayout as ll
from linlayout import LayoutError


def test_views_reachable_after_plain_import():
    code = "import linlayout as ll; print(ll.views.text.describe.__name__, ll.views.describe.__name__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["describe", "describe"]


def test_blocked_without_shape_says_shape_comes_first():
    with pytest.raises(LayoutError, match=r"takes the tensor shape first"):
        ll.blocked([1, 4], [4, 8], [2, 2], [1, 0])
    good = ll.blocked([32, 64], [1, 4], [4, 8], [2, 2], [1, 0])
    assert good == ll.BlockedLayout([1, 4], [4, 8], [2, 2], [1, 0]).to_linear_layout([32, 64])


def test_mfma_accepts_tritons_is_transposed():
    a = ll.AMDMFMALayout(version=3, instr_shape=[16, 16, 16], is_transposed=True, warps_per_cta=[2, 2])
    b = ll.AMDMFMALayout(version=3, instr_shape=[16, 16, 16], transposed=True, warps_per_cta=[2, 2])
    assert a == b and a.to_linear_layout([32, 32]) == b.to_linear_layout([32, 32])
    with pytest.raises(LayoutError, match="transposed"):
        ll.AMDMFMALayout(version=3, instr_shape=[16, 16, 16], warps_per_cta=[2, 2])
    with pytest.raises(LayoutError, match="not both"):
        ll.AMDMFMALayout(version=3, instr_shape=[16, 16, 16], transposed=False, is_transposed=True,
                         warps_per_cta=[2, 2])


def test_from_cute_tv_takes_tensor_layouts_objects():
    tl = pytest.importorskip("tensor_layouts")
    text = "((4,8),(2,2)):((32,1),(16,8))"
    obj = tl.Layout(((4, 8), (2, 2)), ((32, 1), (16, 8)))
    assert ll.from_cute_tv(obj, (16, 8)) == ll.from_cute_tv(text, (16, 8))
    assert ll.from_cute(tl.Layout((4, 8), (8, 1))) == ll.from_cute("(4,8):(8,1)")


def test_to_galois_is_the_matrix_and_needs_the_extra():
    pytest.importorskip("galois")
    L = ll.LinearLayout.from_bases({"register": [[1, 2]], "lane": [[2, 1], [0, 3]]},
                                   [("dim0", 4), ("dim1", 4)],
                                   require_surjective=False)
    assert L.to_galois().tolist() == L.matrix()
    code = (
        "import sys; sys.modules['galois'] = None\n"
        "import linlayout as ll\n"
        "L = ll.LinearLayout.from_bases({'register': [[1]]}, ['dim0'])\n"
        "try:\n    L.to_galois()\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'linlayout[galois]'" in out


def test_default_install_has_no_galois_and_draws():
    from pathlib import Path

    import tomllib

    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    deps = " ".join(meta["dependencies"])
    assert "matplotlib" in deps and "galois" not in deps
    assert any(d.startswith("galois") for d in meta["optional-dependencies"]["galois"])
    assert any(d.startswith("galois") for d in meta["optional-dependencies"]["test"])
