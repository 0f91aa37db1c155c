"""Handing a role to a service is ``iam:PassRole`` on that role, as AWS's service
authorization reference lists it for ``events:PutTargets`` (a target's RoleArn) and
``logs:PutSubscriptionFilter`` (its roleArn, unless it delivers to a Lambda function).
Before, only Lambda's CreateFunction / UpdateFunctionConfiguration were checked, so a
handler allowed PutTargets could hand any role of the account to EventBridge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from lambdactl.iam import TRUST_POLICY
from tests.local.test_local_iam_arns import ARN, allow, run_as

Aws = Callable[[str], Any]
DENIED = "AccessDeniedException"


def powerful_role(aws: Aws) -> str:
    """A role the handler's role must not hand on unless allowed iam:PassRole on it."""
    name = f"powerful-{uuid.uuid4().hex[:8]}"
    return str(aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        TRUST_POLICY))["Role"]["Arn"])


def test_put_targets_with_a_role_needs_pass_role_on_it(aws: Aws) -> None:
    role, tag = powerful_role(aws), uuid.uuid4().hex[:8]
    queue = aws("sqs").create_queue(QueueName=f"pass-{tag}")["QueueUrl"]
    target = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws("events").put_rule(Name=f"pass-{tag}", ScheduleExpression="rate(1 hour)", State="DISABLED")
    events = allow(["events:PutTargets"], ARN.format(service="events", rest=f"rule/pass-{tag}"))
    calls = [["with_role", "events", "put_targets", {"Rule": f"pass-{tag}", "Targets": [
                 {"Id": "a", "Arn": target, "RoleArn": role}]}],
             ["without_role", "events", "put_targets", {"Rule": f"pass-{tag}", "Targets": [
                 {"Id": "b", "Arn": target}]}]]
    assert run_as(aws, [events], calls) == {"with_role": DENIED, "without_role": "ok"}
    assert [t["Id"] for t in aws("events").list_targets_by_rule(Rule=f"pass-{tag}")["Targets"]] == ["b"]
    assert run_as(aws, [events, allow(["iam:PassRole"], role)], calls[:1]) == {"with_role": "ok"}


def test_a_subscription_filter_role_needs_pass_role_unless_it_delivers_to_lambda(aws: Aws) -> None:
    role, tag = powerful_role(aws), uuid.uuid4().hex[:8]
    group, stream = f"/pass/{tag}", f"pass-{tag}"
    aws("logs").create_log_group(logGroupName=group)
    aws("kinesis").create_stream(StreamName=stream, ShardCount=1)
    destination = aws("kinesis").describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    logs = allow(["logs:PutSubscriptionFilter"], ARN.format(service="logs", rest=f"log-group:{group}:*"))
    put = {"logGroupName": group, "filterName": "f", "filterPattern": "", "destinationArn": destination,
           "roleArn": role}
    calls = [["kinesis", "logs", "put_subscription_filter", put]]
    assert run_as(aws, [logs], calls) == {"kinesis": DENIED}
    assert aws("logs").describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []
    assert run_as(aws, [logs, allow(["iam:PassRole"], role)], calls) == {"kinesis": "ok"}


def test_pass_role_sees_the_service_the_role_is_passed_to(aws: Aws) -> None:
    """``iam:PassedToService`` (the key AWS's own PassRole examples condition on): an
    iam:PassRole allowed only towards events.amazonaws.com lets PutTargets hand the role on,
    one allowed only towards lambda.amazonaws.com does not."""
    role, tag = powerful_role(aws), uuid.uuid4().hex[:8]
    aws("events").put_rule(Name=f"svc-{tag}", ScheduleExpression="rate(1 hour)", State="DISABLED")
    events = allow(["events:PutTargets"], ARN.format(service="events", rest=f"rule/svc-{tag}"))
    calls = [["put", "events", "put_targets", {"Rule": f"svc-{tag}", "Targets": [
        {"Id": "a", "Arn": ARN.format(service="sqs", rest=f"svc-{tag}"), "RoleArn": role}]}]]

    def pass_to(service: str) -> dict[str, Any]:
        return dict(allow(["iam:PassRole"], role), Condition={"StringEquals": {"iam:PassedToService": service}})

    assert run_as(aws, [events, pass_to("events.amazonaws.com")], calls) == {"put": "ok"}
    assert run_as(aws, [events, pass_to("lambda.amazonaws.com")], calls) == {"put": DENIED}
