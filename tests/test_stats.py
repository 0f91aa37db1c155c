"""stats: the figures of known REPORT lines in moto's CloudWatch Logs, computed by hand."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl import stats as core
from lambdactl.cli import root
from lambdactl.invoke import Report

GROUP = "/aws/lambda/lambdactl-demo-hello"


def report(rid: str, duration: str, billed: int, used: int, init: str | None = None,
           status: str | None = None) -> str:
    line = (f"REPORT RequestId: {rid}\tDuration: {duration} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: 1024 MB\tMax Memory Used: {used} MB")
    if init:
        line += f"\tInit Duration: {init} ms"
    return line + (f"\tStatus: {status}" if status else "")


# Two execution environments (streams); (request id, lines between START and END, REPORT).
ENV_A = [
    ("r1", ["hello"], report("r1", "120.50", 121, 80, init="300.00")),
    ("r2", [], report("r2", "20.00", 20, 82)),
    # awslambdaric's unhandled exception: "[ERROR] Type: message" -> an error
    ("r3", ["[ERROR] ValueError: bad input\rTraceback (most recent call last):"], report("r3", "30.00", 30, 85)),
    ("r4", [], report("r4", "40.00", 40, 90)),
    ("r5", [], report("r5", "50.00", 50, 88)),
]
ENV_B = [
    ("r6", [], report("r6", "200.00", 200, 95, init="400.00")),
    # the handler's own logging.error: "[ERROR]\t<time>\t<id>\t..." -> not an error
    ("r7", ["[ERROR]\t2024-05-01T11:30:06.000Z\tr7\tretrying the upload"], report("r7", "60.00", 60, 90)),
    ("r8", [], report("r8", "70.00", 70, 91)),
    ("r9", [], report("r9", "80.00", 80, 92)),
    ("r10", ["2024-05-01T11:30:12.000Z r10 Task timed out after 3.00 seconds"],
     report("r10", "3000.00", 3000, 100, status="timeout")),
]


def put_env(logs: Any, stream: str, invocations: list[Any], start_ms: int) -> None:
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    events, ts = [], start_ms
    for rid, lines, rep in invocations:
        for message in [f"START RequestId: {rid} Version: $LATEST", *lines, f"END RequestId: {rid}", rep]:
            events.append({"timestamp": ts, "message": message})
            ts += 10
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)


@pytest.fixture
def known_group(project: Path) -> Iterator[Any]:
    """The example project with hello at 1024 MB, 3 s, and ten known invocations 30 minutes ago."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128\ntimeout = 10", "memory = 1024\ntimeout = 3", 1))
    with mock_aws():
        logs = boto3.client("logs", region_name="us-east-1")
        logs.create_log_group(logGroupName=GROUP)
        start = int((datetime.now(UTC) - timedelta(minutes=30)).timestamp() * 1000)
        put_env(logs, "2024/05/01/[$LATEST]a", ENV_A, start)
        put_env(logs, "2024/05/01/[$LATEST]b", ENV_B, start + 5)
        # A REPORT older than --since 1h is not counted.
        logs.create_log_stream(logGroupName=GROUP, logStreamName="old")
        logs.put_log_events(logGroupName=GROUP, logStreamName="old", logEvents=[
            {"timestamp": start - 3_600_000, "message": report("r0", "9999.00", 9999, 999)}])
        yield logs


