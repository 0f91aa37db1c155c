"""An example project of examples/ copied into a test's directory, with a sandbox of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.test_sandbox_flow import cli

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def deployed_from(tmp_path: Path, name: str) -> Iterator[tuple[Path, dict[str, str], dict[str, Any]]]:
    """(project, env, the sandbox's `local env`) for examples/NAME; the sandbox stopped after."""
    project = tmp_path / name
    shutil.copytree(REPO / "examples" / name, project,   # the links copied as files
                    ignore=shutil.ignore_patterns(".lambdactl"))
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(project, env, "local", "start", "--port", "0")
    try:
        yield project, env, json.loads(cli(project, env, "-o", "json", "local", "env").stdout)
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=project, env=env,
                       capture_output=True, timeout=60)


def client(exported: dict[str, str], service: str) -> Any:
    """A client of the sandbox, signed with its own key (it refuses any other)."""
    return boto3.client(service, endpoint_url=exported["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"])
