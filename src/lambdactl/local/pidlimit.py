"""Lambda's quota of 1,024 processes and threads per execution environment.

Lambda counts every task of the environment (a thread is one, as a process is) and
refuses the next fork or thread past 1,024 (EAGAIN: Python's "can't start new thread",
BlockingIOError). The sandbox had no such bound: 2,000 threads or processes started,
and a fork bomb in a handler reached the whole machine. RLIMIT_NPROC cannot say it:
it counts per user, and every environment of every sandbox on the machine runs as
``sbx_user1051``. A cgroup's ``pids.max`` can: the sandbox makes a cgroup of its own
(``lambdactl-pids-<pid>``) under its own, in cgroup v2 where the pids controller is
delegated to it, else in cgroup v1's pids hierarchy where that is mounted and writable
(as root); each environment's guard (bootstrap.py) makes ``env-<its pid>`` there, sets
``pids.max`` and joins it before it forks the runtime, so the whole tree is bounded.
Empty ones are removed by ``sweep``; ``close`` ends what is left at ``local stop``.
In cgroup v2 not delegated to the sandbox's own cgroup, the nearest ancestor that has
the pids controller for its children and lets the sandbox make one (root's: the
hierarchy's own root) holds it instead. Where no such cgroup can be made and the
sandbox is not root, each environment is a user namespace of its own (jail.own_user),
and RLIMIT_NPROC, which the kernel counts per user namespace and uid (Linux 5.14+),
bounds its tasks instead (``guard_config``); as root (one uid, sbx_user1051, for every
environment) nothing does, and ``setup`` says why. ``describe`` names which applies,
for ``local status``.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from lambdactl.local.cpushare import CGROUP_FS, _own_cgroups, _words, own_base, remove_all

LIMIT = 1024   # Lambda's "execution processes/threads" quota
PREFIX = "lambdactl-pids-"   # then the server's pid
OWN_TASKS = 3  # the guard (and its thread lending sockets, netjail.py), its PID namespace's init
FRESH_S = 5.0  # sweep leaves a cgroup this young: made, its guard not in it yet


def setup(server_pid: int, fs: Path = CGROUP_FS, v2: bool = True) -> tuple[Path | None, str]:
    """The sandbox's pids cgroup (environments' guards make theirs below it), or None and
    why. Not V2: the guard joins a v2 cgroup for its CPU share (cpushare.py), and a process
    is in one v2 cgroup only."""
    own = _own_cgroups()
    v2_root = fs if (fs / "cgroup.controllers").exists() else fs / "unified"
    candidates = []
    if v2 and "" in own and (v2_root / "cgroup.controllers").exists():
        mine = v2_root / own[""].lstrip("/")
        candidates += [(parent, 2) for parent in [mine, *mine.parents] if parent.is_relative_to(v2_root)
                       and "pids" in _words(parent / "cgroup.subtree_control")][:2]  # its own, or nearest
    candidates += [(fs / "pids" / path.lstrip("/"), 1) for names, path in own.items()
                   if "pids" in names.split(",") and (fs / "pids").is_dir()]
    reasons = []
    for parent, version in candidates:
        try:
            base = own_base(parent, f"{PREFIX}{server_pid}", "pids", version)
        except OSError as exc:
            reasons.append(f"cannot create a cgroup under {parent}: {exc.strerror}")
            continue
        return base, ""
    return None, "; ".join(reasons) or "no cgroup pids controller is delegated to the sandbox"


def guard_config(base: Path | None, jailed: bool = True, root: bool | None = None) -> tuple[tuple[str, object], ...]:
    """What an environment's guard is told (bootstrap.py): where to make its cgroup, and
    the bound: Lambda's, plus the guard's own tasks and the namespace's init. Without a
    cgroup, JAILED (its namespaces are made) and not ROOT (this process's euid 0):
    RLIMIT_NPROC in a user namespace of its own."""
    if base is not None:
        return (("pids", str(base)), ("pids_max", LIMIT + OWN_TASKS))
    import os

    root = os.geteuid() == 0 if root is None else root
    return (("nproc", LIMIT + OWN_TASKS),) if jailed and not root else ()


def describe(config: tuple[tuple[str, object], ...]) -> str:
    """Which bound guard_config's CONFIG puts on an environment's tasks ("" for none)."""
    settings = dict(config)
    if "pids" in settings:
        return bound(f"cgroup v{1 if Path(str(settings['pids'])).is_relative_to(CGROUP_FS / 'pids') else 2} pids.max")
    return bound("RLIMIT_NPROC") if "nproc" in settings else ""


def bound(how: str) -> str:
    """The words of LIMIT, as `local status` shows it, set by HOW."""
    return f"{LIMIT} processes and threads per environment ({how})"


def sweep(base: Path, now: float | None = None) -> None:
    """Remove the cgroups of environments that ended (the kernel refuses a busy one); not
    one made in the last seconds: its guard may not have joined it yet."""
    now = time.time() if now is None else now
    for child in base.iterdir():
        with contextlib.suppress(OSError):
            if now - child.stat().st_mtime > FRESH_S:
                child.rmdir()


def close(base: Path) -> None:
    remove_all(base)


def pid_cgroups(v2: bool = True) -> Path | None:
    """The server's pids cgroup, with one line in its log saying whether it bounds them."""
    import logging
    import os

    base, why = setup(os.getpid(), v2=v2)
    log = logging.getLogger("lambdactl.sandbox")
    if base is None:
        log.warning("no cgroup bounds processes and threads per environment on this machine (%s): "
                    "Lambda allows %d; as another user than root, RLIMIT_NPROC does", why, LIMIT)
    else:
        log.info("processes and threads: at most %d per environment (%s)", LIMIT, base)
    return base
