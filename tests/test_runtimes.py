"""Custom runtimes in lambdactl.toml (issue 15): provided.al2023 / provided.al2, a free-form
handler, an executable bootstrap at the package root, and none of the Python steps."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lambdactl import config
from lambdactl.errors import ConfigError
from lambdactl.package import package_for_function

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "custom-runtime"


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    """A copy of examples/custom-runtime (modes kept)."""
    shutil.copytree(EXAMPLE, tmp_path / "p")   # its functions/ links to the template: copied as files (modes kept)
    return tmp_path / "p"


def test_the_example_loads_with_its_free_form_handler(custom: Path) -> None:
    fn = config.load(custom / "lambdactl.toml").function("echo")
    assert (fn.runtime, fn.handler) == ("provided.al2023", "function.handler")


def test_provided_al2_and_a_handler_python_would_refuse(custom: Path) -> None:
    toml = custom / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('"provided.al2023"', '"provided.al2"')
                    .replace('"function.handler"', '"not-a-module::main"'))
    fn = config.load(toml).function("echo")
    assert (fn.runtime, fn.handler) == ("provided.al2", "not-a-module::main")


def _load_error(root: Path) -> str:
    with pytest.raises(ConfigError) as info:
        config.load(root / "lambdactl.toml")
    return str(info.value)


def test_a_missing_bootstrap_is_one_clear_line(custom: Path) -> None:
    (custom / "functions/echo/bootstrap").unlink()
    assert _load_error(custom) == (
        "lambdactl.toml:11: functions.echo.source: functions/echo/bootstrap is missing: a custom "
        "runtime runs the executable file `bootstrap` at the package root (see examples/custom-runtime)")


def test_a_bootstrap_without_its_executable_bit_is_refused_with_the_fix(custom: Path) -> None:
    (custom / "functions/echo/bootstrap").chmod(0o644)
    assert _load_error(custom) == (
        "lambdactl.toml:11: functions.echo.source: functions/echo/bootstrap is not executable; "
        "run: chmod +x functions/echo/bootstrap")


@pytest.mark.parametrize(("old", "new", "needle"), [
    ('"function.handler"', '"two words"', "functions.echo.handler: 'two words' must be a non-empty string"),
    ('"provided.al2023"', '"nodejs20.x"', "functions.echo.runtime: 'nodejs20.x' is not a supported Lambda runtime"),
    ('"provided.al2023"', '"provided"', "or provided.al2023 / provided.al2 with an executable bootstrap"),
])
def test_bad_custom_runtime_settings(custom: Path, old: str, new: str, needle: str) -> None:
    toml = custom / "lambdactl.toml"
    toml.write_text(toml.read_text().replace(old, new))
    assert needle in _load_error(custom)


def test_an_unknown_runtime_is_the_only_line(custom: Path) -> None:
    toml = custom / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('"provided.al2023"', '"nodejs20.x"'))
    assert _load_error(custom).count("\n") == 0  # no Python handler check of function.sh


def test_a_python_dependency_layer_is_refused_for_a_custom_runtime(custom: Path) -> None:
    (custom / "layer.txt").write_text("requests\n")
    toml = custom / "lambdactl.toml"
    toml.write_text(toml.read_text() + 'layers = ["deps"]\n\n[layers.deps]\nrequirements = "layer.txt"\n')
    assert "functions.echo.layers: [layers.deps] is a Python dependency layer" in _load_error(custom)


def test_the_cli_refuses_before_any_aws_call(custom: Path, tmp_path: Path) -> None:
    (custom / "functions/echo/bootstrap").chmod(0o644)
    proc = subprocess.run([sys.executable, "-m", "lambdactl", "up"], cwd=custom, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                      "LAMBDACTL_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: lambdactl.toml:11: functions.echo.source: functions/echo/bootstrap is not executable; "
        "run: chmod +x functions/echo/bootstrap"]
    assert not (tmp_path / "home" / "sandbox.json").exists()  # nothing started, nothing created


def test_the_zip_keeps_the_bootstrap_executable_and_vendors_nothing(custom: Path) -> None:
    # A requirements.txt means nothing to a custom runtime: shipped as a file, never pip-installed.
    (custom / "functions/echo/requirements.txt").write_text("requests\n")
    fn = config.load(custom / "lambdactl.toml").function("echo")

    def no_pip(*_: object, **__: object) -> None:
        raise AssertionError("pip ran for a custom runtime")

    pkg = package_for_function(fn, custom / ".lambdactl" / "build", runner=no_pip)
    with zipfile.ZipFile(pkg.path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    assert sorted(infos) == ["bootstrap", "function.sh", "requirements.txt"]
    assert infos["bootstrap"].create_system == 3
    assert stat.S_IMODE(infos["bootstrap"].external_attr >> 16) == 0o755
    assert stat.S_IMODE(infos["function.sh"].external_attr >> 16) == 0o644
