"""A hostile handler against the sandbox (issue 12): what it can read, reach and survive."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lambdactl.iam import TRUST_POLICY
from lambdactl.local import control
from tests.local.conftest import PLANTED, alive, package

Aws = Callable[[str], Any]

# Lambda's own variables (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
# plus the sandbox's endpoint: all a handler may find in its environment besides its own.
LAMBDA_VARIABLES = {
    "_HANDLER", "AWS_LAMBDA_RUNTIME_API", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_REGION",
    "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PATH", "LANG", "TZ",
    "LD_LIBRARY_PATH", "PYTHONPATH", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
    # X-Ray's, as Lambda sets them (tracing or not)
    "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT",
    # Set by the interpreter itself (python -m, the locale coercion of PEP 538).
    "LC_CTYPE", "_X_AMZN_TRACE_ID",
}


def _tail(response: dict[str, Any]) -> list[str]:
    return base64.b64decode(response["LogResult"]).decode().splitlines()


def invoke(aws: Aws, name: str, payload: dict[str, Any] | None = None) -> Any:
    response = aws("lambda").invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, body
    return body


def test_handler_sees_no_secret_of_the_user_who_started_the_sandbox(
    aws: Aws, make_function: Any, sandbox: control.SandboxInfo
) -> None:
    name = make_function("app.snoop", Environment={"Variables": {"MINE": "1"}})
    seen = invoke(aws, name)
    parent = "\n".join(seen["parent"])
    for key, value in PLANTED.items():
        assert key not in parent and value not in parent
        assert key not in seen["own"]
    assert not any(item.startswith("HOME=") for item in seen["parent"])
    # A session of the function's role, not the sandbox's own key (IAM is enforced).
    assert seen["own"]["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert sandbox.secret_access_key not in seen["own"].values()
    assert set(seen["own"]) - LAMBDA_VARIABLES == {"MINE"}


def test_server_state_file_is_the_only_place_with_credentials(sandbox: control.SandboxInfo) -> None:
    with open(f"/proc/{sandbox.pid}/environ", "rb") as f:
        environ = f.read()
    assert sandbox.secret_access_key.encode() not in environ
    assert b"AWS_ACCESS_KEY_ID" not in environ


def _gone(pids: list[int], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_memory_of_child_processes_counts_and_ends_in_oom(aws: Aws, make_function: Any) -> None:
    name = make_function("app.child_hog", MemorySize=128, Timeout=10)
    response = aws("lambda").invoke(FunctionName=name, Payload=b'{"mb": 600}', LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    report = [line for line in _tail(response) if line.startswith("REPORT")][0]
    # The tree went over 128 MB: Lambda reports the limit for the invocation it killed.
    assert "Max Memory Used: 128 MB" in report and "Error Type: Runtime.OutOfMemory" in report


def test_pages_children_share_count_once_and_end_in_oom(aws: Aws, make_function: Any) -> None:
    """Before, a process below the runtime counted its private pages only: a child that
    allocated 60 MB and forked a grandchild holding it, ten times, held 600 MB in a 128 MB
    function (REPORT: 95 MB, no OOM). On Lambda a page counts once, whoever maps it; here
    each process's proportional share of its pages (proctree._tree_kb)."""
    name = make_function("app.shared_hog", MemorySize=128, Timeout=20)
    response = aws("lambda").invoke(FunctionName=name, Payload=b'{"chunks": 10}', LogType="Tail")
    body = json.loads(response["Payload"].read())
    assert body.get("errorType") == "Runtime.OutOfMemory", body
    assert "Max Memory Used: 128 MB" in [line for line in _tail(response) if line.startswith("REPORT")][0]


def test_setsid_children_do_not_survive_the_timeout(aws: Aws, make_function: Any) -> None:
    name = make_function("app.escape", Timeout=1)
    marker = _marker()
    payload = json.dumps({"seconds": 5, "sleep": marker}).encode()
    response = aws("lambda").invoke(FunctionName=name, Payload=payload, LogType="Tail")
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"
    assert any(line.startswith("started ") for line in _tail(response))  # both were started
    assert _gone_all(marker), sleepers(marker)


