"""Event-source mappings in the sandbox (local/pollers.py): SQS batches with partial
batch failures and the DLQ, DynamoDB stream records in order, and a contract test on
the moto internals the pollers patch and read."""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdactl.iam import TRUST_POLICY


def test_moto_internals_the_pollers_use() -> None:
    """If a moto upgrade changes these, the sandbox's queues and streams break: fail here."""
    from moto.awslambda.models import LambdaBackend, lambda_backends
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import StreamShard
    from moto.events.models import EventPattern
    from moto.sqs.models import Message, Queue, SQSBackend, sqs_backends

    assert "send_sqs_batch" in inspect.getsource(Queue.add_message)        # moto's own delivery, switched off
    assert "send_dynamodb_items" in inspect.getsource(StreamShard.add)
    assert list(inspect.signature(SQSBackend.receive_message).parameters)[:5] == [
        "self", "queue_name", "count", "wait_seconds_timeout", "visibility_timeout"]
    assert list(inspect.signature(LambdaBackend.create_event_source_mapping).parameters) == ["self", "spec"]
    m = Message("id", "body")
    for attr in ("id", "receipt_handle", "body", "body_md5", "sent_timestamp", "approximate_receive_count",
                 "approximate_first_receive_timestamp", "sender_id", "message_attributes", "group_id",
                 "deduplication_id", "sequence_number"):
        assert hasattr(m, attr), attr
    assert EventPattern.load('{"body": {"a": [1]}}').matches_event({"body": {"a": 1}})  # type: ignore[arg-type]
    with mock_aws():
        c = {s: boto3.client(s, region_name="us-east-1") for s in ("sqs", "lambda", "iam", "dynamodb")}
        role = c["iam"].create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        c["lambda"].create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="a.b",
                                    Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
        url = c["sqs"].create_queue(QueueName="q")["QueueUrl"]
        arn = c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        c["dynamodb"].create_table(TableName="t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                                   AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                                   BillingMode="PAY_PER_REQUEST",
                                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        stream = c["dynamodb"].describe_table(TableName="t")["Table"]["LatestStreamArn"]
        for source in (arn, stream):
            uuid = c["lambda"].create_event_source_mapping(FunctionName="f", EventSourceArn=source)["UUID"]
            assert lambda_backends["123456789012"]["us-east-1"]._event_source_mappings[uuid].uuid == uuid
        queue = sqs_backends["123456789012"]["us-east-1"].queues["q"]
        table = dynamodb_backends["123456789012"]["us-east-1"].tables["t"]
        assert [type(x).__name__ for x in queue.lambda_event_source_mappings.values()] == ["EventSourceMapping"]
        assert [type(x).__name__ for x in table.lambda_event_source_mappings.values()] == ["EventSourceMapping"]
        assert isinstance(table.stream_shard.items, list) and queue.visibility_timeout == 30


def make_queue(aws: Callable[[str], Any], name: str, **attrs: str) -> tuple[str, str]:
    url = aws("sqs").create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    return url, aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def batches(aws: Callable[[str], Any], fn: str, prefix: str) -> list[Any]:
    try:
        events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
    except aws("logs").exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"].split(prefix, 1)[1]) for e in events if e["message"].startswith(prefix)]


def wait(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_partial_batch_failures_redeliver_exactly_those_then_dead_letter(
        aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    """The issue's "Done when": 10 messages, the handler fails 3, exactly those 3 are
    redelivered, then dead-lettered after maxReceiveCount (2)."""
    dlq_url, dlq_arn = make_queue(aws, "pb-dlq")
    url, arn = make_queue(aws, "pb-jobs", VisibilityTimeout="1",
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    fn = make_function("batches.partial", files=("batches.py",), Timeout=1)
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=10,
                                              MaximumBatchingWindowInSeconds=1,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    failing = {3, 5, 8}
    aws("sqs").send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": json.dumps({"n": i, "fail": i in failing})} for i in range(10)])

    def dead() -> list[int]:
        got = aws("sqs").receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        return sorted(json.loads(m["Body"])["n"] for m in got.get("Messages", []))

    lettered: list[int] = []
    wait(lambda: bool(lettered.extend(dead()) or len(lettered) == 3))
    seen = batches(aws, fn, "batch ")
    first, *rest = seen
    assert len(first) == 10 and {r[1] for r in first} == {"1"}       # one batch of 10, first receive
    again = [(json.loads(body)["n"], count) for batch in rest for body, count in batch]
    assert sorted(again) == [(3, "2"), (5, "2"), (8, "2")]             # exactly the 3 failed, once more
    assert sorted(lettered) == sorted(failing)
    time.sleep(1.5)   # past another visibility timeout: nothing more arrives
    assert len(batches(aws, fn, "batch ")) == len(seen)
    attrs = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_sqs_record_shape_and_batch_size(aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    url, arn = make_queue(aws, "shape-jobs")
    fn = make_function("batches.partial", files=("batches.py",), Timeout=1)
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=3,
                                              MaximumBatchingWindowInSeconds=1)
    aws("sqs").send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": json.dumps({"n": i})}
                                                         for i in range(7)])
    wait(lambda: sum(len(b) for b in batches(aws, fn, "batch ")) == 7)
    assert sorted(len(b) for b in batches(aws, fn, "batch ")) == [1, 3, 3]
    assert aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_stream_records_arrive_in_order_with_lambdas_shape(aws: Callable[[str], Any],
                                                           make_function: Callable[..., str]) -> None:
    ddb = aws("dynamodb")
    ddb.create_table(TableName="ordered", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream = ddb.describe_table(TableName="ordered")["Table"]["LatestStreamArn"]
    ddb.put_item(TableName="ordered", Item={"k": {"S": "before"}})   # TRIM_HORIZON: delivered too
    fn = make_function("batches.stream", files=("batches.py",))
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=stream, StartingPosition="TRIM_HORIZON",
                                              BatchSize=2)
    for i in range(4):
        ddb.put_item(TableName="ordered", Item={"k": {"S": f"k{i}"}, "v": {"N": str(i)}})
    ddb.put_item(TableName="ordered", Item={"k": {"S": "k1"}, "v": {"N": "10"}})
    ddb.delete_item(TableName="ordered", Key={"k": {"S": "k2"}})
    wait(lambda: sum(len(b) for b in batches(aws, fn, "records ")) == 7)
    got = batches(aws, fn, "records ")
    assert max(len(b) for b in got) <= 2
    records = [r for b in got for r in b]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["k"]["S"]) for r in records] == [
        ("INSERT", "before"), ("INSERT", "k0"), ("INSERT", "k1"), ("INSERT", "k2"), ("INSERT", "k3"),
        ("MODIFY", "k1"), ("REMOVE", "k2")]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs)
    modify = records[5]
    assert (modify["eventSource"], modify["eventSourceARN"], modify["awsRegion"]) == ("aws:dynamodb", stream, "us-east-1")
    assert modify["dynamodb"]["OldImage"]["v"] == {"N": "1"} and modify["dynamodb"]["NewImage"]["v"] == {"N": "10"}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(modify["dynamodb"]["ApproximateCreationDateTime"], int)


