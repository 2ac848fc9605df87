"""``linlayout assign kernel.ttgir``: our layout assignment against Triton's, side by side."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``assign`` subcommand on ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser(
        "assign", help="choose a TTGIR kernel's layouts globally and compare with Triton's"
    )
    p.add_argument("file", help="a TTGIR module as triton prints it ('-' reads stdin)")
    p.add_argument(
        "--target", default=None, help="chip, e.g. sm_90 or gfx942 (default: the module's ttg.target)"
    )
    p.add_argument("--budget", type=float, default=0.5, help="solver time budget in seconds (default 0.5)")
    p.add_argument("-o", "--output", default=None, help="write the rewritten module to this file")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the comparison; 0 on success, 2 on bad input (the error on stderr)."""
    from ..errors import LayoutError
    from . import assign_layouts

    try:
        text = sys.stdin.read() if args.file == "-" else open(args.file, encoding="utf-8").read()
    except OSError as e:
        print(f"linlayout assign: file: cannot read {args.file!r}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        a = assign_layouts(text, target=args.target, budget_s=args.budget)
    except LayoutError as e:
        print(f"linlayout assign: {e}", file=sys.stderr)
        return 2
    print(a.summary())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(a.ttgir)
        print(f"rewritten module written to {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry: ``python -m linlayout.assign.cli kernel.ttgir``."""
    parser = argparse.ArgumentParser(prog="linlayout")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add_parser(sub)
    args = parser.parse_args(["assign", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
