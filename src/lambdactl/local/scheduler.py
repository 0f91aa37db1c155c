"""EventBridge schedules that really fire on the sandbox.

moto 5.2 stores a rule's ScheduleExpression and never evaluates it. A thread in
the sandbox server evaluates every enabled rate()/cron() rule minute by minute
(triggers/schedule_expr.py) and sends each Lambda target the scheduled event as
EventBridge does (``"detail-type": "Scheduled Event"``, ``source: aws.events``,
``resources: [rule arn]``), or the target's Input (local/eventbridge.py). The
clock can be moved forward (``lambdactl local tick --minutes N``, a signed POST
to TICK_PATH): the minutes passed over fire at once, in order, so tests do not
wait. A rate counts from when the scheduler first saw the rule (its creation).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from lambdactl.triggers.schedule_expr import BadExpression, Expression, parse

log = logging.getLogger("lambdactl.sandbox")
TICK_PATH = "/_lambdactl/schedule/tick"
MAX_TICK_MINUTES = 7 * 24 * 60   # a week of minutes per tick


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def scheduled_event(rule: Any, at: datetime) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": rule.account_id, "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": rule.region_name,
            "resources": [rule.arn], "detail": {}}


class Scheduler:
    def __init__(self, now: Any = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self.offset = timedelta()
        self.lock = threading.Lock()
        self.last = _minute(self.clock())        # the last minute evaluated
        self.seen: dict[str, tuple[str, datetime, Expression]] = {}   # rule arn -> (text, since, parsed)
        self._stop = threading.Event()

    def clock(self) -> datetime:
        return self._now() + self.offset

    def rules(self) -> list[Any]:
        """Every enabled schedule rule with a Lambda target, in every account and region."""
        from moto.events.models import events_backends

        out = []
        for account in list(events_backends.keys()):
            for region in list(events_backends[account].keys()):
                for bus in list(events_backends[account][region].event_buses.values()):
                    out += [r for r in list(bus.rules.values()) if r.scheduled_expression and r.state == "ENABLED"]
        return out

    def _parsed(self, rule: Any) -> tuple[datetime, Expression] | None:
        """The rule's expression and when its rate counts from (first seen, or changed)."""
        known = self.seen.get(rule.arn)
        if known is None or known[0] != rule.scheduled_expression:
            try:
                expr = parse(rule.scheduled_expression)
            except BadExpression:
                return None
            known = (rule.scheduled_expression, self.last, expr)
            self.seen[rule.arn] = known
        return known[1], known[2]

    def advance(self, to: datetime) -> list[tuple[str, str]]:
        """Fire every rule due in the minutes after the last one evaluated, up to TO.
        -> (rule name, minute) of each firing."""
        from lambdactl.local.eventbridge import deliver

        fired = []
        with self.lock:
            rules = [(r, p) for r in self.rules() if (p := self._parsed(r)) is not None]
            minute = self.last + timedelta(minutes=1)
            while minute <= to:
                for rule, (since, expr) in rules:
                    if expr.due(minute, since):
                        fired.append((rule.name, minute.strftime("%Y-%m-%dT%H:%MZ")))
                        for target in rule.targets:
                            deliver(rule, target, scheduled_event(rule, minute))
                minute += timedelta(minutes=1)
            self.last = max(self.last, _minute(to))
        return fired

    def tick(self, minutes: int) -> dict[str, Any]:
        """Move the clock MINUTES forward, firing what falls due meanwhile."""
        self.advance(_minute(self.clock()))   # first what real time has made due
        with self.lock:
            self.offset += timedelta(minutes=minutes)
        fired = self.advance(_minute(self.clock()))
        return {"clock": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"), "fired": [
            {"rule": r, "at": at} for r, at in fired]}

    def run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.advance(_minute(self.clock()))
            except Exception:  # noqa: BLE001 - one bad rule must not stop the scheduler
                log.exception("scheduler")

    def start(self) -> None:
        threading.Thread(target=self.run, name="lambdactl-scheduler", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def handle(self, environ: dict[str, Any]) -> bytes:
        """TICK_PATH: ?minutes=N (1 by default)."""
        raw = parse_qs(str(environ.get("QUERY_STRING", ""))).get("minutes", ["1"])[0]
        minutes = int(raw) if raw.isdigit() else 0
        if not 1 <= minutes <= MAX_TICK_MINUTES:
            return json.dumps({"error": f"minutes must be 1-{MAX_TICK_MINUTES}, got {raw!r}"}).encode()
        started = time.monotonic()
        out = self.tick(minutes)
        out["seconds"] = round(time.monotonic() - started, 3)
        return json.dumps(out).encode()
