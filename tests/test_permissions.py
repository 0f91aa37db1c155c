"""The README's deployer policy covers every call lambdactl makes in its main flows.

The flows run against moto with every API call recorded at botocore's client
(service, operation, parameters); each is mapped to the IAM actions it needs
and looked up in the policy printed under "Permissions lambdactl needs on AWS".
moto checks no permissions itself: this test is the check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl.cli import root

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()

# Operations whose IAM action is not "<service>:<operation>".
ACTIONS = {
    "s3:GetBucketNotificationConfiguration": ["s3:GetBucketNotification"],
    "s3:PutBucketNotificationConfiguration": ["s3:PutBucketNotification"],
    "s3:ListObjectVersions": ["s3:ListBucketVersions"],
    "s3:ListObjectsV2": ["s3:ListBucket"],
    "s3:HeadBucket": ["s3:ListBucket"],
    "s3:DeleteObjects": ["s3:DeleteObject"],
    "lambda:Invoke": ["lambda:InvokeFunction"],
    "sqs:SendMessageBatch": ["sqs:SendMessage"],
    "sts:GetCallerIdentity": [],
}
# Tags passed at create time need the service's tagging action too.
TAGGING = {"iam:CreateRole": "iam:TagRole", "lambda:CreateFunction": "lambda:TagResource",
           "logs:CreateLogGroup": "logs:TagResource", "s3:CreateBucket": "s3:TagResource",
           "sqs:CreateQueue": "sqs:TagQueue", "lambda:CreateEventSourceMapping": "lambda:TagResource"}


def readme_policy() -> set[str]:
    section = README.split("## Permissions lambdactl needs on AWS", 1)[1]
    doc = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))  # type: ignore[union-attr]
    return {a for st in doc["Statement"] for a in st["Action"]}


def needed(service: str, op: str, params: dict[str, Any]) -> list[str]:
    key = f"{service}:{op}"
    actions = list(ACTIONS.get(key, [key]))
    if key in TAGGING and (params.get("Tags") or (params.get("CreateBucketConfiguration") or {}).get("Tags")
                           or params.get("tags")):
        actions.append(TAGGING[key])
    if key in ("lambda:CreateFunction", "lambda:UpdateFunctionConfiguration") and params.get("Role"):
        actions.append("iam:PassRole")
    return actions


@pytest.fixture
def recorded(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    seen: list[tuple[str, str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        seen.append((self.meta.service_model.signing_name, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    with mock_aws():
        yield seen


def cli(*args: str) -> None:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr   # status exits 1 on drift


def test_readme_policy_covers_the_main_flows(project: Path, recorded: list[tuple[str, str, dict[str, Any]]]) -> None:
    cli("up")
    app = project / "functions" / "hello" / "app.py"
    app.write_text(app.read_text() + "\n# changed\n")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128", "memory = 256", 1))
    for args in (["plan"], ["up"], ["status"], ["logs", "hello"], ["destroy", "--yes"]):
        cli(*args)
    ops = {(s, o) for s, o, _ in recorded}
    assert ("lambda", "UpdateFunctionCode") in ops and ("s3", "PutBucketNotificationConfiguration") in ops
    policy = readme_policy()
    missing = sorted({a for s, o, p in recorded for a in needed(s, o, p)} - policy)
    assert missing == [], f"README's policy lacks {missing}"


def test_readme_policy_covers_queues_and_mappings(project: Path, recorded: list[tuple[str, str, dict[str, Any]]]) -> None:
    from tests.test_queues import with_queue_trigger

    with_queue_trigger(project)
    cli("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("visibility_timeout = 60", "visibility_timeout = 61").replace(
        "batch_size = 5", "batch_size = 6"))
    for args in (["up"], ["send", "jobs", "x"], ["status"], ["destroy", "--yes", "--delete-data"]):
        cli(*args)
    ops = {(s, o) for s, o, _ in recorded}
    assert {("sqs", "SetQueueAttributes"), ("lambda", "UpdateEventSourceMapping"), ("sqs", "DeleteQueue")} <= ops
    assert ("lambda", "DeleteEventSourceMapping") in ops
    missing = sorted({a for s, o, p in recorded for a in needed(s, o, p)} - readme_policy())
    assert missing == [], f"README's policy lacks {missing}"


def test_the_access_denied_hint_points_at_that_section() -> None:
    from botocore.exceptions import ClientError

    from lambdactl.aws import translate

    err = translate(ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "CreateRole"))
    assert err is not None and "Permissions lambdactl needs on AWS" in str(err)
    assert "## Permissions lambdactl needs on AWS" in README


def test_readme_policy_covers_urls_and_schedules(project: Path, recorded: list[tuple[str, str, dict[str, Any]]]) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\nurl = { auth = "NONE" }\n\n[[functions.list-buckets.triggers]]\n'
                    'type = "schedule"\nschedule = "rate(1 day)"\n')
    cli("up", "--yes")
    toml.write_text(toml.read_text().replace('"NONE"', '"AWS_IAM"').replace("rate(1 day)", "rate(2 days)"))
    for args in (["plan"], ["up"], ["status"], ["destroy", "--dry-run"], ["destroy", "--yes"]):
        cli(*args)
    ops = {(s, o) for s, o, _ in recorded}
    assert {("lambda", "CreateFunctionUrlConfig"), ("events", "PutRule"), ("events", "DeleteRule")} <= ops
    missing = sorted({a for s, o, p in recorded for a in needed(s, o, p)} - readme_policy())
    assert missing == [], f"README's policy lacks {missing}"
