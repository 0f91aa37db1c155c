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
from typing import Any

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


def up_at_once(moto_server: str, dirs: list[Path], envs: list[dict[str, str]], round_: int) -> None:
    """`up` in each of DIRS at the same time (ENVS: each one's environment); all exit 0."""
    procs = [subprocess.Popen([sys.executable, "-m", "lambdactl", "--target", "aws",
                               "--endpoint-url", moto_server, "up"], cwd=d, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d, env in zip(dirs, envs)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"round {round_}: {err}"


def trigger_ids(s3: Any, bucket: str) -> list[str]:
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    return sorted(e["Id"] for e in config.get("LambdaFunctionConfigurations", []))


def test_two_projects_up_at_once_on_one_bucket_keep_both_triggers(moto_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}   # one user: one lock directory
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    for round_ in range(4):
        bucket = f"race-{round_}"
        s3.create_bucket(Bucket=bucket)   # someone else's shared bucket
        dirs = [project(tmp_path / str(round_), f"p{round_}{x}", bucket, f"{x}/") for x in "ab"]
        up_at_once(moto_server, dirs, [env, env], round_)
        ids = trigger_ids(s3, bucket)
        assert ids == [f"lambdactl-p{round_}a-fn-0", f"lambdactl-p{round_}b-fn-0"], f"round {round_}: {ids}"


def test_two_copies_of_one_project_up_at_once_take_turns(moto_server: str, tmp_path: Path) -> None:
    """`cp -r` of a project (its journal along), then `up` in both at once: one project,
    the same resources. Each directory had its own lock, and one run failed on
    CreateFunction's "Function already exist" in most rounds; they now take turns."""
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp_path / "home")}
    for round_ in range(2):
        original = project(tmp_path / str(round_), f"twin{round_}", f"twin-{round_}", "a/")
        dirs = [original, shutil.copytree(original, tmp_path / str(round_) / "copy")]
        up_at_once(moto_server, dirs, [env, env], round_)


def test_two_projects_with_a_home_each_up_at_once_on_one_bucket_keep_both_triggers(
        moto_server: str, tmp_path: Path) -> None:
    """Two users (or two CI jobs, each with its own LAMBDACTL_HOME) on one machine: the
    bucket's lock was in each home, so neither run saw the other, and one trigger was
    lost in 4 rounds of 6, both exiting 0. The lock is in one directory for the machine
    now (machine_lock.LOCK_DIR: the default, so LAMBDACTL_LOCK_DIR is unset here)."""
    base = {k: v for k, v in os.environ.items() if k != "LAMBDACTL_LOCK_DIR"}
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    for round_ in range(4):
        bucket = f"homes-{round_}"
        s3.create_bucket(Bucket=bucket)
        dirs = [project(tmp_path / str(round_), f"h{round_}{x}", bucket, f"{x}/") for x in "ab"]
        up_at_once(moto_server, dirs, [{**base, "LAMBDACTL_HOME": str(d / "home")} for d in dirs], round_)
        ids = trigger_ids(s3, bucket)
        assert ids == [f"lambdactl-h{round_}a-fn-0", f"lambdactl-h{round_}b-fn-0"], f"round {round_}: {ids}"


def test_two_copies_of_one_project_with_a_home_each_up_at_once_take_turns(
        moto_server: str, tmp_path: Path) -> None:
    """The same project from two homes at once (two CI jobs on one machine, one AWS
    account): the project's lock was in each home, and one `up` failed on CreateFunction's
    "Function already exist" in every round of 4. On an AWS target it is the machine's."""
    base = {k: v for k, v in os.environ.items() if k != "LAMBDACTL_LOCK_DIR"}
    for round_ in range(2):
        original = project(tmp_path / str(round_), f"job{round_}", f"job-{round_}", "a/")
        dirs = [original, shutil.copytree(original, tmp_path / str(round_) / "copy")]
        up_at_once(moto_server, dirs, [{**base, "LAMBDACTL_HOME": str(d / "home")} for d in dirs], round_)
