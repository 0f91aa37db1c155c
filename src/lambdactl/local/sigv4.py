"""SigV4 recomputed directly, for the sandbox's signature check (auth.py).

botocore's signer, as auth.expected_signature drives it, builds an AWSRequest,
prepares it, and derives the signing key with four HMACs, for every request:
~0.2 ms of the server's CPU per warm invoke. ``quick_signature`` follows the same
steps as botocore's ``SigV4Auth`` (canonical request, string to sign, signature),
on the values auth.py reads from the request, with the signing key kept per
(secret, day, region, service). S3, whose signer differs, is left to botocore;
auth.py asks botocore too whenever this answer does not match the client's, so a
request is refused only when botocore's signature does not match either.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from urllib.parse import quote

from botocore.utils import normalize_url_path  # the server's only (auth.py imports this module)

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@functools.lru_cache(maxsize=32)
def signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_query(query: str) -> str:
    """botocore's _canonical_query_string_url: the pairs as sent, sorted."""
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{key}={value}" for key, value in pairs)


def quick_signature(method: str, path: str, query: str, headers: dict[str, str], body: bytes,
                    secret: str, scope: list[str], amz_date: str) -> str | None:
    """The signature botocore's SigV4Auth computes for this request (HEADERS: the signed
    ones, and X-Amz-Content-SHA256 if sent), or None where its signer differs (S3)."""
    region, service = scope[1], scope[2]
    if service == "s3":
        return None
    signed = sorted(name for name in headers if name != "X-Amz-Content-SHA256")
    lines = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
    payload = headers.get("X-Amz-Content-SHA256") or (
        hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256)
    canonical = "\n".join([method.upper(), quote(normalize_url_path(path), safe="/~"),
                           canonical_query(query), lines, ";".join(signed), payload])
    day = amz_date[:8]
    string_to_sign = "\n".join([ALGORITHM, amz_date, f"{day}/{region}/{service}/aws4_request",
                                hashlib.sha256(canonical.encode()).hexdigest()])
    key = signing_key(secret, day, region, service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
