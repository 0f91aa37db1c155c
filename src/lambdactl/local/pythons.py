"""Which Python runs a function, and what it can import.

On Lambda a handler's sys.path is its package (/var/task), its layers (/opt)
and the runtime's own boto3/botocore; lambdactl's virtualenv (click, rich,
moto, flask, ...) is not there. ``runtime_libs`` builds the sandbox's
equivalent of the runtime's directory: links to awslambdaric and boto3 and
what they need, nothing else. ``interpreter`` finds the function's declared
Python (``python3.12`` on PATH) and falls back to the host's.
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


_versions: dict[str, str | None] = {}
VERSION_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


def _run(command: list[str]) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def interpreter(
    runtime: str, run: Callable[[list[str]], str | None] = _run
) -> tuple[str, str | None]:
    """(the Python to run RUNTIME with, a one-line warning when it is not RUNTIME's).

    RUN runs the version probe (the server's spawner: its sweep must know the probe)."""
    if runtime == HOST_RUNTIME:
        return HOST_PYTHON, None
    path = shutil.which(runtime)  # pyenv shims are found but fail: the probe tells
    if path and path not in _versions:
        out = run([path, "-I", "-S", "-c", VERSION_PROBE])
        _versions[path] = out.strip() if out else None
    if path and _versions[path] == runtime.removeprefix("python"):
        return path, None
    host = ".".join(map(str, sys.version_info[:3]))
    return HOST_PYTHON, (
        f"no working {runtime} on this machine's PATH: the function runs on the host's "
        f"Python {host} instead; version-specific behaviour may differ from Lambda"
    )
