from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lambdactl.config import Project
from lambdactl.core.context import Facts
from lambdactl.errors import OwnershipError
from lambdactl.kinds import ALL, project_bucket
from lambdactl.kinds.project_bucket import BucketSettings, ProjectBucket
from lambdactl.layers import LayerSet
from tests.kinds import ACCOUNT, REGION, observed

WANT = ProjectBucket("charts", "proj-charts", versioning=True, expire_days=30)
HAVE = BucketSettings("proj-charts", {"lambdactl:project": "proj"}, True, 30, (), True)


def plan(have: BucketSettings | None, want: ProjectBucket = WANT, kinds: tuple[str, ...] = ALL) -> Any:
    project = Project(name="proj", root=Path("/nowhere"), path=Path("/nowhere/lambdactl.toml"), buckets=(want,))
    facts = Facts("proj", ACCOUNT, REGION, "aws", kinds, {}, LayerSet(), project)
    return project_bucket.plan(facts, None, observed(project_buckets={"charts": have}))


@pytest.mark.parametrize(("have", "action", "fields"), [
    (None, "create", ("versioning", "expire_days", "block_public_access")),
    (HAVE, "keep", ()),
    (replace(HAVE, versioning=False), "update", ("versioning",)),
    (replace(HAVE, expire_days=0), "update", ("expire_days",)),
    (replace(HAVE, block_public_access=False), "update", ("block_public_access",)),
])
def test_plan(have: BucketSettings | None, action: str, fields: tuple[str, ...]) -> None:
    [step] = plan(have)
    assert (step.function, step.name, step.action, step.fields) == ("", "proj-charts", action, fields)


def test_a_new_bucket_with_the_defaults_writes_only_the_public_access_block() -> None:
    [step] = plan(None, ProjectBucket("charts", "proj-charts"))
    assert step.fields == ("block_public_access",)


def test_a_bucket_not_ours_is_refused_and_other_commands_plan_none() -> None:
    with pytest.raises(OwnershipError, match=r"\[buckets.charts\]"):
        plan(replace(HAVE, tags={}))
    assert plan(HAVE, kinds=("role",)) == []


@pytest.mark.parametrize(("count", "delete_data", "action", "detail"), [
    (0, False, "delete", "empty"), (4, False, "skip", "holds 4 object(s)"), (4, True, "delete", "with its 4 object(s)"),
])
def test_destroy_step(count: int, delete_data: bool, action: str, detail: str) -> None:
    step = project_bucket.destroy_step("proj-charts", HAVE, count, "proj", delete_data)
    assert step is not None and step.action == action and detail in step.detail
    assert step.data == (action == "delete" and count > 0) or action == "skip"


def test_destroy_keeps_our_bucket_holding_an_entry_not_ours_even_with_delete_data() -> None:
    step = project_bucket.destroy_step("proj-charts", HAVE, 0, "proj", True, ["theirs -> arn:q"])
    assert step is not None and step.action == "skip" and "did not create: theirs -> arn:q" in step.detail


def test_destroy_never_deletes_a_bucket_not_ours() -> None:
    step = project_bucket.destroy_step("proj-charts", replace(HAVE, tags={}), 0, "proj", True)
    assert step is not None and step.action == "skip"


def parse(data: dict[str, Any]) -> tuple[tuple[ProjectBucket, ...], list[str]]:
    problems: list[str] = []
    return project_bucket.parse(lambda w, m: problems.append(f"{w}: {m}"), data, "proj"), problems


def test_parse_and_trigger_rewrite() -> None:
    data: dict[str, Any] = {"buckets": {"charts": {}}, "functions": {"f": {"triggers": [{"bucket": "${buckets.charts}"}]}}}
    buckets, problems = parse(data)
    assert problems == [] and buckets == (ProjectBucket("charts", "proj-charts"),)
    assert data["functions"]["f"]["triggers"][0]["bucket"] == "proj-charts"


@pytest.mark.parametrize(("section", "problem"), [
    ({"versioning": "yes"}, "buckets.charts.versioning: must be true or false"),
    ({"expire_days": -1}, "buckets.charts.expire_days: must be a number of days"),
    ({"name": "Not_Valid"}, "is not a valid S3 bucket name"),
    ({"public": True}, "unknown key 'public'"),
])
def test_parse_problems(section: dict[str, Any], problem: str) -> None:
    _, problems = parse({"buckets": {"charts": section}})
    assert any(problem in p for p in problems), problems
