"""CloudWatch Logs for a function: history, follow (live tail or polling), formatting.

Shaped like aws-cli's ``logs tail``: event generators that take ``sleep`` and
``now`` as arguments (so tests drive them with a fake clock), and formatters
that only render to an injected stream. Timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lambdactl.errors import AwsError
from lambdactl.logformat import (  # noqa: F401 - the formatting, imported from here
    BOLD,
    DIM,
    RED,
    RESET,
    Formatter,
    compact,
    event_json,
    kind_of,
    of_version,
    only_version,
)
from lambdactl.times import EPOCH, from_ms, parse_since, to_ms, utcnow  # noqa: F401 - the log commands' clock

POLL_INTERVAL = 1.0      # s between polls; aws-cli sleeps 5 s
MAX_BACKOFF = 10.0       # s, the longest wait after throttling
OVERLAP_MS = 2000        # re-read this much before the newest event: late writers are not lost


@dataclass(frozen=True)
class LogEvent:
    timestamp: datetime   # UTC, aware
    message: str
    stream: str = ""
    event_id: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Identity for de-duplication (eventId, per stream: moto numbers them per stream)."""
        return (self.stream, self.event_id or f"{self.timestamp.timestamp()}:{self.message}")


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def fetch(logs: Any, group: str, start_ms: int, end_ms: int | None = None,
          pattern: str | None = None, limit: int | None = None) -> list[LogEvent]:
    """Every event in [start, end] across streams, all pages, in time order.

    Raises ResourceNotFoundException when the group does not exist.
    """
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    if end_ms is not None:
        kwargs["endTime"] = end_ms
    if pattern:
        kwargs["filterPattern"] = pattern
    if limit:
        kwargs["limit"] = limit
    out: list[LogEvent] = []
    while True:
        resp = logs.filter_log_events(**kwargs)
        for e in resp.get("events", []):
            out.append(LogEvent(from_ms(int(e["timestamp"])), str(e.get("message", "")),
                                str(e.get("logStreamName", "")), str(e.get("eventId", ""))))
        token = resp.get("nextToken")
        if not token or token == kwargs.get("nextToken"):
            break
        kwargs["nextToken"] = token
    # Stable: same-millisecond events keep the order the service returned them in.
    out.sort(key=lambda ev: ev.timestamp)
    return out


def history(logs: Any, group: str, start: datetime, pattern: str | None = None,
            end: datetime | None = None, limit: int | None = None) -> list[LogEvent]:
    """Past events; an empty list when the group does not exist yet."""
    try:
        return fetch(logs, group, to_ms(start), to_ms(end) if end else None, pattern, limit)
    except Exception as exc:
        if _code(exc) == "ResourceNotFoundException":
            return []
        raise


def poll(logs: Any, group: str, start: datetime, pattern: str | None = None, *,
         sleep: Callable[[float], None], interval: float = POLL_INTERVAL,
         overlap_ms: int = OVERLAP_MS, limit: int | None = None,
         on_wait: Callable[[str], None] | None = None, existed: bool = False) -> Iterator[LogEvent]:
    """Follow by polling FilterLogEvents; yields each event once, forever.

    Each poll restarts ``overlap_ms`` before the newest timestamp seen and drops
    events whose id was already yielded, so neither several events in one
    millisecond (across pages or polls) nor a writer that stamped its event a
    moment before another's is lost or doubled. A missing group is waited for; one
    that goes away (EXISTED: it was there before) ends the follow with an AwsError
    (`destroy` ran); throttling backs off up to MAX_BACKOFF.
    """
    start_ms = to_ms(start)
    newest = start_ms
    seen: dict[tuple[str, str], int] = {}   # key -> timestamp, pruned below the window
    wait = interval
    waiting_said = False
    while True:
        window = max(start_ms, newest - overlap_ms)
        try:
            events = fetch(logs, group, window, None, pattern, limit)
        except Exception as exc:
            code = _code(exc)
            if code == "ResourceNotFoundException" and existed:
                raise AwsError(f"log group {group} was deleted while following it (lambdactl destroy?)",
                               "nothing more will come; `lambdactl up` makes the function again",
                               code=code) from exc
            if code == "ResourceNotFoundException":
                if on_wait and not waiting_said:
                    on_wait(f"waiting for log group {group} (the function has not run yet)")
                    waiting_said = True
                sleep(interval)
                continue
            if code in ("ThrottlingException", "Throttling", "TooManyRequestsException"):
                wait = min(wait * 2, MAX_BACKOFF)
                sleep(wait)
                continue
            raise
        wait, existed = interval, True
        for ev in events:
            if ev.key in seen:
                continue
            ms = to_ms(ev.timestamp)
            seen[ev.key] = ms
            newest = max(newest, ms)
            yield ev
        floor = max(start_ms, newest - overlap_ms)
        for k in [k for k, ms in seen.items() if ms < floor]:
            del seen[k]
        sleep(interval)


