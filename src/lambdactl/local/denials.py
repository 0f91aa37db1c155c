"""A role session's denied call, answered in each service's own words (local/enforce.py
raises these; the decision and its reason come from local/evaluation.py).

AWS's services now say who was denied, what, on what and why for a request within the
account ("Troubleshoot access denied error messages", IAM User Guide; "Access denied
message examples", Amazon S3 User Guide):
``User: arn:aws:sts::A:assumed-role/ROLE/SESSION is not authorized to perform: ACTION
on resource: RESOURCE because no identity-based policy allows the ACTION action`` (or
``with an explicit deny in a resource-based policy``, a permissions boundary, a session
policy). Each keeps its own code and shape: S3 ``AccessDenied`` (403, XML, the resource in
quotes, none for ListAllMyBuckets; Lambda ``on resource: *`` for ListFunctions); SNS ``AuthorizationError`` naming its actions ``SNS:Publish``;
SQS its actions lower-cased (``sqs:sendmessage``) and the code ``AccessDenied``; Lambda, Logs, DynamoDB, EventBridge
``AccessDeniedException`` (403, JSON); IAM and STS ``AccessDenied`` (XML).
moto said "User: ARN is not authorized to perform: ACTION" everywhere, S3 "Access Denied".
"""

from __future__ import annotations

from typing import Any

from lambdactl.local.auth import JSON_SERVICES
from lambdactl.local.evaluation import Denial


def message(service: str, caller_arn: str, action: str, resource: str, why: Denial) -> str:
    """The service's AccessDenied message (moto's service name: "s3", "sns", "awslambda", ...)."""
    prefix, _, name = action.partition(":")
    action = {"sns": f"SNS:{name}", "sqs": action.lower()}.get(prefix, action)
    shown = f'"{resource}"' if service == "s3" else resource
    # None for S3's ListAllMyBuckets or a call on no resource; Lambda says "on resource: *".
    named = resource not in ("*", "", "arn:aws:s3:::*") or (resource == "*" and service == "awslambda")
    on = f" on resource: {shown}" if named else ""
    return f"User: {caller_arn} is not authorized to perform: {action}{on} {why.words(action)}"


def denied(response: Any, caller_arn: str, action: str, resource: str, why: Denial) -> Exception:
    """The exception moto serializes as RESPONSE's service answers a denial."""
    service = response.service_name
    words = message(service, caller_arn, action, resource, why)
    if service == "s3":
        from moto.s3.exceptions import S3AccessDeniedError

        error: Exception = S3AccessDeniedError()
        error.message = words  # type: ignore[attr-defined]
        return error
    if service == "sns":   # SNS's word for it: AuthorizationError, HTTP 403
        return _forbidden("AuthorizationError", words)
    if service in JSON_SERVICES or service == "awslambda" or response.headers.get("x-amz-target"):
        from moto.core.exceptions import JsonRESTError

        json_error = JsonRESTError("AccessDeniedException", words)   # DynamoDB Streams too
        json_error.code = 403
        if service == "sqs":   # the code SQS's clients read: its query protocol's, in this header
            response.response_headers["x-amzn-query-error"] = "AccessDenied;Sender"
        return json_error
    return _forbidden("AccessDenied", words)   # IAM's and STS's XML


def _forbidden(code: str, words: str) -> Exception:
    """An XML error of CODE, HTTP 403 (moto's AccessDeniedError, with other words)."""
    from moto.core.exceptions import AccessDeniedError

    error = AccessDeniedError.__new__(AccessDeniedError)
    super(AccessDeniedError, error).__init__(code, words)
    return error
