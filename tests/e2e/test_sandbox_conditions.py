"""IAM Condition blocks in the sandbox, through the real CLI (issue 12): a function whose
role's policy is all conditioned statements, each on its own call, deployed with `up`,
invoked with `invoke`; then a bucket policy denying everyone without TLS, which on AWS
binds no SDK call (they are HTTPS) and must not lock lambdactl out of its own bucket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.e2e.example import client
from tests.e2e.test_sandbox_flow import cli, wait_for_line

DATA = "cond-data"
HANDLER = '''
import boto3
import botocore.exceptions


def handler(event, context):
    if "Records" in event:
        for record in event["Records"]:
            print("uploaded", record["s3"]["object"]["key"])
        return {}
    bucket = event["bucket"]
    me = boto3.client("sts").get_caller_identity()["UserId"]
    east = lambda service: boto3.client(service, region_name="us-east-1")
    calls = {
        "region_allowed": lambda: east("s3").list_buckets(),
        "region_elsewhere": lambda: boto3.client("s3", region_name="eu-west-1").list_buckets(),
        "deny_not_holding": lambda: east("s3").get_object(Bucket=bucket, Key="k"),
        "own_prefix": lambda: east("s3").put_object(Bucket=bucket, Key=me + "/x", Body=b"1"),
        "other_prefix": lambda: east("s3").put_object(Bucket=bucket, Key="someone/x", Body=b"1"),
        "ip_loopback": lambda: east("dynamodb").list_tables(),
        "ip_elsewhere": lambda: east("sqs").list_queues(),
        "date_past": lambda: east("sns").list_topics(),
        "null_username": lambda: east("lambda").list_functions(),
        "if_exists": lambda: east("events").list_rules(),
        "for_all_values": lambda: east("events").list_event_buses(),
        "for_any_value": lambda: east("logs").describe_log_groups(),
        "source_function": lambda: east("iam").list_roles(),
        "source_function_other": lambda: east("iam").list_users(),
        "principal_tag": lambda: east("s3").list_objects_v2(Bucket=bucket),
        "prefix_home": lambda: east("s3").list_objects_v2(Bucket=bucket, Prefix="home/"),
        "prefix_other": lambda: east("s3").list_objects_v2(Bucket=bucket, Prefix="other/"),
    }
    found = {}
    for name, call in calls.items():
        try:
            call()
            found[name] = "ok"
        except botocore.exceptions.ClientError as exc:
            found[name] = exc.response["Error"]["Code"]
    return found
'''


def allow(action: str, condition: dict[str, Any], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, "Condition": condition}


STATEMENTS = [
    allow("s3:ListAllMyBuckets", {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{DATA}/*"},
    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-9"}}},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{DATA}/${{aws:userid}}/*"},
    allow("dynamodb:ListTables", {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}),
    allow("sqs:ListQueues", {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}),
    allow("sns:ListTopics", {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
    allow("lambda:ListFunctions", {"Null": {"aws:username": "true"}}),
    allow("events:ListRules", {"StringEqualsIfExists": {"aws:username": "nobody"}}),
    allow("events:ListEventBuses", {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
    allow("logs:DescribeLogGroups", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}),
    allow("iam:ListRoles", {"ArnLike": {"lambda:SourceFunctionArn": "arn:aws:lambda:*:*:function:cond-probe"}}),
    allow("iam:ListUsers", {"ArnEquals": {
        "lambda:SourceFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:someone-else"}}),
    allow("s3:ListBucket", {"StringEquals": {"aws:PrincipalTag/team": "blue"}}, f"arn:aws:s3:::{DATA}"),
    allow("s3:ListBucket", {"StringLike": {"s3:prefix": "home/*"}}, f"arn:aws:s3:::{DATA}"),
]
TOML = '''[project]
name = "cond"
region = "us-east-1"
target = "local"

[functions.probe]
source = "functions/probe"
handler = "app.handler"
runtime = "python3.12"
memory = 128
timeout = 30
policy = "policies/probe.json"

[[functions.probe.triggers]]
type = "s3"
bucket = "cond-uploads"
events = ["s3:ObjectCreated:*"]
'''


def tls_only(bucket: str) -> str:
    """The bucket policy most often found on the web: deny everyone any call without TLS."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def project(root: Path) -> Path:
    (root / "functions" / "probe").mkdir(parents=True)
    (root / "functions" / "probe" / "app.py").write_text(HANDLER)
    (root / "policies").mkdir()
    (root / "policies" / "probe.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": STATEMENTS}))
    (root / "lambdactl.toml").write_text(TOML)
    return root


