from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, render_summary
from lambdactl.kinds import ALL as ALL_KINDS


@click.command("up")
@click.option("--prune", is_flag=True,
              help="Also remove functions deployed before and since removed from lambdactl.toml "
                   "(their role, log group, permissions and bucket entries), as destroy would.")
@click.option("--yes", "-y", is_flag=True,
              help="Confirm what needs confirming: a function URL with auth NONE makes a function public.")
@click.pass_obj
def command(app: App, prune: bool, yes: bool) -> None:
    """Package, role, deploy and wire every function in lambdactl.toml.

    Idempotent: a second run with nothing changed makes no write call.

    Example: lambdactl --output json up
    """
    from lambdactl import copies
    from lambdactl.commands import _teardown

    confirm_public(app, yes)
    # The orphans first: a function renamed in lambdactl.toml takes over its old name's
    # trigger, which S3 refuses while that one is there (the two overlap).
    pruned = [s.as_json() for s in _teardown.prune(app)] if prune else None
    results = apply_steps(app, ALL_KINDS, None)
    copies.record(app.project.root)   # deployed from here: a copy of this directory can tell
    if not prune:
        for line in _teardown.orphan_lines(_teardown.planned(app, orphans=True)[2]):
            app.term.warn(line)
    for fn in app.project.functions:   # the sandbox serves on 127.0.0.1 only
        if fn.url is not None and fn.url.public and not app.context.aws.target.is_local:
            app.term.warn(f"{fn.key} is public: its URL (auth NONE) lets anyone call {fn.name}")
    project_changed = any(s.writes for s in app.context.project_steps)
    if not any(r.changed for r in results) and not project_changed and not pruned:
        app.term.info("no changes: everything is up to date")
    raise SystemExit(render_summary(app, "deployed", results,
                                    extra=None if pruned is None else lambda doc: doc.update(pruned=pruned)))


def confirm_public(app: App, yes: bool) -> None:
    """A URL with auth NONE makes its function callable by anyone: asked the first time
    when stdin is a terminal (the journal knows it after), else refused without --yes.
    The sandbox serves on 127.0.0.1 only: nothing there is public."""
    from lambdactl.kinds import url

    ctx = app.context
    # No URL with auth NONE: no question, and no journal read here (reading it needs the
    # account id: a cold `up` asks for it alongside its first reads, not before them).
    if yes or ctx.aws.target.is_local or not any(fn.url and fn.url.public for fn in ctx.project.functions):
        return
    fresh = url.newly_public(ctx.project.functions, ctx.journal.resources())
    if not fresh:
        return
    names = ", ".join(fn.name for fn in fresh)
    if not stdin_is_terminal():
        raise click.UsageError(f'url auth = "NONE" makes {names} public (anyone can call it): '
                               "run `lambdactl up --yes` to confirm, or use auth = \"AWS_IAM\"")
    click.confirm(f"Make {names} public (a function URL with auth NONE: anyone can call it)?", abort=True, err=True)


def stdin_is_terminal() -> bool:
    """Can the question be answered? (stdin, where the answer comes from, is a terminal)"""
    import sys

    return sys.stdin.isatty()
