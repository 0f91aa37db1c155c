from __future__ import annotations

import click

from lambdactl.cli import App


@click.command("event")
@click.argument("kind", type=click.Choice(["s3-put", "s3-delete"]))
@click.option("--bucket", help="Bucket name in the event [default: the project's first S3 trigger's, "
                               "else example-bucket].")
@click.option("--key", help="Object key (URL-encoded in the event, as S3 does) [default: inside the "
                            "trigger's prefix and suffix, else test/key].")
@click.option("--size", type=click.IntRange(min=0), default=1024, show_default=True,
              help="Object size in bytes (s3-put).")
@click.pass_obj
def command(app: App, kind: str, bucket: str | None, key: str | None, size: int) -> None:
    """Print a sample S3 notification event (s3-put, s3-delete) as JSON.

    Pipe it to `lambdactl invoke --payload -` or save it for tests. Without
    --bucket, as `sam local generate-event s3 put`: the bucket of the project's
    first S3 trigger (else example-bucket).

    Example: lambdactl event s3-put --bucket my-bucket --key "uploads/red flower.jpg"
    """
    from lambdactl.aws import env_region
    from lambdactl.events import s3_event

    project = app.project_or_none()
    region = app.region or (project.region if project else None) or env_region() or "us-east-1"
    triggered = [f for f in project.functions if f.triggers] if project and bucket is None else []
    if triggered:
        from lambdactl.invoke import trigger_event

        app.term.print_json(trigger_event(triggered[0], kind, key, region))
        return
    app.term.print_json(s3_event(kind, bucket or "example-bucket", key or "test/key", size=size, region=region))
