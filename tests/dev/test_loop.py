"""The dev loop in process against moto: each kind of change makes the right calls,
counted at botocore's client; a syntax error keeps the last good code."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from lambdactl.aws import is_write
from lambdactl.cli import App
from lambdactl.commands.dev import _hooks
from lambdactl.dev.loop import DevLoop

HELLO = "lambdactl-demo-hello"


@dataclass
class Dev:
    loop: DevLoop
    said: list[str]
    root: Path
    calls: Counter[str]

    def handle(self, *rel: str) -> dict[str, int]:
        """One batch of changed paths -> the write calls it made."""
        self.calls.clear()
        self.said.clear()
        self.loop.handle({self.root / r for r in rel})
        return {op: n for op, n in self.calls.items() if is_write(op)}


@pytest.fixture
def dev(project: Path, calls: Counter[str]) -> Iterator[Dev]:
    with mock_aws():
        hooks = _hooks(App(target="aws"))
        said: list[str] = []
        hooks.say = lambda symbol, line: said.append(f"{symbol} {line}")
        loop = DevLoop(hooks)
        loop.start()
        yield Dev(loop, said, project, calls)


def lam():  # type: ignore[no-untyped-def]
    return boto3.client("lambda", region_name="us-east-1")


def deployed_sha(name: str = HELLO) -> str:
    return str(lam().get_function(FunctionName=name)["Configuration"]["CodeSha256"])


def built(root: Path) -> tuple[str, zipfile.ZipFile]:
    """The CodeSha256 and the zip of the last build of hello."""
    zipped = (root / ".lambdactl/build" / f"{HELLO}.zip").read_bytes()
    return base64.b64encode(hashlib.sha256(zipped).digest()).decode(), zipfile.ZipFile(io.BytesIO(zipped))


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    path.write_text(path.read_text().replace(old, new))


def test_code_change_is_one_update_function_code(dev: Dev) -> None:
    edit(dev.root, "functions/hello/app.py", '"statusCode": 200', '"statusCode": 201')
    assert dev.handle("functions/hello/app.py") == {"UpdateFunctionCode": 1}
    sha, zipped = built(dev.root)
    assert deployed_sha() == sha and b'"statusCode": 201' in zipped.read("app.py")
    assert any(line.startswith("↻ hello: code updated in") for line in dev.said), dev.said
    # Only that file was deflated again.
    memo = dev.loop.memos["hello"]
    edit(dev.root, "functions/hello/app.py", "201", "202")
    (dev.root / "functions/hello/util.py").write_text("X = 1\n")
    dev.handle("functions/hello/app.py", "functions/hello/util.py")
    assert (memo.hits, memo.misses) == (0, 3)   # app.py twice changed, util.py new
    edit(dev.root, "functions/hello/app.py", "202", "203")
    dev.handle("functions/hello/app.py")
    assert (memo.hits, memo.misses) == (1, 4)   # util.py unchanged: reused


def test_the_same_code_again_sends_nothing(dev: Dev) -> None:
    path = dev.root / "functions/hello/app.py"
    path.write_text(path.read_text())   # saved without a change
    assert dev.handle("functions/hello/app.py") == {}
    assert dev.calls == Counter(), dev.calls
    assert dev.said == ["= hello: code unchanged (same CodeSha256), nothing sent"]


def test_config_change_is_one_update_function_configuration(dev: Dev) -> None:
    edit(dev.root, "lambdactl.toml", "memory = 128\ntimeout = 10\npolicy = \"policies/hello.json\"",
         "memory = 256\ntimeout = 10\npolicy = \"policies/hello.json\"")
    assert dev.handle("lambdactl.toml") == {"UpdateFunctionConfiguration": 1}
    cfg = lam().get_function_configuration(FunctionName=HELLO)
    assert cfg["MemorySize"] == 256
    assert lam().get_function_configuration(FunctionName="lambdactl-demo-list-buckets")["MemorySize"] == 128
    assert dev.said[-1].startswith("↻ hello: configuration (MemorySize) updated in")


def test_structural_change_runs_the_full_plan(dev: Dev) -> None:
    with (dev.root / "lambdactl.toml").open("a") as f:
        f.write('\n[[functions.list-buckets.triggers]]\ntype = "s3"\nbucket = "dev-other"\n')
    assert dev.handle("lambdactl.toml") == {
        "CreateBucket": 1, "AddPermission": 1, "PutBucketNotificationConfiguration": 1}
    assert dev.said[0] == "▸ list-buckets: triggers changed: running the full plan"


def test_a_new_function_is_created(dev: Dev) -> None:
    with (dev.root / "lambdactl.toml").open("a") as f:
        f.write('\n[functions.third]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n')
    writes = dev.handle("lambdactl.toml")
    assert writes["CreateFunction"] == 1 and writes["CreateRole"] == 1, writes
    assert "UpdateFunctionCode" not in writes
    lam().get_function(FunctionName="lambdactl-demo-third")


@pytest.mark.parametrize("rel", ["functions/hello/app.py", "functions/hello/util.py"])
def test_a_syntax_error_keeps_the_last_good_code(dev: Dev, rel: str) -> None:
    sha = deployed_sha()
    path = dev.root / rel
    path.write_text((path.read_text() if path.exists() else "") + "\ndef broken(:\n")
    assert dev.handle(rel) == {}
    assert len(dev.said) == 1 and "syntax error" in dev.said[0] and rel.split("/")[-1] in dev.said[0]
    assert dev.said[0].endswith("keeping the deployed code") or dev.said[0].endswith("keeping what is deployed")
    assert deployed_sha() == sha == built(dev.root)[0]   # nothing built, nothing sent
    # Fixed: the next save deploys it (the failed change was kept and is tried again).
    path.write_text(path.read_text().replace("\ndef broken(:\n", "\nFIXED = True\n"))
    assert dev.handle(rel) == {"UpdateFunctionCode": 1}
    new_sha, zipped = built(dev.root)
    assert deployed_sha() == new_sha != sha and b"FIXED = True" in zipped.read(rel.split("/")[-1])


def test_an_environment_value_a_policy_names_is_a_role_change(dev: Dev) -> None:
    """${KEY} of the environment in a policy: a new value changes the role's policy too."""
    (dev.root / "policies/list_buckets.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",'
        ' "Resource": "arn:aws:s3:::${TARGET}"}]}')
    edit(dev.root, "lambdactl.toml", 'policy = "policies/list_buckets.json"',
         'policy = "policies/list_buckets.json"\nenvironment = { TARGET = "one" }')
    dev.handle("lambdactl.toml", "policies/list_buckets.json")
    edit(dev.root, "lambdactl.toml", 'TARGET = "one"', 'TARGET = "two"')
    writes = dev.handle("lambdactl.toml")
    assert writes == {"PutRolePolicy": 1, "UpdateFunctionConfiguration": 1}, writes
    assert "rendered policy changed" in dev.said[0]


