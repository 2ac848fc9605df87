"""The notebooks in notebooks/ are committed with their outputs and execute without error.

Regenerate their outputs after changing them (from the repository root)::

    python tests/test_notebooks.py --write            # all of them
    python tests/test_notebooks.py --write 03         # those whose name contains "03"
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The series this file owns (01_tour … 05_ttgir); other notebooks in notebooks/ are executed by their
# own tests (e.g. tests/test_memory.py, tests/test_cute_algebra.py).
OWN = ("01_", "02_", "03_", "04_", "05_")
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if p.name.startswith(OWN))

nbformat = pytest.importorskip("nbformat") if __name__ != "__main__" else __import__("nbformat")


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _errors(nb) -> list[str]:
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in _code_cells(nb)
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def execute(path: Path, timeout: int = 600):
    """Run ``path`` in a fresh kernel (the checkout first on PYTHONPATH); return the notebook."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + old if old else "")
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return nb


def test_the_five_notebooks_are_there():
    stems = {p.stem.split("_")[0] for p in NOTEBOOKS}
    assert {"01", "02", "03", "04", "05"} <= stems, sorted(p.name for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_with_outputs_and_no_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = _code_cells(nb)
    assert code, "no code cells"
    with_output = sum(bool(c.get("outputs")) for c in code)
    assert with_output >= len(code) / 2, "the notebook should be committed with its outputs"
    assert not _errors(nb)
    pictures = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    if path.stem.split("_")[0] in ("01", "02", "03", "05"):
        assert pictures >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    committed = nbformat.read(path, as_version=4)
    nb = execute(path)
    assert not _errors(nb)
    # every cell that prints something was committed with its output
    for k, (ran, saved) in enumerate(zip(_code_cells(nb), _code_cells(committed))):
        assert bool(ran.get("outputs")) <= bool(saved.get("outputs")), (
            f"code cell {k} committed without output"
        )


def main(argv: list[str]) -> int:
    if "--write" not in argv:
        print(__doc__)
        return 2
    pattern = [a for a in argv if a != "--write"]
    for path in NOTEBOOKS:
        if pattern and not any(p in path.name for p in pattern):
            continue
        t = time.time()
        nb = execute(path)
        nbformat.write(nb, path)
        print(f"{path.relative_to(ROOT)}: executed in {time.time() - t:.1f} s, {len(_errors(nb))} error(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
