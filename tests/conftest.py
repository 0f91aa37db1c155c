"""Every test: dummy credentials, a fixed region, no ~/.aws, an isolated LAMBDACTL_HOME."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def moto_backends_imported() -> None:
    """moto (in process) imports a backend on first use; lambdactl's parallel calls
    would do so from several threads at once, which can deadlock imports."""
    from lambdactl.local.server import preload_backends

    preload_backends()


@pytest.fixture(autouse=True)
def aws_isolation(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "lambdactl-home"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("LAMBDACTL_HOME", str(home))
    for var in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                "LAMBDACTL_TARGET", "LAMBDACTL_CONFIG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's example project (target aws), as the working directory."""
    for name in ("functions", "policies"):
        shutil.copytree(REPO / name, tmp_path / name)
    text = (REPO / "lambdactl.toml").read_text().replace('target = "local"', 'target = "aws"')
    (tmp_path / "lambdactl.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path
