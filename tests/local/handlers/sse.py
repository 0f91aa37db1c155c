"""A handler writing into a bucket with and without server-side encryption asked for."""
import boto3
import botocore.exceptions


def put_both(event, context):
    s3, out = boto3.client("s3"), {}
    for name, extra in (("sse", {"ServerSideEncryption": "AES256"}), ("plain", {})):
        try:
            s3.put_object(Bucket=event["bucket"], Key=f"{name}.txt", Body=b"x", **extra)
            out[name] = "ok"
        except botocore.exceptions.ClientError as exc:
            out[name] = exc.response["Error"]["Code"]
    return out
