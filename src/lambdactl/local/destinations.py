"""Asynchronous invocation results on the sandbox: the destination record Lambda
sends to on_success / on_failure, delivered to a function or an SQS queue of the
sandbox.

The record's shape is Lambda's (docs: "Capturing records of Lambda asynchronous
invocations"): version, timestamp, requestContext (requestId, functionArn,
condition, approximateInvokeCount), requestPayload, responseContext
(statusCode, executedVersion, functionError), responsePayload.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("lambdactl.sandbox")


def record(function_arn: str, version: str, request_id: str, payload: bytes, body: bytes,
           function_error: str | None, condition: str, attempts: int) -> dict[str, Any]:
    context: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
    if function_error:
        context["functionError"] = function_error
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {"requestId": request_id, "condition": condition, "approximateInvokeCount": attempts,
                           # qualified, as Lambda gives it: ...:function:NAME:$LATEST or :N
                           "functionArn": function_arn if function_arn.endswith(f":{version}")
                           else f"{function_arn}:{version}"},
        "requestPayload": decoded(payload),
        "responseContext": context,
        "responsePayload": decoded(body) if body else None,
    }


def decoded(raw: bytes) -> Any:
    """RAW (a payload, an invocation's answer) as JSON if it is, else as text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def deliver(arn: str, doc: dict[str, Any]) -> None:
    """Send DOC to the function (asynchronously, as Lambda does) or queue ARN names."""
    service = arn.split(":")[2]
    body = json.dumps(doc)
    if service == "lambda":
        from lambdactl.local.aliases import invoke

        invoke(arn, body, "Event")
    elif service == "sqs":
        send_to_queue(arn, body)
    else:
        log.warning("destination %s: only functions and SQS queues are delivered to on the sandbox", arn)


def send_to_queue(arn: str, body: str, attributes: dict[str, Any] | None = None) -> None:
    """BODY (with message ATTRIBUTES) to the sandbox's SQS queue ARN names, through
    moto's backend: the server's own request needs no signature."""
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = arn.split(":", 5)
    sqs_backends[account][region].send_message(name, body, message_attributes=attributes)


def deliver_safely(arn: str, doc: dict[str, Any]) -> None:
    """deliver(), a failure logged (Lambda drops a record it cannot deliver)."""
    try:
        deliver(arn, doc)
    except Exception as exc:   # a missing queue or function must not kill the server
        log.warning("destination %s: record of %s not delivered: %s", arn,
                    doc["requestContext"]["requestId"], exc)

