"""Cold starts forked from a preloaded interpreter (local/zygote.py, issue 12's cold-start
target), with what a new interpreter gave kept: its own session below the server, its
own environment, cwd and random state, a vendored boto3 and a function's locale."""

from __future__ import annotations

import contextlib
import io
import json
import os
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdactl.local import control
from lambdactl.local.proctree import Spawner, children, descendants
from lambdactl.local.zygote import Zygotes

Aws = Callable[[str], Any]

PROBE = """
import locale, os, random, sys
PRELOADED = "boto3" in sys.modules   # before this module imports anything
import boto3
AT_INIT = {"random": random.random(), "locale": locale.setlocale(locale.LC_CTYPE),
           "cwd": os.getcwd(), "preloaded": PRELOADED}

def handler(event, context):
    with open(f"/proc/{os.getppid()}/stat") as f:
        guard_parent = int(f.read().rsplit(")", 1)[1].split()[1])
    if event.get("exit"):
        os._exit(event["exit"])
    return {**AT_INIT, "pid": os.getpid(), "guard": os.getppid(), "guard_parent": guard_parent,
            "sid": os.getsid(0), "mine": os.environ.get("MINE"), "boto3": boto3.__file__,
            "ns": os.readlink("/proc/self/ns/pid"),
            "vendored": getattr(boto3, "VENDORED", False)}
"""


def _function(aws: Aws, role_arn: str, extra: dict[str, str] | None = None, **options: Any) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("probe.py", PROBE)
        for name, text in (extra or {}).items():
            zf.writestr(name, text)
    name = f"t-zygote-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                  Handler="probe.handler", Code={"ZipFile": buf.getvalue()},
                                  **options)
    return name


def _invoke(aws: Aws, name: str, payload: dict[str, Any] | None = None) -> Any:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(payload or {}))
    return response, json.loads(response["Payload"].read())


def _cold(aws: Aws, name: str, mine: str) -> Any:
    aws("lambda").update_function_configuration(
        FunctionName=name, Environment={"Variables": {"MINE": mine}})
    return _invoke(aws, name)[1]


def test_a_cold_start_is_a_fork_of_the_preloaded_interpreter(
    aws: Aws, role_arn: str, sandbox: control.SandboxInfo
) -> None:
    name = _function(aws, role_arn)
    runtimes = []
    for mine in ("one", "two"):
        seen = _cold(aws, name, mine)
        # boto3 was imported before the handler's module was: the zygote's fork.
        assert seen["preloaded"]
        assert seen["mine"] == mine  # the environment it was forked for
        # In its own PID namespace (bootstrap.seal): its guard's first child is its init.
        assert (seen["pid"], seen["guard"], seen["guard_parent"], seen["sid"]) == (2, 1, 0, 0)
        guard, runtime = _host_view(sandbox.pid, seen["ns"])
        assert os.getsid(runtime) == guard  # its own session, its guard the leader
        assert seen["cwd"] == "/var/task"  # its code tree, where Lambda's is (local/jail.py)
        runtimes.append((runtime, seen["random"]))
    assert runtimes[0][0] != runtimes[1][0]
    assert runtimes[0][1] != runtimes[1][1]  # reseeded at each fork


def _host_view(server: int, ns: str) -> tuple[int, int]:
    """(guard, runtime) of the environment whose PID namespace is NS, in our pids: the
    guard is the server's own child (a new process's place), the runtime below it."""
    for guard in children(server):
        for pid in descendants(guard):
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                nspid = next(line for line in status.splitlines() if line.startswith("NSpid:"))
                if os.readlink(f"/proc/{pid}/ns/pid") == ns and nspid.split()[-1] == "2":
                    return guard, pid
    raise AssertionError(f"no environment of {ns} below the server {server}")


