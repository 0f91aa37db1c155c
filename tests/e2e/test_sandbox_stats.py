"""End to end on the sandbox: invoke a few times, then `stats` (and its --plot) counts them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import REPO, cli

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    for name in ("functions", "policies", "lambdactl.toml"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(tmp_path, env, "local", "start", "--port", "0")
    try:
        cli(tmp_path, env, "up")
        yield tmp_path, env
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=60)


def test_stats_counts_sandbox_invocations(deployed: tuple[Path, dict[str, str]]) -> None:
    root, env = deployed
    for _ in range(3):
        cli(root, env, "invoke", "hello", "--payload", "{}")
    # KeyError: 's3' (the handler's traceback is in the log tail, so not through cli())
    failed = subprocess.run([sys.executable, "-m", "lambdactl", "invoke", "hello", "--payload",
                             '{"Records": [{}]}'], cwd=root, env=env, capture_output=True, timeout=120)
    assert failed.returncode == 1

    doc = json.loads(cli(root, env, "-o", "json", "stats", "hello", "--since", "10m").stdout)
    assert doc["invocations"] == 4
    assert doc["errors"] == 1 and doc["timeouts"] == 0
    assert doc["cold_starts"] == 1                 # the environment stays warm after the first
    assert doc["init_ms"]["p50"] > 0
    assert doc["throttles"] is None                # the sandbox has no CloudWatch metrics
    assert 0 < doc["duration_ms"]["p50"] <= doc["duration_ms"]["max"]
    assert doc["memory_mb"] == 128 and 0 < doc["max_memory_used_mb"] <= 128
    assert doc["period"]["requests"] == 4

    text = cli(root, env, "stats", "hello", "--since", "10m")
    assert "invocations\t4" in text.stdout.splitlines()
    assert "throttles\tnot in the logs" in text.stdout


def test_stats_plot_writes_a_png(deployed: tuple[Path, dict[str, str]]) -> None:
    pytest.importorskip("matplotlib")
    root, env = deployed
    for _ in range(2):
        cli(root, env, "invoke", "hello", "--payload", "{}")
    out = root / "hello.png"
    proc = cli(root, env, "stats", "hello", "--plot", str(out))
    assert f"wrote {out}" in proc.stderr
    data = out.read_bytes()
    assert data.startswith(PNG) and 10_000 < len(data) < 2_000_000
