"""May S3 invoke this function for this bucket, EventBridge for this rule, SNS for this
topic? A function's resource policy, read as Lambda reads it for s3.amazonaws.com,
events.amazonaws.com or sns.amazonaws.com
(its Condition evaluated as IAM does: local/conditions.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

ROLE_DELAY_ENV = "LAMBDACTL_SANDBOX_ROLE_DELAY"
ROLE_MESSAGE = "The role defined for the function cannot be assumed by Lambda."
DESTINATION_MESSAGE = "Unable to validate the following destination configurations"

_originals: dict[tuple[Any, str], Callable[..., Any]] = {}
_FILTER_NAME = re.compile(r"<Name>\s*(prefix|suffix)\s*</Name>", re.IGNORECASE)


def s3_may_invoke(function_arn: str, bucket_arn: str, bucket_account: str) -> bool:
    """Does the function's resource policy let S3 invoke it for this bucket?"""
    return service_may_invoke(function_arn, "s3.amazonaws.com", bucket_arn, bucket_account)


def service_may_invoke(function_arn: str, service: str, source_arn: str, source_account: str) -> bool:
    """Does the resource policy of the function (the version or alias FUNCTION_ARN names)
    let SERVICE invoke it for SOURCE_ARN (a bucket, an EventBridge rule)?"""
    return any(_allows(s, service, source_arn, source_account) for s in policy_statements(function_arn))


def policy_statements(function_arn: str) -> list[dict[str, Any]]:
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.utils import get_backend

    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        return []
    try:
        fn = get_backend(parts[4], parts[3]).get_function(function_arn)
    except (LambdaClientError, KeyError):  # unknown function or region: S3 cannot validate it
        return []
    # moto keeps one statement list for the function, its versions and aliases (each
    # statement's Resource names its qualifier): Lambda reads only the policy of the
    # qualifier invoked, so a permission on alias A (or the function) does not count for B.
    own = _policy_key(function_arn)
    return [s for s in list(getattr(fn.policy, "statements", []) or [])
            if _policy_key(str(s.get("Resource") or own)) == own]


def _policy_key(arn: str) -> str:
    """The policy a function ARN is under: the unqualified function's is $LATEST's too."""
    return arn.removesuffix(":$LATEST")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(statement: dict[str, Any], service: str, source_arn: str, source_account: str) -> bool:
    if statement.get("Effect", "Allow") != "Allow":
        return False
    principal = statement.get("Principal", {})
    services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
    if principal != "*" and service not in services:
        return False
    actions = _as_list(statement.get("Action", []))
    if not any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
        return False
    return _conditions_hold(statement.get("Condition"), service, source_arn, source_account)


def _conditions_hold(condition: Any, service: str, source_arn: str, source_account: str) -> bool:
    """The statement's Condition, against the context the service's delivery carries
    (aws:SourceArn, aws:SourceAccount; no organization: aws:SourceOrgID is absent), in
    any operator (local/conditions.py)."""
    if not condition:
        return True
    from lambdactl.local import conditions, reqcontext

    context = reqcontext.delivery(service, source_arn, source_account)
    return conditions.holds(condition, context)


# -- IAM role propagation ---------------------------------------------------------