def test_a_runtime_forked_from_the_zygote_exits_with_its_status(aws: Aws, role_arn: str) -> None:
    name = _function(aws, role_arn)
    response, body = _invoke(aws, name, {"exit": 3})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_a_vendored_boto3_is_the_one_imported(aws: Aws, role_arn: str) -> None:
    """On Lambda /var/task comes before the runtime's boto3; a preloaded one cannot be
    shadowed, so such a package gets a new interpreter."""
    name = _function(aws, role_arn, {"boto3/__init__.py": "VENDORED = True\n"})
    _, body = _invoke(aws, name)
    assert body["vendored"] is True and not body["preloaded"]


def test_a_locale_the_function_sets_is_the_interpreters(aws: Aws, role_arn: str) -> None:
    """The interpreter reads the locale when it starts: a new one starts with it."""
    name = _function(aws, role_arn, Environment={"Variables": {"LC_ALL": "POSIX"}})
    _, body = _invoke(aws, name)
    assert body["locale"] == "C" and not body["preloaded"]


def test_an_interpreter_that_cannot_preload_has_no_zygote(tmp_path: Path) -> None:
    """It starts a new interpreter per environment, as before (start_runtime's fallback)."""
    zygotes = Zygotes(Spawner())
    assert zygotes.get("/bin/false", tmp_path) is None


def test_a_closed_zygote_is_reaped_not_left_a_zombie(tmp_path: Path) -> None:
    """`local stop` closes the zygotes: each exits at end of file and its parent (here, this
    process, as the server in the sandbox) waits for it. Unreaped, it stayed `<defunct>`
    in `ps` after `local stop` under an init that reaps nothing (a container's)."""
    from lambdactl.local.pythons import HOST_PYTHON, runtime_libs

    zygotes = Zygotes(Spawner())
    zygote = zygotes.get(HOST_PYTHON, runtime_libs(tmp_path / "libs"))
    assert zygote is not None and zygote.alive
    pid = zygote.proc.pid
    zygotes.close()
    assert zygote.proc.returncode is not None
    assert not Path(f"/proc/{pid}").exists()   # a zombie keeps its /proc entry until reaped



EXITS = """import atexit, sys, threading, time
atexit.register(lambda: print("atexit ran", flush=True))
threading.Thread(target=lambda: (time.sleep(0.2), print("thread done", flush=True))).start()
print("init", flush=True)
sys.exit(3)
"""
# A zygote's heap (what it preloaded, a sentinel among it), then a forked "runtime" that
# runs EXITS and ends with quickexit's end or with Python's own; the parent reports its status.
FORKED = """import json, os, runpy, sys
from lambdactl.local import quickexit


class Sentinel:
    def __del__(self, write=os.write):
        write(1, b"freed\\n")   # only when the heap is torn down


heap = [{"n": i, "s": str(i), "l": [i]} for i in range(150_000)] + [Sentinel()]
sys.path.insert(0, sys.argv[1])
pid = os.fork()
if pid == 0:
    if sys.argv[2] == "quick":
        quickexit.run_module("exits")
    runpy.run_module("exits", run_name="__main__")
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "faults": usage.ru_minflt}), flush=True)
os._exit(0)   # the parent's own heap is not the question
"""


@pytest.mark.parametrize("how", ["quick", "python"])
def test_a_forked_runtime_exits_without_freeing_the_zygotes_heap(tmp_path: Path, how: str) -> None:
    """A runtime forked from a zygote that exits (sys.exit in its init) freed every object
    the zygote had preloaded, faulting in each shared page: 32,780 page faults, 195 ms
    under load before INIT_REPORT could be written. quickexit.run_module ends it as Python
    does (threads joined, atexit run, output flushed, the status) without tearing the heap
    down: the sentinel's __del__ never runs (with Python's own exit it does). Nothing timed."""
    import subprocess
    import sys

    (tmp_path / "exits.py").write_text(EXITS)
    out = subprocess.run([sys.executable, "-c", FORKED, str(tmp_path), how], capture_output=True,
                         text=True, timeout=120, check=True).stdout.splitlines()
    report = json.loads(out[-1])
    lines = [line for line in out[:-1] if line != "freed"]
    assert report["status"] == 3 and lines == ["init", "thread done", "atexit ran"], out
    assert ("freed" in out) is (how == "python"), out
