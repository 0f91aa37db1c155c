"""lambdactl.toml edited after `up`, as a user does: plan says what will happen, up
converges in one run, status tells the truth. Against moto (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.test_provision import BUCKET, HELLO, client, run

LISTER = "lambdactl-demo-list-buckets"
TRIGGER = '\n[[functions.hello.triggers]]\ntype = "s3"\nbucket = "lambdactl-demo-uploads"\nevents = ["s3:ObjectCreated:*"]\n'


def entries() -> list[str]:
    config = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)
    return [e["Id"] for e in config.get("LambdaFunctionConfigurations", [])]


def statements(fn: str) -> list[str]:
    try:
        return [s["Sid"] for s in json.loads(client("lambda").get_policy(FunctionName=fn)["Policy"])["Statement"]]
    except client("lambda").exceptions.ResourceNotFoundException:
        return []


def edit(project: Path, old: str, new: str) -> None:
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new))


def without_bucket_placeholder(project: Path) -> None:
    """hello's policy names ${bucket}, which only a function with a trigger has."""
    policy = project / "policies" / "hello.json"
    policy.write_text(policy.read_text().replace("${bucket}", BUCKET))


def test_a_trigger_removed_takes_its_entry_and_permission_out(aws: None, project: Path) -> None:
    """plan said "no changes", status "in sync", and every upload still invoked hello."""
    run("up")
    without_bucket_placeholder(project)
    edit(project, TRIGGER, "\n")
    plan = run("plan").stdout
    assert f"- hello: delete notification s3://{BUCKET}: lambdactl-{HELLO}-0: no longer a trigger" in plan
    assert "and the permission lambdactl-s3-lambdactl-demo-uploads" in plan
    assert "no longer a trigger" in run("status", code=1).stdout
    run("up")
    assert entries() == [] and statements(HELLO) == []
    assert "no changes" in run("plan").stderr
    run("status")


def test_a_permission_left_without_its_entry_goes_too(aws: None, project: Path) -> None:
    run("up")
    without_bucket_placeholder(project)
    edit(project, TRIGGER, "\n")
    s3 = client("s3")
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})   # by hand
    assert "- hello: delete permission lambdactl-s3-lambdactl-demo-uploads" in run("plan").stdout
    run("up")
    assert statements(HELLO) == []
    assert "no changes" in run("plan").stderr


def test_a_trigger_moved_to_another_function_moves_in_one_up(aws: None, project: Path) -> None:
    """The new entry overlaps the old one until it is gone: up refused on every run."""
    run("up")
    without_bucket_placeholder(project)
    edit(project, TRIGGER, "\n")
    (project / "lambdactl.toml").write_text((project / "lambdactl.toml").read_text()
                                            + TRIGGER.replace("functions.hello", "functions.list-buckets"))
    plan = run("plan").stdout
    assert f"+ list-buckets: create permission lambdactl-s3-{BUCKET}" in plan
    assert f"- hello: delete notification s3://{BUCKET}" in plan
    run("up")
    assert entries() == [f"lambdactl-{LISTER}-0"]
    assert statements(HELLO) == [] and statements(LISTER) == [f"lambdactl-s3-{BUCKET}"]
    assert "no changes" in run("plan").stderr
    run("status")


