from __future__ import annotations

import click

from lambdactl.cli import App


@click.group("policy")
def command() -> None:
    """Least-privilege policies for the project's functions.

    Example: lambdactl policy suggest tracker > policies/tracker.json
    """


@command.command("suggest")
@click.argument("fn", required=False, metavar="[FN]")
@click.pass_obj
def suggest(app: App, fn: str | None) -> None:
    """Print a least-privilege policy for FN from what lambdactl.toml wires to it
    (trigger buckets, tables/buckets/queues its environment names) and the AWS
    calls its code makes; what it assumed goes to stderr as # comments.

    Example: lambdactl policy suggest tracker > policies/tracker.json
    """
    from rich.markup import escape

    from lambdactl.policy_suggest import suggest as make

    # `> policies/x.json` makes that file empty before lambdactl reads lambdactl.toml:
    # the policy files are not checked here (they are what this writes).
    app.lenient = True
    function = app.project.function(fn)
    result = make(app.project, function)
    for note in result.notes:
        app.term.info(escape(f"# {note}"))
    app.term.print_json(result.policy)
