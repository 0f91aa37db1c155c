"""A bucket's notification configuration, written by one lambdactl at a time on
this machine: an flock per (S3 endpoint, bucket) in $LAMBDACTL_HOME/locks.

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


def key(s3: Any) -> str:
    """Buckets are global per partition: every AWS endpoint shares one namespace."""
    url = str(getattr(s3.meta, "endpoint_url", "") or "")
    host = urlparse(url).hostname or ""
    return "aws" if host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn") else url


def path(s3: Any, bucket: str) -> Path:
    from lambdactl.paths import home_dir

    digest = hashlib.sha256(f"{key(s3)}|{bucket}".encode()).hexdigest()[:20]
    return Path(home_dir()) / "locks" / f"s3-{digest}.lock"


def generation(s3: Any, bucket: str) -> int:
    """The bucket's write generation now (no lock taken): 0 if never written here."""
    try:
        return int(path(s3, bucket).read_text(encoding="ascii") or 0)
    except (OSError, ValueError):
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
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o644)
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
                        raise
                    waited = True
                    time.sleep(0.02)
        raw = os.pread(fd, 32, 0)
        yield Held(int(raw or 0), waited, fd)
    finally:
        os.close(fd)   # closing drops the flock