@pytest.mark.parametrize("retries", [1])
def test_a_failing_stream_batch_is_retried_then_skipped(aws: Callable[[str], Any], make_function: Callable[..., str],
                                                        retries: int) -> None:
    ddb = aws("dynamodb")
    ddb.create_table(TableName="crashing", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    stream = ddb.describe_table(TableName="crashing")["Table"]["LatestStreamArn"]
    fn = make_function("batches.crash", files=("batches.py",))
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=stream, StartingPosition="LATEST",
                                              BatchSize=10, MaximumRetryAttempts=retries)
    ddb.put_item(TableName="crashing", Item={"k": {"S": "a"}})
    wait(lambda: len(batches(aws, fn, "crash ")) == 1 + retries)
    time.sleep(1.0)
    assert len(batches(aws, fn, "crash ")) == 1 + retries   # given up: no more attempts


def spans(aws: Callable[[str], Any], fn: str) -> dict[str, tuple[float, float]]:
    return {name: (start, end) for name, start, end in batches(aws, fn, "span ")}


def test_a_slow_handler_on_one_queue_does_not_delay_another_queues_messages(
        aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    """Each mapping polls on its own: while `slow` works on queue A's message for 4 s,
    queue B's message reaches `fast` and is done (one poller for all waited for A)."""
    slow = make_function("batches.timed", files=("batches.py",), Timeout=10)
    fast = make_function("batches.timed", files=("batches.py",), Timeout=10)
    urls = {}
    for fn, name in ((slow, "indep-a"), (fast, "indep-b")):
        urls[name], arn = make_queue(aws, name, VisibilityTimeout="30")
        aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=1)
    aws("sqs").send_message(QueueUrl=urls["indep-a"], MessageBody=json.dumps({"name": "a", "sleep": 4}))
    wait(lambda: batches(aws, slow, "start ") == ["a"])   # A's handler is at work
    aws("sqs").send_message(QueueUrl=urls["indep-b"], MessageBody=json.dumps({"name": "b"}))
    wait(lambda: "b" in spans(aws, fast) and "a" in spans(aws, slow))
    assert spans(aws, fast)["b"][1] < spans(aws, slow)["a"][1]


def test_maximum_concurrency_caps_a_mappings_batches_in_flight(
        aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    """ScalingConfig MaximumConcurrency = 2: six one-message batches of 1 s each run two
    at a time, never three (the handler's own clock says when each ran)."""
    fn = make_function("batches.timed", files=("batches.py",), Timeout=10)
    url, arn = make_queue(aws, "capped", VisibilityTimeout="30")
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=1,
                                              ScalingConfig={"MaximumConcurrency": 2})
    aws("sqs").send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": json.dumps({"name": str(i), "sleep": 1})} for i in range(6)])
    wait(lambda: len(spans(aws, fn)) == 6, timeout=40)
    ran = list(spans(aws, fn).values())
    overlap = max(sum(1 for s, e in ran if s <= start < e) for start, _ in ran)
    assert overlap == 2



def test_a_fifo_groups_messages_stay_in_order_one_batch_at_a_time(
        aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    """Batches of one mapping run side by side, but not within a FIFO message group (SQS
    holds a group back while a batch of it is in flight): in order, never overlapping;
    another group runs beside it."""
    fn = make_function("batches.timed", files=("batches.py",), Timeout=10)
    url, arn = make_queue(aws, "ordered.fifo", FifoQueue="true", VisibilityTimeout="30")
    aws("lambda").create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, BatchSize=1)
    aws("sqs").send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"{g}{i}", "MessageBody": json.dumps({"name": f"{g}{i}", "sleep": 0.3}), "MessageGroupId": g,
         "MessageDeduplicationId": f"{g}{i}"} for i in range(4) for g in "ab"])
    wait(lambda: len(spans(aws, fn)) == 8, timeout=40)
    ran = spans(aws, fn)
    for g in "ab":
        group = [ran[f"{g}{i}"] for i in range(4)]
        assert all(end <= nxt for (_, end), (nxt, _) in zip(group, group[1:])), group   # in order, one at a time
