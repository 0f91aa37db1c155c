"""The service condition keys (local/servicekeys.py) of real boto3 calls, computed on
moto's own request object in process, at the point the sandbox authorizes a call: each
(action, resource) IAM checks (local/rolecalls.py) with its keys, as AWS's service
authorization reference lists them per action."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdactl.local import rolecalls, servicekeys

Keys = dict[str, list[str]]
Seen = list[tuple[str, str, Keys]]
BUCKET = "keys-bucket"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """Every check of every call made in the test: (action, resource, keys)."""
    from moto.core.authorization import ActionAuthenticatorMixin

    out: Seen = []

    def record(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        scope = str(self.headers.get("Authorization", "")).split("Credential=")[-1].split("/")
        service = scope[3] if len(scope) > 3 else self.service_name
        for action, each in rolecalls.checks(self, f"{service}:{rolecalls.action(self)}", resource):
            out.append((action, each, servicekeys.keys(self, action, each)))

    monkeypatch.setattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", record)
    with mock_aws():
        yield out


@pytest.fixture
def client() -> Callable[[str], Any]:
    return lambda service: boto3.client(service, region_name="us-east-1")


def keys_of(seen: Seen, action: str, resource: str = "") -> Keys:
    """The keys of the last check of ACTION (on RESOURCE, if given)."""
    found = [k for a, r, k in seen if a == action and (not resource or r == resource)]
    assert found, [(a, r) for a, r, _ in seen]
    return found[-1]


def test_s3_list_keys_are_the_request_parameters(seen: Seen, client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.list_objects_v2(Bucket=BUCKET, Prefix="home/alice/", Delimiter="/", MaxKeys=7)
    assert keys_of(seen, "s3:ListBucket") == {
        "s3:prefix": ["home/alice/"], "s3:delimiter": ["/"], "s3:max-keys": ["7"],
        "s3:authtype": ["REST-HEADER"], "s3:signatureversion": ["AWS4-HMAC-SHA256"],
        "s3:tlsversion": ["1.2"], "s3:resourceaccount": ["123456789012"],
        "s3:x-amz-content-sha256": keys_of(seen, "s3:ListBucket")["s3:x-amz-content-sha256"]}
    s3.list_objects_v2(Bucket=BUCKET)
    assert "s3:prefix" not in keys_of(seen, "s3:ListBucket")   # absent, not empty
    s3.list_objects_v2(Bucket=BUCKET, Prefix="")
    assert keys_of(seen, "s3:ListBucket")["s3:prefix"] == [""]


def test_s3_write_headers_and_request_tags(seen: Seen, client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET, ACL="private")
    assert keys_of(seen, "s3:CreateBucket")["s3:x-amz-acl"] == ["private"]
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="public-read", StorageClass="STANDARD_IA",
                  ServerSideEncryption="aws:kms", SSEKMSKeyId="key-1", Tagging="team=blue&env=dev")
    put = keys_of(seen, "s3:PutObject")
    assert {k: put[k] for k in put if not k.startswith(("s3:auth", "s3:sig", "s3:tls", "s3:resource", "s3:x-amz-c"))} == {
        "s3:x-amz-acl": ["public-read"], "s3:x-amz-storage-class": ["STANDARD_IA"],
        "s3:x-amz-server-side-encryption": ["aws:kms"], "s3:x-amz-server-side-encryption-aws-kms-key-id": ["key-1"],
        "s3:requestobjecttag/team": ["blue"], "s3:requestobjecttag/env": ["dev"],
        "s3:requestobjecttagkeys": ["team", "env"]}
    s3.put_object_tagging(Bucket=BUCKET, Key="k", Tagging={"TagSet": [{"Key": "team", "Value": "red"}]})
    tagging = keys_of(seen, "s3:PutObjectTagging")
    assert tagging["s3:requestobjecttag/team"] == ["red"] and tagging["s3:requestobjecttagkeys"] == ["team"]
    assert tagging["s3:existingobjecttag/team"] == ["blue"]   # the object's tags before the call


def test_s3_existing_object_tags_version_and_copy_source(seen: Seen, client: Callable[[str], Any]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=BUCKET, Key="src", Body=b"x", Tagging="team=blue")["VersionId"]
    s3.get_object(Bucket=BUCKET, Key="src")
    read = keys_of(seen, "s3:GetObject")
    assert read["s3:existingobjecttag/team"] == ["blue"] and "s3:versionid" not in read
    assert "s3:existingobjecttag/team" not in keys_of(seen, "s3:PutObject")   # not a key of PutObject
    s3.get_object(Bucket=BUCKET, Key="src", VersionId=version)
    assert keys_of(seen, "s3:GetObjectVersion")["s3:versionid"] == [version]   # moto and IAM: GetObjectVersion
    s3.copy_object(Bucket=BUCKET, Key="dst", CopySource={"Bucket": BUCKET, "Key": "src"},
                   MetadataDirective="REPLACE", ACL="private")
    target = keys_of(seen, "s3:PutObject", f"arn:aws:s3:::{BUCKET}/dst")
    assert target["s3:x-amz-copy-source"] == [f"{BUCKET}/src"]
    assert target["s3:x-amz-metadata-directive"] == ["REPLACE"] and target["s3:x-amz-acl"] == ["private"]
    source = keys_of(seen, "s3:GetObject", f"arn:aws:s3:::{BUCKET}/src")
    assert source["s3:existingobjecttag/team"] == ["blue"] and "s3:x-amz-acl" not in source
    import requests

    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "src"})
    assert requests.get(url, timeout=10).status_code == 200
    assert keys_of(seen, "s3:GetObject")["s3:authtype"] == ["REST-QUERY-STRING"]


def make_table(client: Callable[[str], Any], name: str, **options: Any) -> None:
    client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"},
                              {"AttributeName": "at", "AttributeType": "N"},
                              {"AttributeName": "team", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-team", "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}], **options)


def test_dynamodb_leading_keys_and_attributes(seen: Seen, client: Callable[[str], Any]) -> None:
    ddb = client("dynamodb")
    make_table(client, "people", Tags=[{"Key": "team", "Value": "blue"}])
    assert keys_of(seen, "dynamodb:CreateTable") == {"aws:requesttag/team": ["blue"], "aws:tagkeys": ["team"]}
    ddb.put_item(TableName="people", Item={"user": {"S": "alice"}, "at": {"N": "1"}, "team": {"S": "x"}},
                 ReturnValues="NONE", ReturnConsumedCapacity="TOTAL")
    assert keys_of(seen, "dynamodb:PutItem") == {
        "dynamodb:leadingkeys": ["alice"], "dynamodb:attributes": ["at", "team", "user"],
        "dynamodb:returnvalues": ["NONE"], "dynamodb:returnconsumedcapacity": ["TOTAL"],
        "aws:resourcetag/team": ["blue"]}
    ddb.get_item(TableName=f"{TABLE}people", Key={"user": {"S": "bob"}, "at": {"N": "1"}},
                 ProjectionExpression="#u, team", ExpressionAttributeNames={"#u": "user"})
    got = keys_of(seen, "dynamodb:GetItem")
    assert got["dynamodb:leadingkeys"] == ["bob"] and got["dynamodb:attributes"] == ["team", "user"]
    ddb.update_item(TableName="people", Key={"user": {"S": "alice"}, "at": {"N": "1"}},
                    UpdateExpression="SET #t = :t, score = if_not_exists(score, :one) REMOVE #o",
                    ExpressionAttributeNames={"#t": "team", "#o": "stale"},
                    ExpressionAttributeValues={":t": {"S": "y"}, ":one": {"N": "1"}})
    assert keys_of(seen, "dynamodb:UpdateItem")["dynamodb:attributes"] == ["at", "score", "stale", "team", "user"]
    ddb.query(TableName="people", KeyConditionExpression="#u = :u AND #a > :a", Select="COUNT",
              ExpressionAttributeNames={"#u": "user", "#a": "at"},
              ExpressionAttributeValues={":u": {"S": "carol"}, ":a": {"N": "0"}})
    query = keys_of(seen, "dynamodb:Query")
    assert query["dynamodb:leadingkeys"] == ["carol"] and query["dynamodb:select"] == ["COUNT"]
    ddb.query(TableName="people", IndexName="by-team", KeyConditionExpression="team = :t",
              ExpressionAttributeValues={":t": {"S": "x"}})
    assert keys_of(seen, "dynamodb:Query", f"{TABLE}people/index/by-team")["dynamodb:leadingkeys"] == ["x"]
    ddb.scan(TableName="people")
    assert "dynamodb:leadingkeys" not in keys_of(seen, "dynamodb:Scan")


def test_dynamodb_batches_and_transactions_per_table(seen: Seen, client: Callable[[str], Any]) -> None:
    ddb = client("dynamodb")
    make_table(client, "people")
    make_table(client, "others")
    key = {"at": {"N": "1"}}
    ddb.batch_get_item(RequestItems={"people": {"Keys": [dict(key, user={"S": "a"}), dict(key, user={"S": "b"})]},
                                     f"{TABLE}others": {"Keys": [dict(key, user={"S": "z"})]}})
    assert keys_of(seen, "dynamodb:BatchGetItem", f"{TABLE}people")["dynamodb:leadingkeys"] == ["a", "b"]
    assert keys_of(seen, "dynamodb:BatchGetItem", f"{TABLE}others")["dynamodb:leadingkeys"] == ["z"]
    ddb.batch_write_item(RequestItems={"people": [{"PutRequest": {"Item": dict(key, user={"S": "c"})}},
                                                  {"DeleteRequest": {"Key": dict(key, user={"S": "d"})}}]})
    assert keys_of(seen, "dynamodb:BatchWriteItem")["dynamodb:leadingkeys"] == ["c", "d"]
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "people", "Item": dict(key, user={"S": "e"})}},
        {"Delete": {"TableName": "others", "Key": dict(key, user={"S": "f"})}}])
    assert keys_of(seen, "dynamodb:PutItem", f"{TABLE}people")["dynamodb:leadingkeys"] == ["e"]
    assert keys_of(seen, "dynamodb:DeleteItem", f"{TABLE}others")["dynamodb:leadingkeys"] == ["f"]


def test_tags_of_the_resource_and_of_the_request(seen: Seen, client: Callable[[str], Any]) -> None:
    queue = client("sqs").create_queue(QueueName="q", tags={"team": "blue"})["QueueUrl"]
    assert keys_of(seen, "sqs:CreateQueue") == {"aws:requesttag/team": ["blue"], "aws:tagkeys": ["team"]}
    client("sqs").send_message(QueueUrl=queue, MessageBody="m")
    assert keys_of(seen, "sqs:SendMessage") == {"aws:resourcetag/team": ["blue"]}
    topic = client("sns").create_topic(Name="t", Tags=[{"Key": "team", "Value": "red"}])["TopicArn"]
    client("sns").publish(TopicArn=topic, Message="m")
    assert keys_of(seen, "sns:Publish") == {"aws:resourcetag/team": ["red"]}
    client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    assert keys_of(seen, "sns:Subscribe") == {"sns:protocol": ["sqs"], "aws:resourcetag/team": ["red"],
                                              "sns:endpoint": ["arn:aws:sqs:us-east-1:123456789012:q"]}
    client("logs").create_log_group(logGroupName="/g", tags={"team": "green"})
    client("logs").put_retention_policy(logGroupName="/g", retentionInDays=1)
    assert keys_of(seen, "logs:PutRetentionPolicy") == {"aws:resourcetag/team": ["green"]}
    client("logs").untag_log_group(logGroupName="/g", tags=["team"])
    assert keys_of(seen, "logs:UntagLogGroup") == {"aws:tagkeys": ["team"], "aws:resourcetag/team": ["green"]}
    client("events").put_rule(Name="r", ScheduleExpression="rate(1 hour)", Tags=[{"Key": "team", "Value": "a"}])
    client("events").describe_rule(Name="r")
    assert keys_of(seen, "events:DescribeRule") == {"aws:resourcetag/team": ["a"]}
    client("events").put_events(Entries=[{"Source": "app", "DetailType": "d", "Detail": "{}"}])
    assert keys_of(seen, "events:PutEvents") == {"events:source": ["app"], "events:detail-type": ["d"]}


def test_lambda_keys(seen: Seen, client: Callable[[str], Any]) -> None:
    from tests.local.conftest import package

    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = client("lambda")
    arn = lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.h",
                              Code={"ZipFile": package("app.py")}, Tags={"team": "blue"})["FunctionArn"]
    assert keys_of(seen, "lambda:CreateFunction") == {"aws:requesttag/team": ["blue"], "aws:tagkeys": ["team"]}
    lam.get_function_configuration(FunctionName="f")
    assert keys_of(seen, "lambda:GetFunctionConfiguration") == {"aws:resourcetag/team": ["blue"]}
    lam.add_permission(FunctionName="f", StatementId="s", Action="lambda:InvokeFunctionUrl", Principal="*",
                       FunctionUrlAuthType="NONE")
    assert keys_of(seen, "lambda:AddPermission") == {"lambda:principal": ["*"], "lambda:functionurlauthtype": ["NONE"],
                                                     "aws:resourcetag/team": ["blue"]}
    lam.create_function_url_config(FunctionName="f", AuthType="AWS_IAM")
    assert keys_of(seen, "lambda:CreateFunctionUrlConfig")["lambda:functionurlauthtype"] == ["AWS_IAM"]
    lam.get_function_url_config(FunctionName="f")
    assert keys_of(seen, "lambda:GetFunctionUrlConfig")["lambda:functionurlauthtype"] == ["AWS_IAM"]
    queue = client("sqs").create_queue(QueueName="events")["QueueUrl"]
    source = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=source)["UUID"]
    assert keys_of(seen, "lambda:CreateEventSourceMapping") == {"lambda:functionarn": [arn]}
    lam.delete_event_source_mapping(UUID=mapping)   # names no function: the mapping's, from moto
    assert keys_of(seen, "lambda:DeleteEventSourceMapping") == {"lambda:functionarn": [arn]}
    lam.untag_resource(Resource=arn, TagKeys=["team", "old"])
    assert keys_of(seen, "lambda:UntagResource")["aws:tagkeys"] == ["old", "team"]
    assert json.dumps(keys_of(seen, "lambda:UntagResource"))   # plain str lists throughout
