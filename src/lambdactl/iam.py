"""The execution role and its one inline policy: render, check, observe, decide, apply."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl import policy_scan
from lambdactl.aws import deleted, error_code
from lambdactl.core.ownership import check_owner
from lambdactl.errors import ConfigError
from lambdactl.policy_scan import WRITE_ACTION, allows_action, writable_in
from lambdactl.triggers.mappings import poller_statements

if TYPE_CHECKING:
    from lambdactl.config import Function

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")   # ${name} in a policy file


def iam_variable(name: str) -> bool:
    """Is ${NAME} an IAM policy variable (``${aws:userid}``, ``${s3:prefix, 'x'}``, ``${*}``),
    which IAM resolves, rather than one of lambdactl's placeholders (which hold no ':')?"""
    return ":" in name or name.strip() in ("*", "?", "$")


# A role is global, its function regional: each region the project is deployed to
# keeps its own inline policy on the role (its ARNs name that region), and the role
# goes with the last one. Before that, one policy named "lambdactl" served every
# region (each `up` rewrote the others'); it is replaced on the next `up`.
LEGACY_POLICY = "lambdactl"


def policy_name(region: str) -> str:
    return f"lambdactl-{region}"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# -- policy files (pure) ------------------------------------------------------
def check_policy_file(path: Path, placeholders: set[str]) -> list[str]:
    """Problems with a policy file: its encoding, JSON shape and unknown placeholders."""
    from lambdactl.suggest import known
    from lambdactl.textfile import read_text

    try:
        text = read_text(path, "the file")
    except ConfigError as exc:
        return [str(exc)]
    problems = [
        f"unknown placeholder ${{{name}}}; known: {', '.join(sorted(placeholders))}"
        for name in sorted(set(PLACEHOLDER.findall(text)))
        if name not in placeholders and not iam_variable(name)
    ]
    from lambdactl.refs import unclosed

    problems += unclosed(text)   # else sent as is: IAM refuses it midway (MalformedPolicyDocument)
    try:
        doc = json.loads(PLACEHOLDER.sub("x", text))
    except json.JSONDecodeError as exc:
        return problems + [f"not valid JSON (line {exc.lineno}: {exc.msg})"]
    # Statement: a list, or one statement as an object (IAM takes both).
    if not isinstance(doc, dict) or not isinstance(doc.get("Statement"), (list, dict)) or not doc["Statement"]:
        return problems + ["must be an IAM policy: {\"Version\": \"2012-10-17\", \"Statement\": [...]}"]
    problems += [f"unknown top-level element {k!r}; {known(k, list(policy_scan.POLICY_KEYS))}"
                 for k in doc if k not in policy_scan.POLICY_KEYS]
    if doc.get("Version") not in ("2012-10-17", None):
        problems.append("Version must be \"2012-10-17\"")
    for i, st in enumerate(policy_scan.as_list(doc["Statement"])):
        problems += policy_scan.statement_problems(i, st)
    return problems


def render_values(fn: Function, region: str, account_id: str, partition: str = "aws",
                  refs: dict[str, str] | None = None) -> dict[str, str]:
    values = {**dict(fn.environment), **(refs or {})}   # refs: ${tables.NAME.arn}, ... (refs.py)
    values.update(
        region=region, account_id=account_id, function_name=fn.name, partition=partition
    )
    if fn.triggers:
        values["bucket"] = fn.triggers[0].bucket
    return values


def _render_text(text: str, values: dict[str, str]) -> str:
    def sub(m: Any) -> str:
        name = m.group(1)
        if iam_variable(name) and name not in values:
            return str(m.group(0))   # IAM resolves it, per request
        if name not in values:
            raise ConfigError(f"unknown placeholder ${{{name}}}")
        # Values go inside JSON strings: escape them as JSON would.
        return json.dumps(values[name])[1:-1]

    return PLACEHOLDER.sub(sub, text)


def logs_statement(fn: Function, region: str, account_id: str, partition: str = "aws") -> dict[str, Any]:
    """Write access to the function's own log group only (never Resource "*")."""
    arn = f"arn:{partition}:logs:{region}:{account_id}:log-group:{fn.log_group}:*"
    return {
        "Sid": "LambdactlOwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": arn,
    }


def user_statements(fn: Function, values: dict[str, str]) -> list[dict[str, Any]]:
    if fn.policy is None:
        return []
    doc = json.loads(_render_text(fn.policy.read_text(encoding="utf-8"), values))
    return list(policy_scan.as_list(doc["Statement"]))


def render_policy(fn: Function, region: str, account_id: str, partition: str = "aws",
                  refs: dict[str, str] | None = None) -> dict[str, Any]:
    """The one inline policy: the user's statements plus our log statement (and the
    async destinations' statements)."""
    values = render_values(fn, region, account_id, partition, refs)
    statements = user_statements(fn, values)
    statements.append(logs_statement(fn, region, account_id, partition))
    from lambdactl.spec_versions import destination_statements
    statements += destination_statements(fn, region, account_id, partition)   # async destinations
    statements += poller_statements(fn.mappings, region, account_id, partition)   # sqs / dynamodb triggers
    return {"Version": "2012-10-17", "Statement": statements}


