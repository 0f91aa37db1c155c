"""Invoke a function: payload sources, the call, log tail decoding, REPORT parsing, cost.

Plain functions over a Lambda client; the command only renders what they return.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from lambdactl.errors import AwsError, ConfigError
from lambdactl.textfile import decode

# Lambda's published on-demand prices (us-east-1), USD.
PRICE_PER_GB_S = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICE_PER_REQUEST = 0.20 / 1_000_000

MODES = {"sync": "RequestResponse", "async": "Event", "dry-run": "DryRun"}

_REPORT_FIELDS = {
    "Duration": "duration_ms",
    "Billed Duration": "billed_ms",
    "Memory Size": "memory_mb",
    "Max Memory Used": "max_memory_mb",
    "Init Duration": "init_ms",
}
_FIELD = re.compile(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration): ([\d.]+) (ms|MB)")


@dataclass(frozen=True)
class Report:
    """The numbers of Lambda's REPORT line."""

    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None = None

    def cost(self, architecture: str = "x86_64") -> float:
        return cost(self.billed_ms, self.memory_mb, architecture)



def not_deployed(name: str, qualifier: str | None = None) -> AwsError:
    """Lambda's ResourceNotFoundException for NAME (or its version or alias QUALIFIER),
    said with the fix: the one line of every command that calls a function."""
    what = f"version or alias {qualifier} of {name}" if qualifier else f"function {name}"
    return AwsError(f"{what} is not deployed", "run `lambdactl up` first" if not qualifier else
                    "see the function's versions and aliases with `lambdactl status`",
                    code="ResourceNotFoundException")

def cost(billed_ms: float, memory_mb: int, architecture: str = "x86_64") -> float:
    """USD for one invocation: GB-seconds at the architecture's price, plus the request."""
    price = PRICE_PER_GB_S.get(architecture, PRICE_PER_GB_S["x86_64"])
    return billed_ms / 1000 * memory_mb / 1024 * price + PRICE_PER_REQUEST


def parse_report(log: str) -> Report | None:
    """The REPORT line of a log tail, or None when the tail has none (it keeps only 4 KB)."""
    lines = [ln for ln in log.splitlines() if ln.startswith("REPORT ")]
    if not lines:
        return None
    values: dict[str, float] = {}
    for name, number, _unit in _FIELD.findall(lines[-1]):
        values.setdefault(_REPORT_FIELDS[name], float(number))
    if "duration_ms" not in values or "billed_ms" not in values or "memory_mb" not in values:
        return None
    return Report(
        duration_ms=values["duration_ms"],
        billed_ms=int(values["billed_ms"]),
        memory_mb=int(values["memory_mb"]),
        max_memory_mb=int(values.get("max_memory_mb", 0)),
        init_ms=values.get("init_ms"),
    )


def load_payload(spec: str | None, stdin: IO[Any] | None = None) -> bytes:
    """--payload JSON | @file | - (stdin, text or bytes) -> UTF-8 bytes; must be JSON
    (Lambda accepts only JSON). Files and stdin may be UTF-16/32 marked by a BOM."""
    if spec is None:
        return b"{}"
    if spec == "-":
        source, data = "stdin", (stdin.read() if stdin is not None else "")
        text = data if isinstance(data, str) else decode(data, source, utf16=True)
    elif spec.startswith("@"):
        path = Path(spec[1:])
        source = f"payload file {path}"
        try:
            text = decode(path.read_bytes(), source, utf16=True)
        except OSError as exc:
            raise ConfigError(f"cannot read {source}: {exc.strerror or exc}") from exc
    else:
        source, text = "--payload", spec
    try:
        json.loads(text)
    except ValueError as exc:
        raise ConfigError(
            f"{source} is not valid JSON: {exc}",
            "Lambda payloads are JSON; quote strings, e.g. --payload '{\"name\": \"x\"}'",
        ) from exc
    return text.encode("utf-8")


def trigger_event(fn: Any, kind: str, key: str | None, region: str, now: Any = None) -> dict[str, Any]:
    """An S3 event for the function's first trigger bucket, inside its prefix/suffix."""
    from lambdactl.events import s3_event
    from lambdactl.triggers.s3 import notification_id

    if not fn.triggers:
        raise ConfigError(
            f"function {fn.key!r} has no S3 trigger to build an event for",
            "pass --payload, or build one with `lambdactl event s3-put --bucket B --key K`",
        )
    trig = fn.triggers[0]
    if key is None:
        key = f"{trig.prefix}example{trig.suffix or '.txt'}"
    return s3_event(kind, trig.bucket, key, region=region, now=now,
                    configuration_id=notification_id(fn, 0))


