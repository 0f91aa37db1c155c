"""The Lambda function and its log group: observe, decide what differs, apply."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code, error_message
from lambdactl.core.ownership import check_owner
from lambdactl.errors import AwsError

if TYPE_CHECKING:
    from lambdactl.config import Function

ROLE_NOT_ASSUMABLE = "cannot be assumed by Lambda"
# Lambda checks that the role may send to the dead-letter queue; a policy just put is not
# seen for a few seconds either (IAM propagation): InvalidParameterValueException "The provided
# execution role does not have permissions to call SendMessage on SQS".
DLQ_NOT_ALLOWED = "does not have permissions to call SendMessage"


def not_yet_propagated(exc: Exception) -> bool:
    return error_code(exc) == "InvalidParameterValueException" and (
        ROLE_NOT_ASSUMABLE in error_message(exc) or DLQ_NOT_ALLOWED in error_message(exc))
# Configuration fields we manage, as named in GetFunctionConfiguration.
CONFIG_FIELDS = (
    "Runtime", "Handler", "MemorySize", "Timeout", "Role", "Environment", "Layers",
    "Description", "DeadLetterConfig", "EphemeralStorage",
)


def desired_config(fn: Function, role_arn: str) -> dict[str, Any]:
    """UpdateFunctionConfiguration parameters (also used for CreateFunction)."""
    return {
        "Runtime": fn.runtime,
        "Handler": fn.handler,
        "MemorySize": fn.memory,
        "Timeout": fn.timeout,
        "Role": role_arn,
        "Environment": {"Variables": fn.env},
        "Layers": list(fn.layers),
        "Description": fn.description,
        "DeadLetterConfig": {"TargetArn": fn.dead_letter_queue},   # "" clears it
        "EphemeralStorage": {"Size": fn.ephemeral_storage},
    }


@dataclass(frozen=True)
class FunctionState:
    arn: str
    code_sha256: str
    config: dict[str, Any]   # normalised like desired_config
    architecture: str
    tags: dict[str, str]
    state: str
    last_update: str
    last_modified: str


def _normalise(cfg: dict[str, Any]) -> dict[str, Any]:
    return {
        "Runtime": cfg.get("Runtime"),
        "Handler": cfg.get("Handler"),
        "MemorySize": cfg.get("MemorySize"),
        "Timeout": cfg.get("Timeout"),
        "Role": cfg.get("Role"),
        "Environment": {"Variables": dict((cfg.get("Environment") or {}).get("Variables") or {})},
        "Layers": [layer["Arn"] for layer in cfg.get("Layers") or []],
        "Description": cfg.get("Description") or "",
        "DeadLetterConfig": {"TargetArn": (cfg.get("DeadLetterConfig") or {}).get("TargetArn") or ""},
        "EphemeralStorage": {"Size": (cfg.get("EphemeralStorage") or {}).get("Size", 512)},
    }


def observe(lam: Any, name: str) -> FunctionState | None:
    try:
        resp = lam.get_function(FunctionName=name)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    return state_of(resp["Configuration"], dict(resp.get("Tags") or {}))


def state_of(cfg: dict[str, Any], tags: dict[str, str]) -> FunctionState:
    """A FunctionState from a function's (or a version's) configuration as Lambda returns it."""
    return FunctionState(
        arn=cfg["FunctionArn"],
        code_sha256=cfg["CodeSha256"],
        config=_normalise(cfg),
        architecture=(cfg.get("Architectures") or ["x86_64"])[0],
        tags=tags,
        state=cfg.get("State", "Active"),
        last_update=cfg.get("LastUpdateStatus", "Successful"),
        last_modified=cfg.get("LastModified", ""),
    )


def decide(
    observed: FunctionState | None, fn: Function, role_arn: str, code_sha: str, project: str
) -> tuple[str, list[str]]:
    """-> (action, fields): create, update [code, <config fields>], recreate, or keep."""
    if observed is None:
        return "create", []
    check_owner("Lambda function", fn.name, observed.tags, project)
    fields = differences(observed, fn, role_arn, code_sha)
    return ("update" if fields else "keep"), fields


def differences(observed: FunctionState, fn: Function, role_arn: str, code_sha: str) -> list[str]:
    """What differs between OBSERVED ($LATEST, or a published version) and FN: code, config fields."""
    fields = []
    if observed.code_sha256 != code_sha:
        fields.append("code")
    if observed.architecture != fn.architecture:
        fields.append("architecture")  # set through UpdateFunctionCode
    want = desired_config(fn, role_arn)
    fields += [k for k in CONFIG_FIELDS if observed.config.get(k) != want[k]]
    return fields


def _retry(
    action: Callable[[], Any],
    retryable: Callable[[Exception], bool],
    *,
    budget: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    first: float = 0.25,
    cap: float = 0.5,
) -> Any:
    """Bounded exponential backoff with jitter; re-raises once the budget is spent.

    The cap is short: a waiting chain costs at most that much past the moment the
    resource becomes usable (IAM propagation takes ~5-10 s; a call is cheap).
    """
    deadline = clock() + budget
    delay = first
    while True:
        try:
            return action()
        except Exception as exc:
            if not retryable(exc) or clock() + delay > deadline:
                raise
            sleep(delay * random.uniform(0.8, 1.0))
            delay = min(delay * 2, cap)


def as_code(code: bytes | dict[str, str]) -> dict[str, Any]:
    """CODE: the zip's bytes (up to 50 MB), or {"S3Bucket", "S3Key"} of a staged object."""
    return {"ZipFile": code} if isinstance(code, bytes) else dict(code)


