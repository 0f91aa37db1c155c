from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import plan_steps
from lambdactl.kinds import ALL as ALL_KINDS


@click.command("plan")
@click.option("--destroy", is_flag=True, help="Show what `lambdactl destroy` would remove instead.")
@click.option("--delete-data", is_flag=True, help="With --destroy: as `lambdactl destroy --delete-data` would.")
@click.option("--prune", is_flag=True, help="Show each step `lambdactl up --prune` would take to remove the orphans.")
@click.pass_obj
def command(app: App, destroy: bool, delete_data: bool, prune: bool) -> None:
    """Show what `lambdactl up` would change, with read calls only.

    Functions deployed before and since removed from lambdactl.toml are shown
    as orphans: `lambdactl up --prune` removes them (`plan --prune` shows how).

    Example: lambdactl --output json plan
    """
    from lambdactl.commands import _teardown

    app.read_only = True
    if destroy and prune:
        raise click.UsageError("--prune shows what `up --prune` removes, --destroy what `destroy` does: pick one")
    if destroy:
        from lambdactl.commands.destroy import dry

        app.lenient = True
        return dry(app, delete_data)
    if delete_data:
        raise click.UsageError("--delete-data goes with --destroy: lambdactl plan --destroy --delete-data")
    results = plan_steps(app, ALL_KINDS, None)
    steps = [*app.context.project_steps, *(s for r in results for s in r.steps)]
    changes = [s for s in steps if s.writes]
    pruned = _teardown.prune_preview(app) if prune else None
    orphans = [s for s in (_teardown.planned(app, orphans=True)[2] if pruned is None else pruned) if s.writes]
    _teardown.elsewhere(app, moved_only=True)
    if app.term.json:
        app.term.print_json({"changes": len(changes), "steps": [s.as_json() for s in steps],
                             "orphans": [s.as_json() for s in orphans],
                             **({} if pruned is None else {"prune": [s.as_json() for s in pruned]})})
        return
    for s in steps:
        symbol = {"create": "+", "update": "~", "delete": "-"}.get(s.action, " ")
        if s.writes or app.verbose:
            app.term.write(f"{symbol} {s.function or 'project'}: {s.describe()}")
    for line in (_teardown.orphan_lines(orphans) if pruned is None else []):
        app.term.write(f"- {line}")
    for s in pruned or []:   # as `up --prune` will say them
        app.term.write(f"{_teardown.SYMBOL.get(s.action, ' ')} {_teardown.prune_line(s)}")
    summary = f"{len(changes)} change(s)" if changes else "no changes: everything is up to date"
    if orphans:
        summary = f"{len(changes)} change(s); {len(orphans)} orphan resource(s): `lambdactl up --prune` removes them"
        if pruned is not None:
            summary = f"{len(changes)} change(s); `lambdactl up --prune` would remove {len(orphans)} orphan resource(s)"
    app.term.info(summary)
