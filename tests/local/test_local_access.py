"""Only requests signed with the sandbox's own credentials are served (issue 12, Access)."""

from __future__ import annotations

import json
import stat
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdactl.local import control

Aws = Callable[[str], Any]


def foreign(sandbox: control.SandboxInfo, service: str, key: str, secret: str) -> Any:
    return boto3.client(service, endpoint_url=sandbox.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def test_state_file_holds_random_credentials_for_its_owner_only(
    sandbox: control.SandboxInfo, sandbox_home: Path
) -> None:
    path = sandbox_home / control.STATE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["access_key_id"] == sandbox.access_key_id != "test"
    assert len(saved["secret_access_key"]) >= 40
    assert "secret_access_key" not in sandbox.public()


CALLS = {
    "lambda": lambda c: c.list_functions(),  # rest-json
    "iam": lambda c: c.list_roles(),  # query (XML errors)
    "s3": lambda c: c.list_buckets(),  # rest-xml
    "logs": lambda c: c.describe_log_groups(),  # json
}


@pytest.mark.parametrize("service", sorted(CALLS))
def test_requests_signed_with_other_credentials_get_403(
    sandbox: control.SandboxInfo, aws: Aws, service: str
) -> None:
    CALLS[service](aws(service))  # the sandbox's own credentials work
    cases = [("test", "test", "InvalidClientTokenId"),
             # The right key id with another secret: the signature itself is checked.
             (sandbox.access_key_id, "not-the-secret", "SignatureDoesNotMatch")]
    for key, secret, code in cases:
        with pytest.raises(ClientError) as err:
            CALLS[service](foreign(sandbox, service, key, secret))
        response = err.value.response
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert response["Error"]["Code"] == code
        assert "signed with its own credentials" in response["Error"]["Message"]


def test_unsigned_request_is_refused(sandbox: control.SandboxInfo) -> None:
    request = urllib.request.Request(f"{sandbox.endpoint}/2015-03-31/functions/")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 403
    assert b"not signed" in err.value.read()


def test_refused_request_changes_nothing(sandbox: control.SandboxInfo, aws: Aws) -> None:
    with pytest.raises(ClientError):
        foreign(sandbox, "s3", sandbox.access_key_id, "guess").create_bucket(Bucket="intruder")
    names = [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]
    assert "intruder" not in names


def test_signed_bodies_and_query_strings_verify(aws: Aws, make_function: Any) -> None:
    """POST bodies (query protocol), paths with ARNs and query parameters all verify."""
    name = make_function("app.echo")
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    assert aws("lambda").get_function(FunctionName=arn)["Configuration"]["FunctionName"] == name
    assert aws("lambda").list_functions(MaxItems=1)["Functions"]
    aws("s3").create_bucket(Bucket="signed-keys")
    aws("s3").put_object(Bucket="signed-keys", Key="a dir/ü file+1.txt", Body=b"x" * 70000)
    listed = aws("s3").list_objects_v2(Bucket="signed-keys", Prefix="a dir/")["Contents"]
    assert [o["Key"] for o in listed] == ["a dir/ü file+1.txt"]
    assert aws("sts").get_caller_identity()["Account"]


def test_local_env_prints_credentials_that_work(
    sandbox: control.SandboxInfo, sandbox_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root

    monkeypatch.setenv("LAMBDACTL_HOME", str(sandbox_home))
    result = CliRunner().invoke(root, ["local", "env"], catch_exceptions=False)
    assert result.exit_code == 0
    exports = dict(line.removeprefix("export ").split("=", 1) for line in result.output.splitlines())
    assert exports["AWS_ENDPOINT_URL"] == sandbox.endpoint
    s3 = boto3.client("s3", endpoint_url=exports["AWS_ENDPOINT_URL"], region_name="us-east-1",
                      aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                      aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"])
    assert "Buckets" in s3.list_buckets()


def test_local_status_lists_every_region(
    sandbox: control.SandboxInfo, sandbox_home: Path, monkeypatch: pytest.MonkeyPatch,
    role_arn: str, zip_handlers: Any,
) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root

    lam = control.client(sandbox, "lambda", "eu-west-1")
    lam.create_function(FunctionName="far-away", Runtime="python3.11", Role=role_arn,
                        Handler="app.echo", Code={"ZipFile": zip_handlers("app.py")})
    s3 = control.client(sandbox, "s3", "ap-southeast-2")
    s3.create_bucket(Bucket="far-bucket",
                     CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
    monkeypatch.setenv("LAMBDACTL_HOME", str(sandbox_home))
    result = CliRunner().invoke(root, ["-o", "json", "local", "status"], catch_exceptions=False)
    contents = json.loads(result.output)["contents"]
    assert {"name": "far-away", "region": "eu-west-1"} in contents["functions"]
    assert {"name": "far-bucket", "region": "ap-southeast-2"} in contents["buckets"]
    text = CliRunner().invoke(root, ["local", "status"], catch_exceptions=False).output
    assert "far-away (eu-west-1)" in text and "far-bucket (ap-southeast-2)" in text


@pytest.mark.parametrize("version", ["s3v4", "s3"])  # s3 (SigV2): boto3's default here
def test_presigned_urls_verify_and_expire(
    sandbox: control.SandboxInfo, aws: Aws, version: str
) -> None:
    aws("s3").create_bucket(Bucket="presigned")
    aws("s3").put_object(Bucket="presigned", Key="a b.txt", Body=b"shared")

    def presign(secret: str, expires: int = 60) -> str:
        s3 = boto3.client("s3", endpoint_url=sandbox.endpoint, region_name="us-east-1",
                          aws_access_key_id=sandbox.access_key_id, aws_secret_access_key=secret,
                          config=Config(signature_version=version))
        return str(s3.generate_presigned_url(
            "get_object", Params={"Bucket": "presigned", "Key": "a b.txt"}, ExpiresIn=expires))

    url = presign(sandbox.secret_access_key)
    assert ("X-Amz-Signature=" in url) == (version == "s3v4")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"shared"
    forged, expired = presign("guess"), presign(sandbox.secret_access_key, expires=-1)
    for bad, code in ((forged, b"SignatureDoesNotMatch"), (expired, b"Request has expired")):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad, timeout=5)
        assert err.value.code == 403
        assert code in err.value.read()


def test_local_env_says_the_toml_is_invalid(
    sandbox: control.SandboxInfo, sandbox_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An invalid lambdactl.toml was passed over: `local env` printed us-east-1 exports for
    a project meant for another region. It says what is wrong, on which line, and exits 2;
    with --region it needs no project."""
    from click.testing import CliRunner

    from lambdactl.cli import root

    monkeypatch.setenv("LAMBDACTL_HOME", str(sandbox_home))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lambdactl.toml").write_text('[project]\nname = "far"\nregion = "eu-west-1"\nregoin = "x"\n')
    result = CliRunner().invoke(root, ["local", "env"], catch_exceptions=False)
    assert result.exit_code == 2 and "export" not in result.output
    assert result.output.startswith("error: lambdactl.toml:4: project: unknown key 'regoin'"), result.output
    given = CliRunner().invoke(root, ["--region", "eu-west-1", "local", "env"], catch_exceptions=False)
    assert given.exit_code == 0 and "export AWS_REGION=eu-west-1" in given.output
    (tmp_path / "lambdactl.toml").write_text('[project\nname = "far"\n')
    broken = CliRunner().invoke(root, ["local", "env"], catch_exceptions=False)
    assert broken.exit_code == 2 and "is not valid TOML" in broken.output and "line 1" in broken.output
