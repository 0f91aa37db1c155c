"""Execution environments as process trees (Linux /proc; elsewhere the root alone).

An environment's runtime process is the root of a tree: it runs in its own
session and is a child subreaper (``bootstrap.py``), so whatever its handler
starts, ``setsid`` or double fork included, stays below it. Memory is the
tree's (the sum of RSS), and killing an environment kills the whole tree.
The server is a subreaper too: a process that escapes its tree (its runtime
died first) becomes the server's child, and ``sweep`` kills it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

PR_SET_CHILD_SUBREAPER = 36
T = TypeVar("T")
PROC = Path("/proc")


def set_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def children(pid: int, threads: int = 0) -> list[int]:
    """Direct children of PID, from every thread's children list (THREADS: how many PID
    has, where known; 1: its own list only, without listing its tasks)."""
    found: list[int] = []
    try:
        tasks = [str(pid)] if threads == 1 else os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError, ValueError):
            found += [int(p) for p in read_proc(f"/proc/{pid}/task/{task}/children").split()]
    return found


def read_proc(path: str) -> bytes:
    """A /proc file's bytes with os.open/os.read: open()'s file objects cost ~10 us more
    per read (a warm invoke's memory sample reads three files). One read when it comes
    back short of a page's half: these files are the kernel's seq_files, whose read stops
    short only at their end or with a (nearly) full page, so the read that would return
    b"" is not made (five system calls of a warm invoke's memory sample)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = [os.read(fd, 1 << 16)]
        while len(chunks[-1]) >= _SHORT and (chunk := os.read(fd, 1 << 16)):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


_SHORT = 2048   # half the smallest page: a seq_file read shorter than this is its last


def descendants(pid: int) -> list[int]:
    """Every process below PID, parents before their children."""
    order: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop(0)
        if child not in order:
            order.append(child)
            todo += children(child)
    return order


def rss_kb(pid: int) -> int:
    return status_kb(pid, "VmRSS")


def status_kb(pid: int, field_name: str) -> int:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM); 0 if gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """Resident memory of PID and all its descendants, in kB."""
    return rss_kb(pid) + sum(rss_kb(child) for child in descendants(pid))


def below_guard_kb(guard: int, inits: dict[int, int] | None = None,
                   alone: dict[int, int] | None = None) -> tuple[int, int]:
    """(resident memory of everything below GUARD, the largest VmHWM among its children):
    an environment's memory without its guard (bootstrap.py), which is not the function's,
    nor is the init of the environment's PID namespace between them (bootstrap.seal).
    Sampled after every invocation: one read of each process's status, bytes parsed.
    INITS (one environment's, kept between its samples): the namespace inits found below
    GUARD, with their thread counts; that one is an init does not change while it lives
    (and its pid is not another's while the guard, its parent, has not reaped it), so
    its status is read once (~10 us of the kernel's per warm invoke). ALONE (kept too):
    what the runtime shares outside its tree, read once (``_tree_kb``)."""
    runtimes, others, peak = _walk(guard, {} if inits is None else inits)
    return _tree_kb(runtimes, others, {} if alone is None else alone), peak


def _walk(guard: int, inits: dict[int, int]) -> tuple[dict[int, int], dict[int, int], int]:
    """({runtime: VmRSS} of the guard's children, {pid: VmRSS} of the processes below them,
    the runtimes' largest VmHWM)."""
    runtimes: dict[int, int] = {}
    others: dict[int, int] = {}
    peak = 0
    todo = [(pid, True) for pid in children(guard, threads=1)]   # bootstrap.py: one thread
    if len(todo) != len(inits) or any(pid not in inits for pid, _ in todo):
        inits.clear()   # not the guard's children the last sample found: read them again
    while todo:
        pid, direct = todo.pop()
        if pid in runtimes or pid in others:
            continue
        if direct and pid in inits:
            todo += [(child, True) for child in children(pid, inits[pid])]
            continue
        status = _status(pid)
        rss, hwm, threads = _parse_kb(status, (b"\nVmRSS:", b"\nVmHWM:", b"\nThreads:")) or (0, 0, 0)
        if direct and _namespace_init(status):
            inits[pid] = threads
            todo += [(child, True) for child in children(pid, threads)]
            continue
        (runtimes if direct else others)[pid] = rss
        peak = max(peak, hwm) if direct else peak
        todo += [(child, False) for child in children(pid, threads)]
    return runtimes, others, peak


def _tree_kb(runtimes: dict[int, int], others: dict[int, int], alone: dict[int, int]) -> int:
    """A page counted once, as Lambda's cgroup counts it. The runtime alone: its RSS. With
    processes below it, each one's proportional share (Pss) of every page it maps: a page
    the tree's processes share sums to one page, whoever allocated it. A sum of RSS counted
    a 30 MB runtime's six forked workers as 210 MB; their private pages only (as before)
    missed pages a child allocated and then forked: shared, no one's private, 600 MB held
    by a 128 MB function's grandchildren. The runtime's pages shared outside the tree (with
    the zygote it was forked from, other environments' runtimes, shared libraries) count
    whole, as its RSS counted them: RSS - Pss when it was first seen (ALONE, per runtime)."""
    for pid, rss in runtimes.items():
        if pid not in alone:
            pss = _fields_kb(f"/proc/{pid}/smaps_rollup", (b"\nPss:",))
            alone[pid] = rss - pss[0] if pss else 0
    if not others:
        return sum(runtimes.values())
    shares = {pid: _fields_kb(f"/proc/{pid}/smaps_rollup", (b"\nPss:",)) for pid in [*runtimes, *others]}
    if any(share is None for pid, share in shares.items() if pid in runtimes):
        return sum(runtimes.values()) + sum(_private_kb(pid, rss) for pid, rss in others.items())  # before 4.14
    return sum((share or [0])[0] for share in shares.values()) + sum(alone[pid] for pid in runtimes)


def _namespace_init(status: bytes | None) -> bool:
    """Is this the first process of a PID namespace below ours ("NSpid: <ours> 1")?"""
    at = status.find(b"\nNSpid:") if status else -1
    if status is None or at < 0:
        return False
    ids = status[at + 7:status.index(b"\n", at + 1)].split()
    return len(ids) > 1 and ids[-1] == b"1"


def _private_kb(pid: int, rss: int) -> int:
    """PID's private memory in kB (smaps_rollup's Private_Clean + Private_Dirty); RSS
    where the kernel has no smaps_rollup (before 4.14)."""
    found = _fields_kb(f"/proc/{pid}/smaps_rollup", (b"\nPrivate_Clean:", b"\nPrivate_Dirty:"))
    return rss if found is None else sum(found)


def _read(path: str) -> bytes | None:
    """The /proc file PATH's bytes; None if unreadable (its process gone)."""
    try:
        return read_proc(path)
    except OSError:
        return None


def _status(pid: int) -> bytes | None:
    return _read(f"/proc/{pid}/status")


def _fields_kb(path: str, names: tuple[bytes, ...]) -> list[int] | None:
    """The "Name:   N kB" values of NAMES in the /proc file PATH (0 if absent); None if unreadable."""
    return _parse_kb(_read(path), names)


def _parse_kb(text: bytes | None, names: tuple[bytes, ...]) -> list[int] | None:
    """The values of NAMES ("Name:   N kB" or "Name:   N") in TEXT (0 if absent); None if no TEXT."""
    if text is None:
        return None
    values = []
    for name in names:
        at = text.find(name)
        end = text.find(b"\n", at + len(name)) % (len(text) + 1)   # -1: to the end
        values.append(int(text[at + len(name):end].split()[0]) if at >= 0 else 0)   # "N kB", "N"
    return values


def signal_each(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def kill_tree(root: int) -> None:
    """SIGKILL ROOT and everything below it.

    The tree is frozen first (SIGSTOP, until a walk finds nothing new), so no
    process forks between the walk and the kill.
    """
    seen: list[int] = []
    for _ in range(20):
        tree = [root, *descendants(root)]
        new = [pid for pid in tree if pid not in seen]
        if not new:
            break
        signal_each(new, signal.SIGSTOP)
        seen += new
    signal_each(seen, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root, signal.SIGKILL)  # its session's group (start_new_session)


class Spawner:
    """Starts the runtime processes, from one long-lived thread, and knows their pids.

    PR_SET_PDEATHSIG (set by the bootstrap) fires when the *thread* that forked
    exits, not the process: forking from a request's thread would kill the
    environment when that request ends.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], list[str], dict[str, Any]]] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._pids: set[int] = set()
        threading.Thread(target=self._run, name="spawner", daemon=True).start()

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        done: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((done, command, options))
        return done.result()

    def _run(self) -> None:
        while True:
            done, command, options = self._jobs.get()
            try:
                with self._lock:  # a sweep never sees a runtime it does not know yet
                    proc = subprocess.Popen(command, **options)
                    self._pids.add(proc.pid)
                done.set_result(proc)
            except BaseException as exc:  # handed to the caller's thread
                done.set_exception(exc)

    def adopt(self, start: Callable[[], T]) -> T:
        """Run START, which makes a child of this process some other way (a zygote's fork,
        zygote.py), where a sweep cannot see the child before its pid is known."""
        with self._lock:
            proc = start()
            self._pids.add(proc.pid)  # type: ignore[attr-defined]
        return proc

    def output(self, command: list[str], timeout: float = 10.0) -> str | None:
        """stdout of COMMAND if it exits 0, else None (a short helper, never swept)."""
        try:
            proc = self.popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
        except OSError:
            return None
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        self.forget(proc.pid)
        return out.decode(errors="replace") if proc.returncode == 0 else None

    def forget(self, pid: int) -> None:
        """PID was reaped: it is no longer ours (and may be reused)."""
        with self._lock:
            self._pids.discard(pid)

    def sweep(self) -> list[int]:
        """Kill and reap this process's children that are not runtimes.

        They are descendants of an environment that ended before them, handed to
        this process (a subreaper) when their parents died.
        """
        with self._lock:
            strays = [pid for pid in children(os.getpid()) if pid not in self._pids]
        for pid in strays:
            kill_tree(pid)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)
        return strays


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the server and its runtime children (they share its process group)."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stopped(pid: int) -> bool:
    """True if the process is stopped (SIGSTOP, Ctrl-Z): it accepts connections
    (the kernel's backlog) but answers nothing. Linux's procfs; elsewhere False."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except (OSError, IndexError):
        return False
