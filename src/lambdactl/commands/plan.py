from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import plan_steps
from lambdactl.plan import ALL_KINDS


@click.command("plan")
@click.pass_obj
def command(app: App) -> None:
    """Show what `lambdactl up` would change, with read calls only.

    Example: lambdactl --output json plan
    """
    results = plan_steps(app, ALL_KINDS, None)
    steps = [s for r in results for s in r.steps]
    changes = [s for s in steps if s.writes]
    if app.term.json:
        app.term.print_json({"changes": len(changes), "steps": [s.as_json() for s in steps]})
        return
    for s in steps:
        symbol = {"create": "+", "update": "~", "delete": "-"}.get(s.action, " ")
        if s.writes or app.verbose:
            app.term.write(f"{symbol} {s.function}: {s.describe()}")
    app.term.info(f"{len(changes)} change(s)" if changes else "no changes: everything is up to date")
