"""The service-specific condition keys of a role session's call, as IAM puts them in the
request context (``s3:prefix``, ``s3:x-amz-acl``, ``dynamodb:LeadingKeys``,
``aws:ResourceTag/KEY``, ``aws:RequestTag/KEY``, ``aws:TagKeys``, ...), for
local/conditions.py. The global keys (``aws:RequestedRegion``, ``aws:PrincipalArn``, ...)
are built beside the statement check (local/enforce.py).

Per action as AWS's service authorization reference lists them ("Actions, resources, and
condition keys for ..."): S3 in local/s3keys.py, DynamoDB in local/dynamokeys.py; here
the tags (``aws:ResourceTag/KEY`` of the function, queue, topic, table, log group, rule
or event bus the call acts on, read from moto's backends; ``aws:RequestTag/KEY`` and
``aws:TagKeys`` of the create and tag calls), Lambda's (``lambda:FunctionArn``,
``lambda:Principal``, ``lambda:FunctionUrlAuthType``, ``lambda:Layer``),
``iam:PassedToService`` of an ``iam:PassRole`` check, ``iam:PermissionsBoundary``, SNS's
(``sns:Protocol``, ``sns:Endpoint``) and EventBridge's (``events:source``,
``events:detail-type``, ``events:TargetArn``). SQS and CloudWatch Logs have no keys of
their own beyond the tags.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from lambdactl.local import arns, dynamokeys, s3keys

Context = dict[str, list[str]]

# Each service's create/tag calls and the parameters their tags are in (aws:RequestTag/KEY,
# aws:TagKeys), and its untag calls' tag keys (aws:TagKeys).
REQUEST_TAGS = {
    "awslambda": {"CreateFunction": "Tags", "TagResource": "Tags"},
    "sqs": {"CreateQueue": "tags", "TagQueue": "Tags"},
    "sns": {"CreateTopic": "Tags", "TagResource": "Tags"},
    "dynamodb": {"CreateTable": "Tags", "TagResource": "Tags"},
    "logs": {"CreateLogGroup": "tags", "TagResource": "tags", "TagLogGroup": "tags"},
    "events": {"PutRule": "Tags", "CreateEventBus": "Tags", "TagResource": "Tags"},
}
UNTAG_KEYS = {"awslambda": ("UntagResource", "tagKeys"), "sqs": ("UntagQueue", "TagKeys"),
              "sns": ("UntagResource", "TagKeys"), "dynamodb": ("UntagResource", "TagKeys"),
              "logs": ("UntagResource", "tagKeys"), "events": ("UntagResource", "TagKeys")}
UNTAG_LOG_GROUP = ("UntagLogGroup", "tags")
# iam:PassedToService: the service principal the role is handed to, by moto's service name.
PASSED_TO = {"awslambda": "lambda.amazonaws.com"}


def keys(response: Any, action: str, resource: str) -> dict[str, list[str]]:
    """The service's condition keys for ACTION on RESOURCE in moto's RESPONSE (a BaseResponse
    whose request is being authorized): lower-cased key -> its values (one for a single-valued
    key; a key the call does not carry is absent, not empty)."""
    service, name = response.service_name, action.split(":", 1)[-1]
    if action == "iam:PassRole":   # the role a call hands on (local/rolecalls.passed_roles)
        return {"iam:passedtoservice": [PASSED_TO.get(service, f"{service}.amazonaws.com")]}
    try:
        if service == "s3":
            return s3keys.keys(response, name, resource)
        out = dict(_SERVICES[service](response, name, resource)) if service in _SERVICES else {}
        out |= _request_tags(response, service, name)
        out |= {f"aws:resourcetag/{k.lower()}": [v] for k, v in resource_tags(response, resource).items()}
    except Exception:  # noqa: BLE001 - a request moto cannot parse carries no keys; moto refuses it
        return {}
    return {k.lower(): v for k, v in out.items() if v}


def _tag_dict(tags: Any) -> dict[str, str]:
    """Tags as a dict, from a dict or a list of {Key, Value} (either case)."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    pairs = [t for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []
    return {str(t.get("Key", t.get("key", ""))): str(t.get("Value", t.get("value", ""))) for t in pairs}


