from __future__ import annotations

import pytest

from lambdactl import functions as fnmod
from lambdactl.errors import LambdactlError, OwnershipError
from lambdactl.kinds import function as kind
from tests.kinds import desired, facts, function, observed, package

ROLE_ARN = "arn:aws:iam::123456789012:role/proj-fn-role"
SHA = "A" * 43 + "="


def deployed(**kw: object) -> fnmod.FunctionState:
    fn = function()
    base: dict[str, object] = {
        "arn": "arn:aws:lambda:us-east-1:123456789012:function:proj-fn", "code_sha256": SHA,
        "config": fnmod.desired_config(fn, ROLE_ARN), "architecture": "x86_64",
        "tags": {"lambdactl:project": "proj"}, "state": "Active", "last_update": "Successful",
        "last_modified": "2026-12-03"}
    return fnmod.FunctionState(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(("want", "have", "action", "fields"), [
    (function(), None, "create", ()),
    (function(), deployed(), "keep", ()),
    (function(memory=256), deployed(), "update", ("MemorySize",)),
    (function(architecture="arm64"), deployed(), "update", ("architecture",)),
    (function(), deployed(code_sha256="B" * 43 + "="), "update", ("code",)),
])
def test_plan(want: object, have: fnmod.FunctionState | None, action: str, fields: tuple[str, ...]) -> None:
    [step] = kind.plan(facts(), desired(want, pkg=package(SHA)), observed(function=have))  # type: ignore[arg-type]
    assert (step.name, step.action, step.fields) == ("proj-fn", action, fields)
    assert ("code" in step.detail) == (action == "create" or "code" in fields)


def test_a_foreign_function_refuses() -> None:
    with pytest.raises(OwnershipError):
        kind.plan(facts(), desired(pkg=package(SHA)), observed(function=deployed(tags={})))


def test_wire_needs_the_function_deployed() -> None:
    from tests.kinds import Trigger

    fn = function(triggers=(Trigger("b-ucket"),))
    with pytest.raises(LambdactlError, match="run `lambdactl deploy fn`"):
        kind.plan(facts(("permission", "notification")), desired(fn), observed())
    assert kind.plan(facts(("permission",)), desired(fn), observed(function=deployed())) == []
