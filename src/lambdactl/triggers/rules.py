"""S3 notification rules: when two of them overlap (pure; config and the merge share it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lambdactl.checks import _check_keys, _Problems, _typed
from lambdactl.spec import S3_EVENTS, TRIGGER_KEYS, Trigger, bucket_name_problem
from lambdactl.suggest import closest
from lambdactl.suggest import known as _known
from lambdactl.triggers.mappings import KEYS as MAPPING_KEYS
from lambdactl.triggers.mappings import TYPES as MAPPING_TYPES
from lambdactl.triggers.schedule_spec import SCHEDULE_KEYS, is_schedule

if TYPE_CHECKING:
    from lambdactl.spec import Function


def events_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    def covers(x: str, y: str) -> bool:
        return x == y or (x.endswith(":*") and y.startswith(x[:-1]))

    return any(covers(x, y) or covers(y, x) for x in a for y in b)


def rules_overlap(events_a: tuple[str, ...], prefix_a: str, suffix_a: str,
                  events_b: tuple[str, ...], prefix_b: str, suffix_b: str) -> bool:
    """S3 rejects two rules on one bucket whose events, prefixes and suffixes overlap."""
    return (
        events_overlap(events_a, events_b)
        and (prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a))
        and (suffix_a.endswith(suffix_b) or suffix_b.endswith(suffix_a))
    )


def trigger_overlaps(functions: Iterable[Function]) -> list[tuple[str, str]]:
    """(where, problem) for each trigger whose rule overlaps an earlier one on its bucket."""
    seen: list[tuple[str, Trigger]] = []
    out = []
    for fn in functions:
        for i, t in enumerate(fn.triggers):
            where = f"functions.{fn.key}.triggers[{i}]"
            for other_where, o in seen:
                if o.bucket == t.bucket and rules_overlap(t.events, t.prefix, t.suffix, o.events, o.prefix, o.suffix):
                    out.append((where, f"overlaps {other_where} on bucket {t.bucket!r} (same events and prefix/suffix); "
                                       "S3 rejects overlapping rules: give them disjoint prefixes or suffixes"))
            seen.append((where, t))
    return out


TYPES = ("s3", "schedule", *MAPPING_TYPES)
# The keys that only one other type of trigger has: a table with one of them and no type
# (or `tye = ...`) is that type's, not an S3 trigger with unknown keys.
_TELLING = {"schedule": "schedule", "input": "schedule", "enabled": "schedule", "queue": "sqs",
            "report_batch_item_failures": "sqs", "maximum_concurrency": "sqs", "table": "dynamodb",
            "starting_position": "dynamodb", "bisect_on_error": "dynamodb"}
_KEYS = {"schedule": SCHEDULE_KEYS, **MAPPING_KEYS}


def _s3_keys(p: _Problems, tw: str, t: dict[str, Any]) -> bool:
    """Whether T is an S3 trigger with only an S3 trigger's keys; else its one problem said:
    a type misspelled (`type = "shedule"`), or a type missing from a table whose keys are
    another type's, is said as that, not as each key being unknown to an S3 trigger."""
    typ = t.get("type", "s3")
    if typ != "s3":
        close = closest(str(typ), list(TYPES))
        p.add(f"{tw}.type", f"{typ!r} is not supported; " + (f"did you mean {close!r}? " if close else "")
              + ", ".join(f'"{t}"' if i else f'one of "{t}"' for i, t in enumerate(TYPES)))
        return False
    implied = sorted({_TELLING[k] for k in t if k in _TELLING})
    if "type" in t or not implied:
        _check_keys(p, tw, t, TRIGGER_KEYS)
        return True
    theirs = {k for k in t if k in _TELLING}
    _check_keys(p, tw, t, TRIGGER_KEYS.union(*(_KEYS[i] for i in implied)))   # `tye`: did you mean 'type'?
    p.add(f"{tw}.type", f"missing, and {', '.join(sorted(theirs))} are keys of a {' or '.join(implied)} trigger; "
          f"set type = \"{implied[0]}\" (without type, a trigger is an S3 one)")
    return False


def parse_triggers(p: _Problems, where: str, raw: Any) -> list[Trigger]:
    out: list[Trigger] = []
    if not _typed(p, f"{where}.triggers", raw, list, "an array of tables ([[functions.NAME.triggers]])"):
        return out
    for i, t in enumerate(raw):
        tw = f"{where}.triggers[{i}]"
        if not isinstance(t, dict):
            p.add(tw, "must be a table")
            continue
        if is_schedule(t) or t.get("type") in MAPPING_TYPES:   # triggers/schedule_spec.py's, mappings.py's
            continue
        if not _s3_keys(p, tw, t):
            continue
        bucket = t.get("bucket")
        problem = ('missing; set bucket = "${buckets.NAME}" (a [buckets.NAME] of this file) or a bucket name'
                   if bucket is None else bucket_name_problem(bucket))   # a problem for anything but a str
        if problem or not isinstance(bucket, str):
            p.add(f"{tw}.bucket", problem or "")
            continue
        events = t.get("events", ["s3:ObjectCreated:*"])
        if not isinstance(events, list) or not events:
            p.add(f"{tw}.events", "must be a non-empty list like [\"s3:ObjectCreated:*\"]")
            continue
        bad = [e for e in events if e not in S3_EVENTS]
        for e in bad:
            p.add(f"{tw}.events", f"{e!r} is not an S3 event; {_known(str(e), list(S3_EVENTS))}")
        prefix, suffix = t.get("prefix", ""), t.get("suffix", "")
        if not isinstance(prefix, str) or not isinstance(suffix, str):
            p.add(tw, "prefix and suffix must be strings")
            continue
        allow = t.get("allow_recursive", False)
        if not isinstance(allow, bool):
            p.add(f"{tw}.allow_recursive", "must be true or false")
            continue
        qualifier = t.get("qualifier", "")
        if not isinstance(qualifier, str):
            p.add(f"{tw}.qualifier", "must be the name of one of the function's aliases, like \"live\"")
            continue
        if not bad:
            out.append(Trigger(bucket=bucket, events=tuple(events), prefix=prefix, suffix=suffix,
                               allow_recursive=allow, qualifier=qualifier))
    return out
