"""Resource-based policies, weighed for a role session's call as IAM weighs them within one
account (local/evaluation.py): the policy of the bucket, the function (its qualifier's), the
SQS queue or the SNS topic a call acts on, and a role's trust policy on AssumeRole. One
reading for every service: which statements name the caller (its session's ARN, its role's,
"*", the account) and what they say.

moto weighed identity policies only: a queue or topic policy allowing the function's role
sqs:SendMessage or SNS:Publish did not let it (AWS does, with no identity statement), and its
explicit Deny did not stop a role allowed by its own policies.
"""

from __future__ import annotations

from typing import Any

from lambdactl.local import statements
from lambdactl.local.conditions import Context


def resource_decision(response: Any, action: str, resource: str, session_arn: str,
                      context: Context | None = None, bounded: bool = False) -> str:
    """What RESOURCE's own policy says of ACTION on it by this role session, in CONTEXT
    (local/evaluation.Said.resource): "deny" (an explicit Deny naming the session, its
    role, the account or "*"; with a permissions boundary (BOUNDED), any Deny with a
    NotPrincipal: AWS's documented quirk), "session" (an Allow naming the session's ARN),
    "role" (one naming its role or "*"), "account" (one naming the account) or ""."""
    found = _resource_statements(response, resource)
    if not found:
        return ""
    account = response.current_account
    role = session_arn.split("/")[1] if "/" in session_arn else ""
    # The role's own ARN, with its path (arn:aws:iam::A:role/team/R): a session's ARN has none.
    roles = (context or {}).get("aws:principalarn") or [f"arn:aws:iam::{account}:role/{role}"]
    return _decision(found, session_arn, {"*", *roles}, account, action, resource, context or {}, bounded)


def trust_decision(trust_policy: Any, account: str, session_arn: str, context: Context,
                   bounded: bool = False) -> str:
    """What a role's trust policy says of sts:AssumeRole by the role session SESSION_ARN
    (its role's ARN: aws:PrincipalArn in CONTEXT), as resource_decision says it.
    moto compared the principal with the session's ARN only (a trust policy naming the
    caller's role denied it) and knew only StringEquals conditions (an ArnLike on
    aws:PrincipalArn let any role of the account in)."""
    found = [s for s in statements.of_document(trust_policy) if isinstance(s, dict)]
    roles = {"*", *context.get("aws:principalarn", [])}
    return _decision(found, session_arn, roles, account, "sts:AssumeRole", "*", context, bounded)


def _decision(found: list[Any], session_arn: str, roles: set[str], account: str, action: str,
              resource: str, context: Context, bounded: bool) -> str:
    def said(names: set[str]) -> str:
        chosen = [{k: v for k, v in s.items() if k not in ("Principal", "NotPrincipal")}
                  for s in found if names_caller(s, names, bounded)]
        return statements.decide(chosen, action, resource, context)

    by = {"session": said({session_arn}), "role": said(roles),
          "account": said({account, f"arn:aws:iam::{account}:root"})}
    if "deny" in by.values():
        return "deny"
    return next((name for name, word in by.items() if word == "allow"), "")


def _resource_statements(response: Any, resource: str) -> list[Any]:
    """The statements of the policy of the bucket, the function (its qualifier's), the queue
    or the topic RESOURCE names."""
    service, parts = response.service_name, resource.split(":")
    try:
        if service == "s3" and resource.startswith("arn:aws:s3:::"):
            from moto.s3.models import s3_backends

            bucket = s3_backends[response.current_account]["aws"].get_bucket(resource[13:].split("/")[0])
            document: Any = bucket.policy or b"{}"
        elif service == "awslambda" and resource.startswith("arn:aws:lambda:"):
            from lambdactl.local.s3_policy import policy_statements

            document = {"Statement": policy_statements(resource)}
        elif service == "sqs" and resource.startswith("arn:aws:sqs:") and len(parts) == 6:
            document = queue_policy(resource)
        elif service == "sns" and resource.startswith("arn:aws:sns:") and len(parts) == 6:
            from moto.sns.models import sns_backends

            document = sns_backends[parts[4]][parts[3]].get_topic(resource)._policy_json
        else:
            return []
    except Exception:  # noqa: BLE001 - no such resource, or a policy its service would not have taken
        return []
    return [s for s in statements.of_document(document) if isinstance(s, dict)]


def queue_policy(queue_arn: str) -> Any:
    """The policy document of the SQS queue QUEUE_ARN ("{}" where it has none); raises
    where there is no such queue."""
    from moto.sqs.models import sqs_backends

    parts = queue_arn.split(":")
    return sqs_backends[parts[4]][parts[3]].get_queue(parts[5]).policy or "{}"


def names_caller(statement: dict[str, Any], names: set[str], bounded: bool = False) -> bool:
    """Does the statement's Principal (or NotPrincipal) take in the caller (any of NAMES)?
    BOUNDED: the caller's role has a permissions boundary, and a Deny with a NotPrincipal
    "will always deny any IAM principal that has a permissions boundary policy attached,
    regardless of the values specified in the NotPrincipal element" (IAM User Guide,
    "Permissions boundaries for IAM entities")."""
    def aws(principal: Any) -> set[str]:
        found = principal.get("AWS") if isinstance(principal, dict) else principal
        return {str(p) for p in (found if isinstance(found, list) else [found]) if p is not None}

    if "NotPrincipal" in statement:
        if bounded and statement.get("Effect") == "Deny":
            return True
        return not names & aws(statement["NotPrincipal"])
    return bool(names & aws(statement.get("Principal")))
