"""Kind: a bucket the project owns that is not (only) a trigger ([buckets.NAME]):
created tagged, with versioning, an expiry rule and the public access block.

A project-level kind like kinds/table.py: planned once per run, before the
function chains. A trigger names one with bucket = "${buckets.NAME}".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl.aws import error_code
from lambdactl.core import ownership
from lambdactl.core.data import plan_each, section
from lambdactl.core.executor import run_parallel
from lambdactl.core.step import Step
from lambdactl.errors import OwnershipError
from lambdactl.kinds.bucket import WithObjects, bucket_tags
from lambdactl.kinds.bucket import delete as delete_bucket
from lambdactl.kinds.s3_notification import Unhook
from lambdactl.spec import bucket_name_problem
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.observe import Observed

NAME = "project_bucket"
NEEDS: tuple[str, ...] = ()
SCOPE = "project"
ALONGSIDE = True   # its name and ARN are computed; an S3 notification waits for it (s3_notification.create_after)

KEYS = {"name", "versioning", "expire_days", "block_public_access"}
RULE_ID = "lambdactl-expire"     # our lifecycle rule; the others are kept
BLOCK_ALL = {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
TRIGGER_REF = re.compile(r"^\$\{buckets\.([^}.]+)\}$")


@dataclass(frozen=True)
class ProjectBucket:
    key: str                       # the name in [buckets.KEY]
    name: str                      # <project>-<key>, or `name`
    versioning: bool = False
    expire_days: int = 0           # 0: no expiry rule
    block_public_access: bool = True


@dataclass(frozen=True)
class BucketSettings:
    name: str
    tags: dict[str, str]
    versioning: bool
    expire_days: int
    rules: tuple[dict[str, Any], ...]   # every lifecycle rule (ours by RULE_ID)
    block_public_access: bool


@dataclass(frozen=True)
class BucketData:
    bucket: ProjectBucket
    have: BucketSettings | None


# -- [buckets.NAME] -----------------------------------------------------------
def parse(add: Callable[[str, str], None], data: dict[str, Any], project: str) -> tuple[ProjectBucket, ...]:
    """Every [buckets.NAME]; and each trigger's bucket = "${buckets.NAME}" replaced in
    DATA by that bucket's name (an unknown one reported). ADD(where, message)."""
    tbl = data.get("buckets", {})
    if not isinstance(tbl, dict):
        add("[buckets]", "must be tables [buckets.NAME]")
        return ()
    out = tuple(b for key, section in tbl.items() if (b := _parse_one(add, key, section, project)))
    names = {b.key: b.name for b in out}
    functions = data.get("functions")
    for fkey, fn in (functions.items() if isinstance(functions, dict) else ()):   # [functions] reports a bad shape
        triggers = fn.get("triggers") if isinstance(fn, dict) else None
        for i, t in enumerate(triggers if isinstance(triggers, list) else []):   # a bad shape: reported there
            if isinstance(t, dict) and isinstance(t.get("bucket"), str) and (m := TRIGGER_REF.match(t["bucket"])):
                if m.group(1) in names:
                    t["bucket"] = names[m.group(1)]
                elif m.group(1) in tbl:   # declared, but refused above: said once, there
                    t["bucket"] = "refused-bucket-name"
                else:
                    add(f"functions.{fkey}.triggers[{i}].bucket", f"unknown reference {t['bucket']}; known: "
                        f"{', '.join(f'${{buckets.{k}}}' for k in names) or 'none (declare [buckets.NAME])'}")
    return out