def test_a_save_before_the_watch_is_live_is_caught_up(dev: Dev) -> None:
    """Between `up` and the watch being live a save has no event: the first batch
    (the watch is live) makes the loop compare every function's code again."""
    import threading

    from lambdactl.dev.loop import watch

    edit(dev.root, "functions/hello/app.py", '"statusCode": 200', '"statusCode": 299')
    stop = threading.Event()
    ready: list[bool] = []
    dev.loop.hooks.on_ready = lambda: ready.append(True)

    def source(dirs: list[Path], stop_: threading.Event) -> Iterator[set[Path]]:
        assert dev.root / "functions/hello" in dirs
        yield set()          # live, no events
        yield set()
        stop.set()
        yield set()

    dev.calls.clear()
    dev.said.clear()
    watch(dev.loop, stop, source)
    assert ready == [True]
    assert {op: n for op, n in dev.calls.items() if is_write(op)} == {"UpdateFunctionCode": 1}
    assert deployed_sha() == built(dev.root)[0]
    assert [line.split(" in ")[0] for line in dev.said] == ["↻ hello: code updated"]
    # Nothing changed since: catching up again sends nothing and says nothing.
    dev.said.clear()
    dev.calls.clear()
    dev.loop.catch_up()
    assert {op: n for op, n in dev.calls.items() if is_write(op)} == {} and dev.said == []


def test_a_new_requirement_is_vendored_and_sent(dev: Dev, wheelhouse: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """requirements.txt is part of the code: pip installs it for Lambda's platform (from
    a local wheelhouse here) and the zip that goes carries it."""
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    (dev.root / "functions/hello/requirements.txt").write_text("purelib==1.0\n")
    assert dev.handle("functions/hello/requirements.txt") == {"UpdateFunctionCode": 1}
    sha, zipped = built(dev.root)
    assert deployed_sha() == sha and zipped.read("purelib/__init__.py") == b"VALUE = 'pure'\n"


def test_destroy_while_dev_runs_is_said_once_per_save(dev: Dev) -> None:
    """It said "UpdateFunctionCode failed: ResourceNotFoundException: Function not found:
    arn:...; keeping what is deployed": nothing was deployed, and no fix was named."""
    lam().delete_function(FunctionName=HELLO)   # as `lambdactl destroy` from another terminal
    edit(dev.root, "functions/hello/app.py", '"statusCode": 200', '"statusCode": 201')
    assert dev.handle("functions/hello/app.py") == {"UpdateFunctionCode": 1}
    assert dev.said == ["✗ hello: function lambdactl-demo-hello is not deployed any more (`lambdactl destroy` "
                        "while dev ran?); nothing sent; stop dev, or run `lambdactl up` to make it again"]


def test_a_file_beside_the_project_does_not_retry_a_failed_change(dev: Dev) -> None:
    """`lambdactl dev 2> dev.log` in the project's directory: each line dev wrote was an
    event in the watched directory, each event retried the failed change, which wrote
    a line: 130 failed UpdateFunctionCode calls in 15 s after one save."""
    lam().delete_function(FunctionName=HELLO)
    edit(dev.root, "functions/hello/app.py", '"statusCode": 200', '"statusCode": 201')
    dev.handle("functions/hello/app.py")
    (dev.root / "dev.log").write_text(dev.said[0])
    assert dev.handle("dev.log") == {}
    assert dev.said == []
    # the next save of the project retries it, as before
    assert dev.handle("functions/hello/app.py") == {"UpdateFunctionCode": 1}
