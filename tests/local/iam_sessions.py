"""Helpers for the IAM tests that run calls as a handler's role session
(tests/local/test_local_iam_respolicies.py, test_local_iam_fidelity.py): a role with given
statements, a handler (handlers/answers.py) making calls and saying what AWS answered."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

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


def managed(aws: Aws, statements: list[dict[str, Any]], tag: str) -> str:
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return str(aws("iam").create_policy(PolicyName=f"rp-{tag}", PolicyDocument=document)["Policy"]["Arn"])