def _parse_one(add: Callable[[str, str], None], key: str, t: Any, project: str) -> ProjectBucket | None:
    where = f"buckets.{key}"
    if not section(add, where, t, KEYS, "a table (it may be empty: [buckets.NAME])"):
        return None
    name, versioning = t.get("name", f"{project}-{key}".lower()), t.get("versioning", False)
    expire, block = t.get("expire_days", 0), t.get("block_public_access", True)
    ok = (problem := bucket_name_problem(name)) is None
    if problem:
        add(f"{where}.name", problem + ("" if "name" in t else f" (made of [project] name and the key {key!r}): "
                                        f"name the bucket with name = \"...\" in [{where}]"))
    for field, v in (("versioning", versioning), ("block_public_access", block)):
        if not isinstance(v, bool):
            ok = False
            add(f"{where}.{field}", f"must be true or false, got {v!r}")
    if isinstance(expire, bool) or not isinstance(expire, int) or expire < 0:
        ok = False
        add(f"{where}.expire_days", f"must be a number of days >= 1 (0 or absent: objects never expire), got {expire!r}")
    return ProjectBucket(key, str(name), versioning, expire, block) if ok else None


# -- observe / plan -------------------------------------------------------------
def observe(s3: Any, name: str, also: Callable[[s3mod.BucketState], None] | None = None) -> BucketSettings | None:
    """Exists? Its tags, versioning, lifecycle rules, public access block: one round trip.
    ALSO gets what was read of its notification configuration (a trigger's bucket too)."""
    parts: dict[str, Any] = {}
    calls: dict[str, Callable[[], Any]] = {"state": partial(s3mod.observe_bucket, s3, name), "tags": partial(bucket_tags, s3, name),
             "versioning": partial(_quiet, s3.get_bucket_versioning, name),
             "lifecycle": partial(_quiet, s3.get_bucket_lifecycle_configuration, name),
             "block": partial(_quiet, s3.get_public_access_block, name)}
    run_parallel(list(calls.values()), [partial(parts.__setitem__, k) for k in calls])
    if also:
        also(parts["state"])
    if not parts["state"].exists:
        return None
    rules = tuple((parts["lifecycle"] or {}).get("Rules", []))
    ours = next((r for r in rules if r.get("ID") == RULE_ID), None)
    block = (parts["block"] or {}).get("PublicAccessBlockConfiguration") or {}
    return BucketSettings(name, parts["tags"], (parts["versioning"] or {}).get("Status") == "Enabled",
                          int((ours or {}).get("Expiration", {}).get("Days", 0)), rules,
                          all(block.get(k) for k in BLOCK_ALL))


def _quiet(call: Callable[..., Any], name: str) -> dict[str, Any] | None:
    """A setting never made (NoSuchLifecycleConfiguration, ...) or a bucket gone: None."""
    try:
        return dict(call(Bucket=name))
    except Exception as exc:
        if error_code(exc).startswith("NoSuch"):
            return None
        raise


