"""A function's environments end with the deployment they ran.

On Lambda a deleted function's execution environments are gone, and after an update
the new code runs in new environments while the old ones are reclaimed. The sandbox
retired an old environment only when the function was next invoked, or when the idle
reaper came (5 minutes): after `lambdactl destroy`, or `up` of new code, whatever its
handler had left running (a `sleep &`, a daemon) went on. Wrapping moto's
``LambdaBackend`` DeleteFunction, UpdateFunctionCode and UpdateFunctionConfiguration,
the environments they make stale are ended when they return: all of a deleted
function's (or of the deleted version), $LATEST's for an update. One that is running
an invocation is marked retired and ends when the invocation does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lambdactl.local.invocation import FunctionSpec

LATEST = "$LATEST"
_WRAPPED = {"delete_function": False, "update_function_code": True,
            "update_function_configuration": True}   # name -> only $LATEST's go


def install() -> None:
    """Patch moto in this process (the sandbox server)."""
    from moto.awslambda.models import LambdaBackend

    for name, latest in _WRAPPED.items():
        setattr(LambdaBackend, name, _ending(getattr(LambdaBackend, name), latest))


def function_name(name_or_arn: str) -> tuple[str, str | None]:
    """(name, qualifier or None) of a FunctionName as Lambda takes it: a name, an ARN,
    a partial ARN ("123456789012:function:name"), each with an optional ":qualifier"."""
    if ":function:" in name_or_arn:
        name_or_arn = name_or_arn.split(":function:", 1)[1]
    name, _, qualifier = name_or_arn.partition(":")
    return name, qualifier or None


def _ending(original: Callable[..., Any], latest: bool) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(self: Any, function_name_or_arn: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, function_name_or_arn, *args, **kwargs)
        name, qualifier = function_name(function_name_or_arn)
        version = LATEST if latest else (kwargs.get("qualifier") or (args[0] if args else qualifier))
        end(lambda spec: (spec.account_id, spec.region, spec.name) ==
            (self.account_id, self.region_name, name) and version in (None, spec.version))
        return result

    return call


def end(stale: Callable[[FunctionSpec], bool]) -> None:
    """End the environments whose function STALE names (a busy one when it is released)."""
    from lambdactl.local import patch

    runtime = patch._runtime
    if runtime is None:
        return
    matching = [env for env in runtime.pool.all() if stale(env.spec)]
    for env in matching:
        env.retired = True   # never handed out again (Pool.acquire checks it under its lock)
    busy = set(runtime.pool.busy())
    for env in matching:
        if env not in busy:
            env.kill("retired")
