"""The resource ARN IAM checks a CloudWatch Logs, EventBridge, SNS or SQS call against
(local/rolecalls.py asks). moto 5.2 asks "*" for every Logs, EventBridge and SNS call, and
for an SQS queue it does not hold, so a least-privilege policy scoped to a log group, an
event bus, a rule, a topic or a queue (as AWS wants it written) was denied what AWS allows.

CloudWatch Logs names its resources as its AccessDenied messages show them: a log-group
action acts on ``log-group:GROUP:log-stream:`` (so ``log-group:GROUP:*`` matches, and
``log-group:GROUP`` alone does not, as on AWS), a log-stream action on
``log-group:GROUP:log-stream:STREAM``, and DescribeLogGroups on ``log-group::log-stream:``.
"""

from __future__ import annotations

from typing import Any

# Logs actions on one log stream (the rest that name a group act on the group).
LOG_STREAM_ACTIONS = frozenset({"CreateLogStream", "PutLogEvents", "GetLogEvents", "DeleteLogStream"})
# EventBridge actions on one rule: (the parameter naming the rule).
RULE_ACTIONS = {"PutRule": "Name", "DeleteRule": "Name", "DescribeRule": "Name", "EnableRule": "Name",
                "DisableRule": "Name", "PutTargets": "Rule", "RemoveTargets": "Rule",
                "ListTargetsByRule": "Rule"}
BUS_ACTIONS = frozenset({"CreateEventBus", "DeleteEventBus", "DescribeEventBus", "UpdateEventBus"})
# Calls that act on no resource: checked against "*", as AWS does.
UNSCOPED = frozenset({"ListQueues", "ListTopics", "ListSubscriptions", "ListRules", "ListEventBuses"})


def resource_arns(response: Any, name: str) -> list[str]:
    """The ARNs the call NAME (moto's action name) of RESPONSE's service acts on, or ["*"]."""
    service = response.service_name
    prefix = f"arn:aws:{service}:{response.region}:{response.current_account}:"
    if name in UNSCOPED:
        return ["*"]
    found = {"logs": _logs, "events": _events, "sns": _sns, "sqs": _sqs}.get(service)
    arns = found(response, name, prefix) if found is not None else []
    return arns or ["*"]


def _param(response: Any, key: str) -> Any:
    try:
        return response._get_param(key)
    except Exception:  # noqa: BLE001 - a body moto cannot parse: it acts on nothing we can name
        return None


def _logs(response: Any, name: str, prefix: str) -> list[str]:
    if name == "DescribeLogGroups":
        return [prefix + "log-group::log-stream:"]
    stream = _param(response, "logStreamName") if name in LOG_STREAM_ACTIONS else ""
    groups = [_param(response, "logGroupName") or _param(response, "logGroupIdentifier")]
    if groups == [None]:   # StartQuery names several
        groups = list(_param(response, "logGroupNames") or _param(response, "logGroupIdentifiers") or [])
    return [_log_group(prefix, g) + f":log-stream:{stream or ''}" for g in groups if isinstance(g, str)]


def _log_group(prefix: str, group: str) -> str:
    """A group's ARN (no ``:*``) from its name or ARN (``logGroupIdentifier`` takes both)."""
    if group.startswith("arn:"):
        return group.removesuffix(":*")
    return f"{prefix}log-group:{group}"


def _bus(prefix: str, bus: Any) -> str:
    name = bus if isinstance(bus, str) and bus else "default"
    return name if name.startswith("arn:") else f"{prefix}event-bus/{name}"


def _events(response: Any, name: str, prefix: str) -> list[str]:
    if name == "PutEvents":   # each entry's bus, once
        entries = _param(response, "Entries") or []
        buses = {_bus(prefix, e.get("EventBusName")) for e in entries if isinstance(e, dict)}
        return sorted(buses)
    if name in RULE_ACTIONS:
        rule = _param(response, RULE_ACTIONS[name])
        if not isinstance(rule, str):
            return []
        bus = _bus(prefix, _param(response, "EventBusName")).rsplit("/", 1)[-1]
        return [f"{prefix}rule/{rule}" if bus == "default" else f"{prefix}rule/{bus}/{rule}"]
    if name in BUS_ACTIONS:
        return [_bus(prefix, _param(response, "Name"))]
    found = _param(response, "ResourceARN")   # TagResource, UntagResource, ListTagsForResource
    return [found] if isinstance(found, str) else []


def _sns(response: Any, name: str, prefix: str) -> list[str]:
    if name == "CreateTopic":
        topic = _param(response, "Name")
        return [prefix + topic] if isinstance(topic, str) else []
    for key in ("TopicArn", "TargetArn", "ResourceArn"):
        found = _param(response, key)
        if isinstance(found, str) and found.startswith("arn:"):
            return [found]
    subscription = _param(response, "SubscriptionArn")   # a subscription acts on its topic
    if isinstance(subscription, str) and subscription.count(":") >= 6:
        return [subscription.rsplit(":", 1)[0]]
    return []


def _sqs(response: Any, name: str, prefix: str) -> list[str]:
    """A queue moto does not hold (CreateQueue, GetQueueUrl, a deleted queue's URL): its
    ARN from the name, so the call is allowed, and fails as SQS fails it, where AWS allows it."""
    queue = _param(response, "QueueName") or _param(response, "QueueUrl")
    if not isinstance(queue, str) or not queue:
        return []
    parts = queue.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2].isdigit() and len(parts[-2]) == 12:   # another account's URL
        prefix = f"{prefix.rsplit(':', 2)[0]}:{parts[-2]}:"
    return [prefix + parts[-1]]
