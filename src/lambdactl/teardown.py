"""destroy, planned like up: read what is there, decide (pure) what is ours to
remove and why, then carry it out, or only show it (`destroy --dry-run`).

Ownership is confirmed on each resource (core/ownership.py), never from the
journal alone: the journal says where to look. Each bucket's notification
configuration is written once, whatever the number of our functions on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl import functions as fnmod
from lambdactl import iam
from lambdactl.aws import error_code
from lambdactl.core import delete_order, ownership
from lambdactl.core.executor import run_graph, run_parallel
from lambdactl.core.step import Step
from lambdactl.kinds import KINDS
from lambdactl.kinds import bucket as bucket_kind
from lambdactl.kinds import url as url_kind
from lambdactl.kinds.s3_notification import Unhook
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.aws import Aws
    from lambdactl.core.context import Context


@dataclass(frozen=True)
class Target:
    """A function to take down: from the config, or only known from the journal."""

    key: str
    name: str
    role_name: str
    log_group: str
    buckets: tuple[str, ...]
    orphan: bool = False     # deployed, then removed from lambdactl.toml


def targets(ctx: Context, *, config: bool = True) -> list[Target]:
    """The config's functions (unless not CONFIG) and those only the journal knows
    (orphans); with neither (no lambdactl.toml, no journal), what discover() finds."""
    out: dict[str, Target] = {}
    if config:
        for fn in ctx.project.functions:
            out[fn.name] = Target(fn.key, fn.name, fn.role_name, fn.log_group,
                                  tuple(sorted({t.bucket for t in fn.triggers})))
    for key, entries in ctx.journal.by_function().items():
        for e in entries:
            if e["kind"] == "function" and e["name"] not in out:
                name = e["name"]
                buckets = tuple(sorted({x["bucket"] for x in entries if x["kind"] == "notification"}))
                out[name] = Target(key, name, f"{name}-role", f"/aws/lambda/{name}", buckets, orphan=True)
    if not out and not ctx.project.functions:
        return discover(ctx)
    return list(out.values())


def discover(ctx: Context) -> list[Target]:
    """The project's functions found by name (<project>-*) when nothing else knows them;
    their buckets from our S3 permissions (Sid lambdactl-s3-<bucket>). plan() then asks
    each one's tags: a name is where to look, not proof."""
    from lambdactl.kinds.s3_permission import observe_permissions

    lam, prefix = ctx.aws.client("lambda"), f"{ctx.project.name}-"
    names = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
             for f in page.get("Functions", []) if f["FunctionName"].startswith(prefix)]
    sids: dict[str, dict[str, Any]] = {}
    run_parallel([partial(observe_permissions, lam, n) for n in names],
                 [partial(sids.__setitem__, n) for n in names])
    return [Target(n.removeprefix(prefix), n, f"{n}-role", f"/aws/lambda/{n}",
                   tuple(sorted(sid.removeprefix("lambdactl-s3-") for sid in sids[n] if sid.startswith("lambdactl-s3-"))),
                   orphan=True) for n in names]


@dataclass(frozen=True)
class BucketFacts:
    name: str
    exists: bool
    tags: dict[str, str] = field(default_factory=dict)
    empty: bool = False
    notification: dict[str, Any] = field(default_factory=dict)
    journaled: bool = False
    generation: int = 0      # of the notification configuration (triggers/machine_lock.py)

    def observed(self) -> s3mod.BucketState:
        return s3mod.BucketState(self.name, self.exists, self.notification, self.generation)


@dataclass
class Found:
    """What destroy read: each target's function and role, each bucket."""

    functions: dict[str, fnmod.FunctionState | None] = field(default_factory=dict)
    roles: dict[str, iam.RoleState | None] = field(default_factory=dict)
    buckets: dict[str, BucketFacts] = field(default_factory=dict)
    journal: dict[str, dict[str, Any]] = field(default_factory=dict)
    in_use: set[str] = field(default_factory=set)   # buckets that stay whatever they hold
    # Log groups of functions that are gone but in the journal: their tags (None: no such group).
    log_groups: dict[str, dict[str, str] | None] = field(default_factory=dict)
    # destroy --delete-data: the objects in each bucket of ours that would go with them.
    objects: dict[str, int] = field(default_factory=dict)


def read_bucket(s3: Any, bucket: str, journaled: bool) -> BucketFacts:
    """Whether it exists, its tags, whether it is empty, its notification configuration."""
    parts: dict[str, Any] = {}
    try:
        run_parallel([lambda: s3mod.observe_bucket(s3, bucket), lambda: bucket_kind.bucket_tags(s3, bucket),
                      lambda: s3.list_object_versions(Bucket=bucket, MaxKeys=1)],
                     [partial(parts.__setitem__, k) for k in ("state", "tags", "listing")])
    except Exception as exc:
        if error_code(exc) == "NoSuchBucket":
            return BucketFacts(bucket, False, journaled=journaled)
        raise
    state, listing = parts["state"], parts["listing"]
    if not state.exists:
        return BucketFacts(bucket, False, journaled=journaled)
    empty = not (listing.get("Versions") or listing.get("DeleteMarkers"))
    return BucketFacts(bucket, True, parts["tags"], empty, state.notification, journaled, state.generation)


