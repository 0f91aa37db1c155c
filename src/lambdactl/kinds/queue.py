"""Kind: an SQS queue the project owns ([queues.NAME]; sqs.py makes the calls).

A project-level kind like kinds/table.py: planned once per run, before the
function chains, and created alongside them (only what names a queue waits for
it: a mapping reading it, a function whose dead-letter queue it is; their kinds'
create_after). A queue with a dead-letter queue is created after it
(its RedrivePolicy names the DLQ's ARN, which must exist).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import sqs
from lambdactl.core import ownership
from lambdactl.core.data import plan_each, section
from lambdactl.core.step import Step
from lambdactl.errors import OwnershipError
from lambdactl.suggest import known

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.observe import Observed

NAME = "queue"
NEEDS: tuple[str, ...] = ()
SCOPE = "project"
ALONGSIDE = True   # its URL and ARN are computed: created alongside the function chains

KEYS = {"name", "fifo", "visibility_timeout", "retention", "dlq"}
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SETTINGS = ("visibility_timeout", "retention", "dlq")
VISIBILITY = (0, 43200)        # s: SQS's bounds (12 h)
RETENTION = (60, 1209600)      # s: 1 minute to 14 days
RECEIVES = (1, 1000)           # maxReceiveCount


@dataclass(frozen=True)
class Queue:
    key: str                          # the name in [queues.KEY]
    name: str                         # <project>-<key>[.fifo], or `name`
    fifo: bool = False
    visibility_timeout: int = sqs.DEFAULT_VISIBILITY
    retention: int = sqs.DEFAULT_RETENTION
    dlq: str = ""                     # the [queues.KEY] that receives what fails too often
    max_receive_count: int = 0


@dataclass(frozen=True)
class QueueData:
    queue: Queue
    have: sqs.QueueState | None
    dlq_name: str = ""                # the DLQ's queue name
    after: tuple[str, ...] = ()       # steps (by name) this one waits for: its DLQ's


# -- [queues.NAME] ------------------------------------------------------------
def parse(add: Callable[[str, str], None], tbl: Any, project: str) -> tuple[Queue, ...]:
    """Every [queues.NAME] of lambdactl.toml; ADD(where, message) reports a problem."""
    if not isinstance(tbl, dict):
        add("[queues]", "must be tables [queues.NAME]")
        return ()
    out = tuple(q for key, s in tbl.items() if (q := _parse_one(add, key, s, project)))
    by_key = {q.key: q for q in out}
    for q in out:
        other = by_key.get(q.dlq)
        if q.dlq and other is None:
            add(f"queues.{q.key}.dlq", f"queue {q.dlq!r} is not declared; known: {', '.join(sorted(by_key))}")
        elif other is not None and (other is q or other.fifo != q.fifo):
            why = ("a queue is not its own DLQ" if other is q else "SQS needs a FIFO queue's DLQ to be FIFO, "
                   "a standard queue's standard")
            add(f"queues.{q.key}.dlq", f"{q.dlq!r} cannot be its dead-letter queue: {why}")
        elif (loop := _cycle(q, by_key)) and q.key == min(loop):   # said once, by the cycle's first key
            add(f"queues.{q.key}.dlq", f"the dead-letter queues go round in a circle ({' -> '.join([*loop, q.key])}), "
                "so a failed message would never stop moving; end the chain at a queue without dlq")
    return out


def _cycle(q: Queue, by_key: dict[str, Queue]) -> list[str]:
    """The keys from Q along its DLQ chain when the chain comes back to Q, else []."""
    chain, at = [q.key], by_key.get(q.dlq)
    while at is not None and at.key not in chain:
        chain.append(at.key)
        at = by_key.get(at.dlq)
    return chain if at is q else []


def depth(q: Queue, by_key: dict[str, Queue]) -> int:
    """How many dead-letter queues Q's chain has after it (0: none); cycles are refused in parse."""
    n, at = 0, by_key.get(q.dlq)
    while at is not None and n < len(by_key):
        n, at = n + 1, by_key.get(at.dlq)
    return n


