"""Replace moto's Docker-only Lambda execution with lambdactl's local runtime.

``moto.awslambda.models.LambdaFunction.invoke(self, body, request_headers,
response_headers)`` is the one method that moto's Invoke / InvokeAsync APIs and
its S3, SNS, SQS, EventBridge and Logs triggers all call. ``install()`` swaps
it (and applies the strictness patches of ``strict.py``) in the server process.
tests/local/test_contract.py guards the patch point against moto upgrades.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import uuid
from pathlib import Path
from types import FrameType
from typing import Any

# The server's only (server._install imports this module after moto's backends): imported
# here once, not in the functions every invoke calls.
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import lambda_backends
from werkzeug.datastructures import Headers

from lambdactl.local import concurrency, dead_letter, streams
from lambdactl.local.aliases import QUALIFIER_HEADER, Marked
from lambdactl.local.async_configs import settings
from lambdactl.local.auth import Credentials
from lambdactl.local.invocation import CALLER_TRACE, trace_response_header
from lambdactl.local.invokeargs import check_enum
from lambdactl.local.invokeargs import client_context as parse_client_context
from lambdactl.local.runtime import FunctionSpec, LocalRuntime
from lambdactl.local.runtime_api import RESPONSE_LIMIT, too_large_payload

EXPECTED_PARAMS = ["self", "body", "request_headers", "response_headers"]
SUPPORTED_MOTO = "5.2."

# Callers (function names in moto) that invoke asynchronously on AWS: S3, SNS,
# EventBridge and Logs subscriptions push events without waiting for the handler,
# and the deprecated InvokeAsync API returns 202 at once. Poll-based sources
# (SQS, Kinesis, DynamoDB streams) and Secrets Manager rotation invoke
# synchronously and read the result, so they stay synchronous.
_ASYNC_CALLERS = frozenset(
    {"_invoke_awslambda", "_invoke_lambda", "send_sns_message", "send_log_event", "invoke_async"}
)

# Lambda's payload quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
REQUEST_LIMITS = {"RequestResponse": 6 * 1024 * 1024, "DryRun": 6 * 1024 * 1024,
                  "Event": 1024 * 1024}

_S3_CALLERS = frozenset({"_invoke_awslambda"})  # moto.s3.notifications
REQUEST_ID = "x-amzn-requestid"
log = logging.getLogger("lambdactl.sandbox")

_runtime: LocalRuntime | None = None
_original_invoke: Any = None


class PatchError(RuntimeError):
    """The installed moto does not have the patch point lambdactl expects."""


def check_patch_point() -> None:
    """Raise PatchError unless moto's LambdaFunction.invoke looks as expected."""
    import moto
    from moto.awslambda import models

    method = getattr(getattr(models, "LambdaFunction", None), "invoke", None)
    if method is None:
        raise PatchError(
            f"moto {moto.__version__} has no LambdaFunction.invoke; "
            f"lambdactl's sandbox needs moto {SUPPORTED_MOTO}x"
        )
    params = list(inspect.signature(method).parameters)
    if params != EXPECTED_PARAMS:
        raise PatchError(
            f"moto {moto.__version__}: LambdaFunction.invoke{tuple(params)} differs from the "
            f"expected {tuple(EXPECTED_PARAMS)}; lambdactl's sandbox needs moto {SUPPORTED_MOTO}x"
        )


def install(
    sandbox_endpoint: str,
    *,
    work_dir: Path | None = None,
    role_delay: float | None = None,
    credentials: Credentials | None = None,
    sweep: bool = False,
    isolate: bool = False,
    iam: bool = False,
    private: tuple[str, ...] = (),
) -> LocalRuntime:
    """Patch moto in this process; returns the runtime (call ``shutdown()`` at exit)."""
    global _runtime, _original_invoke
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    from lambdactl.local import pollers, strict

    check_patch_point()
    if _runtime is not None:
        _runtime.shutdown()
    if work_dir is None:
        import tempfile

        work_dir = Path(tempfile.mkdtemp(prefix="lambdactl-runtime-"))
    _runtime = LocalRuntime(
        work_dir, sandbox_endpoint, credentials=credentials, sweep=sweep, isolate=isolate, iam=iam,
        private=private,
    )
    if _original_invoke is None:
        _original_invoke = LambdaFunction.invoke
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    LambdaResponse._enrich_response = staticmethod(_keep_request_id)  # type: ignore[method-assign]
    strict.install(role_delay=role_delay)
    pollers.install()   # SQS and DynamoDB stream mappings, with Lambda's batches
    return _runtime


