"""End to end on the sandbox (the real CLI in a subprocess): a failing async
invocation is retried max_retries times, then its destination record (Lambda's
shape) lands in the on_failure queue; a success goes to the on_success function."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import cli, client, wait_for_line

CONFIG = """
[project]
name = "asy"
target = "local"

[functions.work]
source = "functions/work"
handler = "app.handler"
async = {{ max_retries = 1, max_event_age = 60, on_failure = "{queue}", on_success = "function:catcher" }}

[functions.catcher]
source = "functions/catcher"
handler = "app.handler"
"""
WORK = 'def handler(event, context):\n    if event.get("fail"):\n        raise ValueError("boom")\n    return {"ok": True}\n'
CATCHER = 'import json\n\ndef handler(event, context):\n    print("record", json.dumps(event, sort_keys=True))\n'
DELAY = 0.3   # the sandbox's first retry delay (Lambda's ~1 minute), LAMBDACTL_SANDBOX_ASYNC_DELAY


@pytest.fixture
def async_project(tmp_path: Path):  # type: ignore[no-untyped-def]
    for name, code in (("work", WORK), ("catcher", CATCHER)):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "app.py").write_text(code)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"), LAMBDACTL_SANDBOX_ASYNC_DELAY=str(DELAY))
    started = json.loads(cli(tmp_path, env, "-o", "json", "local", "start", "--port", "0").stdout)
    yield tmp_path, env, started["endpoint"]
    subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=60)


def test_async_failure_lands_in_the_on_failure_queue_after_the_retries(async_project) -> None:  # type: ignore[no-untyped-def]
    root, env, endpoint = async_project
    home = Path(env["LAMBDACTL_HOME"])
    sqs, logs = client(endpoint, "sqs", home), client(endpoint, "logs", home)
    url = sqs.create_queue(QueueName="asy-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (root / "lambdactl.toml").write_text(CONFIG.format(queue=arn))
    cli(root, env, "up")

    sent = time.monotonic()
    cli(root, env, "invoke", "work", "--async", "--payload", '{"fail": true}')
    messages: list = []
    while not messages and time.monotonic() - sent < 30:
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert messages, "no record reached the on_failure queue"
    assert time.monotonic() - sent >= DELAY, "delivered before the retry's delay"
    doc = json.loads(messages[0]["Body"])
    ctx = doc["requestContext"]
    assert (ctx["condition"], ctx["approximateInvokeCount"]) == ("RetriesExhausted", 2)
    assert ctx["functionArn"].endswith(":function:asy-work:$LATEST")
    assert doc["requestPayload"] == {"fail": True} and doc["version"] == "1.0"
    assert doc["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert doc["responsePayload"]["errorType"] == "ValueError"
    starts = [e for e in logs.filter_log_events(logGroupName="/aws/lambda/asy-work")["events"]
              if e["message"].startswith(f"START RequestId: {ctx['requestId']}")]
    assert len(starts) == 2, "the first attempt and max_retries = 1 retry"

    cli(root, env, "invoke", "work", "--async", "--payload", '{"n": 1}')
    line = wait_for_line(logs, "/aws/lambda/asy-catcher", '"condition": "Success"', timeout=30)
    record = json.loads(line.split("record ", 1)[1])
    assert record["responsePayload"] == {"ok": True} and record["requestPayload"] == {"n": 1}
    assert record["requestContext"]["approximateInvokeCount"] == 1
    cli(root, env, "destroy", "--yes")
