"""Lambda's payload quotas and async retries in the sandbox (issue 12)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Aws = Callable[[str], Any]
MB = 1024 * 1024


@pytest.mark.parametrize(("invocation_type", "size"), [("RequestResponse", 7 * MB), ("Event", MB + 10)])
def test_payload_over_the_quota_is_refused(
    aws: Aws, make_function: Any, invocation_type: str, size: int
) -> None:
    name = make_function("app.echo")
    payload = json.dumps({"pad": "x" * size}).encode()
    with pytest.raises(ClientError) as err:
        aws("lambda").invoke(FunctionName=name, Payload=payload, InvocationType=invocation_type)
    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert response["Error"]["Code"] == "RequestEntityTooLargeException"
    limit = 6 * MB if invocation_type == "RequestResponse" else MB
    assert response["Error"]["Message"].startswith(f"Request must be smaller than {limit} bytes")


def test_payload_under_the_quota_runs(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    payload = json.dumps({"pad": "x" * (5 * MB)}).encode()
    response = aws("lambda").invoke(FunctionName=name, Payload=payload)
    assert "FunctionError" not in response


def test_response_over_6_mb_is_a_function_error(aws: Aws, make_function: Any, wait_for_log: Any) -> None:
    """The Runtime API refuses it (413), so awslambdaric's post fails and its process exits,
    as on Lambda: the next invocation starts a new environment and succeeds (it found the
    dying one: Runtime.ExitError)."""
    name = make_function("app.big_response")
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"bytes": 6500000}))
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert body == {"errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}
    again = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"bytes": 10}), LogType="Tail")
    assert "FunctionError" not in again and again["Payload"].read() == b'"' + b"x" * 10 + b'"'
    # The runtime's own words on the 413 are in the log, before the invocation's END.
    _, messages = wait_for_log(f"/aws/lambda/{name}", "Http response code: 413")
    said = next(i for i, m in enumerate(messages) if "Http response code: 413" in m)
    assert said < next(i for i, m in enumerate(messages) if m.startswith("END RequestId")), messages


@pytest.mark.parametrize(("size", "whole"), [(6 * MB, True), (6_291_556, True), (6_291_557, False)])
def test_a_response_up_to_lambdas_limit_comes_back_whole(
    aws: Aws, make_function: Any, size: int, whole: bool
) -> None:
    """moto refuses a response over 6,000,000 bytes (sys.getsizeof, its header included):
    Lambda returns up to 6,291,556 (the figure its error message names)."""
    name = make_function("app.big_response")
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"bytes": size - 2}))
    body = response["Payload"].read()
    if whole:
        assert "FunctionError" not in response and len(body) == size, body[:200]
    else:
        assert json.loads(body)["errorType"] == "Function.ResponseSizeTooLarge"


@pytest.mark.parametrize(("handler", "event", "error_type"), [
    ("app.big_error", {"bytes": 200_000}, "ValueError"), ("app.recurse", {}, "RecursionError"),
], ids=["200-KB-message", "recursion"])
def test_an_error_with_a_big_stack_or_message_keeps_its_type(
    aws: Aws, make_function: Any, handler: str, event: dict[str, int], error_type: str
) -> None:
    """awslambdaric sends the error's X-Ray cause (up to 1 MiB) as a header: the Runtime
    API takes it, as Lambda's does (it used to answer 431: Runtime.ExitError instead)."""
    name = make_function(handler)
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled" and body["errorType"] == error_type, body
    if "bytes" in event:
        assert body["errorMessage"] == "m" * event["bytes"]


@pytest.mark.parametrize(("code", "detail"), [
    (0, "Runtime exited without providing a reason"), (3, "Runtime exited with error: exit status 3"),
])
def test_a_runtime_that_exits_mid_invocation_is_said_alike_in_log_and_answer(
    aws: Aws, make_function: Any, code: int, detail: str
) -> None:
    """os._exit(0) used to be "exit status 0" in the answer and "signal: killed" in the log."""
    name = make_function("app.exit_with")
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"code": code}), LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert body["errorType"] == "Runtime.ExitError" and body["errorMessage"].endswith(f"Error: {detail}")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"Error: {detail}\n" in tail and "signal" not in tail


@pytest.mark.parametrize(("signal_name", "detail"), [
    ("SIGKILL", "signal: killed"), ("SIGSEGV", "signal: segmentation fault"), ("SIGABRT", "signal: aborted"),
])
def test_a_runtime_killed_by_a_signal_is_said_as_lambda_says_it(
    aws: Aws, make_function: Any, signal_name: str, detail: str
) -> None:
    """Lambda: "Runtime exited with error: signal: killed" (Go's words for the signal), in
    the answer and the log; the sandbox said "exit status 1" (its guard's own exit)."""
    name = make_function("app.kill_self")
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"signal": signal_name}), LogType="Tail")
    body = json.loads(response["Payload"].read())
    expected = f"Runtime exited with error: {detail}"
    assert body["errorType"] == "Runtime.ExitError" and body["errorMessage"].endswith(f"Error: {expected}"), body
    assert f"Error: {expected}\n" in base64.b64decode(response["LogResult"]).decode()


