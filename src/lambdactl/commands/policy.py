from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import complete_functions


@click.group("policy")
def command() -> None:
    """Least-privilege policies for the project's functions.

    Example: lambdactl policy suggest tracker > policies/tracker.json
    """


@command.command("suggest")
@click.argument("fn", required=False, metavar="[FN]", shell_complete=complete_functions)
@click.pass_obj
def suggest(app: App, fn: str | None) -> None:
    """Print a least-privilege policy for FN from what lambdactl.toml wires to it
    (trigger buckets, tables/buckets/queues its environment names) and the AWS
    calls its code makes; what it assumed goes to stderr as # comments.

    Example: lambdactl policy suggest tracker > policies/tracker.json
    """
    from rich.markup import escape

    from lambdactl.policy_suggest import load
    from lambdactl.policy_suggest import suggest as make

    project = load(app.config_path)
    result = make(project, project.function(fn))
    for note in result.notes:
        app.term.info(escape(f"# {note}"))
    app.term.print_json(result.policy)
