"""destroy's order comes from the kinds' NEEDS, reversed (core/delete_order.py): pure
table tests, then one destroy against moto where independent deletes overlap."""

from __future__ import annotations

import threading
from pathlib import Path

import botocore.client
import pytest

from lambdactl.core.delete_order import needs_all, order
from lambdactl.core.step import Step
from lambdactl.kinds.s3_notification import Unhook
from lambdactl.triggers.s3 import BucketState
from tests.test_provision import client, run
from tests.test_tables import HISTORY, add

KEYS = {"p-a": "a", "p-b": "b"}


def step(kind: str, name: str, function: str = "", data: object = None) -> Step:
    return Step(function, kind, name, "delete", data=data)


def unhook(bucket: str, *fns: str) -> Step:
    return step("notification", f"s3://{bucket}", data=Unhook(bucket, list(fns), BucketState(bucket, True, {})))


def waits(steps: list[Step]) -> dict[str, list[str]]:
    ordered, needs = order(steps, KEYS)
    seen: set[int] = set()
    for s in ordered:   # each after what it waits for: threads take them in this order
        assert all(id(n) in seen for n in needs(s)), s
        seen.add(id(s))
    return {f"{s.function}:{s.kind}": sorted(f"{n.function}:{n.kind}" for n in needs(s)) for s in steps}


def test_a_function_goes_after_what_calls_it_and_its_role_waits_for_nothing() -> None:
    got = waits([step("function", "p-a", "a"), step("role", "p-a-role", "a"), step("log_group", "/g", "a"),
                 step("mapping", "jobs", "a"), step("schedule", "r", "a"), step("alias", "p-a:live", "a"),
                 step("version", "p-a:1", "a"), unhook("shared", "p-a"), step("function", "p-b", "b")])
    assert got["a:function"] == [":notification", "a:alias", "a:mapping", "a:schedule", "a:version"]
    assert got["a:alias"] == [":notification", "a:schedule"]    # a trigger may aim at the alias
    assert got["a:version"] == [":notification", "a:alias", "a:schedule"]
    assert got["a:role"] == [] and got["a:log_group"] == []     # DELETE_ANYTIME; nothing needs a log group
    assert got["b:function"] == []                              # another function's entries: not its business


def test_the_projects_own_steps_wait_for_every_function_that_uses_them() -> None:
    got = waits([step("staging", "staging"), step("layer", "deps:1"), step("function", "p-a", "a"),
                 step("function", "p-b", "b"), step("mapping", "jobs", "b"), step("queue", "jobs"),
                 step("table", "t"), unhook("data", "p-a"), step("project_bucket", "data")])
    # Through the functions: what needs a function needs its layers (and their staging) too.
    assert got[":layer"] == [":notification", "a:function", "b:function", "b:mapping"]
    assert got[":staging"] == [":layer", ":notification", "a:function", "b:function", "b:mapping"]
    assert got[":queue"] == ["b:mapping"] and got[":table"] == ["b:mapping"]
    assert got[":project_bucket"] == [":notification"]


@pytest.mark.parametrize("kind", ["function", "layer", "notification", "mapping", "schedule"])
def test_needs_all_follows_kinds_without_steps(kind: str) -> None:
    """A notification needs the permission, which needs the function (no permission step in destroy)."""
    assert "function" in needs_all("notification") and "role" not in needs_all("staging")
    assert kind not in needs_all(kind)   # no circle


def test_destroy_deletes_a_table_alongside_the_functions(aws: None, project: Path,  # noqa: F811
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing the table holds up needs a function gone: DeleteFunction waits (up to 5 s)
    for DeleteTable to start. Deleted after the functions, as before, it never would."""
    add(project, HISTORY)
    run("up")
    original = botocore.client.BaseClient._make_api_call
    table_started, overlapped = threading.Event(), []

    def watch(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name == "DeleteFunction":
            overlapped.append(table_started.wait(5))
        elif operation_name == "DeleteTable":
            table_started.set()
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", watch)
    run("destroy", "--yes")
    assert overlapped == [True, True]
    assert client("dynamodb").list_tables()["TableNames"] == []
    assert client("lambda").list_functions()["Functions"] == []
