"""Chips as the planner and the generators see them: warp size, shared memory banks,
and which data-movement instructions exist.

>>> from linlayout import get_target
>>> t = get_target("gfx942")
>>> t.warp_size, t.num_banks, t.bank_bytes
(64, 32, 4)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._limits import check_int
from .errors import LayoutError

__all__ = ["Target", "get_target", "TARGETS", "KNOWN_INSTRUCTIONS"]

#: every instruction name a Target may list (see :class:`Target`)
KNOWN_INSTRUCTIONS = frozenset(
    {
        "shfl",
        "ldmatrix",
        "stmatrix",
        "dsmem",
        "wgmma",
        "tcgen05",
        "ds_bpermute",
        "dpp",
        "ds_read_tr",
        "permlane16_swap",
        "permlane32_swap",
        "permlanex16",
    }
)


@dataclass(frozen=True)
class Target:
    """One GPU architecture.

    ``instructions`` names the data-movement instructions the planner may use:
    ``shfl`` (NVIDIA shfl.sync), ``ldmatrix``, ``stmatrix``, ``dsmem`` (distributed
    shared memory in a cluster), ``ds_bpermute``, ``dpp``, ``ds_read_tr`` (gfx950 /
    gfx1250 transposed LDS reads), ``permlane16_swap``, ``permlane32_swap`` (gfx950; gfx1250 has the 16-lane
    one), ``permlanex16`` (RDNA3/4 ``v_permlanex16_b32``).
    """

    name: str
    vendor: str  # "nvidia" or "amd"
    warp_size: int
    num_banks: int
    bank_bytes: int
    shared_bytes: int  # usable shared memory / LDS per block (CTA / workgroup)
    instructions: frozenset[str] = field(default_factory=frozenset)
    max_cluster_size: int = 1

    def __post_init__(self) -> None:
        """Validate every field (a user-built Target must make sense to the planner)."""
        if not isinstance(self.name, str) or not self.name:
            raise LayoutError(f"name: expected a non-empty str, got {self.name!r}")
        if self.vendor not in ("nvidia", "amd"):
            raise LayoutError(f"vendor: expected 'nvidia' or 'amd', got {self.vendor!r}")
        check_int(self.warp_size, "warp_size", pow2=True, hi=1024)
        check_int(self.num_banks, "num_banks", pow2=True, hi=1024)
        check_int(self.bank_bytes, "bank_bytes", pow2=True, hi=128)
        check_int(self.shared_bytes, "shared_bytes", lo=0, hi=1 << 31)
        check_int(self.max_cluster_size, "max_cluster_size", pow2=True, hi=1024)
        ins = self.instructions
        if isinstance(ins, (str, bytes)) or not hasattr(ins, "__iter__"):
            raise LayoutError(f"instructions: expected a set of instruction names, got {ins!r}")
        ins = frozenset(ins)
        unknown = sorted(str(i) for i in ins if i not in KNOWN_INSTRUCTIONS)
        if unknown:
            raise LayoutError(
                f"instructions: unknown names {unknown}; known: {', '.join(sorted(KNOWN_INSTRUCTIONS))}"
            )
        object.__setattr__(self, "instructions", ins)

    @property
    def is_nvidia(self) -> bool:
        return self.vendor == "nvidia"

    @property
    def is_amd(self) -> bool:
        return self.vendor == "amd"

    def has(self, instruction: str) -> bool:
        """Whether the chip has ``instruction`` (see the class docstring for names)."""
        return instruction in self.instructions

    def __str__(self) -> str:
        return self.name


def _nv(name, smem_kb, extra=(), cluster=1):
    base = {"shfl", "ldmatrix"}
    return Target(name, "nvidia", 32, 32, 4, smem_kb * 1024, frozenset(base | set(extra)), cluster)


def _amd(name, wave, banks, lds_kb, extra=()):
    base = {"ds_bpermute", "dpp"}
    return Target(name, "amd", wave, banks, 4, lds_kb * 1024, frozenset(base | set(extra)))


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        _nv("sm_75", 64),
        _nv("sm_80", 163),
        _nv("sm_86", 99),
        _nv("sm_89", 99),
        _nv("sm_90", 227, ("stmatrix", "dsmem", "wgmma"), cluster=16),
        _nv("sm_100", 227, ("stmatrix", "dsmem", "tcgen05"), cluster=16),
        _nv("sm_120", 99, ("stmatrix",)),
        _amd("gfx908", 64, 32, 64),
        _amd("gfx90a", 64, 32, 64),
        _amd("gfx942", 64, 32, 64),
        _amd("gfx950", 64, 64, 160, ("ds_read_tr", "permlane32_swap", "permlane16_swap")),
        _amd("gfx1100", 32, 32, 64, ("permlanex16",)),
        _amd("gfx1200", 32, 32, 64, ("permlanex16",)),
        _amd("gfx1250", 32, 64, 320, ("ds_read_tr", "permlane16_swap")),
    )
}

_ALIASES = {
    "cuda:75": "sm_75",
    "cuda:80": "sm_80",
    "cuda:86": "sm_86",
    "cuda:89": "sm_89",
    "cuda:90": "sm_90",
    "cuda:100": "sm_100",
    "cuda:120": "sm_120",
    "sm_90a": "sm_90",
    "sm_100a": "sm_100",
    "sm_120a": "sm_120",
}


def get_target(target: str | Target) -> Target:
    """Return the :class:`Target` for ``target`` (a Target, ``"sm_90"``, ``"cuda:90"``,
    ``"gfx942"`` or ``"hip:gfx942"``)."""
    if isinstance(target, Target):
        return target
    if not isinstance(target, str):
        raise LayoutError(f"target: expected a Target or a chip name such as 'sm_90', got {target!r}")
    key = target.strip().lower()
    key = key.removeprefix("hip:")
    key = _ALIASES.get(key, key)
    if key not in TARGETS:
        raise LayoutError(f"target: unknown chip {target!r}; known: {', '.join(TARGETS)}")
    return TARGETS[key]
