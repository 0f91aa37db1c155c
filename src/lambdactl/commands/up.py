from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import apply_steps, render_summary
from lambdactl.kinds import ALL as ALL_KINDS


@click.command("up")
@click.option("--prune", is_flag=True,
              help="Also remove functions deployed before and since removed from lambdactl.toml "
                   "(their role, log group, permissions and bucket entries), as destroy would.")
@click.pass_obj
def command(app: App, prune: bool) -> None:
    """Package, role, deploy and wire every function in lambdactl.toml.

    Idempotent: a second run with nothing changed makes no write call.

    Example: lambdactl --output json up
    """
    from lambdactl.commands import _teardown

    results = apply_steps(app, ALL_KINDS, None)
    pruned = [s.as_json() for s in _teardown.prune(app)] if prune else None
    if not prune:
        for line in _teardown.orphan_lines(_teardown.planned(app, orphans=True)[2]):
            app.term.warn(line)
    project_changed = any(s.writes for s in app.context.project_steps)
    if not any(r.changed for r in results) and not project_changed and not pruned:
        app.term.info("no changes: everything is up to date")
    raise SystemExit(render_summary(app, "deployed", results,
                                    extra=None if pruned is None else lambda doc: doc.update(pruned=pruned)))
