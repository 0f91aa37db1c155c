"""Packages over Lambda's direct-upload limit go through a staging S3 object.

CreateFunction / UpdateFunctionCode accept at most 50 MB zipped inline
(``ZipFile``). A larger package is uploaded to a lambdactl-owned, tagged bucket
of the same account and region, and Lambda reads it from there (``S3Bucket`` /
``S3Key``). The bucket name is deterministic, one per account and region, and
shared by the lambdactl projects there: any bucket carrying the lambdactl
owner tag is ours, an untagged one is refused. Objects are content-addressed
under the function's name (``<function>/<sha256 hex>.zip``), a layer's under
``layers/<layer>/``; the bucket and every object are journaled "creating" before
the write, so ``destroy`` removes what an interrupted ``up`` left behind. A
layer's object is deleted once its version is published (Lambda keeps a copy).
"""

from __future__ import annotations

import base64
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import package as pkgmod
from lambdactl.aws import error_code
from lambdactl.core.ownership import OWNER_TAG
from lambdactl.core.step import Step
from lambdactl.errors import AwsError, LambdactlError, OwnershipError
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.config import Function, Layer
    from lambdactl.core.context import Context
    from lambdactl.package import Package

BUCKET_KIND = "staging_bucket"
OBJECT_KIND = "staging_object"
LAYER_PREFIX = "layers/"   # layers' objects: layers/<layer name>/<sha256 hex>.zip
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# Buckets this client created or checked in this run: a sibling function of the
# same `up` then neither creates it again nor re-tags it.
_ready: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_ready_lock = threading.Lock()


def bucket_name(account_id: str, region: str) -> str:
    name = f"lambdactl-staging-{account_id}-{region}"
    if len(name) > 63 or not _BUCKET_NAME.fullmatch(name):
        raise LambdactlError(f"staging bucket name {name!r} is not a valid S3 bucket name")
    return name


def object_key(fn_name: str, code_sha256: str) -> str:
    """<function>/<sha256 as hex>.zip: CodeSha256 is base64, whose '/' and '+' make poor keys."""
    return f"{fn_name}/{base64.b64decode(code_sha256).hex()}.zip"


def layer_key(layer_name: str, code_sha256: str) -> str:
    return object_key(f"{LAYER_PREFIX}{layer_name}", code_sha256)


def needed(pkg: Package | None) -> bool:
    return pkg is not None and pkg.size > pkgmod.ZIP_LIMIT


def needs_code(step: Step) -> bool:
    """Whether applying this function step sends the package (create, code or architecture)."""
    return step.action == "create" or bool({"code", "architecture"} & set(step.fields))


# -- observe / decide ---------------------------------------------------------
@dataclass(frozen=True)
class StagingState:
    bucket: str
    exists: bool
    tags: dict[str, str]
    journaled: bool          # our journal says we created (or were creating) it

    @property
    def ours(self) -> bool:
        return OWNER_TAG in self.tags or self.journaled


def observe(ctx: Context) -> StagingState:
    """One read: does the staging bucket exist, and what are its tags."""
    a = ctx.aws
    return _read(ctx, a.client("s3"), bucket_name(a.account_id, a.region))


def _read(ctx: Context, s3: Any, bucket: str) -> StagingState:
    journaled = ctx.journal.get(BUCKET_KIND, bucket) is not None
    try:
        # ExpectedBucketOwner: a bucket of this name in another account (names are
        # global) answers 403 instead of letting us write our code into it.
        resp = s3.get_bucket_tagging(Bucket=bucket, ExpectedBucketOwner=ctx.aws.account_id)
    except Exception as exc:
        code = error_code(exc)
        if code == "NoSuchBucket":
            return StagingState(bucket, False, {}, journaled)
        if code in ("NoSuchTagSet", "NoSuchTagSetError"):
            return StagingState(bucket, True, {}, journaled)
        if code in ("AccessDenied", "403"):
            raise AwsError(
                f"staging bucket {bucket!r} belongs to another account or cannot be read",
                "lambdactl will not upload code there; ask whoever owns it, or deploy a package under 50 MB",
            ) from exc
        raise
    return StagingState(bucket, True, {t["Key"]: t["Value"] for t in resp["TagSet"]}, journaled)


