"""Config validation: pure, no AWS. Every bad input is one line naming field and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdactl import config
from lambdactl.errors import ConfigError

BASE = """
[project]
name = "demo"

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
policy = "policies/hello.json"
{extra}

[[functions.hello.triggers]]
bucket = "demo-bucket"
{trigger}
"""


def write(project: Path, extra: str = "", trigger: str = "", body: str | None = None) -> Path:
    path = project / "lambdactl.toml"
    path.write_text(body if body is not None else BASE.format(extra=extra, trigger=trigger))
    return path


def test_repo_example_loads(project: Path) -> None:
    proj = config.load(project / "lambdactl.toml")
    assert [f.key for f in proj.functions] == ["hello", "list-buckets"]
    hello = proj.function("hello")
    assert hello.name == "lambdactl-demo-hello"
    assert hello.role_name == "lambdactl-demo-hello-role"
    assert hello.triggers[0].events == ("s3:ObjectCreated:*",)


@pytest.mark.parametrize(
    ("extra", "trigger", "needle"),
    [
        ("memory = 64", "", "memory: 64 MB is out of range"),
        ("memory = \"big\"", "", "memory: must be an integer"),
        ("timeout = 901", "", "timeout: 901 s is out of range"),
        ("runtime = \"python2.7\"", "", "runtime: 'python2.7' is not a supported"),
        ("architecture = \"arm\"", "", "architecture: 'arm' must be"),
        ("log_retention_days = 15", "", "log_retention_days: 15 is not a CloudWatch retention"),
        ("memroy = 256", "", "unknown key 'memroy'; did you mean 'memory'"),
        ("environment = { AWS_REGION = \"x\" }", "", "reserved by Lambda"),
        ("environment = { NN = 1 }", "", "must be a string, got 1; quote it"),
        ("environment = { BIG = \"" + "x" * 5000 + "\" }", "", "Lambda allows 4 KB"),
        ("layers = [\"not-an-arn\"]", "", "is not a layer version ARN"),
        ("", "events = [\"s3:ObjectCreated:Putt\"]", "not an S3 event; did you mean 's3:ObjectCreated:Put'"),
        ("", "type = \"kinesis\"", "one of \"s3\", \"schedule\", \"sqs\", \"dynamodb\""),
        ("", "type = \"sqs\"", "queue: missing; set queue = \"NAME\" for one of the file's [queues.NAME]"),
        ("", "prefx = \"a/\"", "unknown key 'prefx'; did you mean 'prefix'"),
    ],
)
def test_bad_fields(project: Path, extra: str, trigger: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(write(project, extra, trigger))
    assert needle in str(err.value)
    assert err.value.exit_code == 2


def test_bad_bucket_name(project: Path) -> None:
    body = BASE.format(extra="", trigger="").replace("demo-bucket", "Demo_Bucket")
    with pytest.raises(ConfigError, match="not a valid S3 bucket name"):
        config.load(write(project, body=body))


def test_handler_checked_statically(project: Path) -> None:
    body = BASE.format(extra="", trigger="").replace("app.lambda_handler", "app.handler")
    with pytest.raises(ConfigError, match="defines no function 'handler'; did you mean 'lambda_handler'"):
        config.load(write(project, body=body))
    body = BASE.format(extra="", trigger="").replace("app.lambda_handler", "main.lambda_handler")
    with pytest.raises(ConfigError, match="module 'main' not found"):
        config.load(write(project, body=body))


def test_handler_module_is_not_imported(project: Path) -> None:
    (project / "functions/hello/app.py").write_text("raise SystemExit('imported!')\ndef lambda_handler(e, c):\n    pass\n")
    assert config.load(write(project)).function("hello").handler == "app.lambda_handler"


def test_unknown_placeholder_in_policy(project: Path) -> None:
    (project / "policies/hello.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "${bukket}"}]}'
    )
    with pytest.raises(ConfigError, match=r"unknown placeholder \$\{bukket\}"):
        config.load(write(project))


def test_iam_policy_variables_pass_to_iam_unchanged(project: Path) -> None:
    """${aws:userid}, ${aws:PrincipalTag/team, 'none'}, ${*}: IAM's own policy variables
    (reference_policies_variables.html), resolved per request; lambdactl's placeholders
    (no colon) are still filled in. They were refused as unknown placeholders."""
    from lambdactl.iam import render_policy

    resource = "arn:aws:s3:::${bucket}/${aws:userid}/${aws:PrincipalTag/team, 'none'}/${*}"
    (project / "policies/hello.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]}))
    fn = config.load(write(project)).functions[0]
    rendered = render_policy(fn, "us-east-1", "123456789012")["Statement"][0]["Resource"]
    assert rendered == f"arn:aws:s3:::{fn.triggers[0].bucket}/${{aws:userid}}/${{aws:PrincipalTag/team, 'none'}}/${{*}}"


def test_policy_must_be_json(project: Path) -> None:
    (project / "policies/hello.json").write_text("{nope")
    with pytest.raises(ConfigError, match="not valid JSON"):
        config.load(write(project))


def test_recursive_trigger_refused_unless_allowed(project: Path) -> None:
    (project / "policies/hello.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", '
        '"Resource": "arn:aws:s3:::${bucket}/out/*"}]}'
    )
    with pytest.raises(ConfigError, match="infinite invocation loop"):
        config.load(write(project))
    # A trigger on another prefix does not loop.
    assert config.load(write(project, trigger='prefix = "in/"'))
    assert config.load(write(project, trigger="allow_recursive = true"))


def test_overlapping_triggers_refused(project: Path) -> None:
    body = BASE.format(extra="", trigger='prefix = "a/"') + '\n[[functions.hello.triggers]]\nbucket = "demo-bucket"\nprefix = "a/b/"\n'
    with pytest.raises(ConfigError, match="overlaps functions.hello.triggers\\[0\\]"):
        config.load(write(project, body=body))


def test_name_length_validated(project: Path) -> None:
    body = BASE.format(extra="", trigger="").replace('name = "demo"', f'name = "{"p" * 40}"').replace(
        "[functions.hello", f"[functions.{'h' * 22}")
    with pytest.raises(ConfigError, match="exceeds IAM's 64 chars"):
        config.load(write(project, body=body))


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config file"):
        config.load(tmp_path / "nope.toml")


def test_function_resolution(project: Path) -> None:
    proj = config.load(project / "lambdactl.toml")
    with pytest.raises(ConfigError, match="did you mean 'hello'"):
        proj.function("helo")
    with pytest.raises(ConfigError, match="declares 2 functions"):
        proj.function(None)


def test_rules_overlap() -> None:
    ev = ("s3:ObjectCreated:*",)
    assert config.rules_overlap(ev, "", "", ("s3:ObjectCreated:Put",), "x/", "")
    assert not config.rules_overlap(ev, "a/", "", ev, "b/", "")
    assert not config.rules_overlap(ev, "", ".jpg", ev, "", ".png")
    assert not config.rules_overlap(ev, "", "", ("s3:ObjectRemoved:*",), "", "")


def test_latin1_handler_with_a_coding_line_is_valid(project: Path) -> None:
    """PEP 263: Python (so Lambda) imports it; the handler check must read it the same way."""
    (project / "functions/hello/app.py").write_bytes(
        "# -*- coding: latin-1 -*-\nGREETING = 'café'\n\ndef lambda_handler(event, context):\n"
        "    return GREETING\n".encode("latin-1"))
    assert config.load(project / "lambdactl.toml").function("hello").handler == "app.lambda_handler"


def test_config_with_utf8_bom_loads(project: Path) -> None:
    path = project / "lambdactl.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert config.load(path).name == "lambdactl-demo"


def test_a_bad_bucket_name_has_no_knock_on_placeholder_error(project: Path) -> None:
    """The policy's ${bucket} stays known when the trigger's bucket is reported wrong."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('bucket = "lambdactl-demo-uploads"', 'bucket = "Uploads_Bucket"'))
    with pytest.raises(ConfigError) as info:
        config.load(toml)
    assert str(info.value).splitlines() == [
        "lambdactl.toml:21: functions.hello.triggers[0].bucket: 'Uploads_Bucket' is not a valid S3 bucket name "
        "(3-63 lowercase letters, digits, '.', '-')"]


