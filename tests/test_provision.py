"""Every provisioning command through click's CliRunner against moto (in process)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import boto3
import botocore.client
import pytest
from click.testing import CliRunner, Result

from lambdactl.aws import is_write
from lambdactl.cli import root
from tests.faults.test_crash_points import HELLO_ONLY

BUCKET = "lambdactl-demo-uploads"
HELLO = "lambdactl-demo-hello"


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def writes(calls: Counter[str]) -> dict[str, int]:
    return {op: n for op, n in calls.items() if is_write(op)}


def refused_before_any_call(result: Result, *messages: str, calls: Counter[str], reads_first: bool = False) -> None:
    """Bad input: exit 2, each of MESSAGES on stderr, no traceback, and no call (CALLS:
    every API call counted). READS_FIRST: the refusal needs a read (a version that does
    not exist): no write, then."""
    assert result.exit_code == 2, result.output + result.stderr
    assert all(m in result.stderr for m in messages), result.stderr
    assert "Traceback" not in result.stderr
    assert (writes(calls) if reads_first else calls) == {}


def client(service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, region_name="us-east-1")


def test_up_creates_everything(aws: None) -> None:
    out = json.loads(run("-o", "json", "up").stdout)
    assert {f["function"] for f in out["functions"]} == {"hello", "list-buckets"}
    lam, iam, logs, s3 = client("lambda"), client("iam"), client("logs"), client("s3")
    cfg = lam.get_function(FunctionName=HELLO)
    assert cfg["Configuration"]["Handler"] == "app.lambda_handler"
    assert cfg["Configuration"]["Timeout"] == 10
    assert cfg["Tags"]["lambdactl:project"] == "lambdactl-demo"
    role = iam.get_role(RoleName=f"{HELLO}-role")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = iam.get_role_policy(RoleName=f"{HELLO}-role", PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    resources = [st["Resource"] for st in policy["Statement"]]
    assert "arn:aws:s3:::lambdactl-demo-uploads/*" in resources
    assert f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/{HELLO}:*" in resources
    assert "*" not in resources
    group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{HELLO}")["logGroups"][0]
    assert group["retentionInDays"] == 14
    perm = json.loads(lam.get_policy(FunctionName=HELLO)["Policy"])["Statement"]
    assert len(perm) == 1 and perm[0]["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:s3:::{BUCKET}"
    notif = s3.get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [n["Id"] for n in notif] == [f"lambdactl-{HELLO}-0"]
    assert s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"] == [{"Key": "lambdactl:project", "Value": "lambdactl-demo"}]
    state = json.loads(Path(".lambdactl/state.json").read_text())
    (target,) = state["targets"].values()
    assert {e["status"] for e in target["resources"].values()} == {"created"}


def test_second_up_makes_no_writes(aws: None, calls: Counter[str]) -> None:
    run("up")
    calls.clear()
    out = json.loads(run("-o", "json", "up").stdout)
    assert writes(calls) == {}
    assert sum(calls.values()) > 0  # it did read
    assert {f["status"] for f in out["functions"]} == {"unchanged"}


def test_code_change_updates_only_code(aws: None, calls: Counter[str], project: Path) -> None:
    run("up")
    (project / "functions/hello/app.py").write_text(
        (project / "functions/hello/app.py").read_text() + "\n# changed\n")
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionCode": 1}


def test_config_change_updates_only_that_field(aws: None, calls: Counter[str], project: Path) -> None:
    run("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128\ntimeout = 10\npolicy = \"policies/hello.json\"",
                                             "memory = 256\ntimeout = 10\npolicy = \"policies/hello.json\""))
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionConfiguration": 1}
    assert client("lambda").get_function(FunctionName=HELLO)["Configuration"]["MemorySize"] == 256


def test_step_commands_in_order(aws: None) -> None:
    run("role", "hello")
    run("deploy", "hello")
    run("wire", "hello")
    assert client("lambda").get_policy(FunctionName=HELLO)
    r = run("-o", "json", "plan")
    kinds = {(s["function"], s["kind"]) for s in json.loads(r.stdout)["steps"] if s["action"] != "keep"}
    assert all(fn == "list-buckets" for fn, _ in kinds)  # hello is converged


def test_deploy_without_role_says_what_to_run(aws: None) -> None:
    r = run("deploy", "hello", code=1)
    assert "run `lambdactl role hello`" in r.stderr
    assert "Traceback" not in r.stderr


def test_destroy_leaves_nothing_and_is_idempotent(aws: None, calls: Counter[str]) -> None:
    run("up")
    run("destroy", "--yes")
    lam, iam, logs, s3 = client("lambda"), client("iam"), client("logs"), client("s3")
    assert lam.list_functions()["Functions"] == []
    assert [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("lambdactl-demo")] == []
    assert logs.describe_log_groups()["logGroups"] == []
    assert s3.list_buckets()["Buckets"] == []
    calls.clear()
    r = run("destroy", "--yes")
    assert "nothing to remove" in r.stderr
    assert writes(calls) == {}


FOREIGN_QUEUE = "arn:aws:sqs:us-east-1:123456789012:foreign"
FOREIGN_TOPIC = "arn:aws:sns:us-east-1:123456789012:foreign"


def setup_foreign(s3, lam, iam) -> dict:  # type: ignore[no-untyped-def]
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="keep.txt", Body=b"user data")
    client("sqs").create_queue(QueueName="foreign")
    client("sns").create_topic(Name="foreign")
    role = iam.create_role(RoleName="other-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x.py", "def h(e, c): pass\n")
    other = lam.create_function(FunctionName="other", Runtime="python3.12", Role=role, Handler="x.h",
                                Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    config = {
        "QueueConfigurations": [{"Id": "q", "QueueArn": FOREIGN_QUEUE, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "queue/"}]}}}],
        "TopicConfigurations": [{"Id": "t", "TopicArn": FOREIGN_TOPIC, "Events": ["s3:ObjectRemoved:*"]}],
        "LambdaFunctionConfigurations": [{"Id": "other", "LambdaFunctionArn": other, "Events": ["s3:ObjectCreated:*"],
                                          "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "other/"}]}}}],
        "EventBridgeConfiguration": {},
    }
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=config)
    before = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    before.pop("ResponseMetadata")
    return before


def test_foreign_entries_identical_after_up_and_destroy(aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('events = ["s3:ObjectCreated:*"]',
                                             'events = ["s3:ObjectCreated:*"]\nprefix = "uploads/"'))
    s3, lam, iam = client("s3"), client("lambda"), client("iam")
    before = setup_foreign(s3, lam, iam)

    run("up")
    after_up = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    # moto 5.2 never returns EventBridgeConfiguration on read; that it is written back
    # unchanged is checked in tests/triggers/test_s3.py (the merge is pure).
    for kind in ("QueueConfigurations", "TopicConfigurations", "EventBridgeConfiguration"):
        assert after_up.get(kind) == before.get(kind)
    assert after_up["LambdaFunctionConfigurations"][0] == before["LambdaFunctionConfigurations"][0]
    assert len(after_up["LambdaFunctionConfigurations"]) == 2

    run("destroy", "--yes")
    after = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    after.pop("ResponseMetadata")
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
    # The user's bucket, object, function and role are untouched.
    assert s3.get_object(Bucket=BUCKET, Key="keep.txt")["Body"].read() == b"user data"
    assert lam.get_function(FunctionName="other")
    assert iam.get_role(RoleName="other-role")


def test_overlap_with_foreign_entry_refused_before_any_write(aws: None, calls: Counter[str]) -> None:
    s3, lam, iam = client("s3"), client("lambda"), client("iam")
    setup_foreign(s3, lam, iam)  # our trigger (no prefix) overlaps "queue/" and "other/"
    calls.clear()
    r = run("up", code=1)
    assert "overlaps the existing notification" in r.stderr
    assert writes(calls) == {}


def test_foreign_role_with_our_name_is_refused_and_kept(aws: None, calls: Counter[str]) -> None:
    iam = client("iam")
    iam.create_role(RoleName=f"{HELLO}-role", AssumeRolePolicyDocument="{}")
    calls.clear()
    r = run("up", code=1)
    assert "belongs to someone else" in r.stderr
    assert writes(calls) == {}
    run("destroy", "--yes")
    assert iam.get_role(RoleName=f"{HELLO}-role")


def test_destroy_after_partial_up(aws: None) -> None:
    run("role", "hello")
    run("destroy", "--yes")
    assert [r for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith("lambdactl-demo")] == []


def test_bad_config_creates_nothing(aws: None, project: Path, calls: Counter[str]) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128", "memory = 12", 1))
    r = run("up", code=2)
    assert r.stderr.count("\n") == 1 and "memory: 12 MB is out of range" in r.stderr
    assert sum(calls.values()) == 0


def test_no_credentials_message(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    r = run("plan", code=1)
    assert "no AWS credentials found" in r.stderr and "--target local" in r.stderr


def test_status_reports_drift(aws: None) -> None:
    run("up")
    run("status")
    client("lambda").update_function_configuration(FunctionName=HELLO, Timeout=99)
    r = run("-o", "json", "status", "hello", code=1)
    (doc,) = json.loads(r.stdout)["functions"]
    assert doc["deployed"] and any("Timeout" in d for d in doc["drift"])


def status_drift(fn: str) -> list[str]:
    r = run("-o", "json", "status", fn, code=1)
    (doc,) = json.loads(r.stdout)["functions"]
    return list(doc["drift"])


def test_status_says_what_was_deleted_or_changed_outside(aws: None, calls: Counter[str]) -> None:
    import io
    import zipfile

    run("up")
    client("logs").delete_log_group(logGroupName=f"/aws/lambda/{HELLO}")
    client("s3").put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "def lambda_handler(e, c): return 'edited in the console'\n")
    client("lambda").update_function_code(FunctionName=HELLO, ZipFile=buf.getvalue())
    calls.clear()
    drift = status_drift("hello")
    assert writes(calls) == {}
    assert any("log group" in d and "it is gone: deleted by hand, or by a `lambdactl destroy` run elsewhere" in d
               for d in drift), drift
    assert any("notification" in d for d in drift), drift
    assert any("code changed outside lambdactl" in d for d in drift), drift


def test_status_names_a_foreign_resource_on_our_name(aws: None) -> None:
    client("iam").create_role(RoleName=f"{HELLO}-role", AssumeRolePolicyDocument="{}")
    drift = status_drift("hello")
    assert len(drift) == 1 and "not ours" in drift[0] and f"{HELLO}-role" in drift[0]


def test_functions_sharing_a_bucket_keep_each_others_entries(aws: None, project: Path, calls: Counter[str]) -> None:
    body = '[project]\nname = "shared"\n'
    for i in range(4):
        body += (f'[functions.f{i}]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n'
                 f'[[functions.f{i}.triggers]]\nbucket = "shared-bucket"\nprefix = "p{i}/"\n')
    (project / "lambdactl.toml").write_text(body)
    run("up")  # four chains in parallel, one bucket: no entry may be lost
    assert calls["CreateBucket"] == 1 and "PutBucketTagging" not in calls  # the first chain makes it
    s3 = client("s3")
    assert s3.get_bucket_tagging(Bucket="shared-bucket")["TagSet"] == [{"Key": "lambdactl:project", "Value": "shared"}]
    ids = sorted(n["Id"] for n in s3.get_bucket_notification_configuration(Bucket="shared-bucket")["LambdaFunctionConfigurations"])
    assert ids == [f"lambdactl-shared-f{i}-0" for i in range(4)]
    run("destroy", "--yes")
    assert s3.list_buckets()["Buckets"] == []


# -- round trips: reads the journal makes unnecessary, account id cache --------
def test_cold_up_reads_only_what_could_refuse(aws: None, calls: Counter[str]) -> None:
    run("up")
    run("destroy", "--yes")  # the account id is cached now; the journal is empty
    calls.clear()
    run("up")
    reads = {op: n for op, n in calls.items() if not is_write(op)}
    # Roles, functions and the bucket could belong to someone else: read before any write.
    # Policies and the log group are only read when the journal knows them.
    assert reads == {"GetRole": 2, "GetFunction": 2, "GetBucketNotificationConfiguration": 1}
    assert writes(calls) == {
        "CreateRole": 2, "PutRolePolicy": 2, "CreateLogGroup": 2, "PutRetentionPolicy": 2,
        "CreateFunction": 2, "CreateBucket": 1, "AddPermission": 1,
        "PutBucketNotificationConfiguration": 1,
    }


SOLO = "crash-hello"          # HELLO_ONLY's function (project "crash")
SOLO_ROLE = f"{SOLO}-role"


@pytest.fixture
def solo(aws: None, project: Path) -> Path:
    (project / "lambdactl.toml").write_text(HELLO_ONLY)   # hello alone, as in the crash tests
    run("plan")  # the account id is cached, as after a user's first command
    return project


def test_one_function_cold_up_claims_its_role_in_ten_calls(solo: Path, calls: Counter[str]) -> None:
    """The only role the journal does not know is not read: CreateRole claims it."""
    run("up")
    assert {op: n for op, n in calls.items() if not is_write(op)} == {
        "GetFunction": 1, "GetBucketNotificationConfiguration": 1}
    assert writes(calls) == {
        "CreateRole": 1, "PutRolePolicy": 1, "CreateLogGroup": 1, "PutRetentionPolicy": 1,
        "CreateFunction": 1, "CreateBucket": 1, "AddPermission": 1,
        "PutBucketNotificationConfiguration": 1,
    }
    assert sum(calls.values()) == 10
    role = client("iam").get_role(RoleName=SOLO_ROLE)["Role"]
    assert {"Key": "lambdactl:project", "Value": "crash"} in role["Tags"]
    calls.clear()
    run("up")
    assert writes(calls) == {} and calls["GetRole"] == 1  # the journal knows it now: read


def test_claimed_role_taken_by_a_foreign_role_refuses_with_nothing_written(solo: Path, calls: Counter[str]) -> None:
    iam = client("iam")
    iam.create_role(RoleName=SOLO_ROLE, AssumeRolePolicyDocument="{}", Description="theirs")
    calls.clear()
    r = run("up", code=1)
    assert "belongs to someone else" in r.stderr and SOLO_ROLE in r.stderr
    # The refused CreateRole changed nothing, and nothing else was sent.
    assert writes(calls) == {"CreateRole": 1}
    role = iam.get_role(RoleName=SOLO_ROLE)["Role"]
    assert role["Description"] == "theirs" and not role.get("Tags")
    assert iam.list_role_policies(RoleName=SOLO_ROLE)["PolicyNames"] == []
    assert client("lambda").list_functions()["Functions"] == []
    assert client("s3").list_buckets()["Buckets"] == []
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert "role" not in (solo / ".lambdactl" / "state.json").read_text()
    run("destroy", "--yes")
    assert iam.get_role(RoleName=SOLO_ROLE)["Role"]["Description"] == "theirs"


def test_claim_whose_answer_was_lost_is_retried_and_adopted(solo: Path, calls: Counter[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """CreateRole succeeds but its answer is lost (a 500 after the fact): botocore retries,
    IAM answers EntityAlreadyExists, and the role, tagged ours, is used."""
    import botocore.endpoint
    from botocore.awsrequest import AWSResponse

    original = botocore.endpoint.Endpoint._do_get_response
    lost: list[str] = []

    def lose_first_create_role(self, request, operation_model, context):  # type: ignore[no-untyped-def]
        result = original(self, request, operation_model, context)
        if operation_model.name == "CreateRole" and not lost:
            lost.append("CreateRole")
            parsed = {"Error": {"Code": "InternalFailure", "Message": "lost"},
                      "ResponseMetadata": {"HTTPStatusCode": 500, "HTTPHeaders": {}}}
            return (AWSResponse(request.url, 500, {}, result[0][0].raw), parsed), None  # raw: read already
        return result

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_do_get_response", lose_first_create_role)
    run("up")
    assert lost and calls["CreateRole"] == 1 and calls["GetRole"] == 1  # one call, two attempts
    assert client("lambda").get_function(FunctionName=SOLO)["Configuration"]["Role"].endswith(SOLO_ROLE)
    run("destroy", "--yes")
    assert [r for r in client("iam").list_roles()["Roles"] if r["RoleName"] == SOLO_ROLE] == []


def test_claimed_role_that_is_ours_without_a_journal_is_adopted(solo: Path, calls: Counter[str]) -> None:
    """A crash after CreateRole, then the journal lost: the role carries our tag."""
    run("role", "hello")
    client("iam").delete_role_policy(RoleName=SOLO_ROLE, PolicyName="lambdactl-us-east-1")
    (solo / ".lambdactl" / "state.json").unlink()
    calls.clear()
    run("up")
    assert calls["CreateRole"] == 1 and calls["GetRole"] == 1 and calls["PutRolePolicy"] == 1
    assert client("lambda").get_function(FunctionName=SOLO)["Configuration"]["Role"].endswith(SOLO_ROLE)
    run("destroy", "--yes")
    assert [r for r in client("iam").list_roles()["Roles"] if r["RoleName"] == SOLO_ROLE] == []


def test_account_id_is_asked_once_per_access_key(aws: None, calls: Counter[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"AKIA{uuid.uuid4().hex[:16].upper()}")  # never seen
    run("up")
    assert calls["GetCallerIdentity"] == 1
    calls.clear()
    run("up")
    assert calls["GetCallerIdentity"] == 0
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"AKIA{uuid.uuid4().hex[:16].upper()}")
    run("up")
    assert calls["GetCallerIdentity"] == 1  # another key may be another account


def test_deployed_from_elsewhere_no_op_makes_no_writes(aws: None, calls: Counter[str], project: Path) -> None:
    """CI on a fresh clone: no journal, everything deployed and converged."""
    run("up")
    (project / ".lambdactl" / "state.json").unlink()
    calls.clear()
    out = json.loads(run("-o", "json", "up").stdout)
    assert writes(calls) == {}
    assert {f["status"] for f in out["functions"]} == {"unchanged"}
    assert calls["GetPolicy"] == 1 and calls["DescribeLogGroups"] == 2  # read in the second round


def test_destroy_drops_our_empty_bucket_without_unhooking(aws: None, calls: Counter[str]) -> None:
    run("up")
    calls.clear()
    run("destroy", "--yes")
    assert "PutBucketNotificationConfiguration" not in calls  # it goes with the bucket
    assert calls["DeleteBucket"] == 1
    assert client("s3").list_buckets()["Buckets"] == []


def test_destroy_keeps_our_bucket_with_objects_and_unhooks(aws: None) -> None:
    run("up")
    s3 = client("s3")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/user.txt", Body=b"user data")
    r = run("destroy", "--yes")
    assert "kept" in r.stderr and "not empty" in r.stderr
    assert s3.get_object(Bucket=BUCKET, Key="elsewhere/user.txt")["Body"].read() == b"user data"
    left = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    assert left.get("LambdaFunctionConfigurations", []) == []
    # The tutorial's loop (up, upload, destroy): --delete-data takes the bucket we
    # made with what was uploaded to it, saying how much; a second run has nothing to do.
    s3.put_object(Bucket=BUCKET, Key="b.txt", Body=b"two")
    r = run("destroy", "--yes", "--delete-data")
    assert f"bucket {BUCKET}: tagged lambdactl:project" in r.stderr and "with its 2 object(s)" in r.stderr
    assert s3.list_buckets()["Buckets"] == []
    assert "nothing to remove" in run("destroy", "--yes", "--delete-data").stderr


def test_destroy_delete_data_keeps_what_is_not_ours_to_empty(aws: None) -> None:
    """--delete-data empties only a bucket we created that holds nothing foreign:
    a bucket of the user's keeps every object; ours with their queue entry too."""
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)               # the user's, before the first up
    s3.put_object(Bucket=BUCKET, Key="theirs.txt", Body=b"x")
    run("up")
    run("destroy", "--yes", "--delete-data")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["theirs.txt"]
    s3.delete_object(Bucket=BUCKET, Key="theirs.txt")
    s3.delete_bucket(Bucket=BUCKET)
    run("up")                                     # made by us this time, then used by someone else too
    s3.put_object(Bucket=BUCKET, Key="theirs.txt", Body=b"x")
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [
        {"Id": "theirs", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"]}]})
    r = run("destroy", "--yes", "--delete-data")
    assert "lambdactl did not create: theirs" in r.stderr
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["theirs.txt"]


def test_permanent_error_stops_one_chain_the_others_finish(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    original = botocore.client.BaseClient._make_api_call

    def refuse_hello(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name == "CreateFunction" and api_params.get("FunctionName") == HELLO:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed here"}},
                              operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse_hello)
    r = run("-o", "json", "up", code=1)
    by_fn = {f["function"]: f for f in json.loads(r.stdout)["functions"]}
    assert by_fn["hello"]["status"] == "failed"
    assert "CreateFunction failed: AccessDeniedException: not allowed here" in by_fn["hello"]["error"]
    assert by_fn["list-buckets"]["status"] == "changed" and by_fn["list-buckets"]["error"] is None
    # Which steps were carried out: hello's role (the log group and bucket ran alongside,
    # and finish once started), none of what needed the function.
    done = {s["kind"]: s["done"] for s in by_fn["hello"]["steps"]}
    assert done["role"] and not any(done[k] for k in ("function", "permission", "notification"))
    assert all(s["done"] for s in by_fn["list-buckets"]["steps"])
    made = sum(done.values())
    assert f"1 of 2 function(s) failed: hello ({made} of 6 changes made (role" in r.stderr
    names = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    assert names == ["lambdactl-demo-list-buckets"]  # hello's chain stopped; the other finished
    # The bucket step may not have started when the function failed (then it is skipped: no bucket).
    if done["bucket"]:
        assert not client("s3").get_bucket_notification_configuration(Bucket=BUCKET).get("LambdaFunctionConfigurations")
    else:
        assert BUCKET not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    run("up")  # the cause fixed: the next up converges
    assert client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]


def test_verbose_timing_measures_the_whole_command(aws: None) -> None:
    """-v's "N s; API calls" is the command's time, not the apply phase's (a no-op said 0.00 s)."""
    import re

    run("up")
    r = run("-v", "up")
    seconds = float(re.search(r"([0-9.]+) s; API calls", r.stderr).group(1))  # type: ignore[union-attr]
    assert seconds >= 0.01


def test_cold_up_asks_the_account_id_alongside_its_first_reads(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """No account id cached: GetCallerIdentity goes out with the first reads, not a round
    trip before them. It waits (up to 5 s) for a read to start: asked first, none would."""
    import threading
    import uuid

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"AKIA{uuid.uuid4().hex[:16].upper()}")   # never seen
    original = botocore.client.BaseClient._make_api_call
    read_started, overlapped = threading.Event(), []

    def watch(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name == "GetCallerIdentity":
            overlapped.append(read_started.wait(5))
        elif operation_name in ("GetFunction", "GetBucketNotificationConfiguration"):
            read_started.set()
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", watch)
    run("up")
    assert overlapped == [True]
