"""The README works as written: its Quick start command draws the picture the README shows,
and its Python example runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pytest

from linlayout import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
ROOT = Path(__file__).resolve().parents[1]


def _first_command() -> list[str]:
    block = re.search(r"## Quick start.*?```bash\n(.*?)\n", README, re.S).group(1)
    install, command = block.split(" && ", 1)
    assert install == "pip install ."
    argv = shlex.split(command)
    assert argv[0] == "linlayout"
    return argv[1:]


def test_quick_start_draws_the_readme_picture(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    argv = _first_command()
    assert cli.main(argv) == 0
    out = argv[argv.index("--png") + 1]
    shown = re.search(r"!\[[^\]]*\]\((docs/images/[^)]+)\)", README).group(1)
    mine = np.asarray(Image.open(tmp_path / out).convert("RGB"), dtype=int)
    theirs = np.asarray(Image.open(ROOT / shown).convert("RGB"), dtype=int)
    assert mine.shape == theirs.shape
    same = (np.abs(mine - theirs).max(axis=2) < 40).mean()
    assert same > 0.97, same  # the same picture (font rasterisation may differ slightly)


def test_python_example_runs(capsys):
    code = re.search(r"## In Python\n\n```python\n(.*?)```", README, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "shared_memory" in out or "warp_shuffle" in out
