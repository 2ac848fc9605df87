# ruff: noqa: E501
"""The ``linlayout`` command line: outputs, pictures, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
