"""Ownership decided on the resource itself (core/ownership.py), and destroy planned
like up (teardown.py): the cases issue 11 lists under "Why", against moto."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from lambdactl.core import ownership
from tests.test_provision import BUCKET, HELLO, client, run, writes

FOREIGN_QUEUE = "arn:aws:sqs:us-east-1:123456789012:theirs"


def add_foreign_queue_entry(bucket: str) -> None:
    s3 = client("s3")
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    config.pop("ResponseMetadata", None)
    config["QueueConfigurations"] = [{"Id": "theirs", "QueueArn": FOREIGN_QUEUE, "Events": ["s3:ObjectRemoved:*"]}]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)


def test_destroy_keeps_our_empty_bucket_holding_a_foreign_entry(aws: None) -> None:
    run("up")
    add_foreign_queue_entry(BUCKET)
    r = run("destroy", "--yes")
    assert "lambdactl did not create" in r.stderr and "theirs" in r.stderr
    s3 = client("s3")
    left = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    assert [q["Id"] for q in left["QueueConfigurations"]] == ["theirs"]   # their entry survives
    assert not left.get("LambdaFunctionConfigurations")                   # ours are gone
    assert client("lambda").list_functions()["Functions"] == []


def test_copied_and_renamed_project_never_touches_the_original(aws: None, project: Path,
                                                               tmp_path_factory: pytest.TempPathFactory,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    run("up")
    copy = tmp_path_factory.mktemp("copy") / "proj"
    shutil.copytree(project, copy)   # .lambdactl/state.json comes along
    toml = copy / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('name = "lambdactl-demo"', 'name = "the-copy"'))
    monkeypatch.chdir(copy)
    r = run("destroy", "--yes")
    assert "holds entries of project lambdactl-demo" in r.stderr and "ignored" in r.stderr
    names = sorted(f["FunctionName"] for f in client("lambda").list_functions()["Functions"])
    assert names == ["lambdactl-demo-hello", "lambdactl-demo-list-buckets"]
    s3 = client("s3")
    entries = s3.get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [e["Id"] for e in entries] == [f"lambdactl-{HELLO}-0"]
    # The copy's own journal never acted on the original's entries; the original still can.
    monkeypatch.chdir(project)
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    assert s3.list_buckets()["Buckets"] == []


@pytest.mark.parametrize("how", ["renamed copy, --project ORIGINAL", "copy without lambdactl.toml"])
def test_destroy_in_a_copy_of_a_project_never_removes_the_originals_live_resources(
        how: str, aws: None, project: Path, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`cp -r app app2`, then app2 renamed: its overlap error suggests `destroy --project
    OLD-NAME` for a [project] renamed in place, and from the copy that removed the
    original's functions, role and bucket while app/ still deployed them (as did destroy
    in a copy whose lambdactl.toml was removed: the journal named the original). Refused
    in one line naming the directory to run it in; the original's destroy still works."""
    run("up")
    copy = tmp_path_factory.mktemp("copy") / "app2"
    shutil.copytree(project, copy)
    toml = copy / "lambdactl.toml"
    if how.startswith("renamed"):
        toml.write_text(toml.read_text().replace('name = "lambdactl-demo"', 'name = "the-copy"'))
        args = ["destroy", "--yes", "--project", "lambdactl-demo"]
    else:
        toml.unlink()
        args = ["destroy", "--yes"]
    monkeypatch.chdir(copy)
    for extra in ([], ["--dry-run"]):
        r = run(*args, *extra, code=2)
        assert r.stderr.splitlines()[-1] == (
            f"error: project 'lambdactl-demo' is deployed from {project.resolve()}, which is still that project "
            f"(the journal here came from there: {copy} is a copy of it); run `lambdactl destroy` in "
            f"{project.resolve()}, not here")
    assert sorted(f["FunctionName"] for f in client("lambda").list_functions()["Functions"]) == [
        "lambdactl-demo-hello", "lambdactl-demo-list-buckets"]
    monkeypatch.chdir(project)
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []


def test_status_after_a_copy_destroyed_the_project_does_not_say_deleted_outside_lambdactl(
        aws: None, project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cp -r app app2` (same [project] name), `destroy` in app2: status in app said each
    resource "was deleted outside lambdactl", untrue (lambdactl deleted it, from the copy).
    Neither the journal here nor the gone resource's tags can tell who; the line says both."""
    run("up")
    copy = tmp_path_factory.mktemp("copy") / "app2"
    shutil.copytree(project, copy)
    monkeypatch.chdir(copy)
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    monkeypatch.chdir(project)
    out = run("status", code=1).stdout
    assert "deleted outside lambdactl" not in out
    assert (f"create log group /aws/lambda/{HELLO} (lambdactl created it and it is gone: deleted by hand, or by a "
            "`lambdactl destroy` run elsewhere, such as in a copy of this directory; `lambdactl up` recreates it)") in out


def test_copied_journal_without_project_records_is_adopted_but_tags_still_decide(
        aws: None, project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A journal written before entries named their project: the copy adopts it, and
    each resource's own tags keep the copy from deleting the original's."""
    run("up")
    state = project / ".lambdactl" / "state.json"
    doc = json.loads(state.read_text())
    doc["targets"] = {k.split("#")[0]: v for k, v in doc["targets"].items()}   # the old shape
    copy = tmp_path_factory.mktemp("copy") / "proj"
    shutil.copytree(project, copy)
    (copy / ".lambdactl" / "state.json").write_text(json.dumps(doc))
    toml = copy / "lambdactl.toml"
    toml.write_text(toml.read_text().replace('name = "lambdactl-demo"', 'name = "the-copy"'))
    monkeypatch.chdir(copy)
    run("destroy", "--yes")
    assert len(client("lambda").list_functions()["Functions"]) == 2
    assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == [BUCKET]
    entries = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [e["Id"] for e in entries] == [f"lambdactl-{HELLO}-0"]


FIVE = '[project]\nname = "five"\n' + "".join(
    f'[functions.f{i}]\nsource = "functions/hello"\nhandler = "app.lambda_handler"\n'
    f'[[functions.f{i}.triggers]]\nbucket = "five-shared"\nprefix = "p{i}/"\n' for i in range(5))


def test_destroy_of_five_functions_writes_a_kept_buckets_configuration_once(
        aws: None, project: Path, calls: Counter[str]) -> None:
    (project / "lambdactl.toml").write_text(FIVE)
    run("up")
    client("s3").put_object(Bucket="five-shared", Key="user/data.txt", Body=b"keep me")
    calls.clear()
    r = run("destroy", "--yes")
    assert calls["PutBucketNotificationConfiguration"] == 1
    assert "not empty" in r.stderr
    assert not client("s3").get_bucket_notification_configuration(Bucket="five-shared").get(
        "LambdaFunctionConfigurations")
    assert client("lambda").list_functions()["Functions"] == []


def test_destroy_of_five_functions_on_our_empty_bucket_writes_no_configuration(
        aws: None, project: Path, calls: Counter[str]) -> None:
    (project / "lambdactl.toml").write_text(FIVE)
    run("up")
    calls.clear()
    run("destroy", "--yes")
    assert "PutBucketNotificationConfiguration" not in calls and calls["DeleteBucket"] == 1
    assert writes(calls)["DeleteFunction"] == 5


@pytest.mark.parametrize("project_bucket", [False, True])
def test_destroy_keeps_a_bucket_another_project_wired_after_the_plan(
        aws: None, project: Path, monkeypatch: pytest.MonkeyPatch, project_bucket: bool) -> None:
    """`up` of another project and this one's `destroy` at the same time: its entry lands
    after destroy read the bucket (empty, only our entries) and before the delete. The
    delete, under the bucket's machine lock, sees the write generation moved, reads
    again and keeps the bucket (it deleted it, and their trigger with it, both exit 0)."""
    from lambdactl import teardown_all
    from lambdactl.triggers.s3_write import Writes

    if project_bucket:   # the same, for a [buckets.NAME] that is the trigger's bucket
        toml = project / "lambdactl.toml"
        toml.write_text(toml.read_text().replace(f'bucket = "{BUCKET}"', 'bucket = "${buckets.uploads}"')
                        + '\n[buckets.uploads]\nname = "lambdactl-demo-uploads"\n')
    run("up")
    theirs = {"Id": "lambdactl-other-fn-0", "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:other-fn",
              "Events": ["s3:ObjectRemoved:*"]}
    planned = teardown_all.run

    def their_up_lands_now(*args: object, **kwargs: object) -> object:
        Writes().update(client("s3"), BUCKET, "other-fn", [theirs])   # another process's lambdactl
        return planned(*args, **kwargs)   # type: ignore[arg-type]

    monkeypatch.setattr(teardown_all, "run", their_up_lands_now)
    r = run("destroy", "--yes")
    assert ("kept (another lambdactl project wired it to its function(s) other-fn "
            "(notification entries lambdactl-other-fn-0))") in r.stderr
    assert "did not create" not in r.stderr
    left = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [e["Id"] for e in left] == ["lambdactl-other-fn-0"]
    assert client("lambda").list_functions()["Functions"] == []


def test_up_whose_bucket_another_destroy_took_meanwhile_says_so_and_converges(
        aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other order of `up` and a `destroy` at once: the bucket goes between this
    up's read and its write. One line saying what happened (it was S3's bare
    NoSuchBucket), and the next `up` makes the bucket and wires it."""
    from lambdactl.triggers.s3_write import Writes

    run("up")
    toml = Path("lambdactl.toml")
    toml.write_text(toml.read_text().replace('events = ["s3:ObjectCreated:*"]', 'events = ["s3:ObjectRemoved:*"]'))
    update = Writes.update

    def their_destroy_lands_now(self: Writes, s3: object, bucket: str, *args: object, **kwargs: object) -> bool:
        s3.delete_bucket(Bucket=bucket)   # type: ignore[attr-defined]
        return update(self, s3, bucket, *args, **kwargs)   # type: ignore[arg-type]

    with monkeypatch.context() as m:
        m.setattr(Writes, "update", their_destroy_lands_now)
        r = run("up", code=1)
    assert f"bucket {BUCKET} was deleted while lambdactl wired it (a destroy at the same time?)" in r.stderr
    assert "run `lambdactl up` again" in r.stderr, r.stderr
    run("up")
    [entry] = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert entry["Events"] == ["s3:ObjectRemoved:*"]


def test_destroy_leaves_a_foreign_function_and_its_entries(aws: None, project: Path) -> None:
    """A function with our name that is not ours: its bucket entries are not ours to remove."""
    run("up")
    lam = client("lambda")
    lam.tag_resource(Resource=lam.get_function(FunctionName=HELLO)["Configuration"]["FunctionArn"],
                     Tags={ownership.OWNER_TAG: "someone-else"})
    r = run("destroy", "--yes")
    assert "belongs to lambdactl project 'someone-else'" in r.stderr
    assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == [HELLO]
    entries = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [e["Id"] for e in entries] == [f"lambdactl-{HELLO}-0"]


# -- the decisions, pure -------------------------------------------------------
FN_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.mark.parametrize(("foreign", "why"), [
    ([f"lambdactl-a1-fn-0 -> {FN_ARN}a1-fn"],
     "kept (another lambdactl project wired it to its function(s) a1-fn (notification entries lambdactl-a1-fn-0))"),
    (["q -> arn:sqs"], "kept (holds notification entries lambdactl did not create: q -> arn:sqs)"),
    # an Id in our shape that wires a function the Id does not name is not lambdactl's doing
    ([f"lambdactl-a1-fn-0 -> {FN_ARN}b2"], f"did not create: lambdactl-a1-fn-0 -> {FN_ARN}b2"),
    ([f"lambdactl-x-1 -> {FN_ARN}x", "EventBridge delivery"],
     "its function(s) x (notification entries lambdactl-x-1); holds notification entries lambdactl did not "
     "create: EventBridge delivery"),
])
def test_kept_for_names_another_lambdactl_project(foreign: list[str], why: str) -> None:
    """A bucket kept for another lambdactl project's entry said "entries lambdactl did
    not create: lambdactl-a1-fn-0": lambdactl did create it, for another project."""
    assert why in ownership.kept_for(foreign)


@pytest.mark.parametrize(("tags", "empty", "foreign", "objects", "delete", "why"), [
    ({ownership.OWNER_TAG: "p"}, True, [], 0, True, "tagged lambdactl:project=p, empty"),
    ({ownership.OWNER_TAG: "p"}, False, [], 0, False, "not empty: `lambdactl destroy --delete-data` deletes it"),
    ({ownership.OWNER_TAG: "p"}, False, [], 3, True, "with its 3 object(s)"),         # under --delete-data
    ({ownership.OWNER_TAG: "p"}, False, ["q -> arn:sqs"], 3, False, "did not create: q -> arn:sqs"),
    ({ownership.OWNER_TAG: "p"}, True, ["q -> arn:sqs"], 0, False, "did not create: q -> arn:sqs"),
    ({ownership.OWNER_TAG: "other"}, False, [], 3, False, "lambdactl project 'other'"),
    ({}, True, [], 0, False, "no lambdactl:project tag"),
])
def test_bucket_verdict(tags: dict[str, str], empty: bool, foreign: list[str], objects: int,
                        delete: bool, why: str) -> None:
    verdict, reason = ownership.bucket_verdict(tags, empty, foreign, "p", objects)
    assert verdict is delete and why in reason


def test_foreign_entries_are_everything_not_named_by_our_functions() -> None:
    config = {
        "LambdaFunctionConfigurations": [{"Id": "lambdactl-p-a-0", "LambdaFunctionArn": "arn:a"},
                                         {"Id": "lambdactl-p-ab-0", "LambdaFunctionArn": "arn:ab"}],
        "TopicConfigurations": [{"Id": "t", "TopicArn": "arn:t"}],
        "EventBridgeConfiguration": {},
    }
    assert ownership.foreign_entries(config, ["p-a"]) == ["t -> arn:t", "lambdactl-p-ab-0 -> arn:ab",
                                                          "EventBridge delivery"]
    # function p's entries are lambdactl-p-<digits>: p-a's are not p's
    assert not ownership.entry_is_ours({"Id": "lambdactl-p-a-0"}, ["p"])
    assert ownership.foreign_entries(config, ["p-a", "p-ab"]) == ["t -> arn:t", "EventBridge delivery"]


# -- destroy from names alone ----------------------------------------------------
def everything_gone() -> None:
    assert client("lambda").list_functions()["Functions"] == []
    assert [r for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith("lambdactl-demo")] == []
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert client("s3").list_buckets()["Buckets"] == []


@pytest.mark.parametrize("breakage", ["source dir gone", "memory = 12", "policy file gone", "not TOML"])
def test_destroy_works_when_the_config_no_longer_validates(aws: None, project: Path, breakage: str) -> None:
    run("up")
    toml = project / "lambdactl.toml"
    if breakage == "source dir gone":
        shutil.rmtree(project / "functions" / "hello")
    elif breakage == "memory = 12":
        toml.write_text(toml.read_text().replace("[functions.hello]\n", "[functions.hello]\nmemory = 12\n"))
    elif breakage == "policy file gone":
        for f in (project / "policies").iterdir():
            f.unlink()
    else:
        toml.write_text("this is [not toml\n")
    assert run("plan", code=2).exit_code == 2   # everything else still refuses it
    run("destroy", "--yes")
    everything_gone()


def test_destroy_with_no_config_uses_the_journal(aws: None, project: Path) -> None:
    run("up")
    (project / "lambdactl.toml").unlink()
    r = run("destroy", "--yes")
    assert "removing project lambdactl-demo as the journal" in r.stderr
    everything_gone()


def test_destroy_with_no_config_takes_region_and_target_from_the_journal(aws: None, project: Path) -> None:
    """lambdactl.toml named the region (and target); with it gone, the journal's one
    section says where the project is: destroy went to the environment's region (or
    to AWS instead of the sandbox) and found nothing to remove."""
    from lambdactl import config, state

    (project / "lambdactl.toml").write_text(TWO_REGIONS.replace('name = "regions"', 'name = "regions"\nregion = "us-west-2"'))
    run("up")
    (project / "lambdactl.toml").unlink()
    r = run("destroy", "--yes")
    assert "delete function regions-fn" in r.stderr
    west = __import__("boto3").client("lambda", region_name="us-west-2")
    assert west.list_functions()["Functions"] == []
    journal = project / "state.json"
    journal.write_text('{"targets": {"1/eu-west-1/local#p": {"project": "p", "resources": {"function:p-f": {}}}}}')
    [place] = state.places(journal, "p")
    assert (config.names_only(project, "p", place).region, config.names_only(project, "p", place).target) == (
        "eu-west-1", "local")


def test_destroy_with_no_config_lists_a_project_bucket_once(aws: None, project: Path) -> None:
    """A trigger on a [buckets.NAME]: with lambdactl.toml gone, the journal knows the bucket
    both as the trigger's and as the project's; it was planned (and counted) twice."""
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text().replace(f'bucket = "{BUCKET}"', 'bucket = "${buckets.uploads}"')
                    + f'\n[buckets.uploads]\nname = "{BUCKET}"\n')
    run("up")
    toml.unlink()
    dry = (d := run("destroy", "--dry-run")).stdout + d.stderr
    r = run("destroy", "--yes").stderr
    assert dry.count(f"bucket {BUCKET}:") == r.count(f"bucket {BUCKET}:") == 1, r
    assert sorted(x for x in dry.splitlines() if x[:2] in ("- ", "· ")) == sorted(
        x for x in r.splitlines() if x[:2] in ("- ", "· "))   # the dry run lists exactly what goes
    everything_gone()


def test_destroy_with_no_config_and_no_journal_asks_for_the_project(aws: None, project: Path) -> None:
    (project / "lambdactl.toml").unlink()
    r = run("destroy", "--yes", code=2)
    assert "lambdactl destroy --project NAME" in r.stderr and "Traceback" not in r.stderr
    r = run("destroy", "--yes", "--project", "bad name!", code=2)
    assert "is not a project name" in r.stderr


# -- orphans: deployed, then removed from lambdactl.toml ------------------------------
def drop_hello(project: Path) -> None:
    toml = project / "lambdactl.toml"
    text = toml.read_text()
    start, end = text.index("[functions.hello]"), text.index("# Returns the names")
    toml.write_text(text[:start] + text[end:])


def test_a_function_removed_from_the_config_is_an_orphan_until_up_prune(aws: None, project: Path) -> None:
    run("up")
    drop_hello(project)
    r = run("plan")
    assert f"orphan hello (no longer in lambdactl.toml): function {HELLO}, log group" in r.stdout
    assert "up --prune" in r.stderr
    assert "no changes" not in r.stderr
    doc = json.loads(run("-o", "json", "plan").stdout)
    assert {(o["kind"], o["name"]) for o in doc["orphans"]} >= {("function", HELLO), ("role", f"{HELLO}-role")}
    r = run("status", code=1)
    assert f"orphan hello (no longer in lambdactl.toml): function {HELLO}" in r.stdout
    r = run("up")
    assert "orphan hello" in r.stderr and "`lambdactl up --prune` removes it" in r.stderr
    assert HELLO in [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    r = run("-o", "json", "up", "--prune")
    assert {(s["kind"], s["action"]) for s in json.loads(r.stdout)["pruned"]} >= {
        ("function", "delete"), ("role", "delete"), ("log_group", "delete"), ("bucket", "delete")}
    assert [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]] == [
        "lambdactl-demo-list-buckets"]
    assert client("s3").list_buckets()["Buckets"] == []
    assert "no changes" in run("plan").stderr
    run("status")


def test_prune_keeps_a_bucket_the_config_still_uses_but_takes_the_orphans_entry_out(
        aws: None, project: Path) -> None:
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\n[[functions.list-buckets.triggers]]\nbucket = "lambdactl-demo-uploads"\n'
                    'events = ["s3:ObjectRemoved:*"]\n')
    run("up")
    drop_hello(project)
    run("up", "--prune")
    entries = client("s3").get_bucket_notification_configuration(Bucket=BUCKET)["LambdaFunctionConfigurations"]
    assert [e["Id"] for e in entries] == ["lambdactl-lambdactl-demo-list-buckets-0"]


# -- one project, two regions: a role is global -----------------------------------
TWO_REGIONS = ('[project]\nname = "regions"\n[functions.fn]\nsource = "functions/hello"\n'
               'handler = "app.lambda_handler"\n')
ROLE = "regions-fn-role"


def policies(role: str = ROLE) -> dict[str, str]:
    iam = client("iam")
    return {n: json.dumps(iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"])
            for n in iam.list_role_policies(RoleName=role)["PolicyNames"]}


def test_two_regions_share_the_role_without_rewriting_or_removing_each_other(
        aws: None, project: Path, calls: Counter[str]) -> None:
    (project / "lambdactl.toml").write_text(TWO_REGIONS)
    run("--region", "us-east-1", "up")
    run("--region", "us-west-2", "up")
    have = policies()
    assert sorted(have) == ["lambdactl-us-east-1", "lambdactl-us-west-2"]
    assert "us-west-2" in have["lambdactl-us-west-2"] and "us-west-2" not in have["lambdactl-us-east-1"]
    calls.clear()
    run("--region", "us-east-1", "up")
    run("--region", "us-west-2", "up")
    assert writes(calls) == {}    # neither rewrites the other's policy any more
    r = run("--region", "us-west-2", "destroy", "--yes")
    assert "still used in us-east-1" in r.stderr
    assert sorted(policies()) == ["lambdactl-us-east-1"]
    east = __import__("boto3").client("lambda", region_name="us-east-1")
    assert [f["FunctionName"] for f in east.list_functions()["Functions"]] == ["regions-fn"]
    run("--region", "us-east-1", "destroy", "--yes")
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"]] == []


def test_destroy_in_one_region_forgets_what_it_removed_though_the_role_stays(aws: None, project: Path) -> None:
    """The role kept for the other region made destroy count that function as failed:
    its journal kept the removed function and log group, and `status` then said they
    had been "deleted outside lambdactl"."""
    (project / "lambdactl.toml").write_text(TWO_REGIONS)
    run("--region", "us-east-1", "up")
    run("--region", "us-west-2", "up")
    run("--region", "us-west-2", "destroy", "--yes")
    state = json.loads((project / ".lambdactl" / "state.json").read_text())
    west = [t for t in state["targets"].values() if t["region"] == "us-west-2"]
    assert all(not t["resources"] for t in west), west
    r = run("--region", "us-west-2", "status", code=1)
    assert "outside lambdactl" not in r.stdout + r.stderr
    assert "nothing to remove" in run("--region", "us-west-2", "destroy", "--yes").stderr


def test_a_trigger_bucket_of_another_region_is_refused_with_the_fix_before_any_write(aws: None) -> None:
    """The same S3-triggered project up in a second region: the bucket (names are global)
    already notifies the function of the first region, and S3 notifies only functions of
    its own region. One line saying so (it said to rename the function), nothing made."""
    run("up")
    r = run("--region", "us-west-2", "up", code=2)
    assert r.stderr.startswith(f"error: bucket {BUCKET} already triggers {HELLO} in us-east-1: S3 notifies only "
                               "functions of the bucket's own region, so the project in us-west-2 needs a bucket")
    west = __import__("boto3").client("lambda", region_name="us-west-2")
    assert west.list_functions()["Functions"] == []
    assert sorted(policies(f"{HELLO}-role")) == ["lambdactl-us-east-1"]


def to_legacy_policy() -> None:
    """The role as lambdactl left it before policies were per region."""
    iam = client("iam")
    doc = iam.get_role_policy(RoleName=ROLE, PolicyName="lambdactl-us-east-1")["PolicyDocument"]
    iam.put_role_policy(RoleName=ROLE, PolicyName="lambdactl", PolicyDocument=json.dumps(doc))
    iam.delete_role_policy(RoleName=ROLE, PolicyName="lambdactl-us-east-1")


def test_a_role_with_the_old_shared_policy_is_migrated_by_up(aws: None, project: Path) -> None:
    (project / "lambdactl.toml").write_text(TWO_REGIONS)
    run("up")
    to_legacy_policy()
    run("up")
    assert sorted(policies()) == ["lambdactl-us-east-1"]


def test_a_role_with_the_old_shared_policy_is_removed_by_destroy(aws: None, project: Path) -> None:
    (project / "lambdactl.toml").write_text(TWO_REGIONS)
    run("up")
    to_legacy_policy()
    run("destroy", "--yes")
    assert client("iam").list_roles()["Roles"] == []


def test_destroy_with_no_config_and_no_journal_finds_the_project_by_name_and_tags(
        aws: None, project: Path) -> None:
    run("up")
    theirs = client("lambda")   # someone else's function whose name starts like ours
    theirs.create_function(FunctionName="lambdactl-demo-theirs", Runtime="python3.12", Handler="a.b",
                           Role=client("iam").create_role(RoleName="theirs", AssumeRolePolicyDocument="{}")["Role"]["Arn"],
                           Code={"ZipFile": (project / "functions" / "hello" / "app.py").read_bytes()})
    (project / "lambdactl.toml").unlink()
    shutil.rmtree(project / ".lambdactl")
    r = run("destroy", "--yes", "--project", "lambdactl-demo")
    assert "lambdactl-demo-theirs" in r.stderr and "left alone" in r.stderr
    assert [f["FunctionName"] for f in theirs.list_functions()["Functions"]] == ["lambdactl-demo-theirs"]
    assert [r["RoleName"] for r in client("iam").list_roles()["Roles"]] == ["theirs"]
    assert client("logs").describe_log_groups()["logGroups"] == []
    assert client("s3").list_buckets()["Buckets"] == []   # found through our S3 permission's Sid


@pytest.mark.parametrize(("owner", "deleted"), [("lambdactl-demo", True), (None, True), ("someone-else", False)])
def test_a_journaled_log_group_without_its_function_goes_only_if_its_tags_allow(
        aws: None, owner: str | None, deleted: bool) -> None:
    run("up")
    logs, group = client("logs"), f"/aws/lambda/{HELLO}"
    client("lambda").delete_function(FunctionName=HELLO)   # gone outside lambdactl
    logs.untag_log_group(logGroupName=group, tags=["lambdactl:project"])
    if owner:
        logs.tag_log_group(logGroupName=group, tags={"lambdactl:project": owner})
    r = run("destroy", "--yes")
    names = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert (group not in names) is deleted
    if not deleted:
        assert "belongs to lambdactl project 'someone-else'" in r.stderr
