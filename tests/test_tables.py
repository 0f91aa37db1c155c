"""[tables.NAME] against moto: up creates (tagged, settings), plan/status show drift,
a key change is refused before any write, references resolve, destroy keeps data."""

from __future__ import annotations

import contextlib
import json
import threading
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_provision import HELLO, client, run, writes

TABLE = "lambdactl-demo-history"
HISTORY = """
[tables.history]
partition_key = { name = "bucket", type = "S" }
sort_key = { name = "at", type = "N" }
ttl = "expires_at"
stream = "NEW_IMAGE"
point_in_time_recovery = true
"""


def add(project: Path, text: str) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + text)


def with_env(project: Path, env: str) -> None:
    """hello's environment (inserted in its [functions.hello] table)."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('log_retention_days = 14\n', f'log_retention_days = 14\nenvironment = {env}\n', 1))


def test_up_creates_the_table_tagged_with_its_settings(aws: None, project: Path) -> None:
    add(project, HISTORY)
    out = json.loads(run("-o", "json", "up").stdout)
    assert [(s["kind"], s["name"], s["action"]) for s in out["project"]] == [("table", TABLE, "create")]
    ddb = client("dynamodb")
    t = ddb.describe_table(TableName=TABLE)["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert [(k["AttributeName"], k["KeyType"]) for k in t["KeySchema"]] == [("bucket", "HASH"), ("at", "RANGE")]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    tags = ddb.list_tags_of_resource(ResourceArn=t["TableArn"])["Tags"]
    assert {"Key": "lambdactl:project", "Value": "lambdactl-demo"} in tags
    assert ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    pitr = ddb.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_second_up_makes_no_write(aws: None, project: Path, calls: Counter[str]) -> None:
    add(project, HISTORY)
    run("up")
    calls.clear()
    r = run("up")
    assert writes(calls) == {}
    assert "no changes" in r.stderr


def test_drift_is_shown_by_plan_and_status_and_fixed_by_up(aws: None, project: Path) -> None:
    add(project, HISTORY)
    run("up")
    ddb = client("dynamodb")
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    ddb.update_table(TableName=TABLE, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    r = run("plan")
    assert f"~ project: update table {TABLE} (billing, point_in_time_recovery)" in r.stdout
    r = run("status", code=1)
    assert f"project: update table {TABLE} (billing, point_in_time_recovery)" in r.stdout
    run("up")
    assert ddb.describe_table(TableName=TABLE)["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    run("status")


def test_a_key_schema_change_is_refused_before_any_write(aws: None, project: Path, calls: Counter[str]) -> None:
    add(project, HISTORY)
    run("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('name = "at", type = "N"', 'name = "when", type = "S"'))
    calls.clear()
    r = run("up", code=2)
    assert writes(calls) == {}
    [line] = r.stderr.strip().splitlines()
    assert "DynamoDB cannot change a key schema in place" in line and "bucket (S) + at (N)" in line
    assert "Traceback" not in r.output


def test_a_foreign_table_with_our_name_is_refused(aws: None, project: Path) -> None:
    add(project, HISTORY)
    client("dynamodb").create_table(TableName=TABLE, KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
                                    AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
                                    BillingMode="PAY_PER_REQUEST")
    r = run("up", code=1)
    assert "belongs to someone else" in r.stderr
    assert client("lambda").list_functions()["Functions"] == []


def test_references_resolve_in_environment_and_policy(aws: None, project: Path) -> None:
    add(project, HISTORY)
    with_env(project, '{ TABLE = "${tables.history.name}", STREAM = "${tables.history.stream_arn}" }')
    (project / "policies" / "hello.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "${tables.history.arn}"}]}))
    run("up")
    env = client("lambda").get_function_configuration(FunctionName=HELLO)["Environment"]["Variables"]
    stream = client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    assert env == {"TABLE": TABLE, "STREAM": stream}
    doc = client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    assert doc["Statement"][0]["Resource"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}"


@pytest.mark.parametrize(("where", "text"), [
    ("environment", '{ TABLE = "${tables.histroy.name}" }'),
    ("policy", "${tables.history.url}"),
])
def test_unknown_references_are_config_errors(aws: None, project: Path, calls: Counter[str],
                                              where: str, text: str) -> None:
    add(project, HISTORY)
    if where == "environment":
        with_env(project, text)
    else:
        (project / "policies" / "hello.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": text}]}))
    r = run("up", code=2)
    assert "unknown" in r.stderr and "tables.history.arn" in r.stderr   # the known ones are listed
    assert calls == Counter()


def test_destroy_deletes_an_empty_table_and_keeps_one_with_items(aws: None, project: Path) -> None:
    add(project, HISTORY)
    run("up")
    ddb = client("dynamodb")
    for i in range(3):
        ddb.put_item(TableName=TABLE, Item={"bucket": {"S": "b"}, "at": {"N": str(i)}})
    r = run("destroy", "--yes")
    assert f"table {TABLE}: kept (holds 3 item(s)" in r.stderr and "--delete-data" in r.stderr
    assert ddb.list_tables()["TableNames"] == [TABLE]
    assert client("lambda").list_functions()["Functions"] == []
    r = run("destroy", "--yes", "--delete-data")
    assert f"delete table {TABLE}: tagged lambdactl:project=lambdactl-demo, with its 3 item(s)" in r.stderr
    assert ddb.list_tables()["TableNames"] == []


def test_destroy_deletes_an_empty_table_and_never_a_foreign_one(aws: None, project: Path) -> None:
    add(project, HISTORY)
    run("up")
    r = run("destroy", "--yes")
    assert f"delete table {TABLE}" in r.stderr
    ddb = client("dynamodb")
    assert ddb.list_tables()["TableNames"] == []
    ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    r = run("destroy", "--yes", "--delete-data")
    assert "kept (belongs to someone else" in r.stderr
    assert ddb.list_tables()["TableNames"] == [TABLE]


# -- [buckets.NAME] -------------------------------------------------------------
CHARTS = "lambdactl-demo-charts"
BUCKETS = """
[buckets.charts]
versioning = true
expire_days = 30
"""


def test_up_creates_a_project_bucket_with_its_settings(aws: None, project: Path, calls: Counter[str]) -> None:
    add(project, BUCKETS)
    out = json.loads(run("-o", "json", "up").stdout)
    assert ("project_bucket", CHARTS, "create") in [(s["kind"], s["name"], s["action"]) for s in out["project"]]
    s3 = client("s3")
    assert s3.get_bucket_versioning(Bucket=CHARTS)["Status"] == "Enabled"
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=CHARTS)["Rules"]
    assert (rule["ID"], rule["Expiration"]["Days"]) == ("lambdactl-expire", 30)
    assert all(s3.get_public_access_block(Bucket=CHARTS)["PublicAccessBlockConfiguration"].values())
    assert {"Key": "lambdactl:project", "Value": "lambdactl-demo"} in s3.get_bucket_tagging(Bucket=CHARTS)["TagSet"]
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_project_bucket_drift_keeps_foreign_lifecycle_rules(aws: None, project: Path) -> None:
    add(project, BUCKETS)
    run("up")
    s3 = client("s3")
    theirs = {"ID": "theirs", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}
    s3.put_bucket_lifecycle_configuration(Bucket=CHARTS, LifecycleConfiguration={"Rules": [theirs]})
    s3.delete_public_access_block(Bucket=CHARTS)
    r = run("status", code=1)
    assert f"project: update project bucket {CHARTS} (expire_days, block_public_access)" in r.stdout
    run("up")
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=CHARTS)["Rules"]}
    assert set(rules) == {"theirs", "lambdactl-expire"}
    run("status")


def test_bucket_references_and_a_trigger_naming_a_project_bucket(aws: None, project: Path) -> None:
    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    with_env(project, '{ OUT = "${buckets.charts}" }')
    (project / "policies" / "hello.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${buckets.charts.arn}/*"}]}))
    run("up")
    env = client("lambda").get_function_configuration(FunctionName=HELLO)["Environment"]["Variables"]
    assert env == {"OUT": CHARTS}
    doc = client("iam").get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    assert doc["Statement"][0]["Resource"] == f"arn:aws:s3:::{CHARTS}/*"
    [entry] = client("s3").get_bucket_notification_configuration(Bucket=CHARTS)["LambdaFunctionConfigurations"]
    assert entry["LambdaFunctionArn"].endswith(HELLO)
    s3 = client("s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [CHARTS]   # the trigger made no other bucket
    s3.put_object(Bucket=CHARTS, Key="uploads/a.txt", Body=b"hi")
    r = run("destroy", "--yes")
    assert "delete notification" in r.stderr and f"skip bucket {CHARTS}" not in r.stderr   # said once, below
    assert f"project bucket {CHARTS}: kept (holds 1 object(s)" in r.stderr
    assert not s3.get_bucket_notification_configuration(Bucket=CHARTS).get("LambdaFunctionConfigurations")
    run("destroy", "--yes", "--delete-data")
    assert s3.list_buckets()["Buckets"] == []


def test_destroy_keeps_a_project_bucket_holding_a_foreign_notification_entry(aws: None, project: Path) -> None:
    """A [buckets.NAME] that someone else then notifies their queue from: destroy takes
    our entries out and keeps the bucket with one line (it used to delete the bucket,
    and their entry with it), as it does a trigger's bucket; --delete-data too."""
    from tests.test_ownership import add_foreign_queue_entry

    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    run("up")
    add_foreign_queue_entry(CHARTS)
    dry = run("destroy", "--dry-run", "--delete-data")
    r = run("destroy", "--yes", "--delete-data")
    assert f"project bucket {CHARTS}: kept (holds notification entries lambdactl did not create: theirs" in r.stderr
    assert f"delete project bucket {CHARTS}" not in dry.stderr + r.stderr
    s3 = client("s3")
    left = s3.get_bucket_notification_configuration(Bucket=CHARTS)
    assert [q["Id"] for q in left["QueueConfigurations"]] == ["theirs"] and not left.get("LambdaFunctionConfigurations")
    assert client("lambda").list_functions()["Functions"] == []


