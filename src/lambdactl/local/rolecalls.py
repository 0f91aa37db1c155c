"""Where moto's policy evaluation decides a role session's call otherwise than IAM does
(local/enforce.py asks these): the action's IAM name, the Lambda function it acts on,
the role a call passes, a bucket policy naming everyone, and a trust policy naming a
service (resource-based policies naming a role: local/respolicies.py).

Each closes an escalation or a false denial a hostile or least-privilege handler met:
- moto names Invoke's action ``lambda:Invoke``, not IAM's ``lambda:InvokeFunction``,
  and asks about resource "*" for every Lambda call, so a policy allowing one function
  (as AWS wants it written) was denied;
- CreateFunction / UpdateFunctionConfiguration hand a role to the function (PutTargets
  to an EventBridge target, PutSubscriptionFilter to Logs): AWS checks ``iam:PassRole``
  on it, moto did not, so a handler allowed lambda:CreateFunction could run code as any
  role of the account, and one allowed events:PutTargets hand any role to EventBridge;
- a bucket policy's Deny of an object action refused it to every caller, whoever it named
  (everyones_permission; the policies naming a role are weighed in local/respolicies.py);
- a trust policy with no AWS principal (Lambda's: ``{"Service": "lambda.amazonaws.com"}``)
  made moto's AssumeRole check raise TypeError (HTTP 500) instead of denying.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from lambdactl.local import arns, reqcontext, respolicies, statements
from lambdactl.local.conditions import Context

# (moto's service name, moto's action) -> IAM's action, where they differ.
IAM_NAMES = {("awslambda", "Invoke"): "InvokeFunction",
             ("sqs", "SendMessageBatch"): "SendMessage",
             ("sqs", "DeleteMessageBatch"): "DeleteMessage",
             ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
             ("sns", "PublishBatch"): "Publish"}
SCOPED_ELSEWHERE = frozenset({"logs", "events", "sns", "sqs", "dynamodb", "dynamodbstreams"})   # local/arns.py names their resources
PASSES_ROLE = frozenset({"CreateFunction", "UpdateFunctionConfiguration"})
_FUNCTION_PATH = re.compile(r"/[0-9-]+/functions/([^/]+)")


# S3 subresources moto 5.2 does not name (a GET fell to ListBucket, a PUT to CreateBucket, a
# DELETE to DeleteBucket), and their IAM actions by method.
S3_SUBRESOURCES = {
    "publicAccessBlock": ("GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration"),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls"),
    "replication": ("GetReplicationConfiguration", "PutReplicationConfiguration"),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration"),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment"),
    "intelligent-tiering": ("GetIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration"),
    "inventory": ("GetInventoryConfiguration", "PutInventoryConfiguration"),
    "metrics": ("GetMetricsConfiguration", "PutMetricsConfiguration"),
    "analytics": ("GetAnalyticsConfiguration", "PutAnalyticsConfiguration"),
}
_S3_DEFAULTS = {"ListBucket", "CreateBucket", "DeleteBucket"}
# A DynamoDB transaction is checked as each of its items' own action, on its table.
TRANSACT_ITEMS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                  "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def action(response: Any) -> str:
    """The action IAM would check for this moto request."""
    name = str(response._get_action())
    if response.service_name == "s3":
        return _s3_action(response, name)
    return IAM_NAMES.get((response.service_name, name), name)


def _s3_action(response: Any, name: str) -> str:
    """S3's IAM action where moto's own name differs: HeadBucket is s3:ListBucket, the
    subresources it does not know (S3_SUBRESOURCES), DeleteObjectTagging."""
    if name == "HeadBucket":
        return "ListBucket"
    query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    if name in _S3_DEFAULTS:
        found = next((pair for key, pair in S3_SUBRESOURCES.items() if key in query), None)
        if found is not None:
            return found[0] if response.method == "GET" else found[1]
    if name == "DeleteObject" and response.method == "DELETE" and "tagging" in query:
        return "DeleteObjectTagging"
    return name


def checks(response: Any, action: str, resource: str) -> list[tuple[str, str]]:
    """Each (action, resource) IAM checks for this call: a DynamoDB transaction's items,
    DeleteObjects' keys, CopyObject's source (s3:GetObject) besides its target."""
    if response.service_name == "dynamodb" and action.endswith(("TransactWriteItems", "TransactGetItems")):
        items = [(kind, item.get(kind) or {}) for item in arns.param(response, "TransactItems") or []
                 if isinstance(item, dict) for kind in item]
        return [(f"dynamodb:{TRANSACT_ITEMS.get(kind, kind)}", arns.table_arn(response, str(part.get("TableName"))))
                for kind, part in items if isinstance(part, dict)] or [(action, resource)]
    if response.service_name == "s3":
        return _s3_checks(response, action, resource)
    return [(action, each) for each in resources(response, resource)]


def _s3_checks(response: Any, action: str, resource: str) -> list[tuple[str, str]]:
    query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    if response.method == "POST" and "delete" in query:   # DeleteObjects: s3:DeleteObject on each key
        import xml.etree.ElementTree as ET

        try:
            keys = [e.text or "" for e in ET.fromstring(response.body or b"<x/>").iter() if e.tag.endswith("Key")]
        except ET.ParseError:
            keys = []
        return [(action, f"{resource}/{key}") for key in keys] or [(action, resource)]
    source = unquote(str(response.headers.get("x-amz-copy-source") or "")).lstrip("/")
    if source and response.method == "PUT":   # CopyObject, UploadPartCopy: read the source too
        path, _, version = source.partition("?versionId=")
        read = "s3:GetObjectVersion" if version else "s3:GetObject"
        return [(action, resource), (read, f"arn:aws:s3:::{path}")]
    return [(action, resource)]


def resources(response: Any, resource: str) -> list[str]:
    """What the call acts on. moto 5.2 names a resource only for S3, SQS, IAM and STS
    and asks "*" for the rest: Lambda's function here, DynamoDB's, Logs', EventBridge's,
    SNS's and SQS's in local/arns.py."""
    if resource == "*" and response.service_name == "awslambda":
        return [lambda_resource(response)]
    if resource == "*" and response.service_name in SCOPED_ELSEWHERE:
        return arns.resource_arns(response, str(response._get_action()))
    return [resource]


def lambda_resource(response: Any) -> str:
    """The function a Lambda call acts on (its ARN, qualified where the call is), or "*"."""
    found = _FUNCTION_PATH.match(urlparse(response.uri).path)
    if found is not None:
        qualifier = parse_qs(urlparse(response.uri).query).get("Qualifier", [""])[0]
        return arns.function_arn(response, unquote(found.group(1)), qualifier)
    name = arns.param(response, "FunctionName") if action(response) == "CreateFunction" else None
    return arns.function_arn(response, name) if isinstance(name, str) else "*"


def passed_roles(response: Any) -> list[str]:
    """The role ARNs this call hands to a service (each checked as iam:PassRole, as AWS's
    service authorization reference lists it): a function's role (CreateFunction,
    UpdateFunctionConfiguration), each EventBridge target's RoleArn (PutTargets), a
    subscription filter's roleArn unless it delivers to a Lambda function
    (PutSubscriptionFilter). The reference lists none for CreateEventSourceMapping (the
    mapping uses the function's role), SQS, or SNS's delivery-status and Firehose roles."""
    name = action(response)
    if response.service_name == "awslambda" and name in PASSES_ROLE:
        found = [arns.param(response, "Role")]
    elif response.service_name == "events" and name == "PutTargets":
        targets = arns.param(response, "Targets")
        found = [t.get("RoleArn") for t in targets if isinstance(t, dict)] if isinstance(targets, list) else []
    elif response.service_name == "logs" and name == "PutSubscriptionFilter":
        destination = arns.param(response, "destinationArn")
        to_lambda = isinstance(destination, str) and destination.startswith("arn:aws:lambda:")
        found = [] if to_lambda else [arns.param(response, "roleArn")]
    else:
        return []
    return [role for role in found if isinstance(role, str) and role]


def check_principal(self: Any, principal: str) -> bool:
    """moto 5.2's IAMPolicyStatement._check_principal, for a statement matched against
    PRINCIPAL (a role session's ARN): a Service or Federated principal never matches one
    (moto raised TypeError), "*" and an AWS principal as moto compared them, but a listed
    one by equality (moto's ``in`` on a string was a substring test)."""
    expected = self._statement.get("Principal")
    if not expected or expected == "*":
        return True
    aws = expected.get("AWS") if isinstance(expected, dict) else None
    if aws is None:
        return False
    return aws == "*" or principal == aws or (isinstance(aws, list) and principal in aws)


# moto names an object call's action by its HTTP method; IAM's for HEAD and POST differ.
OBJECT_METHODS = {"s3:HeadObject": "s3:GetObject", "s3:PostObject": "s3:PutObject"}
# (action, resource) of the object call a bucket policy's Deny naming everyone just refused.
EVERYONE_DENIED: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "lambdactl_everyone_denied", default=None)


def everyones_permission(original: Any) -> Any:
    """moto's FakeBucket.get_permission, which S3's object calls ask before any signature
    check: a bucket policy's Deny of an object action, whoever it names, refused that action
    to every caller (lambdactl's own key too). Only the statements naming everyone (and a
    NotPrincipal, _binds) are weighed here; those naming a role are weighed for its
    sessions (local/respolicies.py)."""
    def get_permission(self: Any, action: str, resource: str) -> Any:
        from moto.iam.access_control import PermissionResult

        if not self.policy:
            return original(self, action, resource)
        action = OBJECT_METHODS.get(action, action)
        context = _callers_context(action, resource)
        everyone = [s for s in statements.of_document(self.policy) if isinstance(s, dict) and _binds(s, context)]
        said = statements.decide(everyone, action, resource, context)
        EVERYONE_DENIED.set((action, resource) if said == "deny" else None)
        return {"deny": PermissionResult.DENIED, "allow": PermissionResult.PERMITTED}.get(
            said, PermissionResult.NEUTRAL)

    return get_permission


def _binds(statement: dict[str, Any], context: Context) -> bool:
    """Is STATEMENT one weighed here for the caller of CONTEXT: one naming everyone, or a
    NotPrincipal leaving out neither lambdactl's key (the account's root) nor its account?
    A role session's NotPrincipal is weighed per name (its session's, its role's, its
    account's: local/respolicies.py), as AWS's NotPrincipal page asks all three be listed;
    here it had been taken to name everyone, sparing no one it listed."""
    if "NotPrincipal" not in statement:
        return respolicies.names_caller(statement, {"*"})
    if context.get("aws:principaltype") == ["AssumedRole"]:
        return False
    account = (context.get("aws:principalaccount") or [""])[0]
    return respolicies.names_caller(statement, {account, f"arn:aws:iam::{account}:root"})


def _callers_context(action: str, resource: str) -> Context:
    """The context of the call moto's S3 is serving (set by local/enforce.py), with S3's
    own keys for ACTION on RESOURCE: a bucket policy naming "*" was weighed without them
    (a Deny of PutObject unless s3:x-amz-server-side-encryption AES256 refused every
    PutObject, those sending AES256 too)."""
    caller = reqcontext.CALLER.get()
    if caller is None:
        return {}
    return reqcontext.with_service(caller[0], caller[1], action, resource)
