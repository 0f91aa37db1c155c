"""`plan`/`up` on the sandbox refuse, before any call, a package or layer whose
native wheels cannot import here (issue 12): built for another Python than the
one the sandbox runs the function on, or for another CPU."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl.cli import root
from lambdactl.errors import ConfigError
from lambdactl.local import native
from lambdactl.local.pythons import HOST_MACHINE, HOST_VERSION

OTHER = "3.99"   # a Python no machine has: its wheels never import here
NO_PYTHON = ("/usr/bin/python3", "no working python3.99 on this machine's PATH")


def zipped(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return path


def test_pure_python_and_the_hosts_own_wheels_pass(tmp_path: Path) -> None:
    native.check("layers.x", zipped(tmp_path, "python/lib.py"), "python3.99", "arm64" if HOST_MACHINE != "arm64" else "x86_64")
    tag = HOST_VERSION.replace(".", "")
    native.check("layers.x", zipped(tmp_path, f"python/m/_c.cpython-{tag}-x86_64-linux-gnu.so", "python/m/_d.abi3.so"),
                 f"python{HOST_VERSION}", HOST_MACHINE)


def test_wheels_for_a_python_the_sandbox_lacks_are_refused_with_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "interpreter", lambda runtime: NO_PYTHON)
    pkg = zipped(tmp_path, "python/numpy/__init__.py", "python/numpy/_core/_m.cpython-399-x86_64-linux-gnu.so")
    with pytest.raises(ConfigError) as err:
        native.check("layers.plotting (used by plot)", pkg, "python3.99", HOST_MACHINE)
    assert str(err.value) == (
        f"layers.plotting (used by plot): python/numpy/_core/_m.cpython-399-x86_64-linux-gnu.so is built for "
        f"Python 3.99, but the sandbox runs python3.99 functions on this machine's Python {HOST_VERSION} "
        "(no working python3.99 on PATH): its native modules cannot import; put a python3.99 on PATH "
        f"(e.g. `uv python install 3.99` or pyenv), or declare python{HOST_VERSION} (runtime, and a layer's "
        "runtimes) to run it here, or deploy it with --target aws")
    # With that Python on PATH, the sandbox runs the function on it: accepted.
    monkeypatch.setattr(native, "interpreter", lambda runtime: ("/opt/python3.99", None))
    native.check("layers.plotting", pkg, "python3.99", HOST_MACHINE)


def test_wheels_for_another_cpu_are_refused(tmp_path: Path) -> None:
    other = "arm64" if HOST_MACHINE != "arm64" else "x86_64"
    with pytest.raises(ConfigError, match=f"is built for {other} .* but this machine is {HOST_MACHINE}.*"
                                          f"set architecture = \"{HOST_MACHINE}\""):
        native.check("functions.f", zipped(tmp_path, "lib/_x.abi3.so"), f"python{HOST_VERSION}", other)


@pytest.mark.skipif(HOST_VERSION == "3.12", reason="the wheelhouse's native wheel is cp312: it imports here")
def test_up_refuses_the_layer_before_any_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path, sandbox_home: Path, aws) -> None:  # type: ignore[no-untyped-def]
    """The README's [layers.plotting] example on a machine without python3.12:
    one line naming what is missing and how to get it, exit 2, nothing created."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(sandbox_home))   # the session's sandbox
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setattr(native, "interpreter", lambda runtime: NO_PYTHON)
    (tmp_path / "layers").mkdir()
    (tmp_path / "layers" / "requirements.txt").write_text("nativelib==2.0\n")   # cp312, x86_64
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "lambdactl.toml").write_text(
        '[project]\nname = "native-refused"\ntarget = "local"\n\n'
        '[layers.plotting]\nrequirements = "layers/requirements.txt"\nruntimes = ["python3.12"]\n'
        f'architecture = "{HOST_MACHINE}"\n\n'
        '[functions.plot]\nsource = "fn"\nhandler = "app.handler"\nruntime = "python3.12"\n'
        f'architecture = "{HOST_MACHINE}"\nlayers = ["plotting"]\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(root, ["up"])
    assert result.exit_code == 2, result.output
    *building, last = result.stderr.splitlines()   # the build's own start/end lines, then one error
    assert "Traceback" not in result.stderr and not any("error" in line for line in building)
    assert last.startswith("error: ")
    assert ("error: layers.plotting (used by plot): python/nativelib/_core.cpython-312-x86_64-linux-gnu.so "
            "is built for Python 3.12") in last
    assert "put a python3.12 on PATH" in last
    assert aws("lambda").list_layer_versions(LayerName="native-refused-plotting")["LayerVersions"] == []
    assert "native-refused-plot" not in json.dumps(aws("lambda").list_functions())
    assert not [r for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith("native-refused")]