@pytest.mark.parametrize("name", ["xn--app", "sthree-app", "my-app-with-a-name-of-forty-characters-x"])
def test_a_project_name_whose_derived_bucket_name_is_refused_is_one_line_naming_the_fix(project: Path, name: str) -> None:
    """[buckets.uploads] named after the project: the bucket's refusal came with two
    knock-on lines on the trigger naming it ("unknown reference ...; known: none
    (declare [buckets.NAME])", though it is declared), and no way out."""
    toml = project / "lambdactl.toml"
    text = toml.read_text().replace('name = "lambdactl-demo"', f'name = "{name}"')
    toml.write_text(text.replace('bucket = "lambdactl-demo-uploads"', 'bucket = "${buckets.uploads-of-this-application}"')
                    + "\n[buckets.uploads-of-this-application]\n")
    with pytest.raises(ConfigError) as info:
        config.load(toml)
    [line] = str(info.value).splitlines()
    assert line.startswith(f"lambdactl.toml:33: buckets.uploads-of-this-application.name: '{name}-uploads-of-this-application' is not a valid")
    assert line.endswith("(made of [project] name and the key 'uploads-of-this-application'): name the bucket with "
                         'name = "..." in [buckets.uploads-of-this-application]')


# -- a newcomer's slips: each said as what it is (newuser3) ------------------------------
SCHEDULE = 'schedule = "rate(5 minutes)"\ninput = { job = "nightly" }\nenabled = true'
SQS = 'queue = "jobs"\nbatch_size = 10\nreport_batch_item_failures = true'
QUEUES = '\n[queues.jobs]\nvisibility_timeout = 60\n'


