"""Invoke as Lambda answers it: ClientContext, the request id, the runtime's limits (issue 12)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

Aws = Callable[[str], Any]
FILES = ("claims.py",)


def _context(**fields: Any) -> str:
    return base64.b64encode(json.dumps(fields).encode()).decode()


def test_client_context_reaches_the_handlers_context(aws: Aws, make_function: Any) -> None:
    name = make_function("claims.context_of", files=FILES)
    sent = _context(client={"installation_id": "i-1", "app_title": "notes"},
                    custom={"tenant": "ada", "n": 1}, env={"platform": "Android"})
    body = json.loads(aws("lambda").invoke(FunctionName=name, ClientContext=sent)["Payload"].read())
    assert body["client_context"] == {"client": "notes", "custom": {"tenant": "ada", "n": 1},
                                      "env": {"platform": "Android"}}
    plain = json.loads(aws("lambda").invoke(FunctionName=name)["Payload"].read())
    assert plain["client_context"] is None


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"{nope").decode(),
                                 base64.b64encode(b"[1, 2]").decode()],
                         ids=["not-base64", "not-json", "not-an-object"])
def test_a_client_context_that_is_not_base64_json_is_refused_as_lambda_does(
    aws: Aws, make_function: Any, bad: str
) -> None:
    name = make_function("claims.context_of", files=FILES)
    with pytest.raises(ClientError) as err:
        aws("lambda").invoke(FunctionName=name, ClientContext=bad)
    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "InvalidRequestContentException"
    assert response["Error"]["Message"] == "Client context must be a valid Base64-encoded JSON object."


def test_invoke_answers_with_the_invocations_own_request_id(
    aws: Aws, make_function: Any, wait_for_log: Any
) -> None:
    """The x-amzn-RequestId of Invoke's answer is the one the handler and the log's START /
    END / REPORT lines carry (moto drew a random 52-character one): the id users look up."""
    name = make_function("claims.context_of", files=FILES)
    response = aws("lambda").invoke(FunctionName=name, LogType="Tail")
    answered = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read())["request_id"] == answered
    assert f"START RequestId: {answered} " in base64.b64decode(response["LogResult"]).decode()
    queued = aws("lambda").invoke(FunctionName=name, InvocationType="Event")
    assert queued["StatusCode"] == 202
    wait_for_log(f"/aws/lambda/{name}", f"START RequestId: {queued['ResponseMetadata']['RequestId']} ")


def test_a_handler_may_open_1024_files_as_on_lambda(aws: Aws, make_function: Any) -> None:
    """Lambda's quota: 1,024 file descriptors per environment, soft and hard (the sandbox
    gave handlers the host's, here 20,000: code leaking descriptors worked locally)."""
    name = make_function("claims.limits", files=FILES)
    limits = json.loads(aws("lambda").invoke(FunctionName=name)["Payload"].read())
    assert limits["NOFILE"] == [1024, 1024]
    name = make_function("claims.open_files", files=FILES)
    opened = json.loads(aws("lambda").invoke(FunctionName=name)["Payload"].read())
    assert opened["error"] == "Too many open files" and 1000 < opened["opened"] < 1024, opened


def test_an_environment_is_frozen_between_its_invocations(aws: Aws, make_function: Any) -> None:
    """Lambda freezes the environment once the runtime asks for its next event: a thread
    or daemon the handler left running stops until the next invocation. The sandbox let
    them run on (about 50 ticks of each in the second below; a count, not a clock: the
    frozen ones make a few at most, between the answer and the freeze)."""
    name = make_function("claims.ticking", files=FILES)
    before = json.loads(aws("lambda").invoke(FunctionName=name, Payload=b'{"start": true, "wait": 0.1}')["Payload"].read())
    assert before["thread"] > 0 and before["daemon"] > 0, before   # they run while it is invoked
    time.sleep(1.0)
    after = json.loads(aws("lambda").invoke(FunctionName=name)["Payload"].read())
    assert after["thread"] - before["thread"] < 20, (before, after)
    assert after["daemon"] - before["daemon"] < 20, (before, after)
    # Thawed: they go on while an invocation runs (here 0.2 s of it).
    later = json.loads(aws("lambda").invoke(FunctionName=name, Payload=b'{"wait": 0.2}')["Payload"].read())
    assert later["thread"] > after["thread"] and later["daemon"] > after["daemon"], (after, later)


