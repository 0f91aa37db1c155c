from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from lambdactl.cli import App

if TYPE_CHECKING:
    from lambdactl.local.control import SandboxInfo


@click.group("local")
def command() -> None:
    """Start, stop or inspect the embedded local sandbox.

    The sandbox is a moto server on 127.0.0.1 plus a local Lambda runtime
    (awslambdaric), so `--target local` runs handlers for real with no AWS
    account. Commands start it on demand; state lives in $LAMBDACTL_HOME
    (default ~/.lambdactl).

    Example: lambdactl local start --port 4577
    """


@command.command("start")
@click.option("--port", type=int, default=None,
              help="Port on 127.0.0.1; 0 picks a free one. [default: 4577, else a free one when it is taken]")
@click.option("--role-delay", type=float, default=None, metavar="SECONDS",
              help="Make new IAM roles unassumable for SECONDS, as IAM propagation does on AWS.")
@click.option("--no-iam", is_flag=True,
              help="Do not enforce IAM: handlers get full access instead of their role's.")
@click.option("--cpu-share", is_flag=True,
              help="Give each function CPU in proportion to its memory (1,769 MB = 1 vCPU), "
                   "as Lambda does, where the machine allows a cgroup CPU quota.")
@click.pass_obj
def start(app: App, port: int | None, role_delay: float | None, no_iam: bool, cpu_share: bool) -> None:
    """Start the sandbox in the background.

    Example: lambdactl local start
    """
    from lambdactl.local import control

    t0 = time.monotonic()
    with app.term.status("starting the local sandbox…"):
        info, started = control.start(port=port, role_delay=role_delay, iam=not no_iam,
                                      cpu_share=cpu_share)
    if not started:
        _refuse_other_settings(info, no_iam, role_delay, cpu_share)
    if cpu_share and not info.cpu_share:
        app.term.warn(f"CPU share cannot follow memory on this machine; {info.log_file} says why")
    _show(app, info, "started" if started else "already running", time.monotonic() - t0 if started else None)


@command.command("stop")
@click.pass_obj
def stop(app: App) -> None:
    """Stop the sandbox and every function environment it runs (its data is lost).

    Example: lambdactl local stop
    """
    from lambdactl.local import control

    was = control.stop()
    if app.term.json:
        app.term.print_json({"stopped": was})
    else:
        app.term.info("sandbox stopped" if was else "sandbox was not running")


@command.command("env")
@click.pass_obj
def env(app: App) -> None:
    """Print the sandbox's endpoint and credentials as shell exports, for other tools.

    The sandbox refuses requests signed with any other credentials.

    Example: eval "$(lambdactl local env)" && aws s3 ls
    """
    from lambdactl import config
    from lambdactl.local import control

    info = control.read_state()
    if info is None:
        app.term.error("the sandbox is not running; start it with `lambdactl local start`")
        raise SystemExit(3)
    # The region lambdactl's own commands use here (--region, the project's, AWS_REGION):
    # it printed us-east-1 always, so in an eu-west-1 project other tools saw nothing.
    if not app.region and config.locate(app.config_path).is_file():
        _ = app.project   # an invalid lambdactl.toml is said (its line), not passed over for us-east-1
    region = app.chosen_region() or control.DEFAULT_REGION
    variables = {
        "AWS_ENDPOINT_URL": info.endpoint,
        "AWS_ACCESS_KEY_ID": info.access_key_id,
        "AWS_SECRET_ACCESS_KEY": info.secret_access_key,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,   # what botocore and AWS CLI v1 read
    }
    if app.term.json:
        app.term.print_json(variables)
        return
    for name, value in variables.items():
        app.term.write(f"export {name}={value}")


@command.command("tick")
@click.option("--minutes", type=click.IntRange(1, 7 * 24 * 60), default=1, show_default=True,
              help="How far to move the sandbox's schedule clock forward.")
@click.pass_obj
def tick(app: App, minutes: int) -> None:
    """Move the sandbox's schedule clock forward: the schedules due meanwhile fire now.

    Example: lambdactl local tick --minutes 5
    """
    from lambdactl.errors import LambdactlError
    from lambdactl.local import control, inventory
    from lambdactl.local.scheduler import TICK_PATH

    info = control.read_state()
    if info is None:
        raise LambdactlError("the sandbox is not running: no schedule to fire", "start it with `lambdactl up` or `lambdactl local start`")
    out = inventory.signed_get(info, f"{TICK_PATH}?minutes={minutes}", timeout=120)
    if app.term.json:
        app.term.print_json(out)
        return
    for f in out["fired"]:
        app.term.write(f"{f['at']}\t{f['rule']}")
    app.term.info(f"schedule clock now {out['clock']}: {len(out['fired'])} rule firing(s)")


@command.command("status")
@click.pass_obj
def status(app: App) -> None:
    """Say whether the sandbox runs, where, and what it holds.

    Example: lambdactl --output json local status
    """
    from lambdactl.local import control

    info = control.read_state()
    if info is None:
        if app.term.json:
            app.term.print_json({"running": False})
        else:
            app.term.write("sandbox: not running (it starts on the first --target local command, or `lambdactl local start`)")
        raise SystemExit(3)
    from lambdactl.local import inventory

    _show(app, info, "running", None, contents=inventory.contents(info))


def _refuse_other_settings(info: SandboxInfo, no_iam: bool, role_delay: float | None,
                           cpu_share: bool) -> None:
    """`local start --no-iam` (or another --role-delay) while a sandbox runs without it: it
    said "already running" and IAM stayed enforced. A running sandbox keeps its settings."""
    from lambdactl.local.control import SandboxError

    asked = [flag for flag, differs in (
        ("--no-iam", no_iam and info.iam),
        ("--cpu-share", cpu_share and not info.cpu_share),
        (f"--role-delay {role_delay:g}" if role_delay is not None else "",
         role_delay is not None and role_delay != info.role_delay),
    ) if differs]
    if asked:
        raise SandboxError(
            f"the sandbox at {info.endpoint} is already running without {' '.join(asked)}; "
            "it keeps the settings it started with",
            f"`lambdactl local stop` (what it holds is lost), then `lambdactl local start {' '.join(asked)}`")


def _show(app: App, info: SandboxInfo, state: str, seconds: float | None, contents: dict | None = None) -> None:
    data = info.public()
    if app.term.json:
        doc = {"running": True, "state": state, **data}
        if seconds is not None:
            doc["start_seconds"] = round(seconds, 3)
        if contents is not None:
            doc["contents"] = contents
        app.term.print_json(doc)
        return
    took = f" in {seconds:.2f} s" if seconds is not None else ""
    iam = "" if info.iam else "; IAM not enforced (--no-iam)"
    if not info.jailed:
        from lambdactl.local.lambdafs import UNJAILED

        iam += f"; {UNJAILED}"
    if info.pids == "":   # None: started by a lambdactl that did not say
        iam += f"; processes and threads not bounded per environment (see {data['log_file']})"
    app.term.write(f"sandbox: {state}{took} at {data['endpoint']} (pid {data['pid']}, log {data['log_file']}){iam}")
    from lambdactl.local.inventory import label

    for kind, entries in (contents or {}).items():
        app.term.write(f"  {kind}: {', '.join(map(label, entries)) if entries else '-'}")
