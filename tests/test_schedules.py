"""Schedule triggers against moto: a tagged EventBridge rule, its target and the
invoke permission; plan shows them, a no-op up writes nothing, a change updates
only what changed, a removed schedule goes, a foreign rule with our name is
refused, destroy removes ours and nothing else; bad expressions are one line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import client, refused_before_any_call, run, writes

LIST = "lambdactl-demo-list-buckets"
RULE = f"{LIST}-schedule-0"


def with_schedules(project: Path, *entries: str) -> None:
    """list-buckets' schedule triggers (its table is the file's last)."""
    toml = project / "lambdactl.toml"
    text = toml.read_text().split("\n[[functions.list-buckets.triggers]]")[0].rstrip("\n") + "\n"
    toml.write_text(text + "".join(f'\n[[functions.list-buckets.triggers]]\ntype = "schedule"\n{e}\n' for e in entries))


def rules() -> dict[str, dict[str, object]]:
    ev = client("events")
    return {r["Name"]: r for r in ev.list_rules()["Rules"]}


def test_up_creates_the_rule_target_and_permission(aws: None, project: Path, calls: Counter[str]) -> None:
    with_schedules(project, 'schedule = "rate(5 minutes)"\ninput = { job = "nightly" }')
    out = json.loads(run("-o", "json", "up").stdout)
    ev = client("events")
    rule = rules()[RULE]
    assert (rule["ScheduleExpression"], rule["State"]) == ("rate(5 minutes)", "ENABLED")
    tags = ev.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
    assert {"Key": "lambdactl:project", "Value": "lambdactl-demo"} in tags
    [target] = ev.list_targets_by_rule(Rule=RULE)["Targets"]
    assert target["Arn"].endswith(f":function:{LIST}") and json.loads(target["Input"]) == {"job": "nightly"}
    policy = json.loads(client("lambda").get_policy(FunctionName=LIST)["Policy"])
    [st] = [s for s in policy["Statement"] if s["Sid"] == f"lambdactl-events-{RULE}"]
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]
    row = next(f for f in out["functions"] if f["function"] == "list-buckets")
    assert "rate(5 minutes) (lambdactl-demo-list-buckets-schedule-0)" in row["triggers"]
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_plan_shows_and_changes_update_only_that(aws: None, project: Path, calls: Counter[str]) -> None:
    with_schedules(project, 'schedule = "rate(1 minute)"')
    assert f"create schedule {RULE}: rate(1 minute)" in run("plan").stdout
    run("up")
    with_schedules(project, 'schedule = "cron(0 12 ? * MON-FRI *)"\nenabled = false')
    calls.clear()
    run("up")
    assert writes(calls) == {"PutRule": 1}
    assert (rules()[RULE]["ScheduleExpression"], rules()[RULE]["State"]) == ("cron(0 12 ? * MON-FRI *)", "DISABLED")


def test_removed_schedule_is_deleted_and_destroy_leaves_nothing(aws: None, project: Path, calls: Counter[str]) -> None:
    with_schedules(project, 'schedule = "rate(1 minute)"', 'schedule = "rate(2 hours)"')
    run("up")
    client("events").put_rule(Name="their-rule", ScheduleExpression="rate(1 day)")
    with_schedules(project, 'schedule = "rate(1 minute)"')
    calls.clear()
    run("up")
    assert writes(calls) == {"RemoveTargets": 1, "DeleteRule": 1, "RemovePermission": 1}
    assert set(rules()) == {RULE, "their-rule"}
    dry = run("destroy", "--dry-run").stdout
    assert f"delete schedule {RULE}" in dry and "their-rule" not in dry
    run("destroy", "--yes")
    assert set(rules()) == {"their-rule"}
    assert "schedule:" not in (project / ".lambdactl/state.json").read_text()


def test_foreign_rule_with_our_name_is_refused_before_any_write(aws: None, project: Path, calls: Counter[str]) -> None:
    run("up")
    client("events").put_rule(Name=RULE, ScheduleExpression="rate(1 day)")
    with_schedules(project, 'schedule = "rate(1 minute)"')
    calls.clear()
    result = run("up", code=1)
    assert f"EventBridge rule '{RULE}' already exists and belongs to someone else" in result.stderr
    assert writes(calls) == {}


@pytest.mark.parametrize(("entry", "problem"), [
    ('schedule = "rate(1 minutes)"', "EventBridge wants rate(1 minute)"),
    ('schedule = "rate(5 minute)"', "EventBridge wants rate(5 minutes)"),
    ('schedule = "rate(0 minutes)"', "must be a positive whole number"),
    ('schedule = "rate(5 weeks)"', "the unit must be minute(s), hour(s) or day(s)"),
    ('schedule = "cron(0 12 * * *)"', "cron takes 6 fields"),
    ('schedule = "cron(0 12 * * * *)"', "exactly one of day-of-month and day-of-week must be '?'"),
    ('schedule = "cron(0 12 ? * ? *)"', "exactly one of day-of-month and day-of-week must be '?'"),
    ('schedule = "cron(61 12 * * ? *)"', "minutes field '61': '61' is not a valid minutes (0-59)"),
    ('schedule = "cron(0 12 ? * FUN *)"', "day-of-week field 'FUN'"),
    ('schedule = "every day"', "must be rate(N unit) or cron(6 fields)"),
    ('schedule = "rate(1 day)"\ninput = "{nope"', "input: is not valid JSON"),
    ('schedule = "rate(1 day)"\nenabled = "yes"', "enabled: must be true or false"),
    ('schedule = "rate(1 day)"\nbucket = "b"', "unknown key 'bucket'"),
    ('rate = "rate(1 day)"', "schedule: missing"),
])
def test_bad_schedule_is_one_line_naming_the_field(aws: None, project: Path, calls: Counter[str], entry: str,
                                                   problem: str) -> None:
    with_schedules(project, entry)
    refused_before_any_call(run("up", code=2), problem, "triggers[0]", calls=calls)


def test_up_prune_removes_an_orphans_rules(aws: None, project: Path) -> None:
    with_schedules(project, 'schedule = "rate(1 minute)"')
    run("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().split("\n[functions.list-buckets]")[0])
    plan = run("plan")
    assert "4 orphan resource(s)" in plan.stderr and f"schedule {RULE}" in plan.stdout + plan.stderr
    run("up", "--prune")
    assert rules() == {}
    assert client("lambda").list_functions()["Functions"][0]["FunctionName"] == "lambdactl-demo-hello"


def test_destroy_without_schedules_asks_eventbridge_nothing(aws: None, project: Path, calls: Counter[str]) -> None:
    """The schedules' destroy is planned while the journal knows the functions; planned
    after their teardown, the emptied journal read as "no journal" and every function's
    rules were listed (one more round trip, 5 ListRules for 5 functions)."""
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    start, end = text.index("[functions.hello]"), text.index("# Returns the names")
    toml.write_text(text[:start] + text[end:])   # list-buckets only: no bucket the journal keeps
    run("up")
    calls.clear()
    run("destroy", "--yes")
    assert calls["ListRules"] == 0 and calls["DeleteFunction"] == 1
