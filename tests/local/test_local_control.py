"""Starting, finding and stopping the sandbox process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control, inventory
from tests.local.conftest import alive


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private LAMBDACTL_HOME; whatever sandbox a test starts there is stopped."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield tmp_path
    control.stop()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _deploy_echo(info: control.SandboxInfo, name: str = "echo") -> Any:
    iam, lam = control.client(info, "iam"), control.client(info, "lambda")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    return lam


def test_control_imports_neither_moto_nor_boto3() -> None:
    code = (
        "import sys, lambdactl.local.control; print(sorted({'moto', 'boto3'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_start_stop_lifecycle(home: Path) -> None:
    assert control.read_state() is None
    info, started = control.start(port=0)
    assert started and info.endpoint == f"http://127.0.0.1:{info.port}"
    assert control.read_state() == info
    assert control.start(port=0) == (info, False)
    assert json.loads((home / "sandbox.json").read_text())["pid"] == info.pid
    assert Path(info.log_file) == home / "sandbox.log"

    lam = _deploy_echo(info)
    assert json.loads(lam.invoke(FunctionName="echo", Payload=b'{"a": 1}')["Payload"].read()) == {
        "a": 1
    }
    children = _children_of(info.pid)
    assert children, "the warm runtime environment is a child of the server"
    assert inventory.contents(info)["functions"] == [{"name": "echo", "region": "us-east-1"}]
    control.client(info, "sqs", "us-east-1").create_queue(QueueName="kept")   # destroy may keep one
    assert inventory.contents(info)["queues"] == [{"name": "kept", "region": "us-east-1"}]
    # What polls it for a function was not listed: a mapping left behind kept polling unseen.
    control.client(info, "iam").put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}]}))
    lam.create_event_source_mapping(FunctionName="echo", Enabled=False,
                                    EventSourceArn="arn:aws:sqs:us-east-1:123456789012:kept")
    assert inventory.contents(info)["mappings"] == [{"name": "sqs:kept -> echo", "region": "us-east-1"}]

    assert control.stop() is True
    assert not alive(info.pid)
    assert not any(alive(pid) for pid in children)
    assert control.port_free(info.port)
    assert not (home / "sandbox.json").exists()
    assert control.read_state() is None
    assert control.stop() is False


def test_port_in_use_is_a_one_line_error(home: Path, busy_port: int) -> None:
    with pytest.raises(control.SandboxError, match=f"port {busy_port} is already in use"):
        control.start(port=busy_port)


def test_ensure_running_avoids_a_taken_default_port(
    home: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(control, "DEFAULT_PORT", busy_port)
    info = control.ensure_running()
    assert info.port != busy_port
    assert control.ensure_running() == info


def test_stale_state_file_is_removed(home: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = control.SandboxInfo(dead.pid, 1, "http://127.0.0.1:1", time.time(), "x.log")
    control.write_state(home / "sandbox.json", stale)
    assert control.read_state() is None
    assert not (home / "sandbox.json").exists()


def test_failed_start_reports_the_log(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control, "SERVER_MODULE", "lambdactl.local.no_such_module")
    with pytest.raises(control.SandboxError) as err:
        control.start(port=0, wait=10)
    assert "sandbox failed to start" in str(err.value)
    assert "No module named lambdactl.local.no_such_module" in str(err.value)


def test_server_environment_never_carries_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    env = control.sandbox_environment(role_delay=2)
    assert "AWS_ACCESS_KEY_ID" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert "AWS_SESSION_TOKEN" not in env and "AWS_PROFILE" not in env
    assert "GITHUB_TOKEN" not in env and "HOME" not in env
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH", "PYTHONUNBUFFERED",
                        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_DEFAULT_REGION",
                        "LAMBDACTL_SANDBOX_ROLE_DELAY", "PYENV_ROOT", "UV_PYTHON_INSTALL_DIR",
                        "XDG_DATA_HOME", "LAMBDACTL_RUNTIME_CACHE"}
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert env["LAMBDACTL_SANDBOX_ROLE_DELAY"] == "2"


def test_role_delay_makes_new_roles_unassumable_for_a_while(home: Path) -> None:
    info, _ = control.start(port=0, role_delay=1.5)
    with pytest.raises(ClientError) as err:
        _deploy_echo(info)
    error = err.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "The role defined for the function cannot be assumed by Lambda."
    time.sleep(1.6)  # the role was created just before the failed call
    lam = control.client(info, "lambda")
    role = control.client(info, "iam").get_role(RoleName="r")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 1\n")
    lam.create_function(
        FunctionName="late",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )


def test_a_stopped_sandbox_is_one_line_at_once_and_stops(tmp_path: Path) -> None:
    """SIGSTOP: the process accepts connections but never answers; `status` said
    nothing for minutes (70 s read timeout x 9 attempts)."""

    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}
    lambdactl = [sys.executable, "-m", "lambdactl", "--target", "local"]
    subprocess.run([*lambdactl, "local", "start", "--port", "0"], env=env, check=True, capture_output=True, timeout=60)
    info = json.loads((tmp_path / "home" / "sandbox.json").read_text())
    os.kill(info["pid"], signal.SIGSTOP)
    try:
        (tmp_path / "lambdactl.toml").write_text(
            '[project]\nname = "p"\n[functions.f]\nsource = "."\nhandler = "app.h"\n')
        (tmp_path / "app.py").write_text("def h(e, c): pass\n")
        started = time.monotonic()
        done = subprocess.run([*lambdactl, "status"], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
        assert time.monotonic() - started < 5
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            f"error: the sandbox at http://127.0.0.1:{info['port']} does not answer: its process "
            f"{info['pid']} is stopped; resume it with `kill -CONT {info['pid']}`, or restart it "
            "with `lambdactl local stop`"]
    finally:
        stopped = subprocess.run([*lambdactl, "local", "stop"], env=env, capture_output=True, timeout=60)
    assert stopped.returncode == 0


def test_a_silent_endpoint_times_out_in_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where procfs cannot tell (macOS) or the sandbox stops mid-command: the local
    target's short read timeout and single retry, then one line."""

    from lambdactl import aws as aws_mod
    from lambdactl.cli import to_user_error

    monkeypatch.setattr(aws_mod, "LOCAL_READ_TIMEOUT", 1)
    # No sandbox runs here: the local target signs with a key as a running one would give.
    monkeypatch.setattr(control, "credentials", lambda: ("LKIATEST", "secret"))
    with socket.socket() as listener:   # accepts (the kernel's backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
        target = aws_mod.Aws(aws_mod.Target("local", "us-east-1", None, endpoint))
        started = time.monotonic()
        with pytest.raises(Exception) as info:
            target.client("lambda").list_functions()
        assert time.monotonic() - started < 4  # 2 attempts of 1 s
    assert str(to_user_error(info.value)) == (
        f"the sandbox at {endpoint} does not answer (stopped?); see `lambdactl local status`; "
        "restart it with `lambdactl local stop`")