def _marker() -> str:
    """A unique number of seconds for the handler's sleepers, to find them by."""
    import random

    return f"300.{random.randrange(10**8):08d}"


def sleepers(marker: str) -> list[int]:
    """Our pids of the handler's `sleep MARKER...` processes (the pids it sees are its
    PID namespace's, not ours)."""
    import os

    found = []
    for entry in [e for e in os.listdir("/proc") if e.isdigit()]:
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0] == b"sleep" and len(argv) > 1 and argv[1].startswith(marker.encode()):
            found.append(int(entry))
    return [pid for pid in found if alive(pid)]


def _gone_all(marker: str, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sleepers(marker):
            return True
        time.sleep(0.05)
    return False


def _escaped_children() -> list[int]:
    """On the sandbox of LAMBDACTL_HOME: the pids a warm environment's handler left
    running (setsid, and setsid after a double fork)."""
    info = control.start(port=0)[0]
    iam, lam = control.client(info, "iam"), control.client(info, "lambda")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    lam.create_function(FunctionName="esc", Runtime="python3.11", Role=role["Role"]["Arn"],
                        Handler="app.escape", Code={"ZipFile": package("app.py")})
    marker = _marker()
    payload = json.dumps({"sleep": marker})
    response = lam.invoke(FunctionName="esc", Payload=payload)
    assert json.loads(response["Payload"].read()) == "still here"
    deadline = time.monotonic() + 5   # the double fork's sleeper may not have exec'd yet
    while len(pids := sleepers(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(pids) == 2  # the environment is warm: they live on
    return pids


def test_setsid_children_do_not_survive_local_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    try:
        pids = _escaped_children()
    finally:
        control.stop()
    assert _gone(pids), [p for p in pids if alive(p)]


def test_a_function_cannot_change_what_another_runs(
    aws: Aws, make_function: Any, sandbox_home: Path
) -> None:
    victim = make_function("victim.handler", files=("victim.py",))
    assert invoke(aws, victim) == {"result": "original", "tampered_on_disk": False}
    attacker = make_function("app.tamper")
    # Another function's code is out of a handler's sight (bootstrap.seal).
    assert invoke(aws, attacker, {"file": "victim.py"}) == {"written": [], "modes": []}
    # What the same user can still do from outside: rewrite the unzipped tree.
    attack = _tamper(sandbox_home / "runtime" / "code", "victim.py")
    assert attack["written"], "no code to rewrite"
    assert attack["modes"] == ["0o444"] * len(attack["written"])  # unzipped read-only
    # Warm: the environment is retired, the code unzipped again from the function's zip.
    assert invoke(aws, victim) == {"result": "original", "tampered_on_disk": False}
    _tamper(sandbox_home / "runtime" / "code", "victim.py")
    # Cold (a new configuration): the tree is verified before a new environment uses it.
    aws("lambda").update_function_configuration(
        FunctionName=victim, Environment={"Variables": {"X": "1"}}
    )
    assert invoke(aws, victim) == {"result": "original", "tampered_on_disk": False}


def _tamper(code_dir: Path, file: str) -> dict[str, list[str]]:
    """Rewrite every unzipped copy of FILE, as the sandbox's user can from outside."""
    import stat

    written, modes = [], []
    for path in code_dir.glob(f"*/{file}"):
        modes.append(oct(stat.S_IMODE(path.stat().st_mode)))
        path.parent.chmod(0o755)
        path.chmod(0o644)
        path.write_text(path.read_text().replace('"original"', '"pwned"'))
        written.append(str(path))
    return {"written": written, "modes": modes}


def test_handlers_never_see_lambdactls_virtualenv(aws: Aws, make_function: Any) -> None:
    import sys

    name = make_function("app.imports")
    modules = ["click", "rich", "moto", "flask", "lambdactl", "boto3", "botocore", "app"]
    seen = invoke(aws, name, {"modules": modules})
    assert seen["found"] == {m: m in ("boto3", "botocore", "app") for m in modules}
    assert not any(p.startswith(sys.prefix) for p in seen["sys_path"]), seen["sys_path"]
    assert not seen["executable"].startswith(sys.prefix)  # not the virtualenv's python


def _elf(machine: int) -> bytes:
    """The first bytes of a 64-bit little-endian shared object for MACHINE."""
    return b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00" + machine.to_bytes(2, "little") + bytes(44)


def test_native_code_that_cannot_load_here_stays_out_of_the_log_group(
    aws: Aws, role_arn: str
) -> None:
    """The sandbox's notice is its own (`up` says it on stderr, from the zip: see
    tests/test_sandbox_notes.py); the function's log group holds what it printed."""
    import io
    import uuid
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(Path(__file__).parent / "handlers" / "app.py", "app.py")
        zf.writestr("fastlib/_speedups.cpython-399-x86_64-linux-gnu.so", _elf(0x3E))
        zf.writestr("armlib/_core.abi3.so", _elf(0xB7))  # an arm64 wheel's extension
    name = f"t-native-{uuid.uuid4().hex[:6]}"
    aws("lambda").create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                  Handler="app.echo", Code={"ZipFile": buf.getvalue()},
                                  Architectures=["arm64"])
    response = aws("lambda").invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    tail = _tail(response)
    assert any(line.startswith("START RequestId") for line in tail)
    assert not any("lambdactl sandbox" in line or "cannot import locally" in line for line in tail)


def test_wrong_cpu_is_named(tmp_path: Path) -> None:
    from lambdactl.local.native import native_mismatch
    from lambdactl.local.pythons import HOST_MACHINE, HOST_VERSION

    other, code = ("arm64", 0xB7) if HOST_MACHINE == "x86_64" else ("x86_64", 0x3E)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "_c.abi3.so").write_bytes(_elf(code))
    (tmp_path / "lib" / "plain.py").write_text("x = 1\n")
    problem = native_mismatch(tmp_path, HOST_VERSION)
    assert problem and problem.startswith(f"lib/_c.abi3.so is built for {other}, but runs here")
    (tmp_path / "lib" / "_c.abi3.so").unlink()
    assert native_mismatch(tmp_path / "lib", HOST_VERSION) is None


def test_setsid_children_do_not_survive_the_server_being_sigkilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No `local stop`, no shutdown code: the server dies at once. Each environment's
    guard (bootstrap.py) hears it (PR_SET_PDEATHSIG) and kills its whole tree."""
    import os
    import signal

    monkeypatch.setenv("LAMBDACTL_HOME", str(tmp_path / "home"))
    server = control.start(port=0)[0].pid
    try:
        pids = _escaped_children()
    finally:
        os.kill(server, signal.SIGKILL)
    try:
        assert _gone(pids), [p for p in pids if alive(p)]
    finally:
        for pid in pids:  # what a failure leaves behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        control.stop()  # the state file of a dead server


@pytest.mark.parametrize("change", ["update_function_code", "update_function_configuration",
                                    "delete_function"])
def test_what_a_handler_left_running_ends_with_its_deployment(
    aws: Aws, make_function: Any, change: str
) -> None:
    """Before, the old environment (and its sleepers) lived on until the function was next
    invoked or the idle reaper came, 5 minutes later: after `destroy` or `up` of new code."""
    name = make_function("app.escape")
    marker = _marker()
    payload = json.dumps({"sleep": marker})
    assert json.loads(aws("lambda").invoke(FunctionName=name, Payload=payload)["Payload"].read()) == "still here"
    deadline = time.monotonic() + 5
    while len(sleepers(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(sleepers(marker)) == 2
    lam = aws("lambda")
    if change == "update_function_code":
        lam.update_function_code(FunctionName=name, ZipFile=package("app.py", "victim.py"))
    elif change == "update_function_configuration":
        lam.update_function_configuration(FunctionName=name, MemorySize=256)
    else:
        lam.delete_function(FunctionName=name)
    assert _gone_all(marker), sleepers(marker)
