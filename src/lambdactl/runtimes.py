"""Custom runtimes (``provided.al2023``, ``provided.al2``): what lambdactl.toml may say.

A custom-runtime function is an executable ``bootstrap`` at the package root that
speaks the Lambda Runtime API itself; Lambda runs it with ``_HANDLER`` set to the
function's free-form ``handler``. So none of the Python steps apply: no handler
lookup, no requirements vendoring, no Python dependency layers.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from lambdactl.checks import _Problems, _shown
from lambdactl.spec import PYTHON_RUNTIMES

# Lambda's OS-only runtimes that accept new functions (provided, on Amazon Linux 1, is gone).
CUSTOM_RUNTIMES = ("provided.al2023", "provided.al2")
RUNTIMES = PYTHON_RUNTIMES + CUSTOM_RUNTIMES
BOOTSTRAP = "bootstrap"
HANDLER_MAX = 128  # CreateFunction's Handler: at most 128 characters, no whitespace
_HANDLER = re.compile(r"[^\s]+")


def is_custom(runtime: str) -> bool:
    return runtime in CUSTOM_RUNTIMES


def bootstrap_candidates(task_root: Path, opt_root: Path | None) -> list[str]:
    """Where Lambda looks for a custom runtime's bootstrap: /var/task, then /opt."""
    return [str(root / BOOTSTRAP) for root in (task_root, opt_root) if root is not None]


def runtime_problem(runtime: object) -> str | None:
    if runtime in RUNTIMES:
        return None
    return (f"{runtime!r} is not a supported Lambda runtime; use one of {', '.join(PYTHON_RUNTIMES)}, "
            f"or {' / '.join(CUSTOM_RUNTIMES)} with an executable bootstrap (a custom runtime)")


def handler_problem(handler: object) -> str | None:
    """A custom runtime's handler is free-form: the bootstrap reads it from _HANDLER."""
    if isinstance(handler, str) and _HANDLER.fullmatch(handler) and len(handler) <= HANDLER_MAX:
        return None
    return (f"{handler!r} must be a non-empty string of at most {HANDLER_MAX} characters without "
            "spaces (a custom runtime's bootstrap reads it from $_HANDLER), e.g. \"function.handler\"")


def bootstrap_problem(source: Path, shown: str, has_layers: bool) -> str | None:
    """Is SOURCE/bootstrap an executable file? (the zip keeps its mode: zipwriter.py)"""
    path = source / BOOTSTRAP
    if not path.exists():
        if has_layers:
            return None  # Lambda also runs /opt/bootstrap: a layer may bring it
        return (f"{shown}/{BOOTSTRAP} is missing: a custom runtime runs the executable file "
                f"`{BOOTSTRAP}` at the package root (see examples/custom-runtime)")
    if not path.is_file():
        return f"{shown}/{BOOTSTRAP} is not a file; the custom runtime needs an executable file there"
    if not os.stat(path).st_mode & stat.S_IXUSR:
        return f"{shown}/{BOOTSTRAP} is not executable; run: chmod +x {shown}/{BOOTSTRAP}"
    return None


def layer_problem(refs: list[object], layer_keys: list[str]) -> str | None:
    """[layers.NAME] are Python dependency layers; a custom runtime has no use for them."""
    named = [r for r in refs if isinstance(r, str) and r in layer_keys]
    if not named:
        return None
    return (f"[layers.{named[0]}] is a Python dependency layer; a custom-runtime function "
            "cannot use it: name a layer version ARN instead")


def parse_custom(p: _Problems, where: str, tbl: dict[str, Any], layers: Any,
                 layer_keys: list[str], src_path: Path, root: Path) -> str:
    """A custom runtime's free-form handler, its bootstrap and its layers, checked."""
    handler = tbl.get("handler")
    refs = layers if isinstance(layers, list) else []
    problems = [("handler", handler_problem(handler)), ("layers", layer_problem(refs, layer_keys))]
    if isinstance(tbl.get("source"), str) and src_path.is_dir() and not p.lenient:
        problems.append(("source", bootstrap_problem(src_path, _shown(src_path, root), bool(refs))))
    for name, problem in problems:
        if problem is not None:
            p.add(f"{where}.{name}", problem)
    return handler if isinstance(handler, str) else "invalid"
