"""The sandbox's pure pieces, without a server."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lambdactl.local import patch, s3_policy, strict
from lambdactl.local.cwlogs import stream_name
from lambdactl.local.output import MAX_LINE, OutputReader
from lambdactl.local.runtime import FunctionSpec, InvokeResult, sandbox_error, unsupported


def test_filter_rule_names_are_lowercased_in_bytes_and_text() -> None:
    xml = "<FilterRule><Name>Prefix</Name><Value>Prefix/</Value></FilterRule>"
    xml += "<FilterRule><Name> SUFFIX </Name><Value>.txt</Value></FilterRule>"
    expected = "<FilterRule><Name>prefix</Name><Value>Prefix/</Value></FilterRule>"
    expected += "<FilterRule><Name>suffix</Name><Value>.txt</Value></FilterRule>"
    assert strict.normalise_filter_names(xml) == expected
    assert strict.normalise_filter_names(xml.encode()) == expected.encode()


def test_trust_policy_must_name_lambda() -> None:
    lambda_trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
            }
        ]
    }
    ec2_trust = json.loads(json.dumps(lambda_trust).replace("lambda", "ec2"))
    assert strict.trusts_lambda(json.dumps(lambda_trust))
    assert not strict.trusts_lambda(json.dumps(ec2_trust))
    assert not strict.trusts_lambda("not json")


def test_s3_statement_matching() -> None:
    bucket = "arn:aws:s3:::uploads"
    base = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
    }
    arn_like = {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::upl*"}}
    account = {"StringEquals": {"AWS:SourceAccount": "123456789012"}}
    assert s3_policy._allows(base, "s3.amazonaws.com", bucket, "123456789012")  # no condition: any bucket
    assert s3_policy._allows(base | {"Condition": arn_like | account}, "s3.amazonaws.com", bucket, "123456789012")
    other = {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::other"}}
    assert not s3_policy._allows(base | {"Condition": other}, "s3.amazonaws.com", bucket, "123456789012")
    assert not s3_policy._allows(base | {"Condition": account}, "s3.amazonaws.com", bucket, "999999999999")
    sns = base | {"Principal": {"Service": "sns.amazonaws.com"}}
    assert not s3_policy._allows(sns, "s3.amazonaws.com", bucket, "123456789012")
    assert not s3_policy._allows(base | {"Effect": "Deny"}, "s3.amazonaws.com", bucket, "123456789012")


def test_invocation_type_of_http_and_internal_calls() -> None:
    class Headers(dict):  # stands in for werkzeug's headers object
        pass

    assert patch._invocation_type(Headers({"X-Amz-Invocation-Type": "Event"})) == "Event"
    assert patch._invocation_type(Headers()) == "RequestResponse"
    assert patch._invocation_type({}) == "RequestResponse"  # not from a push source

    def _invoke_awslambda() -> str:  # named like moto's S3 notification helper
        return patch._invocation_type({})

    assert _invoke_awslambda() == "Event"


def test_log_tail_is_the_last_4_kb() -> None:
    lines = [f"line {i:04d} " + "x" * 90 for i in range(100)]
    result = InvokeResult("rid", b"{}", None, lines)
    tail = base64.b64decode(result.log_result).decode()
    assert len(tail.encode()) == 4096
    assert tail.endswith(lines[-1] + "\n")


def test_stream_name_looks_like_lambdas() -> None:
    name = stream_name("$LATEST", datetime(2024, 5, 1, tzinfo=UTC))
    assert re.fullmatch(r"2024/05/01/\[\$LATEST\][0-9a-f]{32}", name)


def test_sandbox_error_payload() -> None:
    body = json.loads(sandbox_error("abc", "Sandbox.Timedout", "Task timed out after 1.00 seconds"))
    assert body == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: abc Error: Task timed out after 1.00 seconds",
    }


def test_unsupported_functions() -> None:
    spec = FunctionSpec(
        "f", "arn", "$LATEST", "1", "us-east-1", "a.b", "python3.11", 128, 3, code=b"z"
    )
    assert unsupported(spec) is None
    node = FunctionSpec("f", "arn", "$LATEST", "1", "us-east-1", "a.b", "nodejs20.x", 128, 3)
    problem = unsupported(node) or ""
    assert "Python functions and custom runtimes (provided.al2023, provided.al2) only" in problem


CHILD = """
import sys
for i in range(3):
    print(i)
