"""One writer per project and target."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lambdactl.lock import LockedError, hold


def test_second_holder_waits_then_names_the_first(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with hold(path, "up"):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    inside.wait(5)
    waited = []
    with pytest.raises(LockedError) as err:
        with hold(path, "destroy", wait=0.3, on_wait=waited.append):
            pass
    release.set()
    t.join()
    assert f"pid {os.getpid()} on {socket.gethostname()}" in str(err.value)
    assert "another lambdactl up" in str(err.value)
    assert waited and waited[0]["command"] == "up"
    with hold(path, "up", wait=0):  # released: free again
        pass


def test_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "lock.json"
    code = f"from lambdactl.lock import hold\nfrom pathlib import Path\nimport os\nwith hold(Path({str(path)!r}), 'up'):\n    os._exit(9)\n"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9  # died holding it
    assert json.loads(path.read_text())["command"] == "up"
    with hold(path, "up", wait=0):
        pass


def test_two_concurrent_ups_do_not_interleave(project: Path) -> None:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        env = dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
        cmd = [sys.executable, "-m", "lambdactl", "--target", "aws", "-o", "json", "up"]
        procs = [subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        writes = sorted(json.loads(o)["api_calls"]["writes"] for o, _ in outs)
        # One run did all the work; the other waited for the lock and found nothing to do.
        assert writes[0] == 0 and writes[1] > 0
        again = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=60)
        assert json.loads(again.stdout)["api_calls"]["writes"] == 0
    finally:
        server.stop()


@pytest.mark.parametrize("planted", ["symlink", "hard link"])
def test_a_link_planted_in_the_shared_lock_directory_is_never_written_through(
        planted: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The buckets' lock directory is every user's (mode 1777, machine_lock.LOCK_DIR): a
    link another user put at a lock's name must not make lambdactl truncate and write a
    file of its user's; that run takes a lock in its own home instead."""
    from types import SimpleNamespace

    from lambdactl.triggers import machine_lock

    shared = tmp_path / "shared"
    shared.mkdir()
    monkeypatch.setenv("LAMBDACTL_LOCK_DIR", str(shared))
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    s3 = SimpleNamespace(meta=SimpleNamespace(endpoint_url="https://s3.amazonaws.com"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    where = machine_lock.path(s3, "bucket")
    (where.symlink_to if planted == "symlink" else where.hardlink_to)(victim)
    with machine_lock.hold(s3, "bucket") as held:
        held.bump()
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "home" / "locks" / where.name).read_text() == "1"


def test_a_bucket_lock_held_too_long_or_scribbled_on_is_one_line_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The buckets' lock files are in a directory every user shares: one another process
    holds past the timeout ended the command with a bare BlockingIOError (a traceback), and
    one holding text that is not a number with a ValueError. Now: one line; and a
    generation that matches nothing read before (so the configuration is read again)."""
    import fcntl
    from types import SimpleNamespace

    from lambdactl.errors import LambdactlError
    from lambdactl.triggers import machine_lock

    monkeypatch.setenv("LAMBDACTL_LOCK_DIR", str(tmp_path / "shared"))
    s3 = SimpleNamespace(meta=SimpleNamespace(endpoint_url="https://s3.amazonaws.com"))
    where = machine_lock.path(s3, "bucket")
    where.parent.mkdir()
    where.write_text("not a number")
    with machine_lock.hold(s3, "bucket") as held:
        assert held.generation == -1 and machine_lock.generation(s3, "bucket") == -1
    with open(where) as other:   # another process's flock (a separate open file holds its own)
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(LambdactlError, match="another process has held its notification lock"):
            with machine_lock.hold(s3, "bucket", timeout=0.1):
                pass


def test_the_wait_is_told_with_the_holder_named_not_pid_unknown(tmp_path: Path) -> None:
    """A holder writes its record just after it takes the lock. A second run that looked in
    between said "waiting for another lambdactl (pid ?) to finish…" (seen with two `up` at
    once). It now looks again before telling; the record lands during that look here (the
    injected sleep writes it), with no real waiting."""
    import fcntl

    from lambdactl.lock import open_shared, waiting

    path = tmp_path / "lock.json"
    held = open_shared(path)
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)   # taken, its record not written yet
    told: list[dict[str, object]] = []

    def sleep(_: float) -> None:
        if not path.read_text():
            os.pwrite(held, json.dumps({"pid": 4242, "host": "h", "since": 0, "command": "up"}).encode(), 0)
        elif len(told) == 1:
            os.close(held)   # the first run ends: the lock is free

    with hold(path, "up", wait=60, on_wait=told.append, sleep=sleep):
        pass
    assert [waiting(h) for h in told] == ["waiting for another lambdactl up (pid 4242) to finish…"]
    assert waiting({}) == "waiting for another lambdactl to finish…"
