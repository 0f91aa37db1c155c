"""dead_letter_queue = "queue:NAME" | SQS ARN against moto: the function's
DeadLetterConfig on create and update, the role allowed sqs:SendMessage on it, a
no-op up writes nothing, removal clears it; a bad value refused before any call.
(moto ignores DeadLetterConfig: local/dead_letter.py keeps and shows it, as Lambda.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.test_async import with_async
from tests.test_provision import HELLO, client, refused_before_any_call, run, writes

QUEUE = "arn:aws:sqs:us-east-1:123456789012:"


def with_dlq(project: Path, value: str) -> None:
    with_async(project, value, key="dead_letter_queue")


def dlq() -> dict | None:
    return client("lambda").get_function_configuration(FunctionName=HELLO).get("DeadLetterConfig")


def dlq_grant() -> list[str] | None:
    doc = client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    return next((s["Resource"] for s in doc["Statement"] if s["Sid"] == "LambdactlAsyncQueues"), None)


def test_dead_letter_queue_set_granted_kept_and_cleared(aws: None, project: Path, calls: Counter[str]) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\n[queues.failed]\nname = "my-failures"\n')
    with_dlq(project, '"queue:failed"')
    run("up")
    assert dlq() == {"TargetArn": QUEUE + "my-failures"}
    assert dlq_grant() == [QUEUE + "my-failures"]
    calls.clear()
    run("up")
    assert writes(calls) == {}
    with_dlq(project, f'"{QUEUE}elsewhere"')
    plan = run("plan")
    assert "update function lambdactl-demo-hello (DeadLetterConfig)" in plan.stderr + plan.stdout
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionConfiguration": 1, "PutRolePolicy": 1}
    assert (dlq(), dlq_grant()) == ({"TargetArn": QUEUE + "elsewhere"}, [QUEUE + "elsewhere"])
    with_dlq(project, "")
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionConfiguration": 1, "PutRolePolicy": 1}
    assert (dlq(), dlq_grant()) == (None, None)


@pytest.mark.parametrize(("value", "message"), [
    ('"queue:nope"', "functions.hello.dead_letter_queue: queue:nope is not a [queues.NAME] of this file"),
    ('"arn:aws:sns:us-east-1:123456789012:topic"', "dead_letter_queue: 'arn:aws:sns:us-east-1:123456789012:topic' "
     "must be \"queue:NAME\" (a [queues.NAME]) or an SQS queue ARN"),
    ("1", "dead_letter_queue: 1 must be"),
])
def test_a_bad_dead_letter_queue_is_one_line_before_any_call(aws: None, project: Path, calls: Counter[str],
                                                             value: str, message: str) -> None:
    with_dlq(project, value)
    refused_before_any_call(run("up", code=2), message, calls=calls)


def test_a_dead_letter_permission_not_yet_seen_is_retried() -> None:
    """AWS (not moto) refuses a DeadLetterConfig while the role's new sqs:SendMessage
    grant propagates; Stubber-scripted, on a fake clock."""
    from dataclasses import replace

    import boto3
    from botocore.stub import ANY, Stubber

    from lambdactl import functions
    from tests.test_retries import FN, ROLE, FakeClock, created

    lam, clock = boto3.client("lambda", region_name="us-east-1"), FakeClock()
    fn = replace(FN, dead_letter_queue=QUEUE + "failed")
    with Stubber(lam) as stub:
        for _ in range(2):
            stub.add_client_error("create_function", "InvalidParameterValueException", "The provided execution "
                                  "role does not have permissions to call SendMessage on SQS")
        stub.add_response("create_function", created(), {
            "FunctionName": "demo-hello", "Runtime": ANY, "Role": ROLE, "Handler": ANY, "Code": ANY,
            "MemorySize": ANY, "Timeout": ANY, "Environment": ANY, "Layers": ANY, "Description": ANY,
            "DeadLetterConfig": {"TargetArn": QUEUE + "failed"},
            "Architectures": ["x86_64"], "Tags": ANY, "PackageType": "Zip"})
        functions.create(lam, fn, ROLE, b"zip", {}, sleep=clock.sleep, clock=clock)
        stub.assert_no_pending_responses()
    assert len(clock.sleeps) == 2


def test_a_published_version_keeps_it_and_a_no_op_up_publishes_nothing(aws: None, project: Path,
                                                                       calls: Counter[str]) -> None:
    with_dlq(project, f'"{QUEUE}failed"')
    with_async(project, "true", key="publish")
    run("up")
    version = client("lambda").get_function_configuration(FunctionName=HELLO, Qualifier="1")
    assert version["DeadLetterConfig"] == {"TargetArn": QUEUE + "failed"}
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_the_function_is_made_after_its_dead_letter_queue(aws: None, project: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Queues are made alongside the function chains; a function naming one as its DLQ
    waits for it (AWS checks the target when the function is created). A slowed queue
    makes a function that does not wait be created first, every time."""
    import time

    from lambdactl import functions
    from lambdactl.kinds import queue

    order: list[str] = []
    real_queue, real_create = queue.apply, functions.create

    def slow_queue(*args: object, **kwargs: object) -> None:
        time.sleep(0.3)
        real_queue(*args, **kwargs)  # type: ignore[arg-type]
        order.append("queue")

    def create(*args: object, **kwargs: object) -> object:
        order.append(f"function {args[1].name}")  # type: ignore[attr-defined]
        return real_create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queue, "apply", slow_queue)
    monkeypatch.setattr(functions, "create", create)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\n[queues.failed]\n')
    with_dlq(project, '"queue:failed"')
    run("up")
    assert order.index("queue") < order.index(f"function {HELLO}")