def test_the_step_commands_make_a_trigger_on_a_project_bucket(aws: None, project: Path) -> None:
    """role, deploy, wire in turn (the tutorial's steps) on the s3-logger template's shape:
    wire made a trigger's bucket, but not one named [buckets.NAME], and failed on S3's
    NoSuchBucket."""
    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    for command in ("role", "deploy", "wire"):
        run(command, "hello")
    [entry] = client("s3").get_bucket_notification_configuration(Bucket=CHARTS)["LambdaFunctionConfigurations"]
    assert entry["Id"] == f"lambdactl-{HELLO}-0"
    assert client("s3").get_bucket_versioning(Bucket=CHARTS)["Status"] == "Enabled"


def test_a_trigger_on_a_project_bucket_reads_its_notification_configuration_once(
        aws: None, project: Path, calls: Counter[str]) -> None:
    """The size-tracker's shape: a [buckets.NAME] that is also a trigger's bucket. Its
    notification configuration tells both whether it exists and what it notifies: one
    read serves the trigger and the project bucket (it was read twice, once for each)."""
    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    run("up")
    calls.clear()
    run("up")
    assert writes(calls) == {}
    assert calls["GetBucketNotificationConfiguration"] == 1
    calls.clear()
    run("plan")
    assert calls["GetBucketNotificationConfiguration"] == 1


