"""Kind: a schedule trigger, as an EventBridge rule (rate/cron) with the function as
its target, and the statement that lets events.amazonaws.com invoke it.

Ours by the rule's tag (lambdactl:project); a rule of ours that the config no
longer asks for is deleted (our target, then the rule if nothing else targets
it). A rule with our name and another owner is refused before any write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl.aws import deleted, error_code
from lambdactl.core import ownership
from lambdactl.core.executor import run_parallel
from lambdactl.core.step import Step
from lambdactl.kinds.s3_permission import add_permission, remove_permission

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed
    from lambdactl.triggers.schedule_spec import Schedule

NAME = "schedule"
NEEDS: tuple[str, ...] = ("function", "alias")   # a rule aimed at an alias: its permission lives on the alias
TARGET_ID = "lambdactl"


@dataclass(frozen=True)
class RuleState:
    name: str
    arn: str
    expression: str
    state: str                      # ENABLED | DISABLED
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    targets: tuple[dict[str, Any], ...] = ()


@dataclass
class SchedulesState:
    rules: dict[str, RuleState] = field(default_factory=dict)
    # The function's resource policy ("") and its aliases' (a schedule's qualifier): by Sid.
    statements: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleData:
    rule: str
    arn: str
    put_rule: dict[str, Any] | None = None        # PutRule's parameters (None: unchanged)
    target: dict[str, Any] | None = None          # our target (None: unchanged)
    permission: dict[str, Any] | None = None      # AddPermission's parameters (None: present)
    replace: bool = False
    qualifier: str | None = None
    foreign_targets: bool = False                 # delete: others target the rule, it stays


def prefix(fn_name: str) -> str:
    return f"{fn_name}-schedule-"


def sid(rule: str) -> str:
    return f"lambdactl-events-{rule}"


def rule_arn(partition: str, region: str, account: str, rule: str) -> str:
    return f"arn:{partition}:events:{region}:{account}:rule/{rule}"


def read_rules(events: Any, fn_name: str) -> dict[str, RuleState]:
    """Our-named rules of FN_NAME, each with its tags and targets (read side by side)."""
    rules = [r for page in events.get_paginator("list_rules").paginate(NamePrefix=prefix(fn_name))
             for r in page.get("Rules", [])]
    tags: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    reads: list[Callable[[], Any]] = [partial(events.list_tags_for_resource, ResourceARN=r["Arn"]) for r in rules]
    reads += [partial(events.list_targets_by_rule, Rule=r["Name"]) for r in rules]
    stores: list[Callable[[Any], None]] = [partial(tags.__setitem__, r["Name"]) for r in rules]
    stores += [partial(targets.__setitem__, r["Name"]) for r in rules]
    run_parallel(reads, stores)
    return {r["Name"]: RuleState(r["Name"], r["Arn"], r.get("ScheduleExpression", ""), r.get("State", "ENABLED"),
                                 r.get("Description", ""), {t["Key"]: t["Value"] for t in tags[r["Name"]].get("Tags", [])},
                                 tuple(targets[r["Name"]].get("Targets", []))) for r in rules}


def observe(ctx: Context, fn: Any) -> SchedulesState:
    from lambdactl.kinds.s3_permission import observe_permissions

    out = SchedulesState()
    qualifiers = sorted({s.qualifier or "" for s in fn.schedules} | {""})
    reads: list[Callable[[], Any]] = [partial(read_rules, ctx.aws.client("events"), fn.name)]
    reads += [partial(observe_permissions, ctx.aws.client("lambda"), fn.name, q or None) for q in qualifiers]
    stores: list[Callable[[Any], None]] = [partial(setattr, out, "rules")]
    stores += [partial(out.statements.__setitem__, q) for q in qualifiers]
    run_parallel(reads, stores)
    return out


def wanted(journal: dict[str, Any], fn: Any) -> bool:
    """Are FN's rules read? When it has schedules, or the journal knows one of ours."""
    return bool(fn.schedules) or any(k.startswith(f"{NAME}:{prefix(fn.name)}") for k in journal)


def _statement_matches(st: dict[str, Any] | None, arn: str) -> bool:
    if not st:
        return False
    principal = st.get("Principal", {})
    service = principal.get("Service") if isinstance(principal, dict) else principal
    return (service == "events.amazonaws.com" and st.get("Action") == "lambda:InvokeFunction"
            and (st.get("Condition") or {}).get("ArnLike", {}).get("AWS:SourceArn") == arn)


