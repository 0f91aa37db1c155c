"""Every command has help text with an example, and a README entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lambdactl.cli import COMMANDS, root
from tests.test_cli_globals import recorded  # noqa: F401 - each command's body replaced by a recorder

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_has_help_and_readme_entry(name: str) -> None:
    result = CliRunner().invoke(root, [name, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Example: lambdactl" in result.output or "Example:" in result.output
    assert f"`lambdactl {name}" in README, f"README has no entry for `lambdactl {name}`"


# -- "Not supported yet": every row is really refused today ---------------------------
BASE_CONFIG = """\
[project]
name = "docs-check"

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
"""


def not_supported_rows() -> list[tuple[str, str]]:
    section = README.split("## Not supported yet", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ") and "`" in line]
    return [(cells[0].strip("| "), cells[1].strip().strip("`")) for cells in rows]


def test_not_supported_section_lists_things() -> None:
    assert len(not_supported_rows()) >= 10


@pytest.mark.parametrize("what,refused", not_supported_rows(), ids=[r[0] for r in not_supported_rows()])
def test_not_supported_yet_is_refused(what: str, refused: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A config line (or section, or command) from the README's table: exit 2 and a
    message naming it, before any AWS call. When one becomes supported, this fails:
    move it out of "Not supported yet"."""
    import re

    import botocore.client

    def no_calls(*_: object) -> None:
        raise AssertionError("an AWS call was made")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_calls)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "functions/hello").mkdir(parents=True)
    (tmp_path / "functions/hello/app.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    if refused.startswith("lambdactl "):
        args = refused.split()[1:]
        named = [repr(args[-1])]                      # the template's name
    else:   # a [section] at the end, or a key of the function
        (tmp_path / "lambdactl.toml").write_text(f"{BASE_CONFIG}\n{refused}\n")
        args = ["--target", "aws", "plan"]
        key = re.match(r"\[?([a-z_]+)", refused)
        value = re.search(r'"([^"]+)"', refused)
        named = [f"unknown key {key.group(1)!r}" if key else "?", repr(value.group(1)) if value else "?"]
    result = CliRunner().invoke(root, args)
    assert result.exit_code == 2, result.output
    assert any(n in result.stderr for n in named) and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


# -- the README's transcripts of issue 17's sections, replayed ---------------------------

def block_after(heading: str) -> list[str]:
    """The lines of the first ``` block after HEADING."""
    return README.split(heading, 1)[1].split("```\n", 2)[1].splitlines()


def transcript(lines: list[str]) -> list[tuple[str, list[str]]]:
    """[("lambdactl init --list", [its output lines]), ...]; "..." ends what is shown."""
    runs: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("$ "):
            runs.append((line[2:], []))
        elif runs:
            runs[-1][1].append(line)
    return runs


def shown(lines: list[str]) -> list[str]:
    """LINES up to a "..." line (indented or not): what the README shows of the output."""
    cut = [i for i, line in enumerate(lines) if line.strip() == "..."]
    return lines[:cut[0]] if cut else lines


def test_the_init_transcript_is_what_init_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runs = dict(transcript(block_after("### `lambdactl init [DIR]")))
    runner = CliRunner()
    result = runner.invoke(root, ["init", "--list"], catch_exceptions=False)
    assert result.stdout.splitlines() == runs["lambdactl init --list"]
    result = runner.invoke(root, ["init", "my-app", "--template", "s3-logger"], catch_exceptions=False)
    assert result.stderr.splitlines() == runs["lambdactl init my-app --template s3-logger"]
    (tmp_path / "my-app/.lambdactl").mkdir()   # what the transcript's `up` leaves
    result = runner.invoke(root, ["init", "my-app"])
    assert result.exit_code == 2 and result.stderr.splitlines() == runs["cd .. && lambdactl init my-app"]
    result = runner.invoke(root, ["init", "My_App"], catch_exceptions=False)
    expected = shown(runs["lambdactl init My_App"])
    assert result.stderr.splitlines()[:len(expected)] == expected


def test_the_output_transcript_is_what_lambdactl_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)   # what is shown comes before any project is read
    runs = transcript(block_after("`--output` takes the AWS CLI's"))
    for command, expected in runs:
        words = command.split()
        env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
        args = [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}][1:]
        result = CliRunner().invoke(root, args, env=env, prog_name="lambdactl")
        lines = shown(expected)
        assert result.stderr.splitlines()[:len(lines)] == lines, command


def test_the_completion_transcript_refuses_as_shown() -> None:
    runs = dict(transcript(block_after("### `lambdactl completion bash|zsh|fish`")))
    result = CliRunner().invoke(root, ["completion", "tcsh"])
    assert result.exit_code == 2 and result.stderr.splitlines() == runs["lambdactl completion tcsh"]


def coming_from_commands() -> list[str]:
    """Every `lambdactl ...` in the last column of "Coming from the AWS CLI / SAM / Chalice"."""
    import re

    section = README.split("## Coming from the AWS CLI / SAM / Chalice", 1)[1].split("\n## ", 1)[0]
    rows = [line.rsplit(" | ", 1)[-1] for line in section.splitlines() if line.startswith("| ")][1:]
    return [c for row in rows for c in re.findall(r"`(lambdactl [^`]+)`", row)]


def test_coming_from_lists_every_row() -> None:
    assert len(coming_from_commands()) >= 11


@pytest.mark.parametrize("command", coming_from_commands())
def test_coming_from_commands_parse_as_typed(command: str, recorded: dict[str, Any]) -> None:  # noqa: F811
    """Each row's command as typed reaches its command (a required option the row
    lacks fails here); test_init.py runs them on the sandbox too."""
    result = CliRunner().invoke(root, command.split()[1:], prog_name="lambdactl")
    assert result.exit_code == 0, result.output
    name = command.split()[1]
    assert name in recorded or name == "help" or "-h" in command


def test_the_event_transcript_is_what_event_prints() -> None:
    (command, expected), = transcript(block_after("### `lambdactl event s3-put|s3-delete"))
    import shlex

    result = CliRunner().invoke(root, shlex.split(command)[1:], catch_exceptions=False)
    lines = shown(expected)
    got = result.stdout.splitlines()[:len(lines)]
    assert [g for g in got if "eventTime" not in g] == [e for e in lines if "eventTime" not in e]
