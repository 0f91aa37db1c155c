"""The notification merge is pure: ours replaced by Id, foreign entries kept as read."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from lambdactl.config import Function, Trigger
from lambdactl.errors import AwsError, OwnershipError
from lambdactl.triggers import s3, s3_write

ARN = "arn:aws:lambda:us-east-1:123456789012:function:demo-hello"
FOREIGN = {
    "TopicConfigurations": [{"Id": "t", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Events": ["s3:ObjectRemoved:*"]}],
    "QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"],
                             "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "queue/"}]}}}],
    "LambdaFunctionConfigurations": [{"Id": "other", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:1:function:x",
                                      "Events": ["s3:ObjectCreated:*"],
                                      "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "x/"}]}}}],
    "EventBridgeConfiguration": {},
}


def fn(prefix: str = "in/") -> Function:
    return Function(key="hello", name="demo-hello", source=Path("."), handler="app.h",
                    triggers=(Trigger(bucket="b", prefix=prefix),))


def ours(f: Function) -> list[dict]:
    return [s3.our_entry(f, i, t, ARN) for i, t in enumerate(f.triggers)]


def test_merge_keeps_foreign_and_adds_ours() -> None:
    current = copy.deepcopy(FOREIGN)
    merged = s3.merge(current, ours(fn()), "demo-hello", "b")
    assert merged["TopicConfigurations"] == FOREIGN["TopicConfigurations"]
    assert merged["EventBridgeConfiguration"] == {}
    lambdas = merged["LambdaFunctionConfigurations"]
    assert lambdas[0]["Id"] == "other" and lambdas[1]["Id"] == "lambdactl-demo-hello-0"
    assert lambdas[1]["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}}
    # Rule names read back as "Prefix" are written lowercase (moto 5.2 rejects "Prefix").
    assert merged["QueueConfigurations"][0]["Filter"]["Key"]["FilterRules"][0]["Name"] == "prefix"
    assert current == FOREIGN  # input untouched


def test_merge_replaces_ours_and_removal() -> None:
    first = s3.merge(FOREIGN, ours(fn("in/")), "demo-hello", "b")
    second = s3.merge(first, ours(fn("new/")), "demo-hello", "b")
    entries = [e for e in second["LambdaFunctionConfigurations"] if s3.is_ours(e, "demo-hello")]
    assert len(entries) == 1 and entries[0]["Filter"]["Key"]["FilterRules"][0]["Value"] == "new/"
    removed = s3.merge(second, [], "demo-hello", "b")
    assert [e["Id"] for e in removed["LambdaFunctionConfigurations"]] == ["other"]


def test_overlap_with_foreign_rule_refused() -> None:
    with pytest.raises(AwsError, match="overlaps the existing notification 'other'"):
        s3.merge(FOREIGN, ours(fn("x/sub/")), "demo-hello", "b")


def test_our_id_pointing_elsewhere_is_not_ours() -> None:
    squatter = {"LambdaFunctionConfigurations": [
        {"Id": "lambdactl-demo-hello-0", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:1:function:evil",
         "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(OwnershipError, match="will not modify it"):
        s3.merge(squatter, ours(fn()), "demo-hello", "b")


def test_ours_match_ignores_rule_name_case() -> None:
    mine = ours(fn())
    read_back = {"LambdaFunctionConfigurations": [
        {**mine[0], "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}]}}}]}
    assert s3.ours_match(read_back, mine, "demo-hello")
    assert not s3.ours_match(read_back, ours(fn("other/")), "demo-hello")


def test_functions_arriving_together_share_one_write() -> None:
    """Group commit against moto: every entry lands, in fewer PUTs than functions."""
    import json
    import threading

    import boto3
    from moto import mock_aws

    BKT = "lambdactl-shared-bucket"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BKT)
        writes = s3_write.Writes()   # one run's
        foreign = json.loads(json.dumps(FOREIGN).replace('"Prefix"', '"prefix"'))  # moto: lowercase
        client.put_bucket_notification_configuration(Bucket=BKT, NotificationConfiguration=foreign)
        puts: list[int] = []
        client.meta.events.register("before-call.s3.PutBucketNotificationConfiguration",
                                    lambda **_: puts.append(1))
        start = threading.Barrier(8)
        results: dict[str, bool] = {}

        def deploy(i: int) -> None:
            f = Function(key=f"f{i}", name=f"demo-f{i}", source=Path("."), handler="app.h",
                         triggers=(Trigger(bucket=BKT, prefix=f"p{i}/"),))
            entries = [s3.our_entry(f, 0, f.triggers[0], ARN.replace("demo-hello", f.name))]
            start.wait()
            results[f.name] = writes.update(client, BKT, f.name, entries)

        threads = [threading.Thread(target=deploy, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        config = client.get_bucket_notification_configuration(Bucket=BKT)
        ids = {c["Id"] for c in config["LambdaFunctionConfigurations"]}
        assert ids == {"other"} | {f"lambdactl-demo-f{i}-0" for i in range(8)}
        assert config["QueueConfigurations"][0]["Id"] == "q" and config["TopicConfigurations"][0]["Id"] == "t"
        assert results == {f"demo-f{i}": True for i in range(8)}
        assert 1 <= len(puts) < 8
        # Unchanged entries: nothing to write.
        puts.clear()
        f0 = Function(key="f0", name="demo-f0", source=Path("."), handler="app.h",
                      triggers=(Trigger(bucket=BKT, prefix="p0/"),))
        entries = [s3.our_entry(f0, 0, f0.triggers[0], ARN.replace("demo-hello", "demo-f0"))]
        assert writes.update(client, BKT, "demo-f0", entries) is False
        assert puts == []


def test_one_bad_entry_in_a_batch_fails_only_its_function() -> None:
    """The shared PUT fails (S3 rejects one destination); each entry is retried alone."""
    import threading
    import time

    import boto3
    from moto import mock_aws

    bkt = "lambdactl-batch-bucket"
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=bkt)
        writes = s3_write.Writes()   # one run's

        def reject_bad(params, **_):  # type: ignore[no-untyped-def]
            arns = [c["LambdaFunctionArn"] for c in params["NotificationConfiguration"].get("LambdaFunctionConfigurations", [])]
            if any(a.endswith(":bad") for a in arns):
                raise s3.AwsError("InvalidArgument: the destination ARN is not valid (test)")

        client.meta.events.register("provide-client-params.s3.PutBucketNotificationConfiguration", reject_bad)
        held = writes.lock(bkt)
        held.acquire()  # as if another run's write were in flight: all four join one batch
        outcome: dict[str, object] = {}

        def deploy(name: str) -> None:
            f = Function(key=name, name=name, source=Path("."), handler="app.h",
                         triggers=(Trigger(bucket=bkt, prefix=f"{name}/"),))
            entries = [s3.our_entry(f, 0, f.triggers[0], ARN.rsplit(":", 1)[0] + ":" + name)]
            try:
                outcome[name] = writes.update(client, bkt, name, entries)
            except Exception as exc:  # noqa: BLE001
                outcome[name] = exc

        threads = [threading.Thread(target=deploy, args=(n,)) for n in ("good1", "good2", "good3", "bad")]
        for t in threads:
            t.start()
        while len(getattr(writes._batches.get(bkt), "entries", {})) < 4:
            time.sleep(0.01)
        held.release()
        for t in threads:
            t.join()
        assert isinstance(outcome.pop("bad"), s3.AwsError)
        assert outcome == {"good1": True, "good2": True, "good3": True}
        ids = {c["Id"] for c in client.get_bucket_notification_configuration(Bucket=bkt)["LambdaFunctionConfigurations"]}
        assert ids == {"lambdactl-good1-0", "lambdactl-good2-0", "lambdactl-good3-0"}


# -- create_bucket: Stubber, because moto (even patched) cannot answer as an older endpoint does
TAGS = {"lambdactl:project": "demo"}
TAG_SET = [{"Key": "lambdactl:project", "Value": "demo"}]


def stubbed_s3():  # type: ignore[no-untyped-def]
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("s3", region_name="eu-west-1")
    return client, Stubber(client)


@pytest.mark.parametrize("tags_rejected", [None, "MalformedXML", "AccessDenied"],
                         ids=["tags-in-create", "endpoint-without-tags-at-create", "no-s3-TagResource"])
def test_create_bucket_tags_it(tags_rejected: str | None) -> None:
    client, stub = stubbed_s3()
    where = {"LocationConstraint": "eu-west-1"}
    if tags_rejected:  # create, then tag
        stub.add_client_error("create_bucket", tags_rejected, http_status_code=400)
        stub.add_response("create_bucket", {}, {"Bucket": "b", "CreateBucketConfiguration": where})
        stub.add_response("put_bucket_tagging", {}, {"Bucket": "b", "Tagging": {"TagSet": TAG_SET}})
    else:
        stub.add_response("create_bucket", {}, {"Bucket": "b", "CreateBucketConfiguration": {**where, "Tags": TAG_SET}})
    with stub:
        assert s3.create_bucket(client, "b", "eu-west-1", TAGS) is True
    stub.assert_no_pending_responses()


def test_create_bucket_already_ours_or_taken() -> None:
    client, stub = stubbed_s3()
    stub.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", http_status_code=409)
    stub.add_client_error("create_bucket", "BucketAlreadyExists", http_status_code=409)
    stub.add_client_error("create_bucket", "AccessDenied", http_status_code=403)   # no CreateBucket at all:
    stub.add_client_error("create_bucket", "AccessDenied", http_status_code=403)   # denied with and without tags
    with stub:
        assert s3.create_bucket(client, "b", "eu-west-1", TAGS) is False  # nothing written, ours to use
        with pytest.raises(AwsError, match="taken by another AWS account"):
            s3.create_bucket(client, "b", "eu-west-1", TAGS)
        with pytest.raises(Exception, match="AccessDenied"):
            s3.create_bucket(client, "b", "eu-west-1", TAGS)
    stub.assert_no_pending_responses()
