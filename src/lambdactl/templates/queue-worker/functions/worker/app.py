"""Processes a batch of orders from SQS; reports the ones it cannot fill, so that
only those come back (and go to the dead-letter queue after two tries)."""

import json

STOCK = 5   # units of the one thing this shop sells


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        order = json.loads(record["body"])
        tries = record["attributes"]["ApproximateReceiveCount"]
        if order.get("quantity", 0) > STOCK:
            print(f"order {order['order']}: {order['quantity']} units, only {STOCK} in stock (try {tries})")
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            print(f"order {order['order']}: shipped {order['quantity']} unit(s)")
    print(f"batch of {len(event['Records'])}: {len(failures)} failed")
    return {"batchItemFailures": failures}
