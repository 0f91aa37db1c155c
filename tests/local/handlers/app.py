"""Test handlers for the sandbox; zipped as the package root by tests/local."""

import json
import os
import time

import boto3

COUNT = 0
print("module loaded")


def echo(event, context):
    global COUNT
    COUNT += 1
    print(f"echo {COUNT} {event}")
    time.sleep(float(event.get("seconds", 0)))
    return {"count": COUNT, "event": event, "request_id": context.aws_request_id}


def fail(event, context):
    raise ValueError("boom from handler")


def sleep(event, context):
    print("going to sleep")
    time.sleep(float(event.get("seconds", 5)))
    return "woke"


def hog(event, context):
    data = b"x" * (int(event.get("mb", 300)) << 20)
    time.sleep(0.5)
    return len(data)


def environment(event, context):
    keys = [
        "AWS_ENDPOINT_URL",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "AWS_ACCESS_KEY_ID",
        "GREETING",
        "AWS_PROFILE",
    ]
    return {key: os.environ.get(key) for key in keys} | {
        "remaining_ms": context.get_remaining_time_in_millis(),
        "function_arn": context.invoked_function_arn,
    }


def list_buckets(event, context):
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    print(f"buckets: {names}")
    return names


def on_upload(event, context):
    for record in event["Records"]:
        print(f"uploaded {record['s3']['bucket']['name']}/{record['s3']['object']['key']}")
    return "ok"


def snoop(event, context):
    """What a hostile handler can read: its parent's environment and its own."""
    with open(f"/proc/{os.getppid()}/environ", "rb") as f:
        parent = [item.decode(errors="replace") for item in f.read().split(b"\0") if item]
    return {"parent": parent, "own": dict(os.environ)}


def child_hog(event, context):
    """A child process allocates what the function's memory does not allow."""
    import subprocess
    import sys

    mb = int(event.get("mb", 600))
    code = f"import time; data = b'x' * ({mb} << 20); time.sleep(3)"
    return subprocess.run([sys.executable, "-c", code]).returncode


def shared_hog(event, context):
    """A child allocates 60 MB at a time and forks a grandchild each time, that holds it:
    each chunk shared by two processes, private to neither."""
    import time

    child = os.fork()
    if child == 0:
        kept = []
        for _ in range(event.get("chunks", 10)):
            kept.append(b"x" * (60 << 20))
            if os.fork() == 0:
                time.sleep(event.get("seconds", 4))
                os._exit(0)
            time.sleep(0.2)
        time.sleep(event.get("seconds", 4))
        os._exit(0)
    time.sleep(event.get("seconds", 4))
    return {"child": child}


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def escape(event, context):
    """Children that try to outlive the environment: setsid, and setsid after a double fork
    (``sleep <event["sleep"]>`` and ``sleep <event["sleep"]>1``, for the test to find them)."""
    import subprocess

    seconds = event.get("sleep", "300")
    direct = subprocess.Popen(["sleep", seconds], start_new_session=True).pid
    read, write = os.pipe()
    if os.fork() == 0:  # the intermediate: setsid, fork the sleeper, exit at once
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.execvp("sleep", ["sleep", seconds + "1"])
        os.write(write, str(pid).encode())
        os._exit(0)
    orphan = int(os.read(read, 32))
    for _ in range(200):  # both exec'd: once it answers, the environment is frozen (as on Lambda)
        if all(_cmdline(pid).startswith(b"sleep") for pid in (direct, orphan)):
            break
        time.sleep(0.01)
    print(f"started {direct} {orphan}", flush=True)  # its /tmp is its own: the log tells the test
    time.sleep(float(event.get("seconds", 0)))
    return "still here"


def tamper(event, context):
    """Rewrite every other function's copy of event["file"] that can be found on disk."""
    import stat

    code_dir = os.path.dirname(os.environ["LAMBDA_TASK_ROOT"])
    written, modes = [], []
    for entry in os.listdir(code_dir):
        path = os.path.join(code_dir, entry, event["file"])
        if not os.path.isfile(path):
            continue
        modes.append(oct(stat.S_IMODE(os.stat(path).st_mode)))
        os.chmod(os.path.dirname(path), 0o755)  # the same user may; Lambda's mount forbids it
        os.chmod(path, 0o644)
        with open(path) as f:
            source = f.read()
        with open(path, "w") as f:
            f.write(source.replace('"original"', '"pwned"'))
        written.append(path)
    return {"written": written, "modes": modes}


def imports(event, context):
    """Which of event["modules"] import, and the sys.path they were looked for on."""
    import importlib
    import sys

    found = {}
    for name in event["modules"]:
        try:
            importlib.import_module(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return {"found": found, "sys_path": sys.path, "executable": sys.executable}


def fail_and_count(event, context):
    """Fails every time, after logging one line per attempt (its /tmp is its own)."""
    print("attempt", context.aws_request_id, flush=True)
    raise RuntimeError("try again")


def big_response(event, context):
    return "x" * int(event["bytes"])


def try_calls(event, context):
    """The error code (or "ok") of each AWS call the handler's role attempts."""
    import botocore.exceptions

    s3, logs = boto3.client("s3"), boto3.client("logs")
    calls = {
        "get_allowed": lambda: s3.get_object(Bucket=event["allowed"], Key="k"),
        "get_other": lambda: s3.get_object(Bucket=event["other"], Key="k"),
        "list_buckets": lambda: s3.list_buckets(),
        "describe_log_groups": lambda: logs.describe_log_groups(),
        "whoami": lambda: boto3.client("sts").get_caller_identity(),
        # DryRun: the permission check alone, through the sandbox's direct Invoke route
        "invoke_self": lambda: boto3.client("lambda").invoke(
            FunctionName=context.function_name, InvocationType="DryRun"),
    }
    found = {}
    for name, call in calls.items():
        try:
            call()
            found[name] = "ok"
        except botocore.exceptions.ClientError as exc:
            found[name] = exc.response["Error"]["Code"]
    return found


def big_error(event, context):
    raise ValueError("m" * event["bytes"])


def recurse(event, context):
    return recurse(event, context)


def exit_with(event, context):
    os._exit(event["code"])


def workers(event, context):
    """Fork N workers that touch little (multiprocessing's way), wait for them."""
    import time

    pids = []
    for _ in range(event["n"]):
        pid = os.fork()
        if pid == 0:
            time.sleep(event.get("seconds", 1.0))
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return {"workers": len(pids)}


def kill_self(event, context):
    """The runtime ends itself with a signal (event: {"signal": "SIGSEGV"})."""
    import signal

    os.kill(os.getpid(), getattr(signal, event["signal"]))


def traced(event, context):
    """What an invocation knows of its ids: X-Ray's variables and its request id."""
    keys = ("_X_AMZN_TRACE_ID", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
            "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT")
    return {"env": {k: os.environ.get(k) for k in keys}, "request_id": context.aws_request_id,
            "event_request_id": (event.get("requestContext") or {}).get("requestId"),
            "headers": event.get("headers")}


def chain(event, context):
    """Invoke the function EVENT names (botocore passes this invocation's trace on)."""
    answer = boto3.client("lambda").invoke(FunctionName=event["then"], Payload=b"{}")
    return {"mine": os.environ.get("_X_AMZN_TRACE_ID"), "theirs": json.loads(answer["Payload"].read())}
