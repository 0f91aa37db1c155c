from __future__ import annotations

from typing import Any

import pytest

from lambdactl.errors import AwsError, OwnershipError
from lambdactl.kinds import s3_notification
from lambdactl.triggers.s3 import BucketState
from tests.kinds import Trigger, desired, facts, function, observed

FN = function(triggers=(Trigger("b-one", prefix="in/"),))
ARN = "arn:aws:lambda:us-east-1:123456789012:function:proj-fn"
OURS = {"Id": "lambdactl-proj-fn-0", "LambdaFunctionArn": ARN, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}]}}}
QUEUE = {"Id": "theirs", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectRemoved:*"]}


def plan(config: dict[str, Any], exists: bool = True) -> tuple[str, str]:
    [step] = s3_notification.plan(facts(), desired(FN), observed(buckets={"b-one": BucketState("b-one", exists, config)}))
    return step.action, step.detail


@pytest.mark.parametrize(("config", "action"), [
    ({}, "create"),
    ({"QueueConfigurations": [QUEUE]}, "create"),
    ({"LambdaFunctionConfigurations": [OURS]}, "keep"),   # "Prefix" as S3 returns it: still ours
    ({"LambdaFunctionConfigurations": [{**OURS, "Events": ["s3:ObjectRemoved:*"]}]}, "update"),
])
def test_plan(config: dict[str, Any], action: str) -> None:
    assert plan(config) == (action, "lambdactl-proj-fn-0")


def test_an_overlapping_foreign_rule_refuses_before_any_write() -> None:
    theirs = {"Id": "x", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Events": ["s3:ObjectCreated:Put"]}
    with pytest.raises(AwsError, match="overlaps the existing notification 'x'"):
        plan({"TopicConfigurations": [theirs]})


def test_our_id_pointing_elsewhere_refuses() -> None:
    with pytest.raises(OwnershipError):
        plan({"LambdaFunctionConfigurations": [{**OURS, "LambdaFunctionArn": ARN + "-other"}]})
