from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument

if TYPE_CHECKING:
    from datetime import datetime


@click.command("stats")
@fn_argument
@click.option("--since", default="1h", show_default=True, metavar="10m|1h|2d|ISO8601",
              help="Count the invocations from this long ago (or this time, UTC) until now.")
@click.option("--plot", "plot_path", metavar="FILE.png",
              help="Also draw duration and memory over time into FILE.png (needs lambdactl[plot]).")
@click.pass_obj
def command(app: App, fn: str | None, since: str, plot_path: str | None) -> None:
    """Invocations, errors, cold starts, duration percentiles, memory, GB-s and cost, with advice.

    Read from the REPORT lines of the function's log group. A throttled request
    never runs, so the logs cannot count it: on AWS the Throttles metric is read.

    Example: lambdactl stats hello --since 1d --plot hello.png
    """
    from lambdactl import logs, stats
    from lambdactl.ui import escape

    function = app.project.function(fn)
    until = logs.utcnow()
    start = logs.parse_since(since, until)
    if start >= until:
        from lambdactl.errors import ConfigError

        raise ConfigError(f"--since {since!r} is not in the past", "use e.g. 1h, 2d or an earlier time")
    if plot_path:
        from lambdactl import plots

        plots.require(plot_path)  # before any AWS call: a missing extra, a format it cannot draw
    with app.term.status(f"reading {function.log_group}…"):
        events = logs.history(app.aws.client("logs"), function.log_group, start, end=until)
        invs = stats.invocations(events)
        throttled = _throttles(app, function.name, start, until)
    s = stats.summarize(function.key, invs, start, until, architecture=function.architecture,
                        memory_mb=function.memory, timeout_s=function.timeout, throttles=throttled)
    if plot_path:
        plots.save(plots.stats_figure(s, invs), plot_path)
        app.term.info(f"[dim]wrote {escape(plot_path)}[/dim]")
    if app.term.json:
        app.term.print_json(s.as_json())
        return
    app.term.table(f"{function.name}: {s.invocations} invocations", ["figure", "value"], stats.rows(s))
    if not invs:
        app.term.info(f"[dim]no REPORT lines in {function.log_group} since {start:%Y-%m-%d %H:%M:%S} UTC[/dim]")
    for line in s.advice:
        app.term.info(f"[yellow]advice:[/yellow] {escape(line)}")


def _throttles(app: App, name: str, start: datetime, until: datetime) -> int | None:
    """The CloudWatch Throttles metric on AWS; None where there is none (the sandbox)
    or it may not be read."""
    from lambdactl import stats
    from lambdactl.cli import to_user_error

    if app.aws.target.is_local:
        return None
    try:
        return stats.throttles(app.aws.client("cloudwatch"), name, start, until)
    except Exception as exc:  # noqa: BLE001 - the metric is extra: say so and go on
        if to_user_error(exc) is None:
            raise
        app.term.warn(f"cannot read the Throttles metric: {to_user_error(exc)}")
        return None
