"""The Lambda Runtime API for one execution environment, as awslambdaric speaks it.

Routes (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):

    GET  /2018-06-01/runtime/invocation/next            blocks until an event
    POST /2018-06-01/runtime/invocation/<id>/response   the handler's result
    POST /2018-06-01/runtime/invocation/<id>/error      an unhandled exception
    POST /2018-06-01/runtime/init/error                 import / handler lookup failed

The server only moves bytes; what they mean is decided by its ``RuntimeHost``.
"""

from __future__ import annotations

import json
import logging
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from lambdactl.local.httpparse import LeanParse
from lambdactl.local.streams import sink

log = logging.getLogger("lambdactl.sandbox")

PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
# Lambda's bounds on what a function answers: 6 MB buffered (the figure its messages name),
# 200 MB streamed (https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html).
RESPONSE_LIMIT = 6291556
STREAM_LIMIT = 200 * 1024 * 1024
TOO_LARGE = "Function.ResponseSizeTooLarge"
_PIECE = 1 << 16


def too_large_payload(limit: int = RESPONSE_LIMIT) -> bytes:
    """What Invoke answers for a response over LIMIT (with X-Amz-Function-Error: Unhandled)."""
    detail = f"Response payload size exceeded maximum allowed payload size ({limit} bytes)."
    return json.dumps({"errorMessage": detail, "errorType": TOO_LARGE}).encode()


