"""`lambdactl rollback`: point an alias back to an earlier version, and pin it there in
the journal (kinds/alias.py keeps the pin until a new version is published)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import versions
from lambdactl.errors import ConfigError
from lambdactl.kinds import alias as alias_kind

if TYPE_CHECKING:
    from lambdactl.config import Function
    from lambdactl.core.context import Context


@dataclass(frozen=True)
class RolledBack:
    function: str
    alias: str
    was: str
    version: str
    arn: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def pick_alias(fn: Function, name: str | None) -> str:
    names = [a.name for a in fn.aliases]
    if name is None:
        if len(names) == 1:
            return names[0]
        raise ConfigError(f"{fn.key} has {len(names) or 'no'} aliases in lambdactl.toml",
                          f"name one with --alias ({', '.join(names)})" if names
                          else f"declare [functions.{fn.key}.aliases.live] and run `lambdactl up`")
    if name not in names:
        raise ConfigError(f"{name!r} is not an alias of {fn.key} in lambdactl.toml",
                          f"known: {', '.join(names) or 'none'}")
    return name


def previous(history: list[Any], current: str) -> str:
    """The version the alias pointed to before CURRENT ("" if the journal knows none)."""
    return next((str(v) for v in reversed(history) if str(v) != current), "")


def rollback(ctx: Context, fn: Function, alias_name: str | None, to: str | None) -> RolledBack:
    name = pick_alias(fn, alias_name)
    lam = ctx.aws.client("lambda")
    current = versions.observe_aliases(lam, fn.name).get(name)
    if current is None:
        raise ConfigError(f"alias {name} of {fn.name} is not deployed", "run `lambdactl up` first")
    entry = ctx.journal.get(alias_kind.NAME, f"{fn.name}:{name}") or {}
    target = to if to is not None else previous(entry.get("history", []), current.version)
    if not target:
        raise ConfigError(f"the journal knows no version {name} pointed to before {current.version}",
                          "name one: lambdactl rollback --to N")
    published = (versions.observe(lam, fn.name) or versions.VersionsState((), None)).numbers
    if target not in published:
        raise ConfigError(f"--to {target}: {fn.name} has no published version {target}",
                          f"published: {', '.join(published) or 'none'}")
    resp = versions.point(lam, fn.name, name, target, (), current.description, exists=True)
    alias_kind.record(ctx, fn.key, fn.name, name, target, current.version, resp.get("AliasArn", ""), pinned=target)
    return RolledBack(fn.key, name, current.version, target, resp.get("AliasArn", ""))
