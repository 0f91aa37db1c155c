"""Fault injection at every write of function URLs and schedules (issue 15): each
fails before it is sent, or is sent and its answer lost; the next `up` converges
to a clean run's end state, a no-op `up` writes nothing, and `destroy` leaves
nothing. Random throttling and 5xx as in tests/faults/test_throttling.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.faults.test_crash_points import Fault, cli

CONFIG = """
[project]
name = "crash"

[functions.api]
source = "functions/hello"
handler = "app.lambda_handler"
url = { auth = "NONE", cors = { allow_origins = ["*"] } }

[[functions.api.triggers]]
type = "schedule"
schedule = "rate(5 minutes)"
input = { job = "tick" }
"""
WRITES = ["CreateFunctionUrlConfig", "AddPermission", "PutRule", "PutTargets"]


def snapshot() -> dict[str, Any]:
    lam, ev = boto3.client("lambda", region_name="us-east-1"), boto3.client("events", region_name="us-east-1")
    fns = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    out: dict[str, Any] = {"functions": fns, "urls": [], "statements": [], "rules": [
        (r["Name"], r["ScheduleExpression"], [(t["Id"], t.get("Input")) for t in ev.list_targets_by_rule(Rule=r["Name"])["Targets"]])
        for r in ev.list_rules()["Rules"]]}
    for f in fns:
        try:
            cfg = lam.get_function_url_config(FunctionName=f)
            out["urls"].append((f, cfg["AuthType"], json.dumps(cfg.get("Cors"), sort_keys=True)))
        except lam.exceptions.ResourceNotFoundException:
            pass
        try:
            out["statements"] += sorted(s["Sid"] for s in json.loads(lam.get_policy(FunctionName=f)["Policy"])["Statement"])
        except lam.exceptions.ResourceNotFoundException:
            pass
    return out


EMPTY = {"functions": [], "urls": [], "statements": [], "rules": []}


def test_write_count(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fault = Fault(None, False)
    fault.install(monkeypatch)
    assert cli("up", "--yes") == 0
    assert set(WRITES) <= set(fault.writes)


CASES = [(w, True) for w in WRITES] + [(w, False) for w in WRITES]


@pytest.mark.parametrize(("at", "after"), CASES, ids=[f"{w}-{'answer-lost' if a else 'before-send'}" for w, a in CASES])
def test_up_converges_after_fault(configured: Path, monkeypatch: pytest.MonkeyPatch, at: str, after: bool) -> None:
    assert cli("up", "--yes") == 0
    clean = snapshot()
    assert clean["urls"] and len(clean["statements"]) == 3 and clean["rules"][0][2] == [("lambdactl", '{"job":"tick"}')]
    assert cli("destroy", "--yes") == 0
    fault = Fault(at, after)
    fault.install(monkeypatch)
    assert cli("up", "--yes") == 1
    fault.at = None
    assert cli("up", "--yes") == 0
    assert snapshot() == clean
    fault.writes.clear()
    assert cli("up") == 0
    assert fault.writes == []
    assert cli("destroy", "--yes") == 0
    assert snapshot() == EMPTY


def test_up_and_destroy_survive_random_faults(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.faults.test_throttling import Hostile

    h = Hostile(monkeypatch, 20261203)
    for run in range(6):
        assert cli("up", "--yes") == 0, f"run {run}: up"
        h.on = False
        assert len(snapshot()["statements"]) == 3 and len(snapshot()["rules"]) == 1
        h.on = True
        assert cli("destroy", "--yes") == 0, f"run {run}: destroy"
        h.on = False
        assert snapshot() == EMPTY
        h.on = True
    assert sum(h.injected.values()) > 20
