"""Handlers of event-source mapping tests: each batch printed in one line, as JSON."""

import json


def partial(event, context):
    """Fails the SQS messages whose body says {"fail": true}, by partial batch response."""
    records = event["Records"]
    print("batch " + json.dumps([[r["body"], r["attributes"]["ApproximateReceiveCount"]] for r in records]))
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records
                                  if json.loads(r["body"]).get("fail")]}


def stream(event, context):
    """Prints each DynamoDB stream record in full."""
    print("records " + json.dumps(event["Records"]))
    return {}


def crash(event, context):
    print("crash " + json.dumps([r["dynamodb"]["SequenceNumber"] for r in event["Records"]]))
    raise RuntimeError("fails every batch")


def timed(event, context):
    """Sleeps each message's {"sleep": s}; prints "start NAME" at once, then
    "span [name, start, end]" (epoch seconds) per message."""
    import time

    for r in event["Records"]:
        body = json.loads(r["body"])
        print("start " + json.dumps(body["name"]), flush=True)
        start = time.time()
        time.sleep(body.get("sleep", 0))
        print("span " + json.dumps([body["name"], start, time.time()]), flush=True)
    return {}
