"""The sandbox end to end, with plain boto3 against its endpoint."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Aws = Callable[[str], Any]


def invoke(
    aws: Aws, name: str, payload: Any = None, **kwargs: Any
) -> tuple[dict[str, Any], Any, str]:
    """(response, decoded payload, Tail log)"""
    response = aws("lambda").invoke(
        FunctionName=name, Payload=json.dumps(payload or {}).encode(), LogType="Tail", **kwargs
    )
    raw = response["Payload"].read()
    tail = base64.b64decode(response.get("LogResult", "")).decode()
    return response, json.loads(raw) if raw else None, tail


def test_request_response_returns_payload_and_tail(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    response, body, tail = invoke(aws, name, {"hello": "world"})
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["count"] == 1 and body["event"] == {"hello": "world"}
    lines = tail.splitlines()
    assert lines[0] == "module loaded"  # init output comes before START
    assert lines[1] == f"START RequestId: {body['request_id']} Version: $LATEST"
    assert "echo 1 {'hello': 'world'}" in lines
    assert lines[-2] == f"END RequestId: {body['request_id']}"
    report = lines[-1]
    assert report.startswith(f"REPORT RequestId: {body['request_id']}\tDuration: ")
    assert "\tMemory Size: 128 MB\tMax Memory Used: " in report
    assert "\tInit Duration: " in report


def test_warm_invoke_keeps_module_state_and_has_no_init(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    invoke(aws, name)
    _, body, tail = invoke(aws, name)
    assert body["count"] == 2
    assert "module loaded" not in tail
    assert "Init Duration" not in tail


def test_handler_exception_is_unhandled_with_stack_trace(aws: Aws, make_function: Any) -> None:
    name = make_function("app.fail")
    response, body, tail = invoke(aws, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom from handler"
    assert body["requestId"]
    assert any("raise ValueError" in frame for frame in body["stackTrace"])
    assert "[ERROR] ValueError: boom from handler" in tail


def test_timeout_kills_the_environment(aws: Aws, make_function: Any) -> None:
    name = make_function("app.sleep", Timeout=1)
    started = time.monotonic()
    response, body, tail = invoke(aws, name, {"seconds": 30})
    assert time.monotonic() - started < 5
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "going to sleep" in tail
    assert "Task timed out after 1.00 seconds" in tail
    assert "Status: timeout" in tail
    # The next invocation gets a fresh environment.
    _, body, tail = invoke(aws, name, {"seconds": 0})
    assert body == "woke" and "Init Duration" in tail


def test_import_error_is_reported_from_init(aws: Aws, make_function: Any) -> None:
    name = make_function("broken.handler", files=("broken.py",))
    response, body, tail = invoke(aws, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in body["errorMessage"]
    assert "Phase: init\tStatus: error\tError Type: Runtime.ImportModuleError" in tail


def test_missing_handler_function(aws: Aws, make_function: Any) -> None:
    name = make_function("app.nope")
    response, body, _ = invoke(aws, name)
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"


def test_memory_limit_kills_the_environment(aws: Aws, make_function: Any) -> None:
    name = make_function("app.hog", MemorySize=128)
    response, body, tail = invoke(aws, name, {"mb": 300})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert "Runtime exited with error: signal: killed" in body["errorMessage"]
    assert "Error Type: Runtime.OutOfMemory" in tail
    assert "Max Memory Used: 128 MB" in tail
    _, body, tail = invoke(aws, name, {"mb": 1})
    assert body == 1 << 20
    used = int(tail.split("Max Memory Used: ")[1].split(" ")[0])
    assert 5 < used <= 128


def test_event_invoke_is_asynchronous(aws: Aws, make_function: Any, wait_for_log: Any) -> None:
    name = make_function("app.sleep")
    started = time.monotonic()
    response = aws("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=b'{"seconds": 1}'
    )
    assert response["StatusCode"] == 202
    assert time.monotonic() - started < 0.8
    wait_for_log(f"/aws/lambda/{name}", "going to sleep")
    wait_for_log(f"/aws/lambda/{name}", "REPORT RequestId")


def test_deprecated_invoke_async_api_is_asynchronous(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    name = make_function("app.sleep")
    started = time.monotonic()
    response = aws("lambda").invoke_async(FunctionName=name, InvokeArgs=b'{"seconds": 1}')
    assert response["Status"] == 202
    assert time.monotonic() - started < 0.8
    wait_for_log(f"/aws/lambda/{name}", "going to sleep")


def test_dry_run_does_not_run_code(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    response = aws("lambda").invoke(FunctionName=name, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")
    assert groups["logGroups"] == []


def test_handler_environment(aws: Aws, make_function: Any, sandbox: Any) -> None:
    name = make_function("app.environment", Environment={"Variables": {"GREETING": "hi"}})
    _, env, _ = invoke(aws, name)
    assert env["AWS_ENDPOINT_URL"] == sandbox.endpoint
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].split("]")[0].endswith("[$LATEST")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.environment"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")  # a session of the function's role
    assert env["AWS_PROFILE"] is None
    assert env["GREETING"] == "hi"
    assert 0 < env["remaining_ms"] <= 3000
    assert env["function_arn"].endswith(f":function:{name}")


def test_handler_boto3_calls_land_in_the_sandbox(aws: Aws, make_function: Any) -> None:
    aws("s3").create_bucket(Bucket="seen-from-handler")
    name = make_function("app.list_buckets")
    _, body, _ = invoke(aws, name)
    assert "seen-from-handler" in body


def test_runtime_version_notice_is_not_in_the_log_group(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo", Runtime="python3.99")
    _, _, tail = invoke(aws, name)
    assert "START RequestId" in tail and "no working" not in tail


def test_new_deployment_retires_warm_environments(
    aws: Aws, make_function: Any, zip_handlers: Any
) -> None:
    name = make_function("app.echo")
    invoke(aws, name)
    aws("lambda").update_function_configuration(FunctionName=name, MemorySize=256)
    _, body, tail = invoke(aws, name)
    assert body["count"] == 1 and "Memory Size: 256 MB" in tail
    aws("lambda").update_function_code(
        FunctionName=name, ZipFile=zip_handlers("app.py", "broken.py")
    )
    _, body, tail = invoke(aws, name)
    assert body["count"] == 1 and "Init Duration" in tail


def test_concurrent_invocations_get_separate_environments(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    invoke(aws, name)  # one warm environment
    results: list[Any] = []

    def call() -> None:
        results.append(invoke(aws, name, {"seconds": 0.5})[1])

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each environment counts on its own; at least two were needed at once.
    assert len(results) == 3
    assert min(r["count"] for r in results) == 1


def test_invalid_json_payload_is_rejected(aws: Aws, make_function: Any) -> None:
    name = make_function("app.echo")
    with pytest.raises(ClientError) as err:
        aws("lambda").invoke(FunctionName=name, Payload=b"{not json")
    assert err.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_role_must_trust_lambda(aws: Aws, zip_handlers: Any) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws("iam").create_role(RoleName="ec2-only", AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(ClientError, match="cannot be assumed by Lambda"):
        aws("lambda").create_function(
            FunctionName="untrusted",
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="app.echo",
            Code={"ZipFile": zip_handlers("app.py")},
        )


def test_recreated_function_starts_cold(aws: Aws, make_function: Any, zip_handlers: Any) -> None:
    name = make_function("app.echo")
    invoke(aws, name)
    config = aws("lambda").get_function(FunctionName=name)["Configuration"]
    aws("lambda").delete_function(FunctionName=name)
    aws("lambda").create_function(
        FunctionName=name,
        Runtime=config["Runtime"],
        Role=config["Role"],
        Handler="app.echo",
        Code={"ZipFile": zip_handlers("app.py")},
    )
    _, body, tail = invoke(aws, name)
    assert body["count"] == 1 and "Init Duration" in tail
