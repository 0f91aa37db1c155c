"""Packages over the direct-upload limit go through the staging bucket (moto, in process).

ZIP_LIMIT is lowered so that `hello` (with an incompressible 20 KB file) is
"too big" while `list-buckets` stays inline: no test builds 50 MB.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from click.testing import CliRunner

from lambdactl import package as pk
from lambdactl import staging
from lambdactl.cli import root
from tests.test_provision import HELLO, client, run, writes

STAGING = "lambdactl-staging-123456789012-us-east-1"
LIST = "lambdactl-demo-list-buckets"


@pytest.fixture
def big(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """hello's zip is over the (lowered) limit; list-buckets' is not."""
    (project / "functions/hello/blob.bin").write_bytes(os.urandom(20_000))
    monkeypatch.setattr(pk, "ZIP_LIMIT", 10_000)
    return project


@pytest.fixture
def params(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    """The parameters of every API call, by operation."""
    seen: dict[str, list[dict[str, Any]]] = {}
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        seen.setdefault(operation_name, []).append(dict(api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return seen


def hello_zip_sha(project: Path) -> str:
    return pk.file_sha256(project / ".lambdactl/build" / f"{HELLO}.zip")


def staged_keys() -> list[str]:
    return [o["Key"] for o in client("s3").list_objects_v2(Bucket=STAGING).get("Contents", [])]


def journal_kinds() -> Counter[str]:
    state = json.loads(Path(".lambdactl/state.json").read_text())
    return Counter(e["kind"] for t in state["targets"].values() for e in t["resources"].values())


def test_names() -> None:
    assert staging.bucket_name("123456789012", "ap-southeast-4") == "lambdactl-staging-123456789012-ap-southeast-4"
    with pytest.raises(Exception, match="not a valid S3 bucket name"):
        staging.bucket_name("123456789012", "Not_A_Region")
    sha = base64.b64encode(bytes(range(32))).decode()
    assert staging.object_key("fn", sha) == f"fn/{bytes(range(32)).hex()}.zip"


def test_create_goes_through_staging(aws: None, big: Path, params: dict[str, list[dict[str, Any]]],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACTL_HOME", str(big / "home"))   # no account id cached yet
    plan = json.loads(run("-o", "json", "plan").stdout)
    details = {s["name"]: s["detail"] for s in plan["steps"] if s["kind"] == "function"}
    assert details[HELLO].endswith(f"via staging s3://{STAGING} (new bucket)")
    assert "staging" not in details[LIST]

    run("up")
    # Asked once (then cached): the staging read, side by side with it, waits for the answer.
    assert len(params["GetCallerIdentity"]) == 1
    codes = {p["FunctionName"]: p["Code"] for p in params["CreateFunction"]}
    key = f"{HELLO}/{base64.b64decode(hello_zip_sha(big)).hex()}.zip"
    assert codes[HELLO] == {"S3Bucket": STAGING, "S3Key": key}
    assert set(codes[LIST]) == {"ZipFile"}
    assert staged_keys() == [key]
    s3 = client("s3")
    assert s3.get_bucket_tagging(Bucket=STAGING)["TagSet"] == [{"Key": "lambdactl:project", "Value": "lambdactl-demo"}]
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["CodeSha256"] == hello_zip_sha(big)
    assert journal_kinds()["staging_bucket"] == 1 and journal_kinds()["staging_object"] == 1


def test_unchanged_makes_no_upload(aws: None, big: Path, calls: Counter[str]) -> None:
    run("up")
    calls.clear()
    r = run("up")
    assert writes(calls) == {}
    assert "upload to" not in r.stderr


def test_update_goes_through_staging(aws: None, big: Path, params: dict[str, list[dict[str, Any]]],
                                     calls: Counter[str]) -> None:
    run("up")
    (old,) = staged_keys()
    (big / "functions/hello/app.py").write_text((big / "functions/hello/app.py").read_text() + "\n# changed\n")
    plan = json.loads(run("-o", "json", "plan").stdout)
    (step,) = [s for s in plan["steps"] if s["name"] == HELLO]
    assert step["fields"] == ["code"] and step["detail"].endswith(f"via staging s3://{STAGING}")
    calls.clear()
    r = run("up")
    assert writes(calls) == {"PutObject": 1, "UpdateFunctionCode": 1, "DeleteObjects": 1}
    new = f"{HELLO}/{base64.b64decode(hello_zip_sha(big)).hex()}.zip"
    (update,) = params["UpdateFunctionCode"]
    assert (update["S3Bucket"], update["S3Key"]) == (STAGING, new) and "ZipFile" not in update
    assert staged_keys() == [new] and new != old   # the older package is pruned
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["CodeSha256"] == hello_zip_sha(big)
    assert f"hello: upload to s3://{STAGING}: 0.0 MB" in r.stderr   # progress: start and end
    assert f"hello: upload to s3://{STAGING}: done" in r.stderr


def test_status_shows_code_drift_via_staging(aws: None, big: Path) -> None:
    run("up")
    (big / "functions/hello/app.py").write_text((big / "functions/hello/app.py").read_text() + "\n# changed\n")
    r = run("-o", "json", "status", "hello", code=1)
    (doc,) = json.loads(r.stdout)["functions"]
    assert doc["drift"] == [f"update function {HELLO} (code): code {hello_zip_sha(big)[:12]}… via staging s3://{STAGING}"]


def test_destroy_removes_objects_and_bucket(aws: None, big: Path, calls: Counter[str]) -> None:
    run("up")
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)
    deleted = {(s["kind"], s["name"]) for s in out["deleted"]}
    assert ("staging_bucket", STAGING) in deleted
    assert any(k == "staging_object" and n.startswith(f"s3://{STAGING}/{HELLO}/") for k, n in deleted)
    assert client("s3").list_buckets()["Buckets"] == []
    assert not Path(".lambdactl/state.json").exists() or journal_kinds() == Counter()
    calls.clear()
    r = run("destroy", "--yes")
    assert "nothing to remove" in r.stderr
    assert writes(calls) == {}


def test_destroy_without_a_journal_finds_staged_packages_by_name(aws: None, big: Path, calls: Counter[str]) -> None:
    """The journal deleted, or the project deployed from elsewhere: the staging bucket's
    name and our tag still lead destroy to what we staged."""
    run("up")
    client("s3").put_object(Bucket=STAGING, Key="other-project-fn/x.zip", Body=b"zip")
    Path(".lambdactl/state.json").unlink()
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)
    assert any(s["kind"] == "staging_object" and s["name"].startswith(f"s3://{STAGING}/{HELLO}/") for s in out["deleted"])
    assert staged_keys() == ["other-project-fn/x.zip"]   # another project's: kept, and the bucket with it
    client("s3").delete_object(Bucket=STAGING, Key="other-project-fn/x.zip")
    calls.clear()
    out = json.loads(run("-o", "json", "destroy", "--yes").stdout)   # no journal now either
    assert ("staging_bucket", STAGING) in {(s["kind"], s["name"]) for s in out["deleted"]}
    assert client("s3").list_buckets()["Buckets"] == []


def test_foreign_staging_bucket_refused(aws: None, big: Path, calls: Counter[str]) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket=STAGING)   # same name, no lambdactl tag
    calls.clear()
    r = run("up", code=1)
    assert f"staging bucket '{STAGING}' exists but was not created by lambdactl" in r.stderr
    assert writes(calls) == {}
    assert client("lambda").list_functions()["Functions"] == []
    run("destroy", "--yes")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [STAGING]   # left alone


def test_other_projects_objects_keep_the_bucket(aws: None, big: Path) -> None:
    run("up")
    client("s3").put_object(Bucket=STAGING, Key="other-project-fn/x.zip", Body=b"zip")
    run("destroy", "--yes")
    assert staged_keys() == ["other-project-fn/x.zip"]


class Crash(BaseException):
    """The process dies here (not an error lambdactl could handle)."""


@pytest.fixture
def fail_at(monkeypatch: pytest.MonkeyPatch) -> dict[str, BaseException]:
    """{operation: exception}: that call (on the staging bucket, if on a bucket) raises before it is sent."""
    faults: dict[str, BaseException] = {}
    original = botocore.client.BaseClient._make_api_call

    def failing(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name in faults and api_params.get("Bucket", STAGING) == STAGING:
            raise faults[operation_name]
        if operation_name == "CreateBucket" and "PutBucketTagging" in faults \
                and "Tags" in api_params.get("CreateBucketConfiguration", {}):
            # An endpoint without tags at CreateBucket: lambdactl creates, then tags.
            raise ClientError(
                {"Error": {"Code": "MalformedXML", "Message": "The XML you provided was not well-formed"}},
                operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    return faults


# Killed as the staging bucket is created; or, on an endpoint that takes no tags at
# CreateBucket, between the create and the tagging; or after the upload; or the upload
# fails (in s3transfer's threads, where only an error, not a kill, can be injected).
INTERRUPTIONS = [("CreateBucket", Crash()), ("PutBucketTagging", Crash()), ("CreateFunction", Crash()),
                 ("PutObject", EndpointConnectionError(endpoint_url="https://s3"))]


def interrupted_up(fail_at: dict[str, BaseException], op: str, exc: BaseException) -> None:
    fail_at[op] = exc
    if isinstance(exc, Crash):
        with pytest.raises(Crash):
            CliRunner().invoke(root, ["--target", "aws", "up"], catch_exceptions=False)
    else:
        run("up", code=1)
    fail_at.clear()
    assert (STAGING in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]) == (op != "CreateBucket")


@pytest.mark.parametrize(("op", "exc"), INTERRUPTIONS)
def test_interrupted_up_is_cleaned_by_destroy(aws: None, big: Path, fail_at: dict[str, BaseException],
                                              op: str, exc: BaseException) -> None:
    interrupted_up(fail_at, op, exc)
    run("destroy", "--yes")
    assert client("s3").list_buckets()["Buckets"] == []
    assert client("lambda").list_functions()["Functions"] == []


@pytest.mark.parametrize(("op", "exc"), INTERRUPTIONS)
def test_interrupted_up_then_up_converges(aws: None, big: Path, fail_at: dict[str, BaseException],
                                          op: str, exc: BaseException) -> None:
    interrupted_up(fail_at, op, exc)
    run("up")   # an untagged bucket our journal was creating is ours: tagged now, not refused
    assert client("s3").get_bucket_tagging(Bucket=STAGING)["TagSet"][0]["Key"] == "lambdactl:project"
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["CodeSha256"] == hello_zip_sha(big)
    assert len(staged_keys()) == 1
