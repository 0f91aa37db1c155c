"""CPU share follows memory (issue 16): 1,769 MB is one vCPU, proportionally below.

On a machine where the sandbox can make cgroups with a CPU quota (v2 cpu.max, or v1
cpu.cfs_quota_us: this one has v1), a 128 MB function gets 7 % of a CPU. Elsewhere
the sandbox says so (state file, sandbox log, `tune`) and the machine test is skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control, cpushare
from tests.local.conftest import ALLOW_ALL, package


def test_quota_is_proportional_to_memory() -> None:
    assert cpushare.quota_us(1769) == cpushare.PERIOD_US  # one full vCPU
    assert cpushare.quota_us(128) == 7236  # 128/1769 of each 100 ms period
    assert cpushare.quota_us(10240) == 578858  # 5.8 vCPUs
    assert cpushare.quota_us(1) == cpushare.MIN_QUOTA_US


def test_no_cgroup_filesystem_is_said_once(tmp_path: Path) -> None:
    assert cpushare.setup(os.getpid(), fs=tmp_path) == (None, "no cgroup cpu controller is mounted")


def _quotas(server_pid: int) -> set[str]:
    """The quotas of the live environments' cgroups (one, but a retired one may still be
    ending), as the host's cgroup files say (v2 cpu.max
    or v1 cfs quota). Found from outside: the handler's /proc/self/cgroup shows "/" (its own
    cgroup namespace, jail.py)."""
    bases = [*cpushare.CGROUP_FS.glob(f"{cpushare.PREFIX}{server_pid}"),
             *cpushare.CGROUP_FS.glob(f"*/{cpushare.PREFIX}{server_pid}")]
    quotas = set()
    for env in (env for base in bases for env in base.glob("env-*")):
        if (env / "cgroup.procs").read_text().strip():
            name = "cpu.max" if (env / "cpu.max").exists() else "cpu.cfs_quota_us"
            quotas.add((env / name).read_text().split()[0])
    assert quotas, bases
    return quotas


def test_a_128_mb_function_gets_its_share_of_a_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: control.SandboxInfo
) -> None:
    assert sandbox.cpu_share == ""  # opt-in: `local start --cpu-share`
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    info = control.start(port=0, cpu_share=True)[0]
    try:
        if not info.cpu_share:
            pytest.skip("this machine gives the sandbox no cgroup with a CPU quota")
        assert info.cpu_share.startswith("cgroup v")
        iam, lam = control.client(info, "iam"), control.client(info, "lambda")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
        iam.put_role_policy(RoleName="r", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
        lam.create_function(FunctionName="cpu", Runtime="python3.11", Role=role["Role"]["Arn"],
                            Handler="cpu.spin", Code={"ZipFile": package("cpu.py")},
                            MemorySize=128, Timeout=30)
        small = _spin(lam)
        assert _quotas(info.pid) == {str(cpushare.quota_us(128))}   # its only environment
        # 30 ms of CPU at 7.2 ms per 100 ms period: at least four periods of waiting.
        assert small["wall_ms"] >= 250, small
        lam.update_function_configuration(FunctionName="cpu", MemorySize=1769)
        _spin(lam)
        assert str(cpushare.PERIOD_US) in _quotas(info.pid)
    finally:
        control.stop()
    left = [*cpushare.CGROUP_FS.glob(f"{cpushare.PREFIX}{info.pid}"),
            *cpushare.CGROUP_FS.glob(f"*/{cpushare.PREFIX}{info.pid}")]
    assert not left  # stop removes the sandbox's cgroups


def _spin(lam: Any) -> dict[str, Any]:
    response = lam.invoke(FunctionName="cpu", Payload=b'{"cpu_ms": 30}')
    body: dict[str, Any] = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body
