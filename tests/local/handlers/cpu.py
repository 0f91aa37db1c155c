"""A CPU-bound handler for the CPU-share test: it spins for event["cpu_ms"] of CPU time."""

import time


def spin(event, context):
    with open("/proc/self/cgroup") as f:
        cgroups = f.read().splitlines()
    cpu0, wall0 = time.process_time(), time.monotonic()
    while time.process_time() - cpu0 < event["cpu_ms"] / 1000:
        pass
    return {"cgroups": cgroups, "cpu_ms": (time.process_time() - cpu0) * 1000,
            "wall_ms": (time.monotonic() - wall0) * 1000}
