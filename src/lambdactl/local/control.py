"""Start, find, stop and inspect the embedded sandbox (``--target local``).

The sandbox is a background ``python -m lambdactl.local.server`` process (moto's
server plus lambdactl's local Lambda runtime) on 127.0.0.1. Its pid and port live
in ``$LAMBDACTL_HOME/sandbox.json`` (default ``~/.lambdactl``), its output in
``sandbox.log`` next to it.

This module must import fast: moto and boto3 are imported only where used.

    info, started_now = start()          # or ensure_running()
    ... boto3 clients with endpoint_url=info.endpoint and **info.credentials ...
    stop()
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lambdactl.errors import LambdactlError
from lambdactl.local import proctree
from lambdactl.local.cleanenv import DEFAULT_REGION, sandbox_environment
from lambdactl.local.ports import port_answers, port_free  # noqa: F401 - port_free: control's
from lambdactl.local.proctree import stopped  # noqa: F401 - control's, for the CLI
from lambdactl.paths import home_dir

DEFAULT_PORT = 4577
STATE_NAME = "sandbox.json"
LOG_NAME = "sandbox.log"
SERVER_MODULE = "lambdactl.local.server"

# What the server keeps of the environment it is started from: nothing secret.

# Popen objects of sandboxes this process started, so that stop() can reap them.
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class SandboxInfo:
    pid: int
    port: int
    endpoint: str  # "http://127.0.0.1:<port>"
    started_at: float  # epoch seconds
    log_file: str  # the server's own stdout/stderr
    # The only credentials the sandbox accepts, made at start (the file is 0600).
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)
    cpu_share: str = ""  # how CPU follows memory (local/cpushare.py); "" where it cannot
    iam: bool = True  # handlers act as their role (else --no-iam: full access)
    role_delay: float | None = None  # --role-delay: new roles unassumable for that long
    jailed: bool = True  # environments have namespaces and a root of their own (jail.py)
    pids: str | None = None  # what bounds an environment's tasks (pidlimit.describe); "": nothing

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def public(self) -> dict[str, Any]:
        """What `local start/status` show: everything but the secrets."""
        data = asdict(self)
        del data["secret_access_key"], data["session_token"]
        return data

    @property
    def credentials(self) -> dict[str, str]:
        """boto3 keyword arguments that sign requests the sandbox accepts."""
        return {"aws_access_key_id": self.access_key_id,
                "aws_secret_access_key": self.secret_access_key}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxInfo:
        optional = {name: data[name] for name in ("access_key_id", "secret_access_key",
                    "session_token", "cpu_share", "iam", "role_delay", "jailed", "pids") if name in data}
        return cls(pid=int(data["pid"]), port=int(data["port"]), endpoint=str(data["endpoint"]),
                   started_at=float(data["started_at"]), log_file=str(data["log_file"]), **optional)


class SandboxError(LambdactlError):
    """The sandbox could not be started or reached; one line for the user."""


# -- paths and the state file -------------------------------------------------
def home() -> Path:
    """$LAMBDACTL_HOME, else ~/.lambdactl (paths.py answers it)."""
    return Path(home_dir())


def state_path() -> Path:
    return home() / STATE_NAME


def log_path() -> Path:
    return home() / LOG_NAME


def write_state(path: Path, info: SandboxInfo) -> None:
    """Write atomically (readers never see half a file), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(info.to_json() + "\n")
    os.replace(tmp, path)


