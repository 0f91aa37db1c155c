"""Kind: an event-source mapping, Lambda polling a queue or a table's stream for one
function (its type = "sqs" / "dynamodb" triggers, triggers/mappings.py).

A mapping is ours when its function is ours (the function kind refuses a foreign
one) and it reads a source the config names, or the journal records it. It is
tagged at create too (AWS has taken Tags on mappings since 2024), but reading a
mapping's tags is a call per mapping, so ownership does not wait on them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code, error_message
from lambdactl.core.step import Step
from lambdactl.errors import ConfigError

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed
    from lambdactl.triggers.mappings import Mapping

NAME = "mapping"
NEEDS: tuple[str, ...] = ("role", "function", "queue", "table")   # it reads a queue or a stream
FIELDS = ("batch_size", "batching_window", "report_batch_item_failures", "maximum_concurrency", "filters",
          "bisect_on_error", "max_retries")
GONE = "ResourceNotFoundException"
# Right after the role's policy is written, CreateEventSourceMapping fails with
# InvalidParameterValueException "The provided execution role does not have
# permissions to call ReceiveMessage on SQS" (IAM propagation): retried briefly.
NOT_YET_PERMITTED = "does not have permissions"
PERMISSION_BUDGET = 60.0   # s
SOURCE_KINDS = {"sqs": "queue", "dynamodb": "table"}   # a label's service -> the kind that makes the source


def create_after(want: Desired, step: Step) -> tuple[tuple[str, str], ...]:
    """The queue or table it reads, if made alongside the chains."""
    service, source = step.name.split(":", 1)
    return ((SOURCE_KINDS[service], source),)


@dataclass(frozen=True)
class MappingData:
    mapping: Mapping | None
    uuid: str = ""
    function_name: str = ""   # destroy's (its journal entry is named by it)


def journal_name(function_name: str, label: str) -> str:
    return f"{function_name}/{label}"


def label_of(source_arn: str) -> str:
    """sqs:<queue> or dynamodb:<table>, from an EventSourceArn."""
    service, resource = source_arn.split(":")[2], source_arn.split(":", 5)[-1]
    return f"sqs:{resource}" if service == "sqs" else f"dynamodb:{resource.split('/')[1]}"


# -- plan (pure) --------------------------------------------------------------
def observed_settings(e: dict[str, Any]) -> dict[str, Any]:
    """A mapping as ListEventSourceMappings describes it, in the config's terms (moto
    answers None where Lambda answers its default)."""
    return {"batch_size": e.get("BatchSize"), "batching_window": e.get("MaximumBatchingWindowInSeconds") or 0,
            "report_batch_item_failures": "ReportBatchItemFailures" in (e.get("FunctionResponseTypes") or []),
            "maximum_concurrency": (e.get("ScalingConfig") or {}).get("MaximumConcurrency", 0),
            "filters": tuple(sorted(f["Pattern"] for f in (e.get("FilterCriteria") or {}).get("Filters", []))),
            "bisect_on_error": bool(e.get("BisectBatchOnFunctionError")),
            "max_retries": -1 if e.get("MaximumRetryAttempts") is None else e["MaximumRetryAttempts"]}


def wanted_settings(m: Mapping) -> dict[str, Any]:
    return {f: tuple(sorted(m.filters)) if f == "filters" else getattr(m, f) for f in FIELDS}


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    """Per sqs/dynamodb trigger: create, update (settings) or keep the mapping; a
    mapping the journal records whose trigger is gone is deleted."""
    fn = want.fn
    if NAME not in facts.kinds:
        return []
    existing = {e["EventSourceArn"]: e for e in (have.mappings if have.function is not None else [])}
    steps = []
    for m in fn.mappings:
        e = existing.pop(m.arn, None)
        if e is None:
            steps.append(Step(fn.key, NAME, m.label, "create", detail=describe(m), data=MappingData(m)))
            continue
        if m.starting_position and e.get("StartingPosition") not in (None, m.starting_position):
            raise ConfigError(f"functions.{fn.key}: the mapping from {m.label} starts at {e['StartingPosition']}, "
                              f"lambdactl.toml says {m.starting_position}; Lambda sets it only at creation",
                              "restore starting_position, or remove the trigger, run `lambdactl up`, and add it back")
        have_s, want_s = observed_settings(e), wanted_settings(m)
        fields = tuple(f for f in FIELDS if have_s[f] != want_s[f])
        steps.append(Step(fn.key, NAME, m.label, "update" if fields else "keep", fields, data=MappingData(m, e["UUID"])))
    for arn, e in sorted(existing.items()):   # a trigger removed from lambdactl.toml
        label = label_of(arn)
        if facts.get(NAME, journal_name(fn.name, label)) is not None:
            steps.append(Step(fn.key, NAME, label, "delete", detail="its trigger is no longer in lambdactl.toml",
                              data=MappingData(None, e["UUID"])))
    return steps


def describe(m: Mapping) -> str:
    """A new mapping's settings: "batch 10, window 1 s, partial batch failures"."""
    return ", ".join([f"batch {m.batch_size}", *([f"window {m.batching_window} s"] if m.batching_window else []),
                      *(["partial batch failures"] if m.report_batch_item_failures else []),
                      *([f"from {m.starting_position}"] if m.starting_position else []),
                      *([f"{len(m.filters)} filter(s)"] if m.filters else [])])


