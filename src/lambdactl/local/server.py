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
import signal
import socket
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from lambdactl.local import pidlimit
from lambdactl.local.codecache import remove_tree
from lambdactl.local.control import SandboxInfo, remove_state, write_state
from lambdactl.local.inventory import REGIONS_PATH, used_regions
from lambdactl.local.proctree import set_subreaper

log = logging.getLogger("lambdactl.sandbox")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lambdactl.local.server")
    parser.add_argument("--port", type=int, default=4577, help="0 picks a free port")
    parser.add_argument("--state-file", required=True, type=Path)
    parser.add_argument("--role-delay", type=float, default=None)
    parser.add_argument("--no-iam", action="store_true", help="handlers get full access")
    parser.add_argument("--cpu-share", action="store_true", help="CPU in proportion to memory")
    return parser.parse_args(argv)


def reserve_port(port: int) -> int:
    """Check that 127.0.0.1:port can be listened on (0: choose one); returns it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Same option as werkzeug's server, so TIME_WAIT leftovers do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        return int(probe.getsockname()[1])


def serve(port: int, creds: Any, tick: Any = None) -> None:
    """moto's WSGI app behind the signature check, served from a daemon thread."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app

    from lambdactl.local.auth import Guard, own_key_only, verify
    from lambdactl.local.awsonly import AwsOnly
    from lambdactl.local.bodylimit import BodyLimit
    from lambdactl.local.codeupload import CodeUpload
    from lambdactl.local.direct import DirectInvoke
    from lambdactl.local.enforce import session_credentials
    from lambdactl.local.httpparse import LeanEnviron, LeanParse, QuietLog
    from lambdactl.local.keepalive import KeepAlive
    from lambdactl.local.keepalive import install as keep_drains
    from lambdactl.local.paced import PacedHandler, PacedServer
    from lambdactl.local.urls import Router

    routes = {REGIONS_PATH: used_regions}
    moto = AwsOnly(create_backend_app)   # moto's dispatcher, its non-AWS endpoints refused
    # Lambda's Invoke ahead of Flask and moto's URL maps (local/direct.py).
    # A large inline zip decoded once, before moto parses its JSON (local/codeupload.py).
    guard = Guard(CodeUpload(DirectInvoke(moto)), creds, routes, session_credentials)
    # Function URLs (local/urls.py) and the schedule clock (local/scheduler.py).
    def own_tick(environ: dict[str, Any]) -> bytes:   # the schedule clock: lambdactl's alone
        own_key_only(environ, creds)
        return bytes(tick(environ))

    app = Router(guard, lambda environ: verify(environ, creds, session_credentials),
                 own_tick if tick is not None else None)
    keep_drains()   # werkzeug's drain after each response skips kept connections
    # Bound here, in the caller's thread: a port taken meanwhile is an OSError, not a hang.
    handler = type("RequestHandler", (KeepAlive, LeanParse, QuietLog, LeanEnviron,
                                       MotoRequestHandler, PacedHandler), {})
    # Bodies bounded before anything reads them (local/bodylimit.py); a connection gets
    # a thread only once its request is in (local/paced.py).
    server = PacedServer("127.0.0.1", port, BodyLimit(app), handler)
    threading.Thread(target=server.serve_forever, name="moto-server", daemon=True).start()


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


def _install(args: Any, endpoint: str, work_dir: Path, creds: Any) -> Any:
    """moto's backends, the local Lambda runtime in moto's place, IAM enforcement."""
    from lambdactl.local import awsonly, codeupdate, codeupload, retire, speedups, urls
    from lambdactl.local.lambdafs import namespaces
    from lambdactl.local.patch import install

    jailed = namespaces()   # forks: before any thread
    preload_backends()
    awsonly.untrack()
    speedups.install()
    codeupdate.install()
    codeupload.install()
    retire.install()   # a deleted or updated function's environments end at once
    urls.install(endpoint)
    # Descendants that escape an environment's tree become ours, to be swept.
    subreaper = set_subreaper()
    runtime = install(endpoint, work_dir=work_dir, role_delay=args.role_delay, credentials=creds,
                      sweep=subreaper, isolate=True, iam=not args.no_iam,
                      private=private_dirs(work_dir.parent) if jailed else ())
    if not args.no_iam:
        from lambdactl.local import enforce

        enforce.install(creds.access_key_id)
    return runtime


def private_dirs(home: Path) -> tuple[str, ...]:
    """What no handler may see (bootstrap.seal hides them): the user's home (~/.aws, tokens)
    and the sandbox's (its state file holds the sandbox's own credentials)."""
    import pwd

    try:
        homes = {os.path.realpath(pwd.getpwuid(os.getuid()).pw_dir), os.path.realpath(home)}
    except KeyError:   # a user id with no passwd entry (docker run --user 4242): no home but the sandbox's
        homes = {os.path.realpath(home)}
    dirs: list[str] = []
    for path in sorted(homes):
        if path != "/" and os.path.isdir(path) and not any(path.startswith(d + "/") for d in dirs):
            dirs.append(path)
    return tuple(dirs)


def _bound(args: argparse.Namespace, runtime: Any) -> tuple[Path | None, str]:
    """CPU in proportion to memory (--cpu-share), and Lambda's bound on processes and
    threads (pidlimit.py), where the machine lets; returns the pids cgroup, and the bound."""
    if args.cpu_share:
        from lambdactl.local.cpushare import cpu_cgroups

        runtime.launch = replace(runtime.launch, cpu=cpu_cgroups(pidlimit.LIMIT + pidlimit.OWN_TASKS))
    cpu = runtime.launch.cpu
    if cpu and cpu.pids_max:   # v2: the CPU share's cgroup of each environment bounds its tasks
        return None, pidlimit.bound("cgroup v2 pids.max")
    pids = pidlimit.pid_cgroups(v2=not (cpu and cpu.version == 2))
    runtime.launch = replace(runtime.launch, pids=pidlimit.guard_config(pids, jailed=bool(runtime.launch.private)))
    return pids, pidlimit.describe(runtime.launch.pids)


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
    remove_tree(work_dir)  # leftovers of a killed sandbox (read-only code trees)

    import moto

    from lambdactl.local.auth import Credentials

    creds = Credentials.generate()
    runtime = _install(args, endpoint, work_dir, creds)
    pids, bound = _bound(args, runtime)
    from lambdactl.local.scheduler import Scheduler

    scheduler = Scheduler()
    scheduler.start()
    try:
        serve(port, creds, scheduler.handle)
    except OSError as exc:
        print(f"sandbox: cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    info = SandboxInfo(
        pid=os.getpid(), port=port, endpoint=endpoint, started_at=time.time(),
        log_file=str(home / "sandbox.log"),
        access_key_id=creds.access_key_id,
        secret_access_key=creds.secret_access_key,
        session_token=creds.session_token,
        cpu_share=runtime.launch.cpu.describe if runtime.launch.cpu else "",
        iam=not args.no_iam, role_delay=args.role_delay, jailed=bool(runtime.launch.private),
        pids=bound,
    )
    write_state(args.state_file, info)
    log.info("sandbox listening on %s (moto %s, pid %d)", endpoint, moto.__version__, info.pid)
    while not stop.wait(1.0):
        if pids:
            pidlimit.sweep(pids)   # the cgroups of environments that ended
    log.info("stopping: ending runtime environments")
    scheduler.stop()
    runtime.shutdown()
    if pids:
        pidlimit.close(pids)
    # No server.stop(): it waits out werkzeug's 0.5 s poll; exiting closes the socket.
    remove_state(args.state_file, pid=info.pid)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
