"""One execution environment: an awslambdaric child and its Runtime API server.

Module-level code runs once per environment. Each invocation writes START / the
handler's output / END / REPORT to the function's log group, enforces the
timeout and MemorySize, and returns the payload and error the way the Lambda
Invoke API does.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lambdactl.local import peers, proctree
from lambdactl.local.cpushare import CpuCgroups, EnvCgroup
from lambdactl.local.cwlogs import LogSink, stream_name
from lambdactl.local.freeze import Freezer
from lambdactl.local.invocation import (
    INIT_LIMIT_S,
    FunctionSpec,
    Invocation,
    InvokeResult,
    Tail,
    error_type_of,
    exit_detail,
    lambda_environment,
    sandbox_error,
)
from lambdactl.local.lambdafs import lang_config, layer_paths, private_config, search_paths
from lambdactl.local.output import OutputReader
from lambdactl.local.proctree import Spawner
from lambdactl.local.runtime_api import TOO_LARGE, Delivery, RuntimeApiServer
from lambdactl.local.zygote import Zygotes, start_runtime
from lambdactl.runtimes import bootstrap_candidates, is_custom


@dataclass(frozen=True)
class Launch:
    """How an environment's runtime process is started."""

    sandbox_env: dict[str, str]  # the sandbox's endpoint and credentials
    spawner: Spawner
    libs: Path | None = None  # the runtime's own libraries; None: the host's sys.path
    python: str = sys.executable
    cpu: CpuCgroups | None = None  # CPU share by memory (cpushare.py); None: unlimited
    zygotes: Zygotes | None = None  # preloaded interpreters to fork (zygote.py); None: exec
    private: tuple[str, ...] = ()  # dirs to hide (the homes); (): no namespaces, else a root of its own (jail.py)
    pids: tuple[tuple[str, object], ...] = ()  # its guard's pids cgroup (pidlimit.guard_config); (): unbounded


