"""DynamoDB's condition keys of a request, as AWS's service authorization reference and
"Using IAM policy conditions for fine-grained access control" list them, for
local/servicekeys.py. A key the request does not carry is absent.

- ``dynamodb:LeadingKeys``: the partition key values the call touches on the table it is
  checked on (the table's key schema read from moto's backend; a Query on an index: the
  index's partition key), each item of a batch or a transaction on that table; absent
  for Scan (so ``ForAllValues:StringEquals`` holds for it, as on AWS: deny Scan apart).
- ``dynamodb:Attributes``: the top-level attribute names the call reads or writes:
  ProjectionExpression / AttributesToGet, PutItem's item, UpdateItem's key and the names
  its update sets or removes.
- ``dynamodb:Select``, ``dynamodb:ReturnValues``, ``dynamodb:ReturnConsumedCapacity``:
  the request's parameters, where given.
- ``dynamodb:EnclosingOperation``: ``TransactWriteItems`` or ``TransactGetItems`` for each
  item of a transaction (checked as its PutItem, UpdateItem, DeleteItem, ConditionCheckItem
  or GetItem), as the DynamoDB Developer Guide's "Using IAM with DynamoDB transactions"
  writes it (allow an action only within a transaction, or deny transactional writes).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from lambdactl.local import arns

Context = dict[str, list[str]]

_NAME = re.compile(r"#?[A-Za-z0-9_]+")
_EQUALS = re.compile(r"(#?[A-Za-z0-9_.]+)\s*=\s*(:[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_.]+)")
_UPDATE_CLAUSE = re.compile(r"\b(SET|REMOVE|ADD|DELETE)\b", re.IGNORECASE)
# TransactItems' kinds by the action each is checked as.
TRANSACT_KINDS = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete",
                  "ConditionCheckItem": "ConditionCheck", "GetItem": "Get"}
PARAMS = {"Select": "dynamodb:select", "ReturnValues": "dynamodb:returnvalues",
          "ReturnConsumedCapacity": "dynamodb:returnconsumedcapacity"}


def keys(response: Any, name: str, resource: str) -> Context:
    """DynamoDB's keys for action NAME (``PutItem``) on RESOURCE (a table or index ARN)."""
    if ":table/" not in resource:
        return {}
    table = resource.split("/index/")[0].split("/stream/")[0]
    out: Context = {}
    for param, key in PARAMS.items():
        value = arns.param(response, param)
        if isinstance(value, str):
            out[key] = [value]
    enclosing = str(response._get_action())
    if enclosing in ("TransactWriteItems", "TransactGetItems") and name in TRANSACT_KINDS:
        out["dynamodb:enclosingoperation"] = [enclosing]
    requests = _requests(response, name, table)
    hash_key = _hash_key(response, table, resource)
    leading = [_value(r[field][hash_key]) for r in requests for field in ("Key", "Item")
               if isinstance(r.get(field), dict) and hash_key in r[field]]
    if name == "Query" and hash_key:
        leading += _query_leading(response, hash_key)
    if leading:
        out["dynamodb:leadingkeys"] = sorted(set(leading))
    attributes = sorted({a for r in requests for a in _attributes(r, name)})
    if attributes:
        out["dynamodb:attributes"] = attributes
    return out


def _requests(response: Any, name: str, table: str) -> list[dict[str, Any]]:
    """The parts of the request that act on TABLE: the request itself, a batch's entries
    for it, a transaction's items of NAME's kind on it."""
    items = arns.param(response, "RequestItems")
    if isinstance(items, dict):
        found = next((v for t, v in items.items() if arns.table_arn(response, str(t)) == table), None)
        if isinstance(found, dict):   # BatchGetItem: {Keys: [...], ProjectionExpression, ...}
            return [dict(found, Key=k) for k in found.get("Keys") or []] or [found]
        entries = found if isinstance(found, list) else []   # BatchWriteItem
        return [e.get("PutRequest") or e.get("DeleteRequest") or {} for e in entries if isinstance(e, dict)]
    transact = arns.param(response, "TransactItems")
    if isinstance(transact, list):
        kind = TRANSACT_KINDS.get(name, "")
        parts = [item.get(kind) for item in transact if isinstance(item, dict)]
        return [p for p in parts if isinstance(p, dict)
                and arns.table_arn(response, str(p.get("TableName"))) == table]
    body = {field: arns.param(response, field) for field in (
        "Key", "Item", "ProjectionExpression", "AttributesToGet", "UpdateExpression",
        "AttributeUpdates", "ExpressionAttributeNames")}
    return [{k: v for k, v in body.items() if v is not None}]


def _hash_key(response: Any, table: str, resource: str) -> str:
    """The partition key's attribute name of the table (or the index RESOURCE names)."""
    from moto.dynamodb.models import dynamodb_backends

    try:
        found = dynamodb_backends[response.current_account][response.region].get_table(table)
    except Exception:  # noqa: BLE001 - no such table: DynamoDB answers that, no key here
        return ""
    if "/index/" in resource:
        index = resource.split("/index/", 1)[1]
        for each in [*found.indexes, *found.global_indexes]:
            if each.name == index:
                return next((k["AttributeName"] for k in each.schema if k["KeyType"] == "HASH"), "")
    return str(found.hash_key_attr or "")


def _value(attribute: Any) -> str:
    """A key attribute's value as IAM compares it: S and N as written, B as base64."""
    if not isinstance(attribute, dict) or not attribute:
        return str(attribute)
    kind, value = next(iter(attribute.items()))
    if kind == "B" and isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def _query_leading(response: Any, hash_key: str) -> list[str]:
    """The partition key value a Query's KeyConditionExpression (or KeyConditions) names."""
    names = arns.param(response, "ExpressionAttributeNames") or {}
    values = arns.param(response, "ExpressionAttributeValues") or {}
    expression = arns.param(response, "KeyConditionExpression")
    if isinstance(expression, str):
        for left, right, value_first, name_first in _EQUALS.findall(expression):
            attribute, placeholder = (left, right) if left else (name_first, value_first)
            if names.get(attribute, attribute) == hash_key and placeholder in values:
                return [_value(values[placeholder])]
    conditions = arns.param(response, "KeyConditions") or {}
    found = conditions.get(hash_key) if isinstance(conditions, dict) else None
    if isinstance(found, dict) and found.get("ComparisonOperator") == "EQ":
        return [_value(v) for v in found.get("AttributeValueList") or []][:1]
    return []


def _attributes(request: dict[str, Any], name: str) -> set[str]:
    """The top-level attribute names REQUEST (one item's part) reads or writes."""
    names = request.get("ExpressionAttributeNames") or {}

    def top(path: str) -> str:
        first = re.split(r"[.\[]", path.strip(), maxsplit=1)[0]
        return str(names.get(first, first))

    out: set[str] = set()
    projection = request.get("ProjectionExpression")
    if isinstance(projection, str):
        out |= {top(p) for p in projection.split(",") if p.strip()}
    out |= {str(a) for a in request.get("AttributesToGet") or []}
    if name == "PutItem" and isinstance(request.get("Item"), dict):
        out |= set(request["Item"])
    if name == "UpdateItem":
        out |= set(request.get("Key") or {}) | set(request.get("AttributeUpdates") or {})
        update = request.get("UpdateExpression")
        if isinstance(update, str):
            for clause in _UPDATE_CLAUSE.split(update)[2::2]:
                out |= {top(m.group(0)) for part in clause.split(",")
                        if (m := _NAME.match(part.strip())) is not None}
    return out
