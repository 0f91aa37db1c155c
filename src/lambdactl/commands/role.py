from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, fn_argument, render_summary


@click.command("role")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Create or update the execution role of FN (all functions if omitted).

    The role trusts lambda.amazonaws.com and has one inline policy: your policy
    file (templated) plus write access to the function's own log group.

    Example: lambdactl role hello
    """
    raise SystemExit(render_summary(app, "roles", apply_steps(app, ("role",), fn)))
