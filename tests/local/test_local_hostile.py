"""Hostile handlers against the sandbox, second round (issue 12): what a handler can do
with its own role's credentials beyond what its policies allow.

One sandbox of this module's own (not the session's): a test that fails here may have
wiped or escalated in it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control
from lambdactl.local.inventory import REGIONS_PATH, signed_get
from lambdactl.local.scheduler import TICK_PATH
from tests.local.conftest import own_sandbox, package

Make = Callable[..., str]


@pytest.fixture(scope="module")
def own(sandbox_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[control.SandboxInfo]:
    with own_sandbox(tmp_path_factory, "hostile-home") as info:
        yield info


def role(info: control.SandboxInfo, statements: list[dict[str, Any]]) -> str:
    """A role Lambda may assume, with STATEMENTS as its only (inline) policy."""
    iam, name = control.client(info, "iam"), f"hostile-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    return str(arn)


def allow(actions: list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


@pytest.fixture(scope="module")
def make(own: control.SandboxInfo) -> Make:
    def create(handler: str, role_arn: str) -> str:
        name = f"hostile-{uuid.uuid4().hex[:8]}"
        control.client(own, "lambda").create_function(
            FunctionName=name, Runtime="python3.11", Role=role_arn, Handler=f"hostile.{handler}",
            Code={"ZipFile": package("hostile.py")})
        return name

    return create


def run(info: control.SandboxInfo, name: str, event: dict[str, Any]) -> Any:
    answer = control.client(info, "lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    return body


@pytest.fixture(scope="module")
def logs_only(own: control.SandboxInfo, make: Make) -> str:
    """The lead's hostile handler: its role allows only logs."""
    return make("raw", role(own, [allow(["logs:*"])]))


def test_moto_api_is_refused_to_a_handler_and_resets_nothing(
    own: control.SandboxInfo, logs_only: str
) -> None:
    s3 = control.client(own, "s3")
    s3.create_bucket(Bucket="hostile-victim")
    requests = [["GET", "/moto-api/data.json", "sts", "us-east-1"],       # every session's secret
                ["POST", "/moto-api/reset-auth", "sts", "us-east-1"],
                ["GET", "/latest/meta-data/iam/security-credentials/", "sts", "us-east-1"],
                # the instance metadata backend, reached through a forged credential scope
                ["GET", "/iam/security-credentials/", "169", "254.169.254"],
                # a scope moto's dispatcher reads as its own motoapi host
                ["POST", "/moto-api/reset", "motoapi", "amazonaws.com"],
                ["POST", "/moto-api/reset", "sts", "us-east-1"]]
    answers = run(own, logs_only, {"requests": requests})
    assert [status for status, _ in answers] == [403] * len(requests), answers
    assert all("AccessDenied" in body for _, body in answers), answers
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["hostile-victim"]
    assert logs_only in [f["FunctionName"] for f in control.client(own, "lambda").list_functions()["Functions"]]


def test_moto_api_is_refused_to_the_sandboxs_own_key_too(own: control.SandboxInfo) -> None:
    """lambdactl never calls it, and `local env` hands the key to scripts: a fresh sandbox
    is `local stop` then `local start`."""
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    control.client(own, "s3").create_bucket(Bucket="hostile-kept")
    request = AWSRequest(method="POST", url=f"{own.endpoint}/moto-api/reset", data=b"")
    SigV4Auth(Credentials(own.access_key_id, own.secret_access_key), "s3", "us-east-1").add_auth(request)
    signed = urllib.request.Request(request.url, method="POST", headers=dict(request.headers.items()))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(signed, timeout=10)
    assert err.value.code == 403
    assert "not an AWS API" in err.value.read().decode()
    assert "hostile-kept" in [b["Name"] for b in control.client(own, "s3").list_buckets()["Buckets"]]


def test_the_sandboxs_own_endpoints_are_refused_to_role_sessions(
    own: control.SandboxInfo, logs_only: str
) -> None:
    requests = [["GET", REGIONS_PATH, "sts", "us-east-1"],
                ["POST", f"{TICK_PATH}?minutes=10080", "sts", "us-east-1"]]
    answers = run(own, logs_only, {"requests": requests})
    assert [status for status, _ in answers] == [403, 403], answers
    assert all("only the sandbox's own credentials" in body for _, body in answers), answers
    assert "us-east-1" in signed_get(own, REGIONS_PATH)   # lambdactl's own key still may


