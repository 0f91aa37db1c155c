"""Kind: the resource-policy statements a public function URL needs.

Since October 2025 a URL with auth NONE needs two statements for anyone ("*"):
lambda:InvokeFunctionUrl with FunctionUrlAuthType NONE, and lambda:InvokeFunction
with InvokedViaFunctionUrl true (so the function is callable through its URL
only). Ours by Sid (lambdactl-url-*); any other statement is never touched.
With auth AWS_IAM no statement is needed: the callers' own policies grant it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambdactl.core.step import Step
from lambdactl.kinds.s3_permission import PermissionData, add_permission, remove_permission
from lambdactl.kinds.url import journaled_qualifier, moved_from

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "url_permission"
NEEDS: tuple[str, ...] = ("function", "alias")   # an alias's statement: after the alias exists
PUBLIC_SID, INVOKE_SID = "lambdactl-url-public", "lambdactl-url-invoke"


def wanted(qualifier: str | None = None) -> dict[str, dict[str, Any]]:
    """AddPermission's parameters for each of our statements, by Sid."""
    q = {"Qualifier": qualifier} if qualifier else {}
    return {
        PUBLIC_SID: {"StatementId": PUBLIC_SID, "Action": "lambda:InvokeFunctionUrl", "Principal": "*",
                     "FunctionUrlAuthType": "NONE", **q},
        INVOKE_SID: {"StatementId": INVOKE_SID, "Action": "lambda:InvokeFunction", "Principal": "*",
                     "InvokedViaFunctionUrl": True, **q},
    }


def _condition(statement: dict[str, Any], key: str) -> str | None:
    """A condition value, as AWS writes it (Condition: {StringEquals|Bool: {lambda:KEY}}),
    or as moto 5.2 keeps it (a top-level KEY)."""
    if key in statement:
        return str(statement[key]).lower()
    for test in (statement.get("Condition") or {}).values():
        if isinstance(test, dict) and f"lambda:{key}" in test:
            return str(test[f"lambda:{key}"]).lower()
    return None


def matches(statement: dict[str, Any] | None, want: dict[str, Any]) -> bool:
    if not statement:
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    cond = "FunctionUrlAuthType" if "FunctionUrlAuthType" in want else "InvokedViaFunctionUrl"
    return (statement.get("Effect", "Allow") == "Allow" and statement.get("Action") == want["Action"]
            and principal == "*" and _condition(statement, cond) == str(want[cond]).lower())


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    fn = want.fn
    public = fn.url is not None and fn.url.public
    moved = moved_from(fn.url, facts.get("url", fn.name)) if fn.url else None
    steps = [] if moved is None else _moved(fn.key, moved, have.url_moved_policy)
    qualifier = fn.url.qualifier if fn.url else journaled_qualifier(facts.get("url", fn.name))
    for sid, params in wanted(qualifier).items():
        present = have.url_policy.get(sid)
        if public:
            action = "keep" if matches(present, params) else ("update" if present else "create")
        elif present:
            action = "delete"
        else:
            continue
        steps.append(Step(fn.key, NAME, sid, action, detail=params["Action"] + (" for anyone" if public else ""),
                          data=PermissionData(params, bool(present))))
    return steps


def _moved(key: str, qualifier: str, present: dict[str, dict[str, Any]]) -> list[Step]:
    """The deletes of our statements on the qualifier the URL moved from ("" = the function)."""
    return [Step(key, NAME, sid, "delete", detail=f"{params['Action']}: moved with the URL",
                 data=PermissionData(params, True))
            for sid, params in wanted(qualifier or None).items() if present.get(sid)]


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data = step.data
    assert isinstance(data, PermissionData)
    lam = ctx.aws.client("lambda")
    if step.action == "delete":
        remove_permission(lam, want.fn.name, step.name, data.want.get("Qualifier"))
    else:
        add_permission(lam, want.fn.name, data.want, data.replace)


def delete(ctx: Context, step: Step) -> Step:
    return step   # deleted with the function's resource policy
