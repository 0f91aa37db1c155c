"""The bad-input catalogue: each case is one clear line, exit 1 or 2, no traceback,
and zero AWS resources created (checked against moto)."""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from lambdactl.cli import root


def toml_sub(old: str, new: str) -> Callable[[Path], None]:
    def edit(p: Path) -> None:
        f = p / "lambdactl.toml"
        text = f.read_text()
        assert old in text, old
        f.write_text(text.replace(old, new, 1))
    return edit


def write(rel: str, text: str) -> Callable[[Path], None]:
    def edit(p: Path) -> None:
        (p / rel).parent.mkdir(parents=True, exist_ok=True)
        (p / rel).write_text(text)
    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(p: Path) -> None:
        for e in edits:
            e(p)
    return edit


def write_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    def edit(p: Path) -> None:
        (p / os.fsdecode(rel)).parent.mkdir(parents=True, exist_ok=True)
        (p / os.fsdecode(rel)).write_bytes(data)
    return edit


def symlink(rel: str, target: str) -> Callable[[Path], None]:
    return lambda p: (p / rel).symlink_to(target)


def aws_state(fn: Callable[[], None]) -> Callable[[Path], None]:
    return lambda p: fn()


def foreign_role() -> None:
    boto3.client("iam").create_role(RoleName="lambdactl-demo-hello-role", AssumeRolePolicyDocument="{}")


def foreign_function() -> None:
    iam = boto3.client("iam")
    arn = iam.create_role(RoleName="x-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.py", "def h(e, c): pass\n")
    boto3.client("lambda").create_function(FunctionName="lambdactl-demo-list-buckets", Runtime="python3.12",
                                           Role=arn, Handler="a.h", Code={"ZipFile": buf.getvalue()})


def bucket_elsewhere_overlapping() -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="lambdactl-demo-uploads")
    boto3.client("sqs").create_queue(QueueName="q")
    s3.put_bucket_notification_configuration(Bucket="lambdactl-demo-uploads", NotificationConfiguration={
        "QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:123456789012:q",
                                 "Events": ["s3:ObjectCreated:Put"]}]})


POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "%s"}]}'
STATEMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", %s}]}'
CASES: list[tuple[str, Callable[[Path], None] | None, list[str], int, str]] = [
    # -- lambdactl.toml ------------------------------------------------------
    ("toml-syntax", write("lambdactl.toml", "[project\nname="), ["up"], 2, "is not valid TOML"),
    ("no-project", write("lambdactl.toml", "[functions.a]\nsource='functions/hello'\nhandler='app.lambda_handler'\n"), ["up"], 2, "[project]: missing"),
    ("bad-project-name", toml_sub('name = "lambdactl-demo"', 'name = "my app"'), ["up"], 2, "project.name"),
    ("bad-region", toml_sub('region = "us-east-1"', 'region = "mars"'), ["up"], 2, "project.region: 'mars'"),
    ("bad-target", toml_sub('\ntarget = "aws"', '\ntarget = "cloud"'), ["up"], 2, "project.target"),
    ("unknown-top-key", toml_sub("[project]", "[projct]\n[project]"), ["up"], 2, "unknown key 'projct'"),
    ("unknown-fn-key", toml_sub("memory = 128", "memory = 128\nmemroy = 1"), ["up"], 2, "did you mean 'memory'"),
    ("no-functions", write("lambdactl.toml", "[project]\nname = 'x'\n"), ["up"], 2, "no functions declared"),
    ("missing-source", toml_sub('source = "functions/hello"', 'source = "functions/nope"'), ["up"], 2, "source: directory 'functions/nope' does not exist"),
    # names S3 refuses at CreateBucket, after the project's table or other buckets were made
    ("bucket-ip", toml_sub('bucket = "lambdactl-demo-uploads"', 'bucket = "10.0.0.1"'), ["up"], 2,
     "'10.0.0.1' is not a valid S3 bucket name: S3 refuses names formatted as an IP address"),
    ("bucket-reserved", both(toml_sub('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.up}"'),
                             lambda p: (p / "lambdactl.toml").write_text((p / "lambdactl.toml").read_text()
                                                                         + '[buckets.up]\nname = "xn--up"\n')),
     ["up"], 2, "buckets.up.name: 'xn--up' is not a valid S3 bucket name: S3 reserves the prefixes xn--"),
    # an example copied with `cp -r`: its functions/ is a relative link that leads nowhere in the copy
    ("copied-dangling-link", both(symlink("linked", "../../src/templates/functions"),
                                  toml_sub('source = "functions/hello"', 'source = "linked/hello"')), ["up"], 2,
     "directory 'linked/hello' does not exist: the link linked -> ../../src/templates/functions points nowhere "
     "(`cp -r` copies links as links: copy with `cp -rL`)"),
    ("no-source", toml_sub('source = "functions/hello"\n', ""), ["up"], 2, "source: missing"),
    ("bad-handler-shape", toml_sub('handler = "app.lambda_handler"', 'handler = "lambda_handler"'), ["up"], 2, "must be <module>.<function>"),
    ("handler-module-missing", toml_sub('handler = "app.lambda_handler"', 'handler = "main.lambda_handler"'), ["up"], 2, "module 'main' not found"),
    ("handler-func-missing", toml_sub('handler = "app.lambda_handler"', 'handler = "app.handle"'), ["up"], 2, "defines no function 'handle'"),
    ("handler-module-path", toml_sub('handler = "app.lambda_handler"', 'handler = "missing.lambda_handler"'), ["up"], 2, "expected functions/hello/missing.py or functions/hello/missing/__init__.py"),
    ("handler-known-functions-only", both(toml_sub('handler = "app.lambda_handler"', 'handler = "app.nothere"'), write("functions/hello/app.py", "import json\nimport os\nN = 1\ndef lambda_handler(e, c):\n    return 1\n")), ["invoke", "hello"], 2, "functions/hello/app.py defines no function 'nothere'; known: lambda_handler"),
    ("handler-syntax-error", write("functions/hello/app.py", "def lambda_handler(:\n"), ["up"], 2, "syntax error"),
    ("runtime", toml_sub('runtime = "python3.12"', 'runtime = "nodejs20.x"'), ["up"], 2, "not a supported Lambda runtime"),
    ("memory-low", toml_sub("memory = 128", "memory = 64"), ["up"], 2, "64 MB is out of range"),
    ("memory-high", toml_sub("memory = 128", "memory = 20000"), ["up"], 2, "20000 MB is out of range"),
    ("memory-type", toml_sub("memory = 128", 'memory = "128"'), ["up"], 2, "must be an integer"),
    ("timeout-zero", toml_sub("timeout = 10", "timeout = 0"), ["up"], 2, "0 s is out of range"),
    ("timeout-high", toml_sub("timeout = 10", "timeout = 1000"), ["up"], 2, "1000 s is out of range"),
    ("timeout-bool", toml_sub("timeout = 10", "timeout = true"), ["up"], 2, "must be an integer"),
    ("architecture", toml_sub("memory = 128", 'memory = 128\narchitecture = "amd64"'), ["up"], 2, "architecture: 'amd64'"),
    ("retention", toml_sub("log_retention_days = 14", "log_retention_days = 10"), ["up"], 2, "not a CloudWatch retention"),
    ("env-reserved", toml_sub("memory = 128", 'memory = 128\nenvironment = { AWS_REGION = "x" }'), ["up"], 2, "reserved by Lambda"),
    ("env-number", toml_sub("memory = 128", "memory = 128\nenvironment = { NN = 3 }"), ["up"], 2, "quote it"),
    ("env-too-big", toml_sub("memory = 128", 'memory = 128\nenvironment = { BB = "' + "x" * 4100 + '" }'), ["up"], 2, "Lambda allows 4 KB"),
    # an unclosed reference was deployed as literal text (environment) or sent to IAM as is (policy)
    ("env-unclosed-ref", toml_sub("memory = 128", 'memory = 128\nenvironment = { QQ = "${queues.jobs.arn" }'), ["up"], 2,
     "environment.QQ: unclosed ${queues.jobs.arn: add the closing '}' (${queues.jobs.arn})"),
    ("policy-unclosed-placeholder", write("policies/hello.json", POLICY % "arn:aws:s3:::${bucket/*"), ["up"], 2,
     "unclosed ${bucket/*: add the closing '}'"),
    ("env-bad-key", toml_sub("memory = 128", 'memory = 128\nenvironment = { "1X" = "x" }'), ["up"], 2, "keys must start with a letter"),
    ("layers-nested-list", toml_sub("memory = 128", "memory = 128\nlayers = [[]]"), ["up"], 2, "[] is not a layer version ARN"),
    ("layer-arn", toml_sub("memory = 128", 'memory = 128\nlayers = ["numpy"]'), ["up"], 2, "not a layer version ARN"),
    ("name-too-long", toml_sub("[functions.hello]", "[functions." + "h" * 50 + "]"), ["up"], 2, "Lambda allows 64"),
    ("bucket-name", toml_sub('bucket = "lambdactl-demo-uploads"', 'bucket = "Uploads_Bucket"'), ["up"], 2, "not a valid S3 bucket name"),
    ("event-name", toml_sub('events = ["s3:ObjectCreated:*"]', 'events = ["ObjectCreated"]'), ["up"], 2, "is not an S3 event"),
    ("trigger-type", toml_sub('type = "s3"', 'type = "kinesis"'), ["up"], 2, 'one of "s3", "schedule", "sqs"'),
    ("trigger-key", toml_sub('type = "s3"', 'type = "s3"\nprefx = "a"'), ["up"], 2, "did you mean 'prefix'"),
    ("trigger-overlap", toml_sub('events = ["s3:ObjectCreated:*"]', 'events = ["s3:ObjectCreated:*"]\n[[functions.hello.triggers]]\nbucket = "lambdactl-demo-uploads"\nprefix = "a/"'), ["up"], 2, "S3 rejects overlapping rules"),
    # -- policy files ----------------------------------------------------------
    ("policy-missing", toml_sub('policy = "policies/hello.json"', 'policy = "policies/nope.json"'), ["up"], 2, "file 'policies/nope.json' does not exist"),
    ("policy-json", write("policies/hello.json", "{"), ["up"], 2, "not valid JSON"),
    ("policy-shape", write("policies/hello.json", '{"Statement": []}'), ["up"], 2, "must be an IAM policy"),
    ("policy-placeholder", write("policies/hello.json", POLICY % "${bukket}"), ["up"], 2, "unknown placeholder ${bukket}"),
    ("policy-effect", write("policies/hello.json", POLICY.replace("Allow", "Permit") % "*"), ["up"], 2, "Effect must be"),
    ("policy-principal", write("policies/hello.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}'), ["up"], 2, "has a Principal"),
    ("policy-recursive", write("policies/hello.json", POLICY.replace("s3:GetObject", "s3:PutObject") % "arn:aws:s3:::${bucket}/*"), ["up"], 2, "infinite invocation loop"),
    ("policy-action-number", write("policies/hello.json", STATEMENT % '"Action": 5, "Resource": "*"'), ["up"], 2, "Statement[0].Action must be a string or a non-empty list of strings"),
    ("policy-unknown-element", write("policies/hello.json", STATEMENT % '"Action": "s3:GetObject", "Resources": "*"'), ["up"], 2, "unknown element 'Resources'; did you mean 'Resource'?"),
    # Condition blocks IAM refuses (MalformedPolicyDocument at PutRolePolicy, after CreateRole)
    ("policy-condition-operator", write("policies/hello.json", STATEMENT % '"Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqual": {"aws:RequestedRegion": "us-east-1"}}'), ["up"], 2,
     "policies/hello.json: Statement[0].Condition: unknown condition operator 'StringEqual'; did you mean 'StringEquals'?"),
    ("policy-condition-set-operator", write("policies/hello.json", STATEMENT % '"Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValues:StringEquals": {"aws:TagKeys": ["a"]}}'), ["plan"], 2,
     "unknown condition operator 'ForAnyValues:StringEquals'; did you mean 'ForAnyValue:StringEquals'?"),
    ("policy-condition-shape", write("policies/hello.json", STATEMENT % '"Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": "us-east-1"}'), ["up"], 2,
     "Statement[0].Condition.StringEquals must map condition keys to values"),
    # -- encodings ---------------------------------------------------------------
    ("toml-latin1", write_bytes("lambdactl.toml", "# café\n[project]\nname = 'x'\n".encode("latin-1")), ["up"], 2, "lambdactl.toml is not UTF-8 text: byte 0xe9 on line 1"),
    ("toml-utf16", write_bytes("lambdactl.toml", "[project]\nname = 'x'\n".encode("utf-16")), ["up"], 2, "lambdactl.toml is UTF-16 text"),
    ("toml-utf16-iconv-hint", write_bytes("lambdactl.toml", "[project]\nname = 'x'\n".encode("utf-16")), ["up"], 2, "save it as UTF-8 (e.g. iconv -f utf-16 -t utf-8 FILE)"),
    ("config-is-a-directory", lambda p: (p / "sub" / "lambdactl.toml").mkdir(parents=True), ["--config", "sub/lambdactl.toml", "up"], 2, "sub/lambdactl.toml: it is a directory"),
    ("policy-latin1", write_bytes("policies/hello.json", (POLICY % "*").replace("GetObject", "GetObject\u00e9").encode("latin-1")), ["up"], 2, "policies/hello.json: the file is not UTF-8 text"),
    ("ignore-latin1", write_bytes("functions/hello/.lambdactlignore", "caf\u00e9/\n".encode("latin-1")), ["up"], 2, "hello/.lambdactlignore is not UTF-8 text"),
    ("file-name-latin1", write_bytes(b"functions/hello/caf\xe9.txt", b"x"), ["up"], 2, "hello/caf\\xe9.txt: the file name is not UTF-8"),
    ("handler-latin1-no-coding", write_bytes("functions/hello/app.py", "# café\ndef lambda_handler(e, c):\n    return 1\n".encode("latin-1")), ["up"], 2, "app.py: invalid or missing encoding declaration; save it as UTF-8"),
    ("handler-wrong-coding", write_bytes("functions/hello/app.py", "# coding: ascii\n# café\ndef lambda_handler(e, c):\n    return 1\n".encode("latin-1")), ["up"], 2, "app.py does not match its declared encoding ascii"),
    ("payload-latin1", write_bytes("p.json", '{"a": "café"}'.encode("latin-1")), ["invoke", "hello", "--payload", "@p.json"], 2, "payload file p.json is not UTF-8 text"),
    ("payload-utf16-broken", write_bytes("p.json", codecs.BOM_UTF16_LE + b"{\x00\x00\xd8"), ["invoke", "hello", "--payload", "@p.json"], 2, "payload file p.json is not UTF-16 text"),
    ("policy-utf16", write_bytes("policies/hello.json", (POLICY % "*").encode("utf-16")), ["up"], 2, "policies/hello.json: the file is UTF-16 text"),
    ("ignore-utf16", write_bytes("functions/hello/.lambdactlignore", "tests/\n".encode("utf-16")), ["package", "hello"], 2, "hello/.lambdactlignore is UTF-16 text"),
    ("dir-name-latin1", write_bytes(b"functions/hello/caf\xe9/x.py", b""), ["up"], 2, "hello/caf\\xe9/x.py: the file name is not UTF-8"),
    ("handler-null-bytes", write_bytes("functions/hello/app.py", b"def lambda_handler(e, c):\n    return 1\n\x00"), ["up"], 2, "functions/hello/app.py"),
    ("handler-annotation-only", write("functions/hello/app.py", "lambda_handler: object\n"), ["up"], 2, "defines no function 'lambda_handler'"),
    ("handler-nested-def", write("functions/hello/app.py", "def outer():\n    def lambda_handler(e, c):\n        pass\n"), ["up"], 2, "defines no function 'lambda_handler'; known: outer"),
    ("payload-file-missing", None, ["invoke", "hello", "--payload", "@nope.json"], 2, "cannot read payload file nope.json"),
    ("logs-since-words", None, ["logs", "hello", "--since", "yesterday"], 2, "is not a duration or a time"),
    # -- symlinks in a function's directory ----------------------------------------
    ("symlink-outside", symlink("functions/hello/id_rsa", "/etc/hostname"), ["up"], 2, "hello/id_rsa is a symlink to /etc/hostname, outside hello/"),
    ("symlink-dir-outside", symlink("functions/hello/lib", "../list_buckets"), ["up"], 2, "hello/lib is a symlink to"),
    ("symlink-cycle", symlink("functions/hello/again", "."), ["package", "hello"], 2, "a cycle"),
    ("symlink-dangling", symlink("functions/hello/data.csv", "gone.csv"), ["up"], 2, "hello/data.csv is a symlink to gone.csv, which does not exist"),
    ("symlink-loop-of-links", both(symlink("functions/hello/a", "b"), symlink("functions/hello/b", "a")), ["package", "hello"], 2, "(or is a loop of links)"),
    ("state-dir-dangling-symlink", symlink(".lambdactl", "/nonexistent/state"), ["up"], 1, ".lambdactl: a symlink to /nonexistent/state, which does not exist; remove the link"),
    # -- the journal and its folder -----------------------------------------------
    ("state-dir-is-file", write(".lambdactl", "x"), ["up"], 1, ".lambdactl: not a directory"),
    ("state-dir-is-file-package", write(".lambdactl", "x"), ["package", "hello"], 1, ".lambdactl: not a directory"),
    ("policy-recursive-notaction", write("policies/hello.json", STATEMENT % '"NotAction": "iam:*", "Resource": "*"'), ["up"], 2, "allows s3:PutObject on '*'"),
    ("policy-recursive-notresource", write("policies/hello.json", STATEMENT % '"Action": "s3:*", "NotResource": "arn:aws:s3:::elsewhere/*"'), ["up"], 2, "allows s3:PutObject on every resource but ['arn:aws:s3:::elsewhere/*']"),
    ("policy-recursive-both-not", write("policies/hello.json", STATEMENT % '"NotAction": ["s3:GetObject"], "NotResource": ["arn:aws:s3:::${bucket}/private/*"]'), ["plan"], 2, "infinite invocation loop"),
    ("policy-recursive-put-wildcard", write("policies/hello.json", STATEMENT % '"Action": "s3:Put*", "Resource": "arn:*:s3:::lambdactl-demo-*"'), ["up"], 2, "infinite invocation loop"),
    ("policy-recursive-star", write("policies/hello.json", STATEMENT % '"Action": "*", "Resource": "*"'), ["up"], 2, "infinite invocation loop"),
    # -- CLI arguments ----------------------------------------------------------
    ("logs-since-overflow", None, ["logs", "hello", "--since", "99999999d"], 2, "--since '99999999d' reaches back before 1970"),
    ("logs-since-before-1970", None, ["logs", "hello", "--since", "30000d"], 2, "reaches back before 1970"),
    ("logs-since-year-1", None, ["logs", "hello", "--since", "0001-01-01T00:00:00Z"], 2, "reaches back before 1970"),
    ("unknown-function", None, ["deploy", "helo"], 2, "did you mean 'hello'"),
    ("missing-config", None, ["--config", "nope.toml", "up"], 2, "no config file"),
    ("bad-output", None, ["--output", "yaml", "up"], 2, "'yaml': lambdactl has no YAML output"),
    ("unknown-profile", None, ["--profile", "nope", "up"], 1, "AWS profile 'nope' not found"),
    ("destroy-needs-yes", None, ["destroy"], 2, "destroy needs --yes"),
    # arguments typed in a Latin-1 / Shift-JIS terminal: Python keeps the bytes as surrogates
    ("arg-payload-not-utf8", None, ["invoke", "hello", "--payload", '{"a": "\udcff"}'], 2, '\'{"a": "\\xff"}\' is not UTF-8 text (byte 0xff)'),
    ("arg-download-key-not-utf8", None, ["download", "lambdactl-demo-uploads", "k\udce9"], 2, "'k\\xe9' is not UTF-8 text (byte 0xe9)"),
    ("arg-rm-key-not-utf8", None, ["rm", "lambdactl-demo-uploads", "k\udce9"], 2, "'k\\xe9' is not UTF-8 text"),
    ("upload-name-shift-jis", write_bytes(b"\x83e\x83X\x83g.txt", b"x"), ["upload", os.fsdecode(b"\x83e\x83X\x83g.txt")], 2, "the file name '\\x83e\\x83X\\x83g.txt' is not UTF-8 text, which S3 keys are; pass --key NAME"),
    ("upload-key-not-utf8", write("f.txt", "x"), ["upload", "f.txt", "--key", "k\udcff"], 2, "--key 'k\\xff' is not UTF-8 text"),
    ("upload-fifo", lambda p: os.mkfifo(p / "fifo"), ["upload", "fifo"], 2, "fifo is not a regular file (a FIFO, socket or device)"),
    ("upload-device", None, ["upload", "/dev/null"], 2, "/dev/null is not a regular file"),
    ("upload-proc-file", None, ["upload", "/proc/self/status"], 2, "says it holds 0 bytes but has content"),
    ("unknown-command", None, ["deplyo"], 2, "No such command 'deplyo'"),
    # -- AWS state -------------------------------------------------------------
    ("foreign-role", aws_state(foreign_role), ["up"], 1, "belongs to someone else"),
    ("foreign-function", aws_state(foreign_function), ["up"], 1, "belongs to someone else"),
    ("foreign-overlapping-rule", aws_state(bucket_elsewhere_overlapping), ["up"], 1, "overlaps the existing notification 'q'"),
    ("deploy-before-role", None, ["deploy", "hello"], 1, "run `lambdactl role hello`"),
    ("wire-before-deploy", None, ["wire", "hello"], 1, "is not deployed"),
]


def inventory() -> str:
    c = {s: boto3.client(s) for s in ("lambda", "iam", "logs", "s3")}
    return json.dumps({
        "functions": sorted(f["FunctionName"] for f in c["lambda"].list_functions()["Functions"]),
        "roles": sorted(r["RoleName"] for r in c["iam"].list_roles()["Roles"]),
        "inline": sorted(p for r in c["iam"].list_roles()["Roles"] for p in c["iam"].list_role_policies(RoleName=r["RoleName"])["PolicyNames"]),
        "logs": sorted(g["logGroupName"] for g in c["logs"].describe_log_groups()["logGroups"]),
        "buckets": sorted(b["Name"] for b in c["s3"].list_buckets()["Buckets"]),
        "notifications": {b["Name"]: c["s3"].get_bucket_notification_configuration(Bucket=b["Name"]).get("LambdaFunctionConfigurations", [])
                          for b in c["s3"].list_buckets()["Buckets"]},
    }, sort_keys=True, default=str)


def test_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(("setup", "args", "code", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(project: Path, setup: Callable[[Path], None] | None, args: list[str], code: int, needle: str) -> None:
    with mock_aws():
        if setup:
            setup(project)
        before = inventory()
        result = CliRunner().invoke(root, ["--target", "aws", *args])
        assert result.exit_code == code, result.output + result.stderr
        assert needle in result.stderr
        assert "Traceback" not in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error")]
        assert len(errors) == 1, result.stderr
        assert inventory() == before  # nothing created, nothing changed