def test_a_trigger_naming_an_unknown_project_bucket_is_a_config_error(aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.chart}"'))
    r = run("up", code=2)
    assert "triggers[0].bucket: unknown reference ${buckets.chart}" in r.stderr


def test_destroy_keeps_a_project_bucket_with_objects_unless_delete_data(aws: None, project: Path) -> None:
    add(project, BUCKETS)
    run("up")
    s3 = client("s3")
    for i in range(2):
        s3.put_object(Bucket=CHARTS, Key="chart.png", Body=b"x" * i)   # versioned: 2 versions
    r = run("destroy", "--yes")
    assert f"project bucket {CHARTS}: kept (holds 2 object(s)" in r.stderr
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [CHARTS]
    r = run("destroy", "--yes", "--delete-data")
    assert f"delete project bucket {CHARTS}: tagged lambdactl:project=lambdactl-demo, with its 2 object(s)" in r.stderr
    assert s3.list_buckets()["Buckets"] == []


def test_plan_destroy_delete_data_lists_exactly_what_destroy_delete_data_removes(aws: None, project: Path) -> None:
    """`plan --destroy` had no --delete-data: what `destroy --delete-data` takes (a bucket
    with its objects) could only be previewed with `destroy --dry-run --delete-data`."""
    add(project, BUCKETS)
    run("up")
    client("s3").put_object(Bucket=CHARTS, Key="chart.png", Body=b"x")
    plan = run("plan", "--destroy", "--delete-data")
    assert plan.stdout == run("destroy", "--dry-run", "--delete-data").stdout
    r = run("destroy", "--yes", "--delete-data")
    assert sorted(plan.stdout.splitlines()) == sorted(x for x in r.stderr.splitlines() if x[:2] in ("- ", "· "))
    assert f"delete project bucket {CHARTS}: tagged lambdactl:project=lambdactl-demo, with its 1 object(s)" in plan.stdout
    assert "goes with --destroy" in run("plan", "--delete-data", code=2).stderr


