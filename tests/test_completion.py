"""`lambdactl completion SHELL` prints click's script, and the script really completes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdactl.cli import root

REPO = Path(__file__).resolve().parent.parent
BIN = str(Path(sys.executable).parent)   # where the lambdactl console script is installed


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_prints_the_script_for_the_shell(shell: str) -> None:
    result = CliRunner().invoke(root, ["completion", shell], catch_exceptions=False)
    assert result.exit_code == 0
    assert f"_LAMBDACTL_COMPLETE={shell}_complete" in result.output


def test_an_unknown_shell_is_one_line_exit_2() -> None:
    result = CliRunner().invoke(root, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert result.stderr == ("error: no completion for 'tcsh': lambdactl completes bash, zsh and fish; "
                             "name one: lambdactl completion bash\n")


def test_without_a_shell_the_one_shell_names() -> None:
    result = CliRunner().invoke(root, ["completion"], env={"SHELL": "/usr/bin/zsh"})
    assert result.exit_code == 0 and "_LAMBDACTL_COMPLETE=zsh_complete" in result.stdout
    result = CliRunner().invoke(root, ["completion"], env={"SHELL": "/bin/tcsh"})
    assert result.exit_code == 2
    assert result.stderr.startswith("error: $SHELL is '/bin/tcsh': lambdactl completes bash, zsh and fish")


@pytest.mark.skipif(shutil.which("bash") is None or not Path(BIN, "lambdactl").exists(),
                    reason="needs bash and the installed console script")
@pytest.mark.parametrize("words,cword,expected", [
    ("lambdactl lo", 1, "logs local"),
    ("lambdactl local s", 2, "start status stop"),
    ("lambdactl --target ''", 2, "aws local"),
    ("lambdactl invoke hello --o", 3, "--output"),          # global options after the command too
    ("lambdactl local status --no", 3, "--no-color"),
    ("lambdactl init -t s", 3, "s3-logger size-tracker"),
    ("lambdactl invoke ''", 2, "hello list-buckets"),       # FN: lambdactl.toml's functions
    ("lambdactl dev l", 2, "list-buckets"),
])
def test_bash_sources_it_and_completes(words: str, cword: int, expected: str) -> None:
    script = (f'source <(lambdactl completion bash); COMP_WORDS=({words}); COMP_CWORD={cword}; '
              '_lambdactl_completion lambdactl; echo "${COMPREPLY[@]}"')
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60,
                          cwd=REPO)   # this repository's lambdactl.toml: hello, list-buckets
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == sorted(expected.split())


def readme_tabs() -> list[tuple[str, str]]:
    """README's `$ lambdactl ...<TAB>` lines and what they show."""
    block = (REPO / "README.md").read_text().split("### `lambdactl completion bash|zsh|fish`", 1)[1]
    lines = block.split("```\n", 2)[1].splitlines()
    return [(line[2:].replace("<TAB>", ""), lines[i + 1]) for i, line in enumerate(lines) if line.endswith("<TAB>")]


@pytest.mark.skipif(shutil.which("bash") is None or not Path(BIN, "lambdactl").exists(),
                    reason="needs bash and the installed console script")
@pytest.mark.parametrize("typed,shown", readme_tabs())
def test_the_readme_completions_are_what_bash_completes(typed: str, shown: str) -> None:
    words = typed.split() + ([""] if typed.endswith(" ") else [])
    test_bash_sources_it_and_completes(" ".join(w or "''" for w in words), len(words) - 1, shown)
