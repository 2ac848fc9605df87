"""Compile worker for ``benchmarks/real_kernels.py``; runs under the triton oracle interpreter.

Reads a JSON list of jobs on stdin and writes one JSON file per job into the cache folder given
as ``argv[1]`` (skipping jobs whose file exists), so an interrupted campaign resumes.  Jobs:

* ``{"kind": "kernel", "key", "config", "target"}``: compile a configuration of
  ``tl_kernels.configs()`` and keep its TTGIR;
* ``{"kind": "cvt", "key", "ttgir", "target"}``: compile a one-conversion TTGIR module and keep
  its PTX/AMDGCN, scratch bytes and (CUDA) cubin, hex-encoded.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")

import triton  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tl_kernels  # noqa: E402


def gpu_target(name: str) -> GPUTarget:
    """``cuda:90`` / ``hip:gfx942`` -> triton's GPUTarget."""
    backend, arch = name.split(":")
    if backend == "cuda":
        return GPUTarget("cuda", int(arch), 32)
    return GPUTarget("hip", arch, 64 if arch.startswith("gfx9") else 32)


def compile_kernel(job: dict) -> dict:
    """Compile one kernel configuration for one target; keep the TTGIR."""
    cfg = {c[0]: c for c in tl_kernels.configs()}[job["config"]]
    _name, fn, sig, cons, warps, _targets = cfg
    src = ASTSource(fn, sig, constexprs=cons)
    k = triton.compile(src, target=gpu_target(job["target"]), options={"num_warps": warps})
    return {"ttgir": k.asm["ttgir"], "shared": int(k.metadata.shared)}


def compile_cvt(job: dict) -> dict:
    """Compile a one-conversion TTGIR module; keep its assembly, scratch and cubin."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cvt.ttgir")
        with open(path, "w") as f:
            f.write(job["ttgir"])
        k = triton.compile(path, target=gpu_target(job["target"]))
    nv = job["target"].startswith("cuda")
    rec = {"asm": k.asm["ptx"] if nv else k.asm["amdgcn"], "shared": int(k.metadata.shared)}
    if nv:
        rec["cubin"] = k.asm["cubin"].hex()
        rec["name"] = k.metadata.name
    return rec


def main() -> None:
    """Run every job on stdin whose result file is missing."""
    out_dir = sys.argv[1]
    for job in json.load(sys.stdin):
        path = os.path.join(out_dir, job["key"] + ".json")
        if os.path.exists(path):
            continue
        print(job["key"], flush=True)  # so the caller knows which job a C++ abort killed
        try:
            rec = compile_kernel(job) if job["kind"] == "kernel" else compile_cvt(job)
            rec["ok"] = True
        except Exception as e:  # triton's own errors: keep the message, go on
            rec = {"ok": False, "error": f"{type(e).__name__}: {str(e)[-600:]}"}
        rec["job"] = {k: v for k, v in job.items() if k != "ttgir"}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(rec, f)
        os.replace(tmp, path)
    sys.stdout.flush()
    os.close(2)  # nanobind leak warnings at exit


if __name__ == "__main__":
    main()
