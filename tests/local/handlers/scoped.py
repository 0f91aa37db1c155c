"""A handler that makes the AWS calls its event lists, with its role's credentials, and
says which its role allowed (tests/local/test_local_iam_arns.py).

event: {"calls": [[label, service, method, {kwargs}], ...]} -> {label: "ok" or error code}
"{userid}" in kwargs is the caller's own aws:userid (sts GetCallerIdentity's UserId).
"""

import json

import boto3


def lambda_handler(event, context):
    calls = json.dumps(event["calls"])
    if "{userid}" in calls:
        calls = calls.replace("{userid}", boto3.client("sts").get_caller_identity()["UserId"])
    out = {}
    for label, service, method, kwargs in json.loads(calls):
        try:
            getattr(boto3.client(service), method)(**kwargs)
            out[label] = "ok"
        except Exception as exc:  # noqa: BLE001
            response = getattr(exc, "response", None)
            out[label] = response["Error"]["Code"] if response else type(exc).__name__
    return out
