"""Compiled extensions that cannot import in the sandbox (issue 12), one verdict for both
of its callers: `plan`/`up` refuse such a package or layer before any call (``check``,
over the zip), and the server notes it when an environment starts (``native_mismatch``,
over the unzipped tree). The sandbox runs a function on its declared Python when it
has it (``declared.py``), else on the host's, and always on this machine's CPU;
lambdactl builds wheels for Lambda's platform (the declared Python and architecture).
Caught at import time instead, numpy says "do not import numpy from its source
directory", with no word about the Python or the CPU."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from lambdactl.errors import ConfigError
from lambdactl.local.declared import Runtime
from lambdactl.local.pythons import HOST_MACHINE

# ELF e_machine values of the two CPUs Lambda runs (offset 18, little-endian).
ELF_MACHINES = {0x3E: "x86_64", 0xB7: "arm64"}
_TAG = re.compile(r"\.cpython-(\d)(\d+)[a-z]*-[^.]*\.so$")
_native: dict[tuple[Path, str], str | None] = {}


def verdict(name: str, machine: str | None, version: str) -> tuple[str, str] | None:
    """Why the compiled extension NAME, built for MACHINE (None: unknown), cannot load on
    Python VERSION on this CPU: ("cpu", its CPU) or ("python", its X.Y); None when it can."""
    if machine and machine != HOST_MACHINE:
        return "cpu", machine
    tag = _TAG.search(name)
    built_for = f"{tag.group(1)}.{tag.group(2)}" if tag else None
    return ("python", built_for) if built_for and built_for != version else None


def _said(why: tuple[str, str]) -> str:
    kind, built_for = why
    return f"is built for {built_for}" if kind == "cpu" else f"is built for Python {built_for}"


def _elf_machine(path: str) -> str | None:
    """The CPU an ELF file names (its first 20 bytes), or None when it is not ELF."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or not head.startswith(b"\x7fELF"):
        return None
    return ELF_MACHINES.get(int.from_bytes(head[18:20], "little"), "another CPU")


def _mismatches(root: Path, version: str) -> list[tuple[str, str]]:
    """(file, why) for each compiled extension under ROOT that cannot load on VERSION here."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(".so"):
                path = os.path.join(dirpath, name)
                why = verdict(name, _elf_machine(path), version)
                if why:
                    found.append((os.path.relpath(path, root), _said(why)))
    return found


def native_mismatch(root: Path, version: str) -> str | None:
    """One line when ROOT's compiled extensions cannot load on Python VERSION on this CPU
    (they would fail inside the library with no word about why). Cached per tree: trees
    are content-addressed."""
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


def _extensions(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return [n for n in zf.namelist() if n.endswith(".so") or ".so." in n.rsplit("/", 1)[-1]]


def check(what: str, zip_path: Path, runtime: str, architecture: str, here: Runtime) -> None:
    """Raise ConfigError (one line, with the fix) when WHAT's compiled modules (built for
    ARCHITECTURE) cannot load in the sandbox, where RUNTIME's functions run on HERE."""
    for name in _extensions(zip_path):
        why = verdict(name, architecture, here.version)
        if why and why[0] == "cpu":
            raise ConfigError(
                f"{what}: {name} is built for {architecture} (architecture = \"{architecture}\"), "
                f"but this machine is {HOST_MACHINE}: its native modules cannot import in the sandbox",
                f"set architecture = \"{HOST_MACHINE}\" to run it locally, or deploy it with --target aws",
            )
        if why:
            declared = runtime.removeprefix("python")
            get = (f"give the sandbox python{declared} and its runtime's libraries (see the "
                   "warning above), " if here.version != declared else "")
            raise ConfigError(
                f"{what}: {name} is built for Python {why[1]}, but the sandbox runs {runtime} "
                f"functions on Python {here.version} here: its native modules cannot import",
                f"{get}declare python{here.version} (runtime, and a layer's runtimes) to run it "
                "here, or deploy it with --target aws",
            )
