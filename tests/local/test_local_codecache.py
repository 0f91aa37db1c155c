"""The code cache's re-verification before each warm reuse (issue 12): cheap when nothing
changed (inotify, treewatch.py), and still catching every way a handler may change a tree."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from lambdactl.local import codecache
from lambdactl.local.codecache import CodeCache


def _zip(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            zf.writestr(f"pkg{i % 20}/mod{i}.py", f"x = {i}\n")
    return buf.getvalue()


@pytest.fixture
def cache(tmp_path: Path):  # type: ignore[no-untyped-def]
    cache = CodeCache(tmp_path / "code")
    yield cache
    cache.close()


def test_an_untouched_tree_is_not_walked_again(cache: CodeCache, monkeypatch: pytest.MonkeyPatch) -> None:
    if cache._watch is None:
        pytest.skip("no inotify here: every check walks the tree")
    data = _zip(3000)
    root, stamp = cache.tree([data])

    def walk(_: Path) -> str:
        raise AssertionError("the tree was walked")

    monkeypatch.setattr(codecache, "fingerprint", walk)
    t0 = time.perf_counter()
    assert all(cache.intact(root, stamp) for _ in range(100))
    assert (time.perf_counter() - t0) / 100 < 0.002  # a walk of 3,000 files takes ~50 ms
    assert cache.tree([data]) == (root, stamp)


@pytest.mark.parametrize("how", ["chmod", "write via a hard link", "new file", "rename", "delete"])
def test_every_change_is_seen(cache: CodeCache, tmp_path: Path, how: str) -> None:
    data = _zip(50)
    root, stamp = cache.tree([data])
    target = root / "pkg3" / "mod3.py"
    if how == "chmod":
        target.chmod(0o644)
    elif how == "write via a hard link":  # the inode's own watch sees it
        link = tmp_path / "elsewhere.py"
        os.link(target, link)
        link.chmod(0o644)
        link.write_text("x = 'tampered'\n")
    elif how == "new file":
        (root / "pkg3").chmod(0o755)
        (root / "pkg3" / "extra.py").write_text("")
    elif how == "rename":
        (root / "pkg3").chmod(0o755)
        target.rename(root / "pkg3" / "moved.py")
    else:
        (root / "pkg3").chmod(0o755)
        target.unlink()
    assert not cache.intact(root, stamp)
    again, new_stamp = cache.tree([data])  # unzipped again from the zip
    assert again == root and cache.intact(root, new_stamp)
    assert (root / "pkg3" / "mod3.py").read_text() == "x = 3\n"


def _version(v: int, n: int = 40, *, executable: bool = False) -> bytes:
    """A package of N dependency files and one handler that changes with V."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", f"VERSION = {v}\n")
        for i in range(n):
            zf.writestr(f"dep/m{i}.py", f"x = {i}\n" * 200)
        if executable:
            info = zipfile.ZipInfo("bin/tool")
            info.create_system, info.external_attr = 3, 0o755 << 16
            zf.writestr(info, "#!/bin/sh\n")
    return buf.getvalue()


def _inflated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    extract = zipfile.ZipFile.extract

    def counting(self: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> str:
        names.append(member.filename)
        return extract(self, member, path)

    monkeypatch.setattr(zipfile.ZipFile, "extract", counting)
    return names


@pytest.fixture
def watched(cache: CodeCache) -> CodeCache:
    if cache._watch is None:
        pytest.skip("no inotify here: every package is unzipped in full")
    return cache


def _tamper(path: Path) -> None:
    path.chmod(0o644)
    path.write_text("x = 'tampered'\n")


def test_a_new_version_copies_the_unchanged_files(
    watched: CodeCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dev`'s saves: one file changed next to many; only that one is inflated again."""
    first, _ = watched.tree([_version(1, executable=True)])
    inflated = _inflated(monkeypatch)
    second, stamp = watched.tree([_version(2, executable=True)])
    assert second != first and inflated == ["app.py"]
    assert (second / "app.py").read_text() == "VERSION = 2\n"
    assert (second / "dep" / "m7.py").read_text() == "x = 7\n" * 200
    assert os.stat(second / "dep" / "m7.py").st_ino != os.stat(first / "dep" / "m7.py").st_ino
    assert oct(os.stat(second / "bin" / "tool").st_mode & 0o777) == "0o555"  # read-only, still +x
    assert watched.intact(second, stamp) and watched.intact(first, watched._stamps[first])


def test_a_touched_tree_is_never_copied_from(
    watched: CodeCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = watched.tree([_version(1)])
    _tamper(first / "dep" / "m3.py")
    inflated = _inflated(monkeypatch)
    second, _ = watched.tree([_version(2)])
    assert (second / "dep" / "m3.py").read_text() == "x = 3\n" * 200
    assert "dep/m3.py" in inflated  # all of it unzipped from the zip


def test_a_write_to_the_source_during_the_copy_is_seen(
    watched: CodeCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = watched.tree([_version(1)])
    copy = codecache._copy

    def tampering(src: str, dst: str, size: int) -> None:
        target = first / "dep" / "m0.py"
        if target.stat().st_mode & 0o200 == 0:  # once: a handler writes while it is copied
            _tamper(target)
        copy(src, dst, size)

    monkeypatch.setattr(codecache, "_copy", tampering)
    second, stamp = watched.tree([_version(2)])
    assert (second / "dep" / "m0.py").read_text() == "x = 0\n" * 200
    assert watched.intact(second, stamp)
