"""logs: --since parsing, polling follow (dedupe, waiting, throttling), live tail, formatting, the command."""

from __future__ import annotations

import binascii
import io
import json
import struct
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from click.testing import CliRunner, Result
from moto import mock_aws

from lambdactl import logs as core
from lambdactl.cli import root
from lambdactl.errors import ConfigError

GROUP = "/aws/lambda/lambdactl-demo-hello"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


class Done(Exception):
    pass


def test_parse_since() -> None:
    assert core.parse_since("10m", NOW) == NOW - timedelta(minutes=10)
    assert core.parse_since("1h", NOW) == NOW - timedelta(hours=1)
    assert core.parse_since("2d", NOW) == NOW - timedelta(days=2)
    assert core.parse_since("30s", NOW) == NOW - timedelta(seconds=30)
    assert core.parse_since("2024-04-30T10:00:00Z", NOW) == datetime(2024, 4, 30, 10, tzinfo=UTC)
    assert core.parse_since("2024-04-30T10:00:00", NOW).tzinfo == UTC
    assert core.parse_since("2024-04-30T12:00:00+02:00", NOW) == datetime(2024, 4, 30, 10, tzinfo=UTC)
    with pytest.raises(ConfigError, match="--since"):
        core.parse_since("yesterday", NOW)


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        yield client


def put(client: Any, stream: str, ts: int, *messages: str) -> None:
    try:
        client.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    except client.exceptions.ResourceAlreadyExistsException:
        pass
    client.put_log_events(logGroupName=GROUP, logStreamName=stream,
                          logEvents=[{"timestamp": ts, "message": m} for m in messages])


def drive(gen: Iterator[core.LogEvent], script: list[Any]) -> list[str]:
    """Consume ``gen``; the fake sleep runs the next step of ``script`` each time, then stops."""
    out: list[str] = []
    try:
        for ev in gen:
            out.append(ev.message)
    except Done:
        pass
    return out


def scripted_sleep(script: list[Any], slept: list[float]) -> Any:
    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if not script:
            raise Done
        script.pop(0)()

    return sleep


def test_poll_never_loses_or_doubles_same_millisecond_events(logs: Any) -> None:
    t = int(time.time() * 1000)
    logs.create_log_group(logGroupName=GROUP)
    # 7 events in one millisecond across two streams, read 2 per page.
    put(logs, "a", t, *[f"a{i}" for i in range(4)])
    put(logs, "b", t, "b0", "b1", "b2")
    script = [
        lambda: put(logs, "a", t, "a4", "a5"),                    # same ms as already seen
        lambda: put(logs, "b", t + 1, "b3"),                      # a new ms
        lambda: None,                                             # nothing new
        lambda: (put(logs, "a", t + 1, "a6"), put(logs, "c", t - 500, "late")),  # a late writer
        lambda: put(logs, "c", t + 2, *[f"c{i}" for i in range(5)]),
    ]
    slept: list[float] = []
    gen = core.poll(logs, GROUP, core.from_ms(t - 1000), sleep=scripted_sleep(script, slept), limit=2)
    got = drive(gen, script)
    want = [f"a{i}" for i in range(7)] + [f"b{i}" for i in range(4)] + ["late"] + [f"c{i}" for i in range(5)]
    assert sorted(got) == sorted(want)
    assert len(got) == len(set(got))
    assert slept and all(s == core.POLL_INTERVAL for s in slept)


def test_poll_waits_for_a_missing_group(logs: Any) -> None:
    t = int(time.time() * 1000)
    notes: list[str] = []
    script = [lambda: None, lambda: (logs.create_log_group(logGroupName=GROUP), put(logs, "s", t, "first"))]
    gen = core.poll(logs, GROUP, core.from_ms(t - 10), sleep=scripted_sleep(script, []), on_wait=notes.append)
    assert drive(gen, script) == ["first"]
    assert len(notes) == 1 and "waiting for log group" in notes[0]