def with_client(aws: Aws, service: str, read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """READ(client, *ARGS, **KWARGS) with SERVICE's client, made in this thread if not yet."""
    return read(aws.client(service), *args, **kwargs)


def observe(ctx: Context, tgts: list[Target], *, prune: bool = False) -> Found:
    """Every read destroy needs, side by side: one round trip.

    PRUNE (orphans only): the buckets of the config's functions are not candidates."""
    a = ctx.aws
    found = Found(journal=ctx.journal.resources())
    buckets = {b for t in tgts for b in t.buckets}
    if prune:   # the config's functions still use these: our orphans' entries go, the bucket stays
        found.in_use = {t.bucket for fn in ctx.project.functions for t in fn.triggers}
    else:
        buckets |= {e["name"] for e in found.journal.values() if e["kind"] == "bucket"}
    # [buckets.NAME] (the config's, or the journal's when there is no config): kinds/project_bucket.py decides
    found.in_use |= {b.name for b in ctx.project.buckets} | {
        e["name"] for e in found.journal.values() if e["kind"] == "project_bucket"}
    reads: list[Callable[[], Any]] = []
    stores: list[Callable[[Any], None]] = []
    # Each read makes its client in its own thread (Aws.client: one at a time), so the
    # first requests leave once their client is made, not after all three. The buckets
    # first: three reads each, the slowest to answer.
    for b in sorted(buckets):
        reads.append(partial(with_client, a, "s3", read_bucket, b, f"bucket:{b}" in found.journal))
        stores.append(partial(found.buckets.__setitem__, b))
    region = a.region
    for t in tgts:
        reads += [partial(with_client, a, "lambda", fnmod.observe, t.name),
                  partial(with_client, a, "iam", iam.observe, t.role_name, region, policy=False)]
        stores += [partial(found.functions.__setitem__, t.name), partial(found.roles.__setitem__, t.name)]
    run_parallel(reads, stores)
    # Rare: a function gone, its log group in the journal. The group's tags say whose it is.
    orphaned = [t.log_group for t in tgts if found.functions.get(t.name) is None
                and f"log_group:{t.log_group}" in found.journal]
    run_parallel([partial(log_group_tags, a.client("logs"), g) for g in orphaned],
                 [partial(found.log_groups.__setitem__, g) for g in orphaned])
    return found


def count_held(ctx: Context, found: Found) -> None:
    """destroy --delete-data: how many objects each non-empty bucket of ours holds
    (it goes with them), side by side, into FOUND.objects."""
    held = [b for b, f in found.buckets.items() if f.exists and not f.empty and b not in found.in_use
            and ownership.is_ours(f.tags, ctx.project.name)]
    s3 = ctx.aws.client("s3")
    run_parallel([partial(s3mod.count_objects, s3, b) for b in held],
                 [partial(found.objects.__setitem__, b) for b in held])


def log_group_tags(logs: Any, name: str) -> dict[str, str] | None:
    try:
        return dict(logs.list_tags_log_group(logGroupName=name).get("tags") or {})
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


# -- decide (pure) ------------------------------------------------------------
def plan(tgts: list[Target], found: Found, project: str) -> list[Step]:
    """What destroy removes, and why each is ours; what it keeps, and why.

    Notification entries go first (one write a bucket); a function after the
    entries that point at it; log groups, roles and buckets meanwhile.
    """
    steps: list[Step] = []
    ours_fns: list[Target] = []
    for t in tgts:
        fstate, role = found.functions.get(t.name), found.roles.get(t.name)
        if fstate is not None and not ownership.is_ours(fstate.tags, project):
            # Not ours: nor are its log group, role or notification entries.
            steps.append(Step(t.key, "function", t.name, "skip",
                              detail=f"belongs to {ownership.whose(fstate.tags)}; left alone"))
            continue
        ours_fns.append(t)
    plan_buckets(ours_fns, found, project, steps)
    for t in ours_fns:
        fstate, role = found.functions.get(t.name), found.roles.get(t.name)
        orphan = "; no longer in lambdactl.toml" if t.orphan else ""
        if fstate is not None:
            steps.append(Step(t.key, "function", t.name, "delete",
                              detail=ownership.why_ours(project) + (", with its S3 permissions" if t.buckets else "") + orphan))
            steps += [Step(t.key, kind, name, "delete", detail="goes with the function")
                      for kind, name in published(found.journal, t.name)]
        steps += plan_log_group(t, fstate is not None, found, project)
        if role is not None:
            if ownership.is_ours(role.tags, project):
                steps.append(Step(t.key, "role", t.role_name, "delete", detail=ownership.why_ours(project)))
            else:
                steps.append(Step(t.key, "role", t.role_name, "skip",
                                  detail=f"belongs to {ownership.whose(role.tags)}; left alone"))
    return steps + url_kind.destroy_steps(found.journal, steps)


def published(journal: dict[str, dict[str, Any]], fn_name: str) -> list[tuple[str, str]]:
    """(kind, name) of the versions, aliases and async settings the journal says we made of FN_NAME."""
    return sorted((e["kind"], e["name"]) for e in journal.values()
                  if e.get("kind") in ("version", "alias", "async_config") and str(e.get("name", "")).startswith(f"{fn_name}:"))


def plan_log_group(t: Target, function_was_ours: bool, found: Found, project: str) -> list[Step]:
    """Our function's log group goes with it. Without the function, the group's own
    tags decide: ours, or untagged (Lambda made it for our function, which we
    adopted); another owner's tag keeps it. No function and no journal entry: no
    call, so a second destroy writes nothing."""
    if function_was_ours:
        return [Step(t.key, "log_group", t.log_group, "delete", detail="log group of our function")]
    if t.log_group not in found.log_groups:
        return []
    tags = found.log_groups[t.log_group]
    if tags is None:
        return []
    if ownership.owner(tags) not in (None, project):
        return [Step(t.key, "log_group", t.log_group, "skip", detail=f"belongs to {ownership.whose(tags)}; left alone")]
    why = ownership.why_ours(project) if ownership.is_ours(tags, project) else "untagged, named for our function"
    return [Step(t.key, "log_group", t.log_group, "delete", detail=f"{why} (journal)")]


def plan_buckets(ours: list[Target], found: Found, project: str, steps: list[Step]) -> None:
    """Per bucket: delete it (ours, empty, nothing foreign in it) or take our entries out
    (one write for all our functions). Appends to STEPS."""
    for b, facts in sorted(found.buckets.items()):
        if not facts.exists:
            continue
        names = [t.name for t in ours if b in t.buckets or facts.journaled]
        mine = [e for e in facts.notification.get("LambdaFunctionConfigurations", [])
                if ownership.entry_is_ours(e, names)]
        n = found.objects.get(b, 0)
        delete, why = ownership.bucket_verdict(
            facts.tags, facts.empty, ownership.foreign_entries(facts.notification, names), project, n)
        if delete and b not in found.in_use:
            how = bucket_kind.WithObjects if n else Unhook   # counted: not empty (count_held)
            steps.append(Step("", "bucket", b, "delete", detail=f"{why}; its notification configuration goes with it",
                              data=how(b, names, facts.observed())))
            continue
        if mine:
            users = sorted({n for n in names if any(ownership.entry_is_ours(e, [n]) for e in mine)})
            key = next((t.key for t in ours if t.name == users[0]), "") if len(users) == 1 else ""
            step = Step(key, "notification", f"s3://{b}", "delete",
                        detail=f"our entries for {', '.join(users)} (other entries kept)",
                        data=Unhook(b, users, facts.observed()))
            steps.append(step)
        if (ownership.is_ours(facts.tags, project) or facts.journaled) and b not in found.in_use:
            steps.append(Step("", "bucket", b, "skip", detail=why))


# -- execute ------------------------------------------------------------------
def calls(step: Step) -> int:
    """The calls in a row of STEP's delete: a role's are two (its inline policy, then the
    role), so it starts with the notification writes, not behind the log groups."""
    return 2 if step.kind == "role" else 1


def execute(ctx: Context, tgts: list[Target], found: Found, steps: list[Step],
            on_step: Callable[[Step, str], None] | None = None) -> list[Step]:
    """Carry out STEPS as one graph, each once what needs it is gone (core/delete_order.py);
    forget in the journal what is gone. Raises the first failure, after the others."""
    j = ctx.journal
    todo, needs = delete_order.order([s for s in steps if s.writes], {t.name: t.key for t in tgts})
    done: list[Step] = []
    carried: list[Step] = []   # TODO's steps that ended without error (a kept role reports a skip)

    def report(step: Step) -> None:
        done.append(step)
        if on_step:
            on_step(step, "done")

    def apply(step: Step, _: Callable[[], None]) -> None:
        result = KINDS[step.kind].delete(ctx, step)   # a sweep (staging) reports what it removed
        for s in result if isinstance(result, list) else [result]:
            report(s)
        carried.append(step)

    for step in steps:
        if not step.writes:
            report(step)
    failures = run_graph(todo, needs, apply, calls=calls)
    failed = {s.function for s in todo if s not in carried}
    forget: list[tuple[str, str]] = []
    for t in tgts:
        if t.key in failed:
            continue
        forget += [("function", t.name), ("log_group", t.log_group), ("role", t.role_name)]
        forget += [("notification", f"{b}#{t.name}") for b in t.buckets]
        forget += published(found.journal, t.name)
    gone = {b for b, f in found.buckets.items() if not f.exists}
    gone |= {s.name for s in done if s.kind == "bucket" and s.action == "delete"}
    j.forget_all(forget + [("bucket", b) for b in sorted(gone)])
    if failures:
        raise failures[0]
    return [s for s in done if s.writes or s.action == "skip"]
