"""Measure what deciding a handler's call costs in the sandbox: µs spent in the IAM hook
(local/enforce.py's wrapper of moto's _authenticate_and_authorize_action) per call.

    .venv/bin/python benchmarks/iam_decision.py [--calls 2000]

In process, with moto's mock and the sandbox's IAM installed as the server installs it
(no HTTP, no other process: the hook's own time, timed around it). A role session
(AssumeRole by the sandbox's own key) calls SQS GetQueueAttributes on a queue whose policy
names the role, S3 GetObject on a bucket with a policy, and DynamoDB GetItem; the role has
an inline policy and a permissions boundary, so every kind of policy the sandbox weighs is
read on each call (main read none but the identity policy, so its role may make each call). To compare with another checkout, run it with PYTHONPATH=<its src>.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sandbox import _isolate  # noqa: E402

ACCOUNT = "123456789012"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _setup(client: Callable[..., Any]) -> dict[str, Callable[[], Any]]:
    """The role, its boundary, the resources; {call name: a function making that call}."""
    iam, sqs, s3, ddb = (client(s) for s in ("iam", "sqs", "s3", "dynamodb"))
    role = iam.create_role(RoleName="bench-iam", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench-iam", PolicyName="own", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": ["s3:GetObject", "dynamodb:GetItem", "sqs:GetQueueAttributes"], "Resource": "*"}))
    boundary = iam.create_policy(PolicyName="bench-boundary", PolicyDocument=_policy(
        {"Effect": "Allow", "Action": ["s3:*", "sqs:*", "dynamodb:*"], "Resource": "*"}))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="bench-iam", PermissionsBoundary=boundary)
    url = sqs.create_queue(QueueName="bench-iam")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _policy(
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "sqs:GetQueueAttributes", "Resource": "*"})})
    s3.create_bucket(Bucket="bench-iam")
    s3.put_object(Bucket="bench-iam", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="bench-iam", Policy=_policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::bench-iam"}))
    ddb.create_table(TableName="bench-iam", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    found = client("sts").assume_role(RoleArn=role, RoleSessionName="bench")["Credentials"]
    keys = {"aws_access_key_id": found["AccessKeyId"], "aws_secret_access_key": found["SecretAccessKey"],
            "aws_session_token": found["SessionToken"]}
    as_role = {s: client(s, **keys) for s in ("sqs", "s3", "dynamodb")}
    return {"sqs_get_queue_attributes": lambda: as_role["sqs"].get_queue_attributes(QueueUrl=url),
            "s3_get_object": lambda: as_role["s3"].get_object(Bucket="bench-iam", Key="k")["Body"].read(),
            "dynamodb_get_item": lambda: as_role["dynamodb"].get_item(TableName="bench-iam", Key={"k": {"S": "a"}})}


def measure(calls: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws
    from moto.core.authorization import ActionAuthenticatorMixin

    from lambdactl.local import enforce

    admin = {"aws_access_key_id": "AKIABENCHADMIN000000", "aws_secret_access_key": "x"}
    with mock_aws():
        enforce.install(admin["aws_access_key_id"])
        spent: list[float] = []
        hook = ActionAuthenticatorMixin._authenticate_and_authorize_action

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return hook(self, *args, **kwargs)
            finally:
                spent.append(time.perf_counter() - t0)

        ActionAuthenticatorMixin._authenticate_and_authorize_action = timed  # type: ignore[method-assign]

        def client(service: str, **keys: str) -> Any:
            return boto3.client(service, region_name="us-east-1", **(keys or admin))

        out: dict[str, Any] = {}
        for name, call in _setup(client).items():
            for _ in range(50):   # warm: clients, moto's caches
                call()
            spent.clear()
            for _ in range(calls):
                call()
            out[name] = {"median_us": round(statistics.median(spent) * 1e6),
                         "mean_us": round(statistics.fmean(spent) * 1e6)}
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    _isolate(os.devnull)
    load = os.getloadavg()[0]
    results = {"hook_us_per_call": measure(calls), "load_average": [round(load, 1), round(os.getloadavg()[0], 1)]}
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
