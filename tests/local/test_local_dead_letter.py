"""Lambda's dead-letter queue (DeadLetterConfig) on the sandbox: a failing Event
invocation, its retries spent, lands in the queue as the event itself with the
message attributes Lambda sets (RequestID, ErrorCode, ErrorMessage)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from lambdactl.local import dead_letter, destinations
from tests.local.test_local_qualifiers import queue


def test_a_failed_async_event_lands_in_the_dead_letter_queue(aws: Any, make_function: Any,
                                                            wait_for_log: Any) -> None:
    lam, sqs = aws("lambda"), aws("sqs")
    url, arn = queue(aws, "dlq-of-fail")
    name = make_function("app.fail", DeadLetterConfig={"TargetArn": arn})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"] == {"TargetArn": arn}
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}')
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not got and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
    assert len(got) == 1, "the event did not reach the dead-letter queue"
    assert json.loads(got[0]["Body"]) == {"order": 7}
    _, lines = wait_for_log(f"/aws/lambda/{name}", "START RequestId: ")
    starts = [m.split()[2] for m in lines if m.startswith("START RequestId: ")]
    assert len(starts) == 1, "max_retries = 0: one attempt"
    rid = starts[0]
    attrs = {k: (v["DataType"], v["StringValue"]) for k, v in got[0]["MessageAttributes"].items()}
    assert attrs == {"RequestID": ("String", rid), "ErrorCode": ("Number", "200"),
                     "ErrorMessage": ("String", "boom from handler")}


def test_removing_it_clears_it(aws: Any, make_function: Any) -> None:
    lam = aws("lambda")
    _, arn = queue(aws, "dlq-cleared")
    name = make_function("app.fail", DeadLetterConfig={"TargetArn": arn})
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=name)


@pytest.mark.parametrize(("body", "message"), [
    (b'{"errorMessage": "boom", "errorType": "E"}', "boom"),
    (b'{"errorType": "E"}', '{"errorType": "E"}'),     # JSON without errorMessage: the answer
    (b"[1, 2]", "[1, 2]"),
    (b"not json \xff", "not json \ufffd"),
    (b"", "Unhandled"),                                # no answer: the condition
])
def test_the_error_message_lambda_puts_on_a_dead_lettered_event(body: bytes, message: str) -> None:
    assert dead_letter.error_message(body, "Unhandled") == message


def test_a_destination_record_carries_payload_and_answer_as_json_else_text() -> None:
    """The same decoding as error_message's (destinations.decoded)."""
    r = destinations.record("arn:aws:lambda:us-east-1:123456789012:function:f", "$LATEST", "rid",
                            b'{"order": 7}', b"plain \xff", "Unhandled", "RetriesExhausted", 1)
    assert (r["requestPayload"], r["responsePayload"]) == ({"order": 7}, "plain \ufffd")
    assert destinations.record("f", "1", "rid", b"", b"", None, "Success", 1)["responsePayload"] is None
