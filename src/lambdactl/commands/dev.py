from __future__ import annotations

import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from lambdactl.cli import App
from lambdactl.commands._common import complete_functions

if TYPE_CHECKING:
    from lambdactl.config import Project
    from lambdactl.core.context import Context

STYLES = {"✗": "red", "=": "dim", "↻": "green", "▸": "cyan", "+": "green", "~": "yellow", "-": "red"}


@click.command("dev")
@click.argument("fns", nargs=-1, metavar="[FN...]", shell_complete=complete_functions)
@click.option("--no-logs", is_flag=True, help="Do not follow the functions' logs.")
@click.pass_obj
def command(app: App, fns: tuple[str, ...], no_logs: bool) -> None:
    """Watch the project and keep the functions current as you save; follow their logs.

    \b
    First the project is brought up to date (the `up` plan, shown). Then on each
    save, after a 50 ms quiet spell (a burst of saves is one change):
      a function's code     -> zip rebuilt (only changed files deflated), then
                               UpdateFunctionCode, skipped if CodeSha256 is the same
      memory, timeout, environment, handler, description in lambdactl.toml
                            -> UpdateFunctionConfiguration of those fields only
      anything else (a function, trigger, policy, layer, table, bucket)
                            -> the full `up` plan, shown, then applied
    A syntax error or a failed build changes nothing deployed and says why in
    one line; the next save tries again. On the sandbox the next invoke runs the
    new code in a fresh environment (its init runs again). Logs of the watched
    functions stream on stdout, one colour per function; Ctrl-C stops (exit 0).
    FN...: only these functions' code, configuration and logs [default: all].

    Example: lambdactl dev hello   (then edit functions/hello/app.py and save)
    """
    import gc

    import lambdactl
    from lambdactl.dev import loop as devloop
    from lambdactl.dev.watch import batches

    lambdactl.ONE_SHOT = False   # a long run: nothing it builds may be frozen (aws.py)
    gc.set_threshold(*lambdactl.GC_DEFAULT)   # and it collects as usual
    project = app.project   # no lambdactl.toml here: that, not the logs client's missing region, is the error
    watched = tuple(project.function(k).key for k in fns)
    hooks = _hooks(app)
    dev = devloop.DevLoop(hooks, watched)
    stop = threading.Event()
    tail = None if no_logs else _tail(app)

    def follow(project: Project) -> None:   # after each full up: functions added are followed too
        for f in project.functions:
            if tail is not None and (not watched or f.key in watched):
                tail.follow(f.key, f.log_group)

    said: list[bool] = []

    def ready() -> None:
        if not said:   # once, not at each restart of the watch
            said.append(True)
            app.term.info(f"[dim]watching {app.project.root} (Ctrl-C to stop)[/dim]")

    hooks.on_full, hooks.on_ready = follow, ready
    previous = signal.signal(signal.SIGINT, _on_interrupt(app, stop))
    try:   # the handler is ours only while dev runs, whatever ends it
        dev.start()
        devloop.watch(dev, stop, batches)
    finally:
        signal.signal(signal.SIGINT, previous)
        if tail is not None:
            tail.stop()
    app.term.info(f"[dim]stopped; {dev.synced} change(s) made current[/dim]")


def _on_interrupt(app: App, stop: threading.Event) -> Any:
    """The first Ctrl-C stops after the change in hand; a second one at once."""
    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        app.term.info("[dim]stopping…[/dim]")
    return handler


def _hooks(app: App) -> Any:
    from lambdactl import config
    from lambdactl.cli import to_user_error
    from lambdactl.dev.loop import Hooks

    def load() -> Project:
        return config.load(app.config_path)

    def context(project: Project) -> Context:
        app._project = project
        app._cache.pop("context", None)
        return app.context

    def explain(exc: BaseException) -> str | None:
        err = to_user_error(exc)
        return None if err is None else str(err)

    return Hooks(load=load, context=context, up=lambda p: _up(app, context(p)),
                 say=lambda sym, line: app.term.step(sym, line, style=STYLES.get(sym, "green")),
                 explain=explain)


def _up(app: App, ctx: Context) -> dict[str, str]:
    """The full plan, shown, then applied; -> each function's CodeSha256."""
    from lambdactl.commands._common import apply_steps, plan_steps
    from lambdactl.errors import LambdactlError
    from lambdactl.kinds import ALL as ALL_KINDS

    results = plan_steps(app, ALL_KINDS, None)
    steps = [s for s in [*ctx.project_steps, *(s for r in results for s in r.steps)] if s.writes]
    for s in steps:
        symbol = {"create": "+", "update": "~", "delete": "-"}[s.action]
        app.term.step(symbol, f"{s.function or 'project'}: {s.describe()}", style=STYLES[symbol])
    if steps:
        app._cache.pop("context", None)   # apply's own reads, in a fresh context
        results = apply_steps(app, ALL_KINDS, None)
    else:
        app.term.info("[dim]everything is up to date[/dim]")
    failed = [f"{r.fn.key}: {r.error}" for r in results if r.error]
    if failed:
        raise LambdactlError(f"up failed: {'; '.join(failed)}")
    return {r.fn.key: r.package.sha256 for r in results if r.package}


def _tail(app: App) -> Any:
    from lambdactl import logs as logmod
    from lambdactl.dev.tail import Tail

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    tail = Tail(app.aws.client("logs"), sys.stdout, logmod.utcnow(), color=color,
                live_arn=lambda group: logmod.live_arn(app.aws, group),
                on_note=lambda line: app.term.info(f"[dim]{line}[/dim]"))
    return tail
