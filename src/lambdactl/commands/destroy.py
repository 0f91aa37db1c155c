from __future__ import annotations

import click

from lambdactl.cli import App


@click.command("destroy")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def command(app: App, yes: bool) -> None:
    """Remove everything lambdactl created for this project, and nothing else.

    Our notification entries (other entries untouched) first, then our
    permissions, the functions, their log groups, inline policies and roles.
    A bucket lambdactl created goes only if it is empty (with its notification
    configuration); any other bucket is kept. Then the layer versions
    lambdactl published, the staged packages (over 50 MB) and the staging
    bucket if nothing else is in it. Safe to run twice.

    Example: lambdactl destroy --yes
    """
    from lambdactl import plan, staging

    if not yes and not app.term.interactive:
        raise click.UsageError("destroy needs --yes when not run from a terminal")
    ctx = app.context
    targets = plan.destroy_targets(ctx)
    journal_lost = not ctx.journal.resources()   # lost, or deployed from elsewhere
    if not yes:
        names = ", ".join(t.name for t in targets)
        click.confirm(f"Remove {names} and everything lambdactl created for them"
                      f" ({ctx.aws.target.kind}, {ctx.aws.region})?", abort=True, err=True)

    def on_step(step: plan.Step, _: str) -> None:
        symbol = "-" if step.action == "delete" else "·"
        app.term.step(symbol, f"{step.function or 'project'}: {step.describe()}",
                      style="green" if step.action == "delete" else "yellow")

    with ctx.lock("destroy", lambda h: app.term.info(f"waiting for another lambdactl (pid {h.get('pid', '?')})…")), \
            app.term.status("destroying…"):
        done = plan.destroy_all(ctx, targets, on_step)
        for step in [*plan.destroy_layers(ctx), *staging.destroy(ctx, [t.name for t in targets], journal_lost)]:
            on_step(step, "done")
            done.append(step)
    deleted = [s for s in done if s.action == "delete"]
    calls = ctx.aws.counter
    if app.term.json:
        app.term.print_json({"deleted": [s.as_json() for s in deleted],
                             "kept": [s.as_json() for s in done if s.action != "delete"],
                             "api_calls": calls.as_json()})
    else:
        app.term.info(f"removed {len(deleted)} resource(s)" if deleted else "nothing to remove")
    app.term.debug(f"API calls: {calls.reads} reads, {calls.writes} writes")
