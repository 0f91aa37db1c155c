"""Versions and aliases on the sandbox, beyond the Invoke API: each qualifier keeps its
own async configuration and an invocation runs with the one it names; S3
notifications and function URLs on a weighted alias split traffic with its weights
(they ran the alias's primary version, or $LATEST, before)."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.local.test_local_limits import allow_rule
from tests.local.test_local_urls import get


def versions(aws: Any, make_function: Any, handler: str) -> str:
    """A function with versions 1 and 2 (different GREETING) and $LATEST."""
    lam = aws("lambda")
    name = make_function(handler, Environment={"Variables": {"GREETING": "one"}}, Publish=True)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "two"}})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    return name


def within_bounds(count: int, n: int, p: float) -> None:
    sigma = math.sqrt(n * p * (1 - p))
    low, high = n * p - 4 * sigma, n * p + 4 * sigma
    assert low <= count <= high, f"{count} of {n}; 4 sigma: {low:.1f}..{high:.1f}"


def queue(aws: Any, name: str) -> tuple[str, str]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def records(aws: Any, url: str, want: int, timeout: float = 30) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < want and time.monotonic() < deadline:
        got = aws("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10)
        found += [json.loads(m["Body"]) for m in got.get("Messages", [])]
    return found


def test_each_qualifier_runs_with_its_own_async_configuration(aws: Any, make_function: Any) -> None:
    lam = aws("lambda")
    name = versions(aws, make_function, "app.fail")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.create_alias(FunctionName=name, Name="bare", FunctionVersion="1")
    (latest_url, latest_q), (live_url, live_q) = queue(aws, f"{name}-latest"), queue(aws, f"{name}-live")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": latest_q}})
    lam.put_function_event_invoke_config(FunctionName=name, Qualifier="live", MaximumRetryAttempts=0,
                                         MaximumEventAgeInSeconds=120,
                                         DestinationConfig={"OnFailure": {"Destination": live_q}})
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    assert (got["FunctionArn"].endswith(f"{name}:live"), got["MaximumEventAgeInSeconds"]) == (True, 120)
    assert "MaximumEventAgeInSeconds" not in lam.get_function_event_invoke_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="bare")   # none of its own
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert sorted(c["FunctionArn"].rsplit(":", 1)[1] for c in listed) == ["$LATEST", "live"]

    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"to": "latest"}')
    lam.invoke(FunctionName=name, Qualifier="live", InvocationType="Event", Payload=b'{"to": "live"}')
    (on_latest,), (on_live,) = records(aws, latest_url, 1), records(aws, live_url, 1)
    assert on_latest["requestPayload"] == {"to": "latest"} and on_live["requestPayload"] == {"to": "live"}
    assert on_live["responseContext"]["executedVersion"] == "1"
    assert on_live["requestContext"]["approximateInvokeCount"] == 1, "live's own 0 retries"
    assert records(aws, latest_url, 1, timeout=1) == [] and records(aws, live_url, 1, timeout=1) == []

    lam.delete_alias(FunctionName=name, Name="live")   # its settings go with it
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    lam.delete_function_event_invoke_config(FunctionName=name)
    assert lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"] == []


def test_s3_notifications_on_a_weighted_alias_split_with_its_weights(
        aws: Any, make_function: Any, wait_for_log: Callable[..., Any]) -> None:
    lam, s3 = aws("lambda"), aws("s3")
    name = versions(aws, make_function, "app.on_upload")
    alias = lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})["AliasArn"]
    bucket = f"{name}-up"
    s3.create_bucket(Bucket=bucket)
    lam.add_permission(FunctionName=name, Qualifier="canary", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": alias, "Events": ["s3:ObjectCreated:*"]}]})
    n = 40
    for i in range(n):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x")
        time.sleep(0.02)
    within_bounds(ran_versions(aws, name, n)["2"], n, 0.5)


def ran_versions(aws: Any, name: str, n: int) -> Counter[str]:
    """How many of N invocations each version ran (the [N] of its log streams); waits for N."""
    deadline = time.monotonic() + 60
    ran: Counter[str] = Counter()
    while sum(ran.values()) < n and time.monotonic() < deadline:
        try:
            events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="START")["events"]
        except aws("logs").exceptions.ResourceNotFoundException:   # no invocation yet
            events = []
        ran = Counter(e["logStreamName"].split("[", 1)[1].split("]", 1)[0] for e in events
                      if e["message"].startswith("START"))
        time.sleep(0.2)
    assert sum(ran.values()) == n and set(ran) == {"1", "2"}, ran
    return ran


def test_eventbridge_targets_on_a_weighted_alias_split_with_its_weights(aws: Any, make_function: Any) -> None:
    """A schedule's rule delivers through the same path (local/eventbridge.py)."""
    lam, events = aws("lambda"), aws("events")
    name = versions(aws, make_function, "app.echo")
    alias = lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})["AliasArn"]
    rule = events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": alias}])
    allow_rule(aws, name, rule, qualifier="canary")
    n = 40
    for i in range(n):
        events.put_events(Entries=[{"Source": name, "DetailType": "t", "Detail": json.dumps({"i": i})}])
    within_bounds(ran_versions(aws, name, n)["2"], n, 0.5)


