"""S3 notification rules: when two of them overlap (pure; config and the merge share it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambdactl.config import Function, Trigger


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
