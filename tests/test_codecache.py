"""The methods @dataclass generates, compiled once (codecache.py): the same classes
as without the cache, never a stale method, and silent when the cache is broken."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdactl import codecache

pytestmark = pytest.mark.usefixtures("home_cache")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A home an earlier process used; exec handed back to dataclasses after the test.
    Yields the files install() asked to save at exit."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "cache").mkdir(parents=True)
    at_exit: list[str] = []
    monkeypatch.setattr(codecache.atexit, "register", lambda fn, file: at_exit.append(file))
    next_process(monkeypatch)
    yield at_exit
    if hasattr(dataclasses, "exec"):
        del dataclasses.exec   # type: ignore[attr-defined]


def next_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, empty in (("_CODES", {}), ("_USED", set()), ("_NEW", []), ("_SEEN", {})):
        monkeypatch.setattr(codecache, name, empty)
    if hasattr(dataclasses, "exec"):
        del dataclasses.exec   # type: ignore[attr-defined]


def make(default: int = 3) -> type:
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: int = default

    return Point


def test_a_second_process_compiles_nothing_and_gets_the_same_class(
        cache: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    codecache.install()
    first = make()
    assert codecache._NEW and cache == [codecache.path()]
    codecache.save(codecache.path())
    next_process(monkeypatch)
    codecache.install()
    compiled: list[str] = []
    monkeypatch.setattr(codecache, "compile", lambda *a: compiled.append(a[0]), raising=False)
    again = make()
    assert compiled == [] and codecache._USED   # every method came from the file
    p = again(1)
    assert (p.x, p.y, repr(p), p == again(1, 3), hash(p) == hash(again(1))) == (1, 3, "make.<locals>.Point(x=1, y=3)", True, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2  # type: ignore[misc]
    assert repr(first(1)) == repr(p)


def test_a_default_is_the_class_own_not_the_cached_one(cache: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A default lives in the globals the method runs with, not in its text."""
    codecache.install()
    make(3)
    codecache.save(codecache.path())
    next_process(monkeypatch)
    codecache.install()
    assert make(7)(1).y == 7 and make(3)(1).y == 3


def test_a_changed_class_is_compiled_afresh(cache: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    codecache.install()
    make()
    codecache.save(codecache.path())
    next_process(monkeypatch)
    codecache.install()

    @dataclasses.dataclass
    class Point:
        x: int
        z: str = "z"

    assert codecache._NEW and repr(Point(1)).endswith("Point(x=1, z='z')")


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"\xe9\x00\x00\x00"])
def test_a_damaged_cache_is_compiled_past_and_rewritten(cache: list[str], monkeypatch: pytest.MonkeyPatch,
                                                        damage: bytes) -> None:
    Path(codecache.path()).write_bytes(damage)
    codecache.install()
    assert make()(1).y == 3 and codecache._NEW
    codecache.save(codecache.path())
    next_process(monkeypatch)
    codecache.install()
    make()
    assert not codecache._NEW


def test_a_new_home_writes_nothing_until_its_second_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            cache: list[str]) -> None:
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "new"))
    next_process(monkeypatch)
    codecache.install()
    make()
    assert cache == [] and os.path.isdir(tmp_path / "new" / "cache")
    next_process(monkeypatch)
    codecache.install()
    assert cache == [codecache.path()]


def test_an_unwritable_cache_leaves_nothing_behind(cache: list[str]) -> None:
    codecache.install()
    make()
    os.mkdir(codecache.path())   # where the file goes, a directory: os.replace fails
    Path(codecache.path(), "x").write_text("")
    codecache.save(codecache.path())
    assert os.listdir(os.path.dirname(codecache.path())) == [os.path.basename(codecache.path())]