def store(observed: list[Any], state: StagingState) -> None:
    for o in observed:
        o.staging = state


def detail(pkg: Package, state: StagingState | None) -> str:
    """Plan text for a function or layer step that sends PKG; refuses a foreign staging bucket."""
    if not needed(pkg):
        return ""
    if state is None:
        raise LambdactlError("internal: the staging bucket was not observed")
    if state.exists and not state.ours:
        raise OwnershipError(
            f"staging bucket {state.bucket!r} exists but was not created by lambdactl "
            f"(no {OWNER_TAG} tag); lambdactl will not write into it",
            f"the package is {pkg.size / 2**20:.1f} MB zipped, over Lambda's "
            f"{pkgmod.ZIP_LIMIT / 2**20:.0f} MB direct upload: remove or rename that bucket, "
            "or make the package smaller",
        )
    return f" via staging s3://{state.bucket}" + ("" if state.exists else " (new bucket)")


# -- apply --------------------------------------------------------------------
Progress = Callable[[str, int, int], None]   # (label, bytes sent, total)


def code_for(ctx: Context, fn: Function, pkg: Package, step: Step,
             state: StagingState | None) -> bytes | dict[str, str]:
    """The Code for CreateFunction / UpdateFunctionCode: inline bytes, or a staged object."""
    if not needs_code(step):
        return b""   # a configuration-only update sends no code
    if not needed(pkg):
        return pkg.read()
    assert state is not None
    return _stage(ctx, ctx.aws.client("s3"), state, pkg, object_key(fn.name, pkg.sha256), fn.key,
                  function=fn.key)


def layer_content(ctx: Context) -> Callable[[Layer, Package], AbstractContextManager[dict[str, Any]]]:
    """PublishLayerVersion's Content: inline, or over 50 MB a staged object, deleted once published.

    The staging bucket is the one observed into ctx.layers.staging. A failed publish
    leaves the object (journaled): the next `up` overwrites it, `destroy` removes it.
    """
    @contextmanager
    def content(layer: Layer, pkg: Package) -> Iterator[dict[str, Any]]:
        if not needed(pkg):
            yield {"ZipFile": pkg.read()}
            return
        state = ctx.layers.staging
        assert state is not None
        s3 = ctx.aws.client("s3")
        staged = _stage(ctx, s3, state, pkg, layer_key(layer.name, pkg.sha256), f"layers.{layer.key}",
                        function="", layer=layer.key)
        yield staged
        _delete(ctx, s3, staged["S3Bucket"], [staged["S3Key"]])   # Lambda keeps its own copy of a version

    return content


def _stage(ctx: Context, s3: Any, state: StagingState, pkg: Package, key: str, who: str,
           **owner: str) -> dict[str, str]:
    """Upload PKG to the staging bucket (created or re-tagged first when needed) under KEY, journaled."""
    a, j = ctx.aws, ctx.journal
    bucket = state.bucket
    with ctx.s3_writes.lock(bucket):   # two functions of one `up` share the bucket
        with _ready_lock:
            ready = _ready.setdefault(s3, set())
        if bucket not in ready:
            ensure_bucket(ctx, s3, state)
            ready.add(bucket)
    name = f"{bucket}/{key}"
    j.record(OBJECT_KIND, name, "creating", bucket=bucket, key=key, **owner)
    sent = 0
    sent_lock = threading.Lock()
    label = f"{who}: upload to s3://{bucket}"

    def on_bytes(n: int) -> None:
        nonlocal sent
        with sent_lock:
            sent += n
            if ctx.progress:
                ctx.progress(label, sent, pkg.size)

    if ctx.progress:
        ctx.progress(label, 0, pkg.size)
    # boto3's managed transfer (multipart, parallel parts above 8 MB), on our botocore client.
    from boto3.s3.inject import upload_file

    upload_file(a.transfer_client(), str(pkg.path), bucket, key, Callback=on_bytes,
                ExtraArgs={"ExpectedBucketOwner": a.account_id, "ContentType": "application/zip"})
    j.record(OBJECT_KIND, name, "created", bucket=bucket, key=key, **owner)
    return {"S3Bucket": bucket, "S3Key": key}