class Environment:
    """One warm sandbox: a runtime client child and its Runtime API server."""

    def __init__(
        self,
        spec: FunctionSpec,
        task_root: Path,
        launch: Launch,
        sink: LogSink,
        opt_root: Path | None = None,
    ) -> None:
        self.spec = spec
        self._launch = launch
        self.opt_root = opt_root  # the layers, unzipped (Lambda's /opt)
        self.trees: list[tuple[Path, str]] = []  # (code tree, its fingerprint) it was built on
        self.key = spec.key
        self.stream = stream_name(spec.version)
        self._sink = sink
        self._queue: queue.SimpleQueue[Invocation | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._current: Invocation | None = None
        self._started = time.monotonic()
        self.init_duration_ms: float | None = None
        self.kill_reason: str | None = None
        self.retired = self.refused = False   # refused: a /response of it was (413)
        self.last_used = time.monotonic()
        self.peak_kb, self._inits, self._alone = 0, dict[int, int](), dict[int, int]()  # below_guard_kb's
        self._exit_code: int | None = None
        self._init_failure: tuple[bytes, str] | None = None
        self._early: Tail | None = Tail()  # lines logged before the first invocation
        self.cgroup = EnvCgroup.make(launch.cpu)  # its CPU share (cpushare.py)
        self.api = RuntimeApiServer(self)
        try:
            self.proc = start_runtime(launch.spawner, launch.zygotes, launch.python, launch.libs,
                                      self._config(task_root), self._child_env(task_root), task_root)
        except OSError:
            self.api.close()
            self.cgroup.remove()
            raise
        self.freezer = Freezer(self.proc.pid)  # between invocations, as on Lambda
        stdout = self.proc.stdout
        if stdout is None:  # pragma: no cover - stdout=PIPE always gives a pipe
            raise OSError("runtime child has no stdout pipe")
        self.reader = OutputReader(stdout, self._on_output, f"out-{self.proc.pid}")
        self._watcher = threading.Thread(target=self._watch, name=f"env-{self.proc.pid}", daemon=True)
        self._watcher.start()

    # -- the child ------------------------------------------------------------
    def _sys_path(self, task_root: Path) -> list[str]:
        """Lambda's order: the package, the layers, then the runtime's boto3."""
        return [str(task_root), *layer_paths(self.opt_root, self.spec.runtime), *([str(self._launch.libs)] if self._launch.libs else [])]

    def _config(self, task_root: Path) -> dict[str, object]:
        config: dict[str, object] = {"server": os.getpid(), "handler": self.spec.handler,
                                     "path": None, "cgroup": self.cgroup.procs, **dict(self._launch.pids)}
        if is_custom(self.spec.runtime):  # the function's own bootstrap, not awslambdaric
            config["exec"] = bootstrap_candidates(task_root, self.opt_root)
        elif self._launch.libs is not None:  # else in-process tests: the host's sys.path
            config["path"] = self._sys_path(task_root)
        if self._launch.private:
            libs, python = self._launch.libs, self._launch.python
            lang = lang_config(python, libs) if libs and config["path"] else None
            config["private"] = private_config(self._launch.private, task_root, self.opt_root,
                                               libs, self.spec.ephemeral_mb, lang, python)
        return config

    def _child_env(self, task_root: Path) -> dict[str, str]:
        launch = self._launch
        paths = search_paths(self.spec.runtime, launch.python, launch.libs, task_root, self.opt_root,
                             jailed=bool(launch.private))
        return lambda_environment(self.spec, task_root=task_root, api_address=self.api.address,
                                  stream=self.stream, sys_path=self._sys_path(task_root),
                                  sandbox_env=launch.sandbox_env, paths=paths)

    @property
    def alive(self) -> bool:
        return self.kill_reason is None and self.proc.poll() is None

    def kill(self, reason: str) -> None:
        """End the environment: its runtime and every process below it."""
        with self._lock:
            if self.kill_reason is None:
                self.kill_reason = reason
            if self._exit_code is None:  # not reaped yet: the pid is still ours
                proctree.kill_tree(self.proc.pid)

    def sample_memory(self) -> None:
        """Track the peak memory of the whole tree; past MemorySize, kill it (Lambda's OOM)."""
        # VmHWM catches the runtime's own spikes between two samples; the sum, its children.
        self.peak_kb = max(self.peak_kb, *proctree.below_guard_kb(self.proc.pid, self._inits, self._alone))
        if self.peak_kb > self.spec.memory_mb * 1024 and self.alive:
            self.kill("oom")

    def _watch(self) -> None:
        returncode = self.proc.wait()
        with self._lock:
            self._exit_code = returncode
            if self.init_duration_ms is None:   # it ended in its init (INIT_REPORT said 0.00 ms)
                self.init_duration_ms = (time.monotonic() - self._started) * 1000
            self._launch.spawner.forget(self.proc.pid)
            inv = self._current
        if inv is not None:
            self._fail_exited(inv, returncode)
        self._queue.put(None)  # releases a /next blocked on an empty queue
        self.api.close()
        self.cgroup.remove()

    def _fail_exited(self, inv: Invocation, returncode: int) -> None:
        if self.kill_reason == "oom":
            body = sandbox_error(inv.request_id, "Runtime.OutOfMemory", exit_detail(-9))
            inv.finish(body, "Unhandled", status="error", error_type="Runtime.OutOfMemory")
        elif self.kill_reason != "timeout":
            body = sandbox_error(inv.request_id, "Runtime.ExitError", exit_detail(returncode))
            inv.finish(body, "Unhandled", status="error", error_type="Runtime.ExitError")

    # -- logging ------------------------------------------------------------
    def _log(self, messages: list[str]) -> None:
        spec = self.spec
        self._sink.put(spec.account_id, spec.region, spec.log_group, self.stream, messages)
        with self._lock:
            if self._current is not None:
                self._current.lines.add(messages)
            elif self._early is not None:
                self._early.add(messages)

    def _on_output(self, line: str) -> None:
        self._log([line])

    # -- RuntimeHost (called from the Runtime API server's threads) -----------
    def accepts(self, client_port: int) -> bool:
        return peers.admit(lambda: getattr(self, "proc", None), self.api.port, client_port, self.spec.name)

    def next_invocation(self) -> Delivery | None:
        if self.init_duration_ms is None:
            self.init_duration_ms = (time.monotonic() - self._started) * 1000
            self.cgroup.limit(self.spec.memory_mb)  # init done: invocations get memory's share
            self.sample_memory()   # what the init took: REPORT's floor should the runtime then die
        inv = self.freezer.take(self._queue, not (self._current is None or self._current.done.is_set()))
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
            trace_id=inv.trace_id,
            client_context=inv.client_context,
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
            if error_type == TOO_LARGE:   # awslambdaric exits on its 413: its last lines, then a cold start
                self.retired = self.refused = True
        return inv is not None

    def init_error(self, body: bytes, error_type: str) -> None:
        if self.init_duration_ms is None:
            self.init_duration_ms = (time.monotonic() - self._started) * 1000
        error_type = error_type or error_type_of(body) or "Runtime.Unknown"
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
            inv.lines.add(self._early or [])
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
            body = sandbox_error(inv.request_id, "Runtime.OutOfMemory", exit_detail(-9))
            inv.finish(
                body, "Unhandled", status="error", error_type="Runtime.OutOfMemory", force=True
            )
        self._log(self._closing_lines(inv, cold))
        with self._lock:
            self._current = None
        self.last_used = time.monotonic()
        return InvokeResult(inv.request_id, inv.body, inv.function_error, inv.lines, inv.trace_id)

    def _await(self, inv: Invocation) -> bool:
        """True when the invocation finished in time: the init within Lambda's limit, then
        the handler within Timeout. Past the limit Lambda logs the init's timeout and runs
        the init again inside the invocation, under Timeout ("suppressed init"); here the
        same init goes on, under Timeout from the limit on. A warm environment's answer
        usually comes within both: waited for at once, without a wake-up at the delivery."""
        started = time.monotonic()
        if inv.done.wait(min(INIT_LIMIT_S, self.spec.timeout_s)):
            return True
        if not inv.delivered.wait(max(INIT_LIMIT_S - (time.monotonic() - started), 0.0)):
            inv.suppressed_at = time.monotonic()
            self.reader.drain()
            self._log([f"INIT_REPORT Init Duration: {INIT_LIMIT_S * 1000:.2f} ms\tPhase: init\tStatus: timeout"])
            if not inv.delivered.wait(self.spec.timeout_s):
                return inv.done.is_set()
        if inv.done.is_set() or inv.delivered_at is None:
            return True
        remaining = self.spec.timeout_s - (time.monotonic() - (inv.suppressed_at or inv.delivered_at))
        return inv.done.wait(max(remaining, 0.0))

    def _settle(self) -> None:
        """Make sure every line the child printed so far is in the log."""
        if self.kill_reason is None and not (self.refused and not is_custom(self.spec.runtime)):
            self.reader.drain()
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(2.0)
        self.reader.join()

    def _closing_lines(self, inv: Invocation, cold: bool) -> list[str]:
        rid = inv.request_id
        lines: list[str] = []
        if inv.delivered_at is None and inv.suppressed_at is None:  # failed before the handler ran
            init_ms = self.init_duration_ms or 0.0
            lines.append(
                f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init"
                f"\tStatus: {inv.status or 'error'}\tError Type: {inv.error_type}"
            )
        if inv.delivered_at is None:
            lines.append(f"START RequestId: {rid} Version: {self.spec.version}")
        if inv.status == "timeout":
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            lines.append(f"{stamp} {rid} Task timed out after {self.spec.timeout_s:.2f} seconds")
        elif inv.error_type in ("Runtime.OutOfMemory", "Runtime.ExitError"):
            code = self.proc.returncode
            lines.append(f"RequestId: {rid} Error: {exit_detail(-9 if code is None else code)}")
        lines += [f"END RequestId: {rid}", self._report(inv, cold)]
        return lines

    def _report(self, inv: Invocation, cold: bool) -> str:
        if inv.status == "timeout":
            duration = self.spec.timeout_s * 1000
        else:
            start = inv.suppressed_at or inv.delivered_at or inv.finished_at or 0.0
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
        if cold and self.init_duration_ms is not None and inv.delivered_at and not inv.suppressed_at:
            parts.append(f"Init Duration: {self.init_duration_ms:.2f} ms")
        tail = (("Status", inv.status), ("Error Type", inv.error_type))
        return "\t".join(parts + [f"{name}: {value}" for name, value in tail if value])
