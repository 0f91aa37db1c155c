"""Kind: the layer versions lambdactl builds and publishes ([layers.NAME]; layers.py
builds, decides and publishes them, once per run for every function that names one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from lambdactl import layers as layermod
from lambdactl import staging as stagemod
from lambdactl.core.executor import run_parallel
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "layer"
NEEDS: tuple[str, ...] = ("staging",)   # a layer over 50 MB is published from S3


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    return [Step(want.fn.key, NAME, name, action, fields, detail, data=key)
            for key, name, action, fields, detail in facts.layers.decide(facts.config, facts, want.fn)]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    ctx.layers.ensure(ctx.aws.client("lambda"), ctx.journal, ctx.project, str(step.data),
                      stagemod.layer_content(ctx))


def delete(ctx: Context, step: Step) -> Step:
    name, _, number = step.name.rpartition(":")
    layermod.delete_version(ctx.aws.client("lambda"), name, int(number))
    return replace(step, detail="")   # reported as removed, without the plan's why


def plan_destroy(ctx: Context, only: set[str] | None = None) -> list[Step]:
    """Every version lambdactl published for the project (or for the layer names ONLY),
    to delete; a skip step for a layer's foreign versions. Read calls only.

    The layers of the config and of the journal; a version is ours by the marker
    in its description: the journal says where to look, the version whose it is.
    """
    lam, project = ctx.aws.client("lambda"), ctx.project
    names = {x.name for x in project.layers}
    names |= {e["name"] for e in ctx.journal.resources().values() if e["kind"] == NAME}
    names = names if only is None else names & only
    steps: list[Step] = []

    def one(name: str) -> list[Step]:
        ours, foreign = layermod.split(layermod.observe(lam, name), project.name, set())
        out = [Step("", NAME, f"{name}:{v.number}", "delete", detail="lambdactl's marker") for v in ours]
        if foreign:
            out.append(Step("", NAME, name, "skip", detail=f"{len(foreign)} version(s) without lambdactl's "
                                                           f"marker for {project.name}; left alone"))
        return out

    run_parallel([partial(one, n) for n in sorted(names)], [steps.extend for _ in names])
    return sorted(steps, key=lambda s: s.name)


def orphans(ctx: Context) -> set[str]:
    """The layers the journal knows that lambdactl.toml no longer declares."""
    return {e["name"] for e in ctx.journal.resources().values() if e["kind"] == NAME} - \
        {x.name for x in ctx.project.layers}
