"""Every command has help text with an example, and a README entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl.cli import COMMANDS, root

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
