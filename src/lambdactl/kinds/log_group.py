"""Kind: the function's log group, /aws/lambda/<function>, and its retention."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "log_group"
NEEDS: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogGroupState:
    name: str
    retention: int | None


def observe(logs: Any, name: str) -> LogGroupState | None:
    resp = logs.describe_log_groups(logGroupNamePrefix=name, limit=5)
    for group in resp.get("logGroups", []):
        if group["logGroupName"] == name:
            return LogGroupState(name, group.get("retentionInDays"))
    return None


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    fn, observed = want.fn, have.log_group
    if observed is None:
        action, fields = "create", ["retention"]
    elif observed.retention != fn.log_retention_days:
        action, fields = "update", ["retention"]
    else:
        action, fields = "keep", []
    return [Step(fn.key, NAME, fn.log_group, action, tuple(fields))]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    fn, j = want.fn, ctx.journal
    logs = ctx.aws.client("logs")
    if step.action == "create":
        j.record(NAME, fn.log_group, "creating", function=fn.key)
        try:
            logs.create_log_group(logGroupName=fn.log_group, tags=ctx.tags)
        except Exception as exc:
            # Lambda creates the group itself on first run: adopt it, that is ours too.
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
    logs.put_retention_policy(logGroupName=fn.log_group, retentionInDays=fn.log_retention_days)
    if step.action == "create":
        j.record(NAME, fn.log_group, "created", function=fn.key)


def delete(ctx: Context, step: Step) -> Step:
    logs = ctx.aws.client("logs")
    deleted(lambda: logs.delete_log_group(logGroupName=step.name), "ResourceNotFoundException")
    return step
