"""Random throttling and 5xx on 20% of all calls: `up` and `destroy` still succeed.

The faults are injected below botocore's retry layer (Endpoint._do_get_response),
so the standard retry mode configured in aws.py does the retrying. Its backoff
sleeps are recorded instead of slept to keep the loop fast.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from click.testing import CliRunner
from moto import mock_aws

from lambdactl.cli import root
from tests.faults.test_crash_points import HELLO_ONLY

ERRORS = [
    (400, "ThrottlingException", "Rate exceeded"),
    (429, "TooManyRequestsException", "Rate exceeded"),
    (503, "ServiceUnavailable", "Please reduce your request rate."),
    (500, "InternalError", "We encountered an internal error."),
]


class _Raw:
    def stream(self, **_: object):  # type: ignore[no-untyped-def]
        yield b""


class Hostile:
    """20% of all calls answered with a throttling or 5xx error, below botocore's
    retries; backoff sleeps recorded, not slept. ON is False while a test looks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
        self.rng, self.injected, self.sleeps, self.on = random.Random(seed), Counter[str](), [], True  # type: ignore[var-annotated]
        original = botocore.endpoint.Endpoint._do_get_response
        hostile = self

        def flaky(self, request, operation_model, context):  # type: ignore[no-untyped-def]
            if hostile.on and hostile.rng.random() < 0.2:
                status, code, message = hostile.rng.choice(ERRORS)
                hostile.injected[code] += 1
                http = AWSResponse(request.url, status, {}, _Raw())
                parsed = {"Error": {"Code": code, "Message": message},
                          "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}}}
                return (http, parsed), None
            return original(self, request, operation_model, context)

        monkeypatch.setattr(botocore.endpoint.Endpoint, "_do_get_response", flaky)
        monkeypatch.setattr(botocore.endpoint.time, "sleep", self.sleeps.append)


def test_up_and_destroy_survive_random_faults(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = Hostile(monkeypatch, 20261123)
    runner = CliRunner()
    # Odd runs deploy hello alone: the path where `up` claims its role by CreateRole.
    configs = [(project / "lambdactl.toml").read_text(), HELLO_ONLY]
    with mock_aws():
        for run in range(50):
            (project / "lambdactl.toml").write_text(configs[run % 2])
            for args in (["up"], ["destroy", "--yes"]):
                result = runner.invoke(root, ["--target", "aws", *args], catch_exceptions=False)
                assert result.exit_code == 0, f"run {run} {args}: {result.stderr}"
            h.on = False
            assert boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"] == []
            h.on = True
    assert sum(h.injected.values()) > 200  # the loop really was hostile
    assert len(h.sleeps) >= sum(h.injected.values()) * 0.9  # and botocore retried with backoff
