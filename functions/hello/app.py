"""The tutorial's S3 upload logger: print the event of every object created in the bucket."""

import json
import urllib.parse


def lambda_handler(event, context):
    print("Received event: " + json.dumps(event))
    records = event.get("Records", [])
    for record in records:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        print(f"New object s3://{bucket}/{key} ({record['s3']['object'].get('size', 0)} bytes)")
    return {"statusCode": 200, "objects": len(records)}
