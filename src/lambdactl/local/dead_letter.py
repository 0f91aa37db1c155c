"""A function's dead-letter queue (DeadLetterConfig) on moto and the sandbox.

moto 5.2 ignores DeadLetterConfig on CreateFunction and UpdateFunctionConfiguration
and never returns it, so every `up` would see drift. Here it is kept on moto's
function object and shown by GetFunction(Configuration), as Lambda does.

On the sandbox, an Event invocation that still fails after its retries is sent to
that queue as Lambda sends it (docs: "Dead-letter queues", asynchronous
invocation): the body is the event, with the message attributes RequestID
(String), ErrorCode (Number: the invocation's 3-digit HTTP status) and
ErrorMessage (String: the first 1 KB of the error).
"""

from __future__ import annotations

import logging
from typing import Any

from lambdactl.local.destinations import decoded, send_to_queue

log = logging.getLogger("lambdactl.sandbox")
_KEY = "_lambdactl_dead_letter"   # on moto's LambdaFunction: the TargetArn, "" for none


def remember(fn: Any, spec: dict[str, Any]) -> None:
    """Keep SPEC's DeadLetterConfig (CreateFunction / UpdateFunctionConfiguration) on FN."""
    if "DeadLetterConfig" in spec:
        fn.__dict__[_KEY] = str((spec["DeadLetterConfig"] or {}).get("TargetArn") or "")


def target(fn: Any) -> str:
    return str(fn.__dict__.get(_KEY, ""))


def shown(fn: Any, config: dict[str, Any]) -> None:
    """CONFIG (GetFunctionConfiguration's answer) with the DeadLetterConfig Lambda shows."""
    if target(fn):
        config["DeadLetterConfig"] = {"TargetArn": target(fn)}


def created(original: Any) -> Any:
    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original(self, account_id, spec, *args, **kwargs)
        remember(self, spec)
    return __init__


def attributes(request_id: str, status: int, error: str) -> dict[str, dict[str, str]]:
    """The message attributes Lambda sets on a dead-lettered event."""
    return {"RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": str(status)},
            "ErrorMessage": {"DataType": "String", "StringValue": error.encode()[:1024].decode("utf-8", "ignore")}}


def error_message(body: bytes, condition: str) -> str:
    """The errorMessage of a failed invocation's answer (BODY), else BODY, else CONDITION."""
    doc = decoded(body)
    if isinstance(doc, dict) and doc.get("errorMessage"):
        return str(doc["errorMessage"])
    return body.decode("utf-8", "replace") or condition


def send(arn: str, payload: bytes, request_id: str, body: bytes, condition: str, status: int = 200) -> None:
    """PAYLOAD (the event) to the dead-letter queue ARN names, its retries spent (BODY: the
    last answer; STATUS: Invoke's, 200 for a function error); a failure logged (Lambda
    drops the event)."""
    error = error_message(body, condition)
    try:
        if arn.split(":")[2] != "sqs":
            raise ValueError("only SQS dead-letter queues are delivered to on the sandbox")
        send_to_queue(arn, payload.decode("utf-8", "replace"), attributes(request_id, status, error))
    except Exception as exc:   # a missing queue must not kill the server
        log.warning("dead-letter queue %s: event %s not delivered: %s", arn, request_id, exc)
