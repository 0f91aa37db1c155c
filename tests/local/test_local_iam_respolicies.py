"""IAM in the sandbox as AWS decides a role session's call within one account, with every
kind of policy that bounds it (issue 12): the resource's own policy (an SQS queue's, an SNS
topic's, as a bucket's and a function's), the role's permissions boundary and the session
policies of an AssumeRole; and the words of a denial.

AWS's rules (IAM User Guide, "Policy evaluation logic" and "How AWS enforcement code logic
evaluates requests to allow or deny access"): within an account an identity-based OR a
resource-based policy allowing it allows a call, an explicit Deny in any policy denies it;
a permissions boundary and session policies limit what the identity-based policies allow
(identity ∩ boundary, role ∩ session), and a resource-based policy's grant naming the role's
ARN, but not one naming the session's ARN.
"""

from __future__ import annotations

import json
import uuid

import pytest

from lambdactl.iam import TRUST_POLICY
from tests.local.conftest import package
from tests.local.iam_sessions import ACCOUNT, Aws, allow, codes, make_role, managed, queue, run


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
    with its own code: S3 quotes the resource and names none for ListAllMyBuckets, Lambda
    names "*" for ListFunctions (as reported from AWS in RhinoSecurityLabs/cloudgoat#384); SNS says
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
             ["get_item", "dynamodb", "get_item", {"TableName": table, "Key": {"k": {"S": "a"}}}],
             ["functions", "lambda", "list_functions", {}]]
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
                    "boundary allows the dynamodb:GetItem action",
        "functions": f"AccessDeniedException: {user} lambda:ListFunctions on resource: * because no identity-based "
                     "policy allows the lambda:ListFunctions action"}
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
