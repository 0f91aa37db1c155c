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
