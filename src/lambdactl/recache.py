"""Regular expressions compiled once: their compiled form kept in the cache (codecache.cache_dir()).

A command compiles ~160 patterns, nearly all at import (urllib3, botocore, click,
the email package): 25-40 ms of CPU in every process, the same patterns each time.
What `re` compiles a pattern to (its flags, a list of ints, its groups) depends only
on the pattern, its flags and the interpreter, and `_sre.compile` makes the Pattern
from it at once: a one-command process (lambdactl.one_shot) has `re` look the
pattern up first. The cache is one marshal file per interpreter build, written at
exit when something new was compiled. install() does nothing if this interpreter's
`re` does not compile as this module does (checked on a pattern with a named group),
and anything wrong with the file falls back to compiling, without a word.
"""

from __future__ import annotations

import atexit
import importlib
import os
import re
import sys
from typing import Any

from lambdactl import codecache

_FORMS: dict[tuple[Any, int], tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]] = {}
_USED: set[tuple[Any, int]] = set()
_NEW: list[tuple[Any, int]] = []
KEEP = 5000   # past this many patterns, only this process's are kept
_ORIGINAL: Any = None
# re's internals (no type stubs): its parser, its compiler, and the C module _sre
_parser: Any = importlib.import_module("re._parser")
_compiler: Any = importlib.import_module("re._compiler")
_sre: Any = importlib.import_module("_sre")


def path() -> str:
    build = f"{sys.implementation.cache_tag}-{sys.hexversion:x}-{_sre.MAGIC}"
    return os.path.join(codecache.cache_dir(), f"regex-{build}.marshal")


def _form(pattern: str | bytes, flags: int) -> tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]:
    """What re._compiler.compile hands _sre.compile for PATTERN (its steps, kept)."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    # its opcodes are int subclasses (named constants): plain ints marshal, and mean the same
    return int(flags | parsed.state.flags), [int(op) for op in code], parsed.state.groups - 1, groupindex, \
        tuple(indexgroup)


def _compile(pattern: Any, flags: int = 0) -> Any:
    if not isinstance(pattern, (str, bytes)) or flags & re.DEBUG:
        return _ORIGINAL(pattern, flags)
    key = (pattern, flags)
    form = _FORMS.get(key)
    if form is None:
        form = _FORMS[key] = _form(pattern, flags)
        _NEW.append(key)
    _USED.add(key)
    return _sre.compile(pattern, *form)


def install() -> None:
    """From here on, the patterns this process compiles come from the cache."""
    global _ORIGINAL
    if _compiler.compile is _compile:
        return
    try:   # this interpreter's re compiles as _form does, or the cache stays out of it
        probe = r"(?P<key>[a-z]+)=(\d+)|\s*#"
        if _sre.compile(probe, *_form(probe, 0)) != _compiler.compile(probe, 0):
            return
    except Exception:   # noqa: BLE001 - another interpreter's internals: compile as usual
        return
    file = path()
    _FORMS.update({k: v for k, v in codecache.read(file).items() if _valid(k, v)})
    _ORIGINAL = _compiler.compile
    _compiler.compile = _compile   # re._compile calls it on a miss in its own cache
    if codecache.used_before(os.path.dirname(file)):
        atexit.register(save, file)


def _valid(key: Any, form: Any) -> bool:
    return (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], (str, bytes))
            and isinstance(form, tuple) and len(form) == 5)


def save(file: str) -> None:
    """Write the cache if this process compiled a new pattern."""
    if _NEW:
        codecache.write(file, _FORMS if len(_FORMS) <= KEEP else {k: _FORMS[k] for k in _USED})
