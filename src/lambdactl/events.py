"""Sample events with the real shape of the notifications AWS sends (like `sam local generate-event`).

Pure functions: no clock, no randomness unless not given, no AWS calls.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from lambdactl.errors import ConfigError

S3_EVENT_NAMES = {"s3-put": "ObjectCreated:Put", "s3-delete": "ObjectRemoved:Delete"}
EVENT_KINDS = tuple(S3_EVENT_NAMES)


def event_time(now: datetime) -> str:
    """S3's eventTime: UTC, milliseconds, a literal Z (2024-05-01T12:00:00.123Z)."""
    now = now.astimezone(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def s3_key(key: str) -> str:
    """The object key as S3 puts it in a notification: URL-encoded, spaces as '+'."""
    return quote_plus(key, safe="/")


def s3_event(
    kind: str,
    bucket: str,
    key: str,
    *,
    size: int = 1024,
    region: str = "us-east-1",
    now: datetime | None = None,
    configuration_id: str = "lambdactl-sample",
    principal: str = "AWS:AIDAEXAMPLEPRINCIPAL",
    request_id: str | None = None,
) -> dict[str, Any]:
    """One S3 notification (Records[0]) for kind "s3-put" or "s3-delete"."""
    if kind not in S3_EVENT_NAMES:
        raise ConfigError(f"unknown event {kind!r}", f"known: {', '.join(EVENT_KINDS)}")
    if not bucket:
        raise ConfigError("an S3 event needs a bucket", "pass --bucket NAME")
    if not key:
        raise ConfigError("an S3 event needs an object key", "pass --key KEY")
    if size < 0:
        raise ConfigError(f"--size {size} is negative")
    now = now or datetime.now(UTC)
    request_id = request_id or secrets.token_hex(8).upper()
    obj: dict[str, Any] = {"key": s3_key(key)}
    if kind == "s3-put":
        obj["size"] = size
        obj["eTag"] = hashlib.md5(f"{bucket}/{key}/{size}".encode(), usedforsecurity=False).hexdigest()
    # The sequencer orders events for one key: hex of the time, as S3's look.
    obj["sequencer"] = f"{int(now.timestamp() * 1000):016X}"[-18:].rjust(18, "0")
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": event_time(now),
        "eventName": S3_EVENT_NAMES[kind],
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": request_id,
            "x-amz-id-2": hashlib.sha256(request_id.encode()).hexdigest(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": principal.split(":")[-1]},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
    return {"Records": [record]}
