"""Issue 15's surfaces together on one function: a published version, an alias
`live`, a function URL and a schedule both aimed at the alias. Against moto: the
URL config and the rule's target name the alias, and a second `up` writes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from tests.test_provision import client, run, writes

LIST = "lambdactl-demo-list-buckets"


@pytest.fixture
def aws(project: Path) -> Iterator[None]:
    with mock_aws():
        yield


def test_url_schedule_and_alias_together_then_a_no_op(aws: None, project: Path, calls: Counter[str]) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().rstrip("\n") + "\n" + (
        'publish = true\n'
        'url = { auth = "AWS_IAM", qualifier = "live" }\n\n'
        '[functions.list-buckets.aliases.live]\nversion = "latest-published"\n\n'
        '[[functions.list-buckets.triggers]]\ntype = "schedule"\nschedule = "rate(5 minutes)"\nqualifier = "live"\n'))
    run("up")
    lam = client("lambda")
    assert lam.get_alias(FunctionName=LIST, Name="live")["FunctionVersion"] == "1"
    assert lam.get_function_url_config(FunctionName=LIST, Qualifier="live")["AuthType"] == "AWS_IAM"
    events = client("events")
    (rule,) = [r for r in events.list_rules()["Rules"] if r["Name"].startswith(LIST)]
    (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"].endswith(f":function:{LIST}:live")
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_wire_makes_the_url_and_the_schedule_as_up_would(aws: None, project: Path, calls: Counter[str]) -> None:
    """The step commands: role, deploy, then wire (every way the function is called)."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().rstrip("\n") + "\n" + (
        'url = { auth = "AWS_IAM" }\n\n'
        '[[functions.list-buckets.triggers]]\ntype = "schedule"\nschedule = "rate(5 minutes)"\n'))
    for step in ("role", "deploy"):
        run(step)
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_function_url_config(FunctionName=LIST)
    run("wire")
    assert client("lambda").get_function_url_config(FunctionName=LIST)["AuthType"] == "AWS_IAM"
    assert [r["Name"] for r in client("events").list_rules()["Rules"] if r["Name"].startswith(LIST)]
    calls.clear()
    run("up", "--yes")
    assert writes(calls) == {}
