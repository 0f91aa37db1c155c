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
from lambdactl.local.declared import HOST, Runtime
from lambdactl.local.pythons import HOST_MACHINE, HOST_VERSION

OTHER = "3.99"   # a Python no machine has: its wheels never import here
NO_PYTHON = Runtime(HOST.python, HOST_VERSION, None, "no working python3.99 on this machine")


def zipped(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "x")
    return path


def test_pure_python_and_the_hosts_own_wheels_pass(tmp_path: Path) -> None:
    native.check("layers.x", zipped(tmp_path, "python/lib.py"), "python3.99",
                 "arm64" if HOST_MACHINE != "arm64" else "x86_64", NO_PYTHON)
    tag = HOST_VERSION.replace(".", "")
    native.check("layers.x", zipped(tmp_path, f"python/m/_c.cpython-{tag}-x86_64-linux-gnu.so", "python/m/_d.abi3.so"),
                 f"python{HOST_VERSION}", HOST_MACHINE, HOST)


def test_wheels_for_a_python_the_sandbox_lacks_are_refused_with_the_fix(tmp_path: Path) -> None:
    pkg = zipped(tmp_path, "python/numpy/__init__.py", "python/numpy/_core/_m.cpython-399-x86_64-linux-gnu.so")
    with pytest.raises(ConfigError) as err:
        native.check("layers.plotting (used by plot)", pkg, "python3.99", HOST_MACHINE, NO_PYTHON)
    assert str(err.value) == (
        f"layers.plotting (used by plot): python/numpy/_core/_m.cpython-399-x86_64-linux-gnu.so is built for "
        f"Python 3.99, but the sandbox runs python3.99 functions on Python {HOST_VERSION} here: its native "
        "modules cannot import; give the sandbox python3.99 and its runtime's libraries (see the warning "
        f"above), declare python{HOST_VERSION} (runtime, and a layer's "
        "runtimes) to run it here, or deploy it with --target aws")
    # Where the sandbox has that Python (and its runtime's libraries), it runs the function on it.
    native.check("layers.plotting", pkg, "python3.99", HOST_MACHINE, Runtime("/opt/python3.99", "3.99"))


@pytest.mark.parametrize("name, machine, version, why", [
    ("_c.abi3.so", HOST_MACHINE, HOST_VERSION, None),
    ("_c.abi3.so", None, HOST_VERSION, None),          # not ELF (or unknown): the tag decides
    ("_c.cpython-312-x86_64-linux-gnu.so", None, "3.12", None),
    ("_c.cpython-312-x86_64-linux-gnu.so", None, "3.11", ("python", "3.12")),
    ("_c.cpython-313t-x86_64-linux-gnu.so", None, "3.12", ("python", "3.13")),
    ("_c.abi3.so", "sparc", HOST_VERSION, ("cpu", "sparc")),
    ("_c.cpython-399-x.so", "sparc", "3.11", ("cpu", "sparc")),   # the CPU first: no Python fixes it
])
def test_one_verdict_for_a_compiled_extension(name: str, machine: str | None, version: str,
                                              why: tuple[str, str] | None) -> None:
    assert native.verdict(name, machine, version) == why


def test_the_zip_check_and_the_tree_check_agree(tmp_path: Path) -> None:
    """`up`'s refusal (over the zip) and the server's note (over the unzipped tree)
    share the verdict: the same extension is refused by one iff noted by the other."""
    for tag, version in (("312", "3.12"), ("312", "3.11")):
        name = f"lib/_c.cpython-{tag}-x86_64-linux-gnu.so"
        tree = tmp_path / f"{tag}-{version}"
        (tree / "lib").mkdir(parents=True)
        (tree / name).write_bytes(b"\x7fELF" + bytes(14) + (0xB7 if HOST_MACHINE == "arm64" else 0x3E).to_bytes(2, "little"))
        noted = native.native_mismatch(tree, version)
        try:
            native.check("functions.f", zipped(tmp_path, name), f"python{version}", HOST_MACHINE,
                         Runtime("/x/python", version))
            refused = False
        except ConfigError:
            refused = True
        assert refused == (noted is not None) == (version != "3.12"), (version, noted)


def test_wheels_for_another_cpu_are_refused(tmp_path: Path) -> None:
    other = "arm64" if HOST_MACHINE != "arm64" else "x86_64"
    with pytest.raises(ConfigError, match=f"is built for {other} .* but this machine is {HOST_MACHINE}.*"
                                          f"set architecture = \"{HOST_MACHINE}\""):
        native.check("functions.f", zipped(tmp_path, "lib/_x.abi3.so"), f"python{HOST_VERSION}", other, HOST)


@pytest.mark.skipif(HOST_VERSION == "3.12", reason="the wheelhouse's native wheel is cp312: it imports here")
def test_up_refuses_the_layer_before_any_call(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path, sandbox_home: Path, aws,  # type: ignore[no-untyped-def]
        without_pythons: None) -> None:
    """The README's [layers.plotting] example on a machine without python3.12:
    one line naming what is missing and how to get it, exit 2, nothing created."""
    monkeypatch.setenv("LAMBDACTL_HOME", str(sandbox_home))   # the session's sandbox
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
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
    *building, warning, last = result.stderr.splitlines()   # the build's lines, the warning, the error
    assert "Traceback" not in result.stderr and not any("error" in line for line in building)
    assert warning.startswith("warning: plot on the sandbox: no working python3.12 on this machine")
    assert last.startswith("error: ")
    assert ("error: layers.plotting (used by plot): python/nativelib/_core.cpython-312-x86_64-linux-gnu.so "
            "is built for Python 3.12") in last
    assert "give the sandbox python3.12 and its runtime's libraries (see the warning above)" in last
    assert aws("lambda").list_layer_versions(LayerName="native-refused-plotting")["LayerVersions"] == []
    assert "native-refused-plot" not in json.dumps(aws("lambda").list_functions())
    assert not [r for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith("native-refused")]
