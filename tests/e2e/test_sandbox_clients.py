"""README "Using the sandbox from the AWS CLI and boto3": what it says the sandbox needs
(its endpoint, its own credentials from `lambdactl local env`, the project's region) is
what a running sandbox needs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.fixture(scope="module")
def local_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables `lambdactl local env` exports, as `eval "$(lambdactl local env)"` sets them."""
    home = tmp_path_factory.mktemp("clients-home")
    env = dict(os.environ, LAMBDACTL_HOME=str(home))

    def cli(*args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], env=env, cwd=home,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    cli("local", "start", "--port", "0")
    exported = dict(line.removeprefix("export ").split("=", 1) for line in cli("local", "env").splitlines())
    yield exported
    cli("local", "stop")


def client(env: dict[str, str], service: str, region: str | None = None) -> object:
    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name=region or env["AWS_DEFAULT_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def test_its_own_credentials_and_the_projects_region(local_env: dict[str, str]) -> None:
    text = " ".join(README.split())
    assert "`lambdactl local env` prints all three" in text and "The account id is always `123456789012`" in text
    s3 = client(local_env, "s3")
    s3.create_bucket(Bucket="clients-check")  # type: ignore[attr-defined]
    assert "clients-check" in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # type: ignore[attr-defined]
    assert client(local_env, "sts").get_caller_identity()["Account"] == "123456789012"  # type: ignore[attr-defined]
    other = client(local_env, "lambda", "eu-west-1")
    assert other.list_functions()["Functions"] == []  # type: ignore[attr-defined]   # resources live per region
    forged = boto3.client("s3", endpoint_url=local_env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="anything", aws_secret_access_key="at-all")
    with pytest.raises(ClientError):
        forged.list_buckets()


def test_without_credentials_or_region_the_client_refuses(local_env: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = local_env["AWS_ENDPOINT_URL"]
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    session = boto3.session.Session()
    with pytest.raises(NoCredentialsError):
        session.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_buckets()
    with pytest.raises(NoRegionError):
        session.client("lambda", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y")


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_with_local_env(local_env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(local_env, AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    client(local_env, "s3").create_bucket(Bucket="cli-sees-it")  # type: ignore[attr-defined]
    proc = subprocess.run(["aws", "s3", "ls"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "cli-sees-it" in proc.stdout


def test_local_env_exports_the_projects_region(tmp_path: Path) -> None:
    """In an eu-west-1 project `local env` exported us-east-1: `eval` it, and `aws lambda
    list-functions` showed none of the project's functions (they live in eu-west-1). It
    is the region lambdactl's own commands use there: --region, the project's, AWS_REGION."""
    home, project = tmp_path / "home", tmp_path / "proj"
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    env["LAMBDACTL_HOME"] = str(home)

    def cli(*args: str, cwd: Path = tmp_path) -> str:
        proc = subprocess.run([sys.executable, "-m", "lambdactl", *args], env=env, cwd=cwd,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    cli("init", str(project), "--template", "s3-logger")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('region = "us-east-1"', 'region = "eu-west-1"'))
    cli("local", "start", "--port", "0")
    try:
        assert "export AWS_REGION=eu-west-1\nexport AWS_DEFAULT_REGION=eu-west-1\n" in cli("local", "env", cwd=project)
        assert "export AWS_REGION=ap-south-1\n" in cli("--region", "ap-south-1", "local", "env", cwd=project)
        assert "export AWS_REGION=us-east-1\n" in cli("local", "env")   # no project: the sandbox's default
    finally:
        cli("local", "stop")
