from __future__ import annotations

import sys

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("tune")
@fn_argument
@click.option("--memory", "memory_list", default="128,256,512,1024,1769", show_default=True,
              metavar="MB,MB,...", help="Memory sizes to try (128-10240 MB).")
@click.option("--runs", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Invocations per memory size; the slowest and fastest 20% are dropped.")
@click.option("--payload", metavar="JSON|@FILE|-", help="The event of every invocation [default: {}].")
@click.option("--strategy", type=click.Choice(["cost", "speed", "balanced"]), default="cost",
              show_default=True, help="Rank by cost per invocation, by duration, or half and half.")
@click.option("--apply", "apply_", is_flag=True,
              help="Write the chosen memory into lambdactl.toml (comments kept); `up` deploys it.")
@click.option("--plot", "plot_path", metavar="FILE.png",
              help="Also draw cost and duration against memory into FILE.png (needs lambdactl[plot]).")
@click.pass_obj
def command(app: App, fn: str | None, memory_list: str, runs: int, payload: str | None,
            strategy: str, apply_: bool, plot_path: str | None) -> None:
    """Find the memory size that costs least (or runs fastest) by invoking at each one.

    Sets $LATEST's MemorySize to each size in turn, invokes --runs times, and
    restores the original memory afterwards, also on failure or Ctrl-C.

    Example: lambdactl tune hello --memory 128,256,512 --runs 20 --payload @event.json --apply
    """
    from lambdactl import tune as core
    from lambdactl.invoke import load_payload
    from lambdactl.stats import usd

    memories = core.parse_memory(memory_list)
    body = load_payload(payload, sys.stdin)
    function = app.project.function(fn)
    if plot_path:
        from lambdactl import plots

        plots.require(plot_path)  # before any AWS call: a missing extra, a format it cannot draw
    term = app.term
    lam = app.aws.client("lambda")  # on the local target, the sandbox runs from here on
    memory_now = core.current_memory(lam, function.name)   # not deployed: said before the sandbox's note
    if app.aws.target.is_local and (note := core.sandbox_note()):
        term.warn(note)
    with term.status(f"tuning {function.name}…") as status:
        def progress(memory_mb: int, run: int, total: int) -> None:
            status.update(f"{function.name} at {memory_mb} MB: run {run} of {total}")
            if run == 1:
                term.step("▸", f"{memory_mb} MB: {total} runs", style="cyan")

        original, trials = core.run(
            lam, function.name, memories, runs, body, function.architecture, progress,
            on_restore=lambda mb: term.step("↺", f"restoring MemorySize {mb} MB", style="dim"), original=memory_now)
    ranked = core.rank(trials, strategy)
    best = ranked[0]
    applied = core.apply(app.project.path, function.key, best.memory_mb) if apply_ else False
    if plot_path:
        plots.save(plots.tune_figure(function.key, trials, best.memory_mb), plot_path)
        term.info(f"[dim]wrote {plot_path}[/dim]")
    if term.json:
        term.print_json({"function": function.key, "strategy": strategy, "runs": runs,
                         "original_memory_mb": original, "best_memory_mb": best.memory_mb,
                         "applied": applied, "ranking": [t.as_json() for t in ranked]})
        return
    term.table(f"{function.name}: {runs} runs per size, ranked by {strategy}",
               ["memory", "duration (avg)", "cost / invocation", "per 1M invocations"],
               [[f"{t.memory_mb} MB", f"{t.duration_ms:.2f} ms", usd(t.cost_usd),
                 usd(t.cost_usd * 1_000_000)] for t in ranked])
    where = (f"written to {app.project.path.name}; `lambdactl up` deploys it" if applied else
             f"{app.project.path.name} already says so" if apply_ else "--apply writes it into the config")
    term.info(f"best by {strategy}: [bold]{best.memory_mb} MB[/bold] "
              f"(now {function.memory} MB in {app.project.path.name}); {where}")
