"""End to end: schedules fire on the sandbox. A rate(1 minute) rule fires on
`lambdactl local tick` with EventBridge's scheduled-event shape, and the event
lands in the function's logs; a cron rule with input sends its input; a disabled
rule does not fire; destroy removes the rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_sandbox_flow import cli

REPORT = '''
import json

def handler(event, context):
    print("scheduled:", json.dumps(event, sort_keys=True))
'''
TOML = """
[project]
name = "sched"
target = "local"

[functions.report]
source = "functions/report"
handler = "app.handler"

[[functions.report.triggers]]
type = "schedule"
schedule = "rate(1 minute)"

[[functions.report.triggers]]
type = "schedule"
schedule = "cron(0/2 * * * ? *)"
input = { job = "every-two" }

[[functions.report.triggers]]
type = "schedule"
schedule = "rate(1 minute)"
enabled = false
"""


@pytest.fixture
def sched(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    (tmp_path / "functions/report").mkdir(parents=True)
    (tmp_path / "functions/report/app.py").write_text(REPORT)
    (tmp_path / "lambdactl.toml").write_text(TOML)
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(tmp_path, env, "local", "start", "--port", "0")
    yield tmp_path, env
    subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tmp_path, env=env,
                   capture_output=True, timeout=60)


def events_in_logs(root: Path, env: dict[str, str], want: int) -> list[dict[str, object]]:
    """The events the handler printed, once WANT of them are there (async: polled)."""
    deadline = time.monotonic() + 60
    while True:
        lines = cli(root, env, "logs", "report").stdout.splitlines()
        found = [json.loads(line.split("scheduled: ", 1)[1]) for line in lines if "scheduled: " in line]
        if len(found) >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_rate_and_cron_fire_on_tick_with_the_scheduled_event_shape(sched: tuple[Path, dict[str, str]]) -> None:
    root, env = sched
    cli(root, env, "up")
    out = json.loads(cli(root, env, "-o", "json", "local", "tick", "--minutes", "2").stdout)
    fired = [f["rule"] for f in out["fired"]]
    assert fired.count("sched-report-schedule-0") == 2
    assert fired.count("sched-report-schedule-1") == 1
    assert "sched-report-schedule-2" not in fired   # disabled
    events = events_in_logs(root, env, 3)
    scheduled = [e for e in events if e.get("detail-type") == "Scheduled Event"]
    assert len(scheduled) >= 2
    e = scheduled[0]
    assert e["source"] == "aws.events" and e["detail"] == {} and e["version"] == "0"
    assert e["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/sched-report-schedule-0"]
    assert str(e["time"]).endswith(":00Z") and e["region"] == "us-east-1"
    assert {"job": "every-two"} in events
    cli(root, env, "destroy", "--yes")
    assert "schedule" not in cli(root, env, "-o", "json", "destroy", "--dry-run").stdout


def test_tick_without_a_sandbox_is_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    result = cli(tmp_path, env, "local", "tick", code=1)
    assert "the sandbox is not running" in result.stderr
    assert "Invalid value" in cli(tmp_path, env, "local", "tick", "--minutes", "0", code=2).stderr
