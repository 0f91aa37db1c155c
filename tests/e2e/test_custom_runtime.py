"""End to end (issue 15): examples/custom-runtime, a shell-script bootstrap as in the AWS
tutorial, deployed with the real CLI on a sandbox; it answers an invoke and its echo
lands in the function's log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the tutorial's bootstrap needs curl")
def test_the_shell_script_runtime_answers_and_logs(tmp_path: Path) -> None:
    root = tmp_path / "custom-runtime"
    shutil.copytree(REPO / "examples" / "custom-runtime", root)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(root, env, "local", "start", "--port", "0")
    try:
        shown = cli(root, env, "plan")
        plan = shown.stdout + shown.stderr
        assert "create function custom-runtime-demo-echo" in plan
        up = json.loads(cli(root, env, "-o", "json", "up").stdout)
        assert [f["status"] for f in up["functions"]] == ["changed"]

        event = '{"greeting": "hello from the test"}'
        answer = cli(root, env, "invoke", "echo", "--payload", event)
        assert answer.stdout.strip() == f"Echoing request: '{event}'"
        # The handler's `echo "$EVENT_DATA" 1>&2` is a line of the function's log.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            logs = cli(root, env, "logs", "echo", "--format", "json").stdout
            messages = [json.loads(line)["message"] for line in logs.splitlines()]
            if event in messages:
                break
            time.sleep(0.2)
        assert event in messages, messages
        assert any(m.startswith("REPORT") and "Init Duration" in m for m in messages)

        cli(root, env, "destroy", "--yes")
        status = json.loads(cli(root, env, "-o", "json", "local", "status").stdout)
        assert "custom-runtime-demo-echo" not in json.dumps(status)
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=root, env=env,
                       capture_output=True, timeout=60)
