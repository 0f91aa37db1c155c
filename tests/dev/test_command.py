"""`lambdactl dev` refuses bad input in one line, before any AWS call."""

from __future__ import annotations

from pathlib import Path

import botocore.client
import pytest
from click.testing import CliRunner

from lambdactl.cli import root


@pytest.fixture
def no_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)


def test_an_unknown_function_is_a_usage_error(project: Path, no_calls: None) -> None:
    result = CliRunner().invoke(root, ["dev", "helo", "--no-logs"])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "no function 'helo'" in result.stderr
    assert "did you mean 'hello'" in result.stderr.lower() or "hello" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_at_start_is_a_usage_error(project: Path, no_calls: None) -> None:
    (project / "lambdactl.toml").write_text((project / "lambdactl.toml").read_text() + "\nmemory = [\n")
    result = CliRunner().invoke(root, ["dev"])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "lambdactl.toml" in result.stderr


def test_a_failed_start_leaves_ctrl_c_as_it_was(project: Path, no_calls: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """dev's own Ctrl-C handler is installed only while it runs: a start that fails
    (here: no region anywhere) gives the process its handler back."""
    import signal

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    edited = (project / "lambdactl.toml").read_text().replace('region = "us-east-1"\n', "")
    (project / "lambdactl.toml").write_text(edited)
    before = signal.getsignal(signal.SIGINT)
    result = CliRunner().invoke(root, ["dev"])
    assert result.exit_code == 1 and "no AWS region configured" in result.stderr, result.output
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_a_project_it_says_there_is_no_config(tmp_path: Path, no_calls: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where there is no lambdactl.toml (and, as on a new machine, no region anywhere),
    `dev` said "no AWS region configured" with exit 1: it made its logs client before it
    read the project. Every other command says there is no config file, exit 2."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(root, ["dev"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: no config file at {tmp_path / 'lambdactl.toml'}; run lambdactl in a "
                             "project directory or pass --config PATH\n"), result.stderr
