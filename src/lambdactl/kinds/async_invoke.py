"""Kind: the function's asynchronous invocation settings (`async = { ... }`):
retries, maximum event age, the on_success / on_failure destinations
(PutFunctionEventInvokeConfig), for the function and for each of its aliases.
Removed from lambdactl.toml, the journal says it was ours and `up` deletes it;
destroy lets it go with the function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.step import Step
from lambdactl.spec_versions import destination_arn

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "async_config"
# Lambda checks that the execution role may reach the destinations: the role's policy first.
NEEDS: tuple[str, ...] = ("function", "role", "alias")   # an alias's own configuration: after the alias
FIELDS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "OnSuccess", "OnFailure")


@dataclass(frozen=True)
class AsyncData:
    want: dict[str, Any]    # PutFunctionEventInvokeConfig's parameters (no FunctionName)
    qualifier: str = ""     # an alias, or "" for the function ($LATEST)


def journal_name(fn_name: str, qualifier: str = "") -> str:
    return f"{qualified(fn_name, qualifier)}:async"


def desired(facts: Facts, fn: Function) -> dict[str, Any]:
    cfg = fn.async_config
    assert cfg is not None
    out: dict[str, Any] = {}
    if cfg.max_retries is not None:
        out["MaximumRetryAttempts"] = cfg.max_retries
    if cfg.max_event_age is not None:
        out["MaximumEventAgeInSeconds"] = cfg.max_event_age
    dests = {k: {"Destination": destination_arn(fn, d, facts.region, facts.account_id, facts.partition)}
             for k, d in (("OnSuccess", cfg.on_success), ("OnFailure", cfg.on_failure)) if d}
    out["DestinationConfig"] = dests
    return out


def normalised(cfg: dict[str, Any] | None) -> dict[str, Any]:
    """Only what lambdactl sets; an empty destination is none (GetFunctionEventInvokeConfig
    answers {"OnSuccess": {}} for it)."""
    cfg = cfg or {}
    dests = cfg.get("DestinationConfig") or {}
    return {
        "MaximumRetryAttempts": cfg.get("MaximumRetryAttempts"),
        "MaximumEventAgeInSeconds": cfg.get("MaximumEventAgeInSeconds"),
        "OnSuccess": (dests.get("OnSuccess") or {}).get("Destination") or None,
        "OnFailure": (dests.get("OnFailure") or {}).get("Destination") or None,
    }


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    """One configuration for the function ($LATEST) and one for each alias: Lambda
    keeps one per qualifier, and an alias's invocations use the alias's."""
    fn = want.fn
    if NAME not in facts.kinds:
        return []
    quals = ["", *(a.name for a in fn.aliases)]
    if fn.async_config is None:
        return [Step(fn.key, NAME, qualified(fn.name, q), "delete", detail="no longer in lambdactl.toml",
                     data=AsyncData({}, q))
                for q in quals if have.async_configs.get(q) is not None and facts.get(NAME, journal_name(fn.name, q))]
    wanted = desired(facts, fn)
    return [_one(fn.key, qualified(fn.name, q), wanted, have.async_configs.get(q), q) for q in quals]


def _one(key: str, name: str, wanted: dict[str, Any], present: dict[str, Any] | None, q: str) -> Step:
    if present is not None and normalised(present) == normalised(wanted):
        return Step(key, NAME, name, "keep")
    fields = tuple(k for k in FIELDS if normalised(present).get(k) != normalised(wanted).get(k)) if present else ()
    return Step(key, NAME, name, "update" if present is not None else "create", fields,
                detail=describe(wanted), data=AsyncData(wanted, q))


def qualified(fn_name: str, qualifier: str) -> str:
    return f"{fn_name}:{qualifier}" if qualifier else fn_name


def describe(want: dict[str, Any]) -> str:
    n = normalised(want)
    parts = [f"{k} {n[f]}" for k, f in (("retries", "MaximumRetryAttempts"), ("max age", "MaximumEventAgeInSeconds"),
                                           ("on success", "OnSuccess"), ("on failure", "OnFailure")) if n[f] is not None]
    return ", ".join(parts)


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    lam, fn, data = ctx.aws.client("lambda"), want.fn, step.data
    assert isinstance(data, AsyncData)
    target = {"FunctionName": fn.name, **({"Qualifier": data.qualifier} if data.qualifier else {})}
    if step.action == "delete":
        deleted(lambda: lam.delete_function_event_invoke_config(**target), "ResourceNotFoundException")
        ctx.journal.forget(NAME, journal_name(fn.name, data.qualifier))
        return
    lam.put_function_event_invoke_config(**target, **data.want)
    ctx.journal.record(NAME, journal_name(fn.name, data.qualifier), "created", function=fn.key)


def delete(ctx: Context, step: Step) -> Step:
    return step   # DeleteFunction takes it with it


def observe(lam: Any, name: str, qualifiers: tuple[str, ...] = ("",)) -> dict[str, dict[str, Any] | None]:
    """The configuration of NAME and of each alias in QUALIFIERS ("": unqualified), by qualifier."""
    out: dict[str, dict[str, Any] | None] = {}
    for q in qualifiers:
        try:
            out[q] = dict(lam.get_function_event_invoke_config(FunctionName=name, **({"Qualifier": q} if q else {})))
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":   # none, or no such alias yet
                raise
            out[q] = None
    return out
