from __future__ import annotations

from pathlib import Path

from lambdactl.config import Layer
from lambdactl.kinds import layer as kind
from lambdactl.layers import PENDING, LayerSet, Version
from tests.kinds import desired, facts, function, observed, package

LAYER = Layer("plot", "proj-plot", Path("/nowhere/req.txt"), ("python3.12",))
SHA = "C" * 43 + "="


def run(versions: list[Version], journal: dict[str, object] | None = None) -> tuple[str, str, tuple[str, ...]]:
    fn = function(layers=("plot",))
    layers = LayerSet(builds={"plot": package(SHA)}, observed={"plot": versions})
    [step] = kind.plan(facts(layers=layers, project_layers=(LAYER,), journal=journal), desired(fn), observed())
    return step.name, step.action, step.fields


def version(n: int, sha: str = SHA, project: str | None = "proj") -> Version:
    return Version(n, f"arn:aws:lambda:us-east-1:123456789012:layer:proj-plot:{n}", project, sha,
                   ("python3.12",), ("x86_64",))


def test_plan_publishes_new_or_changed_content_and_keeps_the_same() -> None:
    assert run([]) == ("proj-plot", "create", ())
    assert run([version(2)]) == ("proj-plot", "keep", ())
    assert run([version(3, sha="D" * 43 + "=")]) == ("proj-plot", "create", ("content",))


def test_the_function_sees_the_version_it_will_get() -> None:
    fn = function(layers=("plot",))
    layers = LayerSet(builds={"plot": package(SHA)}, observed={"plot": []})
    kind.plan(facts(layers=layers, project_layers=(LAYER,)), desired(fn), observed())
    assert layers.planned(fn).layers == (PENDING,)
