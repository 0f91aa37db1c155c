"""The Kind interface: what a resource kind module (lambdactl/kinds/) provides.

A kind is one module: its NAME (the step kind), what it NEEDS done first within
a function's chain, a pure PLAN from what is wanted and what was read to steps,
APPLY (one step's calls, the only place that writes) and DELETE (destroy's step).

NEEDS orders both ways: at create a step waits for the steps of its function of
those kinds, and destroy reverses it (core/delete_order.py). What a step needs only
at create is its kind's optional create_after(want, step) -> (kind, name) pairs:
project steps made alongside the chains (core/graph.py: a mapping's queue, a
notification's [buckets.NAME], a function's dead-letter queue) that it waits for
before a create or update. Destroy ignores it: a queue is not held until every
function that names it is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.observe import Observed
    from lambdactl.core.step import Step
    from lambdactl.package import Package


@dataclass(frozen=True)
class Desired:
    """What the config wants for one function, built before any call."""

    fn: Function
    package: Package | None = None          # the built zip (when the function is deployed)
    policy: dict[str, Any] | None = None    # the rendered inline policy (when the role is)


class Kind(Protocol):
    NAME: str
    NEEDS: tuple[str, ...]

    def plan(self, facts: Facts, want: Desired, have: Observed) -> list[Step]: ...

    def apply(self, ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None: ...

    def delete(self, ctx: Context, step: Step) -> Step | list[Step]: ...   # what to report (a sweep: several)
