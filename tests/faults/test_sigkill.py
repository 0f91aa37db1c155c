"""`up` SIGKILLed at every write call (a real process against a moto server).

A wrapper process patches botocore to kill itself with SIGKILL just before the
k-th write is sent, or just after its answer arrived (so the journal never hears
of it). Then a normal `up` must converge and `destroy` leave zero resources.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.test_crash_points import HELLO_ONLY, WRITES

WRAPPER = """
import os, signal, sys
import botocore.client
from lambdactl.aws import is_write
k, after = int(sys.argv[1]), sys.argv[2] == "after"
original = botocore.client.BaseClient._make_api_call
target = {writes!r}[k]
def call(self, op, params):
    if is_write(op) and op == target:
        if after:
            original(self, op, params)
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self, op, params)
botocore.client.BaseClient._make_api_call = call
from lambdactl.cli import main
sys.argv = ["lambdactl", "--target", "aws", "up"]
main()
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    srv.start()
    yield f"http://127.0.0.1:{port}"
    srv.stop()


def inventory(endpoint: str) -> dict:
    import boto3

    c = {s: boto3.client(s, endpoint_url=endpoint, region_name="us-east-1") for s in ("lambda", "iam", "logs", "s3")}
    return {
        "functions": [f["FunctionName"] for f in c["lambda"].list_functions()["Functions"]],
        "roles": [r["RoleName"] for r in c["iam"].list_roles()["Roles"]],
        "log_groups": [g["logGroupName"] for g in c["logs"].describe_log_groups()["logGroups"]],
        "buckets": [b["Name"] for b in c["s3"].list_buckets()["Buckets"]],
    }


@pytest.mark.parametrize("when", ["before", "after"], ids=["killed-before-send", "killed-after-answer"])
@pytest.mark.parametrize("k", range(len(WRITES)), ids=[f"kill-at-{i}-{w}" for i, w in enumerate(WRITES)])
def test_sigkill_then_up_converges_and_destroy_cleans(project: Path, server: str, k: int, when: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST")).read()
    (project / "lambdactl.toml").write_text(HELLO_ONLY)
    env = dict(os.environ, AWS_ENDPOINT_URL=server)
    killed = subprocess.run([sys.executable, "-c", WRAPPER.format(writes=WRITES), str(k), when],
                            cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    up = subprocess.run([sys.executable, "-m", "lambdactl", "--target", "aws", "-o", "json", "up"],
                        cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert up.returncode == 0, up.stderr
    state = inventory(server)
    assert state == {"functions": ["crash-hello"], "roles": ["crash-hello-role"],
                     "log_groups": ["/aws/lambda/crash-hello"], "buckets": ["crash-uploads"]}
    again = subprocess.run([sys.executable, "-m", "lambdactl", "--target", "aws", "-o", "json", "up"],
                           cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["api_calls"]["writes"] == 0

    gone = subprocess.run([sys.executable, "-m", "lambdactl", "--target", "aws", "destroy", "--yes"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert gone.returncode == 0, gone.stderr
    assert inventory(server) == {"functions": [], "roles": [], "log_groups": [], "buckets": []}