def test_start_with_other_settings_than_the_running_sandbox_says_so(tmp_path: Path) -> None:
    """`up` started the sandbox (IAM enforced); then `local start --no-iam` said "already
    running", exit 0, and handlers stayed denied: the user believed IAM was off."""
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}
    lambdactl = [sys.executable, "-m", "lambdactl", "local"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*lambdactl, *args], env=env, capture_output=True, text=True, timeout=60)

    try:
        assert run("start", "--port", "0").returncode == 0
        port = json.loads((tmp_path / "home" / "sandbox.json").read_text())["port"]
        refused = run("start", "--port", "0", "--no-iam")
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.strip().splitlines() == [
            f"error: the sandbox at http://127.0.0.1:{port} is already running without --no-iam; "
            "it keeps the settings it started with; `lambdactl local stop` (what it holds is "
            "lost), then `lambdactl local start --no-iam`"]
        assert "already running without --cpu-share;" in run("start", "--port", "0", "--cpu-share").stderr
        assert run("start", "--port", "0").returncode == 0   # as it is: fine
        run("stop")
        assert run("start", "--port", "0", "--no-iam").returncode == 0
        status = json.loads(run("status", "-o", "json").stdout)
        assert status["iam"] is False
        assert "IAM not enforced (--no-iam)" in run("start", "--port", "0").stdout
    finally:
        run("stop")


def test_local_start_without_a_port_takes_a_free_one_when_4577_is_taken(tmp_path: Path) -> None:
    """On a shared machine another user's sandbox holds 4577: `local start` (no --port)
    failed with "port 4577 is already in use by another process", where `up` (which
    starts one on demand) took a free port."""
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    lambdactl = [sys.executable, "-m", "lambdactl", "-o", "json"]
    with socket.socket() as other:
        with contextlib.suppress(OSError):   # else someone holds it already: as well
            other.bind(("127.0.0.1", control.DEFAULT_PORT))
            other.listen()
        try:
            out = subprocess.run([*lambdactl, "local", "start"], env=env, capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            assert json.loads(out.stdout)["port"] != control.DEFAULT_PORT
        finally:
            subprocess.run([*lambdactl, "local", "stop"], env=env, capture_output=True, timeout=60)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_disk_at_start_is_said_so(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LAMBDACTL_HOME on a full disk: the server's state file cannot be written, and the
    line was "sandbox failed to start (exit 1): File ".../control.py", line 112, in
    write_state | with os.fdopen(...) | OSError: [Errno 28] No space left on device".
    The stand-in server writes to /dev/full, a real ENOSPC."""
    (home / "fullserver.py").write_text("with open('/dev/full', 'w') as out:\n    out.write('{}')\n")
    monkeypatch.setattr(control, "SERVER_MODULE", "fullserver")   # python -m finds it in its cwd, home
    with pytest.raises(control.SandboxError) as err:
        control.start(port=0, wait=10)
    assert str(err.value) == (f"{home}: no space left on device; free some disk space, or set LAMBDACTL_HOME "
                              "to a directory on another disk")
