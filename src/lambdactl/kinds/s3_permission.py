"""Kind: the statement in a function's resource policy that lets S3 invoke it (one
per bucket, SourceArn and SourceAccount set). It goes with the function."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.step import Step
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "permission"
NEEDS: tuple[str, ...] = ("function", "alias")   # an alias a trigger targets holds its statement


@dataclass(frozen=True)
class PermissionData:
    want: dict[str, Any]    # AddPermission's parameters
    replace: bool           # a statement with our Sid differs: removed first


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    steps = []
    for bucket, q in sorted({(t.bucket, t.qualifier) for t in want.fn.triggers}):
        wanted = desired_permission(bucket, facts.account_id, facts.partition)
        present = have.permissions.get(f"{q}/{wanted['StatementId']}" if q else wanted["StatementId"])
        if permission_matches(present, wanted):
            action = "keep"
        else:
            action = "update" if present else "create"
        if q:   # the statement goes in the alias's resource policy
            wanted["Qualifier"] = q
        steps.append(Step(want.fn.key, NAME, wanted["StatementId"], action, detail=f"on alias {q}" if q else "",
                          data=PermissionData(wanted, bool(present))))
    return steps + removed(want.fn, have)


def removed(fn: Function, have: Observed) -> list[Step]:
    """Our statement for a bucket FN no longer has a trigger on: it goes. (While the
    bucket still holds FN's entries, the notification's step takes it, after them.)"""
    keep = {permission_sid(t.bucket) for t in fn.triggers}
    held = {permission_sid(b) for b, s in have.buckets.items() if s3mod.our_entries_in(s.notification, fn.name)}
    return [Step(fn.key, NAME, sid, "delete", detail="no longer a trigger in lambdactl.toml",
                 data=PermissionData({"StatementId": sid}, True))
            for sid in sorted(have.permissions) if sid.startswith(permission_sid("")) and sid not in keep | held]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data = step.data
    assert isinstance(data, PermissionData)
    if step.action == "delete":
        remove_permission(ctx.aws.client("lambda"), want.fn.name, step.name)
        return
    add_permission(ctx.aws.client("lambda"), want.fn.name, data.want, data.replace)


def delete(ctx: Context, step: Step) -> Step:
    return step   # deleted with the function's resource policy


def permission_sid(bucket: str) -> str:
    return f"lambdactl-s3-{bucket}"


def bucket_arn(bucket: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}"


def observe_permissions(lam: Any, fn_name: str, qualifier: str | None = None) -> dict[str, dict[str, Any]]:
    """Statements of the function's resource policy (or its alias QUALIFIER's), by Sid."""
    try:
        extra = {"Qualifier": qualifier} if qualifier else {}
        policy = json.loads(lam.get_policy(FunctionName=fn_name, **extra)["Policy"])
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {}
        raise
    return {st.get("Sid", ""): st for st in policy.get("Statement", [])}


def store_qualified(into: dict[str, dict[str, Any]], qualifier: str, found: dict[str, dict[str, Any]]) -> None:
    """An alias's statements go in with the function's, as "<alias>/<Sid>"."""
    into.update({f"{qualifier}/{sid}": st for sid, st in found.items()})


def desired_permission(bucket: str, account_id: str, partition: str = "aws") -> dict[str, Any]:
    return {
        "StatementId": permission_sid(bucket),
        "Action": "lambda:InvokeFunction",
        "Principal": "s3.amazonaws.com",
        "SourceArn": bucket_arn(bucket, partition),
        "SourceAccount": account_id,
    }


def permission_matches(statement: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if not statement:
        return False
    cond = statement.get("Condition", {})
    source_arn = cond.get("ArnLike", {}).get("AWS:SourceArn")
    account = cond.get("StringEquals", {}).get("AWS:SourceAccount")
    principal = statement.get("Principal", {})
    service = principal.get("Service") if isinstance(principal, dict) else principal
    return (
        source_arn == want["SourceArn"]
        and account == want["SourceAccount"]
        and service == want["Principal"]
        and statement.get("Action") == want["Action"]
    )


def add_permission(lam: Any, fn_name: str, want: dict[str, Any], replace: bool) -> None:
    if replace:
        remove_permission(lam, fn_name, want["StatementId"], want.get("Qualifier"))
    try:
        lam.add_permission(FunctionName=fn_name, **want)
    except Exception as exc:
        # A statement with this Sid already there (a concurrent run): it is ours.
        if error_code(exc) != "ResourceConflictException":
            raise


def remove_permission(lam: Any, fn_name: str, sid: str, qualifier: str | None = None) -> bool:
    extra = {"Qualifier": qualifier} if qualifier else {}
    return deleted(lambda: lam.remove_permission(FunctionName=fn_name, StatementId=sid, **extra),
                   "ResourceNotFoundException")


def unwired(lam: Any, s3: Any, fn: Function, bucket: str, qualifier: str, account_id: str,
            partition: str) -> str | None:
    """Why an object put in BUCKET would not invoke FN (our statement or our notification
    entry missing: a first `up` not run, or one removed outside lambdactl), else None.
    Two reads, side by side."""
    from lambdactl.core.executor import run_parallel

    found: dict[str, Any] = {}
    run_parallel([lambda: observe_permissions(lam, fn.name, qualifier or None), lambda: s3mod.observe_bucket(s3, bucket)],
                 [lambda st: found.update(statements=st), lambda state: found.update(bucket=state)])
    if not found["bucket"].exists:   # before `up`, after `destroy`: not a missing permission
        return f"bucket {bucket} does not exist (not deployed yet, or destroyed)"
    want = desired_permission(bucket, account_id, partition)
    if not permission_matches(found["statements"].get(want["StatementId"]), want):
        return f"{fn.name} has no permission for S3 to invoke it from {bucket} (statement {want['StatementId']})"
    if not s3mod.our_entries_in(found["bucket"].notification, fn.name):
        return f"{bucket}'s notification configuration has no entry for {fn.name}"
    return None
