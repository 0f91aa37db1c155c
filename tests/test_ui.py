"""ui.Terminal: rich on a terminal; the same text, markup removed, without rich elsewhere."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from lambdactl import ui

SAMPLES = [
    "plain text",
    "[green]✓[/green] hello: create role demo-role",
    "[bold red]error:[/bold red] lambdactl.toml: bad",
    "[dim]following /aws/lambda/x (Ctrl-C to stop)[/dim]",
    "a list [0] and [1, 2] and [] stay",
    "[#ff0000]hex[/] and [b]bold[/]",
    "\\[literal] and \\\\[dim]two slashes then a tag[/dim]",
    "C:\\path\\ ends with a slash\\",
]


def rich_plain(markup: str) -> str:
    buf = io.StringIO()
    Console(file=buf, force_terminal=False, no_color=True, highlight=False, soft_wrap=True).print(markup)
    return buf.getvalue().rstrip("\n")


@pytest.mark.parametrize("markup", SAMPLES)
def test_plain_prints_what_rich_prints_without_colour(markup: str) -> None:
    assert ui.plain(markup) == rich_plain(markup)


@pytest.mark.parametrize("text", [
    "s3://b/[x]*.jpg", "[functions.hello] memory", "[bold]not markup[/bold]", "ends\\", "a\\[b]", "[/]",
])
def test_escaped_text_prints_literally_in_both(text: str) -> None:
    assert rich_plain(f"[red]{ui.escape(text)}[/red]") == text
    assert ui.plain(f"[red]{ui.escape(text)}[/red]") == text


def test_messages_with_brackets_survive(capsys: pytest.CaptureFixture[str]) -> None:
    term = ui.Terminal()
    term.error("lambdactl.toml [functions.hello]: bad")
    term.step("✓", "hello: create notification s3://b/[raw]")
    assert capsys.readouterr().err.splitlines() == [
        "error: lambdactl.toml [functions.hello]: bad", "✓ hello: create notification s3://b/[raw]"]


def test_a_pipe_never_imports_rich() -> None:
    code = ("import sys; from lambdactl.ui import Terminal; t = Terminal(); t.step('✓', 'x'); t.error('y'); "
            "t.table('t', ['a'], [['1']]); sys.exit('rich' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr == "✓ x\nerror: y\nt\n" and p.stdout == "1\n"   # the table's title: for people


def test_a_summary_on_a_pipe_says_its_title_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """`up | cat` still tells people it deployed; stdout keeps only the rows."""
    from lambdactl.ui import Terminal

    Terminal("text").table("deployed", ["function", "status"], [["hello", "changed"]])
    out, err = capsys.readouterr()
    assert out == "hello\tchanged\n" and err.strip() == "deployed"


def test_a_bug_says_how_to_report_it_and_shows_the_traceback(tmp_path: pytest.TempPathFactory) -> None:
    """Not a user's mistake: the traceback stays, with one line on what to do with it."""
    code = ("import sys; from lambdactl import cli\n"
            "cli.COMMANDS['boom'] = ('boom', 'x')\n"
            "import types, click\n"
            "m = types.ModuleType('lambdactl.commands.boom')\n"
            "m.command = click.Command('boom', callback=lambda: 1 / 0)\n"
            "sys.modules['lambdactl.commands.boom'] = m\n"
            "cli.main(['boom'])\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 1
    assert "hit a bug (not your mistake): please report it" in p.stderr
    assert "ZeroDivisionError" in p.stderr and "Traceback" in p.stderr
