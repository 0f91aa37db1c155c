"""Which files of a directory are packaged: everything but the excludes (the
defaults and the directory's .lambdactlignore), sorted by archive name."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from lambdactl.errors import ConfigError
from lambdactl.textfile import printable, read_text

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
        for line in read_text(ignore, f"{source.name}/.lambdactlignore").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return DEFAULT_EXCLUDES + tuple(extra)


def _ignored(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) for p in patterns)


def collect(source: Path, patterns: tuple[str, ...] | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every file to package, sorted by archive name."""
    patterns = load_ignores(source) if patterns is None else patterns
    root = source.resolve()
    out: list[tuple[str, Path]] = []
    # Symlinks are packaged as their content (zip entries are files): directories
    # too, so followlinks, with _check_link refusing cycles and anything outside.
    for dirpath, dirnames, filenames in os.walk(source, followlinks=True):
        base = Path(dirpath)
        rel_dir = base.relative_to(source).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = [d for d in dirnames if not _ignored(rel_dir + d, d, patterns)]
        for d in dirnames:
            _check_link(source, root, base / d, rel_dir + d)
        for name in filenames:
            rel = rel_dir + name
            path = base / name
            if _ignored(rel, name, patterns):
                continue
            if not path.is_file():
                _check_dangling(source, path, rel)
                continue
            _check_name(source, rel)
            _check_link(source, root, path, rel)
            out.append((rel, path))
    out.sort(key=lambda item: item[0])
    return out


def _check_name(source: Path, rel: str) -> None:
    """os.walk decodes undecodable bytes of a name to surrogates: zip names are UTF-8."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{source.name}/{printable(rel)}: the file name is not UTF-8",
            "rename it (Lambda's zip names are UTF-8) or list it in .lambdactlignore",
        ) from None


def _check_dangling(source: Path, path: Path, rel: str) -> None:
    """A symlink to nothing (or in a loop of links) was left out without a word."""
    if path.is_symlink():
        raise ConfigError(
            f"{source.name}/{printable(rel)} is a symlink to {printable(os.readlink(path))}, which does not "
            "exist (or is a loop of links)", "fix or remove the link, or list it in .lambdactlignore",
        )


def _check_link(source: Path, root: Path, path: Path, rel: str) -> None:
    """A symlink is packaged as what it points to, if that is inside the function's
    directory (ROOT, resolved) and not one of its own parents; else refused, never
    silently shipped (an ~/.ssh key) nor silently left out."""
    if not path.is_symlink():
        return
    target = path.resolve()
    where = f"{source.name}/{printable(rel)}"
    if not target.is_relative_to(root):
        raise ConfigError(
            f"{where} is a symlink to {printable(str(target))}, outside {source.name}/: lambdactl does not package it",
            "copy what it points to into the function's directory, or list it in .lambdactlignore",
        )
    if path.parent.resolve().is_relative_to(target):
        raise ConfigError(
            f"{where} is a symlink to a directory that contains it: a cycle",
            "remove the link, or list it in .lambdactlignore",
        )
