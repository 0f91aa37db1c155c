"""IAM enforced for DynamoDB in the sandbox: a policy scoped to a table's ARN allows
that table and no other. moto 5.2 checked DynamoDB calls against Resource "*" only,
so such a policy (the one AWS wants) denied every call (local/enforce.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from lambdactl.iam import TRUST_POLICY
from tests.local.conftest import package


def test_a_policy_on_one_table_arn_allows_that_table_only(aws: Callable[[str], Any]) -> None:
    ddb, iam, lam = aws("dynamodb"), aws("iam"), aws("lambda")
    allowed, other = (f"iam-{name}-{uuid.uuid4().hex[:6]}" for name in ("allowed", "other"))
    for table in (allowed, other):
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    role = iam.create_role(RoleName=f"r-{allowed}", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:BatchWriteItem"],
         "Resource": f"arn:aws:dynamodb:us-east-1:123456789012:table/{allowed}"}]}
    iam.put_role_policy(RoleName=f"r-{allowed}", PolicyName="one-table", PolicyDocument=json.dumps(policy))
    name = f"t-tables-{uuid.uuid4().hex[:6]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"],
                        Handler="tables.lambda_handler", Code={"ZipFile": package("tables.py")})

    response = lam.invoke(FunctionName=name, Payload=json.dumps({"allowed": allowed, "other": other}))
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    assert body == {"put_allowed": "ok", "put_other": "AccessDeniedException",
                    "batch_allowed": "ok", "batch_both": "AccessDeniedException"}
    assert ddb.scan(TableName=other)["Count"] == 0
