"""What an environment is told of Lambda's file system: the settings of its own root
(``jail.py``) and the search paths Lambda sets, never the user's or lambdactl's."""

from __future__ import annotations

import os
from pathlib import Path

from lambdactl.local.jail import CLONE_NEWNS, CLONE_NEWPID, LANG, SYS_PIVOT_ROOT
from lambdactl.runtimes import is_custom

EPHEMERAL_MB = 512  # Lambda's default EphemeralStorage: the size of /tmp
JAIL_SWITCH = "LAMBDACTL_SANDBOX_JAIL"  # "0": environments on the host's file system (README)
# What `local status` says where environments have no namespaces and root of their own.
UNJAILED = (f"no namespaces on this machine (or {JAIL_SWITCH}=0): handlers see the host's files, "
            "/tmp and processes, and their code at its host path, not /var/task")


def namespaces() -> bool:
    """Can an environment have PID and mount namespaces and a root of its own here
    (bootstrap.py, then jail.seal, really tried)? Once, in a forked child, at the sandbox's
    start (before it has threads); False (or JAIL_SWITCH=0): environments run on the
    host's file system (the fallback)."""
    if os.environ.get(JAIL_SWITCH) == "0" or os.uname().machine not in SYS_PIVOT_ROOT:
        return False
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os._exit(_try_seal())
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _try_seal() -> int:  # pragma: no cover - run in namespaces()'s child
    """0 if this (forked) process could build an environment's root, as bootstrap.py does:
    new PID and mount namespaces (in a user namespace where the user may not make them
    without), then jail.seal, every step of it (a pivot_root refused: 1)."""
    import ctypes
    import sys

    from lambdactl.local.jail import seal, unshare

    libc = ctypes.CDLL(None, use_errno=True)
    try:
        if not unshare(libc, CLONE_NEWPID | CLONE_NEWNS):
            return 1
        private = {"task": os.path.realpath(sys.base_prefix), "hide": [], "tmp_mb": 1}
        return 0 if seal(private) else 1
    except OSError:
        return 1


def private_config(hide: tuple[str, ...], task_root: Path, opt_root: Path | None, libs: Path | None,
                   tmp_mb: int, lang: dict[str, object] | None, python: str) -> dict[str, object]:
    """``jail.seal``'s settings: what to hide (server.private_dirs), the code (/var/task),
    the layers (/opt), the Python and runtime libraries (LANG: /var/lang, /var/runtime),
    /tmp's size. A custom runtime (LANG None: Lambda's OS-only images have no Python)
    keeps the sandbox's PYTHON at its host path, the one host path left: a bootstrap
    written on this machine in Python names it there (its #! line)."""
    keep = [] if lang else [str(Path(os.path.realpath(python)).parent.parent)]
    return {"hide": list(hide), "task": str(task_root), "opt": str(opt_root) if opt_root else None,
            "libs": str(libs) if libs else None, "lang": lang, "keep": keep,
            "tmp_mb": tmp_mb or EPHEMERAL_MB}


_langs: dict[tuple[str, str], dict[str, object]] = {}


def lang_config(python: str, libs: Path) -> dict[str, object]:
    """Where /var/lang and /var/runtime come from (jail.lang_binds): PYTHON's installation
    (the directory above its bin) and the entries of LIBS, each where it leads (the host's
    runtime libraries are links into its site-packages, pythons.runtime_libs); the
    interpreter to run there. Read once: neither changes while the sandbox runs."""
    key = (python, str(libs))
    if key not in _langs:
        real = Path(os.path.realpath(python))
        try:
            entries = {e.name: os.path.realpath(e.path) for e in os.scandir(libs)}
        except OSError:
            entries = {}
        _langs[key] = {"prefix": str(real.parent.parent), "exe": f"{LANG}/bin/{real.name}",
                       "runtime": entries}
    return _langs[key]


def search_paths(runtime: str, python: str, libs: Path | None, task_root: Path,
                 opt_root: Path | None, jailed: bool = False) -> dict[str, str]:
    """PATH and LD_LIBRARY_PATH as Lambda sets them: /var/lang's bin and lib directories
    (JAILED; else the function's Python's real ones stand in for them: a virtualenv's bin
    would run lambdactl's Python), the runtime's libraries for /var/runtime. Sealed, the
    task root, layers and runtime libraries are /var/task, /opt, /var/runtime (jail.relocate)."""
    opt = str(opt_root or "/opt")
    real = Path(os.path.realpath(python)).parent
    lang = [] if is_custom(runtime) else [Path(LANG) / "bin" if jailed else real]
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
