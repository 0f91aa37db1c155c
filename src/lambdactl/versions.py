"""A function's published versions and its aliases: read, publish, point (boto3 calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdactl import functions as fnmod
from lambdactl.aws import deleted, error_code


@dataclass(frozen=True)
class VersionsState:
    """The function's published versions (ascending) and the latest one's state."""

    numbers: tuple[str, ...]
    latest: fnmod.FunctionState | None   # the highest published version (None: none published)

    @property
    def latest_number(self) -> str:
        return self.numbers[-1] if self.numbers else ""


@dataclass(frozen=True)
class AliasState:
    version: str
    weights: tuple[tuple[str, float], ...] = ()
    description: str = ""
    arn: str = ""


def observe(lam: Any, name: str) -> VersionsState | None:
    """Every published version of NAME (None: no such function)."""
    try:
        pages = list(lam.get_paginator("list_versions_by_function").paginate(FunctionName=name))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    published = sorted((c for p in pages for c in p.get("Versions", []) if c.get("Version", "$LATEST").isdigit()),
                       key=lambda c: int(c["Version"]))
    latest = fnmod.state_of(published[-1], {}) if published else None
    return VersionsState(tuple(c["Version"] for c in published), latest)


def alias_state(a: dict[str, Any]) -> AliasState:
    weights = (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return AliasState(str(a["FunctionVersion"]), tuple(sorted((str(k), float(v)) for k, v in weights.items())),
                      a.get("Description") or "", a.get("AliasArn", ""))


def observe_aliases(lam: Any, name: str) -> dict[str, AliasState]:
    """NAME's aliases by name ({} when the function does not exist)."""
    try:
        pages = list(lam.get_paginator("list_aliases").paginate(FunctionName=name))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return {}
        raise
    return {a["Name"]: alias_state(a) for p in pages for a in p.get("Aliases", [])}


def publish(lam: Any, name: str, code_sha256: str) -> dict[str, Any]:
    """PublishVersion of what $LATEST is now. CodeSha256 makes Lambda refuse if the code
    changed meanwhile (another run), rather than publish code we did not plan."""
    resp = lam.publish_version(FunctionName=name, CodeSha256=code_sha256)
    # An alias or invoke of a version that is still Pending fails with ResourceConflictException.
    if resp.get("State", "Active") != "Active":
        lam.get_waiter("function_active_v2").wait(FunctionName=name, Qualifier=resp["Version"],
                                                  WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    return dict(resp)


def point(lam: Any, name: str, alias: str, version: str, weights: tuple[tuple[str, float], ...],
          description: str, exists: bool) -> dict[str, Any]:
    """CreateAlias or UpdateAlias (weights replaced: {} clears them)."""
    params = {"FunctionName": name, "Name": alias, "FunctionVersion": version, "Description": description,
              "RoutingConfig": {"AdditionalVersionWeights": dict(weights)}}
    if not exists:
        try:
            return dict(lam.create_alias(**params))
        except Exception as exc:
            # The alias exists after all (a create whose answer was lost): update it.
            if error_code(exc) != "ResourceConflictException":
                raise
    return dict(lam.update_alias(**params))


def remove_alias(lam: Any, name: str, alias: str) -> bool:
    return deleted(lambda: lam.delete_alias(FunctionName=name, Name=alias), "ResourceNotFoundException")
