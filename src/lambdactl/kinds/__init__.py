"""The resource kinds, one module each, in the order a function's plan lists them.

Adding a kind: one module with NAME, NEEDS, plan, apply and delete
(core/kind.py), registered here.
"""

from __future__ import annotations

from typing import cast

from lambdactl.core.kind import Kind
from lambdactl.kinds import bucket, function, layer, log_group, role, s3_notification, s3_permission

KINDS: dict[str, Kind] = {cast(Kind, m).NAME: cast(Kind, m) for m in (
    role, log_group, layer, function, bucket, s3_permission, s3_notification)}
ALL = tuple(KINDS)
# What each step subcommand plans; `up` plans them all.
BY_COMMAND = {
    "role": ("role",),
    "deploy": ("log_group", "layer", "function"),
    "wire": ("bucket", "permission", "notification"),
    "up": ALL,
}
