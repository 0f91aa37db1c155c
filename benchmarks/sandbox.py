"""Measure the embedded sandbox: start, cold/warm invoke, S3 -> log latency, RSS.

    .venv/bin/python benchmarks/sandbox.py [--runs 20] [--json]

Runs against a throwaway sandbox in a temporary LAMBDACTL_HOME (the sandbox's
own random credentials); nothing leaves the machine. environment_rss_mb is each
execution environment's process tree below its guard (the runtime and whatever it
started); guard_rss_mb, the guard itself (bootstrap.py); zygote_rss_mb, the
preloaded interpreter environments are forked from (zygote.py). Forked processes
share most of their pages: *_private_mb is what each has alone (USS).
cpu_ms_per_invoke: CPU of the sandbox process and its reaped children (the
retired environments) per invoke, then of this client, from /proc; server_threads_ms
and environment_ms (warm): the server's threads and the live environments' processes
(guard, runtime), from schedstat.
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


def _server_cpu_s(pid: int) -> float:
    """utime + stime + cutime + cstime of PID (its reaped children included)."""
    own, reaped = _server_cpu_split_s(pid)
    return own + reaped


def _server_cpu_split_s(pid: int) -> tuple[float, float]:
    """utime + stime of PID, and cutime + cstime (its reaped children: retired environments)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = [int(v) for v in f.read().rsplit(")", 1)[1].split()[11:15]]
    tick = os.sysconf("SC_CLK_TCK")
    return (fields[0] + fields[1]) / tick, (fields[2] + fields[3]) / tick


def _private_mb(pid: int) -> float:
    """Pages PID alone has (Private_Clean + Private_Dirty of smaps_rollup), in MB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            kb = sum(int(line.split()[1]) for line in f if line.startswith("Private_"))
    except OSError:
        return 0.0
    return round(kb / 1024, 1)


def task_dirs(pid: int) -> list[tuple[str, str]]:
    """("server" or "environment", /proc/<process>/task/<thread>) of each thread of PID and
    of every process below it (the zygotes, the guards, the runtimes)."""
    from lambdactl.local.proctree import descendants

    found = []
    for proc in [pid, *descendants(pid)]:
        try:
            tasks = os.listdir(f"/proc/{proc}/task")
        except OSError:
            continue
        found += [("server" if proc == pid else "environment", f"/proc/{proc}/task/{task}") for task in tasks]
    return found


def _sched_ns(pid: int) -> dict[str, int]:
    """CPU time in ns of each thread of PID and of every process below it, from schedstat:
    exact where clock ticks are 10 ms."""
    found: dict[str, int] = {}
    for owner, task in task_dirs(pid):
        try:
            with open(f"{task}/schedstat") as f:
                found[f"{owner} {task}"] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return found


def bench_function(info: Any, warm: int = 0) -> Any:
    """The benchmark's role and function "bench" on the sandbox INFO, invoked WARM times;
    its Lambda client."""
    from lambdactl.iam import TRUST_POLICY
    from lambdactl.local import control

    lam, iam = control.client(info, "lambda"), control.client(info, "iam")
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    lam.create_function(FunctionName="bench", Runtime="python3.11", Role=role["Role"]["Arn"],
                        Handler="app.handler", Code={"ZipFile": _zip()})
    for _ in range(warm):
        lam.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
    return lam


def _cpu(pid: int, invokes: int, run: Any) -> dict[str, float]:
    """CPU per invoke: the server's (with its reaped children: retired environments), this
    client's; and from schedstat (threads and processes alive before and after only, so
    for warm invokes) the server's threads and the live environments' processes."""
    (own, reaped), client, before = _server_cpu_split_s(pid), time.process_time(), _sched_ns(pid)
    run()
    after = _sched_ns(pid)
    own_after, reaped_after = _server_cpu_split_s(pid)
    sched = {"server": 0, "environment": 0}
    for key in before.keys() & after.keys():
        sched[key.split()[0]] += after[key] - before[key]
    return {"server_ms": round((own_after + reaped_after - own - reaped) * 1000 / invokes, 1),
            "of_it_reaped_ms": round((reaped_after - reaped) * 1000 / invokes, 1),
            "client_ms": round((time.process_time() - client) * 1000 / invokes, 1),
            "server_threads_ms": round(sched["server"] / 1e6 / invokes, 3),
            "environment_ms": round(sched["environment"] / 1e6 / invokes, 3)}


def _wait_for(logs: Any, group: str, needle: str, since_ms: int, timeout: float = 10.0) -> None:
    """Poll until NEEDLE is in GROUP. Only events from SINCE_MS on, as `logs --follow` asks:
    the whole group (every earlier invoke's lines) made each poll cost the server more
    than the invoke it waits for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=group, startTime=since_ms)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if any(needle in e["message"] for e in events):
            return
        time.sleep(0.002)
    raise RuntimeError(f"{needle!r} never reached {group}")


