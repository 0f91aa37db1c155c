"""The local runtime in this process, without the moto server in front of it."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from lambdactl.local.runtime import FunctionSpec, LocalRuntime


def _spec(code: bytes, handler: str = "app.echo") -> FunctionSpec:
    return FunctionSpec(
        name="inproc",
        arn="arn:aws:lambda:us-east-1:123456789012:function:inproc",
        version="$LATEST",
        account_id="123456789012",
        region="us-east-1",
        handler=handler,
        runtime="python3.11",
        memory_mb=128,
        timeout_s=3,
        code_sha="sha",
        code=code,
    )


def test_idle_environments_are_reaped(tmp_path: Path, zip_handlers: Callable[..., bytes]) -> None:
    runtime = LocalRuntime(tmp_path, "http://127.0.0.1:9")
    try:
        spec = _spec(zip_handlers("app.py"))
        assert json.loads(runtime.invoke(spec, b"{}").payload)["count"] == 1
        assert json.loads(runtime.invoke(spec, b"{}").payload)["count"] == 2
        (env,) = runtime.pool.all()
        runtime.pool.reap(idle_ttl=0.0)
        assert env.proc.wait(5) is not None
        result = runtime.invoke(spec, b"{}")
        assert json.loads(result.payload)["count"] == 1
        assert "Init Duration" in result.log_tail
    finally:
        runtime.shutdown()
    assert all(e.proc.poll() is not None for e in runtime.pool.all())
    assert not (tmp_path / "code").exists()


def test_log_events_reach_the_logs_backend(
    tmp_path: Path, zip_handlers: Callable[..., bytes]
) -> None:
    from moto.logs.models import logs_backends

    runtime = LocalRuntime(tmp_path, "http://127.0.0.1:9")
    try:
        result = runtime.invoke(_spec(zip_handlers("app.py")), b'{"k": 1}')
    finally:
        runtime.shutdown()
    group = logs_backends["123456789012"]["us-east-1"].groups["/aws/lambda/inproc"]
    messages = [e.message for stream in group.streams.values() for e in stream.events]
    assert f"START RequestId: {result.request_id} Version: $LATEST" in messages
    assert "echo 1 {'k': 1}" in messages


@pytest.mark.parametrize(("init_s", "timeout_s"), [(1.6, 3), (4.5, 2)], ids=["in-time", "past-timeout"])
def test_an_init_past_the_init_limit_goes_on_under_the_timeout(
    tmp_path: Path, zip_handlers: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch,
    init_s: float, timeout_s: float,
) -> None:
    """Lambda's 10 s init limit (1 s here): the init's timeout is logged as Lambda logs it,
    and the init goes on inside the invocation under the function's Timeout. It used to
    fail at the limit with "Task timed out after <Timeout> seconds", an INIT_REPORT of
    0.00 ms and "Error Type: None"."""
    from lambdactl.local import environment

    monkeypatch.setattr(environment, "INIT_LIMIT_S", 1.0)
    spec = dataclasses.replace(_spec(zip_handlers("slow_init.py"), "slow_init.handler"), timeout_s=timeout_s,
                               environment=(("INIT_SECONDS", str(init_s)),))
    runtime = LocalRuntime(tmp_path, "http://127.0.0.1:9")
    try:
        started = time.monotonic()
        result = runtime.invoke(spec, b"{}")
        took = time.monotonic() - started
    finally:
        runtime.shutdown()
    lines = result.log_tail.splitlines()
    assert lines[0] == "init starts"
    assert lines[1] == "INIT_REPORT Init Duration: 1000.00 ms\tPhase: init\tStatus: timeout"
    assert lines[2].startswith("START RequestId: ") and "None" not in result.log_tail
    report = lines[-1]
    assert report.startswith("REPORT ") and "Init Duration" not in report
    if init_s < 1.0 + timeout_s:
        assert result.function_error is None and json.loads(result.payload) == {"ok": True}
        assert "handler runs" in lines
    else:
        assert json.loads(result.payload)["errorType"] == "Sandbox.Timedout"
        assert f"Task timed out after {timeout_s:.2f} seconds" in result.log_tail
        assert f"Duration: {timeout_s * 1000:.2f} ms" in report and "Status: timeout" in report
        assert 1.0 + timeout_s <= took < 1.0 + timeout_s + 3