def uninstall() -> None:
    """Restore moto's own invoke (tests) and stop the runtime."""
    global _runtime, _original_invoke
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse

    from lambdactl.local import pollers, strict

    if _original_invoke is not None:
        LambdaFunction.invoke = _original_invoke  # type: ignore[method-assign]
        _original_invoke = None
    if "_enrich_response" in LambdaResponse.__dict__:
        del LambdaResponse._enrich_response
    strict.uninstall()
    pollers.uninstall()
    if _runtime is not None:
        _runtime.shutdown()
        _runtime = None


def spec_from_moto(fn: Any, qualifier: str | None = None) -> FunctionSpec:
    """The parts of a moto LambdaFunction that decide how it runs (QUALIFIER: the one
    invoked, whose async settings apply; local/aliases.py)."""
    variables = fn.environment_vars or {}
    arns = [layer["Arn"] for layer in getattr(fn, "layers", None) or []]
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        version=str(fn.version),
        account_id=fn.account_id,
        region=fn.region,
        handler=fn.handler or "",
        runtime=fn.run_time or "",
        memory_mb=int(fn.memory_size or 128),
        timeout_s=float(fn.timeout or 3),
        environment=tuple(sorted((str(k), str(v)) for k, v in variables.items())),
        code_sha=getattr(fn, "code_sha_256", "") or "",
        package_type=fn.package_type or "Zip",
        instance=_instance(fn),
        role=str(fn.role or ""),
        # moto keeps the deployed zip (from ZipFile or S3) on the function object.
        code=getattr(fn, "code_bytes", b"") or b"",
        layer_arns=tuple(arns),
        layers=tuple(_layer_zips(fn, arns)),
        **_event_invoke_config(fn, qualifier),
        dead_letter=dead_letter.target(fn),
        reserved=getattr(fn, "reserved_concurrency", None),
        ephemeral_mb=int(getattr(fn, "ephemeral_storage", 0) or 512),
    )


def _instance(fn: Any) -> str:
    """FN's own id, drawn at its first invoke: a re-created function must not reuse the
    old one's warm environments. (setdefault's argument drew a UUID on every invoke, a
    getrandom call and a UUID object, to drop it.)"""
    found = fn.__dict__.get("_lambdactl_instance")
    if found is None:
        found = fn.__dict__.setdefault("_lambdactl_instance", uuid.uuid4().hex)
    return str(found)


def _event_invoke_config(fn: Any, qualifier: str | None) -> dict[str, Any]:
    """The async settings of the qualifier invoked (local/async_configs.py): an alias's,
    a version's, $LATEST's; none given, the version FN is."""
    stored = lambda_backends[fn.account_id][fn.region]._lambdas._functions.get(fn.function_name) or {}
    config = settings(stored.get("latest") or fn, qualifier or str(fn.version))
    found: dict[str, Any] = {}
    if "MaximumRetryAttempts" in config:
        found["max_retries"] = int(config["MaximumRetryAttempts"])
    if "MaximumEventAgeInSeconds" in config:
        found["max_event_age_s"] = float(config["MaximumEventAgeInSeconds"])
    dests = config.get("DestinationConfig") or {}
    for key, name in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
        if (dests.get(key) or {}).get("Destination"):
            found[name] = str(dests[key]["Destination"])
    return found


def _layer_zips(fn: Any, arns: list[str]) -> list[bytes]:
    """The zips of the function's layer versions, in order, from moto's layer storage."""
    backend = lambda_backends[fn.account_id][fn.region]
    versions = [backend.layers_versions_by_arn(arn) for arn in arns]
    return [v.code_bytes for v in versions if v is not None and v.code_bytes]


def _header(request_headers: Any, name: str) -> str | None:
    if isinstance(request_headers, (Headers, Marked)):   # case-insensitive already
        found = request_headers.get(name)   # a lookup, not a walk of the WSGI environ
    else:
        found = {str(k).lower(): v for k, v in dict(request_headers or {}).items()}.get(name)
    return str(found) if found else None


def _invocation_type(request_headers: Any) -> str:
    explicit = _header(request_headers, "x-amz-invocation-type")
    if explicit:
        check_enum("invocationType", explicit)
        return explicit
    # moto's triggers and InvokeAsync name no invocation type; who called decides.
    return "Event" if _called_by(_ASYNC_CALLERS, start=2) else "RequestResponse"


def _called_by(names: frozenset[str], start: int, depth: int = 6) -> bool:
    """Is one of the DEPTH callers above frame START (0: this function) named in NAMES?"""
    frame: FrameType | None = sys._getframe(start)
    for _ in range(depth):
        if frame is None:
            return False
        if frame.f_code.co_name in names:
            return True
        frame = frame.f_back
    return False


