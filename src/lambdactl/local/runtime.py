"""Local Lambda execution environments: awslambdaric children behind our Runtime API.

One ``Environment`` is one Lambda sandbox: a ``python -m awslambdaric <handler>``
child process with the Lambda environment variables, talking to its own
Runtime API server (``runtime_api.py``). Module-level code runs once per
environment; the ``Pool`` keeps idle environments warm per function, code and
configuration, gives concurrent invocations separate environments, retires
environments of an older deployment and reaps idle ones.

Each invocation writes START / the handler's output / END / REPORT to the
function's log group, enforces the timeout and MemorySize, and returns the
payload and error the way the Lambda Invoke API does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import math
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lambdactl.local.auth import Credentials
from lambdactl.local.cwlogs import LogSink, stream_name
from lambdactl.local.output import OutputReader
from lambdactl.local.runtime_api import Delivery, RuntimeApiServer

log = logging.getLogger("lambdactl.sandbox")

HOST_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
INIT_LIMIT_S = 10.0  # Lambda's limit on the init phase of an on-demand environment
IDLE_TTL_S = 300.0
TAIL_BYTES = 4096
MONITOR_INTERVAL_S = 0.02
IDLE_MONITOR_INTERVAL_S = 0.25


@dataclass(frozen=True)
class FunctionSpec:
    """What an environment is built from; ``key`` changes with every deployment."""

    name: str
    arn: str
    version: str
    account_id: str
    region: str
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    environment: tuple[tuple[str, str], ...] = ()
    code_sha: str = ""
    package_type: str = "Zip"
    instance: str = ""  # differs when a function is deleted and created again
    code: bytes = field(default=b"", compare=False, repr=False)
    layer_arns: tuple[str, ...] = ()
    layers: tuple[bytes, ...] = field(default=(), compare=False, repr=False)  # zips, in order

    @property
    def key(self) -> tuple[object, ...]:
        return (
            self.arn,
            self.version,
            self.instance,
            self.code_sha,
            self.handler,
            self.runtime,
            self.memory_mb,
            self.timeout_s,
            self.environment,
            self.layer_arns,
        )

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


@dataclass
class InvokeResult:
    request_id: str
    payload: bytes
    function_error: str | None = None
    log_lines: list[str] = field(default_factory=list)

    @property
    def log_tail(self) -> str:
        """The last 4 KB of this invocation's log, as Invoke's LogType=Tail returns it."""
        data = "".join(f"{line}\n" for line in self.log_lines).encode()
        return data[-TAIL_BYTES:].decode("utf-8", errors="ignore")

    @property
    def log_result(self) -> str:
        return base64.b64encode(self.log_tail.encode()).decode()


class Invocation:
    """One request's progress; the first outcome to arrive wins."""

    def __init__(self, request_id: str, payload: bytes) -> None:
        self.request_id = request_id
        self.payload = payload
        self.delivered = threading.Event()  # also set when it finishes undelivered
        self.done = threading.Event()
        self.delivered_at: float | None = None
        self.finished_at: float | None = None
        self.body = b""
        self.function_error: str | None = None
        self.status: str | None = None  # REPORT's "Status: timeout|error"
        self.error_type: str | None = None  # REPORT's "Error Type: ..."
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def finish(
        self,
        body: bytes,
        function_error: str | None = None,
        *,
        status: str | None = None,
        error_type: str | None = None,
        force: bool = False,
    ) -> bool:
        with self._lock:
            if self.done.is_set() and not force:
                return False
            self.finished_at = self.finished_at or time.monotonic()
            self.body, self.function_error = body, function_error
            self.status, self.error_type = status, error_type
            self.done.set()
            self.delivered.set()
            return True


