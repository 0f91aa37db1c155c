"""Kind: our entries in a bucket's notification configuration (Id
lambdactl-<function>-<n>), merged with everything else in it (triggers/s3.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.core.step import Step
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "notification"
# S3 validates the permission when the configuration is written.
NEEDS: tuple[str, ...] = ("permission", "bucket", "project_bucket")   # a trigger may name a [buckets.NAME]


def create_after(want: Desired, step: Step) -> tuple[tuple[str, str], ...]:
    """The bucket, if a [buckets.NAME] made alongside the chains."""
    return (("project_bucket", step.name.removeprefix("s3://")),)


@dataclass(frozen=True)
class NotificationData:
    ours: list[dict[str, Any]]            # our entries for the bucket
    observed: s3mod.BucketState | None    # as read (used if nothing wrote since)


@dataclass(frozen=True)
class Unhook:
    """destroy: FUNCTIONS' entries come out of BUCKET (or go with it)."""

    bucket: str
    functions: list[str]
    observed: s3mod.BucketState | None


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    fn = want.fn
    arn = facts.function_arn(fn)   # or an alias's ARN (qualifier = "live")
    ours = [s3mod.our_entry(fn, i, t, f"{arn}:{t.qualifier}" if t.qualifier else arn) for i, t in enumerate(fn.triggers)]
    steps = []
    for bucket in sorted({t.bucket for t in fn.triggers}):
        state = have.buckets.get(bucket)
        mine = [o for o, t in zip(ours, fn.triggers) if t.bucket == bucket]
        current = state.notification if state else {}
        if state and state.exists:
            s3mod.merge(current, mine, fn.name, bucket)  # raises on overlap/squatting, before any write
        action = "keep" if s3mod.ours_match(current, mine, fn.name) else (
            "update" if s3mod.our_entries_in(current, fn.name) else "create")
        steps.append(Step(fn.key, NAME, f"s3://{bucket}", action, detail=", ".join(o["Id"] for o in mine),
                          data=NotificationData(mine, state)))
    return steps


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    bucket, fn, data = step.name.removeprefix("s3://"), want.fn, step.data
    assert isinstance(data, NotificationData)
    ctx.journal.record(NAME, f"{bucket}#{fn.name}", "created", function=fn.key, bucket=bucket)
    ctx.s3_writes.update(ctx.aws.client("s3"), bucket, fn.name, data.ours,
                         observed=data.observed, sleep=ctx.sleep)


def delete(ctx: Context, step: Step) -> Step:
    data = step.data
    assert isinstance(data, Unhook)
    ctx.s3_writes.remove_entries(ctx.aws.client("s3"), data.bucket, data.functions, data.observed)
    return step
