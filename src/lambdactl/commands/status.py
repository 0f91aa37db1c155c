from __future__ import annotations

from typing import Any

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument, observe_all


@click.command("status")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Show what is deployed for FN (all functions if omitted) and its drift.

    Drift is whatever `lambdactl up` would change (a resource deleted or edited
    outside lambdactl, our notification entry missing from a bucket, local code
    not deployed yet), code changed outside lambdactl since its last deploy, and
    a resource with our name that lambdactl did not create. Read calls only.
    Exit 0 when everything matches, 1 when something drifted.

    Example: lambdactl status hello
    """
    from lambdactl import plan
    from lambdactl.errors import LambdactlError, OwnershipError

    ctx = app.context
    results, observed = observe_all(app, plan.ALL_KINDS, fn)
    packages = {r.fn.key: r.package for r in results if r.package is not None}  # all: ALL_KINDS packages
    journal = ctx.journal.resources()
    reset_at = _sandbox_started(app)
    docs: list[dict[str, Any]] = []
    for f in (r.fn for r in results):
        o = observed[f.key]
        state = o.function
        drift: list[str] = []
        try:
            steps = plan.decide(ctx, f, o, plan.ALL_KINDS, packages.get(f.key))
        except OwnershipError as exc:
            steps = []
            drift.append(f"not ours: {exc.message}")
        except LambdactlError as exc:  # e.g. a foreign rule overlapping ours
            steps = []
            drift.append(f"up would refuse: {exc}")
        for step in steps:
            if not step.writes:
                continue
            line = step.describe()
            entry = journal.get(f"{step.kind}:{step.name}")
            if step.action == "create" and entry is not None:
                if reset_at and entry.get("updated", reset_at) < reset_at:  # before this sandbox
                    line += " (the sandbox was reset; `lambdactl up` recreates it)"
                else:
                    line += " (lambdactl created it; it was deleted outside lambdactl)"
            drift.append(line)
        recorded: dict[str, Any] = journal.get(f"function:{f.name}") or {}
        if state and recorded.get("code_sha256") and recorded["code_sha256"] != state.code_sha256:
            drift.append(f"code changed outside lambdactl: deployed {state.code_sha256[:12]}…, "
                         f"lambdactl last deployed {recorded['code_sha256'][:12]}…")
        docs.append({
            "function": f.key,
            "deployed": state is not None,
            "arn": state.arn if state else None,
            "code_sha256": state.code_sha256 if state else None,
            "local_code_sha256": packages[f.key].sha256,
            "last_modified": state.last_modified if state else None,
            "state": state.state if state else None,
            "role": f.role_name,
            "triggers": [f"s3://{t.bucket}/{t.prefix}*{t.suffix}" for t in f.triggers],
            "in_journal": bool(recorded),
            "drift": drift,
        })
    if app.term.json:
        app.term.print_json({"functions": docs})
    else:
        for d in docs:
            head = "deployed" if d["deployed"] else "not deployed"
            app.term.write(f"{d['function']}: {head}" + (f" {d['arn']} ({d['state']}, code {d['code_sha256']}, "
                                                          f"modified {d['last_modified']})" if d["deployed"] else ""))
            for line in d["drift"] or ["in sync with lambdactl.toml"]:
                app.term.write(f"  {line}")
    raise SystemExit(1 if any(d["drift"] for d in docs) else 0)


def _sandbox_started(app: App) -> float | None:
    """When the running sandbox started (local target only): older records predate it."""
    if app.target_kind != "local":
        return None
    from lambdactl.local.control import read_state

    info = read_state()
    return info.started_at if info else None