def test_tables_buckets_and_queues_no_longer_declared_are_orphans_until_up_prune(aws: None, project: Path) -> None:
    """A [tables/buckets/queues.NAME] section removed (or renamed) after `up`: plan and
    status said nothing and up --prune left it; only destroy found it. Now each is an
    orphan: an empty one goes with `up --prune`, one holding data stays, said so."""
    from tests.test_queues import QUEUES

    toml = project / "lambdactl.toml"
    base = toml.read_text()
    add(project, HISTORY + BUCKETS + QUEUES)
    run("up")
    client("dynamodb").put_item(TableName=TABLE, Item={"bucket": {"S": "b"}, "at": {"N": "1"}})
    toml.write_text(base)
    plan = run("plan").stdout
    assert f"- orphan project bucket {CHARTS} (no longer in lambdactl.toml): `lambdactl up --prune` removes it" in plan
    assert "- orphan queue lambdactl-demo-jobs (no longer in lambdactl.toml)" in plan
    r = run("status", code=1)
    assert f"orphan table {TABLE} (no longer in lambdactl.toml): kept (holds 1 item(s)" in r.stdout
    assert f"orphan project bucket {CHARTS}" in run("up").stderr
    pruned = run("up", "--prune").stderr
    assert f"delete project bucket {CHARTS}" in pruned and f"delete table {TABLE}" not in pruned
    assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == ["lambdactl-demo-uploads"]   # hello's
    assert client("sqs").list_queues().get("QueueUrls") is None
    assert client("dynamodb").list_tables()["TableNames"] == [TABLE]   # it holds an item
    assert "orphan" not in run("plan").stdout


def test_delete_data_asks_on_a_terminal_with_the_counts(aws: None, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root
    from lambdactl.ui import Terminal

    add(project, HISTORY)
    run("up")
    ddb = client("dynamodb")
    for i in range(2):
        ddb.put_item(TableName=TABLE, Item={"bucket": {"S": "b"}, "at": {"N": str(i)}})
    # A terminal's prompts, without its spinners (rich needs a real console for those).
    monkeypatch.setattr(Terminal, "interactive", property(lambda self: True))
    monkeypatch.setattr(Terminal, "status", lambda self, _: contextlib.nullcontext(SimpleNamespace(update=print)))
    r = CliRunner().invoke(root, ["--target", "aws", "destroy", "--delete-data"], input="y\nn\n")
    assert r.exit_code == 1 and "with its 2 item(s)" in r.stderr and "Delete these with their data" in r.stderr
    assert ddb.list_tables()["TableNames"] == [TABLE]                          # no: nothing deleted
    r = CliRunner().invoke(root, ["--target", "aws", "destroy", "--delete-data"], input="y\ny\n")
    assert r.exit_code == 0, r.stderr
    assert ddb.list_tables()["TableNames"] == []


def test_a_stream_view_change_is_made_off_then_on(aws: None, project: Path) -> None:
    """DynamoDB changes a view type only by disabling the stream and enabling a new
    one; moto 5.2 refuses the second step unless local/strict.py's patch is in."""
    add(project, HISTORY)
    run("up")
    ddb = client("dynamodb")
    before = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('stream = "NEW_IMAGE"', 'stream = "KEYS_ONLY"').replace('ttl = "expires_at"\n', ''))
    assert f"~ project: update table {TABLE} (stream, ttl)" in run("plan").stdout
    run("up")
    t = ddb.describe_table(TableName=TABLE)["Table"]
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert ddb.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    assert t["LatestStreamArn"] != before   # a new stream
    assert "no changes" in run("up").stderr


