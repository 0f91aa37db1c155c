"""Where each module was found, kept in the cache (importindex.py): a later process
finds its modules from the index, with the specs PathFinder builds, and searches as
usual where the index no longer holds."""

from __future__ import annotations

import importlib
import os
import sys
import time
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

import pytest

from lambdactl import importindex


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package `idxpkg` in a directory at the end of sys.path; this test's own
    sys.meta_path, index and cache; -> the directory."""
    monkeypatch.setenv("LAMBDACTL_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    lib = tmp_path / "lib"
    (lib / "idxpkg").mkdir(parents=True)
    (lib / "idxpkg" / "__init__.py").write_text("")
    (lib / "idxpkg" / "mod.py").write_text("WHERE = 'mod.py'\n")
    for d in (lib / "idxpkg", lib):   # changed an hour ago (see test_a_directory_changed_just_now_...)
        os.utime(d, (time.time() - 3600, time.time() - 3600))
    monkeypatch.setattr(importindex, "SETTLED_NS", 0)   # whatever else sys.path holds
    monkeypatch.setattr(sys, "path", [*sys.path, str(lib)])
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    next_process(monkeypatch)
    return lib


def next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts with: no index loaded, idxpkg not imported."""
    monkeypatch.setattr(importindex, "_MODULES", {})
    monkeypatch.setattr(importindex, "_NEW", {})
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if f is not importindex.IndexFinder])
    for name in [m for m in sys.modules if m == "idxpkg" or m.startswith("idxpkg.")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.invalidate_caches()


class Searches:
    """PathFinder.find_spec, recording the names searched for beyond sys.path's first entry."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, where: Any = None, target: Any = None) -> Any:
        if where != sys.path[:1]:
            self.names.append(name)
        return PathFinder.find_spec(name, where, target)


def first_process(monkeypatch: pytest.MonkeyPatch) -> Any:
    importindex.install()
    mod = importlib.import_module("idxpkg.mod")
    importindex.save(importindex.path())
    next_process(monkeypatch)
    return mod


def test_the_next_process_finds_its_modules_from_the_index_with_the_same_specs(
        fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = first_process(monkeypatch)
    searches = Searches()
    monkeypatch.setattr(importindex, "PathFinder", searches)
    importindex.install()
    mod = importlib.import_module("idxpkg.mod")
    assert searches.names == []   # neither idxpkg nor idxpkg.mod searched for
    assert mod.WHERE == "mod.py" and mod.__file__ == before.__file__
    for attr in ("name", "origin", "cached", "submodule_search_locations", "parent", "has_location"):
        assert getattr(mod.__spec__, attr) == getattr(before.__spec__, attr), attr
    pkg = sys.modules["idxpkg"]
    assert pkg.__path__ == [str(fresh / "idxpkg")] and pkg.__spec__.submodule_search_locations == pkg.__path__


def test_a_module_moved_since_is_searched_for_as_usual(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first_process(monkeypatch)
    (fresh / "idxpkg" / "mod.py").unlink()
    (fresh / "idxpkg" / "mod").mkdir()
    (fresh / "idxpkg" / "mod" / "__init__.py").write_text("WHERE = 'mod/__init__.py'\n")
    importindex.install()
    assert importlib.import_module("idxpkg.mod").WHERE == "mod/__init__.py"


def test_a_module_in_the_first_entry_of_sys_path_still_comes_first(fresh: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first_process(monkeypatch)
    first = tmp_path / "cwd"
    (first / "idxpkg").mkdir(parents=True)
    (first / "idxpkg" / "__init__.py").write_text("")
    (first / "idxpkg" / "mod.py").write_text("WHERE = 'the working directory'\n")
    monkeypatch.setattr(sys, "path", [str(first), *sys.path[1:]])   # the key (sys.path[1:]) unchanged
    importindex.install()
    assert importlib.import_module("idxpkg.mod").WHERE == "the working directory"


def test_another_sys_path_or_a_damaged_file_is_no_index(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first_process(monkeypatch)
    monkeypatch.setattr(sys, "path", [*sys.path, os.fspath(fresh / "elsewhere")])
    importindex.install()
    assert importindex._MODULES == {}
    next_process(monkeypatch)
    Path(importindex.path()).write_bytes(b"\x00 not marshal")
    importindex.install()
    assert importindex._MODULES == {} and importlib.import_module("idxpkg.mod").WHERE == "mod.py"


def test_a_directory_changed_just_now_writes_no_index(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It could change again within its clock's tick and keep its time."""
    monkeypatch.setattr(importindex, "SETTLED_NS", 2_000_000_000)
    os.utime(fresh / "idxpkg")   # now
    first_process(monkeypatch)
    assert not Path(importindex.path()).exists()
