"""A function's versions, aliases and async behaviour in lambdactl.toml (issue 15):

    publish = true                                    # a version when code or configuration changed
    [functions.F.aliases.live]
    version = "latest-published"                      # or a version number
    weights = { 3 = 0.1 }                             # 10% of live's traffic to version 3
    async = { max_retries = 0, max_event_age = 60, on_failure = "function:other" }
    dead_letter_queue = "queue:failed"                # Lambda's DeadLetterConfig: a [queues.NAME] or an SQS ARN

Parsed and checked here (the function's own parser calls ``parse``), before any call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from lambdactl.suggest import known

LATEST_PUBLISHED = "latest-published"
ALIAS_KEYS = {"version", "weights", "description"}
ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$")   # Lambda's: not all digits
ASYNC_KEYS = {"max_retries", "max_event_age", "on_success", "on_failure"}
SQS_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$")
DESTINATION = re.compile(r"^(function|queue):([A-Za-z0-9_-]+)$")


@dataclass(frozen=True)
class Alias:
    name: str                                   # the alias name (the key of [functions.F.aliases.NAME])
    version: str = LATEST_PUBLISHED             # "latest-published" or a version number
    weights: tuple[tuple[str, float], ...] = ()  # (version, weight): AdditionalVersionWeights
    description: str = ""


@dataclass(frozen=True)
class Destination:
    """An async destination: another function of the project, a [queues.NAME], or an SQS ARN."""

    kind: str     # function | queue | sqs
    target: str   # the function's config key, the queue's key, or the ARN


@dataclass(frozen=True)
class AsyncConfig:
    max_retries: int | None = None       # 0-2 (Lambda's default 2)
    max_event_age: int | None = None     # 60-21600 s (Lambda's default 21600)
    on_success: Destination | None = None
    on_failure: Destination | None = None


Add = Callable[[str, str], None]


def parse(add: Add, where: str, tbl: dict[str, Any]) -> tuple[bool, tuple[Alias, ...], AsyncConfig | None]:
    """publish, aliases and async of [functions.F] (WHERE: "functions.F")."""
    publish = tbl.get("publish", False)
    if not isinstance(publish, bool):
        add(f"{where}.publish", f"must be true or false, got {publish!r}")
        publish = False
    raw = tbl.get("aliases", {})
    aliases: list[Alias] = []
    if not isinstance(raw, dict):
        add(f"{where}.aliases", "must be tables [functions.F.aliases.NAME]")
    else:
        aliases = [a for name, t in raw.items() if (a := _alias(add, f"{where}.aliases.{name}", name, t, publish))]
    config = _async(add, f"{where}.async", tbl["async"]) if "async" in tbl else None
    return publish, tuple(aliases), config


def _version(v: Any) -> str | None:
    """A version number as Lambda names it ("3"), or None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and v >= 1:
        return str(v)
    if isinstance(v, str) and v.isdigit() and int(v) >= 1:
        return str(int(v))
    return None


def _alias(add: Add, where: str, name: str, t: Any, publish: bool) -> Alias | None:
    if not isinstance(t, dict):
        add(where, "must be a table with version = \"latest-published\" or a version number")
        return None
    for k in sorted(set(t) - ALIAS_KEYS):
        add(where, f"unknown key {k!r}; {known(k, sorted(ALIAS_KEYS))}")
    if not ALIAS_NAME.fullmatch(name):
        add(where, "alias names use 1-128 letters, digits, '-' and '_', and are not all digits")
    raw = t.get("version", LATEST_PUBLISHED)
    version = LATEST_PUBLISHED if raw == LATEST_PUBLISHED else _version(raw)
    if version is None:
        add(f"{where}.version", f"{raw!r} must be \"latest-published\" or a version number like 3")
        return None
    if version == LATEST_PUBLISHED and not publish:
        add(f"{where}.version", "\"latest-published\" needs publish = true on the function (or name a version number)")
    weights = _weights(add, f"{where}.weights", t.get("weights", {}), version)
    description = t.get("description", "")
    if not isinstance(description, str) or len(description) > 256:
        add(f"{where}.description", "must be a string of at most 256 characters")
        description = ""
    return Alias(name, version, weights, description)


