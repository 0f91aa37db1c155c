"""Only requests signed with the sandbox's own credentials reach moto.

The sandbox makes a random access key and secret when it starts and keeps them
in its 0600 state file; lambdactl and the handlers sign with them. ``Guard``
wraps moto's WSGI application and recomputes each request's SigV4 signature
with botocore's own signer (the key id alone proves nothing): anything else
gets HTTP 403 in the error shape of the service that was called.

    app = Guard(moto_app, Credentials.generate())
"""

from __future__ import annotations

import functools
import hmac
import io
import re
import secrets
import string
import time
from calendar import timegm
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

# Services whose errors botocore reads from a JSON body; the others answer XML.
JSON_SERVICES = frozenset({"lambda", "logs", "events", "sqs", "dynamodb", "kinesis", "ssm",
                           "secretsmanager", "states", "kms"})
MAX_SKEW_S = 15 * 60  # AWS refuses a request signed more than 15 minutes off
ALGORITHM = "AWS4-HMAC-SHA256"
_ALNUM = string.ascii_uppercase + string.digits
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
ACCESS_KEY = re.compile(r"(?:Credential=|AWSAccessKeyId=|X-Amz-Credential=)([A-Z0-9]+)")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str

    @classmethod
    def generate(cls) -> Credentials:
        # Shaped like AWS's (20-character key id, 40-character secret).
        key = "LKIA" + "".join(secrets.choice(_ALNUM) for _ in range(16))
        return cls(key, secrets.token_urlsafe(30), secrets.token_urlsafe(48))


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


Resolver = Callable[[str], "Credentials | None"]  # other keys the sandbox accepts (roles)


def _credentials_for(key_id: str, creds: Credentials, others: Resolver | None) -> Credentials:
    if hmac.compare_digest(key_id, creds.access_key_id):
        return creds
    found = others(key_id) if others is not None and key_id else None
    if found is None:
        raise Refused("InvalidClientTokenId", f"unknown access key {key_id!r}; {HINT}")
    return found


HINT = ("the sandbox accepts only requests signed with its own credentials; lambdactl reads them "
        "from the sandbox state file, and `lambdactl local env` prints them for other tools")


def _header(environ: dict[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    raw = environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")
    # WSGI hands header values over as latin-1; botocore signed their UTF-8 bytes.
    return None if raw is None else str(raw).encode("latin-1").decode("utf-8", "replace")


def _parse_authorization(value: str) -> dict[str, str]:
    if not value.startswith(ALGORITHM + " "):
        raise Refused("IncompleteSignature", f"only {ALGORITHM} signatures are accepted; {HINT}")
    parts = dict(
        item.strip().split("=", 1) for item in value[len(ALGORITHM):].split(",") if "=" in item
    )
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        raise Refused("IncompleteSignature", f"the Authorization header is incomplete; {HINT}")
    return parts


def _signed_at(amz_date: str) -> int:
    """timegm(time.strptime(AMZ_DATE, "%Y%m%dT%H%M%SZ")): the usual shape read directly
    (strptime was ~20 us a request), anything else by strptime, which raises ValueError."""
    if _AMZ_DATE.fullmatch(amz_date):
        try:
            moment = datetime(int(amz_date[:4]), int(amz_date[4:6]), int(amz_date[6:8]),
                              int(amz_date[9:11]), int(amz_date[11:13]), int(amz_date[13:15]))
            return timegm(moment.timetuple())
        except ValueError:
            pass   # e.g. a leap second, which strptime takes
    return timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))


def _check_clock(amz_date: str) -> None:
    try:
        signed_at = _signed_at(amz_date)
    except ValueError as exc:
        raise Refused("IncompleteSignature", f"bad X-Amz-Date {amz_date!r}; {HINT}") from exc
    if abs(time.time() - signed_at) > MAX_SKEW_S:
        raise Refused("RequestTimeTooSkewed", "the request was signed more than 15 minutes ago "
                      "or ahead; check the clock")


def expected_signature(environ: dict[str, Any], body: bytes, creds: Credentials, scope: list[str],
                       signed: list[str], amz_date: str, claimed: str = "") -> str:
    """What botocore would have signed for this request with CREDS (sigv4.py's own
    computation first: when it gives the CLAIMED signature, botocore would too)."""
    from lambdactl.local.sigv4 import quick_signature

    headers = {name: _header(environ, name) or "" for name in signed}
    for name in ("X-Amz-Content-SHA256",):
        value = _header(environ, name)
        if value is not None:
            headers[name] = value
    query = environ.get("QUERY_STRING", "")
    path = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "/")).split("?", 1)[0]
    quick = quick_signature(environ["REQUEST_METHOD"], path, query, headers, body,
                            creds.secret_access_key, scope, amz_date)
    if quick is not None and claimed and hmac.compare_digest(quick, claimed):
        return quick
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    url = f"http://{_header(environ, 'host')}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers, data=body)
    request.context["timestamp"] = amz_date
    _, region, service = scope[0], scope[1], scope[2]
    signer = _verifier(service == "s3")(
        BotoCredentials(creds.access_key_id, creds.secret_access_key), service, region)
    signer.signed = signed
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


