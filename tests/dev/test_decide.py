"""dev's decisions, pure: which change needs the code, the configuration or the full plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lambdactl.config import Function, Project, Trigger
from lambdactl.dev.decide import Decision, decide, part_of, watched_paths

ROOT = Path("/p")


def project(*fns: Function, **kw: object) -> Project:
    return Project(name="demo", root=ROOT, path=ROOT / "lambdactl.toml", functions=fns, **kw)  # type: ignore[arg-type]


HELLO = Function("hello", "demo-hello", ROOT / "functions/hello", "app.lambda_handler",
                 policy=ROOT / "policies/hello.json")
LISTER = Function("lister", "demo-lister", ROOT / "functions/lister", "app.lambda_handler")
BOTH = project(HELLO, LISTER)


def test_a_source_file_is_a_code_change_of_its_function_only() -> None:
    assert decide(BOTH, BOTH, {ROOT / "functions/hello/app.py"}) == Decision(code=("hello",))
    assert decide(BOTH, BOTH, {ROOT / "functions/hello/requirements.txt"}) == Decision(code=("hello",))
    assert decide(BOTH, BOTH, {ROOT / "functions/hello/pkg/deep.py"}) == Decision(code=("hello",))


def test_a_function_not_watched_is_left_alone() -> None:
    assert decide(BOTH, BOTH, {ROOT / "functions/lister/app.py"}, ("hello",)).empty


@pytest.mark.parametrize("change,fields", [
    (dict(memory=256), ("MemorySize",)),
    (dict(timeout=3, memory=512), ("MemorySize", "Timeout")),
    (dict(environment=(("MODE", "x"),)), ("Environment",)),
    (dict(handler="app.other"), ("Handler",)),
    (dict(description="d"), ("Description",)),
])
def test_settings_are_a_configuration_change_of_those_fields(change: dict[str, object], fields: tuple[str, ...]) -> None:
    new = project(replace(HELLO, **change), LISTER)  # type: ignore[arg-type]
    assert decide(BOTH, new, {ROOT / "lambdactl.toml"}) == Decision(config={"hello": fields})


def test_code_and_configuration_at_once() -> None:
    new = project(replace(HELLO, memory=256), LISTER)
    assert decide(BOTH, new, {ROOT / "lambdactl.toml", ROOT / "functions/hello/app.py"}) == Decision(
        code=("hello",), config={"hello": ("MemorySize",)})


@pytest.mark.parametrize("new,changed,why", [
    (project(HELLO), {ROOT / "lambdactl.toml"}, "function lister removed"),
    (project(HELLO, LISTER, replace(LISTER, key="third")), set(), "new function third"),
    (project(replace(HELLO, triggers=(Trigger("b"),)), LISTER), set(), "hello: triggers changed"),
    (project(replace(HELLO, runtime="python3.13"), LISTER), set(), "hello: runtime changed"),
    (project(replace(HELLO, architecture="arm64"), LISTER), set(), "hello: architecture changed"),
    (project(replace(HELLO, log_retention_days=30), LISTER), set(), "hello: log_retention_days changed"),
    (project(replace(HELLO, layers=("arn:aws:lambda:us-east-1:123456789012:layer:x:1",)), LISTER), set(),
     "hello: layers changed"),
    (BOTH, {ROOT / "policies/hello.json"}, "hello: its policy hello.json changed"),
    (project(HELLO, LISTER, region="eu-west-1"), set(), "the project's region changed"),
])
def test_anything_else_needs_the_full_plan(new: Project, changed: set[Path], why: str) -> None:
    assert decide(BOTH, new, changed) == Decision(structural=why)


def test_only_what_the_project_is_made_of_counts() -> None:
    paths = {ROOT / "lambdactl.toml", ROOT / "policies/hello.json", ROOT / "functions/hello/x.py",
             ROOT / "dev.log", ROOT / "policies/unused.json", ROOT / "functions/other/a.py"}
    assert part_of(BOTH, paths) == {ROOT / "lambdactl.toml", ROOT / "policies/hello.json",
                                    ROOT / "functions/hello/x.py"}
    assert watched_paths(BOTH) == {ROOT / "lambdactl.toml", ROOT / "policies/hello.json",
                                   ROOT / "functions/hello", ROOT / "functions/lister"}
