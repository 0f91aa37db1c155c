"""Kind: an alias of the function ([functions.F.aliases.NAME]: a version, optional
weights to one more version). versions.py makes the CreateAlias / UpdateAlias call.

`version = "latest-published"` follows the function's latest published version
(the one this run publishes, if it does). After `lambdactl rollback` the journal
pins the alias to the version rolled back to, until a new version is published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lambdactl import versions
from lambdactl.core.step import Step
from lambdactl.errors import ConfigError
from lambdactl.kinds.version import plan as plan_version
from lambdactl.spec_versions import LATEST_PUBLISHED, Alias

if TYPE_CHECKING:
    from lambdactl.core.context import Context, Facts
    from lambdactl.core.kind import Desired
    from lambdactl.core.observe import Observed

NAME = "alias"
NEEDS: tuple[str, ...] = ("function", "version")
PENDING = "(to be published)"


@dataclass(frozen=True)
class AliasData:
    alias: Alias
    version: str          # a number, or PENDING: the version this run publishes
    exists: bool
    previous: str = ""    # the version it pointed to (rollback's default target)


def plan(facts: Facts, want: Desired, have: Observed) -> list[Step]:
    fn = want.fn
    if NAME not in facts.kinds:
        return []
    steps = removed(facts, fn.name, fn.key, {a.name for a in fn.aliases}, have)
    if not fn.aliases:
        return steps
    numbers = list(have.versions.numbers) if have.versions else []
    publishing = fn.publish and any(s.action == "create" for s in plan_version(facts, want, have))
    # What a version number may name: a published one, or (predicted) the one this run publishes.
    known = numbers + ([str(int(numbers[-1]) + 1 if numbers else 1)] if publishing else [])
    for a in fn.aliases:
        target, pinned = _target(facts, fn.name, a, numbers, publishing)
        if pinned:   # rolled back: all of its traffic to that version
            a = replace(a, weights=())
        for v in [target, *(k for k, _ in a.weights)]:
            if v != PENDING and v not in known:
                raise ConfigError(f"functions.{fn.key}.aliases.{a.name}: version {v} of {fn.name} does not exist",
                                  f"published: {', '.join(numbers) or 'none'}; name one of them or publish first")
        have_alias = have.aliases.get(a.name)
        data = AliasData(a, target, have_alias is not None, have_alias.version if have_alias else "")
        if have_alias and have_alias.version == target and have_alias.weights == a.weights \
                and have_alias.description == a.description:
            steps.append(Step(fn.key, NAME, f"{fn.name}:{a.name}", "keep", detail=f"version {target}", data=data))
            continue
        action = "update" if have_alias else "create"
        was = f" (was {have_alias.version})" if have_alias and have_alias.version != target else ""
        shown = f"{known[-1]} (to be published)" if target == PENDING else target
        steps.append(Step(fn.key, NAME, f"{fn.name}:{a.name}", action,
                          detail=f"version {shown}{was}{_weights(a)}", data=data))
    return steps


def removed(facts: Facts, fn_name: str, key: str, configured: set[str], have: Observed) -> list[Step]:
    """Aliases the journal says we made, since removed from lambdactl.toml: deleted."""
    steps = []
    for entry in facts.journal.values():
        name = str(entry.get("name", ""))
        alias = name.removeprefix(f"{fn_name}:")
        if entry.get("kind") == NAME and name.startswith(f"{fn_name}:") and alias not in configured \
                and alias in have.aliases:
            steps.append(Step(key, NAME, name, "delete", detail="no longer in lambdactl.toml",
                              data=AliasData(Alias(alias), have.aliases[alias].version, True)))
    return sorted(steps, key=lambda s: s.name)


def _target(facts: Facts, fn_name: str, a: Alias, numbers: list[str], publishing: bool) -> tuple[str, bool]:
    """The version A points to, and whether that is a rollback's pin."""
    if a.version != LATEST_PUBLISHED:
        return a.version, False
    if publishing:
        return PENDING, False
    pinned = (facts.get(NAME, f"{fn_name}:{a.name}") or {}).get("pinned")
    if pinned and pinned in numbers:   # `lambdactl rollback`, until the next version is published
        return str(pinned), True
    return (numbers[-1] if numbers else PENDING), False


def _weights(a: Alias) -> str:
    return "".join(f", {w:.0%} to version {v}" for v, w in a.weights)


def apply(ctx: Context, want: Desired, step: Step, ready: Callable[[], None]) -> None:
    data, fn = step.data, want.fn
    assert isinstance(data, AliasData)
    if step.action == "delete":
        versions.remove_alias(ctx.aws.client("lambda"), fn.name, data.alias.name)
        ctx.journal.forget(NAME, step.name)
        return
    version = ctx.published.get(fn.key, "") if data.version == PENDING else data.version
    if not version:
        raise ConfigError(f"alias {data.alias.name} of {fn.name}: no version was published to point it at",
                          "set publish = true or name a version number")
    resp = versions.point(ctx.aws.client("lambda"), fn.name, data.alias.name, version, data.alias.weights,
                          data.alias.description, data.exists)
    record(ctx, fn.key, fn.name, data.alias.name, version, data.previous, resp.get("AliasArn", ""))


def record(ctx: Context, key: str, fn_name: str, alias: str, version: str, previous: str, arn: str,
           pinned: str = "") -> None:
    """The journal's entry: where the alias points, its history (rollback's default), a pin."""
    entry = ctx.journal.get(NAME, f"{fn_name}:{alias}") or {}
    history = [v for v in entry.get("history", []) if isinstance(v, str)]
    if previous and previous != version and (not history or history[-1] != previous):
        history.append(previous)
    ctx.journal.record(NAME, f"{fn_name}:{alias}", "created", function=key, alias=alias, version=version,
                       history=history[-20:], pinned=pinned, arn=arn)


def delete(ctx: Context, step: Step) -> Step:
    return step   # DeleteFunction takes its aliases with it
