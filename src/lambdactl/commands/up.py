from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, render_summary
from lambdactl.plan import ALL_KINDS


@click.command("up")
@click.pass_obj
def command(app: App) -> None:
    """Package, role, deploy and wire every function in lambdactl.toml.

    Idempotent: a second run with nothing changed makes no write call.

    Example: lambdactl --output json up
    """
    results = apply_steps(app, ALL_KINDS, None)
    if not any(r.changed for r in results):
        app.term.info("no changes: everything is up to date")
    raise SystemExit(render_summary(app, "deployed", results))