def test_a_function_renamed_with_its_trigger_says_how_and_up_prune_does_it(aws: None, project: Path) -> None:
    """Its old name's entry overlaps the new one: up refused, and so did up --prune
    (which pruned only after deploying)."""
    run("up")
    edit(project, "functions.hello", "functions.hi")
    r = run("up", code=1)
    assert "lambdactl-demo-hello is this project's, no longer in lambdactl.toml (renamed?): `lambdactl up --prune`" \
        in r.stderr
    run("up", "--prune")
    assert entries() == ["lambdactl-lambdactl-demo-hi-0"]
    assert HELLO not in [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    assert "no changes" in run("plan").stderr


def test_a_renamed_project_says_its_old_name_is_still_up_and_destroy_project_removes_it(
        aws: None, project: Path) -> None:
    """[project] name changed after up: the old project's resources were silent
    leftovers once the new name was up, and `destroy --project OLD` refused here."""
    run("up")
    edit(project, 'name = "lambdactl-demo"', 'name = "renamed"')
    r = run("up", code=1)   # the bucket is named in lambdactl.toml: the old project's entry holds it
    assert "another lambdactl project's: a [project] name changed after up? `lambdactl destroy --project" in r.stderr
    edit(project, "lambdactl-demo-uploads", "renamed-uploads")
    r = run("up")
    said = "project 'lambdactl-demo', deployed from this directory too (under that [project] name), still has"
    assert said in r.stderr and "`lambdactl destroy --project lambdactl-demo` removes them" in r.stderr
    assert said in run("plan").stderr and said in run("status").stderr   # not only the first time
    names = sorted(f["FunctionName"] for f in client("lambda").list_functions()["Functions"])
    assert names == [HELLO, LISTER, "renamed-hello", "renamed-list-buckets"]
    run("destroy", "--yes", "--project", "lambdactl-demo")
    names = sorted(f["FunctionName"] for f in client("lambda").list_functions()["Functions"])
    assert names == ["renamed-hello", "renamed-list-buckets"]
    assert BUCKET not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
    r = run("plan")
    assert "no changes" in r.stderr and "still has" not in r.stderr
    run("destroy", "--yes", "--project", "nothing-here", code=2)   # a name the journal does not know


def test_a_region_changed_in_lambdactl_toml_says_where_the_project_is_still_up(aws: None, project: Path) -> None:
    """The functions of the old region were silent leftovers: plan and status said nothing."""
    from tests.test_ownership import drop_hello

    drop_hello(project)   # hello's bucket would stay in us-east-1 (refused: tested in test_ownership)
    run("up")
    edit(project, 'region = "us-east-1"', 'region = "us-west-2"')
    run("up")
    said = ("lambdactl-demo is also deployed in region us-east-1 of account 123456789012, the journal says; "
            "if it moved from there, `lambdactl --region us-east-1 destroy` removes it there")
    assert said in run("plan").stderr and said in run("status").stderr
    assert json.loads(run("-o", "json", "plan").stdout)["changes"] == 0   # stdout: the JSON alone
    run("--region", "us-east-1", "destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    assert "also deployed" not in run("plan").stderr
    assert [f["FunctionName"] for f in boto3.client("lambda", region_name="us-west-2").list_functions()["Functions"]] \
        == [LISTER]


def test_what_destroy_kept_in_the_old_region_is_said_with_the_command_that_removes_it(
        aws: None, project: Path) -> None:
    """After `--region us-east-1 destroy` kept a table for its items, plan and status
    still said "`lambdactl --region us-east-1 destroy` removes it there": running it
    keeps the table again. They now name what is left and `destroy --delete-data`."""
    from tests.test_ownership import drop_hello

    drop_hello(project)
    (project / "lambdactl.toml").write_text((project / "lambdactl.toml").read_text()
                                            + '\n[tables.history]\npartition_key = "bucket"\n')
    run("up")
    client("dynamodb").put_item(TableName="lambdactl-demo-history", Item={"bucket": {"S": "b"}})
    edit(project, 'region = "us-east-1"', 'region = "us-west-2"')
    run("up")
    r = run("--region", "us-east-1", "destroy", "--yes")
    assert "kept (holds 1 item(s)" in r.stderr
    for said in (run("plan").stderr, run("status").stderr):
        assert "removes it there" not in said
        assert ("lambdactl-demo still has table lambdactl-demo-history in region us-east-1 of account "
                "123456789012, the journal says, kept by destroy for the data it holds; "
                "`lambdactl --region us-east-1 destroy --delete-data` removes it with its data") in said, said
    run("--region", "us-east-1", "destroy", "--yes", "--delete-data")
    assert "also deployed" not in run("status").stderr and "still has" not in run("status").stderr


def test_a_project_in_two_regions_on_purpose_is_not_announced_on_every_plan(aws: None, project: Path) -> None:
    """Deployed with --region to a second region (lambdactl.toml names none), every plan
    in either region printed "also deployed in": noise on each run. plan now says it
    where lambdactl.toml no longer puts the project (a region edited, above); status,
    the inventory, still says it."""
    from tests.test_ownership import drop_hello

    drop_hello(project)   # S3 notifies only its own region's functions: one bucket cannot serve both
    edit(project, 'region = "us-east-1"\n', "")
    run("up")
    run("--region", "us-west-2", "up")
    for args in ((), ("--region", "us-west-2")):
        r = run(*args, "plan")
        assert "no changes" in r.stderr and "also deployed" not in r.stderr
        assert run(*args, "status").stderr.count("lambdactl-demo is also deployed in region") == 1


def test_commands_run_from_a_subdirectory_of_the_project_find_its_lambdactl_toml(
        aws: None, project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """From functions/hello/ every command said "no config file at functions/hello/lambdactl.toml"."""
    monkeypatch.chdir(project / "functions" / "hello")
    run("up")
    assert (project / ".lambdactl" / "state.json").is_file()   # the project's journal, not one in the subdirectory
    assert not (project / "functions" / "hello" / ".lambdactl").exists()
    run("status")
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert "no config file at" in run("status", code=2).stderr


def test_the_json_of_up_plan_status_and_destroy_is_stdout_alone_with_the_keys_the_readme_gives(
        aws: None, project: Path) -> None:
    """Even with a warning on stderr (an orphan); keys as the README's table says."""
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text()
    table = readme[readme.index("### `--output json` of `up`"):readme.index("### `lambdactl rollback")]
    documented = {}
    for row in re.findall(r"^\| (`[^|]*`) \| (.*) \|$", table, re.M):
        keys = set(re.findall(r"`(\w+)`", row[1]))
        for cmd in re.findall(r"`([a-z -]+)`", row[0]):
            documented[cmd] = keys
    run("up")
    from tests.test_ownership import drop_hello

    drop_hello(project)   # an orphan: a warning on stderr
    for cmd, optional in [("up", {"project", "pruned"}), ("plan", {"prune"}), ("status", set()),
                          ("destroy --dry-run", set()), ("plan --destroy", set()), ("destroy", set())]:
        args = [*cmd.split(), "--yes"] if cmd == "destroy" else cmd.split()
        r = run("-o", "json", *args, code=1 if cmd == "status" else 0)
        doc = json.loads(r.stdout)   # stdout alone is the document
        assert set(doc) <= documented[cmd] and documented[cmd] - set(doc) <= optional, cmd
    assert set(json.loads(run("-o", "json", "plan", "--prune").stdout)) == documented["plan"]
    assert set(json.loads(run("-o", "json", "up", "--prune").stdout)) == {"functions", "api_calls", "pruned"}


def test_our_notification_entry_removed_outside_lambdactl_is_said_so_by_status(aws: None) -> None:
    """status said only "create notification s3://…", as for one never made."""
    run("up")
    client("s3").put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={})
    r = run("status", code=1)
    assert (f"  create notification s3://{BUCKET}: lambdactl-{HELLO}-0 (lambdactl created it and it is gone: "
            "deleted by hand, or by a `lambdactl destroy` run elsewhere") in r.stdout
    run("up")
    assert entries() == [f"lambdactl-{HELLO}-0"]
    run("status")
