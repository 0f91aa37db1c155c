"""The policies that bound a role session's calls (local/evaluation.py weighs them): its
role's identity-based policies (inline and attached), the role's permissions boundary
(PutRolePermissionsBoundary, or CreateRole's PermissionsBoundary) and the session policies
its maker passed to AssumeRole (Policy, PolicyArns).

moto kept the boundary's ARN and the inline session policy but weighed neither, and dropped
PolicyArns: a role bounded to s3:GetObject could do all its policies allowed, and a session
asked for with a narrower policy could do all its role could.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdactl.local import awsmanaged, reqcontext, statements

_policy_arns: dict[str, list[str]] = {}   # access key id -> its managed session policies' ARNs


@dataclass(frozen=True)
class Bounds:
    """The statements of each: BOUNDARY None where the role has none, SESSION None where
    the session was made with no session policy."""

    identity: list[Any]
    boundary: list[Any] | None = None
    session: list[Any] | None = None


def of_documents(documents: list[Any]) -> list[Any]:
    """The statements of moto's policies (JSON text, inline documents, managed Policy objects)."""
    return [st for p in documents for st in statements.of_document(_text(p))]


def _text(policy: Any) -> Any:
    """A moto policy's document: its default version's for a managed policy."""
    versions = getattr(policy, "versions", None)
    if versions is not None:
        return next((v.document for v in versions if v.is_default), "{}")
    return policy.get("policy_document", "{}") if isinstance(policy, dict) else policy


def of_role(account_id: str, role_arn: str) -> Bounds:
    """ROLE_ARN's own policies and its permissions boundary (nothing where there is no such role)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account_id]["aws"]
    try:
        role = backend.get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - no such role: it allows nothing
        return Bounds([])
    identity = of_documents([*role.policies.values(), *role.managed_policies.values()])
    boundary = role.permissions_boundary_arn
    return Bounds(identity, _managed(backend, boundary) if boundary else None)


def of_session(account_id: str, access_key_id: str, role_arn: str, inline: str | None) -> Bounds:
    """The bounds of the session ACCESS_KEY_ID of ROLE_ARN, made with the INLINE session policy."""
    from moto.iam.models import iam_backends

    role = of_role(account_id, role_arn)
    arns = _policy_arns.get(access_key_id, [])
    if not inline and not arns:
        return role
    backend = iam_backends[account_id]["aws"]
    session = [*(statements.of_document(inline) if inline else []),
               *(st for arn in arns for st in _managed(backend, arn))]
    return Bounds(role.identity, role.boundary, session)


def _managed(backend: Any, arn: str) -> list[Any]:
    """The statements of the managed policy ARN: the account's, or AWS's (local/awsmanaged.py
    makes it from moto's copy); none where there is no such policy."""
    awsmanaged.ensure(backend, arn)
    policy = backend.managed_policies.get(arn)
    return of_documents([policy]) if policy is not None else []


CHAINED_MAX_S = 3600
CHAINED = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
PAST_MAX = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."


def recording_policy_arns(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's STSResponse.assume_role, which dropped PolicyArns (kept now for the new
    session) and issued any DurationSeconds: AWS refuses more than the role's
    MaxSessionDuration, and more than an hour to a role session (a handler's AssumeRole is
    role chaining), with a ValidationError in these words."""
    @functools.wraps(original)
    def assume_role(self: Any) -> Any:
        _check_duration(self)
        result = original(self)
        given = self._get_params().get("PolicyArns") or []
        arns = [str(p.get("arn")) for p in given if isinstance(p, dict) and p.get("arn")]
        credentials = getattr(result, "result", {}).get("Credentials")
        if arns and credentials is not None:
            _policy_arns[credentials.access_key_id] = arns
        return result

    return assume_role


def _check_duration(response: Any) -> None:
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSValidationError

    asked = response._get_int_param("DurationSeconds", 3600)
    caller = reqcontext.CALLER.get()
    if asked > CHAINED_MAX_S and caller is not None and caller[0].get("aws:principaltype") == ["AssumedRole"]:
        raise STSValidationError(CHAINED)
    try:
        role = iam_backends[response.current_account]["aws"].get_role_by_arn(response._get_param("RoleArn"))
    except Exception:  # noqa: BLE001 - no such role: moto's answer stands
        return
    if asked > int(role.max_session_duration or 3600):
        raise STSValidationError(PAST_MAX)
