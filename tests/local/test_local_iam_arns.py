"""IAM enforced for CloudWatch Logs, EventBridge, SNS and SQS in the sandbox: a policy
scoped to a log group, an event bus, a rule, a topic or a queue ARN (as AWS's own
AWSLambdaBasicExecutionRole docs write it) allows that resource and no other.

moto 5.2 checked every Logs, EventBridge and SNS call (and SQS calls on a queue it does
not hold) against Resource "*", so such a policy denied what AWS allows (local/arns.py).
Each test asks both ways: what AWS allows is "ok", what it denies is denied.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from lambdactl.iam import TRUST_POLICY
from tests.local.conftest import package

Aws = Callable[[str], Any]
ARN = "arn:aws:{service}:us-east-1:123456789012:{rest}"
DENIED = "AccessDeniedException"   # the JSON services' (Logs, EventBridge) own word


def run_as(aws: Aws, statements: list[dict[str, Any]], calls: list[list[Any]]) -> dict[str, str]:
    """Run CALLS in a handler whose role has STATEMENTS as its only policy."""
    iam, lam, tag = aws("iam"), aws("lambda"), uuid.uuid4().hex[:8]
    role = iam.create_role(RoleName=f"arns-{tag}", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    iam.put_role_policy(RoleName=f"arns-{tag}", PolicyName="scoped", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    name = f"arns-{tag}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"],
                        Handler="scoped.lambda_handler", Code={"ZipFile": package("scoped.py")})
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"calls": calls}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return dict(body)


def allow(actions: list[str], resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def test_a_policy_on_a_log_group_allows_that_group_only(aws: Aws) -> None:
    """The Lambda docs' basic execution policy: CreateLogGroup on the account, the rest on
    ``log-group:/aws/lambda/FN:*``."""
    tag = uuid.uuid4().hex[:8]
    mine, other = f"/aws/lambda/arns-{tag}", f"/aws/lambda/other-{tag}"
    aws("logs").create_log_group(logGroupName=other)
    aws("logs").create_log_stream(logGroupName=other, logStreamName="s")
    statements = [
        allow(["logs:CreateLogGroup"], ARN.format(service="logs", rest="*")),
        allow(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
               "logs:GetLogEvents", "logs:FilterLogEvents"],
              ARN.format(service="logs", rest=f"log-group:{mine}:*")),
        allow(["logs:DescribeLogGroups"], ARN.format(service="logs", rest="log-group:*")),
    ]
    event = [{"timestamp": 1_700_000_000_000, "message": "hello"}]
    calls = [["create_group", "logs", "create_log_group", {"logGroupName": mine}],
             ["create_stream", "logs", "create_log_stream", {"logGroupName": mine, "logStreamName": "s"}],
             ["put", "logs", "put_log_events", {"logGroupName": mine, "logStreamName": "s", "logEvents": event}],
             ["describe_streams", "logs", "describe_log_streams", {"logGroupName": mine}],
             ["get", "logs", "get_log_events", {"logGroupName": mine, "logStreamName": "s"}],
             ["filter", "logs", "filter_log_events", {"logGroupName": mine}],
             ["describe_groups", "logs", "describe_log_groups", {"logGroupNamePrefix": mine}],
             ["put_other", "logs", "put_log_events", {"logGroupName": other, "logStreamName": "s",
                                                     "logEvents": event}],
             ["create_stream_other", "logs", "create_log_stream", {"logGroupName": other, "logStreamName": "t"}],
             ["filter_other", "logs", "filter_log_events", {"logGroupName": other}],
             ["delete_group", "logs", "delete_log_group", {"logGroupName": mine}]]
    assert run_as(aws, statements, calls) == {
        "create_group": "ok", "create_stream": "ok", "put": "ok", "describe_streams": "ok",
        "get": "ok", "filter": "ok", "describe_groups": "ok",
        "put_other": DENIED, "create_stream_other": DENIED, "filter_other": DENIED,
        "delete_group": DENIED}
    assert not aws("logs").get_log_events(logGroupName=other, logStreamName="s")["events"]


def test_a_log_group_arn_without_the_stream_wildcard_does_not_cover_its_streams(aws: Aws) -> None:
    """As on AWS: a stream action acts on ``log-group:G:log-stream:S``, which
    ``log-group:G`` does not match; DescribeLogGroups acts on ``log-group::log-stream:``."""
    group = f"/aws/lambda/bare-{uuid.uuid4().hex[:8]}"
    aws("logs").create_log_group(logGroupName=group)
    statements = [allow(["logs:CreateLogStream", "logs:DescribeLogGroups"],
                        ARN.format(service="logs", rest=f"log-group:{group}"))]
    calls = [["create_stream", "logs", "create_log_stream", {"logGroupName": group, "logStreamName": "s"}],
             ["describe_groups", "logs", "describe_log_groups", {"logGroupNamePrefix": group}]]
    assert run_as(aws, statements, calls) == {"create_stream": DENIED, "describe_groups": DENIED}


def test_a_policy_on_an_event_bus_and_its_rules_allows_those_only(aws: Aws) -> None:
    bus = f"arns-bus-{uuid.uuid4().hex[:8]}"
    aws("events").create_event_bus(Name=bus)
    queue = aws("sqs").create_queue(QueueName=f"{bus}-target")["QueueUrl"]
    target = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    statements = [allow(["events:PutEvents"], ARN.format(service="events", rest=f"event-bus/{bus}")),
                  allow(["events:PutRule", "events:PutTargets", "events:DescribeRule"],
                        ARN.format(service="events", rest=f"rule/{bus}/app-*"))]
    entry = {"Source": "arns.test", "DetailType": "t", "Detail": "{}"}
    pattern = json.dumps({"source": ["arns.test"]})
    calls = [["put_events", "events", "put_events", {"Entries": [dict(entry, EventBusName=bus)]}],
             ["put_events_default", "events", "put_events", {"Entries": [entry]}],
             ["put_events_both", "events", "put_events", {"Entries": [dict(entry, EventBusName=bus), entry]}],
             ["put_rule", "events", "put_rule", {"Name": "app-1", "EventBusName": bus, "EventPattern": pattern}],
             ["put_targets", "events", "put_targets", {"Rule": "app-1", "EventBusName": bus,
                                                       "Targets": [{"Id": "q", "Arn": target}]}],
             ["describe_rule", "events", "describe_rule", {"Name": "app-1", "EventBusName": bus}],
             ["put_rule_other", "events", "put_rule", {"Name": "other-1", "EventBusName": bus,
                                                       "EventPattern": pattern}],
             ["put_rule_default_bus", "events", "put_rule", {"Name": "app-1", "EventPattern": pattern}]]
    assert run_as(aws, statements, calls) == {
        "put_events": "ok", "put_events_default": DENIED, "put_events_both": DENIED,
        "put_rule": "ok", "put_targets": "ok", "describe_rule": "ok",
        "put_rule_other": DENIED, "put_rule_default_bus": DENIED}
    assert [r["Name"] for r in aws("events").list_rules(EventBusName=bus)["Rules"]] == ["app-1"]


def test_a_policy_on_a_topic_and_queue_names_allows_those_only(aws: Aws) -> None:
    """SNS: moto asked "*" for every call. SQS: moto names a queue it holds, but asked "*"
    for one it does not (CreateQueue, GetQueueUrl), so a policy on ``app-*`` queues denied
    creating one, and a missing queue was AccessDenied where SQS says it does not exist."""
    tag = uuid.uuid4().hex[:8]
    mine, other = (aws("sns").create_topic(Name=f"{n}-{tag}")["TopicArn"] for n in ("mine", "other"))
    statements = [allow(["sns:Publish", "sns:GetTopicAttributes"], mine),
                  allow(["sqs:CreateQueue", "sqs:GetQueueUrl", "sqs:SendMessage"],
                        ARN.format(service="sqs", rest=f"app-{tag}-*"))]
    calls = [["publish", "sns", "publish", {"TopicArn": mine, "Message": "m"}],
             ["publish_batch", "sns", "publish_batch", {"TopicArn": mine, "PublishBatchRequestEntries": [
                 {"Id": "1", "Message": "m"}]}],
             ["attributes", "sns", "get_topic_attributes", {"TopicArn": mine}],
             ["publish_other", "sns", "publish", {"TopicArn": other, "Message": "m"}],
             ["list_topics", "sns", "list_topics", {}],
             ["missing_queue", "sqs", "get_queue_url", {"QueueName": f"app-{tag}-missing"}],
             ["create_queue", "sqs", "create_queue", {"QueueName": f"app-{tag}-1"}],
             ["create_queue_other", "sqs", "create_queue", {"QueueName": f"other-{tag}-1"}],
             ["missing_other", "sqs", "get_queue_url", {"QueueName": f"other-{tag}-missing"}]]
    # SQS: denied is what counts here, not its word.
    answers = {k: "denied" if v.startswith("AccessDenied") else v for k, v in run_as(aws, statements, calls).items()}
    assert answers == {"publish": "ok", "publish_batch": "ok", "attributes": "ok",
                       "publish_other": "AuthorizationError", "list_topics": "AuthorizationError",  # SNS's word
                       "missing_queue": "AWS.SimpleQueueService.NonExistentQueue", "create_queue": "ok",
                       "create_queue_other": "denied", "missing_other": "denied"}, answers
    queues = aws("sqs").list_queues(QueueNamePrefix=f"other-{tag}").get("QueueUrls", [])
    assert queues == []


def test_policy_patterns_and_not_resource_match_as_iam_matches_them(aws: Aws) -> None:
    """IAM: ``?`` is one character, ``.`` is itself, action names ignore case, and a Deny
    with NotResource denies every resource it does not list (moto: a regular expression
    with ``.`` any character, case-sensitive actions, NotResource an Allow of everything)."""
    bucket = f"arns-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    for key in ("k1", "k12", "a.b", "axb", "plain"):
        aws("s3").put_object(Bucket=bucket, Key=key, Body=b"x")
    objects = f"arn:aws:s3:::{bucket}"
    statements = [allow(["s3:GetObject"], f"{objects}/k?"), allow(["s3:GetObject"], f"{objects}/a.b"),
                  allow(["S3:getobject"], f"{objects}/plain")]
    calls = [[key, "s3", "get_object", {"Bucket": bucket, "Key": key}] for key in ("k1", "k12", "a.b", "axb", "plain")]
    assert run_as(aws, statements, calls) == {
        "k1": "ok", "k12": "AccessDenied", "a.b": "ok", "axb": "AccessDenied", "plain": "ok"}
    fenced = [allow(["s3:*"], "*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": [f"{objects}/*"]}]
    calls = [["inside", "s3", "get_object", {"Bucket": bucket, "Key": "plain"}],
             ["list_buckets", "s3", "list_buckets", {}],
             ["create_bucket", "s3", "create_bucket", {"Bucket": f"{bucket}-escaped"}]]
    assert run_as(aws, fenced, calls) == {"inside": "ok", "list_buckets": "AccessDenied",
                                          "create_bucket": "AccessDenied"}
    assert f"{bucket}-escaped" not in [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]


def test_the_log_tagging_calls_act_on_the_group_itself(aws: Aws) -> None:
    """TagResource, UntagResource, ListTagsForResource and the old TagLogGroup /
    ListTagsLogGroup act on ``log-group:G`` (AWS: "not authorized to perform:
    logs:ListTagsForResource on resource: arn:aws:logs:R:A:log-group:G"), which
    ``log-group:G:*`` does not match. They were checked on "*"."""
    tag = uuid.uuid4().hex[:8]
    mine, other = f"/aws/lambda/tags-{tag}", f"/aws/lambda/tags-other-{tag}"
    for group in (mine, other):
        aws("logs").create_log_group(logGroupName=group)
    arn = ARN.format(service="logs", rest=f"log-group:{mine}")
    other_arn = ARN.format(service="logs", rest=f"log-group:{other}")
    actions = ["logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource",
               "logs:TagLogGroup", "logs:ListTagsLogGroup"]
    calls = [["tag", "logs", "tag_resource", {"resourceArn": arn, "tags": {"team": "a"}}],
             ["list", "logs", "list_tags_for_resource", {"resourceArn": arn}],
             ["untag", "logs", "untag_resource", {"resourceArn": arn, "tagKeys": ["team"]}],
             ["tag_old", "logs", "tag_log_group", {"logGroupName": mine, "tags": {"team": "a"}}],
             ["list_old", "logs", "list_tags_log_group", {"logGroupName": mine}],
             ["tag_other", "logs", "tag_resource", {"resourceArn": other_arn, "tags": {"team": "a"}}],
             ["tag_other_old", "logs", "tag_log_group", {"logGroupName": other, "tags": {"team": "a"}}]]
    assert run_as(aws, [allow(actions, arn)], calls) == {
        "tag": "ok", "list": "ok", "untag": "ok", "tag_old": "ok", "list_old": "ok",
        "tag_other": DENIED, "tag_other_old": DENIED}
    assert run_as(aws, [allow(actions, f"{arn}:*")], calls[:2]) == {"tag": DENIED, "list": DENIED}
    assert aws("logs").list_tags_for_resource(resourceArn=other_arn)["tags"] == {}
