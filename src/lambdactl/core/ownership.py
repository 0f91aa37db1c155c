"""The one place that answers "is this ours?".

A resource is ours when it carries our project tag (functions, roles, log groups,
buckets), our marker (layer versions: layers.py), or, for a bucket's notification
entry, an Id that names one of our functions. The journal only says where to
look; before anything is deleted, the resource itself is asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lambdactl.errors import OwnershipError

OWNER_TAG = "lambdactl:project"
# Entry kinds of a bucket's notification configuration that name a destination.
ENTRY_KINDS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


def owner(tags: dict[str, str] | None) -> str | None:
    return (tags or {}).get(OWNER_TAG)


def is_ours(tags: dict[str, str] | None, project: str) -> bool:
    return owner(tags) == project


def whose(tags: dict[str, str] | None) -> str:
    """For messages: who a resource belongs to, by its tags."""
    who = owner(tags)
    return f"lambdactl project {who!r}" if who else f"someone else (no {OWNER_TAG} tag)"


def why_ours(project: str) -> str:
    return f"tagged {OWNER_TAG}={project}"


def check_owner(kind: str, name: str, tags: dict[str, str], project: str) -> None:
    """Refuse to modify a resource with our name that another owner has."""
    if not is_ours(tags, project):
        raise OwnershipError(
            f"{kind} {name!r} already exists and belongs to {whose(tags)}; lambdactl will not modify it",
            "rename the function in lambdactl.toml or remove that resource yourself",
        )


def entry_prefix(fn_name: str) -> str:
    """Our notification entries' Ids: lambdactl-<function name>-<trigger index>."""
    return f"lambdactl-{fn_name}-"


def entry_is_ours(entry: dict[str, Any], fn_names: Iterable[str]) -> bool:
    """By Id: lambdactl-<one of FN_NAMES>-<digits> (not lambdactl-<name>-x-0, function <name>-x's)."""
    ident = str(entry.get("Id", ""))
    return any(ident.startswith(p := entry_prefix(n)) and ident[len(p):].isdigit() for n in fn_names)


def foreign_entries(config: dict[str, Any], fn_names: Iterable[str]) -> list[str]:
    """What in a bucket's notification configuration is not one of FN_NAMES' entries."""
    names = list(fn_names)
    out = []
    for kind in ENTRY_KINDS:
        for e in config.get(kind) or []:
            if not (kind == "LambdaFunctionConfigurations" and entry_is_ours(e, names)):
                target = e.get("LambdaFunctionArn") or e.get("QueueArn") or e.get("TopicArn") or "?"
                out.append(f"{e.get('Id', '?')} -> {target}")
    if config.get("EventBridgeConfiguration") is not None:
        out.append("EventBridge delivery")
    return out


def lambdactl_function(foreign: str) -> str | None:
    """The function a line of `foreign_entries` wires, when the entry is another
    lambdactl project's: its Id is lambdactl-<function>-<digits> and it targets that
    function (the Id names no project: function names are the project's prefix plus
    the function's own name, not split back apart)."""
    ident, _, target = foreign.partition(" -> ")
    fn = target.rpartition(":function:")[2]
    head, _, index = ident.rpartition("-")
    return fn if ":function:" in target and index.isdigit() and head == f"lambdactl-{fn}" else None


def kept_for(foreign: list[str]) -> str:
    """Why a bucket of ours stays: another lambdactl project's entries, or entries
    lambdactl did not create at all, would go with it."""
    theirs = [f for f in foreign if lambdactl_function(f)]
    others = [f for f in foreign if f not in theirs]
    why = ([f"another lambdactl project wired it to its function(s) "
            f"{', '.join(str(lambdactl_function(f)) for f in theirs)} "
            f"(notification entries {', '.join(f.partition(' -> ')[0] for f in theirs)})"] if theirs else []) + (
        [f"holds notification entries lambdactl did not create: {', '.join(others)}"] if others else [])
    return f"kept ({'; '.join(why)})"


def bucket_verdict(tags: dict[str, str], empty: bool, foreign: list[str], project: str,
                   objects: int = 0) -> tuple[bool, str]:
    """May destroy delete this bucket? -> (delete, why). Only if ours, nobody else's
    notification entry would go with it, and empty, or OBJECTS (its count, made only
    under `destroy --delete-data`) go with it."""
    if not is_ours(tags, project):
        return False, f"kept (belongs to {whose(tags)})"
    if not empty and not objects:
        return False, "kept (not empty: `lambdactl destroy --delete-data` deletes it with its objects)"
    if foreign:
        return False, kept_for(foreign)
    held = f"with its {objects} object(s)" if objects else "empty"
    return True, f"{why_ours(project)}, {held}, no other notification entries"
