from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambdactl.cli import App
from lambdactl.errors import AwsError, ConfigError

if TYPE_CHECKING:
    from lambdactl.config import Function, Trigger


def object_key(fn: Function, filename: str, key: str | None) -> tuple[Trigger, str]:
    """The trigger that will fire and the key to write: under its prefix, with its suffix."""
    if not fn.triggers:
        raise ConfigError(f"function {fn.key!r} has no S3 trigger", "add [[functions.NAME.triggers]] to lambdactl.toml")
    name = key if key is not None else Path(filename).name
    candidates = [t for t in fn.triggers if any(e.startswith("s3:ObjectCreated") for e in t.events)]
    if not candidates:
        raise ConfigError(f"no trigger of {fn.key!r} fires on object creation",
                          "add \"s3:ObjectCreated:*\" to its trigger's events")
    for trig in candidates:
        full = name if name.startswith(trig.prefix) else trig.prefix + name
        if full.endswith(trig.suffix):
            return trig, full
    suffixes = " or ".join(repr(t.suffix) for t in candidates)
    raise ConfigError(
        f"{name!r} would not fire {fn.key}: its trigger only fires on keys ending in {suffixes}",
        f"pass --key {Path(name).stem}{candidates[0].suffix}",
    )


@click.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("fn", required=False, metavar="[FN]")
@click.option("--key", metavar="KEY", help="Object key [default: the trigger's prefix + the file name].")
@click.pass_obj
def command(app: App, file: Path, fn: str | None, key: str | None) -> None:
    """Put a file into a function's trigger bucket, under its prefix, to see it fire.

    Watch it run with `lambdactl logs -f` in another terminal.

    Example: lambdactl upload photo.jpg hello --key "red flower.jpg"
    """
    triggered = [f for f in app.project.functions if f.triggers]
    # Without FN, the only function with an S3 trigger is the one meant.
    function = triggered[0] if fn is None and len(triggered) == 1 else app.project.function(fn)
    trig, obj_key = object_key(function, str(file), key)
    data = file.read_bytes()
    s3 = app.aws.client("s3")
    try:
        s3.put_object(Bucket=trig.bucket, Key=obj_key, Body=data)
    except s3.exceptions.NoSuchBucket as exc:
        raise AwsError(f"bucket {trig.bucket} does not exist", "run `lambdactl up` first",
                       code="NoSuchBucket") from exc
    where = f"s3://{trig.bucket}/{obj_key}"
    if app.term.json:
        app.term.print_json({"bucket": trig.bucket, "key": obj_key, "bytes": len(data), "fires": function.name})
    else:
        app.term.write(f"uploaded {where} ({len(data)} bytes): fires {function.name}")
