from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument, observe_all

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context
    from lambdactl.core.observe import Observed
    from lambdactl.core.step import Step
    from lambdactl.package import Package


@click.command("status")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Show what is deployed for FN (all functions if omitted) and its drift.

    Drift is whatever `lambdactl up` would change (a resource deleted or edited
    outside lambdactl, our notification entry missing from a bucket, local code
    not deployed yet), code changed outside lambdactl since its last deploy, a
    resource with our name that lambdactl did not create, and functions deployed
    but since removed from lambdactl.toml (orphans). Read calls only.
    Exit 0 when everything matches, 1 when something drifted.

    Example: lambdactl status hello
    """
    from lambdactl.commands import _teardown
    from lambdactl.kinds import ALL

    app.read_only = True
    ctx = app.context
    results, observed = observe_all(app, ALL, fn)
    journal = ctx.journal.resources()
    reset_at = _sandbox_started(app)
    project = project_drift(ctx, observed[""], journal, reset_at)
    docs = [describe(ctx, r.fn, observed[r.fn.key], r.package, journal, reset_at) for r in results]
    orphans = _teardown.orphan_lines(_teardown.planned(app, orphans=True)[2])
    _teardown.elsewhere(app)
    if app.term.json:
        app.term.print_json({"functions": docs, "project": project, "orphans": orphans})
    else:
        for line in project:
            app.term.write(f"project: {line}")
        for d in docs:
            head = "deployed" if d["deployed"] else "not deployed"
            app.term.write(f"{d['function']}: {head}" + (f" {d['arn']} ({d['state']}, code {d['code_sha256']}, "
                                                          f"modified {d['last_modified']})" if d["deployed"] else ""))
            for line in d["drift"] or ["in sync with lambdactl.toml"]:
                app.term.write(f"  {line}")
        for line in orphans:
            app.term.write(line)
    raise SystemExit(1 if orphans or project or any(d["drift"] for d in docs) else 0)


def project_drift(ctx: Context, o: Observed, journal: dict[str, Any], reset_at: float | None) -> list[str]:
    """The project's own resources (tables): what `up` would change, or why it would refuse."""
    from lambdactl.core import graph
    from lambdactl.errors import LambdactlError
    from lambdactl.kinds import ALL

    try:
        return steps_drift(graph.decide_project(ctx, o, ALL), journal, reset_at)
    except LambdactlError as exc:   # a key schema changed, a table of someone else's
        return [f"up would refuse: {exc}"]


# What the journal can tell of a resource it records that is gone: not who removed it
# (a `destroy` in a copy of this directory, with the same [project] name, or by hand).
GONE = (" (lambdactl created it and it is gone: deleted by hand, or by a `lambdactl destroy` run elsewhere, "
        "such as in a copy of this directory; `lambdactl up` recreates it)")


def steps_drift(steps: list[Step], journal: dict[str, Any], reset_at: float | None) -> list[str]:
    """A line per change `up` would make. RESET_AT: when the running sandbox started
    (what lambdactl recorded before then went with the old one)."""
    lines = []
    for step in (s for s in steps if s.writes):
        line = step.describe()
        entry = journal.get(f"{step.kind}:{step.name}") or _entry_of(step, journal)
        if step.action == "create" and entry is not None:
            if reset_at and entry.get("updated", reset_at) < reset_at:  # before this sandbox
                line += " (the sandbox was reset; `lambdactl up` recreates it)"
            else:
                line += GONE
        lines.append(line)
    return lines


def _entry_of(step: Step, journal: dict[str, Any]) -> dict[str, Any] | None:
    """A notification entry's record: "notification:<bucket>#<function name>" (the step's name is s3://<bucket>)."""
    bucket = step.name.removeprefix("s3://")
    return next((e for e in journal.values() if step.kind == "notification" and e.get("kind") == "notification"
                 and e.get("bucket") == bucket and e.get("function") == step.function), None)


def _sandbox_started(app: App) -> float | None:
    """When the running sandbox started (local target only): older records predate it."""
    if app.target_kind != "local":
        return None
    from lambdactl.local.control import read_state

    info = read_state()
    return info.started_at if info else None


def describe(ctx: Context, f: Function, o: Observed, pkg: Package | None,
             journal: dict[str, Any], reset_at: float | None) -> dict[str, Any]:
    """One function's status document: what is deployed, and each drift in a line."""
    state = o.function
    recorded: dict[str, Any] = journal.get(f"function:{f.name}") or {}
    drift = drift_lines(ctx, f, o, pkg, journal, reset_at)
    if state and recorded.get("code_sha256") and recorded["code_sha256"] != state.code_sha256:
        drift.append(f"code changed outside lambdactl: deployed {state.code_sha256[:12]}…, "
                     f"lambdactl last deployed {recorded['code_sha256'][:12]}…")
    return {
        "function": f.key,
        "deployed": state is not None,
        "arn": state.arn if state else None,
        "code_sha256": state.code_sha256 if state else None,
        "local_code_sha256": pkg.sha256 if pkg else None,
        "last_modified": state.last_modified if state else None,
        "state": state.state if state else None,
        "role": f.role_name,
        "triggers": [f"s3://{t.bucket}/{t.prefix}*{t.suffix}" for t in f.triggers],
        "in_journal": bool(recorded),
        "drift": drift,
    }


def drift_lines(ctx: Context, f: Function, o: Observed, pkg: Package | None,
                journal: dict[str, Any], reset_at: float | None) -> list[str]:
    """Whatever `up` would change, or why it would refuse."""
    from lambdactl.core import graph
    from lambdactl.errors import LambdactlError, OwnershipError
    from lambdactl.kinds import ALL

    try:
        steps = graph.decide(ctx, f, o, ALL, pkg)
    except OwnershipError as exc:
        return [f"not ours: {exc.message}"]
    except LambdactlError as exc:  # e.g. a foreign rule overlapping ours
        return [f"up would refuse: {exc}"]
    return steps_drift(steps, journal, reset_at)
