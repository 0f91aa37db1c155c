"""The watched functions' logs as one stream: a follower thread per function
(logs.follow: live tail on AWS, polling elsewhere), each line prefixed with the
function's name, in a colour of its own on a terminal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO, cast

from lambdactl import logs as logmod

# ANSI colours for the function prefixes, in turn.
COLOURS = ("\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[34m", "\x1b[32m", "\x1b[91m")


class _Stopped(Exception):
    """The tail is stopping: ends a follower's sleep."""


class _Prefixed:
    """A text stream that puts PREFIX() before every line written to OUT, under LOCK
    (a function followed later may widen the prefixes: they are made per line)."""

    def __init__(self, out: TextIO, prefix: Callable[[], str], lock: threading.Lock) -> None:
        self.out, self.prefix, self.lock = out, prefix, lock

    def write(self, text: str) -> int:
        lines = text.splitlines(keepends=True)
        with self.lock:
            prefix = self.prefix()
            self.out.write("".join(prefix + line for line in lines))
        return len(text)

    def flush(self) -> None:
        with self.lock:
            self.out.flush()


class Tail:
    """Follows log groups into OUT from START on, until stop()."""

    def __init__(self, client: Any, out: TextIO, start: datetime, *, color: bool = False,
                 live_arn: Callable[[str], str | None] = lambda group: None,
                 interval: float = 0.5, on_note: Callable[[str], None] | None = None) -> None:
        self.client, self.out, self.start, self.color = client, out, start, color
        self.live_arn, self.interval, self.on_note = live_arn, interval, on_note
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self.width = 0

    def follow(self, key: str, group: str) -> None:
        """Start following GROUP as KEY's (once per KEY)."""
        if key in self._threads:
            return
        self.width = max(self.width, len(key))
        thread = threading.Thread(target=self._run, args=(key, group), daemon=True,
                                  name=f"lambdactl-dev-tail-{key}")
        self._threads[key] = thread
        thread.start()

    def _prefix(self, key: str) -> str:
        label = f"{key:<{self.width}} | "
        if not self.color:
            return label
        colour = COLOURS[list(self._threads).index(key) % len(COLOURS)]
        return f"{colour}{label}{logmod.RESET}"

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped

    def _run(self, key: str, group: str) -> None:
        stream = cast(TextIO, _Prefixed(self.out, lambda: self._prefix(key), self._lock))
        render = logmod.Formatter(stream, "short", self.color)
        try:
            for ev in logmod.follow(self.client, group, self.start, sleep=self._sleep,
                                    live_arn=self.live_arn(group), interval=self.interval):
                if self._stop.is_set():
                    return
                render(ev)
        except _Stopped:
            return
        except Exception as exc:  # noqa: BLE001 - a follower's failure is said, the loop goes on
            if self.on_note and not self._stop.is_set():
                self.on_note(f"stopped following {group}: {exc}")

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        for thread in self._threads.values():
            thread.join(timeout)
