"""linlayout's plans on the ``convert_layout``s of real-style Triton kernels, beside Triton's own.

1. Compile the kernels of ``benchmarks/kernels/tl_kernels.py`` (tutorial-style matmul, persistent
   and TMA matmul, attention forward, softmax, layer/RMS norm, reductions, cumsum, gather,
   join/split/trans, dot_scaled, int8/fp8 dots; several block sizes, 1-8 warps) with triton 3.9.0
   on this CPU for ``cuda:80/90/100/120`` and ``hip:gfx942/950/1100/1200/1250``.
2. Extract every ``ttg.convert_layout`` of the TTGIR (source and destination attributes, shape,
   element type); deduplicate by (target, linear layouts, element bits).
3. Lower each in a module of its own (values built from ``tt.make_range`` in the source layout,
   one ``convert_layout``, a store in the destination layout) and count in its PTX/AMDGCN the
   shuffles, selects, shared-memory instructions, barriers and scratch bytes.
4. Plan the same pair with ``linlayout.plan_conversion`` (default arguments), check the plan on
   distinct ids with ``linlayout.testing.assert_plan_correct`` and compare.

Triton's compiles run in subprocesses of the oracle interpreter (``LINLAYOUT_TRITON_PYTHON``,
default ``/tmp/tritonvenv/bin/python``) under ``nice``, two at a time at most, cached as JSON in
``benchmarks/kernels/.cache/`` (git-ignored by its own ``.gitignore``).

Run from the repository root::

    PYTHONPATH=. python3 benchmarks/real_kernels.py [--kernels N] [--targets cuda:90,hip:gfx942]
        [--jobs 2] [--store] [--md]

``--store`` writes the pairs and Triton's counts to ``tests/data/real_kernels.json`` (read by
``tests/test_real_kernels.py``, which needs no triton).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from math import prod
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNELS = Path(__file__).resolve().parent / "kernels"
CACHE = KERNELS / ".cache"
DATA = ROOT / "tests" / "data" / "real_kernels.json"
TRITON_PY = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
TARGETS = ("cuda:80", "cuda:90", "cuda:100", "cuda:120",
           "hip:gfx942", "hip:gfx950", "hip:gfx1100", "hip:gfx1200", "hip:gfx1250")
METRICS = ("shuffles", "selects", "shared_instructions", "shared_bytes")

_CVT = re.compile(r"ttg\.convert_layout\s+%[\w$.#-]+\s*:\s*(tensor<.*)$")
_TENSOR = re.compile(r"^tensor<((?:\d+x)+)(.+?), (#.*)>$")


# --------------------------------------------------------------------------- compiling


def _key(*parts: str) -> str:
    """A cache file name for a job."""
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:20]


def run_jobs(jobs: list[dict], n_workers: int = 2) -> dict[str, dict]:
    """Compile the jobs missing from the cache (``n_workers`` niced worker processes); return
    every job's cached result by key."""
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    todo = [j for j in jobs if not (CACHE / f"{j['key']}.json").exists()]
    n_workers = max(1, min(2, n_workers, len(todo)))
    if todo:
        chunks = [todo[i::n_workers] for i in range(n_workers)]
        env = dict(os.environ, TRITON_DEFAULT_FP_FUSION="1")

        def one(chunk: list[dict]) -> None:
            """One worker over a chunk of jobs; a job whose compile aborts the process (Triton's
            C++ asserts) is recorded as failed and the worker restarted on the rest."""
            while chunk:
                r = subprocess.run(["nice", "-n", "15", TRITON_PY, str(KERNELS / "worker.py"), str(CACHE)],
                                   input=json.dumps(chunk), text=True, env=env, capture_output=True,
                                   timeout=7200)
                chunk = [j for j in chunk if not (CACHE / f"{j['key']}.json").exists()]
                started = r.stdout.split()
                if not chunk or not started or started[-1] not in {j["key"] for j in chunk}:
                    break
                dead = started[-1]
                err = {"ok": False, "error": f"triton aborted (rc {r.returncode}): {r.stderr[-400:]}"}
                (CACHE / f"{dead}.json").write_text(json.dumps(err))
                chunk = [j for j in chunk if j["key"] != dead]

        with ThreadPoolExecutor(n_workers) as ex:
            list(ex.map(one, chunks))
    out = {}
    for j in jobs:
        p = CACHE / f"{j['key']}.json"
        out[j["key"]] = json.loads(p.read_text()) if p.exists() else {"ok": False, "error": "worker died"}
    return out


