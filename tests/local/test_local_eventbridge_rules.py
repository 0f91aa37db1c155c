"""EventBridge's PutEvents against rules moto delivered to wrongly (found when a test left
a disabled schedule rule targeting a queue that never existed on the default bus: every
later PutEvents on that bus failed with QueueDoesNotExist)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

Aws = Callable[[str], Any]


def test_put_events_reaches_enabled_pattern_rules_only_and_never_fails_on_a_target(aws: Aws) -> None:
    """A disabled rule, and a schedule rule (no event pattern), take no put event; a target
    that cannot be delivered to fails its delivery, not PutEvents (EventBridge answers 200
    with no failed entry and delivers to the other rules)."""
    events, sqs = aws("events"), aws("sqs")
    tag = uuid.uuid4().hex[:8]
    bus = events.create_event_bus(Name=f"rules-{tag}")["EventBusArn"].rsplit("/", 1)[-1]
    queues = {name: sqs.create_queue(QueueName=f"{name}-{tag}")["QueueUrl"] for name in ("matched", "disabled")}
    arn = {name: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
           for name, url in queues.items()}
    pattern = json.dumps({"source": ["rules.test"]})
    rules = [("matched", {"EventPattern": pattern}, arn["matched"]),
             ("disabled", {"EventPattern": pattern, "State": "DISABLED"}, arn["disabled"]),
             ("gone", {"EventPattern": pattern}, arn["matched"].replace("matched-", "gone-"))]
    for name, spec, target in rules:
        events.put_rule(Name=f"{name}-{tag}", EventBusName=bus, **spec)
        events.put_targets(Rule=f"{name}-{tag}", EventBusName=bus, Targets=[{"Id": "t", "Arn": target}])
    answer = events.put_events(Entries=[{"Source": "rules.test", "DetailType": "t", "Detail": "{}",
                                         "EventBusName": bus}])
    assert answer["FailedEntryCount"] == 0
    got = {name: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
           for name, url in queues.items()}
    assert (len(got["matched"]), got["disabled"]) == (1, [])


def test_a_schedule_rule_takes_no_put_event(aws: Aws) -> None:
    """A rule with a ScheduleExpression and no event pattern (the default bus's only kind of
    schedule) fires on its schedule, never on PutEvents: moto matched every event to it."""
    events, sqs = aws("events"), aws("sqs")
    tag = uuid.uuid4().hex[:8]
    url = sqs.create_queue(QueueName=f"schedule-{tag}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"schedule-{tag}", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule=f"schedule-{tag}", Targets=[{"Id": "t", "Arn": queue}])
    try:
        answer = events.put_events(Entries=[{"Source": "rules.test", "DetailType": "t", "Detail": "{}"}])
        assert answer["FailedEntryCount"] == 0
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    finally:
        events.remove_targets(Rule=f"schedule-{tag}", Ids=["t"])
        events.delete_rule(Name=f"schedule-{tag}")
