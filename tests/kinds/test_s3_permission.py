from __future__ import annotations

import pytest

from lambdactl.kinds import s3_permission
from tests.kinds import ACCOUNT, Trigger, desired, facts, function, observed

FN = function(triggers=(Trigger("b-one"),))
SID = "lambdactl-s3-b-one"


def statement(account: str = ACCOUNT, bucket: str = "b-one") -> dict[str, object]:
    return {"Sid": SID, "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": s3_permission.bucket_arn(bucket)},
                          "StringEquals": {"AWS:SourceAccount": account}}}


@pytest.mark.parametrize(("have", "action", "replace"), [
    ({}, "create", False),
    ({SID: statement()}, "keep", True),
    ({SID: statement(account="999999999999")}, "update", True),
    ({SID: statement(bucket="b-other")}, "update", True),
])
def test_plan(have: dict[str, object], action: str, replace: bool) -> None:
    [step] = s3_permission.plan(facts(), desired(FN), observed(permissions=have))
    assert (step.name, step.action) == (SID, action)
    assert isinstance(step.data, s3_permission.PermissionData)
    assert step.data.want["SourceAccount"] == ACCOUNT and step.data.replace is replace


@pytest.mark.parametrize(("entries", "deleted"), [
    ([], ["lambdactl-s3-b-gone"]),   # no trigger names b-gone any more: its statement goes
    ([{"Id": "lambdactl-proj-fn-0"}], []),   # its entry still there: the notification's step takes both
])
def test_a_statement_for_a_bucket_no_longer_a_trigger_goes(entries: list[dict[str, str]], deleted: list[str]) -> None:
    from lambdactl.triggers.s3 import BucketState

    have = observed(permissions={SID: statement(), "lambdactl-s3-b-gone": statement(bucket="b-gone"), "theirs": {}},
                    buckets={"b-gone": BucketState("b-gone", True, {"LambdaFunctionConfigurations": entries})})
    steps = s3_permission.plan(facts(), desired(FN), have)
    assert [s.name for s in steps if s.action == "delete"] == deleted
