"""Failures on the project's own files: every OSError naming a path is one line with a fix."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from lambdactl.cli import to_user_error


@pytest.mark.parametrize(("exc", "line"), [
    (PermissionError(errno.EACCES, "Permission denied", ".lambdactl/.state-1.tmp"),
     ".lambdactl/.state-1.tmp: permission denied; check its permissions"),
    (OSError(errno.EROFS, "Read-only file system", ".lambdactl/lock"),
     ".lambdactl/lock: read-only file system; the file system is read-only"),
    (OSError(errno.ENOSPC, "No space left on device", ".lambdactl/build/a.zip"),
     ".lambdactl/build/a.zip: no space left on device; free some disk space"),
    (OSError(errno.ELOOP, "Too many levels of symbolic links", "functions/a/x"),
     "functions/a/x: too many levels of symbolic links; a symlink loops"),
    (OSError(errno.EIO, "Input/output error", os.fsdecode(b"caf\xe9.json")),
     "caf\\xe9.json: input/output error"),
])
def test_oserror_on_a_file_is_one_line(exc: OSError, line: str) -> None:
    err = to_user_error(exc)
    assert err is not None and str(err).startswith(line) and "\n" not in str(err)
    assert err.exit_code == 1


def test_absolute_paths_inside_the_project_are_shown_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".lambdactl").write_text("x")
    with pytest.raises(OSError) as info:
        (tmp_path / ".lambdactl" / "build").mkdir(parents=True)
    assert str(to_user_error(info.value)).startswith(".lambdactl: not a directory; a file is where")


def test_an_oserror_without_a_path_is_a_bug() -> None:
    assert to_user_error(OSError(errno.EIO, "Input/output error")) is None


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_disk_found_on_close_is_one_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk shows on the flush of the last write, when the file is closed: an
    OSError naming no file. It was 'lambdactl hit a bug (not your mistake)' and a
    traceback. /dev/full answers every write as a full disk does (ENOSPC), for real."""
    from click.testing import CliRunner

    from lambdactl import package
    from lambdactl.cli import root

    def onto_a_full_disk(files: object, tmp: Path, *_: object) -> int:
        tmp.write_bytes(b"")   # the temporary zip, as the real writer starts it
        with open("/dev/full", "wb") as fp:
            fp.write(b"PK\x03\x04")
        return 0

    monkeypatch.setattr(package, "_build_zip_parallel", onto_a_full_disk)
    result = CliRunner().invoke(root, ["--target", "aws", "package", "hello"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: no space left on device while writing; free some disk space "
                                          "(the project's .lambdactl/, LAMBDACTL_HOME) and run it again"]
    assert list((project / ".lambdactl" / "build").glob("*.tmp")) == []   # nothing half-written left
