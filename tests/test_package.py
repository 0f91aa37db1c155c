"""The zip is deterministic and leaves out what must never ship."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from lambdactl.errors import ConfigError
from lambdactl.package import package_function


def make_tree(root: Path) -> Path:
    src = root / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "app.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (src / "pkg" / "__init__.py").write_text("")
    (src / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(src / "run.sh", 0o700)
    for junk in ("__pycache__/app.cpython-311.pyc", ".git/HEAD", ".venv/x.py", ".env.local",
                 "key.pem", ".aws/credentials", "secret.txt", "logs/a.log"):
        p = src / junk
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("nope")
    (src / ".lambdactlignore").write_text("# comment\nsecret.txt\nlogs/\n")
    return src


def test_same_tree_same_bytes(tmp_path: Path) -> None:
    src = make_tree(tmp_path)
    a = package_function(src, tmp_path / "a", "fn")
    os.utime(src / "app.py", (1, 1))  # timestamps must not matter
    b = package_function(src, tmp_path / "b", "fn")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.sha256 == b.sha256
    assert a.sha256 == base64.b64encode(hashlib.sha256(a.path.read_bytes()).digest()).decode()


def test_content_change_changes_sha(tmp_path: Path) -> None:
    src = make_tree(tmp_path)
    a = package_function(src, tmp_path / "a", "fn")
    (src / "app.py").write_text("def lambda_handler(e, c):\n    return 2\n")
    assert package_function(src, tmp_path / "b", "fn").sha256 != a.sha256


def test_excludes_and_permissions(tmp_path: Path) -> None:
    pkg = package_function(make_tree(tmp_path), tmp_path / "out", "fn")
    with zipfile.ZipFile(pkg.path) as zf:
        names = zf.namelist()
        assert names == ["app.py", "pkg/__init__.py", "run.sh"]
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        assert modes == {"app.py": 0o644, "pkg/__init__.py": 0o644, "run.sh": 0o755}
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_parallel_writer_matches_zipfile_bytes(tmp_path: Path) -> None:
    """The threaded writer gives exactly the bytes zipfile.writestr gives (CodeSha256 is stable)."""
    from lambdactl.package import _build_zip_parallel, _build_zip_zipfile, collect

    src = tmp_path / "src"
    files = {"a.py": b"print(1)\n" * 1000, "empty": b"", "d/\u00e9t\u00e9.txt": b"utf-8 name",
             "d/rand.so": os.urandom(300_000), "exe": b"#!/bin/sh\n"}
    for name, data in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    os.chmod(src / "exe", 0o755)
    entries = collect(src, ())
    _build_zip_zipfile(entries, tmp_path / "ref.zip", 6)
    for workers in (1, 3):
        _build_zip_parallel(entries, tmp_path / "par.zip", 6, workers)
        assert (tmp_path / "par.zip").read_bytes() == (tmp_path / "ref.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "par.zip") as zf:
        assert zf.testzip() is None
        assert {n: zf.read(n) for n in zf.namelist()} == files


def test_symlinks_inside_are_packaged_as_their_content(tmp_path: Path) -> None:
    """A symlinked file or directory pointing inside the function's directory is
    shipped as what it points to (os.walk alone would leave the directory out)."""
    src = make_tree(tmp_path)
    (src / "real").mkdir()
    (src / "real" / "handlers.py").write_text("def h(e, c):\n    return 3\n")
    (src / "handlers").symlink_to("real", target_is_directory=True)
    (src / "alias.py").symlink_to("app.py")
    pkg = package_function(src, tmp_path / "out", "fn")
    with zipfile.ZipFile(pkg.path) as zf:
        assert zf.namelist() == ["alias.py", "app.py", "handlers/handlers.py", "pkg/__init__.py",
                                 "real/handlers.py", "run.sh"]
        assert zf.read("alias.py") == zf.read("app.py")
        assert zf.read("handlers/handlers.py") == b"def h(e, c):\n    return 3\n"


@pytest.mark.parametrize(("link", "target", "message"), [
    ("id_rsa", "../outside/id_rsa", r"src/id_rsa is a symlink to .*/outside/id_rsa, outside src/"),
    ("lib", "../outside", r"src/lib is a symlink to .*/outside, outside src/: lambdactl does not package it"),
    ("pkg/loop", "..", r"src/pkg/loop is a symlink to a directory that contains it: a cycle"),
])
def test_symlinks_outside_or_in_a_cycle_are_refused(tmp_path: Path, link: str, target: str, message: str) -> None:
    src = make_tree(tmp_path)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "id_rsa").write_text("PRIVATE KEY")
    (src / link).symlink_to(target)
    with pytest.raises(ConfigError, match=message):
        package_function(src, tmp_path / "out", "fn")
    (src / ".lambdactlignore").write_text(f"{link}\n")  # the fix the message names
    with zipfile.ZipFile(package_function(src, tmp_path / "out", "fn").path) as zf:
        assert b"PRIVATE KEY" not in b"".join(zf.read(n) for n in zf.namelist())