@dataclass(frozen=True)
class Delivery:
    """One event handed to the runtime client by ``/invocation/next``."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str
    client_context: str = ""  # JSON, as awslambdaric reads it into context.client_context


class RuntimeHost(Protocol):
    def next_invocation(self) -> Delivery | None: ...

    def invocation_response(self, request_id: str, body: bytes) -> bool: ...

    def invocation_error(self, request_id: str, body: bytes, error_type: str) -> bool: ...

    def init_error(self, body: bytes, error_type: str) -> None: ...


class _Server(ThreadingHTTPServer):
    """At most MAX_CONNECTIONS open at once: awslambdaric keeps one, a shell runtime's curl
    opens one per request. A handler opening hundreds had each one checked against every
    descriptor of its tree (peers.py: quadratic, 1.6 s of the server's CPU for 400) and a
    server thread each."""

    daemon_threads = True
    host: RuntimeHost
    MAX_CONNECTIONS = 32
    request_queue_size = 64   # accept's backlog: a connection over the bound is closed, not left to retry SYNs

    def server_activate(self) -> None:
        self.open_connections, self.counting = 0, threading.Lock()
        super().server_activate()

    def verify_request(self, request: object, client_address: tuple[str, int]) -> bool:
        with self.counting:
            if self.open_connections >= self.MAX_CONNECTIONS:
                return False
            self.open_connections += 1
        accepts = getattr(self.host, "accepts", None)  # only the environment's processes (peers.py)
        if accepts is None or accepts(client_address[1]):
            return True
        self._closed()
        return False

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._closed()

    def _closed(self) -> None:
        with self.counting:
            self.open_connections -= 1

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the environment was killed mid-request (timeout, memory, stop)
        log.warning("runtime API: %s: %s", type(exc).__name__, exc)


class _Handler(LeanParse, BaseHTTPRequestHandler):
    # HTTP/1.1 so that curl's "Expect: 100-continue" on larger posts is answered
    # at once instead of costing the runtime client a one-second wait.
    protocol_version = "HTTP/1.1"
    server: _Server
    # awslambdaric sends an error's X-Ray cause (its stack) as a header of up to 1 MiB:
    # at http.client's 64 KiB a RecursionError's was refused (431) and the error lost.
    max_header_line = (1 << 20) + 1024

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes; with Nagle and delayed ACKs the
        # second one would wait ~40 ms on every warm invocation.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        return  # one line per request would drown the sandbox log

    def send_response(self, code: int, message: str | None = None) -> None:
        self.send_response_only(code, message)  # no Server/Date headers, no log line

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
            return
        delivery = self.server.host.next_invocation()
        if delivery is None:  # the environment is shutting down
            self._reply(410, {"errorType": "EnvironmentShutdown", "errorMessage": "gone"})
            self.close_connection = True
            return
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": delivery.request_id,
            "Lambda-Runtime-Deadline-Ms": str(delivery.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": delivery.function_arn,
            "Lambda-Runtime-Trace-Id": delivery.trace_id,
        }
        if delivery.client_context:
            headers["Lambda-Runtime-Client-Context"] = delivery.client_context
        self._send(200, delivery.payload, headers)

    def do_POST(self) -> None:
        parts = self.path.removeprefix(PREFIX).strip("/").split("/")
        host = self.server.host
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] == "response":
            self._response(host, parts[1])
            return
        body = self._read_body(RESPONSE_LIMIT + _PIECE)[0]   # errors: awslambdaric's are bounded too
        error_type = self.header(ERROR_TYPE_HEADER)
        if parts == ["init", "error"]:
            host.init_error(body, error_type)
            self._reply(202, {"status": "OK"})
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] == "error":
            self._accepted(host.invocation_error(parts[1], body, error_type), parts[1])
        else:
            self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})

    def _response(self, host: RuntimeHost, request_id: str) -> None:
        """A /response: over Lambda's limit, Lambda's runtime API answers the runtime 413 and
        the invocation fails with Function.ResponseSizeTooLarge (its bytes are read and dropped,
        never held: a handler posting 5 GB took as much of the server's memory)."""
        # A streamed /response goes on chunk by chunk to a URL that streams (local/streams.py).
        to = sink(request_id, self.headers)
        limit = RESPONSE_LIMIT if to is None else STREAM_LIMIT
        body, size = self._read_body(limit, to)
        if size <= limit:
            self._accepted(host.invocation_response(request_id, body), request_id)
            return
        accepted = host.invocation_error(request_id, too_large_payload(limit), TOO_LARGE)
        if not accepted:
            self._accepted(False, request_id)
            return
        self._reply(413, {"errorMessage": f"Exceeded maximum allowed payload size ({limit} bytes).",
                          "errorType": "RequestEntityTooLarge"})

    def _accepted(self, accepted: bool, request_id: str) -> None:
        if accepted:
            self._reply(202, {"status": "OK"})
        else:
            self._reply(400, {"errorType": "InvalidRequestID", "errorMessage": request_id})

    def _read_body(self, limit: int, sink: Callable[[bytes], None] | None = None) -> tuple[bytes, int]:
        """(the body, its size): its first LIMIT bytes go on to SINK; at most those and
        RESPONSE_LIMIT are kept (a longer stream's buffered copy is never used); the rest is
        read and dropped."""
        kept: list[bytes] = []   # pieces, joined once: a body read in one piece is not copied
        held, passed = [0], [0]
        keep = min(limit, RESPONSE_LIMIT + _PIECE)

        def take(data: bytes) -> None:
            if held[0] < keep:
                kept.append(data[:keep - held[0]])
                held[0] += len(kept[-1])
            if sink is not None and passed[0] < limit:
                sink(data[:limit - passed[0]])
                passed[0] += len(data)

        if "chunked" in self.header("Transfer-Encoding").lower():
            size = 0
            while True:
                left = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if left == 0:
                    while self.rfile.readline().strip():   # trailers (a streamed error's), then the end
                        pass
                    return b"".join(kept), size
                size += self._read_exactly(left, take)
                self.rfile.readline()
        size = self._read_exactly(int(self.header("Content-Length") or 0), take)
        return b"".join(kept), size

    def _read_exactly(self, length: int, take: Callable[[bytes], None]) -> int:
        """Read LENGTH bytes (fewer at the end of the stream) in pieces; their count."""
        done = 0
        while done < length:
            # At most Lambda's 6 MB at once: a read allocates its whole size up front.
            data = self.rfile.read(min(length - done, RESPONSE_LIMIT if done == 0 else _PIECE))
            if not data:
                break
            take(data)
            done += len(data)
        return done

    def _reply(self, status: int, doc: dict[str, str]) -> None:
        self._send(status, json.dumps(doc).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        """Status line, headers and body in one write (apart, they were two segments and two
        wake-ups of the runtime client on every next/response), as send_response_only and
        send_header would make them, without their calls per line."""
        if self.request_version == "HTTP/0.9":
            self.send_response(status)   # http.server sends no status line and no headers
            self.end_headers()
            self.wfile.write(body)
            return
        lines = [f"{self.protocol_version} {status} {self.responses[status][0]}",
                 *(f"{name}: {value}" for name, value in headers.items()),
                 f"Content-Length: {len(body)}", "", ""]
        self.wfile.write("\r\n".join(lines).encode("latin-1", "strict") + body)


class RuntimeApiServer:
    """A threaded HTTP server on 127.0.0.1 (free port) serving one host."""

    def __init__(self, host: RuntimeHost) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name=f"runtime-api-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """The value of AWS_LAMBDA_RUNTIME_API for the child."""
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop serving, without waiting for the poll loop to notice."""

        def _shutdown() -> None:
            self._server.shutdown()
            self._server.server_close()

        threading.Thread(target=_shutdown, daemon=True).start()
