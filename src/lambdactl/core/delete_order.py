"""destroy's order, from the kinds: deletion reverses creation.

A step is deleted once every step whose kind NEEDS its kind is done: directly, or
through kinds with no step of their own (a notification needs the permission,
which needs the function: the function goes after the notification). Among the
steps of one function; a project's own step (a layer, a queue) waits for those of
every function. A kind with DELETE_ANYTIME (a role) waits for nothing. All of it is
one executor graph: independent deletes overlap, and the critical path is the
dependency chain.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from lambdactl.core.step import Step
from lambdactl.kinds import KINDS
from lambdactl.kinds.s3_notification import Unhook


@cache
def needs_all(kind: str) -> frozenset[str]:
    """The kinds KIND needs, directly or through others."""
    out: set[str] = set()
    todo = list(getattr(KINDS.get(kind), "NEEDS", ()))
    while todo:
        k = todo.pop()
        if k not in out:
            out.add(k)
            todo += KINDS[k].NEEDS
    return frozenset(out)


def owners(step: Step, keys: dict[str, str]) -> frozenset[str] | None:
    """The functions (config keys) STEP belongs to; None: the project's (all of them).
    A bucket's notification write names the functions whose entries it takes out."""
    if step.function:
        return frozenset({step.function})
    if isinstance(step.data, Unhook):
        return frozenset(keys.get(n, n) for n in step.data.functions)
    return None


def order(steps: list[Step], keys: dict[str, str]) -> tuple[list[Step], Callable[[Step], list[Step]]]:
    """STEPS sorted so that each comes after what it waits for, and what each waits for.
    KEYS: function name -> config key."""
    own = {id(s): owners(s, keys) for s in steps}

    def related(a: Step, b: Step) -> bool:
        oa, ob = own[id(a)], own[id(b)]
        return oa is None or ob is None or bool(oa & ob)

    waits = {id(s): [] if getattr(KINDS.get(s.kind), "DELETE_ANYTIME", False) else
             [o for o in steps if o is not s and s.kind in needs_all(o.kind) and related(o, s)] for s in steps}
    ordered: list[Step] = []
    placed: set[int] = set()

    def place(s: Step) -> None:   # depth first: what S waits for, then S (kinds' NEEDS have no circle)
        if id(s) in placed:
            return
        placed.add(id(s))
        for o in waits[id(s)]:
            place(o)
        ordered.append(s)

    for s in steps:
        place(s)
    return ordered, lambda s: waits[id(s)]
