"""HTTP/1.1 keep-alive for the sandbox server, which werkzeug's dev server turns off.

werkzeug answers every request with ``Connection: close`` because http.server cannot
skip a body the application left unread before the next request line. So each
boto3 call (lambdactl's, a handler's) paid a new TCP connection and the server a new
thread: measured on the warm invoke loop (py-spy), thread start and accept were ~7%
of the server's request time, and the client's connection setup more. ``KeepAlive``
reads a small body itself before the application runs (so the next request line is
next on the stream), keeps the connection when the response's framing is known
(Content-Length that matches what was written, chunked, HEAD), and closes it in
every other case, as before: HTTP/1.0, ``Connection: close``, a chunked or large
request body, a response whose length does not add up.
"""

from __future__ import annotations

import io
import selectors
import socket
import time
import weakref
from http.server import BaseHTTPRequestHandler
from typing import Any

BODY_LIMIT = 1 << 20   # larger request bodies (layers, big objects) stream, then close
_JOIN_LIMIT = 1 << 16   # a response body up to this leaves in one write with its headers
_dates: list[object] = [-1, ""]   # (second, its Date header value)
# Connections whose request body KeepAlive read in full: nothing of that request is left.
_kept: weakref.WeakSet[Any] = weakref.WeakSet()


class _Selector:
    """What werkzeug's drain gets for ``selectors.DefaultSelector()``: after every response
    it polls the connection (select, 10 ms) and discards what arrives, the rest of an
    unread body. On a kept connection nothing of the request is left (make_environ read
    its body; werkzeug's read then gets b"" from the empty stream and stops): its select
    only waited for the next request or 10 ms, an epoll made, registered, waited on and
    closed per request (~4% of a warm invoke's request thread) and a timer wake-up
    whenever the client paused. Any other connection is drained as before."""

    def __init__(self) -> None:
        self.real: Any = None

    def register(self, fileobj: Any, events: int) -> None:
        if fileobj not in _kept:
            self.real = selectors.DefaultSelector()
            self.real.register(fileobj, events)

    def select(self, timeout: float | None = None) -> list[Any]:
        return self.real.select(timeout) if self.real is not None else []

    def close(self) -> None:
        if self.real is not None:
            self.real.close()


class _Selectors:
    """werkzeug.serving's ``selectors`` (its drain is the module's only use of it)."""

    EVENT_READ = selectors.EVENT_READ
    DefaultSelector = _Selector


def install() -> None:
    """werkzeug's drain skips kept connections (_Selector)."""
    from werkzeug import serving

    serving.selectors = _Selectors  # type: ignore[assignment]


class _Counted:
    """The handler's wfile, counting what is written through it; bytes held (a response's
    headers) leave with the next write or flush."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.written, self.held = inner, 0, b""

    def hold(self, data: bytes) -> None:
        self.held += data
        self.written += len(data)

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.held and len(data) <= _JOIN_LIMIT:
            self.inner.write(self.held + data)
            self.held = b""
            return len(data)
        self.flush_held()
        return int(self.inner.write(data))

    def flush_held(self) -> None:
        if self.held:
            data, self.held = self.held, b""
            self.inner.write(data)

    def flush(self) -> None:
        self.flush_held()
        self.inner.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class KeepAlive(BaseHTTPRequestHandler):
    """Mix in before werkzeug's WSGIRequestHandler (moto's MotoRequestHandler)."""

    _headers_buffer: list[bytes]   # http.server's, written by flush_headers
    _keep = False
    _length: int | None = None
    _body_at = 0
    _stream: Any = None

    def setup(self) -> None:
        super().setup()
        # werkzeug writes headers and body apart; on a kept connection Nagle's algorithm
        # and the client's delayed ACK would hold the body ~40 ms (closing flushed it).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.wfile = _Counted(self.wfile)  # type: ignore[assignment]

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()  # type: ignore[misc]
        self._keep, self._length = False, None
        length = str(environ.get("CONTENT_LENGTH") or "0")
        if self.close_connection or "wsgi.input_terminated" in environ or not length.isdigit() \
                or int(length) > BODY_LIMIT:
            return environ   # chunked, large or unknown: werkzeug streams it, then closes
        body = self.rfile.read(int(length)) if int(length) else b""
        environ["wsgi.input"] = io.BytesIO(body)
        self._keep = len(body) == int(length)
        if self._keep:
            _kept.add(self.connection)
            # After the response werkzeug reads whatever the socket holds and drops it
            # (the rest of an unread body, it assumes): on a kept connection that is the
            # next request. It finds nothing to read until the request is over.
            self._stream, self.rfile = self.rfile, io.BytesIO()
        return environ

    def send_header(self, keyword: str, value: str) -> None:
        name = keyword.lower()
        if self._keep and name == "connection" and value.lower() == "close":
            return   # werkzeug's blanket close; decided after the response (below)
        if name == "content-length":
            self._length = int(value) if value.isdigit() else -1
        if name == "connection" or self.request_version == "HTTP/0.9" \
                or not hasattr(self, "_headers_buffer"):
            super().send_header(keyword, value)
        else:   # http.server's line, without its second lower() and checks (~10 a response)
            self._headers_buffer.append(f"{keyword}: {value}\r\n".encode("latin-1", "strict"))

    def date_time_string(self, timestamp: float | None = None) -> str:
        """http.server's Date value (email.utils.formatdate, ~4 us), once per second."""
        if timestamp is not None:
            return str(super().date_time_string(timestamp))
        now = int(time.time())
        if _dates[0] != now:
            _dates[:] = [now, str(super().date_time_string(now))]
        return str(_dates[1])

    def end_headers(self) -> None:
        super().end_headers()
        self._body_at = self._written()

    def flush_headers(self) -> None:
        """A kept request's response headers leave with its body, in one write: written
        apart, they were two segments (TCP_NODELAY) and two wake-ups of the client.
        (Not before the body is read: "100 Continue" must leave at once.)"""
        if self._keep and isinstance(self.wfile, _Counted):
            self.wfile.hold(b"".join(self._headers_buffer))
            self._headers_buffer = []
        else:
            super().flush_headers()

    def handle_one_request(self) -> None:
        self._keep, self._length, self._stream = False, None, None
        try:
            super().handle_one_request()
        finally:
            _kept.discard(self.connection)
            if self._stream is not None:
                self.rfile = self._stream
        # No "command" when the client closed before its request line (a port scan).
        framed = getattr(self, "command", None) == "HEAD" or self._length is None \
            or self._written() - self._body_at == self._length
        if not (self._keep and framed):
            self.close_connection = True

    def _written(self) -> int:
        return self.wfile.written if isinstance(self.wfile, _Counted) else 0
