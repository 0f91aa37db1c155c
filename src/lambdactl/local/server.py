"""The sandbox process: moto's server with lambdactl's Lambda runtime patched in.

    python -m lambdactl.local.server --port 4577 --state-file ~/.lambdactl/sandbox.json

Started in the background by ``lambdactl.local.control.start``; writes the state
file once it is listening and runs until SIGTERM/SIGINT, then stops every
runtime environment and exits 0. Its stdout/stderr is the sandbox log.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from lambdactl.local.control import SandboxInfo, remove_state, write_state

log = logging.getLogger("lambdactl.sandbox")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lambdactl.local.server")
    parser.add_argument("--port", type=int, default=4577, help="0 picks a free port")
    parser.add_argument("--state-file", required=True, type=Path)
    parser.add_argument("--role-delay", type=float, default=None)
    return parser.parse_args(argv)


def reserve_port(port: int) -> int:
    """Check that 127.0.0.1:port can be listened on (0: choose one); returns it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same option as werkzeug's server, so TIME_WAIT leftovers do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        return int(probe.getsockname()[1])


def _die_if_server_thread_fails(args: Any) -> None:
    # ThreadedMotoServer.start() waits forever when its thread cannot bind.
    if args.thread is not None and "_server_entry" in args.thread.name:
        print(f"sandbox: moto server failed: {args.exc_value}", file=sys.stderr, flush=True)
        os._exit(3)
    sys.__excepthook__(args.exc_type, args.exc_value, args.exc_traceback)


# The services lambdactl and its tutorials' handlers use.
BACKENDS = ("s3", "iam", "logs", "sts", "awslambda", "sqs", "sns", "events", "dynamodb")


def preload_backends() -> None:
    """Import moto's backends now, in one thread.

    moto imports a service's backend on its first request; lambdactl sends its
    first requests side by side, and concurrent first imports of modules that
    import each other can deadlock Python's import locks (_DeadlockError).
    """
    import importlib

    for name in BACKENDS:
        importlib.import_module(f"moto.{name}.models")


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    try:
        port = reserve_port(args.port)
    except OSError as exc:
        print(f"sandbox: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    endpoint = f"http://127.0.0.1:{port}"
    home = args.state_file.parent
    work_dir = home / "runtime"
    shutil.rmtree(work_dir, ignore_errors=True)  # leftovers of a killed sandbox

    import moto
    from moto.server import ThreadedMotoServer

    from lambdactl.local.patch import install

    threading.excepthook = _die_if_server_thread_fails
    preload_backends()
    runtime = install(endpoint, work_dir=work_dir, role_delay=args.role_delay)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    info = SandboxInfo(
        pid=os.getpid(),
        port=port,
        endpoint=endpoint,
        started_at=time.time(),
        log_file=str(home / "sandbox.log"),
    )
    write_state(args.state_file, info)
    log.info("sandbox listening on %s (moto %s, pid %d)", endpoint, moto.__version__, info.pid)
    while not stop.wait(1.0):
        pass
    log.info("stopping: ending runtime environments")
    runtime.shutdown()
    # No server.stop(): it waits out werkzeug's 0.5 s poll; exiting closes the socket.
    remove_state(args.state_file, pid=info.pid)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
