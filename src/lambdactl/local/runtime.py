"""Local Lambda execution: warm environments per function, behind moto's Invoke.

The ``Pool`` keeps idle environments (``environment.py``) warm per function,
code and configuration, gives concurrent invocations separate environments,
retires environments of an older deployment and reaps idle ones.
``LocalRuntime`` lives in the server process and routes invocations to them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from lambdactl.local import concurrency, dead_letter, destinations
from lambdactl.local.auth import Credentials
from lambdactl.local.codecache import CodeCache
from lambdactl.local.cwlogs import LogSink
from lambdactl.local.declared import HOST, cache_dir, resolve
from lambdactl.local.environment import Environment, Launch
from lambdactl.local.invocation import FunctionSpec, Invocation, InvokeResult, sandbox_error
from lambdactl.local.native import native_mismatch
from lambdactl.local.proctree import Spawner
from lambdactl.local.pythons import HOST_PYTHON, runtime_libs
from lambdactl.local.zygote import Zygotes
from lambdactl.runtimes import is_custom

__all__ = ["FunctionSpec", "InvokeResult", "LocalRuntime", "Pool", "sandbox_error", "unsupported"]

log = logging.getLogger("lambdactl.sandbox")

IDLE_TTL_S = 300.0
MONITOR_INTERVAL_S = 0.02
IDLE_MONITOR_INTERVAL_S = 0.25
# Lambda waits about 1 and then 2 minutes; the sandbox keeps the shape, in seconds
# (LAMBDACTL_SANDBOX_ASYNC_DELAY: the first delay, in seconds; tests shorten it).
ASYNC_RETRY_DELAYS_S = (1.0, 2.0)
ASYNC_DELAY_ENV = "LAMBDACTL_SANDBOX_ASYNC_DELAY"


def async_retry_delays() -> tuple[float, float]:
    first = float(os.environ.get(ASYNC_DELAY_ENV) or ASYNC_RETRY_DELAYS_S[0])
    return first, 2 * first


class Pool:
    """Idle environments per deployment key; busy ones are tracked for the monitor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple[object, ...], list[Environment]] = {}
        self._busy: set[Environment] = set()
        self._current_key: dict[tuple[str, str], tuple[object, ...]] = {}

    def acquire(
        self,
        spec: FunctionSpec,
        create: Callable[[FunctionSpec], Environment],
        usable: Callable[[Environment], bool] = lambda env: True,
    ) -> tuple[Environment, bool]:
        """A warm environment for SPEC that is still USABLE, else a new one (cold)."""
        while True:
            with self._lock:
                stale = self._retire_stale(spec)
                env = self._pop_idle(spec.key, stale)
                if env is not None:
                    self._busy.add(env)
            for old in stale:
                old.kill("retired")
            if env is None:
                break
            if usable(env):  # outside the lock: it may read the disk
                return env, False
            env.retired = True
            self.release(env)
        env = create(spec)
        with self._lock:
            self._busy.add(env)
        return env, True

    def _pop_idle(self, key: tuple[object, ...], stale: list[Environment]) -> Environment | None:
        idle = self._idle.get(key, [])
        while idle:
            candidate = idle.pop()  # most recently used first, as Lambda does
            if candidate.alive and not candidate.retired:
                return candidate
            stale.append(candidate)
        return None

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
    if not spec.runtime.startswith("python") and not is_custom(spec.runtime):
        return ("the lambdactl sandbox runs Python functions and custom runtimes (provided.al2023, "
                f"provided.al2) only (got {spec.runtime or 'none'})")
    if not spec.code:
        return "the function has no code package"
    return None


