"""The kernel-semantics commands of the ``linlayout`` command line: ``reduce``, ``infer``, ``access``.

``linlayout reduce LAYOUT SHAPE --axis N [--scan [--reverse]] [--draw PNG]`` prints (and draws) a
reduction or scan plan; it also runs stand-alone::

    python -m linlayout.kernel.cli '#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8],
        warpsPerCTA = [2, 2], order = [1, 0]}>' 32x64 --axis 1 --target sm_80 [--scan [--reverse]]
        [--elem-bits 16] [--draw plan.png]

``linlayout infer OP LAYOUT SHAPE [--order …] [--shape …] [--axis N] [--layout2 ATTR]
[--backward] [--png FILE]`` prints the layout Triton infers for a shape op's result
(``--backward``: the operand layout that makes the op free); ``linlayout access LAYOUT SHAPE
--elem-bits N [--strides …] [--store]`` prints how a global load or store of the layout is
issued.  All three take a pasted ``tensor<…, #alias>`` type (with ``--ttgir FILE`` for its
aliases) in place of ``LAYOUT SHAPE``, check everything before printing, and leave their errors
to the ``linlayout`` command line's one-line report (exit status 2).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import LayoutError

__all__ = [
    "main", "build_parser", "add_parser", "add_infer_parser", "add_access_parser", "run", "late_shape",
]


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone argument parser of the ``reduce`` command."""
    p = argparse.ArgumentParser(prog="linlayout reduce", description="plan a reduction or scan of a layout")
    _add_arguments(p)
    return p


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``reduce`` on ``subparsers`` (the ``linlayout`` command line's)."""
    p = subparsers.add_parser("reduce", help="plan a reduction or scan of a layout along one axis")
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``reduce``, shared by both parsers."""
    p.add_argument("layout", help="a TritonGPU layout attribute as TTGIR prints it (#ttg.blocked<…>, …), "
                   "or a pasted tensor<…> type")
    p.add_argument("shape", nargs="?", help="the tensor shape, e.g. 32x64 (not for a pasted type)")
    p.add_argument("--axis", type=int, required=True, help="the reduced / scanned dim")
    p.add_argument("--target", default="sm_90", help="chip: sm_80, sm_90, gfx942, … (default sm_90)")
    p.add_argument("--elem-bits", type=int, default=None,
                   help="element width: 8, 16, 32 or 64 (default 32, or a pasted type's)")
    p.add_argument("--scan", action="store_true", help="an inclusive scan instead of a reduction")
    p.add_argument("--reverse", action="store_true", help="a reverse scan (with --scan)")
    p.add_argument("--draw", metavar="PNG", help="also draw the reduction plan into this file (.png or .svg)")
    p.add_argument("--ttgir", metavar="FILE", help="a TTGIR dump whose #alias definitions the layout may use")


#: the commands whose optional SHAPE positional may also come after the options
LATE_SHAPE = ("reduce", "infer", "access")


def late_shape(args: argparse.Namespace, extra: Sequence[str]) -> str | None:
    """The error of left-over arguments, or None after taking a lone one as a SHAPE given after
    the options (argparse reads an optional positional only right after the one before it)."""
    if not extra:
        return None
    if len(extra) == 1 and not extra[0].startswith("-") and getattr(args, "shape", "") is None:
        args.shape = extra[0]
        return None
    return f"unrecognized arguments: {' '.join(extra)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command stand-alone; 0 on success, 2 (with the message on stderr) on a LayoutError."""
    try:
        args, extra = build_parser().parse_known_args(argv)
        problem = late_shape(args, extra)
        if problem:
            raise LayoutError(problem)
        return run(args)
    except LayoutError as e:
        print(f"linlayout reduce: error: {str(e).splitlines()[0] if str(e) else e}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """Print (and draw) the plan; a LayoutError goes to the caller's one-line report."""
    from .. import cli
    from .reduce import plan_reduce
    from .scan import plan_scan

    if args.reverse and not args.scan:
        raise LayoutError("--reverse: only scans run in reverse; add --scan")
    if args.draw:
        if args.scan:
            raise LayoutError("--draw: pictures are drawn for reductions only")
        cli._check_picture_path(args.draw, "--draw")
    target = cli._check_target(args.target)
    _, _, bits, L = _input(args.layout, args.shape, args.ttgir, "layout", "shape")
    elem_bits = args.elem_bits or bits or cli.DEFAULT_ELEM_BITS
    names = {"elem_bits": "--elem-bits", "axis": "--axis"}
    plan: Any
    try:
        if args.scan:
            plan = plan_scan(L, args.axis, target, elem_bits=elem_bits, reverse=args.reverse)
        else:
            plan = plan_reduce(L, args.axis, target, elem_bits=elem_bits)
        fig = plan.draw() if args.draw else None  # drawn before any output: a failure is an error
    except LayoutError as e:
        raise _renamed(e, names) from None
    print(plan.explain())
    if fig is not None:
        import matplotlib.pyplot as plt

        cli._write_picture(fig, args.draw)
        plt.close(fig)
    return 0


# ----------------------------------------------------------------------------- infer, access


def _renamed(e: LayoutError, names: dict[str, str]) -> LayoutError:
    """``e`` with a leading ``argument:`` spelled as the command line spells it."""
    msg = str(e).splitlines()[0] if str(e) else ""
    for old, new in names.items():
        if msg.startswith(old + ":"):
            return LayoutError(new + msg[len(old):])
    return LayoutError(msg)


def _input(text: str, shape_text: str | None, ttgir: str | None, what: str, shape_what: str):
    """(attribute text with aliases expanded, shape, element bits of a pasted type or None,
    LinearLayout) of one ``LAYOUT [SHAPE]`` pair, checked as ``linlayout show`` checks it."""
    from .. import cli

    aliases = None
    if ttgir:
        from ..triton.ttgir import find_aliases

        aliases = find_aliases(cli._read_dump(ttgir, "--ttgir"))
    try:
        typed = cli.parse_type(text)
    except LayoutError as e:
        raise _renamed(e, {"attr": what}) from None
    bits = None
    if typed is not None:
        shape, bits, attr = typed
        if shape_text is not None and _shape_of(shape_text, shape_what) != shape:
            raise LayoutError(f"{shape_what}: {shape_text} differs from the pasted type's "
                              f"{'x'.join(map(str, shape))}")
    elif shape_text is None:
        raise LayoutError(f"{shape_what}: required unless {what} is a pasted tensor<…> type")
    else:
        attr, shape = text, _shape_of(shape_text, shape_what)
    cli._check_size(shape, shape_what)
    try:
        layout = cli._layout(attr, shape, "attr", aliases)
    except LayoutError as e:
        raise _renamed(e, {"attr": what}) from None
    if aliases:
        from ..triton.ttgir import expand_aliases

        attr = expand_aliases(attr, aliases)
    return attr.strip(), shape, bits, layout


def _shape_of(text: str, what: str) -> list[int]:
    """``"32x64"`` -> ``[32, 64]`` (LayoutError naming ``what``)."""
    from ..cli import parse_shape

    try:
        return parse_shape(text)
    except LayoutError as e:
        raise _renamed(e, {"--shape": what}) from None


def _ints(text: str, what: str, *, unknown: bool = False) -> list:
    """``"64,1"`` -> ``[64, 1]``; with ``unknown``, ``?`` (or ``none``) for a value not known."""
    out: list = []
    for part in text.replace("x", ",").split(","):
        p = part.strip().lower()
        if unknown and p in ("?", "none"):
            out.append(None)
        elif p.isdigit():
            out.append(int(p))
        else:
            hint = " (or ? for one not known)" if unknown else ""
            raise LayoutError(f"{what}: expected ints joined by commas such as 64,1{hint}, got {text!r}")
    return out


def add_infer_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``infer`` on ``subparsers`` (the ``linlayout`` command line's)."""
    p = subparsers.add_parser(
        "infer",
        help="the layout Triton infers for a shape op's result (or operand, --backward)",
        description="Print the layout Triton 3.9.0 gives the result of a shape op (tt.trans, tt.reshape, "
        "tt.join, tt.split, tt.expand_dims, tt.broadcast, tt.reduce, tt.cat, tt.histogram, tt.gather) "
        "from its operand's layout: Triton's text, then the tensor view.  With --backward LAYOUT is the "
        "result's and the operand layout that makes the op free is printed.",
    )
    p.add_argument("op", metavar="OP", help="the op as TTGIR prints it, e.g. tt.trans (tt. may be left out)")
    p.add_argument("layout", metavar="LAYOUT",
                   help="the operand's layout attribute ('#ttg.blocked<{…}>'), or a pasted tensor<…> type")
    p.add_argument("shape", metavar="SHAPE", nargs="?", help="its shape, e.g. 32x64 (not for a pasted type)")
    p.add_argument("--order", help="tt.trans: the permutation, e.g. 1,0")
    p.add_argument("--shape", dest="op_shape", metavar="SHAPE",
                   help="tt.reshape, tt.broadcast: the result shape; --backward: the operand's shape")
    p.add_argument("--axis", type=int, help="tt.expand_dims, tt.reduce, tt.gather: the axis")
    p.add_argument("--num-bins", type=int, help="tt.histogram: the number of bins")
    p.add_argument("--layout2", metavar="ATTR",
                   help="the second operand (tt.join, tt.cat; tt.gather's indices)")
    p.add_argument("--shape2", metavar="SHAPE", help="the second operand's shape (default: SHAPE)")
    p.add_argument("--backward", action="store_true",
                   help="LAYOUT is the result's: print the operand layout that makes the op free")
    p.add_argument("--ttgir", metavar="FILE",
                   help="a TTGIR dump whose #alias definitions the layouts may use")
    p.add_argument("--view", choices=["tensor", "hardware", "none"], default="tensor",
                   help="the view printed under each layout (default tensor)")
    p.add_argument("--png", metavar="FILE", help="also draw the (first) result layout to FILE (.png or .svg)")
    p.add_argument("--width", type=int, default=None,
                   help="text width in characters (default: the terminal's)")
    p.set_defaults(func=run_infer)
    return p


_INFER_NAMES = {"op": "OP", "order": "--order", "shape": "--shape", "axis": "--axis",
                "num_bins": "--num-bins", "operands[0]": "LAYOUT", "operands[1]": "--layout2",
                "result": "LAYOUT"}


def _infer_attrs(args: argparse.Namespace) -> dict:
    """The op attributes given on the command line."""
    attrs: dict = {}
    if args.order is not None:
        attrs["order"] = _ints(args.order, "--order")
    if args.op_shape is not None:
        attrs["shape"] = _shape_of(args.op_shape, "--shape")
    if args.axis is not None:
        attrs["axis"] = args.axis
    if args.num_bins is not None:
        attrs["num_bins"] = args.num_bins
    return attrs


def _print_layouts(title: str, encs, layouts, args: argparse.Namespace) -> None:
    """Each layout's Triton text and (``--view``) its view, under ``title``."""
    from ..views import text

    if not isinstance(encs, tuple):
        encs, layouts = (encs,), (layouts,)
    print(title)
    for k, (enc, L) in enumerate(zip(encs, layouts)):
        shape = "x".join(map(str, L.out_dims.values()))
        print(f"{'result ' + str(k) + ': ' if len(encs) > 1 else ''}{shape} {enc}")
        if args.view != "none":
            print(text.layout_view(L, args.view, max_width=args.width))


def run_infer(args: argparse.Namespace) -> int:
    """Print the inferred layout(s); a LayoutError goes to the caller's one-line report."""
    from .infer import infer_encoding, infer_layout, infer_operand_encoding, infer_operand_layout

    if args.width is not None and args.width < 20:
        raise LayoutError(f"--width: expected at least 20 characters, got {args.width}")
    from .. import cli

    cli._check_picture_path(args.png)
    attr, shape, _, _ = _input(args.layout, args.shape, args.ttgir, "LAYOUT", "SHAPE")
    operands = [(attr, shape)]
    if args.layout2 is not None:
        if args.backward:
            raise LayoutError("--layout2: a backward rule takes the one result layout; leave --layout2 out")
        shape2 = args.shape2 if args.shape2 is not None else ("x".join(map(str, shape)))
        attr2, s2, _, _ = _input(args.layout2, shape2, args.ttgir, "--layout2", "--shape2")
        operands.append((attr2, s2))
    elif args.shape2 is not None:
        raise LayoutError("--shape2: only used with --layout2 (the second operand's shape)")
    attrs = _infer_attrs(args)
    name = args.op if args.op.startswith("tt.") else "tt." + args.op
    enc: Any
    L: Any
    try:
        if args.backward:
            enc = infer_operand_encoding(args.op, operands[0], **attrs)
            L = infer_operand_layout(args.op, operands[0], **attrs)
            title = f"the operand that makes {name} free for this result:"
        else:
            enc = infer_encoding(args.op, operands, **attrs)
            L = infer_layout(args.op, operands, **attrs)
            title = f"{name} result:"
    except LayoutError as e:
        raise _renamed(e, _INFER_NAMES) from None
    fig = None
    if args.png:  # drawn before any output: a layout that cannot be drawn is an error
        from ..views import draw

        first, spelled = (L[0], enc[0]) if isinstance(L, tuple) else (L, enc)
        fig = draw.draw_layout(first, title=cli._title(spelled, first))
    _print_layouts(title, enc, L, args)
    if fig is not None:
        cli._write_picture(fig, args.png)
    return 0


def add_access_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``access`` on ``subparsers`` (the ``linlayout`` command line's)."""
    p = subparsers.add_parser(
        "access",
        help="how a global load or store of a layout is issued (vector width, sectors)",
        description="Print how Triton 3.9.0 issues a tt.load (--store: tt.store) of a tensor in LAYOUT "
        "whose element (i0, i1, …) lives at base + sum(i_d * strides[d]): the instruction, its width, "
        "what capped it, the 32-byte sectors each request touches, and the widest access a "
        "linear-layout analysis of the addresses allows.",
    )
    p.add_argument("layout", metavar="LAYOUT",
                   help="a distributed layout attribute ('#ttg.blocked<{…}>'), or a pasted tensor<…> type")
    p.add_argument("shape", metavar="SHAPE", nargs="?",
                   help="the tensor shape, e.g. 128x64 (not for a pasted type)")
    p.add_argument("--elem-bits", type=int, choices=[8, 16, 32, 64], default=None,
                   help="element width in bits (required unless LAYOUT is a pasted type)")
    p.add_argument("--strides", help="element strides per dim, e.g. 64,1 (? for one not known; "
                   "default row-major contiguous)")
    p.add_argument("--contiguity", help="the pointer's contiguity per dim (default: from --strides)")
    p.add_argument("--divisibility",
                   help="the pointer's divisibility per dim in bytes (default: from --strides)")
    p.add_argument("--base-alignment", type=int, default=16, help="the base pointer's alignment in bytes "
                   "(tt.divisibility; default 16)")
    p.add_argument("--mask-constancy", help="a mask's constancy per dim (default: no mask)")
    p.add_argument("--store", action="store_true", help="a store instead of a load")
    p.add_argument("--target", default="sm_90", help="chip: sm_80, sm_90, gfx942, … (default sm_90)")
    p.add_argument("--ttgir", metavar="FILE", help="a TTGIR dump whose #alias definitions LAYOUT may use")
    p.set_defaults(func=run_access)
    return p


_ACCESS_NAMES = {"layout": "LAYOUT", "elem_bits": "--elem-bits", "strides": "--strides",
                 "contiguity": "--contiguity", "divisibility": "--divisibility",
                 "base_alignment": "--base-alignment", "mask_constancy": "--mask-constancy"}


_LISTS = ("strides", "contiguity", "divisibility", "mask_constancy")


def run_access(args: argparse.Namespace) -> int:
    """Print ``GlobalAccess.explain()``; a LayoutError goes to the caller's one-line report."""
    from ..cli import _check_target
    from .access import global_access

    target = _check_target(args.target)
    _, _, bits, L = _input(args.layout, args.shape, args.ttgir, "LAYOUT", "SHAPE")
    elem_bits = args.elem_bits or bits
    if elem_bits is None:
        raise LayoutError("--elem-bits: required unless LAYOUT is a pasted tensor<…> type (8, 16, 32 or 64)")
    opt = {
        key: _ints(getattr(args, key), flag, unknown=key == "strides")
        for key, flag in _ACCESS_NAMES.items()
        if key in _LISTS and getattr(args, key) is not None
    }
    try:
        a = global_access(L, elem_bits=elem_bits, base_alignment=args.base_alignment, store=args.store,
                          target=target, **opt)
    except LayoutError as e:
        raise _renamed(e, _ACCESS_NAMES) from None
    print(a.explain())
    return 0


if __name__ == "__main__":
    sys.exit(main())
