"""S3 triggers: the bucket, Lambda's permission for S3, and the notification merge.

PutBucketNotificationConfiguration replaces the WHOLE configuration, so every
write here is read-merge-write, keeping each foreign entry exactly as read.
"""

from __future__ import annotations

import json
import random
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code, error_message
from lambdactl.config import rules_overlap
from lambdactl.core.ownership import ENTRY_KINDS, entry_is_ours
from lambdactl.errors import AwsError, OwnershipError
from lambdactl.triggers import machine_lock

if TYPE_CHECKING:
    from lambdactl.config import Function, Trigger

UNABLE_TO_VALIDATE = "Unable to validate the following destination configurations"
# One lock per bucket: functions deploy in parallel, and two read-merge-writes of
# the same bucket's configuration must not interleave (the second would drop the first).
_bucket_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
# What this run (this client) last wrote to each bucket, and the write generation
# it made (machine_lock): a later merge in the same run starts from it instead of a
# read made before that write (which would drop it).
_last_written: weakref.WeakKeyDictionary[Any, dict[str, tuple[dict[str, Any], int]]] = weakref.WeakKeyDictionary()
VERIFY_ATTEMPTS = 3


def bucket_lock(bucket: str) -> threading.Lock:
    return _bucket_locks[bucket]


def notification_id(fn: Function, index: int) -> str:
    return f"lambdactl-{fn.name}-{index}"


def permission_sid(bucket: str) -> str:
    return f"lambdactl-s3-{bucket}"


def bucket_arn(bucket: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{bucket}"


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
    current: dict[str, Any], ours: list[dict[str, Any]], fn_name: str, bucket: str
) -> dict[str, Any]:
    """Replace our entries (by Id prefix) with OURS, keep every foreign entry as read.

    Raises OwnershipError if one of our Ids points elsewhere, and AwsError if one of
    ours overlaps a foreign rule (S3 would reject the whole configuration).
    """
    current = clean(current)
    merged: dict[str, Any] = {k: v for k, v in current.items() if k not in ENTRY_KINDS}
    foreign: list[dict[str, Any]] = []
    for kind in ENTRY_KINDS:
        keep = []
        for entry in current.get(kind, []):
            if kind == "LambdaFunctionConfigurations" and is_ours(entry, fn_name):
                mine = {o["Id"]: o for o in ours}
                if entry["Id"] in mine and entry.get("LambdaFunctionArn") != mine[entry["Id"]]["LambdaFunctionArn"]:
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
                raise AwsError(
                    f"bucket {bucket}: our trigger {o['Id']!r} overlaps the existing notification "
                    f"{f.get('Id', '?')!r} -> {target} (same events and prefix/suffix); S3 rejects overlapping rules",
                    "give the trigger a disjoint prefix or suffix in lambdactl.toml",
                )
    return merged


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


def observe_permissions(lam: Any, fn_name: str) -> dict[str, dict[str, Any]]:
    """Statements of the function's resource policy, by Sid."""
    try:
        policy = json.loads(lam.get_policy(FunctionName=fn_name)["Policy"])
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {}
        raise
    return {st.get("Sid", ""): st for st in policy.get("Statement", [])}


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


def add_permission(lam: Any, fn_name: str, want: dict[str, Any], replace: bool) -> None:
    if replace:
        remove_permission(lam, fn_name, want["StatementId"])
    try:
        lam.add_permission(FunctionName=fn_name, **want)
    except Exception as exc:
        # A statement with this Sid already there (a concurrent run): it is ours.
        if error_code(exc) != "ResourceConflictException":
            raise


def remove_permission(lam: Any, fn_name: str, sid: str) -> bool:
    return deleted(lambda: lam.remove_permission(FunctionName=fn_name, StatementId=sid),
                   "ResourceNotFoundException")


def put_notification(
    s3: Any,
    bucket: str,
    config: dict[str, Any],
    *,
    sleep: Callable[[float], None] = time.sleep,
    budget: float = 20.0,
) -> None:
    # S3 checks it may invoke the function; a just-added permission may not have
    # propagated yet: "Unable to validate the following destination configurations".
    delay, waited = 0.25, 0.0
    while True:
        try:
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration=config
            )
            return
        except Exception as exc:
            if UNABLE_TO_VALIDATE not in error_message(exc) or waited + delay > budget:
                if UNABLE_TO_VALIDATE in error_message(exc):
                    raise AwsError(
                        f"S3 could not validate the notification of bucket {bucket} after {budget:.0f} s",
                        "check that the function exists and allows s3.amazonaws.com to invoke it "
                        "(`lambdactl wire` adds that permission)",
                        code=error_code(exc),
                    ) from exc
                raise
            sleep(delay * random.uniform(0.8, 1.0))
            waited += delay
            delay = min(delay * 2, 2.0)


