"""linlayout: GPU data layouts as linear maps over GF(2).

A layout maps named hardware indices (``register``, ``lane``, ``warp``,
``block``; or a shared-memory ``offset``) to tensor coordinates, one basis
vector per input bit, exactly as Triton's ``LinearLayout`` does.

>>> import linlayout as ll
>>> L = ll.LinearLayout.from_bases({"lane": [[1], [2], [4]]}, ["dim0"])
>>> L.apply(lane=5)
{'dim0': 5}

Heavy dependencies (numpy, galois, sympy, matplotlib, hypothesis) are imported
only where they are used, so ``import linlayout`` stays fast.
"""

from __future__ import annotations

from importlib import import_module as _import_module

from .errors import LayoutError
from .layout import LinearLayout

__version__ = "0.1.0"

# Public names that live in submodules, imported on first use (PEP 562), grouped by layer.
_GROUPS: dict[str, tuple[str, ...]] = {
    "linlayout.targets": ("Target", "get_target"),
    # hardware generators (one description class per Triton family)
    "linlayout.hardware.blocked": ("BlockedLayout", "SliceLayout", "blocked", "slice_layout", "expand_dims"),
    "linlayout.hardware.linear": ("DistributedLinearLayout", "GenericLinearLayout", "linear_layout"),
    "linlayout.hardware.cga": ("cga_from_split_params", "combine_cta_cga_with_shape"),
    "linlayout.hardware.nvidia": ("NVMMADistributedLayout", "DotOperandLayout", "nvidia_mma", "dot_operand"),
    "linlayout.hardware.shared": (
        "SwizzledSharedLayout",
        "NVMMASharedLayout",
        "SharedLinearLayout",
        "swizzled_shared_layout",
        "nvmma_shared_layout",
        "shared_linear_layout",
    ),
    "linlayout.hardware.tmem": (
        "TensorMemoryLayout",
        "TensorMemoryScalesLayout",
        "tmem_reg_layout",
        "tmem_tile_layout",
        "sm120_scale_layout",
    ),
    "linlayout.hardware.amd": (
        "AMDMFMALayout",
        "AMDWMMALayout",
        "wmma_warp_bases",
        "mfma_scale_layout",
        "wmma_scale_layout",
        "mfma_like_store_layout",
        "ds_read_tr_dot_layout",
    ),
    "linlayout.hardware.amd_shared": (
        "AMDRotatingSharedLayout",
        "PaddedSharedLayout",
        "PartitionedSharedLayout",
        "cdna4_padded_shared_layout",
        "tdm_message_layout",
    ),
    "linlayout.hardware.ldmatrix": ("ldmatrix_fragment", "ldmatrix_tile", "divide_by_ldmatrix_tile"),
    # interop
    "linlayout.triton.attrs": ("from_triton", "parse_attr"),
    "linlayout.triton.emit": ("to_triton", "to_gluon"),
    "linlayout.triton.ttgir": ("scan_ttgir",),
    "linlayout.cute": ("from_cute", "from_cute_tv", "to_cute", "to_cute_tv", "parse_cute", "CuteLayout"),
    "linlayout.memory": (
        "TmaCopy",
        "TdmCopy",
        "CopyPlan",
        "plan_copy",
        "tma_box_layout",
        "tdm_warp_distribution",
    ),
    # conversion planning
    "linlayout.plan": (
        "plan_conversion",
        "plan_gather",
        "ConversionPlan",
        "Copy",
        "Shuffle",
        "SharedStore",
        "SharedLoad",
        "Barrier",
        "wavefront_bound",
    ),
    # kernel semantics
    "linlayout.kernel.infer": (
        "infer_layout",
        "infer_encoding",
        "infer_operand_layout",
        "infer_operand_encoding",
    ),
    "linlayout.kernel.reduce": ("plan_reduce", "ReducePlan", "reduced_layout"),
    "linlayout.kernel.scan": ("plan_scan", "ScanPlan"),
    "linlayout.kernel.access": ("global_access", "GlobalAccess", "coalesced_layout"),
    # layout assignment
    "linlayout.assign": ("assign_layouts", "Assignment"),
}
_LAZY: dict[str, str] = {name: mod for mod, names in _GROUPS.items() for name in names}

__all__ = [
    # core
    "LinearLayout",
    "LayoutError",
    *_LAZY,
]


_SUBMODULES = ("views", "plan", "hardware", "triton", "codegen", "testing", "targets", "memory", "cute")


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None and name in _SUBMODULES:  # ``ll.views`` etc. after a bare ``import linlayout``
        value = _import_module(f"linlayout.{name}")
        globals()[name] = value
        return value
    if mod is None:
        raise AttributeError(f"module 'linlayout' has no attribute {name!r}")
    value = getattr(_import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
