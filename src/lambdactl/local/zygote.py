"""Starting an environment's runtime: a new interpreter, or a fork of a zygote.

A cold start used to be a new Python: the interpreter's start, the bootstrap's
imports, awslambdaric's, then the handler's ``import boto3`` (about 100 ms idle,
most of a cold start). A zygote is one interpreter per (Python, runtime
libraries), started once by the sandbox, that has imported boto3 and
awslambdaric's environment-free modules; each new environment is a fork of it
(``bootstrap.py``'s zygote mode) that is the server's own child, in its own
session, with the function's stdout pipe, cwd and environment, and then runs the
same guard and runtime as a new interpreter would. What a fork cannot give, the
new interpreter still does:

- a custom runtime, and the in-process tests (no runtime libraries);
- a package or layer with a top-level module of the same name as one the zygote
  has loaded (a vendored ``boto3``, ``urllib3``, ...): on Lambda it would shadow
  the runtime's, and a preloaded module cannot be shadowed;
- a function whose environment sets the locale (read when the interpreter starts).

Differences from a new interpreter that remain: ``boto3`` is already in
``sys.modules`` (an init that imports it is that much faster than on Lambda), and
environments forked from one zygote share its string-hash seed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from lambdactl.local.lambdafs import lang_config
from lambdactl.local.proctree import Spawner

log = logging.getLogger("lambdactl.sandbox")

# The environment's first code, run with -c (stdlib only; see bootstrap.py): the
# file system it builds (jail.py), its network (netjail.py), then the guard, the
# runtime, the zygote.
BOOTSTRAP = "\n".join((Path(__file__).parent / name).read_text(encoding="utf-8")
                      for name in ("jail.py", "netjail.py", "quickexit.py",
                                   "bootstrap.py"))
# -I: no PYTHON* variables, no user site, no current directory; -S: no
# site-packages; -B: no __pycache__ in the read-only code; -u: lines as printed.
FLAGS = ("-I", "-S", "-B", "-u")
# What every Python environment imports (a handler's boto3 included), and what reads
# nothing of the environment when imported.
PRELOAD = (
    "boto3",
    "awslambdaric.lambda_runtime_marshaller",
    "awslambdaric.lambda_context",
    "awslambdaric.lambda_runtime_log_utils",
    "awslambdaric.lambda_runtime_exception",
    "http.client",
)
# Read AWS_LAMBDA_RUNTIME_API or the log settings when imported: each environment's own.
FORBID = ("runtime_client", "awslambdaric.bootstrap", "awslambdaric.lambda_runtime_client")
LOCALE = ("LANG", "LC_ALL", "LC_CTYPE")
START_TIMEOUT_S = 30.0
ZYGOTE_EXIT_S = 2.0   # from end of file to exit: it holds nothing to flush


def base_environment() -> dict[str, str]:
    """The zygote's own environment: what every runtime's starts with (invocation.py)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


class ForkedProcess:
    """A child of this process made by a zygote: Popen's pid, stdout, poll and wait."""

    def __init__(self, pid: int, stdout: IO[bytes]) -> None:
        self.pid, self.stdout = pid, stdout
        self.returncode: int | None = None
        self._lock = threading.Lock()  # one waitpid at a time, as in Popen

    def poll(self) -> int | None:
        if self.returncode is None and self._lock.acquire(blocking=False):
            try:
                self._reap(os.WNOHANG)
            finally:
                self._lock.release()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            with self._lock:
                self._reap(0)
        deadline = time.monotonic() + (timeout or 0.0)
        delay = 0.0005
        while (code := self.poll()) is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0.0)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return code

    def _reap(self, options: int) -> None:
        if self.returncode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:
            self.returncode = 255  # reaped elsewhere: its status is lost
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)