class _Batch:
    """Entries of several functions waiting to be written to one bucket."""

    def __init__(self) -> None:
        self.entries: dict[str, list[dict[str, Any]]] = {}
        self.done = threading.Event()
        self.errors: dict[str, BaseException] = {}
        self.changed: set[str] = set()


_batches: dict[tuple[int, str], _Batch] = {}
_batches_lock = threading.Lock()


def update_notification(
    s3: Any,
    bucket: str,
    fn_name: str,
    ours: list[dict[str, Any]],
    *,
    observed: BucketState | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Merge ours into the configuration (OBSERVED if still current), write if it changed.

    Functions deploy side by side and often share a bucket: whoever holds the
    bucket's lock writes the entries of every function that arrived meanwhile in
    one PUT (a group commit), so N functions cost a few writes, not N round trips
    in a row. Returns True if our entries changed.
    """
    key = (id(s3), bucket)
    with _batches_lock:
        batch = _batches.setdefault(key, _Batch())
        batch.entries[fn_name] = ours
    with bucket_lock(bucket):
        with _batches_lock:
            if _batches.get(key) is batch:
                del _batches[key]  # ours to write; later arrivals start a new batch
                mine = True
            else:
                mine = False
        if mine:
            try:
                _write_batch(s3, bucket, batch, observed, sleep)
            except BaseException as exc:  # interrupted: nobody in the batch may think it is done
                for name in set(batch.entries) - batch.changed:
                    batch.errors.setdefault(name, exc)
                raise
            finally:
                batch.done.set()
    batch.done.wait()
    if fn_name in batch.errors:
        raise batch.errors[fn_name]
    return fn_name in batch.changed


def _write_batch(s3: Any, bucket: str, batch: _Batch, observed: BucketState | None,
                 sleep: Callable[[float], None]) -> None:
    """One PUT for the whole batch; if it fails, one PUT each, so that one
    function's bad entry fails that function only."""
    groups = [sorted(batch.entries)]
    while groups:
        names = groups.pop(0)
        changed: set[str] = set()

        def change(current: dict[str, Any], names: list[str] = names, changed: set[str] = changed) -> dict[str, Any]:
            changed.clear()
            for name in names:
                if not ours_match(current, batch.entries[name], name):
                    current = merge(current, batch.entries[name], name, bucket)
                    changed.add(name)
            return current

        try:
            rewrite(s3, bucket, change, observed, sleep=sleep)
            batch.changed |= changed
        except Exception as exc:
            if len(names) > 1:
                groups += [[name] for name in names]
            else:
                batch.errors[names[0]] = exc


def rewrite(s3: Any, bucket: str, change: Callable[[dict[str, Any]], dict[str, Any]],
            observed: BucketState | None, *, sleep: Callable[[float], None] = time.sleep) -> bool:
    """Read-merge-write BUCKET's configuration, one lambdactl at a time on this machine
    (the caller holds bucket_lock: one thread at a time in this run). CHANGE(current)
    gives the new configuration; it is written if it differs. True if written.

    When another writer was about (the generation moved since OBSERVED, or the lock
    was held), the write is read back: an entry we wrote that is missing, ours or
    not, means a writer from elsewhere raced us; merge again (bounded).
    """
    with machine_lock.hold(s3, bucket) as held:
        current, raced = _current(s3, bucket, observed, held)
        raced = raced or held.waited
        for _ in range(VERIFY_ATTEMPTS):
            merged = change(current)
            if canonical(merged) == canonical(current):
                return False
            put_notification(s3, bucket, merged, sleep=sleep)
            held.bump()
            _last_written.setdefault(s3, {})[bucket] = (merged, held.generation)
            if not raced:
                return True
            current = observe_bucket(s3, bucket).notification
            if not _missing(merged, current):
                return True
        raise AwsError(f"bucket {bucket}: its notification configuration kept changing while lambdactl wrote it",
                       "another tool is writing it at the same time; run the command again")


def _current(s3: Any, bucket: str, observed: BucketState | None,
             held: machine_lock.Held) -> tuple[dict[str, Any], bool]:
    """The configuration as it is now, without a read when nothing wrote since it was
    last seen; -> (configuration, whether a write from elsewhere had to be read)."""
    last = _last_written.get(s3, {}).get(bucket)
    if last is not None and last[1] == held.generation:
        return last[0], False
    if last is None and observed is not None and observed.generation == held.generation:
        return observed.notification, False
    return observe_bucket(s3, bucket).notification, last is not None or observed is not None


def _missing(wrote: dict[str, Any], now: dict[str, Any]) -> list[str]:
    have = {e.get("Id") for kind in ENTRY_KINDS for e in now.get(kind) or []}
    return [str(e.get("Id")) for kind in ENTRY_KINDS for e in wrote.get(kind) or [] if e.get("Id") not in have]


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