def _plan_one(facts: Facts, fn: Any, s: Schedule, have: SchedulesState) -> Step:
    arn = rule_arn(facts.partition, facts.region, facts.account_id, s.rule)
    rule = have.rules.get(s.rule)
    if rule is not None:
        ownership.check_owner("EventBridge rule", s.rule, rule.tags, facts.project)
    state = "ENABLED" if s.enabled else "DISABLED"
    put = {"Name": s.rule, "ScheduleExpression": s.expression, "State": state, "Description": s.description}
    fn_arn = facts.function_arn(fn) + (f":{s.qualifier}" if s.qualifier else "")
    target = {"Id": TARGET_ID, "Arn": fn_arn, **({"Input": s.input} if s.input else {})}
    ours = next((t for t in rule.targets if t.get("Id") == TARGET_ID), None) if rule else None
    st = have.statements.get(s.qualifier or "", {}).get(sid(s.rule))
    fields = [] if rule is None else [f for f, differs in (
        ("schedule", rule.expression != s.expression), ("enabled", rule.state != state),
        ("description", rule.description != s.description)) if differs]
    target_same = ours is not None and {k: ours.get(k) for k in ("Id", "Arn", "Input") if ours.get(k)} == target
    fields += [] if rule is None or target_same else ["target"]
    fields += [] if rule is None or _statement_matches(st, arn) else ["permission"]
    action = "create" if rule is None else ("update" if fields else "keep")
    permission = None if _statement_matches(st, arn) else {
        "StatementId": sid(s.rule), "Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
        "SourceArn": arn, **({"Qualifier": s.qualifier} if s.qualifier else {})}
    data = RuleData(s.rule, arn, put if rule is None or {"schedule", "enabled", "description"} & set(fields) else None,
                    None if target_same else target, permission, st is not None, s.qualifier)
    return Step(fn.key, NAME, s.rule, action, tuple(fields), detail=s.expression + ("" if s.enabled else " (disabled)"),
                data=data)


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    if NAME not in facts.kinds:
        return []
    fn, state = want.fn, have.schedules
    steps = [_plan_one(facts, fn, s, state) for s in fn.schedules]
    names = {s.rule for s in fn.schedules}
    for name, rule in sorted(state.rules.items()):
        if name not in names and ownership.is_ours(rule.tags, facts.project):
            others = any(t.get("Id") != TARGET_ID for t in rule.targets)
            steps.append(Step(fn.key, NAME, name, "delete", detail=f"{rule.expression}: no longer in lambdactl.toml",
                              data=RuleData(name, rule.arn, foreign_targets=others)))
    return steps


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data = step.data
    assert isinstance(data, RuleData)
    if step.action == "delete":
        remove(ctx, want.fn.name, data)
        return
    events, lam, fn = ctx.aws.client("events"), ctx.aws.client("lambda"), want.fn
    if data.put_rule is not None:
        ctx.journal.record(NAME, data.rule, "creating", function=fn.key)
        events.put_rule(**data.put_rule, **({"Tags": [{"Key": k, "Value": v} for k, v in ctx.tags.items()]}
                                            if step.action == "create" else {}))
    if data.target is not None:
        events.put_targets(Rule=data.rule, Targets=[data.target])
    if data.permission is not None:
        add_permission(lam, fn.name, data.permission, data.replace)
    ctx.journal.record(NAME, data.rule, "created", function=fn.key, arn=data.arn)


def remove(ctx: Context, fn_name: str, data: RuleData) -> None:
    """Our target, the rule (unless others target it), our statement; the journal forgets."""
    events = ctx.aws.client("events")
    # RemoveTargets on a rule that is gone: ResourceNotFoundException (a second destroy).
    deleted(lambda: events.remove_targets(Rule=data.rule, Ids=[TARGET_ID]), "ResourceNotFoundException")
    if not data.foreign_targets:
        deleted(lambda: events.delete_rule(Name=data.rule), "ResourceNotFoundException")
    remove_permission(ctx.aws.client("lambda"), fn_name, sid(data.rule), data.qualifier)
    ctx.journal.forget(NAME, data.rule)


def delete(ctx: Context, step: Step) -> Step:
    data = step.data
    assert isinstance(data, RuleData)
    remove(ctx, step.name.rsplit("-schedule-", 1)[0], data)
    return step


# -- destroy ------------------------------------------------------------------
def plan_destroy(ctx: Context, fn_names: list[str]) -> list[Step]:
    """Our rules of FN_NAMES (read side by side): each deleted if tagged ours. Read for
    a function with schedules in the config or the journal, or for all when there is
    no journal (destroy from names alone); no EventBridge call otherwise."""
    journal = ctx.journal.resources()
    configured = {fn.name for fn in ctx.project.functions if fn.schedules}
    fn_names = [n for n in fn_names if not journal or n in configured
                or any(k.startswith(f"{NAME}:{prefix(n)}") for k in journal)]
    found: dict[str, dict[str, RuleState]] = {}
    try:
        run_parallel([partial(read_rules, ctx.aws.client("events"), n) for n in fn_names],
                     [partial(found.__setitem__, n) for n in fn_names])
    except Exception as exc:
        if error_code(exc) in ("AccessDeniedException", "UnrecognizedClientException") and not _journaled(ctx):
            return []   # never used EventBridge here, and may not
        raise
    steps = []
    for fn_name, rules in sorted(found.items()):
        key = fn_name.removeprefix(f"{ctx.project.name}-")
        for name, rule in sorted(rules.items()):
            if ownership.is_ours(rule.tags, ctx.project.name):
                others = any(t.get("Id") != TARGET_ID for t in rule.targets)
                steps.append(Step(key, NAME, name, "delete", detail=f"{rule.expression}, {ownership.why_ours(ctx.project.name)}",
                                  data=RuleData(name, rule.arn, foreign_targets=others)))
            else:
                steps.append(Step(key, NAME, name, "skip", detail=f"belongs to {ownership.whose(rule.tags)}; left alone"))
    return steps


def _journaled(ctx: Context) -> bool:
    return any(e.get("kind") == NAME for e in ctx.journal.resources().values())
