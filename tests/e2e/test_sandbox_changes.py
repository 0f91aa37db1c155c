"""End to end, as a new user changes lambdactl.toml after `up` (issue 11, second round):
the real CLI in a subprocess against a sandbox started for the test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.test_sandbox_flow import cli, sandbox_project  # noqa: F401 - the fixture


def edit(root: Path, old: str, new: str) -> None:
    toml = root / "lambdactl.toml"
    text = toml.read_text()
    assert old in text
    toml.write_text(text.replace(old, new, 1))


def sandbox_client(env: dict[str, str], service: str, region: str = "us-east-1") -> Any:
    """A client of the sandbox, signed with its own key (it refuses any other)."""
    state = json.loads((Path(env["LAMBDACTL_HOME"]) / "sandbox.json").read_text())
    return boto3.client(service, endpoint_url=state["endpoint"], region_name=region,
                        aws_access_key_id=state["access_key_id"], aws_secret_access_key=state["secret_access_key"])


def functions_in(env: dict[str, str], region: str) -> list[str]:
    return sorted(f["FunctionName"] for f in sandbox_client(env, "lambda", region).list_functions()["Functions"])


def test_a_region_change_with_an_s3_trigger_says_to_destroy_the_old_region_first(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The refusal named only "name another bucket": a user who moved the project had
    no way from the message to get the bucket (global name) into the new region."""
    root, env, _ = sandbox_project
    cli(root, env, "up")
    edit(root, 'region = "us-east-1"', 'region = "us-west-2"')
    refused = cli(root, env, "up", code=2)
    assert "if the project moved to us-west-2, remove it from us-east-1 first: " \
           "`lambdactl --region us-east-1 destroy`" in refused.stderr
    assert functions_in(env, "us-west-2") == []   # refused before any write
    iam = sandbox_client(env, "iam")
    assert iam.list_role_policies(RoleName="lambdactl-demo-list-buckets-role")["PolicyNames"] == ["lambdactl-us-east-1"]
    # Doing what it says moves the project, bucket and trigger included.
    cli(root, env, "--region", "us-east-1", "destroy", "--yes")
    cli(root, env, "up")
    assert functions_in(env, "us-east-1") == []
    assert functions_in(env, "us-west-2") == ["lambdactl-demo-hello", "lambdactl-demo-list-buckets"]
    s3 = sandbox_client(env, "s3", "us-west-2")
    config = s3.get_bucket_notification_configuration(Bucket="lambdactl-demo-uploads")
    assert [e["Id"] for e in config["LambdaFunctionConfigurations"]] == ["lambdactl-lambdactl-demo-hello-0"]
    assert "no changes" in cli(root, env, "plan").stderr


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder of the project, with its size and mtime."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")
            if "home" not in p.relative_to(root).parts}


