"""Versions and aliases on the sandbox, which moto 5.2 gets wrong on Invoke:

- its Invoke handler reads the query parameter ``qualifier`` where boto3 sends
  ``Qualifier``, so every Invoke ran $LATEST (``qualified``);
- an alias with a RoutingConfig always ran its primary version; Lambda runs the
  additional version with its weight (``routed``);
- its S3 notifications, and the sandbox's own callers (EventBridge targets, URLs,
  event-source mappings, destinations), looked the function up by ARN and ran the
  alias's primary version: they invoke through ``invoke`` here, as the Invoke API does.

Wraps ``moto.awslambda.models.LambdaBackend.invoke(self, function_name, qualifier,
body, headers, response_headers)``, which moto's Invoke API calls; the version
chosen is passed on as the qualifier, so moto's own lookup runs that version's
code and configuration (and ``patch._invoke`` reports it as ExecutedVersion). The
qualifier the caller named goes along in QUALIFIER_HEADER: an invocation runs with
that qualifier's async configuration (local/async_configs.py).
tests/local/test_local_contract.py guards the names used here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_random = random.Random()
QUALIFIER_HEADER = "x-lambdactl-invoked-qualifier"   # set here only; a client's is overwritten


def split(function_name: str, qualifier: str | None) -> tuple[str, str | None]:
    """(name, qualifier) from a name, "name:qualifier" or a function ARN (with one)."""
    if function_name.startswith("arn:"):
        tail = function_name.split(":function:", 1)[-1]
        name, _, q = tail.partition(":")
        return name, q or qualifier
    name, _, q = function_name.partition(":")
    return name, q or qualifier


def choose(weights: dict[str, float], primary: str, draw: float) -> str:
    """The version that serves one request: each additional version with its weight,
    the primary with the rest. DRAW is uniform in [0, 1)."""
    for version, weight in sorted(weights.items()):
        if draw < float(weight):
            return str(version)
        draw -= float(weight)
    return primary


def route(backend: Any, function_name: str, qualifier: str | None) -> tuple[str, str | None]:
    """(function_name, qualifier) to invoke: an alias with weights becomes one version."""
    name, q = split(function_name, qualifier)
    if not q or q.isdigit() or q.lower() == "$latest":
        return function_name, qualifier
    try:
        alias = backend._lambdas._get_function_aliases(name).get(q)
    except Exception:   # no such function: moto's own lookup says so
        return function_name, qualifier
    weights = ((alias.routing_config or {}).get("AdditionalVersionWeights") or {}) if alias else {}
    if not weights:
        return function_name, qualifier
    return name, choose(weights, str(alias.function_version), _random.random())


def qualified(original: Callable[..., Any]) -> Callable[..., Any]:
    """LambdaResponse.invoke, with the Qualifier query parameter where moto looks for it."""
    def invoke(self: Any) -> Any:
        if "Qualifier" in self.querystring and "qualifier" not in self.querystring:
            self.querystring["qualifier"] = self.querystring["Qualifier"]
        return original(self)

    return invoke


class Marked(Mapping[str, Any]):
    """A request's headers with QUALIFIER_HEADER added, read by name (case-insensitive):
    copying werkzeug's EnvironHeaders into a dict walked the WSGI environ on every Invoke
    (~4% of a warm invoke's server CPU) for the two headers patch.py reads."""

    def __init__(self, headers: Any, invoked: str) -> None:
        self._headers, self._invoked = headers, invoked

    def get(self, name: str, default: Any = None) -> Any:
        if name.lower() == QUALIFIER_HEADER:
            return self._invoked
        found = self._headers.get(name)
        return default if found is None else found

    def __getitem__(self, name: str) -> Any:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def _all(self) -> dict[str, Any]:
        return {**dict(self._headers.items()), QUALIFIER_HEADER: self._invoked}

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def routed(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> Any:
        name, q = route(self, function_name, qualifier)
        invoked = split(function_name, qualifier)[1] or "$LATEST"
        marked: Any
        if hasattr(headers, "environ"):   # werkzeug's EnvironHeaders (the Invoke API's request)
            marked = Marked(headers, invoked)
        else:
            marked = {**dict(headers or {}), QUALIFIER_HEADER: invoked}
        return original(self, name, q, body, marked, response_headers)

    return invoke


def mapped(original: Callable[..., Any]) -> Callable[..., Any]:
    """LambdaBackend.create_event_source_mapping: moto 5.2 keeps the ARN of the version an
    alias points to; Lambda keeps the alias's, and the poller invokes the alias (weights)."""
    def create(self: Any, spec: dict[str, Any]) -> Any:
        name, q = split(str(spec.get("FunctionName", "")), None)
        esm = original(self, spec)
        if q and not q.isdigit() and q.lower() != "$latest":
            esm.function_arn = f"{esm.function_arn.split(':function:')[0]}:function:{name}:{q}"
        return esm

    return create


def invoke(arn: str, body: str, invocation_type: str, response_headers: dict[str, Any] | None = None,
           trace: str = "") -> Any:
    """Invoke the function (version, alias: weights honoured) that ARN names, as the
    Invoke API does (TRACE: its X-Amzn-Trace-Id); moto's not-found error when there is none."""
    from moto.awslambda.models import lambda_backends

    parts = arn.split(":")
    backend = lambda_backends[parts[4]][parts[3]]
    answer = {} if response_headers is None else response_headers
    headers = {"x-amz-invocation-type": invocation_type, **({"x-amzn-trace-id": trace} if trace else {})}
    return backend.invoke(arn, None, body, headers, answer)


def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """Replaces moto.s3.notifications._invoke_awslambda (same name: patch.py knows S3's
    deliveries by it): through ``invoke``, so a notification on an alias runs the
    alias's versions with its weights."""
    import json

    try:
        invoke(fn_arn, json.dumps(event_body), "Event")
    except Exception:   # noqa: BLE001 - as moto: S3 delivers asynchronously, a failure is S3's alone
        pass
