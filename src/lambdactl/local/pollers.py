"""Lambda's pollers in the sandbox: event-source mappings for SQS queues and DynamoDB
streams, with Lambda's batch semantics.

moto 5.2 delivers inside the request that sends (SendMessage, PutItem): one SQS
message per invoke, ReportBatchItemFailures ignored, a stream's records re-sent
until an invoke answers. ``install()`` takes that over: right after
CreateEventSourceMapping its registration on the queue or table is removed
(``Queue.lambda_event_source_mappings`` / ``Table.lambda_event_source_mappings``,
so moto's own delivery never runs), and each mapping in
``LambdaBackend._event_source_mappings`` gets a poller thread of its own, as
Lambda's mappings are independent:

- SQS: batches of up to BatchSize, waiting up to MaximumBatchingWindowInSeconds
  to fill one; the real record shape; a function error leaves the whole batch,
  a response with ``batchItemFailures`` (under ReportBatchItemFailures) only
  those messages, for redelivery once the visibility timeout has passed; SQS's
  redrive (moto's ReceiveMessage) moves a message past maxReceiveCount to the DLQ.
  Filtered-out messages are deleted, as Lambda does. A mapping's batches run side
  by side, never more at once than its ScalingConfig's MaximumConcurrency.
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
DEFAULT_CONCURRENCY = 5    # an SQS mapping's batches at once without MaximumConcurrency
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
    """Gives every enabled mapping of the sandbox a worker of its own (a thread, see
    Worker), started when the mapping appears, stopped when it is deleted or disabled."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambdactl-pollers", daemon=True)
        self.workers: dict[str, Worker] = {}
        self.streams = stream_records.Positions()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in list(self.workers.values()):
            worker.halted.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.supervise()

    def supervise(self) -> None:
        """A worker for each enabled mapping, none for the others."""
        live = set()
        for account, region, esm in mappings():
            live.add(esm.uuid)
            if esm.uuid not in self.workers:
                self.workers[esm.uuid] = Worker(self, account, region, esm)
        for uuid in set(self.workers) - live:
            self.workers.pop(uuid).halted.set()


def concurrency(esm: Any) -> int:
    """How many batches of an SQS mapping may run at once: ScalingConfig's
    MaximumConcurrency (2-1000). Without one Lambda starts 5 pollers and scales up;
    the sandbox stays at 5 (each batch in flight is an environment, a process)."""
    cap = (esm.scaling_config or {}).get("MaximumConcurrency")
    return int(cap) if cap else DEFAULT_CONCURRENCY


class Worker:
    """One mapping's poller, in its own thread: a slow handler behind one queue or stream
    delays no other mapping. An SQS mapping's batches run side by side, each in a thread
    of its own, never more at once than concurrency(); a stream's one at a time, in order."""

    def __init__(self, poller: Poller, account: str, region: str, esm: Any) -> None:
        self.poller, self.account, self.region, self.esm = poller, account, region, esm
        self.halted = threading.Event()
        self.running = 0                        # SQS batches in flight
        self.first_seen: float | None = None    # when a partial batch was first seen
        self._lock = threading.Lock()
        threading.Thread(target=self._run, name=f"lambdactl-poller-{esm.uuid[:8]}", daemon=True).start()

    def _run(self) -> None:
        while not self.halted.wait(self.poller.interval):
            try:
                if ":sqs:" in self.esm.event_source_arn:
                    self.fill()
                else:
                    self.poller.streams.poll(self.account, self.region, self.esm)
            except Exception:  # noqa: BLE001 - the mapping's trouble must not stop its polling
                log.exception("event-source mapping %s", self.esm.uuid)

    def fill(self) -> None:
        """Start batches while the mapping has room for one and its queue has one due."""
        while not self.halted.is_set() and self._slot(+1):
            messages = self.receive()
            if not messages:
                self._slot(-1)
                return
            threading.Thread(target=self._deliver, args=(messages,), daemon=True).start()

    def _slot(self, change: int) -> bool:
        """Take (+1) a slot if one is free, or give one back (-1)."""
        with self._lock:
            if change > 0 and self.running >= concurrency(self.esm):
                return False
            self.running += change
            return True

    def receive(self) -> list[Any]:
        """One batch from the mapping's queue, if one is due (full, or its batching window
        over); its messages stay invisible for the queue's visibility timeout."""
        from moto.sqs.models import sqs_backends

        esm, backend = self.esm, sqs_backends[self.account][self.region]
        name = esm.event_source_arn.rsplit(":", 1)[1]
        queue: Any = backend.queues.get(name)
        visible = len(queue.messages) if queue is not None else 0
        if not visible:
            self.first_seen = None
            return []
        since = self.first_seen = self.first_seen or time.monotonic()
        if visible < esm.batch_size and time.monotonic() - since < float(esm.max_batch_window or 0):
            return []   # the batching window is still open
        self.first_seen = None
        return list(backend.receive_message(name, min(esm.batch_size, 10000), 0, int(queue.visibility_timeout)))

    def _deliver(self, messages: list[Any]) -> None:
        try:
            deliver(self.account, self.region, self.esm, messages)
        except Exception:  # noqa: BLE001 - logged; the messages reappear after their visibility timeout
            log.exception("event-source mapping %s", self.esm.uuid)
        finally:
            self._slot(-1)


def deliver(account: str, region: str, esm: Any, messages: list[Any]) -> None:
    """Hand MESSAGES to the function as one batch; delete what succeeded or was filtered
    out, leave the failed to reappear after their visibility timeout."""
    from moto.sqs.models import sqs_backends

    name = esm.event_source_arn.rsplit(":", 1)[1]
    records = [sqs_record(m, esm.event_source_arn, region) for m in messages]
    wanted = [r for r in records if matches(esm, r)]
    failed: set[str] = set()
    if wanted:
        ok, response = invoke(account, region, esm, {"Records": wanted})
        failed = failed_items(esm, ok, response, [r["messageId"] for r in wanted])
    for m in messages:
        if m.id not in failed:
            sqs_backends[account][region].delete_message(name, m.receipt_handle)


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
