"""Request bodies bounded before anything reads them, as AWS bounds them.

The signature check and moto read a request's whole body into memory, and Python
allocates a read of Content-Length bytes up front: a handler (any role session, its
policy allowing nothing: moto reads the body before it checks IAM) sending
``Content-Length: 5000000000`` and 100 KB took the server from 272 MB to 1,351 MB of
RSS; a chunked body with a malformed chunk header got HTTP 500 and two tracebacks in
sandbox.log. ``BodyLimit`` answers, before the body is read:
- over S3_LIMIT for S3 (AWS takes 5 GB in one PUT; the sandbox holds a request in
  memory, and boto3 and the AWS CLI send anything over 8 MB in multipart parts),
  over LIMIT for any other service (Lambda's own bound, that of CreateFunction with an
  inline zip): HTTP 413 in the service's error shape;
- a signed chunked body (``Transfer-Encoding: chunked``): HTTP 411 MissingContentLength, as S3
  answers it (botocore always sends a length). werkzeug's development server decodes
  chunks with ``DechunkedInput``, whose ``readinto`` shrinks the caller's buffer when the
  client sends less than a chunk header announced and then reports the full size: the
  server read past the buffer and died of SIGSEGV (a signed chunked PUT announcing
  0xFFFFFFFFFFFF bytes, then closing). A malformed chunk header was HTTP 500 and two
  tracebacks in sandbox.log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lambdactl.local.auth import Refused, refusal, scope_service

LIMIT = 69_905_067         # "Request must be smaller than 69905067 bytes" (Lambda CreateFunction)
S3_LIMIT = 256 << 20


def _limit(environ: dict[str, Any]) -> int:
    s3 = scope_service(environ) == "s3" or "AWSAccessKeyId=" in str(environ.get("QUERY_STRING", ""))
    return S3_LIMIT if s3 else LIMIT


def _answer(environ: dict[str, Any], start_response: Callable[..., Any], status: str,
            code: str, message: str) -> Iterable[bytes]:
    _, headers, body = refusal(environ, Refused(code, message))
    start_response(status, [*headers, ("Connection", "close")])   # its body is never read
    return [body]


class BodyLimit:
    """WSGI middleware in front of the sandbox's whole application."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "HTTP_TRANSFER_ENCODING" in environ and "chunked" in environ["HTTP_TRANSFER_ENCODING"].lower() \
                and (environ.get("HTTP_AUTHORIZATION") or "Signature=" in environ.get("QUERY_STRING", "")):
            # (an unsigned one is refused, its body unread, by the signature check: a 403 as before)
            return _answer(environ, start_response, "411 Length Required", "MissingContentLength",
                           "You must provide the Content-Length HTTP header.")
        length = environ.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) <= LIMIT:   # every request but the very few large ones
            return self.app(environ, start_response)
        limit = _limit(environ)
        if not length.isdigit() or int(length) > limit:
            return _answer(environ, start_response, "413 Request Entity Too Large", "RequestEntityTooLarge",
                           f"the request body is over the sandbox's {limit:,} bytes (Content-Length {length[:20]})")
        return self.app(environ, start_response)
