"""sigv4.quick_signature gives botocore's own SigV4 signature for the requests its clients
send, and auth.verify still asks botocore whenever the quick answer does not match."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from lambdactl.local import auth, sigv4
from lambdactl.local.auth import Credentials, Refused, verify

CREDS = Credentials("LKIAEXAMPLE000000000", "s3cr3t/+key", "token")


def _signed(method: str, url: str, body: bytes, headers: dict[str, str], service: str = "lambda",
            creds: Credentials = CREDS) -> dict[str, Any]:
    """A WSGI environ of the request as botocore signs and sends it."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(BotoCredentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
              service, "us-east-1").add_auth(request)
    parts = urlsplit(url)
    environ = {"REQUEST_METHOD": method, "PATH_INFO": parts.path, "RAW_URI": url.split(parts.netloc, 1)[1],
               "QUERY_STRING": parts.query, "HTTP_HOST": parts.netloc, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


REQUESTS = [
    ("POST", "http://127.0.0.1:4577/2015-03-31/functions/fn/invocations", b'{"a": 1}', {}),
    ("POST", "http://127.0.0.1:4577/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Afn/"
     "invocations?Qualifier=live", b"{}", {"X-Amz-Invocation-Type": "Event"}),
    ("GET", "http://localhost:4577/2015-03-31/functions/?MaxItems=5&Marker=a%2Fb&FunctionVersion=ALL", b"", {}),
    ("POST", "http://127.0.0.1:4577/", b"Action=GetCallerIdentity&Version=2011-06-15",
     {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Spaced": "  a   b  "}),
    ("POST", "http://127.0.0.1:4577/", b'{"logGroupName": "g"}',
     {"X-Amz-Target": "Logs_20140328.FilterLogEvents", "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}),
]


@pytest.mark.parametrize(("method", "url", "body", "headers"), REQUESTS)
def test_quick_signature_is_botocores(method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
    environ = _signed(method, url, body, headers)
    parts = auth._parse_authorization(environ["HTTP_AUTHORIZATION"])
    signed = parts["SignedHeaders"].split(";")
    scope = parts["Credential"].split("/")[1:]
    values = {name: auth._header(environ, name) or "" for name in signed}
    if "HTTP_X_AMZ_CONTENT_SHA256" in environ:
        values["X-Amz-Content-SHA256"] = environ["HTTP_X_AMZ_CONTENT_SHA256"]
    quick = sigv4.quick_signature(method, environ["RAW_URI"].split("?")[0], environ["QUERY_STRING"],
                                  values, body, CREDS.secret_access_key, scope, environ["HTTP_X_AMZ_DATE"])
    assert quick == parts["Signature"]
    assert verify(environ, CREDS) == (body if "HTTP_X_AMZ_CONTENT_SHA256" not in environ else b"")


def test_s3_is_left_to_botocore() -> None:
    assert sigv4.quick_signature("GET", "/b/k", "", {"host": "h"}, b"", "s", ["d", "us-east-1", "s3"],
                                 "20260101T000000Z") is None


def test_botocore_decides_when_the_quick_answer_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sigv4, "quick_signature", lambda *args: "0" * 64)
    assert verify(_signed(*REQUESTS[0]), CREDS) == b'{"a": 1}'   # botocore's signature matched
    other = Credentials(CREDS.access_key_id, "another secret", CREDS.session_token)
    with pytest.raises(Refused, match="signature does not match"):
        verify(_signed(*REQUESTS[0], creds=other), CREDS)


def test_a_wrong_signature_is_refused_by_both() -> None:
    environ = _signed(*REQUESTS[1])
    environ["HTTP_AUTHORIZATION"] = environ["HTTP_AUTHORIZATION"][:-4] + "0000"
    with pytest.raises(Refused, match="signature does not match"):
        verify(environ, CREDS)
    environ = _signed(*REQUESTS[0])
    environ["wsgi.input"] = io.BytesIO(b'{"a": 2}')   # the body is signed too
    with pytest.raises(Refused, match="signature does not match"):
        verify(environ, CREDS)


def test_botocore_is_not_asked_when_the_quick_answer_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.awsrequest

    environ = _signed(*REQUESTS[1])
    monkeypatch.setattr(botocore.awsrequest, "AWSRequest", None)   # asked: a TypeError
    assert verify(environ, CREDS) == b"{}"
    with pytest.raises(TypeError):
        verify(_signed(*REQUESTS[0], creds=Credentials(CREDS.access_key_id, "x", "")), CREDS)
