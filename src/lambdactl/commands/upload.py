from __future__ import annotations

import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambdactl.aws import error_code, translate
from lambdactl.cli import App
from lambdactl.commands._common import complete_functions
from lambdactl.errors import AwsError, ConfigError
from lambdactl.textfile import printable

if TYPE_CHECKING:
    from lambdactl.config import Function, Trigger


def object_key(fn: Function, filename: str, key: str | None) -> tuple[Trigger, str]:
    """The trigger that will fire and the key to write: under its prefix, with its suffix."""
    if not fn.triggers:
        raise ConfigError(f"function {fn.key!r} has no S3 trigger", "add [[functions.NAME.triggers]] to lambdactl.toml")
    name = key if key is not None else Path(filename).name
    if _undecodable(name):
        what = f"--key '{printable(name)}'" if key is not None else f"the file name '{printable(name)}'"
        raise ConfigError(f"{what} is not UTF-8 text, which S3 keys are",
                          "pass --key NAME" if key is None else "pass a UTF-8 --key")
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
@click.argument("fn", required=False, metavar="[FN]", shell_complete=complete_functions)
@click.option("--key", metavar="KEY", help="Object key [default: the trigger's prefix + the file name].")
@click.pass_obj
def command(app: App, file: Path, fn: str | None, key: str | None) -> None:
    """Put a file into a function's trigger bucket, under its prefix, to see it fire.

    Watch it run with `lambdactl logs -f` in another terminal.

    Example: lambdactl upload photo.jpg hello --key "red flower.jpg"
    """
    triggered = [f for f in app.project.functions if f.triggers]
    if not triggered:
        raise ConfigError(f"no function in {app.project.path.name} has an S3 trigger",
                          "add [[functions.NAME.triggers]] with bucket = \"...\" and run `lambdactl up`")
    # Without FN, the only function with an S3 trigger is the one meant.
    function = triggered[0] if fn is None and len(triggered) == 1 else app.project.function(fn)
    trig, obj_key = object_key(function, str(file), key)
    size = regular_size(file)   # a bad file is refused before any call
    refuse_unwired(app, function, trig)
    put_file(app, file, size, trig.bucket, obj_key)
    where = f"s3://{trig.bucket}/{obj_key}"
    if app.term.json:
        app.term.print_json({"bucket": trig.bucket, "key": obj_key, "bytes": size, "fires": function.name})
    else:
        app.term.write(f"uploaded {where} ({size} bytes): fires {function.name}")


def refuse_unwired(app: App, fn: Function, trig: Trigger) -> None:
    """It said "fires FN" whether or not S3 may invoke FN: checked before the upload."""
    from lambdactl.kinds.s3_permission import unwired

    a = app.aws
    why = unwired(a.client("lambda"), a.client("s3"), fn, trig.bucket, trig.qualifier, a.account_id, a.partition)
    if why:
        raise AwsError(f"an upload to s3://{trig.bucket} would not fire {fn.key}: {why}",
                       "run `lambdactl up` to wire it, then upload again")


def _undecodable(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def regular_size(file: Path) -> int:
    """FILE's size, for a regular file whose size says what it holds. A FIFO or a device
    (it would block, or never end) and /proc's files (size 0, content read on demand:
    0 bytes would be uploaded) are refused in one line."""
    st = file.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{printable(str(file))} is not a regular file (a FIFO, socket or device)",
                          "copy what it holds to a file first: upload reads a file of known size")
    if st.st_size == 0:
        with open(file, "rb") as f:
            if f.read(1):
                raise ConfigError(f"{printable(str(file))} says it holds 0 bytes but has content "
                                  "(a /proc or /sys file)", "copy it to a regular file first")
    return st.st_size


def put_file(app: App, file: Path, size: int, bucket: str, key: str) -> None:
    """Stream FILE to s3://BUCKET/KEY with boto3's managed transfer (multipart above
    8 MB, never the whole file in memory); MB sent on the spinner line on a terminal."""
    from boto3.exceptions import S3UploadFailedError
    from boto3.s3.inject import upload_file

    from lambdactl.core.executor import interruptible

    sent = 0
    lock = threading.Lock()
    s3 = app.aws.transfer_client()
    with app.term.status(f"uploading {file.name}…") as status:
        def on_bytes(n: int) -> None:   # called from the transfer's threads
            nonlocal sent
            with lock:
                sent += n
                status.update(f"uploading {file.name}: {sent / 2**20:.1f} / {size / 2**20:.1f} MB")

        try:
            interruptible(lambda: upload_file(s3, str(file), bucket, key, Callback=on_bytes))
        except S3UploadFailedError as exc:
            # boto3 wraps the ClientError (raised inside its `except ClientError`).
            cause = exc.__context__ or exc
            if error_code(cause) in ("NoSuchBucket", "404"):
                raise AwsError(f"bucket {bucket} does not exist", "run `lambdactl up` first",
                               code="NoSuchBucket") from exc
            raise translate(cause) or AwsError(str(exc)) from exc
