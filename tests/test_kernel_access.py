"""Global access analysis: laws first, then the vector widths in Triton 3.9.0's PTX.

Stored answers: tests/data/triton_access.json (tests/tools/gen_access_cases.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import linlayout as ll
from linlayout import LayoutError, LinearLayout, blocked
from linlayout.testing import distributed_layouts

DATA = os.path.join(os.path.dirname(__file__), "data", "triton_access.json")
with open(DATA) as _f:
    CASES = json.load(_f)["cases"]
with open(DATA.replace(".json", "_coalesce.json")) as _f:
    COALESCE = json.load(_f)["cases"]

DIMS = ("register", "lane", "warp", "block")


def _ll(bases: dict, shape) -> LinearLayout:
    outs = [(f"dim{i}", s) for i, s in enumerate(shape)]
    return LinearLayout.from_bases({k: bases[k] for k in DIMS}, outs, require_surjective=False)


def _row_major(shape):
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


# ------------------------------------------------------------------------------------- laws


def _brute_sectors(L: LinearLayout, strides, ebytes: int, vec: int) -> int:
    """Sectors per warp and instruction, summed, counted element by element."""
    free = L.free_variable_masks()["register"]
    regs = [r for r in range(L.in_dims["register"]) if not r & free]
    total = 0
    for b in range(L.in_dims["block"]):
        for w in range(L.in_dims["warp"]):
            for k in range(0, len(regs), vec):
                touched = set()
                for lane in range(L.in_dims["lane"]):
                    for r in regs[k : k + vec]:
                        c = L.apply(register=r, lane=lane, warp=w, block=b)
                        a = sum(c[f"dim{d}"] * s for d, s in enumerate(strides)) * ebytes
                        touched.add(a // 32)
                total += len(touched)
    return total


def _distinct_bases(L: LinearLayout) -> bool:
    """Every nonzero basis differs (a #ttg.linear layout: duplicates only as zeros)."""
    nz = [tuple(b) for k in DIMS for b in L.bases[k] if any(b)]
    return len(nz) == len(set(nz))


@given(
    distributed_layouts(num_warps=st.sampled_from([1, 2]), broadcast=True, xor_mix=False, max_bits=9).filter(
        _distinct_bases
    ),
    st.sampled_from([8, 16, 32, 64]),
)
def test_vector_and_sectors_follow_their_definitions(L, bits):
    shape = list(L.out_dims.values())
    strides = _row_major(shape)
    a = ll.global_access(L, elem_bits=bits, strides=strides)
    # the vector is a power of two no wider than 128 bits, dividing the unique registers
    assert a.vector & (a.vector - 1) == 0 and a.vector_bits <= 128
    free = L.free_variable_masks()["register"]
    unique = L.in_dims["register"] >> bin(free).count("1")
    assert a.accesses * a.vector == max(unique, a.vector)
    # the first ``vector`` unique registers (broadcast register bits skipped, as Triton issues
    # them) hold consecutive, aligned addresses: what one instruction needs
    regs = [r for r in range(L.in_dims["register"]) if not r & free]

    def addresses(n):
        return [sum(L.apply(register=r)[f"dim{d}"] * s for d, s in enumerate(strides)) for r in regs[:n]]

    addrs = addresses(a.vector)
    assert addrs == list(range(addrs[0], addrs[0] + a.vector)) and addrs[0] % a.vector == 0
    # the linear analysis finds at least what Triton's per-dim rule does, and a run too
    assert a.linear_vector >= a.vector
    lin = addresses(a.linear_vector)
    assert lin == list(range(lin[0], lin[0] + a.linear_vector))
    assert a.sectors == _brute_sectors(L, strides, max(bits // 8, 1), a.vector)
    assert a.ideal_sectors <= a.sectors


@given(
    st.lists(st.integers(0, 7), min_size=1, max_size=3).filter(lambda b: 5 <= sum(b) <= 14),
    st.sampled_from([8, 16, 32, 64]),
    st.sampled_from([1, 2, 4, 8]),
    st.booleans(),
)
def test_the_coalesced_layout_issues_its_size_per_thread(bits_per_dim, elem_bits, num_warps, aligned):
    """Coalesce's layout is loaded with exactly its sizePerThread along order[0] per access."""
    shape = [1 << b for b in bits_per_dim]
    strides = _row_major(shape)
    kw = {
        "elem_bits": elem_bits,
        "strides": strides,
        "base_alignment": 16 if aligned else max(elem_bits // 8, 1),
    }
    C = ll.coalesced_layout(shape, num_warps=num_warps, **kw)
    L = C.to_linear_layout(shape)
    a = ll.global_access(L, **kw)
    assert a.vector == C.size_per_thread[C.order[0]]
    assert a.vector_bits <= 128 and (aligned or a.vector == 1)


def test_examples():
    # 1D fp16 spt 8: one 128-bit access, perfectly coalesced (16 sectors per request)
    a = ll.global_access(blocked([1024], [8], [32], [4]), elem_bits=16)
    assert (a.instruction, a.accesses, a.efficiency) == ("ld.global.v4.b32", 1, 1.0)
    # an unknown row stride: the load falls back to scalars
    L = blocked([64, 64], [1, 4], [2, 16], [4, 1], [1, 0])
    unknown = ll.global_access(L, elem_bits=32, strides=[None, 1])
    assert (unknown.instruction, unknown.limited_by) == ("ld.global.b32", "alignment")
    assert ll.global_access(L, elem_bits=32, strides=[64, 1], store=True).instruction == "st.global.v4.b32"
    # a mask whose bound is not divisible by 16
    masked = ll.global_access(blocked([1024], [8], [32], [4]), elem_bits=16, mask_constancy=[1])
    assert (masked.vector, masked.limited_by) == (1, "mask")
    assert "limited by the mask" in masked.explain()
    # column-major memory under a row-contiguous layout: scalar accesses, 4x the requests,
    # each as scattered as a whole 128-bit row request, so 4x the sectors
    row = ll.global_access(L, elem_bits=32, strides=[64, 1])
    col = ll.global_access(L, elem_bits=32, strides=[1, 64])
    assert (col.vector, col.accesses, col.limited_by) == (1, 4 * row.accesses, "contiguity")
    assert col.sectors == 4 * row.sectors and row.efficiency == 1.0


def test_table3_rows():
    """The paper's Table 3: [512, 2] x f8 from 16 to 128 bits, x f16 from 32 to 128 bits."""
    rows = {8: (16, 128), 16: (32, 128)}
    L = blocked([512, 2], [8, 2], [32, 1], [2, 1], [1, 0])
    for bits, (legacy, linear) in rows.items():
        a = ll.global_access(L, elem_bits=bits)
        assert (a.vector_bits, a.linear_vector_bits) == (legacy, linear)


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        ({"elem_bits": 12}, "elem_bits"),
        ({"elem_bits": 16, "strides": [1]}, "strides"),
        ({"elem_bits": 16, "contiguity": [0, 1]}, "contiguity"),
        ({"elem_bits": 16, "base_alignment": 0}, "base_alignment"),
        ({"elem_bits": 16, "target": "gfx942"}, "layout"),
        ({"elem_bits": 16, "mask_constancy": "x"}, "mask_constancy"),
    ],
)
def test_bad_input_names_the_argument(kwargs, arg):
    with pytest.raises(LayoutError) as e:
        ll.global_access(blocked([64, 64], [1, 4], [2, 16], [4, 1]), **kwargs)
    assert str(e.value).startswith(arg + ":"), str(e.value)


# ------------------------------------------------------------------------------------- Triton


def _triton_instructions(case) -> dict[str, int]:
    return {k: v for k, v in case["instructions"].items()}


def _key(instr: str, vendor: str) -> str:
    """linlayout's instruction name in the generator's spelling (``ld.global.v1.b16``)."""
    if vendor == "amd":
        return instr
    m = re.match(r"((?:ld|st)\.global)(?:\.v(\d))?\.b(\d+)$", instr)
    return f"{m.group(1)}.v{m.group(2) or 1}.b{m.group(3)}"


def _access_args(case) -> dict:
    shape = case["shape"]
    if len(shape) == 1:
        strides = [1]
        mask = [16 if case["div16"] else 1] if case["mask"] else None
    else:
        s = 16 if case["div16"] else None
        strides = [1, s] if case["colmajor"] else [s, 1]
        mask = None
    return {"elem_bits": case["elem_bits"], "strides": strides, "mask_constancy": mask}


@pytest.mark.parametrize("spelling", ["attr", "layout"])
def test_vector_width_matches_triton_ptx(spelling):
    bad = []
    for case in CASES:
        L = _ll(case["bases"], case["shape"])
        operand = (case["text"], case["shape"]) if spelling == "attr" else L
        target = "sm_90" if case["target"] == "cuda:90" else "gfx942"
        vendor = "nvidia" if target == "sm_90" else "amd"
        want = _triton_instructions(case)
        got = {}
        for store in (False, True):
            a = ll.global_access(operand, target=target, store=store, **_access_args(case))
            got[_key(a.instruction, vendor)] = a.accesses
        if got != want:
            bad.append((case["id"], got, want))
    assert not bad, f"{len(bad)}/{len(CASES)} differ; first: {bad[:3]}"


def test_coalesced_layout_matches_triton():
    """The layout Triton's Coalesce pass gave the load of tl kernels (no layouts written)."""
    bad = []
    for case in COALESCE:
        shape = case["shape"]
        if len(shape) == 1:
            strides = [1]
        else:
            s = 16 if case["div16"] else None
            strides = [1, s] if case["colmajor"] else [s, 1]
        got = ll.coalesced_layout(
            shape,
            elem_bits=case["elem_bits"],
            num_warps=case["num_warps"],
            strides=strides,
            threads_per_warp=32 if case["target"] == "cuda:90" else 64,
            num_ctas=case["num_ctas"],
        )
        if got.to_triton() != case["load"]:
            bad.append((case["id"], got.to_triton(), case["load"]))
    assert not bad, f"{len(bad)}/{len(COALESCE)} differ; first: {bad[:3]}"


def test_the_stored_cases_cover_the_paper_tile_and_families():
    kinds = {c["layout"]["kind"] for c in CASES}
    assert kinds >= {"blocked", "linear", "mma", "dot", "mfma"}
    tile = [c for c in CASES if c["shape"] == [512, 2]]
    assert {c["elem_bits"] for c in tile} >= {8, 16}
    assert len(CASES) >= 150


# ------------------------------------------------------------------------------------- notebook


def test_kernel_semantics_notebook_executes_with_its_committed_outputs():
    """notebooks/07_kernel_semantics.ipynb runs clean and prints what it was committed with."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    from test_notebooks import execute

    path = os.path.join(os.path.dirname(__file__), "..", "notebooks", "07_kernel_semantics.ipynb")
    committed = nbformat.read(path, as_version=4)
    nb = execute(Path(path).resolve())

    def texts(book):
        return [
            "".join(o.get("text", "") for o in c.get("outputs", []))
            for c in book.cells
            if c.cell_type == "code"
        ]

    assert all(o.get("output_type") != "error" for c in nb.cells for o in c.get("outputs", []))
    assert texts(nb) == texts(committed)
    assert sum(bool(t) for t in texts(nb)) >= 7


@pytest.mark.triton
def test_live_vector_width_against_triton_ptx(triton_python, tmp_path):
    """Three fresh Gluon kernels compiled now; their PTX vector widths match global_access."""
    import subprocess
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tools"))
    import gen_access_cases as gen

    blk = {"kind": "blocked", "spt": [2, 4], "tpw": [8, 4], "wpc": [2, 2], "order": [1, 0]}
    reqs = [
        dict(
            id="a",
            layout=blk,
            shape=[64, 32],
            num_warps=4,
            elem_bits=16,
            colmajor=False,
            mask=False,
            div16=True,
        ),
        dict(
            id="b",
            layout=blk,
            shape=[64, 32],
            num_warps=4,
            elem_bits=32,
            colmajor=True,
            mask=False,
            div16=True,
        ),
        dict(
            id="c",
            layout=blk,
            shape=[64, 32],
            num_warps=4,
            elem_bits=8,
            colmajor=False,
            mask=False,
            div16=False,
        ),
    ]
    for r in reqs:
        r["target"] = "cuda:90"
    worker = tmp_path / "worker.py"
    worker.write_text(gen.WORKER)
    proc = subprocess.run(
        [triton_python, str(worker)],
        input="".join(json.dumps(r) + "\n" for r in reqs),
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    answers = {a["id"]: a for a in map(json.loads, filter(None, proc.stdout.splitlines()))}
    for r in reqs:
        case = dict(r, **answers[r["id"]])
        got = {}
        for store in (False, True):
            a = ll.global_access((case["text"], case["shape"]), store=store, **_access_args(case))
            got[_key(a.instruction, "nvidia")] = a.accesses
        assert got == case["instructions"]
