"""One mistake, one line: a value a newcomer gets wrong is said once, where it is,
with its fix; never again as a consequence in every place that uses it. Exit 2,
no traceback, nothing created (checked against moto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl.cli import root
from tests.test_bad_input import inventory

RESOURCES = """
[tables.history]
partition_key = { name = "bucket", type = "S" }

[buckets.charts]
expire_days = 30

[queues.jobs]
"""
USES = 'memory = 128\nenvironment = { TT = "${tables.history.name}", BB = "${buckets.charts}", QQ = "${queues.jobs.url}" }'
POLICY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem", "s3:PutObject", '
          '"sqs:SendMessage"], "Resource": ["${tables.history.arn}", "${buckets.charts.arn}/*", "${queues.jobs.arn}"]}]}')


def _project(project: Path, old: str = "", new: str = "") -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128", USES, 1) + RESOURCES)
    (project / "policies" / "hello.json").write_text(POLICY)
    if old:
        assert old in toml.read_text(), old
        toml.write_text(toml.read_text().replace(old, new, 1))


def _one_line(args: list[str]) -> str:
    """The one line of stderr of lambdactl ARGS, which must refuse before any write."""
    with mock_aws():
        before = inventory()
        result = CliRunner().invoke(root, ["--target", "aws", *args])
        assert inventory() == before
    assert result.exit_code == 2, result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# (id, old, new, the one line's needle): each resource declared and used, then refused
CASES = [
    ("table-key-type", 'type = "S" }', 'type = "string" }', "tables.history.partition_key:"),
    ("bucket-expire", "expire_days = 30", "expire_days = -1", "buckets.charts.expire_days: must be a number of days"),
    ("bucket-versioning", "expire_days = 30", 'versioning = "yes"', "buckets.charts.versioning: must be true or false"),
    ("queue-retention", "[queues.jobs]", "[queues.jobs]\nretention = 1", "queues.jobs.retention: 1 must be"),
    # a FIFO queue's key with its ".fifo": it made the name 'lambdactl-demo-jobs.fifo.fifo', refused as a name
    ("queue-key-fifo", '[queues.jobs]', '[queues.jobs]\n\n[queues."orders.fifo"]\nfifo = true',
     "queues.orders.fifo: queue keys use letters, digits, '-' and '_' (references name them: ${queues.KEY.url}); "
     "a FIFO queue is [queues.orders] with fifo = true (its name gets \".fifo\")"),
    # not a number: said, then again as "0 s is shorter than the timeout of function hello"
    ("queue-visibility-not-a-number", "[queues.jobs]", '[queues.jobs]\nvisibility_timeout = "60"\n\n'
     '[[functions.list-buckets.triggers]]\ntype = "sqs"\nqueue = "jobs"',
     "queues.jobs.visibility_timeout: '60' must be a whole number of seconds from 0 to 43200"),
]


def test_the_project_is_valid_as_written(project: Path) -> None:
    _project(project)
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("old", "new", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_refused_resource_is_said_once(project: Path, old: str, new: str, needle: str) -> None:
    _project(project, old, new)
    assert needle in _one_line(["plan"])   # not "unknown reference" again in each user


HANDLER = 'handler = "app.lambda_handler"'
SOURCE = 'source = "functions/hello"'
# (id, old, new, the line's needle): what a newcomer writes, refused with the fix
NEWCOMER = [
    # the handler's file as source: it said "directory 'functions/hello/app.py' does not exist"
    ("source-is-the-handler-file", SOURCE, 'source = "functions/hello/app.py"',
     "source: 'functions/hello/app.py' is a file, but source is a directory, zipped as the package root: "
     'set source = "functions/hello" and handler = "app.<function>"'),
    ("source-is-a-file", SOURCE, 'source = "policies/hello.json"', "'policies/hello.json' is a file, but source is a directory"),
    # a directory where a file goes: it said "file 'policies' does not exist"
    ("policy-is-a-directory", 'policy = "policies/hello.json"', 'policy = "policies"',
     "policy: 'policies' is a directory, not a file; name one in it: policies/hello.json, policies/list_buckets.json"),
    # the handler's path from the project: it said only "must be <module>.<function>"
    ("handler-path-from-project", HANDLER, 'handler = "functions/hello/app.lambda_handler"',
     "handler: 'functions/hello/app.lambda_handler' names the module from the project's directory, but Lambda "
     'imports it from the package root (functions/hello/): set handler = "app.lambda_handler"'),
    ("handler-dotted-from-project", HANDLER, 'handler = "functions.hello.app.lambda_handler"',
     'set handler = "app.lambda_handler"'),
    # CORS origins were not checked: Lambda took them and no browser's request ever matched
    ("cors-origin-no-scheme", "memory = 128", 'memory = 128\nurl = { cors = { allow_origins = ["example.com"] } }',
     "url.cors.allow_origins: 'example.com' has no scheme; write \"https://example.com\" (scheme://host[:port])"),
    ("cors-origin-trailing-slash", "memory = 128", 'memory = 128\nurl = { cors = { allow_origins = ["https://a.example/"] } }',
     "'https://a.example/' has a path, which a browser's Origin never has (no request would match); "
     'write "https://a.example"'),
    ("cors-origin-empty", "memory = 128", 'memory = 128\nurl = { cors = { allow_origins = [""] } }',
     "'' is not an origin; write scheme://host[:port]"),
    ("cors-origins-too-many", "memory = 128", "memory = 128\nurl = { cors = { allow_origins = [" +
     ", ".join(f'"https://{i}.example"' for i in range(101)) + "] } }", "lists 101 origins; Lambda allows 100"),
    # pip took these, and Lambda got a link to this machine (-e) or a stale copy (a directory)
    ("requirements-editable", "", "", "source: functions/hello/requirements.txt line 2: '-e .' is an editable install, "
     "a link to . on this machine that Lambda never gets (the import fails there); list the package by name and version"),
    ("requirements-local-dir", "", "", "functions/hello/requirements.txt line 3: './lib' is a directory on this machine"),
    ("layer-requirements-editable", "log_retention_days = 14", 'log_retention_days = 14\nlayers = ["deps"]\n[layers.deps]\nrequirements = "deps.txt"',
     "layers.deps.requirements: deps.txt line 1: '--editable=../shared' is an editable install"),
    # 'проект' was said not to be "1-40 letters": it is, of another script
    ("project-name-cyrillic", 'name = "lambdactl-demo"', 'name = "проект"',
     "project.name: 'проект' must be 1-40 letters a-z or A-Z, digits or '-'"),
    # Lambda's key pattern is [a-zA-Z]([a-zA-Z0-9_])+: CreateFunction refused "X" after the role was made
    ("env-key-one-letter", "{ TT = ", '{ X = "1", TT = ',
     "environment.X: keys must start with a letter, be 2 characters or more and use letters, digits and '_'"),
    # the file's name in the handler: it said "expected functions/hello/app/py.py" / "defines no function 'py'"
    ("handler-module-with-py", HANDLER, 'handler = "app.py.lambda_handler"',
     "handler: 'app.py.lambda_handler' names the module with its file's '.py'; set handler = \"app.lambda_handler\""),
    ("handler-is-the-file", HANDLER, 'handler = "app.py"',
     "handler: 'app.py' names the file; the handler is <module>.<function>: \"app.lambda_handler\""),
    ("handler-path-missing", HANDLER, 'handler = "sub/app.lambda_handler"',
     "module 'sub/app' not found: expected functions/hello/sub/app.py or functions/hello/sub/app/__init__.py"),
]


@pytest.mark.parametrize(("old", "new", "needle"), [c[1:] for c in NEWCOMER], ids=[c[0] for c in NEWCOMER])
def test_a_newcomers_value_is_refused_with_its_fix(project: Path, old: str, new: str, needle: str) -> None:
    _project(project, old, new)
    (project / "deps.txt").write_text("--editable=../shared\n")
    if "requirements.txt" in needle:
        (project / "functions" / "hello" / "requirements.txt").write_text(
            "# shared code\n-e .\nrequests\n" if "editable" in needle else "requests\n\n./lib  # ours\n")
    assert needle in _one_line(["plan"])


@pytest.mark.parametrize("origins", ['"*"', '"https://example.com:8443"', '"http://localhost:3000"',
                                     '"https://*.example.com"', '"*", "https://a.example"'])
def test_cors_origins_lambda_takes_are_accepted(project: Path, origins: str) -> None:
    _project(project, "memory = 128", f"memory = 128\nurl = {{ cors = {{ allow_origins = [{origins}] }} }}")
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("chars", "refused"), [(1500, ""), (2100, "environment: is 4296 bytes; Lambda allows 4 KB")])
def test_the_environment_is_measured_in_utf8_bytes(project: Path, chars: int, refused: str) -> None:
    """1,500 Cyrillic letters (3,000 bytes) were said to be 9,015 bytes, over Lambda's 4 KB:
    json.dumps wrote each as a 6-byte \\uXXXX escape."""
    _project(project, "{ TT = ", '{ GREETING = "' + "ж" * chars + '", TT = ')
    if refused:
        assert refused in _one_line(["plan"])
        return
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
    assert result.exit_code == 0, result.stderr


def test_a_handler_in_a_subdirectory_is_accepted_as_lambda_does(project: Path) -> None:
    """Lambda's Python runtime imports "sub/app.lambda_handler" as sub.app: AWS accepts it."""
    _project(project, HANDLER, 'handler = "sub/app.lambda_handler"')
    (project / "functions" / "hello" / "sub").mkdir()
    (project / "functions" / "hello" / "app.py").rename(project / "functions" / "hello" / "sub" / "app.py")
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("line", ["requests>=2  # pinned below", "x @ https://example.com/x-1.0-py3-none-any.whl",
                                  "./dist/x-1.0-py3-none-any.whl", "-r base.txt", "--find-links ./wheels"])
def test_requirements_pip_and_lambda_take_are_not_refused(tmp_path: Path, line: str) -> None:
    from lambdactl.requirements_check import problems

    (tmp_path / "requirements.txt").write_text(f"{line}\n")
    assert problems(tmp_path / "requirements.txt", "requirements.txt", "functions/hello/") == []
