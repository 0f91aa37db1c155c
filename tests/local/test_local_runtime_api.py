"""The Runtime API server's own request parsing (runtime_api.py): what awslambdaric and
curl send, read without http.server's email parser (two requests per warm invocation)."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import time
from collections.abc import Iterator

import pytest

from lambdactl.local.runtime_api import Delivery, RuntimeApiServer


class Host:
    def __init__(self) -> None:
        self.responses: list[tuple[str, bytes]] = []
        self.errors: list[tuple[str, bytes, str]] = []

    def next_invocation(self) -> Delivery | None:
        return Delivery("rid-1", b'{"k": 1}', 123, "arn:fn", "Root=1")

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        self.responses.append((request_id, body))
        return request_id == "rid-1"

    def invocation_error(self, request_id: str, body: bytes, error_type: str) -> bool:
        self.errors.append((request_id, body, error_type))
        return True

    def init_error(self, body: bytes, error_type: str) -> None:
        self.errors.append(("init", body, error_type))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RuntimeApiServer, Host]]:
    def no_email_parser(*_: object, **__: object) -> None:
        raise AssertionError("http.server's parser (and its email parser) was used")

    monkeypatch.setattr(http.server.BaseHTTPRequestHandler, "parse_request", no_email_parser)
    host = Host()
    server = RuntimeApiServer(host)
    yield server, host
    server.close()


def _raw(address: str, data: bytes, *, then: bytes = b"") -> bytes:
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        if then:
            assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
            sock.sendall(then)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_next_then_response_on_one_connection(api: tuple[RuntimeApiServer, Host]) -> None:
    server, host = api
    conn = http.client.HTTPConnection(server.address, timeout=5)
    conn.request("GET", "/2018-06-01/runtime/invocation/next")
    reply = conn.getresponse()
    assert reply.status == 200 and reply.read() == b'{"k": 1}'
    assert reply.getheader("Lambda-Runtime-Aws-Request-Id") == "rid-1"
    assert reply.getheader("Lambda-Runtime-Deadline-Ms") == "123"
    conn.request("POST", "/2018-06-01/runtime/invocation/rid-1/response", b'"ok"')
    reply = conn.getresponse()
    assert reply.status == 202 and reply.read() == b'{"status": "OK"}'
    conn.request("POST", "/2018-06-01/runtime/invocation/other/response", b"x")
    assert conn.getresponse().status == 400
    assert host.responses == [("rid-1", b'"ok"'), ("other", b"x")]


def test_error_type_header_any_case_chunked_body(api: tuple[RuntimeApiServer, Host]) -> None:
    server, host = api
    request = (b"POST /2018-06-01/runtime/invocation/rid-1/error HTTP/1.1\r\n"
               b"host: x\r\nlambda-runtime-function-error-type: Runtime.Boom\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    assert _raw(server.address, request).startswith(b"HTTP/1.1 202 ")
    assert host.errors == [("rid-1", b"abcde", "Runtime.Boom")]


def test_expect_100_continue_is_answered_before_the_body(api: tuple[RuntimeApiServer, Host]) -> None:
    server, host = api
    head = (b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
    assert _raw(server.address, head, then=b"oops").startswith(b"HTTP/1.1 202 ")
    assert host.errors == [("init", b"oops", "")]


def test_http_1_0_closes_the_connection(api: tuple[RuntimeApiServer, Host]) -> None:
    server, _ = api
    reply = _raw(server.address, b"GET /nope HTTP/1.0\r\n\r\n")  # ends: no hang
    assert reply.startswith(b"HTTP/1.1 404 ") and b"NotFound" in reply


TOO_LARGE = {"errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
             "errorType": "RequestEntityTooLarge"}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_response_over_6_mb_is_refused_413_and_fails_the_invocation(
    api: tuple[RuntimeApiServer, Host], chunked: bool
) -> None:
    """Lambda's Runtime API answers a /response over 6,291,556 bytes with 413 (the runtime
    logs it), and the invocation fails with Function.ResponseSizeTooLarge. It was 202."""
    server, host = api
    body = b"x" * 6_291_557
    conn = http.client.HTTPConnection(server.address, timeout=10)
    if chunked:
        conn.request("POST", "/2018-06-01/runtime/invocation/rid-1/response", iter([body[:10], body[10:]]),
                     encode_chunked=True)
    else:
        conn.request("POST", "/2018-06-01/runtime/invocation/rid-1/response", body)
    reply = conn.getresponse()
    assert reply.status == 413 and json.loads(reply.read()) == TOO_LARGE
    assert host.responses == []
    [(rid, payload, error_type)] = host.errors
    assert (rid, error_type) == ("rid-1", "Function.ResponseSizeTooLarge")
    assert json.loads(payload) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge"}
    conn.request("POST", "/2018-06-01/runtime/invocation/rid-1/response", b"x" * 6_291_556)
    reply = conn.getresponse()   # the same connection goes on; Lambda's limit itself is taken
    assert reply.status == 202 and len(host.responses[0][1]) == 6_291_556


def test_a_streamed_response_passes_on_200_mb_then_413(
    api: tuple[RuntimeApiServer, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed /response (a URL with RESPONSE_STREAM listening) goes on up to Lambda's
    200 MB, then the runtime gets 413 and the invocation Function.ResponseSizeTooLarge;
    the server keeps no more than 6 MB of it in memory. (Limit scaled down to 1 MB here.)"""
    from lambdactl.local import runtime_api

    server, host = api
    passed = bytearray()
    monkeypatch.setattr(runtime_api, "STREAM_LIMIT", 1 << 20)
    monkeypatch.setattr(runtime_api, "sink", lambda rid, headers: passed.extend)
    conn = http.client.HTTPConnection(server.address, timeout=10)
    chunks = [b"y" * 300_000] * 4
    conn.request("POST", "/2018-06-01/runtime/invocation/rid-1/response", iter(chunks), encode_chunked=True,
                 headers={"Lambda-Runtime-Function-Response-Mode": "streaming"})
    reply = conn.getresponse()
    assert reply.status == 413 and b"(1048576 bytes)" in reply.read()
    assert len(passed) == 1 << 20
    assert [e[2] for e in host.errors] == ["Function.ResponseSizeTooLarge"]


def test_a_handler_opening_hundreds_of_connections_gets_32(api: tuple[RuntimeApiServer, Host]) -> None:
    """Each connection to an environment's Runtime API is checked against every descriptor of
    its tree (peers.py), and served by a thread: a handler opening 400 cost the server 2.2 s
    of CPU, and its own invocation hung past 30 s on a backlog of 5. Past 32 open at once
    (awslambdaric keeps one) a connection is closed unchecked; one closing makes room."""
    server, host = api
    checked: list[int] = []
    host.accepts = lambda port: checked.append(port) or True   # type: ignore[attr-defined]
    address = ("127.0.0.1", server.port)
    conns = [socket.create_connection(address, timeout=5) for _ in range(40)]
    try:
        conns[-1].sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conns[-1].recv(100) == b""   # the 40th: closed
        assert len(checked) == 32
        conns[0].close()
        for _ in range(500):   # the server sees the close, then takes a new one
            time.sleep(0.01)
            fresh = socket.create_connection(address, timeout=5)
            fresh.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            if fresh.recv(100).startswith(b"HTTP/1.1 404"):
                break
            fresh.close()
        else:
            raise AssertionError("no room made by a closed connection")
        fresh.close()
    finally:
        for conn in conns:
            conn.close()
