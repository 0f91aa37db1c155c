"""The first code of every execution environment, before any of the function's.

Run as ``python -I -S -c <this file's source> <json>`` (``command()`` builds it):
no site-packages, no PYTHON* variables, no current directory on sys.path.
It makes the process a child subreaper (its handler's orphans stay in its
tree), asks for SIGKILL when the sandbox server dies, sets sys.path to the
function's own list (task root, layers, the runtime client and boto3), and
runs awslambdaric; or, for a custom runtime, execs the function's bootstrap. Standard library only: it runs on the function's Python.
"""

import ctypes
import json
import os
import runpy
import sys


def main() -> None:
    config = json.loads(sys.argv[1])
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG: SIGKILL
    except (OSError, AttributeError):
        pass  # not Linux: the environment is a process group only
    if os.getppid() != config["server"]:
        os._exit(70)  # the server died before PDEATHSIG was armed
    if config.get("exec") is not None:
        run_bootstrap(config["exec"])
    if config.get("path") is not None:
        sys.path[:] = config["path"] + [p for p in sys.path if p]
    sys.argv = ["awslambdaric", config["handler"]]
    runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)


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
