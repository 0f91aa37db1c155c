"""An unchanged layer is not zipped again (layers.build with package.reuse_zip): a
no-op `up` of a project with a 40 MB matplotlib layer spent ~0.2 s re-zipping it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lambdactl import layers as lm
from lambdactl import package as pk
from lambdactl.config import Layer


@pytest.fixture
def build(tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    req = tmp_path / "requirements.txt"
    req.write_text("plotlib==1.0\n")
    zipped: list[Path] = []
    real = pk.build_zip
    monkeypatch.setattr(pk, "build_zip", lambda files, dest, **kw: zipped.append(dest) or real(files, dest, **kw))
    opts = {"pip_options": ("--find-links", str(wheelhouse), "--no-index")}

    def run(runtimes: tuple[str, ...] = ("python3.12",)) -> pk.Package:
        return lm.build(Layer("plotting", "p-plotting", req, runtimes), tmp_path / "b", **opts)

    run.zipped = zipped  # type: ignore[attr-defined]
    run.req = req  # type: ignore[attr-defined]
    return run


def test_an_unchanged_layer_is_reused_with_the_same_identity(build) -> None:  # type: ignore[no-untyped-def]
    first = build()
    again = build()
    assert len(build.zipped) == 1
    assert (again.path, again.size, again.sha256, again.files, again.unzipped) == \
        (first.path, first.size, first.sha256, first.files, first.unzipped)
    assert again.sha256 == pk.file_sha256(first.path)


def test_new_requirements_runtimes_or_a_touched_zip_are_zipped_again(build) -> None:  # type: ignore[no-untyped-def]
    first = build()
    build.req.write_text("plotlib==1.1\n")
    assert build().sha256 != first.sha256 and len(build.zipped) == 2
    build(("python3.11", "python3.12"))
    assert len(build.zipped) == 3
    pkg = build(("python3.11", "python3.12"))
    assert len(build.zipped) == 3
    os.utime(pkg.path, ns=(0, 0))   # changed outside lambdactl: not trusted
    assert build(("python3.11", "python3.12")).sha256 == pkg.sha256 and len(build.zipped) == 4