def stats_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(root, ["stats", "hello", "-o", "json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_stats_of_known_report_lines(known_group: Any, calls: Counter[str]) -> None:
    doc = stats_json("--since", "1h")
    # one read of the group, one of the metric; the README's deployer policy allows both
    assert calls == {"FilterLogEvents": 1, "GetMetricStatistics": 1}
    from tests.test_permissions import readme_policy

    assert {"logs:FilterLogEvents", "cloudwatch:GetMetricStatistics"} <= readme_policy()
    assert doc["invocations"] == 10
    assert doc["errors"] == 2          # r3 (unhandled), r10 (timeout); r7's own [ERROR] log line is not
    assert doc["timeouts"] == 1
    assert doc["throttles"] == 0       # the CloudWatch metric (moto: no datapoints)
    assert doc["cold_starts"] == 2     # r1, r6: the REPORTs with Init Duration
    # nearest rank over [300, 400]: p50 -> rank ceil(1.0) = 1st, p95 -> ceil(1.9) = 2nd
    assert doc["init_ms"] == {"p50": 300.0, "p95": 400.0}
    # sorted durations: 20 30 40 50 60 70 80 120.5 200 3000; p50 -> 5th, p95/p99 -> 10th
    assert doc["duration_ms"] == {"p50": 60.0, "p95": 3000.0, "p99": 3000.0, "max": 3000.0}
    assert doc["max_memory_used_mb"] == 100 and doc["memory_mb"] == 1024
    # billed: 121+20+30+40+50 + 200+60+70+80+3000 = 3671 ms at 1 GB = 3.671 GB-s
    period = doc["period"]
    assert period["gb_s"] == pytest.approx(3.671)
    assert period["requests"] == 10
    assert period["x86_64"] == pytest.approx(3.671 * 0.0000166667 + 10 * 0.0000002)   # 6.318e-05
    assert period["arm64"] == pytest.approx(3.671 * 0.0000133334 + 10 * 0.0000002)    # 5.095e-05
    # one hour -> a 30-day month is 720 of them
    assert doc["month"]["gb_s"] == pytest.approx(3.671 * 720)
    assert doc["month"]["requests"] == 7200
    assert doc["month"]["x86_64"] == pytest.approx(720 * period["x86_64"])
    assert doc["month_after_free_tier"]["x86_64"] == 0   # 2,643 GB-s and 7,200 requests: all free
    assert doc["prices"]["as_of"] == core.PRICE_DATE and doc["prices"]["region"] == "us-east-1"
    # 100 of 1024 MB: ceil(100 * 1.5 / 64) * 64 = 192; arm64: 1 - 5.0947e-05 / 6.3183e-05 = 19.4%
    assert doc["advice"] == [
        "memory: at most 100 of 1024 MB used; 192 MB may do "
        "(CPU shrinks with memory: measure with `lambdactl tune hello`)",
        'arm64 would cost 19% less at the same durations '
        '(architecture = "arm64"; native dependencies need arm64 wheels)',
    ]


def test_stats_since_window_and_pipe_lines(known_group: Any) -> None:
    assert stats_json("--since", "10m")["invocations"] == 0     # all ten were 30 minutes ago
    assert stats_json("--since", "2h")["invocations"] == 11     # and r0 was 90 minutes ago
    result = CliRunner().invoke(root, ["stats", "hello", "--since", "1h"], catch_exceptions=False)
    lines = result.stdout.splitlines()
    assert "invocations\t10" in lines
    assert "errors\t2 (1 timeouts)" in lines
    assert "max memory used\t100 MB of 1024 MB configured" in lines
    assert "advice: memory: at most 100 of 1024 MB used" in result.stderr


def test_throttles_from_the_cloudwatch_metric() -> None:
    now = datetime.now(UTC)
    with mock_aws():
        cw = boto3.client("cloudwatch", region_name="us-east-1")
        for value in (2.0, 3.0):
            cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[{
                "MetricName": "Throttles", "Value": value, "Timestamp": now - timedelta(minutes=5),
                "Dimensions": [{"Name": "FunctionName", "Value": "lambdactl-demo-hello"}]}])
        assert core.throttles(cw, "lambdactl-demo-hello", now - timedelta(hours=1), now) == 5
        assert core.throttles(cw, "other", now - timedelta(hours=1), now) == 0


def invs(n: int, duration: float, used: int = 60, memory: int = 128) -> list[core.Invocation]:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    return [core.Invocation(f"r{i}", at + timedelta(seconds=i), Report(duration, round(duration), memory, used))
            for i in range(n)]


def test_advice_only_where_the_numbers_are_clear() -> None:
    since, until = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)
    # 30 s timeout, p99 100 ms: 300x; 3 * 100 ms rounds up to 1 s
    s = core.summarize("f", invs(10, 100.0), since, until, architecture="arm64", timeout_s=30)
    assert s.advice == ["timeout: 30 s is 300x the p99 duration (100 ms); 1 s would still leave "
                        "3x headroom and cap a runaway's bill"]
    # nine invocations are too few to advise on
    assert core.summarize("f", invs(9, 100.0), since, until, timeout_s=30, memory_mb=1024).advice == []
    # memory half used or more, a timeout within 10x p99, already arm64: nothing to say
    assert core.summarize("f", invs(10, 500.0, used=512, memory=1024), since, until, architecture="arm64",
                          memory_mb=1024, timeout_s=3).advice == []
    # 1 ms invocations: the request price (the same on both) is most of the bill, arm64 saves <1%
    assert core.summarize("f", invs(10, 1.0), since, until, timeout_s=3).advice == []


def test_percentile_nearest_rank() -> None:
    assert core.percentile([], 50) is None
    assert core.percentile([5.0], 99) == 5.0
    assert core.percentile([float(v) for v in range(1, 101)], 95) == 95.0
    assert core.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0


def test_stats_with_no_log_group(project: Path) -> None:
    with mock_aws():
        doc = stats_json()
    assert doc["invocations"] == 0 and doc["duration_ms"]["p50"] is None and doc["advice"] == []


def test_stats_bad_since_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(root, ["stats", "hello", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "--since 'yesterday'" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(root, ["stats", "hello", "--since", "2999-01-01"])
    assert result.exit_code == 2
    assert "error: --since '2999-01-01' is not in the past; use e.g. 1h" in result.output


def test_stats_figure_axes_have_units() -> None:
    pytest.importorskip("matplotlib")
    from lambdactl import plots

    at = datetime(2024, 5, 1, tzinfo=UTC)
    cold = core.Invocation("c", at, Report(250.0, 250, 128, 70, init_ms=300.0))
    s = core.summarize("f", [cold, *invs(5, 100.0)], at - timedelta(hours=1), at + timedelta(hours=1))
    fig = plots.stats_figure(s, [cold, *invs(5, 100.0)])
    labels = [(ax.get_ylabel(), ax.get_xlabel()) for ax in fig.axes]
    assert labels == [("duration (ms)", ""), ("memory (MB)", "time (UTC)")]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["warm", "cold start"]


def test_plot_without_matplotlib_is_a_usage_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import botocore.client

    def no_calls(*_: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib -> ImportError
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_calls)
    result = CliRunner().invoke(root, ["stats", "hello", "--plot", "x.png"])
    assert result.exit_code == 2
    assert "--plot needs matplotlib" in result.output and "pip install 'lambdactl[plot]'" in result.output
    assert not (project / "x.png").exists()


def test_usd_keeps_four_significant_digits() -> None:
    assert [core.usd(v) for v in (0, 2.4812e-06, 0.0017866, 1.78666, 1234.5)] == [
        "$0", "$0.000002481", "$0.001787", "$1.787", "$1234.50"]


def test_an_unreadable_throttles_metric_is_said_not_fatal(known_group: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """moto grants every call: the denial is raised where the metric is read."""
    from botocore.exceptions import ClientError

    def denied(*_: object) -> int:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "GetMetricStatistics")

    monkeypatch.setattr(core, "throttles", denied)
    result = CliRunner().invoke(root, ["stats", "hello", "-o", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["throttles"] is None
    assert "cannot read the Throttles metric" in result.stderr
