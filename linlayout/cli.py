"""The ``linlayout`` command line: see a layout, plan a conversion, draw a gallery, read a TTGIR dump.

Examples::

    linlayout show '#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>' --shape 32x64
    linlayout show '<attr>' --shape 64x64 --view hardware --png layout.png
    linlayout plan '<src attr>' '<dst attr>' --shape 64x64 --target sm_90 --explain --png plan.png
    linlayout gallery --target gfx942 --out gallery/
    linlayout show 'tensor<128x64xf16, #blocked>' --ttgir kernel.ttgir --html layout.html
    linlayout ttgir kernel.ttgir
    linlayout reduce '<mma attr>' 128x64 --axis 1 --target sm_80 --draw rowmax.png
    linlayout infer tt.trans 'tensor<64x64xf16, #blocked>' --ttgir kernel.ttgir --order 1,0
    linlayout access '<attr>' 128x64 --elem-bits 16 --strides 64,1 --store

Every command checks all of its input before printing anything.  Bad input prints one
line (``linlayout: error: …``) on stderr and exits with status 2.  Element widths default
to 32 bits everywhere (as ``plan_conversion``), or come from a pasted ``tensor<…>`` type.
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


#: the most tensor elements the CLI plans or draws (a plan of 2**20 elements takes seconds)
MAX_CLI_ELEMENTS = 1 << 20
#: the element width used when nothing says otherwise (``plan_conversion``'s default)
DEFAULT_ELEM_BITS = 32
_ALIAS_HINT = (
    " — give the dump that defines it with --ttgir FILE, or paste the attribute with every "
    "#alias replaced by its definition"
)


def _layout(attr: str, shape: list[int], what: str = "attr", aliases: dict | None = None):
    from .triton.attrs import from_triton

    try:
        return from_triton(attr, shape, aliases=aliases)
    except LayoutError as e:
        msg = str(e).splitlines()[0]
        if "unknown alias" in msg and not aliases:
            msg = msg.rstrip(":") + _ALIAS_HINT
        raise LayoutError(f"{what}: {msg}" if not msg.startswith(what) else msg) from None


def _split_top(text: str) -> list[str]:
    """``text`` split at the commas outside any bracket or string."""
    parts, depth, cur, quote = [], 0, [], False
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "<{[(":
            depth += 1
        elif not quote and ch in ">}])":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def elem_bits_of(elem_type: str) -> int:
    """The storage width of a TTGIR element type: ``f16`` 16, ``i1``/``f8E4M3FN`` 8, pointers 64.

    >>> [elem_bits_of(t) for t in ("f16", "bf16", "f32", "i64", "i1", "f8E5M2", "!tt.ptr<f16>")]
    [16, 16, 32, 64, 8, 8, 64]
    """
    t = elem_type.strip()
    if t.startswith("!tt.ptr"):
        return 64
    m = re.match(r"^(?:[a-z]*?)(\d+)", t)
    if t == "index" or not m:
        return 64 if t == "index" else DEFAULT_ELEM_BITS
    return min(64, max(8, 1 << (int(m.group(1)) - 1).bit_length()))


def parse_type(text: str) -> tuple[list[int], int, str] | None:
    """``(shape, element bits, encoding)`` of a pasted ``tensor<…>`` or ``!ttg.memdesc<…>``
    type, or None when ``text`` is not one.

    >>> parse_type("tensor<128x64xf16, #blocked>")
    ([128, 64], 16, '#blocked')
    >>> parse_type("!ttg.memdesc<2x1xi64, #shared, #smem, mutable>")
    ([2, 1], 64, '#shared')
    """
    m = re.match(r"^\s*(tensor|!ttg\.memdesc)<(.*)>\s*$", text, re.S)
    if not m:
        return None
    parts = _split_top(m.group(2))
    dims = re.fullmatch(r"((?:\d+x)+)(.+)", parts[0].replace(" ", ""))
    if not dims:
        raise LayoutError(
            f"attr: {m.group(1)} type {parts[0]!r} has no static shape (expected e.g. 128x64xf16)"
        )
    if len(parts) < 2 or not parts[1].startswith("#"):
        raise LayoutError(
            f"attr: the {m.group(1)} type has no layout encoding (expected e.g. '…, #blocked>')"
        )
    shape = [int(d) for d in dims.group(1).split("x") if d]
    return shape, elem_bits_of(dims.group(2)), parts[1]


def _read_dump(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise LayoutError(f"{what}: cannot read {path!r}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise LayoutError(f"{what}: {path!r} is not a UTF-8 text file (expected a TTGIR dump)") from None


def _check_size(shape: list[int], what: str = "--shape") -> None:
    n = 1
    for d in shape:
        n *= d
    if n > MAX_CLI_ELEMENTS:
        raise LayoutError(
            f"{what}: {'x'.join(map(str, shape))} has {n} elements; the command line handles at most "
            f"{MAX_CLI_ELEMENTS} (2**20): give a smaller tile"
        )


def _check_target(name: str | None, what: str = "--target"):
    """The Target named (refusing unknown chips before any output), or None."""
    if name is None:
        return None
    from .targets import get_target

    try:
        return get_target(name)
    except LayoutError as e:
        raise LayoutError(f"{what}: {str(e).splitlines()[0].removeprefix('target: ')}") from None


def parse_range(text: str | None, what: str) -> tuple[int, int] | None:
    """``"64:96"`` -> (64, 96), a half-open range of rows or columns."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", text)
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise LayoutError(f"{what}: expected START:STOP with START < STOP, e.g. 0:32, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def _check_picture_path(path: str | None, what: str = "--png", suffixes=(".png", ".svg")) -> None:
    """Fail before any work when the picture (or page) could not be written."""
    if path is None:
        return
    if not path.lower().endswith(suffixes):
        raise LayoutError(f"{what}: expected a file name ending in {' or '.join(suffixes)}, got {path!r}")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise LayoutError(f"{what}: the folder {parent!r} does not exist")
    if suffixes != (".html",):
        from .views.draw import _require_matplotlib

        _require_matplotlib()


def _check_outputs(args) -> None:
    """Every output path and the picture options, before any work."""
    _check_picture_path(getattr(args, "png", None))
    _check_picture_path(getattr(args, "html", None), "--html", (".html",))
    dpi = getattr(args, "dpi", None)
    if dpi is not None and not 20 <= dpi <= 600:
        raise LayoutError(f"--dpi: expected 20 to 600 dots per inch, got {dpi}")
    width = getattr(args, "width", None)
    if width is not None and width < 20:
        raise LayoutError(f"--width: expected at least 20 characters, got {width}")


def _write_picture(fig, path: str, dpi: int | None = None) -> None:
    from .views import draw

    draw.save(fig, path, dpi=dpi)
    print(f"wrote {path}", file=sys.stderr)


def _write_page(page: str, path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    print(f"wrote {path}", file=sys.stderr)


# ----------------------------------------------------------------------------- show


def _show_input(args):
    """(layout, shape, element bits, attribute text, padded description) of ``show``'s input."""
    aliases = None
    if args.ttgir:
        from .triton.ttgir import find_aliases

        aliases = find_aliases(_read_dump(args.ttgir, "--ttgir"))
    attr, elem_bits = args.attr, args.elem_bits
    typed = parse_type(attr)
    if typed is not None:
        tshape, tbits, attr = typed
        if args.shape is not None and parse_shape(args.shape) != tshape:
            pasted = "x".join(map(str, tshape))
            raise LayoutError(f"--shape: {args.shape} differs from the pasted type's {pasted}")
        shape = tshape
        elem_bits = elem_bits or tbits
    elif args.shape is None:
        raise LayoutError("--shape: required unless ATTR is a pasted tensor<…> or !ttg.memdesc<…> type")
    else:
        shape = parse_shape(args.shape)
    _check_size(shape)
    elem_bits = elem_bits or DEFAULT_ELEM_BITS
    padded = None
    if _resolved(attr, aliases).startswith("#ttg.padded_shared"):  # not linear: its linear part
        from .triton.attrs import parse_attr

        padded = parse_attr(attr, aliases)
        layout = padded.linear_component(shape)
    else:
        layout = _layout(attr, shape, aliases=aliases)
    return layout, shape, elem_bits, attr, padded


def _resolved(attr: str, aliases: dict | None) -> str:
    """``attr`` with its aliases replaced by their definitions (as far as they are known)."""
    if not aliases:
        return attr.strip()
    from .triton.ttgir import expand_aliases

    try:
        return expand_aliases(attr, aliases).strip()
    except LayoutError:
        return attr.strip()


def _cmd_show(args) -> int:
    from .views import text

    _check_outputs(args)
    target = _check_target(args.target)
    rows = parse_range(args.rows, "--rows")
    cols = parse_range(args.cols, "--cols")
    layout, shape, elem_bits, attr, padded = _show_input(args)
    access = None
    if args.access:
        if text.layout_kind(layout) != "shared":
            raise LayoutError(
                "--access: only for a shared layout (it says how a distributed layout hits the banks)"
            )
        access = _layout(args.access, shape, "--access")
        bank = text.shared_access(layout, access, target=target, elem_bits=elem_bits, vec=args.vec)
    elif args.vec != 1:
        raise LayoutError("--vec: only used with --access (elements per access of the distributed layout)")
    fig = None
    if args.png:  # draw before printing: a picture that cannot be drawn is an error, not a half output
        from .views import draw

        fig = draw.draw_layout(
            layout, target=target, elem_bits=elem_bits, access=access, vec=args.vec,
            title=_title(attr, layout), rows=rows, cols=cols, labels=args.labels, padded=padded,
        )
    page = None
    if args.html:
        from .views import html as pages

        page = pages.layout_page(layout, title=_title(attr, layout), target=target, elem_bits=elem_bits,
                                 rows=rows, cols=cols)
    code = None
    if args.code:
        from .views import formula

        code = formula.index_code(layout, args.code)
    if fig is not None:  # files first: a closed stdout (| head) must not lose them
        _write_picture(fig, args.png, args.dpi)
    if page is not None:
        _write_page(page, args.html)
    kw = {"target": target, "elem_bits": elem_bits, "full": args.full, "max_width": args.width}
    if args.triton_text:
        sys.stdout.write(text.triton_layout_str(layout, args.view == "hardware"))
    else:
        views = ["tensor", "hardware"] if args.view == "both" else [args.view]
        out = []
        for k, v in enumerate(views):
            out.append(text.layout_view(layout, v, header=k == 0, **kw))
        if padded is not None:
            pads = ", ".join(f"+{p} after every {i}" for i, p in padded.interval_padding_pairs)
            out[0] = f"padded shared memory: offsets are the linear part's, padding {pads} elements\n{out[0]}"
        print("\n\n".join(out))
    if access is not None:
        print(
            f"\naccess by warp 0 of --access ({args.vec} element(s) of {elem_bits} bits per access): "
            f"{bank.total} wavefronts over {len(bank.wavefronts)} instruction(s), ideal {sum(bank.ideal)}"
            + ("; conflict-free" if bank.conflict_free else f"; worst instruction {bank.worst}")
        )
    if code is not None:
        print()
        print(code)
    return 0


def _title(attr: str, layout) -> str:
    from .views import text

    short = attr if len(attr) <= 110 else attr[:107] + "…"
    return f"{short}\n{text.describe(layout)}"


# ----------------------------------------------------------------------------- plan


def _plan_kwargs(args) -> dict:
    kw: dict = {"elem_bits": args.elem_bits or DEFAULT_ELEM_BITS}
    if args.strategy:
        kw["strategy"] = args.strategy
    if args.max_shared_bytes is not None:
        if args.max_shared_bytes <= 0:
            raise LayoutError(
                f"--max-shared-bytes: expected a positive number of bytes, got {args.max_shared_bytes}"
            )
        kw["max_shared_bytes"] = args.max_shared_bytes
    return kw


def step_summary(steps) -> str:
    """``SharedStore, Barrier, SharedLoad`` — repeated rounds folded (``4 x [..]``)."""
    names = [type(s).__name__ for s in steps]
    for period in range(1, len(names) // 2 + 1):
        if len(names) % period == 0 and names == names[:period] * (len(names) // period):
            return f"{len(names) // period} x [{', '.join(names[:period])}]"
    # rounds joined by a barrier: [a, b, B] * k + [a, b]
    for period in range(2, len(names) // 2 + 1):
        head = names[:period]
        k = (len(names) + 1) // period
        if k > 1 and names == (head * k)[: len(names)] and len(names) == period * k - 1:
            return f"{k} rounds of [{', '.join(head[:-1])}] joined by {head[-1]}"
    return ", ".join(names) or "none"


def _plan_line(plan) -> str:
    return (
        f"{plan.kind}: {len(plan.steps)} step(s) [{step_summary(plan.steps)}]; shuffles={plan.shuffles} "
        f"selects={plan.selects} shared_instructions={plan.shared_instructions} "
        f"wavefronts={plan.wavefronts} shared_bytes={plan.shared_bytes}"
    )


def _cmd_plan(args) -> int:
    from .plan import plan_conversion

    _check_outputs(args)
    target = _check_target(args.target)
    shape = parse_shape(args.shape)
    _check_size(shape)
    kw = _plan_kwargs(args)
    src = _layout(args.src, shape, "src")
    dst = _layout(args.dst, shape, "dst")
    plan = plan_conversion(src, dst, target, **kw)
    fig = page = None
    if args.png:
        from .views import draw

        fig = draw.draw_plan(plan)
    if args.html:
        from .views import html as pages

        page = pages.plan_page(plan)
    if fig is not None:
        _write_picture(fig, args.png, args.dpi)
    if page is not None:
        _write_page(page, args.html)
    print(plan.explain() if args.explain else _plan_line(plan))
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
    """(layout to draw, padded description or None); padded shared memory is drawn as its
    linear part placed at the padded offsets."""
    if attr.startswith("#ttg.padded_shared"):
        from .triton.attrs import parse_attr

        desc = parse_attr(attr)
        return desc.linear_component(), desc
    return _layout(attr, shape), None


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
            layout, padded = _gallery_layout(attr, shape)
            title = f"{t.name}: {fam}\n{_title(attr, layout)}"
            fig = draw.draw_layout(layout, target=t, elem_bits=16, title=title, padded=padded)
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


_FUNC = re.compile(r"\btt\.func\s+(?:(?:public|private|nested)\s+)?@([\w$.]+)")
_TARGET_ATTR = re.compile(r'"?ttg\.target"?\s*=\s*"([^"]+)"')


def _types_in(line: str) -> list[str]:
    """Every ``tensor<…>`` type written on ``line``, brackets balanced."""
    out, i = [], 0
    while True:
        i = line.find("tensor<", i)
        if i < 0:
            return out
        depth, j = 0, i + len("tensor")
        while j < len(line):
            depth += {"<": 1, ">": -1}.get(line[j], 0)
            j += 1
            if depth == 0:
                break
        out.append(line[i:j])
        i = j


def find_conversions(dump: str) -> list[tuple[str, int, str, str]]:
    """``(function, line number, source type, result type)`` of every ``ttg.convert_layout``.

    >>> find_conversions("tt.func @f() {\\n %1 = ttg.convert_layout %0 : "
    ...                  "tensor<4xf32, #a> -> tensor<4xf32, #b>")
    [('f', 2, 'tensor<4xf32, #a>', 'tensor<4xf32, #b>')]
    """
    out, func = [], "(module)"
    for no, line in enumerate(dump.split("\n"), 1):
        m = _FUNC.search(line)
        if m:
            func = m.group(1)
        if "convert_layout" in line and re.search(r"\bttg\.convert_layout\b", line):
            types = _types_in(line[line.index("convert_layout"):])
            if len(types) >= 2:
                out.append((func, no, types[-2], types[-1]))
    return out


def _plan_conversion_line(src_t: str, dst_t: str, aliases: dict, target, elem_bits) -> tuple[str, object]:
    """(text, plan or None) for one convert_layout."""
    from .plan import plan_conversion

    (shape, bits, senc), (dshape, _, denc) = parse_type(src_t), parse_type(dst_t)
    what = f"{'x'.join(map(str, shape))} ({elem_bits or bits}-bit) {senc} -> {denc}"
    if shape != dshape:
        return f"{what}: source and result shapes differ", None
    _check_size(shape, "convert_layout")
    src = _layout(senc, shape, "source", aliases)
    dst = _layout(denc, shape, "result", aliases)
    plan = plan_conversion(src, dst, target, elem_bits=elem_bits or bits)
    return f"{what}: {_plan_line(plan)}", plan


def _print_conversions(dump: str, aliases: dict, target, elem_bits) -> None:
    convs = find_conversions(dump)
    if not convs:
        print("no ttg.convert_layout in this dump")
        return
    print(f"convert_layout ops on {target.name}:")
    keys = ("shuffles", "selects", "shared_instructions", "wavefronts")
    by_func: dict[str, list] = {}
    for func, no, src_t, dst_t in convs:
        by_func.setdefault(func, []).append((no, src_t, dst_t))
    for func, items in by_func.items():
        print(f"@{func}")
        total = dict.fromkeys(keys, 0)
        scratch, planned = 0, 0
        for no, src_t, dst_t in items:
            try:
                line, plan = _plan_conversion_line(src_t, dst_t, aliases, target, elem_bits)
            except LayoutError as e:
                line, plan = f"{src_t} -> {dst_t}: cannot plan: {str(e).splitlines()[0]}", None
            print(f"  line {no}: {line}")
            if plan is not None:
                planned += 1
                for k in keys:
                    total[k] += getattr(plan, k)
                scratch = max(scratch, plan.shared_bytes)
        sums = " ".join(f"{k}={v}" for k, v in total.items())
        print(f"  total over {planned} of {len(items)} conversion(s): {sums} scratch_bytes(max)={scratch}")


def _dump_target(dump: str, name: str | None):
    """--target, else the module's ``ttg.target`` (e.g. ``cuda:90``), else None."""
    if name is not None:
        return _check_target(name)
    m = _TARGET_ATTR.search(dump)
    if m:
        try:
            return _check_target(m.group(1), "ttg.target")
        except LayoutError:
            return None
    return None


def _cmd_ttgir(args) -> int:
    from .triton.ttgir import find_aliases, scan_ttgir
    from .views import text

    _check_target(args.target)
    if args.png_dir:
        from .views.draw import _require_matplotlib

        _require_matplotlib()
    dump = _read_dump(args.file, "FILE")
    target = _dump_target(dump, args.target)
    records = scan_ttgir(dump)
    if not records:
        print(f"no layout attributes in {args.file}")
    for k, rec in enumerate(records if not args.conversions_only else []):
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
                _check_size(list(shape), "shape")
                layout = rec.linear_layout(list(shape))
            except LayoutError as e:
                print(f"  {shape_s}: {str(e).splitlines()[0]}")
                continue
            print(f"  {shape_s}: {text.describe(layout)}")
            if args.view:
                view = text.layout_view(layout, args.view, header=False, target=target, max_width=args.width)
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
    if target is None:
        print("convert_layout plans need a chip: give --target (the dump names no ttg.target)")
    else:
        _print_conversions(dump, find_aliases(dump), target, args.elem_bits)
    return 0


# ----------------------------------------------------------------------------- main


_BITS_HELP = (
    f"element width in bits: 8, 16, 32 or 64 (default {DEFAULT_ELEM_BITS}, as plan_conversion; "
    "a pasted tensor<…> type gives its own)"
)


_WIDTH_HELP = "text width in characters (default: the terminal's)"


def _picture_args(p) -> None:
    p.add_argument("--png", metavar="FILE", help="also draw it to FILE (.png or .svg)")
    p.add_argument("--dpi", type=int, default=None, help="dots per inch of --png (default 110)")
    p.add_argument("--html", metavar="FILE", help="also write an interactive, self-contained page to FILE")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="See GPU data layouts (Triton linear layouts) and plan conversions.")
    sub = p.add_subparsers(dest="command", metavar="{show,plan,gallery,ttgir,reduce,infer,access,assign}")

    s = sub.add_parser(
        "show",
        help="print (and draw) one layout",
        description="Print a layout's tensor or hardware view; draw it with --png, explore it with --html.",
    )
    s.add_argument(
        "attr",
        help="a TritonGPU layout attribute ('#ttg.blocked<{...}>'), an alias with --ttgir, or a pasted "
        "type ('tensor<128x64xf16, #blocked>', '!ttg.memdesc<64x64xf16, #shared, #smem>')",
    )
    s.add_argument("--shape", help="tensor shape, e.g. 64x64 (optional for a pasted type)")
    s.add_argument("--ttgir", metavar="FILE", help="a TTGIR dump whose #alias definitions ATTR may use")
    s.add_argument("--view", choices=["tensor", "hardware", "both"], default="tensor")
    _picture_args(s)
    s.add_argument("--rows", metavar="A:B",
                   help="draw (--png, --html) only rows A..B-1: a sub-tile of a large tensor")
    s.add_argument("--cols", metavar="A:B", help="draw (--png, --html) only columns A..B-1")
    s.add_argument("--labels", action=argparse.BooleanOptionalAction, default=None,
                   help="force cell labels in the picture on or off (default: when legible)")
    s.add_argument(
        "--access",
        metavar="ATTR",
        help="for a shared layout: a distributed layout whose warp-0 accesses are analysed "
        "(wavefronts; highlighted on the --png bank map)",
    )
    s.add_argument("--vec", type=int, default=1,
                   help="with --access: elements per vector access (e.g. 8 for a 128-bit fp16 store; "
                   "default 1)")
    s.add_argument("--target", default=None, help="chip for banks (default: 32 banks x 4 bytes), e.g. gfx950")
    s.add_argument("--elem-bits", type=int, default=None, choices=[8, 16, 32, 64], help=_BITS_HELP)
    s.add_argument("--width", type=int, default=None, help=_WIDTH_HELP)
    s.add_argument("--full", action="store_true", help="print every element and every copy (no summary)")
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
    q.add_argument("--elem-bits", type=int, default=None, choices=[8, 16, 32, 64], help=_BITS_HELP)
    q.add_argument("--strategy", choices=["shuffle", "shared_memory"],
                   help="force warp shuffles or shared memory for an intra-warp conversion "
                   "(default: the cost model decides)")
    q.add_argument("--max-shared-bytes", type=int, default=None, metavar="N",
                   help="scratch limit per block (default: the chip's); larger conversions take "
                   "several rounds")
    q.add_argument("--explain", action="store_true", help="print every step")
    _picture_args(q)
    q.set_defaults(func=_cmd_plan)

    g = sub.add_parser("gallery", help="draw every hardware layout family of a chip")
    g.add_argument("--target", required=True)
    g.add_argument("--out", required=True, metavar="DIR")
    g.add_argument("--format", choices=["png", "svg"], default="png")
    g.set_defaults(func=_cmd_gallery)

    t = sub.add_parser(
        "ttgir",
        help="list a TTGIR dump's layouts and plan each convert_layout",
        description="List the layouts of a TTGIR dump with the shapes they are used with, then every "
        "ttg.convert_layout with its plan and totals per function.",
    )
    t.add_argument("file", metavar="FILE")
    t.add_argument("--view", choices=["tensor", "hardware"], help="also print each layout's view")
    t.add_argument("--png-dir", metavar="DIR", help="also draw each (layout, shape) into DIR")
    t.add_argument("--target", default=None, help="chip for the plans (default: the dump's ttg.target)")
    t.add_argument("--elem-bits", type=int, default=None, choices=[8, 16, 32, 64],
                   help="element width for the plans (default: each tensor type's own)")
    t.add_argument("--width", type=int, default=None, help=_WIDTH_HELP)
    t.add_argument("--conversions-only", action="store_true", help="list only the convert_layout plans")
    t.set_defaults(func=_cmd_ttgir)

    from .assign.cli import add_parser as add_assign
    from .kernel.cli import add_access_parser, add_infer_parser
    from .kernel.cli import add_parser as add_reduce

    add_reduce(sub)
    add_infer_parser(sub)
    add_access_parser(sub)
    add_assign(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 partly failed, 2 bad input)."""
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            from .kernel.cli import LATE_SHAPE, late_shape

            problem = late_shape(args, extra) if args.command in LATE_SHAPE else None
            if problem or args.command not in LATE_SHAPE:
                raise _Usage(problem or f"unrecognized arguments: {' '.join(extra)}")
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
    except (MemoryError, RecursionError) as e:
        print(f"{PROG}: error: the input is too large to handle ({type(e).__name__}); give a smaller tile",
              file=sys.stderr)
        return 2
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
