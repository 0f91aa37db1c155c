"""The declared Python (issue 12): found on PATH, in pyenv's versions or uv's managed
Pythons, probed; given its own awslambdaric and boto3, installed once into the
sandbox's cache; else the host's Python with one line saying what is missing.

Real interpreters: this machine (and CI's) has pyenv's 3.9/3.10/3.12/3.13; a test
that needs one skips, naming it, where it is absent."""

from __future__ import annotations

import importlib.metadata as metadata
import io
import json
import os
import subprocess
import threading
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lambdactl.local import declared, pythons
from lambdactl.local.pythons import HOST_PYTHON, HOST_RUNTIME, HOST_VERSION

PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"


def real(version: str) -> Path:
    """This machine's pyenv python<VERSION>, found without the code under test; else skip."""
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    if not found:
        pytest.skip(f"no python{version} in {PYENV} on this machine")
    return found[-1]


def version_of(python: str | Path) -> str:
    return subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.12", "3.13"])
def test_each_declared_python_is_found_and_really_is_that_version(version: str) -> None:
    real(version)
    found = pythons.find(f"python{version}")
    assert found and version_of(found) == version


def test_a_failing_shim_on_path_is_passed_over_for_pyenvs_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyenv's shims are on PATH and fail for a version that is not `pyenv global`."""
    expected = real("3.12")
    shims = tmp_path / "shims"
    executable(shims / "python3.12", "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    executable(shims / "python3.13", "#!/bin/sh\necho 3.11\n")   # runs, but another version
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    assert pythons.candidates("python3.12")[0] == str(shims / "python3.12")
    assert pythons.find("python3.12") == str(expected)
    assert pythons.find("python3.13") != str(shims / "python3.13")


def test_pyenvs_own_shims_are_not_probed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each probe of a shim runs a shell and pyenv; the version it would exec is
    pyenv's, among the candidates anyway."""
    real("3.12")
    root = tmp_path / "pyenv"
    executable(root / "shims" / "python3.12", "#!/bin/sh\nexit 127\n")
    (root / "versions" / "3.12.1" / "bin").mkdir(parents=True)
    (root / "versions" / "3.12.1" / "bin" / "python3.12").symlink_to(real("3.12"))
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv("PATH", f"{root / 'shims'}:/usr/bin:/bin")
    assert pythons.candidates("python3.12")[0] == str(root / "versions" / "3.12.1" / "bin" / "python3.12")
    assert str(root / "shims" / "python3.12") not in pythons.candidates("python3.12")


def test_a_working_python_on_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3.12").symlink_to(real("3.12"))
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert pythons.find("python3.12") == str(bin_dir / "python3.12")


def test_uvs_managed_pythons_are_found_the_newest_patch_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = real("3.12")
    uv = tmp_path / "uv"
    for patch in ("3.12.1", "3.12.10", "3.12.9"):
        (uv / f"cpython-{patch}-linux-x86_64-gnu" / "bin").mkdir(parents=True)
        (uv / f"cpython-{patch}-linux-x86_64-gnu" / "bin" / "python3.12").symlink_to(python)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv))
    newest = str(uv / "cpython-3.12.10-linux-x86_64-gnu" / "bin" / "python3.12")
    assert pythons.candidates("python3.12")[0] == newest
    assert pythons.find("python3.12") == newest


def test_each_interpreter_is_probed_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    probes: list[list[str]] = []

    def run(command: list[str], timeout: float) -> str | None:
        probes.append(command)
        return pythons.run_command(command, timeout)

    monkeypatch.setattr(pythons, "_probed", {})
    real("3.13")
    first = pythons.find("python3.13", run)
    probed = len(probes)
    assert first and probed >= 1
    assert pythons.find("python3.13", run) == first and len(probes) == probed


