"""DynamoDB stream mappings in the sandbox (pollers.py's other half): where each mapping
is in its table's stream, and the records in the shape Lambda hands them over.

moto keeps a table's stream records in ``Table.stream_shard.items`` (StreamRecord,
``to_json()``), and clears them only after its own delivery, which pollers.py
switches off: the list only grows, so a mapping's position is an index into it.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from lambdactl.local.delivery import failed_items, invoke, matches


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """moto's stream record as Lambda delivers it (moto says us-east-1, eventVersion 1.0
    and a datetime; Lambda: the table's region, 1.1 and epoch seconds)."""
    d = dict(record["dynamodb"])
    when = d.get("ApproximateCreationDateTime")
    if isinstance(when, datetime):
        d["ApproximateCreationDateTime"] = int(when.timestamp())
    return {"eventID": record["eventID"], "eventName": record["eventName"], "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": region, "dynamodb": d, "eventSourceARN": stream_arn}


class Positions:
    """Each stream mapping's next record (by index into its shard's records), and how
    many times the batch there has failed."""

    def __init__(self) -> None:
        self.at: dict[tuple[str, int], int] = {}
        self.tries: dict[str, int] = {}
        self.size: dict[str, int] = {}   # a bisected batch's size
        self.not_before: dict[str, float] = {}   # a failed batch is retried with backoff

    def start(self, esm: Any, shard: Any) -> tuple[str, int]:
        """The mapping's position in SHARD, set where it starts when first asked."""
        key = (esm.uuid, id(shard))   # a stream turned off and on again is a new shard
        if key not in self.at:
            self.at[key] = 0 if esm.starting_position == "TRIM_HORIZON" else len(shard.items)
        return key

    def poll(self, account: str, region: str, esm: Any) -> None:
        """Deliver what the mapping's stream holds past its position, a batch at a time."""
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends[account][region].tables.get(esm.event_source_arn.split("/")[1])
        shard = getattr(table, "stream_shard", None)
        if shard is None:
            return
        if time.monotonic() < self.not_before.get(esm.uuid, 0.0):
            return
        key = self.start(esm, shard)
        while self.at[key] < len(shard.items):
            if not self.deliver(account, region, esm, key, shard.items):
                return

    def deliver(self, account: str, region: str, esm: Any, key: tuple[str, int], items: list[Any]) -> bool:
        """One batch from the position; -> whether the stream moved on."""
        start = self.at[key]
        size = self.size.get(esm.uuid, esm.batch_size)
        batch = [lambda_record(r.to_json(), esm.event_source_arn, region) for r in items[start:start + size]]
        wanted = [r for r in batch if matches(esm, r)]
        if not wanted:
            self.at[key] = start + len(batch)
            return True
        ok, response = invoke(account, region, esm, {"Records": wanted})
        seqs = [r["dynamodb"]["SequenceNumber"] for r in batch]
        failed = failed_items(esm, ok, response, [r["dynamodb"]["SequenceNumber"] for r in wanted])
        if not failed:
            self.at[key], self.tries[esm.uuid] = start + len(batch), 0
            self.size.pop(esm.uuid, None)
            return True
        first = min(seqs.index(s) for s in failed)
        self.at[key] = start + first     # resume at the first failed record
        tries = self.tries[esm.uuid] = self.tries.get(esm.uuid, 0) + 1
        self.not_before[esm.uuid] = time.monotonic() + min(0.1 * 2 ** tries, 5.0)
        if esm.bisect_on_error and len(batch) - first > 1:
            self.size[esm.uuid] = max(1, (len(batch) - first) // 2)
        retries = esm.max_retry_attempts
        if retries is not None and retries >= 0 and tries > retries:
            self.at[key], self.tries[esm.uuid] = start + len(batch), 0   # given up: Lambda skips it
            self.size.pop(esm.uuid, None)
            return True
        return False
