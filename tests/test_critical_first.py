"""Calls leave as early as their inputs allow: the executor's graph starts the longest
chains of calls first (core/executor.critical_first), for `up` and `destroy`; destroy's
reads make each its client in its own thread (teardown.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl import teardown
from lambdactl.aws import Aws
from lambdactl.core.delete_order import order
from lambdactl.core.executor import critical_first
from lambdactl.core.step import Step
from lambdactl.kinds import KINDS
from lambdactl.kinds.s3_notification import Unhook
from lambdactl.triggers.s3 import BucketState
from tests.test_provision import run


def step(kind: str, name: str, function: str = "", data: object = None) -> Step:
    return Step(function, kind, name, "delete", data=data)


def test_the_notification_write_then_the_roles_start_first_and_each_step_still_follows_what_it_waits_for() -> None:
    steps = [step("function", "p-a", "a"), step("log_group", "/aws/lambda/p-a", "a"), step("role", "p-a-role", "a"),
             step("function", "p-b", "b"), step("log_group", "/aws/lambda/p-b", "b"), step("role", "p-b-role", "b"),
             step("notification", "s3://shared", data=Unhook("shared", ["p-a", "p-b"], BucketState("shared", True, {})))]
    todo, needs = order(steps, {"p-a": "a", "p-b": "b"})
    got = critical_first(todo, needs, teardown.calls)
    assert [(s.function, s.kind) for s in got] == [
        ("", "notification"), ("a", "role"), ("b", "role"),
        ("a", "function"), ("a", "log_group"), ("b", "function"), ("b", "log_group")]
    seen: set[int] = set()
    for s in got:   # threads take steps in this order: none waits for one behind it
        assert all(id(n) in seen for n in needs(s)), s
        seen.add(id(s))


def test_ups_create_function_leaves_right_after_the_role_not_behind_the_log_group_and_bucket() -> None:
    """A cold `up`'s critical path: role, function, permission, notification."""
    todo = [Step("a", kind, "x", "create") for kind in ("role", "log_group", "function", "bucket", "permission",
                                                         "notification")]

    def needs(s: Step) -> list[Step]:   # as core/graph.execute's
        return [o for o in todo if o.kind in KINDS[s.kind].NEEDS]

    got = critical_first(todo, needs)
    assert [s.kind for s in got] == ["role", "function", "bucket", "permission", "log_group", "notification"]
    seen: set[int] = set()
    for s in got:
        assert all(id(n) in seen for n in needs(s)), s
        seen.add(id(s))


def test_destroys_reads_make_their_clients_in_their_own_threads(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read leaves once its client is made: observe() itself makes none (it
    made the Lambda, IAM and S3 clients one after the other before its first call)."""
    run("up")
    asked: list[tuple[str, str]] = []   # (thread, service) of every Aws.client() call
    observing: list[str] = []
    client: Callable[..., Any] = Aws.client
    observe: Callable[..., Any] = teardown.observe

    def recorded_client(self: Aws, service: str) -> Any:
        asked.append((threading.current_thread().name, service))
        return client(self, service)

    def recorded_observe(*args: Any, **kwargs: Any) -> Any:
        observing.append(threading.current_thread().name)
        return observe(*args, **kwargs)

    monkeypatch.setattr(Aws, "client", recorded_client)
    monkeypatch.setattr(teardown, "observe", recorded_observe)
    run("destroy", "--yes")
    assert observing
    reads = [service for thread, service in asked if thread != observing[0]]
    assert {"lambda", "iam", "s3"} <= set(reads)
    assert [service for thread, service in asked if thread == observing[0]] == []
