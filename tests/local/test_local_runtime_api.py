"""The Runtime API server's own request parsing (runtime_api.py): what awslambdaric and
curl send, read without http.server's email parser (two requests per warm invocation)."""

from __future__ import annotations

import http.client
import http.server
import socket
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
