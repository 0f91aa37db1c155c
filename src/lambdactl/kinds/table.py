"""Kind: a DynamoDB table the project owns ([tables.NAME]; dynamodb.py makes the calls).

A project-level kind (SCOPE): planned once per run, before the function chains
(graph.decide_project), from the config's tables and what was read of them; WANT
is not used. Its [tables.NAME] section is parsed and checked here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import dynamodb
from lambdactl.core import ownership
from lambdactl.core.data import plan_each, section
from lambdactl.core.step import Step
from lambdactl.errors import ConfigError, OwnershipError
from lambdactl.suggest import known

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.observe import Observed

NAME = "table"
NEEDS: tuple[str, ...] = ()
SCOPE = "project"


def ALONGSIDE(step: Step) -> bool:  # noqa: N802 - graph.alongside reads it as a kind's flag
    """Its name and ARN are computed: created alongside the function chains, unless it
    makes a stream, whose ARN (known once made) a function may name."""
    data = step.data
    return not (isinstance(data, TableData) and data.table.stream and (step.action == "create" or "stream" in step.fields))



KEYS = {"name", "partition_key", "sort_key", "billing", "read_capacity", "write_capacity", "ttl",
        "stream", "point_in_time_recovery"}
KEY_TYPES = ("S", "N", "B")
STREAM_VIEWS = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
SETTINGS = ("billing", "stream", "ttl", "point_in_time_recovery")


@dataclass(frozen=True)
class Table:
    key: str                                  # the name in [tables.KEY]
    name: str                                 # the DynamoDB TableName: <project>-<key> or `name`
    keys: tuple[tuple[str, str, str], ...]    # (HASH|RANGE, attribute, S|N|B)
    billing: str = "on_demand"                # or provisioned
    read_capacity: int = 0
    write_capacity: int = 0
    ttl: str = ""                             # the TTL attribute
    stream: str = ""                          # the stream's view type
    point_in_time_recovery: bool = False


@dataclass(frozen=True)
class TableData:
    table: Table
    have: dynamodb.TableState | None


# -- [tables.NAME] ------------------------------------------------------------
def parse(add: Callable[[str, str], None], tbl: Any, project: str) -> tuple[Table, ...]:
    """Every [tables.NAME] of lambdactl.toml; ADD(where, message) reports a problem."""
    if not isinstance(tbl, dict):
        add("[tables]", "must be tables [tables.NAME]")
        return ()
    return tuple(t for key, section in tbl.items() if (t := _parse_one(add, key, section, project)))


def _parse_one(add: Callable[[str, str], None], key: str, t: Any, project: str) -> Table | None:
    where = f"tables.{key}"
    if not section(add, where, t, KEYS, "a table with partition_key = { name = \"id\", type = \"S\" }"):
        return None
    name = t.get("name", f"{project}-{key}")
    if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
        add(f"{where}.name", f"{name!r} is not a DynamoDB table name (3-255 letters, digits, '_', '-', '.')")
    keys = [k for role, field in (("HASH", "partition_key"), ("RANGE", "sort_key"))
            if (k := _key(add, f"{where}.{field}", role, t.get(field), field == "partition_key"))]
    billing = t.get("billing", "on_demand")
    if billing not in ("on_demand", "provisioned"):
        add(f"{where}.billing", f"{billing!r} must be \"on_demand\" or \"provisioned\"")
    rcu, wcu = t.get("read_capacity", 0), t.get("write_capacity", 0)
    if billing == "provisioned":
        for field, v in (("read_capacity", rcu), ("write_capacity", wcu)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                add(f"{where}.{field}", f"{v!r}: provisioned billing needs read_capacity and write_capacity >= 1")
    elif "read_capacity" in t or "write_capacity" in t:
        add(where, "read_capacity and write_capacity need billing = \"provisioned\" (on-demand has none)")
    ttl, stream, pitr = t.get("ttl", ""), t.get("stream", ""), t.get("point_in_time_recovery", False)
    if not isinstance(ttl, str):
        add(f"{where}.ttl", f"must be the name of a number attribute (epoch seconds), got {ttl!r}")
    if stream not in ("", *STREAM_VIEWS):
        add(f"{where}.stream", f"{stream!r} must be one of {', '.join(STREAM_VIEWS)}")
    if not isinstance(pitr, bool):
        add(f"{where}.point_in_time_recovery", f"must be true or false, got {pitr!r}")
    if len(keys) != (2 if "sort_key" in t else 1) or not isinstance(name, str):
        return None
    return Table(key, name, tuple(keys), str(billing), int(rcu), int(wcu), str(ttl), str(stream), bool(pitr))


def _key(add: Callable[[str, str], None], where: str, role: str, v: Any, required: bool) -> tuple[str, str, str] | None:
    """partition_key / sort_key: "attr" (a string key) or { name = "attr", type = "S|N|B" }."""
    if v is None:
        if required:
            add(where, "missing; set partition_key = { name = \"id\", type = \"S\" }")
        return None
    if isinstance(v, dict) and set(v) - {"name", "type"}:   # `tye = "N"` would make an S key silently
        for k in sorted(set(v) - {"name", "type"}):
            add(where, f"unknown key {k!r}; {known(k, ['name', 'type'])}")
        return None
    name, typ = (v, "S") if isinstance(v, str) else (v.get("name"), v.get("type", "S")) if isinstance(v, dict) else (None, None)
    if not isinstance(name, str) or not name or typ not in KEY_TYPES:
        add(where, f"{v!r} must be \"attr\" or {{ name = \"attr\", type = \"S\" }} with type S, N or B")
        return None
    return role, name, typ


# -- plan (pure) --------------------------------------------------------------
def plan(facts: Facts, want: object, have: Observed) -> list[Step]:
    """Every table of the project: create, update (settings) or keep. A key schema that
    differs is refused before any write: DynamoDB cannot change it in place."""
    if NAME not in facts.kinds:
        return []
    return [_plan_one(facts, t, have.tables.get(t.key)) for t in facts.config.tables]


def _plan_one(facts: Facts, t: Table, state: dynamodb.TableState | None) -> Step:
    if state is None:
        fields = tuple(f for f, on in (("stream", t.stream), ("ttl", t.ttl),
                                        ("point_in_time_recovery", t.point_in_time_recovery)) if on)
        return Step("", NAME, t.name, "create", fields, detail=settings(t), data=TableData(t, None))
    if not ownership.is_ours(state.tags, facts.project):
        raise OwnershipError(f"DynamoDB table {t.name!r} already exists and belongs to {ownership.whose(state.tags)}; "
                             "lambdactl will not modify it",
                             f"set name = \"...\" in [tables.{t.key}] for a table of its own, or remove it yourself")
    if state.keys != t.keys:
        raise ConfigError(f"[tables.{t.key}]: table {t.name} has key {describe_keys(state.keys)}, lambdactl.toml "
                          f"says {describe_keys(t.keys)}; DynamoDB cannot change a key schema in place",
                          f"restore the key in lambdactl.toml, or set name = \"{t.name}-v2\" for a new table "
                          "and copy the items over")
    if state.ttl and t.ttl and state.ttl != t.ttl:
        # DynamoDB takes one UpdateTimeToLive per table an hour (ValidationException):
        # another attribute (off, then on) cannot be made in one run.
        raise ConfigError(f"[tables.{t.key}]: table {t.name} expires items by {state.ttl!r}, lambdactl.toml says "
                          f"{t.ttl!r}; DynamoDB allows one TTL change an hour",
                          "remove ttl and run `lambdactl up`, then set the new attribute an hour later")
    return Step("", NAME, t.name, "update" if (fields := drift(t, state)) else "keep", fields,
                data=TableData(t, state))


def drift(t: Table, s: dynamodb.TableState) -> tuple[str, ...]:
    """The settings that differ from the config's."""
    differs = {
        "billing": s.billing != t.billing or (t.billing == "provisioned" and
                                              (s.read_capacity, s.write_capacity) != (t.read_capacity, t.write_capacity)),
        "stream": s.stream != t.stream,
        "ttl": s.ttl != t.ttl,
        "point_in_time_recovery": s.point_in_time_recovery != t.point_in_time_recovery,
    }
    return tuple(f for f in SETTINGS if differs[f])


