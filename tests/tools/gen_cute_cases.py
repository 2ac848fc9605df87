"""Store answers of an independent CuTe implementation (PyPI ``tensor-layouts==0.3.2``) for
linear CuTe layouts, swizzles and the NVIDIA MMA atoms' TV layouts.

Run: ``python tests/tools/gen_cute_cases.py`` (needs ``pip install tensor-layouts==0.3.2``);
writes ``tests/data/cute_oracle.json``.  Only NVIDIA atoms are used: the package's AMD atoms
are known to be wrong.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import tensor_layouts as tl
from tensor_layouts import atoms_nv

OUT = Path(__file__).resolve().parents[1] / "data" / "cute_oracle.json"


def random_linear(rng: random.Random):
    """A flat power-of-two layout with disjoint stride ranges, randomly nested."""
    nmodes = rng.randint(1, 4)
    sizes = [1 << rng.randint(0, 3) for _ in range(nmodes)]
    # choose disjoint bit ranges by packing modes in a random order, with gaps
    order = list(range(nmodes))
    rng.shuffle(order)
    pos = 0
    st = [0] * nmodes
    for i in order:
        k = sizes[i].bit_length() - 1
        if rng.random() < 0.15:
            st[i] = 0
            continue
        pos += rng.randint(0, 1)
        st[i] = 1 << pos
        pos += k
    shape, stride = tuple(sizes), tuple(st)
    if nmodes >= 3 and rng.random() < 0.5:
        shape = (shape[0], tuple(shape[1:]))
        stride = (stride[0], tuple(stride[1:]))
    return shape, stride


def points(n_bits: int, rng: random.Random) -> list[int]:
    pts = {0, (1 << n_bits) - 1} | {1 << k for k in range(n_bits)}
    pts |= {rng.randrange(1 << n_bits) for _ in range(16)} if n_bits else set()
    return sorted(p for p in pts if p < (1 << n_bits))


def main() -> None:
    rng = random.Random(20261128)
    cases = []
    for _ in range(150):
        shape, stride = random_linear(rng)
        swz = None
        if rng.random() < 0.4:
            b = rng.randint(1, 3)
            s = rng.randint(b, b + 2)
            m = rng.randint(0, 3)
            swz = (b, m, s)
        L = tl.Layout(shape, stride)
        f = tl.compose(tl.Swizzle(*swz), L) if swz else L
        n = tl.size(L)
        pts = points(n.bit_length() - 1, rng)
        cases.append(
            {
                "kind": "layout",
                "shape": shape,
                "stride": stride,
                "swizzle": swz,
                "points": pts,
                "offsets": [int(f(p)) for p in pts],
            }
        )
    for name in [
        "SM80_16x8x16_F32F16F16F32_TN",
        "SM80_16x8x8_F32F16F16F32_TN",
        "SM80_16x8x16_F16F16F16F16_TN",
    ]:
        atom = getattr(atoms_nv, name, None)
        if atom is None:
            continue
        m, n, k = atom.shape_mnk
        for which, tile in (("c_layout", (m, n)), ("a_layout", (m, k)), ("b_layout", (n, k))):
            lay = getattr(atom, which)
            cases.append(
                {
                    "kind": "tv",
                    "atom": name,
                    "which": which,
                    "tile": tile,
                    "text": str(lay).replace(" ", ""),
                    "values": [
                        [int(lay(t, v)) for v in range(tl.size(tl.mode(lay, 1)))]
                        for t in range(tl.size(tl.mode(lay, 0)))
                    ],
                }
            )
    for atom in atoms_nv.MMA_ATOMS_SM90_GMMA:
        m, n, k = atom.shape_mnk
        lay = atom.c_layout
        cases.append(
            {
                "kind": "tv",
                "atom": atom.name,
                "which": "c_layout",
                "tile": (m, n),
                "text": str(lay).replace(" ", ""),
                "values": [
                    [int(lay(t, v)) for v in range(tl.size(tl.mode(lay, 1)))]
                    for t in range(tl.size(tl.mode(lay, 0)))
                ],
            }
        )
    OUT.write_text(json.dumps({"oracle": "tensor-layouts 0.3.2", "cases": cases}, separators=(",", ":")))
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
