"""Instructions per warm invoke in the sandbox server's threads, under callgrind.

    .venv/bin/python benchmarks/sandbox_callgrind.py [--invokes 200] [--out DIR]

Starts a throwaway sandbox whose server runs under ``valgrind --tool=callgrind``
(collection off), makes 20 warm-up invokes, then counts the instructions of each
server thread over INVOKES warm invokes (callgrind_control -i on/off). Unlike wall and
CPU time these do not swing with the machine's load: the A/B measure for the warm
path. The environments (forked by the zygote, not run under valgrind) are not counted;
``sandbox.py`` reports their CPU (environment_ms).
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox as B  # noqa: E402


def _run(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def _totals(out: str) -> dict[str, int]:
    """Instructions per thread file of the dump (callgrind's "totals:" line)."""
    found: dict[str, int] = {}
    for path in sorted(glob.glob(os.path.join(out, "cg.out.*"))):
        with open(path) as f:
            for line in f:
                if line.startswith("totals:"):
                    found[os.path.basename(path)] = int(line.split()[1])
                    break
    return found


def measure(n: int, out: str) -> dict[str, float]:
    from lambdactl.local import control

    real = sys.executable
    os.makedirs(out, exist_ok=True)
    for stale in glob.glob(os.path.join(out, "cg.out.*")):
        os.remove(stale)
    wrapper = os.path.join(out, "python-under-callgrind")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes "
                f'--callgrind-out-file={out}/cg.out.%p -q {real} "$@"\n')
    os.chmod(wrapper, 0o755)
    sys.executable = wrapper   # control.start runs the server with sys.executable
    try:
        info, _ = control.start(port=0, wait=900)
    finally:
        sys.executable = real
    try:
        lam = B.bench_function(info, warm=20)
        _run(info.pid, "-z")
        _run(info.pid, "-i", "on")
        for _ in range(n):
            lam.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
        _run(info.pid, "-i", "off")
        _run(info.pid, "-d")
        time.sleep(1)
    finally:
        control.stop()
    per_thread = {name: round(ir / n / 1e6, 3) for name, ir in _totals(out).items() if ir}
    # The client's connection thread and the environment's Runtime API thread: the others
    # (memory monitor, pollers, scheduler) tick with the clock, which valgrind slows.
    busiest = sorted(per_thread.values())[-2:]
    return {**per_thread, "request_threads_M_per_invoke": round(sum(busiest), 3),
            "total_M_per_invoke": round(sum(per_thread.values()), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=200)
    parser.add_argument("--out", default=None, help="where callgrind's files go (default: a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-") as home:
        B._isolate(home)
        results = measure(args.invokes, args.out or os.path.join(home, "callgrind"))
    for key, value in results.items():
        print(f"{key:28} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