@pytest.mark.parametrize("where", ["unreadable", "unstattable"])
def test_pythons_where_this_user_cannot_look_are_passed_over(
        where: str, tmp_path: Path, without_pythons: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """`su user` and `sudo -E` keep root's PYENV_ROOT (/root/.pyenv, mode 0700): every
    sandbox `up` and `invoke` failed with "/root/.pyenv/versions: permission denied"
    (the server's search too). Root is refused no directory, so "unstattable" stands in:
    a path the kernel refuses to stat (ENAMETOOLONG), the same OSError from the glob."""
    if where == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads a directory of mode 0 (the 'unstattable' case runs)")
        root = tmp_path / "theirs"
        (root / "versions" / "3.12.1" / "bin").mkdir(parents=True)
        root.chmod(0)
    else:
        root = tmp_path / ("x" * 300)
    try:
        for var in ("PYENV_ROOT", "UV_PYTHON_INSTALL_DIR"):
            monkeypatch.setenv(var, str(root))
        assert pythons.candidates("python3.12") == []
        here = declared.resolve("python3.12", tmp_path / "cache")
        assert (here.python, here.libs) == (HOST_PYTHON, None) and "no working python3.12" in here.warning
    finally:
        if where == "unreadable":
            root.chmod(0o755)   # pytest's tmp_path cleanup


def test_no_home_directory_at_all_is_no_error(monkeypatch: pytest.MonkeyPatch, without_pythons: None) -> None:
    """A uid with no passwd entry and no HOME (`docker run --user 4242`): Path.home()
    raised "Could not determine home directory" in every sandbox command; pyenv's and
    uv's default places are then simply not searched (nor "~/.pyenv" under the cwd)."""
    import pwd

    def no_entry(uid: int) -> Any:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    for var in ("HOME", "PYENV_ROOT", "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert pythons.candidates("python3.12") == []


def test_a_missing_python_falls_back_to_the_hosts_with_how_to_get_it(
        tmp_path: Path, without_pythons: None) -> None:
    here = declared.resolve("python3.12", tmp_path / "cache")
    assert (here.python, here.version, here.libs) == (HOST_PYTHON, HOST_VERSION, None)
    assert here.warning == (
        f"no working python3.12 on this machine (PATH, pyenv, uv): the function runs on the host's "
        f"Python {'.'.join(map(str, __import__('sys').version_info[:3]))} instead; version-specific "
        "behaviour may differ from Lambda; to get one: `uv python install 3.12` or `pyenv install 3.12`")
    assert declared.resolve(HOST_RUNTIME, tmp_path / "cache") == declared.HOST
    assert not (tmp_path / "cache").exists()


def test_the_runtime_libraries_are_installed_once_for_that_python(runtime_cache: Path) -> None:
    """Real pip, real index: the cp312 runtime client and the host's boto3 version (the
    session's cache: the suite installs them once); nothing of lambdactl's virtualenv."""
    python = str(real("3.12"))
    said: list[str] = []
    here = declared.resolve("python3.12", runtime_cache, say=said.append)
    assert (here.python, here.version, here.warning) == (python, "3.12", None)
    assert here.libs and here.libs.parent == runtime_cache
    names = {p.name for p in here.libs.iterdir()}
    assert any(n.startswith("runtime_client.cpython-312") for n in names), names
    assert not names & {"click", "rich", "moto", "flask", "lambdactl", "pytest"}
    out = subprocess.run([python, "-I", "-S", "-c", f"import sys; sys.path[:0] = [{str(here.libs)!r}]; "
                          "import awslambdaric.bootstrap, boto3; print(boto3.__version__)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == metadata.version("boto3")   # pinned to the host's: Lambda's is not knowable offline
    assert len(said) <= 1 and all("installing awslambdaric==" in line for line in said)


def test_two_processes_do_not_install_twice(tmp_path: Path) -> None:
    """The lock: two installers at once, one pip run, one line; the other waits and uses it."""
    runs: list[list[str]] = []
    said: list[str] = []
    started = threading.Barrier(2)

    def pip(command: list[str], timeout: float) -> str | None:
        runs.append(command)
        target = Path(command[command.index("--target") + 1])
        target.mkdir(parents=True)
        (target / "awslambdaric").mkdir()
        return ""

    def install() -> None:
        started.wait()
        declared.install_libs("/x/python3.12", "python3.12", tmp_path, pip, said.append)

    threads = [threading.Thread(target=install) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs) == 1 and len(said) == 1
    assert runs[0][:4] == ["/x/python3.12", "-m", "pip", "install"] and "--only-binary=:all:" in runs[0]
    [dest] = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (dest / "awslambdaric").is_dir() and dest.name == "-".join(
        ["python3.12", *(p.replace("==", "-") for p in declared.pins())])


def test_when_pip_cannot_get_them_the_host_runs_it_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real pip with no index: the function runs on the host's Python, one line says why."""
    real("3.13")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty"))
    monkeypatch.setattr(declared, "_resolved", {})
    here = declared.resolve("python3.13", tmp_path / "cache", say=lambda line: None)
    assert (here.python, here.libs) == (HOST_PYTHON, None)
    assert here.warning and here.warning.startswith(
        "awslambdaric and boto3 for python3.13 could not be installed with ")
    assert "to get them: make the package index reachable" in here.warning
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.is_dir()] == []


def test_the_sandbox_installs_and_runs_a_declared_python_by_itself(
        aws: Any, role_arn: str, runtime_cache: Path) -> None:
    """A function created through the API (no `up` to prepare it): the server, with its
    clean environment (no HOME), finds python3.13, installs its runtime's libraries into
    the session's cache through its own spawner (its sweep must not kill pip), runs it."""
    real("3.13")
    code = ("import os, sys\n\ndef handler(event, context):\n    try:\n        import click\n"
            "        leaked = click.__file__\n    except ImportError:\n        leaked = None\n"
            "    import awslambdaric\n    libs = os.path.dirname(os.path.dirname(awslambdaric.__file__))\n"
            "    return {'version': sys.version, 'leaked': leaked, 'path': sys.path,\n"
            "            'ric': [f for f in os.listdir(libs) if f.startswith('runtime_client')]}\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", code)
    name = f"t-py313-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.13", Role=role_arn,
                                  Handler="app.handler", Code={"ZipFile": buf.getvalue()}, Timeout=30)
    out = json.loads(aws("lambda").invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
    assert out["version"].startswith("3.13."), out
    assert out["leaked"] is None
    # Its own libraries, from the session's cache: at /var/runtime (jailed, as on Lambda), else
    # at their path in the cache; awslambdaric's extension built for 3.13, not the host's.
    [libs] = [p for p in out["path"] if p == "/var/runtime" or p.startswith(str(runtime_cache))]
    assert libs == "/var/runtime" or Path(libs).name.startswith("python3.13-awslambdaric-")
    assert [f for f in out["ric"] if ".cpython-313-" in f], out["ric"]


def test_a_failed_install_is_not_tried_again_by_every_command(tmp_path: Path) -> None:
    """Offline, pip spends a minute on its retries: the next commands (new processes)
    skip it for a while with the same warning; later, or once it worked, it is tried again."""
    runs: list[list[str]] = []
    answer: list[str | None] = [None]

    def pip(command: list[str], timeout: float) -> str | None:
        runs.append(command)
        if answer[0] is not None:
            (Path(command[command.index("--target") + 1]) / "awslambdaric").mkdir(parents=True)
        return answer[0]

    def install() -> tuple[Path | None, str]:
        return declared.install_libs("/x/python3.12", "python3.12", tmp_path, pip, lambda line: None)

    assert install()[0] is None and len(runs) == 1
    assert "--retries" in runs[0]
    libs, why = install()
    assert libs is None and len(runs) == 1 and "the last try failed" in why and "deleted" in why
    marker = tmp_path / ".python3.12.failed"
    old = time.time() - declared.RETRY_AFTER_S - 1
    os.utime(marker, (old, old))
    answer[0] = ""
    libs, _ = install()
    assert libs is not None and len(runs) == 2 and not marker.exists()
