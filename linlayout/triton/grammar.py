"""A small recursive-descent parser for MLIR attribute text as Triton 3.9.0 prints layouts.

Grammar (whitespace and ``// comments`` are skipped between tokens)::

    attr     := HASHNAME [ '<' body '>' ]            # '#ttg.blocked<...>' or an alias '#blocked'
    body     := [ element { [','] element } ]
    element  := dict                                  # '{key = value, ...}', merged into params
              | '[' pair { ',' pair } ']'             # padded_shared '[32:+4, 64:+8]'
              | KEY '=' value                         # 'alignment = 16'
    dict     := '{' [ KEY '=' value { ',' KEY '=' value } ] '}'
    value    := INT [':' TYPE] | 'true' | 'false' | STRING | IDENT
              | '[' [ value { ',' value } ] ']' | dict | attr
              | 'array' '<' TYPE [':' INT { ',' INT }] '>'
    pair     := INT ':' '+' INT

Every attribute becomes an :class:`AttrNode` (name, params, position): the
``{...}`` dictionary entries and the ``key = value`` entries of the body are
merged into ``params`` (a key may appear only once), in printed order.  The
padded-shared ``[interval:+padding, ...]`` list is stored under the key
``"intervalPaddingPairs"`` as ``[[interval, padding], ...]``.  Nested dicts
(``ctaLayout = {warp = [...]}``) become ``dict`` values; nested attributes
(``parent = #ttg.nvidia_mma<...>``) become :class:`AttrNode` values.

Alias references (``#blocked``, ``#mma1``) are resolved from an alias table
(name -> attribute text or :class:`AttrNode`); a dotted name without ``<...>``
that is not an alias (``#ttg.shared_memory``) is an attribute with no params.

Work is bounded: nesting deeper than :data:`MAX_DEPTH`, text longer than
:data:`MAX_TEXT`, or integers longer than :data:`MAX_INT_DIGITS` digits raise
:class:`~linlayout.LayoutError`; so does every syntax error, with the text and a
caret under the offending position.

>>> node = parse("#ttg.slice<{dim = 0, parent = #blocked}>",
...              aliases={"blocked": "#ttg.blocked<{order = [0]}>"})
>>> node.name, node.params["dim"], node.params["parent"].params
('ttg.slice', 0, {'order': [0]})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._limits import MAX_DEPTH, MAX_INT_DIGITS, MAX_TEXT
from ..errors import LayoutError

__all__ = [
    "AttrNode",
    "AliasTable",
    "Token",
    "tokenize",
    "parse",
    "parse_prefix",
    "format_error",
    "MAX_DEPTH",
    "MAX_TEXT",
    "MAX_INT_DIGITS",
    "PADDING_PAIRS_KEY",
    "format_attr",
    "format_value",
]

# MAX_DEPTH, MAX_TEXT and MAX_INT_DIGITS live in linlayout._limits (every limit in one place)
#: params key of the padded-shared ``[interval:+padding, ...]`` list
PADDING_PAIRS_KEY = "intervalPaddingPairs"

_PUNCT = "<>{}[](),=:+"
_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CHARS = _IDENT_START | frozenset("0123456789$.")
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Token:
    """One lexical token: ``kind`` is one of ``hash``, ``ident``, ``int``,
    ``string``, ``punct``, ``eof``; ``value`` its text (decoded for strings,
    without the ``#`` for hash names); ``pos`` its offset in the text."""

    kind: str
    value: str
    pos: int
    end: int = 0


@dataclass(eq=False)
class AttrNode:
    """A parsed attribute: ``#name<params>``.

    ``alias`` is the alias name it was reached through (``"blocked"`` for
    ``#blocked``), or ``None`` when written inline; ``pos`` is its offset in
    ``source``, the text it was parsed from (for error carets).

    >>> parse("#ttg.shared_memory").params
    {}
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: int = 0
    text: str = ""
    alias: str | None = None
    #: the whole text this node was parsed from (``text`` is ``source[pos:pos + len(text)]``)
    source: str = field(default="", repr=False)
    #: offset in ``source`` of each parameter's name (or value, for positional ones)
    param_pos: dict[str, int] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"AttrNode({self.name!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AttrNode):
            return NotImplemented
        return self.name == other.name and self.params == other.params

    __hash__ = None  # type: ignore[assignment]


def format_error(text: str, pos: int, message: str) -> str:
    """``message`` followed by the line of ``text`` holding ``pos`` and a caret under it.

    >>> print(format_error("#ttg.blocked<{x = ?}>", 18, "unexpected '?'"))
    unexpected '?' at line 1, column 19:
      #ttg.blocked<{x = ?}>
                        ^
    """
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    line_no = text.count("\n", 0, pos) + 1
    col = pos - line_start
    # show at most ~100 characters of a long line, around the caret
    lo = max(line_start, pos - 60)
    hi = min(line_end, pos + 40)
    snippet = text[lo:hi]
    prefix = "..." if lo > line_start else ""
    suffix = "..." if hi < line_end else ""
    caret = " " * (len(prefix) + pos - lo) + "^"
    return f"{message} at line {line_no}, column {col + 1}:\n  {prefix}{snippet}{suffix}\n  {caret}"


def _error(text: str, pos: int, message: str) -> LayoutError:
    return LayoutError("attr: " + format_error(text, pos, message))


def _skip_space(text: str, i: int) -> int:
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f\v":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        else:
            break
    return i


def _lex_one(text: str, i: int) -> Token:
    """The token starting at ``i`` (after whitespace has been skipped)."""
    n = len(text)
    if i >= n:
        return Token("eof", "", i, i)
    c = text[i]
    if c == "#":
        j = i + 1
        if j >= n or not (text[j] in _IDENT_START or text[j] in _DIGITS):
            raise _error(text, i, "expected an attribute or alias name after '#'")
        while j < n and (text[j] in _IDENT_CHARS):
            j += 1
        while text[j - 1] == ".":  # a trailing '.' is punctuation, not part of the name
            j -= 1
        return Token("hash", text[i + 1 : j], i, j)
    if c in _IDENT_START:
        j = i + 1
        while j < n and text[j] in _IDENT_CHARS:
            j += 1
        while text[j - 1] == ".":
            j -= 1
        return Token("ident", text[i:j], i, j)
    if c in _DIGITS or (c == "-" and i + 1 < n and text[i + 1] in _DIGITS):
        j = i + 1
        if text.startswith(("0x", "0X"), i) and i + 2 < n and text[i + 2] in _HEX:
            j = i + 2
            while j < n and text[j] in _HEX:
                j += 1
        else:
            while j < n and text[j] in _DIGITS:
                j += 1
        if j - i > MAX_INT_DIGITS:
            raise _error(text, i, f"integer literal longer than {MAX_INT_DIGITS} digits")
        if j < n and (text[j] in _IDENT_START or text[j] == "."):
            raise _error(text, j, "expected an integer (floats and suffixes are not layout values)")
        return Token("int", text[i:j], i, j)
    if c == '"':
        return _lex_string(text, i)
    if c in _PUNCT:
        return Token("punct", c, i, i + 1)
    raise _error(text, i, f"unexpected character {c!r}")


def _lex_string(text: str, i: int) -> Token:
    out: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == '"':
            return Token("string", "".join(out), i, j + 1)
        if c == "\\":
            if j + 1 >= n:
                break
            e = text[j + 1]
            if e in '"\\':
                out.append(e)
                j += 2
                continue
            if e == "n":
                out.append("\n")
                j += 2
                continue
            if j + 2 < n and all(ch in _HEX for ch in text[j + 1 : j + 3]):
                out.append(chr(int(text[j + 1 : j + 3], 16)))
                j += 3
                continue
            raise _error(text, j, "bad escape in string")
        if c == "\n":
            raise _error(text, j, "newline inside a string")
        out.append(c)
        j += 1
    raise _error(text, i, "unterminated string")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an ``eof`` token.

    >>> [t.value for t in tokenize("#ttg.blocked<{order = [1, 0]}>")]
    ['ttg.blocked', '<', '{', 'order', '=', '[', '1', ',', '0', ']', '}', '>', '']
    """
    _check_text(text)
    toks = []
    i = 0
    while True:
        i = _skip_space(text, i)
        t = _lex_one(text, i)
        toks.append(t)
        if t.kind == "eof":
            return toks
        i = t.end


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise LayoutError(f"attr: expected a str of attribute text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise LayoutError(f"attr: text of {len(text)} characters is longer than the limit {MAX_TEXT}")


class _TooDeep(LayoutError):
    """Alias resolution nested past :data:`MAX_DEPTH` (a property of the use, not of one alias)."""


class _Parser:
    """Recursive descent over ``text`` with one token of lookahead."""

    def __init__(
        self, text: str, aliases: dict[str, Any], cache: dict[str, tuple[AttrNode, int]], resolving: tuple
    ) -> None:
        self.text = text
        self.aliases = aliases
        self.cache = cache  # alias name -> (parsed node, its nesting height), shared by the whole parse
        self.resolving = resolving
        self.pos = 0  # end of the lookahead token
        self.last_end = 0  # end of the last consumed token
        self.positions: dict[str, int] = {}  # param name -> offset, of the attribute being parsed
        self.top: dict[str, Any] | None = None  # params dict of the attribute being parsed
        self.tok = Token("eof", "", 0, 0)
        self.max_depth = 0  # deepest level reached (a cached alias counts with its own height)

    # -- token stream ----------------------------------------------------------------
    def start(self, pos: int) -> None:
        self.pos = pos
        self.advance()
        self.last_end = pos

    def advance(self) -> Token:
        prev = self.tok
        self.last_end = self.pos
        self.tok = _lex_one(self.text, _skip_space(self.text, self.pos))
        self.pos = self.tok.end
        return prev

    def error(self, message: str, pos: int | None = None) -> LayoutError:
        return _error(self.text, self.tok.pos if pos is None else pos, message)

    def describe(self, t: Token) -> str:
        if t.kind == "eof":
            return "end of text"
        if t.kind == "hash":
            return f"'#{t.value}'"
        if t.kind == "string":
            return "a string"
        return f"{t.value!r}"

    def expect(self, punct: str, context: str) -> Token:
        if self.tok.kind != "punct" or self.tok.value != punct:
            raise self.error(f"expected {punct!r} {context}, got {self.describe(self.tok)}")
        return self.advance()

    def at(self, punct: str) -> bool:
        return self.tok.kind == "punct" and self.tok.value == punct

    def check_depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
        if depth > self.max_depth:
            self.max_depth = depth

    # -- grammar ---------------------------------------------------------------------
    def attr(self, depth: int) -> AttrNode:
        self.check_depth(depth)
        t = self.tok
        if t.kind != "hash":
            raise self.error(f"expected an attribute starting with '#', got {self.describe(t)}")
        self.advance()
        if self.at("<"):
            self.advance()
            outer = self.positions, self.top
            self.positions = {}
            params = self.body(depth + 1)
            self.expect(">", f"to close '#{t.value}<'")
            node = AttrNode(t.value, params, t.pos, self.text[t.pos : self.last_end], source=self.text,
                            param_pos=self.positions)
            self.positions, self.top = outer
            return node
        if t.value in self.aliases:
            return self.resolve_alias(t, depth)
        if "." in t.value:
            return AttrNode(t.value, {}, t.pos, "#" + t.value, source=self.text)
        known = ", ".join("#" + k for k in sorted(self.aliases)) or "none defined"
        raise self.error(f"unknown alias '#{t.value}' (aliases: {known})", t.pos)

    def resolve_alias(self, t: Token, depth: int) -> AttrNode:
        """The node of alias ``t``, parsed once per alias table: the cache keeps its node and
        nesting height (or its error: an alias's failure does not depend on where it is used)."""
        name = t.value
        if name not in self.cache:
            if name in self.resolving:
                chain = " -> ".join("#" + a for a in (*self.resolving, name))
                raise self.error(f"alias cycle {chain}", t.pos)
            if len(self.resolving) >= MAX_DEPTH:  # each hop nests one level: too deep for any use
                msg = f"attr: nesting deeper than {MAX_DEPTH} levels of aliases"
                raise _TooDeep(format_error(self.text, t.pos, msg))
            self.cache[name] = self.parse_alias(name)
        node, height = self.cache[name]
        if isinstance(node, str):  # the alias failed to parse: its message, plus where it is used
            raise LayoutError(self.used_here(node, name, t.pos)) from None
        self.check_depth(depth + 1 + height)
        return node

    def parse_alias(self, name: str) -> tuple[Any, int]:
        """``(node, height)`` of alias ``name`` parsed on its own, or ``(message, -1)``."""
        target = self.aliases[name]
        if isinstance(target, AttrNode):
            return target, 0
        if not isinstance(target, str):
            return f"attr: alias '#{name}' maps to {type(target).__name__}, expected attribute text", -1
        sub = _Parser(target, self.aliases, self.cache, (*self.resolving, name))
        try:
            _check_text(target)
            sub.start(0)
            node = sub.attr(0)
            if sub.tok.kind != "eof":
                raise sub.error(f"unexpected {sub.describe(sub.tok)} after the attribute")
        except _TooDeep:
            raise  # depends on where the alias is used from: not cached
        except LayoutError as e:
            return str(e), -1
        node.alias = name
        return node, sub.max_depth

    def used_here(self, msg: str, name: str, pos: int) -> str:
        """``msg`` followed by where alias ``name`` is used (at most four hops are shown)."""
        hops = msg.count("\nin alias '")
        if hops < 4:
            return msg + "\n" + format_error(self.text, pos, f"in alias '#{name}' used")
        if hops == 4 and not msg.endswith("..."):
            return msg + "\n..."
        return msg

    def body(self, depth: int) -> dict[str, Any]:
        params: dict[str, Any] = {}
        self.top = params
        if self.at(">"):
            return params
        while True:
            if self.at("{"):
                self.dict_into(params, depth)
            elif self.at("["):
                pos = self.tok.pos
                pairs = self.pair_list(depth)
                self.put(params, PADDING_PAIRS_KEY, pairs, pos)
            elif self.tok.kind == "ident":
                self.key_value_into(params, depth)
            else:
                raise self.error(f"expected '{{', '[' or a parameter name, got {self.describe(self.tok)}")
            if self.at(","):
                self.advance()
                continue
            if self.at(">"):
                return params
            if self.at("{") or self.at("["):
                continue  # padded_shared: '[32:+4] {order = ...}' has no comma
            raise self.error(f"expected ',' or '>' in attribute parameters, got {self.describe(self.tok)}")

    def put(self, params: dict, key: str, value: Any, pos: int) -> None:
        if key in params:
            raise self.error(f"parameter {key!r} given twice", pos)
        params[key] = value
        if params is self.top:
            self.positions[key] = pos

    def key_value_into(self, params: dict, depth: int) -> None:
        key = self.tok
        if key.kind != "ident":
            raise self.error(f"expected a parameter name, got {self.describe(key)}")
        self.advance()
        self.expect("=", f"after parameter name {key.value!r}")
        self.put(params, key.value, self.value(depth), key.pos)

    def dict_into(self, params: dict, depth: int) -> None:
        self.check_depth(depth)
        self.expect("{", "to open a dictionary")
        if self.at("}"):
            self.advance()
            return
        while True:
            self.key_value_into(params, depth)
            if self.at(","):
                self.advance()
                continue
            self.expect("}", "or ',' in dictionary")
            return

    def pair_list(self, depth: int) -> list[list[int]]:
        self.check_depth(depth)
        self.expect("[", "to open the interval:+padding list")
        pairs: list[list[int]] = []
        if self.at("]"):
            self.advance()
            return pairs
        while True:
            a = self.integer("interval")
            self.expect(":", "between interval and padding ('interval:+padding')")
            self.expect("+", "before the padding ('interval:+padding')")
            b = self.integer("padding")
            pairs.append([a, b])
            if self.at(","):
                self.advance()
                continue
            self.expect("]", "or ',' in interval:+padding list")
            return pairs

    def integer(self, what: str) -> int:
        if self.tok.kind != "int":
            raise self.error(f"expected an integer {what}, got {self.describe(self.tok)}")
        return _int(self.advance().value)

    def value(self, depth: int) -> Any:
        t = self.tok
        if t.kind == "int":
            self.advance()
            v = _int(t.value)
            if self.at(":"):  # MLIR typed integer '32 : i32'
                self.advance()
                if self.tok.kind != "ident":
                    raise self.error(f"expected an integer type after ':', got {self.describe(self.tok)}")
                self.advance()
            return v
        if t.kind == "string":
            self.advance()
            return t.value
        if t.kind == "hash":
            return self.attr(depth + 1)
        if t.kind == "ident":
            self.advance()
            if t.value == "true":
                return True
            if t.value == "false":
                return False
            if t.value == "array" and self.at("<"):
                return self.dense_array(t)
            return t.value
        if self.at("["):
            return self.array(depth + 1)
        if self.at("{"):
            d: dict[str, Any] = {}
            self.dict_into(d, depth + 1)
            return d
        raise self.error(f"expected a value, got {self.describe(t)}")

    def array(self, depth: int) -> list:
        self.check_depth(depth)
        self.expect("[", "to open an array")
        items: list = []
        if self.at("]"):
            self.advance()
            return items
        while True:
            items.append(self.value(depth))
            if self.at(","):
                self.advance()
                continue
            self.expect("]", "or ',' in array")
            return items

    def dense_array(self, t: Token) -> list[int]:
        """``array<i32: 1, 2>`` (MLIR DenseArrayAttr) -> [1, 2]."""
        self.expect("<", "after 'array'")
        if self.tok.kind != "ident":
            raise self.error(f"expected an element type in array<...>, got {self.describe(self.tok)}")
        self.advance()
        items: list[int] = []
        if self.at(":"):
            self.advance()
            while True:
                if self.tok.kind == "ident" and self.tok.value in ("true", "false"):
                    items.append(int(self.advance().value == "true"))
                else:
                    items.append(self.integer("array element"))
                if not self.at(","):
                    break
                self.advance()
        self.expect(">", "to close array<...>")
        return items

    def parse_all(self) -> AttrNode:
        self.start(0)
        node = self.attr(0)
        if self.tok.kind != "eof":
            raise self.error(f"unexpected {self.describe(self.tok)} after the attribute")
        return node


def _int(text: str) -> int:
    """Value of an integer token: decimal (leading zeros allowed, as MLIR does) or 0x hex."""
    if text[:2] in ("0x", "0X"):
        return int(text[2:], 16)
    return int(text, 10)


class AliasTable(dict):
    """An alias table normalized once (names without ``#``), with a cache of the nodes its
    aliases parse to, shared by every parse given this table: reading a dump with ``n``
    aliases and ``m`` uses then costs ``O(n + m)`` parses, not ``O(n * (n + m))``.

    >>> t = AliasTable({"#b": "#ttg.blocked<{order = [0]}>"})
    >>> parse("#b", t) is parse("#b", t)
    True
    """

    def __init__(self, aliases: Mapping[str, Any] | None = None) -> None:
        super().__init__(_normalize_aliases(aliases))
        self.cache: dict[str, tuple[AttrNode, int]] = {}


def _normalize_aliases(aliases: Mapping[str, Any] | None) -> dict[str, Any]:
    if aliases is None:
        return {}
    if isinstance(aliases, AliasTable):
        return aliases
    if not isinstance(aliases, Mapping):
        raise LayoutError(f"aliases: expected a mapping name -> attribute text, got {type(aliases).__name__}")
    out = {}
    for k, v in aliases.items():
        if not isinstance(k, str) or not k.lstrip("#"):
            raise LayoutError(f"aliases: alias names must be non-empty strings, got {k!r}")
        out[k.lstrip("#")] = v
    return out


def parse(text: str, aliases: Mapping[str, Any] | None = None) -> AttrNode:
    """Parse one attribute (the whole of ``text``) into an :class:`AttrNode` tree.

    >>> parse("#ttng.tensor_memory_encoding<blockM = 128, blockN = 64, colStride = 1>").params
    {'blockM': 128, 'blockN': 64, 'colStride': 1}
    """
    _check_text(text)
    table = _normalize_aliases(aliases)
    return _Parser(text, table, _cache_of(table), ()).parse_all()


def _cache_of(table: dict[str, Any]) -> dict[str, tuple[AttrNode, int]]:
    """The shared node cache of an :class:`AliasTable`, or a fresh one for a plain dict."""
    return table.cache if isinstance(table, AliasTable) else {}


def parse_prefix(text: str, pos: int = 0, aliases: Mapping[str, Any] | None = None) -> tuple[AttrNode, int]:
    """Parse one attribute starting at offset ``pos`` of a larger text (a TTGIR dump).

    Returns the node and the offset just after it.  (The :data:`MAX_TEXT` limit is not
    applied to ``text`` here: the parse reads only the attribute.)

    >>> parse_prefix("tensor<4xf16, #ttg.linear<{register = []}>> loc(#loc)", 14)[1]
    42
    """
    if not isinstance(text, str):
        raise LayoutError(f"attr: expected a str of attribute text, got {type(text).__name__}")
    if not 0 <= pos <= len(text):
        raise LayoutError(f"pos: {pos} is outside the text (length {len(text)})")
    table = _normalize_aliases(aliases)
    p = _Parser(text, table, _cache_of(table), ())
    p.start(pos)
    node = p.attr(0)
    return node, p.last_end


# ---------------------------------------------------------------------------- printing

#: attributes Triton prints as ``<key = value, ...>`` (no braces)
BARE_PARAM_ATTRS = frozenset({"ttng.tensor_memory_encoding", "ttng.tensor_memory_scales_encoding"})
#: params Triton prints after the ``{...}`` dictionary, as ``, key = value``
TRAILING_PARAMS = {"ttg.shared_linear": ("alignment",)}
_IDENT_RE = None


def format_value(v: Any) -> str:
    """Print a parsed value back in MLIR syntax (``[1, 2]``, ``true``, ``{k = v}``, attributes).

    >>> format_value([[0, 1], [2, 0]])
    '[[0, 1], [2, 0]]'
    """
    global _IDENT_RE
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, AttrNode):
        return format_attr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{k} = {format_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, str):
        if _IDENT_RE is None:
            import re

            _IDENT_RE = re.compile(r"[A-Za-z_][\w$.]*")
        if _IDENT_RE.fullmatch(v) and v not in ("true", "false"):
            return v
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    raise LayoutError(f"value: cannot print a {type(v).__name__} as MLIR attribute syntax")


def format_attr(node: AttrNode) -> str:
    """Print a parsed attribute back, in the layout Triton 3.9.0 uses for each form.

    ``format_attr(parse(t)) == t`` for every layout text Triton prints (checked on
    the stored samples), with nested aliases expanded.

    >>> format_attr(parse("#ttg.shared_linear<{offset = [[1]]}, alignment = 16>"))
    '#ttg.shared_linear<{offset = [[1]]}, alignment = 16>'
    >>> format_attr(parse("#ttg.padded_shared<[32:+4] {order = [0], shape = [64]}>"))
    '#ttg.padded_shared<[32:+4] {order = [0], shape = [64]}>'
    """
    params = dict(node.params)
    if node.name in BARE_PARAM_ATTRS:
        return f"#{node.name}<" + ", ".join(f"{k} = {format_value(v)}" for k, v in params.items()) + ">"
    if not params:
        return "#" + node.name
    head = ""
    if PADDING_PAIRS_KEY in params:
        pairs = params.pop(PADDING_PAIRS_KEY)
        head = "[" + ", ".join(f"{a}:+{b}" for a, b in pairs) + "] "
    trailing = [(k, params.pop(k)) for k in TRAILING_PARAMS.get(node.name, ()) if k in params]
    body = head + format_value(params) if params or not head else head.rstrip()
    for k, v in trailing:
        body += f", {k} = {format_value(v)}"
    return f"#{node.name}<{body}>"
