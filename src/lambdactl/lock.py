"""One writer per project and target: `up` and `destroy` never interleave writes.

An flock on lock-<project+target>.json (copies of a project directory share it), in
the machine's lock directory for an AWS target (every user's and every home's runs
of the project take turns: two CI jobs' `up` failed on "Function already exist"),
in $LAMBDACTL_HOME/locks for the sandbox (each user's own): the kernel drops it when its process
dies, so a crashed run's lock is never stale. The file also says who holds it
(pid, host, since, command) so the waiting run can tell the user.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import socket
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lambdactl.errors import LambdactlError

LOCK_DIR = "/tmp/lambdactl-locks"   # /tmp itself, not $TMPDIR: users' TMPDIRs may differ


def directory() -> Path:
    shared = os.environ.get("LAMBDACTL_LOCK_DIR") or (LOCK_DIR if _shared_ok(LOCK_DIR) else "")
    return Path(shared) if shared else home_locks()


def home_locks() -> Path:
    from lambdactl.paths import home_dir

    return Path(home_dir()) / "locks"


@functools.lru_cache(maxsize=4)
def _shared_ok(where: str) -> bool:
    """WHERE is (made, if need be) a real directory that every user may write and none
    may empty of another's files (mode 1777), or this user's own."""
    with contextlib.suppress(FileExistsError, OSError):
        os.mkdir(where, 0o700)
        os.chmod(where, 0o1777)   # past the umask
    try:
        st = os.lstat(where)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and (st.st_uid == os.getuid() or stat.S_IMODE(st.st_mode) == 0o1777)


def open_shared(p: Path) -> int:
    """The lock file, read-write for every user (each bumps the generation), never through
    a link another user planted there (a symlink, or a hard link to a file of ours)."""
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        raise PermissionError(errno.EPERM, "not a lock file lambdactl made", str(p))
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) != 0o666:
        os.fchmod(fd, 0o666)
    return fd


class LockedError(LambdactlError):
    pass


def lock_path(state_dir: Path, target_key: str) -> Path:
    digest = hashlib.sha256(target_key.encode()).hexdigest()[:12]
    return state_dir / f"lock-{digest}.json"


@contextlib.contextmanager
def hold(
    path: Path,
    command: str,
    *,
    wait: float = 10.0,
    on_wait: Callable[[dict[str, object]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    fallback: Path | None = None,
) -> Iterator[None]:
    """PATH may be in the machine's shared lock directory (``directory``): where its file
    cannot be used safely there, FALLBACK (the home's) is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = open_shared(path)
    except OSError:
        if fallback is None:
            raise
        path = fallback
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = open_shared(path)
    try:
        deadline = time.monotonic() + wait
        told, polls = False, 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder, polls = _holder(path), polls + 1
                # The holder writes its record just after taking the lock: told at once, the
                # wait could name no one ("pid ?"); a record that never comes is waited 1 s.
                if not told and on_wait and (holder.get("pid") or polls > 5):
                    on_wait(holder)
                    told = True
                if time.monotonic() >= deadline:
                    since = time.strftime("%H:%M:%S", time.localtime(float(holder.get("since", 0) or 0)))
                    raise LockedError(
                        f"another lambdactl {holder.get('command', '?')} holds this project's lock "
                        f"(pid {holder.get('pid', '?')} on {holder.get('host', '?')}, since {since})",
                        "wait for it to finish, then run the command again",
                    ) from None
                sleep(0.2)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time(), "command": command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock


def waiting(holder: dict[str, Any]) -> str:
    """The line said while another run holds the lock: what it is, when its record says."""
    who = f"lambdactl {holder.get('command', '')}".strip()
    return f"waiting for another {who}" + (f" (pid {holder['pid']})" if holder.get("pid") else "") + " to finish…"


def _holder(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text() or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
