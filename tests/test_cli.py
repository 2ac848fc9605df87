# ruff: noqa: E501
"""The ``linlayout`` command line: outputs, pictures, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linlayout import cli
from linlayout.targets import TARGETS

BLOCKED = (
    "#ttg.blocked<{sizePerThread = [1, 2], threadsPerWarp = [4, 8], warpsPerCTA = [2, 1], order = [1, 0]}>"
)
MMA = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>"
SWIZZLED = "#ttg.swizzled_shared<{vec = 2, perPhase = 1, maxPhase = 4, order = [1, 0]}>"

# A dump Triton 3.9.0 wrote for a 128x128x64 fp16 matmul on cuda:90 (aliases and a few uses kept).
TTGIR = """\
#blocked = #ttg.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#mma = #ttg.nvidia_mma<{versionMajor = 3, versionMinor = 0, warpsPerCTA = [4, 1], instrShape = [16, 128, 16]}>
#shared = #ttg.nvmma_shared<{swizzlingByteWidth = 128, transposed = false, elementBitWidth = 16}>
#smem = #ttg.shared_memory
module attributes {"ttg.num-warps" = 4 : i32, "ttg.threads-per-warp" = 32 : i32} {
  tt.func public @matmul(%arg0: !tt.ptr<f16>) {
    %0 = tt.make_range {end = 128 : i32, start = 0 : i32} : tensor<128xi32, #ttg.slice<{dim = 1, parent = #blocked}>>
    %1 = tt.splat %arg0 : !tt.ptr<f16> -> tensor<128x64x!tt.ptr<f16>, #blocked>
    %2 = ttg.local_alloc : () -> !ttg.memdesc<128x64xf16, #shared, #smem, mutable>
    %3 = arith.constant dense<0.000000e+00> : tensor<128x128xf32, #mma>
    tt.return
  }
}
"""


def run(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_show_tensor_view(capsys):
    rc, out, err = run(capsys, "show", BLOCKED, "--shape", "8x16")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "distributed layout of a 8x16 tensor: 1 block x 2 warps x 32 lanes x 2 registers"
    assert lines[3].split()[:3] == ["0", "W0:T0:R0", "W0:T0:R1"]
    assert lines[-1].split()[-1] == "W1:T31:R1"


def test_show_hardware_view_and_code(capsys):
    rc, out, _ = run(capsys, "show", MMA, "--shape", "32x32", "--view", "hardware", "--code", "python")
    assert rc == 0
    assert "warp 3:" in out and "T31" in out
    assert "def layout_index(register, lane, warp, block):" in out


def test_show_both_views_shared_with_banks(capsys):
    rc, out, _ = run(capsys, "show", SWIZZLED, "--shape", "4x8", "--view", "both", "--target", "sm_90",
                     "--elem-bits", "16")
    assert rc == 0
    assert "10:b5" in out  # element (1,0) sits at offset 10, bank 5 (16-bit elements)
    assert "bank map" in out and "32 banks x 4 B (sm_90)" in out


def test_show_triton_text(capsys):
    rc, out, _ = run(capsys, "show", SWIZZLED, "--shape", "4x8", "--triton-text")
    assert rc == 0 and out.startswith("[[(0:0),(0:1)")


def test_show_png_and_svg(capsys, tmp_path):
    png, svg = tmp_path / "a.png", tmp_path / "b.svg"
    rc, _, err = run(capsys, "show", BLOCKED, "--shape", "8x16", "--png", str(png))
    assert rc == 0 and png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
    assert f"wrote {png}" in err
    rc, _, _ = run(
        capsys,
        "show",
        SWIZZLED,
        "--shape",
        "4x8",
        "--png",
        str(svg),
        "--access",
        BLOCKED.replace("[2, 1]", "[1, 1]").replace("[1, 2]", "[1, 1]"),
    )
    assert rc == 0 and "<svg" in svg.read_text()


def test_plan(capsys, tmp_path):
    rc, out, _ = run(capsys, "plan", BLOCKED, BLOCKED, "--shape", "8x16", "--target", "sm_80")
    assert rc == 0 and out.startswith("noop")
    rc, out, _ = run(
        capsys,
        "plan",
        MMA,
        BLOCKED.replace("[2, 1]", "[2, 2]"),
        "--shape",
        "32x32",
        "--target",
        "sm_90",
        "--explain",
        "--png",
        str(tmp_path / "p.png"),
    )
    assert rc == 0 and "ConversionPlan" in out
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_ttgir(capsys, tmp_path):
    f = tmp_path / "k.ttgir"
    f.write_text(TTGIR)
    rc, out, _ = run(capsys, "ttgir", str(f))
    assert rc == 0
    assert "#blocked = #ttg.blocked<" in out
    assert "  128x64: distributed layout of a 128x64 tensor" in out
    assert (
        "  128x128: distributed layout of a 128x128 tensor: 1 block x 4 warps x 32 lanes x 128 registers"
        in out
    )
    assert "  128x64: shared layout of a 128x64 tensor: 1 block x 8192 offsets" in out
    assert "(inline) = #ttg.slice<{dim = 1, parent = #blocked}>" in out
    assert "#smem" not in out  # a memory space, not a layout
    small = tmp_path / "small.ttgir"
    small.write_text(f"#b = {BLOCKED}\n  %0 = tt.splat %x : f32 -> tensor<8x16xf32, #b>\n")
    rc, out, _ = run(capsys, "ttgir", str(small), "--view", "hardware", "--png-dir", str(tmp_path / "pics"))
    assert rc == 0 and "warp 1:" in out
    assert [p.name for p in (tmp_path / "pics").glob("*.png")] == ["b_8x16.png"]


def test_gallery_small(capsys, tmp_path, monkeypatch):
    real = cli.gallery_families
    monkeypatch.setattr(cli, "gallery_families", lambda t: real(t)[:2])
    rc, out, err = run(capsys, "gallery", "--target", "gfx942", "--out", str(tmp_path))
    assert rc == 0
    assert "[" in err and "2/2" in err  # the progress bar
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gfx942_blocked.png",
        "gfx942_slice.png",
        "index.md",
    ]
    assert "wrote 2 picture(s)" in out


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_gallery_families_all_build(target):
    """Every family the gallery draws parses and builds for every chip (no drawing)."""
    fams = cli.gallery_families(target)
    names = [f for f, _, _ in fams]
    assert "blocked" in names and len(names) == len(set(names))
    for fam, attr, shape in fams:
        layout, note = cli._gallery_layout(attr, shape)
        assert layout.out_dims, fam


@pytest.mark.slow
@pytest.mark.parametrize("target", ["sm_80", "sm_90", "sm_100", "gfx942", "gfx950", "gfx1100", "gfx1200"])
def test_gallery_full(capsys, tmp_path, target):
    rc, out, _ = run(capsys, "gallery", "--target", target, "--out", str(tmp_path))
    assert rc == 0
    assert len(list(tmp_path.glob("*.png"))) == len(cli.gallery_families(target))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["show", BLOCKED, "--shape", "8xx"], "--shape: expected sizes like 64x64"),
        (["show", BLOCKED, "--shape", "8"], "attr: shape: expected 2 sizes"),
        (["show", BLOCKED[:-1], "--shape", "8x16"], "attr: expected"),
        (["show", "#ttg.nope<{}>", "--shape", "8x16"], "attr:"),
        (
            ["show", BLOCKED, "--shape", "8x16", "--png", "x.jpg"],
            "--png: expected a file name ending in .png or .svg",
        ),
        (["show", BLOCKED, "--shape", "8x16", "--png", "/nonexistent/d/x.png"], "--png: the folder"),
        (["plan", SWIZZLED, BLOCKED, "--shape", "4x8", "--target", "sm_90"], "src: a distributed layout has"),
        (["gallery", "--target", "sm_90", "--out", "/proc/nope/x"], "--out: cannot create the folder"),
        (["ttgir", "/bin/sh"], "is not a UTF-8 text file"),
        (["show", BLOCKED, "--shape", "8x16", "--access", BLOCKED], "--access: only for a shared layout"),
        (["show", BLOCKED], "--shape: required unless ATTR is a pasted tensor"),
        (["show", BLOCKED, "--shape", "8x16", "--target", "bogus"], "--target: unknown chip 'bogus'"),
        (["show", BLOCKED, "--shape", "8x16", "--vec", "4"], "--vec: only used with --access"),
        (["show", SWIZZLED, "--shape", "4x8", "--access", BLOCKED, "--vec", "3"], "vec: expected a power of two"),
        (["show", BLOCKED, "--shape", "8x16", "--png", "x.png", "--dpi", "0"], "--dpi: expected 20 to 600"),
        (["show", BLOCKED, "--shape", "8x16", "--html", "x.txt"], "--html: expected a file name ending in .html"),
        (["show", BLOCKED, "--shape", "8x16", "--png", "x.png", "--rows", "9:3"], "--rows: expected START:STOP"),
        (["show", BLOCKED, "--shape", "8x16", "--png", "x.png", "--rows", "0:99"], "rows: expected 0 <= start"),
        (["show", BLOCKED, "--shape", "256x256", "--png", "x.png"], "draw a sub-tile"),
        (["show", "tensor<128xi32, #ttg.slice<{dim = 1, parent = #blocked}>>"], "give the dump that defines it with --ttgir"),
        (["show", "tensor<4x8xf16, #blocked>", "--shape", "8x8"], "--shape: 8x8 differs from the pasted type's 4x8"),
        (["show", "tensor<?x8xf16, #blocked>"], "has no static shape"),
        (["plan", BLOCKED, MMA, "--shape", "32768x32768", "--target", "sm_90"], "handles at most 1048576"),
        (["plan", BLOCKED, MMA, "--shape", "32x32", "--target", "sm_90", "--max-shared-bytes", "0"], "--max-shared-bytes: expected a positive"),
        (["plan", BLOCKED, MMA, "--shape", "32x32", "--target", "sm_90", "--strategy", "magic"], "invalid choice: 'magic'"),
        (["ttgir", "/nonexistent/k.ttgir", "--target", "bogus"], "--target: unknown chip 'bogus'"),
        (["show", BLOCKED, "--shape", "8x16", "--view", "sideways"], "invalid choice: 'sideways'"),
        (["plan", BLOCKED, MMA, "--shape", "32x32", "--target", "sm_99"], "target: unknown chip 'sm_99'"),
        (["gallery", "--target", "tpu", "--out", "x"], "target: unknown chip 'tpu'"),
        (["ttgir", "/nonexistent/k.ttgir"], "FILE: cannot read"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_errors_are_one_line_exit_2(capsys, argv, message):
    rc, out, err = run(capsys, *argv)
    assert rc == 2, err
    assert err.count("\n") == 1 and err.startswith("linlayout: error: ")
    assert message in err
    assert out == ""  # every check comes before any output


def test_no_command_prints_help(capsys):
    rc, out, _ = run(capsys)
    assert rc == 2 and "show" in out and "gallery" in out


def test_python_dash_m_and_exit_codes(tmp_path):
    root = Path(__file__).resolve().parents[1]
    ok = subprocess.run(
        [sys.executable, "-m", "linlayout", "show", SWIZZLED, "--shape", "4x8"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert ok.returncode == 0 and "shared layout of a 4x8 tensor" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "linlayout", "show", SWIZZLED, "--shape", "0x8"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert bad.returncode == 2
    assert bad.stderr == "linlayout: error: --shape: sizes must be positive, got '0x8'\n"


# ----------------------------------------------------------------------------- issue 16: a newcomer's first hour

DUMPS = {d["name"]: d for d in __import__("json").loads(
    (Path(__file__).parent / "data" / "triton_text_ttgir.json").read_text())["dumps"]}


def _independent_plan_line(dump: dict, src_t: str, dst_t: str):
    """Plan one convert_layout without the CLI: the types parsed by hand, the aliases by the reader."""
    from linlayout import from_triton, plan_conversion
    from linlayout.triton.ttgir import find_aliases

    aliases = find_aliases(dump["ttgir"])
    dims, enc = src_t[len("tensor<"):-1].split(", ", 1)
    *shape, elem = dims.split("x")
    bits = {"f16": 16, "bf16": 16, "f32": 32, "i32": 32, "i64": 64, "i1": 8}[elem]
    shape = [int(s) for s in shape]
    src = from_triton(enc, shape, aliases=aliases)
    dst = from_triton(dst_t[len("tensor<"):-1].split(", ", 1)[1], shape, aliases=aliases)
    return plan_conversion(src, dst, dump["target"], elem_bits=bits)


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_ttgir_plans_every_convert_layout(capsys, tmp_path, name):
    dump = DUMPS[name]
    f = tmp_path / "k.ttgir"
    f.write_text(dump["ttgir"])
    rc, out, err = run(capsys, "ttgir", str(f), "--conversions-only")
    assert rc == 0, err
    lines = dump["ttgir"].split("\n")
    cvts = [(no, line) for no, line in enumerate(lines, 1) if "ttg.convert_layout" in line]
    listed = [ln for ln in out.splitlines() if ln.startswith("  line ")]
    assert len(listed) == len(cvts) > 0
    totals = dict.fromkeys(("shuffles", "selects", "shared_instructions", "wavefronts"), 0)
    for (no, line), got in zip(cvts, listed):
        assert got.startswith(f"  line {no}: ")
        types = line.split(" : ", 1)[1].split(" loc(")[0].split(" -> ")
        plan = _independent_plan_line(dump, types[0], types[1])
        want = (f"{plan.kind}: {len(plan.steps)} step(s)", f"shuffles={plan.shuffles} ", f"selects={plan.selects} ",
                f"shared_instructions={plan.shared_instructions} ", f"wavefronts={plan.wavefronts} ",
                f"shared_bytes={plan.shared_bytes}")
        assert all(w in got for w in want), (got, want)
        for k in totals:
            totals[k] += getattr(plan, k)
    total = next(ln for ln in out.splitlines() if ln.startswith("  total over"))
    assert all(f"{k}={v}" in total for k, v in totals.items()), total


def test_show_pasted_types_and_aliases_from_a_dump(capsys, tmp_path):
    f = tmp_path / "k.ttgir"
    f.write_text(TTGIR)
    rc, out, err = run(capsys, "show", "tensor<128xi32, #ttg.slice<{dim = 1, parent = #blocked}>>", "--ttgir", str(f))
    assert rc == 0, err
    assert out.startswith("distributed layout of a 128 tensor")
    rc, out, err = run(capsys, "show", "!ttg.memdesc<128x64xf16, #shared, #smem, mutable>", "--ttgir", str(f))
    assert rc == 0 and "(16-bit elements" in out  # the element width comes from the type
    rc, out, err = run(capsys, "show", "!ttg.memdesc<2x1xi64, #ttg.swizzled_shared<{vec = 1, perPhase = 1, "
                       "maxPhase = 1, order = [1, 0]}>, #smem, mutable>")
    assert rc == 0 and out.startswith("shared layout of a 2x1 tensor") and "(64-bit elements" in out


def test_show_padded_shared(capsys, tmp_path):
    attr = "#ttg.padded_shared<[32:+4] {order = [1, 0], shape = [32, 64]}>"
    rc, out, err = run(capsys, "show", attr, "--shape", "32x64")  # drawn: test_views_draw.py
    assert rc == 0, err
    assert out.startswith("padded shared memory: offsets are the linear part's, padding +4 after every 32")
    assert "shared layout of a 32x64 tensor" in out


def test_show_access_counts_vector_accesses(capsys):
    shared = "#ttg.nvmma_shared<{swizzlingByteWidth = 128, transposed = false, elementBitWidth = 16}>"
    store = "#ttg.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>"
    from linlayout import from_triton
    from linlayout.views.text import shared_access

    for vec in (1, 8):
        rc, out, err = run(capsys, "show", shared, "--shape", "64x64", "--access", store, "--vec", str(vec),
                           "--elem-bits", "16")
        assert rc == 0, err
        acc = shared_access(from_triton(shared, [64, 64]), from_triton(store, [64, 64]), elem_bits=16, vec=vec)
        assert f"{acc.total} wavefronts over {len(acc.wavefronts)} instruction(s), ideal {sum(acc.ideal)}" in out
        assert ("conflict-free" in out) == acc.conflict_free
    assert acc.conflict_free  # 8 fp16 elements per access: the 128-byte swizzle is conflict-free


def test_plan_options_reach_the_planner(capsys):
    from linlayout import from_triton, plan_conversion

    src, dst = MMA, BLOCKED.replace("[2, 1]", "[2, 2]")
    rc, out, err = run(capsys, "plan", src, dst, "--shape", "64x64", "--target", "sm_90", "--elem-bits", "16",
                       "--max-shared-bytes", "1024", "--strategy", "shared_memory")
    assert rc == 0, err
    plan = plan_conversion(from_triton(src, [64, 64]), from_triton(dst, [64, 64]), "sm_90", elem_bits=16,
                           max_shared_bytes=1024, strategy="shared_memory")
    assert plan.shared_bytes <= 1024
    assert out.strip().endswith(f"wavefronts={plan.wavefronts} shared_bytes={plan.shared_bytes}")
    assert out.startswith(f"{plan.kind}: {len(plan.steps)} step(s)")


def test_help_states_the_default_element_width(capsys):
    for cmd in ("show", "plan"):
        with pytest.raises(SystemExit):
            cli.main([cmd, "--help"])
        assert "default 32" in " ".join(capsys.readouterr().out.split())


def test_html_and_dpi_outputs(capsys, tmp_path):
    rc, _, err = run(capsys, "show", BLOCKED, "--shape", "8x16", "--html", str(tmp_path / "l.html"),
                     "--png", str(tmp_path / "a.png"), "--dpi", "50")
    assert rc == 0, err
    assert (tmp_path / "l.html").read_text().startswith("<!DOCTYPE html>")
    run(capsys, "show", BLOCKED, "--shape", "8x16", "--png", str(tmp_path / "b.png"), "--dpi", "150")
    small, big = (tmp_path / "a.png").read_bytes(), (tmp_path / "b.png").read_bytes()
    width = lambda png: int.from_bytes(png[16:20], "big")  # noqa: E731
    assert width(big) > 2.5 * width(small)
    rc, _, err = run(capsys, "plan", MMA, BLOCKED.replace("[2, 1]", "[2, 2]"), "--shape", "32x32", "--target",
                     "sm_90", "--html", str(tmp_path / "p.html"))
    assert rc == 0 and "ConversionPlan" in (tmp_path / "p.html").read_text()


def test_sub_tile_of_a_large_tensor(capsys, tmp_path):
    rc, _, err = run(capsys, "show", BLOCKED, "--shape", "256x256", "--png", str(tmp_path / "t.png"),
                     "--rows", "64:80", "--cols", "128:144")
    assert rc == 0, err
    assert (tmp_path / "t.png").stat().st_size > 10_000


_TOKENS = ["show", "plan", "ttgir", "gallery", BLOCKED, MMA, SWIZZLED, "tensor<8x16xf16, #blocked>",
           "#ttg.slice<{dim = 1, parent = #blocked}>", "--shape", "8x16", "32768x32768", "0x4", "8",
           "--target", "sm_90", "bogus", "--elem-bits", "16", "7", "--vec", "8", "-3", "--access",
           "--width", "10", "--dpi", "--rows", "0:4", "9:1", "--cols", "--strategy", "shuffle",
           "--max-shared-bytes", "0", "--explain", "--full", "--view", "both", "--code", "c", "--labels",
           "--ttgir", "/nonexistent", "--conversions-only", "", "-", "--", "x.png"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=0, max_size=9))
def test_random_argv_never_internal_error(argv):
    """Whatever the argv, the exit status is 0, 1 or 2, and a 2 comes with one line on stderr."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    argv = [a for a in argv if a not in ("x.png",)]  # never write files here
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main(argv)
        except SystemExit as e:  # --help
            rc = e.code
    assert "internal error" not in err.getvalue(), (argv, err.getvalue())
    assert rc in (0, 2), (argv, rc, err.getvalue())
    if rc == 2 and argv:
        assert err.getvalue().count("\n") == 1, (argv, err.getvalue())