def plan(facts: Facts, want: object, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    return [_plan_one(facts, b, have.project_buckets.get(b.key)) for b in facts.config.buckets]


def _plan_one(facts: Facts, b: ProjectBucket, s: BucketSettings | None) -> Step:
    if s is None:
        what = [*(["versioning"] if b.versioning else []), *([f"objects expire after {b.expire_days} days"] if b.expire_days else []),
                "public access blocked" if b.block_public_access else "public access not blocked"]
        return Step("", NAME, b.name, "create", drift(b, None), ", ".join(what), data=BucketData(b, None))
    if not ownership.is_ours(s.tags, facts.project):
        raise OwnershipError(f"bucket {b.name!r} already exists and belongs to {ownership.whose(s.tags)}; "
                             "lambdactl will not modify it",
                             f"set name = \"...\" in [buckets.{b.key}] for a bucket of its own")
    fields = drift(b, s)
    return Step("", NAME, b.name, "update" if fields else "keep", fields, data=BucketData(b, s))


def drift(b: ProjectBucket, s: BucketSettings | None) -> tuple[str, ...]:
    """The settings to write: all that differ (for a new bucket, all but the defaults')."""
    v, e, p = (s.versioning, s.expire_days, s.block_public_access) if s else (False, 0, False)
    return tuple(f for f, differs in (("versioning", v != b.versioning), ("expire_days", e != b.expire_days),
                                      ("block_public_access", p != b.block_public_access)) if differs)


# -- apply / delete -------------------------------------------------------------
def apply(ctx: Context, want: object, step: Step, ready: Callable[[], None]) -> None:
    data, j, s3 = step.data, ctx.journal, ctx.aws.client("s3")
    assert isinstance(data, BucketData)
    b = data.bucket
    if step.action == "create":
        j.record(NAME, b.name, "creating")
        s3mod.create_bucket(s3, b.name, ctx.aws.region, ctx.tags)
        j.record(NAME, b.name, "created")
    if "versioning" in step.fields:   # a versioned bucket can be suspended, never unversioned
        s3.put_bucket_versioning(Bucket=b.name, VersioningConfiguration={
            "Status": "Enabled" if b.versioning else "Suspended"})
    if "expire_days" in step.fields:
        # The lifecycle configuration is replaced whole: keep every rule but ours.
        rules = [r for r in (data.have.rules if data.have else ()) if r.get("ID") != RULE_ID]
        if b.expire_days:
            rules.append({"ID": RULE_ID, "Status": "Enabled", "Filter": {"Prefix": ""},
                          "Expiration": {"Days": b.expire_days}})
        if rules:
            s3.put_bucket_lifecycle_configuration(Bucket=b.name, LifecycleConfiguration={"Rules": rules})
        else:
            s3.delete_bucket_lifecycle(Bucket=b.name)
    if "block_public_access" in step.fields:
        if b.block_public_access:
            s3.put_public_access_block(Bucket=b.name, PublicAccessBlockConfiguration=BLOCK_ALL)
        else:
            s3.delete_public_access_block(Bucket=b.name)


def delete(ctx: Context, step: Step) -> Step:
    """Planned only for a bucket ours, and empty or under --delete-data (then emptied);
    carried out as a trigger's bucket is (kinds/bucket.py: under the bucket's lock)."""
    step = delete_bucket(ctx, step)
    if step.action == "delete":
        ctx.journal.forget(NAME, step.name)
    return step


def destroy_step(name: str, s: BucketSettings | None, count: int, project: str, delete_data: bool,
                 foreign: list[str] | None = None) -> Step | None:
    """destroy's decision for one bucket (pure): ours by tag, no notification entry that
    is not ours (FOREIGN: theirs would go with it), and empty or DELETE_DATA."""
    if s is None:
        return None
    if not ownership.is_ours(s.tags, project):
        return Step("", NAME, name, "skip", detail=f"kept (belongs to {ownership.whose(s.tags)})")
    if foreign:
        return Step("", NAME, name, "skip", detail=ownership.kept_for(foreign))
    if count and not delete_data:
        return Step("", NAME, name, "skip", detail=f"kept (holds {count} object(s): `lambdactl destroy "
                                                     "--delete-data` deletes it with its objects)")
    return Step("", NAME, name, "delete", detail=ownership.why_ours(project) + (
        f", with its {count} object(s)" if count else ", empty"), data=bool(count))


def plan_destroy(ctx: Context, delete_data: bool, fn_names: list[str], only: set[str] | None = None) -> list[Step]:
    """The config's and the journal's buckets (or ONLY these): read (with an object count),
    decided. Entries of FN_NAMES (the functions destroy takes down) are ours; any other is not."""
    names = {b.name for b in ctx.project.buckets} | {
        e["name"] for e in ctx.journal.resources().values() if e["kind"] == NAME}
    names = {n for n in names if only is None or n in only}

    def one(name: str) -> Step | None:
        s3, read = ctx.aws.client("s3"), list[s3mod.BucketState]()
        s = observe(s3, name, read.append)
        foreign = ownership.foreign_entries(read[0].notification, fn_names)
        ours = s is not None and ownership.is_ours(s.tags, ctx.project.name) and not foreign
        count = s3mod.count_objects(s3, name) if ours else 0
        step = destroy_step(name, s, count, ctx.project.name, delete_data, foreign)
        how = WithObjects if count else Unhook
        return replace(step, data=how(name, fn_names, read[0])) if step and step.action == "delete" else step

    return plan_each(names, one)
