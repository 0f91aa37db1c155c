"""Progress where lambdactl waits: dependency installs (functions' requirements and
layers) say what runs and for how long, before the first AWS call.

pip runs for real, pointed at the offline wheelhouse (conftest.py); AWS is moto.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import botocore.client
import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl import package as pk
from lambdactl.cli import root
from lambdactl.errors import LambdactlError
from lambdactl.ui import Terminal
from tests.test_layers import proj  # noqa: F401 - the layer project fixture

PIP_LAYER = "layers.plotting: pip install -r requirements.txt (python3.12, x86_64)"


def test_activity_on_a_pipe_is_a_line_at_start_and_at_end(capsys: pytest.CaptureFixture[str]) -> None:
    term = Terminal()
    term.activity("fn: pip install", "start")
    assert capsys.readouterr().err == "▸ building fn: pip install…\n"   # said before it waits
    term.activity("fn: pip install", "end")
    term.activity("other", "start")
    term.activity("other", "failed")
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("✓ built fn: pip install in 0.") and err[0].endswith(" s")
    assert err[2].startswith("✗ failed: other after 0.")
    Terminal(quiet=True).activity("x", "start")
    assert capsys.readouterr().err == ""


def fake_pip(code: int):  # type: ignore[no-untyped-def]
    def run(cmd: list[str], env: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, code, "", "ERROR: boom\n")
    return run


def test_install_reports_start_end_failed_and_nothing_on_a_cache_hit(tmp_path: Path, wheelhouse: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("purelib==1.0\n")
    seen: list[tuple[str, str, str]] = []
    what = "fn: pip install -r requirements.txt (python3.12, x86_64)"

    def install(**kw: object) -> str:
        return pk.install_dependencies(req, tmp_path / "build", "python3.12", "x86_64", name="fn",
                                       progress=lambda *event: seen.append(event),
                                       **kw)[1]  # type: ignore[arg-type]

    with pytest.raises(LambdactlError):
        install(runner=fake_pip(1))
    assert seen == [(what, "start", ""), (what, "failed", "")]
    seen.clear()
    assert install(pip_options=("--find-links", str(wheelhouse), "--no-index")) == "miss"
    assert [(w, phase) for w, phase, _ in seen if phase != "detail"] == [(what, "start"), (what, "end")]
    # What pip is fetching and installing, line by line, for the live line.
    details = [d for _, phase, d in seen if phase == "detail"]
    assert any(d.startswith("Processing ") and "purelib-1.0" in d for d in details), details
    assert "Installing collected packages: purelib" in details
    seen.clear()
    assert install() == "hit"
    assert seen == []


def test_a_failing_pip_still_names_the_missing_wheel_when_reporting(tmp_path: Path, wheelhouse: Path) -> None:
    (tmp_path / "requirements.txt").write_text("nosuchlib==1.0\n")
    with pytest.raises(LambdactlError, match="no wheel of nosuchlib==1.0 for Lambda's platform"):
        pk.install_dependencies(tmp_path / "requirements.txt", tmp_path / "build", "python3.12", "x86_64",
                                progress=lambda *_: None,
                                pip_options=("--find-links", str(wheelhouse), "--no-index"))


def test_detail_moves_the_live_line_only(capsys: pytest.CaptureFixture[str]) -> None:
    term = Terminal()
    term.activity("fn: pip", "start")
    term.activity("fn: pip", "detail", "Downloading numpy-2.2.6.whl (14.3 MB)")   # a pipe: no line
    assert capsys.readouterr().err == "▸ building fn: pip…\n"


@pytest.mark.parametrize("command", ["plan", "up"])
def test_building_is_said_before_the_first_aws_call(proj: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                                    command: str) -> None:
    original = botocore.client.BaseClient._make_api_call

    def marked(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        sys.stderr.write(f"AWS CALL {operation_name}\n")
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", marked)
    with mock_aws():
        result = CliRunner().invoke(root, [command], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert f"▸ building {PIP_LAYER}…" in err
    assert err.index(f"▸ building {PIP_LAYER}") < err.index(f"✓ built {PIP_LAYER} in ") < err.index("AWS CALL")


def test_on_a_terminal_a_live_line_with_elapsed_time(proj: Path) -> None:  # noqa: F811
    """`lambdactl package` under a pseudo-terminal: rich's live line, then the result line."""
    main, child = pty.openpty()
    env = dict(os.environ, COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "lambdactl", "package"], cwd=proj, env=env,
                            stdin=child, stdout=child, stderr=child)
    os.close(child)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main, 65536)
        except OSError:   # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0, out.decode(errors="replace")
    text = out.decode(errors="replace")
    live = text.index("0:00:0")   # the elapsed column of the live line
    assert f"building {PIP_LAYER}" in text[live:live + 200]
    assert live < text.index(f"built {PIP_LAYER} in ")


def test_the_sandbox_runtime_install_says_when_it_ends(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A long step on a pipe: a line when it starts and one when it ends (it had only the first)."""
    from lambdactl import sandbox_notes
    from lambdactl.cli import App
    from lambdactl.commands import _common

    def installing(fn: object, say: object) -> list[str]:
        say("installing awslambdaric==4 and boto3==1 for python3.12 into the sandbox's cache; once…")  # type: ignore[operator]
        return []

    monkeypatch.setattr(sandbox_notes, "notices", installing)
    fn = type("Fn", (), {"runtime": "python3.12", "key": "hello"})()
    _common._sandbox_notices(App(), [_common.FunctionResult(fn)])  # type: ignore[arg-type]
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("installing awslambdaric==4")
    assert err[1].startswith("✓ python3.12's runtime for the sandbox installed in ") and err[1].endswith(" s")
    monkeypatch.setattr(sandbox_notes, "notices", lambda fn, say: [])   # found in the cache: no lines
    _common._sandbox_notices(App(), [_common.FunctionResult(fn)])  # type: ignore[arg-type]
    assert capsys.readouterr().err == ""
