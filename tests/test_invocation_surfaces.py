"""Issue 15's surfaces together on one function: a published version, an alias
`live`, a function URL and a schedule both aimed at the alias. Against moto: the
URL config and the rule's target name the alias, and a second `up` writes nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import client, run, writes

LIST = "lambdactl-demo-list-buckets"


def on_the_alias(project: Path, auth: str) -> None:
    """list-buckets published, alias `live`, a URL with AUTH and a schedule on the alias."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().rstrip("\n") + "\n" + (
        'publish = true\n'
        f'url = {{ auth = "{auth}", qualifier = "live" }}\n\n'
        '[functions.list-buckets.aliases.live]\nversion = "latest-published"\n\n'
        '[[functions.list-buckets.triggers]]\ntype = "schedule"\nschedule = "rate(5 minutes)"\nqualifier = "live"\n'))


def test_url_schedule_and_alias_together_then_a_no_op(aws: None, project: Path, calls: Counter[str]) -> None:
    on_the_alias(project, "AWS_IAM")
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


def test_what_names_the_alias_waits_for_it(aws: None, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL, its permission and the schedule all live on alias `live`: each must
    start after the alias exists. A slowed alias makes any step that does not wait
    fail every time (it raced, and lost now and then, in CI)."""
    import time

    from lambdactl.kinds import alias, url_permission

    real = alias.apply

    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(0.3)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(alias, "apply", slow)
    on_the_alias(project, "NONE")
    run("up", "--yes")
    policy = client("lambda").get_policy(FunctionName=LIST, Qualifier="live")["Policy"]
    assert url_permission.PUBLIC_SID in policy and "lambdactl-demo-list-buckets-schedule-0" in policy


def test_plan_shows_every_step_and_destroy_leaves_nothing_of_them(aws: None, project: Path) -> None:
    """All of issue 15's writes on one function (version, alias, public URL on the alias
    and its two statements, a schedule's rule, target and permission, async settings on
    $LATEST and the alias): `plan` names each, `destroy --dry-run` lists them, `destroy`
    leaves none of them."""
    on_the_alias(project, "NONE")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("publish = true\n", 'publish = true\nasync = { max_retries = 0 }\n', 1))
    plan = run("plan").stdout
    for step in ("create version lambdactl-demo-list-buckets: publish", f"create alias {LIST}:live: version 1",
                 f"create async config {LIST}: retries 0", f"create async config {LIST}:live: retries 0",
                 f"create url {LIST}: auth NONE (public) on alias live",
                 "create url permission lambdactl-url-public: lambda:InvokeFunctionUrl for anyone",
                 "create url permission lambdactl-url-invoke: lambda:InvokeFunction for anyone",
                 f"create schedule {LIST}-schedule-0: rate(5 minutes)"):
        assert f"list-buckets: {step}" in plan, step
    run("up", "--yes")
    dry = run("destroy", "--dry-run").stdout
    for step in (f"delete alias {LIST}:live", f"delete async config {LIST}:async", f"delete async config {LIST}:live:async",
                 f"delete version {LIST}:1", f"delete url {LIST}", f"delete schedule {LIST}-schedule-0"):
        assert f"list-buckets: {step}" in dry, step
    run("destroy", "--yes")
    lam, events = client("lambda"), client("events")
    assert lam.list_functions()["Functions"] == [] and events.list_rules()["Rules"] == []
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName=LIST, Qualifier="live")
    journal = json.loads((project / ".lambdactl" / "state.json").read_text())
    assert journal["targets"] == {}, "the journal forgets every one of them"


def test_a_url_on_the_alias_removed_from_the_config_is_deleted_there(
        aws: None, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal keeps the alias a URL is on: dropped from lambdactl.toml, the URL and
    its two statements are read and deleted on the alias (unqualified, Lambda answers
    not found and they stayed). moto ignores a URL's Qualifier, so the check is on the
    calls lambdactl makes."""
    import botocore.client

    on_the_alias(project, "NONE")
    run("up", "--yes")
    toml = project / "lambdactl.toml"
    toml.write_text("".join(ln for ln in toml.read_text().splitlines(keepends=True) if not ln.startswith("url = ")))
    seen: list[tuple[str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation, params):  # type: ignore[no-untyped-def]
        seen.append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    run("up")
    url_calls = [(op, p.get("Qualifier")) for op, p in seen
                 if op in ("GetFunctionUrlConfig", "DeleteFunctionUrlConfig", "RemovePermission")
                 and p.get("StatementId", "lambdactl-url").startswith("lambdactl-url")]
    assert sorted(url_calls) == [("DeleteFunctionUrlConfig", "live"), ("GetFunctionUrlConfig", "live"),
                                 ("RemovePermission", "live"), ("RemovePermission", "live")]
    seen.clear()
    run("up")
    assert not [op for op, _ in seen if "Url" in op], "forgotten: nothing left to read"
