"""Triton attribute text -> hardware layout description -> :class:`~linlayout.LinearLayout`.

The parser (:mod:`linlayout.triton.grammar`) turns text into an attribute tree;
this module looks each attribute name up in the registry
:data:`linlayout.hardware.base.TRITON_ATTRS` (filled by the hardware family
modules, imported here on first use), builds the description bottom-up with
``cls.from_triton_params(params)`` (nested attributes such as ``parent = ...``
arrive already built) and asks it for ``to_linear_layout(shape)``.

>>> from linlayout import from_triton
>>> L = from_triton("#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], "
...                 "warpsPerCTA = [2, 2], order = [1, 0]}>", [32, 64])
>>> L.bases["warp"]
[[0, 32], [4, 0]]
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from .._limits import MAX_DIM, MAX_RANK, check_int
from ..errors import LayoutError
from .grammar import AttrNode, format_error, parse

__all__ = ["from_triton", "parse_attr", "build", "known_attrs", "check_shape", "FAMILY_MODULES"]

#: hardware modules that register Triton attribute classes when imported
FAMILY_MODULES = (
    "linlayout.hardware.cga",
    "linlayout.hardware.blocked",
    "linlayout.hardware.linear",
    "linlayout.hardware.nvidia",
    "linlayout.hardware.shared",
    "linlayout.hardware.tmem",
    "linlayout.hardware.amd",
    "linlayout.hardware.amd_shared",
)

#: attributes that are valid Triton text but describe no layout (memory spaces)
_NOT_LAYOUTS = {
    "ttg.shared_memory": "the shared-memory space of a memdesc, not a layout",
    "ttng.tensor_memory": "the tensor-memory space of a memdesc, not a layout",
}

_loaded = False


def _registry() -> dict[str, type]:
    """The attribute registry, after importing every family module that exists."""
    global _loaded
    from ..hardware.base import TRITON_ATTRS

    if not _loaded:
        for mod in FAMILY_MODULES:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError as e:  # a family not written yet: skip only that one
                if e.name != mod:
                    raise
        _loaded = True
    return TRITON_ATTRS


def known_attrs() -> list[str]:
    """Names of the attributes linlayout can read, as written after '#'.

    >>> "ttg.blocked" in known_attrs()
    True
    """
    return sorted(_registry())


def build(node: AttrNode) -> Any:
    """Build the hardware description of a parsed attribute tree (nested ones first)."""
    return _build(node, {})


def _build(node: AttrNode, memo: dict[int, Any]) -> Any:
    key = id(node)
    if key in memo:  # a shared alias node is built once
        return memo[key]
    reg = _registry()
    cls = reg.get(node.name)
    if cls is None:
        raise _unknown(node, reg)
    params = {k: _build_value(v, memo) for k, v in node.params.items()}
    try:
        desc = cls.from_triton_params(params)
    except LayoutError as e:
        raise LayoutError(f"{e}\n" + _where(node, f"in #{node.name}", _blamed_param(node, str(e)))) from None
    except (TypeError, KeyError, ValueError, IndexError, AttributeError) as e:
        msg = f"attr: invalid parameters for #{node.name}: {type(e).__name__}: {e}"
        raise LayoutError(msg + "\n" + _where(node, "here")) from e
    memo[key] = desc
    return desc


def _build_value(v: Any, memo: dict[int, Any]) -> Any:
    if isinstance(v, AttrNode):
        return _build(v, memo)
    if isinstance(v, list):
        return [_build_value(x, memo) for x in v]
    if isinstance(v, dict):
        return {k: _build_value(x, memo) for k, x in v.items()}
    return v


def _blamed_param(node: AttrNode, message: str) -> str | None:
    """The parameter a family's error message starts with ('sizePerThread: ...' or
    'size_per_thread: ...'), spelled as in the text, if it is one of the node's."""
    head = message.split(":", 1)[0].strip()
    norm = head.replace("_", "").lower()
    for key in node.param_pos:
        if key.replace("_", "").lower() == norm:
            return key
    return None


