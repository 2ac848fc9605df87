"""Views and command line of the kernel semantics: ``linlayout infer``, ``linlayout access`` and the
Jupyter views of ReducePlan / ScanPlan / GlobalAccess.  Every expected output is the library's own
answer (infer_encoding, global_access(...).explain(), plan.explain()), never stored text."""

from __future__ import annotations

import base64
import contextlib
import html
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linlayout as ll
from linlayout import cli
from linlayout.testing import distributed_layouts
from linlayout.views import text

BLOCKED = (
    "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
)
MMA = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [4, 1], instrShape = [16, 8]}>"
SLICE = f"#ttg.slice<{{dim = 1, parent = {BLOCKED}}}>"
WAVE64 = (
    "#ttg.blocked<{sizePerThread = [1, 8], threadsPerWarp = [8, 8], warpsPerCTA = [4, 1], order = [1, 0]}>"
)
WIDTH = 100


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``linlayout ARGV``: (exit status, stdout, stderr)."""
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _expected_infer(title: str, encs, layouts) -> str:
    """What ``linlayout infer`` prints for these results (each: shape, Triton text, tensor view)."""
    if not isinstance(encs, tuple):
        encs, layouts = (encs,), (layouts,)
    lines = [title]
    for k, (enc, L) in enumerate(zip(encs, layouts)):
        shape = "x".join(map(str, L.out_dims.values()))
        lines.append(f"{f'result {k}: ' if len(encs) > 1 else ''}{shape} {enc}")
        lines.append(text.tensor_view(L, max_width=WIDTH))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ infer

FORWARD = [
    ("tt.trans", BLOCKED, [32, 64], {"order": [1, 0]}, ["--order", "1,0"]),
    ("tt.reshape", BLOCKED, [32, 64], {"shape": [2048]}, ["--shape", "2048"]),
    ("tt.reduce", MMA, [128, 64], {"axis": 1}, ["--axis", "1"]),
    ("tt.expand_dims", SLICE, [32], {"axis": 1}, ["--axis", "1"]),
    ("tt.broadcast", BLOCKED, [32, 1], {"shape": [32, 64]}, ["--shape", "32x64"]),
    ("tt.split", "#ttg.blocked<{sizePerThread = [1, 2], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], "
     "order = [1, 0]}>", [128, 2], {}, []),
    ("trans", MMA, [64, 32], {"order": [1, 0]}, ["--order", "1,0"]),
]


@pytest.mark.parametrize("op,attr,shape,attrs,flags", FORWARD, ids=[f[0] for f in FORWARD])
def test_infer_prints_the_inferred_encoding_and_its_tensor_view(capsys, op, attr, shape, attrs, flags):
    rc, out, err = run(capsys, "infer", op, attr, "x".join(map(str, shape)), *flags, "--width", str(WIDTH))
    assert (rc, err) == (0, "")
    name = op if op.startswith("tt.") else "tt." + op
    want = _expected_infer(
        f"{name} result:",
        ll.infer_encoding(op, [(attr, shape)], **attrs),
        ll.infer_layout(op, [(attr, shape)], **attrs),
    )
    assert out == want


def test_infer_with_a_second_operand(capsys):
    rc, out, _ = run(capsys, "infer", "tt.join", BLOCKED, "32x64", "--layout2", BLOCKED, "--view", "none")
    assert rc == 0
    enc = ll.infer_encoding("tt.join", [(BLOCKED, [32, 64])] * 2)
    assert out.splitlines() == ["tt.join result:", f"32x64x2 {enc}"]


def test_infer_backward_prints_the_operand_that_makes_the_op_free(capsys):
    rc, out, _ = run(capsys, "infer", "tt.reduce", SLICE, "32", "--axis", "1", "--shape", "32x64",
                     "--backward", "--width", str(WIDTH))
    assert rc == 0
    R = (SLICE, [32])
    want = _expected_infer(
        "the operand that makes tt.reduce free for this result:",
        ll.infer_operand_encoding("tt.reduce", R, axis=1, shape=[32, 64]),
        ll.infer_operand_layout("tt.reduce", R, axis=1, shape=[32, 64]),
    )
    assert out == want
    assert ll.infer_operand_encoding("tt.reduce", R, axis=1, shape=[32, 64]) == BLOCKED  # a slice's parent


def test_pasted_types_with_aliases_read_like_their_definitions(capsys, tmp_path):
    dump = tmp_path / "k.ttgir"
    dump.write_text(f"#blocked = {BLOCKED}\n#mma = {MMA}\n")
    _, direct, _ = run(capsys, "infer", "tt.trans", BLOCKED, "32x64", "--order", "1,0", "--width", "90")
    rc, pasted, err = run(capsys, "infer", "tt.trans", "tensor<32x64xf16, #blocked>", "--ttgir", str(dump),
                          "--order", "1,0", "--width", "90")
    assert (rc, err) == (0, "") and pasted == direct
    _, direct, _ = run(capsys, "access", MMA, "128x64", "--elem-bits", "16", "--store")
    rc, pasted, _ = run(capsys, "access", "tensor<128x64xf16, #mma>", "--ttgir", str(dump), "--store")
    assert rc == 0 and pasted == direct


def test_infer_draws_the_result_layout(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "kT.png"
    rc, out, err = run(capsys, "infer", "tt.trans", BLOCKED, "32x64", "--order", "1,0", "--view", "none",
                       "--png", str(png))
    assert rc == 0 and err == f"wrote {png}\n" and png.read_bytes().startswith(b"\x89PNG")
    assert out.splitlines()[1].endswith(ll.infer_encoding("tt.trans", [(BLOCKED, [32, 64])], order=[1, 0]))


# ----------------------------------------------------------------------------------------- access

ACCESS = [
    (BLOCKED, [32, 64], {"elem_bits": 16}, ["--elem-bits", "16"]),
    (BLOCKED, [32, 64], {"elem_bits": 16, "strides": [None, 1]}, ["--elem-bits", "16", "--strides", "?,1"]),
    (MMA, [128, 64], {"elem_bits": 16, "strides": [64, 1], "store": True, "target": "sm_80"},
     ["--elem-bits", "16", "--strides", "64,1", "--store", "--target", "sm_80"]),
    (BLOCKED, [32, 64], {"elem_bits": 32, "contiguity": [1, 2], "divisibility": [16, 8]},
     ["--elem-bits", "32", "--contiguity", "1,2", "--divisibility", "16,8"]),
    (BLOCKED, [32, 64], {"elem_bits": 8, "mask_constancy": [1, 2], "base_alignment": 4},
     ["--elem-bits", "8", "--mask-constancy", "1,2", "--base-alignment", "4"]),
    (WAVE64, [64, 64], {"elem_bits": 16, "target": "gfx942"}, ["--elem-bits", "16", "--target", "gfx942"]),
]


@pytest.mark.parametrize("attr,shape,kwargs,flags", ACCESS)
def test_access_prints_global_access_explain(capsys, attr, shape, kwargs, flags):
    rc, out, err = run(capsys, "access", attr, "x".join(map(str, shape)), *flags)
    assert (rc, err) == (0, "")
    assert out == ll.global_access((attr, shape), **kwargs).explain() + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(L=distributed_layouts(num_warps=st.sampled_from([1, 2, 4]), max_bits=10, xor_mix=False),
       bits=st.sampled_from([8, 16, 32, 64]), store=st.booleans())
def test_access_of_any_layout_is_its_explain(L, bits, store):
    """For random distributed layouts (as #ttg.linear text) the command prints global_access's explain."""
    shape = "x".join(map(str, L.out_dims.values()))
    argv = ["access", L.to_triton(), shape, "--elem-bits", str(bits)] + (["--store"] if store else [])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(argv) == 0
    assert out.getvalue() == ll.global_access(L, elem_bits=bits, store=store).explain() + "\n"


# ----------------------------------------------------------------------------------------- reduce


def test_reduce_reads_pasted_types_and_draws_after_checking(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    dump = tmp_path / "k.ttgir"
    dump.write_text(f"#mma = {MMA}\n")
    png = tmp_path / "rowmax.png"
    rc, out, err = run(capsys, "reduce", "tensor<128x64xf32, #mma>", "--ttgir", str(dump), "--axis", "1",
                       "--target", "sm_80", "--draw", str(png))
    assert rc == 0 and png.read_bytes().startswith(b"\x89PNG") and err == f"wrote {png}\n"
    assert out == ll.plan_reduce(ll.from_triton(MMA, [128, 64]), 1, "sm_80").explain() + "\n"
    rc, out, _ = run(capsys, "reduce", "tensor<128x64xf16, #mma>", "--ttgir", str(dump), "--axis", "1",
                     "--scan")
    assert out == ll.plan_scan(ll.from_triton(MMA, [128, 64]), 1, "sm_90", elem_bits=16).explain() + "\n"


@pytest.mark.parametrize("argv", [
    ["infer", "tt.trans", BLOCKED, "{shape}", "--order", "1,0", "--view", "none"],
    ["access", BLOCKED, "{shape}", "--elem-bits", "16", "--store"],
    ["reduce", BLOCKED, "{shape}", "--axis", "1", "--target", "sm_80"],
])
def test_shape_may_follow_the_options(capsys, argv):
    """SHAPE right after LAYOUT or after the options: the same output; a second one is refused."""
    at = argv.index("{shape}")
    _, want, _ = run(capsys, *[a if a != "{shape}" else "32x64" for a in argv])
    rc, out, err = run(capsys, *argv[:at], *argv[at + 1:], "32x64")
    assert (rc, err) == (0, "") and out == want
    rc, out, err = run(capsys, *[a if a != "{shape}" else "32x64" for a in argv], "64x64")
    assert rc == 2 and out == "" and "unrecognized arguments: 64x64" in err and err.count("\n") == 1


# ----------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "argv,named",
    [
        (["infer", "tt.frob", BLOCKED, "32x64"], "OP:"),
        (["infer", "tt.trans", BLOCKED, "32x64"], "--order:"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--order", "0,0"], "--order:"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--order", "a,b"], "--order:"),
        (["infer", "tt.trans", BLOCKED, "32y64", "--order", "1,0"], "SHAPE:"),
        (["infer", "tt.trans", BLOCKED, "--order", "1,0"], "SHAPE:"),
        (["infer", "tt.trans", "#blocked", "32x64", "--order", "1,0"], "--ttgir FILE"),
        (["infer", "tt.trans", "tensor<32x64xf16, #blocked>", "16x64", "--order", "1,0"], "SHAPE:"),
        (["infer", "tt.reduce", BLOCKED, "32x64", "--axis", "5"], "--axis:"),
        (["infer", "tt.reshape", BLOCKED, "32x64", "--shape", "100"], "--shape:"),
        (["infer", "tt.split", BLOCKED, "32x64"], "LAYOUT:"),
        (["infer", "tt.join", BLOCKED, "32x64", "--layout2", BLOCKED, "--shape2", "16x64"], "operands:"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--shape2", "16x64"], "--shape2:"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--order", "1,0", "--width", "3"], "--width:"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--ttgir", "/nonexistent/k.ttgir"], "--ttgir:"),
        (["infer", "tt.trans", BLOCKED, "32768x32768", "--order", "1,0"], "SHAPE:"),
        (["reduce", BLOCKED, "32x64", "--axis", "1", "--draw", "/nonexistent/d/x.png"], "--draw:"),
        (["reduce", BLOCKED, "32x64", "--axis", "1", "--draw", "x.txt"], "--draw:"),
        (["reduce", BLOCKED, "32x64", "--axis", "1", "--reverse"], "--reverse:"),
        (["reduce", BLOCKED, "32x64", "--axis", "2"], "--axis:"),
        (["reduce", BLOCKED, "32x64", "--axis", "1", "--elem-bits", "12"], "--elem-bits:"),
        (["reduce", "#mma", "32x64", "--axis", "1"], "--ttgir FILE"),
        (["infer", "tt.trans", BLOCKED, "32x64", "--order", "1,0", "--png", "x.gif"], "--png:"),
        (["infer", "tt.reshape", BLOCKED, "32x64", "--shape", "2048", "--png", "/nonexistent/d/x.png"],
         "--png:"),
        (["access", BLOCKED, "32x64"], "--elem-bits:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--strides", "1"], "--strides:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--strides", "x"], "--strides:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--contiguity", "0,1"], "--contiguity:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--base-alignment", "3"], "--base-alignment:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--target", "sm_1"], "--target:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "16", "--target", "gfx942"], "LAYOUT:"),
        (["access", BLOCKED, "32x64", "--elem-bits", "12"], "--elem-bits"),
        (["access", "#ttg.swizzled_shared<{vec = 2, perPhase = 1, maxPhase = 4, order = [1, 0]}>", "32x64",
          "--elem-bits", "16"], "LAYOUT:"),
    ],
)
def test_bad_input_is_one_line_naming_the_argument_exit_2(capsys, argv, named):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("linlayout: error: ")
    assert named in err


