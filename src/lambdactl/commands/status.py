from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument, plan_steps
from lambdactl.plan import ALL_KINDS


@click.command("status")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Show what is deployed for FN (all functions if omitted) and its drift from the config.

    Drift is whatever `lambdactl up` would change: a resource deleted or edited
    outside lambdactl, our notification entry missing from the bucket. Exit 0
    when everything matches, 1 when something drifted.

    Example: lambdactl status hello
    """
    from lambdactl import functions as fnmod

    results = plan_steps(app, ALL_KINDS, fn)
    lam = app.context.aws.client("lambda")
    journal = app.context.journal
    docs = []
    for r in results:
        state = fnmod.observe(lam, r.fn.name)
        drift = [s.describe() for s in r.steps if s.writes]
        docs.append({
            "function": r.fn.key,
            "deployed": state is not None,
            "arn": state.arn if state else None,
            "code_sha256": state.code_sha256 if state else None,
            "last_modified": state.last_modified if state else None,
            "state": state.state if state else None,
            "role": r.fn.role_name,
            "triggers": [f"s3://{t.bucket}/{t.prefix}*{t.suffix}" for t in r.fn.triggers],
            "in_journal": journal.get("function", r.fn.name) is not None,
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
