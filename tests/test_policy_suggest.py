"""`lambdactl policy suggest FN`: least privilege from what the config wires and the
calls the handler makes (policy_suggest.py), checked against hand-written policies;
and the sandbox, which enforces IAM, runs the tracker with the suggested policy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from lambdactl import config
from lambdactl.cli import root
from lambdactl.policy_suggest import suggest
from tests.e2e.test_sandbox_flow import cli

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "size-tracker"
TEMPLATE = REPO / "src" / "lambdactl" / "templates" / "size-tracker"

# Written by hand from the tutorial: what each function needs, nothing more.
TRACKER = {"Version": "2012-10-17", "Statement": [
    {"Sid": "BucketUploads", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "${buckets.uploads.arn}"},
    {"Sid": "TableHistory", "Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": "${tables.history.arn}"},
]}
PLOT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "TableHistory", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": "${tables.history.arn}"},
    {"Sid": "BucketChartsObjects", "Effect": "Allow", "Action": ["s3:PutObject"],
     "Resource": "${buckets.charts.arn}/*"},
]}


def test_the_size_trackers_suggestions_are_the_hand_written_policies() -> None:
    project = config.load(str(EXAMPLE / "lambdactl.toml"))
    assert suggest(project, project.function("tracker")).policy == TRACKER
    assert suggest(project, project.function("plot")).policy == PLOT
    # The template ships exactly what it suggests.
    assert json.loads((TEMPLATE / "policies" / "tracker.json").read_text()) == TRACKER
    assert json.loads((TEMPLATE / "policies" / "plot.json").read_text()) == PLOT


def test_stdout_is_the_policy_and_stderr_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    result = CliRunner().invoke(root, ["policy", "suggest", "tracker"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == TRACKER
    notes = result.stderr.splitlines()
    assert all(line.startswith("# ") for line in notes)
    assert "# BucketUploads: s3:ListBucket (list_objects_v2 at functions/tracker/app.py:16)" in notes
    assert "# TableHistory: dynamodb:PutItem (put_item at functions/tracker/app.py:28)" in notes
    assert notes[-1].startswith("# review, then save: lambdactl policy suggest tracker > policies/tracker.json")


def test_an_empty_policy_file_is_fine_a_broken_config_is_one_line(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project_with(tmp_path, "def handler(event, context):\n    return 1\n", "{}")
    toml = tmp_path / "lambdactl.toml"
    toml.write_text(toml.read_text() + 'policy = "policies/f.json"\n')
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "f.json").write_text("")   # as `> policies/f.json` leaves it
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(root, ["policy", "suggest", "f"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"Version": "2012-10-17", "Statement": []}
    toml.write_text(toml.read_text().replace('handler = "app.handler"', 'handler = "app.handler"\nmemory = "big"'))
    result = CliRunner().invoke(root, ["policy", "suggest", "f"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "memory" in result.stderr, result.stderr


def project_with(tmp_path: Path, code: str, env: str, trigger: bool = False) -> config.Project:
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(code)
    (tmp_path / "lambdactl.toml").write_text(
        '[project]\nname = "sg"\n\n[tables.events]\npartition_key = { name = "id", type = "S" }\n\n'
        '[buckets.raw]\n[buckets.out]\n\n'
        f'[functions.f]\nsource = "fn"\nhandler = "app.handler"\nenvironment = {env}\n'
        + ('\n[[functions.f.triggers]]\ntype = "s3"\nbucket = "sg-inbox"\n' if trigger else ""))
    return config.load(str(tmp_path / "lambdactl.toml"))


def test_no_call_found_means_read_only_and_says_so(tmp_path: Path) -> None:
    project = project_with(tmp_path, "def handler(event, context):\n    return 1\n",
                           '{ TABLE = "${tables.events.name}" }', trigger=True)
    got = suggest(project, project.function("f"))
    assert got.policy["Statement"] == [
        {"Sid": "BucketSgInboxObjects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::sg-inbox/*"},
        {"Sid": "TableEvents", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": "${tables.events.arn}"}]
    assert any("TableEvents: dynamodb:GetItem: assumed read-only (no call to it found in the code)" in n for n in got.notes)


def test_a_target_named_by_its_variable_gets_the_call_others_do_not(tmp_path: Path) -> None:
    code = ("import os\nimport boto3\ns3 = boto3.client('s3')\n\ndef handler(event, context):\n"
            "    s3.put_object(Bucket=os.environ['OUT'], Key='k', Body=b'')\n"
            "    s3.get_object(Bucket=event['bucket'], Key='k')\n"
            "    boto3.client('dynamodb').delete_item(TableName=os.getenv('NOPE'), Key={})\n"
            "    return s3.list_buckets()\n")
    project = project_with(tmp_path, code, '{ RAW = "${buckets.raw}", OUT = "${buckets.out}" }')
    got = suggest(project, project.function("f"))
    assert got.policy["Statement"] == [
        {"Sid": "BucketOutObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "${buckets.out.arn}/*"},
        {"Sid": "BucketRawObjects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "${buckets.raw.arn}/*"},
        {"Sid": "AccountWide", "Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "*"}]
    assert any(n.startswith("get_object at fn/app.py:7 (s3:GetObject) names its target from a variable: "
                            "granted on every s3 resource wired") for n in got.notes)
    assert any(n.startswith("delete_item at fn/app.py:8 (dynamodb:DeleteItem): no dynamodb resource is wired "
                            "to this function by NOPE") for n in got.notes)


def test_the_sandbox_runs_the_tracker_with_the_suggested_policy(tmp_path: Path) -> None:
    """IAM is enforced there: a policy missing ListBucket or PutItem would leave no item."""
    project = tmp_path / "sg-tracker"
    project.mkdir()
    shutil.copytree(EXAMPLE / "functions" / "tracker", project / "functions" / "tracker")
    (project / "policies").mkdir()
    text = (EXAMPLE / "lambdactl.toml").read_text()
    keep = ["[project]", "[tables.history]", "[buckets.uploads]", "[functions.tracker]", "[[functions.tracker.triggers]]"]
    sections = ["[" + part for part in text.split("\n[") if any(("[" + part).startswith(k) for k in keep)]
    (project / "lambdactl.toml").write_text("\n".join(sections).replace('name = "size-tracker"', 'name = "sgt"'))
    env = dict(os.environ, LAMBDACTL_HOME=str(tmp_path / "home"))
    cli(project, env, "local", "start", "--port", "0")
    try:
        # As a shell runs `lambdactl policy suggest tracker > policies/tracker.json`:
        # the file is made empty before lambdactl reads a config naming it.
        with open(project / "policies" / "tracker.json", "w") as out:
            subprocess.run([sys.executable, "-m", "lambdactl", "policy", "suggest", "tracker"], cwd=project,
                           env=env, stdout=out, stderr=subprocess.PIPE, check=True, timeout=60)
        assert json.loads((project / "policies" / "tracker.json").read_text()) == TRACKER
        cli(project, env, "up")
        (project / "a.txt").write_text("hello")
        cli(project, env, "upload", "a.txt")
        exported = json.loads(cli(project, env, "-o", "json", "local", "env").stdout)
        ddb = boto3.client("dynamodb", endpoint_url=exported["AWS_ENDPOINT_URL"], region_name="us-east-1",
                           aws_access_key_id=exported["AWS_ACCESS_KEY_ID"],
                           aws_secret_access_key=exported["AWS_SECRET_ACCESS_KEY"])
        deadline = time.monotonic() + 20
        while not (items := ddb.scan(TableName="sgt-history")["Items"]):
            assert time.monotonic() < deadline, cli(project, env, "logs", "tracker").stdout
            time.sleep(0.2)
        assert [(i["object_count"]["N"], i["total_size"]["N"]) for i in items] == [("1", "5")]
        cli(project, env, "destroy", "--yes", "--delete-data")
    finally:
        cli(project, env, "local", "stop")
