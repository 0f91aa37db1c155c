from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, fn_argument, render_summary
from lambdactl.kinds import BY_COMMAND


@click.command("wire")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Connect every way FN is called (all functions if omitted).

    S3 triggers: creates the bucket if missing, lets s3.amazonaws.com invoke the
    function, then merges our entry into the bucket's notification configuration,
    keeping every other entry exactly as it was. Also the sqs/dynamodb triggers'
    event-source mappings, the function URL (url = {...}) and schedules.

    Example: lambdactl wire hello
    """
    raise SystemExit(render_summary(app, "triggers", apply_steps(app, BY_COMMAND["wire"], fn)))
