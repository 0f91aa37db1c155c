"""S3 triggers: the bucket, Lambda's permission for S3, and the notification merge.

PutBucketNotificationConfiguration replaces the WHOLE configuration, so every
write here is read-merge-write, keeping each foreign entry exactly as read.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import error_code
from lambdactl.core.ownership import ENTRY_KINDS, entry_is_ours
from lambdactl.errors import AwsError, ConfigError, OwnershipError
from lambdactl.triggers import machine_lock
from lambdactl.triggers.rules import rules_overlap

if TYPE_CHECKING:
    from lambdactl.config import Function, Trigger

def notification_id(fn: Function, index: int) -> str:
    return f"lambdactl-{fn.name}-{index}"


# -- the notification configuration (pure) ------------------------------------
def our_entry(fn: Function, index: int, trig: Trigger, function_arn: str) -> dict[str, Any]:
    rules = []
    # moto 5.2 answers HTTP 500 to "Prefix"/"Suffix" (real S3 accepts any case):
    # always write the rule names lowercase.
    if trig.prefix:
        rules.append({"Name": "prefix", "Value": trig.prefix})
    if trig.suffix:
        rules.append({"Name": "suffix", "Value": trig.suffix})
    entry: dict[str, Any] = {
        "Id": notification_id(fn, index),
        "LambdaFunctionArn": function_arn,
        "Events": sorted(trig.events),
    }
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return entry


def _normalise_rules(entry: dict[str, Any]) -> dict[str, Any]:
    """S3 returns rule names as "Prefix"/"Suffix"; write them back lowercase (see our_entry)."""
    rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules")
    if not rules:
        return entry
    out = dict(entry)
    out["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]}}
    return out


def _rule(entry: dict[str, Any], name: str) -> str:
    for r in entry.get("Filter", {}).get("Key", {}).get("FilterRules", []):
        if r["Name"].lower() == name:
            return str(r["Value"])
    return ""


def clean(config: dict[str, Any]) -> dict[str, Any]:
    """Drop response metadata and empty lists from a GetBucketNotificationConfiguration answer."""
    out = {k: v for k, v in config.items() if k != "ResponseMetadata" and v not in ([], None)}
    return out


def is_ours(entry: dict[str, Any], fn_name: str) -> bool:
    return entry_is_ours(entry, [fn_name])


def merge(
    current: dict[str, Any], ours: list[dict[str, Any]], fn_name: str, bucket: str,
    drop: Collection[str] = (), orphans: Collection[str] = (),
) -> dict[str, Any]:
    """Replace our entries (by Id prefix) with OURS, keep every foreign entry as read
    but those whose Id is in DROP (this project's other functions' entries that
    lambdactl.toml no longer has: a trigger moved from one function to another).

    Raises OwnershipError if one of our Ids points elsewhere, and AwsError if one of
    ours overlaps a foreign rule (S3 would reject the whole configuration); ORPHANS,
    the project's functions no longer in lambdactl.toml, name the way out in that error.
    """
    current = clean(current)
    merged: dict[str, Any] = {k: v for k, v in current.items() if k not in ENTRY_KINDS}
    foreign: list[dict[str, Any]] = []
    for kind in ENTRY_KINDS:
        keep = []
        for entry in current.get(kind, []):
            if kind == "LambdaFunctionConfigurations" and entry.get("Id") in drop:
                continue
            if kind == "LambdaFunctionConfigurations" and is_ours(entry, fn_name):
                mine = {o["Id"]: o for o in ours}
                if entry["Id"] in mine and entry.get("LambdaFunctionArn") != mine[entry["Id"]]["LambdaFunctionArn"]:
                    _refuse_other_region(bucket, fn_name, str(entry.get("LambdaFunctionArn")),
                                         mine[entry["Id"]]["LambdaFunctionArn"])
                    raise OwnershipError(
                        f"bucket {bucket}: notification {entry['Id']!r} exists but targets "
                        f"{entry.get('LambdaFunctionArn')}; lambdactl will not modify it",
                        "remove it from the bucket or rename the function",
                    )
                continue
            keep.append(_normalise_rules(entry))
            foreign.append(entry)
        if kind == "LambdaFunctionConfigurations":
            keep.extend(ours)
        if keep:
            merged[kind] = keep
    for o in ours:
        for f in foreign:
            if rules_overlap(
                tuple(o["Events"]), _rule(o, "prefix"), _rule(o, "suffix"),
                tuple(f.get("Events", [])), _rule(f, "prefix"), _rule(f, "suffix"),
            ):
                target = f.get("LambdaFunctionArn") or f.get("QueueArn") or f.get("TopicArn")
                orphan = next((n for n in orphans if entry_is_ours(f, [n])), None)
                raise AwsError(
                    f"bucket {bucket}: our trigger {o['Id']!r} overlaps the existing notification "
                    f"{f.get('Id', '?')!r} -> {target} (same events and prefix/suffix); S3 rejects overlapping rules",
                    f"{orphan} is this project's, no longer in lambdactl.toml (renamed?): `lambdactl up --prune` "
                    "removes it and its trigger first" if orphan else
                    "give the trigger a disjoint prefix or suffix in lambdactl.toml"
                    + (" (that one is another lambdactl project's: a [project] name changed after up? "
                       "`lambdactl destroy --project OLD-NAME` removes it)" if str(f.get("Id")).startswith("lambdactl-")
                       else ""),
                )
    return merged


def _refuse_other_region(bucket: str, fn_name: str, have: str, want: str) -> None:
    """Our entry names the same function in another region: the project deployed there
    first, with this bucket. S3 notifies only functions of the bucket's own region (AWS
    answers "Unable to validate the following destination configurations"): say so."""
    h, w = have.split(":"), want.split(":")
    if len(h) == len(w) == 7 and h[:3] == w[:3] and h[4:] == w[4:] and h[3] != w[3]:
        raise ConfigError(
            f"bucket {bucket} already triggers {fn_name} in {h[3]}: S3 notifies only functions of the bucket's "
            f"own region, so the project in {w[3]} needs a bucket of its own",
            f"if the project moved to {w[3]}, remove it from {h[3]} first: `lambdactl --region {h[3]} destroy` "
            f"(the bucket goes too if lambdactl made it and it is empty), then `lambdactl up`; to keep both, "
            f"name another bucket for {w[3]} (name = \"...\" in [buckets.NAME], or the trigger's bucket), "
            "e.g. in a copy of the project kept for that region")


def canonical(config: dict[str, Any]) -> str:
    return json.dumps(clean(config), sort_keys=True)


def our_entries_in(config: dict[str, Any], fn_name: str) -> list[dict[str, Any]]:
    return [e for e in config.get("LambdaFunctionConfigurations", []) if is_ours(e, fn_name)]


def ours_match(current: dict[str, Any], ours: list[dict[str, Any]], fn_name: str) -> bool:
    have = sorted((_normalise_rules(e) for e in our_entries_in(current, fn_name)), key=lambda e: e["Id"])
    want = sorted(ours, key=lambda e: e["Id"])
    return json.dumps(have, sort_keys=True) == json.dumps(want, sort_keys=True)


# -- observe ------------------------------------------------------------------
@dataclass(frozen=True)
class BucketState:
    name: str
    exists: bool
    notification: dict[str, Any]
    generation: int = 0   # machine_lock's write generation when it was read


def observe_bucket(s3: Any, bucket: str) -> BucketState:
    """One read tells both whether the bucket exists and what it notifies."""
    gen = machine_lock.generation(s3, bucket)   # before the read: a write after it moves it
    try:
        resp = s3.get_bucket_notification_configuration(Bucket=bucket)
    except Exception as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            return BucketState(bucket, False, {}, gen)
        if code in ("AccessDenied", "403"):
            raise AwsError(
                f"bucket {bucket!r} exists but this account cannot read it (it may belong to another account)",
                "bucket names are global: choose another bucket name in lambdactl.toml",
            ) from exc
        raise
    return BucketState(bucket, True, clean(resp), gen)


def arn_regions(config: dict[str, Any]) -> set[str]:
    """The regions of the functions, queues and topics a notification configuration names
    (S3 accepts only destinations of its bucket's own region)."""
    return {str(e.get(k, "")).split(":")[3] for entries in config.values() if isinstance(entries, list)
            for e in entries if isinstance(e, dict)
            for k in ("LambdaFunctionArn", "QueueArn", "TopicArn") if str(e.get(k, "")).count(":") >= 5}


def bucket_region(s3: Any, bucket: str) -> str:
    """Where BUCKET lives. GetBucketLocation says None for us-east-1 and "EU" for eu-west-1."""
    loc = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(loc, loc)


# -- apply --------------------------------------------------------------------
def create_bucket(s3: Any, bucket: str, region: str, tags: dict[str, str]) -> bool:
    """Create the bucket with our tags; False if it already existed (and is ours to use).

    The tags go in the CreateBucket request itself: one round trip, and no moment
    when the bucket exists untagged (a crash there used to leave a bucket that
    nothing marked as ours).
    """
    tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
    config: dict[str, Any] = {"Tags": tag_set}
    if region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
        config["LocationConstraint"] = region
    try:
        try:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=config)
        except Exception as exc:
            # S3 took tags at CreateBucket only from 2025: an endpoint that predates it
            # (an S3-compatible store, a partition not yet updated) rejects the element,
            # and a policy written before then may allow s3:PutBucketTagging but not the
            # s3:TagResource that tags at create need. Create without them, then tag:
            # the two-call way. (No CreateBucket permission at all fails again, below.)
            if error_code(exc) not in TAGS_REJECTED:
                raise
            config.pop("Tags")
            s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": config} if config else {}))
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
    except Exception as exc:
        code = error_code(exc)
        if code == "BucketAlreadyOwnedByYou":
            return False
        if code == "BucketAlreadyExists":
            raise AwsError(
                f"bucket name {bucket!r} is taken by another AWS account",
                "bucket names are global: choose another in lambdactl.toml",
            ) from exc
        raise
    return True


# What an endpoint without CreateBucketConfiguration.Tags, or a caller without
# s3:TagResource, gets for it.
TAGS_REJECTED = frozenset({"MalformedXML", "InvalidArgument", "NotImplemented", "InvalidRequest", "AccessDenied"})


def count_objects(s3: Any, name: str) -> int:
    """Objects, versions and delete markers: what has to go before the bucket can."""
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=name)
    return sum(len(p.get("Versions", [])) + len(p.get("DeleteMarkers", [])) for p in pages)


def empty_bucket(s3: Any, name: str) -> None:
    """Delete every object, version and delete marker in NAME."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        objs = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if objs:   # at most 1000 a page, DeleteObjects' limit too
            s3.delete_objects(Bucket=name, Delete={"Objects": objs, "Quiet": True})
