"""`lambdactl policy suggest FN`: a least-privilege policy from what the config wires
(pure: no AWS, no click).

Which resources: the function's S3 triggers' buckets, and the tables, buckets and
queues its `environment` names by reference (``${tables.NAME.name}``) or by name.
Which actions: the AWS SDK calls its handler's code makes, read with ``ast``
(never imported): ``put_item`` is ``dynamodb:PutItem``, a paginator over
``list_objects_v2`` is ``s3:ListBucket``. A call whose ``Bucket=`` / ``TableName=``
/ ``QueueUrl=`` is ``os.environ["X"]`` goes to X's resource only; others go to
every wired resource of that service. A wired resource with no call found gets
read-only access (assumed, and said). Every choice is a note for stderr.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl.handler_check import PARSE_LIMIT
from lambdactl.refs import REF

if TYPE_CHECKING:
    from lambdactl.config import Function, Project

# SDK method -> (service, IAM action, scope): scope is "bucket" / "object" (S3),
# "table", "queue" or "*" (an account-wide call: no resource can be named).
CALLS: dict[str, tuple[str, str, str]] = {
    **{m: ("s3", "s3:GetObject", "object") for m in (
        "get_object", "head_object", "download_file", "download_fileobj", "select_object_content")},
    **{m: ("s3", "s3:PutObject", "object") for m in (
        "put_object", "upload_file", "upload_fileobj", "create_multipart_upload", "copy_object")},
    **{m: ("s3", "s3:DeleteObject", "object") for m in ("delete_object", "delete_objects")},
    **{m: ("s3", "s3:ListBucket", "bucket") for m in ("list_objects", "list_objects_v2", "head_bucket")},
    "list_object_versions": ("s3", "s3:ListBucketVersions", "bucket"),
    "list_buckets": ("s3", "s3:ListAllMyBuckets", "*"),
    **{m: ("dynamodb", f"dynamodb:{a}", "table") for m, a in (
        ("get_item", "GetItem"), ("put_item", "PutItem"), ("update_item", "UpdateItem"),
        ("delete_item", "DeleteItem"), ("query", "Query"), ("scan", "Scan"),
        ("batch_get_item", "BatchGetItem"), ("batch_write_item", "BatchWriteItem"),
        ("batch_writer", "BatchWriteItem"), ("describe_table", "DescribeTable"))},
    "list_tables": ("dynamodb", "dynamodb:ListTables", "*"),
    **{m: ("sqs", f"sqs:{a}", "queue") for m, a in (
        ("send_message", "SendMessage"), ("send_message_batch", "SendMessage"),
        ("receive_message", "ReceiveMessage"), ("delete_message", "DeleteMessage"),
        ("delete_message_batch", "DeleteMessage"), ("get_queue_attributes", "GetQueueAttributes"))},
}
# What a wired resource gets when the code shows no call to its service.
READ_ONLY = {"s3": ("s3:GetObject",), "dynamodb": ("dynamodb:GetItem", "dynamodb:Query"),
             "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")}
TARGET_ARGS = ("Bucket", "TableName", "QueueUrl")
SERVICE = {"buckets": "s3", "tables": "dynamodb", "queues": "sqs"}
POLICY_PROBLEM = re.compile(r"^[^:]+(:\d+)?: functions\.[^.]+\.policy: ")


@dataclass(frozen=True)
class Call:
    method: str
    env: str | None        # the environment variable its Bucket=/TableName=/QueueUrl= reads
    where: str             # file:line


@dataclass(frozen=True)
class Wired:
    service: str           # s3 | dynamodb | sqs
    label: str             # what the notes call it
    arn: str               # a reference (${tables.history.arn}) or a literal ARN
    env: str | None = None  # the environment variable naming it, if any


@dataclass
class Suggestion:
    policy: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def _env_name(node: ast.expr) -> str | None:
    """X for os.environ["X"], os.environ.get("X"), os.getenv("X")."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.slice, ast.Constant):
        return node.slice.value if isinstance(node.slice.value, str) else None
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        func = node.func
        environ_get = isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
        getenv = getattr(func, "attr", getattr(func, "id", "")) == "getenv"
        value = node.args[0].value
        return value if (environ_get or getenv) and isinstance(value, str) else None
    return None


