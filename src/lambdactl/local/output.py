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
    """Reads a pipe in a thread and calls ``on_line`` for every complete line."""

    def __init__(self, pipe: IO[bytes], on_line: Callable[[str], None], name: str) -> None:
        self._fd = pipe.fileno()
        self._pipe = pipe
        self._on_line = on_line
        self._partial = bytearray()
        self._dropped = 0   # bytes of the current line beyond MAX_LINE
        self._lock = threading.Lock()
        self._waiters: list[threading.Event] = []
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def drain(self, timeout: float = 2.0) -> None:
        """Wait until everything written to the pipe so far has been delivered."""
        event = threading.Event()
        with self._lock:
            if self._closed:
                return
            self._waiters.append(event)
            os.write(self._wake_w, b"w")
        event.wait(timeout)

    def join(self, timeout: float = 2.0) -> None:
        """Wait for end of file (the child has exited and the pipe is empty)."""
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while True:
                ready, _, _ = select.select([self._fd, self._wake_r], [], [])
                if self._fd in ready:
                    data = os.read(self._fd, 65536)
                    if not data:
                        break
                    self._feed(data)
                    continue
                os.read(self._wake_r, 4096)
                self._flush_partial()
                self._release()
        except OSError:
            pass
        finally:
            self._flush_partial()
            with self._lock:
                self._closed = True
                os.close(self._wake_w)
            os.close(self._wake_r)
            self._pipe.close()
            self._release()

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

    def _release(self) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, []
        for event in waiters:
            event.set()
