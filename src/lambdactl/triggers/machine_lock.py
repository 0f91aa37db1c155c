"""A bucket's notification configuration, written by one lambdactl at a time on
this machine: an flock per (S3 endpoint, bucket) in a directory every user's runs
share (lock.LOCK_DIR, sticky and world-writable as /tmp is; $LAMBDACTL_LOCK_DIR if set).
A bucket is no user's: two projects with a LAMBDACTL_HOME each (two users, two CI
jobs) lost a trigger in most concurrent `up`s while the lock was in the home. Where
that directory cannot be used safely, the home's locks/ is.

PutBucketNotificationConfiguration replaces the whole configuration, so two
read-merge-writes that interleave lose one writer's entry. Threads of one run
are serialised by s3.bucket_lock; processes (two projects sharing a bucket) by
this lock. The file holds a generation, bumped by every write: a configuration
read at a generation that has not moved since is still current, so the usual
run re-reads nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from lambdactl.lock import directory, home_locks, open_shared


def key(s3: Any) -> str:
    """Buckets are global per partition: every AWS endpoint shares one namespace."""
    url = str(getattr(s3.meta, "endpoint_url", "") or "")
    host = urlparse(url).hostname or ""
    return "aws" if host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn") else url


def path(s3: Any, bucket: str) -> Path:
    digest = hashlib.sha256(f"{key(s3)}|{bucket}".encode()).hexdigest()[:20]
    return directory() / f"s3-{digest}.lock"


def _generation_in(raw: bytes) -> int:
    """The generation a lock file holds: 0 for a new one; -1 for one that is not a number
    (written by hand, or by another user: the directory is everyone's), which matches no
    configuration read before, so it is read again."""
    text = raw.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else (0 if not text else -1)


def _held_too_long(bucket: str, p: Path, timeout: float) -> Exception:
    from lambdactl.errors import LambdactlError

    return LambdactlError(f"bucket {bucket}: another process has held its notification lock {p} for {timeout:.0f} s",
                          "wait for the other lambdactl to finish, then run the command again")


def generation(s3: Any, bucket: str) -> int:
    """The bucket's write generation now (no lock taken): 0 if never written here."""
    try:
        return _generation_in(path(s3, bucket).read_bytes())
    except OSError:
        return 0


@dataclass
class Held:
    generation: int      # at the moment the lock was taken
    waited: bool         # another process held it: it may just have written
    fd: int

    def bump(self) -> None:
        """After a write: the next generation, for readers that read before it."""
        self.generation += 1
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(self.generation).encode("ascii"), 0)


@contextlib.contextmanager
def hold(s3: Any, bucket: str, *, timeout: float = 120.0) -> Iterator[Held]:
    p = path(s3, bucket)
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = open_shared(p)
    except OSError:   # another user's file, not writable, or a link: this user's own lock, as before
        p = home_locks() / p.name
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = open_shared(p)
    try:
        waited = False
        if sys.platform != "win32":
            import fcntl

            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _held_too_long(bucket, p, timeout) from None
                    waited = True
                    time.sleep(0.02)
        yield Held(_generation_in(os.pread(fd, 32, 0)), waited, fd)
    finally:
        os.close(fd)   # closing drops the flock