def test_a_group_deleted_while_followed_ends_the_follow_in_one_line(logs: Any) -> None:
    """`logs -f` while `destroy` runs: it polled the deleted group forever, silently."""
    from lambdactl.errors import AwsError

    t = int(time.time() * 1000)
    logs.create_log_group(logGroupName=GROUP)
    put(logs, "s", t, "before")
    script = [lambda: logs.delete_log_group(logGroupName=GROUP)]
    got: list[str] = []
    with pytest.raises(AwsError) as err:
        for ev in core.poll(logs, GROUP, core.from_ms(t - 10), sleep=scripted_sleep(script, [])):
            got.append(ev.message)
    assert got == ["before"]
    assert str(err.value) == (f"log group {GROUP} was deleted while following it (lambdactl destroy?); "
                              "nothing more will come; `lambdactl up` makes the function again")


def test_poll_backs_off_when_throttled() -> None:
    client = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(client)
    for _ in range(3):
        stub.add_client_error("filter_log_events", "ThrottlingException", "slow down", 400)
    stub.add_response("filter_log_events", {"events": [
        {"logStreamName": "s", "timestamp": 1_700_000_000_000, "message": "ok", "eventId": "1"}]})
    slept: list[float] = []
    with stub:
        script: list[Any] = [lambda: None] * 3
        gen = core.poll(client, GROUP, core.from_ms(1_700_000_000_000),
                        sleep=scripted_sleep(script, slept))
        assert drive(gen, script) == ["ok"]
    assert slept[:3] == [2.0, 4.0, 8.0]


# -- live tail --------------------------------------------------------------------
class FakeLogs:
    """Just enough of a logs client for live tail: scripted sessions and FilterLogEvents pages."""

    def __init__(self, sessions: list[Any], pages: list[list[dict[str, Any]]]) -> None:
        self.sessions = sessions
        self.pages = pages
        self.calls: list[str] = []

    def start_live_tail(self, **kwargs: Any) -> Any:
        assert kwargs["logGroupIdentifiers"] == ["arn:aws:logs:us-east-1:123456789012:log-group:" + GROUP]
        self.calls.append("live")
        item = self.sessions.pop(0)
        if isinstance(item, Exception):
            raise item
        return {"responseStream": item}

    def filter_log_events(self, **kwargs: Any) -> Any:
        self.calls.append("filter")
        return {"events": self.pages.pop(0) if len(self.pages) > 1 else self.pages[0]}


def err(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "StartLiveTail")


def update(*rows: tuple[int, str]) -> dict[str, Any]:
    return {"sessionUpdate": {"sessionMetadata": {"sampled": False}, "sessionResults": [
        {"logStreamName": "s", "timestamp": ts, "message": m, "logGroupIdentifier": GROUP} for ts, m in rows]}}


def breaking(items: list[Any], exc: Exception) -> Iterator[Any]:
    yield from items
    raise exc


def row(ts: int, message: str, event_id: str) -> dict[str, Any]:
    return {"logStreamName": "s", "timestamp": ts, "message": message, "eventId": event_id}


ARN = core.group_arn(GROUP, "us-east-1", "123456789012")


def test_live_tail_history_reconnect_gap_and_fallback() -> None:
    t = 1_700_000_000_000
    fake = FakeLogs(
        sessions=[
            breaking([{"sessionStart": {"sessionId": "1"}}, update((t, "old"), (t + 5, "new1"))],
                     err("SessionTimeoutException")),
            breaking([{"sessionStart": {"sessionId": "2"}}, update((t + 9, "new2"))], err("SessionTimeoutException")),
            breaking([], err("SessionStreamingException")),
            err("AccessDeniedException"),
        ],
        pages=[
            [row(t, "old", "1")],                                   # history
            [row(t + 5, "new1", "2"), row(t + 7, "gap", "3")],      # between sessions 1 and 2
            [row(t + 9, "new2", "4")],
            [row(t + 9, "new2", "4"), row(t + 11, "polled", "5")],  # polling after AccessDenied
        ],
    )
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        if len(slept) > 3:
            raise Done

    got = drive(core.follow(fake, GROUP, core.from_ms(t - 1000), sleep=sleep, live_arn=ARN), [])
    assert got == ["old", "new1", "gap", "new2", "polled"]   # each once, none lost between sessions
    assert fake.calls == ["live", "filter", "live", "filter", "live", "filter", "live", "filter"]
    assert slept == [1, 1, 2, 1.0]


