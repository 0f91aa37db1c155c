"""Connections to the sandbox server bounded: a slow or idle client holds no thread.

werkzeug's threaded server gave each accepted connection a thread at once, and the
thread waited as long as the client liked: for the request line and headers, and
after every response for the next request (keep-alive). Any local user could open
connections and send their headers a byte a second (slowloris): each held a thread
for good, without limit. ``PacedServer`` instead:

- keeps a connection without a complete request in one epoll thread (``Pacer``),
  which peeks at what has arrived (http.server reads it later, as before): it gets a
  worker once its header block is in (and its body, when small and not awaiting
  "100 Continue");
- answers 408 and closes a connection whose request is not in REQUEST_TIMEOUT seconds
  after it connected (a kept one: after its first byte), and closes a kept connection
  idle for IDLE_TIMEOUT without a word (as servers do; clients then reconnect);
- takes a kept connection back after each response, so an idle client holds no thread;
- keeps at most ``waiting`` connections: a new one past that evicts the one that has
  waited longest (a client sends its request as soon as it connects: that is the slowest);
- serves at most ``active`` requests at once from a pool of threads, and of them at most
  half whose body has not arrived yet (a large body, or one awaiting "100 Continue"): an
  unsigned client announcing bodies it never sends cannot take every thread (measured:
  260 such connections made every other request a 503). Past either, HTTP 503 with one
  line saying why (botocore retries a 503);
- fails a served connection's read or write that stalls for STALL_TIMEOUT (a body or a
  response that stops moving).
"""

from __future__ import annotations

import logging
import re
import resource
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from werkzeug.serving import ThreadedWSGIServer

log = logging.getLogger("lambdactl.sandbox")

REQUEST_TIMEOUT = 10.0   # s from connecting to a complete header block (and small body)
IDLE_TIMEOUT = 60.0      # s a kept connection may wait for its next request
STALL_TIMEOUT = 30.0     # s a served connection's read or write may make no progress
HEADER_LIMIT = 64 << 10  # a header block this long without its end: 431
SMALL_BODY = 16 << 10    # a body up to this must be in before a worker is given
_SPARE_FDS = 256         # of the process's file limit, kept for everything else
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*([0-9]+)[ \t]*\r?$")
_STREAMED = re.compile(rb"(?im)^(?:expect:[ \t]*100-continue|transfer-encoding:)")
WAIT, READY, PARTIAL, GONE, TOO_LARGE = "wait", "ready", "partial", "gone", "too large"


