"""Measure the embedded sandbox: start, cold/warm invoke, S3 -> log latency, RSS.

    .venv/bin/python benchmarks/sandbox.py [--runs 20] [--json]

Runs against a throwaway sandbox in a temporary LAMBDACTL_HOME (the sandbox's
own random credentials); nothing leaves the machine. environment_rss_mb is each
execution environment's process tree below its guard (the runtime and whatever it
started); guard_rss_mb, the guard itself (bootstrap.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from typing import Any

HANDLER = """
import boto3  # as the tutorials' handlers do; part of every cold start

def handler(event, context):
    for record in event.get("Records", []):
        print("uploaded", record["s3"]["object"]["key"])
    return {"ok": True}
"""


def _isolate(home: str) -> None:
    os.environ.update(
        {
            "LAMBDACTL_HOME": home,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(key, None)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", HANDLER)
    return buf.getvalue()


def _ms(seconds: list[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in seconds)
    return {
        "median_ms": round(statistics.median(values), 1),
        "min_ms": round(values[0], 1),
        "max_ms": round(values[-1], 1),
    }


def _wait_for(logs: Any, group: str, needle: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if any(needle in e["message"] for e in events):
            return
        time.sleep(0.002)
    raise RuntimeError(f"{needle!r} never reached {group}")


def measure(runs: int) -> dict[str, Any]:
    from lambdactl.iam import TRUST_POLICY
    from lambdactl.local import control
    from lambdactl.local.proctree import children as proc_children
    from lambdactl.local.proctree import rss_kb, tree_rss_kb

    started = time.monotonic()
    info, _ = control.start(port=0)
    results: dict[str, Any] = {"start_s": round(time.monotonic() - started, 3)}
    results["server_rss_at_start_mb"] = round(rss_kb(info.pid) / 1024, 1)
    try:
        lam, iam = control.client(info, "lambda"), control.client(info, "iam")
        s3, logs = control.client(info, "s3"), control.client(info, "logs")
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
        lam.create_function(
            FunctionName="bench",
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": _zip()},
        )

        def timed_invoke() -> float:
            t0 = time.perf_counter()
            lam.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
            return time.perf_counter() - t0

        cold = []
        for i in range(runs):  # a configuration change retires the warm environment
            lam.update_function_configuration(
                FunctionName="bench", Environment={"Variables": {"RUN": str(i)}}
            )
            cold.append(timed_invoke())
        warm = [timed_invoke() for _ in range(runs)]
        results["cold_invoke"] = _ms(cold)
        results["warm_invoke"] = _ms(warm)

        s3.create_bucket(Bucket="bench-bucket")
        lam.add_permission(
            FunctionName="bench",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn="arn:aws:s3:::bench-bucket",
        )
        arn = lam.get_function(FunctionName="bench")["Configuration"]["FunctionArn"]
        s3.put_bucket_notification_configuration(
            Bucket="bench-bucket",
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
        to_log = []
        for i in range(max(5, runs // 2)):
            t0 = time.perf_counter()
            s3.put_object(Bucket="bench-bucket", Key=f"k{i}.txt", Body=b"x")
            _wait_for(logs, "/aws/lambda/bench", f"uploaded k{i}.txt")
            to_log.append(time.perf_counter() - t0)
        results["put_object_to_log_line"] = _ms(to_log)

        children = proc_children(info.pid)  # the environments' guards: each the root of its tree
        results["server_rss_mb"] = round(rss_kb(info.pid) / 1024, 1)
        results["environments"] = len(children)
        # The function's memory (REPORT's measure): the tree below the guard.
        results["environment_rss_mb"] = [
            round((tree_rss_kb(pid) - rss_kb(pid)) / 1024, 1) for pid in children]
        results["guard_rss_mb"] = [round(rss_kb(pid) / 1024, 1) for pid in children]
    finally:
        t0 = time.monotonic()
        control.stop()
        results["stop_s"] = round(time.monotonic() - t0, 3)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-") as home:
        _isolate(home)
        results = measure(args.runs)
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        for key, value in results.items():
            print(f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
