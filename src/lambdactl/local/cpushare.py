"""CPU share follows memory, as on Lambda: 1,769 MB is one vCPU, proportionally below
(128 MB: 7 % of one) and above (10,240 MB: 5.8 vCPUs).

Each environment gets a cgroup of its own with a CFS quota per 100 ms period:
cgroup v2's ``cpu.max`` where the server's cgroup delegates the cpu controller,
else cgroup v1's ``cpu.cfs_quota_us`` where that hierarchy is mounted and
writable. The environment's guard (bootstrap.py) moves itself in before it
forks the runtime, so the whole tree is limited. The quota is set when the
runtime first asks for an event: the init phase runs unthrottled (on Lambda
it is observed to get more CPU than the memory buys). Where neither can be
used, ``setup`` says why and functions share the host's CPUs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

FULL_VCPU_MB = 1769  # Lambda: one full vCPU at 1,769 MB
PERIOD_US = 100_000
MIN_QUOTA_US = 1_000  # the kernel's floor
CGROUP_FS = Path("/sys/fs/cgroup")
PREFIX = "lambdactl-sandbox-"


def quota_us(memory_mb: int) -> int:
    """CPU time per PERIOD_US that MEMORY_MB buys."""
    return max(MIN_QUOTA_US, round(PERIOD_US * memory_mb / FULL_VCPU_MB))


@dataclass(frozen=True)
class CpuCgroups:
    """The sandbox's own cgroup directory; one child per environment."""

    base: Path
    version: int  # 2: cpu.max; 1: cpu.cfs_quota_us
    pids_max: int = 0  # v2 with the pids controller too: each environment's bound (pidlimit.py)

    @property
    def describe(self) -> str:
        knob = "cpu.max" if self.version == 2 else "cpu.cfs_quota_us"
        return f"cgroup v{self.version} {knob} ({FULL_VCPU_MB} MB = 1 vCPU)"

    def create(self, name: str) -> Path | None:
        """A cgroup for one environment (no quota yet); its guard writes its pid to
        ``cgroup.procs``. None if it cannot be made: the environment runs unlimited."""
        path = self.base / name
        try:
            path.mkdir()
            if self.version == 1:
                (path / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
            elif self.pids_max:  # a process is in one v2 cgroup: its tasks are bounded here too
                (path / "pids.max").write_text(f"{self.pids_max}\n")
        except OSError:
            return None
        return path

    def limit(self, path: Path, memory_mb: int) -> None:
        """From now on, PATH's processes get MEMORY_MB's share of a CPU."""
        with contextlib.suppress(OSError):
            if self.version == 2:
                (path / "cpu.max").write_text(f"{quota_us(memory_mb)} {PERIOD_US}\n")
            else:
                (path / "cpu.cfs_quota_us").write_text(f"{quota_us(memory_mb)}\n")

    def remove(self, path: Path, wait: float = 1.0) -> None:
        """Remove an environment's cgroup once its processes are gone (EBUSY until then)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # left for close() or the next start
                time.sleep(0.01)

    def close(self) -> None:
        remove_all(self.base)


@dataclass(frozen=True)
class EnvCgroup:
    """One environment's cgroup, or none (every method then does nothing)."""

    cpu: CpuCgroups | None
    path: Path | None

    @classmethod
    def make(cls, cpu: CpuCgroups | None) -> EnvCgroup:
        return cls(cpu, cpu.create(f"env-{uuid.uuid4().hex[:12]}") if cpu else None)

    @property
    def procs(self) -> str | None:
        """Where the guard writes its pid to join (before it forks the runtime)."""
        return str(self.path / "cgroup.procs") if self.path else None

    def limit(self, memory_mb: int) -> None:
        if self.cpu and self.path:
            self.cpu.limit(self.path, memory_mb)

    def remove(self) -> None:
        if self.cpu and self.path:
            self.cpu.remove(self.path)


def remove_all(base: Path) -> None:
    """Kill what is left in BASE's cgroups (a sandbox that was SIGKILLed) and remove them."""
    for child in [p for p in base.iterdir() if p.is_dir()] if base.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            for pid in (child / "cgroup.procs").read_text().split():
                with contextlib.suppress(OSError):
                    os.kill(int(pid), signal.SIGKILL)
        CpuCgroups(base, 0).remove(child)
    with contextlib.suppress(OSError):
        base.rmdir()


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per hierarchy: {"" (v2) or "cpu,cpuacct" (v1): "/path"}."""
    found = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            found[controllers] = path
    return found


def _candidates(fs: Path) -> list[tuple[Path, int]]:
    """(the directory of this process's cgroup, version) where a cpu controller may be."""
    own = _own_cgroups()
    out = []
    v2_root = fs if (fs / "cgroup.controllers").exists() else fs / "unified"
    if "" in own and (v2_root / "cgroup.controllers").exists():
        out.append((v2_root / own[""].lstrip("/"), 2))
    for controllers, path in own.items():
        if "cpu" in controllers.split(","):
            out.append((fs / controllers / path.lstrip("/"), 1))
    return out


def setup(server_pid: int, fs: Path = CGROUP_FS, pids_max: int = 0) -> tuple[CpuCgroups | None, str]:
    """The sandbox's CPU cgroups, or None and why CPU share cannot follow memory here. In
    v2, with the pids controller too where it can have it, and PIDS_MAX per environment."""
    reasons = []
    for parent, version in _candidates(fs):
        if version == 2 and "cpu" not in _words(parent / "cgroup.subtree_control"):
            reasons.append(f"cgroup v2 at {parent} does not delegate the cpu controller")
            continue
        if version == 1 and not (parent / "cpu.cfs_quota_us").exists():
            continue
        try:
            base = own_base(parent, f"{PREFIX}{server_pid}", "cpu", version)
        except OSError as exc:
            reasons.append(f"cannot create a cgroup under {parent}: {exc.strerror}")
            continue
        return CpuCgroups(base, version, _with_pids(base, pids_max) if version == 2 else 0), ""
    return None, "; ".join(reasons) or "no cgroup cpu controller is mounted"


def own_base(parent: Path, name: str, controller: str, version: int) -> Path:
    """The sandbox's cgroup NAME (a prefix, then the server's pid) under PARENT (CONTROLLER
    enabled below it, in v2), once those of sandboxes that died without stop are gone;
    OSError where it cannot be made."""
    prefix = name.rstrip("0123456789")
    for stale in parent.glob(f"{prefix}*"):
        if not _alive(stale.name.removeprefix(prefix)):
            remove_all(stale)
    base = parent / name
    base.mkdir(exist_ok=True)
    if version == 2:
        (base / "cgroup.subtree_control").write_text(f"+{controller}\n")
    return base


def _with_pids(base: Path, pids_max: int) -> int:
    """PIDS_MAX where BASE's children can have the pids controller too, else 0."""
    if not pids_max or "pids" not in _words(base.parent / "cgroup.subtree_control"):
        return 0
    try:
        (base / "cgroup.subtree_control").write_text("+pids\n")
    except OSError:
        return 0
    return pids_max


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def cpu_cgroups(pids_max: int = 0) -> CpuCgroups | None:
    """The server's CPU cgroups, with one line in its log saying whether CPU follows memory."""
    import logging

    cpu, why = setup(os.getpid(), pids_max=pids_max)
    log = logging.getLogger("lambdactl.sandbox")
    if cpu is None:
        log.warning("CPU share does not follow memory on this machine (%s): functions share "
                    "the host's CPUs, so durations will not reflect memory", why)
    else:
        log.info("CPU share follows memory: %s", cpu.describe)
    return cpu
