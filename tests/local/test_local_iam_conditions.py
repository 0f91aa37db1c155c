"""Condition blocks in the sandbox's resource policies and IAM (issue 12): a function's
resource policy decides S3's delivery with its whole Condition, and IAM refuses a policy
with an operator it does not know."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from tests.local.conftest import package

Aws = Callable[[str], Any]


def test_s3_delivers_only_where_the_permissions_condition_holds(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    """A permission naming another bucket, or a key S3's delivery does not carry
    (aws:PrincipalOrgID: a service has no organization; moto's add_permission writes it as
    StringEquals, which fails on an absent key), lets S3 deliver nothing."""
    lam, s3 = aws("lambda"), aws("s3")
    name = make_function("app.on_upload")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    account = arn.split(":")[4]
    bucket = f"cond-{name.lower()}"[:63]
    s3.create_bucket(Bucket=bucket)
    grant = {"FunctionName": name, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
    lam.add_permission(StatementId="ok", SourceArn=f"arn:aws:s3:::{bucket}", SourceAccount=account, **grant)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key="first", Body=b"1")
    wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/first")
    lam.remove_permission(FunctionName=name, StatementId="ok")
    lam.add_permission(StatementId="other", SourceArn="arn:aws:s3:::someone-elses-bucket", **grant)
    s3.put_object(Bucket=bucket, Key="other-bucket", Body=b"2")
    lam.remove_permission(FunctionName=name, StatementId="other")
    lam.add_permission(StatementId="org", SourceArn=f"arn:aws:s3:::{bucket}", PrincipalOrgID="o-a1b2c3d4e5", **grant)
    s3.put_object(Bucket=bucket, Key="org", Body=b"3")
    time.sleep(1.0)  # time enough for a (wrongly) delivered S3 event to start and print
    lam.invoke(FunctionName=name, Payload=json.dumps(
        {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": "direct"}}}]}))
    _, messages = wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/direct")
    assert not [m for m in messages if "other-bucket" in m or f"{bucket}/org" in m], messages


@pytest.mark.parametrize("operator", ["StringEqual", "ForAnyValues:StringEquals"])
def test_iam_refuses_an_operator_it_does_not_know(aws: Aws, operator: str) -> None:
    """PutRolePolicy answers MalformedPolicyDocument, as IAM does (moto's validator)."""
    iam = aws("iam")
    role = f"cond-refused-{len(operator)}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                     "Condition": {operator: {"aws:RequestedRegion": "x"}}}]}
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException):
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(policy))


def test_sns_delivers_only_where_the_functions_policy_lets_it(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    """Lambda refuses SNS's invocation unless the function's resource policy lets
    sns.amazonaws.com invoke it for the topic (with its Condition held): moto delivered
    every message to any subscribed function."""
    lam, sns = aws("lambda"), aws("sns")
    name = make_function("app.echo")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    topic = sns.create_topic(Name=f"cond-{name}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="without-permission")
    grant = {"FunctionName": name, "Action": "lambda:InvokeFunction", "Principal": "sns.amazonaws.com"}
    lam.add_permission(StatementId="other", SourceArn=topic + "-other", **grant)
    sns.publish(TopicArn=topic, Message="other-topic")
    lam.add_permission(StatementId="ok", SourceArn=topic, **grant)
    sns.publish(TopicArn=topic, Message="with-permission")
    _, messages = wait_for_log(f"/aws/lambda/{name}", "with-permission")
    assert not [m for m in messages if "without-permission" in m or "other-topic" in m], messages


def test_a_trust_policy_is_read_as_sts_reads_it(aws: Aws) -> None:
    """AssumeRole from a handler: a trust policy naming the handler's role admits its
    sessions (moto compared the session's ARN: denied); one admitting "*" only under a
    condition the caller does not meet (ArnLike aws:PrincipalArn, StringEquals
    aws:PrincipalAccount) refuses it (moto skipped ArnLike, and took a missing key for a
    match: any role of the account got in)."""
    iam, lam = aws("iam"), aws("lambda")
    own = iam.create_role(RoleName="cond-chainer", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName="cond-chainer", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    account = own.split(":")[4]

    def target(name: str, principal: Any, condition: dict[str, Any] | None = None) -> str:
        statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        trust = {"Version": "2012-10-17", "Statement": [dict(statement, Condition=condition) if condition else statement]}
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])

    roles = {
        "names-the-role": target("cond-t-named", {"AWS": own}),
        "admins-only": target("cond-t-admins", "*", {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:role/admin-*"}}),
        "other-account": target("cond-t-other", {"AWS": "*"}, {"StringEquals": {"aws:PrincipalAccount": "999999999999"}}),
    }
    lam.create_function(FunctionName="cond-chainer", Runtime="python3.11", Role=own, Handler="hostile.attempts",
                        Code={"ZipFile": package("hostile.py")})
    found = {}
    for case, arn in roles.items():
        answer = lam.invoke(FunctionName="cond-chainer", Payload=json.dumps({"victim": {"role": arn}, "tries": ["assume_role"]}))
        found[case] = json.loads(answer["Payload"].read())["assume_role"]
    assert found == {"names-the-role": "ok", "admins-only": "AccessDenied", "other-account": "AccessDenied"}


def test_a_bucket_policy_naming_a_role_with_a_path_binds_its_sessions(aws: Aws) -> None:
    """A role made with a path (arn:aws:iam::A:role/team/R): its sessions' ARNs carry no
    path, and the bucket policy's principal was matched against role/R only, so its Deny
    of that role did not bind the role's handler."""
    iam, s3, lam = aws("iam"), aws("s3"), aws("lambda")
    arn = iam.create_role(RoleName="cond-pathed", Path="/team/",
                          AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName="cond-pathed", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    for bucket in ("cond-pathed-denied", "cond-pathed-open"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="cond-pathed-denied", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": arn}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::cond-pathed-denied/*"}]}))
    lam.create_function(FunctionName="cond-pathed", Runtime="python3.11", Role=arn, Handler="app.try_calls",
                        Code={"ZipFile": package("app.py")})
    answer = lam.invoke(FunctionName="cond-pathed", Payload=json.dumps(
        {"allowed": "cond-pathed-open", "other": "cond-pathed-denied"}))
    found = json.loads(answer["Payload"].read())
    assert (found["get_allowed"], found["get_other"]) == ("ok", "AccessDenied"), found


