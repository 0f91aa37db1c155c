"""Schedule triggers (`type = "schedule"` in [[functions.NAME.triggers]]): the
frozen dataclass and its parsing. Each is an EventBridge rule (kinds/schedule.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lambdactl.checks import _check_keys, _Problems, _typed
from lambdactl.triggers import schedule_expr

SCHEDULE_KEYS = {"type", "schedule", "input", "enabled", "qualifier", "description"}
RULE_NAME_MAX = 64   # EventBridge's limit


@dataclass(frozen=True)
class Schedule:
    rule: str                      # the EventBridge rule's name: <function name>-schedule-<n>
    expression: str                # rate(...) or cron(...), checked (schedule_expr.py)
    input: str | None = None       # the target's constant Input (compact JSON), else the event
    enabled: bool = True
    qualifier: str | None = None   # an alias the target names (issue 15's aliases plug in here)
    description: str = ""


def rule_name(fn_name: str, n: int) -> str:
    return f"{fn_name}-schedule-{n}"


def is_schedule(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("type") == "schedule"


def parse_schedules(p: _Problems, where: str, fn_name: str, raw: Any) -> list[Schedule]:
    """The schedule entries of a function's triggers (the others are triggers/rules.py's)."""
    out: list[Schedule] = []
    if not isinstance(raw, list):
        return out   # reported by parse_triggers
    for i, t in enumerate(raw):
        if is_schedule(t) and (s := _parse_one(p, f"{where}.triggers[{i}]", rule_name(fn_name, len(out)), t)):
            out.append(s)
    return out


def _parse_one(p: _Problems, where: str, rule: str, t: dict[str, Any]) -> Schedule | None:
    n = len(p.items)
    _check_keys(p, where, t, SCHEDULE_KEYS)
    expression = t.get("schedule")
    if not isinstance(expression, str):
        p.add(f"{where}.schedule", 'missing; set schedule = "rate(5 minutes)" or "cron(0 12 * * ? *)"')
    else:
        try:
            schedule_expr.parse(expression)
        except schedule_expr.BadExpression as exc:
            p.add(f"{where}.schedule", str(exc))
    enabled = t.get("enabled", True)
    _typed(p, f"{where}.enabled", enabled, bool, "true or false")
    description = t.get("description", "")
    if _typed(p, f"{where}.description", description, str, "a string") and len(description) > 512:
        p.add(f"{where}.description", "is longer than EventBridge's 512 characters")
    qualifier = t.get("qualifier")
    if qualifier is not None and (not isinstance(qualifier, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", qualifier)):
        p.add(f"{where}.qualifier", f"{qualifier!r} is not an alias name (letters, digits, '-', '_')")
    payload = _input(p, f"{where}.input", t.get("input"))
    if len(rule) > RULE_NAME_MAX:
        p.add(where, f"rule name {rule!r} exceeds EventBridge's {RULE_NAME_MAX} chars: shorten the project or function name")
    if len(p.items) > n:
        return None
    assert isinstance(expression, str)
    return Schedule(rule, expression, payload, enabled, qualifier, description)


def _input(p: _Problems, where: str, raw: Any) -> str | None:
    """A table (sent as JSON) or a JSON string; None: the scheduled event itself."""
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            p.add(where, f"is not valid JSON ({exc.args[0]}); write a table or a JSON string")
            return None
    text = json.dumps(raw, separators=(",", ":"), sort_keys=True, default=str)
    if len(text) > 8192:
        p.add(where, f"is {len(text)} bytes; EventBridge allows 8192")
        return None
    return text
