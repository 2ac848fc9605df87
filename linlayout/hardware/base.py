"""The base class of hardware layout descriptions and the Triton attribute registry.

Every hardware layout family (blocked, slice, nvidia_mma, amd_mfma, nvmma_shared, ...)
is a frozen dataclass deriving from :class:`HardwareLayout` (its fields are the Gluon
constructor's arguments, validated and normalized in ``__post_init__``).  It knows

* ``to_linear_layout(shape)``: the :class:`~linlayout.LinearLayout` Triton's
  ``toLinearLayout(shape, attr)`` returns for it, bit for bit;
* ``to_triton()``: the attribute text exactly as Triton 3.9.0 prints it;
* ``from_triton_params(params)``: the inverse of ``to_triton``, given the parsed
  ``{field: value}`` mapping of the attribute (values are ints, bools, strings,
  lists, dicts, or already-built nested layouts).

Classes register the attribute name they print under with :func:`triton_attr`,
so the TTGIR parser can find them without knowing them.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["HardwareLayout", "triton_attr", "TRITON_ATTRS"]

#: attribute name as written after '#' (e.g. "ttg.blocked") -> description class
TRITON_ATTRS: dict[str, type[HardwareLayout]] = {}


def triton_attr(name: str):
    """Class decorator: register ``cls`` as the description of ``#<name><...>``."""

    def deco(cls):
        TRITON_ATTRS[name] = cls
        cls.triton_name = name
        return cls

    return deco


class HardwareLayout:
    """Base of every hardware layout description (see module docstring)."""

    __slots__ = ()
    triton_name: ClassVar[str] = ""

    def to_linear_layout(self, shape):  # pragma: no cover - abstract
        raise NotImplementedError

    def to_triton(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def from_triton_params(cls, params: dict[str, Any]) -> HardwareLayout:  # pragma: no cover
        raise NotImplementedError

    @property
    def kind(self) -> str:
        """``"distributed"``, ``"shared"``, ``"tensor_memory"`` or ``"partitioned_shared"``:
        the :func:`~linlayout.hardware._kit.layout_kind` of the layouts it gives."""
        name = type(self).triton_name
        if name.startswith("ttng.tensor_memory"):
            return "tensor_memory"
        if name == "ttg.partitioned_shared":
            return "partitioned_shared"
        return "shared" if name.endswith("_shared") or name == "ttg.shared_linear" else "distributed"

    def to_gluon(self) -> dict[str, Any]:
        """Keyword arguments of Gluon's class of the same name: the fields, tuples as lists
        (nested descriptions stay descriptions)."""
        import dataclasses

        def plain(v: Any) -> Any:
            return [plain(x) for x in v] if isinstance(v, tuple) else v

        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
