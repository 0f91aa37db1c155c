"""Where the sandbox will run a function differently from Lambda, said at deploy time.

The sandbox's own notices belong on the user's stderr, not in the function's log
group (which holds what the function printed, as on Lambda). `up` and `deploy`
on the sandbox check, before any write, what the sandbox would otherwise find
at the first invoke: the declared Python missing on this machine, and compiled
extensions (in the package or its layers) built for another Python or CPU.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lambdactl.config import Function
from lambdactl.local.pythons import HOST_VERSION, interpreter, mismatch_line, zip_mismatches


def notices(fn: Function, zips: Iterable[tuple[str, Path]]) -> list[str]:
    """One line per difference for FN, whose code and layers are ZIPS ((what, path))."""
    _, missing = interpreter(fn.runtime)
    version = HOST_VERSION if missing else fn.runtime.removeprefix("python")
    lines = [missing] if missing else []
    for what, path in zips:
        line = mismatch_line(zip_mismatches(path, version), version)
        if line:
            lines.append(f"{what}: {line}")
    return [f"{fn.key} on the sandbox: {line}" for line in lines]
