"""lambdactl's home, answered without the sandbox's control module (paths.py) and by it."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambdactl import paths
from lambdactl.local import control


@pytest.mark.parametrize("configured", [None, "", "~/elsewhere", "/tmp/lambdactl-home"])
def test_paths_and_control_name_the_same_home(configured: str | None, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if configured is None:
        monkeypatch.delenv("LAMBDACTL_HOME", raising=False)
    else:
        monkeypatch.setenv("LAMBDACTL_HOME", configured)
    assert paths.home_dir() == str(control.home())
    expected = {None: tmp_path / ".lambdactl", "": tmp_path / ".lambdactl", "~/elsewhere": tmp_path / "elsewhere"}
    assert control.home() == expected.get(configured, Path(str(configured)))


def test_a_relative_home_is_taken_from_where_lambdactl_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """LAMBDACTL_HOME=.lh: the sandbox's server, started in its home, was handed the
    relative state file .lh/sandbox.json, wrote .lh/.lh/sandbox.json, and the CLI waited
    20 s for it: "sandbox did not start within 20 s"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAMBDACTL_HOME", ".lh")
    assert control.state_path() == tmp_path / ".lh" / "sandbox.json"
    assert paths.home_dir() == str(tmp_path / ".lh")


def test_a_command_on_aws_does_not_import_the_sandbox_control_for_its_home() -> None:
    """The account cache and the S3 lock file name the home through paths.py."""
    code = ("import sys; from lambdactl import accounts; from lambdactl.triggers import machine_lock; "
            "from types import SimpleNamespace as N; accounts.read(); "
            "machine_lock.path(N(meta=N(endpoint_url='https://s3.amazonaws.com')), 'b'); "
            "print('lambdactl.local.control' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


HINT = "set LAMBDACTL_HOME to a directory you can write (the sandbox's state, locks and caches live there)"


@pytest.fixture
def no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user id with no passwd entry and no HOME (`docker run --user 4242`, a CI job's)."""
    import pwd

    def no_entry(uid: int) -> object:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("LAMBDACTL_HOME", raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)


def test_no_home_at_all_is_one_line_naming_lambdactl_home(aws: None, project: Path, no_home: None) -> None:
    """os.path.expanduser leaves "~/.lambdactl" as it is there: `up` made a directory
    named "~" in the project for its locks (and the sandbox's state, beside the code)."""
    import boto3

    from tests.test_provision import run

    r = run("up", code=2)
    assert r.stderr.splitlines() == [
        f"error: lambdactl has no directory for its files: HOME is not set and user id {os.getuid()} has no "
        f"passwd entry; {HINT}"]
    assert not (project / "~").exists()
    assert boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"] == []


def test_the_sandbox_of_a_user_without_a_passwd_entry_hides_its_own_home(no_home: None, tmp_path: Path) -> None:
    """The server hid the user's home and its own from handlers: pwd's KeyError for the
    user's failed `local start` ("sandbox failed to start (exit 1): ... KeyError")."""
    from lambdactl.local.server import private_dirs

    assert private_dirs(tmp_path) == (str(tmp_path.resolve()),)


@pytest.mark.parametrize("where", ["/nonexistent", "/nonexistent/.lambdactl/locks"])
def test_a_home_lambdactl_may_not_write_names_lambdactl_home(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME=/nonexistent (a service account's): the hint said "run from a directory you
    can write", as for the project's own files, which would not help. (An OSError as
    the kernel gives it: root is refused no directory, so the test cannot make one.)"""
    from lambdactl.textfile import file_error

    monkeypatch.delenv("LAMBDACTL_HOME", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    err = file_error(PermissionError(errno.EACCES, "Permission denied", where))
    assert str(err) == f"{where}: permission denied; {HINT}"
    other = file_error(PermissionError(errno.EACCES, "Permission denied", "/srv/project/.lambdactl"))
    assert "LAMBDACTL_HOME" not in str(other)