print("no newline", end="")
sys.stdout.flush()
sys.stderr.write("written\\n")
sys.stderr.flush()
input()
"""


def test_output_reader_drain_is_a_barrier() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None and child.stdin is not None
    lines: list[str] = []
    reader = OutputReader(child.stdout, lines.append, "test-reader")
    assert child.stderr.readline() == b"written\n"  # stdout has been written by now
    reader.drain()
    assert lines == ["0", "1", "2", "no newline"]
    child.stdin.close()
    child.wait()
    child.stderr.close()
    reader.join()
    reader.drain()  # after end of file: returns at once


def test_error_report_lines_stay_one_event() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "print('[ERROR] X: y\\rTraceback\\r  line')"],
        stdout=subprocess.PIPE,
    )
    lines: list[str] = []
    assert child.stdout is not None
    reader = OutputReader(child.stdout, lines.append, "test-reader")
    child.wait()
    reader.join()
    assert lines == ["[ERROR] X: y\nTraceback\n  line"]


def _rule(events: list[str], prefix: str = "", suffix: str = "") -> dict[str, object]:
    rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix)) if v]
    return (
        {"Event": events, "Filter": {"S3Key": {"FilterRule": rules}}}
        if rules
        else {"Event": events}
    )


def test_overlapping_notification_rules() -> None:
    def check(first: dict[str, object], second: dict[str, object]) -> str | None:
        return strict.overlap_problem({"CloudFunctionConfiguration": [first, second]})

    created, put = ["s3:ObjectCreated:*"], ["s3:ObjectCreated:Put"]
    assert check(_rule(created), _rule(put)) == strict.OVERLAP_SAME
    assert check(_rule(created, "a/"), _rule(put, "a/b/")) == strict.OVERLAP_AMBIGUOUS
    assert check(_rule(created, "a/"), _rule(created, "b/")) is None
    assert check(_rule(created, "a/", ".jpg"), _rule(created, "a/", ".png")) is None
    assert check(_rule(created), _rule(["s3:ObjectRemoved:*"])) is None
    topic = {"TopicConfiguration": [_rule(created)], "QueueConfiguration": [_rule(put)]}
    assert strict.overlap_problem(topic) == strict.OVERLAP_SAME


def test_runtime_libs_hold_the_runtime_client_and_boto3_only(tmp_path: Path) -> None:
    from lambdactl.local.pythons import runtime_libs

    names = {p.name for p in runtime_libs(tmp_path / "libs").iterdir()}
    assert {"awslambdaric", "boto3", "botocore", "s3transfer", "jmespath", "dateutil"} <= names
    assert not names & {"click", "rich", "moto", "flask", "lambdactl", "pytest"}


def test_a_30_mb_line_is_read_in_linear_time_and_capped_like_lambda() -> None:
    """Re-joining the partial line on every 64 KB read made one 30 MB line take
    seconds (quadratic); Lambda caps one log event at 256 KB and so does the sandbox."""
    r, w = os.pipe()
    lines: list[str] = []
    reader = OutputReader(os.fdopen(r, "rb"), lines.append, "test-output")
    big = 30 * 2**20

    def write() -> None:
        with os.fdopen(w, "wb") as f:
            f.write(b"x" * big + b"\n" + b"y" * MAX_LINE + b"\nafter\n")

    started = time.monotonic()
    threading.Thread(target=write).start()
    reader.join(30)
    assert time.monotonic() - started < 1.5
    assert lines == ["x" * MAX_LINE + f" [truncated: {big - MAX_LINE} more bytes]", "y" * MAX_LINE, "after"]


def test_signed_at_reads_x_amz_date_as_strptime_does() -> None:
    """auth._signed_at reads the usual X-Amz-Date without time.strptime (~20 us a request);
    every date, good or bad, gets strptime's answer."""
    import calendar

    import pytest

    from lambdactl.local import auth

    def reference(value: str) -> int | None:
        try:
            return calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return None

    def ours(value: str) -> int | None:
        try:
            return auth._signed_at(value)
        except ValueError:
            return None

    dates = ["20261203T141500Z", "20240229T235959Z", "19700101T000000Z", "20161231T235960Z",
             "20260231T000000Z", "20261303T000000Z", "20261203T241500Z", "2026123T1415000Z",
             "20261203 141500Z", "20261203T141500", "", "x"]
    assert [ours(d) for d in dates] == [reference(d) for d in dates]
    strptime_calls: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(time, "strptime", lambda *a: strptime_calls.append(a[0]) or time.struct_time((0,) * 9))
        auth._signed_at("20261203T141500Z")
    assert strptime_calls == []


