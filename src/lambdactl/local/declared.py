"""The Python a function runs on in the sandbox: its declared one, with that runtime's
own libraries, or the host's with a one-line warning saying what is missing.

The declared interpreter is found by ``pythons.find`` (PATH, pyenv, uv). The host's
awslambdaric and boto3 cannot serve it (awslambdaric has a C extension built for
the host's Python), so that Python gets its own copies: installed once per Python
version into the sandbox's cache (``$LAMBDACTL_RUNTIME_CACHE``, else
``$LAMBDACTL_HOME/runtimes``) by its own pip, under a lock so two processes never
install twice. The interpreter and that directory are what an environment is
started with (``Launch.python`` and ``Launch.libs``).
"""

from __future__ import annotations

import fcntl
import importlib.metadata as metadata
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lambdactl.local.pythons import (
    HOST_PYTHON,
    HOST_RUNTIME,
    HOST_VERSION,
    RUNTIME_DISTRIBUTIONS,
    Run,
    find,
    run_command,
)
from lambdactl.runtimes import is_custom

CACHE_ENV = "LAMBDACTL_RUNTIME_CACHE"
INSTALL_TIMEOUT_S = 600.0
# A failed install (no package index: offline) is not tried again by every command for
# this long: pip's own retries cost a minute or more each time with no network.
RETRY_AFTER_S = 600.0
Say = Callable[[str], None]


@dataclass(frozen=True)
class Runtime:
    """Where a function runs: PYTHON (X.Y = VERSION) with LIBS on its path (None: the
    host's own, linked by ``pythons.runtime_libs``); WARNING when not its declared Python."""

    python: str
    version: str
    libs: Path | None = None
    warning: str | None = None


HOST = Runtime(HOST_PYTHON, HOST_VERSION)
_resolved: dict[tuple[str, Path], Runtime] = {}


def cache_dir(home: Path) -> Path:
    """Where each Python's runtime libraries are installed: shared by every sandbox of HOME."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else home / "runtimes"


def pins() -> list[str]:
    """The runtime's distributions at the host's versions. Lambda's own boto3 version per
    runtime is not knowable offline: the host's is the one lambdactl is tested with."""
    return [f"{name}=={metadata.version(name)}" for name in RUNTIME_DISTRIBUTIONS]


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def resolve(runtime: str, cache: Path, *, run: Run = run_command, say: Say = to_stderr) -> Runtime:
    """The Runtime RUNTIME's functions run on here; installs its libraries at first use
    (SAY tells while it does). Once per process per runtime and cache."""
    if runtime == HOST_RUNTIME or is_custom(runtime):  # a custom runtime's launcher only execs
        return HOST
    key = (runtime, cache)
    if key not in _resolved:
        _resolved[key] = _resolve(runtime, cache, run, say)
    return _resolved[key]


def _resolve(runtime: str, cache: Path, run: Run, say: Say) -> Runtime:
    host = ".".join(map(str, sys.version_info[:3]))
    instead = (f"the function runs on the host's Python {host} instead; version-specific "
               "behaviour may differ from Lambda")
    version = runtime.removeprefix("python")
    python = find(runtime, run)
    if python is None:
        return Runtime(HOST_PYTHON, HOST_VERSION, None, (
            f"no working {runtime} on this machine (PATH, pyenv, uv): {instead}; to get one: "
            f"`uv python install {version}` or `pyenv install {version}`"))
    libs, failed = install_libs(python, runtime, cache, run, say)
    if libs is None:
        return Runtime(HOST_PYTHON, HOST_VERSION, None, (
            f"awslambdaric and boto3 for {runtime} could not be installed with {python} -m pip "
            f"({failed}): {instead}; to get them: make the package index reachable for that pip, "
            "then run `lambdactl up` again"))
    return Runtime(python, version, libs)


def install_libs(python: str, runtime: str, cache: Path, run: Run,
                 say: Say) -> tuple[Path | None, str]:
    """(the directory holding RUNTIME's awslambdaric and boto3, why not when None)."""
    wanted = pins()
    dest = cache / "-".join([runtime, *(p.replace("==", "-") for p in wanted)])
    if dest.is_dir():
        return dest, ""
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / f"{runtime}.pip.log"
    with open(cache / f".{runtime}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process installs it: wait, then use its copy
        if dest.is_dir():
            return dest, ""
        failed_at = cache / f".{runtime}.failed"
        if failed_at.exists() and time.time() - failed_at.stat().st_mtime < RETRY_AFTER_S:
            ago = int(time.time() - failed_at.stat().st_mtime)
            return None, (f"the last try failed {ago} s ago and is made again {RETRY_AFTER_S / 60:.0f} "
                          f"minutes after it, or at once if {failed_at} is deleted; its log: {log}")
        say(f"installing {' and '.join(wanted)} for {runtime} into the sandbox's cache "
            f"({dest}); once per Python version…")
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        out = run([python, "-m", "pip", "install", "--target", str(tmp), "--only-binary=:all:",
                   "--no-input", "--disable-pip-version-check", "--quiet", "--log", str(log),
                   "--retries", "1", "--timeout", "15", *wanted], INSTALL_TIMEOUT_S)
        if out is None:
            shutil.rmtree(tmp, ignore_errors=True)
            failed_at.touch()
            return None, f"pip failed; its log: {log}"
        failed_at.unlink(missing_ok=True)
        os.replace(tmp, dest)
    return dest, ""
