"""Properties of the common and NVIDIA distributed layout generators (no triton needed).

* every distributed layout covers its whole shape (surjective), with in-dims
  ``register, lane, warp, block`` and out-dims ``dim0..`` of the tensor's sizes;
* a dot operand broadcasts exactly where the hardware does: the accumulator's lanes and
  warps along K (FMA), and the MMA warps along the other operand's dim;
* ``slice`` then ``expand_dims`` gives back the parent (minus dropped register copies);
* CGA helpers: split parameters, getters, shape fitting;
* bad parameters raise ``LayoutError`` naming the parameter.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linlayout import LayoutError, LinearLayout
from linlayout.hardware.blocked import BlockedLayout, SliceLayout, blocked, expand_dims
from linlayout.hardware.cga import (
    Tile,
    cga_from_split_params,
    cga_split_num,
    cga_to_linear_layout,
    check_cga_layout,
    combine_cta_cga_with_shape,
    cta_order,
    ctas_per_cga,
    shape_per_cta,
)
from linlayout.hardware.linear import (
    DistributedLinearLayout,
    GenericLinearLayout,
    distributed_from_linear_layout,
)
from linlayout.hardware.nvidia import DotOperandLayout, NVMMADistributedLayout, nvidia_mma
from linlayout.layout import identity_standard_nd
from linlayout.testing import hardware_layouts

IN_DIMS = ["register", "lane", "warp", "block"]

# ------------------------------------------------------------------------------------ strategies

pow2 = st.sampled_from([1, 2, 4, 8])


@st.composite
def factorize(draw, total: int, rank: int) -> list[int]:
    out = [1] * rank
    for _ in range(total.bit_length() - 1):
        out[draw(st.integers(0, rank - 1))] *= 2
    return out


@st.composite
def cgas(draw, rank: int) -> list[list[int]]:
    """Valid block bases: per dim 1, 2, 4.. in any interleaving, plus zero bases."""
    bits = []
    for d in range(rank):
        for k in range(draw(st.integers(0, 2 if rank > 1 else 3))):
            bits.append([1 << k if j == d else 0 for j in range(rank)])
    bits += [[0] * rank] * draw(st.integers(0, 1))
    perm = draw(st.permutations(range(len(bits)))) if bits else []
    # keep per-dim order 1, 2, 4 (any order would do for validity; Triton allows it too)
    return [bits[i] for i in perm]


@st.composite
def blocked_layouts(draw, rank: int | None = None) -> BlockedLayout:
    rank = rank or draw(st.integers(1, 3))
    spt = [draw(pow2) for _ in range(rank)]
    tpw = draw(factorize(draw(st.sampled_from([32, 64])), rank))
    wpc = draw(factorize(draw(st.sampled_from([1, 2, 4, 8])), rank))
    order = draw(st.permutations(range(rank)))
    cga = draw(cgas(rank)) if draw(st.booleans()) else []
    return BlockedLayout(spt, tpw, wpc, order, cga)


@st.composite
def mma_layouts(draw) -> NVMMADistributedLayout:
    if draw(st.booleans()):
        rank = draw(st.sampled_from([2, 3]))
        warps = draw(factorize(draw(st.sampled_from([1, 2, 4, 8])), rank))
        instr = [1] * (rank - 2) + draw(st.sampled_from([[16, 8], [8, 8]]))
        version = [2, draw(st.sampled_from([0, 1]))]
    else:
        rank = 2
        warps = draw(st.sampled_from([[4, 1], [4, 2], [8, 1], [4, 4]]))
        instr = [16, draw(st.sampled_from([8, 16, 32, 64, 128, 256])), 16]
        version = [3, 0]
    cga = draw(cgas(rank)) if draw(st.booleans()) else []
    return NVMMADistributedLayout(version, warps, instr, cga)


@st.composite
def shapes(draw, rank: int, max_log: int = 8) -> list[int]:
    return [1 << draw(st.integers(0, max_log)) for _ in range(rank)]


@st.composite
def dot_layouts(draw) -> DotOperandLayout:
    if draw(st.booleans()):
        parent = draw(mma_layouts())
        idx = 0 if parent.is_hopper else draw(st.sampled_from([0, 1]))
        return DotOperandLayout(idx, parent, draw(st.sampled_from([1, 2, 4, 8])))
    parent = draw(blocked_layouts(rank=draw(st.sampled_from([2, 3]))))
    return DotOperandLayout(draw(st.sampled_from([0, 1])), parent, 0)


@st.composite
def any_distributed(draw):
    kind = draw(st.sampled_from(["blocked", "mma", "dot", "slice"]))
    if kind == "blocked":
        return draw(blocked_layouts())
    if kind == "mma":
        return draw(mma_layouts())
    if kind == "dot":
        return draw(dot_layouts())
    parent = draw(
        st.one_of(blocked_layouts(rank=draw(st.sampled_from([2, 3]))), mma_layouts(), dot_layouts())
    )
    return SliceLayout(draw(st.integers(0, parent.rank - 1)), parent)


# ------------------------------------------------------------------------------------ properties


def _check_distributed(L: LinearLayout, shape: list[int]) -> None:
    assert list(L.in_dims) == IN_DIMS
    assert L.out_dims == {f"dim{i}": s for i, s in enumerate(shape)}
    assert L.is_surjective()


@given(any_distributed(), st.data())
def test_every_distributed_layout_is_surjective(layout, data) -> None:
    shape = data.draw(shapes(layout.rank, max_log=7))
    _check_distributed(layout.to_linear_layout(shape), shape)


@given(blocked_layouts(), st.data())
def test_blocked_lane_and_warp_counts(layout: BlockedLayout, data) -> None:
    """Hardware in-dim sizes are fixed by the parameters, whatever the shape."""
    shape = data.draw(shapes(layout.rank))
    L = layout.to_linear_layout(shape)
    lanes = 1
    for t in layout.threads_per_warp:
        lanes *= t
    warps = 1
    for w in layout.warps_per_cta:
        warps *= w
    assert L.in_dims["lane"] == lanes and L.in_dims["warp"] == warps
    assert L.in_dims["block"] == 1 << len(layout.cga_layout)


@given(blocked_layouts(), st.data())
def test_fma_dot_operand_broadcasts_along_k(parent: BlockedLayout, data) -> None:
    """FMA: the dot operand keeps the parent's lanes/warps along M/N and broadcasts the
    ones along K; each thread holds the whole K extent in registers."""
    if parent.rank < 2:
        parent = BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0])
    idx = data.draw(st.sampled_from([0, 1]))
    rank = parent.rank
    kdim = rank - 1 if idx == 0 else rank - 2
    shape = data.draw(shapes(rank, max_log=6))
    P = parent.to_linear_layout(shape)
    D = DotOperandLayout(idx, parent, 0).to_linear_layout(shape)
    for in_dim in ("lane", "warp"):
        for p, d in zip(P.bases[in_dim], D.bases[in_dim]):
            assert d == ([0] * rank if p[kdim] else p)
    # registers: all of K in every thread
    kvals = {b[kdim] for b in D.bases["register"] if b[kdim]}
    assert len(kvals) == shape[kdim].bit_length() - 1


@given(mma_layouts(), st.data())
def test_mma_dot_operand_broadcasts_warps_along_other_operand(acc: NVMMADistributedLayout, data) -> None:
    """mma.sync / wgmma: warps spread along N hold copies of A, warps along M copies of B;
    lanes never broadcast inside an MMA fragment."""
    idx = 0 if acc.is_hopper else data.draw(st.sampled_from([0, 1]))
    rank = acc.rank
    kdim = rank - 1 if idx == 0 else rank - 2
    shape = data.draw(shapes(rank, max_log=7))
    shape = [max(s, 64) for s in shape]  # big enough for a full fragment: no shape broadcasts
    A = acc.to_linear_layout(shape)
    D = DotOperandLayout(idx, acc, data.draw(st.sampled_from([1, 2, 4]))).to_linear_layout(shape)
    for p, d in zip(A.bases["warp"], D.bases["warp"]):
        assert d == ([0] * rank if p[kdim] else p)
    assert all(any(b) for b in D.bases["lane"])


@given(any_distributed(), st.data())
def test_slice_then_expand_dims_round_trips(parent, data) -> None:
    """expand_dims(slice(P, d)) == P on the shape with a 1 at d, minus the register
    bases that broadcast there (the ones a slice drops)."""
    if parent.rank < 2:
        return
    dim = data.draw(st.integers(0, parent.rank - 1))
    shape = data.draw(shapes(parent.rank - 1, max_log=6))
    S = SliceLayout(dim, parent).to_linear_layout(shape)
    E = expand_dims(S, dim)
    pshape = [*shape[:dim], 1, *shape[dim:]]
    P = parent.to_linear_layout(pshape).remove_zero_bases("register")
    assert E == P


# ------------------------------------------------------------------------------------ CGA


def test_cga_from_split_params_examples() -> None:
    assert cga_from_split_params([2, 2], [2, 1], [1, 0]) == [[0, 0], [1, 0]]
    assert cga_from_split_params([4, 2, 2], [4, 2, 1], [2, 1, 0]) == [
        [0, 0, 0],
        [0, 1, 0],
        [1, 0, 0],
        [2, 0, 0],
    ]
    assert cga_from_split_params([2], [1], [0]) == [[0]]


@given(st.integers(1, 3).flatmap(lambda r: cgas(r).map(lambda c: (r, c))))
def test_cga_getters_invert_split_params(rc) -> None:
    """cga -> (ctas, split, order) -> cga is the identity for canonical (split-major) bases."""
    rank, cga = rc
    split = cga_split_num(cga, rank)
    ctas = ctas_per_cga(cga, rank)
    order = cta_order(cga, rank)
    assert sorted(order) == list(range(rank))
    assert all(c % s == 0 for c, s in zip(ctas, split))
    n = 1
    for c in ctas:
        n *= c
    assert n == 1 << len(cga)
    assert shape_per_cta([1024] * rank, cga) == [1024 // s for s in split]
    L = cga_to_linear_layout(cga, rank)
    assert L.is_surjective()


def test_combine_repeats_in_tile_out_order_and_broadcasts() -> None:
    cta = identity_standard_nd("register", [2, 1], [0, 1]) * identity_standard_nd("lane", [2, 16], [0, 1])
    cga = cga_to_linear_layout([[0, 1]], 2)
    L = combine_cta_cga_with_shape(cta, cga, [8, 64])
    assert L.bases["register"] == [[1, 0], [0, 0], [4, 0]][:1] + [[4, 0], [0, 16]]
    assert L.bases["block"] == [[0, 32]]
    small = combine_cta_cga_with_shape(cta, cga, [1, 1])
    assert small.bases["block"] == [[0, 0]] and all(b == [0, 0] for b in small.bases["lane"])


@pytest.mark.parametrize(
    "bases, rank, needle",
    [
        ([[0, 3]], 2, "cga_layout[0]"),
        ([[0, 2]], 2, "permutation"),
        ([[1, 0], [1, 0]], 2, "permutation"),
        ([[1]], 2, "cga_layout[0]"),
        ("x", 2, "cga_layout"),
    ],
)
def test_bad_cga_layouts(bases, rank, needle) -> None:
    with pytest.raises(LayoutError, match=re.escape(needle)):
        check_cga_layout(bases, rank)


@pytest.mark.parametrize(
    "args, needle",
    [
        (([2, 3], [1, 1], [1, 0]), "ctas_per_cga"),
        (([2, 2], [4, 1], [1, 0]), "cta_split_num"),
        (([2, 2], [1, 1], [0, 0]), "cta_order"),
        (([2, 2], [1], [1, 0]), "cta_split_num"),
    ],
)
def test_bad_split_params(args, needle) -> None:
    with pytest.raises(LayoutError, match=needle):
        cga_from_split_params(*args)


# ------------------------------------------------------------------------------------ examples


def test_blocked_examples_from_triton_tests() -> None:
    """A few literal expectations of LinearLayoutConversionsTest.cpp (the rest are data)."""
    L = blocked([16], [1], [4], [4], [0], warp_size=4)  # Triton's test uses a toy warp of 4 threads
    assert L.bases["lane"] == [[1], [2]] and L.bases["warp"] == [[4], [8]]


def test_fp64_mma_tile() -> None:
    L = nvidia_mma([8, 8], [2, 0], [1, 1], [8, 8])
    assert L.bases["register"] == [[0, 1]]
    assert L.bases["lane"] == [[0, 2], [0, 4], [1, 0], [2, 0], [4, 0]]


def test_linear_layouts_print_and_fit() -> None:
    D = DistributedLinearLayout(
        [[0, 1], [0, 0]], [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]], [[0, 2]], [], [32, 4]
    )
    assert D.to_linear_layout([32, 8]).bases["register"] == [[0, 1], [0, 0], [0, 4]]
    assert D.to_linear_layout([16, 4]).bases["lane"][-1] == [0, 0]
    G = DistributedLinearLayout([[0, 1]], [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]], [[1, 2]], [], [32, 4])
    assert G.to_triton().startswith("#ttg.generic_linear<{register = [[0, 1]]")
    assert isinstance(distributed_from_linear_layout(G.to_linear_layout()), GenericLinearLayout)
    assert distributed_from_linear_layout(D.to_linear_layout()) == D


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda: BlockedLayout([1, 3], [4, 8], [1, 1], [1, 0]), "size_per_thread"),
        (lambda: BlockedLayout([1, 1], [4, 3], [1, 1], [1, 0]), "threads_per_warp"),
        (lambda: BlockedLayout([1, 1], [4, 8], [1, 3], [1, 0]), "warps_per_cta"),
        (lambda: BlockedLayout([1, 1], [4, 8], [1], [1, 0]), "warps_per_cta"),
        (lambda: BlockedLayout([1, 1], [4, 8], [1, 1], [1, 1]), "order"),
        (lambda: BlockedLayout([], [], [], []), "size_per_thread"),
        (lambda: BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0]).to_linear_layout([32, 48]), "shape"),
        (lambda: BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0]).to_linear_layout([32]), "shape"),
        (lambda: SliceLayout(2, BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0])), "dim"),
        (lambda: SliceLayout(0, BlockedLayout([1], [32], [1], [0])), "parent"),
        (lambda: SliceLayout(0, "blocked"), "parent"),
        (lambda: NVMMADistributedLayout([1, 0], [2, 2], [16, 8]), "version"),
        (lambda: NVMMADistributedLayout([2, 0], [2, 2], [16, 8, 16]), "instr_shape"),
        (lambda: NVMMADistributedLayout([2, 0], [2, 2], [16, 4]), "instr_shape"),
        (lambda: NVMMADistributedLayout([3, 0], [4, 1], [16, 24, 16]), "instr_shape"),
        (lambda: NVMMADistributedLayout([3, 0], [4, 1, 1], [16, 64, 16]), "warps_per_cta"),
        (lambda: NVMMADistributedLayout([2, 0], [4], [16, 8]), "warps_per_cta"),
        (lambda: DotOperandLayout(0, NVMMADistributedLayout([2, 0], [2, 2], [16, 8]), 0), "k_width"),
        (lambda: DotOperandLayout(0, NVMMADistributedLayout([2, 0], [2, 2], [16, 8]), 3), "k_width"),
        (
            lambda: DotOperandLayout(1, NVMMADistributedLayout([3, 0], [4, 1], [16, 64, 16]), 2),
            "operand_index",
        ),
        (lambda: DotOperandLayout(2, BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0]), 0), "operand_index"),
        (lambda: DotOperandLayout(0, BlockedLayout([1, 1], [4, 8], [1, 1], [1, 0]), 2), "k_width"),
        (
            lambda: DotOperandLayout(
                0, SliceLayout(0, BlockedLayout([1, 1, 1], [1, 4, 8], [1, 1, 1], [2, 1, 0])), 0
            ),
            "parent",
        ),
        (lambda: DistributedLinearLayout([[0, 1]], [[1, 0]], [], [], [4, 2]), "shape"),
        (lambda: DistributedLinearLayout([[0, 1]], [[1, 0]], [], [], [2, 3]), "shape"),
        (lambda: DistributedLinearLayout([[0, 1, 0]], [[1, 0]], [], [], None), "lane_bases[0]"),
        (lambda: DistributedLinearLayout([], [], [], [], None), "shape"),
    ],
)
def test_invalid_parameters_name_the_parameter(make, needle) -> None:
    with pytest.raises(LayoutError, match=re.escape(needle)):
        make()


# ------------------------------------------------------------------------------------ fast path, text


@given(blocked_layouts(), st.data())
def test_tile_fit_equals_combine_cta_cga_with_shape(layout: BlockedLayout, data) -> None:
    """The list-based fast path and the LinearLayout-algebra recipe agree."""
    shape = data.draw(shapes(layout.rank, max_log=7))
    order = list(layout.order)
    t = Tile(layout.rank, order)
    t.identity_nd("register", layout.size_per_thread, order)
    t.identity_nd("lane", layout.threads_per_warp, order)
    t.identity_nd("warp", layout.warps_per_cta, order)
    cta = (
        identity_standard_nd("register", list(layout.size_per_thread), order)
        * identity_standard_nd("lane", list(layout.threads_per_warp), order)
        * identity_standard_nd("warp", list(layout.warps_per_cta), order)
    )
    cga = cga_to_linear_layout(layout.cga_layout, layout.rank)
    for broadcast in (True, False):
        slow = combine_cta_cga_with_shape(cta, cga, shape, broadcast_registers=broadcast)
        fast = t.fit(shape, layout.cga_layout, broadcast_registers=broadcast)
        assert fast == slow


@given(any_distributed(), st.data())
def test_to_triton_round_trips_through_from_triton_params(layout, data) -> None:
    """Printing then rebuilding from the printed fields gives the same layout."""
    from linlayout.triton.attrs import from_triton, parse_attr

    text = layout.to_triton()
    again = parse_attr(text)
    assert again.to_triton() == text
    shape = data.draw(shapes(layout.rank, max_log=6))
    assert from_triton(text, shape) == layout.to_linear_layout(shape)


def test_from_triton_params_defaults_and_old_cta_fields() -> None:
    p = {"sizePerThread": [1, 4], "threadsPerWarp": [4, 8], "warpsPerCTA": [2, 2], "order": [1, 0]}
    assert BlockedLayout.from_triton_params(p).cga_layout == ()
    old = dict(p, CTAsPerCGA=[2, 2], CTASplitNum=[2, 1], CTAOrder=[1, 0])
    assert BlockedLayout.from_triton_params(old).cga_layout == ((0, 0), (1, 0))
    m = {"versionMajor": 2, "warpsPerCTA": [2, 2], "instrShape": [16, 8]}
    assert NVMMADistributedLayout.from_triton_params(m).version == (2, 0)
    acc = NVMMADistributedLayout([2, 0], [2, 2], [16, 8])
    assert DotOperandLayout.from_triton_params({"opIdx": 0, "parent": acc, "kWidth": 2}).k_width == 2
    fma = DotOperandLayout.from_triton_params({"opIdx": 1, "parent": BlockedLayout.from_triton_params(p)})
    assert fma.k_width == 0 and "kWidth" not in fma.to_triton()
    with pytest.raises(LayoutError, match="sizePerThreads"):
        BlockedLayout.from_triton_params(dict(p, sizePerThreads=[1]))
    with pytest.raises(LayoutError, match="order"):
        BlockedLayout.from_triton_params({k: v for k, v in p.items() if k != "order"})
    with pytest.raises(LayoutError, match="CGALayout"):
        BlockedLayout.from_triton_params(dict(old, CGALayout=[[1, 0]]))
    with pytest.raises(LayoutError, match="warp"):
        DistributedLinearLayout.from_triton_params(
            {"register": [[0, 1]], "lane": [[1, 0]], "warp": [[1, 1]], "block": []}
        )
    with pytest.raises(LayoutError, match="lane"):
        DistributedLinearLayout.from_triton_params(
            {"register": [[1]], "lane": [[1]], "warp": [], "block": []}
        )


def test_generic_linear_rules() -> None:
    """Only warp bases may be swizzled (Triton rejects other swizzled bases)."""
    lanes = [[1, 0], [2, 0], [4, 0], [8, 0], [16, 0]]
    G = GenericLinearLayout([[0, 1]], lanes, [[1, 2]], [], [32, 4])
    assert G.to_triton().startswith("#ttg.generic_linear")
    assert G.to_linear_layout([64, 4]).bases["warp"] == [[1, 2]]
    with pytest.raises(LayoutError, match=re.escape("lane_bases[4]")):
        DistributedLinearLayout([[0, 1]], lanes[:4] + [[16, 1]], [[0, 2]], [], [32, 4])
    with pytest.raises(LayoutError, match=re.escape("reg_bases[0]")):
        DistributedLinearLayout([[0, 3]], lanes, [[0, 1]], [], [32, 4])


@pytest.mark.parametrize(
    "tpw, reg, lane, warp",
    [
        # triton 3.9.0: BlockedLayout([1, 4], tpw, [2, 2], [1, 0]) on [32, 64]
        (
            [4, 4],
            [[0, 1], [0, 2], [0, 32], [8, 0], [16, 0]],
            [[0, 4], [0, 8], [1, 0], [2, 0]],
            [[0, 16], [4, 0]],
        ),
        (
            [8, 16],
            [[0, 1], [0, 2], [16, 0]],
            [[0, 4], [0, 8], [0, 16], [0, 32], [1, 0], [2, 0], [4, 0]],
            [[0, 0], [8, 0]],
        ),
    ],
)
def test_blocked_threads_per_warp_not_32_or_64_like_triton(tpw, reg, lane, warp):
    """Triton accepts a threadsPerWarp product of 16 or 128 (the thread count is checked at
    module level); so does BlockedLayout, with Triton's bases."""
    from linlayout.hardware.blocked import BlockedLayout

    L = BlockedLayout([1, 4], tpw, [2, 2], [1, 0]).to_linear_layout([32, 64])
    got = {k: [list(v) for v in L.bases[k]] for k in ("register", "lane", "warp")}
    assert got == {"register": reg, "lane": lane, "warp": warp}
    with pytest.raises(LayoutError, match="threads_per_warp"):
        BlockedLayout([1, 4], tpw, [2, 2], [1, 0], warp_size=32)


# ------------------------------------------------------------------ the hardware kit


def test_every_family_is_a_frozen_dataclass_with_the_same_members():
    import dataclasses

    from linlayout.triton.attrs import _registry

    members = ("to_linear_layout", "to_triton", "from_triton_params", "to_gluon", "rank", "kind")
    for name, cls in _registry().items():
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name
        assert all(hasattr(cls, m) for m in members), (name, [m for m in members if not hasattr(cls, m)])
        assert cls.triton_name == name


@given(st.sampled_from(["sm_90", "sm_100", "gfx942", "gfx950", "gfx1250"]).flatmap(
    lambda t: hardware_layouts(t, with_description=True)))
def test_kind_is_the_layout_kind_of_the_layouts_a_family_gives(item):
    """One layout_kind: a description's ``kind`` is the kit's ``layout_kind`` of its layouts,
    and ``to_gluon`` names every dataclass field."""
    import dataclasses

    from linlayout.hardware._kit import layout_kind

    desc, _shape, L = item
    assert desc.kind == layout_kind(L)
    assert set(desc.to_gluon()) >= {f.name for f in dataclasses.fields(desc)} - {"tma_mode", "shape"}
