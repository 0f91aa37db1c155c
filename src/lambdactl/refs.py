"""References to the project's own resources: ${tables.NAME.arn} and the like, in
policy files and `environment` values. Checked with the config (an unknown one is
a config error before any call), resolved when a plan is made."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdactl.kinds.project_bucket import ProjectBucket
    from lambdactl.kinds.queue import Queue
    from lambdactl.kinds.table import Table

REF = re.compile(r"\$\{((?:tables|buckets|queues)\.[^}]*)\}")
# "${" whose "}" never comes (a line, a JSON string or the next "${" ends it first).
UNCLOSED = re.compile(r"\$\{([^}\"\n$]*+)(?!\})")
TABLE_ATTRS = ("name", "arn", "stream_arn")
UNKNOWN_STREAM = "(known once the table exists)"


def known(tables: tuple[Table, ...], buckets: tuple[ProjectBucket, ...] = (),
          queues: tuple[Queue, ...] = ()) -> dict[str, str]:
    """Every reference the config's resources define, with a stand-in account and
    region (the checks made before any call; a bucket's ARN is exact)."""
    return values(tables, buckets, "region", "123456789012", "aws", {}, queues)


def refused(data: dict[str, Any], known_refs: dict[str, str]) -> dict[str, str]:
    """KNOWN_REFS, plus stand-ins for the references of each [tables|buckets|queues.NAME]
    declared but refused: its problem is said once, in its section, not again as an
    unknown reference in every environment value and policy that names it."""
    out: dict[str, str] = {}
    for kind, suffixes in (("tables", tuple(f".{a}" for a in TABLE_ATTRS)), ("buckets", ("", ".arn")),
                           ("queues", (".url", ".arn"))):
        section = data.get(kind)
        for key in section if isinstance(section, dict) else ():
            stand_in = "refused-bucket-name" if kind == "buckets" else f"refused-{kind}-{key}"
            out |= {f"{kind}.{key}{s}": f"arn:aws:s3:::{stand_in}" if s == ".arn" and kind == "buckets" else stand_in
                    for s in suffixes}
    return out | known_refs


def unknown(text: str, names: Collection[str]) -> list[str]:
    """The references in TEXT that name nothing, each as a one-line problem."""
    return [f"unknown reference ${{{r}}}; known: {', '.join(sorted(names)) or 'none (declare [tables.NAME], [buckets.NAME] or [queues.NAME])'}"
            for r in sorted(set(REF.findall(text))) if r not in names]


def unclosed(text: str, only_refs: bool = False) -> list[str]:
    """Each "${..." in TEXT that is never closed (kept as literal text, it would reach
    Lambda or IAM as is), as a one-line problem; ONLY_REFS: only those that start like a
    reference (an environment value may hold "${" of its own)."""
    return [f"unclosed ${{{r}: add the closing '}}' (${{{r}}})" for r in UNCLOSED.findall(text)
            if not only_refs or r.startswith(("tables.", "buckets.", "queues."))]


def values(tables: tuple[Table, ...], buckets: tuple[ProjectBucket, ...], region: str, account_id: str,
           partition: str, streams: dict[str, str], queues: tuple[Queue, ...] = ()) -> dict[str, str]:
    """What each reference stands for. STREAMS: the tables' stream ARNs (read or
    just created); a stream ARN holds its creation time, so it cannot be computed."""
    out: dict[str, str] = {}
    for b in buckets:
        out |= {f"buckets.{b.key}": b.name, f"buckets.{b.key}.arn": f"arn:{partition}:s3:::{b.name}"}
    from lambdactl import sqs

    for q in queues:   # a queue's URL and ARN are computed
        out |= {f"queues.{q.key}.url": sqs.url(region, account_id, q.name),
                f"queues.{q.key}.arn": sqs.arn(partition, region, account_id, q.name)}
    for t in tables:
        arn = f"arn:{partition}:dynamodb:{region}:{account_id}:table/{t.name}"
        out |= {f"tables.{t.key}.name": t.name, f"tables.{t.key}.arn": arn,
                f"tables.{t.key}.stream_arn": streams.get(f"tables.{t.key}.stream_arn", f"{arn}/stream/{UNKNOWN_STREAM}")}
    return out


def substitute(text: str, vals: dict[str, str]) -> str:
    """TEXT with each known reference replaced (the config has refused unknown ones)."""
    return REF.sub(lambda m: vals.get(m.group(1), m.group(0)), text)
