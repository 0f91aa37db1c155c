"""Test handlers for the sandbox; zipped as the package root by tests/local."""

import os
import time

import boto3

COUNT = 0
print("module loaded")


def echo(event, context):
    global COUNT
    COUNT += 1
    print(f"echo {COUNT} {event}")
    time.sleep(float(event.get("seconds", 0)))
    return {"count": COUNT, "event": event, "request_id": context.aws_request_id}


def fail(event, context):
    raise ValueError("boom from handler")


def sleep(event, context):
    print("going to sleep")
    time.sleep(float(event.get("seconds", 5)))
    return "woke"


def hog(event, context):
    data = b"x" * (int(event.get("mb", 300)) << 20)
    time.sleep(0.5)
    return len(data)


def environment(event, context):
    keys = [
        "AWS_ENDPOINT_URL",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "AWS_ACCESS_KEY_ID",
        "GREETING",
        "AWS_PROFILE",
    ]
    return {key: os.environ.get(key) for key in keys} | {
        "remaining_ms": context.get_remaining_time_in_millis(),
        "function_arn": context.invoked_function_arn,
    }


def list_buckets(event, context):
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    print(f"buckets: {names}")
    return names


def on_upload(event, context):
    for record in event["Records"]:
        print(f"uploaded {record['s3']['bucket']['name']}/{record['s3']['object']['key']}")
    return "ok"


def snoop(event, context):
    """What a hostile handler can read: its parent's environment and its own."""
    with open(f"/proc/{os.getppid()}/environ", "rb") as f:
        parent = [item.decode(errors="replace") for item in f.read().split(b"\0") if item]
    return {"parent": parent, "own": dict(os.environ)}