def sandbox_error(request_id: str, error_type: str, detail: str) -> bytes:
    """The payload Lambda returns when the platform, not the handler, failed."""
    message = f"RequestId: {request_id} Error: {detail}"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _proc_kb(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _exit_detail(returncode: int) -> str:
    if returncode == -9:
        return "Runtime exited with error: signal: killed"
    if returncode < 0:
        return f"Runtime exited with error: signal: {-returncode}"
    return f"Runtime exited with error: exit status {returncode}"


class Environment:
    """One warm sandbox: a runtime client child and its Runtime API server."""

    def __init__(
        self,
        spec: FunctionSpec,
        task_root: Path,
        sandbox_env: dict[str, str],
        sink: LogSink,
        banner: list[str] | None = None,
        opt_root: Path | None = None,
    ) -> None:
        self.spec = spec
        self.opt_root = opt_root  # the layers, unzipped (Lambda's /opt)
        self.key = spec.key
        self.stream = stream_name(spec.version)
        self._sink = sink
        self._queue: queue.SimpleQueue[Invocation | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._current: Invocation | None = None
        self._started = time.monotonic()
        self.init_duration_ms: float | None = None
        self.kill_reason: str | None = None
        self.retired = False
        self.last_used = time.monotonic()
        self.peak_kb = 0
        self._exit_code: int | None = None
        self._init_failure: tuple[bytes, str] | None = None
        self._early: list[str] | None = []  # lines logged before the first invocation
        if banner:
            self._log(banner)
        self.api = RuntimeApiServer(self)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "awslambdaric", spec.handler],
                cwd=task_root,
                env=self._child_env(task_root, sandbox_env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except OSError:
            self.api.close()
            raise
        stdout = self.proc.stdout
        if stdout is None:  # pragma: no cover - stdout=PIPE always gives a pipe
            raise OSError("runtime child has no stdout pipe")
        self.reader = OutputReader(stdout, self._on_output, f"out-{self.proc.pid}")
        self._watcher = threading.Thread(
            target=self._watch, name=f"env-{self.proc.pid}", daemon=True
        )
        self._watcher.start()

    # -- the child ------------------------------------------------------------
    def _child_env(self, task_root: Path, sandbox_env: dict[str, str]) -> dict[str, str]:
        spec = self.spec
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            # Without these, botocore would read the host user's ~/.aws files.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
        env.update(dict(spec.environment))
        # Reserved variables: Lambda sets these over anything the function defines.
        env.update(
            {
                "_HANDLER": spec.handler,
                "AWS_LAMBDA_RUNTIME_API": self.api.address,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "LAMBDA_TASK_ROOT": str(task_root),
                "PYTHONPATH": os.pathsep.join([str(task_root), *self._layer_paths()]),
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
                # The sandbox's endpoint and credentials: the handler's boto3 lands there.
                **sandbox_env,
            }
        )
        return env

    def _layer_paths(self) -> list[str]:
        """Where Lambda's Python looks in /opt, after /var/task."""
        if self.opt_root is None:
            return []
        site = self.opt_root / "python" / "lib" / self.spec.runtime / "site-packages"
        return [str(site), str(self.opt_root / "python")]

    @property
    def alive(self) -> bool:
        return self.kill_reason is None and self.proc.poll() is None

    def kill(self, reason: str) -> None:
        with self._lock:
            if self.kill_reason is None:
                self.kill_reason = reason
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass

    def sample_memory(self) -> None:
        """Track the peak RSS; kill the environment once it exceeds MemorySize."""
        peak = _proc_kb(self.proc.pid, "VmHWM")
        self.peak_kb = max(self.peak_kb, peak)
        if self.peak_kb > self.spec.memory_mb * 1024 and self.alive:
            self.kill("oom")

    def _watch(self) -> None:
        returncode = self.proc.wait()
        with self._lock:
            self._exit_code = returncode
            inv = self._current
        if inv is not None:
            self._fail_exited(inv, returncode)
        self._queue.put(None)  # releases a /next blocked on an empty queue
        self.api.close()

    def _fail_exited(self, inv: Invocation, returncode: int) -> None:
        if self.kill_reason == "oom":
            body = sandbox_error(inv.request_id, "Runtime.OutOfMemory", _exit_detail(-9))
            inv.finish(body, "Unhandled", status="error", error_type="Runtime.OutOfMemory")
        elif self.kill_reason != "timeout":
            body = sandbox_error(inv.request_id, "Runtime.ExitError", _exit_detail(returncode))
            inv.finish(body, "Unhandled", status="error", error_type="Runtime.ExitError")

    # -- logging ------------------------------------------------------------
    def _log(self, messages: list[str]) -> None:
        spec = self.spec
        self._sink.put(spec.account_id, spec.region, spec.log_group, self.stream, messages)
        with self._lock:
            if self._current is not None:
                self._current.lines.extend(messages)
            elif self._early is not None:
                self._early.extend(messages)

    def _on_output(self, line: str) -> None:
        self._log([line])

    # -- RuntimeHost (called from the Runtime API server's threads) -----------
    def next_invocation(self) -> Delivery | None:
        if self.init_duration_ms is None:
            self.init_duration_ms = (time.monotonic() - self._started) * 1000
        inv = self._queue.get()
        if inv is None:
            return None
        self.reader.drain()  # init output, then START, as on Lambda
        inv.delivered_at = time.monotonic()
        deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
        self._log([f"START RequestId: {inv.request_id} Version: {self.spec.version}"])
        inv.delivered.set()
        return Delivery(
            request_id=inv.request_id,
            payload=inv.payload,
            deadline_ms=deadline_ms,
            function_arn=self.spec.arn,
            trace_id=f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
        )

    def _pending(self, request_id: str) -> Invocation | None:
        with self._lock:
            inv = self._current
        if inv is None or inv.request_id != request_id or inv.delivered_at is None:
            return None
        return inv

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        inv = self._pending(request_id)
        if inv is not None:
            inv.finish(body)
        return inv is not None

    def invocation_error(self, request_id: str, body: bytes, error_type: str) -> bool:
        inv = self._pending(request_id)
        if inv is not None:
            inv.finish(body, "Unhandled")
        return inv is not None

    def init_error(self, body: bytes, error_type: str) -> None:
        if self.init_duration_ms is None:
            self.init_duration_ms = (time.monotonic() - self._started) * 1000
        error_type = error_type or _error_type(body) or "Runtime.Unknown"
        with self._lock:
            inv = self._current
            # The runtime client exits after reporting; this environment is spent.
            self.retired = True
            self._init_failure = (body, error_type)
        if inv is not None:
            inv.finish(body, "Unhandled", status="error", error_type=error_type)

    # -- the invocation, on the caller's thread --------------------------------
    def invoke(self, inv: Invocation, cold: bool) -> InvokeResult:
        with self._lock:
            self._current = inv
            # A cold start's Tail also shows what was logged while it initialised.
            inv.lines.extend(self._early or [])
            self._early = None
            init_failure, exit_code = self._init_failure, self._exit_code
        # The child may have failed before this invocation was attached to it.
        if init_failure is not None:
            inv.finish(init_failure[0], "Unhandled", status="error", error_type=init_failure[1])
        elif exit_code is not None:
            self._fail_exited(inv, exit_code)
        self._queue.put(inv)
        if not self._await(inv):
            detail = f"Task timed out after {self.spec.timeout_s:.2f} seconds"
            body = sandbox_error(inv.request_id, "Sandbox.Timedout", detail)
            if inv.finish(body, "Unhandled", status="timeout"):
                self.kill("timeout")
        self._settle()
        if self.alive:
            self.sample_memory()
        if self.peak_kb > self.spec.memory_mb * 1024 and inv.status is None:
            # Lambda would have killed it mid-flight: a spike between two samples.
            self.kill("oom")
            body = sandbox_error(inv.request_id, "Runtime.OutOfMemory", _exit_detail(-9))
            inv.finish(
                body, "Unhandled", status="error", error_type="Runtime.OutOfMemory", force=True
            )
        self._log(self._closing_lines(inv, cold))
        with self._lock:
            self._current = None
        self.last_used = time.monotonic()
        return InvokeResult(inv.request_id, inv.body, inv.function_error, inv.lines)

    def _await(self, inv: Invocation) -> bool:
        """True when the invocation finished in time (init limit, then Timeout)."""
        if not inv.delivered.wait(INIT_LIMIT_S):
            return inv.done.is_set()
        if inv.done.is_set() or inv.delivered_at is None:
            return True
        remaining = self.spec.timeout_s - (time.monotonic() - inv.delivered_at)
        return inv.done.wait(max(remaining, 0.0))

    def _settle(self) -> None:
        """Make sure every line the child printed so far is in the log."""
        if self.kill_reason is None:
            self.reader.drain()
            return
        try:
            self.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            pass
        self.reader.join()

    def _closing_lines(self, inv: Invocation, cold: bool) -> list[str]:
        rid = inv.request_id
        lines: list[str] = []
        if inv.delivered_at is None:  # failed before the handler ever ran
            init_ms = self.init_duration_ms or 0.0
            lines.append(
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init"
                f"\tStatus: {inv.status or 'error'}\tError Type: {inv.error_type}"
            )
            lines.append(f"START RequestId: {rid} Version: {self.spec.version}")
        if inv.status == "timeout":
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            lines.append(f"{stamp} {rid} Task timed out after {self.spec.timeout_s:.2f} seconds")
        elif inv.error_type in ("Runtime.OutOfMemory", "Runtime.ExitError"):
            lines.append(f"RequestId: {rid} Error: {_exit_detail(self.proc.returncode or -9)}")
        lines.append(f"END RequestId: {rid}")
        lines.append(self._report(inv, cold))
        return lines

    def _report(self, inv: Invocation, cold: bool) -> str:
        if inv.status == "timeout":
            duration = self.spec.timeout_s * 1000
        else:
            start = inv.delivered_at or inv.finished_at or 0.0
            duration = max(((inv.finished_at or start) - start) * 1000, 0.0)
        # Lambda never reports more than MemorySize, even for the invocation it killed.
        used_mb = min(math.ceil(self.peak_kb / 1024), self.spec.memory_mb)
        parts = [
            f"REPORT RequestId: {inv.request_id}",
            f"Duration: {duration:.2f} ms",
            f"Billed Duration: {max(math.ceil(duration), 1)} ms",
            f"Memory Size: {self.spec.memory_mb} MB",
            f"Max Memory Used: {used_mb} MB",
        ]
        if cold and self.init_duration_ms is not None and inv.delivered_at is not None:
            parts.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        if inv.status:
            parts.append(f"Status: {inv.status}")
        if inv.error_type:
            parts.append(f"Error Type: {inv.error_type}")
        return "\t".join(parts)


def _error_type(body: bytes) -> str:
    try:
        return str(json.loads(body).get("errorType", ""))
    except (ValueError, AttributeError):
        return ""


class Pool:
    """Idle environments per deployment key; busy ones are tracked for the monitor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple[object, ...], list[Environment]] = {}
        self._busy: set[Environment] = set()
        self._current_key: dict[tuple[str, str], tuple[object, ...]] = {}

    def acquire(
        self, spec: FunctionSpec, create: Callable[[FunctionSpec], Environment]
    ) -> tuple[Environment, bool]:
        with self._lock:
            stale = self._retire_stale(spec)
            idle = self._idle.get(spec.key, [])
            env = None
            while idle and env is None:
                candidate = idle.pop()  # most recently used first, as Lambda does
                if candidate.alive and not candidate.retired:
                    env = candidate
                else:
                    stale.append(candidate)
            if env is not None:
                self._busy.add(env)
        for old in stale:
            old.kill("retired")
        if env is not None:
            return env, False
        env = create(spec)
        with self._lock:
            self._busy.add(env)
        return env, True

    def _retire_stale(self, spec: FunctionSpec) -> list[Environment]:
        """A new deployment (code or configuration) retires the older environments."""
        ident = (spec.arn, spec.version)
        old_key = self._current_key.get(ident)
        self._current_key[ident] = spec.key
        if old_key is None or old_key == spec.key:
            return []
        for env in self._busy:
            if env.key == old_key:
                env.retired = True
        return self._idle.pop(old_key, [])

    def release(self, env: Environment) -> None:
        with self._lock:
            self._busy.discard(env)
            keep = env.alive and not env.retired
            if keep:
                self._idle.setdefault(env.key, []).append(env)
        if not keep:
            env.kill("retired")

    def busy(self) -> list[Environment]:
        with self._lock:
            return list(self._busy)

    def reap(self, idle_ttl: float) -> None:
        now = time.monotonic()
        expired: list[Environment] = []
        with self._lock:
            for key, envs in list(self._idle.items()):
                keep = [e for e in envs if now - e.last_used < idle_ttl and e.alive]
                expired += [e for e in envs if e not in keep]
                if keep:
                    self._idle[key] = keep
                else:
                    del self._idle[key]
        for env in expired:
            env.kill("idle")

    def all(self) -> list[Environment]:
        with self._lock:
            return list(self._busy) + [e for envs in self._idle.values() for e in envs]

    def close(self) -> list[Environment]:
        envs = self.all()
        for env in envs:
            env.kill("shutdown")
        return envs


def unsupported(spec: FunctionSpec) -> str | None:
    """Why this function cannot run locally, or None."""
    if spec.package_type != "Zip":
        return "the lambdactl sandbox runs zip packages only, not container images"
    if not spec.runtime.startswith("python"):
        return f"the lambdactl sandbox runs Python functions only (got {spec.runtime or 'none'})"
    if not spec.code:
        return "the function has no code package"
    return None


class LocalRuntime:
    """Runs Lambda invocations in local environments; lives in the server process."""

    def __init__(
        self,
        work_dir: Path,
        sandbox_endpoint: str,
        *,
        idle_ttl: float = IDLE_TTL_S,
        sink: LogSink | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.endpoint = sandbox_endpoint
        creds = credentials or Credentials.generate()
        self.sandbox_env = {
            "AWS_ENDPOINT_URL": sandbox_endpoint,
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_SESSION_TOKEN": creds.session_token,
        }
        self.idle_ttl = idle_ttl
        self.sink = sink or LogSink()
        self.pool = Pool()
        self._code_lock = threading.Lock()
        self._warned: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        (work_dir / "code").mkdir(parents=True, exist_ok=True)
        self._monitor = threading.Thread(target=self._watch, name="env-monitor", daemon=True)
        self._monitor.start()

    def invoke(
        self, spec: FunctionSpec, payload: bytes, request_id: str | None = None
    ) -> InvokeResult:
        rid = request_id or str(uuid.uuid4())
        problem = unsupported(spec)
        if problem is None:
            try:
                env, cold = self.pool.acquire(spec, self._new_environment)
            except (OSError, zipfile.BadZipFile) as exc:
                problem = f"cannot start the environment: {exc}"
        if problem is not None:
            log.warning("%s: %s", spec.name, problem)
            body = sandbox_error(rid, "Sandbox.Unsupported", problem)
            return InvokeResult(rid, body, "Unhandled", [problem])
        try:
            return env.invoke(Invocation(rid, payload), cold)
        finally:
            self.pool.release(env)

    def invoke_async(self, spec: FunctionSpec, payload: bytes) -> str:
        """Queue an Event invocation; returns its request id at once."""
        rid = str(uuid.uuid4())
        threading.Thread(
            target=self._run_async, args=(spec, payload, rid), name=f"event-{rid[:8]}", daemon=True
        ).start()
        return rid

    def _run_async(self, spec: FunctionSpec, payload: bytes, rid: str) -> None:
        try:
            result = self.invoke(spec, payload, rid)
            if result.function_error:
                log.info("%s: async invocation %s failed", spec.name, rid)
        except Exception:  # a background failure must not kill the server
            log.exception("%s: async invocation %s crashed", spec.name, rid)

    def shutdown(self, timeout: float = 5.0) -> None:
        self._stop.set()
        envs = self.pool.close()
        deadline = time.monotonic() + timeout
        for env in envs:
            try:
                env.proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.work_dir / "code", ignore_errors=True)

    # -- internals ------------------------------------------------------------
    def _new_environment(self, spec: FunctionSpec) -> Environment:
        root = self._task_root(spec)
        opt = self._unzipped([*spec.layers], "opt-") if spec.layers else None
        return Environment(spec, root, self.sandbox_env, self.sink, self._banner(spec), opt)

    def _banner(self, spec: FunctionSpec) -> list[str]:
        """A one-time warning when the declared runtime is not the host's Python."""
        if spec.runtime == HOST_RUNTIME or (spec.name, spec.runtime) in self._warned:
            return []
        self._warned.add((spec.name, spec.runtime))
        host = ".".join(map(str, sys.version_info[:3]))
        message = (
            f"lambdactl sandbox: {spec.name} declares {spec.runtime} but runs on the "
            f"host's Python {host}; version-specific behaviour may differ from Lambda"
        )
        log.warning("%s", message)
        return [message]

    def _task_root(self, spec: FunctionSpec) -> Path:
        """The package unzipped once per code hash (Lambda's /var/task)."""
        return self._unzipped([spec.code])

    def _unzipped(self, zips: list[bytes], prefix: str = "") -> Path:
        """ZIPS unzipped into one directory, later ones over earlier ones (as Lambda layers /opt)."""
        # Short paths: they show up in every stack trace (Lambda's is /var/task).
        digest = hashlib.sha256(b"".join(hashlib.sha256(z).digest() for z in zips)).hexdigest()
        root = self.work_dir / "code" / f"{prefix}{digest[:16]}"
        with self._code_lock:
            if not root.is_dir():
                tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".unzip-"))
                for data in zips:
                    with zipfile.ZipFile(io.BytesIO(data)) as package:
                        package.extractall(tmp)
                os.replace(tmp, root)
        return root

    def _watch(self) -> None:
        last_reap = time.monotonic()
        interval = MONITOR_INTERVAL_S
        while not self._stop.wait(interval):
            busy = self.pool.busy()
            for env in busy:
                env.sample_memory()
            # Idle: poll slowly; a spike missed here is still caught by VmHWM at the end.
            interval = MONITOR_INTERVAL_S if busy else IDLE_MONITOR_INTERVAL_S
            if time.monotonic() - last_reap > min(10.0, self.idle_ttl):
                last_reap = time.monotonic()
                self.pool.reap(self.idle_ttl)