def test_invoke_reads_the_request_headers_by_name_without_walking_them() -> None:
    """The Invoke API's headers (werkzeug's EnvironHeaders) reach patch._invoke through
    aliases.routed as a mapping read by name: copying them walked the WSGI environ on
    every invoke. Every header and the invoked qualifier are still there."""
    from werkzeug.datastructures import EnvironHeaders

    from lambdactl.local.aliases import QUALIFIER_HEADER, routed

    walks: list[str] = []

    class Counted(EnvironHeaders):
        def __iter__(self):  # type: ignore[no-untyped-def]  # noqa: ANN204
            walks.append("walk")
            return super().__iter__()

    environ = {"HTTP_X_AMZ_INVOCATION_TYPE": "DryRun", "HTTP_X_LAMBDACTL_INVOKED_QUALIFIER": "forged",
               "HTTP_USER_AGENT": "boto3"}
    seen: dict[str, object] = {}

    def original(backend: object, name: str, q: object, body: object, marked: object, answer: object) -> None:
        seen.update(type=patch._invocation_type(marked), qualifier=patch._header(marked, QUALIFIER_HEADER))
        assert not walks
        seen["all"] = dict(marked)  # type: ignore[call-overload]

    routed(original)(object(), "fn", None, b"{}", Counted(environ), {})
    assert seen["type"] == "DryRun" and seen["qualifier"] == "$LATEST"   # a client's is overwritten
    every = seen["all"]
    assert isinstance(every, dict) and every[QUALIFIER_HEADER] == "$LATEST"
    assert every["X-Amz-Invocation-Type"] == "DryRun" and every["User-Agent"] == "boto3"


def test_memory_below_a_guard_reads_no_task_list_of_a_one_thread_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """below_guard_kb (after every invoke) lists a process's tasks only when its status says
    it has more than one thread: a child forked from a second thread is still counted."""
    from lambdactl.local import proctree

    script = ("import os, subprocess, threading, time\n"
              "pid = os.fork()\n"
              "if pid == 0:\n"
              "    t = threading.Thread(target=lambda: subprocess.run(['sleep', '5']))\n"
              "    t.start(); t.join(); os._exit(0)\n"
              "time.sleep(5)\n")
    guard = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:   # guard -> runtime (2 threads) -> sleep
            tree = proctree.descendants(guard.pid)
            if len(tree) == 2:
                break
            time.sleep(0.02)
        listed: list[str] = []
        real = os.listdir

        def counted(path: str) -> list[str]:
            listed.append(path)
            return real(path)

        monkeypatch.setattr(os, "listdir", counted)
        below, _ = proctree.below_guard_kb(guard.pid)
        runtime, sleeper = tree
        assert listed == [f"/proc/{runtime}/task"]   # the guard's and the sleeper's: none
        assert below >= proctree.rss_kb(runtime) and proctree._private_kb(sleeper, 1) > 0
    finally:
        proctree.kill_tree(guard.pid)
        guard.wait()


def test_log_lines_stamped_now_go_straight_to_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's own log lines (stamped now, in order) skip PutLogEvents' window and
    order checks, which cannot refuse them; lines given another stamp still pass them."""
    from moto import mock_aws
    from moto.logs.models import LogsBackend, logs_backends

    from lambdactl.local.cwlogs import LogSink

    with mock_aws():
        checked: list[str] = []
        original = LogsBackend.put_log_events

        def counted(self: object, *args: object) -> object:
            checked.append("checked")
            return original(self, *args)  # type: ignore[arg-type]

        monkeypatch.setattr(LogsBackend, "put_log_events", counted)
        sink = LogSink()
        sink.put("123456789012", "us-east-1", "/aws/lambda/f", "s", ["START", "END"])
        assert checked == []
        sink.put("123456789012", "us-east-1", "/aws/lambda/f", "s", ["old"], timestamp_ms=1)
        assert checked == ["checked"]   # 1970: refused as too old, as PutLogEvents refuses it
        stream = logs_backends["123456789012"]["us-east-1"].groups["/aws/lambda/f"].streams["s"]
        assert [e.message for e in stream.events] == ["START", "END"]


def test_memory_samples_read_proc_without_file_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The memory sample after every invoke reads /proc with os.open/os.read (open()'s file
    objects cost ~10 us more per read): the same numbers, no open()."""
    import builtins

    from lambdactl.local import proctree

    expected = proctree.status_kb(os.getpid(), "VmHWM")
    monkeypatch.setattr(builtins, "open", lambda *_, **__: (_ for _ in ()).throw(AssertionError))
    found = proctree._parse_kb(proctree._status(os.getpid()), (b"\nVmRSS:", b"\nVmHWM:", b"\nThreads:"))
    assert found is not None
    rss, hwm, threads = found
    assert rss > 0 and hwm >= expected and threads >= 1
    assert os.getpid() in proctree.children(os.getppid())