@dataclass(frozen=True)
class Limits:
    waiting: int = 1024
    active: int = 256
    request_timeout: float = REQUEST_TIMEOUT
    idle_timeout: float = IDLE_TIMEOUT

    @classmethod
    def for_process(cls) -> Limits:
        """Within the process's file limit: a connection is a file descriptor."""
        budget = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - _SPARE_FDS
        if budget <= 0:
            return cls(waiting=16, active=16)
        return cls(waiting=max(16, min(1024, budget * 3 // 4)), active=max(16, min(256, budget // 4)))


def readiness(peeked: bytes) -> str:
    """What the bytes of a connection's next request that have arrived make of it."""
    if not peeked:
        return GONE
    end = _HEAD_END.search(peeked)
    if end is None:
        return TOO_LARGE if len(peeked) > HEADER_LIMIT else WAIT
    head = peeked[:end.start()]
    length = _LENGTH.search(head)
    arrived = length is not None and len(peeked) - end.end() >= int(length.group(1))
    if _STREAMED.search(head) or (length is not None and int(length.group(1)) > SMALL_BODY and not arrived):
        return PARTIAL   # its body streams in while it is served
    return READY if length is None or arrived else WAIT


def answer(sock: socket.socket, status: str, message: str) -> None:
    """One short response, without blocking, then the connection closed."""
    body = (message + "\n").encode()
    head = (f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            f"x-amzn-ErrorType: {status.split(' ', 1)[1].replace(' ', '')}\r\nConnection: close\r\n\r\n")
    try:
        sock.setblocking(False)
        sock.send(head.encode() + body)
        sock.recv(HEADER_LIMIT + SMALL_BODY)   # what the client sent: closing on it would reset
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    sock.close()


class Workers:
    """Up to LIMIT threads that run RUN for each item, kept a while for the next one."""

    def __init__(self, limit: int, run: Callable[[Any], None], linger: float = 30.0) -> None:
        self.limit, self.run, self.linger = limit, run, linger
        self.busy = self.idle = self.partial = 0
        self.queue: deque[Any] = deque()
        self.cond = threading.Condition()

    def submit(self, item: Any, partial: bool = False) -> bool:
        """False when LIMIT items are being run already (PARTIAL ones: half of LIMIT)."""
        with self.cond:
            if self.busy >= self.limit or (partial and self.partial >= max(1, self.limit // 2)):
                return False
            self.busy += 1
            self.partial += partial
            item = (item, partial)
            if self.idle:
                self.idle -= 1   # that worker is this item's
                self.queue.append(item)
                self.cond.notify()
                return True
        threading.Thread(target=self._work, args=(item,), name="sandbox-worker", daemon=True).start()
        return True

    def _work(self, item: tuple[Any, bool]) -> None:
        while True:
            self.run(item[0])
            with self.cond:
                self.busy -= 1
                self.partial -= item[1]
                self.idle += 1
                while not self.queue:
                    if not self.cond.wait(self.linger) and not self.queue:
                        self.idle -= 1
                        return
                item = self.queue.popleft()


@dataclass
class _Waiting:
    sock: socket.socket
    address: Any
    deadline: float
    kept: bool
    started: bool = False   # a byte of the request has arrived


class Pacer:
    """The connections that have no complete request yet, in one epoll thread."""

    def __init__(self, dispatch: Callable[[socket.socket, Any, bool], bool], limits: Limits) -> None:
        self.dispatch, self.limits = dispatch, limits
        self.epoll = select.epoll()
        self.lock = threading.Lock()
        self.waiting: dict[int, _Waiting] = {}   # by fd, oldest first

    def start(self) -> None:
        threading.Thread(target=self._loop, name="sandbox-pacer", daemon=True).start()

    def wait(self, sock: socket.socket, address: Any, kept: bool = False) -> None:
        """SOCK waits here for its next request (``kept``: after a response)."""
        timeout = self.limits.idle_timeout if kept else self.limits.request_timeout
        evicted = None
        sock.setblocking(False)
        with self.lock:
            if len(self.waiting) >= self.limits.waiting:
                evicted = self._take(next(iter(self.waiting)))
            self.waiting[sock.fileno()] = _Waiting(sock, address, time.monotonic() + timeout, kept)
            self.epoll.register(sock.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLET)
        if evicted is not None:
            self._end(evicted, f"the sandbox has {self.limits.waiting} connections waiting for "
                      "their request, its limit; this one waited longest")

    def _take(self, fd: int) -> _Waiting | None:
        """Under the lock: the waiting connection FD, no longer watched."""
        entry = self.waiting.pop(fd, None)
        if entry is not None:
            try:
                self.epoll.unregister(fd)
            except OSError:
                pass
        return entry

    def _end(self, entry: _Waiting, why: str) -> None:
        if entry.started or not entry.kept:
            answer(entry.sock, "408 Request Timeout", f"{why}; send the request at once")
        else:
            entry.sock.close()   # an idle kept connection: closed, as servers do

    def _loop(self) -> None:
        sweep = time.monotonic() + 1.0
        while True:
            for fd, _ in self.epoll.poll(1.0):
                self._ready(fd)
            if time.monotonic() >= sweep:
                sweep = time.monotonic() + 1.0
                self._sweep()

    def _ready(self, fd: int) -> None:
        with self.lock:
            entry = self.waiting.get(fd)
        if entry is None:
            return
        try:
            verdict = readiness(entry.sock.recv(HEADER_LIMIT + SMALL_BODY + 1, socket.MSG_PEEK))
        except BlockingIOError:
            return
        except OSError:
            verdict = GONE
        if verdict == WAIT:
            if not entry.started:
                entry.started = True
                entry.deadline = min(entry.deadline, time.monotonic() + self.limits.request_timeout)
            return
        with self.lock:
            if self._take(fd) is not entry:
                return   # evicted meanwhile
        if verdict == GONE:
            entry.sock.close()
        elif verdict == TOO_LARGE:
            answer(entry.sock, "431 Request Header Fields Too Large",
                   f"the request's headers are over the sandbox's {HEADER_LIMIT:,} bytes")
        elif not self.dispatch(entry.sock, entry.address, verdict == PARTIAL):
            what = "requests" if verdict == READY else "requests whose body is still arriving"
            answer(entry.sock, "503 Service Unavailable", f"the sandbox is serving as many {what} at "
                   f"once as it may ({self.limits.active} in all); retry shortly")

    def _sweep(self) -> None:
        now = time.monotonic()
        with self.lock:
            late = [self._take(fd) for fd, e in list(self.waiting.items()) if e.deadline <= now]
        for entry in late:
            if entry is not None:
                self._end(entry, f"the request did not arrive within {self.limits.request_timeout:g} s")


class PacedHandler(BaseHTTPRequestHandler):
    """Mix in after werkzeug's WSGIRequestHandler (so its handle() wraps this one's):
    after each response a kept connection goes back to the Pacer."""

    timeout = STALL_TIMEOUT   # StreamRequestHandler.setup sets it on the socket
    handed_back = False
    server: PacedServer

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            if not self._buffered():
                self.handed_back = True
                return
            self.handle_one_request()   # the client sent its next request already

    def _buffered(self) -> bool:
        """Has this handler's reader bytes of a next request (read, not yet parsed)?"""
        self.connection.setblocking(False)
        try:
            return bool(self.rfile.peek(1))  # type: ignore[attr-defined]  # a BufferedReader
        except OSError:
            return False
        finally:
            self.connection.settimeout(self.timeout)

    def finish(self) -> None:
        super().finish()
        if self.handed_back:
            self.server.pacer.wait(self.connection, self.client_address, kept=True)


class PacedServer(ThreadedWSGIServer):
    """werkzeug's threaded server, its connections paced (above)."""

    def __init__(self, host: str, port: int, app: Any, handler: type, limits: Limits | None = None) -> None:
        super().__init__(host, port, app, handler=handler)
        self.limits = limits or Limits.for_process()
        self.workers = Workers(self.limits.active, self._serve)
        self.pacer = Pacer(lambda sock, address, partial: self.workers.submit((sock, address), partial),
                           self.limits)
        self.pacer.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pacer.wait(request, client_address)

    def _serve(self, item: tuple[socket.socket, Any]) -> None:
        sock, address = item
        handed, handler = False, self.RequestHandlerClass
        try:
            handed = bool(getattr(handler(sock, address, self), "handed_back", False))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - as socketserver: logged, the connection closed
            self.handle_error(sock, address)
        finally:
            if not handed:
                self.shutdown_request(sock)
