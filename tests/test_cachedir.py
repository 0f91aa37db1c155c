"""Where the caches live (codecache.cache_dir): beside the installed package, so an
empty LAMBDACTL_HOME's first command reads what earlier commands cached (issue 11's
cold `up` from an empty home); in the home where the package's directory is not
writable; wherever LAMBDACTL_CACHE says."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdactl import codecache, modelcache
from tests.test_codecache import make, next_process
from tests.test_modelcache import Opens, written


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed package in tmp_path/pkg; no LAMBDACTL_CACHE."""
    (tmp_path / "pkg").mkdir()
    where = tmp_path / "pkg" / "__pycache__" / "lambdactl-cache"
    monkeypatch.setattr(codecache, "SHARED", str(where))
    monkeypatch.delenv("LAMBDACTL_CACHE")
    monkeypatch.setattr(codecache.atexit, "register", lambda fn, file: None)
    next_process(monkeypatch)
    yield where
    if hasattr(dataclasses, "exec"):
        del dataclasses.exec   # type: ignore[attr-defined]


def in_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """The next process, with HOME as its LAMBDACTL_HOME."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(home))
    next_process(monkeypatch)


def test_an_empty_home_compiles_nothing_another_home_compiled(shared: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(2):   # the first process makes the directory, the second writes the file
        in_home(monkeypatch, tmp_path / "a")
        codecache.install()
        make()
        codecache.save(codecache.path())
    assert Path(codecache.path()).is_file() and Path(codecache.path()).is_relative_to(shared)
    in_home(monkeypatch, tmp_path / "empty")
    codecache.install()
    make()
    assert not codecache._NEW and codecache._USED   # every method came from the shared file
    assert not (tmp_path / "empty").exists()


def test_an_empty_home_parses_no_model_another_home_parsed(shared: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "service-2.json.gz"
    model.write_bytes(gzip.compress(json.dumps({"metadata": {"protocol": "json"}}).encode()))
    opens = Opens()
    for _ in range(2):
        in_home(monkeypatch, tmp_path / "a")
        modelcache.load(str(model), opens)
        written()
    assert opens.count == 2 and modelcache.directory().is_relative_to(shared)
    in_home(monkeypatch, tmp_path / "empty")
    assert modelcache.load(str(model), opens) == {"metadata": {"protocol": "json"}}
    assert opens.count == 2   # the copy, not the JSON


def test_a_package_directory_it_may_not_write_keeps_the_cache_in_the_home(
        shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    in_home(monkeypatch, tmp_path / "a")
    assert codecache.cache_dir() == str(shared)
    access = os.access
    # root may write anywhere: a read-only install (or another user's) as a user sees it
    monkeypatch.setattr(codecache.os, "access", lambda path, mode: False if mode == os.W_OK else access(path, mode))
    in_home(monkeypatch, tmp_path / "b")
    assert codecache.cache_dir() == str(tmp_path / "b" / "cache")


def test_lambdactl_cache_names_the_directory(shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACTL_CACHE", str(tmp_path / "mine"))
    assert codecache.cache_dir() == str(tmp_path / "mine")
    assert codecache.path().startswith(str(tmp_path / "mine"))


def test_the_installed_package_own_directory_by_default() -> None:
    assert Path(codecache.SHARED).parent.parent == Path(codecache.__file__).parent
