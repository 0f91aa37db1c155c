from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from lambdactl.errors import ConfigError
from lambdactl.kinds import mapping
from lambdactl.triggers.mappings import Mapping, poller_statements
from tests.kinds import ACCOUNT, REGION, desired, facts, function, observed

QARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:proj-jobs"
SARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/proj-history/stream/2026-12-03T00:00:00.000"
SQS = Mapping("sqs", "jobs", "proj-jobs", QARN, batch_size=5, batching_window=1, report_batch_item_failures=True)
DDB = Mapping("dynamodb", "history", "proj-history", SARN, batch_size=100, starting_position="LATEST", max_retries=2)
DEPLOYED = object()   # have.function: anything but None


def listed(m: Mapping, uuid: str = "u-1", **over: Any) -> dict[str, Any]:
    """A mapping as ListEventSourceMappings describes it (moto's Nones where unset)."""
    e = {"UUID": uuid, "EventSourceArn": m.arn, "BatchSize": m.batch_size,
         "MaximumBatchingWindowInSeconds": m.batching_window or None,
         "FunctionResponseTypes": ["ReportBatchItemFailures"] if m.report_batch_item_failures else None,
         "StartingPosition": m.starting_position or None, "MaximumRetryAttempts": m.max_retries if m.type == "dynamodb" else None}
    return {**e, **over}


def plan(*existing: dict[str, Any], mappings: tuple[Mapping, ...] = (SQS,), journal: dict[str, Any] | None = None) -> Any:
    fn = function(mappings=mappings)
    return mapping.plan(facts(journal=journal), desired(fn), observed(function=DEPLOYED, mappings=list(existing)))


@pytest.mark.parametrize(("existing", "action", "fields"), [
    ((), "create", ()),
    ((listed(SQS),), "keep", ()),
    ((listed(SQS, BatchSize=7),), "update", ("batch_size",)),
    ((listed(SQS, FunctionResponseTypes=[]),), "update", ("report_batch_item_failures",)),
    ((listed(SQS, MaximumBatchingWindowInSeconds=0, ScalingConfig={"MaximumConcurrency": 5}),), "update",
     ("batching_window", "maximum_concurrency")),
    ((listed(SQS, FilterCriteria={"Filters": [{"Pattern": "{}"}]}),), "update", ("filters",)),
])
def test_plan_sqs(existing: tuple[dict[str, Any], ...], action: str, fields: tuple[str, ...]) -> None:
    [step] = plan(*existing)
    assert (step.function, step.name, step.action, step.fields) == ("fn", "sqs:proj-jobs", action, fields)


def test_plan_dynamodb_and_its_starting_position_is_refused_with_the_fix() -> None:
    assert [s.action for s in plan(listed(DDB), mappings=(DDB,))] == ["keep"]
    assert [s.fields for s in plan(listed(DDB, MaximumRetryAttempts=None), mappings=(DDB,))] == [("max_retries",)]
    with pytest.raises(ConfigError, match="Lambda sets it only at creation"):
        plan(listed(DDB, StartingPosition="TRIM_HORIZON"), mappings=(DDB,))


def test_a_removed_trigger_deletes_only_a_journaled_mapping() -> None:
    assert plan(listed(SQS), mappings=()) == []   # not ours by the journal: left alone
    journal = {"mapping:proj-fn/sqs:proj-jobs": {"kind": "mapping", "name": "proj-fn/sqs:proj-jobs"}}
    [step] = plan(listed(SQS), mappings=(), journal=journal)
    assert (step.action, step.name, step.data.uuid) == ("delete", "sqs:proj-jobs", "u-1")


def test_a_new_function_has_no_mappings_to_read() -> None:
    fn = function(mappings=(SQS, replace(DDB, arn="(stream unknown)")))
    steps = mapping.plan(facts(), desired(fn), observed(function=None, mappings=[listed(SQS)]))
    assert [s.action for s in steps] == ["create", "create"]


def test_poller_statements_are_scoped() -> None:
    sqs, ddb = poller_statements((SQS, DDB), REGION, ACCOUNT, "aws")
    assert sqs["Resource"] == [QARN] and "sqs:DeleteMessage" in sqs["Action"]
    assert ddb["Resource"] == [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/proj-history/stream/*"]
    assert poller_statements((), REGION, ACCOUNT, "aws") == []