@functools.cache
def _verifier(s3: bool) -> Any:
    """botocore's signer (S3's for S3), signing exactly the headers the client signed
    (``signed``, set per request), not the ones botocore would pick. Made once: a class
    statement per request was ~11 us of the ~146 us a verification takes."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import HTTPHeaders

    class Verifier(S3SigV4Auth if s3 else SigV4Auth):  # type: ignore[misc]
        signed: list[str] = []

        def headers_to_sign(self, req: Any) -> Any:
            chosen = HTTPHeaders()
            for name in self.signed:
                chosen[name] = req.headers.get(name, "")
            return chosen

    return Verifier


def _presigned(environ: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]] | None:
    """A presigned URL's signature parts, and the request to recompute them over."""
    pairs = [pair.partition("=") for pair in str(environ.get("QUERY_STRING", "")).split("&")]
    params = {key: unquote(value) for key, _, value in pairs}
    if "X-Amz-Signature" not in params:
        return None
    if not {"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Date"} <= params.keys():
        raise Refused("AuthorizationQueryParametersError", f"incomplete presigned URL; {HINT}")
    try:
        expires = _signed_at(params["X-Amz-Date"])
        expires += int(params.get("X-Amz-Expires", "0"))
    except ValueError as exc:
        raise Refused("AuthorizationQueryParametersError", f"bad presigned URL; {HINT}") from exc
    if time.time() > expires:
        raise Refused("AccessDenied", "Request has expired")
    parts = {"Credential": params["X-Amz-Credential"], "SignedHeaders": params["X-Amz-SignedHeaders"],
             "Signature": params["X-Amz-Signature"], "date": params["X-Amz-Date"],
             "token": params.get("X-Amz-Security-Token", "")}
    # Signed over its own query string without the signature, and no payload hash.
    query = "&".join(f"{k}={v}" for k, _, v in pairs if k != "X-Amz-Signature")
    canonical = dict(environ, QUERY_STRING=query, HTTP_X_AMZ_CONTENT_SHA256="UNSIGNED-PAYLOAD")
    return parts, canonical


def verify_presigned_v2(
    environ: dict[str, Any], creds: Credentials, others: Resolver | None = None
) -> bool:
    """An S3 URL presigned with SigV2 (boto3's default for presigned S3 URLs on a
    custom endpoint): True if it is for CREDS and unexpired; Refused if not; False if
    it is no such URL."""
    from urllib.parse import urlsplit

    from botocore.auth import HmacV1QueryAuth
    from botocore.awsrequest import HTTPHeaders
    from botocore.credentials import Credentials as BotoCredentials

    query = str(environ.get("QUERY_STRING", ""))
    params = {k: unquote(v) for k, _, v in (p.partition("=") for p in query.split("&"))}
    if not {"AWSAccessKeyId", "Signature", "Expires"} <= params.keys():
        return False
    creds = _credentials_for(params["AWSAccessKeyId"], creds, others)
    if not params["Expires"].isdigit() or time.time() > int(params["Expires"]):
        raise Refused("AccessDenied", "Request has expired")

    class Signer(HmacV1QueryAuth):
        def _get_date(self) -> str:
            return params["Expires"]

    headers = HTTPHeaders()
    for name in ("content-md5", "content-type"):
        if _header(environ, name):
            headers[name] = _header(environ, name)
    for key, value in environ.items():
        if key.startswith("HTTP_X_AMZ_"):
            headers[key[5:].replace("_", "-").lower()] = str(value)
    path = str(environ.get("RAW_URI") or environ.get("PATH_INFO", "/"))
    signer = Signer(BotoCredentials(creds.access_key_id, creds.secret_access_key), expires=0)
    expected = signer.get_signature(environ["REQUEST_METHOD"], urlsplit(path), headers)
    if not hmac.compare_digest(expected, params["Signature"]):
        raise Refused("SignatureDoesNotMatch", "the signature does not match: the URL was "
                      f"presigned with another secret key; {HINT}")
    return True


