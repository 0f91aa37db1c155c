from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lambdactl.cli import App

if TYPE_CHECKING:
    from lambdactl.core.step import Step
    from lambdactl.teardown import Found, Target


@click.command("destroy")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--project", "project_name", metavar="NAME",
              help="The project to remove when there is no lambdactl.toml (else read from the journal).")
@click.option("--dry-run", is_flag=True,
              help="Show what would be removed and why each is ours (read calls only); remove nothing.")
@click.option("--delete-data", is_flag=True,
              help="Also delete the project's tables, buckets (trigger buckets lambdactl made too) and queues "
                   "that hold data (else kept, with a count).")
@click.pass_obj
def command(app: App, yes: bool, project_name: str | None, dry_run: bool, delete_data: bool) -> None:
    """Remove everything lambdactl created for this project, and nothing else.

    Our notification entries (other entries untouched), our permissions, the
    functions, their log groups, inline policies and roles. A bucket lambdactl
    created goes if it is empty, or with its objects under --delete-data (with
    its notification configuration); any other bucket is kept. The layer versions lambdactl published, the staged
    packages (over 50 MB) and the staging bucket if nothing else is in it. The
    project's [tables.NAME], [buckets.NAME] and [queues.NAME] go if empty, or with
    their data under --delete-data. Each goes once what uses it is gone (a
    function after its triggers, mappings and schedules; a queue after its
    mappings; a layer after the functions), side by side otherwise. Safe to run twice.

    Works from names alone: a missing source directory, an invalid field or no
    lambdactl.toml at all (then from the journal in this directory) is no reason
    to keep resources up. Ownership is checked on each resource before deleting.

    Example: lambdactl destroy --dry-run
    """
    from lambdactl import teardown, teardown_all

    app.lenient, app.project_name = True, project_name
    if dry_run:
        return dry(app, delete_data)
    if not yes and not app.term.interactive:
        raise click.UsageError("destroy needs --yes when not run from a terminal")
    ctx = app.context
    targets = teardown.targets(ctx)
    journal_lost = not ctx.journal.resources()   # lost, or deployed from elsewhere
    if not yes:
        names = ", ".join(t.name for t in targets)
        click.confirm(f"Remove {names} and everything lambdactl created for them"
                      f" ({ctx.aws.target.kind}, {ctx.aws.region})?", abort=True, err=True)

    def on_step(step: Step, _: str = "done") -> None:
        symbol = "-" if step.action == "delete" else "·"
        app.term.step(symbol, f"{step.function or 'project'}: {step.describe()}",
                      style="green" if step.action == "delete" else "yellow")

    from lambdactl.lock import waiting

    with ctx.lock("destroy", lambda h: app.term.info(waiting(h))):
        found, steps = plan(app, targets, delete_data)
        confirm_data_loss(app, steps, yes)
        with app.term.status("destroying…"):
            done = teardown_all.run(ctx, targets, found, steps, journal_lost, on_step)
    summary(app, done)


def summary(app: App, done: list[Step]) -> None:
    ctx = app.context
    deleted = [s for s in done if s.action == "delete"]
    calls = ctx.aws.counter
    if app.term.json:
        app.term.print_json({"deleted": [s.as_json() for s in deleted],
                             "kept": [s.as_json() for s in done if s.action != "delete"],
                             "api_calls": calls.as_json()})
    else:
        app.term.info(f"removed {len(deleted)} resource(s)" if deleted else "nothing to remove")
        if not done and (where := ctx.journal.elsewhere()):
            app.term.info(f"the journal knows {ctx.project.name} in {'; '.join(where)}: pass --region or --target")
    app.term.debug(f"API calls: {calls.reads} reads, {calls.writes} writes")


def plan(app: App, targets: list[Target], delete_data: bool) -> tuple[Found, list[Step]]:
    """Every kind's deletes, planned side by side (read calls only; teardown_all.py),
    the project's tables, buckets and queues first: deleted if ours and empty, or
    with their data under DELETE_DATA, each with its count."""
    from lambdactl import teardown_all
    from lambdactl.kinds import project_bucket, queue, table

    ctx = app.context
    with app.term.status("reading what is deployed and counting what it holds…"):
        data = [*table.plan_destroy(ctx, delete_data),
                *project_bucket.plan_destroy(ctx, delete_data, [t.name for t in targets])]
        return teardown_all.plan(ctx, targets, data + queue.plan_destroy(ctx, delete_data), delete_data)


def confirm_data_loss(app: App, steps: list[Step], yes: bool) -> None:
    """On a terminal, without --yes: list what goes with its data and ask (no undo)."""
    losing = [s for s in steps if s.writes and "with its" in s.detail]
    if losing and not yes:
        for s in losing:
            app.term.info(f"  {s.describe()}")
        click.confirm("Delete these with their data (no undo)?", abort=True, err=True)


def dry(app: App, delete_data: bool = False) -> None:
    """destroy --dry-run: the same plan, displayed."""
    from lambdactl import teardown
    from lambdactl.commands import _teardown

    ctx = app.context
    _, steps = plan(app, teardown.targets(ctx), delete_data)
    staged = [e for e in ctx.journal.resources().values() if e["kind"].startswith("staging")]
    _teardown.show(app, steps, {"staging": [e["name"] for e in staged]})
    if staged and not app.term.json:
        app.term.info(f"and {len(staged)} staged package object(s) or bucket(s) over 50 MB, if still ours")
