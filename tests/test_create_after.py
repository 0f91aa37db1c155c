"""A chain's step waits for the project steps made alongside it that it names (a kind's
create_after, honoured by core/graph.py's execute), and for no other: unit tests of
the executor's Alongside and of each kind's create_after, then `up` against moto with
the project step held until its dependent starts (or a timeout): a dependent that does
not wait starts while it is held, every time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from lambdactl.config import load
from lambdactl.core.executor import Alongside
from lambdactl.core.graph import create_after
from lambdactl.core.kind import Desired
from lambdactl.core.step import Step
from lambdactl.kinds import function, mapping, project_bucket, queue, s3_notification
from tests.test_dead_letter import with_dlq
from tests.test_provision import HELLO, client, run
from tests.test_queues import JOBS, QUEUES, with_queue_trigger
from tests.test_tables import BUCKETS, add

HELD = 1.0   # s: how long a project step is held for its dependent to start


def test_alongside_waits_for_the_named_part_only_and_reraises_its_failure() -> None:
    gate, failed = threading.Event(), RuntimeError("queue b failed")
    later = Alongside()

    def work(made: object) -> None:
        made(("queue", "a"))  # type: ignore[operator]
        gate.wait(5)
        raise failed

    later.start([("queue", "a"), ("queue", "b")], work)
    later.wait([("queue", "a"), ("table", "not-started-here")])   # returns while b is still held
    assert not gate.is_set()
    gate.set()
    for keys in ([("queue", "b")], None):
        with pytest.raises(RuntimeError) as err:
            later.wait(keys)
        assert err.value is failed
    Alongside().wait()   # nothing started: nothing to wait for


def test_each_kind_names_what_it_waits_for_at_create(project: Path) -> None:
    fn = next(f for f in load().functions if f.key == "hello")
    want, dlq = Desired(fn), Desired(replace(fn, dead_letter_queue="arn:aws:sqs:us-east-1:123456789012:dlq"))
    assert create_after(want, Step("hello", mapping.NAME, "sqs:q1", "create")) == (("queue", "q1"),)
    assert create_after(want, Step("hello", mapping.NAME, "dynamodb:t1", "update")) == (("table", "t1"),)
    assert create_after(want, Step("hello", s3_notification.NAME, "s3://b1", "create")) == (("project_bucket", "b1"),)
    assert create_after(want, Step("hello", function.NAME, HELLO, "create")) == ()
    assert create_after(dlq, Step("hello", function.NAME, HELLO, "update")) == (("queue", "dlq"),)
    assert create_after(dlq, Step("hello", "role", f"{HELLO}-role", "create")) == ()   # a kind without one


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[object], ...]]:
    """held(project kind, dependent kind): the project kind's apply waits (up to HELD) for
    the dependent's create of hello to start; -> the log of both."""
    log: list[object] = []

    def hold(made: ModuleType, dependent: ModuleType) -> list[object]:
        started = threading.Event()
        real_made, real_dependent = made.apply, dependent.apply

        def apply_made(*args: object) -> None:
            log.append(("held", started.wait(HELD)))
            real_made(*args)  # type: ignore[operator]
            log.append("made")

        def apply_dependent(*args: object) -> None:
            step = args[2]
            if step.function == "hello" and step.action != "delete":  # type: ignore[attr-defined]
                log.append("dependent")
                started.set()
            real_dependent(*args)  # type: ignore[operator]

        monkeypatch.setattr(made, "apply", apply_made)
        monkeypatch.setattr(dependent, "apply", apply_dependent)
        return log

    yield hold  # type: ignore[misc]


def waited(log: list[object]) -> bool:
    """The dependent started after every held step was made (none saw it start)."""
    return log[-1] == "dependent" and ("held", True) not in log and "made" in log


def test_a_mapping_waits_for_the_queue_it_reads(aws: None, project: Path, held: object) -> None:
    log = held(queue, mapping)  # type: ignore[operator]
    with_queue_trigger(project)
    run("up")
    assert waited(log), log
    assert client("lambda").list_event_source_mappings()["EventSourceMappings"][0]["EventSourceArn"].endswith(JOBS)


def test_a_notification_waits_for_its_project_bucket(aws: None, project: Path, held: object) -> None:
    log = held(project_bucket, s3_notification)  # type: ignore[operator]
    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    run("up")
    assert waited(log), log
    assert client("s3").get_bucket_notification_configuration(Bucket="lambdactl-demo-charts")["LambdaFunctionConfigurations"]


def test_a_function_waits_for_its_dead_letter_queue(aws: None, project: Path, held: object) -> None:
    log = held(queue, function)  # type: ignore[operator]
    add(project, "\n[queues.failed]\n")
    with_dlq(project, '"queue:failed"')
    run("up")
    assert waited(log), log


def test_a_function_without_a_dead_letter_queue_does_not_wait_for_queues(aws: None, project: Path,
                                                                          held: object) -> None:
    """Only what a step names: the function of a queue's mapping is created while the queue is held."""
    log = held(queue, function)  # type: ignore[operator]
    add(project, QUEUES)
    run("up")
    assert log[0] == "dependent" and ("held", True) in log, log
