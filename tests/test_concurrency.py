"""Two projects on one machine running `up` at the same time on a shared bucket:
the bucket's notification configuration is read-merged-written by one of them at
a time (triggers/machine_lock.py), so neither trigger is lost. Real processes
against a moto server process (in-process moto cannot be shared between them)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def project(root: Path, name: str, bucket: str, prefix: str) -> Path:
    d = root / name
    shutil.copytree(REPO / "functions" / "hello", d / "functions" / "hello")
    (d / "lambdactl.toml").write_text(
        f'[project]\nname = "{name}"\nregion = "us-east-1"\n'
        '[functions.fn]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n'
        f'[[functions.fn.triggers]]\nbucket = "{bucket}"\nprefix = "{prefix}"\n')
    return d


def test_two_projects_up_at_once_on_one_bucket_keep_both_triggers(moto_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}   # one user: one lock directory
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    for round_ in range(4):
        bucket = f"race-{round_}"
        s3.create_bucket(Bucket=bucket)   # someone else's shared bucket
        dirs = [project(tmp_path / str(round_), f"p{round_}{x}", bucket, f"{x}/") for x in "ab"]
        procs = [subprocess.Popen([sys.executable, "-m", "lambdactl", "--target", "aws",
                                   "--endpoint-url", moto_server, "up"], cwd=d, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in dirs]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        config = s3.get_bucket_notification_configuration(Bucket=bucket)
        ids = sorted(e["Id"] for e in config.get("LambdaFunctionConfigurations", []))
        assert ids == [f"lambdactl-p{round_}a-fn-0", f"lambdactl-p{round_}b-fn-0"], f"round {round_}: {ids}"


def test_two_copies_of_one_project_up_at_once_take_turns(moto_server: str, tmp_path: Path) -> None:
    """`cp -r` of a project (its journal along), then `up` in both at once: one project,
    the same resources. Each directory had its own lock, and one run failed on
    CreateFunction's "Function already exist" in most rounds; they now take turns."""
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}
    for round_ in range(2):
        original = project(tmp_path / str(round_), f"twin{round_}", f"twin-{round_}", "a/")
        dirs = [original, shutil.copytree(original, tmp_path / str(round_) / "copy")]
        procs = [subprocess.Popen([sys.executable, "-m", "lambdactl", "--target", "aws",
                                   "--endpoint-url", moto_server, "up"], cwd=d, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in dirs]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, f"round {round_}: {err}"