def test_missing_matplotlib_is_refused_before_any_output(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from linlayout import cli\n"
        f"sys.exit(cli.main(['show', {BLOCKED!r}, '--shape', '8x16', '--png', {str(tmp_path / 'x.png')!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("linlayout: error: drawing layouts needs matplotlib") and r.stderr.count("\n") == 1


def test_reduce_and_scan_commands(capsys):
    """``linlayout reduce`` prints the plan planned by plan_reduce / plan_scan; bad input exits 2."""
    import linlayout as ll

    attr = ("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], "
            "order = [1, 0]}>")
    L = ll.from_triton(attr, [32, 64])
    assert cli.main(["reduce", attr, "32x64", "--axis", "1", "--target", "sm_80"]) == 0
    out = capsys.readouterr().out
    want = ll.plan_reduce(L, 1, "sm_80")
    assert f"shuffles={want.shuffles} " in out.splitlines()[-1]
    assert cli.main(["reduce", attr, "32x64", "--axis", "0", "--scan", "--reverse"]) == 0
    assert f"shuffles={ll.plan_scan(L, 0, 'sm_90', reverse=True).shuffles}" in capsys.readouterr().out
    assert cli.main(["reduce", attr, "32x64", "--axis", "5"]) == 2
    err = capsys.readouterr().err
    assert "axis" in err and len(err.strip().splitlines()) == 1


def test_assign_command(capsys):
    """``linlayout assign FILE`` prints assign_layouts' own summary of that module; a missing file exits 2."""
    import linlayout as ll

    path = sorted(Path(__file__).parent.glob("data/assign_*.ttgir"))[0]
    assert cli.main(["assign", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == ll.assign_layouts(path.read_text()).summary().strip()
    assert cli.main(["assign", str(path.parent / "no_such.ttgir")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_infer_and_access_commands(capsys):
    """``linlayout infer`` prints infer_encoding's text, ``linlayout access`` global_access's explain;
    bad input exits 2 with one line."""
    import linlayout as ll

    rc, out, _ = run(capsys, "infer", "tt.trans", BLOCKED, "8x16", "--order", "1,0", "--view", "none")
    assert rc == 0
    assert out.splitlines()[1] == "16x8 " + ll.infer_encoding("tt.trans", [(BLOCKED, [8, 16])], order=[1, 0])
    rc, out, _ = run(capsys, "access", MMA, "64x64", "--elem-bits", "16", "--strides", "64,1", "--store")
    assert rc == 0
    assert out == ll.global_access((MMA, [64, 64]), elem_bits=16, strides=[64, 1], store=True).explain() + "\n"
    for argv in (["infer", "tt.trans", BLOCKED, "8x16"], ["access", BLOCKED, "8x16"]):
        rc, out, err = run(capsys, *argv)
        assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("linlayout: error: ")