@pytest.fixture(scope="module")
def admin_role(own: control.SandboxInfo) -> str:
    """Another project's role: it may do anything, and only Lambda may assume it."""
    return role(own, [allow(["*"])])


def attempt(info: control.SandboxInfo, name: str, victim: dict[str, str], *tries: str) -> dict[str, Any]:
    return dict(run(info, name, {"victim": victim, "tries": list(tries)}))


def test_assuming_another_projects_role_is_denied_by_its_trust_policy(
    own: control.SandboxInfo, make: Make, admin_role: str
) -> None:
    """Its trust policy names lambda.amazonaws.com: AccessDenied, as STS answers (moto
    raised TypeError on a trust policy with no AWS principal: HTTP 500)."""
    name = make("attempts", role(own, [allow(["sts:AssumeRole"])]))
    assert attempt(own, name, {"role": admin_role}, "assume_role") == {"assume_role": "AccessDenied"}


def test_creating_a_function_with_a_role_needs_pass_role_on_it(
    own: control.SandboxInfo, make: Make, admin_role: str
) -> None:
    """Else lambda:CreateFunction alone runs code as any role of the account."""
    without = make("attempts", role(own, [allow(["lambda:CreateFunction"])]))
    assert attempt(own, without, {"role": admin_role}, "pass_role") == {"pass_role": "AccessDeniedException"}
    lam = control.client(own, "lambda")
    assert "escalated" not in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    passing = make("attempts", role(own, [allow(["lambda:CreateFunction"]),
                                          allow(["iam:PassRole"], admin_role)]))
    assert attempt(own, passing, {"role": admin_role}, "pass_role") == {"pass_role": "ok"}


def test_invoke_is_decided_on_lambda_invoke_function_and_the_functions_arn(
    own: control.SandboxInfo, make: Make, logs_only: str
) -> None:
    """A policy written as AWS wants it (lambda:InvokeFunction on one function's ARN)
    allows that function and no other (moto checked lambda:Invoke on "*")."""
    lam = control.client(own, "lambda")
    target = lam.get_function(FunctionName=logs_only)["Configuration"]["FunctionArn"]
    caller = make("attempts", role(own, [allow(["lambda:InvokeFunction"], target)]))
    assert attempt(own, caller, {"function": logs_only}, "invoke") == {"invoke": "ok"}
    assert attempt(own, caller, {"function": caller}, "invoke") == {"invoke": "AccessDeniedException"}