def test_a_bucket_policy_naming_everyone_is_weighed_with_s3s_keys(aws: Aws) -> None:
    """The common 'Deny * s3:PutObject unless s3:x-amz-server-side-encryption is AES256'
    bucket policy: S3's own keys are in the context of a statement naming "*", for
    lambdactl's calls and handlers' alike (it refused every PutObject, AES256 too)."""
    iam, s3, lam = aws("iam"), aws("s3"), aws("lambda")
    bucket = "cond-sse-only"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}}]}))
    s3.put_object(Bucket=bucket, Key="own-sse", Body=b"x", ServerSideEncryption="AES256")
    with pytest.raises(s3.exceptions.ClientError):
        s3.put_object(Bucket=bucket, Key="own-plain", Body=b"x")
    role = iam.create_role(RoleName="cond-sse", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName="cond-sse", PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}))
    lam.create_function(FunctionName="cond-sse", Runtime="python3.11", Role=role, Handler="sse.put_both",
                        Code={"ZipFile": package("sse.py")})
    answer = lam.invoke(FunctionName="cond-sse", Payload=json.dumps({"bucket": bucket}))
    assert json.loads(answer["Payload"].read()) == {"sse": "ok", "plain": "AccessDenied"}


def test_a_bucket_policy_denying_get_object_to_everyone_denies_head_object(aws: Aws) -> None:
    """HeadObject is s3:GetObject to IAM; moto asked the bucket's policy about
    's3:HeadObject', which no policy names, so a Deny of GetObject let HEAD through."""
    s3 = aws("s3")
    s3.create_bucket(Bucket="cond-no-reads")
    s3.put_object(Bucket="cond-no-reads", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="cond-no-reads", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cond-no-reads/*"}]}))
    for call in (s3.head_object, s3.get_object):
        with pytest.raises(s3.exceptions.ClientError) as refused:
            call(Bucket="cond-no-reads", Key="k")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_resource_policies_grant_what_they_name_within_the_account(aws: Aws) -> None:
    """Within one account a resource-based policy naming the role grants on its own, and
    one naming the account leaves it to the role's policies (IAM's evaluation logic): a
    function's permission for the role lets its handler invoke it (moto never read it:
    denied), and a bucket policy allowing the account's root does not let a role with no
    S3 permission read (moto's check granted it)."""
    iam, s3, lam = aws("iam"), aws("s3"), aws("lambda")
    role = iam.create_role(RoleName="cond-granted", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    account = role.split(":")[4]
    s3.create_bucket(Bucket="cond-account-bucket")
    s3.put_object(Bucket="cond-account-bucket", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="cond-account-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::cond-account-bucket/*"}]}))
    for name, handler in (("cond-callee", "app.echo"), ("cond-caller", "hostile.attempts")):
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler=handler,
                            Code={"ZipFile": package("app.py", "hostile.py")})
    victim = {"function": "cond-callee", "bucket": "cond-account-bucket"}

    def attempt() -> dict[str, str]:
        answer = lam.invoke(FunctionName="cond-caller", Payload=json.dumps({"victim": victim, "tries": ["invoke"]}))
        return dict(json.loads(answer["Payload"].read()))

    assert attempt() == {"invoke": "AccessDeniedException"}
    lam.add_permission(FunctionName="cond-callee", StatementId="caller", Action="lambda:InvokeFunction", Principal=role)
    assert attempt() == {"invoke": "ok"}
    lam.create_function(FunctionName="cond-reader", Runtime="python3.11", Role=role, Handler="app.try_calls",
                        Code={"ZipFile": package("app.py")})
    answer = lam.invoke(FunctionName="cond-reader", Payload=json.dumps(
        {"allowed": "cond-account-bucket", "other": "cond-account-bucket"}))
    assert json.loads(answer["Payload"].read())["get_allowed"] == "AccessDenied"