def _signature(environ: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """(Credential, SignedHeaders, Signature, date, token) of a request, and the request
    its signature covers: from the Authorization header, or a presigned URL's query."""
    auth = _header(environ, "authorization")
    if auth:
        parts = _parse_authorization(auth)
        parts["date"] = _header(environ, "x-amz-date") or ""
        parts["token"] = _header(environ, "x-amz-security-token") or ""
        _check_clock(parts["date"])
        return parts, environ
    presigned = _presigned(environ)
    if presigned is None:
        raise Refused("MissingAuthenticationToken", f"the request is not signed; {HINT}")
    return presigned


def verify(environ: dict[str, Any], creds: Credentials, others: Resolver | None = None) -> bytes:
    """Raise Refused unless the request is signed with CREDS (or credentials OTHERS
    knows by key id); returns the body it read."""
    if not _header(environ, "authorization") and verify_presigned_v2(environ, creds, others):
        return b""
    parts, signed_request = _signature(environ)
    key_id, _, rest = parts["Credential"].partition("/")
    scope = rest.split("/")
    creds = _credentials_for(key_id, creds, others)
    if parts["token"] and not hmac.compare_digest(parts["token"], creds.session_token):
        raise Refused("InvalidClientTokenId", f"unknown session token; {HINT}")
    if len(scope) != 4 or not parts["date"].startswith(scope[0]):
        raise Refused("IncompleteSignature", f"the credential scope does not match X-Amz-Date; {HINT}")
    body = b""
    if _header(signed_request, "X-Amz-Content-SHA256") is None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
    signed = [name.strip() for name in parts["SignedHeaders"].split(";")]
    expected = expected_signature(signed_request, body, creds, scope, signed, parts["date"],
                                  parts["Signature"])
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise Refused("SignatureDoesNotMatch", "the signature does not match: the request was "
                      f"signed with another secret key; {HINT}")
    return body


def key_in(signed: str) -> str:
    """The access key id SIGNED (an Authorization header and a query string) names, or ""."""
    found = ACCESS_KEY.search(signed)
    return found.group(1) if found else ""


def signing_key(environ: dict[str, Any]) -> str:
    """The access key id a request names (Authorization header, presigned URL), or ""."""
    return key_in(f"{_header(environ, 'authorization') or ''} {unquote(str(environ.get('QUERY_STRING', '')))}")


def own_key_only(environ: dict[str, Any], creds: Credentials) -> None:
    """For a verified request to one of the sandbox's own endpoints (regions, the schedule
    clock): Refused unless it was signed with the sandbox's own key, not a role's."""
    if not hmac.compare_digest(signing_key(environ), creds.access_key_id):
        raise Refused("AccessDenied", f"{environ.get('PATH_INFO', '')} is the sandbox's own "
                      "endpoint, for lambdactl: only the sandbox's own credentials may call it")


def scope_service(environ: dict[str, Any]) -> str:
    """The service named in the credential scope (header or presigned URL), or ""."""
    signed = _header(environ, "authorization") or unquote(str(environ.get("QUERY_STRING", "")))
    scope = signed.split("Credential=", 1)[-1].split("/")
    return scope[3] if len(scope) > 3 else ""


def refusal(environ: dict[str, Any], refused: Refused,
            status: str = "403 Forbidden") -> tuple[str, list[tuple[str, str]], bytes]:
    """An HTTP error (403 unless STATUS) that botocore parses into the right error code
    and message."""
    import json

    service = scope_service(environ)
    if service in JSON_SERVICES or _header(environ, "x-amz-target"):
        body = json.dumps({"__type": refused.code, "message": refused.message}).encode()
        ctype = "application/x-amz-json-1.1"
    else:
        code, message = escape(refused.code), escape(refused.message)
        inner = f"<Code>{code}</Code><Message>{message}</Message>"
        body = (f"<ErrorResponse><Error>{inner}</Error></ErrorResponse>" if service != "s3"
                else f"<Error>{inner}</Error>").encode()
        ctype = "text/xml"
    headers = [("Content-Type", ctype), ("Content-Length", str(len(body))),
               ("x-amzn-ErrorType", refused.code)]
    return status, headers, body


class Guard:
    """WSGI middleware: verify, then hand the request (body restored) to moto, or
    to one of ROUTES (the sandbox's own signed GET endpoints, answering JSON)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        creds: Credentials,
        routes: dict[str, Callable[[], bytes]] | None = None,
        others: Resolver | None = None,
    ) -> None:
        self.app, self.creds, self.routes, self.others = app, creds, routes or {}, others

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        try:
            body = verify(environ, self.creds, self.others)
            if route is not None:
                own_key_only(environ, self.creds)
        except Refused as refused:
            status, headers, payload = refusal(environ, refused)
            start_response(status, headers)
            return [payload]
        if route is not None:
            payload = route()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(payload)))])
            return [payload]
        if body:
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)
