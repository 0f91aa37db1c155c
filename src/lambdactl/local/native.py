"""Before `plan`/`up` on the sandbox: refuse a package or layer whose native wheels
cannot import here (issue 12). The sandbox runs a function on its declared Python
when that is on PATH, else on the host's, and always on this machine's CPU;
lambdactl builds wheels for Lambda's platform (the declared Python and
architecture). Caught at import time instead, numpy says "do not import numpy
from its source directory", with no word about the Python or the CPU."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lambdactl.errors import ConfigError
from lambdactl.local.pythons import _TAG, HOST_MACHINE, HOST_RUNTIME, HOST_VERSION, interpreter


def _extensions(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return [n for n in zf.namelist() if n.endswith(".so") or ".so." in n.rsplit("/", 1)[-1]]


def _python_here(runtime: str) -> str:
    """The Python version the sandbox runs RUNTIME's functions on."""
    if runtime == HOST_RUNTIME:
        return HOST_VERSION
    _, warning = interpreter(runtime)
    return HOST_VERSION if warning else runtime.removeprefix("python")


def check(what: str, zip_path: Path, runtime: str, architecture: str) -> None:
    """Raise ConfigError (one line, with the fix) when WHAT's compiled modules cannot
    load in the sandbox for a function of RUNTIME on ARCHITECTURE."""
    found = _extensions(zip_path)
    if not found:
        return  # pure Python runs on any interpreter and CPU
    if architecture != HOST_MACHINE:
        raise ConfigError(
            f"{what}: {found[0]} is built for {architecture} (architecture = \"{architecture}\"), "
            f"but this machine is {HOST_MACHINE}: its native modules cannot import in the sandbox",
            f"set architecture = \"{HOST_MACHINE}\" to run it locally, or deploy it with --target aws",
        )
    here = _python_here(runtime)
    for name in found:
        tag = _TAG.search(name)
        if tag and f"{tag.group(1)}.{tag.group(2)}" != here:
            built = f"{tag.group(1)}.{tag.group(2)}"
            raise ConfigError(
                f"{what}: {name} is built for Python {built}, but the sandbox runs "
                f"{runtime} functions on this machine's Python {here} (no working {runtime} on PATH): "
                "its native modules cannot import",
                f"put a python{built} on PATH (e.g. `uv python install {built}` or pyenv), "
                f"or declare python{here} (runtime, and a layer's runtimes) to run it here, "
                "or deploy it with --target aws",
            )
