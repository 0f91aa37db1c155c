"""Log the bucket and key of every object created in the trigger bucket."""

import urllib.parse


def lambda_handler(event, context):
    logged = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        size = record["s3"]["object"].get("size", 0)
        print(f"New object s3://{bucket}/{key} ({size} bytes)")
        logged.append(f"s3://{bucket}/{key}")
    return {"logged": logged}
