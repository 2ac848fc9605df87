"""Real-style Triton kernels compiled with triton 3.9.0 on the CPU; prints the final TTGIR.

Run with the triton venv: ``python tests/tools/assign_kernels.py KERNEL TARGET`` prints the
TTGIR after Triton's last TTGIR pass (``kernel.asm["ttgir"]``) for ``TARGET`` such as
``cuda:80`` or ``hip:gfx942``.  Used by ``benchmarks/assign.py`` and to refresh
``tests/data/assign_*.ttgir``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")

import triton  # noqa: E402
import triton.language as tl  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402


@triton.jit
def softmax(x_ptr, y_ptr, stride, N: tl.constexpr, R: tl.constexpr):
    rows = tl.program_id(0) * R + tl.arange(0, R)
    cols = tl.arange(0, N)
    offs = rows[:, None] * stride + cols[None, :]
    x = tl.load(x_ptr + offs)
    m = tl.max(x, axis=1)
    e = tl.exp(x - m[:, None])
    s = tl.sum(e, axis=1)
    tl.store(y_ptr + offs, e / s[:, None])


@triton.jit
def layernorm(x_ptr, w_ptr, b_ptr, y_ptr, stride, N: tl.constexpr, R: tl.constexpr):
    rows = tl.program_id(0) * R + tl.arange(0, R)
    cols = tl.arange(0, N)
    offs = rows[:, None] * stride + cols[None, :]
    x = tl.load(x_ptr + offs).to(tl.float32)
    mean = tl.sum(x, axis=1) / N
    d = x - mean[:, None]
    var = tl.sum(d * d, axis=1) / N
    rstd = 1.0 / tl.sqrt(var + 1e-5)
    w = tl.load(w_ptr + cols)
    b = tl.load(b_ptr + cols)
    y = d * rstd[:, None] * w[None, :] + b[None, :]
    tl.store(y_ptr + offs, y.to(tl.float16))


@triton.jit
def matmul(a_ptr, b_ptr, c_ptr, bias_ptr, M, N, K, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
    pid_m = tl.program_id(0)
    pid_n = tl.program_id(1)
    rm = pid_m * BM + tl.arange(0, BM)
    rn = pid_n * BN + tl.arange(0, BN)
    rk = tl.arange(0, BK)
    a_p = a_ptr + rm[:, None] * K + rk[None, :]
    b_p = b_ptr + rk[:, None] * N + rn[None, :]
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for _k in range(0, K, BK):
        a = tl.load(a_p)
        b = tl.load(b_p)
        acc = tl.dot(a, b, acc)
        a_p += BK
        b_p += BK * N
    bias = tl.load(bias_ptr + rn)
    c = acc + bias[None, :]
    c = tl.where(c > 0, c, 0.0)
    tl.store(c_ptr + rm[:, None] * N + rn[None, :], c.to(tl.float16))


@triton.jit
def attention(q_ptr, k_ptr, v_ptr, o_ptr, L, D: tl.constexpr, BM: tl.constexpr, BN: tl.constexpr):
    rm = tl.program_id(0) * BM + tl.arange(0, BM)
    rd = tl.arange(0, D)
    q = tl.load(q_ptr + rm[:, None] * D + rd[None, :])
    m_i = tl.full((BM,), float("-inf"), tl.float32)
    l_i = tl.zeros((BM,), tl.float32)
    acc = tl.zeros((BM, D), tl.float32)
    for start in range(0, L, BN):
        rn = start + tl.arange(0, BN)
        k = tl.load(k_ptr + rn[None, :] * D + rd[:, None])
        s = tl.dot(q, k)
        m_new = tl.maximum(m_i, tl.max(s, 1))
        p = tl.exp(s - m_new[:, None])
        alpha = tl.exp(m_i - m_new)
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(v_ptr + rn[:, None] * D + rd[None, :])
        acc = acc * alpha[:, None] + tl.dot(p.to(tl.float16), v)
        m_i = m_new
    acc = acc / l_i[:, None]
    tl.store(o_ptr + rm[:, None] * D + rd[None, :], acc.to(tl.float16))


@triton.jit
def colsum(x_ptr, y_ptr, M: tl.constexpr, N: tl.constexpr):
    rows = tl.arange(0, M)
    cols = tl.program_id(0) * N + tl.arange(0, N)
    x = tl.load(x_ptr + rows[:, None] * 4096 + cols[None, :])
    tl.store(y_ptr + cols, tl.sum(x, axis=0))


@triton.jit
def rowmax(x_ptr, y_ptr, M: tl.constexpr, N: tl.constexpr):
    rows = tl.program_id(0) * M + tl.arange(0, M)
    cols = tl.arange(0, N)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :])
    tl.store(y_ptr + rows, tl.max(x, axis=1))


@triton.jit
def cumsum(x_ptr, y_ptr, M: tl.constexpr, N: tl.constexpr):
    rows = tl.program_id(0) * M + tl.arange(0, M)
    cols = tl.arange(0, N)
    offs = rows[:, None] * N + cols[None, :]
    x = tl.load(x_ptr + offs)
    tl.store(y_ptr + offs, tl.cumsum(x, axis=1))


@triton.jit
def transpose(x_ptr, y_ptr, M: tl.constexpr, N: tl.constexpr):
    rows = tl.program_id(0) * M + tl.arange(0, M)
    cols = tl.arange(0, N)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :])
    tl.store(y_ptr + cols[:, None] * M + rows[None, :], tl.trans(x) * 2.0)


@triton.jit
def transpose_add(x_ptr, y_ptr, z_ptr, M: tl.constexpr):
    r = tl.arange(0, M)
    x = tl.load(x_ptr + r[:, None] * M + r[None, :])
    y = tl.load(y_ptr + r[None, :] * M + r[:, None])
    tl.store(z_ptr + r[:, None] * M + r[None, :], x + y)


@triton.jit
def reshape_add(x_ptr, y_ptr, z_ptr, M: tl.constexpr, N: tl.constexpr):
    r = tl.arange(0, M)
    c = tl.arange(0, N)
    x = tl.load(x_ptr + r[:, None] * N + c[None, :])
    r2 = tl.arange(0, M // 2)
    c2 = tl.arange(0, 2 * N)
    y = tl.load(y_ptr + r2[:, None] * (2 * N) + c2[None, :])
    s = tl.reshape(x, (M // 2, 2 * N)) + y
    tl.store(z_ptr + r2[:, None] * (2 * N) + c2[None, :], s)


@triton.jit
def split_join(x_ptr, y_ptr, N: tl.constexpr):
    r = tl.arange(0, N)
    c = tl.arange(0, 2)
    x = tl.load(x_ptr + r[:, None] * 2 + c[None, :])
    a, b = tl.split(x)
    s = tl.join(b * 2.0, a + 1.0)
    tl.store(y_ptr + r[:, None] * 2 + c[None, :], s)


KERNELS = {
    "softmax": (
        softmax,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "stride": "i32", "N": "constexpr", "R": "constexpr"},
        {"N": 256, "R": 4},
    ),
    "layernorm": (
        layernorm,
        {
            "x_ptr": "*fp16",
            "w_ptr": "*fp32",
            "b_ptr": "*fp32",
            "y_ptr": "*fp16",
            "stride": "i32",
            "N": "constexpr",
            "R": "constexpr",
        },
        {"N": 512, "R": 2},
    ),
    "matmul": (
        matmul,
        {
            "a_ptr": "*fp16",
            "b_ptr": "*fp16",
            "c_ptr": "*fp16",
            "bias_ptr": "*fp32",
            "M": "i32",
            "N": "i32",
            "K": "i32",
            "BM": "constexpr",
            "BN": "constexpr",
            "BK": "constexpr",
        },
        {"BM": 64, "BN": 64, "BK": 32},
    ),
    "attention": (
        attention,
        {
            "q_ptr": "*fp16",
            "k_ptr": "*fp16",
            "v_ptr": "*fp16",
            "o_ptr": "*fp16",
            "L": "i32",
            "D": "constexpr",
            "BM": "constexpr",
            "BN": "constexpr",
        },
        {"D": 64, "BM": 64, "BN": 64},
    ),
    "colsum": (
        colsum,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "M": "constexpr", "N": "constexpr"},
        {"M": 64, "N": 64},
    ),
    "rowmax": (
        rowmax,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "M": "constexpr", "N": "constexpr"},
        {"M": 32, "N": 128},
    ),
    "cumsum": (
        cumsum,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "M": "constexpr", "N": "constexpr"},
        {"M": 16, "N": 64},
    ),
    "transpose": (
        transpose,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "M": "constexpr", "N": "constexpr"},
        {"M": 64, "N": 64},
    ),
    "reshape_add": (
        reshape_add,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "z_ptr": "*fp32", "M": "constexpr", "N": "constexpr"},
        {"M": 64, "N": 32},
    ),
    "split_join": (split_join, {"x_ptr": "*fp32", "y_ptr": "*fp32", "N": "constexpr"}, {"N": 256}),
    "transpose_add": (
        transpose_add,
        {"x_ptr": "*fp32", "y_ptr": "*fp32", "z_ptr": "*fp32", "M": "constexpr"},
        {"M": 64},
    ),
}

TARGETS = [
    "cuda:80",
    "cuda:90",
    "cuda:100",
    "cuda:120",
    "hip:gfx942",
    "hip:gfx950",
    "hip:gfx1100",
    "hip:gfx1200",
    "hip:gfx1250",
]


def target_of(name: str) -> GPUTarget:
    """GPUTarget for ``cuda:NN`` or ``hip:gfxNNN``."""
    backend, arch = name.split(":")
    if backend == "cuda":
        return GPUTarget("cuda", int(arch), 32)
    return GPUTarget("hip", arch, 32 if arch.startswith("gfx1") else 64)


def compile_ttgir(kernel: str, target: str) -> str:
    """The final TTGIR of ``kernel`` compiled for ``target``."""
    fn, sig, consts = KERNELS[kernel]
    src = ASTSource(fn, sig, constexprs=consts)
    k = triton.compile(src, target=target_of(target), options={"num_warps": 4})
    return k.asm["ttgir"]


def main(argv: list[str]) -> int:
    """``KERNEL TARGET`` prints one dump; ``--all OUTDIR TARGET`` writes every kernel's."""
    if argv[0] == "--all":
        out, target = argv[1], argv[2]
        os.makedirs(out, exist_ok=True)
        for name in KERNELS:
            path = os.path.join(out, f"{name}@{target.replace(':', '_')}.ttgir")
            if os.path.exists(path):
                continue
            try:
                text = compile_ttgir(name, target)
            except Exception as e:  # record the failure, go on with the others
                text = f"// compile failed: {type(e).__name__}: {e}\n"
            with open(path, "w") as f:
                f.write(text)
        return 0
    sys.stdout.write(compile_ttgir(argv[0], argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
