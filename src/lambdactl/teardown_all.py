"""destroy of a whole project: every kind's steps, planned side by side (read calls
only), then carried out as one graph (teardown.execute), in the order the kinds'
NEEDS give (core/delete_order.py). `destroy --dry-run` displays the same plan."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl import teardown
from lambdactl.core.executor import run_parallel
from lambdactl.kinds import layer, mapping, schedule, staging

if TYPE_CHECKING:
    from lambdactl.core.context import Context
    from lambdactl.core.step import Step
    from lambdactl.teardown import Found, Target


def plan(ctx: Context, tgts: list[Target], data: list[Step],
         delete_data: bool = False) -> tuple[Found, list[Step]]:
    """What destroy removes and keeps, and why: the functions' event-source mappings,
    their chains and buckets (with their objects under DELETE_DATA), their schedules'
    rules, the layers, then DATA (the project's tables, buckets and queues).
    The rules are read while the journal still knows the functions."""
    ctx.journal   # noqa: B018 - made once, before the threads that read it
    names = [(t.key, t.name) for t in tgts]
    got: dict[str, Any] = {}
    run_parallel([partial(mapping.plan_destroy, ctx, names), partial(teardown.observe, ctx, tgts),
                  partial(schedule.plan_destroy, ctx, [t.name for t in tgts]), partial(layer.plan_destroy, ctx)],
                 [partial(got.__setitem__, k) for k in ("mappings", "found", "rules", "layers")])
    found = got["found"]
    if delete_data:
        teardown.count_held(ctx, found)
    return found, [*got["mappings"], *teardown.plan(tgts, found, ctx.project.name), *got["rules"],
                   *got["layers"], *data]


def run(ctx: Context, tgts: list[Target], found: Found, steps: list[Step], journal_lost: bool,
        on_step: Callable[[Step, str], None]) -> list[Step]:
    """Carry out STEPS and the staging sweep (after the functions and layers made from
    what it holds); -> what was removed or kept. The journal forgets the layers once
    every one of their versions of ours is gone."""
    sweep = staging.destroy_step(found.journal, [t.name for t in tgts], journal_lost)
    done = teardown.execute(ctx, tgts, found, [*steps, *([sweep] if sweep else [])], on_step)
    names = {x.name for x in ctx.project.layers} | {e["name"] for e in found.journal.values() if e["kind"] == layer.NAME}
    ctx.journal.forget_all([(layer.NAME, n) for n in sorted(names)])
    return done
