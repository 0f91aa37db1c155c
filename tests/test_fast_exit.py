"""A one-command process ends without the interpreter's teardown (lambdactl.exit_now),
but with everything a normal exit does that anyone could see: atexit functions,
non-daemon threads joined, stdout flushed, the exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# The interpreter's teardown says so on stderr (an audit event: it clears the interpreter);
# an atexit function and a slow non-daemon thread leave their marks; stdout is a pipe.
SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
out = Path(sys.argv[1])
import os
write = os.write   # bound now: the teardown clears the modules' names
sys.addaudithook(lambda event, _: event == "cpython.PyInterpreterState_Clear" and write(2, b"teardown ran\\n"))
atexit.register(lambda: (out / "atexit").write_text("ran"))
threading.Thread(target=lambda: (time.sleep(0.3), (out / "thread").write_text("done"))).start()
sys.stdout.write("data on stdout\\n")
from lambdactl.cli import main
main(sys.argv[2:])
"""


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), *args], capture_output=True, text=True,
                          timeout=60)


def test_a_command_ends_without_the_teardown_but_with_atexit_threads_and_stdout(tmp_path: Path) -> None:
    p = run(tmp_path, "--version")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("data on stdout\nlambdactl, version ")
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "thread").read_text() == "done"
    assert "teardown ran" not in p.stderr


def test_the_exit_code_of_a_usage_error_is_kept(tmp_path: Path) -> None:
    p = run(tmp_path, "no-such-command")
    assert p.returncode == 2
    assert "No such command" in p.stderr
    assert (tmp_path / "atexit").read_text() == "ran"
    assert "teardown ran" not in p.stderr


def test_a_profiler_still_writes_its_file(tmp_path: Path) -> None:
    """`python -m cProfile -o FILE -m lambdactl ...` writes FILE after the command: the
    interpreter's own exit, then."""
    out = tmp_path / "profile"
    p = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "lambdactl", "--version"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert out.stat().st_size > 0
