"""The sandbox's scheduler in process (moto's events backend, a fixed clock): which
rules fire at which minute, with which event; deliveries recorded, not sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdactl.local import eventbridge
from lambdactl.local.scheduler import Scheduler

T0 = datetime(2026, 12, 3, 8, 0, 30, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:f"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    monkeypatch.setattr(eventbridge, "deliver", lambda rule, target, event: out.append((target, event)))
    return out


def rule(name: str, expression: str, state: str = "ENABLED", **target: Any) -> None:
    ev = boto3.client("events", region_name="us-east-1")
    ev.put_rule(Name=name, ScheduleExpression=expression, State=state)
    ev.put_targets(Rule=name, Targets=[{"Id": "lambdactl", "Arn": FN, **target}])


def test_tick_fires_due_rules_in_order(sent: list[Any]) -> None:
    with mock_aws():
        rule("every", "rate(1 minute)")
        rule("five", "rate(5 minutes)")
        rule("quarter", "cron(0/15 * * * ? *)", Input='{"a":1}')
        rule("off", "rate(1 minute)", state="DISABLED")
        s = Scheduler(now=lambda: T0)
        out = s.tick(15)
    fired = [(f["rule"], f["at"][11:]) for f in out["fired"]]
    assert [at for r, at in fired if r == "every"] == [f"08:{m:02d}Z" for m in range(1, 16)]
    assert [at for r, at in fired if r == "five"] == ["08:05Z", "08:10Z", "08:15Z"]
    assert [at for r, at in fired if r == "quarter"] == ["08:15Z"]
    assert "off" not in {r for r, _ in fired}
    assert out["clock"] == "2026-12-03T08:15:30Z"
    target, event = sent[0]
    assert target["Arn"] == FN
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/every"]
    assert event["time"] == "2026-12-03T08:01:00Z"
    assert len(sent) == 15 + 3 + 1


def test_a_changed_expression_counts_from_the_change(sent: list[Any]) -> None:
    with mock_aws():
        rule("r", "rate(10 minutes)")
        s = Scheduler(now=lambda: T0)
        s.tick(3)
        rule("r", "rate(2 minutes)")
        out = s.tick(4)
    assert [f["at"][11:] for f in out["fired"]] == ["08:05Z", "08:07Z"]


def test_handle_checks_minutes() -> None:
    s = Scheduler(now=lambda: T0)
    assert b"minutes must be" in s.handle({"QUERY_STRING": "minutes=0"})
    assert b"minutes must be" in s.handle({"QUERY_STRING": "minutes=x"})