def _s3_refused(fn: Any, payload: bytes, qualifier: str | None) -> str | None:
    """Why S3 may not invoke FN with this event (the policy of the QUALIFIER the
    notification names, not of the version an alias's weights chose), or None."""
    from lambdactl.local.s3_policy import s3_may_invoke

    try:
        bucket = json.loads(payload)["Records"][0]["s3"]["bucket"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    arn = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"
    if s3_may_invoke(f"{arn}:{qualifier}" if qualifier else arn, bucket["arn"], fn.account_id):
        return None
    return (f"S3 event for {fn.function_name} dropped: its resource policy does not allow "
            f"s3.amazonaws.com to invoke it for {bucket['arn']} (lambda add-permission)")


def _payload(body: Any, inv_type: str) -> bytes:
    raw = body.encode() if isinstance(body, str) else bytes(body or b"")
    limit = REQUEST_LIMITS.get(inv_type, REQUEST_LIMITS["RequestResponse"])
    if len(raw) > limit:
        operation = "InvokeAsync" if inv_type == "Event" else "Invoke"
        error = LambdaClientError(
            "RequestEntityTooLargeException",
            f"Request must be smaller than {limit} bytes for the {operation} operation",
        )
        error.code = 413  # as Lambda answers it
        raise error
    if not raw.strip():
        return b"{}"
    try:
        json.loads(raw)
    except ValueError as exc:
        # Lambda rejects a payload that is not JSON before running anything.
        raise LambdaClientError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
        ) from exc
    return raw


def _keep_request_id(headers: Any, body: Any) -> tuple[Any, Any]:
    """Lambda answers Invoke with the invocation's own request id (its START line's, the
    async event's): moto draws another for every answer, over the one _invoke set."""
    from moto.core.responses import BaseResponse

    kept = headers.get(REQUEST_ID) if isinstance(headers, dict) else None
    headers, body = BaseResponse._enrich_response(headers, body)
    if kept:
        headers[REQUEST_ID] = kept
    return headers, body


def _invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    """Replacement for moto's LambdaFunction.invoke; runs the handler locally."""
    if _runtime is None:
        raise PatchError("lambdactl.local.patch.install() was not called")
    inv_type = _invocation_type(request_headers)
    response_headers["x-amz-executed-version"] = str(self.version)
    payload = _payload(body, inv_type)
    check_enum("logType", _header(request_headers, "x-amz-log-type"))
    client_context = parse_client_context(_header(request_headers, "x-amz-client-context"))
    if inv_type == "DryRun":  # validates the request only; never runs code
        return b""
    # S3 checks the function's resource policy at every delivery, not only when the
    # notification is configured (IAM enforced; --no-iam skips it).
    qualifier = _header(request_headers, QUALIFIER_HEADER)
    refused = _runtime.iam and _called_by(_S3_CALLERS, start=2) and _s3_refused(self, payload, qualifier)
    if refused:
        log.warning("%s", refused)
        return b""
    spec = spec_from_moto(self, qualifier)
    if inv_type == "Event":   # ClientContext reaches synchronous invocations only, as on Lambda
        response_headers[REQUEST_ID] = _runtime.invoke_async(spec, payload)
        return b""
    # A function URL names its request id (its event's requestContext.requestId) beforehand.
    rid = response_headers[REQUEST_ID] = response_headers.get(REQUEST_ID) or str(uuid.uuid4())
    unbind = streams.bind(rid)   # a URL with RESPONSE_STREAM listens for this request's chunks
    traced = CALLER_TRACE.set(_header(request_headers, "x-amzn-trace-id") or "")   # its trace goes on
    try:
        runtime = _runtime
        result = concurrency.sync(spec.arn, spec.reserved, lambda: runtime.invoke(spec, payload, rid, client_context))
    finally:
        unbind()
        CALLER_TRACE.reset(traced)
    if len(result.payload) > RESPONSE_LIMIT:   # an error's (a response's is refused by the Runtime API)
        result.payload, result.function_error = too_large_payload(), "Unhandled"
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    if result.trace_id:
        response_headers["x-amzn-trace-id"] = trace_response_header(result.trace_id)
    response_headers["x-amz-log-result"] = result.log_result
    return _Unmeasured(result.payload) if len(result.payload) > 5_999_000 else result.payload


class _Unmeasured(bytes):
    """A payload past moto's own check (LambdaResponse.invoke refuses one whose
    sys.getsizeof, 33 bytes of header included, is over 6,000,000): Lambda's limit is
    RESPONSE_LIMIT, checked above."""

    __slots__ = ()

    def __sizeof__(self) -> int:
        return 0
