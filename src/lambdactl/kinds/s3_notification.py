"""Kind: our entries in a bucket's notification configuration (Id
lambdactl-<function>-<n>), merged with everything else in it (triggers/s3.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.core.step import Step
from lambdactl.kinds.s3_permission import permission_sid, remove_permission
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.config import Function
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
    drop: frozenset[str] = frozenset()    # the project's entries lambdactl.toml no longer has
    permission: str = ""                  # a trigger removed: its S3 permission goes too


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
    orphans = orphan_names(facts)
    steps = []
    for bucket in sorted({t.bucket for t in fn.triggers}):
        state = have.buckets.get(bucket)
        mine = [o for o, t in zip(ours, fn.triggers) if t.bucket == bucket]
        current = state.notification if state else {}
        drop = stale(facts, bucket, current)
        if state and state.exists:   # raises on overlap/squatting, before any write
            s3mod.merge(current, mine, fn.name, bucket, drop, orphans)
        action = "keep" if s3mod.ours_match(current, mine, fn.name) and not drop else (
            "update" if s3mod.our_entries_in(current, fn.name) or drop else "create")
        if action != "keep":
            refuse_other_region(bucket, have.bucket_regions.get(bucket), fn.name, facts.region)
        steps.append(Step(fn.key, NAME, f"s3://{bucket}", action, detail=", ".join(o["Id"] for o in mine),
                          data=NotificationData(mine, state, drop)))
    return steps + removed(fn, have)


def refuse_other_region(bucket: str, there: str | None, fn_name: str, region: str) -> None:
    """A bucket in another region (kept there, not empty, after the project moved; or a
    bucket of the user's): S3 would refuse our entry ("The notification destination
    service region is not valid for the bucket location constraint") after the function
    and its permission were made. Said before any write."""
    if there and there != region:
        from lambdactl.errors import ConfigError

        raise ConfigError(
            f"bucket {bucket} is in {there}: S3 notifies only functions of the bucket's own region, so {fn_name} "
            f"in {region} cannot be its trigger",
            f"if the project moved to {region}, empty and delete the bucket in {there} first "
            f"(`lambdactl --region {there} destroy --delete-data` if lambdactl made it), then `lambdactl up`; "
            f"else name a bucket in {region} (name = \"...\" in [buckets.NAME], or the trigger's bucket)")


def removed(fn: Function, have: Observed) -> list[Step]:
    """A bucket FN no longer has a trigger on whose configuration still holds FN's
    entries: they go (else uploads keep invoking it), and its S3 permission with them."""
    steps = []
    for bucket, state in sorted(have.buckets.items()):
        gone = s3mod.our_entries_in(state.notification, fn.name)
        if bucket in {t.bucket for t in fn.triggers} or not gone:
            continue
        sid = permission_sid(bucket)
        steps.append(Step(fn.key, NAME, f"s3://{bucket}", "delete",
                          detail=f"{', '.join(e['Id'] for e in gone)}: no longer a trigger in lambdactl.toml"
                                 + (f"; and the permission {sid}" if sid in have.permissions else ""),
                          data=NotificationData([], state, permission=sid if sid in have.permissions else "")))
    return steps


def stale(facts: Facts, bucket: str, current: dict[str, Any]) -> frozenset[str]:
    """Entries in BUCKET's configuration of this project's functions (lambdactl.toml's)
    that lambdactl.toml no longer has there: a trigger moved to another function goes
    in the same write as the one that replaces it (S3 refuses the two overlapping)."""
    want: dict[str, set[str]] = {f.name: {s3mod.notification_id(f, i) for i, t in enumerate(f.triggers) if t.bucket == bucket}
                                 for f in facts.config.functions}
    return frozenset(str(e.get("Id")) for e in current.get("LambdaFunctionConfigurations", [])
                     for name, ids in want.items() if s3mod.is_ours(e, name) and e.get("Id") not in ids)


def orphan_names(facts: Facts) -> list[str]:
    """The project's functions the journal knows that lambdactl.toml no longer has."""
    names = {f.name for f in facts.config.functions}
    return sorted(e["name"] for e in facts.journal.values() if e.get("kind") == "function" and e["name"] not in names)


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    bucket, fn, data = step.name.removeprefix("s3://"), want.fn, step.data
    assert isinstance(data, NotificationData)
    if step.action != "delete":
        ctx.journal.record(NAME, f"{bucket}#{fn.name}", "created", function=fn.key, bucket=bucket)
    ctx.s3_writes.update(ctx.aws.client("s3"), bucket, fn.name, data.ours,
                         observed=data.observed, sleep=ctx.sleep, drop=data.drop)
    if step.action == "delete":
        if data.permission:   # after the entry: S3 never holds one it may not invoke
            remove_permission(ctx.aws.client("lambda"), fn.name, data.permission)
        ctx.journal.forget(NAME, f"{bucket}#{fn.name}")


def delete(ctx: Context, step: Step) -> Step:
    data = step.data
    assert isinstance(data, Unhook)
    ctx.s3_writes.remove_entries(ctx.aws.client("s3"), data.bucket, data.functions, data.observed)
    return step
