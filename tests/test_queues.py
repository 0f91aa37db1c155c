"""[queues.NAME] and sqs/dynamodb triggers against moto: up creates the queue (tagged,
attributes, DLQ) and the mappings, the role gets the poller statements, a second up
writes nothing, plan/status show drift, send puts messages, destroy removes them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import HELLO, client, run, writes

JOBS, FAILED = "lambdactl-demo-jobs", "lambdactl-demo-failed"
QUEUES = """
[queues.jobs]
visibility_timeout = 60
retention = 86400
dlq = { queue = "failed", max_receive_count = 3 }

[queues.failed]
"""
SQS_TRIGGER = """
[[functions.hello.triggers]]
type = "sqs"
queue = "jobs"
batch_size = 5
batching_window = 1
report_batch_item_failures = true
"""


def with_queue_trigger(project: Path, trigger: str = SQS_TRIGGER) -> None:
    """hello's S3 trigger, then an sqs one (TOML: its array of tables continues)."""
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    toml.write_text(text.replace("\n# Returns the names", trigger + "\n# Returns the names", 1) + QUEUES)


def queue_url(name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def attrs(name: str) -> dict[str, str]:
    return dict(client("sqs").get_queue_attributes(QueueUrl=queue_url(name), AttributeNames=["All"])["Attributes"])


def test_up_creates_queues_tagged_with_dlq_and_the_mapping(aws: None, project: Path) -> None:
    with_queue_trigger(project)
    out = json.loads(run("-o", "json", "up").stdout)
    assert [(s["name"], s["action"]) for s in out["project"]] == [(FAILED, "create"), (JOBS, "create")]
    a = attrs(JOBS)
    assert (a["VisibilityTimeout"], a["MessageRetentionPeriod"]) == ("60", "86400")
    assert json.loads(a["RedrivePolicy"]) == {"deadLetterTargetArn": attrs(FAILED)["QueueArn"], "maxReceiveCount": 3}
    assert client("sqs").list_queue_tags(QueueUrl=queue_url(JOBS))["Tags"] == {"lambdactl:project": "lambdactl-demo"}
    [m] = client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"]
    assert (m["EventSourceArn"], m["BatchSize"], m["MaximumBatchingWindowInSeconds"]) == (a["QueueArn"], 5, 1)
    assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Tagged at create (moto 5.2 keeps a mapping's tags, as AWS has since 2024).
    assert client("lambda").list_tags(Resource=m["EventSourceMappingArn"])["Tags"] == {"lambdactl:project": "lambdactl-demo"}
    policy = client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    [poll] = [s for s in policy["Statement"] if s.get("Sid") == "LambdactlPollQueues"]
    assert poll["Resource"] == [a["QueueArn"]] and "sqs:ReceiveMessage" in poll["Action"]


def test_second_up_makes_no_write(aws: None, project: Path, calls: Counter[str]) -> None:
    with_queue_trigger(project)
    run("up")
    calls.clear()
    r = run("up")
    assert writes(calls) == {}
    assert "no changes" in r.stderr


def test_drift_is_shown_and_fixed(aws: None, project: Path) -> None:
    with_queue_trigger(project)
    run("up")
    client("sqs").set_queue_attributes(QueueUrl=queue_url(JOBS), Attributes={"VisibilityTimeout": "90"})
    [m] = client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"]
    client("lambda").update_event_source_mapping(UUID=m["UUID"], BatchSize=7)
    r = run("plan")
    assert f"update queue {JOBS} (visibility_timeout)" in r.stdout
    assert "update mapping sqs:lambdactl-demo-jobs (batch_size)" in r.stdout
    status = run("status", code=1)
    assert "update mapping sqs:lambdactl-demo-jobs (batch_size)" in status.stdout
    run("up")
    assert attrs(JOBS)["VisibilityTimeout"] == "60"
    assert client("lambda").get_event_source_mapping(UUID=m["UUID"])["BatchSize"] == 5
    assert "no changes" in run("plan").stderr


def test_send_puts_messages_and_destroy_keeps_a_queue_holding_them(aws: None, project: Path) -> None:
    with_queue_trigger(project)
    run("up")
    r = run("send", "failed", '{"n": {n}}', "--count", "12")
    assert len(r.stdout.split()) == 12 and "sent 12 message(s) to lambdactl-demo-failed" in r.stderr
    got = client("sqs").receive_message(QueueUrl=queue_url(FAILED), MaxNumberOfMessages=10)["Messages"]
    assert {json.loads(m["Body"])["n"] for m in got} <= set(range(1, 13))
    out = run("destroy", "--yes")
    assert "kept (holds 12 message(s)" in out.stderr
    assert client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"] == []
    assert [u.rsplit("/", 1)[1] for u in client("sqs").list_queues()["QueueUrls"]] == [FAILED]
    run("destroy", "--yes", "--delete-data")
    assert client("sqs").list_queues().get("QueueUrls", []) == []


def test_send_to_an_unknown_or_missing_queue_is_one_line(aws: None, project: Path) -> None:
    with_queue_trigger(project)
    r = run("send", "jbos", "x", code=2)
    assert "no queue 'jbos'" in r.stderr and "did you mean 'jobs'" in r.stderr
    r = run("send", "jobs", "x", code=1)
    assert "queue lambdactl-demo-jobs does not exist" in r.stderr and "Traceback" not in r.stderr


def test_removing_the_trigger_deletes_its_mapping(aws: None, project: Path) -> None:
    with_queue_trigger(project)
    run("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace(SQS_TRIGGER, "\n"))
    r = run("up")
    assert "delete mapping sqs:lambdactl-demo-jobs" in r.stderr
    assert client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"] == []


def test_a_trigger_given_a_reference_instead_of_a_key_says_which_key(aws: None, project: Path,
                                                                    calls: Counter[str]) -> None:
    """queue = "${queues.jobs.arn}" (as in a policy or an environment value) was refused
    with only "is not a [queues.NAME] of this file": the fix is to name the key."""
    with_queue_trigger(project, SQS_TRIGGER.replace('queue = "jobs"', 'queue = "${queues.jobs.arn}"'))
    r = run("up", code=2)
    assert ("triggers[1].queue: '${queues.jobs.arn}' is not a [queues.NAME] of this file; known: failed, jobs "
            '(a trigger names the [queues.NAME] itself: queue = "jobs")') in r.stderr
    assert not calls


@pytest.mark.parametrize(("text", "needle"), [
    ('[queues.jobs]\nvisibility_timeout = 5\n', "queues.jobs.visibility_timeout: 5 s is shorter than the timeout of "
                                                "function hello (10 s)"),
    ('[queues.jobs]\nfifo = true\nname = "x"\n', 'needs a FIFO queue\'s name to end in ".fifo"'),
    ('[queues.jobs]\ndlq = { queue = "nope" }\n', "queues.jobs.dlq: queue 'nope' is not declared"),
    ('[queues.jobs]\nretention = 10\n', "queues.jobs.retention: 10 must be a whole number of seconds from 60"),
    ('[queues.jobs]\ndlq = { queue = "f", max_receive_count = 2 }\n[queues.f]\nfifo = true\n', "FIFO queue's DLQ"),
    ('[queues.jobs]\ndlq = { queue = "f" }\n[queues.f]\ndlq = { queue = "g" }\n[queues.g]\ndlq = { queue = "jobs" }\n',
     "queues.f.dlq: the dead-letter queues go round in a circle (f -> g -> jobs -> f), so a failed message would "
     "never stop moving; end the chain at a queue without dlq"),
])
def test_bad_queue_config_is_one_line_and_no_call(aws: None, project: Path, calls: Counter[str],
                                                  text: str, needle: str) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("\n# Returns the names", '\n[[functions.hello.triggers]]\ntype = "sqs"\n'
                                             'queue = "jobs"\n\n# Returns the names', 1) + text)
    r = run("up", code=2)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert not calls


def test_a_visibility_timeout_out_of_range_is_said_once(aws: None, project: Path, calls: Counter[str]) -> None:
    """visibility_timeout = 99999 was said out of range, and then again as "0 s is shorter
    than the timeout of function hello (10 s)": a 0 the user never wrote."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("\n# Returns the names", '\n[[functions.hello.triggers]]\ntype = "sqs"\n'
                                             'queue = "jobs"\n\n# Returns the names', 1)
                    + "[queues.jobs]\nvisibility_timeout = 99999\n")
    r = run("up", code=2)
    assert r.stderr.splitlines() == [r.stderr.splitlines()[0]], r.stderr
    assert r.stderr.endswith("queues.jobs.visibility_timeout: 99999 must be a whole number of seconds from 0 to 43200\n")
    assert not calls


@pytest.mark.parametrize("source", ["sqs", "dynamodb"])
def test_the_step_commands_make_what_a_trigger_reads(aws: None, project: Path, source: str) -> None:
    """role, deploy, wire in turn: wire makes the trigger's queue or table if missing, as
    it makes a trigger's bucket (it failed on CreateEventSourceMapping's "Invalid
    EventSourceArn")."""
    if source == "sqs":
        with_queue_trigger(project)
    else:
        toml = project / "lambdactl.toml"
        toml.write_text(toml.read_text().replace("\n# Returns the names", '\n[[functions.hello.triggers]]\ntype = '
                        '"dynamodb"\ntable = "history"\n\n# Returns the names', 1)
                        + '\n[tables.history]\npartition_key = "id"\nstream = "NEW_IMAGE"\n')
    for command in ("role", "deploy", "wire"):
        run(command, "hello")
    [m] = client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"]
    assert f":{source}:" in m["EventSourceArn"]
    assert [x for x in run("up").stderr.splitlines() if "hello:" in x or "project:" in x] == []   # all made


def test_dynamodb_trigger_needs_the_stream_and_maps_it(aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    base = toml.read_text()
    trigger = '\n[[functions.hello.triggers]]\ntype = "dynamodb"\ntable = "history"\nstarting_position = "TRIM_HORIZON"\n' \
              'batch_size = 50\nbisect_on_error = true\nmax_retries = 2\nfilters = [{ eventName = ["INSERT"] }]\n'
    table = '\n[tables.history]\npartition_key = "id"\n'
    toml.write_text(base.replace("\n# Returns the names", trigger + "\n# Returns the names", 1) + table)
    assert "table 'history' has no stream; set stream" in run("up", code=2).stderr
    toml.write_text(base.replace("\n# Returns the names", trigger + "\n# Returns the names", 1) + table
                    + 'stream = "NEW_IMAGE"\n')
    run("up")
    stream = client("dynamodb").describe_table(TableName="lambdactl-demo-history")["Table"]["LatestStreamArn"]
    [m] = client("lambda").list_event_source_mappings(FunctionName=HELLO)["EventSourceMappings"]
    assert (m["EventSourceArn"], m["StartingPosition"], m["BatchSize"]) == (stream, "TRIM_HORIZON", 50)
    assert (m["BisectBatchOnFunctionError"], m["MaximumRetryAttempts"]) == (True, 2)
    assert m["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName":["INSERT"]}'}]}
    policy = client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    [read] = [s for s in policy["Statement"] if s.get("Sid") == "LambdactlReadStreams"]
    assert read["Resource"] == ["arn:aws:dynamodb:us-east-1:123456789012:table/lambdactl-demo-history/stream/*"]
    assert "no changes" in run("up").stderr
    run("destroy", "--yes")
    assert client("lambda").list_event_source_mappings()["EventSourceMappings"] == []


def test_queues_are_created_alongside_the_function_chain(aws: None, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off the critical path: the function is created while the queues still are (each
    CreateQueue made slow here); the mapping waits for them."""
    import time

    import botocore.client

    spans: dict[str, list[tuple[float, float]]] = {}
    original = botocore.client.BaseClient._make_api_call

    def timed(self, operation, params):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        if operation == "CreateQueue":
            time.sleep(0.3)
        try:
            return original(self, operation, params)
        finally:
            spans.setdefault(operation, []).append((start, time.monotonic()))

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", timed)
    with_queue_trigger(project)
    run("up")
    queues_done = max(end for _, end in spans["CreateQueue"])
    assert min(start for start, _ in spans["CreateFunction"]) < queues_done
    assert min(start for start, _ in spans["CreateEventSourceMapping"]) >= queues_done


def test_fifo_queue_send_and_url_reference(aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace(
        "log_retention_days = 14\n", 'log_retention_days = 14\nenvironment = { ORDERS = "${queues.orders.url}" }\n', 1)
        + '\n[queues.orders]\nfifo = true\n')
    run("up")
    url = queue_url("lambdactl-demo-orders.fifo")
    assert attrs("lambdactl-demo-orders.fifo")["FifoQueue"] == "true"
    env = client("lambda").get_function_configuration(FunctionName=HELLO)["Environment"]["Variables"]
    assert env["ORDERS"] == "https://sqs.us-east-1.amazonaws.com/123456789012/lambdactl-demo-orders.fifo"
    run("send", "orders", "same body", "--count", "3", "--group-id", "g1")
    got = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"])
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in got["Messages"]] == [("same body", "g1")] * 3


def test_up_prune_takes_an_orphans_mapping_and_keeps_the_queue(aws: None, project: Path) -> None:
    """A function with an sqs trigger removed from the config: --prune deletes its
    mapping with it; the queue, still in the config, stays."""
    with_queue_trigger(project)
    run("up")
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    start, end = text.index("[functions.hello]"), text.index("# Returns the names")
    toml.write_text(text[:start] + text[end:])
    pruned = json.loads(run("-o", "json", "up", "--prune").stdout)["pruned"]
    assert ("mapping", "delete") in {(s["kind"], s["action"]) for s in pruned}
    assert client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    assert queue_url(JOBS)


def test_a_dead_letter_queue_may_have_its_own(aws: None, project: Path, calls: Counter[str]) -> None:
    """SQS allows a DLQ its own redrive policy: the chain is created from its end (each
    RedrivePolicy names a queue that exists), and a second up writes nothing."""
    with_queue_trigger(project)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("[queues.failed]\n", '[queues.failed]\ndlq = { queue = "graveyard", '
                                             'max_receive_count = 5 }\n\n[queues.graveyard]\n'))
    out = json.loads(run("-o", "json", "up").stdout)
    graveyard = "lambdactl-demo-graveyard"
    assert [(s["name"], s["action"]) for s in out["project"]] == [(graveyard, "create"), (FAILED, "create"),
                                                                    (JOBS, "create")]
    arn = "arn:aws:sqs:us-east-1:123456789012:"
    assert json.loads(attrs(FAILED)["RedrivePolicy"]) == {"deadLetterTargetArn": arn + graveyard, "maxReceiveCount": 5}
    assert json.loads(attrs(JOBS)["RedrivePolicy"])["deadLetterTargetArn"] == arn + FAILED
    assert "RedrivePolicy" not in attrs(graveyard)
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_send_takes_the_body_from_a_file_or_standard_input(aws: None, project: Path) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root

    with_queue_trigger(project)
    run("up")
    (project / "order.json").write_text('{"order": 7}')
    run("send", "failed", "@order.json")
    piped = CliRunner().invoke(root, ["--target", "aws", "send", "failed", "-"], input='{"order": 8}',
                               catch_exceptions=False)
    assert piped.exit_code == 0, piped.stderr
    got = client("sqs").receive_message(QueueUrl=queue_url(FAILED), MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ['{"order": 7}', '{"order": 8}']
    r = run("send", "failed", "@nope.json", code=2)
    assert "@nope.json: no such file" in r.stderr and "Traceback" not in r.stderr
    (project / "orders").mkdir()
    assert "@orders: a directory, not a file" in run("send", "failed", "@orders", code=2).stderr   # was "no such file"
