"""More of IAM as AWS has it, in the sandbox (issue 12): the condition keys
dynamodb:EnclosingOperation and iam:PermissionsBoundary, operator names' case, NotPrincipal,
SNS's delivery to a queue, AWS managed policies, S3's words for lambdactl's own key, and
AssumeRole's session durations. Each case cites the AWS page it follows."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from lambdactl.iam import TRUST_POLICY
from tests.local.iam_sessions import ACCOUNT, Aws, allow, codes, make_role, managed, queue, run


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