def _request_tags(response: Any, service: str, name: str) -> Context:
    param = REQUEST_TAGS.get(service, {}).get(name)
    if param is not None:
        tags = _tag_dict(arns.param(response, param))
        out = {f"aws:requesttag/{k}": [v] for k, v in tags.items()}
        return out | ({"aws:tagkeys": sorted(tags)} if tags else {})
    untag, param = UNTAG_KEYS.get(service, ("", ""))
    if (service, name) == ("logs", UNTAG_LOG_GROUP[0]):
        param = UNTAG_LOG_GROUP[1]
    elif name != untag:
        return {}
    if service == "awslambda":   # Lambda's UntagResource: ?tagKeys=a&tagKeys=b
        found = parse_qs(urlparse(response.uri).query).get(param)
    else:
        found = arns.param(response, param)
    names = [found] if isinstance(found, str) else [str(k) for k in found or []]
    return {"aws:tagkeys": sorted(names)} if names else {}


def resource_tags(response: Any, resource: str) -> dict[str, str]:
    """The tags of the resource RESOURCE names, where its service supports aws:ResourceTag
    (Lambda functions, SQS queues, SNS topics, DynamoDB tables, log groups, EventBridge
    rules and buses): {} for any other, or one that does not exist."""
    parts = resource.split(":", 5)
    if len(parts) < 6 or not parts[5]:
        return {}
    service, region, account, rest = parts[2], parts[3], parts[4], parts[5]
    found = _TAGS.get(service)
    try:
        return _tag_dict(found(account, region, resource, rest)) if found is not None else {}
    except Exception:  # noqa: BLE001 - no such resource (yet): it has no tags
        return {}


def _lambda_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.awslambda.utils import get_backend

    if not rest.startswith("function:"):
        return {}
    return get_backend(account, region).get_function(":".join(arn.split(":")[:7])).tags


def _sqs_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[account][region].queues[rest].tags


def _sns_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[account][region].topics[arn]._tags


def _dynamodb_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    table = rest.removeprefix("table/").split("/")[0]
    return dynamodb_backends[account][region].get_table(table).tags if rest.startswith("table/") else {}


def _logs_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.logs.models import logs_backends

    if not rest.startswith("log-group:") or rest.startswith("log-group::"):
        return {}
    group = rest.removeprefix("log-group:").split(":")[0]
    return logs_backends[account][region].list_tags_for_resource(f"{arn.split(':log-group:')[0]}:log-group:{group}")


def _events_tags(account: str, region: str, arn: str, rest: str) -> Any:
    from moto.events.models import events_backends

    return events_backends[account][region].list_tags_for_resource(arn)["Tags"]


_TAGS = {"lambda": _lambda_tags, "sqs": _sqs_tags, "sns": _sns_tags, "dynamodb": _dynamodb_tags,
         "logs": _logs_tags, "events": _events_tags}


def _lambda(response: Any, name: str, resource: str) -> Context:
    out: Context = {}
    if name in ("CreateEventSourceMapping", "UpdateEventSourceMapping", "DeleteEventSourceMapping"):
        function = arns.param(response, "FunctionName")
        if isinstance(function, str):
            out["lambda:functionarn"] = [arns.function_arn(response, function)]
        elif name != "CreateEventSourceMapping":
            out["lambda:functionarn"] = _mapping_function(response)
    if name == "AddPermission":
        out["lambda:principal"] = _given(response, "Principal")
        out["lambda:functionurlauthtype"] = _given(response, "FunctionUrlAuthType")
    if name in ("CreateFunctionUrlConfig", "UpdateFunctionUrlConfig"):
        out["lambda:functionurlauthtype"] = _given(response, "AuthType")
    if name in ("GetFunctionUrlConfig", "DeleteFunctionUrlConfig"):   # the URL's own, in moto's backend
        out["lambda:functionurlauthtype"] = _url_auth_type(response, resource)
    if name in ("CreateFunction", "UpdateFunctionConfiguration"):
        layers = arns.param(response, "Layers")
        out["lambda:layer"] = [str(x) for x in layers] if isinstance(layers, list) else []
    return out