def test_a_url_on_a_weighted_alias_runs_its_versions(aws: Any, make_function: Any) -> None:
    lam = aws("lambda")
    name = versions(aws, make_function, "app.environment")
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
    url = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")["FunctionUrl"]
    for q in ("", "live"):
        lam.add_permission(FunctionName=name, StatementId=f"url{q}", Action="lambda:InvokeFunctionUrl",
                           Principal="*", FunctionUrlAuthType="NONE", **({"Qualifier": q} if q else {}))
        lam.add_permission(FunctionName=name, StatementId=f"invoke{q}", Action="lambda:InvokeFunction",
                           Principal="*", **({"Qualifier": q} if q else {}))
        assert q or get(url)[0] == 403   # the function's permissions do not open its alias's URL
    n = 40
    seen = Counter(json.loads(get(url)[1])["AWS_LAMBDA_FUNCTION_VERSION"] for _ in range(n))
    assert set(seen) == {"1", "2"}, seen   # never $LATEST: the URL names the alias
    within_bounds(seen["2"], n, 0.5)


def test_a_queue_mapping_on_a_weighted_alias_splits_with_its_weights(aws: Any, make_function: Any) -> None:
    """The pollers invoke through the same path (local/delivery.py); moto kept the
    version's ARN on the mapping (local/aliases.mapped)."""
    lam = aws("lambda")
    name = versions(aws, make_function, "app.echo")
    alias = lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})["AliasArn"]
    url, arn = queue(aws, f"{name}-jobs")
    mapping = lam.create_event_source_mapping(FunctionName=alias, EventSourceArn=arn, BatchSize=1)
    assert mapping["FunctionArn"] == alias, "Lambda keeps the alias's ARN, not its version's"
    n = 40
    for start in range(0, n, 10):
        aws("sqs").send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)}
                                                            for i in range(start, start + 10)])
    within_bounds(ran_versions(aws, name, n)["2"], n, 0.5)


def test_eventbridge_on_an_alias_needs_that_alias_own_permission(
    aws: Any, make_function: Any, sandbox: Any, wait_for_log: Any
) -> None:
    """Lambda reads the resource policy of the qualifier a target names: a permission added
    on alias A, or on the function, does not let the rule invoke alias B (moto keeps one
    statement list for them all, so the sandbox delivered)."""
    from pathlib import Path

    lam, events = aws("lambda"), aws("events")
    name = make_function("app.echo", Publish=True)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    aliases = {a: lam.create_alias(FunctionName=name, Name=a, FunctionVersion="1")["AliasArn"] for a in "AB"}
    rule = events.put_rule(Name=name, EventPattern=json.dumps({"source": [name]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "b", "Arn": aliases["B"]}])
    allow_rule(aws, name, rule, qualifier="A")
    lam.add_permission(FunctionName=name, StatementId="unqualified", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule)
    events.put_events(Entries=[{"Source": name, "DetailType": "t", "Detail": json.dumps({"n": 1})}])
    lam.add_permission(FunctionName=name, StatementId="on-b", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule, Qualifier="B")
    events.put_events(Entries=[{"Source": name, "DetailType": "t", "Detail": json.dumps({"n": 2})}])
    _, messages = wait_for_log(f"/aws/lambda/{name}", "'detail': {'n': 2}")
    assert not any("'detail': {'n': 1}" in m for m in messages), messages
    assert f"EventBridge rule {name}: event dropped" in Path(sandbox.log_file).read_text()
