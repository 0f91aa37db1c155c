"""upload: key under the trigger's prefix, suffix check, put_object against moto."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result

from lambdactl.cli import root
from lambdactl.commands.upload import object_key
from lambdactl.config import Function, Trigger
from lambdactl.errors import ConfigError

BUCKET = "lambdactl-demo-uploads"


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(root, ["--target", "aws", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def fn(*triggers: Trigger) -> Function:
    return Function(key="f", name="p-f", source=Path("."), handler="a.b", triggers=triggers)


def test_object_key_rules() -> None:
    f = fn(Trigger(bucket="b", prefix="in/", suffix=".csv"))
    assert object_key(f, "/tmp/data.csv", None)[1] == "in/data.csv"
    assert object_key(f, "/tmp/data.csv", "in/x.csv")[1] == "in/x.csv"
    assert object_key(f, "/tmp/data.csv", "y.csv")[1] == "in/y.csv"
    with pytest.raises(ConfigError, match=r"ending in '\.csv'.*--key data\.csv"):
        object_key(f, "/tmp/data.txt", None)
    with pytest.raises(ConfigError, match="no S3 trigger"):
        object_key(fn(), "x", None)
    with pytest.raises(ConfigError, match="object creation"):
        object_key(fn(Trigger(bucket="b", events=("s3:ObjectRemoved:*",))), "x", None)
    two = fn(Trigger(bucket="b1", suffix=".csv"), Trigger(bucket="b2", suffix=".txt"))
    assert object_key(two, "a.txt", None)[0].bucket == "b2"


def test_upload_puts_the_file(aws: None, project: Path) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    f = project / "some file.txt"
    f.write_text("hello")
    # no bucket yet: it said "lambdactl-demo-hello has no permission for S3 to invoke it"
    assert run("upload", str(f), "hello", code=1).stderr == (
        f"error: an upload to s3://{BUCKET} would not fire hello: bucket {BUCKET} does not exist (not deployed yet, "
        "or destroyed); run `lambdactl up` to wire it, then upload again\n")
    s3.create_bucket(Bucket=BUCKET)
    # A bucket, but nothing wired: it said "fires lambdactl-demo-hello" and nothing fired.
    refused = run("upload", str(f), "hello", code=1).stderr
    assert refused.startswith(f"error: an upload to s3://{BUCKET} would not fire hello: lambdactl-demo-hello has no "
                              f"permission for S3 to invoke it from {BUCKET}")
    assert "run `lambdactl up` to wire it, then upload again" in refused
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)   # refused before the upload
    run("up")
    res = run("upload", str(f), "hello")   # moto in process tries Docker to run hello: its warnings first
    assert res.stdout.strip().splitlines()[-1] == (
        f"uploaded s3://{BUCKET}/some file.txt (5 bytes): fires lambdactl-demo-hello"
    )
    assert s3.get_object(Bucket=BUCKET, Key="some file.txt")["Body"].read() == b"hello"
    out = run("-o", "json", "upload", str(f), "hello", "--key", "k.txt").stdout
    doc = json.loads(out[out.find("{\n"):])   # after moto's Docker warnings, if any
    assert doc == {"bucket": BUCKET, "key": "k.txt", "bytes": 5, "fires": "lambdactl-demo-hello"}
    assert "no S3 trigger" in run("upload", str(f), "list-buckets", code=2).stderr
    # Our entry taken out of the bucket outside lambdactl: the upload would not fire hello either.
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})
    assert f"{BUCKET}'s notification configuration has no entry for lambdactl-demo-hello" in \
        run("upload", str(f), "hello", code=1).stderr


def test_a_large_file_streams_in_parts(aws: None, project: Path, calls: Counter[str]) -> None:
    """boto3's managed transfer: multipart above 8 MB, the file read part by part
    (put_object with the whole file's bytes held 1.09 GB of RSS for a 1 GB file)."""
    s3 = boto3.client("s3", region_name="us-east-1")
    run("up")
    f = project / "big.bin"
    with f.open("wb") as fh:   # sparse: 20 MB of zeros but one byte
        fh.truncate(20 * 2**20)
        fh.seek(15 * 2**20)
        fh.write(b"x")
    calls.clear()
    res = run("upload", str(f), "hello")
    assert res.stdout.strip().splitlines()[-1] == f"uploaded s3://{BUCKET}/big.bin ({20 * 2**20} bytes): fires lambdactl-demo-hello"
    assert calls["CreateMultipartUpload"] == 1 and calls["UploadPart"] == 3 and calls["PutObject"] == 0
    assert calls["CompleteMultipartUpload"] == 1
    body = s3.get_object(Bucket=BUCKET, Key="big.bin", Range=f"bytes={15 * 2**20}-{15 * 2**20}")["Body"].read()
    assert body == b"x"


def test_no_trigger_anywhere_is_said_first(aws: None, project: Path) -> None:
    """Not "declares 2 functions; name one", then "has no S3 trigger"."""
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    toml.write_text(text[:text.index("[[functions.hello.triggers]]")] + text[text.index("# Returns"):])
    (project / "policies/hello.json").write_text((project / "policies/list_buckets.json").read_text())
    f = project / "a.txt"
    f.write_text("x")
    res = run("upload", str(f), code=2)
    assert res.stderr.strip() == ("error: no function in lambdactl.toml has an S3 trigger; add "
                                  '[[functions.NAME.triggers]] with bucket = "..." and run `lambdactl up`')


# -- end to end: the real CLI against the sandbox -----------------------------------
REPO = Path(__file__).resolve().parent.parent
BOOM = """import time


def fail(event, context):
    print("about to fail")
    raise ValueError("boom: " + str(event.get("why", "no reason")))


def slow(event, context):
    print("sleeping")
    time.sleep(5)
"""
EXTRA_FUNCTIONS = """
[functions.boom]
source = "functions/boom"
handler = "app.fail"
timeout = 3

[functions.slow]
source = "functions/boom"
handler = "app.slow"
timeout = 1
"""


def test_upload_fires_and_logs_follow_shows_it_on_the_sandbox(tmp_path: Path) -> None:
    """lambdactl up; logs -f in one process; upload and invoke in others (bounded: ~30 s)."""
    pytest.importorskip("awslambdaric")
    import os
    import queue
    import shutil
    import signal
    import subprocess
    import sys
    import threading
    import time

    for name in ("functions", "policies", "lambdactl.toml"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    (tmp_path / "functions" / "boom").mkdir()
    (tmp_path / "functions" / "boom" / "app.py").write_text(BOOM)
    with (tmp_path / "lambdactl.toml").open("a") as toml:
        toml.write(EXTRA_FUNCTIONS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAMBDACTL_"))}
    env.update(LAMBDACTL_HOME=str(tmp_path / "home"), AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               PYTHONUNBUFFERED="1")
    cli = [sys.executable, "-m", "lambdactl"]

    def lambdactl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], cwd=tmp_path, env=env, input=stdin, capture_output=True,
                              text=True, timeout=30)

    started = lambdactl("local", "start", "--port", "0")
    assert started.returncode == 0, started.stderr
    follower = None
    try:
        assert lambdactl("up").returncode == 0
        follower = subprocess.Popen([*cli, "logs", "hello", "--follow", "--since", "1m"], cwd=tmp_path, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        out = follower.stdout
        assert out is not None
        threading.Thread(target=lambda: [lines.put(ln) for ln in out], daemon=True).start()

        def wait_for(needle: str, timeout: float = 15.0) -> str:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if needle in line:
                    return line
            raise AssertionError(f"{needle!r} not shown by logs --follow within {timeout} s")

        (tmp_path / "hello world.txt").write_text("hi there")
        up = lambdactl("upload", "hello world.txt", "hello")
        assert up.returncode == 0, up.stderr
        assert up.stdout.strip() == (
            "uploaded s3://lambdactl-demo-uploads/hello world.txt (8 bytes): fires lambdactl-demo-hello")
        wait_for("New object s3://lambdactl-demo-uploads/hello world.txt (8 bytes)")
        assert "REPORT" in wait_for("REPORT")

        res = lambdactl("invoke", "hello", "--payload", '{"Records": []}')
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout) == {"statusCode": 200, "objects": 0}
        assert "Billed Duration:" in res.stderr and "Cost: $" in res.stderr

        res = lambdactl("invoke", "hello", "--async", "--payload", "-", stdin='{"marker": "async-e2e"}')
        assert res.returncode == 0, res.stderr
        wait_for("async-e2e")

        (tmp_path / "event.json").write_text('{"why": "from a file"}')
        res = lambdactl("invoke", "boom", "--payload", "@event.json")
        assert res.returncode == 1 and res.stdout == ""
        assert "ValueError: boom: from a file" in res.stderr and "line 6, in fail" in res.stderr
        assert "about to fail" in res.stderr   # the log tail

        res = lambdactl("-o", "json", "invoke", "slow")
        doc = json.loads(res.stdout)
        assert res.returncode == 1 and doc["error"]["errorType"] == "Sandbox.Timedout"
        assert doc["report"]["billed_ms"] == 1000 and doc["report"]["memory_mb"] == 128
        assert doc["cost_usd"] == pytest.approx(1000 / 1000 * 128 / 1024 * 0.0000166667 + 0.2e-6)
        assert "Task timed out after 1.00 seconds" in doc["log"]

        res = lambdactl("invoke", "hello", "--event", "s3-put", "--key", "red flower.jpg")
        assert res.returncode == 0 and "New object s3://lambdactl-demo-uploads/red flower.jpg" in res.stderr

        res = lambdactl("invoke", "hello", "--dry-run")
        assert res.returncode == 0 and "dry run" in res.stderr

        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=10) == 130   # Ctrl-C: exit 130, as at any point of a command
    finally:
        if follower and follower.poll() is None:
            follower.kill()
        lambdactl("local", "stop")
