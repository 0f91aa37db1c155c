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
USES = 'memory = 128\nenvironment = { T = "${tables.history.name}", B = "${buckets.charts}", Q = "${queues.jobs.url}" }'
POLICY = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem", "s3:PutObject", '
          '"sqs:SendMessage"], "Resource": ["${tables.history.arn}", "${buckets.charts.arn}/*", "${queues.jobs.arn}"]}]}')


def _project(project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128", USES, 1) + RESOURCES)
    (project / "policies" / "hello.json").write_text(POLICY)


# (id, old, new, the one line's needle): each resource declared and used, then refused
CASES = [
    ("table-key-type", 'type = "S" }', 'type = "string" }', "tables.history.partition_key:"),
    ("bucket-expire", "expire_days = 30", "expire_days = -1", "buckets.charts.expire_days: must be a number of days"),
    ("bucket-versioning", "expire_days = 30", 'versioning = "yes"', "buckets.charts.versioning: must be true or false"),
    ("queue-retention", "[queues.jobs]", "[queues.jobs]\nretention = 1", "queues.jobs.retention: 1 must be"),
]


def test_the_project_is_valid_as_written(project: Path) -> None:
    _project(project)
    with mock_aws():
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("old", "new", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_refused_resource_is_said_once(project: Path, old: str, new: str, needle: str) -> None:
    _project(project)
    toml = project / "lambdactl.toml"
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, new, 1))
    with mock_aws():
        before = inventory()
        result = CliRunner().invoke(root, ["--target", "aws", "plan"])
        assert inventory() == before
    assert result.exit_code == 2, result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], result.stderr   # not "unknown reference" in each user
