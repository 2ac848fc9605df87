"""Scan a TTGIR dump for its layouts: every ``#alias = #ttg.xxx<...>`` and where it is used.

>>> dump = '''
... #blocked = #ttg.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
... module {
...   %0 = tt.make_range {end = 128 : i32, start = 0 : i32} : tensor<128xi32, #blocked>
...   %1 = tt.splat %x : f32 -> tensor<64xf32, #ttg.slice<{dim = 1, parent = #blocked2}>>
... }'''
>>> recs = scan_ttgir(dump)
>>> [(r.name, r.shapes) for r in recs]
[('blocked', [(128,)]), (None, [(64,)])]
>>> recs[1].error.splitlines()[0]
"attr: unknown alias '#blocked2' (aliases: #blocked) at line 5, column 74:"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .._limits import (
    MAX_ALIAS_EXPANSION,
    MAX_TEXT,
    MAX_TTGIR_ALIASES,
    MAX_TTGIR_TEXT,
    check_count,
    check_text,
)
from ..errors import LayoutError
from .grammar import AliasTable, AttrNode, parse, parse_prefix, tokenize

__all__ = ["TtgirLayout", "scan_ttgir", "find_aliases", "find_uses", "expand_aliases"]

#: longest dump scan_ttgir reads (characters); see linlayout._limits
MAX_DUMP = MAX_TTGIR_TEXT

#: deepest alias-in-alias expansion of ``expand_aliases`` (listed in linlayout._limits)
MAX_DEPTH_ALIASES = MAX_ALIAS_EXPANSION

#: attributes that are memory spaces, not layouts (left out of the scan)
MEMORY_SPACES = frozenset({"ttg.shared_memory", "ttng.tensor_memory"})

_ALIAS_DEF = re.compile(r"^[ \t]*#([A-Za-z_][\w$.]*)[ \t]*=[ \t]*(?=#)", re.M)
_TYPE_OPEN = re.compile(r"(?:\btensor|!ttg\.memdesc)<")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_DIMS = re.compile(r"\s*((?:(?:\d+|\?)x)+)")


@dataclass
class TtgirLayout:
    """One layout found in a dump.

    ``name``: the alias (without ``#``), or ``None`` for an attribute written
    inline in a type; ``text``: the attribute as written; ``expanded``: the same
    with every alias replaced by its definition (so ``from_triton(expanded, shape)``
    needs no alias table); ``description``: the hardware description
    (``None`` when it could not be built, see ``error``); ``shapes``: tensor
    shapes it is used with, in order of first use.
    """

    name: str | None
    text: str
    expanded: str
    description: Any = None
    error: str | None = None
    shapes: list[tuple[int, ...]] = field(default_factory=list)
    node: AttrNode | None = field(default=None, repr=False, compare=False)

    def linear_layout(self, shape=None):
        """The LinearLayout at ``shape`` (default: the first shape it is used with)."""
        if self.description is None:
            raise LayoutError(f"layout {self.name or self.text}: {self.error or 'no description'}")
        if shape is None:
            if not self.shapes:
                raise LayoutError(f"shape: layout {self.name or self.text} is never used; pass a shape")
            shape = self.shapes[0]
        from .attrs import check_shape

        return self.description.to_linear_layout(list(check_shape(shape)))


def _mask_strings(text: str) -> str:
    """``text`` with string literals blanked (same length), so their contents never match."""
    return _STRING.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)


def find_aliases(text: str) -> dict[str, str]:
    """``{alias: attribute text}`` for every ``#alias = #...`` line (``#loc`` lines excluded).

    >>> find_aliases('#mma = #ttg.nvidia_mma<{versionMajor = 2}>\\n#loc = loc(unknown)')
    {'mma': '#ttg.nvidia_mma<{versionMajor = 2}>'}
    """
    masked = _mask_strings(text)
    out: dict[str, str] = {}
    for m in _ALIAS_DEF.finditer(masked):
        start = m.end()
        end = masked.find("\n", start)
        if end < 0:
            end = len(text)
        rhs = text[start:end]
        cut = _mask_strings(rhs).find("//")
        if cut >= 0:
            rhs = rhs[:cut]
        out[m.group(1)] = rhs.strip()
    return out


def expand_aliases(
    text: str, aliases: dict[str, str], _depth: int = 0, *, _memo: dict[str, str] | None = None
) -> str:
    """``text`` with each alias reference ``#name`` (not followed by ``<``) replaced by its text.

    The expansion may be at most :data:`~linlayout._limits.MAX_TEXT` characters (a chain
    of aliases each used twice doubles per level).  ``_memo`` caches expanded aliases.

    >>> expand_aliases("#ttg.slice<{dim = 0, parent = #b}>", {"b": "#ttg.blocked<{order = [0]}>"})
    '#ttg.slice<{dim = 0, parent = #ttg.blocked<{order = [0]}>}>'
    """
    if _depth > MAX_DEPTH_ALIASES:
        raise LayoutError(
            f"aliases: alias definitions nested deeper than {MAX_DEPTH_ALIASES} levels (a cycle?)"
        )
    memo = {} if _memo is None else _memo
    toks = tokenize(text)
    out = []
    last = 0
    size = 0
    for i, t in enumerate(toks):
        if t.kind == "hash" and t.value in aliases:
            nxt = toks[i + 1]
            if nxt.kind == "punct" and nxt.value == "<":
                continue
            sub = memo.get(t.value)
            if sub is None:
                sub = expand_aliases(aliases[t.value], aliases, _depth + 1, _memo=memo)
                memo[t.value] = sub
            out.append(text[last : t.pos])
            out.append(sub)
            size += t.pos - last + len(sub)
            if size > MAX_TEXT:
                raise LayoutError(
                    f"aliases: expanding #{t.value} makes the text longer than the limit {MAX_TEXT} "
                    "characters (linlayout._limits.MAX_TEXT)"
                )
            last = t.end
    out.append(text[last:])
    return "".join(out)


def find_uses(text: str, aliases: dict[str, Any]) -> list[tuple[str | None, str, tuple[int, ...], Any]]:
    """``(alias or None, attribute text, shape, node)`` for each ``tensor<...>`` / memdesc encoding.

    ``node`` is the parsed :class:`AttrNode`, or the :class:`LayoutError` when the
    encoding does not parse.  Types without an encoding or with dynamic (``?``)
    dims are skipped.
    """
    masked = _mask_strings(text)
    uses = []
    seen: dict[str, tuple[Any, int]] = {}  # bracket extent text -> (node or error, parsed length)
    for m in _TYPE_OPEN.finditer(masked):
        d = _DIMS.match(masked, m.end())
        if not d or "?" in d.group(1):
            continue
        shape = tuple(int(x) for x in d.group(1).split("x")[:-1])
        pos = _encoding_start(masked, d.end())
        if pos < 0:
            continue
        extent = text[pos : _attr_extent(masked, pos)]
        if extent not in seen:  # the same encoding text is parsed once per dump
            try:
                parsed, end = parse_prefix(text, pos, aliases)
                seen[extent] = (parsed, end - pos)
            except LayoutError as e:
                seen[extent] = (e, len(extent))
        node, length = seen[extent]
        attr_text = text[pos : pos + length]
        ref = re.fullmatch(r"#([A-Za-z_][\w$.]*)", attr_text)
        name = ref.group(1) if ref and ref.group(1) in aliases else None
        uses.append((name, attr_text, shape, node))
    return uses


def _attr_extent(masked: str, pos: int) -> int:
    """End of the attribute starting at ``pos`` by bracket matching (for error records)."""
    m = re.compile(r"#[\w$.]*").match(masked, pos)
    i = m.end() if m else pos + 1
    if i >= len(masked) or masked[i] != "<":
        return i
    depth = 0
    for j in range(i, min(len(masked), i + 100_000)):
        c = masked[j]
        if c in "<{[(":
            depth += 1
        elif c in ">}])":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c == "\n":
            return j
    return i


def _encoding_start(masked: str, i: int) -> int:
    """Offset of the '#' of the encoding after the element type starting at ``i``, or -1."""
    depth = 0
    n = len(masked)
    limit = min(n, i + 10_000)
    while i < limit:
        c = masked[i]
        if c == "<":
            depth += 1
        elif c == ">":
            if depth == 0:
                return -1
            depth -= 1
        elif c == "," and depth == 0:
            j = i + 1
            while j < n and masked[j] in " \t\r\n":
                j += 1
            return j if j < n and masked[j] == "#" else -1
        elif c == "\n":
            return -1
        i += 1
    return -1


def scan_ttgir(text: str) -> list[TtgirLayout]:
    """Every layout of a TTGIR dump: alias definitions first (in order), then inline ones.

    Memory-space attributes (``#ttg.shared_memory``, ``#ttng.tensor_memory``) and
    location aliases are left out.  A layout whose family linlayout cannot build
    gets ``description=None`` and the reason in ``error``.
    """
    check_text(text, "text", limit=MAX_DUMP)
    from .attrs import build

    texts = find_aliases(text)
    check_count(len(texts), "text", limit=MAX_TTGIR_ALIASES, what="alias definitions")
    table = AliasTable(texts)  # one table and node cache for every parse of this dump
    expanded: dict[str, str] = {}
    records: dict[str, TtgirLayout] = {}
    for name, rhs in texts.items():
        rec = TtgirLayout(name, rhs, rhs)
        try:
            node = parse(rhs, table)
            rec.node = node
            rec.expanded = expand_aliases(rhs, texts, _memo=expanded)
        except LayoutError as e:
            rec.error = str(e)
            records[name] = rec
            continue
        if node.name in MEMORY_SPACES:
            continue
        _describe(rec, node, build)
        records[name] = rec
    inline: dict[str, TtgirLayout] = {}
    for alias, attr_text, shape, node in find_uses(text, table):
        if alias is None and isinstance(node, AttrNode) and node.name in MEMORY_SPACES:
            continue
        if alias is not None:
            use = records.get(alias)
        else:
            use = _inline_record(inline, attr_text, node, texts, expanded, build)
        if use is not None and shape not in use.shapes:
            use.shapes.append(shape)
    return [*records.values(), *inline.values()]


def _inline_record(
    inline: dict[str, TtgirLayout], attr_text: str, node: Any, texts: dict[str, str],
    expanded: dict[str, str], build: Any,
) -> TtgirLayout:
    """The record of an encoding written inline in a type (one per distinct text)."""
    rec = inline.get(attr_text)
    if rec is None:
        rec = TtgirLayout(None, attr_text, attr_text)
        if isinstance(node, LayoutError):
            rec.error = str(node)
        else:
            rec.node = node
            rec.expanded = expand_aliases(attr_text, texts, _memo=expanded)
            _describe(rec, node, build)
        inline[attr_text] = rec
    return rec


def _describe(rec: TtgirLayout, node: AttrNode, build) -> None:
    try:
        rec.description = build(node)
    except LayoutError as e:
        rec.error = str(e)
