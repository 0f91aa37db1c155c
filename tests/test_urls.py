"""Function URLs against moto: `url = {...}` creates the URL config and, for a public
URL, our two resource-policy statements; plan shows them, a no-op up writes
nothing, removing `url` removes them (foreign statements kept), destroy takes them
with the function, and auth NONE needs confirming."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.test_provision import HELLO, client, refused_before_any_call, run, writes

LIST = "lambdactl-demo-list-buckets"


def with_url(project: Path, url: str | None) -> None:
    """list-buckets' url (appended to its [functions.list-buckets] table, the last one)."""
    toml = project / "lambdactl.toml"
    text = toml.read_text().split("\nurl = ")[0].rstrip("\n") + "\n"
    toml.write_text(text + (f"url = {url}\n" if url else ""))


def policy(fn: str = LIST) -> dict[str, dict[str, object]]:
    try:
        doc = json.loads(client("lambda").get_policy(FunctionName=fn)["Policy"])
    except client("lambda").exceptions.ResourceNotFoundException:
        return {}
    return {s["Sid"]: s for s in doc["Statement"]}


def test_public_url_needs_yes_off_a_terminal_and_creates_nothing(aws: None, project: Path, calls: Counter[str]) -> None:
    with_url(project, '{ auth = "NONE" }')
    # Whether to ask depends on the journal (a URL it knows as public is not asked again),
    # and the journal is keyed by account: with no account id cached yet (this test alone,
    # or first in its session) the refusal needs GetCallerIdentity first. No write, ever.
    refused_before_any_call(run("up", code=2), 'auth = "NONE" makes lambdactl-demo-list-buckets public', "--yes",
                            calls=calls, reads_first=True)
    assert set(calls) <= {"GetCallerIdentity"}, calls


def test_public_url_created_with_both_statements(aws: None, project: Path, calls: Counter[str]) -> None:
    with_url(project, '{ auth = "NONE", cors = { allow_origins = ["*"], allow_methods = ["get"], max_age = 60 } }')
    out = json.loads(run("-o", "json", "up", "--yes").stdout)
    row = next(f for f in out["functions"] if f["function"] == "list-buckets")
    cfg = client("lambda").get_function_url_config(FunctionName=LIST)
    assert row["url"] == cfg["FunctionUrl"] and row["public"] is True
    assert cfg["AuthType"] == "NONE"
    assert cfg["Cors"] == {"AllowOrigins": ["*"], "AllowMethods": ["GET"], "MaxAge": 60}
    st = policy()
    assert st["lambdactl-url-public"]["Action"] == "lambda:InvokeFunctionUrl"
    assert st["lambdactl-url-invoke"]["Action"] == "lambda:InvokeFunction"
    assert [(s["kind"], s["action"]) for s in row["steps"] if s["kind"].startswith("url")] == [
        ("url", "create"), ("url_permission", "create"), ("url_permission", "create")]
    # The second `up`: no question (the journal knows it is public), and no write.
    calls.clear()
    out = json.loads(run("-o", "json", "up").stdout)
    assert writes(calls) == {}
    assert {f["status"] for f in out["functions"]} == {"unchanged"}
    url = run("url", "list-buckets")
    assert url.stdout.strip() == cfg["FunctionUrl"] and "public" in url.stderr


def test_plan_shows_the_url_steps(aws: None, project: Path) -> None:
    with_url(project, '{ auth = "NONE" }')
    out = run("plan").stdout + run("plan").stderr
    assert "create url lambdactl-demo-list-buckets" in out
    assert "create url permission lambdactl-url-public" in out
    assert "create url permission lambdactl-url-invoke" in out


def test_iam_url_has_no_statement_and_switching_removes_ours_only(aws: None, project: Path, calls: Counter[str]) -> None:
    with_url(project, '{ auth = "NONE" }')
    run("up", "--yes")
    client("lambda").add_permission(FunctionName=LIST, StatementId="theirs", Action="lambda:InvokeFunction",
                                    Principal="123456789012")
    with_url(project, '{ auth = "AWS_IAM" }')
    calls.clear()
    run("up")
    assert writes(calls) == {"UpdateFunctionUrlConfig": 1, "RemovePermission": 2}
    assert set(policy()) == {"theirs"}
    assert client("lambda").get_function_url_config(FunctionName=LIST)["AuthType"] == "AWS_IAM"
    with_url(project, None)
    calls.clear()
    run("up")
    assert writes(calls) == {"DeleteFunctionUrlConfig": 1}
    with pytest.raises(client("lambda").exceptions.ResourceNotFoundException):
        client("lambda").get_function_url_config(FunctionName=LIST)
    assert set(policy()) == {"theirs"}
    assert "has no function URL" in run("url", "list-buckets", code=1).stderr


def test_url_made_by_hand_is_not_removed(aws: None, project: Path, calls: Counter[str]) -> None:
    run("up")
    client("lambda").create_function_url_config(FunctionName=HELLO, AuthType="AWS_IAM")
    calls.clear()
    run("up")
    assert writes(calls) == {}
    assert client("lambda").get_function_url_config(FunctionName=HELLO)


def test_destroy_takes_the_url_with_the_function(aws: None, project: Path) -> None:
    with_url(project, '{ auth = "NONE" }')
    run("up", "--yes")
    dry = run("destroy", "--dry-run").stdout
    assert "delete url lambdactl-demo-list-buckets" in dry
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    state = json.loads((project / ".lambdactl/state.json").read_text())
    assert "url:" not in json.dumps(state)


@pytest.mark.parametrize(("url", "problem"), [
    ('{ auth = "none" }', "url.auth: 'none' must be \"AWS_IAM\""),
    ('{ auth = "NONE", invoke_mode = "STREAM" }', "url.invoke_mode: 'STREAM' must be"),
    ('{ cors = { allow_methods = ["FETCH"] } }', "url.cors.allow_methods: 'FETCH' is not an HTTP method"),
    ('{ cors = { max_age = 100000 } }', "url.cors.max_age: 100000 is out of range"),
    ('{ auth = "NONE", public = true }', "url: unknown key 'public'"),
    ('"NONE"', "url: must be a table"),
])
def test_bad_url_is_one_line_before_any_call(aws: None, project: Path, calls: Counter[str], url: str,
                                             problem: str) -> None:
    with_url(project, url)
    refused_before_any_call(run("up", "--yes", code=2), problem, calls=calls)


@pytest.mark.parametrize(("answer", "code"), [("n\n", 1), ("y\n", 0)])
def test_public_url_asks_on_a_terminal_the_first_time(aws: None, project: Path, monkeypatch: pytest.MonkeyPatch,
                                                      answer: str, code: int) -> None:
    from click.testing import CliRunner

    from lambdactl.cli import root
    from lambdactl.commands import up

    monkeypatch.setattr(up, "stdin_is_terminal", lambda: True)
    with_url(project, '{ auth = "NONE" }')
    result = CliRunner().invoke(root, ["--target", "aws", "up"], input=answer)
    assert result.exit_code == code, result.stderr
    assert "Make lambdactl-demo-list-buckets public" in result.stderr
    made = sorted(f["FunctionName"] for f in client("lambda").list_functions()["Functions"])
    assert made == ([HELLO, LIST] if code == 0 else [])
    if code == 0:   # asked once: the journal knows it is public now
        again = CliRunner().invoke(root, ["--target", "aws", "up"], input="")
        assert again.exit_code == 0 and "Make" not in again.stderr
