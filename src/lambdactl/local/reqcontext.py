"""The request context IAM evaluates a call's conditions against (local/conditions.py):
the global keys AWS sets for the caller, merged with the service's own keys
(local/servicekeys.py). Keys lower-cased, each to a list of values.

For a function's role session (what its handler signs with), as AWS sets them for a
Lambda execution role: aws:PrincipalArn is the role's ARN (not the session's),
aws:PrincipalType "AssumedRole", aws:userid "ROLEID:session" (the session is the
function's name), aws:PrincipalTag/* the role's tags, aws:MultiFactorAuthPresent "false"
(temporary credentials made without MFA), aws:ViaAWSService "false" (the handler calls
directly), aws:TokenIssueTime when the environment got its session, and
lambda:SourceFunctionArn the function's ARN (Lambda adds it to every call made with the
execution role's credentials). aws:username is absent (a role has none).

lambdactl's own key (the sandbox's) stands for the account's root user: aws:PrincipalArn
``arn:aws:iam::ACCOUNT:root``, type "Account", aws:userid the account id, no
MultiFactorAuthPresent (long-term keys). Its calls are never checked against identity
policies, but a bucket policy's Deny naming "*" binds it, as it binds the root user on AWS.
"""

from __future__ import annotations

import contextvars
import time
from datetime import UTC, datetime
from typing import Any

from lambdactl.local import servicekeys

Context = dict[str, list[str]]
# The caller of the request being served (moto's S3 asks a bucket's policy before the
# request is authorized: local/enforce.py sets it first).
# (the caller's global keys, moto's response: for the service's keys of the call)
CALLER: contextvars.ContextVar[tuple[Context, Any] | None] = contextvars.ContextVar("lambdactl_caller", default=None)
_sessions: dict[str, tuple[str, float]] = {}   # access key id -> (function ARN, issued at)


def remember(access_key_id: str, function_arn: str) -> None:
    """A session made for FUNCTION_ARN's environment (local/enforce.role_session)."""
    _sessions[access_key_id] = (":".join(function_arn.split(":")[:7]), time.time())   # unqualified


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _common(region: str, source_ip: str) -> Context:
    now = time.time()
    return {
        "aws:requestedregion": [region],
        "aws:sourceip": [source_ip],
        # The handler's SDK, and lambdactl, call AWS over HTTPS; only the sandbox's own
        # 127.0.0.1 endpoint is plain HTTP, which no AWS caller would see.
        "aws:securetransport": ["true"],
        "aws:currenttime": [_iso(now)],
        "aws:epochtime": [str(int(now))],
        "aws:viaawsservice": ["false"],
        "aws:principalisawsservice": ["false"],
    }


def role_keys(account_id: str, role_arn: str, session_name: str) -> Context:
    """The principal's keys for a session of ROLE_ARN named SESSION_NAME."""
    from moto.iam.models import iam_backends

    out: Context = {"aws:principalarn": [role_arn], "aws:principalaccount": [account_id],
                    "aws:principaltype": ["AssumedRole"], "aws:multifactorauthpresent": ["false"]}
    try:
        role = iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - a role deleted since: no id, no tags
        return out
    out["aws:userid"] = [f"{role.id}:{session_name}"]
    for tag in role.tags or []:
        if isinstance(tag, dict) and "Key" in tag:
            out[f"aws:principaltag/{str(tag['Key']).lower()}"] = [str(tag.get("Value", ""))]
    return out


def assumed(access_key_id: str) -> tuple[str, Any] | None:
    """(the account, moto's AssumedRole) of the role session ACCESS_KEY_ID, if moto's STS made it."""
    from moto.sts.models import sts_backends

    for account in list(sts_backends.keys()):
        for backend in list(sts_backends[account].values()):
            role = backend.get_assumed_role_from_access_key(access_key_id)
            if role is not None:
                return account, role
    return None


def session(access_key_id: str, region: str, source_ip: str = "127.0.0.1") -> Context:
    """The global keys of a call to REGION signed with the role session ACCESS_KEY_ID."""
    out = _common(region, source_ip)
    if (found := assumed(access_key_id)) is not None:
        out |= role_keys(found[0], found[1].role_arn, found[1].session_name)
    function = _sessions.get(access_key_id)
    if function is not None:
        out["lambda:sourcefunctionarn"] = [function[0]]
        out["aws:tokenissuetime"] = [_iso(function[1])]
    return out


def admin(account: str, region: str, source_ip: str = "127.0.0.1") -> Context:
    """The global keys of lambdactl's own call (the account's root user)."""
    out = _common(region, source_ip)
    out |= {"aws:principalarn": [f"arn:aws:iam::{account}:root"], "aws:principalaccount": [account],
            "aws:principaltype": ["Account"], "aws:userid": [account]}
    return out


def of_role(account_id: str, role_arn: str, region: str) -> Context:
    """A role's use by Lambda itself (the SQS poller): no request of a handler's."""
    return _common(region, "127.0.0.1") | role_keys(account_id, role_arn, role_arn.rsplit("/", 1)[-1])


def delivery(service: str, source_arn: str, source_account: str) -> Context:
    """The context of a service's invocation of a function (S3, EventBridge, SNS)."""
    region = source_arn.split(":")[3] if source_arn.count(":") >= 5 else ""
    common = {k: v for k, v in _common(region or "us-east-1", "").items() if k != "aws:sourceip"}
    return common | {
        "aws:sourcearn": [source_arn], "aws:sourceaccount": [source_account],
        "aws:principalservicename": [service], "aws:principalisawsservice": ["true"]}


def with_service(base: Context, response: Any, action: str, resource: str) -> Context:
    """BASE merged with the service's keys for ACTION on RESOURCE."""
    own = servicekeys.keys(response, action, resource)
    return base | {k.lower(): list(v) for k, v in own.items()} if own else base


def caller(response: Any, access_key_id: str, admin_key: str) -> Context:
    """The global keys of moto's RESPONSE's request, signed with ACCESS_KEY_ID."""
    region = str(getattr(response, "region", "") or "us-east-1")
    request = getattr(response, "normalized_request", None)
    source_ip = str(getattr(request, "remote_addr", "") or "127.0.0.1")
    if access_key_id.startswith("ASIA") and access_key_id != admin_key:
        return session(access_key_id, region, source_ip)
    return admin(str(getattr(response, "current_account", "") or "123456789012"), region, source_ip)