# -- calls --------------------------------------------------------------------
def observe(lam: Any, function_name: str) -> list[dict[str, Any]]:
    """The function's mappings (one page holds 100: a function has a few)."""
    try:
        pages = lam.get_paginator("list_event_source_mappings").paginate(FunctionName=function_name)
        return [e for page in pages for e in page.get("EventSourceMappings", [])]
    except Exception as exc:
        if error_code(exc) == GONE:
            return []
        raise


def params(m: Mapping) -> dict[str, Any]:
    """UpdateEventSourceMapping's parameters (CreateEventSourceMapping takes them too)."""
    out: dict[str, Any] = {"BatchSize": m.batch_size, "MaximumBatchingWindowInSeconds": m.batching_window,
                           "FunctionResponseTypes": ["ReportBatchItemFailures"] if m.report_batch_item_failures else [],
                           "FilterCriteria": {"Filters": [{"Pattern": f} for f in m.filters]}}
    if m.type == "sqs":
        out["ScalingConfig"] = {"MaximumConcurrency": m.maximum_concurrency} if m.maximum_concurrency else {}
    else:
        out |= {"BisectBatchOnFunctionError": m.bisect_on_error, "MaximumRetryAttempts": m.max_retries}
    return out


def create(lam: Any, function_name: str, m: Mapping, tags: dict[str, str], sleep: Callable[[float], None],
           clock: Callable[[], float] = time.monotonic) -> str:
    """CreateEventSourceMapping (retried while the role's new policy propagates); -> its UUID."""
    args = {"FunctionName": function_name, "EventSourceArn": m.arn, "Enabled": True, "Tags": tags, **params(m)}
    if m.starting_position:
        args["StartingPosition"] = m.starting_position
    if not m.filters:
        del args["FilterCriteria"]
    if not args.get("ScalingConfig", True):
        del args["ScalingConfig"]
    deadline, delay = clock() + PERMISSION_BUDGET, 0.25
    while True:
        try:
            return str(lam.create_event_source_mapping(**args)["UUID"])
        except Exception as exc:
            if not (error_code(exc) == "InvalidParameterValueException" and NOT_YET_PERMITTED in error_message(exc)) \
                    or clock() + delay > deadline:
                raise
            sleep(delay)
            delay = min(delay * 2, 1.0)


# -- apply / delete -----------------------------------------------------------
def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data, fn, j = step.data, want.fn, ctx.journal
    assert isinstance(data, MappingData)
    lam = ctx.aws.client("lambda")
    name = journal_name(fn.name, step.name)
    if step.action == "delete":
        deleted(lambda: lam.delete_event_source_mapping(UUID=data.uuid), GONE)
        j.forget(NAME, name)
        return
    m = next(x for x in fn.mappings if x.label == step.name)   # resolved: its ARN is known now
    if step.action == "create":
        j.record(NAME, name, "creating", function=fn.key)
        uuid = create(lam, fn.name, m, ctx.tags, ctx.sleep)
        j.record(NAME, name, "created", function=fn.key, uuid=uuid, source=m.arn)
    else:
        lam.update_event_source_mapping(UUID=data.uuid, FunctionName=fn.name, **params(m))


def delete(ctx: Context, step: Step) -> Step:
    data = step.data
    assert isinstance(data, MappingData)
    deleted(lambda: ctx.aws.client("lambda").delete_event_source_mapping(UUID=data.uuid), GONE)
    ctx.journal.forget(NAME, journal_name(data.function_name, step.name))
    return step


def plan_destroy(ctx: Context, names: list[tuple[str, str]]) -> list[Step]:
    """destroy: the mappings of NAMES (function key, name) that are ours: journaled, or
    reading a source the config names. Read only when there may be some."""
    from lambdactl.core.executor import run_parallel

    journal = ctx.journal.resources()
    sources = {(fn.name, m.label) for fn in ctx.project.functions for m in fn.mappings}
    keys = dict((n, k) for k, n in names)
    todo = [n for _, n in names if any(fn == n for fn, _ in sources)
            or any(e["kind"] == NAME and e["name"].startswith(f"{n}/") for e in journal.values())]
    found: list[Step] = []

    def store(fname: str, listed: list[dict[str, Any]]) -> None:
        for e in listed:
            label = label_of(e["EventSourceArn"])
            if (fname, label) in sources or f"{NAME}:{journal_name(fname, label)}" in journal:
                found.append(Step(keys[fname], NAME, label, "delete", detail=f"polls {label} for our function {fname}",
                                  data=MappingData(None, e["UUID"], fname)))

    run_parallel([partial(observe, ctx.aws.client("lambda"), n) for n in todo], [partial(store, n) for n in todo])
    return sorted(found, key=lambda s: (s.function, s.name))


def destroy(ctx: Context, steps: list[Step]) -> list[Step]:
    """Carry out plan_destroy's STEPS; the journal forgets each."""
    for s in steps:
        assert isinstance(s.data, MappingData)
        delete(ctx, s)
    return steps
