from __future__ import annotations

import json

import pytest

from lambdactl import iam
from lambdactl.errors import LambdactlError, OwnershipError
from lambdactl.kinds import role
from lambdactl.kinds.role import RoleData
from tests.kinds import desired, facts, observed

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST = iam.canonical(iam.TRUST_POLICY)
OURS = {"lambdactl:project": "proj"}


def state(tags: dict[str, str] = OURS, trust: str = TRUST, policy: object = POLICY) -> iam.RoleState:
    return iam.RoleState("arn:aws:iam::123456789012:role/proj-fn-role", tags, trust,
                         None if policy is None else iam.canonical(policy))


@pytest.mark.parametrize(("have", "action", "fields", "data"), [
    (None, "create", ("trust", "policy"), RoleData()),
    (state(), "keep", (), RoleData()),
    (state(policy={"Version": "2012-10-17", "Statement": []}), "update", ("policy",), RoleData()),
    (state(trust=json.dumps({"x": 1})), "update", ("trust",), RoleData()),
    # no policy for this region: a new region, or the one shared policy of old (migrated)
    (state(policy=None), "update", ("policy",), RoleData(migrate=True)),
])
def test_plan(have: iam.RoleState | None, action: str, fields: tuple[str, ...], data: RoleData) -> None:
    [step] = role.plan(facts(), desired(policy=POLICY), observed(role=have))
    assert (step.kind, step.name, step.action, step.fields, step.data) == ("role", "proj-fn-role", action, fields, data)


def test_an_unread_role_is_claimed() -> None:
    [step] = role.plan(facts(), desired(policy=POLICY), observed(role_unread=True))
    assert step.action == "create" and step.data == RoleData(claim=True)


def test_a_foreign_role_refuses() -> None:
    with pytest.raises(OwnershipError, match="belongs to someone else"):
        role.plan(facts(), desired(policy=POLICY), observed(role=state(tags={})))


def test_not_planned_by_deploy_but_needed() -> None:
    assert role.plan(facts(("log_group",)), desired(), observed()) == []
    with pytest.raises(LambdactlError, match="run `lambdactl role fn`"):
        role.plan(facts(("function",)), desired(), observed())
