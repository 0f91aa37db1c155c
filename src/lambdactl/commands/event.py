from __future__ import annotations

import click

from lambdactl.cli import App


@click.command("event")
@click.argument("kind", type=click.Choice(["s3-put", "s3-delete"]))
@click.option("--bucket", required=True, help="Bucket name in the event.")
@click.option("--key", required=True, help="Object key (URL-encoded in the event, as S3 does).")
@click.option("--size", type=click.IntRange(min=0), default=1024, show_default=True,
              help="Object size in bytes (s3-put).")
@click.pass_obj
def command(app: App, kind: str, bucket: str, key: str, size: int) -> None:
    """Print a sample S3 notification event (s3-put, s3-delete) as JSON.

    Pipe it to `lambdactl invoke --payload -` or save it for tests.

    Example: lambdactl event s3-put --bucket my-bucket --key "uploads/red flower.jpg"
    """
    from lambdactl.aws import env_region
    from lambdactl.events import s3_event

    project = app.project_or_none()
    region = app.region or (project.region if project else None) or env_region() or "us-east-1"
    app.term.print_json(s3_event(kind, bucket, key, size=size, region=region))