def settings(t: Table) -> str:
    """A new table's settings, for plan and up: "key id (S), on-demand, stream NEW_IMAGE"."""
    billing = f"provisioned {t.read_capacity}/{t.write_capacity}" if t.billing == "provisioned" else "on-demand"
    return ", ".join([f"key {describe_keys(t.keys)}", billing, *([f"stream {t.stream}"] if t.stream else []),
                      *([f"ttl {t.ttl}"] if t.ttl else []), *(["point-in-time recovery"] if t.point_in_time_recovery else [])])


def describe_keys(keys: tuple[tuple[str, str, str], ...]) -> str:
    return " + ".join(f"{a} ({typ})" for _, a, typ in keys)


# -- apply / delete -----------------------------------------------------------
def apply(ctx: Context, want: object, step: Step, ready: Callable[[], None]) -> None:
    data, j = step.data, ctx.journal
    assert isinstance(data, TableData)
    ddb = ctx.aws.client("dynamodb")
    if step.action == "create":
        j.record(NAME, step.name, "creating")
        desc = dynamodb.create(ddb, data.table, ctx.tags, ctx.sleep)
        dynamodb.set_extras(ddb, data.table, step.fields)
        j.record(NAME, step.name, "created", arn=desc.get("TableArn"))
    else:
        assert data.have is not None
        desc = dynamodb.change(ddb, data.table, data.have, step.fields, ctx.sleep) or {}
    if desc.get("LatestStreamArn") and data.table.stream:
        ctx.streams[f"tables.{data.table.key}.stream_arn"] = desc["LatestStreamArn"]


