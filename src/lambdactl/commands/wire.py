from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, fn_argument, render_summary


@click.command("wire")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Connect FN's S3 triggers (all functions if omitted).

    Creates the bucket if missing, lets s3.amazonaws.com invoke the function,
    then merges our entry into the bucket's notification configuration,
    keeping every other entry exactly as it was.

    Example: lambdactl wire hello
    """
    raise SystemExit(render_summary(app, "triggers", apply_steps(app, ("bucket", "permission", "notification"), fn)))
