"""Function logs written straight into the sandbox's CloudWatch Logs backend.

The runtime lives in the moto server process, so it writes to moto's logs
backend in memory: an event is visible to FilterLogEvents / GetLogEvents the
moment it is put, which is what ``logs --follow`` relies on.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime

from lambdactl.local import logcap


def stream_name(version: str, now: datetime | None = None) -> str:
    """A log stream name shaped like Lambda's: ``2024/05/01/[$LATEST]<32 hex>``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y/%m/%d}/[{version}]{secrets.token_hex(16)}"


def now_ms() -> int:
    return int(time.time() * 1000)


class LogSink:
    """Puts events into moto's logs backend for one account and region at a time.

    One lock serialises writers: moto's LogStream.put_log_events is not thread-safe.
    """

    def __init__(self) -> None:
        from moto.logs.models import logs_backends

        self._lock = threading.Lock()
        self._backends = logs_backends   # imported once, not on every put (two per invoke)
        self._sizes: dict[tuple[str, str, str], int] = {}   # what a group holds (logcap.cost)

    def put(
        self,
        account_id: str,
        region: str,
        group: str,
        stream: str,
        messages: list[str],
        timestamp_ms: int | None = None,
    ) -> None:
        if not messages:
            return
        stamp = timestamp_ms if timestamp_ms is not None else now_ms()
        events = [{"timestamp": stamp, "message": m} for m in messages]
        backend = self._backends[account_id][region]
        with self._lock:
            # Lambda (re)creates its log group and stream on first write, also
            # after someone deleted them while the environment stayed warm.
            backend.ensure_log_group(group)
            log_group = backend.groups[group]
            if stream not in log_group.streams:
                log_group.create_log_stream(stream)
            if timestamp_ms is None:
                # Stamped now, one stamp: PutLogEvents' window (14 days back, 2 hours on) and
                # order checks cannot refuse them, and cost 4 clock reads each time.
                log_group.put_log_events(stream, events)
            else:
                backend.put_log_events(group, stream, events)
            key = (account_id, region, group)
            self._sizes[key] = self._sizes.get(key, 0) + logcap.cost(messages)
            if self._sizes[key] > logcap.CAP:   # a handler printing without end: keep the newest
                self._sizes[key] = logcap.trim(log_group)