def kernel_configs() -> list[tuple[str, tuple[str, ...], str]]:
    """(config name, targets, hash of the kernel's source and arguments) of
    tl_kernels.configs(), read in the oracle interpreter."""
    code = ("import hashlib, inspect, json, sys; sys.path.insert(0, sys.argv[1]); import tl_kernels as k; "
            "h = lambda c: hashlib.sha1((inspect.getsource(c[1].fn) + repr(c[2:5])).encode()).hexdigest(); "
            "print(json.dumps([[c[0], c[5], h(c)] for c in k.configs()]))")
    r = subprocess.run([TRITON_PY, "-c", code, str(KERNELS)], capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise RuntimeError(f"reading benchmarks/kernels/tl_kernels.py failed: {r.stderr[-1500:]}")
    names = json.loads(r.stdout.strip().splitlines()[-1])
    amd = tuple(t for t in TARGETS if t.startswith("hip"))
    nv = tuple(t for t in TARGETS if t.startswith("cuda"))
    expand = {"all": TARGETS, "nv": nv, "amd": amd}
    return [(n, tuple(expand[t]) if isinstance(t, str) else tuple(t), h) for n, t, h in names]


# --------------------------------------------------------------------------- extracting


def elem_bits_of(ty: str) -> int:
    """Bits per element as Triton moves it (i1 as i8, pointers as i64)."""
    if ty.startswith("!tt.ptr"):
        return 64
    m = re.fullmatch(r"[a-z]+?(\d+)(?:[A-Za-z].*)?", ty)
    if ty == "i1":
        return 8
    if ty.startswith("f8") or ty.startswith("f4"):
        return 8
    if m is None:
        raise ValueError(f"unknown element type {ty!r}")
    return int(m.group(1))


def _tensor(text: str) -> tuple[list[int], str, str]:
    """``tensor<64x32xf16, #attr>`` -> (shape, element type, attribute)."""
    m = _TENSOR.match(text.strip())
    if m is None:
        raise ValueError(f"not a tensor type: {text[:120]}")
    return [int(x) for x in m.group(1).rstrip("x").split("x")], m.group(2), m.group(3)


def extract_conversions(ttgir: str) -> list[dict]:
    """Every ``ttg.convert_layout`` of a module: shape, element type, src/dst attributes (aliases
    expanded)."""
    from linlayout.triton.ttgir import expand_aliases, find_aliases

    aliases = find_aliases(ttgir)
    out = []
    for line in ttgir.splitlines():
        m = _CVT.search(line)
        if m is None:
            continue
        ty = re.sub(r"\s+loc\(.*$", "", m.group(1)).strip()
        a, b = ty.split(" -> ")
        shape, et, sattr = _tensor(a)
        shape2, et2, dattr = _tensor(b)
        if shape != shape2 or et != et2:
            continue
        out.append({"shape": shape, "elem": et, "src": expand_aliases(sattr, aliases),
                    "dst": expand_aliases(dattr, aliases)})
    return out


# --------------------------------------------------------------------------- one-conversion modules


def _index_lines(attr: str, shape: list[int], p: str) -> tuple[list[str], str]:
    """TTGIR lines computing the row-major linear index of every element in layout ``attr``."""
    R = len(shape)
    full = "x".join(map(str, shape))
    lines: list[str] = []
    terms = []
    for d in range(R):
        if shape[d] == 1:
            continue
        others = [k for k in reversed(range(R)) if k != d]
        lays, cur = [attr], list(range(R))
        for k in others:
            lays.append(f"#ttg.slice<{{dim = {cur.index(k)}, parent = {lays[-1]}}}>")
            cur.remove(k)
        v = f"%{p}r{d}"
        lines.append(f"    {v} = tt.make_range {{end = {shape[d]} : i32, start = 0 : i32}} : "
                     f"tensor<{shape[d]}xi32, {lays[-1]}>")
        cur_shape, cur_dims = [shape[d]], [d]
        for i, (k, lay) in enumerate(zip(reversed(others), reversed(lays[:-1]))):
            pos = sorted(cur_dims + [k]).index(k)
            cur_dims = sorted(cur_dims + [k])
            new_shape = cur_shape[:pos] + [1] + cur_shape[pos:]
            prev = lays[len(lays) - 1 - i]
            nv = f"%{p}e{d}_{i}"
            lines.append(f"    {nv} = tt.expand_dims {v} {{axis = {pos} : i32}} : "
                         f"tensor<{'x'.join(map(str, cur_shape))}xi32, {prev}> -> "
                         f"tensor<{'x'.join(map(str, new_shape))}xi32, {lay}>")
            v, cur_shape = nv, new_shape
        if cur_shape != shape:
            nv = f"%{p}b{d}"
            cs = "x".join(map(str, cur_shape))
            lines.append(f"    {nv} = tt.broadcast {v} : tensor<{cs}xi32, {attr}> -> "
                         f"tensor<{full}xi32, {attr}>")
            v = nv
        stride = prod(shape[d + 1:])
        if stride != 1:
            lines.append(f"    %{p}s{d} = arith.constant dense<{stride}> : tensor<{full}xi32, {attr}>")
            lines.append(f"    %{p}m{d} = arith.muli {v}, %{p}s{d} : tensor<{full}xi32, {attr}>")
            v = f"%{p}m{d}"
        terms.append(v)
    if not terms:
        lines.append(f"    %{p}z = arith.constant dense<0> : tensor<{full}xi32, {attr}>")
        return lines, f"%{p}z"
    acc = terms[0]
    for i, t in enumerate(terms[1:]):
        lines.append(f"    %{p}a{i} = arith.addi {acc}, {t} : tensor<{full}xi32, {attr}>")
        acc = f"%{p}a{i}"
    return lines, acc


_STORE_TY = {8: "i8", 16: "i16", 32: "i32", 64: "i64"}


def cvt_module(pair: dict, target: str, warps: int, lanes: int, blocks: int = 1) -> str:
    """A TTGIR module doing only ``pair``'s ``convert_layout`` (values = distinct ids)."""
    shape, src, dst = pair["shape"], pair["src"], pair["dst"]
    bits = pair["elem_bits"]
    full = "x".join(map(str, shape))
    plain = pair["elem"].startswith(("f", "bf", "i")) and pair["elem"] != "i1"
    et = pair["elem"] if plain else _STORE_TY[bits]
    it = _STORE_TY[bits]
    a, ia = _index_lines(src, shape, "x")
    b, ib = _index_lines(dst, shape, "y")
    body = a[:]
    if bits == 32:
        v = ia
    elif bits == 64:
        body.append(f"    %v0 = arith.extsi {ia} : tensor<{full}xi32, {src}> to tensor<{full}xi64, {src}>")
        v = "%v0"
    else:
        body.append(f"    %v0 = arith.trunci {ia} : tensor<{full}xi32, {src}> to tensor<{full}x{it}, {src}>")
        v = "%v0"
    if et != it:
        body.append(f"    %v1 = tt.bitcast {v} : tensor<{full}x{it}, {src}> -> tensor<{full}x{et}, {src}>")
        v = "%v1"
    body.append(f"    %c = ttg.convert_layout {v} : tensor<{full}x{et}, {src}> -> tensor<{full}x{et}, {dst}>")
    body += b
    body.append(f"    %pp = tt.splat %out : !tt.ptr<{et}> -> tensor<{full}x!tt.ptr<{et}>, {dst}>")
    pt = f"tensor<{full}x!tt.ptr<{et}>, {dst}>"
    body.append(f"    %pq = tt.addptr %pp, {ib} : {pt}, tensor<{full}xi32, {dst}>")
    body.append(f"    tt.store %pq, %c : tensor<{full}x!tt.ptr<{et}>, {dst}>")
    head = (f'module attributes {{"ttg.num-ctas" = {blocks} : i32, "ttg.num-warps" = {warps} : i32, '
            f'ttg.target = "{target}", "ttg.threads-per-warp" = {lanes} : i32}} {{')
    return "\n".join([head, f"  tt.func public @cvt(%out: !tt.ptr<{et}>) {{", *body,
                      "    tt.return", "  }", "}", ""])


# --------------------------------------------------------------------------- counting


def count_asm(asm: str, nv: bool) -> dict:
    """Data-movement instructions of a one-conversion kernel (per thread, straight-line code)."""
    c = dict(shuffles=0, selects=0, shared_instructions=0, matrix=0, barriers=0, prmt=0)
    for raw in asm.splitlines():
        s = raw.strip()
        if s.startswith("@"):  # predicated PTX instruction
            s = s.split(None, 1)[1] if " " in s else s
        op = s.split(None, 1)[0] if s else ""
        if nv:
            if op.startswith("shfl.sync"):
                c["shuffles"] += 1
            elif op.startswith("selp"):
                c["selects"] += 1
            elif op.startswith("prmt"):
                c["prmt"] += 1
            elif op.startswith(("st.shared", "ld.shared")):
                c["shared_instructions"] += 1
            elif op.startswith(("stmatrix", "ldmatrix")):
                c["shared_instructions"] += 1
                c["matrix"] += 1
            elif op.startswith(("bar.sync", "barrier.sync", "bar.warp.sync", "barrier.cluster")):
                c["barriers"] += 1
        else:
            if op.startswith(("ds_bpermute", "ds_swizzle", "v_permlane")) or "_dpp" in op:
                c["shuffles"] += 1
            elif op.startswith("v_cndmask"):
                c["selects"] += 1
            elif op.startswith("v_perm_b32"):
                c["prmt"] += 1
            elif op.startswith(("ds_write", "ds_store", "ds_read", "ds_load")) and "addtid" not in op:
                c["shared_instructions"] += 1
                c["matrix"] += "_tr" in op
            elif op.startswith("s_barrier") and op != "s_barrier_wait":  # gfx12: signal + wait
                c["barriers"] += 1
    c["kind"] = ("shared_memory" if c["shared_instructions"] else
                 "warp_shuffle" if c["shuffles"] else "registers")
    return c


# --------------------------------------------------------------------------- the campaign


def collect(n_kernels: int, targets: tuple[str, ...], jobs: int) -> list[dict]:
    """Compile, extract, deduplicate and lower; the pairs with Triton's counts."""
    from linlayout import from_triton

    cfgs = kernel_configs()[:n_kernels]
    kjobs = [{"kind": "kernel", "key": "k_" + _key(n, t, h), "config": n, "target": t}
             for n, ts, h in cfgs for t in ts if t in targets]
    kres = run_jobs(kjobs, jobs)
    pairs: dict[tuple, dict] = {}
    failed_kernels = []
    for j in kjobs:
        r = kres[j["key"]]
        if not r.get("ok"):
            failed_kernels.append((j["config"], j["target"], r.get("error", "")[:160]))
            continue
        m = re.search(r'"ttg.num-warps" = (\d+)', r["ttgir"])
        for c in extract_conversions(r["ttgir"]):
            try:
                s, d = from_triton(c["src"], c["shape"]), from_triton(c["dst"], c["shape"])
            except ValueError as e:
                failed_kernels.append((j["config"], j["target"], f"from_triton: {e}"[:160]))
                continue
            if s == d:
                continue
            bits = elem_bits_of(c["elem"])
            k = (j["target"], json.dumps(s.bases), json.dumps(d.bases), json.dumps(c["shape"]), bits)
            if k not in pairs:
                pairs[k] = {**c, "target": j["target"], "elem_bits": bits, "kernels": [],
                            "warps": int(m.group(1)) if m else s.in_dims["warp"],
                            "src_bases": s.bases, "dst_bases": d.bases}
            pairs[k]["kernels"].append(j["config"])
    cjobs = []
    for p in pairs.values():
        lanes = p_lanes(p)
        text = cvt_module(p, p["target"], p["warps"], lanes)
        p["key"] = "c_" + _key(text, p["target"])
        cjobs.append({"kind": "cvt", "key": p["key"], "ttgir": text, "target": p["target"]})
    cres = run_jobs(cjobs, jobs)
    # where Triton cannot build the index tensors in a layout (make_range on some slices
    # aborts), lower the same conversion spelled as #ttg.linear (the lowering follows the
    # linear layouts)
    retry = []
    for p in pairs.values():
        if not cres[p["key"]].get("ok"):
            s, d = layouts_of(p)
            try:
                lin = {**p, "src": s.to_triton(), "dst": d.to_triton()}
            except ValueError:  # not expressible as #ttg.linear
                continue
            text = cvt_module(lin, p["target"], p["warps"], p_lanes(p))
            p["key"] = "c_" + _key(text, p["target"])
            p["lowered_as"] = "linear"
            retry.append({"kind": "cvt", "key": p["key"], "ttgir": text, "target": p["target"]})
    if retry:
        cres.update(run_jobs(retry, jobs))
    out = []
    for p in pairs.values():
        r = cres[p["key"]]
        rec = {k: p[k] for k in ("target", "shape", "elem", "elem_bits", "src", "dst", "src_bases",
                                  "dst_bases", "kernels", "warps")}
        rec["kernels"] = sorted(set(rec["kernels"]))
        if "lowered_as" in p:
            rec["lowered_as"] = p["lowered_as"]
        if r.get("ok"):
            tri = count_asm(r["asm"], p["target"].startswith("cuda"))
            tri["shared_bytes"] = r["shared"]
            rec["triton"] = tri
        else:
            rec["triton_error"] = r.get("error", "")[:300]
        rec["cache_key"] = p["key"]
        out.append(rec)
    if failed_kernels:
        print(f"{len(failed_kernels)} kernel compiles or parses failed:", file=sys.stderr)
        for f in failed_kernels[:40]:
            print("  ", *f, file=sys.stderr)
    return out


def p_lanes(p: dict) -> int:
    """Threads per warp on the pair's target."""
    t = p["target"]
    return 64 if t.startswith("hip:gfx9") else 32


def layouts_of(rec: dict):
    """The (src, dst) LinearLayouts of a stored pair."""
    from linlayout import LinearLayout

    dims = [(f"dim{i}", s) for i, s in enumerate(rec["shape"])]
    return (LinearLayout.from_bases(rec["src_bases"], dims), LinearLayout.from_bases(rec["dst_bases"], dims))


def planner_target(target: str) -> str:
    """``cuda:90`` -> ``sm_90``; ``hip:gfx942`` -> ``gfx942``."""
    b, a = target.split(":")
    return f"sm_{a}" if b == "cuda" else a


def ours(rec: dict) -> dict:
    """linlayout's default plan for a stored pair: its metrics and whether it is correct."""
    from linlayout import plan_conversion
    from linlayout.testing import assert_plan_correct

    s, d = layouts_of(rec)
    try:
        plan = plan_conversion(s, d, planner_target(rec["target"]), elem_bits=rec["elem_bits"])
    except ValueError as e:
        return {"error": str(e)[:200]}
    try:
        assert_plan_correct(plan, s, d, elem_bits=rec["elem_bits"])
        ok = True
    except AssertionError:
        ok = False
    return {"kind": plan.kind, "correct": ok, **{m: int(getattr(plan, m)) for m in METRICS}}


def bucket(kind: str) -> str:
    """noop and registers are the same for a comparison with Triton (no data movement)."""
    return "registers" if kind in ("noop", "registers") else kind


def compare(recs: list[dict]) -> dict[str, dict]:
    """Per target: plans correct, kind vs Triton, and per metric fewer/equal/more."""
    table: dict[str, dict] = {}
    for rec in recs:
        if "triton" not in rec:
            continue
        o = rec["ours"] if "ours" in rec else ours(rec)
        t = table.setdefault(rec["target"], {"pairs": 0, "correct": 0, "same_kind": 0, "kinds": {},
                                             **{m: [0, 0, 0] for m in METRICS}})
        t["pairs"] += 1
        if "error" in o:
            continue
        t["correct"] += o["correct"]
        tk, ok = bucket(rec["triton"]["kind"]), bucket(o["kind"])
        t["same_kind"] += tk == ok
        t["kinds"][f"{tk}->{ok}"] = t["kinds"].get(f"{tk}->{ok}", 0) + 1
        for m in METRICS:
            a, b = o[m], rec["triton"][m]
            t[m][0 if a < b else 1 if a == b else 2] += 1
    return table


def print_table(table: dict[str, dict]) -> None:
    """The per-target comparison as a markdown table."""
    print("| target | pairs | plans correct | same kind | kinds (Triton->ours, where they differ) | "
          "shuffles < = > | selects < = > | shared instr < = > | scratch < = > |")
    print("|" + "---|" * 9)
    tot = None
    for tgt in TARGETS:
        if tgt not in table:
            continue
        t = table[tgt]
        diff = ", ".join(f"{k} {v}" for k, v in sorted(t["kinds"].items())
                         if k.split("->")[0] != k.split("->")[1])
        cells = " | ".join("/".join(map(str, t[m])) for m in METRICS)
        print(f"| {tgt} | {t['pairs']} | {t['correct']} | {t['same_kind']} | {diff or '-'} | {cells} |")
        if tot is None:
            tot = {k: (list(v) if isinstance(v, list) else v) for k, v in t.items() if k != "kinds"}
        else:
            for k, v in t.items():
                if k == "kinds":
                    continue
                tot[k] = [a + b for a, b in zip(tot[k], v)] if isinstance(v, list) else tot[k] + v
    if tot:
        cells = " | ".join("/".join(map(str, tot[m])) for m in METRICS)
        print(f"| **all** | {tot['pairs']} | {tot['correct']} | {tot['same_kind']} | | {cells} |")


# --------------------------------------------------------------------------- SASS side by side


def _cuobjdump() -> str | None:
    """cuobjdump: ``CUOBJDUMP``, the PATH, or the one triton bundles."""
    import glob
    import shutil

    if os.environ.get("CUOBJDUMP"):
        return os.environ["CUOBJDUMP"]
    found = shutil.which("cuobjdump")
    if found:
        return found
    tri = Path(TRITON_PY).parent.parent
    hits = glob.glob(str(tri / "lib" / "python3*" / "site-packages" / "triton" / "backends" / "nvidia" / "bin"
                         / "cuobjdump"))
    return hits[0] if hits else None


SASS_CLASSES = {"SHFL": "shuffles", "SEL": "selects", "FSEL": "selects", "LDS": "shared_loads",
                "LDSM": "shared_loads", "STS": "shared_stores", "STSM": "shared_stores", "BAR": "barriers"}


def sass_counts(cubin: Path) -> dict:
    """Registers and SASS instruction counts of a cubin (NOPs left out)."""
    tool = _cuobjdump()
    if tool is None:
        raise RuntimeError("cuobjdump not found (set CUOBJDUMP)")
    res = subprocess.run([tool, "-res-usage", str(cubin)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"REG:(\d+)", res)
    sass = subprocess.run([tool, "-sass", str(cubin)], capture_output=True, text=True, check=True).stdout
    c = {"registers": int(m.group(1)) if m else -1, "instructions": 0,
         **{v: 0 for v in set(SASS_CLASSES.values())}}
    for line in sass.splitlines():
        mm = re.match(r"\s+/\*[0-9a-f]{4}\*/\s+(?:@!?U?P\w+\s+)?([A-Z0-9_]+)", line)
        if mm is None or mm.group(1) == "NOP":
            continue
        c["instructions"] += 1
        k = SASS_CLASSES.get(mm.group(1))
        if k:
            c[k] += 1
    return c


def our_cubin(rec: dict, nvcc: str = "nvcc") -> Path:
    """Compile linlayout's plan of a stored cuda:90 pair as Triton's module is shaped
    (``emit_ids_kernel``) with ``nvcc -arch=sm_90a -cubin``; cached by source."""
    from linlayout import plan_conversion
    from linlayout.codegen.cuda import emit_ids_kernel

    s, d = layouts_of(rec)
    plan = plan_conversion(s, d, "sm_90", elem_bits=rec["elem_bits"])  # sm_90a, as Triton's cubin
    src = "#include <cooperative_groups.h>\n" + emit_ids_kernel(plan)
    out = CACHE / "sass"
    out.mkdir(parents=True, exist_ok=True)
    key = _key(src)
    cubin = out / f"{key}.cubin"
    if not cubin.exists():
        cu = out / f"{key}.cu"
        cu.write_text(src)
        subprocess.run(["nice", "-n", "15", nvcc, "-arch=sm_90a", "-cubin", "-o", str(cubin), str(cu)],
                       check=True, capture_output=True, text=True)
    return cubin


def triton_cubin(key: str) -> Path | None:
    """Triton's cubin of a one-conversion module, from the compile cache."""
    p = CACHE / f"{key}.json"
    if not p.exists():
        return None
    r = json.loads(p.read_text())
    if not r.get("cubin"):
        return None
    out = CACHE / "sass" / f"triton_{key}.cubin"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        out.write_bytes(bytes.fromhex(r["cubin"]))
    return out


def sass_compare(recs: list[dict], limit: int, jobs: int = 2) -> list[tuple[dict, dict, dict]]:
    """(pair, Triton's counts, ours) for up to ``limit`` NVIDIA pairs that move data, all built
    for sm_90a: the ``cuda:90`` pairs first, then those of the other NVIDIA targets lowered
    again for ``cuda:90`` (same layouts)."""
    seen, cands = set(), []
    for rec in sorted(recs, key=lambda r: r["target"] != "cuda:90"):
        kind = rec.get("triton", {}).get("kind", "registers")
        if not rec["target"].startswith("cuda") or kind == "registers":
            continue
        k = (json.dumps(rec["src_bases"]), json.dumps(rec["dst_bases"]), rec["elem_bits"])
        if k not in seen:
            seen.add(k)
            cands.append(rec)
    cands = cands[:limit]
    cjobs = []
    for rec in cands:
        if rec["target"] != "cuda:90":
            text = cvt_module(rec, "cuda:90", rec["warps"], 32)
            rec["sass_key"] = "c_" + _key(text, "cuda:90")
            cjobs.append({"kind": "cvt", "key": rec["sass_key"], "ttgir": text, "target": "cuda:90"})
        else:
            rec["sass_key"] = rec["cache_key"]
    run_jobs(cjobs, jobs)
    rows = []
    for rec in cands:
        tc = triton_cubin(rec["sass_key"])
        if tc is None:
            continue
        rec["sass_triton"] = sass_counts(tc)
        rec["sass_ours"] = sass_counts(our_cubin(rec))
        rows.append((rec, rec["sass_triton"], rec["sass_ours"]))
    return rows


def print_sass(rows: list[tuple[dict, dict, dict]]) -> None:
    """The SASS comparison as a markdown table (Triton / linlayout per column)."""
    keys = ("registers", "instructions", "shuffles", "selects", "shared_stores", "shared_loads", "barriers")
    print("| pair (kernel, target it came from), all for sm_90a | " + " | ".join(keys) + " |")
    print("|" + "---|" * (len(keys) + 1))
    le = dict.fromkeys(keys, 0)
    for rec, t, o in rows:
        name = f"{rec['shape']} {rec['elem']} ({rec['kernels'][0]}, {rec['target']})"
        print(f"| {name} | " + " | ".join(f"{t[k]} / {o[k]}" for k in keys) + " |")
        for k in keys:
            le[k] += o[k] <= t[k]
    print(f"| **ours <= Triton** ({len(rows)} pairs) | " + " | ".join(str(le[k]) for k in keys) + " |")


def store(recs: list[dict], path: Path = DATA) -> None:
    """Write the pairs and Triton's counts as compact JSON (no assembly)."""
    keep = []
    for r in recs:
        if "triton" not in r:
            continue
        k = {k: r[k] for k in ("target", "shape", "elem", "elem_bits", "src", "dst", "src_bases",
                               "dst_bases", "kernels", "warps", "triton")}
        if "lowered_as" in r:
            k["lowered_as"] = r["lowered_as"]
        if "ours" in r and "error" not in r["ours"]:
            k["ours_at_store"] = r["ours"]
        if "sass_triton" in r:
            k["sass_triton"] = r["sass_triton"]
            k["sass_ours_at_store"] = r["sass_ours"]
        keep.append(k)
    doc = {"triton": "3.9.0", "generator": "benchmarks/real_kernels.py --store", "pairs": keep}
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")


def main(argv: list[str] | None = None) -> list[dict]:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernels", type=int, default=1000, help="use the first N kernel configurations")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--jobs", type=int, default=2, help="compile workers (2 at most)")
    ap.add_argument("--store", action="store_true", help="write tests/data/real_kernels.json")
    ap.add_argument("--sass", type=int, default=0, metavar="N",
                    help="also compare registers and SASS with Triton's cubin on N cuda:90 pairs "
                         "(needs nvcc)")
    a = ap.parse_args(argv)
    targets = tuple(t for t in a.targets.split(",") if t)
    bad = [t for t in targets if t not in TARGETS]
    if bad:
        ap.error(f"--targets: unknown {bad}; choose from {','.join(TARGETS)}")
    recs = collect(a.kernels, targets, a.jobs)
    for r in recs:
        if "triton" in r:
            r["ours"] = ours(r)
    errs = [r for r in recs if "triton_error" in r]
    print(f"{len(recs)} distinct conversions; {len(errs)} failed to lower in Triton", file=sys.stderr)
    for r in errs[:10]:
        print("  ", r["target"], r["shape"], r["elem"], r["triton_error"][:200], file=sys.stderr)
    print_table(compare(recs))
    if a.sass:
        print()
        print_sass(sass_compare(recs, a.sass))
    if a.store:
        store(recs)
    return recs


if __name__ == "__main__":
    main()
