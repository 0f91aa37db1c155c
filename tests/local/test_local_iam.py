"""IAM enforced in the sandbox: a handler acts as its execution role (issue 12)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control
from tests.local.conftest import package

Aws = Callable[[str], Any]
ONE_BUCKET = "iam-allowed-bucket"


def least_privilege(iam: Any, name: str) -> str:
    """A role allowed s3:GetObject on one bucket's objects, and nothing else."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{ONE_BUCKET}/*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="one-bucket", PolicyDocument=json.dumps(policy))
    return str(arn["Role"]["Arn"])


def deploy(lam: Any, s3: Any, role: str) -> str:
    for bucket in (ONE_BUCKET, "iam-other-bucket"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    name = f"iam-{uuid.uuid4().hex[:6]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                        Handler="app.try_calls", Code={"ZipFile": package("app.py")})
    return name


def call(lam: Any, name: str) -> dict[str, str]:
    payload = json.dumps({"allowed": ONE_BUCKET, "other": "iam-other-bucket"}).encode()
    response = lam.invoke(FunctionName=name, Payload=payload)
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return dict(body)


def test_handler_is_denied_what_its_role_does_not_allow(aws: Aws) -> None:
    role = least_privilege(aws("iam"), "iam-least-privilege")
    name = deploy(aws("lambda"), aws("s3"), role)
    assert call(aws("lambda"), name) == {
        "get_allowed": "ok",
        "get_other": "AccessDenied",
        "list_buckets": "AccessDenied",
        "describe_log_groups": "AccessDeniedException",  # a JSON service's own shape
        "whoami": "ok",  # GetCallerIdentity is always allowed
        "invoke_self": "AccessDeniedException",  # Invoke's direct route checks IAM too
    }
    # lambdactl's own calls (the sandbox's key) are not the handler's: never checked.
    assert aws("s3").list_buckets()["Buckets"]


def test_no_iam_gives_handlers_full_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    info, _ = control.start(port=0, iam=False)
    try:
        role = least_privilege(control.client(info, "iam"), "r")
        lam = control.client(info, "lambda")
        name = deploy(lam, control.client(info, "s3"), role)
        assert set(call(lam, name).values()) == {"ok"}
    finally:
        control.stop()


def test_s3_stops_invoking_when_the_permission_is_removed(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    name = make_function("app.on_upload")
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    bucket = f"perm-{name.lower()}"[:63]
    aws("s3").create_bucket(Bucket=bucket)
    aws("lambda").add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                                 Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    aws("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    aws("s3").put_object(Bucket=bucket, Key="first", Body=b"1")
    wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/first")
    aws("lambda").remove_permission(FunctionName=name, StatementId="s3")
    aws("s3").put_object(Bucket=bucket, Key="second", Body=b"2")
    aws("lambda").invoke(FunctionName=name, Payload=json.dumps(
        {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": "direct"}}}]}))
    time.sleep(1.0)  # time enough for a (wrongly) delivered S3 event to start and print
    _, messages = wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/direct")
    assert not any("second" in m for m in messages)  # S3's delivery was refused
