"""Planner table tests: each kind's pure plan(facts, desired, observed), no AWS, no moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdactl.config import Function, Layer, Project, Trigger
from lambdactl.core.context import Facts
from lambdactl.core.kind import Desired
from lambdactl.core.observe import Observed
from lambdactl.kinds import ALL
from lambdactl.layers import LayerSet
from lambdactl.package import Package

ACCOUNT, REGION = "123456789012", "us-east-1"


def function(**kw: Any) -> Function:
    base: dict[str, Any] = {"key": "fn", "name": "proj-fn", "source": Path("/nowhere"), "handler": "app.handler"}
    return Function(**{**base, **kw})


def facts(kinds: tuple[str, ...] = ALL, *, journal: dict[str, Any] | None = None,
          layers: LayerSet | None = None, project_layers: tuple[Layer, ...] = (),
          fns: tuple[Function, ...] = ()) -> Facts:
    project = Project(name="proj", root=Path("/nowhere"), path=Path("/nowhere/lambdactl.toml"),
                      functions=fns, layers=project_layers)
    return Facts("proj", ACCOUNT, REGION, "aws", kinds, journal or {}, layers or LayerSet(), project)


def package(sha: str = "A" * 43 + "=", size: int = 1000) -> Package:
    return Package(path=Path("/nowhere/fn.zip"), size=size, sha256=sha, files=1, unzipped=size)


def desired(fn: Function | None = None, *, pkg: Package | None = None,
            policy: dict[str, Any] | None = None) -> Desired:
    return Desired(fn or function(), pkg, policy)


def observed(**kw: Any) -> Observed:
    return Observed(**kw)


__all__ = ["Trigger", "desired", "facts", "function", "observed", "package"]
