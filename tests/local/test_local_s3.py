"""S3 triggers and S3's strictness in the sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

Aws = Callable[[str], Any]


def _bucket(aws: Aws) -> str:
    name = f"uploads-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=name)
    return name


def _allow_s3(aws: Aws, function: str, bucket: str) -> None:
    aws("lambda").add_permission(
        FunctionName=function,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount="123456789012",
    )


def _notify(
    aws: Aws, bucket: str, function: str, rules: list[dict[str, str]] | None = None
) -> None:
    arn = aws("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    entry: dict[str, Any] = {
        "Id": "lambdactl",
        "LambdaFunctionArn": arn,
        "Events": ["s3:ObjectCreated:*"],
    }
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    aws("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [entry]}
    )


def test_put_object_runs_the_handler_and_logs_it(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    bucket, name = _bucket(aws), make_function("app.on_upload")
    _allow_s3(aws, name, bucket)
    _notify(aws, bucket, name)
    aws("s3").put_object(Bucket=bucket, Key="hello.txt", Body=b"hi")
    waited, _ = wait_for_log(f"/aws/lambda/{name}", f"uploaded {bucket}/hello.txt")
    assert waited < 5
    wait_for_log(f"/aws/lambda/{name}", "REPORT RequestId")


def test_notification_without_permission_is_rejected(aws: Aws, make_function: Any) -> None:
    bucket, name = _bucket(aws), make_function("app.on_upload")
    with pytest.raises(ClientError) as err:
        _notify(aws, bucket, name)
    error = err.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidArgument"
    assert (
        error["Error"]["Message"] == "Unable to validate the following destination configurations"
    )


def test_permission_for_another_bucket_does_not_count(aws: Aws, make_function: Any) -> None:
    bucket, name = _bucket(aws), make_function("app.on_upload")
    _allow_s3(aws, name, "some-other-bucket")
    with pytest.raises(ClientError, match="Unable to validate"):
        _notify(aws, bucket, name)


def test_uppercase_filter_rule_names_are_accepted(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    bucket, name = _bucket(aws), make_function("app.on_upload")
    _allow_s3(aws, name, bucket)
    _notify(
        aws, bucket, name, [{"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".txt"}]
    )
    config = aws("s3").get_bucket_notification_configuration(Bucket=bucket)
    rules = config["LambdaFunctionConfigurations"][0]["Filter"]["Key"]["FilterRules"]
    assert {r["Name"].lower() for r in rules} == {"prefix", "suffix"}
    aws("s3").put_object(Bucket=bucket, Key="out/skip.txt", Body=b"x")
    aws("s3").put_object(Bucket=bucket, Key="in/take.txt", Body=b"x")
    # Keys arrive URL-encoded in S3 events (moto encodes "/" too).
    _, messages = wait_for_log(f"/aws/lambda/{name}", "in%2Ftake.txt")
    assert not any("skip.txt" in m for m in messages)


def test_overlapping_rules_are_rejected(aws: Aws, make_function: Any) -> None:
    bucket, name = _bucket(aws), make_function("app.on_upload")
    _allow_s3(aws, name, bucket)
    arn = aws("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    def entry(ident: str, prefix: str) -> dict[str, Any]:
        rules = [{"Name": "prefix", "Value": prefix}]
        return {
            "Id": ident,
            "LambdaFunctionArn": arn,
            "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": rules}},
        }

    with pytest.raises(ClientError) as err:
        aws("s3").put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [entry("a", "in/"), entry("b", "in/sub/")]
            },
        )
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert "overlapping" in err.value.response["Error"]["Message"]
    aws("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [entry("a", "in/"), entry("b", "out/")]
        },
    )
