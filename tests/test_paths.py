"""lambdactl's home, answered without the sandbox's control module (paths.py) and by it."""

from __future__ import annotations

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


def test_a_command_on_aws_does_not_import_the_sandbox_control_for_its_home() -> None:
    """The account cache and the S3 lock file name the home through paths.py."""
    code = ("import sys; from lambdactl import accounts; from lambdactl.triggers import machine_lock; "
            "from types import SimpleNamespace as N; accounts.read(); "
            "machine_lock.path(N(meta=N(endpoint_url='https://s3.amazonaws.com')), 'b'); "
            "print('lambdactl.local.control' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
