"""Fault injection at the writes of versions, aliases and async settings (issue 15):
PublishVersion, CreateAlias, UpdateAlias and PutFunctionEventInvokeConfig each fail
before they are sent, or are sent and their answer lost; the next `up` converges to
a clean run's end state (no version published twice) and `destroy` leaves nothing.
Then the same project under 20% throttling and 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.faults.test_crash_points import Fault, cli

CONFIG = """
[project]
name = "crash"

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
publish = true
async = { max_retries = 0, on_failure = "function:other" }

[functions.hello.aliases.live]
version = "latest-published"

[functions.other]
source = "functions/list_buckets"
handler = "app.lambda_handler"
"""
FIRST = ["PublishVersion", "CreateAlias", "PutFunctionEventInvokeConfig"]   # a cold up
SECOND = ["PublishVersion", "UpdateAlias"]                                 # up after a code change


def change_code(project: Path) -> None:
    app = project / "functions/hello/app.py"
    app.write_text(app.read_text() + "\n# v2\n")


def snapshot() -> dict[str, Any]:
    lam = boto3.client("lambda", region_name="us-east-1")
    fns = sorted(f["FunctionName"] for f in lam.list_functions()["Functions"])
    if "crash-hello" not in fns:
        return {"functions": fns}
    versions = [(v["Version"], v["CodeSha256"]) for v in lam.list_versions_by_function(FunctionName="crash-hello")["Versions"]]
    aliases = [(a["Name"], a["FunctionVersion"]) for a in lam.list_aliases(FunctionName="crash-hello")["Aliases"]]
    cfg = lam.get_function_event_invoke_config(FunctionName="crash-hello")
    return {"functions": fns, "versions": versions, "aliases": aliases,
            "async": (cfg.get("MaximumRetryAttempts"), cfg["DestinationConfig"])}


def test_write_count(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fault = Fault(None, False)
    fault.install(monkeypatch)
    assert cli("up") == 0
    assert set(FIRST) <= set(fault.writes) and fault.writes.count("PublishVersion") == 1
    change_code(configured)
    fault.writes.clear()
    assert cli("up") == 0
    assert sorted(fault.writes) == sorted(["UpdateFunctionCode", *SECOND])


CASES = [("first", w, a) for w in FIRST for a in (False, True)] + [("second", w, a) for w in SECOND for a in (False, True)]


@pytest.mark.parametrize(("run", "at", "after"), CASES,
                         ids=[f"{r}-{w}-{'answer-lost' if a else 'before-send'}" for r, w, a in CASES])
def test_up_converges_after_fault(configured: Path, monkeypatch: pytest.MonkeyPatch, run: str, at: str, after: bool) -> None:
    app = configured / "functions/hello/app.py"
    original = app.read_text()
    assert cli("up") == 0
    if run == "second":
        change_code(configured)
        assert cli("up") == 0
    clean = snapshot()
    assert len(clean["versions"]) == (3 if run == "second" else 2)   # $LATEST and each published once
    assert cli("destroy", "--yes") == 0
    assert snapshot() == {"functions": []}

    app.write_text(original)
    fault = Fault(at if run == "first" else None, after)
    fault.install(monkeypatch)
    assert cli("up") == (1 if run == "first" else 0)
    if run == "second":
        change_code(configured)
        fault.at, fault.writes = at, []
        assert cli("up") == 1
    fault.at = None
    assert cli("up") == 0
    assert snapshot() == clean
    assert cli("destroy", "--yes") == 0
    assert snapshot() == {"functions": []}


def test_up_and_destroy_survive_random_faults(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """20% of calls throttled or 5xx (tests/faults/test_throttling.py): botocore's retries
    carry PublishVersion, CreateAlias/UpdateAlias and PutFunctionEventInvokeConfig."""
    from tests.faults.test_throttling import Hostile

    h = Hostile(monkeypatch, 20261215)
    for run in range(6):
        assert cli("up") == 0, f"run {run}: up"
        change_code(configured)
        assert cli("up") == 0, f"run {run}: second up"
        h.on = False
        state = snapshot()
        assert [a for a, _ in state["aliases"]] == ["live"] and state["aliases"][0][1] == state["versions"][-1][0]
        h.on = True
        assert cli("destroy", "--yes") == 0, f"run {run}: destroy"
        h.on = False
        assert snapshot() == {"functions": []}
        h.on = True
    assert sum(h.injected.values()) > 20
