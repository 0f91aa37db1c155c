"""Handlers under policies conditioned on the service keys (local/servicekeys.py), in the
sandbox with the Condition engine: allowed and denied as AWS decides them.

Each test fails before servicekeys.keys gave the keys (the key absent: a StringLike on
s3:prefix never held, a Deny on s3:x-amz-acl never applied)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.local.test_local_iam_arns import allow, run_as

Aws = Callable[[str], Any]
DENIED = "AccessDeniedException"


def when(statement: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    return dict(statement, Condition=condition)


def test_s3_prefix_acl_and_object_tags(aws: Aws) -> None:
    bucket = f"keys-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="blue", Body=b"x", Tagging="team=blue")
    aws("s3").put_object(Bucket=bucket, Key="red", Body=b"x", Tagging="team=red")
    objects = f"arn:aws:s3:::{bucket}/*"
    statements = [
        when(allow(["s3:ListBucket"], f"arn:aws:s3:::{bucket}"), {"StringLike": {"s3:prefix": ["public/*"]}}),
        allow(["s3:PutObject"], objects),
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": objects,
         "Condition": {"StringEquals": {"s3:x-amz-acl": ["public-read", "public-read-write"]}}},
        when(allow(["s3:GetObject"], objects), {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}}),
    ]
    calls = [["list_public", "s3", "list_objects_v2", {"Bucket": bucket, "Prefix": "public/a"}],
             ["list_private", "s3", "list_objects_v2", {"Bucket": bucket, "Prefix": "private/"}],
             ["list_all", "s3", "list_objects_v2", {"Bucket": bucket}],
             ["put_private", "s3", "put_object", {"Bucket": bucket, "Key": "a", "Body": "x", "ACL": "private"}],
             ["put_plain", "s3", "put_object", {"Bucket": bucket, "Key": "b", "Body": "x"}],
             ["put_public", "s3", "put_object", {"Bucket": bucket, "Key": "c", "Body": "x", "ACL": "public-read"}],
             ["get_blue", "s3", "get_object", {"Bucket": bucket, "Key": "blue"}],
             ["get_red", "s3", "get_object", {"Bucket": bucket, "Key": "red"}]]
    assert run_as(aws, statements, calls) == {
        "list_public": "ok", "list_private": "AccessDenied", "list_all": "AccessDenied",
        "put_private": "ok", "put_plain": "ok", "put_public": "AccessDenied",
        "get_blue": "ok", "get_red": "AccessDenied"}
    assert "c" not in [o["Key"] for o in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_dynamodb_leading_keys_are_the_callers_own(aws: Aws) -> None:
    """AWS's fine-grained access example: items whose partition key is the caller's
    ``${aws:userid}``; a Scan carries no leading keys, so ForAllValues holds for it
    (AWS's own warning: deny Scan apart)."""
    table = f"keys-{uuid.uuid4().hex[:8]}"
    arn = aws("dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])["TableDescription"]["TableArn"]
    statements = [when(allow(["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchWriteItem", "dynamodb:Scan"], arn),
                       {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}})]
    mine, other = {"k": {"S": "{userid}"}}, {"k": {"S": "someone-else"}}
    calls = [["put_mine", "dynamodb", "put_item", {"TableName": table, "Item": mine}],
             ["get_mine", "dynamodb", "get_item", {"TableName": table, "Key": mine}],
             ["put_other", "dynamodb", "put_item", {"TableName": table, "Item": other}],
             ["batch_both", "dynamodb", "batch_write_item", {"RequestItems": {table: [
                 {"PutRequest": {"Item": mine}}, {"PutRequest": {"Item": other}}]}}],
             ["scan", "dynamodb", "scan", {"TableName": table}]]
    assert run_as(aws, statements, calls) == {
        "put_mine": "ok", "get_mine": "ok", "put_other": DENIED, "batch_both": DENIED, "scan": "ok"}
    assert [i["k"]["S"] for i in aws("dynamodb").scan(TableName=table)["Items"]] != ["someone-else"]


def test_resource_and_request_tags(aws: Aws) -> None:
    tag = uuid.uuid4().hex[:8]
    blue = aws("sqs").create_queue(QueueName=f"blue-{tag}", tags={"team": "blue"})["QueueUrl"]
    red = aws("sqs").create_queue(QueueName=f"red-{tag}", tags={"team": "red"})["QueueUrl"]
    statements = [when(allow(["sqs:SendMessage"], "*"), {"StringEquals": {"aws:ResourceTag/team": "blue"}}),
                  when(allow(["sqs:CreateQueue"], "*"), {"StringEquals": {"aws:RequestTag/team": "blue"},
                                                         "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})]
    calls = [["send_blue", "sqs", "send_message", {"QueueUrl": blue, "MessageBody": "m"}],
             ["send_red", "sqs", "send_message", {"QueueUrl": red, "MessageBody": "m"}],
             ["create_blue", "sqs", "create_queue", {"QueueName": f"new-blue-{tag}", "tags": {"team": "blue"}}],
             ["create_red", "sqs", "create_queue", {"QueueName": f"new-red-{tag}", "tags": {"team": "red"}}],
             ["create_extra", "sqs", "create_queue", {"QueueName": f"new-x-{tag}", "tags": {"team": "blue", "x": "1"}}],
             ["create_untagged", "sqs", "create_queue", {"QueueName": f"new-u-{tag}"}]]
    answers = {k: "denied" if v.startswith("AccessDenied") else v for k, v in run_as(aws, statements, calls).items()}
    assert answers == {"send_blue": "ok", "send_red": "denied", "create_blue": "ok", "create_red": "denied",
                       "create_extra": "denied", "create_untagged": "denied"}
    made = [q.rsplit("/", 1)[-1] for q in aws("sqs").list_queues(QueueNamePrefix="new-")["QueueUrls"] if tag in q]
    assert made == [f"new-blue-{tag}"]
