"""Fault injection at every write of the project's tables and buckets (issue 14):
each fails before it is sent, or is sent and its answer lost; the next `up`
converges to a clean run's end state and `destroy --delete-data` leaves nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.faults.test_crash_points import Fault, cli

CONFIG = """
[project]
name = "crash"

[tables.history]
partition_key = "pk"
ttl = "expires_at"
stream = "NEW_IMAGE"
point_in_time_recovery = true

[buckets.charts]
versioning = true
expire_days = 7

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
environment = { TABLE = "${tables.history.stream_arn}" }
"""
WRITES = ["CreateTable", "UpdateTimeToLive", "UpdateContinuousBackups", "CreateBucket", "PutBucketVersioning",
          "PutBucketLifecycleConfiguration", "PutPublicAccessBlock"]


def snapshot() -> dict[str, Any]:
    ddb, s3, lam = (boto3.client(s, region_name="us-east-1") for s in ("dynamodb", "s3", "lambda"))
    tables = ddb.list_tables()["TableNames"]
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    return {
        "tables": [(t, ddb.describe_table(TableName=t)["Table"].get("StreamSpecification"),
                    ddb.describe_time_to_live(TableName=t)["TimeToLiveDescription"].get("AttributeName"),
                    ddb.describe_continuous_backups(TableName=t)["ContinuousBackupsDescription"]
                    ["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]) for t in tables],
        "buckets": [(b, s3.get_bucket_versioning(Bucket=b).get("Status"),
                     [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]],
                     s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]["BlockPublicAcls"])
                    for b in buckets],
        "env": [f["Environment"]["Variables"]["TABLE"].rsplit("/", 2)[0] for f in lam.list_functions()["Functions"]],
    }


def test_write_count(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fault = Fault(None, False)
    fault.install(monkeypatch)
    assert cli("up") == 0
    assert set(WRITES) <= set(fault.writes)


# Every write with its answer lost (the hard case: it happened); the creates also unsent.
CASES = [(w, True) for w in WRITES] + [("CreateTable", False), ("CreateBucket", False)]


@pytest.mark.parametrize(("at", "after"), CASES, ids=[f"{w}-{'answer-lost' if a else 'before-send'}" for w, a in CASES])
def test_up_converges_after_fault(configured: Path, monkeypatch: pytest.MonkeyPatch, at: str, after: bool) -> None:
    clean = converges_after(monkeypatch, at, after, snapshot)
    assert clean["tables"] and clean["buckets"] and clean["env"]


def converges_after(monkeypatch: pytest.MonkeyPatch, at: str, after: bool, snap: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A clean up (its end state SNAP()), destroy; then up with the fault at AT fails, the
    next up reaches that state again, and destroy --delete-data leaves nothing; -> it."""
    assert cli("up") == 0
    clean = snap()
    assert cli("destroy", "--yes", "--delete-data") == 0
    fault = Fault(at, after)
    fault.install(monkeypatch)
    assert cli("up") == 1
    fault.at = None
    assert cli("up") == 0
    assert snap() == clean
    assert cli("destroy", "--yes", "--delete-data") == 0
    assert not any(snap().values())
    return clean


def test_up_and_destroy_of_tables_and_buckets_survive_random_faults(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """20% of calls throttled or 5xx (as tests/faults/test_throttling.py): botocore's
    retries carry the new writes and reads (CreateTable, the bucket settings, the waits)."""
    from tests.faults.test_throttling import Hostile

    h = Hostile(monkeypatch, 20261203)
    survives(h, 8, snapshot, lambda s: len(s["tables"]) == 1)
    assert sum(h.injected.values()) > 20


def survives(h: Any, runs: int, snap: Callable[[], dict[str, Any]], up_ok: Callable[[dict[str, Any]], bool]) -> None:
    """RUNS rounds of up and destroy --delete-data under H's faults; each checked with the faults off."""
    for run in range(runs):
        assert cli("up") == 0, f"run {run}: up"
        h.on = False
        assert up_ok(snap())
        h.on = True
        assert cli("destroy", "--yes", "--delete-data") == 0, f"run {run}: destroy"
        h.on = False
        assert not any(snap().values())
        h.on = True