def canonical(doc: Any) -> str:
    if isinstance(doc, str):
        from urllib.parse import unquote

        doc = json.loads(unquote(doc) if doc.startswith("%7B") else doc)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def recursive_trigger_problems(fn: Function, refs: dict[str, str] | None = None) -> list[str]:
    """A function whose policy can write where its own trigger fires loops forever
    (Action / NotAction, Resource / NotResource and wildcards: policy_scan.py; REFS:
    what ${buckets.NAME.arn} and the other references stand for)."""
    values = render_values(fn, "region", "123456789012", refs=refs)
    try:
        statements = user_statements(fn, values)
    except (ValueError, ConfigError):
        return []
    problems = []
    for i, trig in enumerate(fn.triggers):
        if trig.allow_recursive:
            continue
        if not any(e.startswith("s3:ObjectCreated") for e in trig.events):
            continue
        if any(isinstance(st, dict) and policy_scan.denies_writes(st, trig.bucket, trig.prefix) for st in statements):
            continue   # an explicit Deny of those writes wins over any Allow
        for st in statements:
            if not isinstance(st, dict) or st.get("Effect") != "Allow" or not allows_action(st, WRITE_ACTION):
                continue
            where = writable_in(st, trig.bucket, trig.prefix, trig.suffix)
            if where:
                problems.append(
                    f"[{i}] the function's policy allows s3:PutObject on {where}, where its own "
                    f"trigger on s3://{trig.bucket}/{trig.prefix}*{trig.suffix} fires: an infinite "
                    "invocation loop. Write elsewhere, narrow prefix/suffix, or set allow_recursive = true"
                )
                break
    return problems


# -- observe / decide / apply -------------------------------------------------
@dataclass(frozen=True)
class RoleState:
    arn: str
    tags: dict[str, str]
    trust: str          # canonical JSON
    policy: str | None  # canonical JSON of our inline policy, None if absent


def read_role(iam: Any, role_name: str) -> dict[str, Any] | None:
    try:
        return dict(iam.get_role(RoleName=role_name)["Role"])
    except Exception as exc:
        if error_code(exc) == "NoSuchEntity":
            return None
        raise


def read_policy(iam: Any, role_name: str, region: str) -> str | None:
    """Canonical JSON of our inline policy for REGION; None if it (or the role) is absent."""
    try:
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name(region))["PolicyDocument"]
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        return None
    return canonical(doc)


def role_state(role: dict[str, Any] | None, policy: str | None) -> RoleState | None:
    if role is None:
        return None
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    return RoleState(role["Arn"], tags, canonical(role["AssumeRolePolicyDocument"]), policy)


def observe(iam: Any, role_name: str, region: str, *, policy: bool = True) -> RoleState | None:
    """The role and (if POLICY) our inline policy for REGION, one after the other."""
    role = read_role(iam, role_name)
    return role_state(role, read_policy(iam, role_name, region) if role is not None and policy else None)


def decide(observed: RoleState | None, policy: dict[str, Any], project: str) -> tuple[str, list[str]]:
    """-> (action, fields) for the role: create / update [trust, policy] / keep."""
    if observed is None:
        return "create", ["trust", "policy"]
    check_owner("IAM role", observed.arn.rsplit("/", 1)[-1], observed.tags, project)
    fields = []
    if observed.trust != canonical(TRUST_POLICY):
        fields.append("trust")
    if observed.policy != canonical(policy):
        fields.append("policy")
    return ("update" if fields else "keep"), fields


def create_role(iam: Any, role_name: str, tags: dict[str, str]) -> str:
    resp = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
        Description="Execution role managed by lambdactl",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    return str(resp["Role"]["Arn"])


def put_trust(iam: Any, role_name: str) -> None:
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(TRUST_POLICY))


def put_policy(iam: Any, role_name: str, region: str, policy: dict[str, Any], *, migrate: bool = False) -> None:
    """REGION's inline policy; with MIGRATE (a role that existed), the legacy one goes."""
    iam.put_role_policy(
        RoleName=role_name, PolicyName=policy_name(region), PolicyDocument=json.dumps(policy)
    )
    if migrate:
        deleted(lambda: iam.delete_role_policy(RoleName=role_name, PolicyName=LEGACY_POLICY), "NoSuchEntity")


def delete(iam: Any, role_name: str, region: str) -> str | None:
    """Delete REGION's inline policy, then the role unless another region's policy is
    still on it. -> None, or why the role was kept."""
    deleted(lambda: iam.delete_role_policy(RoleName=role_name, PolicyName=policy_name(region)), "NoSuchEntity")
    for _ in range(2):
        try:
            deleted(lambda: iam.delete_role(RoleName=role_name), "NoSuchEntity")
            return None
        except Exception as exc:
            # IAM refuses to delete a role that still has inline policies.
            if error_code(exc) != "DeleteConflict":
                raise
        names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        others = sorted(n.removeprefix("lambdactl-") for n in names if n != LEGACY_POLICY)
        if others:
            return f"kept: still used in {', '.join(others)} (its policy there stays)"
        deleted(lambda: iam.delete_role_policy(RoleName=role_name, PolicyName=LEGACY_POLICY), "NoSuchEntity")
    return None


def broad_grant_warnings(fn: Function) -> list[str]:
    """One line per statement of FN's policy that grants every action on every resource."""
    try:
        statements = user_statements(fn, render_values(fn, "region", "123456789012"))
    except (ValueError, ConfigError, OSError):
        return []
    where = fn.policy.name if fn.policy is not None else "its policy"
    return [
        f"{fn.key}: {where} Statement[{i}]{' (' + st['Sid'] + ')' if isinstance(st.get('Sid'), str) else ''} "
        "allows every action on every resource (\"*\" on \"*\"); grant only what the function needs"
        for i, st in enumerate(statements) if isinstance(st, dict) and policy_scan.grants_everything(st)
    ]