def problems(project: Path, body: str) -> list[str]:
    write(project, body=body)
    with pytest.raises(ConfigError) as exc:
        config.load(project / "lambdactl.toml")
    return str(exc.value).splitlines()


@pytest.mark.parametrize(("typo", "keys", "meant"), [("shedule", SCHEDULE, "schedule"), ("sq", SQS, "sqs")])
def test_a_misspelt_trigger_type_is_said_as_that_alone(project: Path, typo: str, keys: str, meant: str) -> None:
    """`type = "shedule"` was taken for an S3 trigger: the first line said "unknown key
    'schedule'; known: allow_recursive, bucket, ...", one such line per key, and the type
    itself came last."""
    body = BASE.format(extra="", trigger="").replace('bucket = "demo-bucket"\n', f'type = "{typo}"\n{keys}\n') + QUEUES
    lines = problems(project, body)
    assert lines == [f"lambdactl.toml:12: functions.hello.triggers[0].type: '{typo}' is not supported; "
                     f"did you mean '{meant}'? one of \"s3\", \"schedule\", \"sqs\", \"dynamodb\""], lines


@pytest.mark.parametrize(("keys", "meant"), [(SCHEDULE, "schedule"), (SQS, "sqs")])
def test_a_misspelt_type_key_names_the_type_its_keys_belong_to(project: Path, keys: str, meant: str) -> None:
    """`tye = "schedule"`: no type, so an S3 trigger, and every schedule key was "unknown"."""
    body = BASE.format(extra="", trigger="").replace('bucket = "demo-bucket"\n', f'tye = "{meant}"\n{keys}\n') + QUEUES
    lines = problems(project, body)
    assert len(lines) == 2, lines
    assert lines[0].endswith("unknown key 'tye'; did you mean 'type'?" + lines[0].split("?", 1)[1])
    assert lines[1].startswith("lambdactl.toml:11: functions.hello.triggers[0].type: missing, and ")
    assert lines[1].endswith(f'set type = "{meant}" (without type, a trigger is an S3 one)'), lines