def _int(add: Callable[[str, str], None], where: str, v: Any, bounds: tuple[int, int], unit: str) -> int:
    lo, hi = bounds
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        add(where, f"{v!r} must be a whole number of {unit} from {lo} to {hi}")
        # the nearest bound stands in: 99999999 s is said once, not again as "0 s is shorter than ...";
        # no number at all ("x"), the highest: no bound of the others' is said for it either
        return min(max(v, lo), hi) if isinstance(v, int) and not isinstance(v, bool) else hi
    return v


def _parse_one(add: Callable[[str, str], None], key: str, t: Any, project: str) -> Queue | None:
    where = f"queues.{key}"
    if not section(add, where, t, KEYS, "a table, e.g. visibility_timeout = 60"):
        return None
    if not QUEUE_NAME.fullmatch(key):   # [queues."jobs.fifo"] made 'p-jobs.fifo.fifo', and ${queues.jobs.fifo.url}
        fifo_fix = f"; a FIFO queue is [queues.{key.removesuffix('.fifo')}] with fifo = true (its name gets \".fifo\")"
        add(where, "queue keys use letters, digits, '-' and '_' (references name them: ${queues.KEY.url})"
            + (fifo_fix if key.endswith(".fifo") else ""))
        return None
    fifo = t.get("fifo", False)
    if not isinstance(fifo, bool):
        add(f"{where}.fifo", f"must be true or false, got {fifo!r}")
        fifo = False
    name = t.get("name", f"{project}-{key}" + (".fifo" if fifo else ""))
    base = name.removesuffix(".fifo") if isinstance(name, str) else None
    if base is None or not QUEUE_NAME.fullmatch(base) or len(name) > 80:
        add(f"{where}.name", f"{name!r} is not an SQS queue name (1-80 letters, digits, '-', '_')")
    elif fifo != name.endswith(".fifo"):
        add(f"{where}.name", f"{name!r}: SQS needs a FIFO queue's name to end in \".fifo\", and only a FIFO queue's"
            + (f"; set name = \"{base}.fifo\"" if fifo else "; set fifo = true or drop \".fifo\""))
    vis = _int(add, f"{where}.visibility_timeout", t.get("visibility_timeout", sqs.DEFAULT_VISIBILITY), VISIBILITY, "seconds")
    ret = _int(add, f"{where}.retention", t.get("retention", sqs.DEFAULT_RETENTION), RETENTION, "seconds")
    dlq, receives = t.get("dlq"), 0
    if dlq is not None:
        extra = sorted(set(dlq) - {"queue", "max_receive_count"}) if isinstance(dlq, dict) else []
        for k in extra:
            add(f"{where}.dlq", f"unknown key {k!r}; {known(k, ['max_receive_count', 'queue'])}")
        if not isinstance(dlq, dict) or extra or not isinstance(dlq.get("queue"), str):
            if not extra:
                add(f"{where}.dlq", f"{dlq!r} must be {{ queue = \"other\", max_receive_count = 3 }}")
            return None
        receives = _int(add, f"{where}.dlq.max_receive_count", dlq.get("max_receive_count", 3), RECEIVES, "receives")
    if not isinstance(name, str):
        return None
    return Queue(key, name, fifo, vis, ret, dlq["queue"] if dlq else "", receives)


