"""README "Using the sandbox from the AWS CLI and boto3": what it says the sandbox needs
(its endpoint, any credentials, the project's region) is what a running sandbox needs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import NoCredentialsError, NoRegionError

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("clients-home")
    env = dict(os.environ, LAMBDACTL_HOME=str(home))

    def cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], env=env, cwd=home,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    cli("local", "start", "--port", "0")
    yield json.loads(cli("local", "status", "-o", "json"))["endpoint"]   # as the README says to find it
    cli("local", "stop")


def test_any_credentials_and_the_projects_region(endpoint: str) -> None:
    text = " ".join(README.split())
    assert "**any** credentials" in text and "The account id is always `123456789012`" in text
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="anything", aws_secret_access_key="at-all")
    s3.create_bucket(Bucket="clients-check")
    assert "clients-check" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="y")
    assert sts.get_caller_identity()["Account"] == "123456789012"
    other = boto3.client("lambda", endpoint_url=endpoint, region_name="eu-west-1",
                         aws_access_key_id="x", aws_secret_access_key="y")
    assert other.list_functions()["Functions"] == []   # resources live per region


def test_without_credentials_or_region_the_client_refuses(endpoint: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    session = boto3.session.Session()
    with pytest.raises(NoCredentialsError):
        session.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_buckets()
    with pytest.raises(NoRegionError):
        session.client("lambda", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y")


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_with_the_readmes_environment(endpoint: str, tmp_path: Path) -> None:
    exports = README.split("### Using the sandbox from the AWS CLI and boto3", 1)[1].split("```sh", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for line in exports.split("```", 1)[0].splitlines():   # the README's own exports
        if line.startswith("export "):
            for pair in line.split("#", 1)[0].split()[1:]:
                key, value = pair.split("=", 1)
                env[key] = endpoint if key == "AWS_ENDPOINT_URL" else value
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="t", aws_secret_access_key="t").create_bucket(Bucket="cli-sees-it")
    proc = subprocess.run(["aws", "s3", "ls"], env=env, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "cli-sees-it" in proc.stdout