_TOKENS = ["infer", "access", "tt.trans", "tt.reduce", "tt.join", "tt.split", "tt.broadcast", "reshape",
           BLOCKED, MMA, SLICE, "tensor<32x64xf16, #blocked>", "32x64", "32", "64x32", "0", "1", "1,0",
           "?,1", "--order", "--shape", "--axis", "--layout2", "--shape2", "--backward", "--elem-bits", "16",
           "--strides", "--contiguity", "--divisibility", "--store", "--target", "gfx942", "--view", "none",
           "--width", "-1", "--ttgir", "/nonexistent", ""]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(["infer", "access"]), st.lists(st.sampled_from(_TOKENS), max_size=8))
def test_random_argv_never_an_internal_error(command, rest):
    """Whatever follows ``infer`` / ``access``: status 0 or 2, and a 2 with one line on stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main([command, *rest])
    assert rc in (0, 2), ([command, *rest], err.getvalue())
    assert "internal error" not in err.getvalue()
    if rc == 2:
        assert err.getvalue().count("\n") == 1 and out.getvalue() == ""


# ------------------------------------------------------------------------------------ Jupyter views


def _png_in(page: str) -> bytes | None:
    """The PNG inlined in an HTML fragment, if any."""
    key = "data:image/png;base64,"
    if key not in page:
        return None
    return base64.b64decode(page.split(key, 1)[1].split("'", 1)[0])


def test_reduce_plan_html_is_its_explain_and_its_picture():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    open_before = set(plt.get_fignums())
    p = ll.plan_reduce(ll.from_triton(BLOCKED, [32, 64]), 1, "sm_80")
    page = p._repr_html_()
    assert html.escape(p.explain()) in page
    png = _png_in(page)
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert p._repr_png_().startswith(b"\x89PNG")
    assert set(plt.get_fignums()) == open_before  # no figure left for an inline backend to show again


def test_views_of_plans_that_cannot_be_drawn_are_text_only():
    pytest.importorskip("matplotlib")
    L = ll.blocked([4, 8, 16], [1, 1, 4], [1, 4, 8], [1, 2, 2], [2, 1, 0])
    p = ll.plan_reduce(L, 2, "sm_90")
    assert p._repr_png_() is None  # rank 3: no picture
    page = p._repr_html_()
    assert html.escape(p.explain()) in page and _png_in(page) is None


def test_scan_plan_and_global_access_html_are_their_explain():
    L = ll.from_triton(BLOCKED, [32, 64])
    s = ll.plan_scan(L, 1, "sm_80", reverse=True)
    assert html.escape(s.explain()) in s._repr_html_()
    a = ll.global_access(L, elem_bits=16, strides=[64, 1])
    assert html.escape(a.explain()) in a._repr_html_()
    assert str(a) == a.explain()
