"""End to end: examples/queue-worker with the real CLI in a subprocess on a sandbox
started for it: one `up`, `send` 8 orders, the 3 the worker cannot fill are
redelivered once, exactly those, then dead-lettered; destroy keeps the DLQ holding
them until --delete-data, then nothing is left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.e2e.test_sandbox_flow import REPO, cli, client

EXAMPLE = REPO / "examples" / "queue-worker"


def test_queue_worker_example(tmp_path: Path) -> None:
    root = tmp_path / "queue-worker"
    shutil.copytree(EXAMPLE, root)
    toml = root / "lambdactl.toml"   # the 5 s visibility timeout (and function timeout) scaled down to 2 s
    toml.write_text(toml.read_text().replace("visibility_timeout = 5", "visibility_timeout = 2").replace(
        "timeout = 5", "timeout = 2"))
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    started = json.loads(cli(root, env, "-o", "json", "local", "start", "--port", "0").stdout)
    try:
        run(root, env, started["endpoint"])
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=root, env=env,
                       capture_output=True, timeout=60)


def run(root: Path, env: dict[str, str], endpoint: str) -> None:
    up = json.loads(cli(root, env, "-o", "json", "up").stdout)
    assert [(s["kind"], s["name"]) for s in up["project"]] == [("queue", "queue-worker-failed"), ("queue", "queue-worker-jobs")]
    assert json.loads(cli(root, env, "-o", "json", "up").stdout)["api_calls"]["writes"] == 0
    sent = cli(root, env, "send", "jobs", '{"order": {n}, "quantity": {n}}', "--count", "8")
    assert len(sent.stdout.split()) == 8

    home = Path(env["LAMBDACTL_HOME"])
    sqs, logs = client(endpoint, "sqs", home), client(endpoint, "logs", home)
    dlq = sqs.get_queue_url(QueueName="queue-worker-failed")["QueueUrl"]
    deadline = time.monotonic() + 60
    while int(sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
              ["Attributes"]["ApproximateNumberOfMessages"]) < 3:
        assert time.monotonic() < deadline, "the 3 failed orders never reached the DLQ"
        time.sleep(0.2)
    lines = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/queue-worker-worker")["events"]]
    shipped = Counter(line.split(":")[0] for line in lines if "shipped" in line)
    failed = Counter(line.split(":")[0] for line in lines if "in stock" in line)
    assert shipped == Counter({f"order {n}": 1 for n in range(1, 6)})
    assert failed == Counter({f"order {n}": 2 for n in (6, 7, 8)})     # exactly those, twice (maxReceiveCount)
    assert "batch of 8: 3 failed" in lines   # one batch of all 8 (the batching window)

    kept = cli(root, env, "destroy", "--yes")
    assert "kept (holds 3 message(s)" in kept.stderr and "delete mapping sqs:queue-worker-jobs" in kept.stderr
    cli(root, env, "destroy", "--yes", "--delete-data")
    assert sqs.list_queues().get("QueueUrls", []) == []
    status = json.loads(cli(root, env, "-o", "json", "local", "status").stdout)
    assert status["contents"]["functions"] == [] and status["contents"]["roles"] == []
    assert client(endpoint, "lambda", home).list_event_source_mappings()["EventSourceMappings"] == []
