"""Kind: the layer versions lambdactl builds and publishes ([layers.NAME]; layers.py
builds, decides and publishes them, once per run for every function that names one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lambdactl import layers as layermod
from lambdactl import staging as stagemod
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "layer"
NEEDS: tuple[str, ...] = ()


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    return [Step(want.fn.key, NAME, name, action, fields, detail, data={"key": key})
            for key, name, action, fields, detail in facts.layers.decide(facts.config, facts, want.fn)]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    ctx.layers.ensure(ctx.aws.client("lambda"), ctx.journal, ctx.project, step.data["key"],
                      stagemod.layer_content(ctx))


def delete(ctx: Context, step: Step) -> Step:
    name, _, number = step.name.rpartition(":")
    layermod.delete_version(ctx.aws.client("lambda"), name, int(number))
    return step


def plan_destroy(ctx: Context) -> list[Step]:
    """Every version lambdactl published for the project (read calls only)."""
    return [Step("", NAME, name, action, detail=detail) for name, action, detail in
            layermod.plan_destroy(ctx.aws.client("lambda"), ctx.journal, ctx.project)]


def destroy(ctx: Context) -> list[Step]:
    """After the functions: every layer version lambdactl published for the project."""
    return [Step("", NAME, name, action, detail=detail)
            for name, action, detail in layermod.destroy(ctx.aws.client("lambda"), ctx.journal, ctx.project)]
