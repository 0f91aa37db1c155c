"""The Condition engine (local/conditions.py) and the statement evaluator
(local/statements.py), table-tested against AWS's documentation. Pure: no sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from lambdactl.local import conditions, statements

CTX: dict[str, list[str]] = {
    "aws:requestedregion": ["eu-west-1"],
    "aws:principaltag/team": ["blue"],
    "aws:userid": ["AROAEXAMPLE:fn"],
    "aws:sourceip": ["203.0.113.7"],
    "aws:securetransport": ["true"],
    "aws:currenttime": ["2026-12-04T08:00:00Z"],
    "aws:epochtime": ["1796371200"],
    "aws:multifactorauthage": ["3600"],
    "aws:sourcearn": ["arn:aws:s3:::photos"],
    "lambda:sourcefunctionarn": ["arn:aws:lambda:eu-west-1:123456789012:function:fn"],
    "aws:tagkeys": ["Team", "Owner"],
    "s3:prefix": ["home/fn/"],
    "ec2:sourceinstancev6": ["2001:db8::1"],
    "kms:ciphertext": ["aGVsbG8="],
}


def holds(op: str, key: str, value: Any, context: dict[str, list[str]] | None = None) -> bool:
    return conditions.holds({op: {key: value}}, CTX if context is None else context)


# Each row: operator, key, policy value, expected (CTX above), AWS's word for it.
OPERATORS = [
    # String condition operators: case-sensitive; Like with * and ?
    ("StringEquals", "aws:RequestedRegion", "eu-west-1", True),
    ("StringEquals", "aws:RequestedRegion", "EU-WEST-1", False),
    ("StringEquals", "aws:RequestedRegion", ["us-east-1", "eu-west-1"], True),   # OR of values
    ("StringNotEquals", "aws:RequestedRegion", ["us-east-1", "eu-west-1"], False),  # NOR of values
    ("StringNotEquals", "aws:RequestedRegion", ["us-east-1", "us-west-2"], True),
    ("StringEqualsIgnoreCase", "aws:RequestedRegion", "EU-West-1", True),
    ("StringNotEqualsIgnoreCase", "aws:RequestedRegion", "EU-West-1", False),
    ("StringLike", "s3:prefix", "home/*", True),
    ("StringLike", "s3:prefix", "home/f?/", True),
    ("StringLike", "s3:prefix", "home/??/x", False),
    ("StringNotLike", "s3:prefix", "home/*", False),
    ("StringNotLike", "s3:prefix", "public/*", True),
    # Numeric
    ("NumericEquals", "aws:MultiFactorAuthAge", "3600", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", 3600, True),   # a JSON number
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "3600", False),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3601", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", False),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "3600", True),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3599", True),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", "3601", False),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "abc", False),
    # Date: ISO 8601 or epoch
    ("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z", True),
    ("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", False),
    ("DateGreaterThan", "aws:CurrentTime", "2026-12-04", True),
    ("DateEquals", "aws:CurrentTime", "2026-12-04T09:00:00+01:00", True),
    ("DateNotEquals", "aws:CurrentTime", "2026-12-04T08:00:00Z", False),
    ("DateLessThanEquals", "aws:EpochTime", "1796371200", True),
    ("DateGreaterThanEquals", "aws:EpochTime", "2026-12-04T08:00:01Z", False),
    ("DateGreaterThan", "aws:CurrentTime", 1700000000, True),   # epoch as a JSON number
    # Bool: JSON true/false or the strings
    ("Bool", "aws:SecureTransport", "true", True),
    ("Bool", "aws:SecureTransport", True, True),
    ("Bool", "aws:SecureTransport", False, False),
    # Binary: base64
    ("BinaryEquals", "kms:Ciphertext", "aGVsbG8=", True),
    ("BinaryEquals", "kms:Ciphertext", "aGVsbG9v", False),
    # IP address: CIDR, v4 and v6, a bare address is /32
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", True),
    ("IpAddress", "aws:SourceIp", "198.51.100.0/24", False),
    ("NotIpAddress", "aws:SourceIp", "198.51.100.0/24", True),
    ("IpAddress", "ec2:SourceInstanceV6", "2001:db8::/32", True),
    ("IpAddress", "ec2:SourceInstanceV6", "203.0.113.0/24", False),
    # ARN: per component, wildcards in each
    ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::photos", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::pho*", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::other", False),
    ("ArnLike", "lambda:SourceFunctionArn", "arn:aws:lambda:*:123456789012:function:*", True),
    ("ArnLike", "lambda:SourceFunctionArn", "arn:aws:lambda:*:function:*", False),   # not 6 components
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:s3:::other", True),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:s3:::*", False),
    # Null: "true" means the key is absent
    ("Null", "aws:PrincipalTag/team", "true", False),
    ("Null", "aws:PrincipalTag/team", "false", True),
    ("Null", "aws:username", "true", True),
    ("Null", "aws:username", False, False),
    # IfExists: the check only where the key is present
    ("StringEqualsIfExists", "aws:username", "alice", True),
    ("StringEqualsIfExists", "aws:RequestedRegion", "us-east-1", False),
    ("StringNotEqualsIfExists", "aws:username", "alice", True),
    ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", "10", False),
    # Set operators on a multivalued key
    ("ForAllValues:StringEquals", "aws:TagKeys", ["Team", "Owner", "Cost"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["Team"], False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["Team"], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["Cost"], False),
    ("ForAllValues:StringLike", "aws:TagKeys", ["T*", "O*"], True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["Team"], True),   # Owner is not Team
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["Team"], False),
]


@pytest.mark.parametrize(("op", "key", "value", "expected"), OPERATORS)
def test_operators_as_aws_documents_them(op: str, key: str, value: Any, expected: bool) -> None:
    """IAM JSON policy elements: Condition operators
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
    and Conditions with multiple context keys or values (reference_policies_multi-value-conditions.html)."""
    assert holds(op, key, value) is expected


MISSING = [
    # "If the key that you specify in a policy condition is not present in the request
    # context, the values do not match and the condition is false. If the policy condition
    # requires that the key is not matched, such as StringNotLike or ArnNotLike, and the
    # right key is not present, the condition is true."
    ("StringEquals", False), ("StringLike", False), ("NumericEquals", False), ("DateLessThan", False),
    ("Bool", False), ("IpAddress", False), ("ArnLike", False), ("BinaryEquals", False),
    ("StringNotEquals", True), ("StringNotLike", True), ("NumericNotEquals", True),
    ("DateNotEquals", True), ("NotIpAddress", True), ("ArnNotLike", True), ("ArnNotEquals", True),
    ("StringNotEqualsIgnoreCase", True),
    # ...IfExists: true where the key is absent, for both kinds
    ("StringEqualsIfExists", True), ("StringNotEqualsIfExists", True), ("BoolIfExists", True),
    # Single-valued vs. multivalued context keys: ForAllValues is true on a missing key
    # (the known gotcha), ForAnyValue false
    ("ForAllValues:StringEquals", True), ("ForAnyValue:StringEquals", False),
    ("ForAllValues:StringNotEquals", True), ("ForAnyValue:StringNotLike", False),
]


@pytest.mark.parametrize(("op", "expected"), MISSING)
def test_a_key_the_request_does_not_carry(op: str, expected: bool) -> None:
    """reference_policies_elements_condition_operators.html (the "Important" note, IfExists)
    and reference_policies_condition-single-vs-multi-valued-context-keys.html (ForAllValues
    "also returns true if there are no context keys in the request")."""
    assert holds(op, "aws:username", "x") is expected
    assert holds(op, "aws:tagkeys", "x", {"aws:tagkeys": []}) is expected   # an empty list: the same


def test_and_across_operators_and_keys_and_case_insensitive_key_names() -> None:
    """reference_policies_multi-value-conditions.html: operators AND, keys AND, values OR;
    reference_policies_elements_condition.html: condition key names are not case-sensitive."""
    both = {"StringEquals": {"AWS:REQUESTEDREGION": "eu-west-1", "aws:PrincipalTag/Team": "blue"},
            "Bool": {"aws:SecureTransport": "true"}}
    assert conditions.holds(both, CTX)
    assert not conditions.holds(dict(both, Bool={"aws:SecureTransport": "false"}), CTX)
    assert not conditions.holds({"StringEquals": {"aws:RequestedRegion": "eu-west-1",
                                                  "aws:PrincipalTag/team": "red"}}, CTX)


VARIABLES = [
    ("StringEquals", "aws:PrincipalTag/team", "${aws:PrincipalTag/team}", True),
    ("StringLike", "s3:prefix", "home/${aws:userid}/*", False),   # AROAEXAMPLE:fn is not fn
    ("StringLike", "s3:prefix", "home/${aws:username, 'fn'}/*", True),   # the default
    ("StringLike", "s3:prefix", "home/${aws:username}/*", False),   # no value: false
    ("StringNotLike", "s3:prefix", "home/${aws:username}/*", False),   # ... for negated ones too
    ("ArnLike", "lambda:SourceFunctionArn", "arn:aws:lambda:${aws:RequestedRegion}:*:function:fn", True),
    ("StringEquals", "s3:prefix", "home/fn/${*}", False),   # ${*}: a literal *, not a wildcard
    ("StringLike", "s3:prefix", "home/fn${?}", False),
]


@pytest.mark.parametrize(("op", "key", "value", "expected"), VARIABLES)
def test_policy_variables_in_condition_values(op: str, key: str, value: str, expected: bool) -> None:
    """IAM policy elements: Variables and tags (reference_policies_variables.html): variables
    in String and ARN operators' values, defaults ``${key, 'default'}``, special characters
    ``${*}`` ``${?}`` ``${$}``; a variable with no value makes the condition not match."""
    assert holds(op, key, value) is expected


def test_special_characters_and_defaults_resolve_literally() -> None:
    """reference_policies_variables.html: ${*}, ${?}, ${$} stand for the characters; a default
    in single quotes, '' for a quote."""
    assert conditions.literal(conditions.resolve("a${*}b${?}c${$}d", {}) or "") == "a*b?c$d"
    assert conditions.resolve("${aws:username, 'it''s'}", {}) == "it's"
    assert conditions.resolve("${aws:tagkeys}", CTX) is None   # multivalued: no value
    assert conditions.like("a*b", conditions.resolve("a${*}b", {}) or "")
    assert not conditions.like("axb", conditions.resolve("a${*}b", {}) or "")


def statement(effect: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": effect, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", **extra}


def test_a_failed_condition_makes_the_statement_say_nothing() -> None:
    """Policy evaluation logic (reference_policies_evaluation-logic.html): a statement applies
    only where its conditions hold; an explicit Deny wins, else an Allow grants."""
    region = {"StringEquals": {"aws:RequestedRegion": "eu-west-9"}}
    assert statements.says(statement("Allow", Condition=region), "s3:GetObject", "arn:aws:s3:::b/k", CTX) == ""
    assert statements.says(statement("Deny", Condition=region), "s3:GetObject", "arn:aws:s3:::b/k", CTX) == ""
    held = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    pair = [statement("Allow"), statement("Deny", Condition=held)]
    assert statements.decide(pair, "s3:getobject", "arn:aws:s3:::b/k", CTX) == "deny"
    assert statements.decide(pair[:1], "s3:GetObject", "arn:aws:s3:::b/k", CTX) == "allow"
    assert statements.decide(pair[:1], "s3:GetObject", "arn:aws:s3:::c/k", CTX) == ""


def test_policy_variables_in_resource() -> None:
    """reference_policies_variables.html: a variable in Resource; with no value the
    resource does not match."""
    own = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}
    assert statements.says(own, "s3:GetObject", "arn:aws:s3:::b/blue/k", CTX) == "allow"
    assert statements.says(own, "s3:GetObject", "arn:aws:s3:::b/red/k", CTX) == ""
    assert statements.says(own, "s3:GetObject", "arn:aws:s3:::b/blue/k", {}) == ""


REFUSED = [
    ({"StringEqual": {"aws:RequestedRegion": "x"}}, "unknown condition operator 'StringEqual'; did you mean 'StringEquals'?"),
    ({"ForAnyValues:StringEquals": {"k": "x"}}, "did you mean 'ForAnyValue:StringEquals'?"),
    ({"stringequals": {"k": "x"}}, "did you mean 'StringEquals'?"),   # names are case-sensitive (IAM, moto)
    ({"StringEquals": "eu-west-1"}, "Condition.StringEquals must map condition keys to values"),
    ({"StringEquals": {"k": {"a": 1}}}, "Condition.StringEquals.k: a value must be"),
    ({"StringEquals": {"k": []}}, "Condition.StringEquals.k: a value must be"),
    (["StringEquals"], "Statement[0].Condition must be an object"),
]


@pytest.mark.parametrize(("condition", "said"), REFUSED)
def test_what_iam_refuses_is_named(condition: Any, said: str) -> None:
    """An operator IAM does not know is MalformedPolicyDocument at PutRolePolicy
    (reference_policies_elements_condition_operators.html lists them all)."""
    found = conditions.problems(condition, "Statement[0]")
    assert len(found) == 1 and said in found[0], found


def test_every_operator_is_known_with_its_variants() -> None:
    for name in ("StringEquals", "ForAllValues:StringLikeIfExists", "ArnNotLikeIfExists", "Null",
                 "ForAnyValue:NumericLessThan", "DateGreaterThanEqualsIfExists", "BinaryEqualsIfExists"):
        assert conditions.problems({name: {"k": "1"}}, "S") == [], name
