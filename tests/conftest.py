"""Every test: dummy credentials, a fixed region, no ~/.aws, an isolated LAMBDACTL_HOME.

Shared fixtures: the example project, an API call counter, an offline wheelhouse.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import botocore.client
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def moto_backends_imported() -> None:
    """moto (in process) imports a backend on first use; lambdactl's parallel calls
    would do so from several threads at once, which can deadlock imports. And moto
    gets the AWS features lambdactl uses that it lacks (see local/strict.py)."""
    from lambdactl.local import strict
    from lambdactl.local.server import preload_backends

    preload_backends()
    strict.install_features()  # S3's tags at CreateBucket, which moto 5.2 lacks


@pytest.fixture(autouse=True, scope="session")
def ctrl_c_reaches_the_commands() -> None:
    """pytest started in the background of a script (`pytest ... &`, a CI step) inherits
    SIGINT ignored, and so did every command a test interrupts: they ran on to exit 0.
    Python's own handler again, here and (reset by exec) in every child."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True, scope="session")
def runtime_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache of the declared Pythons' awslambdaric and boto3 for the whole session
    (local/declared.py): each is installed once, not once per sandbox home."""
    with pytest.MonkeyPatch.context() as mp:
        cache = tmp_path_factory.getbasetemp() / "runtimes"
        mp.setenv("LAMBDACTL_RUNTIME_CACHE", str(cache))
        yield cache


@pytest.fixture
def without_pythons(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no Python but the system's: nothing on PATH, pyenv or uv for the
    sandbox to find (local/pythons.py), and no earlier finding remembered."""
    from lambdactl.local import declared

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "no-uv"))
    monkeypatch.setattr(declared, "_resolved", {})


@pytest.fixture(autouse=True)
def aws_isolation(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.getbasetemp() / "lambdactl-home"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("LAMBDACTL_HOME", str(home))
    monkeypatch.setenv("LAMBDACTL_CACHE", str(home / "cache"))   # not beside the package (codecache.SHARED)
    # Buckets' locks of this session only: in-process moto's buckets share the names and
    # the key ("aws") of every other run's on this machine (triggers/machine_lock.py).
    monkeypatch.setenv("LAMBDACTL_LOCK_DIR", str(home / "locks"))
    for var in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                "LAMBDACTL_TARGET", "LAMBDACTL_CONFIG", "AWS_DEFAULT_OUTPUT", "LAMBDACTL_OUTPUT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def home_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caches in $LAMBDACTL_HOME/cache, as where the package's directory is not
    writable (codecache.cache_dir): for tests that change the home for a new cache."""
    from lambdactl import codecache

    monkeypatch.delenv("LAMBDACTL_CACHE", raising=False)
    monkeypatch.setattr(codecache, "_chosen", lambda shared, home: f"{home}/cache")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's example project (target aws), as the working directory."""
    for name in ("functions", "policies"):
        shutil.copytree(REPO / name, tmp_path / name)
    text = (REPO / "lambdactl.toml").read_text().replace('target = "local"', 'target = "aws"')
    (tmp_path / "lambdactl.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def aws(project: Path) -> Iterator[None]:
    """moto in process for the example project: every AWS call of the test lands there."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every API call, counted below lambdactl (at botocore's client), by operation."""
    seen: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        seen[operation_name] += 1
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return seen


def make_wheel(house: Path, name: str, version: str, tag: str, files: dict[str, str]) -> Path:
    """A minimal valid wheel: the modules, METADATA, WHEEL (with TAG) and RECORD."""
    house.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    pure = "true" if tag.endswith("-none-any") else "false"
    content = dict(files)
    content[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    content[f"{dist}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: {pure}\n"
                                f"Tag: {tag}\n")
    record = []
    for path, text in content.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    content[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    whl = house / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        for path, text in content.items():
            zf.writestr(path, text)
    return whl


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels built by hand, for pip --find-links WHEELHOUSE --no-index: no network."""
    house = tmp_path_factory.mktemp("wheelhouse")
    make_wheel(house, "purelib", "1.0", "py3-none-any",
               {"purelib/__init__.py": "VALUE = 'pure'\n"})
    for version in ("1.0", "1.1"):   # a layer's dependency, upgraded by a test
        make_wheel(house, "plotlib", version, "py3-none-any",
                   {"plotlib/__init__.py": f"VERSION = {version!r}\n",
                    "plotlib/fonts.dat": "f" * 6000})
    make_wheel(house, "nativelib", "2.0", "cp312-cp312-manylinux2014_x86_64",
               {"nativelib/__init__.py": "from ._core import X\n",
                "nativelib/_core.cpython-312-x86_64-linux-gnu.so": "\x7fELF not really\n"})
    return house


@pytest.fixture(scope="session")
def plotting_deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The size-tracker's matplotlib layer installed for Lambda's platform once per
    session (pip takes 10-30 s here): a dependency cache (.lambdactl/build/deps) that
    `seed_deps` links into a project, so its `up` builds the layer from the cache."""
    import os
    import subprocess
    import sys

    project = tmp_path_factory.mktemp("plotting") / "size-tracker"
    shutil.copytree(REPO / "examples" / "size-tracker", project,   # the links copied as files
                    ignore=shutil.ignore_patterns(".lambdactl"))
    env = {**os.environ, "LAMBDACTL_HOME": str(project.parent / "home")}
    subprocess.run([sys.executable, "-m", "lambdactl", "package", "plot"], cwd=project, env=env,
                   check=True, capture_output=True, timeout=600)
    return project / ".lambdactl" / "build" / "deps"


def seed_deps(project: Path, deps: Path) -> None:
    """PROJECT's dependency cache seeded with DEPS (hard links: cached trees are never written)."""
    import os

    shutil.copytree(deps, project / ".lambdactl" / "build" / "deps", copy_function=os.link)
