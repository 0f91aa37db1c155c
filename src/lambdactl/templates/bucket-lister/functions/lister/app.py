"""Return the names of the account's S3 buckets."""

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    print(f"{len(names)} bucket(s): {', '.join(names)}")
    return {"buckets": names}
