"""An execution environment frozen between its invocations, as Lambda freezes its microVM.

On Lambda, once the runtime asks for its next event (``/invocation/next``) with none
waiting, the environment is frozen: a thread or process the handler left running
stops until the next invocation thaws it, so it burns no CPU meanwhile and what it
prints lands in that invocation's log. Unfrozen, the sandbox let it run on: a
background thread's lines filled the log between invocations, and a daemon forked by
the handler worked on after the response. Here the freeze is SIGSTOP of every process
below the environment's guard (walked until nothing new appears, as ``kill_tree``
does, so nothing forks past it) and the thaw SIGCONT of the same processes, before
the event is handed over. The guard itself is never stopped: it must still end the
tree when the server dies.
"""

from __future__ import annotations

import queue
import signal
import threading
from typing import TypeVar

from lambdactl.local import proctree

T = TypeVar("T")


class Freezer:
    """Freezes and thaws the processes below one environment's guard."""

    def __init__(self, guard: int) -> None:
        self.guard = guard
        self._stopped: list[int] = []
        self._lock = threading.Lock()

    def take(self, waiting: queue.SimpleQueue[T], busy: bool) -> T:
        """The next item of WAITING; while none is there the tree is frozen, unless it is
        BUSY (an invocation still running: a second ``/next`` must not stop it). Thawed
        whichever ``/next`` the item goes to (a handler's own thread may be waiting too)."""
        if not busy and waiting.empty():
            self.freeze()
        try:
            return waiting.get()
        finally:
            self.thaw()

    def freeze(self) -> None:
        with self._lock:
            for _ in range(20):
                new = [pid for pid in proctree.descendants(self.guard) if pid not in self._stopped]
                if not new:
                    break
                proctree.signal_each(new, signal.SIGSTOP)
                self._stopped += new

    def thaw(self) -> None:
        with self._lock:
            proctree.signal_each(self._stopped, signal.SIGCONT)
            self._stopped = []
