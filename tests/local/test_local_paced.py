"""Slow and idle connections against the sandbox server (issue 12, hostile round two):
a local user opening many connections that send their headers a byte at a time
(slowloris) held one server thread each, for good.

The sandbox test uses one sandbox of this module's own (a failing test may have
starved it); the others run local/paced.py's server in process with a tiny app and
small limits.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control
from lambdactl.local.paced import (
    GONE,
    PARTIAL,
    READY,
    TOO_LARGE,
    WAIT,
    Limits,
    PacedHandler,
    PacedServer,
    readiness,
)
from tests.local.conftest import ALLOW_ALL, own_sandbox


def _threads(pid: int) -> int:
    return int(Path(f"/proc/{pid}/status").read_text().split("Threads:", 1)[1].split()[0])


def _slow(port: int, count: int) -> list[socket.socket]:
    """COUNT connections that have sent the first bytes of a request line, and stop there."""
    out = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /")
        out.append(sock)
    return out


@pytest.fixture(scope="module")
def own(sandbox_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[control.SandboxInfo]:
    with own_sandbox(tmp_path_factory, "paced-home") as info:
        yield info


def test_slow_connections_hold_no_server_thread_and_invokes_still_answer(
    own: control.SandboxInfo, zip_handlers: Callable[..., bytes]
) -> None:
    """300 connections stalled in their request line: before, 300 more threads in the
    server (one each, waiting as long as the client liked); now none, and an invoke
    answers while they are open."""
    lam = control.client(own, "lambda")
    iam = control.client(own, "iam")
    iam.create_role(RoleName="paced", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    iam.put_role_policy(RoleName="paced", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
    arn = iam.get_role(RoleName="paced")["Role"]["Arn"]
    lam.create_function(FunctionName="paced-echo", Runtime="python3.11", Role=arn, Handler="app.echo",
                        Code={"ZipFile": zip_handlers("app.py")})
    assert lam.invoke(FunctionName="paced-echo", Payload=b'{"n": 0}')["StatusCode"] == 200
    before = _threads(own.pid)
    slow = _slow(own.port, 300)
    try:
        answer = lam.invoke(FunctionName="paced-echo", Payload=b'{"n": 1}')
        assert answer["StatusCode"] == 200 and b'"n": 1' in answer["Payload"].read()
        grown = _threads(own.pid) - before
        assert grown < 30, f"{grown} more server threads with 300 slow connections open"
    finally:
        for sock in slow:
            sock.close()
    assert lam.list_functions()["Functions"]


def _app(gate: threading.Event) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["PATH_INFO"] == "/block":
            gate.wait(10)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"ok"
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    return app


Serve = Callable[..., PacedServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """PacedServer with a tiny app; LIMITS' timeouts long unless a test is about them."""
    from werkzeug.serving import WSGIRequestHandler

    from lambdactl.local.keepalive import KeepAlive, install

    install()   # as the sandbox server: werkzeug's drain leaves kept connections alone
    gate = threading.Event()
    handler = type("Handler", (KeepAlive, WSGIRequestHandler, PacedHandler), {"protocol_version": "HTTP/1.1"})
    servers: list[PacedServer] = []

    def start(**limits: Any) -> PacedServer:
        server = PacedServer("127.0.0.1", 0, _app(gate), handler,
                             Limits(**{"waiting": 4, "active": 2, "request_timeout": 60, "idle_timeout": 60, **limits}))
        server.gate = gate  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    gate.set()
    for server in servers:
        server.shutdown()


def _get(port: int, path: str = "/", keep: socket.socket | None = None) -> tuple[bytes, socket.socket]:
    sock = keep or socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return sock.recv(4096), sock


def _eventually(check: Callable[[], bool]) -> bool:
    for _ in range(500):
        if check():
            return True
        threading.Event().wait(0.01)
    return False


def _until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_a_request_that_does_not_arrive_in_time_gets_408(serve: Serve) -> None:
    server = serve(request_timeout=0.3)
    (slow,) = _slow(server.port, 1)
    assert _until_closed(slow).startswith(b"HTTP/1.1 408 ")
    assert _get(server.port)[0].startswith(b"HTTP/1.1 200 ")


def test_a_kept_connection_serves_again_and_holds_no_thread_between(serve: Serve) -> None:
    server = serve()
    first, sock = _get(server.port)
    again, _ = _get(server.port, keep=sock)
    assert first.startswith(b"HTTP/1.1 200 ") and again.startswith(b"HTTP/1.1 200 ")
    assert _eventually(lambda: server.workers.busy == 0)


def test_an_idle_kept_connection_is_closed_without_a_word(serve: Serve) -> None:
    server = serve(idle_timeout=0.3)
    first, sock = _get(server.port)
    assert first.startswith(b"HTTP/1.1 200 ")
    assert _until_closed(sock) == b""


def test_past_the_waiting_limit_the_longest_waiting_is_evicted(serve: Serve) -> None:
    server = serve()
    slow = _slow(server.port, 4)
    assert _get(server.port)[0].startswith(b"HTTP/1.1 200 ")   # its place: the oldest one's
    evicted = _until_closed(slow[0])
    assert evicted.startswith(b"HTTP/1.1 408 ") and b"waited longest" in evicted


def test_past_the_active_limit_a_request_gets_503_with_the_reason(serve: Serve) -> None:
    server = serve()
    blocked = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
    for sock in blocked:
        sock.sendall(b"GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _eventually(lambda: server.workers.busy == 2)
    refused, _ = _get(server.port)
    assert refused.startswith(b"HTTP/1.1 503 ") and b"many requests at once as it may (2 in all)" in refused
    server.gate.set()  # type: ignore[attr-defined]
    assert all(sock.recv(4096).startswith(b"HTTP/1.1 200 ") for sock in blocked)


def test_bodies_that_do_not_arrive_take_at_most_half_the_threads(serve: Serve) -> None:
    """Connections announcing a large body and sending none (any local user, unsigned) took
    every thread: the next request was a 503. Now at most half; other requests are served."""
    server = serve(active=4)
    hung = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
    for sock in hung:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\nab")
    refused = _until_closed(hung[2])
    assert refused.startswith(b"HTTP/1.1 503 ") and b"whose body is still arriving" in refused
    assert server.workers.partial == 2
    assert [_get(server.port)[0][:13] for _ in range(2)] == [b"HTTP/1.1 200 "] * 2


@pytest.mark.parametrize(("peeked", "verdict"), [
    (b"", GONE),
    (b"GET / HTTP/1.1\r\nHost: x\r\n", WAIT),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", READY),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", WAIT),       # a small body: in full first
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", READY),
    (b"PUT / HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", PARTIAL),
    (b"PUT / HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n", PARTIAL),    # a large one streams
    (b"PUT / HTTP/1.1\r\nContent-Length: 20000\r\n\r\n" + b"a" * 20000, READY),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * (70 << 10), TOO_LARGE),
])
def test_readiness(peeked: bytes, verdict: str) -> None:
    assert readiness(peeked) == verdict