def timeout_problems(queues: tuple[Queue, ...], consumers: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """(where, problem) for each queue whose visibility timeout is shorter than the timeout
    of a function it triggers (CONSUMERS: queue key, function key, timeout): Lambda refuses
    the mapping, and a batch would reappear while the function still works on it."""
    by_key = {q.key: q for q in queues}
    return [(f"queues.{qk}.visibility_timeout",
             f"{q.visibility_timeout} s is shorter than the timeout of function {fk} ({timeout} s), which it "
             f"triggers; set visibility_timeout = {timeout} or more (AWS advises 6 times the timeout)")
            for qk, fk, timeout in consumers if (q := by_key.get(qk)) and q.visibility_timeout < timeout]


# -- plan (pure) --------------------------------------------------------------
def plan(facts: Facts, want: object, have: Observed) -> list[Step]:
    """Every queue of the project: create, update (attributes) or keep; a DLQ first."""
    if NAME not in facts.kinds:
        return []
    by_key = {q.key: q for q in facts.config.queues}
    ordered = sorted(facts.config.queues, key=lambda q: depth(q, by_key))   # a DLQ before the queues that name it
    return [_plan_one(facts, q, have.queues.get(q.key), by_key[q.dlq].name if q.dlq in by_key else "") for q in ordered]


def _plan_one(facts: Facts, q: Queue, state: sqs.QueueState | None, dlq_name: str) -> Step:
    after = (dlq_name,) if dlq_name else ()
    if state is None:
        return Step("", NAME, q.name, "create", detail=settings(q), data=QueueData(q, None, dlq_name, after))
    if not ownership.is_ours(state.tags, facts.project):
        raise OwnershipError(f"SQS queue {q.name!r} already exists and belongs to {ownership.whose(state.tags)}; "
                             "lambdactl will not modify it",
                             f"set name = \"...\" in [queues.{q.key}] for a queue of its own, or remove it yourself")
    dlq_arn = sqs.arn(facts.partition, facts.region, facts.account_id, dlq_name) if dlq_name else None
    fields = drift(q, state, dlq_arn)
    return Step("", NAME, q.name, "update" if fields else "keep", fields, data=QueueData(q, state, dlq_name, after))


def drift(q: Queue, s: sqs.QueueState, dlq_arn: str | None) -> tuple[str, ...]:
    """The attributes that differ from the config's."""
    differs = {"visibility_timeout": s.visibility_timeout != q.visibility_timeout,
               "retention": s.retention != q.retention,
               "dlq": s.redrive != ((dlq_arn, q.max_receive_count) if dlq_arn else None)}
    return tuple(f for f in SETTINGS if differs[f])


def settings(q: Queue) -> str:
    """A new queue's settings, for plan and up: "FIFO, visibility 60 s, DLQ failed after 3"."""
    return ", ".join([*(["FIFO"] if q.fifo else []), f"visibility {q.visibility_timeout} s",
                      *([f"DLQ {q.dlq} after {q.max_receive_count} receives"] if q.dlq else [])])


# -- apply / delete -----------------------------------------------------------
def apply(ctx: Context, want: object, step: Step, ready: Callable[[], None]) -> None:
    data, a = step.data, ctx.aws
    assert isinstance(data, QueueData)
    client = a.client("sqs")
    dlq_arn = sqs.arn(a.partition, a.region, a.account_id, data.dlq_name) if data.dlq_name else None
    if step.action == "create":
        ctx.journal.record(NAME, step.name, "creating")
        sqs.create(client, data.queue, dlq_arn, ctx.tags)
        ctx.journal.record(NAME, step.name, "created", arn=sqs.arn(a.partition, a.region, a.account_id, step.name))
    else:
        sqs.change(client, sqs.url(a.region, a.account_id, step.name), data.queue, dlq_arn, step.fields)


def delete(ctx: Context, step: Step) -> Step:
    a = ctx.aws
    sqs.delete(a.client("sqs"), sqs.url(a.region, a.account_id, step.name))
    ctx.journal.forget(NAME, step.name)
    return step


def destroy_step(name: str, s: sqs.QueueState | None, project: str, delete_data: bool) -> Step | None:
    """destroy's decision for one queue (pure): ours by tag, and empty or DELETE_DATA."""
    if s is None:
        return None
    if not ownership.is_ours(s.tags, project):
        return Step("", NAME, name, "skip", detail=f"kept (belongs to {ownership.whose(s.tags)})")
    if s.messages and not delete_data:
        return Step("", NAME, name, "skip", detail=f"kept (holds {s.messages} message(s): `lambdactl destroy "
                                                     "--delete-data` deletes it with its messages)")
    return Step("", NAME, name, "delete",
                detail=ownership.why_ours(project) + (f", with its {s.messages} message(s)" if s.messages else ", empty"))


def plan_destroy(ctx: Context, delete_data: bool, only: set[str] | None = None) -> list[Step]:
    """The config's and the journal's queues (or ONLY these): read (with a message count),
    decided. Reads only."""
    a = ctx.aws
    names = {q.name for q in ctx.project.queues}
    names |= {e["name"] for e in ctx.journal.resources().values() if e["kind"] == NAME}
    names = {n for n in names if only is None or n in only}

    def one(name: str) -> Step | None:
        s = sqs.observe(a.client("sqs"), sqs.url(a.region, a.account_id, name))
        return destroy_step(name, s, ctx.project.name, delete_data)

    return plan_each(names, one)
