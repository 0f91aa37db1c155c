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

from lambdactl.runtimes import is_custom

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
    if runtime == HOST_RUNTIME or is_custom(runtime):  # a custom runtime's launcher only execs
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


# ELF e_machine values of the two CPUs Lambda runs (offset 18, little-endian).
ELF_MACHINES = {0x3E: "x86_64", 0xB7: "arm64"}
HOST_MACHINE = {"aarch64": "arm64", "arm64": "arm64"}.get(os.uname().machine, os.uname().machine)
_TAG = re.compile(r"\.cpython-(\d)(\d+)[a-z]*-[^.]*\.so$")
_native: dict[tuple[Path, str], str | None] = {}


def _elf_machine(head: bytes) -> str | None:
    """The CPU an ELF file's first 20 bytes name, or None when it is not ELF."""
    if len(head) < 20 or not head.startswith(b"\x7fELF"):
        return None
    return ELF_MACHINES.get(int.from_bytes(head[18:20], "little"), "another CPU")


def _verdict(name: str, head: Callable[[], bytes], version: str) -> str | None:
    """Why the compiled extension NAME (HEAD gives its first bytes) cannot load here, or None."""
    tag = _TAG.search(name)
    built_for = f"{tag.group(1)}.{tag.group(2)}" if tag else None
    if built_for and built_for != version:
        return f"is built for Python {built_for}"
    machine = _elf_machine(head())
    return f"is built for {machine}" if machine and machine != HOST_MACHINE else None


def _read_head(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(20)
    except OSError:
        return b""


def _mismatches(root: Path, version: str) -> list[tuple[str, str]]:
    """(file, why) for each compiled extension under ROOT that cannot load on VERSION here."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".so"):
                path = os.path.join(dirpath, name)
                why = _verdict(name, lambda p=path: _read_head(p), version)  # type: ignore[misc]
                if why:
                    found.append((os.path.relpath(path, root), why))
    return found


def native_mismatch(root: Path, version: str) -> str | None:
    """One line when ROOT's compiled extensions cannot load on Python VERSION on this CPU
    (they would fail inside the library, numpy's "do not import from its source
    directory", with no word about why). Cached per tree: trees are content-addressed."""
    key = (root, version)
    if key not in _native:
        _native[key] = mismatch_line(_mismatches(root, version), version)
    return _native[key]


def mismatch_line(found: list[tuple[str, str]], version: str) -> str | None:
    if not found:
        return None
    path, why = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"{path}{more} {why}, but runs here on Python {version} on {HOST_MACHINE}: "
        "such modules cannot import locally; on the sandbox use the host's Python and "
        f"CPU (runtime = \"python{version}\", architecture = \"{HOST_MACHINE}\") "
        "or run this function on AWS"
    )
