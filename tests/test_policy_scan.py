"""The recursion guard and the broad-grant warning read policies as IAM does."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl.cli import root
from lambdactl.config import Function, Trigger
from lambdactl.iam import broad_grant_warnings, recursive_trigger_problems
from lambdactl.policy_scan import resource_covers, resource_overlaps


def function(tmp_path: Path, *statements: dict[str, object], prefix: str = "in/") -> Function:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return Function(key="f", name="p-f", source=tmp_path, handler="app.h", policy=policy,
                    triggers=(Trigger(bucket="bkt", prefix=prefix),))


LOOPS = {
    "notaction-iam": {"NotAction": "iam:*", "Resource": "*"},
    "notaction-list-without-put": {"NotAction": ["s3:GetObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::bkt/*"},
    "notresource-elsewhere": {"Action": "s3:PutObject", "NotResource": "arn:aws:s3:::other/*"},
    "notresource-other-prefix": {"Action": "s3:*", "NotResource": ["arn:aws:s3:::bkt/out/*"]},
    "action-case": {"Action": "S3:PUTOBJECT", "Resource": "arn:aws:s3:::bkt/in/x"},
    "resource-question-mark": {"Action": "s3:Put*", "Resource": "arn:aws:s3:::bk?/*"},
    "resource-any-partition": {"Action": "s3:*", "Resource": "arn:*:s3:::bkt/*"},
}
SAFE = {
    "notaction-s3": {"NotAction": "s3:*", "Resource": "*"},
    "notaction-put": {"NotAction": ["s3:Put*"], "Resource": "*"},
    "notresource-bucket": {"Action": "s3:PutObject", "NotResource": "arn:aws:s3:::bkt/*"},
    "notresource-prefix": {"Action": "*", "NotResource": ["arn:*:s3:::bkt/in*"]},
    "notresource-everything": {"Action": "*", "NotResource": "*"},
    "other-prefix": {"Action": "s3:PutObject", "Resource": "arn:aws:s3:::bkt/out/*"},
    "deny": {"Effect": "Deny", "Action": "*", "Resource": "*"},
}


@pytest.mark.parametrize("statement", LOOPS.values(), ids=LOOPS.keys())
def test_loops_are_found(tmp_path: Path, statement: dict[str, object]) -> None:
    problems = recursive_trigger_problems(function(tmp_path, {"Effect": "Allow", **statement}))
    assert len(problems) == 1 and "infinite invocation loop" in problems[0]


@pytest.mark.parametrize("statement", SAFE.values(), ids=SAFE.keys())
def test_no_loop_where_the_trigger_cannot_be_written(tmp_path: Path, statement: dict[str, object]) -> None:
    assert recursive_trigger_problems(function(tmp_path, {"Effect": "Allow", **statement})) == []


ALLOW_ALL_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
DENIES = {   # each first, then an Allow of s3:* on *: no loop when the Deny covers the trigger
    "deny-put-everywhere": ({"Action": "s3:PutObject", "Resource": "*"}, False),
    "deny-put-wildcard-bucket": ({"Action": "s3:Put*", "Resource": "arn:aws:s3:::bkt/*"}, False),
    "deny-all-but-elsewhere": ({"NotAction": "iam:*", "NotResource": "arn:aws:s3:::other/*"}, False),
    "deny-other-prefix": ({"Action": "s3:PutObject", "Resource": "arn:aws:s3:::bkt/out/*"}, True),
    "deny-with-condition": ({"Action": "s3:PutObject", "Resource": "*",
                             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, True),
    "deny-get-only": ({"Action": "s3:GetObject", "Resource": "*"}, True),
}


@pytest.mark.parametrize(("deny", "loops"), DENIES.values(), ids=DENIES.keys())
def test_an_explicit_deny_of_the_writes_wins(tmp_path: Path, deny: dict[str, object], loops: bool) -> None:
    """A Deny first and a broad Allow: was refused as a loop whatever the Deny said."""
    problems = recursive_trigger_problems(function(tmp_path, {"Effect": "Deny", **deny}, ALLOW_ALL_S3))
    assert bool(problems) == loops, problems


def test_statement_as_one_object_is_read_as_iam_reads_it(tmp_path: Path) -> None:
    """IAM takes "Statement": {...}; it was refused as "must be an IAM policy"."""
    from lambdactl.iam import check_policy_file

    fn = function(tmp_path)
    assert fn.policy is not None
    fn.policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", **LOOPS["action-case"]}}))
    assert check_policy_file(fn.policy, set()) == []
    assert len(recursive_trigger_problems(fn)) == 1


@pytest.mark.parametrize(("statement", "problem"), [
    ({"Action": [], "Resource": "*"}, "Statement[0].Action must be a string or a non-empty list of strings"),
    ({"Action": 5, "Resource": "*"}, "Statement[0].Action must be a string or a non-empty list of strings"),
    ({"Action": ["s3:GetObject", None], "Resource": "*"}, "Statement[0].Action must be a string or a non-empty"),
    ({"Action": "s3:GetObject", "Resource": {"a": 1}}, "Statement[0].Resource must be a string or a non-empty"),
    ({"Action": "s3:GetObject", "NotAction": "iam:*", "Resource": "*"}, "has both Action and NotAction; keep one"),
    ({"Action": "s3:GetObject", "Resource": "*", "Resource ": "x"},
     "Statement[0]: unknown element 'Resource '; did you mean 'Resource'?"),
    ({"Action": "s3:GetObject", "Resource": "*", "NotPrincipal": {"AWS": "x"}}, "has a Principal"),
], ids=["empty-list", "number", "list-with-null", "object", "both", "unknown-key", "not-principal"])
def test_what_iam_would_refuse_is_said_before_any_call(tmp_path: Path, statement: dict[str, object],
                                                       problem: str) -> None:
    """Each was accepted and left to PutRolePolicy (MalformedPolicyDocument, or nothing on moto)."""
    from lambdactl.iam import check_policy_file

    fn = function(tmp_path, {"Effect": "Allow", **statement})
    assert fn.policy is not None
    problems = check_policy_file(fn.policy, set())
    assert len(problems) == 1 and problem in problems[0], problems


def test_an_unknown_top_level_element_is_said(tmp_path: Path) -> None:
    from lambdactl.iam import check_policy_file

    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statment": [], "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    assert check_policy_file(policy, set()) == [
        "unknown top-level element 'Statment'; did you mean 'Statement'? known: Id, Statement, Version"]


def test_resource_patterns() -> None:
    assert resource_overlaps("arn:aws:s3:::bkt/in/a.txt", "bkt", "in/", ".txt")
    assert not resource_overlaps("arn:aws:s3:::bkt/in/a.csv", "bkt", "in/", ".txt")
    assert resource_covers("*", "bkt", "in/")
    assert resource_covers("arn:aws:s3:::bkt/*", "bkt", "in/")
    assert not resource_covers("arn:aws:s3:::bkt/in/*.txt", "bkt", "in/")
    assert not resource_covers("arn:aws:s3:::bkt/in/a", "bkt", "in/")


def test_everything_on_everything_is_a_warning(tmp_path: Path) -> None:
    fn = function(tmp_path, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                  {"Sid": "All", "Effect": "Allow", "Action": ["*"], "Resource": "*"})
    assert broad_grant_warnings(fn) == [
        'f: p.json Statement[1] (All) allows every action on every resource ("*" on "*"); '
        "grant only what the function needs"]


@pytest.mark.parametrize("command", ["plan", "up"])
def test_up_and_plan_warn_about_star_on_star(project: Path, command: str) -> None:
    (project / "policies/list_buckets.json").write_text(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", command])
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ['warning: list-buckets: list_buckets.json Statement[0] allows every action on '
                        'every resource ("*" on "*"); grant only what the function needs']


@pytest.mark.parametrize("how", [["--strict", "up"], ["up", "--strict"], ["role"]])
def test_strict_refuses_star_on_star_before_any_write(project: Path, how: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "policies/list_buckets.json").write_text(json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    if how == ["role"]:
        monkeypatch.setenv("LAMBDACTL_STRICT", "1")
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", *how])
        roles = boto3.client("iam").list_roles()["Roles"]
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        'error: list-buckets: list_buckets.json Statement[0] allows every action on every resource ("*" on "*"); '
        "grant only what the function needs; refused by --strict"]
    assert roles == []
