from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("rollback")
@fn_argument
@click.option("--alias", "alias_name", metavar="NAME", help="The alias to point back [default: the function's only alias].")
@click.option("--to", "to", metavar="N", help="The version to point it to [default: the one it pointed to before, from the journal].")
@click.pass_obj
def command(app: App, fn: str | None, alias_name: str | None, to: str | None) -> None:
    """Point an alias back to an earlier version (all of its traffic; weights cleared).

    `up` keeps a rollback until the function publishes a new version.

    Example: lambdactl rollback hello --alias live --to 3
    """
    from lambdactl import rollback as core
    from lambdactl.lock import waiting

    function = app.project.function(fn)
    ctx = app.context
    with ctx.lock("rollback", lambda h: app.term.info(waiting(h))):
        done = core.rollback(ctx, function, alias_name, to)
    if app.term.json:
        app.term.print_json(done.as_json())
        return
    app.term.info(f"{function.key}: alias {done.alias}: version {done.was} -> {done.version}")
    app.term.write(done.arn)
