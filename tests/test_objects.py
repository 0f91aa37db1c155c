"""download and rm against moto: a [buckets.NAME] key or a bucket name, to a file,
a directory or stdout; rm only in the project's buckets; bad input in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

from lambdactl.cli import root

CONFIG = """
[project]
name = "objs"
region = "us-east-1"

[buckets.charts]

[functions.f]
source = "fn"
handler = "app.handler"

[[functions.f.triggers]]
type = "s3"
bucket = "objs-in"
"""


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "lambdactl.toml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for name in ("objs-charts", "objs-in", "someone-elses"):
            client.create_bucket(Bucket=name)
        client.put_object(Bucket="objs-charts", Key="daily/chart.png", Body=b"\x89PNG-bytes")
        yield client


def test_download_by_bucket_key_to_the_key_name_here(s3: object, tmp_path: Path) -> None:
    out = run("download", "charts", "daily/chart.png")
    assert out.stdout == "downloaded s3://objs-charts/daily/chart.png (10 bytes) to chart.png\n"
    assert (tmp_path / "chart.png").read_bytes() == b"\x89PNG-bytes"
    (tmp_path / "into").mkdir()
    doc = json.loads(run("-o", "json", "download", "objs-charts", "daily/chart.png", "into").stdout)
    assert doc == {"bucket": "objs-charts", "key": "daily/chart.png", "bytes": 10, "path": "into/chart.png"}
    run("download", "charts", "daily/chart.png", "other.png")
    assert (tmp_path / "other.png").read_bytes() == b"\x89PNG-bytes"


def test_download_to_stdout_is_the_bytes_only(s3: object) -> None:
    assert run("download", "charts", "daily/chart.png", "-").stdout_bytes == b"\x89PNG-bytes"


def test_a_missing_key_or_bucket_is_one_line_and_writes_no_file(s3: object, tmp_path: Path) -> None:
    err = run("download", "charts", "nope.png", code=1).stderr
    assert err == "error: s3://objs-charts/nope.png does not exist; check the key: `aws s3 ls s3://objs-charts/` lists them\n"
    err = run("download", "no-such-bucket-x", "k.png", code=1).stderr
    assert err == "error: bucket no-such-bucket-x does not exist; run `lambdactl up` first\n"
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob(".*part"))
    assert "names a folder" in run("download", "charts", "daily/", code=2).stderr


def test_rm_deletes_from_the_projects_buckets_only(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket="objs-in", Key="a.txt", Body=b"abc")
    s3.put_object(Bucket="someone-elses", Key="a.txt", Body=b"abc")
    assert run("rm", "objs-in", "a.txt").stdout == "deleted s3://objs-in/a.txt (3 bytes)\n"
    assert "Contents" not in s3.list_objects_v2(Bucket="objs-in")
    doc = json.loads(run("-o", "json", "rm", "charts", "daily/chart.png").stdout)
    assert doc == {"bucket": "objs-charts", "key": "daily/chart.png", "bytes": 10, "deleted": True}
    err = run("rm", "objs-in", "a.txt", code=1).stderr
    assert err.startswith("error: s3://objs-in/a.txt does not exist") and err.count("\n") == 1
    err = run("rm", "someone-elses", "a.txt", code=2).stderr
    assert err.startswith("error: bucket 'someone-elses' is not one of this project's buckets") and err.count("\n") == 1
    assert s3.list_objects_v2(Bucket="someone-elses")["KeyCount"] == 1


def test_rm_in_a_bucket_not_made_yet_says_so() -> None:
    """Before `up` (or after `destroy`) rm said "s3://b/a.txt does not exist; check the
    key: `aws s3 ls s3://b/` lists them": S3's 404 to a HEAD has no body, so a missing
    bucket looked like a missing key (seen on the sandbox, which answers over HTTP as S3
    does). moto in process puts NoSuchBucket in its HEAD answer, laxer than S3: botocore's
    Stubber plays S3's answers here."""
    from botocore.stub import Stubber

    from lambdactl import objects
    from lambdactl.errors import AwsError

    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("head_object", service_error_code="404", service_message="Not Found",
                              http_status_code=404, expected_params={"Bucket": "b", "Key": "a.txt"})
        stub.add_client_error("list_objects_v2", service_error_code="NoSuchBucket", http_status_code=404,
                              expected_params={"Bucket": "b", "MaxKeys": 1})
        with pytest.raises(AwsError) as err:
            objects.delete(client, "b", "a.txt")
        stub.assert_no_pending_responses()
    assert str(err.value) == "bucket b does not exist; run `lambdactl up` first"
