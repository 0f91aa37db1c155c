"""End to end with the real CLI on a sandbox of its own: a function whose policy file
conditions on the request's service keys (s3:prefix, s3:x-amz-acl,
dynamodb:LeadingKeys = ${aws:userid}, aws:ResourceTag/team) is allowed and denied as
AWS decides, after `lambdactl up`; `destroy` leaves the data it did not create."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from tests.e2e.example import client
from tests.e2e.test_sandbox_flow import cli
from tests.local.conftest import HANDLERS

TOML = """[project]
name = "keys-e2e"
region = "us-east-1"
target = "local"

[functions.keyed]
source = "functions/keyed"
handler = "scoped.lambda_handler"
runtime = "python3.11"
memory = 128
timeout = 20
policy = "policies/keyed.json"
"""


def policy(bucket: str, table: str) -> dict[str, object]:
    objects, table_arn = f"arn:aws:s3:::{bucket}/*", f"arn:aws:dynamodb:${{region}}:${{account_id}}:table/{table}"
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": "public/*"}}},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": objects},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": objects,
         "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}}},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": table_arn,
         "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "${aws:userid}"}}},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}


def test_a_policy_file_conditioned_on_service_keys(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    bucket, table = f"keys-e2e-{tag}", f"keys-e2e-{tag}"
    project = tmp_path / "project"
    (project / "functions" / "keyed").mkdir(parents=True)
    (project / "policies").mkdir()
    (project / "lambdactl.toml").write_text(TOML)
    (project / "functions" / "keyed" / "scoped.py").write_text((HANDLERS / "scoped.py").read_text())
    (project / "policies" / "keyed.json").write_text(json.dumps(policy(bucket, table), indent=2))
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(project, env, "local", "start", "--port", "0")
    try:
        exported = json.loads(cli(project, env, "-o", "json", "local", "env").stdout)
        run(project, env, exported, bucket, table)
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=project, env=env,
                       capture_output=True, timeout=60)


def run(project: Path, env: dict[str, str], exported: dict[str, str], bucket: str, table: str) -> None:
    client(exported, "s3").create_bucket(Bucket=bucket)
    client(exported, "dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    sqs = client(exported, "sqs")
    queues = {team: sqs.create_queue(QueueName=f"{bucket}-{team}", tags={"team": team})["QueueUrl"]
              for team in ("blue", "red")}
    cli(project, env, "up")
    calls = [["list_public", "s3", "list_objects_v2", {"Bucket": bucket, "Prefix": "public/"}],
             ["list_private", "s3", "list_objects_v2", {"Bucket": bucket, "Prefix": "private/"}],
             ["put_private", "s3", "put_object", {"Bucket": bucket, "Key": "a", "Body": "x", "ACL": "private"}],
             ["put_public", "s3", "put_object", {"Bucket": bucket, "Key": "b", "Body": "x", "ACL": "public-read"}],
             ["item_mine", "dynamodb", "put_item", {"TableName": table, "Item": {"k": {"S": "{userid}"}}}],
             ["item_other", "dynamodb", "put_item", {"TableName": table, "Item": {"k": {"S": "other"}}}],
             ["send_blue", "sqs", "send_message", {"QueueUrl": queues["blue"], "MessageBody": "m"}],
             ["send_red", "sqs", "send_message", {"QueueUrl": queues["red"], "MessageBody": "m"}]]
    invoked = json.loads(cli(project, env, "-o", "json", "invoke", "keyed",
                             "--payload", json.dumps({"calls": calls})).stdout)
    answers = {k: "denied" if v.startswith("AccessDenied") else v for k, v in invoked["payload"].items()}
    assert answers == {"list_public": "ok", "list_private": "denied", "put_private": "ok", "put_public": "denied",
                       "item_mine": "ok", "item_other": "denied", "send_blue": "ok", "send_red": "denied"}, invoked
    cli(project, env, "destroy", "--yes")
    assert [o["Key"] for o in client(exported, "s3").list_objects_v2(Bucket=bucket)["Contents"]] == ["a"]
    items = client(exported, "dynamodb").scan(TableName=table)["Items"]   # the table is not ours: kept
    assert len(items) == 1 and items[0]["k"]["S"] != "other"
