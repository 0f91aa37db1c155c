"""An HTTP API behind a function URL (Lambda's payload format 2.0)."""

import base64
import json


def respond(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event, context):
    http = event["requestContext"]["http"]
    method, path = http["method"], event["rawPath"]
    print(f"{method} {path} from {http['sourceIp']}")
    if path == "/hello":
        name = (event.get("queryStringParameters") or {}).get("name", "world")
        return respond(200, {"hello": name, "method": method, "path": path})
    if path == "/echo" and method == "POST":
        raw = event.get("body") or ""
        if event.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode("utf-8", "replace")
        try:
            return respond(200, {"echo": json.loads(raw or "null")})
        except ValueError:
            return respond(400, {"error": "the body is not JSON"})
    return respond(404, {"error": f"no route {method} {path}"})
