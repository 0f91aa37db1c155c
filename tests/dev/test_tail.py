"""dev's log stream: two functions' log groups (moto, in process) as one stream,
each line prefixed with its function, a colour each on a terminal."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from lambdactl.dev.tail import COLOURS, Tail
from lambdactl.logs import utcnow


@pytest.fixture
def logs() -> Iterator[object]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        for group in ("/aws/lambda/a", "/aws/lambda/bee"):
            client.create_log_group(logGroupName=group)
            client.create_log_stream(logGroupName=group, logStreamName="s")
        yield client


def put(client, group: str, message: str) -> None:  # type: ignore[no-untyped-def]
    client.put_log_events(logGroupName=group, logStreamName="s",
                          logEvents=[{"timestamp": int(time.time() * 1000), "message": message}])


def lines_after(out: io.StringIO, n: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while out.getvalue().count("\n") < n:
        assert time.monotonic() < deadline, out.getvalue()
        time.sleep(0.02)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("color", [False, True])
def test_two_functions_one_stream(logs, color: bool) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    tail = Tail(logs, out, utcnow(), color=color, interval=0.05)
    tail.follow("a", "/aws/lambda/a")
    tail.follow("bee", "/aws/lambda/bee")
    try:
        put(logs, "/aws/lambda/a", "hello from a")
        put(logs, "/aws/lambda/bee", "hello from bee")
        lines = sorted(lines_after(out, 2), key=lambda line: line.endswith("bee"))
    finally:
        tail.stop()
    if color:
        assert lines[0].startswith(f"{COLOURS[0]}a   | ") and lines[0].endswith("hello from a")
        assert lines[1].startswith(f"{COLOURS[1]}bee | ") and lines[1].endswith("hello from bee")
    else:
        assert re.fullmatch(r"a   \| \d\d:\d\d:\d\d\.\d{3} hello from a", lines[0]), lines
        assert re.fullmatch(r"bee \| \d\d:\d\d:\d\d\.\d{3} hello from bee", lines[1]), lines
    assert all(not t.is_alive() for t in tail._threads.values())   # stop() ends the followers
