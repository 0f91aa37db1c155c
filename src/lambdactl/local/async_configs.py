"""Asynchronous invocation settings per qualifier on the sandbox.

moto 5.2 keeps one event invoke configuration per function: it ignores Qualifier on
Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s), so an alias's settings
replaced the function's and every version and alias ran with the last one written.
Lambda keeps one per qualifier (the unqualified function is $LATEST) and an
asynchronous invocation uses the configuration of the qualifier it names: an alias's
own, a version's own, $LATEST's for an unqualified call. A qualifier without one
runs with Lambda's defaults (2 retries, 6 hours, no destination), not with $LATEST's.

Here the configurations live on moto's $LATEST function object, by qualifier, so
DeleteFunction takes them with it. ``settings`` is what an invocation runs with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

LATEST = "$LATEST"
_KEY = "_lambdactl_async_configs"   # on moto's $LATEST LambdaFunction: qualifier -> EventInvokeConfig


def normal(qualifier: str | None) -> str:
    """A qualifier as configurations are stored: none and any spelling of $latest are $LATEST."""
    return LATEST if not qualifier or qualifier.lower() == "$latest" else qualifier


def _stored(latest: Any) -> dict[str, Any]:
    return latest.__dict__.setdefault(_KEY, {})


def _target(backend: Any, name_or_arn: str, qualifier: str | None) -> tuple[Any, str]:
    """($LATEST's function object, the qualifier); moto's ResourceNotFoundException for
    a function, version or alias that does not exist."""
    from lambdactl.local.aliases import split

    name, q = split(name_or_arn, qualifier)
    backend.get_function(name, normal(q))   # raises for a missing version or alias
    return backend.get_function(name), normal(q)


def put(backend: Any, name_or_arn: str, qualifier: str | None, body: dict[str, Any],
        merge: bool = False) -> dict[str, Any]:
    """Put (replaces) or, with MERGE, Update (keeps what BODY does not name)."""
    from moto.awslambda.models import EventInvokeConfig

    latest, q = _target(backend, name_or_arn, qualifier)
    configs = _stored(latest)
    old = configs[q].config if merge and q in configs else {}
    configs[q] = EventInvokeConfig(f"{latest.function_arn}:{q}", latest.last_modified, {**old, **body})
    return dict(configs[q].response())


def get(backend: Any, name_or_arn: str, qualifier: str | None) -> dict[str, Any]:
    from moto.awslambda.exceptions import UnknownEventConfig

    latest, q = _target(backend, name_or_arn, qualifier)
    if q not in _stored(latest):
        raise UnknownEventConfig(f"{latest.function_arn}:{q}")
    return dict(_stored(latest)[q].response())


def delete(backend: Any, name_or_arn: str, qualifier: str | None) -> None:
    get(backend, name_or_arn, qualifier)   # ResourceNotFoundException when there is none
    latest, q = _target(backend, name_or_arn, qualifier)
    _stored(latest).pop(q, None)


def settings(latest: Any, qualifier: str) -> dict[str, Any]:
    """The configuration an invocation of QUALIFIER runs with ({} = Lambda's defaults)."""
    found = _stored(latest).get(normal(qualifier))
    return dict(found.config) if found is not None else {}


def forget(latest: Any, qualifier: str) -> None:
    """An alias deleted: its configuration goes with it (a new alias of that name starts bare)."""
    _stored(latest).pop(normal(qualifier), None)


# -- moto's LambdaResponse methods, replaced (strict.install_features) ---------------
def _name(response: Any, index: int = 1) -> str:
    return unquote(response.path.rsplit("/", index + 1)[1])


def _qualifier(response: Any) -> str | None:
    values = response.querystring.get("Qualifier") or [None]
    return values[0]


def _put(_: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any) -> Any:
        from moto.core.responses import ActionResult

        return ActionResult(put(self.backend, _name(self), _qualifier(self), self.json_body))
    return method


def _update(_: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any) -> str:
        import json

        return json.dumps(put(self.backend, _name(self), _qualifier(self), self.json_body, merge=True))
    return method


def _get(_: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any) -> Any:
        from moto.core.responses import ActionResult

        return ActionResult(get(self.backend, _name(self), _qualifier(self)))
    return method


def _delete(_: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any) -> Any:
        delete(self.backend, _name(self), _qualifier(self))
        return 204, {"status": 204}, "{}"
    return method


def _list(_: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any) -> str:
        import json

        latest = self.backend.get_function(_name(self, 2))
        found = [c.response() for _, c in sorted(_stored(latest).items())]
        return json.dumps({"FunctionEventInvokeConfigs": found})
    return method


RESPONSES: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "put_function_event_invoke_config": _put,
    "update_function_event_invoke_config": _update,
    "get_function_event_invoke_config": _get,
    "delete_function_event_invoke_config": _delete,
    "list_function_event_invoke_configs": _list,
}
