"""DESIGN.md names only module paths that exist, and names every module of the package."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESIGN = (ROOT / "DESIGN.md").read_text(encoding="utf-8")
#: a path in backticks under one of the repository's top-level folders, e.g. `linlayout/plan/ir.py`
PATH_RE = re.compile(r"`((?:linlayout|tests|benchmarks|docs)/[\w./-]*)`")


def named_paths() -> list[str]:
    """Every repository path DESIGN.md writes in backticks."""
    return sorted(set(PATH_RE.findall(DESIGN)))


def test_design_doc_names_paths() -> None:
    assert len(named_paths()) > 30


def test_every_named_path_exists() -> None:
    missing = [p for p in named_paths() if not (ROOT / p).exists()]
    assert missing == [], f"DESIGN.md names paths that do not exist: {missing}"


def test_every_module_is_described() -> None:
    """Each module file of the package is named by its full path (a subpackage's
    ``__init__.py`` is covered by its folder's other modules)."""
    named = set(named_paths())
    missing = []
    for p in sorted((ROOT / "linlayout").rglob("*.py")):
        rel = p.relative_to(ROOT).as_posix()
        if p.name == "__init__.py" and p.parent.name != "linlayout":
            continue
        if rel not in named:
            missing.append(rel)
    assert missing == [], f"modules DESIGN.md does not describe: {missing}"
