"""Real-style Triton kernels (tutorial and production shapes) for ``benchmarks/real_kernels.py``.

Runs only under the triton oracle interpreter (``/tmp/tritonvenv/bin/python``); linlayout never
imports it.  ``CONFIGS`` lists ``(name, kernel, signature, constexprs, num_warps, targets)``;
``targets`` is ``"all"``, ``"nv"``, ``"amd"`` or a tuple of target names.
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def matmul(a_ptr, b_ptr, c_ptr, M, N, K, sam, sbk, scm, BM: tl.constexpr, BN: tl.constexpr,
           BK: tl.constexpr, GROUP: tl.constexpr, OUT_F32: tl.constexpr):
    """Tutorial 03: grouped-ordering tiled matmul, fp16/fp8/int8 inputs."""
    pid = tl.program_id(0)
    npm = tl.cdiv(M, BM)
    npn = tl.cdiv(N, BN)
    width = GROUP * npn
    gid = pid // width
    first = gid * GROUP
    gsz = min(npm - first, GROUP)
    pm = first + (pid % width) % gsz
    pn = (pid % width) // gsz
    rm = (pm * BM + tl.arange(0, BM)) % M
    rn = (pn * BN + tl.arange(0, BN)) % N
    rk = tl.arange(0, BK)
    a_p = a_ptr + rm[:, None] * sam + rk[None, :]
    b_p = b_ptr + rk[:, None] * sbk + rn[None, :]
    acc = tl.zeros((BM, BN), dtype=tl.int32 if a_ptr.dtype.element_ty == tl.int8 else tl.float32)
    for k in range(0, tl.cdiv(K, BK)):
        a = tl.load(a_p, mask=rk[None, :] < K - k * BK)
        b = tl.load(b_p, mask=rk[:, None] < K - k * BK)
        acc = tl.dot(a, b, acc)
        a_p += BK
        b_p += BK * sbk
    if OUT_F32:
        c = acc.to(tl.float32)
    else:
        c = acc.to(tl.float16)
    cm = pm * BM + tl.arange(0, BM)
    cn = pn * BN + tl.arange(0, BN)
    tl.store(c_ptr + cm[:, None] * scm + cn[None, :], c, mask=(cm[:, None] < M) & (cn[None, :] < N))


@triton.jit
def matmul_persistent_tma(a_ptr, b_ptr, c_ptr, M, N, K, BM: tl.constexpr, BN: tl.constexpr,
                          BK: tl.constexpr, NUM_SMS: tl.constexpr):
    """Tutorial 09: persistent matmul with device-side TMA tensor descriptors."""
    a_d = tl.make_tensor_descriptor(a_ptr, shape=[M, K], strides=[K, 1], block_shape=[BM, BK])
    b_d = tl.make_tensor_descriptor(b_ptr, shape=[N, K], strides=[K, 1], block_shape=[BN, BK])
    c_d = tl.make_tensor_descriptor(c_ptr, shape=[M, N], strides=[N, 1], block_shape=[BM, BN])
    tiles = tl.cdiv(M, BM) * tl.cdiv(N, BN)
    npn = tl.cdiv(N, BN)
    for tile in tl.range(tl.program_id(0), tiles, NUM_SMS):
        om = (tile // npn) * BM
        on = (tile % npn) * BN
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k in range(0, tl.cdiv(K, BK)):
            a = a_d.load([om, k * BK])
            b = b_d.load([on, k * BK])
            acc = tl.dot(a, b.T, acc)
        c_d.store([om, on], acc.to(tl.float16))


@triton.jit
def matmul_persistent(a_ptr, b_ptr, c_ptr, M, N, K, BM: tl.constexpr, BN: tl.constexpr,
                      BK: tl.constexpr, NUM_SMS: tl.constexpr):
    """Tutorial 09: persistent matmul with plain pointers and a bias/activation epilogue."""
    tiles = tl.cdiv(M, BM) * tl.cdiv(N, BN)
    npn = tl.cdiv(N, BN)
    for tile in tl.range(tl.program_id(0), tiles, NUM_SMS):
        rm = (tile // npn) * BM + tl.arange(0, BM)
        rn = (tile % npn) * BN + tl.arange(0, BN)
        rk = tl.arange(0, BK)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k in range(0, tl.cdiv(K, BK)):
            a = tl.load(a_ptr + rm[:, None] * K + (k * BK + rk)[None, :])
            b = tl.load(b_ptr + (k * BK + rk)[:, None] * N + rn[None, :])
            acc = tl.dot(a, b, acc)
        acc = tl.where(acc > 0, acc, 0.01 * acc)
        tl.store(c_ptr + rm[:, None] * N + rn[None, :], acc.to(tl.float16))


@triton.jit
def attn_fwd(q_ptr, k_ptr, v_ptr, o_ptr, sm_scale, N_CTX, BM: tl.constexpr, BN: tl.constexpr,
             HD: tl.constexpr):
    """Tutorial 06 (forward): online softmax over key blocks, two dots per block."""
    start = tl.program_id(0) * BM
    off_h = tl.program_id(1).to(tl.int64) * N_CTX * HD
    rm = start + tl.arange(0, BM)
    rn = tl.arange(0, BN)
    rd = tl.arange(0, HD)
    q = tl.load(q_ptr + off_h + rm[:, None] * HD + rd[None, :])
    m_i = tl.zeros([BM], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([BM], dtype=tl.float32) + 1.0
    acc = tl.zeros([BM, HD], dtype=tl.float32)
    qk_scale = sm_scale * 1.44269504
    for s in range(0, N_CTX, BN):
        k = tl.load(k_ptr + off_h + (s + rn)[None, :] * HD + rd[:, None])
        qk = tl.dot(q, k)
        m_ij = tl.maximum(m_i, tl.max(qk, 1) * qk_scale)
        qk = qk * qk_scale - m_ij[:, None]
        p = tl.math.exp2(qk)
        alpha = tl.math.exp2(m_i - m_ij)
        l_i = l_i * alpha + tl.sum(p, 1)
        acc = acc * alpha[:, None]
        v = tl.load(v_ptr + off_h + (s + rn)[:, None] * HD + rd[None, :])
        acc = tl.dot(p.to(tl.float16), v, acc)
        m_i = m_ij
    acc = acc / l_i[:, None]
    tl.store(o_ptr + off_h + rm[:, None] * HD + rd[None, :], acc.to(tl.float16))


@triton.jit
def softmax(x_ptr, y_ptr, stride, n_cols, BLOCK: tl.constexpr):
    """Tutorial 02: row softmax, one row per program."""
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    x = tl.load(x_ptr + row * stride + cols, mask=cols < n_cols, other=-float("inf"))
    x = x - tl.max(x, axis=0)
    num = tl.exp(x)
    tl.store(y_ptr + row * stride + cols, num / tl.sum(num, axis=0), mask=cols < n_cols)


@triton.jit
def softmax2d(x_ptr, y_ptr, n_cols, BR: tl.constexpr, BC: tl.constexpr):
    """Several rows per program (2-D tile), fp16 in and out."""
    rows = tl.program_id(0) * BR + tl.arange(0, BR)
    cols = tl.arange(0, BC)
    x = tl.load(x_ptr + rows[:, None] * n_cols + cols[None, :]).to(tl.float32)
    x = x - tl.max(x, axis=1)[:, None]
    e = tl.exp(x)
    tl.store(y_ptr + rows[:, None] * n_cols + cols[None, :], (e / tl.sum(e, axis=1)[:, None]).to(tl.float16))


@triton.jit
def layer_norm(x_ptr, y_ptr, w_ptr, b_ptr, N, eps, BR: tl.constexpr, BC: tl.constexpr):
    """Tutorial 05 (forward), 2-D tile version; mean/rstd broadcast back."""
    rows = tl.program_id(0) * BR + tl.arange(0, BR)
    cols = tl.arange(0, BC)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :]).to(tl.float32)
    mean = tl.sum(x, axis=1) / BC
    xc = x - mean[:, None]
    rstd = 1 / tl.sqrt(tl.sum(xc * xc, axis=1) / BC + eps)
    w = tl.load(w_ptr + cols)
    b = tl.load(b_ptr + cols)
    y = xc * rstd[:, None] * w[None, :] + b[None, :]
    tl.store(y_ptr + rows[:, None] * N + cols[None, :], y.to(tl.float16))


@triton.jit
def rms_norm(x_ptr, y_ptr, w_ptr, N, eps, BR: tl.constexpr, BC: tl.constexpr):
    """RMS norm over rows with a weight vector."""
    rows = tl.program_id(0) * BR + tl.arange(0, BR)
    cols = tl.arange(0, BC)
    x = tl.load(x_ptr + rows[:, None] * N + cols[None, :]).to(tl.float32)
    r = tl.rsqrt(tl.sum(x * x, axis=1) / BC + eps)
    w = tl.load(w_ptr + cols).to(tl.float32)
    tl.store(y_ptr + rows[:, None] * N + cols[None, :], (x * r[:, None] * w[None, :]).to(tl.bfloat16))


@triton.jit
def reduce_cols(x_ptr, s_ptr, i_ptr, M, BR: tl.constexpr, BC: tl.constexpr):
    """Column sums and argmax of a tile (reduction along axis 0), results stored 1-D."""
    rows = tl.arange(0, BR)
    cols = tl.program_id(0) * BC + tl.arange(0, BC)
    x = tl.load(x_ptr + rows[:, None] * M + cols[None, :])
    tl.store(s_ptr + cols, tl.sum(x, axis=0))
    tl.store(i_ptr + cols, tl.argmax(x, axis=0))


@triton.jit
def cumsum(x_ptr, y_ptr, BR: tl.constexpr, BC: tl.constexpr, AXIS: tl.constexpr):
    """Prefix sums along one axis of a tile."""
    rows = tl.arange(0, BR)
    cols = tl.arange(0, BC)
    p = rows[:, None] * BC + cols[None, :]
    x = tl.load(x_ptr + p)
    tl.store(y_ptr + p, tl.cumsum(x, axis=AXIS))


@triton.jit
def gather(x_ptr, idx_ptr, y_ptr, BR: tl.constexpr, BC: tl.constexpr, AXIS: tl.constexpr):
    """``tl.gather`` along one axis (index tile loaded from memory)."""
    rows = tl.arange(0, BR)
    cols = tl.arange(0, BC)
    p = rows[:, None] * BC + cols[None, :]
    x = tl.load(x_ptr + p)
    i = tl.load(idx_ptr + p)
    tl.store(y_ptr + p, tl.gather(x, i, AXIS))


@triton.jit
def join_split_trans(x_ptr, y_ptr, z_ptr, BR: tl.constexpr, BC: tl.constexpr):
    """Interleave (join + reshape), de-interleave (split), transpose: RoPE-style shuffles."""
    rows = tl.arange(0, BR)
    cols = tl.arange(0, BC)
    p = rows[:, None] * BC + cols[None, :]
    x = tl.load(x_ptr + p)
    y = tl.load(y_ptr + p)
    j = tl.reshape(tl.join(x, y), (BR, 2 * BC))
    a, b = tl.split(tl.reshape(j, (BR, BC, 2)))
    t = tl.trans(a * 2 + b)
    q = cols[:, None] * BR + rows[None, :]
    tl.store(z_ptr + q, t)
    c2 = tl.arange(0, 2 * BC)
    tl.store(z_ptr + BR * BC + rows[:, None] * (2 * BC) + c2[None, :], j)


@triton.jit
def dot_scaled(a_ptr, as_ptr, b_ptr, bs_ptr, c_ptr, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr,
               FMT: tl.constexpr):
    """mxfp8 / mxfp4 scaled dot (one K block), fp32 out."""
    rm = tl.arange(0, BM)
    rn = tl.arange(0, BN)
    PK: tl.constexpr = BK // 2 if FMT == "e2m1" else BK
    rk = tl.arange(0, PK)
    rs = tl.arange(0, BK // 32)
    a = tl.load(a_ptr + rm[:, None] * PK + rk[None, :])
    b = tl.load(b_ptr + rk[:, None] * BN + rn[None, :])
    sa = tl.load(as_ptr + rm[:, None] * (BK // 32) + rs[None, :])
    sb = tl.load(bs_ptr + rn[:, None] * (BK // 32) + rs[None, :])
    c = tl.dot_scaled(a, sa, FMT, b, sb, FMT)
    tl.store(c_ptr + rm[:, None] * BN + rn[None, :], c)


def _mm(dt: str, out_f32: bool, bm: int, bn: int, bk: int, w: int, targets="all"):
    ct = "*fp32" if out_f32 else "*fp16"
    sig = {"a_ptr": "*" + dt, "b_ptr": "*" + dt, "c_ptr": ct if dt != "i8" else "*fp32", "M": "i32",
           "N": "i32", "K": "i32", "sam": "i32", "sbk": "i32", "scm": "i32"}
    cons = {"BM": bm, "BN": bn, "BK": bk, "GROUP": 8, "OUT_F32": out_f32}
    return (f"matmul_{dt}_{bm}x{bn}x{bk}_w{w}", matmul, sig, cons, w, targets)


def _tile(name, fn, sig, cons, w, targets="all"):
    tag = "_".join(f"{v}" for v in cons.values())
    return (f"{name}_{tag}_w{w}", fn, sig, cons, w, targets)


NV = ("cuda:80", "cuda:90", "cuda:100", "cuda:120")
FP8_OK = ("cuda:90", "cuda:100", "cuda:120", "hip:gfx942", "hip:gfx950", "hip:gfx1200", "hip:gfx1250")


def configs() -> list[tuple]:
    """Every kernel configuration, smallest first (the campaign grows by taking a longer prefix)."""
    f16 = {"x_ptr": "*fp16", "y_ptr": "*fp16"}
    out = [
        _mm("fp16", False, 64, 64, 32, 4),
        _tile("softmax2d", softmax2d, {**f16, "n_cols": "i32"}, {"BR": 4, "BC": 256}, 4),
        _tile("layer_norm", layer_norm, {**f16, "w_ptr": "*fp32", "b_ptr": "*fp32", "N": "i32",
                                         "eps": "fp32"},
              {"BR": 8, "BC": 128}, 4),
        _tile("join_split_trans", join_split_trans, {"x_ptr": "*fp16", "y_ptr": "*fp16", "z_ptr": "*fp16"},
              {"BR": 32, "BC": 32}, 4),
        _tile("attn_fwd", attn_fwd, {"q_ptr": "*fp16", "k_ptr": "*fp16", "v_ptr": "*fp16", "o_ptr": "*fp16",
              "sm_scale": "fp32", "N_CTX": "i32"}, {"BM": 64, "BN": 32, "HD": 64}, 4),
        _tile("reduce_cols", reduce_cols, {"x_ptr": "*fp32", "s_ptr": "*fp32", "i_ptr": "*i32", "M": "i32"},
              {"BR": 64, "BC": 64}, 4),
        _tile("cumsum", cumsum, {"x_ptr": "*fp32", "y_ptr": "*fp32"}, {"BR": 32, "BC": 64, "AXIS": 1}, 4),
        _tile("gather", gather, {"x_ptr": "*fp32", "idx_ptr": "*i32", "y_ptr": "*fp32"},
              {"BR": 32, "BC": 32, "AXIS": 0}, 4),
        _mm("fp16", True, 128, 128, 32, 8),
        _mm("fp8e4nv", False, 64, 64, 64, 4, FP8_OK),
        _mm("i8", True, 64, 64, 64, 4),
        _tile("softmax", softmax, {**f16, "stride": "i32", "n_cols": "i32"}, {"BLOCK": 1024}, 4),
        _tile("rms_norm", rms_norm, {"x_ptr": "*fp16", "y_ptr": "*bf16", "w_ptr": "*fp16", "N": "i32",
              "eps": "fp32"}, {"BR": 4, "BC": 512}, 8),
        _tile("matmul_persistent", matmul_persistent, {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
              "M": "i32", "N": "i32", "K": "i32"}, {"BM": 128, "BN": 64, "BK": 32, "NUM_SMS": 132}, 4),
        _tile("matmul_tma", matmul_persistent_tma, {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
              "M": "i32", "N": "i32", "K": "i32"}, {"BM": 128, "BN": 128, "BK": 64, "NUM_SMS": 132}, 8,
              ("cuda:90", "cuda:100")),
        _tile("dot_scaled", dot_scaled, {"a_ptr": "*u8", "as_ptr": "*u8", "b_ptr": "*u8", "bs_ptr": "*u8",
              "c_ptr": "*fp32"}, {"BM": 64, "BN": 64, "BK": 128, "FMT": "e4m3"}, 4,
              ("cuda:100", "cuda:120", "hip:gfx950", "hip:gfx1250")),
        _tile("dot_scaled", dot_scaled, {"a_ptr": "*u8", "as_ptr": "*u8", "b_ptr": "*u8", "bs_ptr": "*u8",
              "c_ptr": "*fp32"}, {"BM": 128, "BN": 64, "BK": 128, "FMT": "e2m1"}, 4,
              ("cuda:100", "hip:gfx950")),
        # second wave: other block sizes and warp counts
        _mm("fp16", False, 32, 32, 32, 1),
        _mm("fp16", False, 64, 128, 64, 2),
        _mm("fp16", False, 128, 64, 32, 4),
        _tile("attn_fwd", attn_fwd, {"q_ptr": "*fp16", "k_ptr": "*fp16", "v_ptr": "*fp16", "o_ptr": "*fp16",
              "sm_scale": "fp32", "N_CTX": "i32"}, {"BM": 128, "BN": 64, "HD": 128}, 8),
        _tile("softmax2d", softmax2d, {**f16, "n_cols": "i32"}, {"BR": 16, "BC": 64}, 2),
        _tile("layer_norm", layer_norm, {**f16, "w_ptr": "*fp32", "b_ptr": "*fp32", "N": "i32",
                                         "eps": "fp32"},
              {"BR": 1, "BC": 1024}, 8),
        _tile("reduce_cols", reduce_cols, {"x_ptr": "*fp16", "s_ptr": "*fp16", "i_ptr": "*i32", "M": "i32"},
              {"BR": 128, "BC": 32}, 8),
        _tile("cumsum", cumsum, {"x_ptr": "*i32", "y_ptr": "*i32"}, {"BR": 64, "BC": 32, "AXIS": 0}, 2),
        _tile("gather", gather, {"x_ptr": "*fp16", "idx_ptr": "*i32", "y_ptr": "*fp16"},
              {"BR": 64, "BC": 16, "AXIS": 1}, 1),
        _tile("join_split_trans", join_split_trans, {"x_ptr": "*fp32", "y_ptr": "*fp32", "z_ptr": "*fp32"},
              {"BR": 64, "BC": 16}, 8),
        _mm("fp8e5", True, 128, 128, 64, 8, FP8_OK),
        _mm("i8", False, 32, 64, 32, 2),
        _tile("softmax", softmax, {**f16, "stride": "i32", "n_cols": "i32"}, {"BLOCK": 256}, 1),
        _tile("rms_norm", rms_norm, {"x_ptr": "*fp16", "y_ptr": "*bf16", "w_ptr": "*fp16", "N": "i32",
              "eps": "fp32"}, {"BR": 16, "BC": 128}, 2),
        _tile("matmul_persistent", matmul_persistent, {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
              "M": "i32", "N": "i32", "K": "i32"}, {"BM": 64, "BN": 128, "BK": 64, "NUM_SMS": 132}, 8),
        _tile("matmul_tma", matmul_persistent_tma, {"a_ptr": "*fp16", "b_ptr": "*fp16", "c_ptr": "*fp16",
              "M": "i32", "N": "i32", "K": "i32"}, {"BM": 128, "BN": 64, "BK": 64, "NUM_SMS": 132}, 4,
              ("cuda:90", "cuda:100")),
    ]
    seen: set[str] = set()
    return [c for c in out + _sweep() if not (c[0] in seen or seen.add(c[0]))]


def _sweep() -> list[tuple]:
    """Third wave: the same kernels over more block sizes and warp counts."""
    out = []
    f16 = {"x_ptr": "*fp16", "y_ptr": "*fp16"}
    for w in (1, 2, 4, 8):
        for bm, bn, bk in ((64, 64, 32), (128, 128, 64), (64, 256, 32), (16, 64, 64)):
            if bm * bn >= 1024 * w:
                out.append(_mm("fp16", w % 2 == 0, bm, bn, bk, w))
        for bm, bn, hd in ((64, 64, 64), (128, 32, 64), (32, 64, 128)):
            if bm >= 16 * w:
                out.append(_tile("attn_fwd", attn_fwd, {"q_ptr": "*fp16", "k_ptr": "*fp16", "v_ptr": "*fp16",
                                 "o_ptr": "*fp16", "sm_scale": "fp32", "N_CTX": "i32"},
                                 {"BM": bm, "BN": bn, "HD": hd}, w))
        for br, bc in ((2, 512), (8, 64), (32, 32)):
            out.append(_tile("softmax2d", softmax2d, {**f16, "n_cols": "i32"}, {"BR": br, "BC": bc}, w))
            out.append(_tile("layer_norm", layer_norm, {**f16, "w_ptr": "*fp32", "b_ptr": "*fp32", "N": "i32",
                             "eps": "fp32"}, {"BR": br, "BC": bc}, w))
        for br, bc in ((32, 128), (128, 16)):
            out.append(_tile("reduce_cols", reduce_cols, {"x_ptr": "*fp32", "s_ptr": "*fp32", "i_ptr": "*i32",
                             "M": "i32"}, {"BR": br, "BC": bc}, w))
            out.append(_tile("cumsum", cumsum, {"x_ptr": "*fp16", "y_ptr": "*fp16"},
                             {"BR": br, "BC": bc, "AXIS": w % 2}, w))
            out.append(_tile("gather", gather, {"x_ptr": "*fp32", "idx_ptr": "*i32", "y_ptr": "*fp32"},
                             {"BR": br, "BC": bc, "AXIS": (w // 2) % 2}, w))
            out.append(_tile("join_split_trans", join_split_trans, {"x_ptr": "*fp16", "y_ptr": "*fp16",
                             "z_ptr": "*fp16"}, {"BR": br, "BC": bc}, w))
        for dt, bm in (("fp8e4nv", 64), ("i8", 128)):
            out.append(_mm(dt, True, bm, 64, 64, w, FP8_OK if dt.startswith("fp8") else "all"))
    return out
