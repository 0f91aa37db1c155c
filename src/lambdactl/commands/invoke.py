from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument

if TYPE_CHECKING:
    from lambdactl.config import Function


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
@click.option("--url", "via_url", is_flag=True, help="Call the function's URL over HTTP instead (SigV4-signed when its auth is AWS_IAM).")
@click.option("--path", "url_path", default="/", show_default=True, help="With --url: the path (and ?query) to request.")
@click.option("--method", default="GET", show_default=True, help="With --url: the HTTP method.")
@click.option("--data", metavar="TEXT|@FILE", help="With --url: the request body.")
@click.option("--header", "headers", multiple=True, metavar="K:V", help="With --url: a request header (repeatable).")
@click.pass_obj
def command(app: App, fn: str | None, payload: str | None, event_kind: str | None, key: str | None,
            is_async: bool, dry_run: bool, qualifier: str, via_url: bool, url_path: str, method: str,
            data: str | None, headers: tuple[str, ...]) -> None:
    """Invoke a function and show its result, log tail, REPORT numbers and cost.

    The returned payload goes to stdout; the log tail and report to stderr.

    Example: lambdactl invoke hello --event s3-put --key "uploads/red flower.jpg"
    """
    import json

    from lambdactl import invoke as core
    from lambdactl.ui import escape

    _check_flags(payload, event_kind, key, is_async, dry_run)
    function = app.project.function(fn)
    if via_url or data is not None or headers:
        return call_url(app, function, url_path, method, data, headers,
                        clash=not via_url or bool(payload or event_kind or is_async or dry_run or qualifier))
    if event_kind:
        body = json.dumps(core.trigger_event(function, event_kind, key, app.aws.region)).encode()
    else:
        body = core.load_payload(payload, getattr(sys.stdin, "buffer", sys.stdin))
    mode = "async" if is_async else "dry-run" if dry_run else "sync"
    if app.aws.target.is_local:   # before it runs: where the sandbox runs it unlike Lambda
        from lambdactl.sandbox_notes import notices

        for line in notices(function, app.term.info):
            app.term.warn(line)
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


def _check_flags(payload: str | None, event_kind: str | None, key: str | None, is_async: bool, dry_run: bool) -> None:
    from lambdactl.errors import ConfigError

    if payload is not None and event_kind is not None:
        raise ConfigError("--payload and --event are exclusive", "pass only one of them")
    if is_async and dry_run:
        raise ConfigError("--async and --dry-run are exclusive", "pass only one of them")
    if key is not None and event_kind is None:
        raise ConfigError("--key only applies to --event", "add --event s3-put")


def call_url(app: App, function: Function, path: str, method: str, data: str | None, headers: tuple[str, ...],
             clash: bool) -> None:
    """invoke --url: status and headers to stderr, the body to stdout; exit 1 on an HTTP error."""
    from pathlib import Path

    from lambdactl import url_call
    from lambdactl.errors import ConfigError, LambdactlError
    from lambdactl.kinds import url

    if clash:
        raise ConfigError("--data and --header go with --url; --url goes without --payload, --event, --async, --dry-run",
                          "e.g. lambdactl invoke api --url --path /hello --method POST --data '{}'")
    state = url.observe(app.aws.client("lambda"), function.name, function.url.qualifier if function.url else None)
    if state is None:
        raise LambdactlError(f"{function.name} has no function URL", "add url = {...} to its table and run `lambdactl up`")
    body = b"" if data is None else Path(data[1:]).read_bytes() if data.startswith("@") else data.encode()
    signer = url_call.sigv4(app.aws.credentials(), app.aws.region) if state.auth == "AWS_IAM" else None
    with app.term.status(f"{method.upper()} {state.url.rstrip('/')}/{path.lstrip('/')}…"):
        answer = url_call.call(state.url, method, path, body, url_call.parse_headers(headers), signer)
    if app.term.json:
        app.term.print_json(answer.as_json())
    else:
        app.term.info(f"HTTP {answer.status}")
        for k, v in answer.headers:
            app.term.info(f"{k}: {v}")
        app.term.write(answer.body.decode("utf-8", "replace"))
    if answer.status >= 400:
        raise SystemExit(1)
