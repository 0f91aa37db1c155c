"""async = { ... } against moto: PutFunctionEventInvokeConfig with the destinations'
ARNs, the role allowed to reach them, no-op up = 0 writes, an update, removal;
destinations checked before any write."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import HELLO, client, refused_before_any_call, run, writes

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:dlq"


def with_async(project: Path, value: str, key: str = "async") -> None:
    """The first function's KEY = VALUE (none: the line removed)."""
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    marker = "log_retention_days = 14\n"
    if f"\n{key} = " in text:
        text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(f"{key} = ")) + "\n"
    toml.write_text(text.replace(marker, marker + (f"{key} = {value}\n" if value else ""), 1))


def config() -> dict:
    return client("lambda").get_function_event_invoke_config(FunctionName=HELLO)


def role_policy() -> dict:
    return client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]


def test_async_settings_and_destinations(aws: None, project: Path, calls: Counter[str]) -> None:
    with_async(project, f'{{ max_retries = 0, max_event_age = 60, on_success = "{QUEUE}", on_failure = "function:list-buckets" }}')
    plan = run("plan")
    assert "hello: create async config lambdactl-demo-hello: retries 0, max age 60" in plan.stderr + plan.stdout
    run("up")
    got = config()
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (0, 60)
    assert got["DestinationConfig"] == {"OnSuccess": {"Destination": QUEUE},
                                        "OnFailure": {"Destination": ARN + "lambdactl-demo-list-buckets"}}
    stmts = {s["Sid"]: s for s in role_policy()["Statement"]}
    assert stmts["LambdactlAsyncFunctions"]["Resource"] == [ARN + "lambdactl-demo-list-buckets"]
    assert stmts["LambdactlAsyncFunctions"]["Action"] == "lambda:InvokeFunction"
    assert stmts["LambdactlAsyncQueues"] == {"Sid": "LambdactlAsyncQueues", "Effect": "Allow",
                                             "Action": "sqs:SendMessage", "Resource": [QUEUE]}
    calls.clear()
    run("up")
    assert writes(calls) == {}
    with_async(project, "{ max_retries = 1 }")
    calls.clear()
    run("up")
    assert writes(calls) == {"PutFunctionEventInvokeConfig": 1, "PutRolePolicy": 1}
    got = config()
    assert got["MaximumRetryAttempts"] == 1 and "MaximumEventAgeInSeconds" not in got
    with_async(project, "")
    calls.clear()
    out = run("up")
    assert "delete async config lambdactl-demo-hello: no longer in lambdactl.toml" in out.stderr
    assert writes(calls) == {"DeleteFunctionEventInvokeConfig": 1}
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        config()


@pytest.mark.parametrize(("value", "message"), [
    ("{ max_retries = 3 }", "async.max_retries: 3 is out of range; Lambda allows 0-2"),
    ("{ max_event_age = 59 }", "async.max_event_age: 59 is out of range; Lambda allows 60-21600 seconds"),
    ('{ on_failure = "function:nope" }', "async.on_failure: function:nope is not another function of this file"),
    ('{ on_failure = "function:hello" }', "function:hello is not another function of this file"),
    ('{ on_failure = "queue:jobs" }', "async.on_failure: queue:jobs is not a [queues.NAME] of this file"),
    ('{ on_success = "sns:topic" }', "must be \"function:NAME\""),
    ("{ retries = 1 }", "unknown key 'retries'"),
    ('"yes"', "async: must be a table"),
])
def test_bad_async_is_one_line_before_any_call(aws: None, project: Path, calls: Counter[str],
                                               value: str, message: str) -> None:
    with_async(project, value)
    refused_before_any_call(run("up", code=2), message, calls=calls)


def test_destroy_forgets_it(aws: None, project: Path) -> None:
    with_async(project, '{ on_failure = "function:list-buckets" }')
    run("up")
    run("destroy", "--yes")
    journal = json.loads((project / ".lambdactl/state.json").read_text()) if (project / ".lambdactl/state.json").exists() else {}
    assert not any(k.startswith("async_config:") for t in journal.get("targets", {}).values() for k in t["resources"])


def test_a_queue_destination_names_the_projects_queue(aws: None, project: Path) -> None:
    """queue:KEY resolves to the [queues.KEY]'s own name (explicit here), created first."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\n[queues.failed]\nname = "my-failures"\n')
    with_async(project, '{ on_failure = "queue:failed" }')
    run("up")
    want = "arn:aws:sqs:us-east-1:123456789012:my-failures"
    assert config()["DestinationConfig"]["OnFailure"] == {"Destination": want}
    stmts = {s["Sid"]: s for s in role_policy()["Statement"]}
    assert stmts["LambdactlAsyncQueues"]["Resource"] == [want]
    assert client("sqs").get_queue_url(QueueName="my-failures")["QueueUrl"].endswith("/my-failures")


def test_each_alias_gets_the_configuration_too(aws: None, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda keeps one configuration per qualifier: an alias's invocations use the alias's.
    (moto ignores Qualifier there; tests/conftest.py installs local/async_configs.py,
    which keeps one per qualifier as Lambda does.)"""
    with_async(project, '{ max_retries = 0 }')
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("max_retries = 0 }\n", "max_retries = 0 }\npublish = true\n", 1)
                    + '\n[functions.hello.aliases.live]\nversion = "latest-published"\n')
    seen: list[dict] = []
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation, params):  # type: ignore[no-untyped-def]
        if operation == "PutFunctionEventInvokeConfig":
            seen.append(params)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    out = run("up")
    assert "create async config lambdactl-demo-hello:live: retries 0" in out.stderr
    assert sorted(p.get("Qualifier", "") for p in seen) == ["", "live"]
    listed = client("lambda").list_function_event_invoke_configs(FunctionName=HELLO)["FunctionEventInvokeConfigs"]
    assert sorted(c["FunctionArn"].rsplit(":", 1)[1] for c in listed) == ["$LATEST", "live"]
    seen.clear()
    run("up")
    assert seen == []
