"""S3 notification rules: when two of them overlap (pure; config and the merge share it)."""

from __future__ import annotations


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