def group_arn(group: str, region: str, account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{group}"


def live_arn(aws: Any, group: str) -> str | None:
    """The group's ARN for live tail on real AWS; None (poll) on the sandbox or an endpoint."""
    if aws.target.kind == "aws" and not aws.target.endpoint_url:
        return group_arn(group, aws.region, aws.account_id, aws.partition)
    return None


class LiveTailUnavailable(Exception):
    """StartLiveTail cannot be used here: poll instead."""


def start_live(logs: Any, arn: str, pattern: str | None = None) -> Any:
    """Start a live tail session; LiveTailUnavailable on any error (no permission,
    UnknownOperation on LocalStack/moto, LimitExceededException, ...)."""
    kwargs: dict[str, Any] = {"logGroupIdentifiers": [arn]}
    if pattern:
        kwargs["logEventFilterPattern"] = pattern
    try:
        return logs.start_live_tail(**kwargs)
    except Exception as exc:
        raise LiveTailUnavailable(_code(exc) or type(exc).__name__) from exc


def session_events(resp: Any, ended: list[str] | None = None) -> Iterator[LogEvent]:
    """Events of one live tail session; returns when it ends (SessionTimeoutException
    after 3 h, SessionStreamingException, or the stream closing), appending the
    reason ("timeout", "streaming", "closed") to ``ended``."""
    reason = "closed"
    try:
        for item in resp["responseStream"]:
            update = item.get("sessionUpdate")
            if not update:
                continue  # sessionStart
            for r in update.get("sessionResults", []):
                yield LogEvent(from_ms(int(r["timestamp"])), str(r.get("message", "")),
                               str(r.get("logStreamName", "")))
    except Exception as exc:
        code = _code(exc) or type(exc).__name__
        if "SessionTimeout" in code:
            reason = "timeout"
        elif "SessionStreaming" in code:
            reason = "streaming"
        else:
            raise
    if ended is not None:
        ended.append(reason)


class _Shown:
    """What was printed lately, by (stream, ms, message): live tail events have no eventId."""

    def __init__(self, overlap_ms: int = OVERLAP_MS) -> None:
        self.keys: dict[tuple[str, int, str], int] = {}
        self.newest = 0
        self.overlap_ms = overlap_ms

    def add(self, ev: LogEvent) -> bool:
        """True if ``ev`` is new (and remember it)."""
        ms = to_ms(ev.timestamp)
        key = (ev.stream, ms, ev.message)
        if key in self.keys:
            return False
        self.keys[key] = ms
        if ms > self.newest:
            self.newest = ms
            floor = ms - self.overlap_ms * 4
            for k in [k for k, t in self.keys.items() if t < floor]:
                del self.keys[k]
        return True


def follow(logs: Any, group: str, start: datetime, pattern: str | None = None, *,
           sleep: Callable[[float], None], now: Callable[[], datetime] = utcnow,
           live_arn: str | None = None, interval: float = POLL_INTERVAL,
           on_wait: Callable[[str], None] | None = None,
           on_fallback: Callable[[str], None] | None = None) -> Iterator[LogEvent]:
    """History since ``start``, then new events as they come, forever.

    With ``live_arn`` (real AWS) live tail is used. It has no backfill, so each
    session starts before the history (or the gap since the last session) is
    read with FilterLogEvents, and events shown twice are dropped. Any error
    starting a session: poll from where we are instead.
    """
    if not live_arn:
        yield from poll(logs, group, start, pattern, sleep=sleep, interval=interval, on_wait=on_wait)
        return
    shown = _Shown()
    since = start
    reconnects = 0
    closed_at_once = None
    while True:
        try:
            if closed_at_once:
                raise LiveTailUnavailable(closed_at_once)
            resp = start_live(logs, live_arn, pattern)
            began = now()
        except LiveTailUnavailable as exc:
            if on_fallback:
                on_fallback(f"live tail unavailable ({exc}); polling every {interval:g} s")
            for ev in poll(logs, group, since, pattern, sleep=sleep, interval=interval, on_wait=on_wait,
                           existed=shown.newest is not None):
                if shown.add(ev):
                    yield ev
            return
        for ev in history(logs, group, since, pattern, end=now()):
            if shown.add(ev):
                yield ev
        ended: list[str] = []
        for ev in session_events(resp, ended):
            if shown.add(ev):
                yield ev
            reconnects = 0
        if ended == ["closed"] and now() - began < timedelta(seconds=60):
            # A session that closes at once without SessionTimeoutException is an
            # emulation (moto answers with one empty update): poll instead.
            closed_at_once = "the session closed at once"
        # The session ended: reconnect, and read the gap from just before the newest event.
        since = max(since, from_ms(shown.newest - OVERLAP_MS)) if shown.newest else since
        if closed_at_once:
            continue
        reconnects += 1
        sleep(min(reconnects, 5))
