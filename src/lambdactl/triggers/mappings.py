"""Triggers that Lambda polls: type = "sqs" (a [queues.NAME]) and type = "dynamodb" (a
[tables.NAME]'s stream), as event-source mappings (kinds/mapping.py). Parsed and
checked here (pure), with the poller statements the execution role needs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl.suggest import known

if TYPE_CHECKING:
    from lambdactl.kinds.queue import Queue
    from lambdactl.kinds.table import Table
    from lambdactl.spec import Function

TYPES = ("sqs", "dynamodb")
COMMON = {"type", "batch_size", "batching_window", "filters"}
KEYS = {"sqs": COMMON | {"queue", "report_batch_item_failures", "maximum_concurrency"},
        "dynamodb": COMMON | {"table", "starting_position", "bisect_on_error", "max_retries"}}
POSITIONS = ("LATEST", "TRIM_HORIZON")
SQS_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]


@dataclass(frozen=True)
class Mapping:
    type: str                       # sqs | dynamodb
    source: str                     # the [queues.KEY] / [tables.KEY] it reads
    name: str                       # that queue's or table's AWS name
    arn: str                        # EventSourceArn: a reference until resolved (Context.resolved)
    batch_size: int = 10
    batching_window: int = 0        # s
    report_batch_item_failures: bool = False
    maximum_concurrency: int = 0    # 0: Lambda's default
    starting_position: str = ""     # dynamodb: LATEST | TRIM_HORIZON
    bisect_on_error: bool = False
    max_retries: int = -1           # dynamodb: -1 is Lambda's "until the record expires"
    filters: tuple[str, ...] = ()   # FilterCriteria patterns, as JSON

    @property
    def label(self) -> str:
        return f"{self.type}:{self.name}"


def with_mappings(add: Callable[[str, str], None], functions: list[Function], tbl: dict[str, Any],
                  queues: tuple[Queue, ...], tables: tuple[Table, ...]) -> list[Function]:
    """Each function with its sqs/dynamodb triggers; every queue's visibility timeout
    checked against the functions it triggers."""
    from dataclasses import replace

    from lambdactl.kinds.queue import timeout_problems

    out = [replace(fn, mappings=parse(add, f"functions.{fn.key}", tbl[fn.key].get("triggers"), queues, tables))
           for fn in functions]
    for where, problem in timeout_problems(queues, [(m.source, fn.key, fn.timeout) for fn in out for m in fn.mappings
                                                    if m.type == "sqs"]):
        add(where, problem)
    return out


def parse(add: Callable[[str, str], None], where: str, raw: Any, queues: tuple[Queue, ...],
          tables: tuple[Table, ...]) -> tuple[Mapping, ...]:
    """The sqs/dynamodb triggers of one function's triggers list (the s3 ones are
    triggers/rules.py's); ADD(where, message) reports a problem."""
    out: list[Mapping] = []
    for i, t in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(t, dict) and t.get("type") in TYPES:
            m = _parse_one(add, f"{where}.triggers[{i}]", t, {q.key: q for q in queues}, {x.key: x for x in tables})
            if m and any(o.label == m.label for o in out):
                add(f"{where}.triggers[{i}]", f"reads {m.label} twice; one mapping per source and function")
            elif m:
                out.append(m)
    return tuple(out)


