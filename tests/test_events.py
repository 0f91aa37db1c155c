"""Sample events: the real S3 notification shape, and the `event` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl.cli import root
from lambdactl.errors import ConfigError
from lambdactl.events import event_time, s3_event, s3_key

NOW = datetime(2024, 5, 1, 12, 3, 4, 56789, tzinfo=UTC)


def test_put_event_has_the_s3_shape() -> None:
    ev = s3_event("s3-put", "my-bucket", "uploads/red flower.jpg", size=42, region="eu-west-1", now=NOW)
    (rec,) = ev["Records"]
    assert rec["eventVersion"] == "2.1"
    assert rec["eventSource"] == "aws:s3"
    assert rec["awsRegion"] == "eu-west-1"
    assert rec["eventTime"] == "2024-05-01T12:03:04.056Z"
    assert rec["eventName"] == "ObjectCreated:Put"
    assert rec["userIdentity"]["principalId"]
    assert rec["requestParameters"]["sourceIPAddress"]
    assert set(rec["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3 = rec["s3"]
    assert s3["s3SchemaVersion"] == "1.0"
    assert s3["configurationId"]
    assert s3["bucket"]["name"] == "my-bucket"
    assert s3["bucket"]["arn"] == "arn:aws:s3:::my-bucket"
    assert s3["bucket"]["ownerIdentity"]["principalId"]
    obj = s3["object"]
    assert obj["key"] == "uploads/red+flower.jpg"
    assert obj["size"] == 42
    assert len(obj["eTag"]) == 32
    assert len(obj["sequencer"]) == 18


def test_delete_event_has_no_size() -> None:
    rec = s3_event("s3-delete", "b-1", "k", now=NOW)["Records"][0]
    assert rec["eventName"] == "ObjectRemoved:Delete"
    assert "size" not in rec["s3"]["object"] and "eTag" not in rec["s3"]["object"]


def test_key_encoding_matches_s3() -> None:
    assert s3_key("a b/c+d&é.txt") == "a+b/c%2Bd%26%C3%A9.txt"
    assert event_time(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000Z"


@pytest.mark.parametrize("kind,bucket,key", [("s3-get", "b", "k"), ("s3-put", "", "k"), ("s3-put", "b", "")])
def test_bad_arguments(kind: str, bucket: str, key: str) -> None:
    with pytest.raises(ConfigError):
        s3_event(kind, bucket, key)


def test_event_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no project: still works
    result = CliRunner().invoke(root, ["event", "s3-put", "--bucket", "bkt", "--key", "x y.txt", "--size", "7"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)["Records"][0]
    assert rec["s3"]["object"] == {**rec["s3"]["object"], "key": "x+y.txt", "size": 7}
    assert rec["awsRegion"] == "us-east-1"


def test_event_without_bucket_is_the_projects_trigger_else_sams_example(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """README's "Coming from" row: `lambdactl event s3-put`, as typed, with no --bucket/--key
    (`sam local generate-event s3 put` needs none either)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(root, ["event", "s3-put"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    s3 = json.loads(result.stdout)["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["object"]["key"]) == ("example-bucket", "test/key")
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "lambdactl.toml").write_text(
        '[project]\nname = "p"\n[functions.f]\nsource = "fn"\nhandler = "app.handler"\n'
        '[[functions.f.triggers]]\ntype = "s3"\nbucket = "p-in"\nprefix = "up/"\n')
    result = CliRunner().invoke(root, ["event", "s3-delete"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)["Records"][0]
    assert record["eventName"].startswith("ObjectRemoved:")
    assert (record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]) == ("p-in", "up/example.txt")
