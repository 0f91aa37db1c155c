from __future__ import annotations

import pytest

from lambdactl.kinds import url, url_permission
from lambdactl.spec_url import FunctionUrl
from tests.kinds import desired, facts, function, observed

PUBLIC = FunctionUrl(auth="NONE", cors=(("AllowOrigins", ("*",)),))
HAVE = url.UrlState("https://x.lambda-url.us-east-1.on.aws/", "NONE", "BUFFERED", {"AllowOrigins": ["*"]})


@pytest.mark.parametrize(("want", "have", "journal", "action", "fields"), [
    (PUBLIC, None, {}, "create", ()),
    (PUBLIC, HAVE, {}, "keep", ()),
    (FunctionUrl(auth="AWS_IAM"), HAVE, {}, "update", ("auth", "cors")),
    (FunctionUrl(auth="NONE", cors=(("AllowOrigins", ("*",)),), invoke_mode="RESPONSE_STREAM"), HAVE, {},
     "update", ("invoke_mode",)),
    (None, HAVE, {"url:proj-fn": {"auth": "NONE"}}, "delete", ()),
])
def test_plan(want: FunctionUrl | None, have: url.UrlState | None, journal: dict[str, object],
              action: str, fields: tuple[str, ...]) -> None:
    [step] = url.plan(facts(journal=journal), desired(function(url=want)), observed(url=have))
    assert (step.kind, step.name, step.action, step.fields) == ("url", "proj-fn", action, fields)


def test_plan_leaves_a_url_it_did_not_make() -> None:
    assert url.plan(facts(), desired(function()), observed(url=HAVE)) == []


def test_plan_says_public() -> None:
    [step] = url.plan(facts(), desired(function(url=PUBLIC)), observed(url=HAVE))
    assert "public" in step.describe()


# Our statements as AWS returns them, and as moto 5.2 keeps them.
AWS_PUBLIC = {"Sid": url_permission.PUBLIC_SID, "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
              "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
AWS_INVOKE = {"Sid": url_permission.INVOKE_SID, "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
              "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}
MOTO_INVOKE = {"Sid": url_permission.INVOKE_SID, "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
               "InvokedViaFunctionUrl": True}
OPEN_INVOKE = {**AWS_INVOKE, "Condition": {}}   # callable by anyone, through any API: not ours to keep


@pytest.mark.parametrize(("want", "have", "actions"), [
    (PUBLIC, {}, [("lambdactl-url-public", "create"), ("lambdactl-url-invoke", "create")]),
    (PUBLIC, {"lambdactl-url-public": AWS_PUBLIC, "lambdactl-url-invoke": AWS_INVOKE},
     [("lambdactl-url-public", "keep"), ("lambdactl-url-invoke", "keep")]),
    (PUBLIC, {"lambdactl-url-public": AWS_PUBLIC, "lambdactl-url-invoke": MOTO_INVOKE},
     [("lambdactl-url-public", "keep"), ("lambdactl-url-invoke", "keep")]),
    (PUBLIC, {"lambdactl-url-public": AWS_PUBLIC, "lambdactl-url-invoke": OPEN_INVOKE},
     [("lambdactl-url-public", "keep"), ("lambdactl-url-invoke", "update")]),
    (FunctionUrl(auth="AWS_IAM"), {"lambdactl-url-public": AWS_PUBLIC, "theirs": AWS_INVOKE},
     [("lambdactl-url-public", "delete")]),
    (None, {"lambdactl-url-invoke": AWS_INVOKE}, [("lambdactl-url-invoke", "delete")]),
    (FunctionUrl(auth="AWS_IAM"), {"theirs": AWS_PUBLIC}, []),
])
def test_permission_plan(want: FunctionUrl | None, have: dict[str, object], actions: list[tuple[str, str]]) -> None:
    steps = url_permission.plan(facts(), desired(function(url=want)), observed(url_policy=have))
    assert [(s.name, s.action) for s in steps] == actions


def test_statements_carry_the_qualifier() -> None:
    steps = url_permission.plan(facts(), desired(function(url=FunctionUrl(auth="NONE", qualifier="live"))), observed())
    assert {s.data.want["Qualifier"] for s in steps} == {"live"}  # type: ignore[attr-defined]


def test_newly_public() -> None:
    fn = function(url=PUBLIC)
    assert url.newly_public((fn,), {}) == [fn]
    assert url.newly_public((fn,), {"url:proj-fn": {"auth": "NONE"}}) == []
    assert url.newly_public((fn,), {"url:proj-fn": {"auth": "AWS_IAM"}}) == [fn]
    assert url.newly_public((function(url=FunctionUrl()),), {}) == []
