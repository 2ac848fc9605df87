"""Compile a TTGIR file with triton 3.9.0 on the CPU (run with the triton venv).

``python tests/tools/compile_ttgir.py FILE TARGET`` prints ``ok`` and the kernel's shared
memory, or the error; exit status 0 on success.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")
os.environ.setdefault("TRITON_ALWAYS_COMPILE", "1")


def main(path: str, target: str) -> int:
    """Compile ``path`` for ``target`` (``cuda:80``, ``hip:gfx942``, ...)."""
    import triton
    from triton.backends.compiler import GPUTarget

    backend, arch = target.split(":")
    if backend == "cuda":
        tgt = GPUTarget("cuda", int(arch), 32)
    else:
        tgt = GPUTarget("hip", arch, 32 if arch.startswith("gfx1") else 64)
    k = triton.compile(path, target=tgt)
    print("ok shared", k.metadata.shared)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