def test_expired_session_credentials_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A role session is not valid forever: past its expiration, STS's ExpiredToken."""
    import datetime

    import boto3
    from moto import mock_aws
    from moto.sts.models import sts_backends

    from lambdactl.local.auth import Refused
    from lambdactl.local.enforce import role_session, session_credentials

    with mock_aws():
        arn = boto3.client("iam").create_role(
            RoleName="expiring", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        creds = role_session("123456789012", arn, "fn")
        assert session_credentials(creds.access_key_id) == creds
        session = sts_backends["123456789012"]["aws"].get_assumed_role_from_access_key(creds.access_key_id)
        assert session is not None
        session.expiration -= datetime.timedelta(hours=13)
        with pytest.raises(Refused) as refused:
            session_credentials(creds.access_key_id)
        assert refused.value.code == "ExpiredToken"


def test_an_aws_iam_function_url_answers_only_roles_allowed_invoke_function_url(
    own: control.SandboxInfo, make: Make, logs_only: str
) -> None:
    """As Lambda: a role session's signature alone is not enough (any handler could
    call every AWS_IAM URL of the sandbox); its policies must allow lambda:InvokeFunctionUrl."""
    lam = control.client(own, "lambda")
    target = make("hello", role(own, [allow(["logs:*"])]))
    url = lam.create_function_url_config(FunctionName=target, AuthType="AWS_IAM")["FunctionUrl"]
    path = "/lambda-url/" + url.split("//", 1)[1].split(".", 1)[0] + "/"
    arn = lam.get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    allowed = make("raw", role(own, [allow(["lambda:InvokeFunctionUrl"], arn)]))
    request = [["GET", path, "lambda", "us-east-1"]]
    assert run(own, logs_only, {"requests": request}) == [[403, '{"Message":"Forbidden"}']]
    assert run(own, allowed, {"requests": request}) == [[200, "hello"]]


def _rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:", 1)[1].split()[0]) // 1024


def test_a_handler_printing_without_end_does_not_grow_the_sandbox(own: control.SandboxInfo, make: Make) -> None:
    """Lambda's CloudWatch keeps it all; the sandbox keeps it in its own memory: the newest
    ~32 MB of a log group (logcap.py), and moto's tracking of every object it made is off.
    Before: each 40 MB printed stayed in the server for good (+~50 MB of RSS)."""
    from lambdactl.local.logcap import CAP

    name = make("flood", role(own, [allow(["logs:*"])]))
    logs, group = control.client(own, "logs"), f"/aws/lambda/{name}"
    grown = []
    for _ in range(2):
        before = _rss_mb(own.pid)
        answer = control.client(own, "lambda").invoke(FunctionName=name, Payload=b'{"mb": 40}')
        assert answer["Payload"].read() == b'"flooded"'
        grown.append(_rss_mb(own.pid) - before)
    assert grown[1] < 20, grown   # the second flood reuses what the first one freed
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert sum(s["storedBytes"] for s in streams) <= CAP
    def found(word: str) -> int:
        return len(logs.filter_log_events(logGroupName=group, filterPattern=word)["events"])

    assert found("last-line") == 1    # the newest lines (the second flood's end) are kept
    assert found("first-line") == 0   # 40 MB back: dropped


def test_an_invocations_lines_keep_only_what_log_type_tail_returns() -> None:
    """Invoke's LogType=Tail is the last 4 KB: the server held every line of the
    invocation until it ended (100 MB printed, 100 MB held)."""
    from lambdactl.local.invocation import TAIL_BYTES, InvokeResult, Tail

    lines, every = Tail(), []
    for i in range(20000):
        batch = [f"line {i} " + "x" * (i % 700)]
        lines.add(batch)
        every += batch
    assert len(lines) < 300 and sum(map(len, lines)) < 300 * 700
    assert InvokeResult("r", b"", None, lines).log_tail == InvokeResult("r", b"", None, every).log_tail
    assert len(InvokeResult("r", b"", None, lines).log_tail.encode()) == TAIL_BYTES


def test_reserved_concurrency_throttles_as_lambda_does(own: control.SandboxInfo, make: Make) -> None:
    """moto only recorded it: a function reserved to 1 ran as many invocations at once as
    it was sent. Now a synchronous one past it is 429 TooManyRequestsException; an Event
    one waits its turn, then runs."""
    import threading
    import time

    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    lam, logs = control.client(own, "lambda"), control.client(own, "logs")
    name = make("nap", role(own, [allow(["logs:*"])]))
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    other = control.client(own, "lambda")   # made here: a client takes a while to make
    first = threading.Thread(target=lambda: other.invoke(FunctionName=name, Payload=b'{"s": 2.2, "tag": "first"}'))
    first.start()
    time.sleep(1.2)   # the first one is running (cold start included)
    once = boto3.client("lambda", endpoint_url=own.endpoint, region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1}), **own.credentials)
    with pytest.raises(ClientError) as err:   # (botocore retries a throttle: not here)
        once.invoke(FunctionName=name, Payload=b'{"tag": "second"}')
    assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"tag": "queued"}')["StatusCode"] == 202
    first.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="napped")["events"]
        if len(events) == 2:
            break
        time.sleep(0.1)
    assert sorted(e["message"].split()[-1] for e in events) == ["first", "queued"]
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError, match="TooManyRequestsException"):
        once.invoke(FunctionName=name, Payload=b"{}")


def _signed_put(own: control.SandboxInfo, extra: str, body: bytes) -> bytes:
    """A PUT of an S3 object signed with the sandbox's key (UNSIGNED-PAYLOAD, as a role
    session's could be), EXTRA headers and the start of BODY sent raw; the answer's start."""
    import socket

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="PUT", url=f"{own.endpoint}/hostile-kept/k",
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    S3SigV4Auth(Credentials(own.access_key_id, own.secret_access_key), "s3", "us-east-1").add_auth(request)
    head = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    with socket.create_connection(("127.0.0.1", own.port), timeout=5) as sock:
        sock.sendall(f"PUT /hostile-kept/k HTTP/1.1\r\nHost: 127.0.0.1:{own.port}\r\n{head}{extra}\r\n".encode() + body)
        return sock.recv(200)


