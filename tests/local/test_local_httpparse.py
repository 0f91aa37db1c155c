"""httpparse.LeanParse (the sandbox server's and the Runtime API's request parsing)
answers every request as http.server's own parse_request does, and reads the
well-formed ones without the email parser."""

from __future__ import annotations

import email.parser
import io
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from lambdactl.local.httpparse import LeanParse


class Plain(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, data: bytes) -> None:  # no socket: the request is in DATA
        self.rfile, self.wfile = io.BytesIO(data), io.BytesIO()
        self.raw_requestline = self.rfile.readline(65537)
        self.client_address = ("127.0.0.1", 0)
        self.request_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return


class Lean(LeanParse, Plain):
    pass


def _outcome(cls: type[Plain], data: bytes) -> dict[str, Any]:
    handler = cls(data)
    ok = handler.parse_request()
    headers = getattr(handler, "headers", None)
    return {
        "ok": ok,
        "command": handler.command,
        "path": getattr(handler, "path", None),
        "version": handler.request_version,
        "close": handler.close_connection,
        "headers": list(headers.items()) if ok and headers is not None else None,
        "sent": handler.wfile.getvalue().split(b"\r\n")[0],  # status line (bodies carry a date)
        "rest": handler.rfile.read(),
    }


BOTO = (b"POST /2015-03-31/functions/bench/invocations HTTP/1.1\r\nHost: 127.0.0.1:4577\r\n"
        b"Accept-Encoding: identity\r\nUser-Agent: Boto3/1.35 md/Botocore#1.35\r\n"
        b"X-Amz-Date: 20261203T141500Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=LKIA/2026"
        b"1203/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc\r\n"
        b"Content-Length: 2\r\n\r\n{}")
CASES = {
    "boto3": BOTO,
    "duplicates and spacing": b"GET /a HTTP/1.1\r\nX-A: 1\r\nx-a:2  \r\nX-B:\t 3\r\n\r\n",
    "expect 100-continue": b"PUT /b/k HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    "expect on HTTP/1.0": b"PUT /b/k HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
    "connection close": b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    "1.0 keep-alive": b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "1.0": b"GET / HTTP/1.0\r\n\r\n",
    "bare newlines": b"GET / HTTP/1.1\nHost: x\n\n",
    "folded header": b"GET / HTTP/1.1\r\nX-Long: one\r\n two\r\nHost: x\r\n\r\n",
    "not a header": b"GET / HTTP/1.1\r\nnot a header\r\nHost: x\r\n\r\n",
    "unfinished": b"GET / HTTP/1.1\r\nHost: x\r\n",
    "too many headers": b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n",
    "100 headers": b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(99)) + b"\r\n",
    "line too long": b"GET / HTTP/1.1\r\nX: " + b"v" * 65536 + b"\r\n\r\n",
    "double slash": b"GET //evil.example/x HTTP/1.1\r\n\r\n",
    "tab in path": b"GET /a\tb HTTP/1.1\r\n\r\n",
    "HTTP/0.9": b"GET /\r\n",
    "HTTP/2": b"GET / HTTP/2.0\r\n\r\n",
    "bad version": b"GET / HTTP/x\r\n\r\n",
    "latin-1": b"GET / HTTP/1.1\r\nX-N: caf\xe9\r\n\r\n",
}


@pytest.mark.parametrize("name", CASES)
def test_answers_as_http_server_does(name: str) -> None:
    assert _outcome(Lean, CASES[name]) == _outcome(Plain, CASES[name])


def test_well_formed_requests_skip_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the email parser was used")

    monkeypatch.setattr(email.parser.Parser, "parsestr", refuse)
    assert _outcome(Lean, BOTO)["headers"][0] == ("Host", "127.0.0.1:4577")
    with pytest.raises(AssertionError):
        _outcome(Plain, BOTO)


def test_request_lines_are_built_only_for_a_logger_that_keeps_them(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """QuietLog: werkzeug formats every request's line, then its logger (at WARNING in the
    sandbox) drops it; the line is now built only when the logger would keep it."""
    import logging

    from werkzeug.serving import WSGIRequestHandler

    from lambdactl.local.httpparse import QuietLog

    class Handler(QuietLog, WSGIRequestHandler):
        def __init__(self) -> None:   # no socket: what log_request reads
            self.command, self.path, self.request_version = "POST", "/x", "HTTP/1.1"
            self.client_address = ("127.0.0.1", 0)

    built: list[str] = []
    monkeypatch.setattr(WSGIRequestHandler, "log_date_time_string",
                        lambda self: built.append("date") or "now")
    with caplog.at_level(logging.WARNING, logger="werkzeug"):
        Handler().log_request(200)
    assert built == [] and caplog.records == []
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        Handler().log_request(200)
    assert built == ["date"] and '"POST /x HTTP/1.1" 200' in caplog.records[0].getMessage()


@pytest.mark.parametrize("extra", [b"", b"x-amz-meta-my_key: kept\r\n"])
def test_lean_environ_is_motos(extra: bytes) -> None:
    """LeanEnviron skips moto's two header walks when no name has an underscore: the
    environ is the one moto's make_environ builds (and moto's own where one has)."""
    from types import SimpleNamespace

    from moto.moto_server.werkzeug_app import MotoRequestHandler

    from lambdactl.local.httpparse import LeanEnviron

    def environ(cls: type) -> dict[str, Any]:
        handler = object.__new__(cls)
        request = (b"POST /b/k?x=1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 2\r\n"
                   b"X-Amz-Meta-Plain: p\r\n" + extra + b"\r\n{}")
        handler.rfile, handler.wfile = io.BytesIO(request), io.BytesIO()
        handler.raw_requestline = handler.rfile.readline()
        handler.client_address, handler.connection = ("127.0.0.1", 5), SimpleNamespace()
        handler.server = SimpleNamespace(ssl_context=None, multithread=True, multiprocess=False,
                                         server_address=("127.0.0.1", 1), passthrough_errors=False)
        assert handler.parse_request()
        found = handler.make_environ()
        found.pop("wsgi.input"), found.pop("wsgi.errors")
        return dict(found)

    lean = environ(type("Lean", (LeanParse, LeanEnviron, MotoRequestHandler), {}))
    assert lean == environ(type("Moto", (LeanParse, MotoRequestHandler), {}))
    assert lean["moto.preserved_header_names"] == (
        {"HTTP_X_AMZ_META_MY_KEY": "x-amz-meta-my_key"} if extra else {})


@pytest.mark.parametrize("name", sorted(CASES))
def test_header_answers_as_headers_get(name: str) -> None:
    """LeanParse.header(NAME) reads the index built while parsing: the value headers.get
    gives (the first of a name, any case), "" where absent, for every case here."""
    lean, plain = Lean(CASES[name]), Plain(CASES[name])
    if not (lean.parse_request() and plain.parse_request()):
        return
    names = {n for n, _ in plain.headers.items()} | {"Missing", "x-a", "X-A", "content-length"}
    for each in sorted(names):
        assert lean.header(each) == plain.headers.get(each, "")


def test_header_reads_no_header_list(monkeypatch: pytest.MonkeyPatch) -> None:
    lean = Lean(BOTO)
    assert lean.parse_request()
    monkeypatch.setattr(type(lean.headers), "get", lambda *_: (_ for _ in ()).throw(AssertionError))
    assert lean.header("content-length") == "2" and lean.header("Expect") == ""
