"""Objects in the project's buckets: `download` fetches one, `rm` deletes one.

A bucket is named as the config names it: a [buckets.NAME] key (``charts``), or
a bucket name. `rm` deletes only from buckets the project declares (its
[buckets.NAME] and its triggers' buckets); `download` reads any bucket.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lambdactl.aws import error_code, translate
from lambdactl.errors import AwsError, ConfigError, LambdactlError
from lambdactl.suggest import known

if TYPE_CHECKING:
    from lambdactl.config import Project


def declared(project: Project) -> dict[str, str]:
    """Every bucket the project declares: [buckets.NAME] by key and by name, trigger buckets by name."""
    out = {t.bucket: t.bucket for fn in project.functions for t in fn.triggers}
    for b in project.buckets:
        out |= {b.key: b.name, b.name: b.name}
    return out


def bucket(project: Project | None, name: str, *, owned: bool = False) -> str:
    """The bucket NAME stands for; with OWNED, it must be one the project declares."""
    buckets = declared(project) if project else {}
    if name in buckets:
        return buckets[name]
    if owned:
        raise ConfigError(f"bucket {name!r} is not one of this project's buckets",
                          f"lambdactl rm deletes only from the project's buckets; {known(name, sorted(buckets))}")
    return name


@contextmanager
def _calls_on(bucket: str, key: str) -> Iterator[None]:
    """S3's errors on s3://BUCKET/KEY in the block, said for that object. Anything else
    (a key that is not UTF-8, say) goes on as it is, to cli.py's one translation."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith("botocore"):
            raise
        raise _missing(exc, bucket, key) from exc


def _missing(exc: Exception, bucket: str, key: str) -> LambdactlError:
    code = error_code(exc)
    if code == "NoSuchBucket":
        return AwsError(f"bucket {bucket} does not exist", "run `lambdactl up` first", code=code)
    if code in ("NoSuchKey", "404", "NotFound"):
        return AwsError(f"s3://{bucket}/{key} does not exist",
                        f"check the key: `aws s3 ls s3://{bucket}/` lists them", code="NoSuchKey")
    return translate(exc) or AwsError(str(exc))


def destination(key: str, dest: str | None) -> Path:
    """DEST as a file path: the key's last part in DEST when it is a directory (or omitted)."""
    name = key.rsplit("/", 1)[-1]
    if not name:
        raise ConfigError(f"key {key!r} names a folder, not an object", "pass the key of one object")
    if dest is None:
        return Path(name)
    path = Path(dest)
    return path / name if path.is_dir() else path


def download(s3: Any, bucket: str, key: str, dest: Path | BinaryIO) -> int:
    """Stream s3://BUCKET/KEY into DEST (a path, written whole or not at all, or a
    binary stream); the number of bytes."""
    with _calls_on(bucket, key):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    if not isinstance(dest, Path):
        shutil.copyfileobj(body, dest, 1 << 20)
        dest.flush()
        return int(dest.tell()) if dest.seekable() else -1
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as f:
            shutil.copyfileobj(body, f, 1 << 20)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest.stat().st_size


def delete(s3: Any, bucket: str, key: str) -> int:
    """Delete s3://BUCKET/KEY (S3 answers 204 for a key that is not there: asked first);
    the size it had."""
    with _calls_on(bucket, key):
        try:
            size = int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except Exception as exc:
            if error_code(exc) not in ("404", "NotFound"):
                raise
            # A HEAD's 404 has no body, so no NoSuchBucket: a listing tells a missing bucket from a missing key.
            s3.list_objects_v2(Bucket=bucket, MaxKeys=1)
            raise
        s3.delete_object(Bucket=bucket, Key=key)
    return size


def stdout() -> BinaryIO:
    return sys.stdout.buffer
