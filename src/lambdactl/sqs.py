"""SQS queues: read one (attributes and tags side by side), create, change attributes,
count messages, delete, send. The decisions live in kinds/queue.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.executor import run_parallel

if TYPE_CHECKING:
    from lambdactl.kinds.queue import Queue

# The JSON protocol (botocore >= 1.31) and the query protocol name a missing queue differently.
GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
DEFAULT_VISIBILITY = 30        # s, SQS's default
DEFAULT_RETENTION = 345600     # s (4 days), SQS's default


def url(region: str, account_id: str, name: str) -> str:
    """A queue's URL, computed: SQS takes it in this form everywhere (moto too)."""
    return f"https://sqs.{region}.amazonaws.com/{account_id}/{name}"


def arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:sqs:{region}:{account_id}:{name}"


@dataclass(frozen=True)
class QueueState:
    name: str
    arn: str
    fifo: bool
    visibility_timeout: int
    retention: int
    redrive: tuple[str, int] | None        # (dead-letter queue ARN, maxReceiveCount)
    tags: dict[str, str] = field(default_factory=dict)
    messages: int = 0                      # ApproximateNumberOfMessages (+ in flight, delayed)


def _gone_is_none(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:
        if error_code(exc) in GONE:
            return None
        raise


def observe(sqs: Any, queue_url: str) -> QueueState | None:
    """The queue at QUEUE_URL (computed: no GetQueueUrl first), one round trip."""
    parts: dict[str, Any] = {}
    calls = {"attrs": partial(sqs.get_queue_attributes, QueueUrl=queue_url, AttributeNames=["All"]),
             "tags": partial(sqs.list_queue_tags, QueueUrl=queue_url)}
    run_parallel([partial(_gone_is_none, c) for c in calls.values()], [partial(parts.__setitem__, k) for k in calls])
    if parts["attrs"] is None:
        return None
    return state_of(queue_url.rsplit("/", 1)[-1], parts["attrs"].get("Attributes", {}), (parts["tags"] or {}).get("Tags"))


def state_of(name: str, a: dict[str, str], tags: dict[str, str] | None) -> QueueState:
    redrive = json.loads(a["RedrivePolicy"]) if a.get("RedrivePolicy") else None
    counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")
    return QueueState(
        name, a.get("QueueArn", ""), a.get("FifoQueue") == "true",
        int(a.get("VisibilityTimeout", DEFAULT_VISIBILITY)), int(a.get("MessageRetentionPeriod", DEFAULT_RETENTION)),
        (redrive["deadLetterTargetArn"], int(redrive["maxReceiveCount"])) if redrive else None,
        dict(tags or {}), sum(int(a.get(c, 0)) for c in counts))


def attributes(q: Queue, dlq_arn: str | None) -> dict[str, str]:
    """The attributes lambdactl sets (FifoQueue only at create: SQS cannot change it)."""
    out = {"VisibilityTimeout": str(q.visibility_timeout), "MessageRetentionPeriod": str(q.retention),
           "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": q.max_receive_count})
           if dlq_arn else ""}
    return out


def create(sqs: Any, q: Queue, dlq_arn: str | None, tags: dict[str, str]) -> str:
    """CreateQueue, tagged at create; -> its URL."""
    attrs = {k: v for k, v in attributes(q, dlq_arn).items() if v}
    if q.fifo:
        attrs["FifoQueue"] = "true"
    return str(sqs.create_queue(QueueName=q.name, Attributes=attrs, tags=tags)["QueueUrl"])


def change(sqs: Any, queue_url: str, q: Queue, dlq_arn: str | None, fields: tuple[str, ...]) -> None:
    names = {"visibility_timeout": "VisibilityTimeout", "retention": "MessageRetentionPeriod", "dlq": "RedrivePolicy"}
    attrs = attributes(q, dlq_arn)
    # An empty RedrivePolicy removes it (SQS's documented way to detach a DLQ).
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={names[f]: attrs[names[f]] for f in fields})


def delete(sqs: Any, queue_url: str) -> bool:
    return deleted(lambda: sqs.delete_queue(QueueUrl=queue_url), *GONE)


def send(sqs: Any, queue_url: str, bodies: list[str], group_id: str | None, fifo: bool) -> list[str]:
    """Send BODIES in batches of 10 (SendMessageBatch's limit); -> the message ids.
    A FIFO queue needs a group id, and a deduplication id unless content-based."""
    import uuid

    ids: list[str] = []
    for start in range(0, len(bodies), 10):
        entries = []
        for i, body in enumerate(bodies[start:start + 10]):
            e: dict[str, Any] = {"Id": str(start + i), "MessageBody": body}
            if fifo:
                e |= {"MessageGroupId": group_id or "default", "MessageDeduplicationId": uuid.uuid4().hex}
            elif group_id:
                e["MessageGroupId"] = group_id   # fair queues (2025) take a group id on standard queues
            entries.append(e)
        resp = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if resp.get("Failed"):
            from lambdactl.errors import AwsError

            f = resp["Failed"][0]
            raise AwsError(f"SQS refused message {int(f['Id']) + 1}: {f.get('Message') or f.get('Code')}")
        ids += [s["MessageId"] for s in sorted(resp.get("Successful", []), key=lambda s: int(s["Id"]))]
    return ids
