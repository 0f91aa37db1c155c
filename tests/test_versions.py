"""publish = true and [functions.F.aliases.NAME] against moto: a version only when
code or configuration changed, aliases created / moved / weighted, an S3 trigger on
an alias, rollback, no-op up = 0 writes, destroy leaves nothing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import HELLO, client, refused_before_any_call, run, writes

LIVE = """
[functions.hello.aliases.live]
version = "latest-published"
"""


def configure(project: Path, hello_extra: str = "publish = true\n", tail: str = LIVE) -> None:
    toml = project / "lambdactl.toml"
    text = toml.read_text().replace("log_retention_days = 14\n", f"log_retention_days = 14\n{hello_extra}", 1)
    toml.write_text(text + tail)


def change_code(project: Path, marker: str) -> None:
    app = project / "functions/hello/app.py"
    app.write_text(app.read_text() + f"\n# {marker}\n")


def published() -> list[str]:
    return [v["Version"] for v in client("lambda").list_versions_by_function(FunctionName=HELLO)["Versions"]
            if v["Version"] != "$LATEST"]


def alias(name: str = "live") -> dict:
    return client("lambda").get_alias(FunctionName=HELLO, Name=name)


def test_publishes_only_when_code_or_configuration_changed(aws: None, project: Path, calls: Counter[str]) -> None:
    configure(project)
    out = json.loads(run("-o", "json", "up").stdout)
    steps = [(s["kind"], s["action"]) for f in out["functions"] if f["function"] == "hello" for s in f["steps"]]
    assert ("version", "create") in steps and ("alias", "create") in steps
    assert published() == ["1"] and alias()["FunctionVersion"] == "1"
    calls.clear()
    run("up")
    assert writes(calls) == {}, "a no-op up publishes nothing and writes nothing"
    change_code(project, "v2")
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionCode": 1, "PublishVersion": 1, "UpdateAlias": 1}
    assert published() == ["1", "2"] and alias()["FunctionVersion"] == "2"
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace("memory = 128", "memory = 256", 1))
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionConfiguration": 1, "PublishVersion": 1, "UpdateAlias": 1}
    assert published() == ["1", "2", "3"]
    v3 = client("lambda").get_function_configuration(FunctionName=HELLO, Qualifier="3")
    assert v3["MemorySize"] == 256


def test_plan_shows_the_version_and_alias_steps(aws: None, project: Path, calls: Counter[str]) -> None:
    configure(project)
    out = run("plan").stderr + run("plan").stdout
    assert "hello: create version lambdactl-demo-hello: publish code" in out
    assert "hello: create alias lambdactl-demo-hello:live: version 1 (to be published)" in out
    assert writes(calls) == {}


def test_weights_and_a_pinned_version(aws: None, project: Path) -> None:
    configure(project)
    run("up")
    change_code(project, "v2")
    run("up")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + "\n[functions.hello.aliases.canary]\nversion = 1\nweights = { 2 = 0.1 }\n")
    run("up")
    assert alias("canary")["FunctionVersion"] == "1"
    assert alias("canary")["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}


def test_a_version_that_does_not_exist_is_refused_before_any_write(aws: None, project: Path, calls: Counter[str]) -> None:
    configure(project, "", "\n[functions.hello.aliases.live]\nversion = 7\n")
    refused_before_any_call(run("up", code=2), "functions.hello.aliases.live: version 7 of lambdactl-demo-hello "
                            "does not exist", calls=calls, reads_first=True)


def test_rollback_points_the_alias_back_and_up_keeps_it(aws: None, project: Path, calls: Counter[str]) -> None:
    configure(project)
    run("up")
    change_code(project, "v2")
    run("up")
    assert alias()["FunctionVersion"] == "2"
    result = run("rollback", "hello")
    assert "live: version 2 -> 1" in result.stderr
    assert alias()["FunctionVersion"] == "1"
    calls.clear()
    run("up")
    assert writes(calls) == {}, "up keeps a rollback until a new version is published"
    run("rollback", "hello", "--alias", "live", "--to", "2")
    assert alias()["FunctionVersion"] == "2"
    run("rollback", "hello", "--to", "9", code=2)
    change_code(project, "v3")
    run("up")
    assert alias()["FunctionVersion"] == "3"


def test_an_s3_trigger_may_target_the_alias(aws: None, project: Path) -> None:
    configure(project)
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('events = ["s3:ObjectCreated:*"]\n',
                                             'events = ["s3:ObjectCreated:*"]\nqualifier = "live"\n', 1))
    run("up")
    conf = client("s3").get_bucket_notification_configuration(Bucket="lambdactl-demo-uploads")
    [entry] = conf["LambdaFunctionConfigurations"]
    assert entry["LambdaFunctionArn"].endswith(":function:lambdactl-demo-hello:live")
    policy = json.loads(client("lambda").get_policy(FunctionName=HELLO, Qualifier="live")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["lambdactl-s3-lambdactl-demo-uploads"]


def test_a_qualifier_must_name_an_alias(aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('events = ["s3:ObjectCreated:*"]\n',
                                             'events = ["s3:ObjectCreated:*"]\nqualifier = "live"\n', 1))
    result = run("plan", code=2)
    assert "triggers[0].qualifier: 'live' is not an alias of hello" in result.stderr


def test_destroy_leaves_nothing_and_forgets_them(aws: None, project: Path) -> None:
    configure(project)
    run("up")
    change_code(project, "v2")
    run("up")
    dry = run("destroy", "--dry-run")
    assert "delete alias lambdactl-demo-hello:live" in dry.stderr + dry.stdout
    assert "delete version lambdactl-demo-hello:2" in dry.stderr + dry.stdout
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    journal = json.loads((project / ".lambdactl/state.json").read_text())
    assert not any(k.startswith(("version:", "alias:")) for t in journal.get("targets", {}).values()
                   for k in t.get("resources", {}))


@pytest.mark.parametrize(("text", "message"), [
    ('publish = "yes"\n', "functions.hello.publish: must be true or false"),
    ("", "functions.hello.aliases.live.version: \"latest-published\" needs publish = true"),
    ('publish = true\n[functions.hello.aliases.live]\nversion = "newest"\n', "must be \"latest-published\" or a version number"),
    ('publish = true\n[functions.hello.aliases.live]\nweights = { 2 = 1.5 }\n', "2 = 1.5: each entry is a version number"),
    ('publish = true\n[functions.hello.aliases.live]\nweights = { 2 = 0.1, 3 = 0.1 }\n', "at most one additional version"),
    ('publish = true\n[functions.hello.aliases.123]\n', "are not all digits"),
    ('publish = true\n[functions.hello.aliases.live]\nversion = 1\nweights = { 1 = 0.5 }\n', "is the alias's own version"),
])
def test_bad_versions_and_aliases_are_one_line_exit_2(aws: None, project: Path, calls: Counter[str],
                                                       text: str, message: str) -> None:
    if text.startswith("publish"):
        head, _, tail = text.partition("\n")
        configure(project, head + "\n", tail and "\n" + tail)
    else:
        configure(project, "", LIVE)
    refused_before_any_call(run("plan", code=2), message, calls=calls)


def test_an_alias_removed_from_the_config_is_deleted(aws: None, project: Path, calls: Counter[str]) -> None:
    configure(project, tail=LIVE + "\n[functions.hello.aliases.canary]\n")
    run("up")
    assert alias("canary")["FunctionVersion"] == "1"
    configure_text = (project / "lambdactl.toml").read_text().replace("\n[functions.hello.aliases.canary]\n", "")
    (project / "lambdactl.toml").write_text(configure_text)
    calls.clear()
    out = run("up")
    assert "delete alias lambdactl-demo-hello:canary: no longer in lambdactl.toml" in out.stderr
    assert writes(calls) == {"DeleteAlias": 1}
    names = [a["Name"] for a in client("lambda").list_aliases(FunctionName=HELLO)["Aliases"]]
    assert names == ["live"]
    calls.clear()
    run("up")
    assert writes(calls) == {}


def test_rollback_json_and_refusals(aws: None, project: Path) -> None:
    configure(project)
    run("up")
    assert "the journal knows no version live pointed to before 1" in run("rollback", "hello", code=2).stderr
    change_code(project, "v2")
    run("up")
    doc = json.loads(run("-o", "json", "rollback", "hello").stdout)
    assert doc == {"function": "hello", "alias": "live", "was": "2", "version": "1",
                   "arn": "arn:aws:lambda:us-east-1:123456789012:function:lambdactl-demo-hello:live"}
    assert "'beta' is not an alias of hello" in run("rollback", "hello", "--alias", "beta", code=2).stderr
    assert "list-buckets has no aliases" in run("rollback", "list-buckets", code=2).stderr


def test_status_reports_an_alias_moved_outside_lambdactl(aws: None, project: Path) -> None:
    configure(project)
    run("up")
    change_code(project, "v2")
    run("up")
    assert run("status").exit_code == 0
    client("lambda").update_alias(FunctionName=HELLO, Name="live", FunctionVersion="1")
    out = run("status", code=1)
    assert "update alias lambdactl-demo-hello:live" in out.stdout + out.stderr