def _weights(add: Add, where: str, raw: Any, primary: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, dict):
        add(where, f"must be a table like {{ 3 = 0.1 }} (version = share of traffic), got {raw!r}")
        return ()
    out = []
    for k, w in raw.items():
        v = _version(k)
        if v is None or isinstance(w, bool) or not isinstance(w, int | float) or not 0 < w < 1:
            add(where, f"{k} = {w!r}: each entry is a version number = a share between 0 and 1, like 3 = 0.1")
            continue
        if v == primary:
            add(where, f"version {v} is the alias's own version; weights name the other version")
            continue
        out.append((v, float(w)))
    if len(out) > 1:   # Lambda: one additional version per alias
        add(where, "Lambda routes an alias to at most one additional version; keep one entry")
    return tuple(sorted(out))


def _async(add: Add, where: str, t: Any) -> AsyncConfig | None:
    if not isinstance(t, dict):
        add(where, "must be a table like { max_retries = 0, on_failure = \"function:NAME\" }")
        return None
    for k in sorted(set(t) - ASYNC_KEYS):
        add(where, f"unknown key {k!r}; {known(k, sorted(ASYNC_KEYS))}")
    retries, age = t.get("max_retries"), t.get("max_event_age")
    if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 2):
        add(f"{where}.max_retries", f"{retries!r} is out of range; Lambda allows 0-2")
        retries = None
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 60 <= age <= 21600):
        add(f"{where}.max_event_age", f"{age!r} is out of range; Lambda allows 60-21600 seconds")
        age = None
    dests = {k: _destination(add, f"{where}.{k}", t[k]) for k in ("on_success", "on_failure") if k in t}
    return AsyncConfig(retries, age, dests.get("on_success"), dests.get("on_failure"))


def _destination(add: Add, where: str, v: Any) -> Destination | None:
    if isinstance(v, str) and SQS_ARN.fullmatch(v):
        return Destination("sqs", v)
    m = DESTINATION.fullmatch(v) if isinstance(v, str) else None
    if m is None:
        add(where, f"{v!r} must be \"function:NAME\" (a function of this file), \"queue:NAME\" "
            "(a [queues.NAME]) or an SQS queue ARN")
        return None
    return Destination(m.group(1), m.group(2))


def dead_letter(add: Add, where: str, tbl: dict[str, Any]) -> str:
    """dead_letter_queue of [functions.F]: "queue:KEY" (checked and made ${queues.KEY.arn}
    by check_destinations), an SQS ARN, or "" for none."""
    v = tbl.get("dead_letter_queue", "")
    if v == "" or (isinstance(v, str) and SQS_ARN.fullmatch(v)):
        return str(v)
    m = DESTINATION.fullmatch(v) if isinstance(v, str) else None
    if m is None or m.group(1) != "queue":
        add(f"{where}.dead_letter_queue", f"{v!r} must be \"queue:NAME\" (a [queues.NAME]) or an SQS queue ARN "
            "(arn:aws:sqs:REGION:ACCOUNT:NAME)")
        return ""
    return v


def check_destinations(add: Add, functions: list[Any], queues: dict[str, str]) -> list[Any]:
    """Each destination names a function of the file (not itself) or one of its
    QUEUES (key -> queue name). FUNCTIONS with queue destinations naming the queue."""
    keys = {fn.key for fn in functions}
    functions = [_dead_letter_ref(add, fn, queues) for fn in functions]
    for fn in functions:
        cfg = fn.async_config
        for field, d in (("on_success", cfg and cfg.on_success), ("on_failure", cfg and cfg.on_failure)):
            if not d:
                continue
            where = f"functions.{fn.key}.async.{field}"
            if d.kind == "function" and (d.target not in keys or d.target == fn.key):
                add(where, f"function:{d.target} is not another function of this file; "
                    f"known: {', '.join(sorted(keys - {fn.key})) or 'none'}")
            elif d.kind == "queue" and d.target not in queues:
                add(where, f"queue:{d.target} is not a [queues.NAME] of this file; "
                    f"known: {', '.join(sorted(queues)) or 'none (declare [queues.NAME])'}, or give the queue's ARN")
    return [_queue_names(fn, queues) for fn in functions]


