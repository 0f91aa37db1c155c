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
