"""The console script's stdout when it is not a UTF-8 terminal or pipe (cli.main)."""

from __future__ import annotations

import os
import sys


def escaping_stdout() -> None:
    """A stdout whose encoding is not UTF-8 (LANG=en_US.ISO-8859-1, PYTHONIOENCODING=ascii)
    escapes what it cannot show (\\xe9, \\u2026), as stderr always does: a project path
    with an "é", or plan's "…", failed the command with a misleading "is not UTF-8 text"."""
    if (sys.stdout.encoding or "").lower().replace("-", "") != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def closed_stdout() -> int:
    """stdout's reader is gone: point stdout at /dev/null (the interpreter's last flush
    would fail again) and exit 141, as a tool killed by SIGPIPE does; no message."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141
