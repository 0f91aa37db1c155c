from __future__ import annotations

from lambdactl.kinds import bucket
from lambdactl.triggers.s3 import BucketState
from tests.kinds import Trigger, desired, facts, function, observed

FN = function(triggers=(Trigger("b-one"), Trigger("b-two", prefix="x/"), Trigger("b-one", prefix="y/")))


def test_plan_one_step_per_bucket() -> None:
    have = observed(buckets={"b-one": BucketState("b-one", True, {}), "b-two": BucketState("b-two", False, {})})
    steps = bucket.plan(facts(), desired(FN), have)
    assert [(s.name, s.action) for s in steps] == [("b-one", "keep"), ("b-two", "create")]
    assert bucket.plan(facts(("role",)), desired(FN), have) == []
