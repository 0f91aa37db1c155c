"""Line-by-line capture of a child's combined stdout/stderr, with a drain barrier.

The handler prints, then posts its response; the response can reach us before
the printed bytes are read from the pipe. ``drain()`` returns only once every
byte written before the call has been turned into lines, so END and REPORT are
always logged after the handler's own output, as on Lambda.
"""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable
from typing import IO

# Lambda sends a line of output to CloudWatch as one event, capped at 256 KB.
MAX_LINE = 256 * 1024


def _decode(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").removesuffix("\r")
    # awslambdaric joins the lines of an [ERROR] report with "\r" so that one
    # report is one CloudWatch event; keep it one event, with real newlines.
    return text.replace("\r", "\n")


class OutputReader:
    """Reads a pipe in a thread and calls ``on_line`` for every complete line.

    ``drain()`` reads what is left in the caller's own thread (the pipe is
    non-blocking; one reader at a time): no hand-off to the reader thread and
    back on every invocation, which costs two thread wake-ups on a busy machine.
    """

    def __init__(self, pipe: IO[bytes], on_line: Callable[[str], None], name: str) -> None:
        self._fd = pipe.fileno()
        self._pipe = pipe
        self._on_line = on_line
        self._partial = bytearray()
        self._dropped = 0   # bytes of the current line beyond MAX_LINE
        self._lock = threading.Lock()  # held while reading the pipe and splitting lines
        self._closed = False
        os.set_blocking(self._fd, False)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def drain(self, timeout: float = 2.0) -> None:
        """Deliver everything written to the pipe so far (a partial last line too).

        TIMEOUT bounds the wait for the reader thread, if it is delivering lines now."""
        if not self._lock.acquire(timeout=timeout):
            return
        try:
            if not self._closed:
                self._read_available()
                self._flush_partial()
        finally:
            self._lock.release()

    def join(self, timeout: float = 2.0) -> None:
        """Wait for end of file (the child has exited and the pipe is empty)."""
        self._thread.join(timeout)

    def _read_available(self) -> bool:
        """Read until the pipe is empty (True) or at its end (False); under the lock."""
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self._feed(data)

    def _run(self) -> None:
        try:
            while True:
                select.select([self._fd], [], [])
                with self._lock:
                    if not self._read_available():
                        break
        except OSError:
            pass
        finally:
            with self._lock:
                self._flush_partial()
                self._closed = True
                self._pipe.close()

    def _feed(self, data: bytes) -> None:
        """Split DATA into lines: linear in its size, however long a line grows."""
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            self._keep(data[start:end])
            self._emit()
            start = end + 1
        self._keep(data[start:])

    def _keep(self, chunk: bytes) -> None:
        room = max(MAX_LINE - len(self._partial), 0)
        self._partial += chunk[:room]   # a bytearray: appending is amortised O(1)
        self._dropped += len(chunk) - min(room, len(chunk))

    def _emit(self) -> None:
        text = _decode(bytes(self._partial))
        if self._dropped:
            text += f" [truncated: {self._dropped} more bytes]"
        self._partial, self._dropped = bytearray(), 0
        self._on_line(text)

    def _flush_partial(self) -> None:
        if self._partial or self._dropped:
            self._emit()
