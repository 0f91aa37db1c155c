"""Fault injection at every write call of `up` (hello example), against moto.

At write k the call either fails before it is sent, or is sent and its answer is
lost (an exception after the call: "the create call was sent but the answer never
came back"). Either way the next `up` must converge to the end state of a clean
run, and `destroy` must then leave zero resources.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import botocore.client
import pytest
from botocore.exceptions import EndpointConnectionError
from click.testing import CliRunner

from lambdactl.aws import is_write
from lambdactl.cli import root

HELLO_ONLY = """
[project]
name = "crash"

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
policy = "policies/hello.json"
timeout = 10

[[functions.hello.triggers]]
bucket = "crash-uploads"
"""
CONFIG = HELLO_ONLY   # the configured fixture's (conftest.py)
# Writes of a clean cold `up` of HELLO_ONLY (checked by test_write_count).
WRITES = [
    "CreateRole", "PutRolePolicy", "CreateLogGroup", "PutRetentionPolicy", "CreateFunction",
    "CreateBucket", "AddPermission", "PutBucketNotificationConfiguration",
]


class Fault:
    """Fails the first call of operation AT (writes run side by side, so by name, not index)."""

    def __init__(self, at: str | None, after: bool) -> None:
        self.at, self.after, self.writes = at, after, []  # type: ignore[var-annotated]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = botocore.client.BaseClient._make_api_call
        fault = self

        def call(client, operation, params):  # type: ignore[no-untyped-def]
            if is_write(operation):
                fault.writes.append(operation)
                if operation == fault.at and fault.writes.count(operation) == 1:
                    if fault.after:
                        original(client, operation, params)
                    raise EndpointConnectionError(endpoint_url="https://injected.fault")
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)


def cli(*args: str) -> int:
    return CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False).exit_code


def snapshot() -> dict:
    c = {s: boto3.client(s, region_name="us-east-1") for s in ("lambda", "iam", "logs", "s3")}
    fns = c["lambda"].list_functions()["Functions"]
    return {
        "functions": sorted((f["FunctionName"], f["CodeSha256"], f["MemorySize"]) for f in fns),
        "roles": sorted(r["RoleName"] for r in c["iam"].list_roles()["Roles"]),
        "policies": sorted(
            json.dumps(c["iam"].get_role_policy(RoleName=r["RoleName"], PolicyName="lambdactl-us-east-1")["PolicyDocument"], sort_keys=True)
            for r in c["iam"].list_roles()["Roles"]),
        "log_groups": sorted((g["logGroupName"], g.get("retentionInDays")) for g in c["logs"].describe_log_groups()["logGroups"]),
        "buckets": sorted(b["Name"] for b in c["s3"].list_buckets()["Buckets"]),
        "permissions": sorted(
            st["Sid"] for f in fns for st in json.loads(c["lambda"].get_policy(FunctionName=f["FunctionName"])["Policy"])["Statement"]),
        "notifications": sorted(
            n["Id"] for b in c["s3"].list_buckets()["Buckets"]
            for n in c["s3"].get_bucket_notification_configuration(Bucket=b["Name"]).get("LambdaFunctionConfigurations", [])),
    }


EMPTY = {"functions": [], "roles": [], "policies": [], "log_groups": [], "buckets": [], "permissions": [], "notifications": []}


def test_write_count(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fault = Fault(None, False)
    fault.install(monkeypatch)
    assert cli("up") == 0
    assert sorted(fault.writes) == sorted(WRITES)


@pytest.mark.parametrize("after", [False, True], ids=["before-send", "answer-lost"])
@pytest.mark.parametrize("k", range(len(WRITES)), ids=[f"crash-at-{i}-{w}" for i, w in enumerate(WRITES)])
def test_up_converges_after_fault(configured: Path, monkeypatch: pytest.MonkeyPatch, k: int, after: bool) -> None:
    # The end state of a clean run, then back to nothing.
    assert cli("up") == 0
    clean = snapshot()
    assert cli("destroy", "--yes") == 0
    assert snapshot() == EMPTY

    fault = Fault(WRITES[k], after)
    fault.install(monkeypatch)
    assert cli("up") == 1
    fault.at = None
    assert cli("up") == 0
    assert snapshot() == clean
    assert cli("destroy", "--yes") == 0
    assert snapshot() == EMPTY


@pytest.mark.parametrize("after", [False, True], ids=["before-send", "answer-lost"])
@pytest.mark.parametrize("k", range(len(WRITES)), ids=[f"crash-at-{i}-{w}" for i, w in enumerate(WRITES)])
def test_destroy_after_fault_leaves_nothing(configured: Path, monkeypatch: pytest.MonkeyPatch, k: int, after: bool) -> None:
    fault = Fault(WRITES[k], after)
    fault.install(monkeypatch)
    assert cli("up") == 1
    fault.at = None
    assert cli("destroy", "--yes") == 0
    assert snapshot() == EMPTY
