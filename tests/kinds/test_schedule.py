from __future__ import annotations

import pytest

from lambdactl.errors import OwnershipError
from lambdactl.kinds import schedule
from lambdactl.triggers.schedule_spec import Schedule
from tests.kinds import ACCOUNT, desired, facts, function, observed

RULE = "proj-fn-schedule-0"
ARN = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{RULE}"
FN_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:proj-fn"
OURS = {"lambdactl:project": "proj"}
STATEMENT = {"Sid": schedule.sid(RULE), "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
             "Condition": {"ArnLike": {"AWS:SourceArn": ARN}}}


def rule(expression: str = "rate(5 minutes)", state: str = "ENABLED", tags: dict[str, str] | None = None,
         targets: tuple[dict[str, str], ...] = ({"Id": "lambdactl", "Arn": FN_ARN},)) -> schedule.RuleState:
    return schedule.RuleState(RULE, ARN, expression, state, "", OURS if tags is None else tags, targets)


def have(*rules: schedule.RuleState, statements: dict[str, object] | None = None) -> schedule.SchedulesState:
    return schedule.SchedulesState({r.name: r for r in rules},
                                   {"": {schedule.sid(RULE): STATEMENT} if statements is None else statements})  # type: ignore[dict-item]


def plan(schedules: tuple[Schedule, ...], state: schedule.SchedulesState) -> list[tuple[str, str, tuple[str, ...]]]:
    steps = schedule.plan(facts(), desired(function(schedules=schedules)), observed(schedules=state))
    return [(s.name, s.action, s.fields) for s in steps]


FIVE = Schedule(RULE, "rate(5 minutes)")


@pytest.mark.parametrize(("want", "state", "expected"), [
    ((FIVE,), schedule.SchedulesState(), [(RULE, "create", ())]),
    ((FIVE,), have(rule()), [(RULE, "keep", ())]),
    ((Schedule(RULE, "rate(1 hour)"),), have(rule()), [(RULE, "update", ("schedule",))]),
    ((Schedule(RULE, "rate(5 minutes)", enabled=False),), have(rule()), [(RULE, "update", ("enabled",))]),
    ((Schedule(RULE, "rate(5 minutes)", input='{"a":1}'),), have(rule()), [(RULE, "update", ("target",))]),
    ((FIVE,), have(rule(), statements={}), [(RULE, "update", ("permission",))]),
    ((FIVE,), have(rule(targets=())), [(RULE, "update", ("target",))]),
    ((), have(rule()), [(RULE, "delete", ())]),
    ((), have(rule(tags={"lambdactl:project": "other"})), []),
])
def test_plan(want: tuple[Schedule, ...], state: schedule.SchedulesState, expected: list[object]) -> None:
    assert plan(want, state) == expected


def test_a_qualifier_targets_the_alias() -> None:
    [step] = schedule.plan(facts(), desired(function(schedules=(Schedule(RULE, "rate(5 minutes)", qualifier="live"),))),
                           observed(schedules=have(rule())))
    assert step.fields == ("target", "permission")
    assert step.data.target["Arn"] == FN_ARN + ":live" and step.data.permission["Qualifier"] == "live"  # type: ignore[attr-defined]


def test_a_foreign_rule_with_our_name_is_refused() -> None:
    with pytest.raises(OwnershipError):
        plan((FIVE,), have(rule(tags={})))


def test_delete_keeps_a_rule_others_target() -> None:
    [step] = schedule.plan(facts(), desired(function()), observed(schedules=have(
        rule(targets=({"Id": "lambdactl", "Arn": FN_ARN}, {"Id": "theirs", "Arn": "arn:aws:sqs:us-east-1:1:q"})))))
    assert step.action == "delete" and step.data.foreign_targets  # type: ignore[attr-defined]
