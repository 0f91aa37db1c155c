"""`ephemeral_storage` in lambdactl.toml (issue 12): the size of a function's /tmp, Lambda's
EphemeralStorage, through the function kind. Before, only the API field existed: a project
could not ask for more than 512 MB of /tmp, and a size set by hand was never seen as drift.
Against moto (in process)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import HELLO, client, refused_before_any_call, run, writes

SETTINGS = 'memory = 128\ntimeout = 10\npolicy = "policies/hello.json"'


def _set(project: Path, line: str) -> None:
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    assert SETTINGS in text
    toml.write_text(text.replace(SETTINGS, f"{SETTINGS}\n{line}", 1))


@pytest.mark.parametrize("value, message", [
    ("256", "functions.hello.ephemeral_storage: 256 MB is out of range; Lambda allows 512-10240 MB of /tmp"),
    ("10241", "functions.hello.ephemeral_storage: 10241 MB is out of range; Lambda allows 512-10240 MB of /tmp"),
    ('"2GB"', "functions.hello.ephemeral_storage: must be an integer (MB), got '2GB'"),
    ("true", "functions.hello.ephemeral_storage: must be an integer (MB), got True"),
])
def test_a_size_lambda_refuses_is_one_line_before_any_call(
    aws: None, project: Path, calls: Counter[str], value: str, message: str
) -> None:
    _set(project, f"ephemeral_storage = {value}")
    result = run("up", code=2)
    refused_before_any_call(result, message, calls=calls)
    assert result.stderr.count("\n") == 1


def test_the_size_is_created_then_planned_as_an_update_when_changed(
    aws: None, project: Path, calls: Counter[str]
) -> None:
    run("up")
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["EphemeralStorage"] == {"Size": 512}
    _set(project, "ephemeral_storage = 2048")
    steps = [s for s in json.loads(run("-o", "json", "plan").stdout)["steps"]
             if s["function"] == "hello" and s["action"] != "keep"]
    assert len(steps) == 1 and "EphemeralStorage" in json.dumps(steps[0]), steps
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionConfiguration": 1}
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["EphemeralStorage"] == {"Size": 2048}
    assert "no changes" in run("plan").stderr


def test_a_size_set_before_the_first_up_is_created_with_the_function(aws: None, project: Path) -> None:
    _set(project, "ephemeral_storage = 10240")
    run("up")
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["EphemeralStorage"] == {"Size": 10240}
    assert "no changes" in run("plan").stderr
