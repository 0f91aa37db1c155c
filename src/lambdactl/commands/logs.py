from __future__ import annotations

import os
import sys
import time

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("logs")
@fn_argument
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events until Ctrl-C.")
@click.option("--since", default="10m", show_default=True, metavar="10m|1h|2d|ISO8601",
              help="Start this long ago, or at this time (UTC unless it says otherwise). Times print in UTC.")
@click.option("--filter", "pattern", metavar="PATTERN", help="CloudWatch Logs filter pattern, e.g. ERROR.")
@click.option("--format", "fmt", type=click.Choice(["short", "detailed", "json"]), default=None,
              help="short: time and message [default]; detailed: ISO time and stream; json: one object a line.")
@click.option("--version", "version", metavar="N", help="Only the streams of published version N (the [N] in a stream's name); $LATEST too.")
@click.pass_obj
def command(app: App, fn: str | None, follow: bool, since: str, pattern: str | None, fmt: str | None,
            version: str | None) -> None:
    """Show a function's CloudWatch logs, interleaved across streams; -f to follow them live.

    On AWS, --follow uses Live Tail; elsewhere (the sandbox) it polls about once a second.

    Example: lambdactl logs hello --follow --since 1h
    """
    from lambdactl import logs as core

    function = app.project.function(fn)
    now = core.utcnow()
    start = core.parse_since(since, now)
    fmt = fmt or ("json" if app.term.json else "short")  # json: one object a line when following
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    render = core.Formatter(sys.stdout, fmt, color)
    show = render if version is None else core.only_version(version, render)
    client = app.aws.client("logs")
    group = function.log_group
    if not follow:
        events = [ev for ev in core.history(client, group, start, pattern) if core.of_version(ev, version)]
        if app.term.json and fmt == "json":  # --output json: one document
            app.term.print_json({"log_group": group, "since": start.isoformat(),
                                 "events": [core.event_json(ev) for ev in events]})
            return
        for ev in events:
            render(ev)
        if not events:
            app.term.info(f"[dim]no events in {group} since {start:%Y-%m-%d %H:%M:%S} UTC[/dim]")
        return
    live_arn = core.live_arn(app.aws, group)
    app.term.info(f"[dim]following {group} (Ctrl-C to stop)[/dim]")

    def note(message: str) -> None:
        app.term.info(f"[dim]{message}[/dim]")

    try:
        for ev in core.follow(client, group, start, pattern, sleep=time.sleep, now=core.utcnow,
                              live_arn=live_arn, on_wait=note, on_fallback=note):
            show(ev)
    except BrokenPipeError:
        pass  # `lambdactl logs -f | head`
