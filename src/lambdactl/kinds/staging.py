"""The staging bucket's objects: packages and layers over 50 MB, uploaded for
CreateFunction / PublishLayerVersion to read from S3 (staging.py).

The function and layer kinds stage their code in their own apply, so this kind is
never planned for `up`; it is here so that what was made from the staged objects
says so (function and layer NEED it) and destroy removes them after those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import staging as stagemod
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "staging"
NEEDS: tuple[str, ...] = ()
SCOPE = "project"


@dataclass(frozen=True)
class Sweep:
    """destroy's pass over the staging bucket: the functions whose objects go."""

    fn_names: tuple[str, ...]
    journal_lost: bool


def plan(facts: Facts, want: Desired | None, have: Observed) -> list[Step]:
    return []   # staged by the function and layer kinds' apply, as part of their upload


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    raise AssertionError("the staging kind is never planned for up")


def delete(ctx: Context, step: Step) -> list[Step]:
    """Our staged objects, then the staging bucket if ours and empty (staging.destroy):
    -> each object and bucket removed or kept, reported in the sweep's place."""
    data = step.data
    assert isinstance(data, Sweep)
    return stagemod.destroy(ctx, list(data.fn_names), data.journal_lost)


def destroy_step(journal: dict[str, Any], fn_names: list[str], journal_lost: bool) -> Step | None:
    """The pass, when the journal says we staged something or knows nothing of the project."""
    if not journal_lost and not any(e["kind"] in (stagemod.BUCKET_KIND, stagemod.OBJECT_KIND) for e in journal.values()):
        return None
    return Step("", NAME, "staging", "delete", data=Sweep(tuple(fn_names), journal_lost))
