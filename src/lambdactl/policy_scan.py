"""What a function's inline policy grants, read the way IAM reads it (pure).

Action / NotAction and Resource / NotResource, wildcards in both (``s3:Put*``,
``s3:*``, ``*``, ``arn:aws:s3:::bucket/*``). Two questions: can the function
write where its own S3 trigger fires (an infinite invocation loop), and does a
statement grant everything on everything (worth a warning).
"""

from __future__ import annotations

import fnmatch
from typing import Any

WRITE_ACTION = "s3:putobject"   # the write an ObjectCreated trigger fires on (lowercase: actions are)
# The elements IAM accepts (any other is MalformedPolicyDocument at PutRolePolicy).
POLICY_KEYS = ("Id", "Statement", "Version")
STATEMENT_KEYS = ("Action", "Condition", "Effect", "NotAction", "NotPrincipal", "NotResource", "Principal",
                  "Resource", "Sid")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: Any) -> list[str]:
    return [v for v in as_list(value) if isinstance(v, str)]


def allows_action(st: dict[str, Any], action: str) -> bool:
    """True if the statement's Action (or NotAction) covers ACTION (lowercase)."""
    def matches(patterns: Any) -> bool:
        return any(fnmatch.fnmatchcase(action, p.lower()) for p in _strings(patterns))

    if "NotAction" in st:
        return not matches(st["NotAction"])
    return matches(st.get("Action", []))


def _literal(resource: str) -> tuple[str, int | None]:
    """(the part before the first wildcard, that wildcard's index); arn:*: reads as arn:aws:."""
    resource = resource.replace("arn:*:", "arn:aws:", 1)
    cut = next((i for i, ch in enumerate(resource) if ch in "*?"), None)
    return (resource if cut is None else resource[:cut]), cut


def resource_overlaps(resource: str, bucket: str, prefix: str, suffix: str) -> bool:
    """Can RESOURCE name some object of s3://BUCKET/PREFIX*SUFFIX?"""
    key_space = f"arn:aws:s3:::{bucket}/{prefix}"
    literal, cut = _literal(resource)
    if cut is None:  # one exact object
        return literal.startswith(key_space) and literal.endswith(suffix)
    return literal.startswith(key_space) or key_space.startswith(literal)


def resource_covers(resource: str, bucket: str, prefix: str) -> bool:
    """Does RESOURCE name every object of s3://BUCKET/PREFIX*: a literal, then one final *?"""
    normal = resource.replace("arn:*:", "arn:aws:", 1)
    literal, cut = _literal(resource)
    return cut == len(normal) - 1 and normal.endswith("*") and f"arn:aws:s3:::{bucket}/{prefix}".startswith(literal)


def writable_in(st: dict[str, Any], bucket: str, prefix: str, suffix: str) -> str | None:
    """How the statement's Resource / NotResource reaches s3://BUCKET/PREFIX*SUFFIX, or None."""
    if "NotResource" in st:
        excluded = _strings(st["NotResource"])
        if any(resource_covers(r, bucket, prefix) for r in excluded):
            return None
        return f"every resource but {excluded!r}" if excluded else "every resource"
    return next((repr(r) for r in _strings(st.get("Resource", []))
                 if resource_overlaps(r, bucket, prefix, suffix)), None)


def grants_everything(st: dict[str, Any]) -> bool:
    """An Allow of every action on every resource ("*" on "*", or no NotAction/NotResource limit)."""
    every_action = "*" in _strings(st.get("Action", [])) or ("NotAction" in st and not _strings(st["NotAction"]))
    every_resource = "*" in _strings(st.get("Resource", [])) or ("NotResource" in st and not _strings(st["NotResource"]))
    return st.get("Effect") == "Allow" and every_action and every_resource


def denies_writes(st: dict[str, Any], bucket: str, prefix: str) -> bool:
    """An unconditional Deny of s3:PutObject on every object of s3://BUCKET/PREFIX*
    (an explicit Deny wins over any Allow)."""
    if st.get("Effect") != "Deny" or "Condition" in st or not allows_action(st, WRITE_ACTION):
        return False
    if "NotResource" in st:
        return not any(resource_overlaps(r, bucket, prefix, "") for r in _strings(st["NotResource"]))
    return any(resource_covers(r, bucket, prefix) for r in _strings(st.get("Resource", [])))


def statement_problems(i: int, st: Any) -> list[str]:
    """What IAM would refuse in statement I (MalformedPolicyDocument), said before any call."""
    from lambdactl.suggest import known

    if not isinstance(st, dict):
        return [f"Statement[{i}] must be an object"]
    problems = [f"Statement[{i}]: unknown element {k!r}; {known(k, list(STATEMENT_KEYS))}"
                for k in st if k not in STATEMENT_KEYS]
    if st.get("Effect") not in ("Allow", "Deny"):
        problems.append(f"Statement[{i}].Effect must be \"Allow\" or \"Deny\"")
    for key, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        given = [k for k in (key, other) if k in st]
        if not given:
            problems.append(f"Statement[{i}] has no {key}")
        elif len(given) == 2:
            problems.append(f"Statement[{i}] has both {key} and {other}; keep one")
        elif not _strings(st[given[0]]) or len(_strings(st[given[0]])) != len(as_list(st[given[0]])):
            problems.append(f"Statement[{i}].{given[0]} must be a string or a non-empty list of strings")
    if "Principal" in st or "NotPrincipal" in st:
        problems.append(f"Statement[{i}] has a Principal; identity policies may not")
    if "Condition" in st:
        from lambdactl.local.conditions import problems as condition_problems

        problems += condition_problems(st["Condition"], f"Statement[{i}]")
    return problems
