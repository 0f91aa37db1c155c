"""Lambda's pollers in the sandbox: event-source mappings for SQS queues and DynamoDB
streams, with Lambda's batch semantics.

moto 5.2 delivers inside the request that sends (SendMessage, PutItem): one SQS
message per invoke, ReportBatchItemFailures ignored, a stream's records re-sent
until an invoke answers. ``install()`` takes that over: right after
CreateEventSourceMapping its registration on the queue or table is removed
(``Queue.lambda_event_source_mappings`` / ``Table.lambda_event_source_mappings``,
so moto's own delivery never runs), and a thread polls each mapping in
``LambdaBackend._event_source_mappings`` as Lambda does:

- SQS: batches of up to BatchSize, waiting up to MaximumBatchingWindowInSeconds
  to fill one; the real record shape; a function error leaves the whole batch,
  a response with ``batchItemFailures`` (under ReportBatchItemFailures) only
  those messages, for redelivery once the visibility timeout has passed; SQS's
  redrive (moto's ReceiveMessage) moves a message past maxReceiveCount to the DLQ.
  Filtered-out messages are deleted, as Lambda does.
- DynamoDB streams: records in order from LATEST or TRIM_HORIZON, in batches of
  up to BatchSize; a failed batch is retried (halved under
  BisectBatchOnFunctionError) up to MaximumRetryAttempts, then skipped; under
  ReportBatchItemFailures the stream resumes at the first failed record.

tests/local/test_local_pollers.py guards the moto internals named here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from lambdactl.local import stream_records
from lambdactl.local.delivery import failed_items, invoke, matches

log = logging.getLogger("lambdactl.sandbox")
INTERVAL = 0.05            # s between polls: a sent message reaches the function this fast
_originals: dict[str, Any] = {}
_poller: Poller | None = None


def install() -> Poller:
    """Take moto's delivery over (see the module's text) and start polling."""
    global _poller
    from moto.awslambda.models import LambdaBackend

    if "create" not in _originals:
        _originals["create"] = LambdaBackend.create_event_source_mapping
        LambdaBackend.create_event_source_mapping = _unregistered  # type: ignore[method-assign]
    if _poller is None:
        _poller = Poller()
        _poller.start()
    return _poller


def uninstall() -> None:
    global _poller
    from moto.awslambda.models import LambdaBackend

    if "create" in _originals:
        LambdaBackend.create_event_source_mapping = _originals.pop("create")  # type: ignore[method-assign]
    if _poller is not None:
        _poller.stop()
        _poller = None


def _unregistered(self: Any, spec: dict[str, Any]) -> Any:
    """moto's CreateEventSourceMapping, minus its registration on the queue or table."""
    esm = _originals["create"](self, spec)
    for owner in registrations(self.account_id, self.region_name):
        for key in [k for k, v in owner.lambda_event_source_mappings.items() if v is esm]:
            del owner.lambda_event_source_mappings[key]
            if _poller is not None and getattr(owner, "stream_shard", None) is not None:
                _poller.streams.start(esm, owner.stream_shard)   # LATEST: from now on
    return esm


def registrations(account: str, region: str) -> Iterator[Any]:
    """The queues and tables of ACCOUNT/REGION: where moto registers a mapping."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import sqs_backends

    yield from list(sqs_backends[account][region].queues.values())
    yield from list(dynamodb_backends[account][region].tables.values())


def mappings() -> Iterator[tuple[str, str, Any]]:
    """(account, region, mapping) of every enabled event-source mapping."""
    from moto.awslambda.models import lambda_backends

    for account, regions in list(lambda_backends.items()):
        for region, backend in list(regions.items()):
            for esm in list(backend._event_source_mappings.values()):
                if esm.enabled:
                    yield account, region, esm


class Poller:
    """One thread for every mapping of the sandbox (a function's batches run one at a time)."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambdactl-pollers", daemon=True)
        self.first_seen: dict[str, float] = {}     # SQS mapping -> when a partial batch was first seen
        self.streams = stream_records.Positions()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for account, region, esm in mappings():
                try:
                    if ":sqs:" in esm.event_source_arn:
                        while self.poll_queue(account, region, esm):
                            pass
                    else:
                        self.streams.poll(account, region, esm)
                except Exception:  # noqa: BLE001 - one mapping's trouble must not stop the others
                    log.exception("event-source mapping %s", esm.uuid)

    def poll_queue(self, account: str, region: str, esm: Any) -> bool:
        """One batch from the mapping's queue, if one is due; -> whether one was delivered."""
        from moto.sqs.models import sqs_backends

        backend: Any = sqs_backends[account][region]
        name = esm.event_source_arn.rsplit(":", 1)[1]
        queue: Any = backend.queues.get(name)
        if queue is None:
            return False
        visible = len(queue.messages)
        if not visible:
            self.first_seen.pop(esm.uuid, None)
            return False
        since = self.first_seen.setdefault(esm.uuid, time.monotonic())
        if visible < esm.batch_size and time.monotonic() - since < float(esm.max_batch_window or 0):
            return False   # the batching window is still open
        self.first_seen.pop(esm.uuid, None)
        messages = backend.receive_message(name, min(esm.batch_size, 10000), 0, int(queue.visibility_timeout))
        if not messages:
            return False
        records = [sqs_record(m, esm.event_source_arn, region) for m in messages]
        wanted = [r for r in records if matches(esm, r)]
        failed: set[str] = set()
        if wanted:
            ok, response = invoke(account, region, esm, {"Records": wanted})
            failed = failed_items(esm, ok, response, [r["messageId"] for r in wanted])
        for m in messages:   # what succeeded or was filtered out goes; the failed reappear later
            if m.id not in failed:
                backend.delete_message(name, m.receipt_handle)
        return not failed


def sqs_record(m: Any, queue_arn: str, region: str) -> dict[str, Any]:
    """A message as Lambda hands it to the function."""
    attributes = {"ApproximateReceiveCount": str(m.approximate_receive_count), "SentTimestamp": str(m.sent_timestamp),
                  "SenderId": str(m.sender_id), "ApproximateFirstReceiveTimestamp": str(m.approximate_first_receive_timestamp)}
    if m.group_id:
        attributes |= {"MessageGroupId": m.group_id, "MessageDeduplicationId": str(m.deduplication_id),
                       "SequenceNumber": str(m.sequence_number)}
    return {
        "messageId": m.id, "receiptHandle": m.receipt_handle, "body": m.body, "attributes": attributes,
        "messageAttributes": {k: {"stringValue": v.get("StringValue"), "binaryValue": v.get("BinaryValue"),
                                  "stringListValues": [], "binaryListValues": [], "dataType": v.get("DataType")}
                              for k, v in (m.message_attributes or {}).items()},
        "md5OfBody": m.body_md5, "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    }
