"""local/evaluation.py against AWS's rules for a role session's request within one account
(IAM User Guide: "How AWS enforcement code logic evaluates requests to allow or deny
access", "Permissions boundaries for IAM entities", "Session policies"). Pure: no sandbox."""

from __future__ import annotations

import pytest

from lambdactl.local.evaluation import Denial, Said, denial

ALLOWED = None


@pytest.mark.parametrize(("said", "required", "expected"), [
    # identity OR resource-based policy within the account; an explicit deny anywhere wins
    (Said("allow"), False, ALLOWED),
    (Said(""), False, Denial(False, "identity")),
    (Said("", "role"), False, ALLOWED),
    (Said("", "session"), False, ALLOWED),
    (Said("", "account"), False, Denial(False, "identity")),   # the account's grant delegates
    (Said("allow", "deny"), False, Denial(True, "resource")),
    (Said("deny", "session"), False, Denial(True, "identity")),
    # identity ∩ boundary; a grant to the role's ARN is limited by the boundary, one to the session's not
    (Said("allow", "", "allow"), False, ALLOWED),
    (Said("allow", "", ""), False, Denial(False, "boundary")),
    (Said("", "role", ""), False, Denial(False, "boundary")),
    (Said("", "session", ""), False, ALLOWED),
    (Said("", "session", "deny"), False, Denial(True, "boundary")),
    # role ∩ session policies, likewise
    (Said("allow", "", None, ""), False, Denial(False, "session")),
    (Said("allow", "", "allow", "allow"), False, ALLOWED),
    (Said("", "role", None, ""), False, Denial(False, "session")),
    (Said("", "session", None, ""), False, ALLOWED),
    (Said("allow", "", None, "deny"), False, Denial(True, "session")),
    # a trust policy must allow AssumeRole itself
    (Said("allow"), True, Denial(False, "resource")),
    (Said("", "account"), True, Denial(False, "identity")),
    (Said("allow", "account"), True, ALLOWED),
    (Said("", "role"), True, ALLOWED),
])
def test_denial_follows_aws_evaluation_logic(said: Said, required: bool, expected: Denial | None) -> None:
    assert denial(said, required) == expected


def test_denial_words_are_awss() -> None:
    assert Denial(False, "identity").words("s3:GetObject") == \
        "because no identity-based policy allows the s3:GetObject action"
    assert Denial(True, "identity").words("s3:GetObject") == "with an explicit deny in an identity-based policy"
    assert Denial(True, "resource").words("x") == "with an explicit deny in a resource-based policy"
    assert Denial(False, "boundary").words("x:Y") == "because no permissions boundary allows the x:Y action"
    assert Denial(True, "session").words("x") == "with an explicit deny in a session policy"