@dataclass
class Result:
    function: str
    mode: str
    status_code: int
    payload: Any = None            # parsed JSON, or the raw text
    payload_is_json: bool = False
    function_error: str | None = None
    error: dict[str, Any] | None = None
    log: str = ""
    report: Report | None = None
    cost_usd: float | None = None
    version: str | None = None

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc.pop("payload_is_json")
        doc["report"] = asdict(self.report) if self.report else None
        return doc


def invoke(lam: Any, name: str, payload: bytes, mode: str = "sync",
           architecture: str = "x86_64", qualifier: str = "") -> Result:
    """Call Invoke (of version or alias QUALIFIER); decode the payload, the function
    error and the 4 KB log tail."""
    kwargs: dict[str, Any] = {"FunctionName": name, "InvocationType": MODES[mode], "Payload": payload}
    if mode == "sync":
        kwargs["LogType"] = "Tail"
    if qualifier:
        kwargs["Qualifier"] = qualifier
    try:
        resp = send(lam, kwargs)
    except lam.exceptions.ResourceNotFoundException as exc:
        raise not_deployed(name, qualifier) from exc
    result = Result(function=name, mode=mode, status_code=int(resp.get("StatusCode", 0)),
                    version=resp.get("ExecutedVersion"))
    body = resp.get("Payload")
    raw = body.read() if body is not None else b""
    if raw:
        text = raw.decode("utf-8", "replace")
        try:
            result.payload, result.payload_is_json = json.loads(text), True
        except ValueError:
            result.payload = text
    if resp.get("LogResult"):
        result.log = base64.b64decode(resp["LogResult"]).decode("utf-8", "replace")
        result.report = parse_report(result.log)
        if result.report:
            result.cost_usd = result.report.cost(architecture)
    if resp.get("FunctionError"):
        result.function_error = str(resp["FunctionError"])
        result.error = result.payload if isinstance(result.payload, dict) else {"errorMessage": str(result.payload)}
    return result


def send(lam: Any, kwargs: dict[str, Any], attempts: int = 3, sleep: Any = None) -> Any:
    """Invoke, retried only where the request never reached Lambda (the connection
    failed), so a handler never runs twice for one call; a read timeout is one line."""
    import time

    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

    for attempt in range(attempts):
        try:
            return lam.invoke(**kwargs)
        except (EndpointConnectionError, ConnectTimeoutError):
            if attempt == attempts - 1:
                raise
            (sleep or time.sleep)(0.5 * 2 ** attempt)
        except ReadTimeoutError as exc:
            waited = lam.meta.config.read_timeout
            raise AwsError(
                f"{kwargs['FunctionName']} did not answer within {waited} s; not retried, "
                "since the handler may be running",
                "see what it did with `lambdactl logs`; raise its timeout if it needs longer",
            ) from exc
    raise AssertionError("unreachable")


def format_report(r: Report, cost_usd: float | None) -> str:
    parts = [
        f"Duration: {r.duration_ms:.2f} ms",
        f"Billed Duration: {r.billed_ms} ms",
        f"Memory Size: {r.memory_mb} MB",
        f"Max Memory Used: {r.max_memory_mb} MB",
    ]
    if r.init_ms is not None:
        parts.append(f"Init Duration: {r.init_ms:.2f} ms")
    if cost_usd is not None:
        parts.append(f"Cost: ${cost_usd:.10f}".rstrip("0"))
    return "  ".join(parts)


ERROR_SHOWN = 2000   # characters of an errorMessage shown on stderr (a handler's may be MBs)


def format_error(error: dict[str, Any]) -> str:
    message = str(error.get("errorMessage", ""))
    if len(message) > ERROR_SHOWN:
        message = f"{message[:ERROR_SHOWN]}… [{len(message) - ERROR_SHOWN} more characters; --output json has it whole]"
    head = f"{error.get('errorType', 'Error')}: {message}"
    trace = error.get("stackTrace") or []
    lines = [head]
    for frame in trace:
        lines.append(frame.rstrip("\n") if isinstance(frame, str) else "  " + json.dumps(frame))
    return "\n".join(lines)
