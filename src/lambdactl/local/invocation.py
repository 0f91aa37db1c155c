"""What an invocation is made of: the function's spec, one request's progress, the result.

Shared by ``environment`` (which runs invocations) and ``runtime`` (which routes them).
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from lambdactl.runtimes import is_custom

INIT_LIMIT_S = 10.0  # Lambda's limit on the init phase of an on-demand environment
TAIL_BYTES = 4096
XRAY_DAEMON = ("127.0.0.1", 2000)
TRACE_ROOT = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
# The X-Ray header of the request an invocation is made for (patch._invoke sets it in the
# caller's thread, where the Invocation is made).
CALLER_TRACE: ContextVar[str] = ContextVar("caller_trace", default="")


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
    role: str = ""  # the execution role: its session signs the handler's AWS calls
    code: bytes = field(default=b"", compare=False, repr=False)
    layer_arns: tuple[str, ...] = ()
    layers: tuple[bytes, ...] = field(default=(), compare=False, repr=False)  # zips, in order
    # Its event invoke configuration (PutFunctionEventInvokeConfig), Lambda's defaults.
    max_retries: int = field(default=2, compare=False)
    max_event_age_s: float = field(default=21600.0, compare=False)
    on_success: str = field(default="", compare=False)   # destination ARNs (local/destinations.py)
    on_failure: str = field(default="", compare=False)
    dead_letter: str = field(default="", compare=False)   # DeadLetterConfig's ARN (local/dead_letter.py)
    reserved: int | str | None = field(default=None, compare=False)   # ReservedConcurrentExecutions (concurrency.py)
    ephemeral_mb: int = 512  # EphemeralStorage: the size of its /tmp (local/jail.py)

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
            self.role,
            self.ephemeral_mb,
        )

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"


class Tail(list[str]):
    """An invocation's log lines, of which Invoke's LogType=Tail needs the last TAIL_BYTES:
    older ones are dropped as it grows (a handler printing 100 MB held them all, in the
    server, until the invocation ended), every LIMIT lines or MiB, whichever comes first."""

    limit, size = 128, 0

    def add(self, messages: list[str]) -> None:
        self.extend(messages)
        self.size += sum(len(m) for m in messages)
        if len(self) > self.limit or self.size > 1 << 20:
            kept, k = 0, len(self)
            while k > 0 and kept < TAIL_BYTES:
                k -= 1
                kept += len(self[k]) + 1
            del self[:k]
            self.size, self.limit = kept, max(128, 2 * len(self))


def new_root() -> str:
    """An X-Ray trace id: version 1, the epoch seconds, 96 random bits."""
    return f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


def _fields(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(";") if "=" in part)


def trace_header(caller: str = "") -> str:
    """The X-Ray trace header Lambda hands an invocation (Lambda-Runtime-Trace-Id, then
    _X_AMZN_TRACE_ID), with tracing PassThrough (its default): the CALLER's trace goes on
    (Invoke's X-Amzn-Trace-Id, which botocore sends from a handler's own _X_AMZN_TRACE_ID, or
    a URL's), its Root and Sampled kept; else a new root, not sampled. A new parent segment."""
    fields = {k.lower(): v for k, v in _fields(caller).items()}
    root = fields.get("root", "")
    if not TRACE_ROOT.fullmatch(root):
        root, fields = new_root(), {}
    sampled = fields.get("sampled") if fields.get("sampled") in ("0", "1") else "0"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled={sampled}"


def trace_response_header(trace: str) -> str:
    """X-Amzn-Trace-Id of Invoke's answer (and a URL's): the invocation's root, lower-cased keys."""
    fields = _fields(trace)
    return f"root={fields.get('Root', '')};sampled={fields.get('Sampled', '0')}"


@dataclass
class InvokeResult:
    request_id: str
    payload: bytes
    function_error: str | None = None
    log_lines: list[str] = field(default_factory=list)
    trace_id: str = ""   # the X-Ray trace header the handler got

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

    def __init__(self, request_id: str, payload: bytes, client_context: str = "") -> None:
        self.request_id = request_id
        self.payload = payload
        self.client_context = client_context  # Invoke's ClientContext, decoded: JSON or ""
        self.trace_id = trace_header(CALLER_TRACE.get())
        self.delivered = threading.Event()  # also set when it finishes undelivered
        self.done = threading.Event()
        self.delivered_at: float | None = None
        self.suppressed_at: float | None = None  # its init passed Lambda's limit then
        self.finished_at: float | None = None
        self.body = b""
        self.function_error: str | None = None
        self.status: str | None = None  # REPORT's "Status: timeout|error"
        self.error_type: str | None = None  # REPORT's "Error Type: ..."
        self.lines = Tail()
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


def lambda_environment(
    spec: FunctionSpec,
    *,
    task_root: Path,
    api_address: str,
    stream: str,
    sys_path: list[str],
    sandbox_env: dict[str, str],
    paths: dict[str, str],
) -> dict[str, str]:
    """The runtime process's whole environment: Lambda's variables (PATHS: its PATH and
    LD_LIBRARY_PATH, lambdafs.py) and the function's."""
    env = {
        **paths,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        # Lambda's X-Ray daemon address (169.254.79.129:2000 there) is where one listens by
        # default on a workstation; nothing does here unless you run one: the SDK's UDP
        # segments go nowhere, and a missing context is logged, not raised (LOG_ERROR).
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": f"{XRAY_DAEMON[0]}:{XRAY_DAEMON[1]}",
        "_AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON[0],
        "_AWS_XRAY_DAEMON_PORT": str(XRAY_DAEMON[1]),
        # Without these, botocore would read the host user's ~/.aws files.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.update(dict(spec.environment))
    # Reserved variables: Lambda sets these over anything the function defines.
    env.update(
        {
            "_HANDLER": spec.handler,
            "AWS_LAMBDA_RUNTIME_API": api_address,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "LAMBDA_TASK_ROOT": str(task_root),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",   # where Lambda's runtime libraries are (lambdafs.py)
            # For Python subprocesses of the handler (its own runtime ignores it: -I).
            "PYTHONPATH": os.pathsep.join(sys_path),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only on Lambda
            # The sandbox's endpoint and credentials: the handler's boto3 lands there.
            **sandbox_env,
        }
    )
    if "AWS_ACCESS_KEY_ID" in env:   # Lambda sets the key under both of its names
        env["AWS_ACCESS_KEY"] = env["AWS_ACCESS_KEY_ID"]
    if is_custom(spec.runtime):  # OS-only runtimes: Lambda sets no AWS_EXECUTION_ENV
        del env["AWS_EXECUTION_ENV"], env["PYTHONPATH"]
    return env


def exit_detail(returncode: int) -> str:
    if returncode == 0:  # exit(0) mid-invocation: no error status to name (Lambda's words)
        return "Runtime exited without providing a reason"
    if returncode < 0:   # Go's words for it (Lambda's runtime is Go's), glibc's lowercased
        import signal

        return f"Runtime exited with error: signal: {(signal.strsignal(-returncode) or str(-returncode)).lower()}"
    return f"Runtime exited with error: exit status {returncode}"


def error_type_of(body: bytes) -> str:
    try:
        return str(json.loads(body).get("errorType", ""))
    except (ValueError, AttributeError):
        return ""