def _is_zygote(pid: int) -> bool:
    """The zygote's forks (guards) share its command line, but lead their own session."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b'"zygote": true' in f.read() and os.getsid(pid) != pid
    except OSError:
        return False


def measure(runs: int) -> dict[str, Any]:
    from lambdactl.local import control
    from lambdactl.local.proctree import below_guard_kb, descendants, rss_kb
    from lambdactl.local.proctree import children as proc_children

    started = time.monotonic()
    info, _ = control.start(port=0)
    results: dict[str, Any] = {"start_s": round(time.monotonic() - started, 3)}
    results["server_rss_at_start_mb"] = round(rss_kb(info.pid) / 1024, 1)
    try:
        lam = bench_function(info)
        s3, logs = control.client(info, "s3"), control.client(info, "logs")

        def timed_invoke() -> float:
            t0 = time.perf_counter()
            lam.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
            return time.perf_counter() - t0

        cold: list[float] = []
        warm: list[float] = []

        def cold_runs() -> None:
            for i in range(runs):  # a configuration change retires the warm environment
                lam.update_function_configuration(
                    FunctionName="bench", Environment={"Variables": {"RUN": str(i)}}
                )
                cold.append(timed_invoke())

        cpu_cold = _cpu(info.pid, runs, cold_runs)
        cpu_warm = _cpu(info.pid, runs * 5, lambda: warm.extend(timed_invoke() for _ in range(runs * 5)))
        results["cold_invoke"] = _ms(cold)
        results["cold_cpu_ms_per_invoke"] = cpu_cold  # with its UpdateFunctionConfiguration
        results["warm_invoke"] = _ms(warm)
        results["warm_cpu_ms_per_invoke"] = cpu_warm

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
        to_log, put = [], []
        for i in range(max(5, runs // 2)):
            since_ms, t0 = int(time.time() * 1000), time.perf_counter()
            s3.put_object(Bucket="bench-bucket", Key=f"k{i}.txt", Body=b"x")
            put.append(time.perf_counter() - t0)
            _wait_for(logs, "/aws/lambda/bench", f"uploaded k{i}.txt", since_ms)
            to_log.append(time.perf_counter() - t0)
        results["put_object_to_log_line"] = _ms(to_log)
        results["put_object"] = _ms(put)   # its share: the notification is sent inside it

        # The server's children: the environments' guards (each the root of its tree), zygotes.
        zygotes = [pid for pid in proc_children(info.pid) if _is_zygote(pid)]
        guards = [pid for pid in proc_children(info.pid) if pid not in zygotes]
        results["server_rss_mb"] = round(rss_kb(info.pid) / 1024, 1)
        results["zygote_rss_mb"] = [round(rss_kb(pid) / 1024, 1) for pid in zygotes]
        results["zygote_private_mb"] = [_private_mb(pid) for pid in zygotes]
        results["environments"] = len(guards)
        # The function's memory (REPORT's measure): the tree below the guard (and below its
        # PID namespace's init, which is the guard's too).
        results["environment_rss_mb"] = [round(below_guard_kb(pid)[0] / 1024, 1) for pid in guards]
        results["environment_private_mb"] = [
            sum(_private_mb(child) for child in descendants(pid)) for pid in guards]
        results["guard_rss_mb"] = [round(rss_kb(pid) / 1024, 1) for pid in guards]
        results["guard_private_mb"] = [_private_mb(pid) for pid in guards]
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
        load = os.getloadavg()[0]
        results = {"load_average": [round(load, 1)], **measure(args.runs)}
        results["load_average"].append(round(os.getloadavg()[0], 1))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        for key, value in results.items():
            print(f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
