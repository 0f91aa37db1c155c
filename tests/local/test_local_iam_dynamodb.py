"""IAM enforced for DynamoDB as AWS's service authorization reference names its resources:
a table (by name, or by its ARN, which DynamoDB takes since 2024), an index
(``table/T/index/I``), a stream (``table/T/stream/LABEL``), each table of a batch call,
and "*" for ListTables, ListStreams and DescribeLimits.

Before, a ``TableName`` given as an ARN was checked on ``table/arn:aws:dynamodb:...``
(denied under a policy on the table, allowed under one on ``table/arn*``), streams and
the tagging calls on "*" (denied under a policy on the table). Each test asks both ways.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.local.test_local_iam_arns import allow, run_as

Aws = Callable[[str], Any]
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/"
DENIED = "AccessDeniedException"


def make_table(aws: Aws, name: str, **options: Any) -> str:
    return str(aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        **options)["TableDescription"]["TableArn"])


def item(key: str) -> dict[str, Any]:
    return {"k": {"S": key}, "g": {"S": "x"}}


def test_a_table_named_by_its_arn_is_checked_on_that_table(aws: Aws) -> None:
    tag = uuid.uuid4().hex[:8]
    mine, other = make_table(aws, f"ddb-mine-{tag}"), make_table(aws, f"ddb-other-{tag}")
    statements = [allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchGetItem"], mine)]
    calls = [["put_by_arn", "dynamodb", "put_item", {"TableName": mine, "Item": item("a")}],
             ["put_by_name", "dynamodb", "put_item", {"TableName": f"ddb-mine-{tag}", "Item": item("b")}],
             ["put_other_by_arn", "dynamodb", "put_item", {"TableName": other, "Item": item("a")}],
             ["get_by_arn", "dynamodb", "get_item", {"TableName": mine, "Key": {"k": {"S": "a"}}}],
             ["batch_by_arn", "dynamodb", "batch_get_item", {"RequestItems": {mine: {"Keys": [{"k": {"S": "a"}}]}}}],
             ["batch_both_by_arn", "dynamodb", "batch_get_item", {"RequestItems": {
                 mine: {"Keys": [{"k": {"S": "a"}}]}, other: {"Keys": [{"k": {"S": "a"}}]}}}]]
    assert run_as(aws, statements, calls) == {
        "put_by_arn": "ok", "put_by_name": "ok", "put_other_by_arn": DENIED, "get_by_arn": "ok",
        "batch_by_arn": "ok", "batch_both_by_arn": DENIED}
    assert aws("dynamodb").scan(TableName=other)["Count"] == 0


def test_a_policy_on_table_arn_patterns_does_not_reach_a_table_given_by_arn(aws: Aws) -> None:
    """The other way: checked on ``table/arn:aws:...``, a policy on ``table/arn*`` (which
    names no table AWS can have) allowed a write to any table given by its ARN."""
    other = make_table(aws, f"ddb-any-{uuid.uuid4().hex[:8]}")
    statements = [allow(["dynamodb:PutItem"], f"{TABLE}arn*")]
    calls = [["put", "dynamodb", "put_item", {"TableName": other, "Item": item("a")}]]
    assert run_as(aws, statements, calls) == {"put": DENIED}


def test_an_index_a_stream_and_the_unscoped_calls(aws: Aws) -> None:
    tag = uuid.uuid4().hex[:8]
    spec = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
    mine, other = make_table(aws, f"ddb-s-{tag}", **spec), make_table(aws, f"ddb-t-{tag}", **spec)
    streams = [aws("dynamodb").describe_table(TableName=t)["Table"]["LatestStreamArn"] for t in (mine, other)]
    statements = [allow(["dynamodb:Query"], f"{mine}/index/*"),
                  allow(["dynamodb:DescribeStream", "dynamodb:GetShardIterator"], f"{mine}/stream/*"),
                  allow(["dynamodb:ListTables", "dynamodb:ListStreams", "dynamodb:DescribeLimits"], "*"),
                  allow(["dynamodb:TagResource", "dynamodb:ListTagsOfResource"], mine)]
    query = {"KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "x"}}}
    calls = [["query_index", "dynamodb", "query", {"TableName": mine, "IndexName": "by-g", **query}],
             ["query_table", "dynamodb", "query", {"TableName": mine, "KeyConditionExpression": "k = :g",
                                                   "ExpressionAttributeValues": {":g": {"S": "x"}}}],
             ["query_other_index", "dynamodb", "query", {"TableName": other, "IndexName": "by-g", **query}],
             ["describe_stream", "dynamodbstreams", "describe_stream", {"StreamArn": streams[0]}],
             ["describe_other_stream", "dynamodbstreams", "describe_stream", {"StreamArn": streams[1]}],
             ["list_streams", "dynamodbstreams", "list_streams", {"TableName": mine}],
             ["list_tables", "dynamodb", "list_tables", {}],
             ["describe_limits", "dynamodb", "describe_limits", {}],
             ["tag", "dynamodb", "tag_resource", {"ResourceArn": mine, "Tags": [{"Key": "team", "Value": "a"}]}],
             ["list_tags", "dynamodb", "list_tags_of_resource", {"ResourceArn": mine}],
             ["tag_other", "dynamodb", "tag_resource", {"ResourceArn": other, "Tags": [{"Key": "t", "Value": "a"}]}]]
    assert run_as(aws, statements, calls) == {
        "query_index": "ok", "query_table": DENIED, "query_other_index": DENIED,
        "describe_stream": "ok", "describe_other_stream": DENIED, "list_streams": "ok",
        "list_tables": "ok", "describe_limits": "ok", "tag": "ok", "list_tags": "ok", "tag_other": DENIED}
    assert aws("dynamodb").list_tags_of_resource(ResourceArn=other)["Tags"] == []


def test_a_stream_iterator_and_its_records_are_checked_on_the_stream(aws: Aws) -> None:
    """GetRecords names its stream only inside the iterator (``STREAM_ARN|1|...``)."""
    tag = uuid.uuid4().hex[:8]
    spec = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}
    table = make_table(aws, f"ddb-r-{tag}", **spec)
    stream = aws("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = aws("dynamodbstreams").describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = aws("dynamodbstreams").get_shard_iterator(
        StreamArn=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    read = {"ShardIterator": iterator}
    shard_iterator = {"StreamArn": stream, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}
    calls = [["iterator", "dynamodbstreams", "get_shard_iterator", shard_iterator],
             ["records", "dynamodbstreams", "get_records", read]]
    on_stream = [allow(["dynamodb:GetShardIterator", "dynamodb:GetRecords"], f"{table}/stream/*")]
    on_table = [allow(["dynamodb:GetShardIterator", "dynamodb:GetRecords"], table)]
    assert run_as(aws, on_stream, calls) == {"iterator": "ok", "records": "ok"}
    assert run_as(aws, on_table, calls) == {"iterator": DENIED, "records": DENIED}


def test_a_call_naming_its_table_by_table_arn_is_checked_on_it(aws: Aws) -> None:
    """ExportTableToPointInTime names its table by ``TableArn``: checked on "*" before."""
    tag = uuid.uuid4().hex[:8]
    mine, other = make_table(aws, f"ddb-e-{tag}"), make_table(aws, f"ddb-f-{tag}")
    for table in (mine, other):
        aws("dynamodb").update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    aws("s3").create_bucket(Bucket=f"ddb-export-{tag}")
    export = {"S3Bucket": f"ddb-export-{tag}"}
    calls = [["mine", "dynamodb", "export_table_to_point_in_time", dict(export, TableArn=mine)],
             ["other", "dynamodb", "export_table_to_point_in_time", dict(export, TableArn=other)]]
    answers = run_as(aws, [allow(["dynamodb:ExportTableToPointInTime"], mine)], calls)
    assert answers["other"] == DENIED and answers["mine"] != DENIED, answers
