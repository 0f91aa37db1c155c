"""Showing and running teardown plans: destroy --dry-run, plan --destroy, orphans in
plan / status, and up --prune."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdactl.cli import App
    from lambdactl.core.step import Step
    from lambdactl.teardown import Found, Target

SYMBOL = {"delete": "-", "skip": "·"}


def line(step: Step) -> str:
    return f"{SYMBOL.get(step.action, ' ')} {step.function or 'project'}: {step.describe()}"


def planned(app: App, *, orphans: bool) -> tuple[list[Target], Found | None, list[Step]]:
    """The teardown plan: of the whole project, or of its ORPHANS (functions deployed,
    then removed from lambdactl.toml); read calls only, none at all without orphans."""
    from lambdactl import teardown

    ctx = app.context
    every = teardown.targets(ctx)
    tgts = [t for t in every if t.orphan or not orphans]
    data = data_orphans(app, [t.name for t in every]) if orphans else []
    if orphans and not tgts and not data:
        return [], None, []
    found = teardown.observe(ctx, tgts, prune=orphans)
    from lambdactl.kinds import schedule

    return tgts, found, [*teardown.plan(tgts, found, ctx.project.name),
                         *schedule.plan_destroy(ctx, [t.name for t in tgts]), *data]


def data_orphans(app: App, fn_names: list[str]) -> list[Step]:
    """The tables, buckets and queues the journal knows that lambdactl.toml no longer
    declares (nor names as a trigger's bucket): destroy's decision for each, read only
    when there are some (an empty one goes with `up --prune`; one holding data stays)."""
    from lambdactl.kinds import layer, project_bucket, queue, table

    ctx, p = app.context, app.context.project
    declared = {(table.NAME, t.name) for t in p.tables} | {(queue.NAME, q.name) for q in p.queues} | {
        (project_bucket.NAME, n) for n in {b.name for b in p.buckets} | {t.bucket for f in p.functions for t in f.triggers}}
    gone = {(e["kind"], e["name"]) for e in ctx.journal.resources().values()} - declared

    def names(kind: str) -> set[str]:
        return {n for k, n in gone if k == kind}

    return [*(table.plan_destroy(ctx, False, names(table.NAME)) if names(table.NAME) else []),
            *(queue.plan_destroy(ctx, False, names(queue.NAME)) if names(queue.NAME) else []),
            *(project_bucket.plan_destroy(ctx, False, fn_names, names(project_bucket.NAME))
              if names(project_bucket.NAME) else []),
            *(layer.plan_destroy(ctx, layer.orphans(ctx)) if layer.orphans(ctx) else [])]


def orphan_lines(steps: list[Step]) -> list[str]:
    """What plan, status and up say of orphans: a line per function, and per table,
    bucket or queue no longer declared."""
    by_function: dict[str, list[str]] = {}
    lines = []
    for s in steps:
        if not s.function and s.kind in ("table", "queue", "project_bucket", "layer"):
            how = "`lambdactl up --prune` removes it" if s.writes else s.detail
            lines.append(f"orphan {s.kind.replace('_', ' ')} {s.name} (no longer in lambdactl.toml): {how}")
        elif s.writes:
            by_function.setdefault(s.function or "project", []).append(f"{s.kind.replace('_', ' ')} {s.name}")
    return [f"orphan {key} (no longer in lambdactl.toml): {', '.join(what)}; `lambdactl up --prune` removes it"
            for key, what in by_function.items()] + lines


def show(app: App, steps: list[Step], extra: dict[str, Any] | None = None) -> None:
    """destroy --dry-run: every step, with why each is ours (or why it is kept)."""
    deletes = [s for s in steps if s.writes]
    if app.term.json:
        app.term.print_json({"would_delete": [s.as_json() for s in deletes],
                             "would_keep": [s.as_json() for s in steps if not s.writes], **(extra or {})})
        return
    for s in steps:
        app.term.write(line(s))
    app.term.info(f"would remove {len(deletes)} resource(s) (dry run: nothing removed)" if deletes
                  else "nothing to remove")


def prune_line(step: Step) -> str:
    """A step of `up --prune`, as it says it (and `plan --prune` before it)."""
    return f"{step.function or 'project'}: {step.describe()} (orphan)"


def prune_preview(app: App) -> list[Step]:
    """plan --prune: every step `up --prune` would take, in its order (read calls only)."""
    from lambdactl.kinds import mapping

    tgts, found, steps = planned(app, orphans=True)
    if found is None:
        return []
    return mapping.plan_destroy(app.context, [(t.key, t.name) for t in tgts]) + steps


def prune(app: App) -> list[Step]:
    """up --prune: remove the orphans, as destroy would. Returns what was done."""
    from lambdactl import teardown
    from lambdactl.kinds import layer, mapping

    tgts, found, steps = planned(app, orphans=True)
    if found is None:
        return []

    def on_step(step: Step, _: str) -> None:
        app.term.step(SYMBOL.get(step.action, "·"), prune_line(step),
                      style="green" if step.action == "delete" else "yellow")

    with app.context.lock("up"):   # its mappings first: they connect it to queues the config keeps
        gone = mapping.destroy(app.context, mapping.plan_destroy(app.context, [(t.key, t.name) for t in tgts]))
        for step in gone:
            on_step(step, "done")
        done = teardown.execute(app.context, tgts, found, steps, on_step)
        app.context.journal.forget_all([(layer.NAME, n) for n in sorted(layer.orphans(app.context))])
        return gone + done


def elsewhere(app: App, *, moved_only: bool = False) -> None:
    """plan and status: the project is also up in another region or target (its region
    or target changed in lambdactl.toml since?): said on stderr, with the way to remove it.
    MOVED_ONLY (plan): only where lambdactl.toml no longer puts it, not on every plan of a
    project deployed to two regions on purpose (status still says it)."""
    ctx = app.context
    for account, region, where in ctx.journal.other_targets():
        if moved_only and not moved_from(ctx.project.region, ctx.project.target, region, where):
            continue
        there = f"--region {region}" + ("" if where == ctx.aws.where else " --target aws" if where == "aws"
                                        else " --target local" if where == "local" else f" --endpoint-url {where}")
        app.term.info(elsewhere_line(ctx.project.name, f"region {region} of account {account}"
                                     + ("" if where == "aws" else f" ({where})"), f"lambdactl {there} destroy",
                                     ctx.journal.left_in(account, region, where)))


# What `destroy` keeps while it holds data (items, objects, messages) unless --delete-data.
DATA_KINDS = ("table", "queue", "project_bucket", "bucket")


def elsewhere_line(project: str, where: str, destroy: str, left: list[tuple[str, str]]) -> str:
    """The line for a deployment of PROJECT at WHERE. When only data is LEFT there, a
    destroy there kept it: `destroy` again would keep it again, --delete-data does not."""
    if left and all(kind in DATA_KINDS for kind, _ in left):
        what = ", ".join(f"{kind.removeprefix('project_')} {name}" for kind, name in left)
        return (f"{project} still has {what} in {where}, the journal says, kept by destroy for the data it "
                f"holds; `{destroy} --delete-data` removes it with its data")
    return f"{project} is also deployed in {where}, the journal says; if it moved from there, `{destroy}` removes it there"


def moved_from(region: str | None, target: str | None, there: str, where: str) -> bool:
    """Does lambdactl.toml's REGION or TARGET (when it names them) leave out a deployment
    in region THERE at WHERE ("aws", "local" or an endpoint)? Then it is left over from
    before an edit of lambdactl.toml, not a second region deployed with --region."""
    return bool(region and there != region) or bool(target and ("local" if where == "local" else "aws") != target)
