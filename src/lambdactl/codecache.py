"""The methods `@dataclass` generates, compiled once: kept in the cache (cache_dir()).

On Python 3.11, `@dataclass` writes each class's __init__, __repr__, __eq__ (and
__setattr__, __hash__ for frozen ones) as source text and compiles it with exec():
the ~60 dataclasses a command imports cost ~35 ms of CPU, most of it compiling.
The text is all the compiler sees (the globals only matter when the code runs), so
what it compiles from the same text is the same: a one-command process
(lambdactl.one_shot) gives `dataclasses` an exec that looks the text up first. The
cache is one marshal file per interpreter (marshal's format is the interpreter's),
written at exit when something new was compiled; anything wrong with it falls back
to compiling, without a word. This module imports nothing `--help` does not.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import functools
import marshal
import os
import sys
from types import CodeType
from typing import Any

from lambdactl.paths import known_home

_CODES: dict[str, CodeType] = {}
_USED: set[str] = set()     # the texts this process looked up
_NEW: list[str] = []        # those it compiled: the file is written at exit if any
KEEP = 5000   # past this many texts (older lambdactls'), only this process's are kept
_SEEN: dict[str, bool] = {}   # cache directory -> did it exist when this process first looked


# Beside the installed package: what is cached here is keyed by the interpreter and
# by botocore's files (modelcache.py), never by a home, so every home reads it, an
# empty one's first command too (a CI job's or a container's: ~0.1 s of its CPU).
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__", "lambdactl-cache")


def cache_dir() -> str:
    """$LAMBDACTL_CACHE if set; else SHARED if this process may write there; else
    $LAMBDACTL_HOME/cache (a read-only install, or one another user owns)."""
    return os.environ.get("LAMBDACTL_CACHE") or _chosen(SHARED, known_home())


@functools.lru_cache(maxsize=8)
def _chosen(shared: str, home: str | None) -> str:
    nearest = shared   # where SHARED is not made yet, its nearest directory says if it can be
    while not os.path.isdir(nearest) and os.path.dirname(nearest) != nearest:
        nearest = os.path.dirname(nearest)
    if os.access(nearest, os.W_OK) or home is None:   # no home: writes fail, without a word
        return shared
    return os.path.join(home, "cache")


def used_before(where: str) -> bool:
    """Whether the directory WHERE existed before this process (which makes it, if not).

    Writing a cache costs CPU: the first process to use a cache directory only makes
    it, so one used once (a throwaway $LAMBDACTL_HOME's, where SHARED is not
    writable) never pays for what it would not read back. The next process writes it.
    """
    if where not in _SEEN:
        _SEEN[where] = os.path.isdir(where)
        if not _SEEN[where]:
            with contextlib.suppress(OSError):
                os.makedirs(where, exist_ok=True)
    return _SEEN[where]


def path() -> str:
    return os.path.join(cache_dir(), f"dataclasses-{sys.implementation.cache_tag}.marshal")


def install() -> None:
    """From here on, the dataclasses this process creates compile from the cache."""
    import dataclasses

    if getattr(dataclasses, "exec", None) is _exec:
        return
    file = path()
    _CODES.update({k: v for k, v in read(file).items() if isinstance(k, str) and isinstance(v, CodeType)})
    # A module global named exec shadows the builtin for dataclasses' own calls only.
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    if used_before(os.path.dirname(file)):
        atexit.register(save, file)


def _exec(source: Any, globals: Any = None, locals: Any = None) -> None:
    if isinstance(source, str):
        code = _CODES.get(source)
        if code is None:
            code = _CODES[source] = compile(source, "<string>", "exec")   # as exec(text) compiles it
            _NEW.append(source)
        _USED.add(source)
        source = code
    builtins.exec(source, globals, locals)


def save(file: str) -> None:
    """Write the cache if this process compiled something new."""
    if not _NEW:
        return
    write(file, _CODES if len(_CODES) <= KEEP else {k: _CODES[k] for k in _USED})


def read(file: str) -> dict[Any, Any]:
    """The dict marshalled in FILE; empty if there is none, or it is damaged."""
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        with open(file, "rb") as fp:
            data = marshal.loads(fp.read())
        if isinstance(data, dict):
            return data
    return {}


def write(file: str, data: dict[Any, Any]) -> None:
    """DATA marshalled into FILE, whole or not at all; nothing if that fails."""
    tmp = f"{file}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fp:
            fp.write(marshal.dumps(data))
        os.replace(tmp, file)   # whole or not at all: a reader never sees half a file
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