def create(
    lam: Any,
    fn: Function,
    role_arn: str,
    code: bytes | dict[str, str],
    tags: dict[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    role_budget: float = 60.0,
) -> dict[str, Any]:
    params = desired_config(fn, role_arn)
    if not fn.dead_letter_queue:
        del params["DeadLetterConfig"]   # none: CreateFunction needs no empty one
    if fn.ephemeral_storage == 512:
        del params["EphemeralStorage"]   # Lambda's default: as CreateFunction has always been called
    params.update(
        FunctionName=fn.name,
        Code=as_code(code),
        Architectures=[fn.architecture],
        Tags=tags,
        PackageType="Zip",
    )

    # A new role is not assumable by Lambda for a few seconds (IAM propagation):
    # CreateFunction fails with InvalidParameterValueException "...cannot be assumed
    # by Lambda". Retry with short capped backoff rather than a blind sleep.
    try:
        resp = _retry(
            lambda: lam.create_function(**params), not_yet_propagated,
            budget=role_budget, sleep=sleep, clock=clock,
        )
    except Exception as exc:
        if not_yet_propagated(exc):
            raise AwsError(
                f"role {role_arn} was still not assumable by Lambda after {role_budget:.0f} s",
                "check its trust policy allows lambda.amazonaws.com, then run `lambdactl up` again",
            ) from exc
        raise
    # Calls on a function that is still Pending fail with ResourceConflictException.
    if resp.get("State", "Active") != "Active":
        lam.get_waiter("function_active_v2").wait(
            FunctionName=fn.name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
        )
    return dict(resp)


def _wait_updated(lam: Any, name: str, resp: dict[str, Any]) -> None:
    # The next update while LastUpdateStatus is InProgress fails with ResourceConflictException.
    if resp.get("LastUpdateStatus", "Successful") != "Successful":
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
        )


def update(lam: Any, fn: Function, role_arn: str, code: bytes | dict[str, str], fields: list[str]) -> None:
    if "code" in fields or "architecture" in fields:
        resp = lam.update_function_code(
            FunctionName=fn.name, **as_code(code), Architectures=[fn.architecture]
        )
        _wait_updated(lam, fn.name, resp)
    config_fields = [f for f in fields if f in CONFIG_FIELDS]
    if config_fields:
        want = desired_config(fn, role_arn)
        resp = _retry(lambda: lam.update_function_configuration(   # a new DLQ's permission: as in create
            FunctionName=fn.name, **{k: want[k] for k in config_fields}), not_yet_propagated,
            budget=60.0, sleep=time.sleep, clock=time.monotonic)
        _wait_updated(lam, fn.name, resp)


def delete(lam: Any, name: str) -> bool:
    return deleted(lambda: lam.delete_function(FunctionName=name), "ResourceNotFoundException")
