"""IAM enforced in the sandbox, as on AWS: a handler acts as its execution role.

Each execution environment gets a session of the function's role (an STS
assumed role in moto: its own access key, secret and token), and every AWS
call signed with one is decided as IAM decides it within an account
(local/evaluation.py) from the role's inline and attached policies, its permissions
boundary and the session's policies (local/sessionpolicies.py), and the resource's own
policy (local/respolicies.py), each read by local/statements.py with the call's request
context (local/reqcontext.py) and Condition blocks (local/conditions.py): AccessDenied as
the service words it (local/denials.py) where they do not allow the call.
lambdactl's own calls (the sandbox's key) are never checked. moto checks
nothing by default (it counts requests up to INITIAL_NO_AUTH_ACTION_COUNT);
``install`` makes its check run for role sessions only, without touching that
global setting. The signature was verified already (``auth.Guard``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from lambdactl.local import (
    awsmanaged,
    denials,
    evaluation,
    policymatch,
    policyvalid,
    reqcontext,
    respolicies,
    rolecalls,
    sessionpolicies,
    statements,
)
from lambdactl.local.auth import Credentials, Refused, key_in
from lambdactl.local.conditions import Context

SESSION_SECONDS = 12 * 3600
_admin: list[str] = []   # the sandbox's own key, once install() enforces IAM


def role_session(account_id: str, role_arn: str, session_name: str, function_arn: str = "") -> Credentials:
    """A session of ROLE_ARN (moto's STS), as Lambda gives a function's environment
    (FUNCTION_ARN's: lambda:SourceFunctionArn in its calls' context)."""
    from moto.sts.models import sts_backends
    from moto.utilities.utils import get_partition

    region = role_arn.split(":")[3] or "us-east-1"
    backend = sts_backends[account_id][get_partition(region)]
    role = backend.assume_role(
        region_name=region,
        role_session_name=session_name[:64],
        role_arn=role_arn,
        policy=None,  # type: ignore[arg-type]  # moto's annotation; None means no session policy
        duration=SESSION_SECONDS,
        external_id=None,  # type: ignore[arg-type]
    )
    if function_arn:
        reqcontext.remember(role.access_key_id, function_arn)
    return Credentials(role.access_key_id, role.secret_access_key, role.session_token)


def session_credentials(access_key_id: str) -> Credentials | None:
    """The role session with this access key id, if moto's STS made one."""
    if not access_key_id.startswith("ASIA"):
        return None
    from moto.core.utils import utcnow

    found = reqcontext.assumed(access_key_id)
    if found is None:
        return None
    role = found[1]
    if role.expiration < utcnow():   # as STS: not valid forever
        raise Refused("ExpiredToken", "The security token included in the request is expired")
    return Credentials(role.access_key_id, role.secret_access_key, role.session_token)


def _session_bounds(access_key_id: str) -> sessionpolicies.Bounds | None:
    """The bounds of the role session ACCESS_KEY_ID, if moto's STS made it."""
    found = reqcontext.assumed(access_key_id)
    if found is None:
        return None
    account, role = found
    return sessionpolicies.of_session(account, access_key_id, role.role_arn, role.policy)


def _said(bounds: sessionpolicies.Bounds, action: str, resource: str, context: Context,
          own: str = "") -> evaluation.Said:
    """What each policy bounding a session says of ACTION on RESOURCE (OWN: the resource's)."""
    def say(found: list[Any] | None) -> str | None:
        return None if found is None else statements.decide(found, action, resource, context)

    return evaluation.Said(statements.decide(bounds.identity, action, resource, context), own,
                           say(bounds.boundary), say(bounds.session))


def role_may(access_key_id: str, action: str, resource: str, region: str = "us-east-1",
             extra: Context | None = None) -> bool:
    """Do the policies of the role session ACCESS_KEY_ID (its role's, its permissions
    boundary, its session policies) allow ACTION on RESOURCE in REGION, with the service's
    keys EXTRA? True for any other key, or with IAM off."""
    if not _admin or access_key_id == _admin[0] or not access_key_id.startswith("ASIA"):
        return True
    bounds = _session_bounds(access_key_id)
    if bounds is None:
        return False
    context = reqcontext.session(access_key_id, region) | dict(extra or {})
    return evaluation.denial(_said(bounds, action, resource, context)) is None


def role_allows(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Do ROLE_ARN's policies (and its permissions boundary) allow ACTION on RESOURCE?"""
    region = resource.split(":")[3] if resource.count(":") >= 5 else "us-east-1"
    context = reqcontext.of_role(account_id, role_arn, region or "us-east-1")
    bounds = sessionpolicies.of_role(account_id, role_arn)
    return evaluation.denial(_said(bounds, action, resource, context)) is None


# What Lambda's poller calls with the function's role, checked at CreateEventSourceMapping.
POLLER_ACTIONS = {"sqs": ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")}


def _poller_role_checked(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's EventSourceMapping, made by CreateEventSourceMapping once the function is found:
    Lambda refuses a mapping whose function's role may not poll the queue; moto took it, and
    the poller then read the queue with no permission at all."""
    @functools.wraps(original)
    def init(self: Any, spec: dict[str, Any]) -> None:
        source = str(spec.get("EventSourceArn", ""))
        service = source.split(":")[2] if source.count(":") >= 5 else ""
        if service in POLLER_ACTIONS and spec.get("FunctionArn"):
            from moto.awslambda.exceptions import InvalidParameterValueException
            from moto.awslambda.utils import get_backend

            fn = get_backend(spec["AccountId"], spec["RegionName"]).get_function(spec["FunctionArn"])
            for name in POLLER_ACTIONS[service]:
                if not role_allows(spec["AccountId"], fn.role, f"{service}:{name}", source):
                    raise InvalidParameterValueException(
                        f"The function execution role does not have permissions to call {name} on {service.upper()}")
        original(self, spec)

    return init


def _access_key(response: Any) -> str:
    return key_in(f"{response.headers.get('Authorization', '')} {urlparse(response.uri).query}")


def _authorize(admin_key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
            key = _access_key(self)
            caller = reqcontext.caller(self, key, admin_key)
            reqcontext.CALLER.set((caller, self))
            if not key.startswith("ASIA") or key == admin_key:
                return  # lambdactl itself (or moto's own, unsigned, internal calls)
            path = self.raw_path
            query = urlparse(self.uri).query
            request = iam_request_cls(
                account_id=self.current_account,
                method=self.method,
                path=f"{path}?{query}" if query else path,
                data=self.data,
                body=self.raw_body,
                headers=self.headers,
                action=rolecalls.action(self),
            )
            bounds = _session_bounds(key) or sessionpolicies.Bounds([])
            for action, each in rolecalls.checks(self, request._action, resource):
                context = reqcontext.with_service(caller, self, action, each)
                own = respolicies.resource_decision(self, action, each, request._access_key.arn, context,
                                                    bounds.boundary is not None)
                _check(self, request, bounds, action, each, own, context)
            for role in rolecalls.passed_roles(self):   # as IAM: handing a role on is iam:PassRole
                context = reqcontext.with_service(caller, self, "iam:PassRole", role)
                _check(self, request, bounds, "iam:PassRole", role, "", context)

        return authorize

    return make


def _check(response: Any, request: Any, bounds: sessionpolicies.Bounds, action: str, resource: str,
           own: str, context: Context) -> None:
    """ACTION on RESOURCE by the role session of REQUEST, decided as IAM decides it within an
    account (local/evaluation.py) from its BOUNDS and the resource's own policy (OWN:
    respolicies.resource_decision); AssumeRole needs the target role's trust policy instead.
    GetCallerIdentity is always allowed."""
    if action == "sts:GetCallerIdentity":
        return
    request._action = action
    assuming = request._is_assuming_role_operation(resource)
    if assuming:   # the role's trust policy must admit the caller
        own = _trust(request, resource, context, bounds.boundary is not None)
    why = evaluation.denial(_said(bounds, action, resource, context, own), required=assuming)
    if why is not None:
        raise denials.denied(response, request._access_key.arn, action, resource, why)


def _trust(request: Any, role_arn: str, context: Context, bounded: bool) -> str:
    """The trust policy of ROLE_ARN on this AssumeRole (respolicies.trust_decision), with
    the call's sts: keys."""
    role = request.backend.get_role_by_arn(role_arn)
    data = request._data if isinstance(request._data, dict) else {}

    def first(name: str) -> list[str]:
        value = data.get(name)
        return [str(value[0] if isinstance(value, list) else value)] if value else []

    keys = {"sts:externalid": first("ExternalId"), "sts:rolesessionname": first("RoleSessionName")}
    context = {**context, **{k: v for k, v in keys.items() if v}}
    caller = request._access_key
    return respolicies.trust_decision(role.assume_role_policy_document, caller.account_id, caller.arn,
                                      context, bounded)


def _caller_known(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's S3 asks a bucket's policy of an object call (FakeBucket.get_permission)
    before it authorizes the call: the caller's context is set first. Its refusal was an
    empty 403 (boto3: error code "403"); S3 answers AccessDenied, in its words for a role
    session or lambdactl's own key (an explicit deny in a resource-based policy)."""
    @functools.wraps(original)
    def key_response(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = _access_key(self)
        reqcontext.CALLER.set((reqcontext.caller(self, key, _admin[0] if _admin else ""), self))
        rolecalls.EVERYONE_DENIED.set(None)
        result = original(self, *args, **kwargs)
        if isinstance(result, tuple) and len(result) == 3 and result[0] == 403 and not result[2]:
            from moto.s3.exceptions import S3AccessDeniedError

            denied, caller = rolecalls.EVERYONE_DENIED.get(), None
            if _admin and key == _admin[0]:   # lambdactl's own key: the account's root user
                caller = f"arn:aws:iam::{self.current_account}:root"
            elif _admin and (found := reqcontext.assumed(key)) is not None:   # a role session
                caller = str(found[1].arn)
            if denied is None or caller is None:
                raise S3AccessDeniedError()
            raise denials.denied(self, caller, *denied, evaluation.Denial(True, "resource"))
        return result

    return key_response


def install(admin_key: str) -> None:
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMPolicyStatement

    from lambdactl.local.strict import _wrap

    _wrap(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _authorize(admin_key))
    from moto.awslambda.models import EventSourceMapping
    from moto.s3.models import FakeBucket

    _wrap(FakeBucket, "get_permission", rolecalls.everyones_permission)
    from moto.s3.responses import S3Response

    _wrap(S3Response, "_key_response", _caller_known)
    from moto.sns.models import Subscription

    from lambdactl.local.snsdelivery import sns_checked

    _wrap(Subscription, "publish", sns_checked)
    _wrap(EventSourceMapping, "__init__", _poller_role_checked)
    from moto.sts.responses import TokenResponse

    _wrap(TokenResponse, "assume_role", sessionpolicies.recording_policy_arns)
    _admin[:] = [admin_key]
    _wrap(IAMPolicyStatement, "_check_principal", lambda _moto: rolecalls.check_principal)
    policymatch.install()
    policyvalid.install()
    awsmanaged.install()