def probe(root: Path, env: dict[str, str]) -> dict[str, str]:
    out = json.loads(cli(root, env, "-o", "json", "invoke", "probe", "--payload", json.dumps({"bucket": DATA})).stdout)
    return dict(out["payload"])


@contextmanager
def sandbox_project(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], dict[str, str]]]:
    """(project, env, the sandbox's `local env`), deployed with `up`; the sandbox stopped after."""
    root = project(tmp_path / "cond")
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(root, env, "local", "start", "--port", "0")
    try:
        exported = json.loads(cli(root, env, "-o", "json", "local", "env").stdout)
        cli(root, env, "up")   # the policy's ${aws:userid} is IAM's, not an unknown placeholder
        again = json.loads(cli(root, env, "-o", "json", "up").stdout)
        assert again["api_calls"]["writes"] == 0   # converged: IAM keeps the variable as written
        s3 = client(exported, "s3")
        s3.create_bucket(Bucket=DATA)
        s3.put_object(Bucket=DATA, Key="k", Body=b"x")
        yield root, env, exported
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=root, env=env,
                       capture_output=True, timeout=60)


def test_conditioned_policies_decide_a_handlers_calls_as_aws(tmp_path: Path) -> None:
    with sandbox_project(tmp_path) as (root, env, exported):
        first = probe(root, env)
        assert first == {
            "region_allowed": "ok", "region_elsewhere": "AccessDenied",     # an Allow on the region
            "deny_not_holding": "ok",                                       # a Deny whose condition fails
            "own_prefix": "ok", "other_prefix": "AccessDenied",             # ${aws:userid} in Resource
            "ip_loopback": "ok", "ip_elsewhere": "AccessDenied",   # IpAddress (SQS: its query code)
            "date_past": "AuthorizationError",                              # DateLessThan in the past (SNS's word)
            "null_username": "ok", "if_exists": "ok",                       # Null, ...IfExists on an absent key
            "for_all_values": "ok", "for_any_value": "AccessDeniedException",   # on an absent multivalued key
            "source_function": "ok", "source_function_other": "AccessDenied",   # lambda:SourceFunctionArn
            "principal_tag": "AccessDenied",                                # the role has no tag team yet
            "prefix_home": "ok", "prefix_other": "AccessDenied",            # StringLike s3:prefix
        }, first
        role = client(exported, "lambda").get_function(FunctionName="cond-probe")["Configuration"]["Role"]
        client(exported, "iam").tag_role(RoleName=role.rsplit("/", 1)[-1], Tags=[{"Key": "team", "Value": "blue"}])
        assert probe(root, env)["principal_tag"] == "ok"


def test_a_tls_only_bucket_policy_binds_no_https_caller(tmp_path: Path) -> None:
    """Deny * unless aws:SecureTransport: lambdactl's upload and destroy, and the handler's
    calls, are HTTPS on AWS; it binds none of them (it locked lambdactl out of PutObject)."""
    with sandbox_project(tmp_path) as (root, env, exported):
        s3 = client(exported, "s3")
        for bucket in (DATA, "cond-uploads"):
            s3.put_bucket_policy(Bucket=bucket, Policy=tls_only(bucket))
        (root / "hello.txt").write_text("hi")
        cli(root, env, "upload", "hello.txt")
        wait_for_line(client(exported, "logs"), "/aws/lambda/cond-probe", "uploaded hello.txt")
        again = probe(root, env)
        assert (again["deny_not_holding"], again["own_prefix"], again["other_prefix"]) == ("ok", "ok", "AccessDenied")
        cli(root, env, "destroy", "--yes")
        assert client(exported, "lambda").list_functions()["Functions"] == []
