"""EventBridge's schedule expressions: checked as EventBridge does, and evaluated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambdactl.triggers.schedule_expr import BadExpression, parse


@pytest.mark.parametrize("text", [
    "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
    "cron(0 12 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
    "cron(0 10 ? * 6L 2030)", "cron(0 9 ? * 2#1 *)", "cron(15 10 L * ? *)", "cron(0 0 1W * ? *)",
    "cron(5,35 14 * JAN-MAR ? *)",
])
def test_valid(text: str) -> None:
    parse(text)


@pytest.mark.parametrize("text", [
    "rate(1 minutes)", "rate(2 minute)", "rate(0 hours)", "rate(-1 days)", "rate(1 week)", "rate(5  minutes)",
    "cron(0 12 * * *)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(60 * * * ? *)", "cron(0 24 * * ? *)",
    "cron(0 0 32 * ? *)", "cron(0 0 ? 13 MON *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * 2#6 *)", "cron(0 0 * * ? 1969)",
    "cron(0/x * * * ? *)", "at(2030-01-01T00:00:00)", "",
])
def test_invalid(text: str) -> None:
    with pytest.raises(BadExpression):
        parse(text)


def fires(text: str, start: datetime, minutes: int) -> list[datetime]:
    e = parse(text)
    return [start + timedelta(minutes=m) for m in range(1, minutes + 1) if e.due(start + timedelta(minutes=m), start)]


T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)   # a Thursday


def test_rates_count_from_creation() -> None:
    assert len(fires("rate(1 minute)", T0, 10)) == 10
    assert [t.minute for t in fires("rate(5 minutes)", T0, 20)] == [5, 10, 15, 20]
    assert len(fires("rate(1 hour)", T0, 180)) == 3


def test_cron() -> None:
    assert [t.minute for t in fires("cron(0/15 * * * ? *)", T0, 60)] == [15, 30, 45, 0]
    assert [(t.day, t.hour) for t in fires("cron(0 12 ? * MON-FRI *)", T0, 5 * 1440)] == [(3, 12), (4, 12), (7, 12)]
    assert [(t.month, t.day) for t in fires("cron(0 0 L * ? *)", T0, 40 * 1440)] == [(12, 31)]
    assert [(t.month, t.day) for t in fires("cron(0 0 ? * 2#1 *)", T0, 40 * 1440)] == [(12, 7), (1, 4)]   # 2027-01-01 is a Friday