def _where(node: AttrNode, what: str, param: str | None = None) -> str:
    """The attribute's line with a caret at its '#', or at the blamed parameter
    (in its alias definition, if any)."""
    if node.source:
        pos = node.param_pos.get(param, node.pos) if param else node.pos
        where = format_error(node.source, pos, what)
    else:
        where = format_error(node.text, 0, what)
    if node.alias:
        where = f"{where}\n(in the definition of alias #{node.alias})"
    return where


def _unknown(node: AttrNode, reg: Mapping[str, type]) -> LayoutError:
    if node.name in _NOT_LAYOUTS:
        why = _NOT_LAYOUTS[node.name]
        return LayoutError(f"attr: #{node.name} is {why}\n" + _where(node, "here"))
    known = ", ".join("#" + k for k in sorted(reg)) or "(no families loaded)"
    msg = f"attr: unknown layout attribute #{node.name}; known: {known}"
    return LayoutError(msg + "\n" + _where(node, "here"))


def parse_attr(text: str, aliases: Mapping[str, Any] | None = None) -> Any:
    """Parse Triton attribute text into its hardware description object.

    ``aliases`` maps alias names (``"blocked"`` or ``"#blocked"``) to attribute
    text, for text taken from a TTGIR dump.

    >>> s = parse_attr("#ttg.slice<{dim = 0, parent = #blocked}>",
    ...                aliases={"blocked": "#ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], "
    ...                         "warpsPerCTA = [2, 2], order = [1, 0]}>"})
    >>> s.to_triton()
    '#ttg.slice<{dim = 0, parent = #ttg.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], \
warpsPerCTA = [2, 2], order = [1, 0]}>}>'

    """
    return build(parse(text, aliases))


def check_shape(shape: Any) -> tuple[int, ...]:
    """Validate a tensor shape: a non-empty sequence of positive powers of two.

    >>> check_shape([32, 64])
    (32, 64)
    """
    if isinstance(shape, (str, bytes)):
        raise LayoutError(f"shape: expected a sequence of ints, got {type(shape).__name__} {shape!r}")
    if not isinstance(shape, Sequence):
        try:
            shape = tuple(shape)
        except TypeError:
            raise LayoutError(f"shape: expected a sequence of ints, got {type(shape).__name__}") from None
    if len(shape) == 0:
        raise LayoutError("shape: expected at least one dimension, got an empty shape")
    if len(shape) > MAX_RANK:
        raise LayoutError(f"shape: rank {len(shape)} is over the limit {MAX_RANK} (_limits.MAX_RANK)")
    return tuple(check_int(s, f"shape: dimension {i}", pow2=True, hi=MAX_DIM) for i, s in enumerate(shape))


def from_triton(attr: str, shape: Sequence[int], *, aliases: Mapping[str, Any] | None = None):
    """The :class:`~linlayout.LinearLayout` Triton's ``toLinearLayout(shape, attr)`` returns.

    ``attr`` is a layout attribute exactly as Triton prints it (``#ttg.blocked<{...}>``,
    ``#ttg.slice<{dim = 0, parent = #ttg.nvidia_mma<...>}>``, or an alias such as
    ``#blocked`` defined in ``aliases``).

    >>> from_triton("#ttg.linear<{register = [[0, 1]], lane = [[0, 2], [0, 4], [1, 0], [2, 0], "
    ...             "[4, 0]], warp = [[8, 0]], block = []}>", [16, 8]).in_dims
    {'register': 2, 'lane': 32, 'warp': 2, 'block': 1}
    """
    shape_t = check_shape(shape)
    desc = parse_attr(attr, aliases)
    try:
        return desc.to_linear_layout(list(shape_t))
    except LayoutError:
        raise
    except (TypeError, KeyError, ValueError, IndexError, AttributeError) as e:
        raise LayoutError(
            f"shape: {list(shape_t)} does not fit {type(desc).__name__}: {type(e).__name__}: {e}"
        ) from e
