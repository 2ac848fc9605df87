"""``python -m linlayout.kernel.cli``: print (and draw) a reduction or scan plan.

The body of a ``linlayout reduce`` sub-command (``linlayout/cli.py`` can hand its arguments to
:func:`main`)::

    python -m linlayout.kernel.cli '#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8],
        warpsPerCTA = [2, 2], order = [1, 0]}>' 32x64 --axis 1 --target sm_80 [--scan [--reverse]]
        [--elem-bits 16] [--draw plan.png]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import LayoutError

__all__ = ["main", "build_parser", "add_parser", "run"]


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone argument parser of the ``reduce`` command."""
    p = argparse.ArgumentParser(prog="linlayout reduce", description="plan a reduction or scan of a layout")
    _add_arguments(p)
    return p


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``reduce`` on ``subparsers`` (the ``linlayout`` command line's)."""
    p = subparsers.add_parser("reduce", help="plan a reduction or scan of a layout along one axis")
    _add_arguments(p)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``reduce``, shared by both parsers."""
    p.add_argument("layout", help="a TritonGPU layout attribute as TTGIR prints it (#ttg.blocked<…>, …)")
    p.add_argument("shape", help="the tensor shape, e.g. 32x64")
    p.add_argument("--axis", type=int, required=True, help="the reduced / scanned dim")
    p.add_argument("--target", default="sm_90", help="chip: sm_80, sm_90, gfx942, … (default sm_90)")
    p.add_argument("--elem-bits", type=int, default=32, help="element width: 8, 16, 32 or 64")
    p.add_argument("--scan", action="store_true", help="an inclusive scan instead of a reduction")
    p.add_argument("--reverse", action="store_true", help="a reverse scan (with --scan)")
    p.add_argument("--draw", metavar="PNG", help="also draw the reduction plan into this file")


def _shape(text: str) -> list[int]:
    """``"32x64"`` -> ``[32, 64]`` (LayoutError naming ``shape``)."""
    try:
        dims = [int(x) for x in text.lower().split("x")]
    except ValueError:
        raise LayoutError(f"shape: expected sizes joined by 'x' such as 32x64, got {text!r}") from None
    if not dims or any(d < 1 for d in dims):
        raise LayoutError(f"shape: expected positive sizes such as 32x64, got {text!r}")
    return dims


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command stand-alone; 0 on success, 2 (with the message on stderr) on a LayoutError."""
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Print (and draw) the plan; 0 on success, 2 (with the message on stderr) on a LayoutError."""
    from ..triton.attrs import from_triton
    from .reduce import plan_reduce
    from .scan import plan_scan

    try:
        if args.reverse and not args.scan:
            raise LayoutError("reverse: only scans run in reverse; add --scan")
        L = from_triton(args.layout, _shape(args.shape))
        if args.scan:
            plan = plan_scan(L, args.axis, args.target, elem_bits=args.elem_bits, reverse=args.reverse)
        else:
            plan = plan_reduce(L, args.axis, args.target, elem_bits=args.elem_bits)
        print(plan.explain())
        if args.draw:
            if args.scan:
                raise LayoutError("draw: pictures are drawn for reductions only")
            import matplotlib

            matplotlib.use("Agg")
            plan.draw().savefig(args.draw, dpi=120)
            print(f"drawn: {args.draw}")
    except LayoutError as e:
        print(f"linlayout reduce: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