def test_a_proc_file_read_short_of_half_a_page_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """read_proc stops at a read shorter than 2048 bytes (a seq_file's last): the read
    that would return b"" is not made. A longer file is read to its end, as before."""
    from lambdactl.local import proctree

    reads: list[int] = []
    real = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(fd) or real(fd, n))
    status = proctree.read_proc(f"/proc/{os.getpid()}/status")
    assert len(reads) == 1 and status.startswith(b"Name:") and status.endswith(b"\n")
    reads.clear()
    maps = proctree.read_proc(f"/proc/{os.getpid()}/maps")   # python's: several pages
    with open(f"/proc/{os.getpid()}/maps", "rb") as f:
        expected = f.read()
    assert len(maps) > 4096 and len(reads) >= 2 and maps.count(b"\n") == expected.count(b"\n")


def test_memory_below_a_guard_reads_its_namespace_inits_status_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """With an environment's INITS kept between samples, the init of its PID namespace
    (not the function's memory) has its status read at the first sample only: the same
    numbers; a guard whose children changed has them read again."""
    import shutil

    from lambdactl.local import proctree

    script = "import os, time\nif os.fork() == 0:\n    time.sleep(20)\nos.wait()\n"
    guard = None
    for flags in (["-p", "-f"], ["-U", "-r", "-p", "-f"]):   # as root, or in a user namespace
        if shutil.which("unshare") is None:
            break
        guard = subprocess.Popen(["unshare", *flags, sys.executable, "-c", script])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(proctree.descendants(guard.pid)) < 2:
            time.sleep(0.02)
        if len(proctree.descendants(guard.pid)) == 2:
            break
        guard.kill()
        guard.wait()
        guard = None
    if guard is None:
        pytest.skip("no PID namespace can be made here")
    try:
        init, runtime = proctree.descendants(guard.pid)
        inits: dict[int, int] = {}
        first = proctree.below_guard_kb(guard.pid, inits)
        assert inits == {init: 1}
        statuses: list[int] = []
        real = proctree._status
        monkeypatch.setattr(proctree, "_status", lambda pid: statuses.append(pid) or real(pid))
        assert proctree.below_guard_kb(guard.pid, inits) == first == proctree.below_guard_kb(guard.pid)
        assert statuses == [runtime, init, runtime]   # the kept sample's, then the one without
        stale = {init + 100000: 1}
        assert proctree.below_guard_kb(guard.pid, stale) == first and stale == {init: 1}
    finally:
        proctree.kill_tree(guard.pid)
        guard.wait()


def test_a_functions_instance_id_is_drawn_once_not_per_invoke(monkeypatch: pytest.MonkeyPatch) -> None:
    """spec_from_moto (every invoke) gives a function the id that keeps a re-created one off
    the old one's warm environments; it drew a UUID each time to throw it away."""
    import uuid

    import boto3
    from moto import mock_aws
    from moto.awslambda.models import lambda_backends

    from tests.local.conftest import package

    with mock_aws():
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
        boto3.client("lambda", region_name="us-east-1").create_function(
            FunctionName="f", Runtime="python3.11", Role=role["Role"]["Arn"], Handler="app.handler",
            Code={"ZipFile": package("app.py")})
        fn = lambda_backends["123456789012"]["us-east-1"].get_function("f")
        drawn: list[int] = []
        real = uuid.uuid4
        monkeypatch.setattr(uuid, "uuid4", lambda: drawn.append(1) or real())
        first, second = patch.spec_from_moto(fn), patch.spec_from_moto(fn)
        assert first.instance == second.instance and len(first.instance) == 32
        assert len(drawn) == 1
        fn.__dict__.pop("_lambdactl_instance")   # as a re-created function: a new one
        assert patch.spec_from_moto(fn).instance != first.instance
