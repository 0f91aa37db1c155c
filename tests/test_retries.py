"""AWS behaviours moto does not emulate, tested with botocore's Stubber.

moto makes a new role assumable at once and never answers "Unable to validate
the following destination configurations"; AWS does both. These tests drive our
retry code with Stubber-scripted answers and a fake clock (no real sleeping).
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from lambdactl import functions
from lambdactl.config import Function
from lambdactl.errors import AwsError
from lambdactl.triggers import s3_write

ROLE = "arn:aws:iam::123456789012:role/demo-hello-role"
FN = Function(key="hello", name="demo-hello", source=Path("."), handler="app.lambda_handler")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def created() -> dict:
    return {"FunctionName": "demo-hello", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:demo-hello",
            "State": "Active"}


def not_assumable(stub: Stubber) -> None:
    stub.add_client_error("create_function", "InvalidParameterValueException",
                          "The role defined for the function cannot be assumed by Lambda.")


def test_role_propagation_retried_with_backoff() -> None:
    lam = boto3.client("lambda", region_name="us-east-1")
    clock = FakeClock()
    with Stubber(lam) as stub:
        for _ in range(4):
            not_assumable(stub)
        stub.add_response("create_function", created(), {
            "FunctionName": "demo-hello", "Runtime": ANY, "Role": ROLE, "Handler": ANY, "Code": ANY,
            "MemorySize": ANY, "Timeout": ANY, "Environment": ANY, "Layers": ANY, "Description": ANY,
            "Architectures": ["x86_64"], "Tags": ANY, "PackageType": "Zip"})
        resp = functions.create(lam, FN, ROLE, b"zip", {}, sleep=clock.sleep, clock=clock)
        stub.assert_no_pending_responses()
    assert resp["State"] == "Active"
    assert len(clock.sleeps) == 4
    assert clock.sleeps[0] <= 0.25 and all(s <= 1.0 for s in clock.sleeps)  # short, capped: never a blind 5 s
    assert clock.sleeps[2] > clock.sleeps[0]  # it backs off


def test_role_propagation_gives_up_within_budget() -> None:
    lam = boto3.client("lambda", region_name="us-east-1")
    clock = FakeClock()
    with Stubber(lam) as stub:
        for _ in range(200):
            not_assumable(stub)
        with pytest.raises(AwsError, match="still not assumable by Lambda after 60 s"):
            functions.create(lam, FN, ROLE, b"zip", {}, sleep=clock.sleep, clock=clock)
    assert 55 <= clock.now <= 61


def test_other_create_errors_are_not_retried() -> None:
    lam = boto3.client("lambda", region_name="us-east-1")
    clock = FakeClock()
    with Stubber(lam) as stub:
        stub.add_client_error("create_function", "InvalidParameterValueException", "Handler is invalid")
        with pytest.raises(Exception, match="Handler is invalid"):
            functions.create(lam, FN, ROLE, b"zip", {}, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == []


def test_unable_to_validate_retried_then_succeeds() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    clock = FakeClock()
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("put_bucket_notification_configuration", "InvalidArgument",
                                  "Unable to validate the following destination configurations")
        stub.add_response("put_bucket_notification_configuration", {})
        s3_write.put_notification(client, "b", {"LambdaFunctionConfigurations": []}, sleep=clock.sleep)
        stub.assert_no_pending_responses()
    assert len(clock.sleeps) == 3


def test_unable_to_validate_gives_up_with_a_clear_message() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    clock = FakeClock()
    with Stubber(client) as stub:
        for _ in range(50):
            stub.add_client_error("put_bucket_notification_configuration", "InvalidArgument",
                                  "Unable to validate the following destination configurations")
        with pytest.raises(AwsError, match="allows s3.amazonaws.com to invoke it"):
            s3_write.put_notification(client, "b", {}, sleep=clock.sleep, budget=5)
    assert clock.now <= 5
