"""End to end: the real CLI in a subprocess against a sandbox started for the test.

up -> upload an object -> the handler's print is in the log group -> invoke ->
destroy leaves nothing -> local stop frees the port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from lambdactl.local import pythons

REPO = Path(__file__).resolve().parents[2]


def cli(cwd: Path, env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture
def sandbox_project(tmp_path: Path):  # type: ignore[no-untyped-def]
    for name in ("functions", "policies", "lambdactl.toml"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    started = json.loads(cli(tmp_path, env, "-o", "json", "local", "start", "--port", "0").stdout)
    yield tmp_path, env, started
    subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=60)


def client(endpoint: str, service: str, home: Path):  # type: ignore[no-untyped-def]
    """A client signing with the sandbox's own credentials (it refuses any other)."""
    state = json.loads((home / "sandbox.json").read_text())
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=state["access_key_id"],
                        aws_secret_access_key=state["secret_access_key"])


def wait_for_line(logs, group: str, needle: str, timeout: float = 15) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        for e in events:
            if needle in e["message"]:
                return str(e["message"])
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared in {group}")


def test_up_upload_logs_invoke_destroy(sandbox_project) -> None:  # type: ignore[no-untyped-def]
    root, env, started = sandbox_project
    endpoint = started["endpoint"]

    up = json.loads(cli(root, env, "-o", "json", "up").stdout)
    assert {f["status"] for f in up["functions"]} == {"changed"}
    again = json.loads(cli(root, env, "-o", "json", "up").stdout)
    assert again["api_calls"]["writes"] == 0

    home = Path(env["LAMBDACTL_HOME"])
    s3, logs, lam = (client(endpoint, s, home) for s in ("s3", "logs", "lambda"))
    s3.put_object(Bucket="lambdactl-demo-uploads", Key="hello.txt", Body=b"hi there")
    line = wait_for_line(logs, "/aws/lambda/lambdactl-demo-hello", "New object s3://lambdactl-demo-uploads/hello.txt")
    assert "(8 bytes)" in line

    # The list_buckets handler's own boto3 calls land in the sandbox.
    resp = lam.invoke(FunctionName="lambdactl-demo-list-buckets", Payload=b"{}")
    assert json.loads(resp["Payload"].read()) == {"buckets": ["lambdactl-demo-uploads"]}

    # A non-empty bucket lambdactl created is kept, and says why.
    kept = cli(root, env, "destroy", "--yes")
    assert "kept (not empty" in kept.stderr
    s3.delete_object(Bucket="lambdactl-demo-uploads", Key="hello.txt")
    cli(root, env, "destroy", "--yes")
    status = json.loads(cli(root, env, "-o", "json", "local", "status").stdout)
    assert status["contents"]["functions"] == []
    assert status["contents"]["buckets"] == []
    assert status["contents"]["roles"] == []
    assert status["contents"]["log_groups"] == []

    cli(root, env, "local", "stop")
    from lambdactl.local.control import port_free

    assert port_free(started["port"])  # a new server could listen there again
    cli(root, env, "local", "status", code=3)


def test_architecture_change_converges(sandbox_project) -> None:  # type: ignore[no-untyped-def]
    root, env, started = sandbox_project
    cli(root, env, "up")
    toml = root / "lambdactl.toml"
    toml.write_text(toml.read_text().replace(
        'runtime = "python3.12"\nmemory = 128\ntimeout = 10\npolicy = "policies/list_buckets.json"',
        'runtime = "python3.12"\nmemory = 128\ntimeout = 10\narchitecture = "arm64"\n'
        'policy = "policies/list_buckets.json"'))
    lam = client(started["endpoint"], "lambda", Path(env["LAMBDACTL_HOME"]))
    before = lam.get_function(FunctionName="lambdactl-demo-list-buckets")["Configuration"]
    changed = json.loads(cli(root, env, "-o", "json", "up").stdout)
    assert changed["api_calls"]["writes"] > 0
    after = lam.get_function(FunctionName="lambdactl-demo-list-buckets")["Configuration"]
    assert after["Architectures"] == ["arm64"]
    assert after["LastModified"] != before["LastModified"]
    assert after["RevisionId"] != before["RevisionId"]
    again = json.loads(cli(root, env, "-o", "json", "up").stdout)
    assert again["api_calls"]["writes"] == 0, again


def test_status_after_a_sandbox_restart_says_it_was_reset(sandbox_project) -> None:  # type: ignore[no-untyped-def]
    root, env, _ = sandbox_project
    cli(root, env, "up")
    cli(root, env, "local", "stop")
    cli(root, env, "local", "start", "--port", "0")
    status = cli(root, env, "status", code=1).stdout
    assert "the sandbox was reset; `lambdactl up` recreates it" in status
    assert "deleted by hand" not in status


def test_sandbox_notices_go_to_stderr_not_the_log_group(sandbox_project) -> None:  # type: ignore[no-untyped-def]
    root, env, _ = sandbox_project
    bare = root / "bare-path"   # no python3.12 anywhere: the sandbox runs hello on the host's Python
    bare.mkdir()
    without = {**env, "PATH": str(bare), "PYENV_ROOT": str(bare), "UV_PYTHON_INSTALL_DIR": str(bare)}
    up = cli(root, without, "up")
    notice = [line for line in up.stderr.splitlines() if line.startswith("warning: hello on the sandbox:")]
    assert len(notice) == 1 and "no working python3.12 on this machine (PATH, pyenv, uv)" in notice[0]
    said = cli(root, without, "-o", "json", "invoke", "hello").stderr   # invoke says it too, first
    assert said.splitlines()[0].startswith("warning: hello on the sandbox: no working python3.12")
    invoked = json.loads(cli(root, env, "-o", "json", "invoke", "hello").stdout)
    if pythons.find("python3.12"):   # a machine with one (CI's pyenv): nothing to say
        assert "warning" not in cli(root, env, "invoke", "hello").stderr
    assert "START RequestId" in invoked["log"]
    assert "lambdactl sandbox" not in invoked["log"] and "no working" not in invoked["log"]
