"""destroy's pass over the project's data resources (tables, project buckets): each
read and decided side by side, then the deletes carried out and forgotten."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from lambdactl.core.executor import run_parallel

if TYPE_CHECKING:
    from lambdactl.core.context import Context
    from lambdactl.core.step import Step


def plan_each(names: Iterable[str], one: Callable[[str], Step | None]) -> list[Step]:
    """ONE(name) for every name, side by side (reads only); -> the steps, by name."""
    todo = sorted(set(names))
    steps: list[Step | None] = []
    run_parallel([partial(one, n) for n in todo], [steps.append for _ in todo])
    return sorted((s for s in steps if s is not None), key=lambda s: s.name)


def delete_each(ctx: Context, steps: list[Step], delete: Callable[[Context, Step], Step]) -> list[Step]:
    """DELETE each write step of STEPS, side by side; the journal forgets it. -> STEPS (for the report)."""
    def one(s: Step) -> None:
        delete(ctx, s)
        ctx.journal.forget(s.kind, s.name)

    todo = [s for s in steps if s.writes]
    run_parallel([partial(one, s) for s in todo], [lambda _: None for _ in todo])
    return steps


def section(add: Callable[[str, str], None], where: str, t: object, keys: set[str], what: str) -> bool:
    """A [tables.NAME] / [buckets.NAME] section: a table (else WHAT is said), each key
    not in KEYS reported through ADD(where, message)."""
    if not isinstance(t, dict):
        add(where, f"must be {what}")
        return False
    for k in sorted(set(t) - keys):
        add(where, f"unknown key {k!r}; known: {', '.join(sorted(keys))}")
    return True
