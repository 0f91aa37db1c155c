"""What an environment is told of Lambda's file system: the settings of its own root
(``jail.py``) and the search paths Lambda sets, never the user's or lambdactl's."""

from __future__ import annotations

import os
from pathlib import Path

from lambdactl.local.jail import CLONE_NEWNS, SYS_PIVOT_ROOT
from lambdactl.runtimes import is_custom

EPHEMERAL_MB = 512  # Lambda's default EphemeralStorage: the size of /tmp
CLONE_NEWUSER, CLONE_NEWPID = 0x10000000, 0x20000000
# What `local status` says where environments cannot have namespaces of their own.
UNJAILED = ("no namespaces on this machine: handlers see the host's files, /tmp and processes, "
            "and their code at its host path, not /var/task")


def namespaces() -> bool:
    """Can an environment have PID and mount namespaces of its own here (bootstrap.py,
    then jail.seal)? Tried once in a forked child, at the sandbox's start (before it has
    threads); False: environments run on the host's file system (the fallback)."""
    import ctypes

    if os.uname().machine not in SYS_PIVOT_ROOT:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        tried = (libc.unshare(user | CLONE_NEWPID | CLONE_NEWNS) == 0 for user in (0, CLONE_NEWUSER))
        os._exit(0 if any(tried) else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def private_config(hide: tuple[str, ...], task_root: Path, opt_root: Path | None, libs: Path | None,
                   tmp_mb: int) -> dict[str, object]:
    """``jail.seal``'s settings: what to hide (server.private_dirs), the code (/var/task),
    the layers (/opt), the runtime's libraries bound back at their own path, /tmp's size."""
    keep = [str(libs), *_linked(libs)] if libs else []
    return {"hide": list(hide), "task": str(task_root), "opt": str(opt_root) if opt_root else None,
            "keep": keep, "tmp_mb": tmp_mb or EPHEMERAL_MB}


_links: dict[str, list[str]] = {}


def _linked(libs: Path) -> list[str]:
    """Where the entries of LIBS lead (the host's runtime libraries are links into its
    site-packages, pythons.runtime_libs): bound back too. Read once: LIBS never changes."""
    if str(libs) not in _links:
        try:
            entries = list(os.scandir(libs))
        except OSError:
            entries = []
        _links[str(libs)] = sorted(os.path.realpath(e.path) for e in entries if e.is_symlink())
    return _links[str(libs)]


def search_paths(runtime: str, python: str, libs: Path | None, task_root: Path,
                 opt_root: Path | None) -> dict[str, str]:
    """PATH and LD_LIBRARY_PATH as Lambda sets them: the function's Python's own bin and
    lib directories stand in for /var/lang's (its real ones: a virtualenv's bin would run
    lambdactl's Python), the runtime's libraries for /var/runtime. Sealed, the task root
    and the layers are /var/task and /opt (jail.relocate)."""
    opt = str(opt_root or "/opt")
    lang = [] if is_custom(runtime) else [Path(os.path.realpath(python)).parent]
    runtime_dirs = [str(libs), f"{libs}/lib"] if libs else []
    path = [*map(str, lang), "/usr/local/bin", "/usr/bin/", "/bin", f"{opt}/bin"]
    ld = [*(str(d.parent / "lib") for d in lang), "/lib64", "/usr/lib64", *runtime_dirs,
          str(task_root), f"{task_root}/lib", f"{opt}/lib"]
    return {"PATH": ":".join(path), "LD_LIBRARY_PATH": ":".join(ld)}


def layer_paths(opt_root: Path | None, runtime: str) -> list[str]:
    """Where Lambda's Python looks in /opt, after /var/task."""
    if opt_root is None:
        return []
    return [str(opt_root / "python" / "lib" / runtime / "site-packages"), str(opt_root / "python")]