@pytest.mark.parametrize(("kind", "error"), [("threads", "RuntimeError: can't start new thread"),
                                             ("processes", "BlockingIOError: [Errno 11]")])
def test_an_environment_runs_at_most_1024_processes_and_threads_as_on_lambda(
    aws: Aws, make_function: Any, sandbox: Any, kind: str, error: str
) -> None:
    """Lambda's quota: 1,024 processes and threads per environment; the next fork fails
    (EAGAIN). The sandbox started 2,000 of either, and a fork bomb reached the machine.
    Bounded by a pids cgroup (local/pidlimit.py) where the machine gives the sandbox one;
    sandbox.log says whether it does."""
    import os

    from lambdactl.local import pidlimit

    probe, why = pidlimit.setup(os.getpid())   # as the sandbox's server does at start
    if probe is None:
        pytest.skip(f"no pids cgroup on this machine: {why}")
    pidlimit.close(probe)
    assert "processes and threads: at most 1024" in Path(sandbox.log_file).read_text()
    name = make_function("claims.crowd", files=FILES, Timeout=60, MemorySize=2048)
    got = json.loads(aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"kind": kind}))["Payload"].read())
    assert 1000 < got.get("started", 0) < 1024 and got["error"].startswith(error), got


def test_a_runtime_that_exits_reports_its_init_and_memory(aws: Aws, make_function: Any) -> None:
    """Its REPORT said 'Max Memory Used: 0 MB' (no sample yet) and an exit in the init
    'INIT_REPORT Init Duration: 0.00 ms'; Lambda reports what was used and how long."""
    name = make_function("exits_in_init.handler", files=("exits_in_init.py",))
    response = aws("lambda").invoke(FunctionName=name, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert json.loads(response["Payload"].read())["errorType"] == "Runtime.ExitError"
    init = next(line for line in tail.splitlines() if line.startswith("INIT_REPORT"))
    assert "Status: error" in init and float(init.split("Init Duration: ")[1].split(" ms")[0]) > 0, init
    name = make_function("app.exit_with")
    response = aws("lambda").invoke(FunctionName=name, Payload=b'{"code": 3}', LogType="Tail")
    report = next(line for line in base64.b64decode(response["LogResult"]).decode().splitlines()
                  if line.startswith("REPORT"))
    assert "Error Type: Runtime.ExitError" in report and int(report.split("Max Memory Used: ")[1].split()[0]) > 0, report


def test_lambdas_reserved_variables_are_all_set(aws: Aws, make_function: Any) -> None:
    """Lambda's reserved LAMBDA_RUNTIME_DIR (/var/runtime) and AWS_ACCESS_KEY (the role's
    key, as AWS_ACCESS_KEY_ID) were missing: code reading them failed on the sandbox only."""
    name = make_function("claims.variables", files=FILES)
    names = ["LAMBDA_RUNTIME_DIR", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID"]
    seen = json.loads(aws("lambda").invoke(FunctionName=name, Payload=json.dumps({"names": names}))["Payload"].read())
    assert seen["LAMBDA_RUNTIME_DIR"] == "/var/runtime"
    assert seen["AWS_ACCESS_KEY"] == seen["AWS_ACCESS_KEY_ID"] and seen["AWS_ACCESS_KEY"]


@pytest.mark.parametrize(("param", "field", "allowed"), [
    ("InvocationType", "invocationType", "Event, RequestResponse, DryRun"), ("LogType", "logType", "Tail, None")])
def test_an_invocation_or_log_type_lambda_does_not_have_is_refused(
    aws: Aws, make_function: Any, param: str, field: str, allowed: str
) -> None:
    """InvocationType=Bogus ran the function as RequestResponse, and LogType=Bogus was
    ignored; Lambda refuses both before running anything (botocore does not check them)."""
    name = make_function("claims.context_of", files=FILES)
    with pytest.raises(ClientError) as err:
        aws("lambda").invoke(FunctionName=name, **{param: "Bogus"})
    response = err.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (400, "ValidationException")
    assert response["Error"]["Message"] == (
        f"1 validation error detected: Value 'Bogus' at '{field}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{allowed}]")


def test_the_sweep_leaves_a_cgroup_its_guard_has_not_joined_yet(tmp_path: Path) -> None:
    """The server removes empty environment cgroups each second; one its guard has just
    made (mkdir, then pids.max, then cgroup.procs) is empty for a moment: removed then,
    the environment ran unbounded. Plain directories stand in for cgroups here."""
    import os

    from lambdactl.local import pidlimit

    young, old = tmp_path / "env-1", tmp_path / "env-2"
    young.mkdir()
    old.mkdir()
    os.utime(old, (0, 0))
    pidlimit.sweep(tmp_path)
    assert young.is_dir() and not old.exists()


def test_each_invocation_gets_lambdas_x_ray_variables(aws: Aws, make_function: Any) -> None:
    """Lambda sets AWS_XRAY_CONTEXT_MISSING and AWS_XRAY_DAEMON_ADDRESS (tracing or not) and a
    new _X_AMZN_TRACE_ID per invocation (Root, Parent, Sampled), whose root Invoke's answer
    names (X-Amzn-Trace-Id); the sandbox set neither variable, a trace without Parent and no
    header. A function's own value of an X-Ray variable wins: they are not reserved."""
    name = make_function("app.traced", Environment={"Variables": {"AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR"}})
    roots = set()
    for _ in range(2):
        response = aws("lambda").invoke(FunctionName=name, Payload=b"{}")
        env = json.loads(response["Payload"].read())["env"]
        fields = dict(part.split("=", 1) for part in env["_X_AMZN_TRACE_ID"].split(";"))
        assert set(fields) == {"Root", "Parent", "Sampled"} and fields["Sampled"] == "0"
        assert len(fields["Root"]) == 35 and fields["Root"].startswith("1-") and len(fields["Parent"]) == 16
        header = response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-trace-id"]
        assert header == f"root={fields['Root']};sampled=0"
        roots.add(fields["Root"])
        assert env["AWS_XRAY_CONTEXT_MISSING"] == "IGNORE_ERROR"
        assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
        assert (env["_AWS_XRAY_DAEMON_ADDRESS"], env["_AWS_XRAY_DAEMON_PORT"]) == ("127.0.0.1", "2000")
    assert len(roots) == 2
    plain = make_function("app.traced")
    env = json.loads(aws("lambda").invoke(FunctionName=plain, Payload=b"{}")["Payload"].read())["env"]
    assert env["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"


def test_a_callers_trace_goes_on_in_the_invocation(aws: Aws, make_function: Any) -> None:
    """With tracing PassThrough, Lambda continues the caller's trace (Invoke's X-Amzn-Trace-Id,
    which botocore sends from a handler's own _X_AMZN_TRACE_ID): the same Root, a new Parent.
    The sandbox started a new trace for every invocation."""
    callee = make_function("app.traced")
    caller = make_function("app.chain")
    got = json.loads(aws("lambda").invoke(FunctionName=caller, Payload=json.dumps({"then": callee}))["Payload"].read())
    mine = dict(p.split("=", 1) for p in got["mine"].split(";"))
    theirs = dict(p.split("=", 1) for p in got["theirs"]["env"]["_X_AMZN_TRACE_ID"].split(";"))
    assert theirs["Root"] == mine["Root"] and theirs["Parent"] != mine["Parent"]
    lam = aws("lambda")

    def send(header: str) -> Any:
        def add(request: Any, **_: Any) -> None:
            request.headers["X-Amzn-Trace-Id"] = header
        lam.meta.events.register("before-send.lambda.Invoke", add)
        try:
            return lam.invoke(FunctionName=callee, Payload=b"{}")
        finally:
            lam.meta.events.unregister("before-send.lambda.Invoke", add)

    sampled = send("Root=1-6b129668-da696b43f3ff49d4abefae21;Sampled=1")
    assert json.loads(sampled["Payload"].read())["env"]["_X_AMZN_TRACE_ID"].startswith(
        "Root=1-6b129668-da696b43f3ff49d4abefae21;Parent=")
    assert sampled["ResponseMetadata"]["HTTPHeaders"]["x-amzn-trace-id"] == (
        "root=1-6b129668-da696b43f3ff49d4abefae21;sampled=1")
    bogus = json.loads(send("Root=nonsense;Sampled=1")["Payload"].read())["env"]["_X_AMZN_TRACE_ID"]
    assert "nonsense" not in bogus and bogus.endswith(";Sampled=0")
