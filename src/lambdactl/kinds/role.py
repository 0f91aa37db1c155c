"""Kind: the execution role and this region's inline policy (iam.py renders the policy
and makes the calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lambdactl import iam
from lambdactl.aws import error_code
from lambdactl.core.step import Step
from lambdactl.errors import LambdactlError

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "role"
NEEDS: tuple[str, ...] = ()
# destroy deletes it without waiting for what runs as it: IAM does not check that a role
# is unused, and the functions' deletes would put two more round trips before its own.
DELETE_ANYTIME = True


@dataclass(frozen=True)
class RoleData:
    claim: bool = False     # not read: `up` creates it first (claim)
    claimed: bool = False   # claim() created it already
    migrate: bool = False   # no policy for this region: the old shared one (iam.LEGACY_POLICY) goes


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    fn = want.fn
    if NAME not in facts.kinds:
        if have.role is None and "function" in facts.kinds:
            raise LambdactlError(f"role {fn.role_name} does not exist",
                                 f"run `lambdactl role {fn.key}` or `lambdactl up` first")
        return []
    assert want.policy is not None
    action, fields = iam.decide(have.role, want.policy, facts.project)
    # A role without this region's policy: a new region, or a policy from before
    # policies were per region (iam.LEGACY_POLICY), which goes when ours is written.
    migrate = have.role is not None and have.role.policy is None
    return [Step(fn.key, NAME, fn.role_name, action, tuple(fields),
                 data=RoleData(claim=True) if have.role_unread else RoleData(migrate=migrate))]


def claim(ctx: Context, want: Desired, steps: list[Step]) -> list[Step]:
    """Create the role `up` did not read, before any other write; STEPS with it done.

    CreateRole either makes the role, with our tag, or fails on a taken name
    without touching it: the read it replaces. A taken name is then read: a role
    of ours (the journal was lost) is updated as usual; a foreign one refuses the
    run, as the read would have, with nothing written. observe() leaves at most
    one role unread per run: with two, the second could be refused after the
    first was made.
    """
    i = next((i for i, s in enumerate(steps) if s.kind == NAME and isinstance(s.data, RoleData) and s.data.claim), None)
    if i is None:
        return steps
    fn = want.fn
    try:
        create(ctx, fn)
        step = replace(steps[i], data=RoleData(claimed=True))
    except Exception as exc:
        if error_code(exc) != "EntityAlreadyExists":
            raise
        # Taken; or made by an earlier attempt of this very call, whose answer was lost.
        j = ctx.journal
        try:
            state = iam.observe(ctx.aws.client("iam"), fn.role_name, ctx.aws.region)
            action, fields = iam.decide(state, ctx.policy(fn), ctx.project.name)
        except LambdactlError:
            j.forget(NAME, fn.role_name)
            raise
        j.record(NAME, fn.role_name, "created", function=fn.key, arn=ctx.role_arn(fn))  # ours
        step = replace(steps[i], action=action, fields=tuple(fields),
                       data=RoleData(migrate=state is not None and state.policy is None))
    return [*steps[:i], step, *steps[i + 1:]]


def create(ctx: Context, fn: Function) -> None:
    """CreateRole between the journal's "creating" (a lost answer is still found) and "created"."""
    j = ctx.journal
    j.record(NAME, fn.role_name, "creating", function=fn.key)
    iam.create_role(ctx.aws.client("iam"), fn.role_name, ctx.tags)
    j.record(NAME, fn.role_name, "created", function=fn.key, arn=ctx.role_arn(fn))


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    """READY once the role exists: the function can be created while the policy is written."""
    a, fn, data = ctx.aws, want.fn, step.data
    assert isinstance(data, RoleData)
    if step.action == "create":
        if not data.claimed:  # claim() made it already
            create(ctx, fn)
    elif "trust" in step.fields:
        iam.put_trust(a.client("iam"), fn.role_name)
    ready()
    if "policy" in step.fields:
        iam.put_policy(a.client("iam"), fn.role_name, a.region, ctx.policy(fn),
                       migrate=data.migrate)


def delete(ctx: Context, step: Step) -> Step:
    """This region's policy, then the role unless another region still uses it."""
    kept = iam.delete(ctx.aws.client("iam"), step.name, ctx.aws.region)
    return replace(step, action="skip", detail=kept) if kept else step