def ensure_bucket(ctx: Context, s3: Any, state: StagingState) -> None:
    """Create (journaled) and tag the staging bucket when missing; re-tag a half-made one."""
    a, j, bucket = ctx.aws, ctx.journal, state.bucket
    tags = ctx.tags
    if state.exists:
        if OWNER_TAG not in state.tags:   # journaled but untagged: created, then tagging failed
            s3.put_bucket_tagging(Bucket=bucket, ExpectedBucketOwner=a.account_id,
                                  Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
        return
    prior = j.get(BUCKET_KIND, bucket)
    if prior is None:
        j.record(BUCKET_KIND, bucket, "creating", function="")
    if s3mod.create_bucket(s3, bucket, a.region, tags):
        j.record(BUCKET_KIND, bucket, "created", function="")
    elif prior is None:
        j.forget(BUCKET_KIND, bucket)   # it existed already (another run made it)


def prune(ctx: Context, fn: Function, code: bytes | dict[str, str]) -> None:
    """After a deploy from S3Key, delete this function's older staged objects (Lambda keeps its own copy)."""
    if not isinstance(code, dict):
        return
    s3, bucket = ctx.aws.client("s3"), code["S3Bucket"]
    old = [k for k in _keys(s3, bucket, f"{fn.name}/") if k != code["S3Key"]]
    _delete(ctx, s3, bucket, old)


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def _delete(ctx: Context, s3: Any, bucket: str, keys: list[str]) -> None:
    for i in range(0, len(keys), 1000):   # DeleteObjects takes at most 1000 keys
        batch = keys[i:i + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        for k in batch:
            ctx.journal.forget(OBJECT_KIND, f"{bucket}/{k}")


# -- destroy ------------------------------------------------------------------
def destroy(ctx: Context, fn_names: list[str], journal_lost: bool = False) -> list[Step]:
    """Our staged objects (of FN_NAMES and the project's layers), then the staging bucket if ours and empty.

    When the journal says we staged something; or, when it knows nothing of this
    project (JOURNAL_LOST: deleted, or the project was deployed from elsewhere),
    after one read of the staging bucket, found by its name. A project the journal
    knows that never went through staging makes no call here.
    """
    entries = [e for e in ctx.journal.resources().values() if e["kind"] in (BUCKET_KIND, OBJECT_KIND)]
    read: dict[str, StagingState] = {}   # what was read already, not to read it twice
    if not entries:
        if not journal_lost:
            return []
        try:
            state = observe(ctx)
        except AwsError:   # a bucket of that name we cannot read: we staged nothing there
            return []
        if not (state.exists and state.ours):
            return []
        entries = [{"kind": BUCKET_KIND, "name": state.bucket}]
        read[state.bucket] = state
    s3 = ctx.aws.client("s3")
    out: list[Step] = []
    for bucket in sorted({e.get("bucket", e["name"]) for e in entries}):
        state = read.get(bucket) or _read(ctx, s3, bucket)
        mine = [e for e in entries if e.get("bucket", e["name"]) == bucket]
        if not state.exists:
            for e in mine:
                ctx.journal.forget(e["kind"], e["name"])
            continue
        if not state.ours:
            out.append(Step("", BUCKET_KIND, bucket, "skip", detail="not created by lambdactl; left alone"))
            continue
        prefixes = [f"{n}/" for n in fn_names] + [f"{LAYER_PREFIX}{x.name}/" for x in ctx.project.layers]
        keys = sorted({k for p in prefixes for k in _keys(s3, bucket, p)}
                      | {e["key"] for e in mine if e["kind"] == OBJECT_KIND})
        _delete(ctx, s3, bucket, keys)
        out += [Step("", OBJECT_KIND, f"s3://{bucket}/{k}", "delete") for k in keys]
        if s3.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0):
            out.append(Step("", BUCKET_KIND, bucket, "skip", detail="kept: other projects' packages in it"))
        else:
            try:
                s3.delete_bucket(Bucket=bucket, ExpectedBucketOwner=ctx.aws.account_id)
                out.append(Step("", BUCKET_KIND, bucket, "delete"))
            except Exception as exc:
                if error_code(exc) != "BucketNotEmpty":   # another project staged meanwhile
                    raise
                out.append(Step("", BUCKET_KIND, bucket, "skip", detail="kept: other projects' packages in it"))
        ctx.journal.forget(BUCKET_KIND, bucket)
    return out
