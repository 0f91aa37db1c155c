"""Time for the log commands: timezone-aware UTC, epoch milliseconds, --since."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from lambdactl.errors import ConfigError


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RELATIVE = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """"10m", "1h", "2d", "1w" before now, or an ISO 8601 time (naive means UTC)."""
    text = text.strip()
    m = _RELATIVE.match(text)
    try:
        if m:
            when = now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        else:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:  # timedelta or datetime beyond year 1..9999
        when = datetime.min.replace(tzinfo=UTC)
    except ValueError as exc:
        raise ConfigError(
            f"--since {text!r} is not a duration or a time",
            "use e.g. 30s, 10m, 1h, 2d or 2024-05-01T12:00:00Z",
        ) from exc
    if when < EPOCH:  # CloudWatch Logs' startTime counts milliseconds from 1970
        raise ConfigError(
            f"--since {text!r} reaches back before 1970, where CloudWatch Logs has no events",
            f"use at most {(now - EPOCH).days}d or a time after 1970-01-01",
        )
    return when


# -- event generators ---------------------------------------------------------
