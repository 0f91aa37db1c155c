from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambdactl.cli import App
from lambdactl.errors import AwsError, ConfigError

if TYPE_CHECKING:
    from lambdactl.kinds.queue import Queue

MAX_COUNT = 10000


def find_queue(app: App, key: str) -> Queue:
    """The [queues.KEY] named KEY (or by its queue name)."""
    from lambdactl.suggest import known

    queues = app.project.queues
    for q in queues:
        if key in (q.key, q.name):
            return q
    if not queues:
        raise ConfigError(f"{app.project.path.name} declares no queue", "add [queues.NAME] and run `lambdactl up`")
    raise ConfigError(f"no queue {key!r} in {app.project.path.name}", known(key, [q.key for q in queues]))


def read_body(body: str | None) -> str:
    """BODY as given, @FILE's text, or standard input (no BODY, or "-")."""
    from lambdactl.textfile import read_text

    if body is None or body == "-":
        if body is None and sys.stdin.isatty():
            raise click.UsageError("give the message body: BODY, @file, or on standard input")
        return sys.stdin.read()
    if body.startswith("@"):
        path = Path(body[1:])
        if not path.is_file():
            raise click.UsageError(f"{body}: " + ("a directory, not a file" if path.is_dir() else "no such file"))
        return read_text(path, "the message file")
    return body


@click.command("send")
@click.argument("queue")
@click.argument("body", required=False, metavar="[BODY|@FILE]")
@click.option("--group-id", metavar="ID", help="MessageGroupId (FIFO queues; default \"lambdactl\").")
@click.option("--count", type=click.IntRange(1, MAX_COUNT), default=1, show_default=True,
              help="Send N messages; {n} in the body becomes 1..N.")
@click.pass_obj
def command(app: App, queue: str, body: str | None, group_id: str | None, count: int) -> None:
    """Send a message to one of the project's [queues.NAME], to see its trigger fire.

    The message ids go to stdout, one a line. Watch the function run with
    `lambdactl logs -f` in another terminal.

    Example: lambdactl send jobs '{"order": {n}}' --count 10
    """
    from lambdactl import sqs
    from lambdactl.aws import error_code

    q = find_queue(app, queue)
    text = read_body(body)
    if not text:
        raise click.UsageError("the message body is empty; SQS needs at least one character")
    bodies = [text.replace("{n}", str(i)) for i in range(1, count + 1)]
    a = app.aws
    url = sqs.url(a.region, a.account_id, q.name)
    with app.term.status(f"sending {count} message(s) to {q.name}…"):
        try:
            ids = sqs.send(a.client("sqs"), url, bodies, group_id or ("lambdactl" if q.fifo else None), q.fifo)
        except Exception as exc:
            if error_code(exc) in sqs.GONE:
                raise AwsError(f"queue {q.name} does not exist", "run `lambdactl up` first", code=error_code(exc)) from exc
            raise
    if app.term.json:
        app.term.print_json({"queue": q.name, "url": url, "message_ids": ids})
        return
    for message_id in ids:
        app.term.write(message_id)
    app.term.info(f"sent {len(ids)} message(s) to {q.name}")
