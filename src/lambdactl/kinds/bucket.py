"""Kind: a trigger's S3 bucket, created (tagged at CreateBucket) when missing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lambdactl.aws import error_code
from lambdactl.core.step import Step
from lambdactl.kinds.s3_notification import Unhook
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "bucket"
NEEDS: tuple[str, ...] = ()


@dataclass(frozen=True)
class WithObjects(Unhook):
    """destroy --delete-data: the bucket goes with its objects (emptied first)."""


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    steps = []
    ours = {b.name for b in facts.config.buckets}   # a [buckets.NAME]: kinds/project_bucket.py makes it
    for bucket in sorted({t.bucket for t in want.fn.triggers} - ours):
        state = have.buckets.get(bucket)
        steps.append(Step(want.fn.key, NAME, bucket, "keep" if state and state.exists else "create"))
    return steps


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    a, j = ctx.aws, ctx.journal
    with ctx.s3_writes.lock(step.name):
        # Functions sharing a bucket each plan its creation: the first one does it.
        # (Asking again would succeed in us-east-1, which answers 200 to your own
        # bucket, and cost two round trips a function.)
        if step.name in ctx.buckets_made:
            return
        ctx.buckets_made.add(step.name)
        prior = j.get(NAME, step.name)
        if prior is None:
            j.record(NAME, step.name, "creating", function=want.fn.key)
        if s3mod.create_bucket(a.client("s3"), step.name, a.region, ctx.tags):
            j.record(NAME, step.name, "created", function=want.fn.key)
        elif prior is None:
            j.forget(NAME, step.name)  # it existed already: not ours to delete


def delete(ctx: Context, step: Step) -> Step:
    """Only planned for a bucket that is ours, empty (or emptied first: WithObjects)
    and holds nothing foreign (teardown.plan_buckets). Under the bucket's lock: an
    entry that another project's `up` wrote since, or an object that arrived since,
    keeps it, minus our entries (triggers/s3_write.py)."""
    s3, data = ctx.aws.client("s3"), step.data
    assert isinstance(data, Unhook)

    def remove() -> bool:
        if isinstance(data, WithObjects):
            s3mod.empty_bucket(s3, step.name)
        return delete_bucket(s3, step.name)

    kept = ctx.s3_writes.delete_bucket(s3, step.name, data.functions, data.observed, remove)
    return replace(step, action="skip", detail=kept) if kept else step


def bucket_tags(s3: Any, bucket: str) -> dict[str, str]:
    try:
        tagset = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except Exception as exc:
        if error_code(exc) in ("NoSuchTagSet", "NoSuchBucket", "NoSuchTagSetError"):
            return {}
        raise
    return {t["Key"]: t["Value"] for t in tagset}


def delete_bucket(s3: Any, bucket: str) -> bool:
    """Delete BUCKET; False if it is not empty (any more). A bucket already gone is deleted."""
    try:
        s3.delete_bucket(Bucket=bucket)
    except Exception as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            return True
        if code == "BucketNotEmpty":
            return False
        raise
    return True
