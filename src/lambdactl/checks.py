"""Collecting lambdactl.toml's problems, one line each naming the file, the field
and the fix; and the small checks every section's parser shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdactl.errors import ConfigError
from lambdactl.suggest import known as _known


class _Problems:
    """Collects config problems; ``raise_if_any`` reports them all at once."""

    def __init__(self, path: Path, lenient: bool = False, text: str | None = None) -> None:
        self.path = path
        self.items: list[str] = []
        self.notes: list[str] = []   # accepted, but worth a word (warnings)
        self.lenient = lenient   # names only (destroy): report nothing, check no file
        self.text = text         # the file's text: each problem names its line
        self._lines: dict[str, int] | None = None

    def _at(self, where: str, message: str) -> str:
        """"lambdactl.toml:36: functions.hello.runtime: MESSAGE": the file, the line (when the
        text is known), the field."""
        line = None
        if self.text is not None:
            from lambdactl.tomllines import key_lines, line_of

            self._lines = key_lines(self.text) if self._lines is None else self._lines
            line = line_of(self._lines, where, message)
        head = f"{self.path.name}:{line}" if line else self.path.name
        return f"{head}: {where}: {message}" if where else f"{head}: {message}"

    def add(self, where: str, message: str) -> None:
        self.items.append(self._at(where, message))

    def note(self, where: str, message: str) -> None:
        self.notes.append(self._at(where, message))

    def raise_if_any(self) -> None:
        if self.items and not self.lenient:
            more = self.items[1:]
            extra = ("\n" + "\n".join(more)) if more else ""
            raise ConfigError(self.items[0] + extra)


def _check_keys(p: _Problems, where: str, table: dict[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            p.add(where, f"unknown key {key!r}; {_known(key, sorted(allowed))}")


def _table(p: _Problems, where: str, tbl: Any, allowed: set[str], what: str) -> bool:
    """A [section.KEY] table with only ALLOWED keys (each unknown one reported)."""
    if not isinstance(tbl, dict):
        p.add(where, f"must be {what}")
        return False
    _check_keys(p, where, tbl, allowed)
    return True


def _path(p: _Problems, where: str, value: Any, root: Path, example: str) -> Path | None:
    """A required path relative to the config file, resolved; None (reported) when missing."""
    if not isinstance(value, str):
        p.add(where, f"missing; set {example}")
        return None
    return (root / value).resolve()


def _missing(root: Path, value: str, what: str) -> str:
    """"WHAT 'VALUE' does not exist", naming the link on the way that points nowhere: a
    project copied with `cp -r` keeps its links (the examples' functions/ and policies/
    link into the templates), and relative ones then lead nowhere."""
    import os

    if what == "file" and (root / value).is_dir():   # policy = "policies": it said "does not exist"
        inside = [f"{value.rstrip('/')}/{f.name}" for f in sorted((root / value).iterdir()) if f.is_file()][:3]
        return f"{value!r} is a directory, not a file" + (f"; name one in it: {', '.join(inside)}" if inside else "")
    here = root
    for part in Path(value).parts:
        here = here / part
        if here.is_symlink() and not here.exists():
            return (f"{what} {value!r} does not exist: the link {_shown(here, root)} -> {os.readlink(here)} "
                    "points nowhere (`cp -r` copies links as links: copy with `cp -rL`)")
    return f"{what} {value!r} does not exist"


def _not_a_source(root: Path, value: str) -> str:
    """Why VALUE, a function's source, is no directory: it is a file (the handler's, often),
    or it is not there."""
    if not (root / value).is_file():
        return _missing(root, value, "directory")
    fix = (f'set source = "{Path(value).parent.as_posix()}" and handler = "{Path(value).stem}.<function>"'
           if value.endswith(".py") else "set source to the directory that holds the handler's module")
    return f"{value!r} is a file, but source is a directory, zipped as the package root: {fix}"


def _shown(path: Path, root: Path) -> str:
    """PATH as messages show it: relative to the project when inside it."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _typed(p: _Problems, where: str, value: Any, kind: type | tuple[type, ...], what: str) -> bool:
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        p.add(where, f"must be {what}, got {value!r}")
    return ok