def _shown(path: Path, source: Path, root: Path) -> str:
    """PATH as the user knows it: from the project's root (SOURCE may be a link's target)."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(Path(source.parent.name, source.name, path.relative_to(source)))


def calls_in(source: Path, root: Path) -> list[Call]:
    """The SDK calls lambdactl knows in SOURCE's Python files, in file and line order
    (files named relative to ROOT)."""
    found = []
    for path in sorted(source.rglob("*.py")):
        if any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(source).parts):
            continue
        if path.stat().st_size > PARSE_LIMIT:
            continue  # its syntax tree would take ~400x its size (handler_check._skim)
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue  # the handler check reports a broken handler; nothing to learn here
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            if method == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                method = str(node.args[0].value)
            if method in CALLS:
                env = next((_env_name(k.value) for k in node.keywords if k.arg in TARGET_ARGS), None)
                found.append(Call(method, env, f"{_shown(path, source, root)}:{node.lineno}"))
    return sorted(found, key=lambda c: (c.where.split(":")[0], int(c.where.rsplit(":", 1)[1])))


def wired(project: Project, fn: Function) -> list[Wired]:
    """The resources FN is wired to: its trigger buckets, then what its environment names."""
    by_name = {b.name: b.key for b in project.buckets}
    out: list[Wired] = []

    def bucket(name: str, label: str, env: str | None = None) -> Wired:
        key = by_name.get(name)
        return Wired("s3", label, f"${{buckets.{key}.arn}}" if key else f"arn:aws:s3:::{name}", env)

    for t in fn.triggers:
        out.append(bucket(t.bucket, f"bucket {t.bucket} (its trigger)"))
    for env, value in fn.environment:
        ref = REF.fullmatch(value)
        if ref:
            kind, key = ref.group(1).split(".")[:2]
            arn = f"${{{kind}.{key}.arn}}"
            out.append(Wired(SERVICE[kind], f"{kind[:-1]} {key} ({env})", arn, env))
        elif value in by_name or value in {t.bucket for t in fn.triggers}:
            out.append(bucket(value, f"bucket {value} ({env})", env))
    merged: dict[str, Wired] = {}
    for w in out:   # one resource named twice (a trigger bucket also in env): once, with its variable
        merged[w.arn] = Wired(w.service, merged[w.arn].label, w.arn, merged[w.arn].env or w.env) \
            if w.arn in merged else w
    return list(merged.values())


def _grants(resources: list[Wired], calls: list[Call]) -> Iterator[tuple[Wired | None, str, str, str]]:
    """(resource or None for "*", action, scope, why) for each grant."""
    for c in calls:
        service, action, scope = CALLS[c.method]
        if scope == "*":
            yield None, action, scope, f"{c.method} at {c.where}"
            continue
        for w in resources:
            if w.service == service and (c.env is None or c.env == w.env):
                yield w, action, scope, f"{c.method} at {c.where}"
    for w in resources:
        if not any(CALLS[c.method][0] == w.service for c in calls):
            for action in READ_ONLY[w.service]:
                yield w, action, "object" if w.service == "s3" else "resource", "no call to it found in the code"


def load(path: str | None) -> Project:
    """lambdactl.toml with every check but the policy files': `> policies/x.json` has
    made the file being written empty before lambdactl reads the config naming it."""
    from lambdactl import config
    from lambdactl.errors import ConfigError

    try:
        return config.load(path)
    except ConfigError as exc:
        others = [line for line in str(exc).splitlines() if not POLICY_PROBLEM.search(line)]
        if others:
            raise ConfigError("\n".join(others)) from exc
        return config.load(path, lenient=True)


def _sid(w: Wired | None, scope: str) -> str:
    if w is None:
        return "AccountWide"
    name = w.arn.split(".")[1] if w.arn.startswith("${") else w.arn.rsplit(":", 1)[-1]
    words = "".join(ch if ch.isalnum() else " " for ch in name).split()
    kind = {"s3": "Bucket", "dynamodb": "Table", "sqs": "Queue"}[w.service]
    return kind + "".join(x.capitalize() for x in words) + ("Objects" if scope == "object" else "")


def suggest(project: Project, fn: Function) -> Suggestion:
    """The policy FN needs, by what the config wires and what its code calls."""
    calls, resources = calls_in(fn.source, project.root), wired(project, fn)
    statements: dict[str, dict[str, Any]] = {}
    why: dict[str, list[str]] = {}
    for w, action, scope, reason in _grants(resources, calls):
        sid = _sid(w, scope)
        resource = "*" if w is None else (f"{w.arn}/*" if scope == "object" else w.arn)
        st = statements.setdefault(sid, {"Sid": sid, "Effect": "Allow", "Action": [], "Resource": resource})
        if action not in st["Action"]:
            st["Action"].append(action)
        why.setdefault(sid, []).append(f"{action} ({reason})" if w is None or "found" not in reason
                                       else f"{action}: assumed read-only ({reason})")
    for st in statements.values():
        st["Action"].sort()
    notes = [f"{fn.key}: {w.label} -> {w.arn}" for w in resources]
    notes += [f"{sid}: {'; '.join(dict.fromkeys(reasons))}" for sid, reasons in why.items()]
    notes += _unmatched(resources, calls)
    notes.append("lambdactl adds the statement for the function's own log group itself (not repeated here)")
    notes.append(f"review, then save: lambdactl policy suggest {fn.key} > policies/{fn.key}.json "
                 f"(and policy = \"policies/{fn.key}.json\" in [functions.{fn.key}])")
    return Suggestion({"Version": "2012-10-17", "Statement": list(statements.values())}, notes)


def _unmatched(resources: list[Wired], calls: list[Call]) -> list[str]:
    """Notes on calls that reach no wired resource, or several (no os.environ[...] target)."""
    out = []
    for c in calls:
        service, action, scope = CALLS[c.method]
        if scope == "*":
            continue
        targets = [w for w in resources if w.service == service and (c.env is None or c.env == w.env)]
        if not targets:
            out.append(f"{c.method} at {c.where} ({action}): no {service} resource is wired to this "
                       f"function{f' by {c.env}' if c.env else ''} (a trigger or an environment "
                       "reference): not granted; add it by hand if it is needed")
        elif c.env is None and len(targets) > 1:
            out.append(f"{c.method} at {c.where} ({action}) names its target from a variable: granted on "
                       f"every {service} resource wired ({', '.join(w.label for w in targets)}); "
                       "narrow it by hand if it uses one")
    return out
