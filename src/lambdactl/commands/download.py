from __future__ import annotations

import click

from lambdactl.cli import App


@click.command("download")
@click.argument("bucket")
@click.argument("key")
@click.argument("dest", required=False, metavar="[DEST]")
@click.pass_obj
def command(app: App, bucket: str, key: str, dest: str | None) -> None:
    """Fetch an object from a bucket: upload's sibling.

    BUCKET is a [buckets.NAME] key (e.g. charts) or a bucket name. DEST is a file
    or a directory [default: the key's last part, here]; `-` writes the bytes to stdout.

    Example: lambdactl download charts size-tracker-uploads.png chart.png
    """
    from lambdactl import objects

    name = objects.bucket(app.project_or_none(), bucket)
    s3 = app.aws.client("s3")
    if dest == "-":
        objects.download(s3, name, key, objects.stdout())
        return
    path = objects.destination(key, dest)
    size = objects.download(s3, name, key, path)
    if app.term.json:
        app.term.print_json({"bucket": name, "key": key, "bytes": size, "path": str(path)})
    else:
        app.term.write(f"downloaded s3://{name}/{key} ({size} bytes) to {path}")
