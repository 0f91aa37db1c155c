from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lambdactl.config import Project
from lambdactl.core.context import Facts
from lambdactl.dynamodb import TableState
from lambdactl.errors import ConfigError, OwnershipError
from lambdactl.kinds import ALL, table
from lambdactl.layers import LayerSet
from tests.kinds import ACCOUNT, REGION, observed

KEYS = (("HASH", "pk", "S"), ("RANGE", "at", "N"))
WANT = table.Table("history", "proj-history", KEYS, ttl="expires", stream="NEW_IMAGE", point_in_time_recovery=True)
OURS = {"lambdactl:project": "proj"}
HAVE = TableState("proj-history", "arn:aws:dynamodb:us-east-1:123456789012:table/proj-history", "ACTIVE", KEYS,
                  "on_demand", 0, 0, "NEW_IMAGE", "arn:.../stream/1", "expires", True, OURS)


def facts(*tables: table.Table, kinds: tuple[str, ...] = ALL) -> Facts:
    project = Project(name="proj", root=Path("/nowhere"), path=Path("/nowhere/lambdactl.toml"), tables=tables)
    return Facts("proj", ACCOUNT, REGION, "aws", kinds, {}, LayerSet(), project)


def plan(have: TableState | None, want: table.Table = WANT) -> Any:
    [step] = table.plan(facts(want), None, observed(tables={"history": have}))
    return step


@pytest.mark.parametrize(("have", "action", "fields"), [
    (None, "create", ("stream", "ttl", "point_in_time_recovery")),
    (HAVE, "keep", ()),
    (replace(HAVE, billing="provisioned", read_capacity=5, write_capacity=5), "update", ("billing",)),
    (replace(HAVE, stream="KEYS_ONLY"), "update", ("stream",)),
    (replace(HAVE, stream=""), "update", ("stream",)),
    (replace(HAVE, ttl=""), "update", ("ttl",)),
    (replace(HAVE, point_in_time_recovery=False), "update", ("point_in_time_recovery",)),
    (replace(HAVE, ttl="", point_in_time_recovery=False), "update", ("ttl", "point_in_time_recovery")),
])
def test_plan(have: TableState | None, action: str, fields: tuple[str, ...]) -> None:
    step = plan(have)
    assert (step.function, step.name, step.action, step.fields) == ("", "proj-history", action, fields)


def test_provisioned_capacity_change_is_billing_drift() -> None:
    want = replace(WANT, billing="provisioned", read_capacity=5, write_capacity=5)
    assert plan(replace(HAVE, billing="provisioned", read_capacity=5, write_capacity=5), want).action == "keep"
    assert plan(replace(HAVE, billing="provisioned", read_capacity=5, write_capacity=1), want).fields == ("billing",)


@pytest.mark.parametrize("keys", [(("HASH", "pk", "S"),), (("HASH", "pk", "N"), ("RANGE", "at", "N")),
                                  (("HASH", "id", "S"), ("RANGE", "at", "N"))])
def test_key_schema_change_is_refused_with_the_fix(keys: tuple[tuple[str, str, str], ...]) -> None:
    with pytest.raises(ConfigError, match="cannot change a key schema in place") as err:
        plan(replace(HAVE, keys=keys))
    assert 'name = "proj-history-v2"' in str(err.value)


def test_another_ttl_attribute_is_refused_with_the_fix() -> None:
    """DynamoDB takes one TTL change an hour: off-then-on in one run would fail halfway."""
    with pytest.raises(ConfigError, match="one TTL change an hour") as err:
        plan(replace(HAVE, ttl="other"))
    assert "remove ttl and run `lambdactl up`" in str(err.value)


def test_a_table_not_ours_is_refused() -> None:
    with pytest.raises(OwnershipError, match="belongs to someone else"):
        plan(replace(HAVE, tags={}))


def test_not_planned_by_other_commands() -> None:
    assert table.plan(facts(WANT, kinds=("role",)), None, observed()) == []


@pytest.mark.parametrize(("count", "delete_data", "action", "detail"), [
    ((0, False), False, "delete", "empty"),
    ((3, False), False, "skip", "holds 3 item(s)"),
    ((100, True), False, "skip", "holds at least 100 item(s)"),
    ((3, False), True, "delete", "with its 3 item(s)"),
])
def test_destroy_step(count: tuple[int, bool], delete_data: bool, action: str, detail: str) -> None:
    step = table.destroy_step("history", "proj-history", HAVE, count, "proj", delete_data)
    assert step is not None and step.action == action and detail in step.detail


def test_destroy_never_deletes_a_table_not_ours() -> None:
    step = table.destroy_step("history", "proj-history", replace(HAVE, tags={"lambdactl:project": "other"}),
                              (0, False), "proj", True)
    assert step is not None and step.action == "skip" and "other" in step.detail
    assert table.destroy_step("history", "proj-history", None, (0, False), "proj", True) is None


def parse(section: dict[str, Any]) -> tuple[tuple[table.Table, ...], list[str]]:
    problems: list[str] = []
    out = table.parse(lambda where, msg: problems.append(f"{where}: {msg}"), {"history": section}, "proj")
    return out, problems


def test_parse_defaults_and_forms() -> None:
    [t], problems = parse({"partition_key": "pk"})
    assert problems == [] and t == table.Table("history", "proj-history", (("HASH", "pk", "S"),))
    [t], _ = parse({"name": "S3-object-size-history", "partition_key": {"name": "pk", "type": "N"},
                    "billing": "provisioned", "read_capacity": 2, "write_capacity": 1})
    assert (t.name, t.keys, t.billing, t.read_capacity) == ("S3-object-size-history", (("HASH", "pk", "N"),), "provisioned", 2)


@pytest.mark.parametrize(("section", "problem"), [
    ({}, "tables.history.partition_key: missing"),
    ({"partition_key": {"name": "pk", "type": "X"}}, "with type S, N or B"),
    ({"partition_key": "pk", "billing": "provisioned"}, "needs read_capacity and write_capacity >= 1"),
    ({"partition_key": "pk", "read_capacity": 5}, "need billing = \"provisioned\""),
    ({"partition_key": "pk", "stream": "ALL"}, "must be one of NEW_IMAGE"),
    ({"partition_key": "pk", "colour": "red"}, "unknown key 'colour'"),
    ({"partition_key": "pk", "name": "x"}, "is not a DynamoDB table name"),
    ({"partition_key": "pk", "point_in_time_recovery": "yes"}, "must be true or false"),
])
def test_parse_problems(section: dict[str, Any], problem: str) -> None:
    _, problems = parse(section)
    assert any(problem in p for p in problems), problems