def test_moto_still_needs_the_stream_patch() -> None:
    """Contract: the method local/strict.py wraps exists and keeps the label without it."""
    from moto.dynamodb.models.table import Table

    from lambdactl.local import strict

    original = strict._originals[(Table, "set_stream_specification")]
    t = SimpleNamespace(stream_specification=None, latest_stream_label="old", account_id="123456789012")
    original(t, {"StreamEnabled": False})
    assert t.latest_stream_label == "old"


def test_a_policy_writing_where_its_project_bucket_trigger_fires_is_refused(aws: None, project: Path,
                                                                            calls: Counter[str]) -> None:
    add(project, BUCKETS)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.charts}"'))
    (project / "policies" / "hello.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "${buckets.charts.arn}/*"}]}))
    r = run("up", code=2)
    assert "an infinite invocation loop" in r.stderr and CHARTS in r.stderr
    assert calls == Counter()


def test_deploy_alone_resolves_a_stream_arn_reference(aws: None, project: Path) -> None:
    """`deploy` plans no table, but reads it: the stream's ARN is not computable."""
    add(project, HISTORY)
    with_env(project, '{ STREAM = "${tables.history.stream_arn}" }')
    run("up")
    ddb = client("dynamodb")
    ddb.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": False})
    ddb.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    run("deploy", "hello")
    env = client("lambda").get_function_configuration(FunctionName=HELLO)["Environment"]["Variables"]
    assert env == {"STREAM": stream}


def test_tables_and_buckets_are_made_alongside_the_function_chain(aws: None, project: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Their names and ARNs are computed, so the function chain does not wait for them:
    each is held here until the function is created, and is (before, they were made
    first: 3 sequential round trips for the size-tracker). A table that makes a stream
    still goes first: a function may name the stream's ARN, known once it exists."""
    from lambdactl.kinds import function, project_bucket, table

    created, seen = threading.Event(), {}
    fn_apply = function.apply

    def fn(ctx: object, want: object, step: SimpleNamespace, ready: object) -> None:
        fn_apply(ctx, want, step, ready)  # type: ignore[arg-type]
        created.set()

    def held(original: object) -> object:
        def apply(ctx: object, want: object, step: SimpleNamespace, ready: object) -> None:
            seen[step.name] = created.wait(2 if "streamed" in step.name else 30)
            original(ctx, want, step, ready)  # type: ignore[operator]
        return apply

    monkeypatch.setattr(function, "apply", fn)
    monkeypatch.setattr(project_bucket, "apply", held(project_bucket.apply))
    monkeypatch.setattr(table, "apply", held(table.apply))
    add(project, '\n[tables.plain]\npartition_key = "id"\n\n[tables.streamed]\npartition_key = "id"\n'
                 'stream = "NEW_IMAGE"\n\n[buckets.charts]\n')
    run("up")
    assert seen == {"lambdactl-demo-plain": True, "lambdactl-demo-charts": True, "lambdactl-demo-streamed": False}
    assert client("s3").head_bucket(Bucket="lambdactl-demo-charts") and "no changes" in run("up").stderr


def test_a_provisioned_table_gets_its_capacity(aws: None, project: Path, calls: Counter[str]) -> None:
    """billing = "provisioned" (on-demand is the default): the capacities are the table's,
    and a second up writes nothing."""
    add(project, '\n[tables.counts]\npartition_key = "id"\nbilling = "provisioned"\nread_capacity = 5\n'
                 'write_capacity = 2\n')
    run("up")
    t = client("dynamodb").describe_table(TableName="lambdactl-demo-counts")["Table"]
    assert t.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") == "PROVISIONED"
    assert (t["ProvisionedThroughput"]["ReadCapacityUnits"], t["ProvisionedThroughput"]["WriteCapacityUnits"]) == (5, 2)
    calls.clear()
    run("up")
    assert writes(calls) == {}
