"""The sandbox server keeps HTTP/1.1 connections (local/keepalive.py): werkzeug closed
each after one request, so every boto3 call paid a new connection and a server thread.
Whatever a request leaves unread, the next one on the connection is read intact."""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any

from lambdactl.local import control


def _conn(sandbox: control.SandboxInfo) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)


def _refused(conn: http.client.HTTPConnection, body: bytes = b"") -> http.client.HTTPResponse:
    """An unsigned request: the sandbox refuses it without reading its body."""
    conn.request("POST", "/2015-03-31/functions/x/invocations", body,
                 {"Content-Type": "application/json"})
    reply = conn.getresponse()
    assert reply.status == 403 and b"not signed" in reply.read()
    return reply


def test_one_connection_serves_many_requests(sandbox: control.SandboxInfo) -> None:
    conn = _conn(sandbox)
    first = _refused(conn, b'{"unread": "' + b"x" * 5000 + b'"}')
    assert first.getheader("Connection") is None   # HTTP/1.1: kept
    sock = conn.sock
    for _ in range(3):
        _refused(conn)
    assert conn.sock is sock   # http.client reconnects when the server closes: it did not
    conn.close()


def test_boto3_reuses_its_connection(sandbox: control.SandboxInfo) -> None:
    logs = control.client(sandbox, "logs")   # a fresh client: its own connection pool
    logs.describe_log_groups()
    pool = logs._endpoint.http_session._manager.connection_from_url(sandbox.endpoint)
    conn = pool.pool.queue[-1]   # back in the pool; urllib3 reconnects it if the server closed
    sock = conn.sock
    for _ in range(3):
        logs.describe_log_groups()
    assert sock is not None and conn.sock is sock and pool.num_connections == 1


def test_closes_as_before_when_it_cannot_keep(sandbox: control.SandboxInfo) -> None:
    def raw(request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):   # ends: the server closes the connection
                chunks.append(chunk)
        return b"".join(chunks)

    old = raw(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    asked = raw(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    chunked = raw(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    for reply in (old, asked, chunked):
        assert reply.startswith(b"HTTP/1.1 403 ") and b"Connection: close" in reply


def test_the_next_request_after_an_unread_body(sandbox: control.SandboxInfo) -> None:
    """The body a refusal left unread is not taken for the next request's start."""
    conn = _conn(sandbox)
    _refused(conn, json.dumps({"pad": "y" * 70000}).encode())
    conn.request("GET", "/", headers={"Host": "x"})
    reply = conn.getresponse()
    assert reply.status == 403 and b"not signed" in reply.read()
    conn.close()


def test_a_kept_response_leaves_in_one_write() -> None:
    """Headers held until the body's write (one segment, one wake-up of the client);
    not held before the request body is read, so "100 Continue" leaves at once."""
    import io
    from http.server import BaseHTTPRequestHandler

    from lambdactl.local.keepalive import KeepAlive, _Counted

    class Writes(io.BytesIO):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[bytes] = []

        def write(self, data: Any) -> int:
            self.calls.append(bytes(data))
            return super().write(data)

    class Handler(KeepAlive, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, keep: bool) -> None:   # no socket
            self.request_version, self._keep = "HTTP/1.1", keep
            self.wfile = _Counted(Writes())

    for keep, expected in ((True, [b"HTTP/1.1 200 OK\r\n\r\nbody"]),
                           (False, [b"HTTP/1.1 200 OK\r\n\r\n", b"body"])):
        handler = Handler(keep)
        handler.send_response_only(200)
        handler.end_headers()
        assert handler._body_at == len(b"HTTP/1.1 200 OK\r\n\r\n")
        handler.wfile.write(b"body")
        handler.wfile.flush()
        assert handler.wfile.inner.calls == expected   # type: ignore[attr-defined]
    held = Handler(True)
    held.send_response_only(204)
    held.end_headers()
    held.wfile.flush()   # no body: the headers leave with the flush
    assert held.wfile.inner.calls == [b"HTTP/1.1 204 No Content\r\n\r\n"]   # type: ignore[attr-defined]


def test_headers_are_http_servers_and_the_date_is_made_once_a_second(
        monkeypatch: Any) -> None:
    """send_header writes http.server's lines itself (Connection still through http.server,
    which reads it); the Date value is formatted once per second."""
    import email.utils
    from http.server import BaseHTTPRequestHandler

    from lambdactl.local.keepalive import KeepAlive

    class Plain(BaseHTTPRequestHandler):
        def __init__(self) -> None:   # no socket
            self.request_version, self._headers_buffer = "HTTP/1.1", []

    class Handler(KeepAlive, Plain):
        pass

    lean, plain = Handler(), Plain()
    for name, value in (("Content-Type", "application/json"), ("x-amz-executed-version", "$LATEST"),
                        ("Content-Length", "12"), ("Connection", "keep-alive"), ("Server", "é")):
        lean.send_header(name, value)
        plain.send_header(name, value)
    assert lean._headers_buffer == plain._headers_buffer and lean._length == 12
    from lambdactl.local import keepalive

    formatted: list[object] = []
    real = email.utils.formatdate
    monkeypatch.setattr(email.utils, "formatdate", lambda *a, **k: formatted.append(a) or real(*a, **k))
    monkeypatch.setattr(keepalive.time, "time", lambda: 1764790000.5)
    assert lean.date_time_string() == lean.date_time_string() == plain.date_time_string(1764790000)
    assert len(formatted) == 2   # one for both of lean's, one for plain's
def test_a_connection_closed_before_its_request_line_leaves_no_traceback(
    sandbox: control.SandboxInfo,
) -> None:
    """A port scan, or a client that gives up: before, each left an AttributeError
    traceback ('command') in the sandbox's log."""
    import time
    from pathlib import Path

    log = Path(sandbox.log_file)
    before = log.read_text().count("Traceback")
    for payload in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n"):
        with socket.create_connection(("127.0.0.1", sandbox.port)) as sock:
            sock.sendall(payload)
    conn = _conn(sandbox)
    _refused(conn)   # served after them
    conn.close()
    time.sleep(0.2)
    assert log.read_text().count("Traceback") == before


def test_werkzeugs_drain_polls_only_connections_it_may_find_data_on(monkeypatch: Any) -> None:
    """After each response werkzeug polls the connection (an epoll made, select 10 ms)
    and discards what comes, the rest of an unread body. A kept request's body was read
    in full: the poll only waited for the next request (or 10 ms) and is skipped; a
    request it cannot keep (HTTP/1.0, an unread large body) is drained as before."""
    import selectors
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from lambdactl.local import keepalive

    polls: list[float | None] = []
    real = selectors.DefaultSelector

    class Counting(real):  # type: ignore[misc, valid-type]
        def select(self, timeout: float | None = None) -> Any:
            polls.append(timeout)
            return super().select(timeout)

    monkeypatch.setattr(selectors, "DefaultSelector", Counting)
    from werkzeug import serving

    monkeypatch.setattr(serving, "selectors", serving.selectors)   # put back after the test
    keepalive.install()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    handler = type("Handler", (keepalive.KeepAlive, WSGIRequestHandler), {})
    server = make_server("127.0.0.1", 0, app, True, request_handler=handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        for _ in range(3):
            conn.request("POST", "/", b'{"a": 1}', {"Content-Type": "application/json"})
            assert conn.getresponse().read() == b"ok"
        conn.close()
        assert polls == []
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            while sock.recv(65536):
                pass
        assert polls and polls[0] == 0.01   # werkzeug's own drain
    finally:
        server.shutdown()
        server.server_close()
