from __future__ import annotations

import sys

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("invoke")
@fn_argument
@click.option("--payload", metavar="JSON|@FILE|-", help="Event: inline JSON, @file.json, or - for stdin.")
@click.option("--event", "event_kind", type=click.Choice(["s3-put", "s3-delete"]),
              help="Send a sample S3 event for the function's own trigger bucket.")
@click.option("--key", metavar="KEY", help="Object key for --event [default: PREFIXexampleSUFFIX].")
@click.option("--async", "is_async", is_flag=True, help="InvocationType=Event: queue it and return (202). Retried on failure, and Lambda "
              "may run an event twice: make such handlers idempotent. Without it, a sent Invoke is never retried.")
@click.option("--dry-run", is_flag=True, help="InvocationType=DryRun: check parameters and permissions only.")
@click.option("--qualifier", "-q", default="", metavar="VERSION|ALIAS", help="Invoke a published version or an alias [default: $LATEST].")
@click.pass_obj
def command(app: App, fn: str | None, payload: str | None, event_kind: str | None, key: str | None,
            is_async: bool, dry_run: bool, qualifier: str) -> None:
    """Invoke a function and show its result, log tail, REPORT numbers and cost.

    The returned payload goes to stdout; the log tail and report to stderr.

    Example: lambdactl invoke hello --event s3-put --key "uploads/red flower.jpg"
    """
    import json

    from lambdactl import invoke as core
    from lambdactl.errors import ConfigError
    from lambdactl.ui import escape

    if payload is not None and event_kind is not None:
        raise ConfigError("--payload and --event are exclusive", "pass only one of them")
    if is_async and dry_run:
        raise ConfigError("--async and --dry-run are exclusive", "pass only one of them")
    if key is not None and event_kind is None:
        raise ConfigError("--key only applies to --event", "add --event s3-put")
    function = app.project.function(fn)
    if event_kind:
        body = json.dumps(core.trigger_event(function, event_kind, key, app.aws.region)).encode()
    else:
        body = core.load_payload(payload, getattr(sys.stdin, "buffer", sys.stdin))
    mode = "async" if is_async else "dry-run" if dry_run else "sync"
    # RequestResponse: a client that never retries a sent Invoke (aws.invoke_client).
    lam = app.aws.invoke_client(function.timeout) if mode == "sync" else app.aws.client("lambda")
    with app.term.status(f"invoking {function.name}…"):
        result = core.invoke(lam, function.name, body, mode, function.architecture, qualifier)

    term = app.term
    if term.json:
        term.print_json(result.as_json())
        raise SystemExit(1 if result.function_error else 0)
    if mode == "async":
        term.info(f"queued {function.name} (status {result.status_code}); see it run with `lambdactl logs {function.key} -f`")
        return
    if mode == "dry-run":
        term.info(f"dry run of {function.name} passed (status {result.status_code}): parameters and permissions are valid")
        return
    if result.log:
        term.err.print(escape(result.log.rstrip("\n")), style="dim")
    if result.function_error:
        term.error(f"function error ({result.function_error})")
        term.err.print(escape(core.format_error(result.error or {})), style="red")
    elif result.payload is not None:
        if result.payload_is_json:
            term.write(json.dumps(result.payload, indent=2))
        else:
            term.write(str(result.payload))
    if result.report:
        term.info(f"[dim]{escape(core.format_report(result.report, result.cost_usd))}[/dim]")
    if qualifier and result.version:
        term.info(f"[dim]executed version {escape(result.version)}[/dim]")
    if result.function_error:
        raise SystemExit(1)
