"""Ctrl-C at any point of a command: one line, exit 130, no traceback, the journal intact.

The real CLI in a subprocess. Mid-command interrupts are made deterministic with an
endpoint that accepts connections and never answers: the command is provably inside
an AWS call (often in a worker thread) when SIGINT arrives, which is where it used
to hang for the call's read timeout and retries.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LINE = "interrupted (Ctrl-C)"


@pytest.fixture
def silent() -> Iterator[socket.socket]:
    """A TCP endpoint that accepts and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(30)
    yield srv
    srv.close()


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONFAULTHANDLER='1', AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")


@pytest.mark.parametrize("args", [
    ["status"], ["plan"], ["up"], ["invoke", "hello"], ["upload", "big.bin"], ["destroy", "--yes"],
], ids=lambda a: a[0])
def test_ctrl_c_inside_a_call_is_one_line_and_130(project: Path, silent: socket.socket,
                                                  args: list[str]) -> None:
    with open(project / "big.bin", "wb") as f:
        f.truncate(20 * 2**20)   # multipart: s3transfer's own threads
    endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
    proc = subprocess.Popen([sys.executable, "-m", "lambdactl", "--target", "aws", "--endpoint-url", endpoint,
                             *args], cwd=project, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    conn, _ = silent.accept()   # the command is now waiting for an answer
    time.sleep(0.2)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        _, err = proc.communicate()
        raise AssertionError(err) from None
    finally:
        proc.kill()
        conn.close()
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 10   # not the read timeout of the calls in flight
    assert err.splitlines()[-1] == LINE and "Traceback" not in err, err
    journal = project / ".lambdactl" / "state.json"
    if journal.exists():
        json.loads(journal.read_text())


def test_ctrl_c_while_the_cli_imports(tmp_path: Path) -> None:
    """The console script imports the CLI (~70 ms) inside the same rule; a KeyboardInterrupt
    raised by the import of click stands for a Ctrl-C there."""
    code = ("import sys\n"
            "class Interrupt:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'click':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Interrupt())\n"
            "import lambdactl\n"
            "lambdactl.main()\n")
    proc = subprocess.run([sys.executable, "-c", code, "--help"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130 and proc.stderr == LINE + "\n", proc.stderr


def test_the_console_script_is_that_entry_point() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "lambdactl"]
    assert script.value == "lambdactl:main"
