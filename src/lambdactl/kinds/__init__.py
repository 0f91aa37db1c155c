"""The resource kinds, one module each, in the order a function's plan lists them.

Adding a kind: one module with NAME, NEEDS, plan, apply and delete
(core/kind.py), registered here. A kind with SCOPE = "project" (a table) is
planned once per run, before the function chains, rather than per function.
"""

from __future__ import annotations

from typing import cast

from lambdactl.core.kind import Kind
from lambdactl.kinds import (
    alias,
    async_invoke,
    bucket,
    function,
    layer,
    log_group,
    mapping,
    project_bucket,
    queue,
    role,
    s3_notification,
    s3_permission,
    schedule,
    staging,
    table,
    url,
    url_permission,
    version,
)

KINDS: dict[str, Kind] = {cast(Kind, m).NAME: cast(Kind, m) for m in (
    staging, table, project_bucket, queue, role, log_group, layer, function, version, alias, async_invoke, bucket,
    s3_permission, s3_notification, mapping, url, url_permission, schedule)}
ALL = tuple(KINDS)
PROJECT_KINDS = tuple(k for k, m in KINDS.items() if getattr(m, "SCOPE", "function") == "project")
FUNCTION_KINDS = {k: m for k, m in KINDS.items() if k not in PROJECT_KINDS}
# What each step subcommand plans; `up` plans them all.
BY_COMMAND = {
    "role": ("role",),
    "deploy": ("log_group", "layer", "function", "version", "alias", "async_config"),
    # what a trigger reads is made if missing: its bucket, and the project's buckets, queues and tables
    "wire": ("bucket", "project_bucket", "queue", "table", "permission", "notification", "mapping", "url",
             "url_permission", "schedule"),
    "up": ALL,
}
