"""Issue 15: a function URL whose `qualifier` changes in lambdactl.toml moves there.
`up` deletes our URL config and its two statements where the journal says they are
(the old alias, or the function) and makes them on the new qualifier; a second `up`
writes nothing, and `destroy` leaves nothing."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.test_invocation_surfaces import LIST, on_the_alias
from tests.test_provision import client, run, writes

pytestmark = pytest.mark.usefixtures("aws")   # in moto
URL_OPS = ("GetFunctionUrlConfig", "CreateFunctionUrlConfig", "DeleteFunctionUrlConfig", "AddPermission", "RemovePermission")


def url_on(project: Path, qualifier: str | None) -> None:
    """The function's public URL on QUALIFIER (None: on the function itself)."""
    toml = project / "lambdactl.toml"
    line = f'url = {{ auth = "NONE", qualifier = "{qualifier}" }}' if qualifier else 'url = { auth = "NONE" }'
    toml.write_text(re.sub(r"^url = .*$", line, toml.read_text(), count=1, flags=re.M))


def record(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every API call lambdactl makes, with its parameters (below it, at botocore's client)."""
    import botocore.client

    seen: list[tuple[str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self, operation, params):  # type: ignore[no-untyped-def]
        seen.append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    return seen


def where(q: str | None) -> str:
    return f"alias {q}" if q else "the function"


@pytest.mark.parametrize(("was", "now"), [("live", None), (None, "live"), ("live", "beta")])
def test_a_url_whose_qualifier_changes_is_moved_there(
        project: Path, monkeypatch: pytest.MonkeyPatch, was: str | None, now: str | None) -> None:
    """moto ignores a URL's Qualifier (one URL per function whatever the qualifier), so
    the check is on the calls lambdactl makes and their Qualifier parameters. That moto
    still has a URL after the move also shows the old one went first (made first, the
    create would answer conflict and the delete would then remove the only one)."""
    on_the_alias(project, "NONE")
    toml = project / "lambdactl.toml"
    toml.write_text(toml.read_text() + '\n[functions.list-buckets.aliases.beta]\nversion = "latest-published"\n')
    url_on(project, was)
    run("up", "--yes")
    url_on(project, now)
    plan = run("plan").stdout
    for step in (f"delete url {LIST}: ", f"moved to {where(now)}", f"create url {LIST}: auth NONE (public)",
                 "delete url permission lambdactl-url-public: lambda:InvokeFunctionUrl: moved with the URL",
                 "delete url permission lambdactl-url-invoke: lambda:InvokeFunction: moved with the URL",
                 "create url permission lambdactl-url-public", "create url permission lambdactl-url-invoke"):
        assert step in plan, step
    seen = record(monkeypatch)
    run("up", "--yes")
    url_calls = sorted((op, p.get("Qualifier") or "") for op, p in seen
                       if op in URL_OPS and p.get("StatementId", "lambdactl-url").startswith("lambdactl-url"))
    old, new = was or "", now or ""
    assert url_calls == sorted([("GetFunctionUrlConfig", old), ("DeleteFunctionUrlConfig", old),
                                ("RemovePermission", old), ("RemovePermission", old),
                                ("CreateFunctionUrlConfig", new), ("AddPermission", new), ("AddPermission", new)])
    assert client("lambda").get_function_url_config(FunctionName=LIST)["AuthType"] == "NONE"
    (target,) = json.loads((project / ".lambdactl" / "state.json").read_text())["targets"].values()
    assert target["resources"][f"url:{LIST}"]["qualifier"] == new, "the journal says where it now is"
    seen.clear()
    run("up")
    assert writes(Counter(op for op, _ in seen)) == {}, "moved: a second up writes nothing"
    assert [(op, p.get("Qualifier") or "") for op, p in seen if op == "GetFunctionUrlConfig"] == [
        ("GetFunctionUrlConfig", new)], "read where it now is"
    run("destroy", "--yes")
    assert client("lambda").list_functions()["Functions"] == []
    assert json.loads((project / ".lambdactl" / "state.json").read_text())["targets"] == {}


def test_the_old_url_goes_before_the_new_one_is_made(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal has one entry per function's URL: the delete on the old qualifier
    forgets it, the create records it. A slowed delete makes a create that does not
    wait for it lose the entry (and, on moto, the URL) every time."""
    import time

    from lambdactl.kinds import url as url_kind

    on_the_alias(project, "NONE")
    run("up", "--yes")
    url_on(project, None)
    real = url_kind.apply

    def slow(ctx: Any, want: Any, step: Any, ready: Any) -> None:
        if step.action == "delete":
            time.sleep(0.3)
        real(ctx, want, step, ready)

    monkeypatch.setattr(url_kind, "apply", slow)
    run("up", "--yes")
    (target,) = json.loads((project / ".lambdactl" / "state.json").read_text())["targets"].values()
    assert target["resources"][f"url:{LIST}"]["qualifier"] == ""
    assert client("lambda").get_function_url_config(FunctionName=LIST)["AuthType"] == "NONE"
