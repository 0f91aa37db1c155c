"""The CLI wherever it runs: another locale, another place. Real CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def small_project(where: Path) -> Path:
    shutil.copytree(REPO / "functions" / "hello", where / "functions" / "hello")
    (where / "lambdactl.toml").write_text(
        '[project]\nname = "layout"\nregion = "us-east-1"\n'
        '[functions.fn]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n', encoding="utf-8")
    return where


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_stdout_that_is_not_utf8_escapes_what_it_cannot_show(encoding: str, tmp_path: Path) -> None:
    """LANG=en_US.ISO-8859-1 (or PYTHONIOENCODING=ascii): `package` in a project whose
    path has an "ø" printed its zip's path and failed, exit 1, with "error: '...' is not
    UTF-8 text" (its own output taken for a bad argument); `plan`'s "…" did the same."""
    project = small_project(tmp_path / "prøj…")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    out = subprocess.run([sys.executable, "-m", "lambdactl", "package"], cwd=project, env=env,
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode(encoding, "replace")
    text = out.stdout.decode(encoding)
    assert ("pr\\xf8j\\u2026" if encoding == "ascii" else "prøj\\u2026") in text
    assert b"error" not in out.stderr and b"Traceback" not in out.stderr


def test_the_ctrl_c_tests_hold_when_pytest_starts_with_sigint_ignored(tmp_path: Path) -> None:
    """A CI step's `pytest ... &` (or nohup-like launchers) starts pytest with SIGINT
    ignored, which every child inherits: the Ctrl-C tests' commands ran on and exited 0
    (8 failures in a clone run so). conftest gives SIGINT its handler back."""
    import signal

    test = "tests/test_interrupts.py::test_ctrl_c_inside_a_call_is_one_line_and_130[status]"
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
                          str(tmp_path / "t"), test], cwd=REPO, capture_output=True, text=True, timeout=120,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert out.returncode == 0, out.stdout[-3000:]
