"""A handler that writes to DynamoDB tables and says which calls its role allowed."""

import boto3


def lambda_handler(event, context):
    ddb = boto3.client("dynamodb")
    out = {}
    for label, table in (("put_allowed", event["allowed"]), ("put_other", event["other"])):
        try:
            ddb.put_item(TableName=table, Item={"k": {"S": "1"}})
            out[label] = "ok"
        except Exception as exc:  # noqa: BLE001
            out[label] = exc.response["Error"]["Code"]
    for label, tables in (("batch_allowed", [event["allowed"]]), ("batch_both", [event["allowed"], event["other"]])):
        try:
            ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {"k": {"S": "2"}}}}] for t in tables})
            out[label] = "ok"
        except Exception as exc:  # noqa: BLE001
            out[label] = exc.response["Error"]["Code"]
    return out