def _mapping_function(response: Any) -> list[str]:
    from moto.awslambda.utils import get_backend

    uuid = urlparse(response.uri).path.rstrip("/").rsplit("/", 1)[-1]
    found = get_backend(response.current_account, response.region).get_event_source_mapping(uuid)
    return [str(found.function_arn)] if found is not None else []


def _url_auth_type(response: Any, resource: str) -> list[str]:
    from moto.awslambda.utils import get_backend

    try:
        config = get_backend(response.current_account, response.region).get_function(resource).url_config
    except Exception:  # noqa: BLE001 - no such function: Lambda answers that
        return []
    found = config.config.get("AuthType") if config is not None else None
    return [str(found)] if found else []


def _given(response: Any, param: str) -> list[str]:
    value = arns.param(response, param)
    return [value] if isinstance(value, str) else []


def _sns(response: Any, name: str, resource: str) -> Context:
    if name != "Subscribe":
        return {}
    return {"sns:protocol": _given(response, "Protocol"), "sns:endpoint": _given(response, "Endpoint")}


def _events(response: Any, name: str, resource: str) -> Context:
    if name == "PutEvents":   # the entries on the bus RESOURCE is
        entries = [e for e in arns.param(response, "Entries") or [] if isinstance(e, dict)]
        mine = [e for e in entries if arns.resource_arns(response, name) == [resource]
                or str(e.get("EventBusName") or "default").rsplit("/", 1)[-1] == resource.rsplit("/", 1)[-1]]
        return {"events:source": sorted({str(e["Source"]) for e in mine if "Source" in e}),
                "events:detail-type": sorted({str(e["DetailType"]) for e in mine if "DetailType" in e})}
    if name == "PutTargets":
        targets = arns.param(response, "Targets") or []
        return {"events:targetarn": sorted({str(t["Arn"]) for t in targets if isinstance(t, dict) and "Arn" in t})}
    return {}


# IAM actions with iam:PermissionsBoundary: the boundary they set (the request's), or the one
# the role they change has (the service authorization reference lists these).
BOUNDARY_SET = frozenset({"CreateRole", "PutRolePermissionsBoundary", "CreateUser", "PutUserPermissionsBoundary"})
BOUNDARY_HELD = frozenset({"AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy", "DeleteRolePolicy",
                           "DeleteRolePermissionsBoundary"})


def _iam(response: Any, name: str, resource: str) -> dict[str, list[str]]:
    """iam:PermissionsBoundary, as the delegated-administration pattern of the IAM User Guide
    ("Permissions boundaries for IAM entities") uses it: allow CreateRole, PutRolePolicy, ...
    only where the role is (or is made) bounded by a given policy."""
    if name in BOUNDARY_SET:
        return {"iam:permissionsboundary": _given(response, "PermissionsBoundary")}
    if name not in BOUNDARY_HELD or not isinstance(arns.param(response, "RoleName"), str):
        return {}
    from moto.iam.models import iam_backends

    role = iam_backends[response.current_account]["aws"].get_role(arns.param(response, "RoleName"))
    held = role.permissions_boundary_arn
    return {"iam:permissionsboundary": [held]} if held else {}


_SERVICES = {"awslambda": _lambda, "iam": _iam, "dynamodb": lambda r, n, res: dynamokeys.keys(r, n, res),
             "sns": _sns, "events": _events}
