"""Writing a bucket's notification configuration: read-merge-write, one writer at a
time (threads of a run: bucket_lock; processes on this machine: machine_lock), a
group commit for the functions of one run, and a read-back when another writer
was about.

PutBucketNotificationConfiguration replaces the WHOLE configuration, so every
write here is read-merge-write, keeping each foreign entry exactly as read.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from lambdactl.aws import error_code, error_message
from lambdactl.core.ownership import ENTRY_KINDS, foreign_entries, kept_for
from lambdactl.errors import AwsError
from lambdactl.triggers import machine_lock
from lambdactl.triggers.s3 import BucketState, canonical, merge, observe_bucket, ours_match

UNABLE_TO_VALIDATE = "Unable to validate the following destination configurations"
VERIFY_ATTEMPTS = 3


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
                if error_code(exc) == "NoSuchBucket":   # another project's destroy took it since our read
                    raise AwsError(f"bucket {bucket} was deleted while lambdactl wired it (a destroy at the same time?)",
                                   "run `lambdactl up` again: it makes the bucket", code="NoSuchBucket") from exc
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
        self.drop: set[str] = set()   # entries lambdactl.toml no longer has (merge's DROP)


class Writes:
    """One run's writes to bucket notification configurations (Context.s3_writes)."""

    def __init__(self) -> None:
        # One lock per bucket: functions deploy in parallel, and two read-merge-writes of
        # the same bucket's configuration must not interleave (the second would drop the first).
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        # What this run last wrote to each bucket, and the write generation it made
        # (machine_lock): a later merge starts from it instead of a read made before
        # that write (which would drop it).
        self._last: dict[str, tuple[dict[str, Any], int]] = {}
        self._batches: dict[str, _Batch] = {}
        self._batches_lock = threading.Lock()

    def lock(self, bucket: str) -> threading.Lock:
        return self._locks[bucket]

    def update(self, s3: Any, bucket: str, fn_name: str, ours: list[dict[str, Any]], *,
               observed: BucketState | None = None, sleep: Callable[[float], None] = time.sleep,
               drop: frozenset[str] = frozenset()) -> bool:
        """Merge ours into the configuration (OBSERVED if still current), write if it changed.

        Functions deploy side by side and often share a bucket: whoever holds the
        bucket's lock writes the entries of every function that arrived meanwhile in
        one PUT (a group commit), so N functions cost a few writes, not N round trips
        in a row. Returns True if our entries changed.
        """
        with self._batches_lock:
            batch = self._batches.setdefault(bucket, _Batch())
            batch.entries[fn_name] = ours
            batch.drop |= drop
        with self.lock(bucket):
            with self._batches_lock:
                mine = self._batches.get(bucket) is batch
                if mine:
                    del self._batches[bucket]  # ours to write; later arrivals start a new batch
            if mine:
                try:
                    self._write_batch(s3, bucket, batch, observed, sleep)
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

    def _write_batch(self, s3: Any, bucket: str, batch: _Batch, observed: BucketState | None,
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
                    if not ours_match(current, batch.entries[name], name) or _holds(current, batch.drop):
                        current = merge(current, batch.entries[name], name, bucket, batch.drop)
                        changed.add(name)
                return current

            try:
                self.rewrite(s3, bucket, change, observed, sleep=sleep)
                batch.changed |= changed
            except Exception as exc:
                if len(names) > 1:
                    groups += [[name] for name in names]
                else:
                    batch.errors[names[0]] = exc

    def rewrite(self, s3: Any, bucket: str, change: Callable[[dict[str, Any]], dict[str, Any]],
                observed: BucketState | None, *, sleep: Callable[[float], None] = time.sleep) -> bool:
        """Read-merge-write BUCKET's configuration, one lambdactl at a time on this machine
        (the caller holds lock(bucket): one thread at a time in this run). CHANGE(current)
        gives the new configuration; it is written if it differs. True if written.

        When another writer was about (the generation moved since OBSERVED, or the lock
        was held), the write is read back: an entry we wrote that is missing, ours or
        not, means a writer from elsewhere raced us; merge again (bounded).
        """
        with machine_lock.hold(s3, bucket) as held:
            current, raced = self._current(s3, bucket, observed, held)
            raced = raced or held.waited
            for _ in range(VERIFY_ATTEMPTS):
                merged = change(current)
                if canonical(merged) == canonical(current):
                    return False
                put_notification(s3, bucket, merged, sleep=sleep)
                held.bump()
                self._last[bucket] = (merged, held.generation)
                if not raced:
                    return True
                current = observe_bucket(s3, bucket).notification
                if not _missing(merged, current):
                    return True
            raise AwsError(f"bucket {bucket}: its notification configuration kept changing while lambdactl wrote it",
                           "another tool is writing it at the same time; run the command again")

    def remove_entries(self, s3: Any, bucket: str, fn_names: list[str], observed: BucketState | None) -> None:
        """Take FN_NAMES' entries out of BUCKET's notification configuration: one write."""
        with self.lock(bucket):
            self.rewrite(s3, bucket, partial(_without, bucket, fn_names), observed)

    def delete_bucket(self, s3: Any, bucket: str, fn_names: list[str], observed: BucketState | None,
                      remove: Callable[[], bool]) -> str | None:
        """destroy: REMOVE() the bucket (False: not empty), under its machine lock, unless a
        writer from elsewhere added an entry not of FN_NAMES since OBSERVED (a project wiring
        it at this moment: their trigger would go with the bucket); then only ours come out.
        -> None when it went, else why it was kept."""
        with self.lock(bucket):
            with machine_lock.hold(s3, bucket) as held:
                current, _ = self._current(s3, bucket, observed, held)   # re-read only if written since
                foreign = foreign_entries(current, fn_names)
                if not foreign and remove():
                    held.bump()   # a writer that read it before finds it gone
                    return None
            self.rewrite(s3, bucket, partial(_without, bucket, fn_names), None)
        return kept_for(foreign) if foreign else "kept (an object arrived meanwhile)"

    def _current(self, s3: Any, bucket: str, observed: BucketState | None,
                 held: machine_lock.Held) -> tuple[dict[str, Any], bool]:
        """The configuration as it is now, without a read when nothing wrote since it was
        last seen; -> (configuration, whether a write from elsewhere had to be read)."""
        last = self._last.get(bucket)
        if last is not None and last[1] == held.generation:
            return last[0], False
        if last is None and observed is not None and observed.generation == held.generation:
            return observed.notification, False
        return observe_bucket(s3, bucket).notification, last is not None or observed is not None


def _without(bucket: str, fn_names: list[str], current: dict[str, Any]) -> dict[str, Any]:
    for name in fn_names:
        current = merge(current, [], name, bucket)
    return current


def _missing(wrote: dict[str, Any], now: dict[str, Any]) -> list[str]:
    have = {e.get("Id") for kind in ENTRY_KINDS for e in now.get(kind) or []}
    return [str(e.get("Id")) for kind in ENTRY_KINDS for e in wrote.get(kind) or [] if e.get("Id") not in have]


def _holds(config: dict[str, Any], ids: set[str]) -> bool:
    return any(e.get("Id") in ids for e in config.get("LambdaFunctionConfigurations") or [])