def test_a_live_session_that_closes_at_once_means_polling() -> None:
    t = 1_700_000_000_000
    fake = FakeLogs(sessions=[iter([{"sessionStart": {}}, update()])],
                    pages=[[row(t, "old", "1")], [row(t, "old", "1"), row(t + 1, "polled", "2")]])
    notes: list[str] = []
    gen = core.follow(fake, GROUP, core.from_ms(t - 1000), sleep=scripted_sleep([], []),
                      live_arn=ARN, on_fallback=notes.append)
    assert drive(gen, []) == ["old", "polled"]
    assert fake.calls == ["live", "filter", "filter"] and "closed at once" in notes[0]


@pytest.mark.parametrize("code", ["AccessDeniedException", "UnknownOperationException", "LimitExceededException"])
def test_live_tail_falls_back_to_polling(code: str) -> None:
    t = 1_700_000_000_000
    fake = FakeLogs(sessions=[err(code)], pages=[[row(t, "polled", "1")]])
    notes: list[str] = []
    gen = core.follow(fake, GROUP, core.from_ms(t - 1000), sleep=scripted_sleep([], []),
                      live_arn=ARN, on_fallback=notes.append)
    assert drive(gen, []) == ["polled"]
    assert code in notes[0] and "polling" in notes[0]


# -- formatting ---------------------------------------------------------------------
EVENTS = [
    core.LogEvent(NOW, "START RequestId: 1f0e2a3b-aaaa Version: $LATEST", "s", "1"),
    core.LogEvent(NOW, "hello\n", "s", "2"),
    core.LogEvent(NOW, "[ERROR] ValueError: boom\rTraceback (most recent call last):\r  File x\n", "s", "3"),
    core.LogEvent(NOW, "END RequestId: 1f0e2a3b-aaaa", "s", "4"),
    core.LogEvent(NOW, "REPORT RequestId: 1f0e2a3b-aaaa\tDuration: 1.50 ms\tBilled Duration: 2 ms\t"
                       "Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 100.00 ms\t", "s", "5"),
]


def render(fmt: str, color: bool = False) -> list[str]:
    buf = io.StringIO()
    f = core.Formatter(buf, fmt, color)
    for ev in EVENTS:
        f(ev)
    return buf.getvalue().splitlines()


def test_short_format_is_compact_and_plain_when_piped() -> None:
    lines = render("short")
    assert lines[0] == "12:00:00.000 START 1f0e2a3b ($LATEST)"
    assert lines[1] == "12:00:00.000 hello"
    assert lines[2] == "12:00:00.000 [ERROR] ValueError: boom"
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-2] == "12:00:00.000 END   1f0e2a3b"
    assert lines[-1] == "12:00:00.000 REPORT 1f0e2a3b  1.50 ms (billed 2 ms)  40 MB of 128 MB  init 100.00 ms"
    assert "\x1b" not in "".join(lines)


def test_colour_on_a_terminal_and_other_formats() -> None:
    colored = render("short", color=True)
    assert core.DIM in colored[0] and core.RED in colored[2] and core.DIM in colored[-1]
    assert core.RED not in colored[1]
    detailed = render("detailed")
    assert detailed[0] == "2024-05-01T12:00:00.000Z s START RequestId: 1f0e2a3b-aaaa Version: $LATEST"
    docs = [json.loads(line) for line in render("json")]
    assert [d["kind"] for d in docs] == ["start", "output", "error", "end", "report"]
    assert docs[1] == {"timestamp": "2024-05-01T12:00:00.000Z", "stream": "s", "event_id": "2",
                       "kind": "output", "message": "hello"}


