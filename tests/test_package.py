"""The zip is deterministic and leaves out what must never ship."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

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
