"""The local runtime in this process, without the moto server in front of it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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