# -- the command ----------------------------------------------------------------------
def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def test_logs_command_history(project: Path, logs: Any) -> None:
    assert "no events" in run("logs", "hello").stderr   # no group yet: not an error
    t = int(time.time() * 1000)
    logs.create_log_group(logGroupName=GROUP)
    put(logs, "b", t - 2000, "second")
    put(logs, "a", t - 3000, "first")
    put(logs, "a", t - 3_600_000 * 2, "too old")
    put(logs, "b", t - 1000, "ERROR third")
    lines = run("logs", "hello").stdout.splitlines()
    assert [ln.split(" ", 1)[1] for ln in lines] == ["first", "second", "ERROR third"]
    assert len(run("logs", "hello", "--since", "3h").stdout.splitlines()) == 4
    docs = [json.loads(x) for x in run("logs", "hello", "--format", "json", "--filter", "ERROR").stdout.splitlines()]
    assert [d["message"] for d in docs] == ["ERROR third"]
    doc = json.loads(run("-o", "json", "logs", "hello").stdout)
    assert doc["log_group"] == GROUP and [e["message"] for e in doc["events"]] == ["first", "second", "ERROR third"]
    assert "--since" in run("logs", "hello", "--since", "later", code=2).stderr


def test_logs_follow_ctrl_c_is_one_line_and_exit_130(project: Path, logs: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C ends a follow as it ends any command at any point: one line, exit 130
    (it was 0 once the follow had started and 130 before: a script could not tell)."""
    t = int(time.time() * 1000)
    logs.create_log_group(logGroupName=GROUP)
    put(logs, "a", t, "hi")

    def interrupt(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupt)
    res = run("logs", "hello", "-f", code=130)
    assert res.stdout.split(" ", 1)[1] == "hi\n"
    assert res.stderr.splitlines()[-1] == "interrupted (Ctrl-C)" and "Traceback" not in res.stderr
    assert "live tail unavailable" in res.stderr   # moto has no StartLiveTail: polling


# -- live tail on the wire: botocore's own event-stream parser, no fake client -------
def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return struct.pack(">B", len(n)) + n + b"\x07" + struct.pack(">H", len(v)) + v


def _frame(headers: dict[str, str], payload: dict[str, Any]) -> bytes:
    """One binary event-stream message (prelude, headers, payload, CRCs)."""
    h = b"".join(_header(k, v) for k, v in headers.items())
    body = json.dumps(payload).encode()
    prelude = struct.pack(">II", 12 + len(h) + len(body) + 4, len(h))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    msg = prelude + h + body
    return msg + struct.pack(">I", binascii.crc32(msg) & 0xFFFFFFFF)


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return _frame({":message-type": "event", ":event-type": kind, ":content-type": "application/json"}, payload)


def _exception(kind: str) -> bytes:
    return _frame({":message-type": "exception", ":exception-type": kind,
                   ":content-type": "application/json"}, {"message": kind})


def _session(*parts: bytes) -> bytes:
    return _event("initial-response", {}) + _event("sessionStart", {"sessionId": "x"}) + b"".join(parts)


def _results(*rows: tuple[int, str]) -> bytes:
    return _event("sessionUpdate", {"sessionMetadata": {"sampled": False}, "sessionResults": [
        {"logStreamName": "s", "logGroupIdentifier": GROUP, "timestamp": ts, "ingestionTime": ts, "message": m}
        for ts, m in rows]})


class Wire:
    """Answers a real botocore logs client at HTTP level, from a script per operation."""

    def __init__(self, script: dict[str, list[tuple[int, bytes]]]) -> None:
        self.script = script
        self.calls: list[str] = []

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse
        from urllib3.response import HTTPResponse

        op = request.headers["X-Amz-Target"].decode().split(".")[-1]
        self.calls.append(op)
        status, body = self.script[op].pop(0)
        ctype = "application/vnd.amazon.eventstream" if op == "StartLiveTail" and status == 200 \
            else "application/x-amz-json-1.1"
        raw = HTTPResponse(body=io.BytesIO(body), preload_content=False, status=status)
        return AWSResponse(request.url, status, {"content-type": ctype}, raw)


def _wire_client(wire: Wire) -> Any:
    from botocore.config import Config

    client = boto3.client("logs", region_name="us-east-1", config=Config(retries={"max_attempts": 1}))
    client.meta.events.register("before-send.cloudwatch-logs", wire)
    return client


def _error(code: str) -> tuple[int, bytes]:
    return 400, json.dumps({"__type": code, "message": code}).encode()


def test_live_tail_on_the_wire_reconnects_then_falls_back() -> None:
    t = 1_700_000_000_000
    history_page = json.dumps({"events": [row(t, "old", "1")]}).encode()
    empty = json.dumps({"events": []}).encode()
    polled = json.dumps({"events": [row(t + 12, "new3", "9"), row(t + 13, "polled", "10")]}).encode()
    wire = Wire({
        "StartLiveTail": [
            (200, _session(_results((t, "old"), (t + 5, "new1")), _exception("SessionTimeoutException"))),
            (200, _session(_results((t + 9, "new2")), _exception("SessionStreamingException"))),
            (200, _session(_results((t + 12, "new3")), _exception("SessionTimeoutException"))),
            _error("AccessDeniedException"),
        ],
        "FilterLogEvents": [(200, history_page), (200, empty), (200, empty), (200, polled)],
    })
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        if s == core.POLL_INTERVAL and len(slept) > 3:
            raise Done

    got = drive(core.follow(_wire_client(wire), GROUP, core.from_ms(t - 1000), sleep=sleep, live_arn=ARN), [])
    assert got == ["old", "new1", "new2", "new3", "polled"]
    live, flt = "StartLiveTail", "FilterLogEvents"
    assert wire.calls == [live, flt, live, flt, live, flt, live, flt]
    assert slept == [1, 1, 1, 1.0]


def test_live_tail_on_the_wire_access_denied_falls_back_to_polling() -> None:
    t = 1_700_000_000_000
    page = json.dumps({"events": [{"logStreamName": "s", "timestamp": t, "message": "polled", "eventId": "1"}]})
    wire = Wire({"StartLiveTail": [_error("AccessDeniedException")],
                 "FilterLogEvents": [(200, page.encode())]})
    notes: list[str] = []
    gen = core.follow(_wire_client(wire), GROUP, core.from_ms(t - 1000), sleep=scripted_sleep([], []),
                      live_arn=ARN, on_fallback=notes.append)
    assert drive(gen, []) == ["polled"]
    assert "AccessDeniedException" in notes[0]


def test_logs_of_one_version(project: Path, logs: Any) -> None:
    """--version N: only the streams whose name carries [N], as Lambda names them."""
    t = int(time.time() * 1000)
    logs.create_log_group(logGroupName=GROUP)
    put(logs, "2026/12/03/[1]aaaa", t - 3000, "from one")
    put(logs, "2026/12/03/[2]bbbb", t - 2000, "from two")
    put(logs, "2026/12/03/[$LATEST]cccc", t - 1000, "from latest")
    assert [ln.split(" ", 1)[1] for ln in run("logs", "hello", "--version", "2").stdout.splitlines()] == ["from two"]
    assert [ln.split(" ", 1)[1] for ln in run("logs", "hello", "--version", "$LATEST").stdout.splitlines()] == ["from latest"]
    assert len(run("logs", "hello").stdout.splitlines()) == 3
