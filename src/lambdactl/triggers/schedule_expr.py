"""EventBridge schedule expressions: rate(...) and cron(...), checked as EventBridge
checks them, and evaluated minute by minute (the sandbox's scheduler). Pure."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

RATE = re.compile(r"^rate\((\d+) ([a-z]+)\)$")
CRON = re.compile(r"^cron\((.*)\)$")
RATE_UNITS = {"minute": 1, "hour": 60, "day": 1440}
MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}   # EventBridge: 1 = SUN
# (name, low, high, names, extra characters allowed besides , - * /)
FIELDS: tuple[tuple[str, int, int, dict[str, int], str], ...] = (("minutes", 0, 59, {}, ""), ("hours", 0, 23, {}, ""), ("day-of-month", 1, 31, {}, "?LW"),
          ("month", 1, 12, MONTHS, ""), ("day-of-week", 1, 7, DAYS, "?L#"), ("year", 1970, 2199, {}, ""))


class BadExpression(ValueError):
    """What is wrong with an expression, in one line."""


@dataclass(frozen=True)
class Expression:
    text: str
    every: int = 0                                     # rate: minutes between runs
    fields: tuple[str, ...] = ()                       # cron: the six fields

    def due(self, at: datetime, since: datetime) -> bool:
        """Does a run fall at minute AT (UTC, seconds 0)? A rate runs every N minutes
        counted from SINCE (when the rule was made), as EventBridge does."""
        if self.every:
            minutes = int((at - since).total_seconds() // 60)
            return minutes > 0 and minutes % self.every == 0
        return all(_field_matches(i, f, at) for i, f in enumerate(self.fields))


def parse(text: str) -> Expression:
    """Expression, or BadExpression saying what is wrong and how it should read."""
    if m := RATE.fullmatch(text):
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            raise BadExpression(f"{text!r}: the rate must be a positive whole number")
        singular = unit.removesuffix("s")
        if singular not in RATE_UNITS:
            raise BadExpression(f"{text!r}: the unit must be minute(s), hour(s) or day(s)")
        want = singular if value == 1 else singular + "s"
        if unit != want:   # EventBridge's rule: rate(1 minute), rate(5 minutes)
            raise BadExpression(f"{text!r}: EventBridge wants rate({value} {want})")
        return Expression(text, every=value * RATE_UNITS[singular])
    if m := CRON.fullmatch(text):
        fields = tuple(m.group(1).split())
        if len(fields) != 6:
            raise BadExpression(f"{text!r}: cron takes 6 fields (minutes hours day-of-month month day-of-week year), "
                                f"not {len(fields)}; e.g. cron(0 12 * * ? *)")
        for i, f in enumerate(fields):
            _check_field(text, i, f)
        dom, dow = fields[2], fields[4]
        if (dom == "?") == (dow == "?"):
            raise BadExpression(f"{text!r}: exactly one of day-of-month and day-of-week must be '?', "
                                "e.g. cron(0 12 * * ? *) or cron(0 12 ? * MON-FRI *)")
        return Expression(text, fields=fields)
    raise BadExpression(f"{text!r} must be rate(N unit) or cron(6 fields), e.g. \"rate(5 minutes)\"")


def _value(i: int, token: str) -> int:
    name, low, high, names, _ = FIELDS[i]
    number = names.get(token.upper()) if token.upper() in names else (int(token) if token.isdigit() else None)
    if number is None or not low <= number <= high:
        raise ValueError(f"{token!r} is not a valid {name} ({low}-{high})")
    return number


def _check_field(text: str, i: int, field: str) -> None:
    name, _, _, _, extra = FIELDS[i]
    try:
        for part in field.split(","):
            if part in ("*", "?") and (part == "*" or "?" in extra):
                continue
            if "L" in extra and (part == "L" or (i == 4 and part.endswith("L"))):
                part = part[:-1] or "1"
            if "#" in part and "#" in extra:
                day, nth = part.split("#", 1)
                _value(i, day)
                if not nth.isdigit() or not 1 <= int(nth) <= 5:
                    raise ValueError(f"{part!r}: the week after '#' must be 1-5")
                continue
            if i == 2 and part.endswith("W") and "W" in extra:
                part = part[:-1]
            base, _, step = part.partition("/")
            if step and not step.isdigit():
                raise ValueError(f"{part!r}: the step after '/' must be a number")
            lo, _, hi = base.partition("-")
            if lo != "*":
                _value(i, lo)
            if hi:
                _value(i, hi)
    except ValueError as exc:
        raise BadExpression(f"{text!r}: {name} field {field!r}: {exc}") from None


def _field_matches(i: int, field: str, at: datetime) -> bool:
    value = (at.minute, at.hour, at.day, at.month, at.isoweekday() % 7 + 1, at.year)[i]
    last_day = calendar.monthrange(at.year, at.month)[1]
    for part in field.split(","):
        if part in ("*", "?"):
            return True
        if part == "L":
            return (at.day == last_day) if i == 2 else value == 7
        if i == 4 and part.endswith("L"):   # the last such weekday of the month
            if value == _value(i, part[:-1]) and at.day + 7 > last_day:
                return True
            continue
        if "#" in part:
            day, nth = part.split("#", 1)
            if value == _value(i, day) and (at.day - 1) // 7 + 1 == int(nth):
                return True
            continue
        base, _, step = part.removesuffix("W").partition("/")
        lo, _, hi = base.partition("-")
        low = FIELDS[i][1] if lo == "*" else _value(i, lo)
        high = _value(i, hi) if hi else (FIELDS[i][2] if step or lo == "*" else low)
        if low <= value <= high and (value - low) % int(step or 1) == 0:
            return True
    return False
