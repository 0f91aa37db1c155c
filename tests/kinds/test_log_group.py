from __future__ import annotations

import pytest

from lambdactl.kinds import log_group
from tests.kinds import desired, facts, function, observed


@pytest.mark.parametrize(("have", "action", "fields"), [
    (None, "create", ("retention",)),
    (log_group.LogGroupState("/aws/lambda/proj-fn", 14), "keep", ()),
    (log_group.LogGroupState("/aws/lambda/proj-fn", None), "update", ("retention",)),
    (log_group.LogGroupState("/aws/lambda/proj-fn", 30), "update", ("retention",)),
])
def test_plan(have: log_group.LogGroupState | None, action: str, fields: tuple[str, ...]) -> None:
    [step] = log_group.plan(facts(), desired(function(log_retention_days=14)), observed(log_group=have))
    assert (step.name, step.action, step.fields) == ("/aws/lambda/proj-fn", action, fields)


def test_not_planned_by_other_commands() -> None:
    assert log_group.plan(facts(("role",)), desired(), observed()) == []