def _number(add: Callable[[str, str], None], where: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        add(where, f"{v!r} must be a whole number from {lo} to {hi}")
        return lo
    return v


def _flag(add: Callable[[str, str], None], where: str, v: Any) -> bool:
    if not isinstance(v, bool):
        add(where, f"must be true or false, got {v!r}")
    return v is True


def _undeclared(value: object, field: str, section: str, declared: dict[str, Any]) -> str:
    """FIELD's VALUE names no [SECTION.NAME]: the problem, and the fix."""
    names = ", ".join(sorted(declared)) or "none"
    if value is None:
        return f"missing; set {field} = \"NAME\" for one of the file's [{section}.NAME]; known: {names}"
    return f"{value!r} is not a [{section}.NAME] of this file; known: {names}" + _by_key(field, section, value, declared)


def _by_key(field: str, section: str, value: object, known: dict[str, Any]) -> str:
    """A reference where the trigger takes the key (queue = "${queues.jobs.arn}"): the fix."""
    key = str(value).removeprefix(f"${{{section}.").split(".")[0].split("}")[0]
    if isinstance(value, str) and value.startswith(f"${{{section}.") and key in known:
        return f' (a trigger names the [{section}.NAME] itself: {field} = "{key}")'
    return ""


def _parse_one(add: Callable[[str, str], None], tw: str, t: dict[str, Any], queues: dict[str, Queue],
               tables: dict[str, Table]) -> Mapping | None:
    typ = t["type"]
    for k in sorted(set(t) - KEYS[typ]):
        add(tw, f"unknown key {k!r} for a {typ} trigger; {known(k, sorted(KEYS[typ]))}")
    filters = _filters(add, f"{tw}.filters", t.get("filters", []))
    window = _number(add, f"{tw}.batching_window", t.get("batching_window", 0), 0, 300)
    if typ == "sqs":
        q = queues.get(t.get("queue"))  # type: ignore[arg-type]
        if q is None:
            add(f"{tw}.queue", _undeclared(t.get("queue"), "queue", "queues", queues))
            return None
        size = _number(add, f"{tw}.batch_size", t.get("batch_size", 10), 1, 10 if q.fifo else 10000)
        if size > 10 and not window:   # Lambda: "Maximum batch size > 10 requires a batching window"
            add(f"{tw}.batch_size", f"{size}: Lambda needs batching_window >= 1 for a batch size over 10")
        conc = t.get("maximum_concurrency", 0)
        return Mapping("sqs", q.key, q.name, f"${{queues.{q.key}.arn}}", size, window,
                       _flag(add, f"{tw}.report_batch_item_failures", t.get("report_batch_item_failures", False)),
                       _number(add, f"{tw}.maximum_concurrency", conc, 2, 1000) if conc else 0, filters=filters)
    tbl = tables.get(t.get("table"))  # type: ignore[arg-type]
    if tbl is None or not tbl.stream:
        add(f"{tw}.table", f"table {t.get('table')!r} has no stream; set stream = \"NEW_IMAGE\" in [tables.{t.get('table')}]"
            if tbl else _undeclared(t.get("table"), "table", "tables", tables))
        return None
    pos = t.get("starting_position", "LATEST")
    if pos not in POSITIONS:
        add(f"{tw}.starting_position", f"{pos!r} must be one of {', '.join(POSITIONS)}")
    return Mapping("dynamodb", tbl.key, tbl.name, f"${{tables.{tbl.key}.stream_arn}}",
                   _number(add, f"{tw}.batch_size", t.get("batch_size", 100), 1, 10000), window,
                   starting_position=str(pos), bisect_on_error=_flag(add, f"{tw}.bisect_on_error", t.get("bisect_on_error", False)),
                   max_retries=_number(add, f"{tw}.max_retries", t.get("max_retries", -1), -1, 10000), filters=filters)


def _filters(add: Callable[[str, str], None], where: str, v: Any) -> tuple[str, ...]:
    """filters = [{ body = { kind = ["order"] } }]: event filter patterns (at most 5)."""
    if not isinstance(v, list) or len(v) > 5 or not all(isinstance(f, dict) and f for f in v):
        add(where, "must be a list of at most 5 patterns, e.g. [{ body = { kind = [\"order\"] } }]")
        return ()
    return tuple(json.dumps(f, sort_keys=True, separators=(",", ":")) for f in v)


def poller_statements(mappings: tuple[Mapping, ...], region: str, account_id: str, partition: str) -> list[dict[str, Any]]:
    """What Lambda's poller needs of the execution role, scoped to each queue and stream."""
    queues = sorted({f"arn:{partition}:sqs:{region}:{account_id}:{m.name}" for m in mappings if m.type == "sqs"})
    streams = sorted({f"arn:{partition}:dynamodb:{region}:{account_id}:table/{m.name}/stream/*"
                      for m in mappings if m.type == "dynamodb"})
    return ([{"Sid": "LambdactlPollQueues", "Effect": "Allow", "Action": SQS_ACTIONS, "Resource": queues}] if queues else []) + \
        ([{"Sid": "LambdactlReadStreams", "Effect": "Allow", "Action": STREAM_ACTIONS, "Resource": streams}] if streams else [])
