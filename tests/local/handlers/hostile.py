"""A hostile handler for the sandbox (tests/local/test_local_hostile.py): it tries, with its
own role's credentials, what the event names and reports each answer."""

import json
import os
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest


def _signed(method, path, service, region):
    """A raw request to the sandbox's endpoint, SigV4-signed with this environment's
    credentials: (HTTP status, the start of the body)."""
    url = os.environ["AWS_ENDPOINT_URL"] + path
    request = AWSRequest(method=method, url=url, data=b"")
    creds = boto3.Session().get_credentials().get_frozen_credentials()
    SigV4Auth(creds, service, region).add_auth(request)
    raw = urllib.request.Request(url, method=method, headers=dict(request.prepare().headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as answer:
            return [answer.status, answer.read(300).decode(errors="replace")]
    except urllib.error.HTTPError as exc:
        return [exc.code, exc.read(300).decode(errors="replace")]


def raw(event, context):
    """event: {"requests": [[method, path, service, region], ...]}"""
    return [_signed(*each) for each in event["requests"]]


def _zip():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil.py", "def handler(event, context):\n    return 'pwned'\n")
    return buf.getvalue()


def _first_error(answer):
    if answer.get("Errors"):
        raise Exception(answer["Errors"][0]["Code"])
    return answer


def _tries(victim):
    lam, sts, s3 = boto3.client("lambda"), boto3.client("sts"), boto3.client("s3")
    return {
        "get_object": lambda: s3.get_object(Bucket=victim["bucket"], Key="k")["Body"].read(),
        "list_objects": lambda: s3.list_objects_v2(Bucket=victim["bucket"]),
        "head_bucket": lambda: s3.head_bucket(Bucket=victim["bucket"]),
        "copy_in": lambda: s3.copy_object(Bucket=victim["bucket"], Key="copied",
                                          CopySource={"Bucket": victim["source"], "Key": "k"}),
        "public_access_block": lambda: s3.get_public_access_block(Bucket=victim["bucket"]),
        "delete_objects": lambda: _first_error(s3.delete_objects(
            Bucket=victim["bucket"], Delete={"Objects": [{"Key": "k"}]})),
        "transact_put": lambda: boto3.client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": victim["table"], "Item": {"k": {"S": "t"}}}}]),
        "put_object": lambda: s3.put_object(Bucket=victim["bucket"], Key="new", Body=b"x"),
        "assume_role": lambda: sts.assume_role(RoleArn=victim["role"], RoleSessionName="escalate"),
        "pass_role": lambda: lam.create_function(
            FunctionName="escalated", Runtime="python3.11", Role=victim["role"],
            Handler="evil.handler", Code={"ZipFile": _zip()}),
        "invoke": lambda: lam.invoke(FunctionName=victim["function"], Payload=b"{}"),
        "credentials": lambda: {k: os.environ[k] for k in
                                ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
    }


def attempts(event, context):
    """event: {"victim": {...}, "tries": [name, ...]}: "ok" (and what it gave) or the error code."""
    tries, out = _tries(event.get("victim", {})), {}
    for name in event["tries"]:
        try:
            result = tries[name]()
            out[name] = result if name == "credentials" else "ok"
        except Exception as exc:  # noqa: BLE001 - the code is the answer
            out[name] = getattr(exc, "response", {}).get("Error", {}).get("Code") or repr(exc)
    print(json.dumps(out))
    return out


def hello(event, context):
    return "hello"


def flood(event, context):
    """event: {"mb": N}: N MiB of stdout in 1 KiB lines, between a first and a last line."""
    import sys

    print(f"first-line {context.aws_request_id}")
    line = "y" * 1023 + "\n"
    for _ in range(int(event["mb"]) * 1024):
        sys.stdout.write(line)
    print(f"last-line {context.aws_request_id}")
    return "flooded"


def nap(event, context):
    import time

    time.sleep(float(event.get("s", 0)))
    print(f"napped {event.get('tag', '')}")
    return "napped"