def _session_env(spec: FunctionSpec) -> dict[str, str]:
    """The environment's credentials: a session of the function's role, as on Lambda."""
    from lambdactl.local.enforce import role_session

    creds = role_session(spec.account_id, spec.role, spec.name, spec.arn)
    return {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
    }


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
        sweep: bool = False,
        isolate: bool = False,
        iam: bool = False,
        private: tuple[str, ...] = (),
    ) -> None:
        """SWEEP: this process is a subreaper, and its children that are not runtimes are
        escaped descendants of environments, to be killed (the server; never a test process).
        ISOLATE: handlers see only their code, layers and the runtime's libraries on sys.path
        (the server); else the host's sys.path. IAM: handlers act as their execution role
        (``enforce.py``); else with the sandbox's own credentials. PRIVATE: the homes to
        hide from environments with a root of their own (jail.py); (): no namespaces."""
        self.work_dir = work_dir
        self.endpoint = sandbox_endpoint
        creds = credentials or Credentials.generate()
        sandbox_env = {
            "AWS_ENDPOINT_URL": sandbox_endpoint,
            "AWS_ACCESS_KEY_ID": creds.access_key_id,
            "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
            "AWS_SESSION_TOKEN": creds.session_token,
        }
        libs = runtime_libs(work_dir / "runtime-libs") if isolate else None
        spawner = Spawner()
        # Preloaded interpreters to fork environments from (zygote.py); the host's at once.
        zygotes = Zygotes(spawner, jailed=bool(private)) if libs else None
        if zygotes and libs:
            zygotes.warm(HOST_PYTHON, libs)
        self.launch = Launch(sandbox_env, spawner, libs, zygotes=zygotes, private=private)
        self.iam = iam
        self.idle_ttl = idle_ttl
        self.async_retry_delays = async_retry_delays()
        self.sink = sink or LogSink()
        self.pool = Pool()
        self._sweep = sweep
        self._warned: set[tuple[str, str]] = set()  # (function, warning) already logged
        self._stop = threading.Event()
        self.code = CodeCache(work_dir / "code")
        self._monitor = threading.Thread(target=self._watch, name="env-monitor", daemon=True)
        self._monitor.start()

    def invoke(
        self, spec: FunctionSpec, payload: bytes, request_id: str | None = None, client_context: str = ""
    ) -> InvokeResult:
        rid = request_id or str(uuid.uuid4())
        problem = unsupported(spec)
        if problem is None:
            try:
                env, cold = self.pool.acquire(spec, self._new_environment, self._intact)
            except (OSError, zipfile.BadZipFile) as exc:
                problem = f"cannot start the environment: {exc}"
        if problem is not None:
            log.warning("%s: %s", spec.name, problem)
            body = sandbox_error(rid, "Sandbox.Unsupported", problem)
            return InvokeResult(rid, body, "Unhandled", [problem])
        try:
            return env.invoke(Invocation(rid, payload, client_context), cold)
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
        """Lambda retries a failed Event invocation (twice by default), with the same
        request id, until the event is older than the function's maximum event age;
        then the outcome goes to the on_success / on_failure destination."""
        queued = time.monotonic()
        delays = [0.0, *self.async_retry_delays[: spec.max_retries]]
        result, condition, attempts = None, "RetriesExhausted", 0
        for attempt, delay in enumerate(delays):
            if delay and self._stop.wait(delay):
                return  # the sandbox stops: the event is dropped, as on a deleted function
            if time.monotonic() - queued > spec.max_event_age_s:
                log.info("%s: event %s dropped: older than its maximum age", spec.name, rid)
                condition = "EventAgeExceeded"
                break
            try:
                result = concurrency.waiting(spec.arn, spec.reserved, self._stop,
                                             lambda: self.invoke(spec, payload, rid))
                attempts = attempt + 1
            except Exception:  # a background failure must not kill the server
                log.exception("%s: async invocation %s crashed", spec.name, rid)
                return
            if not result.function_error:
                condition = "Success"
                break
            log.info("%s: async invocation %s failed (attempt %d)", spec.name, rid, attempt + 1)
        target = spec.on_success if condition == "Success" else spec.on_failure
        if target:
            body, error = (result.payload, result.function_error) if result else (b"", None)
            destinations.deliver_safely(target, destinations.record(
                spec.arn, spec.version, rid, payload, body, error, condition, attempts))
        if condition != "Success" and spec.dead_letter:   # Lambda's DLQ gets the event itself
            dead_letter.send(spec.dead_letter, payload, rid, result.payload if result else b"", condition)

    def shutdown(self, timeout: float = 5.0) -> None:
        self._stop.set()
        envs = self.pool.close()
        deadline = time.monotonic() + timeout
        for env in envs:
            try:
                env.proc.wait(max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                pass
        if self.launch.zygotes:
            self.launch.zygotes.close()
        if self._sweep:
            self.launch.spawner.sweep()
        if self.launch.cpu:
            self.launch.cpu.close()
        self.code.close()

    # -- internals ------------------------------------------------------------
    def _new_environment(self, spec: FunctionSpec) -> Environment:
        # Lambda's /var/task and /opt: unzipped once per content, re-verified at each use.
        trees = [self.code.tree([spec.code])]
        if spec.layers:
            trees.append(self.code.tree([*spec.layers], "opt-"))
        opt = trees[1][0] if spec.layers else None
        # Isolated (the server, work_dir = <home>/runtime): the declared Python and its own
        # libraries (declared.py), cached under the home;
        # else the host's sys.path, so the host's Python.
        here = resolve(spec.runtime, cache_dir(self.work_dir.parent), run=self.launch.spawner.output,
                       say=log.info) if self.launch.libs else HOST
        launch = replace(self.launch, python=here.python, libs=here.libs or self.launch.libs
                         ) if self.launch.libs else self.launch
        if self.iam and spec.role:
            launch = replace(launch, sandbox_env={**launch.sandbox_env, **_session_env(spec)})
        native = [native_mismatch(root, here.version) for root, _ in trees]
        self._note(spec, [w for w in [here.warning, *native] if w])
        env = Environment(spec, trees[0][0], launch, self.sink, opt)
        env.trees = trees
        return env

    def _intact(self, env: Environment) -> bool:
        """Is the code the environment was built on untouched? (else it is retired)"""
        if all(self.code.intact(root, stamp) for root, stamp in env.trees):
            return True
        log.warning("%s: its code or layers changed on disk; starting a new environment",
                    env.spec.name)
        return False

    def _note(self, spec: FunctionSpec, warnings: list[str]) -> None:
        """How the function runs here, once per function, in the server's log only: the
        function's log group holds what it printed (`up` says these on the user's stderr)."""
        for warning in warnings:
            if (spec.name, warning) not in self._warned:
                self._warned.add((spec.name, warning))
                log.warning("lambdactl sandbox: %s: %s", spec.name, warning)

    def _watch(self) -> None:
        last_reap = last_sweep = time.monotonic()
        interval = MONITOR_INTERVAL_S
        while not self._stop.wait(interval):
            busy = self.pool.busy()
            for env in busy:
                env.sample_memory()
            # Idle: poll slowly; a spike missed here is still caught by VmHWM at the end.
            interval = MONITOR_INTERVAL_S if busy else IDLE_MONITOR_INTERVAL_S
            if self._sweep and time.monotonic() - last_sweep >= IDLE_MONITOR_INTERVAL_S:
                last_sweep = time.monotonic()
                self.launch.spawner.sweep()
            if time.monotonic() - last_reap > min(10.0, self.idle_ttl):
                last_reap = time.monotonic()
                self.pool.reap(self.idle_ttl)
