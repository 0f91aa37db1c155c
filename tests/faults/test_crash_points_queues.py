"""Fault injection at the writes of queues and event-source mappings (issue 14): each
fails before it is sent, or is sent and its answer lost; the next `up` converges to
a clean run's end state and `destroy --delete-data` leaves nothing. Then 20% of
calls throttled or 5xx, as tests/faults/test_throttling.py does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.faults.test_crash_points import Fault, cli
from tests.faults.test_crash_points_data import converges_after, survives

CONFIG = """
[project]
name = "crash"

[queues.jobs]
visibility_timeout = 30
dlq = { queue = "failed", max_receive_count = 2 }

[queues.failed]

[tables.history]
partition_key = "pk"
stream = "NEW_IMAGE"

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
environment = { QUEUE = "${queues.jobs.url}" }

[[functions.hello.triggers]]
type = "sqs"
queue = "jobs"
report_batch_item_failures = true

[[functions.hello.triggers]]
type = "dynamodb"
table = "history"
"""
WRITES = ["CreateQueue", "CreateEventSourceMapping"]


def snapshot() -> dict[str, Any]:
    sqs, lam = (boto3.client(s, region_name="us-east-1") for s in ("sqs", "lambda"))
    urls = sorted(sqs.list_queues().get("QueueUrls", []))
    attrs = [sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["All"])["Attributes"] for u in urls]
    return {
        "queues": [(u.rsplit("/", 1)[1], a["VisibilityTimeout"], json.loads(a.get("RedrivePolicy") or "{}").get("maxReceiveCount"),
                    sqs.list_queue_tags(QueueUrl=u).get("Tags")) for u, a in zip(urls, attrs)],
        "mappings": sorted((m["EventSourceArn"].split(":")[2], m["BatchSize"], str(m.get("FunctionResponseTypes")))
                           for m in lam.list_event_source_mappings()["EventSourceMappings"]),
        "env": [f["Environment"]["Variables"]["QUEUE"] for f in lam.list_functions()["Functions"]],
    }


def test_write_count(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fault = Fault(None, False)
    fault.install(monkeypatch)
    assert cli("up") == 0
    assert set(WRITES) <= set(fault.writes)
    assert fault.writes.count("CreateEventSourceMapping") == 2


CASES = [(w, after) for w in WRITES for after in (True, False)]


@pytest.mark.parametrize(("at", "after"), CASES, ids=[f"{w}-{'answer-lost' if a else 'before-send'}" for w, a in CASES])
def test_up_converges_after_fault(configured: Path, monkeypatch: pytest.MonkeyPatch, at: str, after: bool) -> None:
    clean = converges_after(monkeypatch, at, after, snapshot)
    assert len(clean["queues"]) == 2 and len(clean["mappings"]) == 2 and clean["env"]


def test_up_and_destroy_of_queues_and_mappings_survive_random_faults(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.faults.test_throttling import Hostile

    h = Hostile(monkeypatch, 20261203)
    survives(h, 6, snapshot, lambda s: len(s["mappings"]) == 2 and len(s["queues"]) == 2)
    assert sum(h.injected.values()) > 10