def _dead_letter_ref(add: Add, fn: Any, queues: dict[str, str]) -> Any:
    """FN with dead_letter_queue = "queue:KEY" as ${queues.KEY.arn} (the graph resolves it)."""
    if not fn.dead_letter_queue.startswith("queue:"):
        return fn
    key = fn.dead_letter_queue.removeprefix("queue:")
    if key not in queues:
        add(f"functions.{fn.key}.dead_letter_queue", f"queue:{key} is not a [queues.NAME] of this file; "
            f"known: {', '.join(sorted(queues)) or 'none (declare [queues.NAME])'}, or give the queue's ARN")
        return replace(fn, dead_letter_queue="")
    return replace(fn, dead_letter_queue=f"${{queues.{key}.arn}}")


def _queue_names(fn: Any, queues: dict[str, str]) -> Any:
    """FN with each queue:KEY destination's target the queue's name (it may be explicit, or .fifo)."""
    cfg = fn.async_config
    if cfg is None:
        return fn

    def named(d: Destination | None) -> Destination | None:
        return replace(d, target=queues[d.target]) if d and d.kind == "queue" and d.target in queues else d

    return replace(fn, async_config=replace(cfg, on_success=named(cfg.on_success), on_failure=named(cfg.on_failure)))


def check_qualifiers(add: Add, functions: list[Any]) -> None:
    """A trigger's qualifier names one of its function's aliases."""
    for fn in functions:
        names = [a.name for a in fn.aliases]
        for i, t in enumerate(fn.triggers):
            if t.qualifier and t.qualifier not in names:
                add(f"functions.{fn.key}.triggers[{i}].qualifier",
                    f"{t.qualifier!r} is not an alias of {fn.key}; declare [functions.{fn.key}.aliases.{t.qualifier}]"
                    + (f" (known: {', '.join(names)})" if names else ""))


def destination_arn(fn: Any, d: Destination, region: str, account_id: str, partition: str = "aws") -> str:
    """The ARN a destination names (another function of the project: <project>-<key>)."""
    if d.kind == "function":
        return f"arn:{partition}:lambda:{region}:{account_id}:function:{fn.name.removesuffix(fn.key)}{d.target}"
    if d.kind == "queue":   # its target is the queue's name by then (check_destinations)
        return f"arn:{partition}:sqs:{region}:{account_id}:{d.target}"
    return d.target


def destination_statements(fn: Any, region: str, account_id: str, partition: str = "aws") -> list[dict[str, Any]]:
    """What the execution role needs to deliver async results to the destinations and
    the dead-letter queue (Lambda refuses PutFunctionEventInvokeConfig, and a
    DeadLetterConfig, without it). FN's dead_letter_queue is resolved (an ARN) by then."""
    cfg = fn.async_config
    arns = sorted({destination_arn(fn, d, region, account_id, partition)
                   for d in ((cfg.on_success, cfg.on_failure) if cfg else ()) if d}
                  | ({fn.dead_letter_queue} if fn.dead_letter_queue else set()))
    out = []
    for service, action, sid in (("lambda", "lambda:InvokeFunction", "LambdactlAsyncFunctions"),
                                 ("sqs", "sqs:SendMessage", "LambdactlAsyncQueues")):
        mine = [a for a in arns if a.split(":")[2] == service]
        if mine:
            out.append({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": mine})
    return out
