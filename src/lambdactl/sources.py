"""Which files of a directory are packaged: everything but the excludes (the
defaults and the directory's .lambdactlignore), sorted by archive name."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

DEFAULT_EXCLUDES = (
    "__pycache__", "*.pyc", "*.pyo", ".git", ".venv", "venv", ".env*", "*.pem", ".aws",
    ".lambdactlignore", ".DS_Store", ".pytest_cache", ".mypy_cache",
)


def load_ignores(source: Path) -> tuple[str, ...]:
    ignore = source / ".lambdactlignore"
    if not ignore.is_file():
        return DEFAULT_EXCLUDES
    extra = [
        line.strip().rstrip("/")
        for line in ignore.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return DEFAULT_EXCLUDES + tuple(extra)


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


def collect(source: Path, patterns: tuple[str, ...] | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to package, sorted by archive name."""
    patterns = load_ignores(source) if patterns is None else patterns
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(source):
        base = Path(dirpath)
        rel_dir = base.relative_to(source).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not _ignored(rel_dir + d, d, patterns)]
        for name in filenames:
            rel = rel_dir + name
            path = base / name
            if _ignored(rel, name, patterns) or not path.is_file():
                continue
            out.append((rel, path))
    out.sort(key=lambda item: item[0])
    return out
