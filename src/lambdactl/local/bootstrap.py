"""The first code of every execution environment, before any of the function's.

Run as ``python -I -S -c <this file's source> <json>`` (``command()`` builds it):
no site-packages, no PYTHON* variables, no current directory on sys.path.
Standard library only: it runs on the function's Python.

The process splits in two. The parent is the environment's guard: a child
subreaper (whatever the handler starts, ``setsid`` and double forks included,
stays below it) that the kernel signals when the sandbox server dies, even by
SIGKILL (PR_SET_PDEATHSIG); it then kills everything below it, as it does when
the runtime ends, and exits with the runtime's status. The child dies with the
guard, sets sys.path to the function's own list (task root, layers, the runtime
client and boto3) and runs awslambdaric; or, for a custom runtime, execs the
function's bootstrap. The handler's code never runs in the guard.
"""

import ctypes
import json
import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the environment is a process group only


def main() -> None:
    config = json.loads(sys.argv[1])
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # the server died: clean up (guard)
    if os.getppid() != config["server"]:
        os._exit(70)  # the server died before PDEATHSIG was armed
    guard = os.getpid()
    if config.get("cgroup"):  # the environment's CPU share (cpushare.py), for the whole tree
        try:
            with open(config["cgroup"], "w") as procs:
                procs.write(str(guard))
        except OSError:
            pass  # it runs without one
    runtime = os.fork()
    if runtime:
        watch(runtime)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the runtime dies with its guard
    if os.getppid() != guard:
        os._exit(70)
    if config.get("exec") is not None:
        run_bootstrap(config["exec"])
    if config.get("path") is not None:
        sys.path[:] = config["path"] + [p for p in sys.path if p]
    sys.argv = ["awslambdaric", config["handler"]]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


def watch(runtime: int) -> None:
    """The guard: reap orphans until the runtime ends (or the server dies), then end the
    tree and exit as the runtime did."""
    def server_died(*_: object) -> None:
        kill_descendants()
        os._exit(137)

    signal.signal(signal.SIGTERM, server_died)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pid, status = os.wait()  # orphans of the handler are reaped here too
        if pid == runtime:
            break
    kill_descendants()
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except (OSError, ValueError):
            pass
    return found


def kill_descendants() -> None:
    """SIGKILL everything below this process, frozen first so that nothing forks
    meanwhile (proctree.kill_tree's method; this file cannot import lambdactl)."""
    seen: list[int] = []
    for _ in range(20):
        todo, tree = _children(os.getpid()), []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += _children(pid)
        new = [pid for pid in tree if pid not in seen]
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        seen += new
    for pid in seen:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def run_bootstrap(candidates: list[str]) -> None:
    """A custom runtime: exec the first bootstrap found (subreaper and PDEATHSIG survive
    exec); else report Lambda's init error for a missing or unusable one."""
    problem = f"Couldn't find valid bootstrap(s): [{' '.join(candidates)}]"
    for path in candidates:
        if os.path.exists(path):
            try:
                os.execv(path, [path])
            except OSError as exc:
                problem = f"{path}: {exc.strerror}"
                break
    import http.client

    body = json.dumps({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": problem})
    api = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"], timeout=5)
    api.request("POST", "/2018-06-01/runtime/init/error", body,
                {"Lambda-Runtime-Function-Error-Type": "Runtime.InvalidEntrypoint"})
    api.getresponse().read()
    os._exit(1)


main()
