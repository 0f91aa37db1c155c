"""Kind: a function's URL (its function URL config: auth type, CORS, invoke mode).

Ours by the journal (`url:<function name>`): a URL the config no longer asks for
is deleted only when lambdactl made it. It goes with the function on destroy.
Its resource-policy statements are kinds/url_permission.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core.step import Step

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed
    from lambdactl.spec_url import FunctionUrl

NAME = "url"
NEEDS: tuple[str, ...] = ("function", "alias")   # a URL on an alias: after the alias exists


@dataclass(frozen=True)
class UrlState:
    """A function URL config as read."""

    url: str
    auth: str
    invoke_mode: str = "BUFFERED"
    cors: dict[str, Any] = field(default_factory=dict)
    qualifier: str = ""   # the alias it is on ("" = the function)


def observe(lam: Any, fn_name: str, qualifier: str | None = None) -> UrlState | None:
    try:
        got = lam.get_function_url_config(FunctionName=fn_name, **_qualified(qualifier))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    # moto 5.2 answers "Buffered" where AWS answers "BUFFERED".
    return UrlState(got["FunctionUrl"], got["AuthType"], str(got.get("InvokeMode") or "BUFFERED").upper(),
                    dict(got.get("Cors") or {}), qualifier or "")


def journaled_qualifier(entry: dict[str, Any] | None) -> str | None:
    """The alias the journal says our URL is on: removed from lambdactl.toml, a URL
    on an alias is read and deleted there (unqualified, Lambda answers not found)."""
    return str((entry or {}).get("qualifier") or "") or None


def moved_from(url: FunctionUrl, entry: dict[str, Any] | None) -> str | None:
    """Where the journal says our URL is ("" = the function) when lambdactl.toml now
    puts it on another qualifier; None when it is not ours or has not moved."""
    if entry is None:
        return None
    was = journaled_qualifier(entry) or ""
    return was if was != (url.qualifier or "") else None


def _qualified(qualifier: str | None) -> dict[str, str]:
    return {"Qualifier": qualifier} if qualifier else {}


def differences(want: FunctionUrl, have: UrlState) -> list[str]:
    """The fields of HAVE that WANT changes."""
    out = []
    if want.auth != have.auth:
        out.append("auth")
    if want.cors_config() != have.cors:
        out.append("cors")
    if want.invoke_mode != have.invoke_mode:
        out.append("invoke_mode")
    return out


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    fn, state = want.fn, have.url
    if fn.url is None:
        if state is not None and facts.get(NAME, fn.name) is not None:   # ours, and no longer wanted
            return [Step(fn.key, NAME, fn.name, "delete", detail=f"{state.url}: no longer in lambdactl.toml",
                         data=state)]
        return []
    public = " (public)" if fn.url.public else ""
    made = Step(fn.key, NAME, fn.name, "create", detail=f"auth {fn.url.auth}{public}{_on(fn.url.qualifier)}")
    if moved_from(fn.url, facts.get(NAME, fn.name)) is not None:
        # Its qualifier changed: ours goes where it was (read there), and is made on the new one.
        return [*_moved(fn.key, fn.name, have.url_moved, fn.url.qualifier), made]
    if state is None:
        return [made]
    fields = differences(fn.url, state)
    return [Step(fn.key, NAME, fn.name, "update" if fields else "keep", tuple(fields),
                 detail=state.url + public, data=state)]


def _on(qualifier: str | None) -> str:
    return f" on alias {qualifier}" if qualifier else ""


def _moved(key: str, fn_name: str, old: UrlState | None, to: str | None) -> list[Step]:
    """The delete of our URL on the qualifier it moved from (none if it is gone already)."""
    if old is None:
        return []
    return [Step(key, NAME, fn_name, "delete", detail=f"{old.url}{_on(old.qualifier)}: moved to "
                 + (f"alias {to}" if to else "the function"), data=old)]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    lam, fn, j = ctx.aws.client("lambda"), want.fn, ctx.journal
    if step.action == "delete":
        state = step.data
        assert isinstance(state, UrlState)
        deleted(lambda: lam.delete_function_url_config(FunctionName=fn.name, **_qualified(state.qualifier)),
                "ResourceNotFoundException")
        j.forget(NAME, fn.name)
        return
    assert fn.url is not None
    params = {"FunctionName": fn.name, "AuthType": fn.url.auth, "Cors": fn.url.cors_config(),
              "InvokeMode": fn.url.invoke_mode, **_qualified(fn.url.qualifier)}
    if step.action == "create":
        j.record(NAME, fn.name, "creating", function=fn.key, auth=fn.url.auth, qualifier=fn.url.qualifier or "")
        try:
            got = lam.create_function_url_config(**params)
        except Exception as exc:
            # Made meanwhile (a concurrent run): ours to update.
            if error_code(exc) != "ResourceConflictException":
                raise
            got = lam.update_function_url_config(**params)
    else:
        got = lam.update_function_url_config(**params)
    j.record(NAME, fn.name, "created", function=fn.key, auth=fn.url.auth, url=got["FunctionUrl"],
             qualifier=fn.url.qualifier or "")


def delete(ctx: Context, step: Step) -> Step:
    """destroy: the URL config goes with the function (Lambda deletes both)."""
    ctx.journal.forget(NAME, step.name)
    return step


def destroy_steps(journal: dict[str, dict[str, Any]], function_steps: list[Step]) -> list[Step]:
    """destroy's URL steps: one for each function being deleted that has a URL of ours."""
    return [Step(s.function, NAME, s.name, "delete", detail=f"{entry.get('url', 'its URL')}: goes with the function")
            for s in function_steps if s.kind == "function" and s.action == "delete"
            and (entry := journal.get(f"{NAME}:{s.name}")) is not None]


def url_of(journal: dict[str, dict[str, Any]], steps: list[Step], fn_name: str) -> str | None:
    """The function's URL: as recorded when made, else as read."""
    entry = journal.get(f"{NAME}:{fn_name}") or {}
    read = next((s.data.url for s in steps if s.kind == NAME and s.action != "delete"
                 and isinstance(s.data, UrlState)), None)
    return entry.get("url") or read


def newly_public(fns: tuple[Any, ...], journal: dict[str, dict[str, Any]]) -> list[Any]:
    """The functions that `up` would make public for the first time: auth NONE in the
    config, and the journal has no public URL of ours for them."""
    return [fn for fn in fns if fn.url is not None and fn.url.public
            and (journal.get(f"{NAME}:{fn.name}") or {}).get("auth") != "NONE"]
