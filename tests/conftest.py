"""Shared test configuration.

Triton (``triton==3.9.0``) is only a test oracle.  Differential tests run it in a
subprocess with the interpreter named by ``LINLAYOUT_TRITON_PYTHON`` (default
``/tmp/tritonvenv/bin/python``) and are skipped when that interpreter cannot import
triton.
"""

from __future__ import annotations

import functools
import os
import subprocess

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "slow", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@functools.lru_cache(maxsize=1)
def _triton_python() -> str | None:
    exe = os.environ.get("LINLAYOUT_TRITON_PYTHON", "/tmp/tritonvenv/bin/python")
    if not os.path.exists(exe):
        return None
    try:
        r = subprocess.run(
            [exe, "-c", "import triton; assert triton.__version__ == '3.9.0'"],
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return exe if r.returncode == 0 else None


@pytest.fixture(scope="session")
def triton_python() -> str:
    """Path of a Python interpreter with triton 3.9.0, or skip the test."""
    exe = _triton_python()
    if exe is None:
        pytest.skip("triton==3.9.0 not available (set LINLAYOUT_TRITON_PYTHON)")
    return exe
