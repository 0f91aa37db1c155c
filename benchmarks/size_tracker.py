"""Measure `up` of examples/size-tracker on a throwaway sandbox (issue 14's targets:
cold up with the layer's dependencies cached <= 1.5 s, no-op up <= 0.5 s with 0 writes).

    .venv/bin/python benchmarks/size_tracker.py [--runs 5] [--json]

The example is copied to a temporary directory with a temporary LAMBDACTL_HOME;
its matplotlib layer is installed once (pip, not timed), then each round is a
cold `up` (everything created, the 40 MB layer published) followed by no-op
`up`s, and `destroy --delete-data`. Wall and CPU (user+sys) seconds of the whole
`lambdactl` process, and the writes it counted; for the cold `up`, the sandbox
server's CPU during it too (from /proc). Bytecode caching is on, as for an
installed lambdactl. The repository's own hello
example's no-op is measured beside it, on the same sandbox, as the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def server_cpu(env: dict[str, str]) -> float:
    """CPU seconds (user+sys) the sandbox server has used so far (Linux: /proc)."""
    pid = json.loads((Path(env["LAMBDACTL_HOME"]) / "sandbox.json").read_text())["pid"]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(cwd: Path, env: dict[str, str], *args: str) -> tuple[float, float, dict[str, Any]]:
    """(wall s, cpu s, JSON output) of one lambdactl process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lambdactl", "-o", "json", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"lambdactl {' '.join(args)} failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(proc.stdout) if proc.stdout.strip() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-size-tracker-"))
    env = {**os.environ, "LAMBDACTL_HOME": str(tmp / "home")}
    # PYTHONDONTWRITEBYTECODE off, as benchmarks/provision.py has it: an installed lambdactl
    # has its bytecode; with it on, each process compiled ~110 modules again (0.1 s CPU).
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "LAMBDACTL_TARGET", "LAMBDACTL_CONFIG", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    tracker, hello = tmp / "size-tracker", tmp / "hello"
    shutil.copytree(REPO / "examples" / "size-tracker", tracker, ignore=shutil.ignore_patterns(".lambdactl"))
    hello.mkdir()
    for name in ("functions", "policies", "lambdactl.toml"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, hello / name)
    try:
        run(tracker, env, "local", "start", "--port", "0")
        run(tracker, env, "package", "plot")   # pip: the layer's dependencies, cached from here on
        run(hello, env, "up")
        rows: dict[str, list[tuple[float, float, int]]] = {"cold up": [], "no-op up": [], "hello no-op up": []}
        served: list[float] = []   # the sandbox server's CPU during each cold up
        for _ in range(opts.runs):
            start = server_cpu(env)
            wall, cpu, doc = run(tracker, env, "up")
            served.append(server_cpu(env) - start)
            rows["cold up"].append((wall, cpu, doc["api_calls"]["writes"]))
            for _ in range(3):
                wall, cpu, doc = run(tracker, env, "up")
                rows["no-op up"].append((wall, cpu, doc["api_calls"]["writes"]))
            wall, cpu, doc = run(hello, env, "up")
            rows["hello no-op up"].append((wall, cpu, doc["api_calls"]["writes"]))
            run(tracker, env, "destroy", "--yes", "--delete-data")
        report = {name: {"wall_s": round(statistics.median(r[0] for r in runs), 2),
                         "cpu_s": round(statistics.median(r[1] for r in runs), 2),
                         "writes": max(r[2] for r in runs), "n": len(runs)} for name, runs in rows.items()}
        report["cold up"]["server_cpu_s"] = round(statistics.median(served), 2)
        report["load_average_1m"] = round(os.getloadavg()[0], 1)   # type: ignore[assignment]
        if opts.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"examples/size-tracker on the sandbox; median; load average {report.pop('load_average_1m')}")
            for name, r in report.items():
                extra = f" | sandbox cpu {r['server_cpu_s']:.2f} s" if "server_cpu_s" in r else ""
                print(f"{name:15} | wall {r['wall_s']:5.2f} s | cpu {r['cpu_s']:5.2f} s | writes {r['writes']:3} "
                      f"| n={r['n']}{extra}")
    finally:
        subprocess.run([sys.executable, "-m", "lambdactl", "local", "stop"], cwd=tracker, env=env,
                       capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
