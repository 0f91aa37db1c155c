"""DynamoDB tables: read one (its settings side by side), create, change settings,
wait until ACTIVE, count items, delete. The decisions live in kinds/table.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.executor import run_parallel
from lambdactl.errors import AwsError

if TYPE_CHECKING:
    from lambdactl.kinds.table import Table

GONE = "ResourceNotFoundException"
# moto 5.2 answers DescribeTimeToLive and DescribeContinuousBackups on a missing table
# with other codes than DynamoDB's ResourceNotFoundException / TableNotFoundException.
ABSENT = (GONE, "TableNotFoundException", "ResourceNotFound")
WAIT_BUDGET = 300.0   # s: a new table is ACTIVE in seconds; a stream or billing change too


@dataclass(frozen=True)
class TableState:
    name: str
    arn: str
    status: str
    keys: tuple[tuple[str, str, str], ...]   # (role HASH/RANGE, attribute, type S/N/B)
    billing: str                              # on_demand | provisioned
    read_capacity: int
    write_capacity: int
    stream: str                               # the view type, "" when off
    stream_arn: str
    ttl: str                                  # the TTL attribute, "" when off
    point_in_time_recovery: bool
    tags: dict[str, str] = field(default_factory=dict)
    item_count: int = 0                       # DescribeTable's estimate (updated every ~6 h)


def key_schema(keys: tuple[tuple[str, str, str], ...]) -> dict[str, list[dict[str, str]]]:
    return {"KeySchema": [{"AttributeName": a, "KeyType": role} for role, a, _ in keys],
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for _, a, t in keys]}


def _gone_is_none(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        if error_code(exc) in ABSENT:
            return None
        raise


def observe(ddb: Any, name: str, arn: str) -> TableState | None:
    """The table NAME (ARN computed: its tags are read with the rest, one round trip)."""
    parts: dict[str, Any] = {}
    calls = {"table": partial(ddb.describe_table, TableName=name),
             "ttl": partial(ddb.describe_time_to_live, TableName=name),
             "backups": partial(ddb.describe_continuous_backups, TableName=name),
             "tags": partial(ddb.list_tags_of_resource, ResourceArn=arn)}
    run_parallel([partial(_gone_is_none, c) for c in calls.values()],
                 [partial(parts.__setitem__, k) for k in calls])
    if parts["table"] is None:
        return None
    return state_of(parts["table"]["Table"], parts["ttl"], parts["backups"], parts["tags"])


def state_of(t: dict[str, Any], ttl: dict[str, Any] | None, backups: dict[str, Any] | None,
             tags: dict[str, Any] | None) -> TableState:
    types = {d["AttributeName"]: d["AttributeType"] for d in t.get("AttributeDefinitions", [])}
    keys = tuple((k["KeyType"], k["AttributeName"], types.get(k["AttributeName"], "?")) for k in t["KeySchema"])
    pt = t.get("ProvisionedThroughput") or {}
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED" if pt.get("ReadCapacityUnits") else "PAY_PER_REQUEST")
    stream = t.get("StreamSpecification") or {}
    ttl_desc = (ttl or {}).get("TimeToLiveDescription") or {}
    pitr = ((backups or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    return TableState(
        t["TableName"], t["TableArn"], t.get("TableStatus", "ACTIVE"), keys,
        "provisioned" if billing == "PROVISIONED" else "on_demand",
        int(pt.get("ReadCapacityUnits") or 0), int(pt.get("WriteCapacityUnits") or 0),
        stream.get("StreamViewType", "") if stream.get("StreamEnabled") else "",
        t.get("LatestStreamArn", "") if stream.get("StreamEnabled") else "",
        ttl_desc.get("AttributeName", "") if ttl_desc.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") else "",
        pitr.get("PointInTimeRecoveryStatus") == "ENABLED",
        {x["Key"]: x["Value"] for x in (tags or {}).get("Tags", [])},
        int(t.get("ItemCount") or 0),
    )


def billing_args(table: Table) -> dict[str, Any]:
    if table.billing == "provisioned":
        return {"BillingMode": "PROVISIONED", "ProvisionedThroughput": {
            "ReadCapacityUnits": table.read_capacity, "WriteCapacityUnits": table.write_capacity}}
    return {"BillingMode": "PAY_PER_REQUEST"}


def stream_args(view: str) -> dict[str, Any]:
    return {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view} if view
            else {"StreamEnabled": False}}


def create(ddb: Any, table: Table, tags: dict[str, str], sleep: Callable[[float], None]) -> dict[str, Any]:
    """CreateTable (tagged at create), then wait until ACTIVE; -> the table's description."""
    args = {"TableName": table.name, **key_schema(table.keys), **billing_args(table),
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    if table.stream:
        args.update(stream_args(table.stream))
    ddb.create_table(**args)
    return wait_active(ddb, table.name, sleep)


def wait_active(ddb: Any, name: str, sleep: Callable[[float], None],
                clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Until ACTIVE: DynamoDB refuses the next change of a CREATING or UPDATING table
    (ResourceInUseException)."""
    deadline, delay = clock() + WAIT_BUDGET, 0.1
    while True:
        t = ddb.describe_table(TableName=name)["Table"]
        if t.get("TableStatus", "ACTIVE") == "ACTIVE":
            return dict(t)
        if clock() > deadline:
            raise AwsError(f"table {name} is still {t.get('TableStatus')} after {WAIT_BUDGET:.0f} s",
                           "run the command again later")
        sleep(delay)
        delay = min(delay * 2, 2.0)


def change(ddb: Any, table: Table, have: TableState, fields: tuple[str, ...],
           sleep: Callable[[float], None]) -> dict[str, Any] | None:
    """Make each changed setting, waiting for ACTIVE between table updates (UpdateTable
    takes one of billing or stream at a time); -> the last description, if any."""
    desc = None
    if "billing" in fields:
        ddb.update_table(TableName=table.name, **billing_args(table))
        desc = wait_active(ddb, table.name, sleep)
    if "stream" in fields:
        if have.stream:  # a view type cannot be changed in place: off, then on again
            ddb.update_table(TableName=table.name, **stream_args(""))
            desc = wait_active(ddb, table.name, sleep)
        if table.stream:
            ddb.update_table(TableName=table.name, **stream_args(table.stream))
            desc = wait_active(ddb, table.name, sleep)
    set_extras(ddb, table, fields, have.ttl)
    return desc


def set_extras(ddb: Any, table: Table, fields: tuple[str, ...], old_ttl: str = "") -> None:
    """TTL and point-in-time recovery: their own calls, not UpdateTable's."""
    if "ttl" in fields:  # on or off: another attribute is refused by the plan (one change an hour)
        ddb.update_time_to_live(TableName=table.name, TimeToLiveSpecification={
            "Enabled": bool(table.ttl), "AttributeName": table.ttl or old_ttl})
    if "point_in_time_recovery" in fields:
        ddb.update_continuous_backups(TableName=table.name, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": table.point_in_time_recovery})


def count_items(ddb: Any, name: str, estimate: int, page: int = 100) -> tuple[int, bool]:
    """How many items NAME holds: DescribeTable's estimate (hours old) and one Scan
    page, whichever says more; -> (count, at_least: the scan stopped at its limit)."""
    resp = ddb.scan(TableName=name, Select="COUNT", Limit=page)
    scanned = int(resp.get("Count", 0))
    return max(estimate, scanned), bool(resp.get("LastEvaluatedKey")) and estimate <= scanned


def delete(ddb: Any, name: str) -> bool:
    return deleted(lambda: ddb.delete_table(TableName=name), GONE)
