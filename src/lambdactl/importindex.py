"""Where each module a command imports was found, kept in the cache: the search skipped.

Before a module is loaded, the import system searches for it: a top-level name in
every sys.path entry in turn, a submodule in its package's directory (a stat of
each directory, a look in its listing, for each loader's file suffixes). A 5-function
`destroy` makes ~370 such searches: ~2% of its instructions and most of its ~1,400
stat calls. A one-command process (lambdactl.one_shot) puts a finder just before the
usual one (PathFinder) that answers from an index of where each module was found
before, with the spec PathFinder would build; a name not in it is searched as usual,
and added (the file is written at exit).

The index holds source files and extension modules only (namespace packages, zips,
sourceless, frozen and built-in modules are searched as usual). It is used only if
nothing that decides where a module is found has changed: the same sys.path, and the
same modification time for each of its directories and for each directory an indexed
module is in (adding, removing or renaming a file changes its directory's). The first
sys.path entry (the working directory under `python -m`, the script's under the
console script) is still searched for every top-level name: a file there comes first.
Anything wrong with the file: searched as usual, without a word. A long run (`dev`)
keeps the index: lambdactl's and its libraries' files do not move under it.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from importlib.machinery import ExtensionFileLoader, ModuleSpec, PathFinder, SourceFileLoader
from importlib.util import spec_from_file_location
from typing import Any

from lambdactl import codecache

# name -> (file, is a package), and what they were found under: sys.path, directories' mtimes
_MODULES: dict[str, tuple[str, bool]] = {}
_NEW: dict[str, tuple[str, bool]] = {}
# A directory changed this recently may change again within its clock's tick (file
# times are as coarse as a few ms) and keep its time: no index is written then.
SETTLED_NS = 2_000_000_000


def path() -> str:
    return os.path.join(codecache.cache_dir(), f"imports-{sys.implementation.cache_tag}.marshal")


def _mtime(directory: str) -> int | None:
    try:
        return os.stat(directory).st_mtime_ns
    except OSError:
        return None


def _dirs(modules: dict[str, tuple[str, bool]]) -> set[str]:
    return {os.path.dirname(os.path.dirname(f) if pkg else f) for f, pkg in modules.values()} | set(sys.path[1:])


class IndexFinder:
    """A meta path finder: PathFinder's answer, from the index where it has one."""

    @staticmethod
    def find_spec(name: str, where: Any = None, target: Any = None) -> ModuleSpec | None:
        found = _MODULES.get(name)
        if found is not None and target is None:
            file, pkg = found
            home = os.path.dirname(os.path.dirname(file) if pkg else file)
            if where is None:   # a top-level name: the first entry of sys.path first, as PathFinder
                shadow = PathFinder.find_spec(name, sys.path[:1]) if sys.path else None
                if shadow is None:
                    return _spec(name, file, pkg)
                return shadow
            if home in where:
                return _spec(name, file, pkg)
        spec = PathFinder.find_spec(name, where, target)
        if spec is not None and spec.origin and type(spec.loader) in (SourceFileLoader, ExtensionFileLoader) \
                and (spec.submodule_search_locations is None
                     or spec.submodule_search_locations == [os.path.dirname(spec.origin)]):
            _NEW[name] = (spec.origin, spec.submodule_search_locations is not None)
        return spec


def _spec(name: str, file: str, pkg: bool) -> ModuleSpec | None:
    """The spec FileFinder makes for FILE (its _get_spec)."""
    loader = SourceFileLoader(name, file) if file.endswith(".py") else ExtensionFileLoader(name, file)
    return spec_from_file_location(name, file, loader=loader,
                                   submodule_search_locations=[os.path.dirname(file)] if pkg else None)


def install() -> None:
    """From here on, imports are found from the index (if it still holds)."""
    if IndexFinder in sys.meta_path or PathFinder not in sys.meta_path:
        return
    file = path()
    saved = codecache.read(file)
    modules = saved.get("modules")
    if isinstance(modules, dict) and saved.get("path") == tuple(sys.path[1:]) and \
            isinstance(saved.get("dirs"), dict) and all(_mtime(d) == m for d, m in saved["dirs"].items()):
        _MODULES.update({k: v for k, v in modules.items() if isinstance(k, str) and _valid(v)})
    sys.meta_path.insert(sys.meta_path.index(PathFinder), IndexFinder)
    if codecache.used_before(os.path.dirname(file)):
        atexit.register(save, file)


def _valid(entry: Any) -> bool:
    return isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], bool)


def save(file: str) -> None:
    """Write the index if this process found a module that was not in it."""
    if not _NEW:
        return
    modules = {**_MODULES, **_NEW}
    dirs = {d: _mtime(d) for d in sorted(_dirs(modules))}
    if any(m is not None and time.time_ns() - m < SETTLED_NS for m in dirs.values()):
        return   # a later process writes it
    codecache.write(file, {"path": tuple(sys.path[1:]), "modules": modules, "dirs": dirs})
