from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, fn_argument, render_summary
from lambdactl.kinds import BY_COMMAND


@click.command("deploy")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Create or update the Lambda function FN (all functions if omitted).

    Uploads the code only if its CodeSha256 differs, updates only the
    configuration fields that differ, and waits until the function is ready.
    Builds and publishes the [layers.NAME] it uses when their content changed.
    Needs the role (`lambdactl role`).

    Example: lambdactl deploy hello
    """
    raise SystemExit(render_summary(app, "functions", apply_steps(app, BY_COMMAND["deploy"], fn)))
