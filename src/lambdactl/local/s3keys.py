"""S3's condition keys of a request, as AWS's service authorization reference lists them
per action ("Actions, resources, and condition keys for Amazon S3"), for
local/servicekeys.py. A key the request does not carry is absent.

Choices where the sandbox differs from S3's front door:
- ``s3:TlsVersion`` is "1.2": a handler's boto3 reaches S3 over HTTPS on AWS (TLS 1.2
  at least, the lowest S3 takes), while the sandbox is plain HTTP on 127.0.0.1; so the
  common "Deny if s3:TlsVersion < 1.2" holds as on AWS and does not lock a handler out.
- ``s3:authType`` is REST-HEADER (a signed header), REST-QUERY-STRING (a presigned URL)
  or POST (a browser form); ``s3:signatureversion`` AWS4-HMAC-SHA256 or AWS (SigV2).
- ``s3:ResourceAccount`` is the bucket owner's account (absent for a bucket that does
  not exist yet).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlparse

Context = dict[str, list[str]]

LIST_ACTIONS = frozenset({"ListBucket", "ListBucketVersions"})
LIST_KEYS = ("prefix", "delimiter", "max-keys")
# The request headers that are keys of the object (and bucket) writes.
WRITE_HEADERS = {
    "PutObject": ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                  "x-amz-storage-class", "x-amz-copy-source", "x-amz-metadata-directive",
                  "x-amz-website-redirect-location", "x-amz-grant-read", "x-amz-grant-write",
                  "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control",
                  "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
                  "x-amz-object-lock-legal-hold"),
    "PutObjectAcl": ("x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                     "x-amz-grant-write-acp", "x-amz-grant-full-control"),
    "PutBucketAcl": ("x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                     "x-amz-grant-write-acp", "x-amz-grant-full-control"),
    "CreateBucket": ("x-amz-acl", "x-amz-object-ownership", "x-amz-grant-read", "x-amz-grant-write",
                     "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"),
}
WRITE_HEADERS["PutObjectVersionAcl"] = WRITE_HEADERS["PutObjectAcl"]
# Actions on an existing object whose tags are s3:ExistingObjectTag/KEY (not PutObject,
# DeleteObject or the listing calls: the reference lists the key for these only).
EXISTING_TAG_ACTIONS = frozenset({
    "GetObject", "GetObjectVersion", "GetObjectAcl", "GetObjectVersionAcl", "GetObjectTagging",
    "GetObjectVersionTagging", "PutObjectAcl", "PutObjectVersionAcl", "PutObjectTagging",
    "PutObjectVersionTagging", "DeleteObjectTagging", "DeleteObjectVersionTagging",
    "GetObjectAttributes", "GetObjectVersionAttributes", "GetObjectRetention", "GetObjectLegalHold",
    "PutObjectRetention", "PutObjectLegalHold"})
REQUEST_TAG_ACTIONS = frozenset({"PutObject", "PutObjectTagging", "PutObjectVersionTagging"})


def keys(response: Any, name: str, resource: str) -> Context:
    """S3's keys for action NAME (``GetObject``) on RESOURCE (``arn:aws:s3:::B/K``)."""
    bucket, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
    query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    out = _common(response, query, bucket if resource.startswith("arn:aws:s3:::") else "")
    if name in LIST_ACTIONS:
        out |= {f"s3:{k}": query[k][:1] for k in LIST_KEYS if k in query}
    headers = response.headers
    for header in WRITE_HEADERS.get(name, ()):
        value = headers.get(header)
        if value is not None:
            out[f"s3:{header}"] = [_copy_source(value) if header == "x-amz-copy-source" else str(value)]
    if key and "versionId" in query and _own(response, resource):
        out["s3:versionid"] = query["versionId"][:1]
    if key and name in EXISTING_TAG_ACTIONS:
        version = query.get("versionId", [""])[0] if _own(response, resource) else _source_version(response)
        out |= {f"s3:existingobjecttag/{k}": [v] for k, v in _object_tags(response, bucket, key, version).items()}
    if name in REQUEST_TAG_ACTIONS and _own(response, resource):
        tags = _request_tags(response, name)
        if tags is not None:
            out |= {f"s3:requestobjecttag/{k}": [v] for k, v in tags}
            out["s3:requestobjecttagkeys"] = [k for k, _ in tags]
    return {k: v for k, v in out.items() if v}


def _common(response: Any, query: dict[str, list[str]], bucket: str) -> Context:
    headers = response.headers
    authorization = str(headers.get("Authorization") or "")
    presigned = "X-Amz-Signature" in query or "Signature" in query
    sigv2 = authorization.startswith("AWS ") or "AWSAccessKeyId" in query
    form = response.method == "POST" and "multipart/form-data" in str(headers.get("Content-Type") or "")
    out: Context = {
        "s3:authtype": ["POST" if form else "REST-QUERY-STRING" if presigned else "REST-HEADER"],
        "s3:signatureversion": ["AWS" if sigv2 else "AWS4-HMAC-SHA256"],
        "s3:tlsversion": ["1.2"],
    }
    sha = headers.get("x-amz-content-sha256")
    if sha:
        out["s3:x-amz-content-sha256"] = [str(sha)]
    owner = _bucket_account(response, bucket) if bucket else None
    if owner:
        out["s3:resourceaccount"] = [owner]
    return out


def _own(response: Any, resource: str) -> bool:
    """Is RESOURCE the object the request's path names (not CopyObject's source)?"""
    path = unquote(urlparse(response.uri).path).lstrip("/")
    return resource.removeprefix("arn:aws:s3:::") == path or not response.headers.get("x-amz-copy-source")


def _copy_source(value: str) -> str:
    """``x-amz-copy-source`` as policies name it: ``bucket/key``, decoded, no version."""
    return unquote(str(value)).lstrip("/").partition("?versionId=")[0]


def _source_version(response: Any) -> str:
    return unquote(str(response.headers.get("x-amz-copy-source") or "")).partition("?versionId=")[2]


def _backend(response: Any) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[response.current_account]["aws"]


def _bucket_account(response: Any, bucket: str) -> str | None:
    try:
        return str(_backend(response).get_bucket(bucket).account_id)
    except Exception:  # noqa: BLE001 - no such bucket (yet): the key is absent
        return None


def _object_tags(response: Any, bucket: str, key: str, version: str) -> dict[str, str]:
    try:
        backend = _backend(response)
        found = backend.get_object(bucket, key, version_id=version or None)
        tags = backend.get_object_tagging(found)["Tags"] if found is not None else []
    except Exception:  # noqa: BLE001 - no such bucket or object: it has no tags
        return {}
    return {str(t["Key"]): str(t["Value"]) for t in tags}


def _request_tags(response: Any, name: str) -> list[tuple[str, str]] | None:
    """The tags the request sets: PutObject's (and CopyObject's) ``x-amz-tagging`` header,
    PutObjectTagging's body; None where it sets none."""
    if name == "PutObject":
        header = response.headers.get("x-amz-tagging")
        return parse_qsl(str(header), keep_blank_values=True) if header is not None else None
    try:
        root = ET.fromstring(response.body or b"<x/>")
    except ET.ParseError:
        return None
    pairs = []
    for tag in (e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "Tag"):
        fields = {c.tag.rsplit("}", 1)[-1]: c.text or "" for c in tag}
        pairs.append((fields.get("Key", ""), fields.get("Value", "")))
    return pairs