def test_request_bodies_are_bounded_before_they_are_read(own: control.SandboxInfo) -> None:
    """A chunked body announcing 0xFFFFFFFFFFFF bytes, then closing, killed the server
    (SIGSEGV in werkzeug's DechunkedInput); a Content-Length of 300 MB made it allocate
    300 MB and wait for them. Both are answered at once, the body unread, as S3 answers."""
    import os

    control.client(own, "s3").create_bucket(Bucket="hostile-kept")
    rss = _rss_mb(own.pid)
    answer = _signed_put(own, "Transfer-Encoding: chunked\r\n", b"FFFFFFFFFFFF\r\nabc")
    assert answer.startswith(b"HTTP/1.1 411 ") and b"MissingContentLength" in answer
    answer = _signed_put(own, f"Content-Length: {300 << 20}\r\n", b"a" * 100_000)
    assert answer.startswith(b"HTTP/1.1 413 ") and b"RequestEntityTooLarge" in answer
    os.kill(own.pid, 0)   # alive
    assert _rss_mb(own.pid) - rss < 50
    assert control.client(own, "s3").list_buckets()["Buckets"]


def test_a_bucket_policy_granting_the_role_is_honoured_as_aws_does(own: control.SandboxInfo, make: Make) -> None:
    """Within an account a resource-based policy alone grants access: the role allows only
    logs, the bucket's policy lets it GetObject (moto weighed identity policies only)."""
    s3 = control.client(own, "s3")
    caller_role = role(own, [allow(["logs:*"])])
    name = make("attempts", caller_role)
    for bucket, grantee in (("hostile-shared", caller_role), ("hostile-others", role(own, [allow(["logs:*"])]))):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": grantee}, "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert attempt(own, name, {"bucket": "hostile-shared"}, "get_object") == {"get_object": "ok"}
    assert attempt(own, name, {"bucket": "hostile-others"}, "get_object") == {"get_object": "AccessDenied"}


def _bucket(own: control.SandboxInfo, name: str, statements: list[dict[str, Any]]) -> None:
    s3 = control.client(own, "s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


def test_an_explicit_deny_anywhere_wins_over_an_allow_anywhere(own: control.SandboxInfo, make: Make) -> None:
    """AWS: an explicit Deny in the identity's policy or the bucket's wins. The bucket's Allow
    let a role read what its own policy explicitly denied, and the bucket's Deny did not
    stop a list its role allowed (moto applied a bucket's Deny to object calls only)."""
    deny_get = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    denied_role = role(own, [allow(["logs:*"]), deny_get])
    _bucket(own, "hostile-granting", [{"Effect": "Allow", "Principal": {"AWS": denied_role},
                                       "Action": ["s3:GetObject", "s3:ListBucket"],
                                       "Resource": ["arn:aws:s3:::hostile-granting", "arn:aws:s3:::hostile-granting/*"]}])
    name = make("attempts", denied_role)
    assert attempt(own, name, {"bucket": "hostile-granting"}, "get_object", "list_objects") == {
        "get_object": "AccessDenied", "list_objects": "ok"}

    allowed_role = role(own, [allow(["s3:*"])])
    _bucket(own, "hostile-denying", [{"Effect": "Deny", "Principal": {"AWS": allowed_role},
                                      "Action": ["s3:ListBucket", "s3:PutObject"],
                                      "Resource": ["arn:aws:s3:::hostile-denying", "arn:aws:s3:::hostile-denying/*"]}])
    name = make("attempts", allowed_role)
    assert attempt(own, name, {"bucket": "hostile-denying"}, "list_objects", "put_object", "get_object") == {
        "list_objects": "AccessDenied", "put_object": "AccessDenied", "get_object": "ok"}
    s3 = control.client(own, "s3")   # lambdactl's own key: the Deny names another (moto refused it too)
    s3.put_object(Bucket="hostile-denying", Key="mine", Body=b"x")
    assert s3.list_objects_v2(Bucket="hostile-denying")["KeyCount"] == 2


def test_an_sqs_mapping_needs_a_role_that_may_poll_the_queue(own: control.SandboxInfo, make: Make) -> None:
    """Lambda refuses CreateEventSourceMapping when the function's role may not call
    ReceiveMessage, DeleteMessage and GetQueueAttributes on the queue; the sandbox took it
    and polled the queue for a role allowed nothing of it."""
    from botocore.exceptions import ClientError

    lam, sqs = control.client(own, "lambda"), control.client(own, "sqs")
    url = sqs.create_queue(QueueName=f"hostile-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    polls = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    for actions, refused in ((["logs:*"], "ReceiveMessage"), (polls[:2], "GetQueueAttributes")):
        name = make("hello", role(own, [allow(actions, queue if actions != ["logs:*"] else "*")]))
        with pytest.raises(ClientError) as err:
            lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue)
        assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert err.value.response["Error"]["Message"] == (
            f"The function execution role does not have permissions to call {refused} on SQS")
    assert lam.list_event_source_mappings(EventSourceArn=queue)["EventSourceMappings"] == []
    name = make("hello", role(own, [allow(polls, queue)]))
    assert lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue)["State"]