def test_an_unknown_key_in_a_table_key_is_refused_not_dropped(project: Path) -> None:
    """`sort_key = { name = "at", tye = "N" }` made a table whose sort key was a string (S):
    the misspelt type was dropped without a word."""
    body = BASE.format(extra="", trigger="") + (
        '\n[tables.history]\npartition_key = "bucket"\nsort_key = { name = "at", tye = "N" }\n')
    assert problems(project, body) == [
        "lambdactl.toml:17: tables.history.sort_key: unknown key 'tye'; did you mean 'type'? known: name, type"]


def test_an_unknown_key_in_a_queue_dlq_is_named(project: Path) -> None:
    body = BASE.format(extra="", trigger="") + (
        '\n[queues.jobs]\ndlq = { quue = "failed" }\n[queues.failed]\n')
    assert problems(project, body) == [
        "lambdactl.toml:16: queues.jobs.dlq: unknown key 'quue'; did you mean 'queue'? known: max_receive_count, queue"]


@pytest.mark.parametrize(("drop", "where", "fix"), [   # the line: of the table that lacks it
    ('handler = "app.lambda_handler"\n', "5: functions.hello.handler", 'set handler = "app.lambda_handler"'),
    ('name = "demo"\n', "2: project.name", 'set name = "my-app" in [project]'),
    ('bucket = "demo-bucket"\n', "11: functions.hello.triggers[0].bucket", 'set bucket = "${buckets.NAME}"'),
])
def test_a_required_key_left_out_is_said_missing_not_none(project: Path, drop: str, where: str, fix: str) -> None:
    """Left out, these said "None must be <module>.<function>" (Python's None, to a user)."""
    lines = problems(project, BASE.format(extra="", trigger="").replace(drop, ""))
    assert lines[0].startswith(f"lambdactl.toml:{where}: missing; {fix}"), lines
    assert "None" not in "\n".join(lines)


def test_an_sqs_trigger_without_queue_is_said_missing(project: Path) -> None:
    lines = problems(project, BASE.format(extra="", trigger="").replace('bucket = "demo-bucket"\n', 'type = "sqs"\n') + QUEUES)
    assert lines == ['lambdactl.toml:11: functions.hello.triggers[0].queue: missing; set queue = "NAME" for one of '
                     "the file's [queues.NAME]; known: jobs"], lines


LINES = '''# a comment line
[project]
name = "demo"

[tables.history]
partition_key = { name = "bucket", tye = "S" }   # line 6

[functions.hello]
source = "functions/hello"
handler = "app.lambda_handler"
runime = "python3.12"                            # line 11
environment = { AA = "1", BB = """
not a key = here
""" }
memory = 64                                      # line 15

[[functions.hello.triggers]]
bucket = "demo-bucket"

[[functions.hello.triggers]]
type = "shedule"                                 # line 21
events = [
  "s3:ObjectCreated:*",
]

[queues.jobs]
dlq = { queue = "failed", max_receive_count = 0 }   # line 27
[quees.failed]                                   # line 28
'''


def test_each_problem_names_its_line(project: Path) -> None:
    """The checker's ask: one line naming the key, the file AND the line. The lines named
    only the file and the key's path (tomllib keeps no positions): in a long file,
    `functions.hello.triggers[1].type` was for the reader to count out."""
    lines = problems(project, LINES)
    assert [line.split(": ", 2)[:2] for line in lines] == [
        ["lambdactl.toml:28", "unknown key 'quees'; did you mean 'queues'? known"],   # a table header
        ["lambdactl.toml:6", "tables.history.partition_key"],          # a key inside an inline table
        ["lambdactl.toml:27", "queues.jobs.dlq.max_receive_count"],
        ["lambdactl.toml:27", "queues.jobs.dlq"],
        ["lambdactl.toml:11", "functions.hello"],                       # unknown key 'runime'
        ["lambdactl.toml:15", "functions.hello.memory"],                # after a multi-line string
        ["lambdactl.toml:21", "functions.hello.triggers[1].type"],      # the second [[...triggers]]
    ], lines
