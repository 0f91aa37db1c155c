"""Policy statements decided as IAM decides them, with a request context (pure: no moto).

A statement says "allow", "deny" or nothing ("") of an action on a resource: its
(Not)Action matched case-insensitively, its (Not)Resource with policy variables
resolved from the context (local/conditions.py), its Condition held against the
context. A condition that does not hold makes the statement say nothing, whatever its
Effect (moto 5.2 answered DENIED, so a Deny whose condition failed denied, and an Allow
whose condition failed denied too). Within one account: an explicit Deny anywhere
wins, else any Allow grants (``decide``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from lambdactl.local import conditions
from lambdactl.local.conditions import Context
from lambdactl.local.policymatch import matches


def _listed(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


def _resource_matches(patterns: Any, resource: str, context: Context) -> bool:
    for pattern in _listed(patterns):
        if "${" not in pattern:
            if matches(pattern, resource):
                return True
            continue
        marked = conditions.resolve(pattern, context)   # no value: the pattern matches nothing
        if marked is not None and conditions.like(resource, marked):
            return True
    return False


def says(statement: Any, action: str, resource: str, context: Context) -> str:
    """What STATEMENT says of ACTION on RESOURCE in CONTEXT: "allow", "deny" or ""."""
    if not isinstance(statement, dict):
        return ""
    if "NotAction" in statement:
        if any(matches(p, action, True) for p in _listed(statement["NotAction"])):
            return ""
    elif not any(matches(p, action, True) for p in _listed(statement.get("Action"))):
        return ""
    if "NotResource" in statement:
        if _resource_matches(statement["NotResource"], resource, context):
            return ""
    elif "Resource" in statement and not _resource_matches(statement["Resource"], resource, context):
        return ""
    if "Condition" in statement and not conditions.holds(statement["Condition"], context):
        return ""
    return {"Allow": "allow", "Deny": "deny"}.get(str(statement.get("Effect")), "")


def decide(statements: Iterable[Any], action: str, resource: str, context: Context) -> str:
    """"deny" if any statement denies, else "allow" if any allows, else ""."""
    decision = ""
    for statement in statements:
        said = says(statement, action, resource, context)
        if said == "deny":
            return "deny"
        decision = said or decision
    return decision


def of_document(document: Any) -> list[Any]:
    """The statements of a policy document (JSON text or parsed); [] for what is not one.
    Text is parsed once (the same role's policies are read on every call): callers read
    the statements, never change them."""
    if isinstance(document, (str, bytes)):
        return _parsed(document)
    found = document.get("Statement", []) if isinstance(document, dict) else []
    return found if isinstance(found, list) else [found]


@functools.lru_cache(maxsize=1024)
def _parsed(text: str | bytes) -> list[Any]:
    try:
        return of_document(json.loads(text))
    except ValueError:
        return []
