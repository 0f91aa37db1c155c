"""destroy's pass over the project's data resources (tables, project buckets, queues):
each read and decided side by side (their deletes run in destroy's one graph)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from lambdactl.core.executor import run_parallel
from lambdactl.suggest import known

if TYPE_CHECKING:
    from lambdactl.core.step import Step


def plan_each(names: Iterable[str], one: Callable[[str], Step | None]) -> list[Step]:
    """ONE(name) for every name, side by side (reads only); -> the steps, by name."""
    todo = sorted(set(names))
    steps: list[Step | None] = []
    run_parallel([partial(one, n) for n in todo], [steps.append for _ in todo])
    return sorted((s for s in steps if s is not None), key=lambda s: s.name)


def section(add: Callable[[str, str], None], where: str, t: object, keys: set[str], what: str) -> bool:
    """A [tables.NAME] / [buckets.NAME] section: a table (else WHAT is said), each key
    not in KEYS reported through ADD(where, message)."""
    if not isinstance(t, dict):
        add(where, f"must be {what}")
        return False
    for k in sorted(set(t) - keys):
        add(where, f"unknown key {k!r}; {known(k, sorted(keys))}")
    return True
