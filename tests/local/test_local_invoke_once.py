"""A RequestResponse Invoke runs the handler once: never retried after it was sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl import invoke as core
from lambdactl.aws import INVOKE_MARGIN, Aws, Target
from lambdactl.errors import AwsError
from lambdactl.local import control


@pytest.fixture(autouse=True)
def signs_as_the_sandbox(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Aws(Target("local")) signs with the running sandbox's key (its state file is in the
    session's sandbox home, not this test's LAMBDACTL_HOME); no sandbox: any key."""
    info = request.getfixturevalue("sandbox") if "sandbox" in request.fixturenames else None
    creds = (info.access_key_id, info.secret_access_key) if info else ("LKIATEST", "secret")
    monkeypatch.setattr(control, "credentials", lambda: creds)


def runs(aws: Callable[[str], Any], name: str, ended: int, timeout: float = 15.0) -> int:
    """The invocations of NAME (START lines in its log group), once ENDED have ended."""
    deadline = time.monotonic() + timeout
    logs = aws("logs")
    while True:
        try:
            messages = [e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]
        except logs.exceptions.ResourceNotFoundException:   # under load: the first line not written yet
            messages = []
        if sum(m.startswith("END RequestId") for m in messages) >= ended or time.monotonic() > deadline:
            return sum(m.startswith("START RequestId") for m in messages)
        time.sleep(0.1)


def test_invoke_longer_than_the_read_timeout_runs_the_handler_once(
        sandbox: control.SandboxInfo, aws: Callable[[str], Any], make_function: Any) -> None:
    """The shared client's settings (read timeout, 8 retries) re-sent an Invoke whose
    answer came late, so the handler ran again each time. Here the answer comes
    after the read timeout: one line, and the handler has run once."""
    name = make_function("app.sleep", Timeout=10)
    target = Aws(Target("local", "us-east-1", None, sandbox.endpoint))
    lam = target.invoke_client(function_timeout=1, margin=0)  # a read timeout of 1 s
    started = time.monotonic()
    with pytest.raises(AwsError, match=f"{name} did not answer within 1 s; not retried"):
        core.invoke(lam, name, b'{"seconds": 3}')
    assert time.monotonic() - started < 2.5  # no second attempt waited for
    assert runs(aws, name, ended=1) == 1
    assert target.counter.calls["Invoke"] == 1


def test_invoke_client_waits_past_the_function_timeout(sandbox: control.SandboxInfo,
                                                       make_function: Any) -> None:
    name = make_function("app.sleep", Timeout=3)
    lam = Aws(Target("local", "us-east-1", None, sandbox.endpoint)).invoke_client(3)
    assert lam.meta.config.read_timeout == 3 + INVOKE_MARGIN
    assert lam.meta.config.retries["total_max_attempts"] == 1
    assert core.invoke(lam, name, b'{"seconds": 2}').payload == "woke"


def test_connection_failures_are_retried_before_anything_is_sent() -> None:
    """Nothing listens on port 1: the request never reaches Lambda, so retrying is safe."""
    target = Aws(Target("local", "us-east-1", None, "http://127.0.0.1:1"))
    lam = target.invoke_client(3)
    waits: list[float] = []
    from botocore.exceptions import EndpointConnectionError

    with pytest.raises(EndpointConnectionError):
        core.send(lam, {"FunctionName": "f", "Payload": b"{}"}, sleep=waits.append)
    assert target.counter.calls["Invoke"] == 3 and waits == [0.5, 1.0]
