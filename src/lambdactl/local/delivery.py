"""How a poller hands a batch to a function (pollers.py, stream_records.py): a
synchronous invoke, which records failed, and Lambda's event filtering."""

from __future__ import annotations

import json
from typing import Any


def invoke(account: str, region: str, esm: Any, event: dict[str, Any]) -> tuple[bool, Any]:
    """Invoke the mapping's function synchronously, as the poller does; -> (ok, response)."""
    from moto.awslambda.exceptions import UnknownFunctionException

    from lambdactl.local.aliases import invoke as invoke_arn

    headers: dict[str, str] = {}
    try:   # a mapping on an alias runs the alias's versions, with its weights
        payload = invoke_arn(esm.function_arn, json.dumps(event), "RequestResponse", headers)
    except UnknownFunctionException:   # a deleted function: Lambda disables the mapping
        return False, None
    try:
        response = json.loads(payload) if payload else None
    except ValueError:
        response = None
    return not headers.get("x-amz-function-error"), response


def failed_items(esm: Any, ok: bool, response: Any, ids: list[str]) -> set[str]:
    """Which of IDS failed: all on a function error; under ReportBatchItemFailures the
    response's batchItemFailures (all, if one names nothing of the batch, as Lambda)."""
    if not ok:
        return set(ids)
    if "ReportBatchItemFailures" not in (esm.function_response_types or []) or not isinstance(response, dict):
        return set()
    failures = response.get("batchItemFailures") or []
    named = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
    return set(ids) if not named <= set(ids) or len(named) != len(failures) else {str(x) for x in named}


def matches(esm: Any, record: dict[str, Any]) -> bool:
    """Lambda's event filtering: no FilterCriteria, or one pattern that matches."""
    from moto.events.models import EventPattern

    filters = (esm.filter_criteria or {}).get("Filters") or []
    if not filters:
        return True
    shaped: Any = dict(record)
    if "body" in shaped:   # SQS: a JSON body is matched as JSON
        try:
            shaped["body"] = json.loads(shaped["body"])
        except ValueError:
            pass
    return any(EventPattern.load(f["Pattern"]).matches_event(shaped) for f in filters)
