"""IAM in the sandbox as AWS decides a role session's call within one account, with every
kind of policy that bounds it (issue 12): the resource's own policy (an SQS queue's, an SNS
topic's, as a bucket's and a function's), the role's permissions boundary and the session
policies of an AssumeRole.

AWS's rules (IAM User Guide, "Policy evaluation logic" and "How AWS enforcement code logic
evaluates requests to allow or deny access"): within an account an identity-based OR a
resource-based policy allowing it allows a call, an explicit Deny in any policy denies it;
a permissions boundary and session policies limit what the identity-based policies allow
(identity ∩ boundary, role ∩ session), and a resource-based policy's grant naming the role's
ARN, but not one naming the session's ARN.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from tests.local.conftest import package

Aws = Callable[[str], Any]
ACCOUNT = "123456789012"


def make_role(aws: Aws, statements: list[dict[str, Any]], tag: str) -> str:
    """A role for Lambda with STATEMENTS as its only policy (none: no policy at all)."""
    iam = aws("iam")
    arn = str(iam.create_role(RoleName=f"rp-{tag}", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"])
    if statements:
        iam.put_role_policy(RoleName=f"rp-{tag}", PolicyName="own", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    return arn


def run(aws: Aws, role: str, calls: list[list[Any]], name: str = "", **event: Any) -> dict[str, str]:
    """Run CALLS in a handler NAME of ROLE: {label: "ok" or "CODE: message", "caller": ARN}."""
    lam, name = aws("lambda"), name or f"rp-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                        Handler="answers.lambda_handler", Code={"ZipFile": package("answers.py")})
    response = lam.invoke(FunctionName=name, Payload=json.dumps({"calls": calls, **event}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return dict(body)


def codes(answers: dict[str, str]) -> dict[str, str]:
    return {k: v.split(":", 1)[0] for k, v in answers.items() if k != "caller"}


def allow(actions: list[str] | str, resource: str, principal: Any = None, effect: str = "Allow") -> dict[str, Any]:
    statement = {"Effect": effect, "Action": actions, "Resource": resource}
    return statement if principal is None else {**statement, "Principal": principal}


def queue(aws: Aws, name: str, statements: list[dict[str, Any]] | None = None) -> tuple[str, str]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if statements:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(
            {"Version": "2012-10-17", "Statement": statements})})
    return url, arn


def test_a_queue_policy_naming_the_role_grants_what_its_own_policies_do_not(aws: Aws) -> None:
    """A role with no policy at all sends to the queue whose policy allows its ARN
    sqs:SendMessage, as on AWS; nothing else (another queue, ReceiveMessage, a queue whose
    policy names only the account: that leaves it to the role's own policies)."""
    tag = uuid.uuid4().hex[:8]
    role = make_role(aws, [], tag)
    mine, _ = queue(aws, f"rp-mine-{tag}", [allow("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:rp-mine-{tag}",
                                                  {"AWS": role})])
    other, _ = queue(aws, f"rp-other-{tag}")
    account, _ = queue(aws, f"rp-account-{tag}", [allow("sqs:*", "*", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"})])
    calls = [["send", "sqs", "send_message", {"QueueUrl": mine, "MessageBody": "m"}],
             ["send_batch", "sqs", "send_message_batch", {"QueueUrl": mine, "Entries": [{"Id": "1", "MessageBody": "m"}]}],
             ["receive", "sqs", "receive_message", {"QueueUrl": mine}],
             ["send_other", "sqs", "send_message", {"QueueUrl": other, "MessageBody": "m"}],
             ["send_account", "sqs", "send_message", {"QueueUrl": account, "MessageBody": "m"}]]
    answers = {k: "denied" if v.startswith("AccessDenied") else v for k, v in codes(run(aws, role, calls)).items()}
    assert answers == {"send": "ok", "send_batch": "ok", "receive": "denied", "send_other": "denied",
                       "send_account": "denied"}
    assert len(aws("sqs").receive_message(QueueUrl=mine, MaxNumberOfMessages=10).get("Messages", [])) == 2


def test_a_queue_policys_explicit_deny_wins_over_the_roles_allow(aws: Aws) -> None:
    tag = uuid.uuid4().hex[:8]
    role = make_role(aws, [allow("sqs:*", "*")], tag)
    url, arn = queue(aws, f"rp-deny-{tag}", [allow("sqs:SendMessage", "*", "*", "Deny")])
    calls = [["send", "sqs", "send_message", {"QueueUrl": url, "MessageBody": "m"}],
             ["receive", "sqs", "receive_message", {"QueueUrl": url}]]
    answers = {k: "denied" if v.startswith("AccessDenied") else v for k, v in codes(run(aws, role, calls)).items()}
    assert answers == {"send": "denied", "receive": "ok"}


def test_a_topic_policy_grants_and_denies_as_a_queue_policy_does(aws: Aws) -> None:
    """SNS: the topic's policy naming the role allows SNS:Publish with no identity statement;
    its explicit Deny denies what the role allows. (moto's default topic policy, as AWS's,
    allows "*" only with AWS:SourceOwner, a key a handler's call does not carry: it grants
    nothing here.)"""
    tag = uuid.uuid4().hex[:8]
    sns = aws("sns")
    granted, denied, plain = (sns.create_topic(Name=f"rp-{n}-{tag}")["TopicArn"] for n in ("granted", "denied", "plain"))
    bare = make_role(aws, [], f"bare-{tag}")
    full = make_role(aws, [allow("sns:*", "*")], f"full-{tag}")
    for topic, statement in ((granted, allow("SNS:Publish", granted, {"AWS": bare})),
                             (denied, allow("sns:Publish", denied, {"AWS": [bare, full]}, "Deny"))):
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
            {"Version": "2012-10-17", "Statement": [statement]}))
    calls = [[f"publish_{n}", "sns", "publish", {"TopicArn": t, "Message": "m"}]
             for n, t in (("granted", granted), ("denied", denied), ("plain", plain))]
    calls.append(["attributes_granted", "sns", "get_topic_attributes", {"TopicArn": granted}])
    assert codes(run(aws, bare, calls)) == {
        "publish_granted": "ok", "publish_denied": "AuthorizationError", "publish_plain": "AuthorizationError",
        "attributes_granted": "AuthorizationError"}
    assert codes(run(aws, full, calls)) == {
        "publish_granted": "ok", "publish_denied": "AuthorizationError", "publish_plain": "ok",
        "attributes_granted": "ok"}


def managed(aws: Aws, statements: list[dict[str, Any]], tag: str) -> str:
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return str(aws("iam").create_policy(PolicyName=f"rp-{tag}", PolicyDocument=document)["Policy"]["Arn"])


def test_a_permissions_boundary_limits_what_the_roles_policies_allow(aws: Aws) -> None:
    """identity ∩ boundary (IAM User Guide, "Permissions boundaries for IAM entities"): a
    role allowed s3:* and bounded to reading one bucket reads it and does nothing else; set
    by PutRolePermissionsBoundary, by CreateRole's PermissionsBoundary, or an AWS managed
    policy (AmazonS3ReadOnlyAccess: reads, and lists, every bucket)."""
    tag = uuid.uuid4().hex[:8]
    bucket, s3 = f"rp-bounded-{tag}", aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    boundary = managed(aws, [allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")], tag)
    put = make_role(aws, [allow("s3:*", "*")], f"put-{tag}")
    aws("iam").put_role_permissions_boundary(RoleName=f"rp-put-{tag}", PermissionsBoundary=boundary)
    created = aws("iam").create_role(RoleName=f"rp-created-{tag}", PermissionsBoundary=boundary,
                                     AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    aws("iam").put_role_policy(RoleName=f"rp-created-{tag}", PolicyName="own", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]}))
    read_only = make_role(aws, [allow("s3:*", "*")], f"ro-{tag}")
    aws("iam").put_role_permissions_boundary(RoleName=f"rp-ro-{tag}",
                                             PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    calls = [["get", "s3", "get_object", {"Bucket": bucket, "Key": "k"}],
             ["put", "s3", "put_object", {"Bucket": bucket, "Key": "new", "Body": "y"}],
             ["list", "s3", "list_buckets", {}]]
    for role in (put, created):
        assert codes(run(aws, role, calls)) == {"get": "ok", "put": "AccessDenied", "list": "AccessDenied"}
    assert codes(run(aws, read_only, calls)) == {"get": "ok", "put": "AccessDenied", "list": "ok"}
    aws("iam").delete_role_permissions_boundary(RoleName=f"rp-put-{tag}")
    assert codes(run(aws, put, calls)) == {"get": "ok", "put": "ok", "list": "ok"}


def test_a_boundary_limits_a_resource_policys_grant_to_the_role_but_not_to_the_session(aws: Aws) -> None:
    """"Resource-based policies that grant permissions to an IAM role ARN are limited by an
    implicit deny in a permissions boundary or session policy"; those naming the role
    session's ARN grant it directly (IAM User Guide, "How AWS enforcement code logic
    evaluates requests"). A Deny in the boundary denies whatever grants."""
    tag = uuid.uuid4().hex[:8]
    bucket, s3 = f"rp-grants-{tag}", aws("s3")
    s3.create_bucket(Bucket=bucket)
    role = make_role(aws, [], tag)
    name = f"rp-fn-{tag}"
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/rp-{tag}/{name}"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        allow("s3:PutObject", f"arn:aws:s3:::{bucket}/by-role/*", {"AWS": role}),
        allow("s3:PutObject", f"arn:aws:s3:::{bucket}/by-session/*", {"AWS": session}),
        allow("s3:PutObject", f"arn:aws:s3:::{bucket}/denied/*", {"AWS": session})]}))
    boundary = managed(aws, [allow("s3:GetObject", "*"), allow("s3:PutObject", f"arn:aws:s3:::{bucket}/denied/*",
                                                                effect="Deny")], tag)
    aws("iam").put_role_permissions_boundary(RoleName=f"rp-{tag}", PermissionsBoundary=boundary)
    calls = [[p, "s3", "put_object", {"Bucket": bucket, "Key": f"{p}/k", "Body": "y"}]
             for p in ("by-role", "by-session", "denied")]
    answers = run(aws, role, calls, name=name)
    assert answers.pop("caller") == session
    assert codes(answers) == {"by-role": "AccessDenied", "by-session": "ok", "denied": "AccessDenied"}


def test_lambda_refuses_a_queue_mapping_the_boundary_does_not_let_the_role_poll(aws: Aws) -> None:
    """The poller acts with the function's role: its boundary bounds it too."""
    tag = uuid.uuid4().hex[:8]
    role = make_role(aws, [allow("sqs:*", "*")], tag)
    aws("iam").put_role_permissions_boundary(RoleName=f"rp-{tag}", PermissionsBoundary=managed(
        aws, [allow("s3:*", "*")], tag))
    _, arn = queue(aws, f"rp-poll-{tag}")
    lam = aws("lambda")
    lam.create_function(FunctionName=f"rp-poll-{tag}", Runtime="python3.11", Role=role,
                        Handler="answers.lambda_handler", Code={"ZipFile": package("answers.py")})
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="ReceiveMessage"):
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=f"rp-poll-{tag}")


def test_session_policies_limit_an_assumed_roles_session(aws: Aws) -> None:
    """AssumeRole with Policy and PolicyArns: "The resulting session's permissions are the
    intersection of the role's identity-based policy and the session policies" (IAM User
    Guide, "Session policies"), and they limit a bucket policy's grant to the role's ARN,
    not one to the session's ARN. moto weighed neither, and dropped PolicyArns."""
    tag = uuid.uuid4().hex[:8]
    bucket, s3 = f"rp-session-{tag}", aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    caller = make_role(aws, [allow("sts:AssumeRole", "*")], f"caller-{tag}")
    target = str(aws("iam").create_role(RoleName=f"rp-target-{tag}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("sts:AssumeRole", "*", {"AWS": caller})]}))["Role"]["Arn"])
    aws("iam").put_role_policy(RoleName=f"rp-target-{tag}", PolicyName="own", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]}))
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/rp-target-{tag}/narrow"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        allow("s3:DeleteObject", f"arn:aws:s3:::{bucket}/by-role", {"AWS": target}),
        allow("s3:DeleteObject", f"arn:aws:s3:::{bucket}/by-session", {"AWS": session})]}))
    listing = managed(aws, [allow("s3:ListAllMyBuckets", "*")], tag)
    narrow = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")]}
    calls = [["get", "s3", "get_object", {"Bucket": bucket, "Key": "k"}],
             ["put", "s3", "put_object", {"Bucket": bucket, "Key": "new", "Body": "y"}],
             ["list", "s3", "list_buckets", {}],
             ["delete_by_role", "s3", "delete_object", {"Bucket": bucket, "Key": "by-role"}],
             ["delete_by_session", "s3", "delete_object", {"Bucket": bucket, "Key": "by-session"}]]
    assume = {"RoleArn": target, "RoleSessionName": "narrow"}
    answers = run(aws, caller, calls, assume={**assume, "Policy": json.dumps(narrow), "PolicyArns": [{"arn": listing}]})
    assert answers.pop("caller") == session
    assert codes(answers) == {"get": "ok", "put": "AccessDenied", "list": "ok",
                              "delete_by_role": "AccessDenied", "delete_by_session": "ok"}
    only_managed = run(aws, caller, calls, assume={**assume, "PolicyArns": [{"arn": listing}]})
    assert codes(only_managed) == {"get": "AccessDenied", "put": "AccessDenied", "list": "ok",
                                   "delete_by_role": "AccessDenied", "delete_by_session": "ok"}
    assert set(codes(run(aws, caller, calls, assume=assume)).values()) == {"ok"}   # no session policy


def test_a_denial_says_who_what_on_what_and_why_in_each_services_words(aws: Aws) -> None:
    """As AWS's services word a same-account denial now ("Troubleshoot access denied error
    messages", IAM User Guide; "Access denied message examples", Amazon S3 User Guide), each
    with its own code: S3 quotes the resource and names none for ListAllMyBuckets; SNS says
    AuthorizationError and SNS:Publish; SQS says AccessDenied and lower-cases the action.
    moto said "Access Denied" for S3 and "because no identity-based policy allows" for an
    explicit Deny too, and never named the resource."""
    tag = uuid.uuid4().hex[:8]
    bucket, s3 = f"rp-words-{tag}", aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        allow("s3:DeleteObject", f"arn:aws:s3:::{bucket}/*", "*", "Deny")]}))
    role = make_role(aws, [allow(["s3:PutObject", "s3:DeleteObject", "dynamodb:*"], "*"),
                           allow("s3:GetObject", "*", effect="Deny")], tag)
    aws("iam").put_role_permissions_boundary(RoleName=f"rp-{tag}", PermissionsBoundary=managed(
        aws, [allow(["s3:*", "sqs:*", "sns:*"], "*")], tag))
    url, queue_arn = queue(aws, f"rp-words-{tag}")
    topic = aws("sns").create_topic(Name=f"rp-words-{tag}")["TopicArn"]
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/rp-words-{tag}"
    calls = [["list", "s3", "list_buckets", {}],
             ["get", "s3", "get_object", {"Bucket": bucket, "Key": "k"}],
             ["delete", "s3", "delete_object", {"Bucket": bucket, "Key": "k"}],
             ["send", "sqs", "send_message_batch", {"QueueUrl": url, "Entries": [{"Id": "1", "MessageBody": "m"}]}],
             ["publish", "sns", "publish", {"TopicArn": topic, "Message": "m"}],
             ["get_item", "dynamodb", "get_item", {"TableName": table, "Key": {"k": {"S": "a"}}}]]
    answers = run(aws, role, calls, name=f"rp-fn-{tag}")
    user = f"User: {answers.pop('caller')} is not authorized to perform:"
    assert user == f"User: arn:aws:sts::{ACCOUNT}:assumed-role/rp-{tag}/rp-fn-{tag} is not authorized to perform:"
    assert answers == {
        "list": f"AccessDenied: {user} s3:ListAllMyBuckets because no identity-based policy allows the "
                "s3:ListAllMyBuckets action",
        "get": f'AccessDenied: {user} s3:GetObject on resource: "arn:aws:s3:::{bucket}/k" with an explicit '
               "deny in an identity-based policy",
        "delete": f'AccessDenied: {user} s3:DeleteObject on resource: "arn:aws:s3:::{bucket}/k" with an explicit '
                  "deny in a resource-based policy",
        "send": f"AccessDenied: {user} sqs:sendmessage on resource: {queue_arn} because no identity-based policy "
                "allows the sqs:sendmessage action",
        "publish": f"AuthorizationError: {user} SNS:Publish on resource: {topic} because no identity-based "
                   "policy allows the SNS:Publish action",
        "get_item": f"AccessDeniedException: {user} dynamodb:GetItem on resource: {table} because no permissions "
                    "boundary allows the dynamodb:GetItem action"}
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"   # nothing was deleted


def test_a_session_policys_denial_names_the_session_policy(aws: Aws) -> None:
    tag = uuid.uuid4().hex[:8]
    caller = make_role(aws, [allow("sts:AssumeRole", "*")], f"caller-{tag}")
    target = str(aws("iam").create_role(RoleName=f"rp-target-{tag}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("sts:AssumeRole", "*", {"AWS": caller})]}))["Role"]["Arn"])
    aws("iam").put_role_policy(RoleName=f"rp-target-{tag}", PolicyName="own", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]}))
    narrow = {"Version": "2012-10-17", "Statement": [allow("s3:GetObject", "*"), allow("s3:ListAllMyBuckets", "*",
                                                                                   effect="Deny")]}
    assume = {"RoleArn": target, "RoleSessionName": "narrow", "Policy": json.dumps(narrow)}
    answers = run(aws, caller, [["list", "s3", "list_buckets", {}],
                                ["put", "s3", "put_object", {"Bucket": f"rp-none-{tag}", "Key": "k", "Body": "x"}]],
                  assume=assume)
    user = f"User: arn:aws:sts::{ACCOUNT}:assumed-role/rp-target-{tag}/narrow is not authorized to perform:"
    assert answers == {
        "caller": f"arn:aws:sts::{ACCOUNT}:assumed-role/rp-target-{tag}/narrow",
        "list": f"AccessDenied: {user} s3:ListAllMyBuckets with an explicit deny in a session policy",
        "put": f'AccessDenied: {user} s3:PutObject on resource: "arn:aws:s3:::rp-none-{tag}/k" because no '
               "session policy allows the s3:PutObject action"}


def test_dynamodb_enclosing_operation_tells_a_transactions_items_apart(aws: Aws) -> None:
    """dynamodb:EnclosingOperation, as the DynamoDB Developer Guide's "Using IAM with
    DynamoDB transactions" uses it: GetItem allowed only within TransactGetItems, PutItem
    denied within TransactWriteItems. The sandbox did not give the key: the first denied
    every transaction, the second denied nothing."""
    tag = uuid.uuid4().hex[:8]
    table = str(aws("dynamodb").create_table(
        TableName=f"rp-tx-{tag}", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"])
    in_tx = {"ForAnyValue:StringEquals": {"dynamodb:EnclosingOperation": ["TransactGetItems"]}}
    write_tx = {"ForAnyValue:StringEquals": {"dynamodb:EnclosingOperation": ["TransactWriteItems"]}}
    role = make_role(aws, [{**allow("dynamodb:GetItem", table), "Condition": in_tx},
                           allow("dynamodb:PutItem", table),
                           {**allow("dynamodb:PutItem", table, effect="Deny"), "Condition": write_tx}], tag)
    key, item = {"k": {"S": "a"}}, {"k": {"S": "a"}, "v": {"S": "1"}}
    calls = [["get", "dynamodb", "get_item", {"TableName": table, "Key": key}],
             ["tx_get", "dynamodb", "transact_get_items", {"TransactItems": [{"Get": {"TableName": table, "Key": key}}]}],
             ["put", "dynamodb", "put_item", {"TableName": table, "Item": item}],
             ["tx_put", "dynamodb", "transact_write_items", {"TransactItems": [{"Put": {"TableName": table,
                                                                                       "Item": item}}]}]]
    assert codes(run(aws, role, calls)) == {"get": "AccessDeniedException", "tx_get": "ok", "put": "ok",
                                            "tx_put": "AccessDeniedException"}


@pytest.mark.parametrize("operator", ["stringEquals", "stringequals", "StringEqualsifexists"])
def test_iam_refuses_a_condition_operator_written_in_another_case(aws: Aws, operator: str) -> None:
    """Condition operator names are case-sensitive: AWS answers CreateRole with
    "MalformedPolicyDocument: Invalid Condition type : stringEquals" (as reported from
    AWS in ministryofjustice/modernisation-platform-environments#8893). moto took any
    operator in CreateRole's trust policy (the role's AssumeRole then never matched), and
    said only "Syntax errors in policy." to PutRolePolicy and UpdateAssumeRolePolicy."""
    iam, tag = aws("iam"), uuid.uuid4().hex[:8]
    condition = {operator: {"aws:SourceAccount": ACCOUNT}}
    trust = {"Version": "2012-10-17", "Statement": [{**TRUST_POLICY["Statement"][0], "Condition": condition}]}
    refused = f"operation: Invalid Condition type : {operator}$"
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=refused):
        iam.create_role(RoleName=f"rp-case-{tag}", AssumeRolePolicyDocument=json.dumps(trust))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=f"rp-case-{tag}")
    make_role(aws, [], f"case-{tag}")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=refused):
        iam.update_assume_role_policy(RoleName=f"rp-case-{tag}", PolicyDocument=json.dumps(trust))
    policy = {"Version": "2012-10-17", "Statement": [{**allow("s3:*", "*"), "Condition": condition}]}
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException, match=refused):
        iam.put_role_policy(RoleName=f"rp-case-{tag}", PolicyName="p", PolicyDocument=json.dumps(policy))


def test_a_deny_with_not_principal_spares_a_session_only_where_it_names_session_role_and_account(aws: Aws) -> None:
    """"If the NotPrincipal element was missing the ARN of the role, the effect of the policy
    might be to explicitly deny access to the role"; likewise the account's (IAM User Guide,
    "AWS JSON policy elements: NotPrincipal", whose example names all three). The sandbox
    spared every session of a role its NotPrincipal named alone."""
    tag = uuid.uuid4().hex[:8]
    s3 = aws("s3")
    role = make_role(aws, [allow("s3:GetObject", "*")], tag)
    name = f"rp-np-{tag}"
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/rp-{tag}/{name}"
    spared = {"role-only": [role], "session-role": [session, role],
              "all-three": [session, role, f"arn:aws:iam::{ACCOUNT}:root"]}
    for label, principals in spared.items():
        bucket = f"rp-np-{label}-{tag}"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "NotPrincipal": {"AWS": principals}, "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    calls = [[label, "s3", "get_object", {"Bucket": f"rp-np-{label}-{tag}", "Key": "k"}] for label in spared]
    assert codes(run(aws, role, calls, name=name)) == {"role-only": "AccessDenied", "session-role": "AccessDenied",
                                                       "all-three": "ok"}


def test_sns_delivers_to_a_queue_only_where_the_queues_policy_lets_the_topic_send(aws: Aws) -> None:
    """SQS refuses SNS's delivery unless the queue's policy lets sns.amazonaws.com
    sqs:SendMessage for the topic, within one account too (the Amazon SNS Developer Guide's
    "Subscribing an Amazon SQS queue to an Amazon SNS topic": give the topic permission to
    send to the queue). moto delivered every message to any subscribed queue."""
    tag = uuid.uuid4().hex[:8]
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name=f"rp-fan-{tag}")["TopicArn"]
    url, arn = queue(aws, f"rp-fan-{tag}")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def admit(source: str) -> None:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {**allow("sqs:SendMessage", arn, {"Service": "sns.amazonaws.com"}),
             "Condition": {"ArnEquals": {"aws:SourceArn": source}}}]})})

    sns.publish(TopicArn=topic, Message="no-policy")
    admit(f"{topic}-other")
    sns.publish(TopicArn=topic, Message="other-topic")
    admit(topic)
    sns.publish(TopicArn=topic, Message="admitted")
    bodies: list[str] = []
    deadline = time.monotonic() + 5
    while "admitted" not in str(bodies) and time.monotonic() < deadline:
        bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]
    assert [json.loads(b)["Message"] for b in bodies] == ["admitted"]


def test_aws_managed_policies_attach_and_decide_as_on_aws(aws: Aws) -> None:
    """The AWS tutorials' `aws iam attach-role-policy --policy-arn
    arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` answered
    NoSuchEntity (moto loads AWS's managed policies only when told to); now the policy is
    there when named, and decides the role's calls as its document says."""
    iam, tag = aws("iam"), uuid.uuid4().hex[:8]
    role = make_role(aws, [], tag)
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName=f"rp-{tag}", PolicyArn=basic)
    iam.attach_role_policy(RoleName=f"rp-{tag}", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    attached = iam.list_attached_role_policies(RoleName=f"rp-{tag}")["AttachedPolicies"]
    assert sorted(p["PolicyName"] for p in attached) == ["AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess"]
    assert iam.get_policy(PolicyArn=basic)["Policy"]["Path"] == "/service-role/"
    version = iam.get_policy_version(PolicyArn=basic, VersionId="v1")["PolicyVersion"]["Document"]
    assert "logs:PutLogEvents" in json.dumps(version)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_role_policy(RoleName=f"rp-{tag}", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyAtAll")
    with pytest.raises(iam.exceptions.NoSuchEntityException):   # the path is part of the ARN
        iam.attach_role_policy(RoleName=f"rp-{tag}", PolicyArn="arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
    calls = [["group", "logs", "create_log_group", {"logGroupName": f"/rp/{tag}"}],
             ["list", "s3", "list_buckets", {}],
             ["put", "s3", "put_object", {"Bucket": f"rp-none-{tag}", "Key": "k", "Body": "x"}]]
    assert codes(run(aws, role, calls)) == {"group": "ok", "list": "ok", "put": "AccessDenied"}


def test_a_bucket_policys_deny_of_everyone_is_worded_for_lambdactls_own_key_too(aws: Aws) -> None:
    """lambdactl's own key stands for the account's root user, whom a bucket policy's Deny
    naming "*" binds, as on AWS; S3 words it as for any caller of the account (it said
    "Access Denied")."""
    tag = uuid.uuid4().hex[:8]
    s3, bucket = aws("s3"), f"rp-root-{tag}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        allow("s3:PutObject", f"arn:aws:s3:::{bucket}/locked/*", "*", "Deny")]}))
    s3.put_object(Bucket=bucket, Key="open/k", Body=b"x")
    with pytest.raises(s3.exceptions.ClientError) as denied:
        s3.put_object(Bucket=bucket, Key="locked/k", Body=b"x")
    assert denied.value.response["Error"] == {
        "Code": "AccessDenied",
        "Message": f'User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: s3:PutObject on resource: '
                   f'"arn:aws:s3:::{bucket}/locked/k" with an explicit deny in a resource-based policy'}


def test_iam_permissions_boundary_key_lets_a_handler_create_only_bounded_roles(aws: Aws) -> None:
    """The IAM User Guide's delegation pattern ("Permissions boundaries for IAM entities"):
    CreateRole, PutRolePolicy allowed only with iam:PermissionsBoundary = a given policy, the
    one the request sets (CreateRole) or the role has (PutRolePolicy). The sandbox gave no
    such key: every one of them was denied."""
    tag = uuid.uuid4().hex[:8]
    boundary = managed(aws, [allow("s3:GetObject", "*")], f"b-{tag}")
    bounded = {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    role = make_role(aws, [{**allow(["iam:CreateRole", "iam:PutRolePolicy"], "*"), "Condition": bounded}], tag)
    trust, policy = json.dumps(TRUST_POLICY), json.dumps({"Version": "2012-10-17", "Statement": [allow("s3:*", "*")]})
    aws("iam").create_role(RoleName=f"rp-loose-{tag}", AssumeRolePolicyDocument=trust)
    calls = [["bounded", "iam", "create_role", {"RoleName": f"rp-made-{tag}", "AssumeRolePolicyDocument": trust,
                                                "PermissionsBoundary": boundary}],
             ["unbounded", "iam", "create_role", {"RoleName": f"rp-free-{tag}", "AssumeRolePolicyDocument": trust}],
             ["policy_bounded", "iam", "put_role_policy", {"RoleName": f"rp-made-{tag}", "PolicyName": "p",
                                                           "PolicyDocument": policy}],
             ["policy_loose", "iam", "put_role_policy", {"RoleName": f"rp-loose-{tag}", "PolicyName": "p",
                                                         "PolicyDocument": policy}]]
    assert codes(run(aws, role, calls)) == {"bounded": "ok", "unbounded": "AccessDenied", "policy_bounded": "ok",
                                            "policy_loose": "AccessDenied"}


def test_assume_role_durations_are_held_to_awss_limits(aws: Aws) -> None:
    """A handler's AssumeRole is role chaining, limited to an hour ("The requested
    DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."),
    and no one gets more than the role's MaxSessionDuration ("... exceeds the
    MaxSessionDuration set for this role."), as STS answers (ValidationError). moto issued both."""
    tag = uuid.uuid4().hex[:8]
    caller = make_role(aws, [allow("sts:AssumeRole", "*")], f"caller-{tag}")
    target = str(aws("iam").create_role(RoleName=f"rp-long-{tag}", MaxSessionDuration=7200, AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [allow("sts:AssumeRole", "*", {"AWS": [caller, f"arn:aws:iam::{ACCOUNT}:root"]})]}))["Role"]["Arn"])
    calls = [[f"chained_{s}", "sts", "assume_role", {"RoleArn": target, "RoleSessionName": "sess", "DurationSeconds": s}]
             for s in (3600, 3601)]
    assert run(aws, caller, calls, name=f"rp-chain-{tag}") == {
        "caller": f"arn:aws:sts::{ACCOUNT}:assumed-role/rp-caller-{tag}/rp-chain-{tag}", "chained_3600": "ok",
        "chained_3601": "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles "
                        "assumed by role chaining."}
    sts = aws("sts")
    assert sts.assume_role(RoleArn=target, RoleSessionName="sess", DurationSeconds=7200)["Credentials"]
    with pytest.raises(sts.exceptions.ClientError, match="exceeds the MaxSessionDuration set for this role"):
        sts.assume_role(RoleArn=target, RoleSessionName="sess", DurationSeconds=7201)
