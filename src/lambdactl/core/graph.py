"""A project's plan: for each function, what each kind wants (Desired), planned
against what was read (Observed), and executed as a dependency graph.

Within a function's chain each step starts as soon as what its kind NEEDS exists:
the role, the log group and the bucket at once; the function once its role
exists; the S3 permission once the function exists; the notification once the
permission and the bucket exist. A round trip is the unit of cost.

Project steps whose names and ARNs are computed (queues, buckets: ALONGSIDE) run
alongside the chains; a chain's step that names one (a kind's create_after: a
mapping's queue, a notification's bucket, a function's dead-letter queue) waits
for that one before its create or update, and for nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from lambdactl.core.executor import run_graph
from lambdactl.core.kind import Desired
from lambdactl.kinds import FUNCTION_KINDS, KINDS, PROJECT_KINDS, role

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context
    from lambdactl.core.observe import Observed
    from lambdactl.core.step import Step
    from lambdactl.package import Package


def desired(ctx: Context, fn: Function, kinds: tuple[str, ...], pkg: Package | None) -> Desired:
    """What the config wants of FN (its policy rendered only when its role is planned)."""
    return Desired(ctx.resolved(fn), pkg, ctx.policy(fn) if role.NAME in kinds else None)


def decide(ctx: Context, fn: Function, observed: Observed, kinds: tuple[str, ...],
           pkg: Package | None) -> list[Step]:
    """Every kind's plan for FN, in the order of KINDS (each after what it needs)."""
    facts = ctx.facts(kinds)
    want = desired(ctx, fn, kinds, pkg)
    return [step for kind in FUNCTION_KINDS.values() for step in kind.plan(facts, want, observed)]


def decide_project(ctx: Context, observed: Observed, kinds: tuple[str, ...]) -> list[Step]:
    """The project-level kinds' plan (tables): once per run, not per function. The
    stream ARNs read go to the context: references resolve from them."""
    ctx.streams.update({f"tables.{k}.stream_arn": s.stream_arn for k, s in observed.tables.items() if s and s.stream_arn})
    facts = ctx.facts(kinds)
    return [step for k in PROJECT_KINDS for step in KINDS[k].plan(facts, None, observed)]  # type: ignore[arg-type]


def execute_project(ctx: Context, steps: list[Step], on_step: Callable[[Step, str], None] | None = None) -> None:
    """Carry out the project-level STEPS side by side, before any function chain: a
    function's environment and policy may name what they make (a stream's ARN).
    Those of a kind marked ALONGSIDE (queues, buckets, tables without a new stream:
    their names and ARNs are computed) run alongside the chains instead, off the
    critical path (ctx.alongside): a chain's step waits for those it names (execute)."""
    todo = [s for s in steps if s.writes]
    later = [s for s in todo if alongside(s)]
    if later:
        ctx.alongside.start([(s.kind, s.name) for s in later], lambda made: _run(ctx, later, on_step, made))
    _run(ctx, [s for s in todo if s not in later], on_step)


def alongside(step: Step) -> bool:
    """Whether a project step may run alongside the chains: its kind's ALONGSIDE, a flag
    or a predicate over the step (a table is, unless it makes a stream whose ARN a
    function's environment or policy may name)."""
    flag = getattr(KINDS[step.kind], "ALONGSIDE", False)
    return bool(flag(step) if callable(flag) else flag)


def _run(ctx: Context, todo: list[Step], on_step: Callable[[Step, str], None] | None,
         made: Callable[[tuple[str, str]], None] | None = None) -> None:
    def apply(step: Step, ready: Callable[[], None]) -> None:
        KINDS[step.kind].apply(ctx, None, step, ready)  # type: ignore[arg-type]
        if made:
            made((step.kind, step.name))
        if on_step:
            on_step(step, "done")

    def needs(step: Step) -> list[Step]:   # a queue's DLQ first (its data names it: kinds/queue.py)
        return [s for s in todo if s.kind == step.kind and s.name in getattr(step.data, "after", ())]

    failures = run_graph(todo, needs, apply)
    if failures:
        raise failures[0]


def claim(ctx: Context, fn: Function, steps: list[Step]) -> list[Step]:
    """`up` creates a role it did not read before any other write (kinds.role.claim)."""
    return role.claim(ctx, Desired(fn), steps)


def execute(ctx: Context, fn: Function, steps: list[Step], pkg: Package | None,
            on_step: Callable[[Step, str], None] | None = None) -> None:
    """Carry out STEPS for FN, each as soon as what its kind needs is there.

    The first failure stops the chain: steps that have not started are skipped
    (those in flight finish), and the failure is raised.
    """
    todo = [s for s in steps if s.writes]
    want = Desired(ctx.resolved(fn), pkg)

    def needs(step: Step) -> list[Step]:
        # A delete of the same kind and name goes first (a URL moved to another qualifier:
        # the journal's one entry for the name is forgotten, then recorded for the new one).
        return [s for s in todo if s.kind in KINDS[step.kind].NEEDS
                or step.action != "delete" and (s.kind, s.name, s.action) == (step.kind, step.name, "delete")]

    def apply(step: Step, ready: Callable[[], None]) -> None:
        if on_step:
            on_step(step, "start")
        if step.action != "delete":
            ctx.alongside.wait(create_after(want, step))
        KINDS[step.kind].apply(ctx, want, step, ready)
        if on_step:
            on_step(step, "done")

    failures = run_graph(todo, needs, apply)
    if failures:
        raise failures[0]


def create_after(want: Desired, step: Step) -> Iterable[tuple[str, str]]:
    """The project steps (kind, name) STEP's create or update waits for: its kind's
    create_after (core/kind.py); destroy's order reads NEEDS alone."""
    after = getattr(KINDS[step.kind], "create_after", None)
    return after(want, step) if after else ()
