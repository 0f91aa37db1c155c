"""AWS managed policies in the sandbox's IAM, made when first named.

moto loads AWS's ~1,600 managed policies into each account's IAM only when told to (every
backend then builds them all at start); otherwise ``aws iam attach-role-policy
--policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``, the AWS
tutorials' first step after CreateRole, answered NoSuchEntity. Now AttachRolePolicy,
AttachUserPolicy, AttachGroupPolicy, GetPolicy and GetPolicyVersion make the policy they
name from moto's copy of AWS's (its path part of the ARN, as AWS's), then go on as moto does;
a name AWS has not is still NoSuchEntity.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

PREFIX = "arn:aws:iam::aws:policy/"
METHODS = ("attach_role_policy", "attach_user_policy", "attach_group_policy", "get_policy", "get_policy_version")


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


def ensure(backend: Any, arn: str) -> None:
    """Put the AWS managed policy ARN into BACKEND (moto's IAMBackend), if AWS has it."""
    if not isinstance(arn, str) or not arn.startswith(PREFIX) or arn in backend.managed_policies:
        return
    from moto.iam.models import AWSManagedPolicy

    name = arn.rsplit("/", 1)[-1]
    data = _data().get(name)
    if data is None:
        return
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    if policy.arn == arn:   # the path too: .../service-role/AWSLambdaBasicExecutionRole
        backend.managed_policies[arn] = policy


def _on_demand(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: Any, policy_arn: str, *args: Any, **kwargs: Any) -> Any:
        ensure(self, policy_arn)
        return original(self, policy_arn, *args, **kwargs)

    return method


def install() -> None:
    from moto.iam.models import IAMBackend

    from lambdactl.local.strict import _wrap

    for name in METHODS:
        _wrap(IAMBackend, name, _on_demand)
