from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from lambdactl.config import Project
from lambdactl.core.context import Facts
from lambdactl.errors import OwnershipError
from lambdactl.kinds import ALL, queue
from lambdactl.layers import LayerSet
from lambdactl.sqs import QueueState
from tests.kinds import ACCOUNT, REGION, observed

OURS = {"lambdactl:project": "proj"}
WANT = queue.Queue("jobs", "proj-jobs", visibility_timeout=60, retention=86400, dlq="failed", max_receive_count=3)
DLQ = queue.Queue("failed", "proj-failed")
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:proj-failed"
HAVE = QueueState("proj-jobs", f"arn:aws:sqs:{REGION}:{ACCOUNT}:proj-jobs", False, 60, 86400, (DLQ_ARN, 3), OURS)


def facts(*queues: queue.Queue) -> Facts:
    project = Project(name="proj", root=Path("/nowhere"), path=Path("/nowhere/lambdactl.toml"), queues=queues)
    return Facts("proj", ACCOUNT, REGION, "aws", ALL, {}, LayerSet(), project)


def plan(have: QueueState | None) -> Any:
    steps = queue.plan(facts(WANT, DLQ), None, observed(queues={"jobs": have, "failed": None}))
    assert [s.name for s in steps] == ["proj-failed", "proj-jobs"]   # the DLQ first: the redrive policy names it
    return steps[1]


@pytest.mark.parametrize(("have", "action", "fields"), [
    (None, "create", ()),
    (HAVE, "keep", ()),
    (replace(HAVE, visibility_timeout=30), "update", ("visibility_timeout",)),
    (replace(HAVE, retention=60), "update", ("retention",)),
    (replace(HAVE, redrive=None), "update", ("dlq",)),
    (replace(HAVE, redrive=(DLQ_ARN, 5)), "update", ("dlq",)),
    (replace(HAVE, visibility_timeout=1, retention=60), "update", ("visibility_timeout", "retention")),
])
def test_plan(have: QueueState | None, action: str, fields: tuple[str, ...]) -> None:
    step = plan(have)
    assert (step.function, step.name, step.action, step.fields) == ("", "proj-jobs", action, fields)
    assert step.data.after == ("proj-failed",)


def test_new_queue_says_its_settings() -> None:
    assert plan(None).detail == "visibility 60 s, DLQ failed after 3 receives"


def test_a_foreign_queue_is_refused() -> None:
    with pytest.raises(OwnershipError, match="belongs to"):
        plan(replace(HAVE, tags={"lambdactl:project": "other"}))


@pytest.mark.parametrize(("have", "delete_data", "action", "detail"), [
    (None, False, None, None),
    (replace(HAVE, messages=0), False, "delete", "empty"),
    (replace(HAVE, messages=4), False, "skip", "holds 4 message(s)"),
    (replace(HAVE, messages=4), True, "delete", "with its 4 message(s)"),
    (replace(HAVE, tags={}), True, "skip", "kept (belongs to"),
])
def test_destroy_step(have: QueueState | None, delete_data: bool, action: str | None, detail: str | None) -> None:
    step = queue.destroy_step("proj-jobs", have, "proj", delete_data)
    assert (step.action if step else None) == action
    assert step is None or detail in step.detail


def test_visibility_timeout_below_a_consumer_timeout_names_both() -> None:
    [(where, problem)] = queue.timeout_problems((WANT,), [("jobs", "worker", 90), ("jobs", "fast", 10)])
    assert where == "queues.jobs.visibility_timeout"
    assert "60 s is shorter than the timeout of function worker (90 s)" in problem
