"""Lambda's Invoke bypasses Flask and moto's URL maps (local/direct.py): the answers are
moto's own, header for header, and anything unusual still goes moto's way."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl.local import control
from lambdactl.local.direct import DirectInvoke, eligible

AUTH = ("AWS4-HMAC-SHA256 Credential=LKIAEXAMPLE/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")
# Differ between any two answers: the request id, the clock, the log tail (request ids).
VARYING = {"x-amzn-requestid", "date", "x-amz-log-result", "x-amzn-trace-id"}   # per invocation


def _environ(**extra: Any) -> dict[str, Any]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/2015-03-31/functions/nope/invocations",
               "RAW_URI": "/2015-03-31/functions/nope/invocations", "QUERY_STRING": "",
               "HTTP_HOST": "127.0.0.1:1", "HTTP_AUTHORIZATION": AUTH, "CONTENT_LENGTH": "2",
               "wsgi.input": io.BytesIO(b"{}"), "wsgi.url_scheme": "http", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "1", "SCRIPT_NAME": ""}
    environ.update(extra)
    return {k: v for k, v in environ.items() if v is not None}


def test_only_plain_invokes_go_direct() -> None:
    assert eligible(_environ())
    assert eligible(_environ(RAW_URI="/2015-03-31/functions/nope/invocations?Qualifier=1"))
    assert not eligible(_environ(REQUEST_METHOD="GET"))
    assert not eligible(_environ(RAW_URI="/2015-03-31/functions/nope/invocations/"))
    assert not eligible(_environ(RAW_URI="/2015-03-31/functions/nope/configuration"))
    assert not eligible(_environ(HTTP_AUTHORIZATION=AUTH.replace("/lambda/", "/s3/")))
    assert not eligible(_environ(HTTP_AUTHORIZATION=None))   # presigned or unsigned: moto decides
    assert not eligible(_environ(HTTP_ORIGIN="http://x"))   # CORS: flask-cors answers it
    assert not eligible(_environ(HTTP_CONTENT_ENCODING="gzip"))
    assert not eligible(_environ(CONTENT_TYPE="application/x-www-form-urlencoded"))


def test_answers_without_moto_app() -> None:
    """An unknown function: moto's ResourceNotFound, and moto's WSGI app never called."""
    from moto.awslambda import models  # noqa: F401 - the backend, as in the server

    def moto_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("went through moto's app")

    answered: list[str] = []
    body = b"".join(DirectInvoke(moto_app)(_environ(), lambda status, headers: answered.append(status)))
    assert answered == ["404 NOT FOUND"]
    assert b"ResourceNotFoundException" in body


def _call(client: Any, via_moto: bool, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    """Invoke; VIA_MOTO adds an unsigned Content-Encoding the direct path leaves to moto."""
    def mark(request: Any, **_: Any) -> None:
        request.headers["Content-Encoding"] = "identity"

    if via_moto:
        client.meta.events.register("before-send.lambda.Invoke", mark)
    try:
        answer = client.invoke(**kwargs)
        meta, body = answer["ResponseMetadata"], answer["Payload"].read()
    except client.exceptions.ClientError as exc:
        meta, body = exc.response["ResponseMetadata"], json.dumps(exc.response["Error"]).encode()
    finally:
        client.meta.events.unregister("before-send.lambda.Invoke", mark)
    headers = {k: v for k, v in meta["HTTPHeaders"].items() if k not in VARYING}
    return meta["HTTPStatusCode"], headers, body


@pytest.mark.parametrize("case", ["ok", "tail", "error", "event", "dry-run", "not-json", "missing",
                                  "version", "too-large"])
def test_same_answer_as_moto(sandbox: control.SandboxInfo, make_function: Callable[..., str],
                             case: str) -> None:
    client = control.client(sandbox, "lambda")
    name = make_function("app.fail" if case == "error" else "app.big_response", Publish=True)
    kwargs: dict[str, Any] = {"FunctionName": name, "Payload": b'{"bytes": 5}'}
    kwargs.update({"tail": {"LogType": "Tail"}, "event": {"InvocationType": "Event"},
                   "dry-run": {"InvocationType": "DryRun"}, "not-json": {"Payload": b"{nope"},
                   "missing": {"FunctionName": name + "-gone"}, "version": {"Qualifier": "1"},
                   "too-large": {"Payload": b'"' + b"x" * (6 * 1024 * 1024) + b'"'}}.get(case, {}))
    status, headers, body = _call(client, False, **kwargs)
    moto_status, moto_headers, moto_body = _call(client, True, **kwargs)
    if case == "error":   # the handler's error names its request: so does the body's checksum
        assert headers.pop("x-amz-crc32") != moto_headers.pop("x-amz-crc32")
    assert (status, headers) == (moto_status, moto_headers)
    if case == "error":
        body, moto_body = (json.dumps({k: v for k, v in json.loads(b).items() if k != "requestId"})
                           for b in (body, moto_body))
    assert body == moto_body
    assert status == {"event": 202, "dry-run": 204, "not-json": 400, "missing": 404,
                      "too-large": 413}.get(case, 200)


@pytest.mark.parametrize("status, headers, body", [
    (200, {"content-type": "application/json", "Content-Length": "2", "x-amz-executed-version": "1"}, b"{}"),
    (202, {"content-type": "application/json", "status": 202, "Content-Length": "0"}, b""),
    (404, {"Content-Type": "application/json", "x-amzn-ErrorType": "ResourceNotFoundException"}, "gone"),
    (200, {"content-type": "application/json", "x-amz-function-error": "Unhandled"}, "é"),
    (200, {"content-length": "142", "content-type": "application/json", "Content-Length": "1"}, b"{}"),
])
def test_plain_answers_are_what_werkzeug_sends(status: int, headers: dict[str, Any], body: Any) -> None:
    """DirectInvoke answers an Invoke without building werkzeug's Response: the same status
    line, headers (names, values, order) and body as the Response would send."""
    from flask import Response

    from lambdactl.local.direct import _plain

    sent: list[Any] = []
    response = Response(response=body, status=status, headers=headers)
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    data = b"".join(response(_environ(), lambda line, items: sent.extend([line, items])))
    assert _plain(status, headers, body, cors=True) == (sent[0], sent[1], data)


def test_unusual_answers_still_go_through_the_response() -> None:
    from lambdactl.local.direct import _plain

    assert _plain(200, {}, b"x", cors=True) is None   # werkzeug adds its default Content-Type
    assert _plain(204, {"content-type": "text/plain"}, b"", cors=True) is None
    assert _plain(302, {"content-type": "text/plain", "Location": "/x"}, b"", cors=True) is None
    assert _plain(200, {"content-type": "text/plain", "x": "a\nb"}, b"", cors=True) is None


def test_an_invoke_runs_no_import_statement_of_lambdactls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The direct route's and the Invoke patch's imports happen once, at module import: an
    import statement in a function runs on every call (~25 per warm invoke, ~10% of the
    request thread's instructions by callgrind)."""
    import builtins
    import sys

    from moto.awslambda import models  # noqa: F401 - the backend, as in the server

    from lambdactl.local import patch  # noqa: F401 - imported by the server before any invoke

    def moto_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("went through moto's app")

    real, ours = builtins.__import__, []

    def counted(name: str, *args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("lambdactl."):
            ours.append(f"{caller}: {name}")
        return real(name, *args, **kwargs)

    app = DirectInvoke(moto_app)
    monkeypatch.setattr(builtins, "__import__", counted)
    body = b"".join(app(_environ(), lambda status, headers: None))
    assert b"ResourceNotFoundException" in body and ours == []
