"""IAM enforced in the sandbox, as on AWS: a handler acts as its execution role.

Each execution environment gets a session of the function's role (an STS
assumed role in moto: its own access key, secret and token), and every AWS
call signed with one is decided against the role's inline and attached policies
(local/statements.py, with the call's request context: local/reqcontext.py, and
Condition blocks: local/conditions.py): AccessDenied as AWS words it where they do
not allow the call.
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

from lambdactl.local import policymatch, reqcontext, rolecalls, statements
from lambdactl.local.auth import JSON_SERVICES, Credentials, Refused, key_in
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
    from moto.sts.models import sts_backends

    for account in list(sts_backends.keys()):
        for backend in list(sts_backends[account].values()):
            role = backend.get_assumed_role_from_access_key(access_key_id)
            if role is not None and role.expiration < utcnow():   # as STS: not valid forever
                raise Refused("ExpiredToken", "The security token included in the request is expired")
            if role is not None:
                return Credentials(role.access_key_id, role.secret_access_key, role.session_token)
    return None


def _statements(policies: list[Any]) -> list[Any]:
    """The statements of moto's policies (inline documents, managed Policy objects)."""
    from moto.iam.access_control import IAMPolicy

    return [st for p in policies for st in statements.of_document(IAMPolicy(p)._policy_json)]


def role_may(access_key_id: str, action: str, resource: str, region: str = "us-east-1",
             extra: Context | None = None) -> bool:
    """Do the identity policies of the role session ACCESS_KEY_ID allow ACTION on RESOURCE
    in REGION, with the service's keys EXTRA (an explicit Deny wins)? True for any other
    key, or with IAM off."""
    if not _admin or access_key_id == _admin[0] or not access_key_id.startswith("ASIA"):
        return True
    from moto.iam.access_control import AssumedRoleAccessKey
    from moto.sts.models import sts_backends

    for account in list(sts_backends.keys()):
        for partition, backend in list(sts_backends[account].items()):
            role = backend.get_assumed_role_from_access_key(access_key_id)
            if role is None:
                continue
            key = AssumedRoleAccessKey(account, partition, access_key_id,
                                       {"X-Amz-Security-Token": role.session_token})
            context = reqcontext.session(access_key_id, region) | dict(extra or {})
            return statements.decide(_statements(key.collect_policies()), action, resource, context) == "allow"
    return False


def role_allows(account_id: str, role_arn: str, action: str, resource: str) -> bool:
    """Do ROLE_ARN's inline and attached policies allow ACTION on RESOURCE (an explicit Deny wins)?"""
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - no such role: it allows nothing
        return False
    policies = [*role.policies.values(), *role.managed_policies.values()]
    region = resource.split(":")[3] if resource.count(":") >= 5 else "us-east-1"
    context = reqcontext.of_role(account_id, role_arn, region or "us-east-1")
    return statements.decide(_statements(policies), action, resource, context) == "allow"


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
            try:
                for action, each in rolecalls.checks(self, request._action, resource):
                    request._action = action
                    context = reqcontext.with_service(caller, self, action, each)
                    own = rolecalls.resource_decision(self, action, each, request._access_key.arn, context)
                    _check(request, own, each, context)
                for role in rolecalls.passed_roles(self):   # as IAM: handing a role on is iam:PassRole
                    request._action = "iam:PassRole"
                    _check(request, "", role, reqcontext.with_service(caller, self, "iam:PassRole", role))
            except Exception as exc:
                raise _as_aws_words(self, exc) from exc

        return authorize

    return make


def _check(request: Any, own: str, resource: str, context: Context) -> None:
    """As IAM within an account: an explicit Deny anywhere (the resource's own policy, OWN:
    rolecalls.resource_decision; the role's) wins; else an Allow in either grants.
    GetCallerIdentity is always allowed."""
    if request._action == "sts:GetCallerIdentity":
        return
    identity = statements.decide(_statements(request._access_key.collect_policies()),
                                 request._action, resource, context)
    if request._is_assuming_role_operation(resource):   # the role's trust policy must admit the caller
        trust = _trust(request, resource, context)
        if identity == "deny" or not (trust == "grant" or (trust == "delegate" and identity == "allow")):
            request._raise_access_denied()
        return
    if "deny" in (own, identity) or "allow" not in (own, identity):
        request._raise_access_denied()


def _trust(request: Any, role_arn: str, context: Context) -> str:
    """The trust policy of ROLE_ARN on this AssumeRole (rolecalls.trust_decision), with
    the call's sts: keys; "delegate" unless the caller's own policies allow it too."""
    role = request.backend.get_role_by_arn(role_arn)
    data = request._data if isinstance(request._data, dict) else {}

    def first(name: str) -> list[str]:
        value = data.get(name)
        return [str(value[0] if isinstance(value, list) else value)] if value else []

    keys = {"sts:externalid": first("ExternalId"), "sts:rolesessionname": first("RoleSessionName")}
    context = {**context, **{k: v for k, v in keys.items() if v}}
    caller = request._access_key
    return rolecalls.trust_decision(role.assume_role_policy_document, caller.account_id, caller.arn, context)


def _caller_known(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto's S3 asks a bucket's policy of an object call (FakeBucket.get_permission)
    before it authorizes the call: the caller's context is set first. Its refusal was an
    empty 403 (boto3: error code "403"); S3 answers AccessDenied."""
    @functools.wraps(original)
    def key_response(self: Any, *args: Any, **kwargs: Any) -> Any:
        reqcontext.CALLER.set((reqcontext.caller(self, _access_key(self), _admin[0] if _admin else ""), self))
        result = original(self, *args, **kwargs)
        if isinstance(result, tuple) and len(result) == 3 and result[0] == 403 and not result[2]:
            from moto.s3.exceptions import S3AccessDeniedError

            raise S3AccessDeniedError()
        return result

    return key_response


def _as_aws_words(response: Any, exc: Exception) -> Exception:
    """moto answers XML everywhere; JSON services' clients need their own shape."""
    from moto.core.exceptions import JsonRESTError

    json_service = (response.service_name in JSON_SERVICES or response.service_name == "awslambda"
                    or bool(response.headers.get("x-amz-target")))   # DynamoDB Streams, ...
    denied = getattr(exc, "error_type", "") == "AccessDenied"
    message = str(getattr(exc, "message", exc))
    if denied and response.service_name == "sns":
        return _sns_authorization_error(message)
    if not denied or not json_service:
        return exc  # S3's "Access Denied", IAM's and STS's XML: moto's words are AWS's
    action = message.rsplit(" ", 1)[-1]
    error = JsonRESTError(
        "AccessDeniedException",
        f"{message} because no identity-based policy allows the {action} action",
    )
    error.code = 403
    return error


def _sns_authorization_error(message: str) -> Exception:
    """SNS's word for an IAM denial: AuthorizationError, HTTP 403 (moto: AccessDenied)."""
    from moto.core.exceptions import AccessDeniedError

    error = AccessDeniedError.__new__(AccessDeniedError)
    super(AccessDeniedError, error).__init__("AuthorizationError", message)
    return error


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

    from lambdactl.local.s3_policy import sns_checked

    _wrap(Subscription, "publish", sns_checked)
    _wrap(EventSourceMapping, "__init__", _poller_role_checked)
    _admin[:] = [admin_key]
    _wrap(IAMPolicyStatement, "_check_principal", lambda _moto: rolecalls.check_principal)
    policymatch.install()
