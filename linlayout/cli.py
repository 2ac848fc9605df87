"""The ``linlayout`` command line: see a layout, plan a conversion, draw a gallery, read a TTGIR dump.

Examples::

    linlayout show '#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>' --shape 32x64
    linlayout show '<attr>' --shape 64x64 --view hardware --png layout.png
    linlayout plan '<src attr>' '<dst attr>' --shape 64x64 --target sm_90 --explain --png plan.png
    linlayout gallery --target gfx942 --out gallery/
    linlayout ttgir kernel.ttgir

Bad input prints one line (``linlayout: error: …``) on stderr and exits with status 2.
"""  # noqa: E501

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from .errors import LayoutError

__all__ = ["main", "GALLERY", "gallery_families", "parse_shape"]

PROG = "linlayout"


class _Usage(Exception):
    """A command-line mistake (reported like LayoutError)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse would print the usage too)
        raise _Usage(message)


def parse_shape(text: str) -> list[int]:
    """``"64x64"``, ``"64,64"`` or ``"128"`` -> a list of positive ints.

    >>> parse_shape("32x64")
    [32, 64]
    """
    t = text.strip().lower().replace(" ", "")
    if not re.fullmatch(r"\d+([x,]\d+)*", t):
        raise LayoutError(f"--shape: expected sizes like 64x64, got {text!r}")
    dims = [int(p) for p in re.split(r"[x,]", t)]
    if any(d <= 0 for d in dims):
        raise LayoutError(f"--shape: sizes must be positive, got {text!r}")
    return dims


def _layout(attr: str, shape: list[int], what: str = "attr"):
    from .triton.attrs import from_triton

    try:
        return from_triton(attr, shape)
    except LayoutError as e:
        msg = str(e).splitlines()[0]
        raise LayoutError(f"{what}: {msg}" if not msg.startswith(what) else msg) from None


def _check_picture_path(path: str | None, what: str = "--png") -> None:
    """Fail before any work when the picture could not be written."""
    if path is None:
        return
    if not path.lower().endswith((".png", ".svg")):
        raise LayoutError(f"{what}: expected a file name ending in .png or .svg, got {path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise LayoutError(f"{what}: the folder {parent!r} does not exist")


def _write_picture(fig, path: str) -> None:
    from .views import draw

    draw.save(fig, path)
    print(f"wrote {path}", file=sys.stderr)


# ----------------------------------------------------------------------------- show


def _cmd_show(args) -> int:
    from .views import text

    _check_picture_path(args.png)
    shape = parse_shape(args.shape)
    if args.target is not None:
        from .targets import get_target

        get_target(args.target)  # an unknown chip is an error even when the layout needs no banks
    layout = _layout(args.attr, shape)
    kw = {"target": args.target, "elem_bits": args.elem_bits, "full": args.full}
    if args.triton_text:
        sys.stdout.write(text.triton_layout_str(layout, args.view == "hardware"))
    else:
        views = ["tensor", "hardware"] if args.view == "both" else [args.view]
        out = []
        for k, v in enumerate(views):
            out.append(text.layout_view(layout, v, header=k == 0, **kw))
        print("\n\n".join(out))
    if args.code:
        from .views import formula

        print()
        print(formula.index_code(layout, args.code))
    if args.png:
        from .views import draw

        access = _layout(args.access, shape, "--access") if args.access else None
        fig = draw.draw_layout(
            layout,
            target=args.target,
            elem_bits=args.elem_bits,
            access=access,
            title=_title(args.attr, layout),
        )
        _write_picture(fig, args.png)
    elif args.access:
        raise LayoutError("--access: only used with --png (it highlights one warp's access on the bank map)")
    return 0


def _title(attr: str, layout) -> str:
    from .views import text

    short = attr if len(attr) <= 110 else attr[:107] + "…"
    return f"{short}\n{text.describe(layout)}"


# ----------------------------------------------------------------------------- plan


def _cmd_plan(args) -> int:
    from .plan import plan_conversion

    _check_picture_path(args.png)
    shape = parse_shape(args.shape)
    src = _layout(args.src, shape, "src")
    dst = _layout(args.dst, shape, "dst")
    plan = plan_conversion(src, dst, args.target, elem_bits=args.elem_bits)
    if args.explain:
        print(plan.explain())
    else:
        steps = ", ".join(type(s).__name__ for s in plan.steps) or "none"
        print(
            f"{plan.kind}: {len(plan.steps)} step(s) [{steps}]; shuffles={plan.shuffles} "
            f"selects={plan.selects} shared_bytes={plan.shared_bytes} wavefronts={plan.wavefronts}"
        )
    if args.png:
        from .views import draw

        _write_picture(draw.draw_plan(plan), args.png)
    return 0


# ----------------------------------------------------------------------------- gallery

_BLOCKED32 = (
    "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
)
_BLOCKED64 = (
    "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [8, 8], warpsPerCTA = [2, 2], order = [1, 0]}>"
)
_MMA2 = "#ttg.nvidia_mma<{versionMajor = 2, versionMinor = 0, warpsPerCTA = [2, 2], instrShape = [16, 8]}>"
_MMA3 = (
    "#ttg.nvidia_mma<{versionMajor = 3, versionMinor = 0, warpsPerCTA = [4, 1], instrShape = [16, 32, 16]}>"
)


def _mfma(version: int, k: int) -> str:
    return (
        f"#ttg.amd_mfma<{{version = {version}, warpsPerCTA = [2, 2], instrShape = [16, 16, {k}], "
        "isTransposed = true}>"
    )


def _wmma(version: int) -> str:
    instr = ", instrShape = [16, 16, 32]" if version == 3 else ""
    return (
        f"#ttg.amd_wmma<{{version = {version}, isTranspose = false, ctaLayout = {{warp = [[0, 1], [1, 0]]}}"
        f"{instr}}}>"
    )


def _common(blocked: str) -> list[tuple[str, str, list[int]]]:
    return [
        ("blocked", blocked, [32, 32]),
        ("slice", f"#ttg.slice<{{dim = 0, parent = {blocked}}}>", [64]),
        (
            "linear",
            "#ttg.linear<{register = [[0, 1], [8, 0]], lane = [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]], "
            "warp = [[0, 8], [16, 0]], block = []}>",
            [32, 16],
        ),
        (
            "swizzled_shared",
            "#ttg.swizzled_shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>",
            [16, 64],
        ),
        (
            "shared_linear",
            "#ttg.shared_linear<{offset = [[0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [1, 4], "
            "[2, 8], [4, 16], [8, 0]]}, alignment = 16>",
            [16, 32],
        ),
    ]


def gallery_families(target) -> list[tuple[str, str, list[int]]]:
    """``[(family, attribute text, shape)]``: one representative of every hardware layout
    family the chip uses, as Triton 3.9.0 prints it."""
    from .targets import get_target

    t = get_target(target)
    if t.is_nvidia:
        fams = _common(_BLOCKED32)
        sm = int(t.name.split("_")[1])
        fams += [
            ("nvidia_mma_v2", _MMA2, [32, 32]),
            ("dot_op_mma_v2_a", f"#ttg.dot_op<{{opIdx = 0, parent = {_MMA2}, kWidth = 2}}>", [32, 16]),
            ("dot_op_mma_v2_b", f"#ttg.dot_op<{{opIdx = 1, parent = {_MMA2}, kWidth = 2}}>", [16, 32]),
            (
                "nvmma_shared",
                "#ttg.nvmma_shared<{swizzlingByteWidth = 128, transposed = false, elementBitWidth = 16}>",
                [16, 64],
            ),
        ]
        if sm == 90:
            fams += [
                ("nvidia_mma_v3", _MMA3, [64, 32]),
                ("dot_op_mma_v3_a", f"#ttg.dot_op<{{opIdx = 0, parent = {_MMA3}, kWidth = 2}}>", [64, 16]),
            ]
        if sm >= 100 and sm < 120:
            fams += [
                (
                    "tensor_memory",
                    "#ttng.tensor_memory_encoding<blockM = 64, blockN = 32, colStride = 1>",
                    [64, 32],
                )
            ]
        return fams
    wave = t.warp_size
    fams = _common(_BLOCKED64 if wave == 64 else _BLOCKED32)
    mfma = {"gfx908": (1, 16), "gfx90a": (2, 16), "gfx942": (3, 16), "gfx950": (4, 32)}.get(t.name)
    if mfma:
        m = _mfma(*mfma)
        fams += [
            ("amd_mfma", m, [32, 32]),
            ("dot_op_mfma_a", f"#ttg.dot_op<{{opIdx = 0, parent = {m}, kWidth = 8}}>", [32, 32]),
        ]
    wmma = {"gfx1100": 1, "gfx1200": 2, "gfx1250": 3}.get(t.name)
    if wmma:
        w = _wmma(wmma)
        fams += [
            ("amd_wmma", w, [32, 32]),
            ("dot_op_wmma_a", f"#ttg.dot_op<{{opIdx = 0, parent = {w}, kWidth = 8}}>", [32, 32]),
        ]
    fams += [
        ("padded_shared", "#ttg.padded_shared<[32:+4] {order = [1, 0], shape = [32, 64]}>", [32, 64]),
        (
            "amd_rotating_shared",
            "#ttg.amd_rotating_shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>",
            [16, 64],
        ),
    ]
    return fams


GALLERY = gallery_families


class _Progress:
    """A text progress bar on stderr (one line per item when stderr is not a terminal)."""

    def __init__(self, total: int, width: int = 30):
        self.total, self.width, self.done = total, width, 0
        self.tty = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {self.done}/{self.total} {label}"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(self.width + 60)[: self.width + 60])
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _gallery_layout(attr: str, shape: list[int]):
    """The layout to draw, and a note; padded shared memory is drawn by its linear part."""
    if attr.startswith("#ttg.padded_shared"):
        from .triton.attrs import parse_attr

        desc = parse_attr(attr)
        pads = ", ".join(f"+{p} every {i}" for i, p in desc.interval_padding_pairs)
        return desc.linear_component(), f" (linear part; padding {pads} elements not drawn)"
    return _layout(attr, shape), ""


def _cmd_gallery(args) -> int:
    from .targets import get_target
    from .views import draw

    t = get_target(args.target)
    fams = gallery_families(t)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise LayoutError(f"--out: cannot create the folder {args.out!r}: {e.strerror or e}") from None
    bar = _Progress(len(fams))
    index = [f"# {t.name} layout gallery\n", "| family | shape | attribute | picture |", "|---|---|---|---|"]
    failed = []
    for fam, attr, shape in fams:
        path = os.path.join(args.out, f"{t.name}_{fam}.{args.format}")
        try:
            layout, note = _gallery_layout(attr, shape)
            title = f"{t.name}: {fam}{note}\n{_title(attr, layout)}"
            fig = draw.draw_layout(layout, target=t, elem_bits=16, title=title)
            draw.save(fig, path)
            index.append(
                f"| {fam} | {'x'.join(map(str, shape))} | `{attr}` | ![{fam}]({os.path.basename(path)}) |"
            )
            bar.step(fam)
        except LayoutError as e:
            failed.append(f"{fam}: {str(e).splitlines()[0]}")
            bar.step(f"{fam} (skipped)")
    with open(os.path.join(args.out, "index.md"), "w") as f:
        f.write("\n".join(index) + "\n")
    made = len(fams) - len(failed)
    print(f"wrote {made} picture(s) and index.md to {args.out}")
    for line in failed:
        print(f"{PROG}: skipped {line}", file=sys.stderr)
    return 0 if not failed else 1


# ----------------------------------------------------------------------------- ttgir


def _cmd_ttgir(args) -> int:
    from .triton.ttgir import scan_ttgir
    from .views import text

    try:
        with open(args.file, encoding="utf-8") as f:
            dump = f.read()
    except OSError as e:
        raise LayoutError(f"FILE: cannot read {args.file!r}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise LayoutError(f"FILE: {args.file!r} is not a UTF-8 text file (expected a TTGIR dump)") from None
    records = scan_ttgir(dump)
    if not records:
        print(f"no layout attributes in {args.file}")
        return 0
    for k, rec in enumerate(records):
        name = f"#{rec.name}" if rec.name else "(inline)"
        print(f"{name} = {rec.text}")
        if rec.error:
            print(f"  cannot build it: {rec.error.splitlines()[0]}")
            continue
        if not rec.shapes:
            print("  not used with any tensor shape in this dump")
        for shape in rec.shapes:
            shape_s = "x".join(map(str, shape))
            try:
                layout = rec.linear_layout(list(shape))
            except LayoutError as e:
                print(f"  {shape_s}: {str(e).splitlines()[0]}")
                continue
            print(f"  {shape_s}: {text.describe(layout)}")
            if args.view:
                view = text.layout_view(layout, args.view, header=False, target=args.target)
                print("    " + view.replace("\n", "\n    "))
            if args.png_dir:
                from .views import draw

                try:
                    os.makedirs(args.png_dir, exist_ok=True)
                except OSError as e:
                    raise LayoutError(
                        f"--png-dir: cannot create {args.png_dir!r}: {e.strerror or e}"
                    ) from None
                base = re.sub(r"\W+", "_", rec.name or f"inline{k}")
                path = os.path.join(args.png_dir, f"{base}_{shape_s}.png")
                _write_picture(draw.draw_layout(layout, title=_title(rec.text, layout)), path)
        print()
    return 0


# ----------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="See GPU data layouts (Triton linear layouts) and plan conversions.")
    sub = p.add_subparsers(dest="command", metavar="{show,plan,gallery,ttgir}")

    s = sub.add_parser(
        "show",
        help="print (and draw) one layout",
        description="Print a layout's tensor or hardware view; draw it with --png.",
    )
    s.add_argument("attr", help="a TritonGPU layout attribute, e.g. '#ttg.blocked<{...}>'")
    s.add_argument("--shape", required=True, help="tensor shape, e.g. 64x64")
    s.add_argument("--view", choices=["tensor", "hardware", "both"], default="tensor")
    s.add_argument("--png", metavar="FILE", help="also draw it to FILE (.png or .svg)")
    s.add_argument(
        "--access",
        metavar="ATTR",
        help="with --png on a shared layout: a distributed layout "
        "whose warp-0 access is highlighted on the bank map",
    )
    s.add_argument("--target", default=None, help="chip for banks (default: 32 banks x 4 bytes), e.g. gfx950")
    s.add_argument("--elem-bits", type=int, default=16, choices=[8, 16, 32, 64], help="element size (banks)")
    s.add_argument("--full", action="store_true", help="print every element (no summary)")
    s.add_argument("--code", choices=["python", "c", "triton"], help="also print index code")
    s.add_argument("--triton-text", action="store_true", help="print Triton's own getLayoutStr text instead")
    s.set_defaults(func=_cmd_show)

    q = sub.add_parser(
        "plan",
        help="plan a layout conversion",
        description="Plan converting a tensor from layout SRC to layout DST on a chip.",
    )
    q.add_argument("src")
    q.add_argument("dst")
    q.add_argument("--shape", required=True)
    q.add_argument("--target", required=True, help="e.g. sm_80, sm_90, sm_100, gfx942, gfx950")
    q.add_argument("--elem-bits", type=int, default=32, choices=[8, 16, 32, 64])
    q.add_argument("--explain", action="store_true", help="print every step")
    q.add_argument("--png", metavar="FILE", help="draw the plan to FILE (.png or .svg)")
    q.set_defaults(func=_cmd_plan)

    g = sub.add_parser("gallery", help="draw every hardware layout family of a chip")
    g.add_argument("--target", required=True)
    g.add_argument("--out", required=True, metavar="DIR")
    g.add_argument("--format", choices=["png", "svg"], default="png")
    g.set_defaults(func=_cmd_gallery)

    t = sub.add_parser("ttgir", help="list the layouts of a TTGIR dump with the shapes they are used with")
    t.add_argument("file", metavar="FILE")
    t.add_argument("--view", choices=["tensor", "hardware"], help="also print each layout's view")
    t.add_argument("--png-dir", metavar="DIR", help="also draw each (layout, shape) into DIR")
    t.add_argument("--target", default=None)
    t.set_defaults(func=_cmd_ttgir)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 partly failed, 2 bad input)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return args.func(args)
    except (_Usage, LayoutError) as e:
        msg = " ".join(str(e).split("\n")[0].split())
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as e:  # writing a picture or a folder failed
        where = f" {e.filename!r}" if getattr(e, "filename", None) else ""
        print(f"{PROG}: error: cannot write{where}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: still one line, unless asked for the traceback
        if type(e).__name__ == "MissingMatplotlib":  # --png without matplotlib: the user's setup
            print(f"{PROG}: error: {e}", file=sys.stderr)
            return 2
        if os.environ.get("LINLAYOUT_DEBUG"):
            raise
        print(
            f"{PROG}: internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
            "(set LINLAYOUT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
