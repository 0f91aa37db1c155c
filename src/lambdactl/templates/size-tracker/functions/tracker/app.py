"""On every upload to or delete from a bucket, record the bucket's total size and
object count in the DynamoDB table TABLE_NAME (one item per change)."""

import os
import time

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def bucket_totals(bucket):
    """(total bytes, object count) of every object in BUCKET."""
    size = count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            size += obj["Size"]
            count += 1
    return size, count


def lambda_handler(event, context):
    recorded = []
    for bucket in sorted({r["s3"]["bucket"]["name"] for r in event.get("Records", [])}):
        size, count = bucket_totals(bucket)
        item = {"bucket": bucket, "at": time.time_ns() // 1_000_000, "total_size": size, "object_count": count}
        table.put_item(Item=item)
        print(f"s3://{bucket}: {count} object(s), {size} bytes")
        recorded.append({"bucket": bucket, "total_size": size, "object_count": count})
    return {"recorded": recorded}
