"""Kind: the Lambda function (functions.py makes the calls: create with the role
propagation retry, update, the waits)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from lambdactl import functions as fnmod
from lambdactl import staging as stagemod
from lambdactl.core import ownership
from lambdactl.core.step import Step
from lambdactl.errors import LambdactlError

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "function"
# the role must exist (not its policy), layers be published. A dead-letter queue is not
# among them: deleted first, it only dangles a moment (create_after waits for it).
NEEDS: tuple[str, ...] = ("role", "layer", "staging")


def create_after(want: Desired, step: Step) -> tuple[tuple[str, str], ...]:
    """Its dead-letter queue, if made alongside the chains: AWS checks the target."""
    arn = want.fn.dead_letter_queue   # resolved: an SQS ARN
    return (("queue", arn.rsplit(":", 1)[-1]),) if arn else ()


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    fn, pkg = want.fn, want.package
    if NAME not in facts.kinds:
        if {"permission", "notification"} & set(facts.kinds) and fn.triggers:
            if have.function is None:
                raise LambdactlError(f"function {fn.name} is not deployed",
                                     f"run `lambdactl deploy {fn.key}` or `lambdactl up` first")
            ownership.check_owner("Lambda function", fn.name, have.function.tags, facts.project)
        return []
    assert pkg is not None
    role_arn = have.role.arn if have.role else facts.role_arn(fn)
    # A layer about to be published has no ARN yet: PENDING differs, so Layers updates.
    action, fields = fnmod.decide(have.function, facts.layers.planned(fn), role_arn, pkg.sha256, facts.project)
    detail = ", ".join(d for d in (f"code {pkg.sha256[:12]}…" if "code" in fields or action == "create" else "",
                                   _dead_letter(fn.dead_letter_queue, action, fields)) if d)
    step = Step(fn.key, NAME, fn.name, action, tuple(fields), detail=detail)
    if stagemod.needs_code(step):  # over 50 MB: via the staging bucket (refused if foreign)
        step = replace(step, detail=step.detail + stagemod.detail(pkg, have.staging),
                       data=have.staging)
    return [step]


def _dead_letter(arn: str, action: str, fields: list[str]) -> str:
    if "DeadLetterConfig" in fields or (action == "create" and arn):
        return f"dead-letter queue {arn}" if arn else "no dead-letter queue"
    return ""


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    a, j, pkg = ctx.aws, ctx.journal, want.package
    assert pkg is not None
    fn = ctx.layers.resolved(a.client("lambda"), j, ctx.project, want.fn,   # [layers.NAME] -> version ARNs
                             stagemod.layer_content(ctx))
    code = stagemod.code_for(ctx, fn, pkg, step, step.data if isinstance(step.data, stagemod.StagingState) else None)  # bytes, or a staged S3 object
    if step.action == "create":
        j.record(NAME, fn.name, "creating", function=fn.key)
        resp = fnmod.create(a.client("lambda"), fn, ctx.role_arn(fn), code, ctx.tags, sleep=ctx.sleep)
        j.record(NAME, fn.name, "created", function=fn.key, arn=resp.get("FunctionArn"), code_sha256=pkg.sha256)
    else:
        fnmod.update(a.client("lambda"), fn, ctx.role_arn(fn), code, list(step.fields))
        if "code" in step.fields:
            j.amend(NAME, fn.name, code_sha256=pkg.sha256)
    stagemod.prune(ctx, fn, code)


def delete(ctx: Context, step: Step) -> Step:
    """Its resource policy (our S3 permissions) goes with it."""
    fnmod.delete(ctx.aws.client("lambda"), step.name)
    return step