def test_plan_and_status_write_nothing_in_the_project_directory(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """plan and status built their packages into .lambdactl/build: in a read-only
    checkout (another user's, a CI cache) they could not run. Read calls only now
    means nothing written in the project either."""
    root, env, _ = sandbox_project
    cli(root, env, "up")
    for f in (root / ".lambdactl" / "build").iterdir():   # as a fresh clone with its journal
        f.unlink()
    (root / ".lambdactl" / "build").rmdir()
    (root / "functions" / "hello" / "app.py").write_text(
        (root / "functions" / "hello" / "app.py").read_text() + "\n# edited\n")
    before = tree(root)
    assert "update function lambdactl-demo-hello (code)" in cli(root, env, "plan").stdout
    assert "update function lambdactl-demo-hello (code)" in cli(root, env, "status", code=1).stdout
    assert tree(root) == before
    cli(root, env, "up")
    assert "no changes" in cli(root, env, "plan").stderr


def test_plan_prune_shows_each_step_up_prune_then_takes(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """plan only summed the orphans up ("3 orphan resource(s)"): what `up --prune` would
    delete, and why each is ours, showed only once it was gone."""
    root, env, _ = sandbox_project
    cli(root, env, "up")
    toml = root / "lambdactl.toml"
    toml.write_text(toml.read_text().split("# Returns the names")[0])   # list-buckets removed
    shown = cli(root, env, "plan", "--prune")
    preview = {line for line in shown.stdout.splitlines() if line.startswith("- ")}
    assert preview == {
        "- list-buckets: delete function lambdactl-demo-list-buckets: tagged lambdactl:project=lambdactl-demo; "
        "no longer in lambdactl.toml (orphan)",
        "- list-buckets: delete log group /aws/lambda/lambdactl-demo-list-buckets: log group of our function (orphan)",
        "- list-buckets: delete role lambdactl-demo-list-buckets-role: tagged lambdactl:project=lambdactl-demo (orphan)"}
    assert "`lambdactl up --prune` would remove 3 orphan resource(s)" in shown.stderr
    doc = json.loads(cli(root, env, "-o", "json", "plan", "--prune").stdout)
    assert sorted((s["kind"], s["name"]) for s in doc["prune"]) == [
        ("function", "lambdactl-demo-list-buckets"), ("log_group", "/aws/lambda/lambdactl-demo-list-buckets"),
        ("role", "lambdactl-demo-list-buckets-role")]
    assert functions_in(env, "us-east-1") == ["lambdactl-demo-hello", "lambdactl-demo-list-buckets"]  # plan: no write
    done = cli(root, env, "up", "--prune")
    assert {line for line in done.stderr.splitlines() if line.startswith("- ")} == preview
    assert functions_in(env, "us-east-1") == ["lambdactl-demo-hello"]
    assert "no changes" in cli(root, env, "plan", "--prune").stderr
    assert "pick one" in cli(root, env, "plan", "--prune", "--destroy", code=2).stderr


def test_upload_says_when_it_would_not_fire_and_up_wires_it_again(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """With hello's S3 permission removed outside lambdactl, upload still printed "fires
    lambdactl-demo-hello"; the sandbox (as S3) invoked nothing."""
    from tests.e2e.test_sandbox_flow import wait_for_line

    root, env, _ = sandbox_project
    cli(root, env, "up")
    sandbox_client(env, "lambda").remove_permission(FunctionName="lambdactl-demo-hello",
                                                    StatementId="lambdactl-s3-lambdactl-demo-uploads")
    (root / "a.txt").write_text("hi")
    refused = cli(root, env, "upload", "a.txt", "hello", code=1)
    assert refused.stderr.splitlines() == [
        "error: an upload to s3://lambdactl-demo-uploads would not fire hello: lambdactl-demo-hello has no permission "
        "for S3 to invoke it from lambdactl-demo-uploads (statement lambdactl-s3-lambdactl-demo-uploads); "
        "run `lambdactl up` to wire it, then upload again"]
    assert "Contents" not in sandbox_client(env, "s3").list_objects_v2(Bucket="lambdactl-demo-uploads")
    cli(root, env, "up")
    assert "fires lambdactl-demo-hello" in cli(root, env, "upload", "a.txt", "hello").stdout
    wait_for_line(sandbox_client(env, "logs"), "/aws/lambda/lambdactl-demo-hello",
                  "New object s3://lambdactl-demo-uploads/a.txt")


def test_a_bucket_kept_in_the_old_region_is_refused_before_any_write(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The project moved, its old region destroyed, but the trigger's bucket kept there
    (it held an upload): up created the role, log group, function and permission in the
    new region, then failed on S3's "The notification destination service region is not
    valid for the bucket location constraint" (4 of 5 changes made)."""
    root, env, _ = sandbox_project
    cli(root, env, "up")
    (root / "a.txt").write_text("hi")
    cli(root, env, "upload", "a.txt", "hello")
    edit(root, 'region = "us-east-1"', 'region = "us-west-2"')
    cli(root, env, "--region", "us-east-1", "destroy", "--yes")   # the bucket stays: not empty
    refused = cli(root, env, "up", code=2)
    assert refused.stderr.startswith(
        "error: bucket lambdactl-demo-uploads is in us-east-1: S3 notifies only functions of the bucket's own region, "
        "so lambdactl-demo-hello in us-west-2 cannot be its trigger; if the project moved to us-west-2, empty and "
        "delete the bucket in us-east-1 first (`lambdactl --region us-east-1 destroy --delete-data` if lambdactl "
        "made it), then `lambdactl up`")
    assert functions_in(env, "us-west-2") == []   # nothing written
    assert "up would refuse: bucket lambdactl-demo-uploads is in us-east-1" in cli(root, env, "status", code=1).stdout
    cli(root, env, "--region", "us-east-1", "destroy", "--yes", "--delete-data")
    cli(root, env, "up")
    assert sandbox_client(env, "s3").get_bucket_location(Bucket="lambdactl-demo-uploads")["LocationConstraint"] \
        == "us-west-2"
    assert "no changes" in cli(root, env, "plan").stderr


def test_a_table_added_with_a_refused_trigger_is_not_created(sandbox_project) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The project's steps (tables, queues) ran before the functions were planned: a
    refusal decided while planning them (here the trigger's bucket in another region)
    came after a new table was made, and `up` exited 2 with the table left behind.
    Every refusal planning can make now comes before the first write."""
    root, env, _ = sandbox_project
    cli(root, env, "up")
    edit(root, 'region = "us-east-1"', 'region = "us-west-2"')
    (root / "lambdactl.toml").write_text((root / "lambdactl.toml").read_text()
                                         + '\n[tables.history]\npartition_key = "bucket"\n'
                                         + '\n[queues.jobs]\n')
    refused = cli(root, env, "up", code=2)
    [line] = [s for s in refused.stderr.splitlines() if s.strip()]
    assert line.startswith("error: bucket lambdactl-demo-uploads already triggers lambdactl-demo-hello in us-east-1")
    assert sandbox_client(env, "dynamodb", "us-west-2").list_tables()["TableNames"] == []
    assert sandbox_client(env, "sqs", "us-west-2").list_queues().get("QueueUrls", []) == []
    status = cli(root, env, "status", code=1).stdout
    assert "project: create table lambdactl-demo-history" in status and "hello: not deployed" in status, status
    assert functions_in(env, "us-west-2") == []
