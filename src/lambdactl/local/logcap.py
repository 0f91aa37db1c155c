"""A bound on what the sandbox keeps of a log group: the newest events, about 32 MB.

CloudWatch keeps every line a function prints; the sandbox keeps them in its own
memory (moto's logs backend), where a handler printing in a loop (100 MB of stdout
in one invocation took the server from 99 MB to 288 MB of RSS, for good) could
take all of the machine's. ``LogSink`` (cwlogs.py) counts what it puts per log
group, each event as its message plus EVENT_OVERHEAD (what one takes in memory,
so a flood of empty lines counts too); past CAP, ``trim`` drops the group's oldest
events, across its streams, down to KEEP, and the sandbox's log says so once per
group. ``logs`` then shows the newest lines, as a tail would.
"""

from __future__ import annotations

import logging
from typing import Any

CAP = 32 << 20
KEEP = 24 << 20    # trimmed below CAP, so that trims are rare (one per 8 MB printed)
EVENT_OVERHEAD = 256

log = logging.getLogger("lambdactl.sandbox")
_told: set[str] = set()


def cost(messages: list[str]) -> int:
    return sum(len(m) for m in messages) + EVENT_OVERHEAD * len(messages)


def trim(log_group: Any, keep: int = KEEP) -> int:
    """Drop LOG_GROUP's oldest events (moto's event ids count up as they are put, and
    each stream's events are in that order) until it holds at most KEEP; returns what
    it holds then."""
    streams = list(log_group.streams.values())
    ids = sorted((e.event_id, len(e.message) + EVENT_OVERHEAD) for s in streams for e in s.events)
    total, last = sum(c for _, c in ids), None
    for event_id, size in ids:
        if total <= keep:
            break
        total, last = total - size, event_id
    if last is None:
        return total
    for stream in streams:
        k = 0
        while k < len(stream.events) and stream.events[k].event_id <= last:
            k += 1
        stream.stored_bytes -= sum(len(e.message) for e in stream.events[:k])
        del stream.events[:k]
    if log_group.name not in _told:
        _told.add(log_group.name)
        log.warning("%s: more than %d MB of log events; the sandbox keeps the newest %d MB of a "
                    "log group and drops older ones (told once per group)",
                    log_group.name, CAP >> 20, keep >> 20)
    return total
