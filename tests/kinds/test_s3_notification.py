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


# -- lambdactl.toml edited after up ------------------------------------------------
OTHER = function(key="other", name="proj-other", triggers=())
OTHERS = {"Id": "lambdactl-proj-other-0", "LambdaFunctionArn": ARN.replace("fn", "other"),
          "Events": ["s3:ObjectCreated:*"]}


def test_a_bucket_no_longer_triggering_the_function_loses_its_entry_and_permission() -> None:
    have = observed(buckets={"b-one": BucketState("b-one", True, {"LambdaFunctionConfigurations": [OTHERS]})},
                    permissions={"lambdactl-s3-b-one": {}})
    [step] = s3_notification.plan(facts(fns=(OTHER,)), desired(OTHER), have)
    assert (step.action, step.name) == ("delete", "s3://b-one")
    assert isinstance(step.data, s3_notification.NotificationData)
    assert step.data.ours == [] and step.data.permission == "lambdactl-s3-b-one"
    # Its entry gone already: nothing for this kind (the permission's kind takes the statement).
    have = observed(buckets={"b-one": BucketState("b-one", True, {})})
    assert s3_notification.plan(facts(fns=(OTHER,)), desired(OTHER), have) == []


def test_a_trigger_moved_here_from_another_function_replaces_its_entry_in_one_write() -> None:
    """The two overlap: S3 refuses them side by side, so the old one goes in the same write."""
    have = observed(buckets={"b-one": BucketState("b-one", True, {"LambdaFunctionConfigurations": [OTHERS]})})
    fn = function(triggers=(Trigger("b-one"),))
    [step] = s3_notification.plan(facts(fns=(fn, OTHER)), desired(fn), have)
    assert step.action == "update"
    assert isinstance(step.data, s3_notification.NotificationData)
    assert step.data.drop == frozenset({"lambdactl-proj-other-0"})
    # Still in lambdactl.toml with that trigger: another function's, kept, and refused.
    other = function(key="other", name="proj-other", triggers=(Trigger("b-one"),))
    with pytest.raises(AwsError, match="give the trigger a disjoint prefix"):
        s3_notification.plan(facts(fns=(fn, other)), desired(fn), have)


def test_an_overlap_with_an_orphan_of_the_project_names_up_prune() -> None:
    fn = function(triggers=(Trigger("b-one"),))
    journal = {"function:proj-other": {"kind": "function", "name": "proj-other"}}
    have = observed(buckets={"b-one": BucketState("b-one", True, {"LambdaFunctionConfigurations": [OTHERS]})})
    with pytest.raises(AwsError, match=r"proj-other is this project's, no longer in lambdactl.toml.*up --prune"):
        s3_notification.plan(facts(fns=(fn,), journal=journal), desired(fn), have)
