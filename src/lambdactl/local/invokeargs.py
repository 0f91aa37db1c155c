"""Invoke's request headers as Lambda checks them, before anything runs.

InvocationType and LogType are enums (anything else ran as RequestResponse, and a
bad LogType was ignored); ClientContext is base64 of a JSON object, handed to the
runtime client as JSON (Lambda-Runtime-Client-Context: ``context.client_context``).
"""

from __future__ import annotations

import base64
import binascii
import json

from moto.awslambda.exceptions import LambdaClientError

ENUMS = {"invocationType": ("Event", "RequestResponse", "DryRun"), "logType": ("Tail", "None")}


def check_enum(field: str, value: str | None) -> None:
    """Lambda's ValidationException (AWS's words) for a VALUE outside FIELD's enum."""
    if value is not None and value not in ENUMS[field]:
        raise LambdaClientError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(ENUMS[field])}]")


def client_context(raw: str | None) -> str:
    """ClientContext (X-Amz-Client-Context) as the JSON the Runtime API hands the runtime
    client, "" for none; anything but base64 of a JSON object is refused, as Lambda does."""
    if not raw:
        return ""
    try:
        found = json.loads(base64.b64decode(raw, validate=True))
    except (ValueError, binascii.Error):
        found = None
    if not isinstance(found, dict):
        raise LambdaClientError("InvalidRequestContentException",
                                "Client context must be a valid Base64-encoded JSON object.")
    return json.dumps(found)   # ASCII, one line: a header's value