def test_forked_workers_count_their_own_pages_not_their_parents(aws: Aws, make_function: Any) -> None:
    """Six forked workers of a ~30 MB runtime: ~35 MB on Lambda (a page counted once);
    a sum of RSS made it 200+ MB and an OOM at MemorySize 128."""
    name = make_function("app.workers", MemorySize=128)
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"n": 6, "seconds": 1.5}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response and body == {"workers": 6}, body


def test_failed_async_invocation_is_retried_twice(aws: Aws, make_function: Any) -> None:
    name = make_function("app.fail_and_count")
    aws("lambda").invoke(FunctionName=name, Payload=b"{}", InvocationType="Event")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_attempts(aws, name)) < 3:
        time.sleep(0.1)
    time.sleep(2.2)  # a fourth attempt would have come by now (the last delay is 2 s)
    lines = _attempts(aws, name)
    assert len(lines) == 3 and len(set(lines)) == 1  # three attempts, one request id


def _attempts(aws: Aws, name: str) -> list[str]:
    """The request ids of the handler's "attempt <id>" lines in its log group."""
    try:
        events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except aws("logs").exceptions.ResourceNotFoundException:
        return []
    return [e["message"].split()[1] for e in events if e["message"].startswith("attempt ")]


def test_eventbridge_delivers_to_a_lambda_target(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    name = make_function("app.echo")
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    events = aws("events")
    rule = events.put_rule(Name=f"r-{name}", EventPattern=json.dumps({"source": [f"src.{name}"]}))["RuleArn"]
    events.put_targets(Rule=f"r-{name}", Targets=[{"Id": "1", "Arn": arn}])
    allow_rule(aws, name, rule)
    sent = events.put_events(
        Entries=[{"Source": f"src.{name}", "DetailType": "thing", "Detail": '{"n": 7}'}]
    )
    assert sent["FailedEntryCount"] == 0  # moto alone answers HTTP 500 here
    _, messages = wait_for_log(f"/aws/lambda/{name}", "'detail': {'n': 7}")
    line = next(m for m in messages if m.startswith("echo 1 "))
    assert "'detail-type': 'thing'" in line and "'time': '20" in line  # ISO time, as EventBridge


def allow_rule(aws: Aws, name: str, rule_arn: str, qualifier: str = "") -> None:
    """The permission Lambda requires for an EventBridge rule's target."""
    aws("lambda").add_permission(FunctionName=name, StatementId=f"events-{rule_arn.rsplit('/', 1)[-1]}",
                                 Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                                 SourceArn=rule_arn, **({"Qualifier": qualifier} if qualifier else {}))


def test_eventbridge_delivers_only_where_the_functions_policy_allows_the_rule(
    aws: Aws, make_function: Any, sandbox: Any, wait_for_log: Any
) -> None:
    """Lambda refuses EventBridge without lambda:InvokeFunction for events.amazonaws.com and
    the rule's ARN (the event is a failed invocation); the sandbox delivered it anyway."""
    from pathlib import Path

    name = make_function("app.echo")
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    events, log_file = aws("events"), Path(sandbox.log_file)
    rules = [events.put_rule(Name=f"{r}-{name}", EventPattern=json.dumps({"source": [f"{r}.{name}"]}))["RuleArn"]
             for r in ("denied", "allowed")]
    for rule in rules:
        events.put_targets(Rule=rule.rsplit("/", 1)[-1], Targets=[{"Id": "1", "Arn": arn}])
    allow_rule(aws, name, "arn:aws:events:us-east-1:123456789012:rule/some-other-rule")
    allow_rule(aws, name, rules[1])
    for source, n in (("denied", 1), ("allowed", 2)):
        events.put_events(Entries=[{"Source": f"{source}.{name}", "DetailType": "t", "Detail": json.dumps({"n": n})}])
    _, messages = wait_for_log(f"/aws/lambda/{name}", "'detail': {'n': 2}")
    assert not any("'detail': {'n': 1}" in m for m in messages), messages
    assert f"EventBridge rule denied-{name}: event dropped" in log_file.read_text()


def test_event_invoke_config_limits_the_retries(aws: Aws, make_function: Any) -> None:
    name = make_function("app.fail_and_count")
    aws("lambda").put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    aws("lambda").invoke(FunctionName=name, Payload=b"{}", InvocationType="Event")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _attempts(aws, name):
        time.sleep(0.1)
    time.sleep(1.5)  # a retry would have come after 1 s
    assert len(_attempts(aws, name)) == 1