def delete(ctx: Context, step: Step) -> Step:
    dynamodb.delete(ctx.aws.client("dynamodb"), step.name)
    ctx.journal.forget(NAME, step.name)
    return step


def destroy_step(t_key: str, name: str, s: dynamodb.TableState | None, count: tuple[int, bool],
                 project: str, delete_data: bool) -> Step | None:
    """destroy's decision for one table (pure): ours by tag, and empty or DELETE_DATA."""
    if s is None:
        return None
    if not ownership.is_ours(s.tags, project):
        return Step("", NAME, name, "skip", detail=f"kept (belongs to {ownership.whose(s.tags)})")
    n, at_least = count
    holds = f"{'at least ' if at_least else ''}{n} item(s)"
    if n and not delete_data:
        return Step("", NAME, name, "skip", detail=f"kept (holds {holds}: `lambdactl destroy --delete-data` "
                                                     "deletes it with its items)")
    return Step("", NAME, name, "delete", detail=ownership.why_ours(project) + (f", with its {holds}" if n else ", empty"),
                data=t_key)


def plan_destroy(ctx: Context, delete_data: bool, only: set[str] | None = None) -> list[Step]:
    """The config's and the journal's tables (or ONLY these): read (with an item count),
    decided. Reads only."""
    a = ctx.aws
    names = {t.name: t.key for t in ctx.project.tables}
    names |= {e["name"]: e["name"] for e in ctx.journal.resources().values()
              if e["kind"] == NAME and e["name"] not in names}
    names = {n: k for n, k in names.items() if only is None or n in only}

    def one(name: str) -> Step | None:
        ddb = a.client("dynamodb")
        s = dynamodb.observe(ddb, name, f"arn:{a.partition}:dynamodb:{a.region}:{a.account_id}:table/{name}")
        count = dynamodb.count_items(ddb, name, s.item_count) if s and ownership.is_ours(s.tags, ctx.project.name) else (0, False)
        return destroy_step(names[name], name, s, count, ctx.project.name, delete_data)

    return plan_each(names, one)
