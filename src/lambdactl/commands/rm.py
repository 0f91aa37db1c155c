from __future__ import annotations

import click

from lambdactl.cli import App


@click.command("rm")
@click.argument("bucket")
@click.argument("key")
@click.pass_obj
def command(app: App, bucket: str, key: str) -> None:
    """Delete an object from one of the project's buckets (fires s3:ObjectRemoved triggers).

    BUCKET is a [buckets.NAME] key (e.g. uploads) or the name of a bucket the
    project declares; lambdactl never deletes from other buckets.

    Example: lambdactl rm uploads photo.jpg
    """
    from lambdactl import objects

    name = objects.bucket(app.project, bucket, owned=True)
    size = objects.delete(app.aws.client("s3"), name, key)
    if app.term.json:
        app.term.print_json({"bucket": name, "key": key, "bytes": size, "deleted": True})
    else:
        app.term.write(f"deleted s3://{name}/{key} ({size} bytes)")