def test_s3_and_dynamodb_calls_are_checked_as_the_iam_actions_aws_checks(own: control.SandboxInfo, make: Make) -> None:
    """Each call is decided on the action AWS checks (the service authorization reference),
    not on moto's name for it: a least-privilege policy was denied what AWS allows, and a
    CopyObject read a bucket the role may not read."""
    s3, ddb = control.client(own, "s3"), control.client(own, "dynamodb")
    for bucket in ("hostile-mine", "hostile-secret"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    table = ddb.create_table(TableName="hostile-t", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")["TableDescription"]["TableArn"]
    mine = "arn:aws:s3:::hostile-mine"
    name = make("attempts", role(own, [allow(["s3:ListBucket"], mine), allow(["s3:PutObject", "s3:DeleteObject"], mine + "/*"),
                                       allow(["dynamodb:PutItem"], table)]))
    answers = attempt(own, name, {"bucket": "hostile-mine", "source": "hostile-secret", "table": "hostile-t"},
                      "head_bucket", "copy_in", "public_access_block", "delete_objects", "transact_put")
    assert answers == {
        "head_bucket": "ok",                     # s3:ListBucket (moto: HeadBucket, denied)
        "copy_in": "AccessDenied",               # and s3:GetObject on the source (moto: PutObject only)
        "public_access_block": "AccessDenied",   # s3:GetBucketPublicAccessBlock (moto: ListBucket)
        "delete_objects": "ok",                  # s3:DeleteObject on each key (moto: on the bucket)
        "transact_put": "ok",                    # dynamodb:PutItem on the table (moto: TransactWriteItems)
    }, answers
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="hostile-mine").get("Contents", [])] == []


def _signed_post(own: control.SandboxInfo, service: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=f"{own.endpoint}/", data=body.encode(), headers=headers)
    SigV4Auth(Credentials(own.access_key_id, own.secret_access_key), service, "us-east-1").add_auth(request)
    signed = urllib.request.Request(request.url, data=body.encode(), method="POST",
                                    headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(signed, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_an_unknown_or_unimplemented_action_is_an_aws_error_not_a_500(own: control.SandboxInfo) -> None:
    """Any signed caller (a handler's role too) made moto raise and Flask answer an HTML
    500, which botocore retried with backoff. AWS answers an unknown action with a 400;
    an action moto lacks is said as such, in one line botocore parses and does not retry."""
    json_call = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.Nope"}
    status, body = _signed_post(own, "dynamodb", "{}", json_call)
    assert (status, json.loads(body)["__type"]) == (400, "UnknownOperationException"), body
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = _signed_post(own, "iam", "Action=Nope&Version=2010-05-08", form)
    assert status == 400 and "<Code>InvalidAction</Code>" in body, body
    with pytest.raises(Exception) as err:   # a real SSM call moto has not written
        control.client(own, "ssm").list_ops_item_events()
    meta = err.value.response["ResponseMetadata"]   # type: ignore[attr-defined]
    assert err.value.response["Error"]["Code"] == "NotImplemented"   # type: ignore[attr-defined]
    assert (meta["HTTPStatusCode"], meta["RetryAttempts"]) == (501, 0)
    assert "does not implement" in str(err.value) and "list_ops_item_events" in str(err.value)
