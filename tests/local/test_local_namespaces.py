"""A handler cannot read past its own environment (issue 12): other processes and the
sandbox's home are out of its sight, as they are out of a microVM's.

Before, a handler ran as the sandbox's user with the host's /proc: it read every
process's environment (the user's shell, the `lambdactl` command that invoked it, the
PLANTED secrets of this session's own process) and the sandbox's state file, whose
credentials are the sandbox's own and pass every IAM check its role would fail.
"""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl.local import control
from tests.local.conftest import PLANTED

Aws = Callable[[str], Any]

PEEK = '''
import os

def handler(event, context):
    readable, planted = [], []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        readable.append(int(pid))
        planted += [pid for secret in event["planted"] if secret.encode() in environ]
    found = {}
    for path in event["paths"]:
        try:
            with open(path) as f:
                found[path] = f.read()
        except OSError as exc:
            found[path] = exc.strerror
    try:
        open(event["paths"][1] + ".new", "w")
        written = "written"
    except OSError as exc:
        written = exc.strerror
    return {"pids": sorted(readable), "planted": planted, "files": found, "me": os.getpid(),
            "written": written,
            "task_root": sorted(os.listdir(os.environ["LAMBDA_TASK_ROOT"]))}
'''


def _function(aws: Aws, role_arn: str, module: str, source: str, **options: Any) -> str:
    """A python3.11 function whose package is MODULE.py holding SOURCE (handler "handler")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{module}.py", source)
    name = f"t-{module}-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                  Handler=f"{module}.handler", Code={"ZipFile": buf.getvalue()},
                                  **options)
    return name


def test_a_handler_sees_only_its_own_processes_and_not_the_sandbox_home(
    aws: Aws, role_arn: str, sandbox: control.SandboxInfo, sandbox_home: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.txt"   # outside both homes, in the host's /tmp: not there either
    mine.write_text("shared")
    beside = sandbox_home / "beside-the-state-file.txt"
    beside.write_text("private")
    state = sandbox_home / "sandbox.json"
    name = _function(aws, role_arn, "peek", PEEK)
    event = {"planted": list(PLANTED.values()), "paths": [str(state), str(beside), str(mine)]}
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    seen = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, seen
    assert seen["planted"] == []                       # this very process is not in its /proc
    assert os.getpid() not in seen["pids"] and sandbox.pid not in seen["pids"]
    assert len(seen["pids"]) <= 3, seen["pids"]        # its init, its runtime, nothing else
    assert sandbox.secret_access_key not in seen["files"][str(state)]
    assert seen["files"][str(state)] == "No such file or directory"
    assert seen["files"][str(beside)] == "No such file or directory"
    assert seen["files"][str(mine)] == "No such file or directory"   # its /tmp is its own (jail.py)
    # Only in its own /tmp (the path to the runtime's libraries is made there), not the host's.
    assert not Path(str(beside) + ".new").exists(), seen["written"]
    assert seen["task_root"] == ["peek.py"]            # its own code is still there, at /var/task
    again = json.loads(aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))["Payload"].read())
    assert again["me"] == seen["me"]                   # warm: the same environment


API = '''
import os

def handler(event, context):
    return {"api": os.environ["AWS_LAMBDA_RUNTIME_API"], "echo": event}
'''


def test_only_the_environment_reaches_its_runtime_api(aws: Aws, role_arn: str) -> None:
    """Before, any local process (another user too) could GET /next on the Runtime API's
    port: it took the next event, and the invocation timed out waiting for it."""
    import http.client

    name = _function(aws, role_arn, "api", API, Timeout=3)
    lam = aws("lambda")
    address = json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())["api"]
    thief = http.client.HTTPConnection(address, timeout=5)
    stolen: list[Any] = []

    def steal() -> None:
        try:
            thief.request("GET", "/2018-06-01/runtime/invocation/next")
            stolen.append(thief.getresponse().read())
        except (OSError, http.client.HTTPException) as exc:
            stolen.append(type(exc).__name__)

    import threading

    taker = threading.Thread(target=steal)
    taker.start()
    taker.join(0.3)   # connected and waiting for the next event, if it may
    for n in range(3):   # the runtime's own /next waits already: the thief's is the next one
        response = lam.invoke(FunctionName=name, Payload=json.dumps({"card": f"4111-{n}"}))
        assert json.loads(response["Payload"].read()) == {"api": address, "echo": {"card": f"4111-{n}"}}
    taker.join(5)
    assert stolen and "4111" not in str(stolen[0]), stolen   # the connection was closed


UNMOUNT = '''
import ctypes, os

def handler(event, context):
    libc = ctypes.CDLL(None, use_errno=True)
    results = {}
    for target in event["targets"]:
        failed = libc.umount2(target.encode(), 2)   # MNT_DETACH
        results[target] = os.strerror(ctypes.get_errno()) if failed else "unmounted"
    try:
        with open(event["state"]) as f:
            state = f.read()
    except OSError as exc:
        state = exc.strerror
    with open("/proc/self/status") as f:
        caps = [line.split()[1] for line in f if line.startswith(("CapEff", "CapBnd"))]
    return {"umount": results, "state": state, "caps": caps}
'''


def test_a_handler_cannot_unmount_what_hides_the_homes(
    aws: Aws, role_arn: str, sandbox: control.SandboxInfo, sandbox_home: Path
) -> None:
    """Before, a handler of a sandbox started by root was root with every capability in
    its mount namespace: it unmounted the tmpfs over the sandbox's home (and /proc) and
    read the state file. Its runtime now has no capability (and no setuid gains)."""
    import pwd

    name = _function(aws, role_arn, "unmount", UNMOUNT)
    home = os.path.realpath(pwd.getpwuid(os.getuid()).pw_dir)
    targets = [os.path.realpath(sandbox_home), home, "/proc"]
    event = {"targets": targets, "state": str(sandbox_home / "sandbox.json")}
    seen = json.loads(aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))["Payload"].read())
    # The homes are not there at all (nothing of theirs is bound: the Python and runtime are at
    # /var/lang and /var/runtime); /proc is, and stays.
    assert set(seen["umount"].values()) <= {"Operation not permitted", "No such file or directory"}, seen
    assert seen["umount"]["/proc"] == "Operation not permitted", seen
    assert seen["state"] == "No such file or directory"
    assert seen["caps"] == ["0000000000000000", "0000000000000000"]


WRITE = '''
import os

def handler(event, context):
    done = {}
    for path in event["paths"] + [os.path.join(os.environ["LAMBDA_TASK_ROOT"], "new.py")]:
        try:
            with open(path, "w") as f:
                f.write("x")
            done[path] = "written"
        except OSError as exc:
            done[path] = exc.strerror
    return done
'''


def test_the_file_system_is_read_only_but_tmp(aws: Aws, role_arn: str) -> None:
    """Before, a handler of a sandbox started by root wrote anywhere root may (/etc, /usr,
    the runtime's shared libraries, other worktrees); on Lambda only /tmp is writable."""
    import shutil
    import tempfile

    outside = Path(tempfile.mkdtemp(prefix="lambdactl-test-", dir="/var/tmp"))
    try:
        name = _function(aws, role_arn, "write", WRITE)
        mine = f"/tmp/written-{uuid.uuid4().hex}"   # its own /tmp, not the host's
        host = [f"/etc/written-{uuid.uuid4().hex}", f"/usr/written-{uuid.uuid4().hex}"]
        targets = [str(outside / "written"), mine, *host]
        done = json.loads(aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"paths": targets}))["Payload"].read())
        assert done.pop(mine) == "written" and not os.path.exists(mine)
        assert done.pop(str(outside / "written")) == "No such file or directory"   # /var/tmp: not there
        assert set(done.values()) == {"Read-only file system"}, done   # /etc, /usr, its own code
        assert not (outside / "written").exists() and not any(map(os.path.exists, host))
    finally:
        shutil.rmtree(outside)