def remove_state(path: Path, pid: int | None = None) -> None:
    """Remove the state file (only if it names ``pid``, when given)."""
    if pid is not None:
        info = _load(path)
        if info is None or info.pid != pid:
            return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _load(path: Path) -> SandboxInfo | None:
    try:
        return SandboxInfo.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- processes and ports --------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie still answers kill(0)
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_sandbox(pid: int) -> bool:
    """Guards against a recycled pid: is it really our server process?"""
    try:
        return SERVER_MODULE.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no procfs (macOS): trust the pid
    except OSError:
        return True


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One start/stop at a time across lambdactl processes."""
    home().mkdir(parents=True, exist_ok=True)
    with open(home() / "sandbox.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# -- the public API -------------------------------------------------------------
def read_state() -> SandboxInfo | None:
    """The running sandbox, or None (a state file of a dead process is removed)."""
    path = state_path()
    info = _load(path)
    if info is None:
        return None
    if not _pid_alive(info.pid) or not _is_sandbox(info.pid):
        remove_state(path, pid=info.pid)
        return None
    if not port_answers(info.port):
        return None
    return info


def start(
    port: int | None = DEFAULT_PORT, role_delay: float | None = None, wait: float = 20.0, iam: bool = True,
    cpu_share: bool = False,
) -> tuple[SandboxInfo, bool]:
    """Start the sandbox in the background; ``(info, started_now)``. port=0: any free port;
    None: the default port, else any free one (another user's sandbox may hold it)."""
    with _locked():
        running = read_state()
        if running is not None:
            return running, False
        if port is None:
            port = DEFAULT_PORT if port_free(DEFAULT_PORT) else 0
        if port and not port_free(port):
            raise SandboxError(
                f"port {port} is already in use by another process",
                "pick another with --port, or 0 for any free port",
            )
        _require_extras()
        remove_state(state_path())
        proc = _spawn(port, role_delay, iam, cpu_share)
        return _wait_for_state(proc, wait), True


def _require_extras() -> None:
    import importlib.util

    missing = [m for m in ("moto", "awslambdaric") if importlib.util.find_spec(m) is None]
    if missing:
        raise SandboxError(
            f"the local sandbox needs {' and '.join(missing)}, which are not installed",
            "pip install 'lambdactl[local]'",
        )


def _spawn(port: int, role_delay: float | None, iam: bool = True,
           cpu_share: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", SERVER_MODULE, "--port", str(port)]
    command += ["--state-file", str(state_path())]
    if role_delay is not None:
        command += ["--role-delay", str(role_delay)]
    command += [flag for flag, on in (("--no-iam", not iam), ("--cpu-share", cpu_share)) if on]
    with open(log_path(), "wb") as log:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home(),
            env=sandbox_environment(role_delay),
            start_new_session=True,  # survives the CLI; its own process group for stop()
        )
    _children[proc.pid] = proc
    return proc


def _wait_for_state(proc: subprocess.Popen[bytes], wait: float) -> SandboxInfo:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        info = _load(state_path())
        if info is not None and info.pid == proc.pid:
            return info
        if proc.poll() is not None:
            if "[Errno 28]" in (tail := _log_tail()):   # ENOSPC writing its state file: the traceback would say it worse
                raise SandboxError(f"{home()}: no space left on device", "free some disk space, or set LAMBDACTL_HOME to a directory on another disk")
            raise SandboxError(
                f"sandbox failed to start (exit {proc.returncode}): {tail}",
                f"full log: {log_path()}",
            )
        time.sleep(0.02)
    proctree.signal_group(proc.pid, signal.SIGKILL)
    proc.wait()
    raise SandboxError(f"sandbox did not start within {wait:.0f} s", f"see {log_path()}")


def _log_tail(lines: int = 3) -> str:
    try:
        text = log_path().read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "no log"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) or "empty log"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            break
        time.sleep(0.02)
    else:
        return False
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    return True


def stop(timeout: float = 10.0) -> bool:
    """Stop the sandbox and its runtime children; True if it was running."""
    with _locked():
        path = state_path()
        info = _load(path)
        if info is None:
            return False
        if not _pid_alive(info.pid) or not _is_sandbox(info.pid):
            remove_state(path)
            return False
        proctree.signal_group(info.pid, signal.SIGTERM)
        proctree.signal_group(info.pid, signal.SIGCONT)  # a stopped server acts on SIGTERM only once resumed
        if not _wait_gone(info.pid, timeout):
            proctree.signal_group(info.pid, signal.SIGKILL)
            _wait_gone(info.pid, 2.0)
        # Runtime children that outlived their server (SIGTERM ignored, say).
        if proctree.group_alive(info.pid):
            proctree.signal_group(info.pid, signal.SIGKILL)
        deadline = time.monotonic() + 2.0
        while not port_free(info.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        remove_state(path)
        return True


def ensure_running() -> SandboxInfo:
    """The running sandbox, started if needed (any free port if 4577 is taken)."""
    info = read_state()
    if info is not None:
        return info
    port = DEFAULT_PORT if port_free(DEFAULT_PORT) else 0
    try:
        return start(port)[0]
    except SandboxError:
        if port == 0 or port_free(port):
            raise
        return start(0)[0]  # lost a race for the default port


def credentials() -> tuple[str, str]:
    """The running sandbox's access key id and secret, from its state file."""
    info = _load(state_path())
    if info is None or not info.access_key_id:
        raise SandboxError(
            f"no sandbox credentials in {state_path()}", "start it with `lambdactl local start`"
        )
    return info.access_key_id, info.secret_access_key


def client(info: SandboxInfo, service: str, region: str | None = None) -> Any:
    """A boto3 client for the sandbox, signing with its credentials; no ~/.aws files read."""
    import boto3
    import botocore.session
    from botocore.config import Config

    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    session = boto3.session.Session(
        botocore_session=core, region_name=region or DEFAULT_REGION, **info.credentials
    )
    config = Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=30)
    return session.client(service, endpoint_url=info.endpoint, config=config)
