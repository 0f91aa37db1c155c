"""End to end on the sandbox (the real CLI in a subprocess): versions run their own
code, an alias runs the version it points to, rollback, per-version logs, and a
weighted alias splits 200 invokes within binomial bounds."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import cli, client, wait_for_line

CONFIG = """
[project]
name = "vers"
target = "local"

[functions.ver]
source = "functions/ver"
handler = "app.handler"
publish = true

[functions.ver.aliases.live]
version = "latest-published"

[[functions.ver.triggers]]
bucket = "vers-uploads"
qualifier = "live"
"""
HANDLER = ('def handler(event, context):\n'
           '    key = (event.get("Records") or [{{}}])[0].get("s3", {{}}).get("object", {{}}).get("key", "")\n'
           '    print("running {tag}", key)\n'
           '    return "{tag}"\n')


@pytest.fixture
def versions_project(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "functions/ver").mkdir(parents=True)
    (tmp_path / "functions/ver/app.py").write_text(HANDLER.format(tag="v1"))
    (tmp_path / "lambdactl.toml").write_text(CONFIG)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    started = json.loads(cli(tmp_path, env, "-o", "json", "local", "start", "--port", "0").stdout)
    yield tmp_path, env, started["endpoint"]
    subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=60)


def invoke(root: Path, env: dict[str, str], *args: str) -> dict:
    return json.loads(cli(root, env, "-o", "json", "invoke", "ver", *args).stdout)


def test_versions_aliases_rollback_and_weights(versions_project) -> None:  # type: ignore[no-untyped-def]
    root, env, endpoint = versions_project
    cli(root, env, "up")
    (root / "functions/ver/app.py").write_text(HANDLER.format(tag="v2"))
    up = cli(root, env, "up")
    assert "ver: update alias vers-ver:live: version 2 (to be published) (was 1)" in up.stderr
    assert json.loads(cli(root, env, "-o", "json", "up").stdout)["api_calls"]["writes"] == 0

    assert "ver: alias live: version 2 -> 1" in cli(root, env, "rollback", "ver").stderr
    live = invoke(root, env, "--qualifier", "live")
    assert (live["payload"], live["version"]) == ("v1", "1"), "the alias runs version 1's code"
    assert (invoke(root, env, "-q", "2")["payload"], invoke(root, env)["payload"]) == ("v2", "v2")
    assert invoke(root, env, "-q", "$LATEST")["version"] == "$LATEST"

    home = Path(env["LAMBDACTL_HOME"])
    logs = client(endpoint, "logs", home)
    wait_for_line(logs, "/aws/lambda/vers-ver", "running v1")
    streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="/aws/lambda/vers-ver")["logStreams"]]
    assert any("/[1]" in s for s in streams) and any("/[2]" in s for s in streams)
    one = cli(root, env, "logs", "ver", "--version", "1").stdout
    assert "running v1" in one and "running v2" not in one

    # The S3 trigger names the alias: an upload runs the version live points to.
    client(endpoint, "s3", home).put_object(Bucket="vers-uploads", Key="up.txt", Body=b"x")
    wait_for_line(logs, "/aws/lambda/vers-ver", "running v1 up.txt")

    cli(root, env, "rollback", "ver", "--to", "2")
    assert invoke(root, env, "-q", "live")["payload"] == "v2"

    # A canary: 90% to version 1, 10% to version 2.
    with (root / "lambdactl.toml").open("a") as fh:
        fh.write('\n[functions.ver.aliases.canary]\nversion = 1\nweights = { 2 = 0.1 }\n')
    cli(root, env, "up")
    lam = client(endpoint, "lambda", home)
    n, p = 200, 0.1
    ran = Counter(lam.invoke(FunctionName="vers-ver", Qualifier="canary")["ExecutedVersion"] for _ in range(n))
    assert set(ran) <= {"1", "2"}
    sigma = math.sqrt(n * p * (1 - p))
    low, high = n * p - 4 * sigma, n * p + 4 * sigma
    assert low <= ran["2"] <= high, f"{ran['2']} of {n} to version 2; 4 sigma: {low:.1f}..{high:.1f}"

    cli(root, env, "destroy", "--yes")
    assert lam.list_functions()["Functions"] == []
