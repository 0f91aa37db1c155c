"""End to end on the sandbox: invoke a few times, then `stats` (and its --plot) counts
them; `tune` runs, applies, and restores the memory after Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.test_sandbox_flow import REPO, cli

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    for name in ("functions", "policies", "lambdactl.toml"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"), PYTHONUNBUFFERED="1")
    started = json.loads(cli(tmp_path, env, "-o", "json", "local", "start", "--port", "0").stdout)
    env["TEST_SANDBOX_ENDPOINT"] = started["endpoint"]
    # The sandbox answers only its own key (what `local env` prints).
    exported = json.loads(cli(tmp_path, env, "-o", "json", "local", "env").stdout)
    env["TEST_SANDBOX_KEY"], env["TEST_SANDBOX_SECRET"] = exported["AWS_ACCESS_KEY_ID"], exported["AWS_SECRET_ACCESS_KEY"]
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


def lambda_client(env: dict[str, str]) -> Any:
    return boto3.client("lambda", endpoint_url=env["TEST_SANDBOX_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id=env["TEST_SANDBOX_KEY"], aws_secret_access_key=env["TEST_SANDBOX_SECRET"])


def test_tune_ranks_applies_and_restores(deployed: tuple[Path, dict[str, str]]) -> None:
    root, env = deployed
    proc = cli(root, env, "-o", "json", "tune", "hello", "--memory", "256,512", "--runs", "5",
               "--payload", "{}", "--apply")
    doc = json.loads(proc.stdout)
    assert doc["original_memory_mb"] == 128
    assert sorted(t["memory_mb"] for t in doc["ranking"]) == [256, 512]
    assert [t["kept"] for t in doc["ranking"]] == [3, 3]      # 5 runs, one dropped at each end
    assert doc["best_memory_mb"] == doc["ranking"][0]["memory_mb"] and doc["applied"] is True
    # Said only where the sandbox cannot give CPU in proportion to memory (cpushare.py).
    state = json.loads((Path(env["LAMBDACTL_HOME"]) / "sandbox.json").read_text())
    assert ("durations will not reflect memory" in proc.stderr) == (not state.get("cpu_share"))
    assert lambda_client(env).get_function_configuration(
        FunctionName="lambdactl-demo-hello")["MemorySize"] == 128        # restored
    toml = (root / "lambdactl.toml").read_text()
    assert f"memory = {doc['best_memory_mb']}" in toml and "# The S3 upload logger" in toml


def test_tune_restores_the_memory_on_ctrl_c(deployed: tuple[Path, dict[str, str]]) -> None:
    root, env = deployed
    proc = subprocess.Popen([sys.executable, "-m", "lambdactl", "tune", "hello", "--memory", "256,512",
                             "--runs", "1000"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:   # the first size has started
        lines.append(line)
        if "256 MB: 1000 runs" in line:
            break
    lam = lambda_client(env)
    assert lam.get_function_configuration(FunctionName="lambdactl-demo-hello")["MemorySize"] == 256
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, "".join(lines) + rest
    assert "restoring MemorySize 128 MB" in rest and "Traceback" not in rest
    assert lam.get_function_configuration(FunctionName="lambdactl-demo-hello")["MemorySize"] == 128
