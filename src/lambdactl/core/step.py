"""Step: one resource change of a plan (create, update, delete, keep, skip)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    function: str            # config key of the function it belongs to ("" for the project's)
    kind: str                # the resource kind: role, log_group, function, bucket, ...
    name: str                # the resource's name
    action: str              # create | update | delete | keep | skip
    fields: tuple[str, ...] = ()
    detail: str = ""
    # The kind's own frozen payload for apply/delete (kinds/*.py: RoleData, ...), or None.
    data: object = field(default=None, compare=False, repr=False)

    @property
    def writes(self) -> bool:
        return self.action in ("create", "update", "delete")

    def describe(self) -> str:
        what = f"{self.action} {self.kind.replace('_', ' ')} {self.name}"
        if self.fields and self.action == "update":
            what += f" ({', '.join(self.fields)})"
        if self.detail:
            what += f": {self.detail}"
        return what

    def as_json(self) -> dict[str, Any]:
        return {
            "function": self.function, "kind": self.kind, "name": self.name,
            "action": self.action, "fields": list(self.fields), "detail": self.detail,
        }