class Zygote:
    """One preloaded interpreter; ``fork`` makes a runtime of it."""

    def __init__(self, python: str, libs: Path, spawner: Spawner, jailed: bool = False) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = base_environment()
        # Jailed: it runs at /var/lang, importing from /var/runtime (jail.enter_lang), as
        # the environments forked from it see them.
        config = {"zygote": True, "server": os.getpid(), "path": [str(libs)],
                  "preload": PRELOAD, "forbid": FORBID, "env": sorted(env),
                  "lang": lang_config(python, libs) if jailed else None}
        self._sock, self._lock, self._spawner = ours, threading.Lock(), spawner
        self.modules: frozenset[str] = frozenset()
        self.env = env
        try:
            self.proc = spawner.popen([python, *FLAGS, "-c", BOOTSTRAP, json.dumps(config)],
                                      stdin=theirs.fileno(), env=env, cwd="/")
        finally:
            theirs.close()
        ours.settimeout(START_TIMEOUT_S)
        try:
            reply = json.loads(ours.recv(1 << 20) or b'{"error": "exited"}')
        except (OSError, ValueError) as exc:
            reply = {"error": str(exc)}
        if "error" in reply:
            self.close(now=True)  # it may still be importing; it is no use
            raise OSError(f"zygote for {python}: {reply['error']}")
        self.modules = frozenset(reply["modules"])
        ours.settimeout(None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def fits(self, env: dict[str, str], paths: list[str]) -> bool:
        """Can a fork run a function with ENV whose own code is on PATHS (not preloaded)?"""
        if any(env.get(k) != self.env.get(k) for k in LOCALE):
            return False
        return not any(_top_level(path) & self.modules for path in paths)

    def fork(self, config: dict[str, object], env: dict[str, str], cwd: Path) -> ForkedProcess:
        """A new runtime: the guard, as this process's child, its output on a pipe."""
        read, write = os.pipe()
        try:
            request = json.dumps({"config": config, "env": env, "cwd": str(cwd)}).encode()
            with self._lock:
                socket.send_fds(self._sock, [request], [write])
                answer = self._sock.recv(32)
        except OSError:
            os.close(read)
            raise
        finally:
            os.close(write)
        pid = int(answer) if answer.isdigit() else -1  # "-1": clone failed; b"": it died
        if pid <= 0:
            os.close(read)
            raise OSError("the zygote could not fork")
        return ForkedProcess(pid, os.fdopen(read, "rb"))

    def close(self, now: bool = False) -> None:
        """The zygote exits at end of file (or NOW, killed), and is reaped here: its parent
        (the server) is the one to wait for it, or it stays a zombie under an init that
        reaps nothing."""
        self._sock.close()
        if now:
            self.proc.kill()
        try:
            self.proc.wait(ZYGOTE_EXIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._spawner.forget(self.proc.pid)


_listing: dict[str, frozenset[str]] = {}


def _top_level(path: str) -> frozenset[str]:
    """The module names PATH offers at its top (cached: code trees are content-addressed)."""
    if path not in _listing:
        try:
            _listing[path] = frozenset(name.split(".")[0] for name in os.listdir(path))
        except OSError:
            return frozenset()
    return _listing[path]


class Zygotes:
    """The sandbox's zygotes, one per (interpreter, runtime libraries), made on first use."""

    def __init__(self, spawner: Spawner, jailed: bool = False) -> None:
        self._spawner, self.jailed = spawner, jailed
        self._lock = threading.Lock()
        self._zygotes: dict[tuple[str, str], Zygote | None] = {}

    def get(self, python: str, libs: Path) -> Zygote | None:
        key = (python, str(libs))
        with self._lock:  # one start per key; the others wait for it
            zygote = self._zygotes.get(key)
            if key not in self._zygotes or (zygote is not None and not zygote.alive):
                try:
                    zygote = Zygote(python, libs, self._spawner, self.jailed)
                except OSError as exc:  # that interpreter starts new processes instead
                    log.warning("lambdactl sandbox: no zygote: %s", exc)
                    zygote = None
                self._zygotes[key] = zygote
            return zygote

    def warm(self, python: str, libs: Path) -> None:
        """Start the zygote for PYTHON in the background."""
        threading.Thread(target=self.get, args=(python, libs), name="zygote", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            for zygote in self._zygotes.values():
                if zygote is not None:
                    zygote.close()


def start_runtime(
    spawner: Spawner,
    zygotes: Zygotes | None,
    python: str,
    libs: Path | None,
    config: dict[str, object],
    env: dict[str, str],
    cwd: Path,
) -> subprocess.Popen[bytes] | ForkedProcess:
    """The environment's guard process: a zygote's fork where one fits, else a new PYTHON."""
    path = config.get("path")
    if zygotes is not None and libs is not None and isinstance(path, list):
        zygote = zygotes.get(python, libs)
        own = [p for p in path if p != str(libs)]
        if zygote is not None and zygote.fits(env, own):
            try:
                return spawner.adopt(lambda: zygote.fork(config, env, cwd))
            except OSError as exc:
                log.warning("lambdactl sandbox: zygote fork failed (%s); starting %s", exc, python)
    # Custom runtimes always run isolated; in-process tests (no libraries) on the host's path.
    flags = FLAGS if libs is not None or "exec" in config else ()
    command = [python, *flags, "-c", BOOTSTRAP, json.dumps(config)]
    return spawner.popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)  # its own session: the root of its process tree
