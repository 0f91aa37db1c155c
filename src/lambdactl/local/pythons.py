"""Which Python runs a function, and what it can import.

On Lambda a handler's sys.path is its package (/var/task), its layers (/opt)
and the runtime's own boto3/botocore; lambdactl's virtualenv (click, rich,
moto, flask, ...) is not there. ``runtime_libs`` builds the sandbox's
equivalent of the runtime's directory for the host's Python: links to
awslambdaric and boto3 and what they need, nothing else (another Python gets
its own copies: ``declared.py``). ``find`` looks for the function's declared
Python: on PATH, then pyenv's versions, then uv's managed Pythons.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# What the runtime brings: the runtime interface client, and boto3 as Lambda bundles it.
RUNTIME_DISTRIBUTIONS = ("awslambdaric", "boto3")
HOST_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
HOST_RUNTIME = f"python{HOST_VERSION}"
# The interpreter outside lambdactl's virtualenv: `import site` in a handler then
# adds the base installation's site-packages, never lambdactl's.
HOST_PYTHON = getattr(sys, "_base_executable", None) or sys.executable


def _closure(names: tuple[str, ...]) -> list[metadata.Distribution]:
    """The installed distributions NAMES need, their requirements included (no extras)."""
    found: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = re.split(r"[\s<>=!~;\[(]", todo.pop().strip(), maxsplit=1)[0].lower()
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        found[name] = dist
        todo += [r for r in dist.requires or [] if "extra ==" not in r]
    return list(found.values())


def _top_level(dist: metadata.Distribution) -> set[Path]:
    """The distribution's top-level entries in its site-packages (packages, modules, metadata)."""
    entries = set()
    for file in dist.files or []:
        first = Path(file).parts[0]
        if first not in ("..", "__pycache__") and not first.endswith(".pth"):
            entries.add(Path(str(dist.locate_file(first))))
    return entries


def runtime_libs(dest: Path) -> Path:
    """DEST holding links to the runtime's distributions only; made once per process."""
    if dest.is_dir():
        return dest
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for dist in _closure(RUNTIME_DISTRIBUTIONS):
        for entry in _top_level(dist):
            link = tmp / entry.name
            if entry.exists() and not link.exists():
                link.symlink_to(entry)
    os.replace(tmp, dest)
    return dest


VERSION_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"
Run = Callable[[list[str], float], "str | None"]  # (command, timeout) -> stdout if it exits 0
_probed: dict[str, str | None] = {}  # interpreter path -> the X.Y it runs, per process


def run_command(command: list[str], timeout: float) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def _by_version(paths: list[Path]) -> list[str]:
    """PATHS (.../<name with X.Y.Z>/bin/pythonX.Y), the newest patch release first."""
    def patch(path: Path) -> tuple[int, ...]:
        found = re.search(r"\d+\.\d+\.(\d+)", path.parent.parent.name)
        return (int(found.group(1)),) if found else (-1,)
    return [str(p) for p in sorted(paths, key=patch, reverse=True)]


def candidates(runtime: str) -> list[str]:
    """Where RUNTIME's interpreter may be: PATH, pyenv's versions, uv's managed Pythons."""
    version = runtime.removeprefix("python")
    home = os.path.expanduser("~")   # "~" itself: no HOME, and no passwd entry for this user
    pyenv = os.environ.get("PYENV_ROOT") or (f"{home}/.pyenv" if home != "~" else "")
    data = os.environ.get("XDG_DATA_HOME") or (f"{home}/.local/share" if home != "~" else "")
    uv = os.environ.get("UV_PYTHON_INSTALL_DIR") or (f"{data}/uv/python" if data else "")
    path = shutil.which(runtime)
    # A pyenv shim only execs one of pyenv's versions, searched next (and fails for a
    # version not selected): probing it costs a shell and pyenv (~200 ms of CPU).
    found = [path] if path and not (pyenv and Path(path).parent == Path(pyenv, "shims")) else []
    found += _found(pyenv and f"{pyenv}/versions", f"{version}.*/bin/{runtime}")
    found += _found(uv, f"cpython-{version}.*/bin/{runtime}")
    return list(dict.fromkeys(found))


def _found(where: str, pattern: str) -> list[str]:
    """PATTERN's matches under WHERE ("": nowhere), the newest patch first; none where it
    cannot be read (another user's PYENV_ROOT, kept by `su` or `sudo -E`: a
    PermissionError that failed every sandbox command)."""
    try:
        return _by_version(list(Path(where).glob(pattern))) if where else []
    except OSError:
        return []


def find(runtime: str, run: Run = run_command) -> str | None:
    """The first of RUNTIME's candidates that really runs that X.Y (one that fails, as a
    shim for a version not installed does, or says another, is passed over). RUN runs the
    probe (the server's spawner: its sweep must know the probe); each path is probed
    once per process."""
    for path in candidates(runtime):
        if path not in _probed:
            out = run([path, "-I", "-S", "-c", VERSION_PROBE], 10.0)
            _probed[path] = out.strip() if out else None
        if _probed[path] == runtime.removeprefix("python"):
            return path
    return None


# The CPU this machine is, in Lambda's words.
HOST_MACHINE = {"aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine, os.uname().machine)
