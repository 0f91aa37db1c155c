"""upload: key under the trigger's prefix, suffix check, put_object against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

from lambdactl.cli import root
from lambdactl.commands.upload import object_key
from lambdactl.config import Function, Trigger
from lambdactl.errors import ConfigError

BUCKET = "lambdactl-demo-uploads"


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def fn(*triggers: Trigger) -> Function:
    return Function(key="f", name="p-f", source=Path("."), handler="a.b", triggers=triggers)


def test_object_key_rules() -> None:
    f = fn(Trigger(bucket="b", prefix="in/", suffix=".csv"))
    assert object_key(f, "/tmp/data.csv", None)[1] == "in/data.csv"
    assert object_key(f, "/tmp/data.csv", "in/x.csv")[1] == "in/x.csv"
    assert object_key(f, "/tmp/data.csv", "y.csv")[1] == "in/y.csv"
    with pytest.raises(ConfigError, match=r"ending in '\.csv'.*--key data\.csv"):
        object_key(f, "/tmp/data.txt", None)
    with pytest.raises(ConfigError, match="no S3 trigger"):
        object_key(fn(), "x", None)
    with pytest.raises(ConfigError, match="object creation"):
        object_key(fn(Trigger(bucket="b", events=("s3:ObjectRemoved:*",))), "x", None)
    two = fn(Trigger(bucket="b1", suffix=".csv"), Trigger(bucket="b2", suffix=".txt"))
    assert object_key(two, "a.txt", None)[0].bucket == "b2"


@pytest.fixture
def aws(project: Path) -> Iterator[None]:
    with mock_aws():
        yield


def test_upload_puts_the_file(aws: None, project: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    f = project / "some file.txt"
    f.write_text("hello")
    assert "lambdactl up" in run("upload", str(f), "hello", code=1).stderr  # no bucket yet
    s3.create_bucket(Bucket=BUCKET)
    res = run("upload", str(f), "hello")
    assert res.stdout.strip() == (
        f"uploaded s3://{BUCKET}/some file.txt (5 bytes): fires lambdactl-demo-hello"
    )
    assert s3.get_object(Bucket=BUCKET, Key="some file.txt")["Body"].read() == b"hello"
    doc = json.loads(run("-o", "json", "upload", str(f), "hello", "--key", "k.txt").stdout)
    assert doc == {"bucket": BUCKET, "key": "k.txt", "bytes": 5, "fires": "lambdactl-demo-hello"}
    assert "no S3 trigger" in run("upload", str(f), "list-buckets", code=2).stderr
