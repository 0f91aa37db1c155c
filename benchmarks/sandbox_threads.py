"""CPU and hand-offs per warm invoke in each of the sandbox server's threads.

    .venv/bin/python benchmarks/sandbox_threads.py [--invokes 500]

Starts a throwaway sandbox whose server names its threads for the kernel (a shim in
front of ``python -m lambdactl.local.server`` sets each thread's name with prctl, as
Python 3.14 does itself), makes 20 warm-up invokes, then reads every thread's CPU
(schedstat, in ns) and context switches before and after INVOKES warm invokes; also
the environments' processes (guard, runtime) and the whole server process (utime +
stime, which is what the kernel bills: threads that ended count too). Per invoke.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox as B  # noqa: E402

SHIM = """
import ctypes, runpy, sys, threading
_prctl = ctypes.CDLL(None, use_errno=True).prctl
_inner = threading.Thread._bootstrap_inner
def _named(self):
    _prctl(15, self.name[:15].encode(), 0, 0, 0)   # PR_SET_NAME
    _inner(self)
threading.Thread._bootstrap_inner = _named
_prctl(15, b"main", 0, 0, 0)
assert sys.argv[1] == "-m"
module = sys.argv[2]
sys.argv = [module] + sys.argv[3:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def _tasks(pid: int) -> dict[str, tuple[int, int, int]]:
    """Per thread of PID and per process below it: (cpu ns, voluntary, involuntary switches)."""
    found: dict[str, tuple[int, int, int]] = {}
    for owner, task in B.task_dirs(pid):
        try:
            with open(f"{task}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"{task}/comm") as f:
                name = f.read().strip()
            with open(f"{task}/status") as f:
                sw = {k: int(v) for k, v in (line.split(":") for line in f if "ctxt_switches:" in line)}
        except (OSError, ValueError, IndexError):
            continue
        found[f"{owner} {task.rsplit('/', 1)[1]} {name}"] = (
            ns, sw.get("voluntary_ctxt_switches", 0), sw.get("nonvoluntary_ctxt_switches", 0))
    return found


def measure(n: int, home: str) -> tuple[dict[str, dict[str, float]], dict[str, object]]:
    from lambdactl.local import control

    real = sys.executable
    shim = os.path.join(home, "shim.py")
    with open(shim, "w") as f:
        f.write(SHIM)
    wrapper = os.path.join(home, "python-named-threads")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec {real} {shim} "$@"\n')
    os.chmod(wrapper, 0o755)
    sys.executable = wrapper   # control.start runs the server with sys.executable
    try:
        info, _ = control.start(port=0)
    finally:
        sys.executable = real
    try:
        lam = B.bench_function(info, warm=20)
        server0, client0, before = B._server_cpu_s(info.pid), time.process_time(), _tasks(info.pid)
        t0 = time.perf_counter()
        for _ in range(n):
            lam.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
        wall = time.perf_counter() - t0
        after = _tasks(info.pid)
        server = B._server_cpu_s(info.pid) - server0
        client = time.process_time() - client0
    finally:
        control.stop()
    rows: dict[str, dict[str, float]] = {}
    for key in sorted(before.keys() & after.keys()):
        d = [(a - b) / n for a, b in zip(after[key], before[key])]
        if d[0] > 0 or d[1] > 0:
            rows[key] = {"cpu_us": round(d[0] / 1e3, 1), "vol": round(d[1], 2), "invol": round(d[2], 2)}
    new = sorted(after.keys() - before.keys())
    return rows, {"new_tasks": new,
            "threads_us": round(sum(v["cpu_us"] for k, v in rows.items() if k.startswith("server")), 1),
            "env_us": round(sum(v["cpu_us"] for k, v in rows.items() if k.startswith("env")), 1),
            "server_process_ms": round(server * 1000 / n, 3), "client_ms": round(client * 1000 / n, 3),
            "wall_ms": round(wall * 1000 / n, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-") as home:
        B._isolate(home)
        load = os.getloadavg()[0]
        rows, results = measure(args.invokes, home)
    print(f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    for key, row in rows.items():
        print(f"  {key:44} {row['cpu_us']:8.1f} us  vol {row['vol']:5.2f}  invol {row['invol']:5.2f}")
    for key, value in results.items():
        print(f"{key:20} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
