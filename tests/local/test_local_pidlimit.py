"""Lambda's 1,024 processes and threads per environment where no cgroup of the sandbox's
own can have the pids controller (local/pidlimit.py, issue 12): cgroup v2 not delegated
to the sandbox's cgroup, or a sandbox started by another user than root."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from lambdactl.local import pidlimit


def test_an_undelegated_cgroup_v2_bounds_environments_in_the_nearest_ancestor_with_pids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a sandbox whose own v2 cgroup (a login session's scope) does not give its
    children the pids controller bounded nothing, though the hierarchy's root (root's to
    write) does. Plain files stand in for cgroupfs here."""
    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("cpu memory pids\n")
    scope = tmp_path / "user.slice" / "session-1.scope"
    scope.mkdir(parents=True)
    (tmp_path / "user.slice" / "cgroup.subtree_control").write_text("memory\n")
    (scope / "cgroup.subtree_control").write_text("")
    monkeypatch.setattr(pidlimit, "_own_cgroups", lambda: {"": "/user.slice/session-1.scope"})
    base, why = pidlimit.setup(4242, fs=tmp_path)
    assert (base, why) == (tmp_path / "lambdactl-pids-4242", ""), why
    assert (base / "cgroup.subtree_control").read_text() == "+pids\n"
    config = pidlimit.guard_config(base)
    assert dict(config)["pids_max"] == pidlimit.LIMIT + pidlimit.OWN_TASKS
    assert pidlimit.describe(config) == "1024 processes and threads per environment (cgroup v2 pids.max)"


def test_without_a_cgroup_another_user_than_root_gets_rlimit_nproc_per_environment() -> None:
    """Before, nothing bounded an environment's tasks without a pids cgroup: a fork bomb in a
    handler reached the machine. As root every environment runs as sbx_user1051 (one count
    for all): nothing can, and `local status` says so."""
    config = pidlimit.guard_config(None, jailed=True, root=False)
    assert config == (("nproc", pidlimit.LIMIT + pidlimit.OWN_TASKS),)
    assert pidlimit.describe(config) == "1024 processes and threads per environment (RLIMIT_NPROC)"
    assert pidlimit.guard_config(None, jailed=True, root=True) == ()
    assert pidlimit.guard_config(None, jailed=False, root=False) == ()   # no user namespace of its own
    assert pidlimit.describe(()) == ""


def test_rlimit_nproc_in_a_user_namespace_counts_that_namespaces_tasks_only() -> None:
    """jail.own_user(nproc), as an environment's guard runs it (another user than root, in a
    forked child here): the kernel counts RLIMIT_NPROC per user namespace and uid, so one
    environment's bound is its own, not every process of the user's."""
    from lambdactl.local import jail

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 9
        try:
            os.close(read)
            hold, held = os.pipe()   # the grandchildren wait on it until this child exits
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
            ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)   # PR_SET_DUMPABLE, as a process the user started
            started = 0
            if jail.own_user(ctypes.CDLL(None, use_errno=True), 6):
                for _ in range(20):
                    try:
                        child = os.fork()
                    except BlockingIOError:
                        break
                    if child == 0:
                        os.close(held)
                        os.read(hold, 1)   # end of file once this child has exited
                        os._exit(0)
                    started += 1
            os.write(write, bytes([started]))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    started = os.read(read, 1)
    os.close(read)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert started and started[0] == 5, started   # 6 tasks: the child itself and 5 more


def test_the_cpu_share_cgroup_of_v2_bounds_the_environments_tasks_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, `local start --cpu-share` on cgroup v2 left environments unbounded: a process
    is in one v2 cgroup, the guard joined its CPU share's, and the pids cgroup was given up.
    Now the CPU share's cgroups get the pids controller too, where they can, and each
    environment's its pids.max. Plain files stand in for cgroupfs here."""
    from lambdactl.local import cpushare

    (tmp_path / "cgroup.controllers").write_text("cpu io memory pids\n")
    mine = tmp_path / "sandbox.scope"
    mine.mkdir()
    (mine / "cgroup.subtree_control").write_text("cpu pids\n")
    monkeypatch.setattr(cpushare, "_own_cgroups", lambda: {"": "/sandbox.scope"})
    cpu, why = cpushare.setup(4242, fs=tmp_path, pids_max=pidlimit.LIMIT + pidlimit.OWN_TASKS)
    assert cpu is not None and cpu.version == 2 and cpu.pids_max == 1027, why
    env = cpu.create("env-1")
    assert env is not None and (env / "pids.max").read_text() == "1027\n"
    (mine / "cgroup.subtree_control").write_text("cpu\n")   # no pids for its children: as before
    cpu, _ = cpushare.setup(4243, fs=tmp_path, pids_max=1027)
    assert cpu is not None and cpu.pids_max == 0
    assert cpu.create("env-2") is not None and not (cpu.base / "env-2" / "pids.max").exists()
