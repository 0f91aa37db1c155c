"""A handler that makes the AWS calls its event lists and says what AWS answered to each
(tests/local/test_local_iam_policies.py).

event: {"calls": [[label, service, method, {kwargs}], ...],
        "assume": {AssumeRole's kwargs} (optional: the calls are made with that session)}
-> {label: "ok" or "CODE: message", "caller": the ARN the calls were made as}
"""

import json

import boto3


def lambda_handler(event, context):
    session = boto3.Session()
    if event.get("assume"):
        found = boto3.client("sts").assume_role(**event["assume"])["Credentials"]
        session = boto3.Session(aws_access_key_id=found["AccessKeyId"],
                                aws_secret_access_key=found["SecretAccessKey"],
                                aws_session_token=found["SessionToken"])
    out = {"caller": session.client("sts").get_caller_identity()["Arn"]}
    for label, service, method, kwargs in json.loads(json.dumps(event["calls"])):
        try:
            getattr(session.client(service), method)(**kwargs)
            out[label] = "ok"
        except Exception as exc:  # noqa: BLE001
            error = (getattr(exc, "response", None) or {}).get("Error")
            out[label] = f"{error.get('Code')}: {error.get('Message')}" if error else type(exc).__name__
    return out
