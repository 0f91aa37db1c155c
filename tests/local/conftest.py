"""Fixtures for the sandbox tests: an isolated environment and one running sandbox.

Nothing here can reach AWS: dummy credentials, a temporary LAMBDACTL_HOME, and
AWS config/credential files pointed at paths that do not exist.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control

HANDLERS = Path(__file__).parent / "handlers"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# In the environment the session's sandbox is started from; no handler may see it.
PLANTED = {"LAMBDACTL_PLANTED_TOKEN": "planted-secret-4f1d", "GITHUB_TOKEN": "ghp_planted-4f1d"}


def isolated_env(home: Path) -> dict[str, str | None]:
    return {
        "LAMBDACTL_HOME": str(home),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": None,
        "AWS_PROFILE": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_ENDPOINT_URL": None,
        "AWS_CONFIG_FILE": str(home / "no-such-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-such-aws-credentials"),
    }


@pytest.fixture(scope="session")
def sandbox_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("lambdactl-home")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in isolated_env(home).items():
            if value is None:
                mp.delenv(key, raising=False)
            else:
                mp.setenv(key, value)
        for key, value in PLANTED.items():
            mp.setenv(key, value)
        yield home


@pytest.fixture(scope="session")
def sandbox(sandbox_home: Path) -> Iterator[control.SandboxInfo]:
    """One sandbox on a free port for the whole session, stopped at the end."""
    info, started = control.start(port=0)
    assert started
    yield info
    control.stop()


@contextlib.contextmanager
def own_sandbox(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[control.SandboxInfo]:
    """A sandbox of a test module's own, in its own LAMBDACTL_HOME (a test that fails in
    it may have wiped, escalated or starved it), stopped at the end."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAMBDACTL_HOME", str(tmp_path_factory.mktemp(name)))
        info, _ = control.start(port=0)
        try:
            yield info
        finally:
            control.stop()


@pytest.fixture(scope="session")
def aws(sandbox: control.SandboxInfo) -> Callable[[str], Any]:
    clients: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in clients:
            clients[service] = control.client(sandbox, service, "us-east-1")
        return clients[service]

    return get


@pytest.fixture(scope="session")
def role_arn(aws: Callable[[str], Any]) -> str:
    role = aws("iam").create_role(
        RoleName="sandbox-test", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY)
    )
    # The sandbox enforces IAM: the test functions' role may do anything.
    aws("iam").put_role_policy(RoleName="sandbox-test", PolicyName="all",
                               PolicyDocument=json.dumps(ALLOW_ALL))
    return str(role["Role"]["Arn"])


@pytest.fixture(scope="session")
def zip_handlers() -> Callable[..., bytes]:
    return package


def alive(pid: int) -> bool:
    """Is PID a running process (not gone, not a zombie)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def package(*names: str) -> bytes:
    """A zip of handler files from tests/local/handlers, at the package root."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            zf.write(HANDLERS / name, name)
    return buf.getvalue()


@pytest.fixture(scope="session")
def make_function(aws: Callable[[str], Any], role_arn: str) -> Callable[..., str]:
    def make(handler: str, *, files: tuple[str, ...] = ("app.py",), **options: Any) -> str:
        name = f"t-{handler.replace('.', '-')}-{uuid.uuid4().hex[:6]}"
        aws("lambda").create_function(
            FunctionName=name,
            Runtime=options.pop("Runtime", "python3.11"),
            Role=role_arn,
            Handler=handler,
            Code={"ZipFile": package(*files)},
            **options,
        )
        return name

    return make


@pytest.fixture(scope="session")
def wait_for_log(aws: Callable[[str], Any]) -> Callable[..., tuple[float, list[str]]]:
    return lambda group, needle, timeout=10.0: _wait_for_log(aws("logs"), group, needle, timeout)


def _wait_for_log(
    logs: Any, group: str, needle: str, timeout: float = 10.0
) -> tuple[float, list[str]]:
    """Poll the log group until a message contains ``needle``; (seconds waited, messages)."""
    start = time.monotonic()
    messages: list[str] = []
    while time.monotonic() - start < timeout:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        messages = [e["message"] for e in events]
        if any(needle in m for m in messages):
            return time.monotonic() - start, messages
        time.sleep(0.01)
    raise AssertionError(f"{needle!r} not in {group} after {timeout} s: {messages}")
