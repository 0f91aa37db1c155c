"""The code stays ruff- and mypy-clean (style habit 10): checked here, so CI checks it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("tool", [
    ["ruff", "check", "src", "tests", "benchmarks"],
    ["mypy", "--cache-dir", "/dev/null"],   # no cache left in the tree; settings in pyproject.toml
], ids=["ruff", "mypy"])
def test_clean(tool: list[str]) -> None:
    p = subprocess.run([sys.executable, "-m", *tool], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
