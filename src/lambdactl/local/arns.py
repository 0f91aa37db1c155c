"""The resource ARN IAM checks a DynamoDB, CloudWatch Logs, EventBridge, SNS or SQS call
against (local/rolecalls.py asks). moto 5.2 asks "*" for every DynamoDB, Logs, EventBridge
and SNS call, and for an SQS queue it does not hold, so a least-privilege policy scoped to a
table, a log group, an event bus, a rule, a topic or a queue (as AWS wants it written) was
denied what AWS allows.

DynamoDB: a table by name or by ARN (DynamoDB takes both since 2024), ``table/T/index/I``
for an index, ``table/T/stream/LABEL`` for a stream (GetRecords names it in its iterator,
``STREAM|1|...``), each table of a batch call, "*" for ListTables, ListStreams and
DescribeLimits.

CloudWatch Logs names its resources as its AccessDenied messages show them: a log-group
action acts on ``log-group:GROUP:log-stream:`` (so ``log-group:GROUP:*`` matches, and
``log-group:GROUP`` alone does not, as on AWS), a log-stream action on
``log-group:GROUP:log-stream:STREAM``, DescribeLogGroups on ``log-group::log-stream:``, and
the tagging calls on the group's own ARN, ``log-group:GROUP`` (which ``log-group:GROUP:*``
does not match: AWS's "not authorized to perform: logs:ListTagsForResource on resource:
arn:aws:logs:R:A:log-group:GROUP").
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
# Logs tagging calls: on the group's own ARN (the old ones name it, the new ones give its ARN).
LOG_TAG_ACTIONS = frozenset({"TagResource", "UntagResource", "ListTagsForResource",
                             "TagLogGroup", "UntagLogGroup", "ListTagsLogGroup"})
# Calls that act on no resource: checked against "*", as AWS does.
UNSCOPED = frozenset({"ListQueues", "ListTopics", "ListSubscriptions", "ListRules", "ListEventBuses",
                      "ListTables", "ListStreams", "DescribeLimits", "DescribeEndpoints"})
# moto's service name -> the one in its ARNs (DynamoDB Streams' resources are DynamoDB's).
ARN_SERVICE = {"dynamodbstreams": "dynamodb", "awslambda": "lambda"}


def prefix(response: Any, service: str = "") -> str:
    """``arn:aws:SERVICE:REGION:ACCOUNT:`` of RESPONSE's request (SERVICE: the request's own)."""
    service = service or ARN_SERVICE.get(response.service_name, response.service_name)
    return f"arn:aws:{service}:{response.region}:{response.current_account}:"


def resource_arns(response: Any, name: str) -> list[str]:
    """The ARNs the call NAME (moto's action name) of RESPONSE's service acts on, or ["*"]."""
    if name in UNSCOPED:
        return ["*"]
    found = {"logs": _logs, "events": _events, "sns": _sns, "sqs": _sqs,
             "dynamodb": _dynamodb, "dynamodbstreams": _dynamodb}.get(response.service_name)
    arns = found(response, name, prefix(response)) if found is not None else []
    return arns or ["*"]


def param(response: Any, key: str) -> Any:
    """The request's parameter KEY as moto parsed it (JSON body, query or path), or None:
    the one way the sandbox reads a request's parameters."""
    params = getattr(response, "params", None) if getattr(response, "automated_parameter_parsing", False) else None
    if isinstance(params, dict):   # moto parsed it already (DynamoDB, SQS, SNS): a lookup, not a ChainMap's
        found = params.get(key)
        return found if found is not None else getattr(response, "uri_match", {}).get(key)
    try:
        return response._get_param(key)
    except Exception:  # noqa: BLE001 - a body moto cannot parse: it acts on nothing we can name
        return None


def function_arn(response: Any, name: str, qualifier: str = "") -> str:
    """A function's ARN from what the caller named it by: a name, a partial or a full ARN,
    with its qualifier (``name:alias``) or QUALIFIER."""
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:
        arn = f"arn:aws:lambda:{response.region}:{name}"
    else:
        arn = f"{prefix(response, 'lambda')}function:{name}"
    return f"{arn}:{qualifier}" if qualifier and arn.count(":") == 6 else arn


def table_arn(response: Any, table: str) -> str:
    """A DynamoDB table's ARN from its name or its ARN."""
    return table if table.startswith("arn:") else f"{prefix(response, 'dynamodb')}table/{table}"


def _dynamodb(response: Any, name: str, prefix: str) -> list[str]:
    table = param(response, "TableName")
    if isinstance(table, str):
        index = param(response, "IndexName")
        return [table_arn(response, table) + (f"/index/{index}" if isinstance(index, str) else "")]
    tables = param(response, "RequestItems")   # BatchGetItem, BatchWriteItem: each table
    if isinstance(tables, dict):
        return [table_arn(response, t) for t in tables if isinstance(t, str)]
    found = (param(response, "ResourceArn") or param(response, "TableArn")   # tags, resource policies, exports
             or param(response, "StreamArn") or param(response, "ShardIterator"))
    return [found.split("|", 1)[0]] if isinstance(found, str) and found.startswith("arn:") else []


def _logs(response: Any, name: str, prefix: str) -> list[str]:
    if name == "DescribeLogGroups":
        return [prefix + "log-group::log-stream:"]
    if name in LOG_TAG_ACTIONS:
        group = param(response, "resourceArn") or param(response, "logGroupName")
        return [_log_group(prefix, group)] if isinstance(group, str) else []
    stream = param(response, "logStreamName") if name in LOG_STREAM_ACTIONS else ""
    groups = [param(response, "logGroupName") or param(response, "logGroupIdentifier")]
    if groups == [None]:   # StartQuery names several
        groups = list(param(response, "logGroupNames") or param(response, "logGroupIdentifiers") or [])
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
        entries = param(response, "Entries") or []
        buses = {_bus(prefix, e.get("EventBusName")) for e in entries if isinstance(e, dict)}
        return sorted(buses)
    if name in RULE_ACTIONS:
        rule = param(response, RULE_ACTIONS[name])
        if not isinstance(rule, str):
            return []
        bus = _bus(prefix, param(response, "EventBusName")).rsplit("/", 1)[-1]
        return [f"{prefix}rule/{rule}" if bus == "default" else f"{prefix}rule/{bus}/{rule}"]
    if name in BUS_ACTIONS:
        return [_bus(prefix, param(response, "Name"))]
    found = param(response, "ResourceARN")   # TagResource, UntagResource, ListTagsForResource
    return [found] if isinstance(found, str) else []


def _sns(response: Any, name: str, prefix: str) -> list[str]:
    if name == "CreateTopic":
        topic = param(response, "Name")
        return [prefix + topic] if isinstance(topic, str) else []
    for key in ("TopicArn", "TargetArn", "ResourceArn"):
        found = param(response, key)
        if isinstance(found, str) and found.startswith("arn:"):
            return [found]
    subscription = param(response, "SubscriptionArn")   # a subscription acts on its topic
    if isinstance(subscription, str) and subscription.count(":") >= 6:
        return [subscription.rsplit(":", 1)[0]]
    return []


def _sqs(response: Any, name: str, prefix: str) -> list[str]:
    """A queue moto does not hold (CreateQueue, GetQueueUrl, a deleted queue's URL): its
    ARN from the name, so the call is allowed, and fails as SQS fails it, where AWS allows it."""
    queue = param(response, "QueueName") or param(response, "QueueUrl")
    if not isinstance(queue, str) or not queue:
        return []
    parts = queue.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2].isdigit() and len(parts[-2]) == 12:   # another account's URL
        prefix = f"{prefix.rsplit(':', 2)[0]}:{parts[-2]}:"
    return [prefix + parts[-1]]
