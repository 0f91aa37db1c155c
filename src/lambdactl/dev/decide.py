"""What a change to the project needs: pure, no clock, no AWS, no disk.

From the project as last synced, the project as now parsed and the paths that
changed, decide per function the least that makes it current:

- code: a file under its source changed (requirements.txt too: the zip vendors
  it) -> rebuild the zip, UpdateFunctionCode if its CodeSha256 differs;
- config: memory, timeout, environment, handler or description differ ->
  UpdateFunctionConfiguration of those fields;
- structural: anything else a function or the project is made of (a new or
  removed function, triggers, its policy file or path, layers, runtime,
  architecture, log retention, tables, buckets) -> the full `up` plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambdactl.config import Function, Project

# Function fields that UpdateFunctionConfiguration sets, by the name Lambda gives them.
CONFIG_FIELDS = {
    "memory": "MemorySize", "timeout": "Timeout", "environment": "Environment",
    "handler": "Handler", "description": "Description",
}
# Project fields whose change needs the resource core (tables, buckets, layers, ...).
PROJECT_FIELDS = ("name", "region", "target", "layers", "tables", "buckets")


@dataclass(frozen=True)
class Decision:
    """What to do for one batch of changes; empty when nothing we deploy changed."""

    structural: str = ""                                   # why the full plan is needed
    code: tuple[str, ...] = ()                             # function keys to rebuild
    config: dict[str, tuple[str, ...]] = field(default_factory=dict)   # key -> Lambda fields

    @property
    def empty(self) -> bool:
        return not (self.structural or self.code or self.config)


def decide(old: Project, new: Project, changed: set[Path], watched: tuple[str, ...] = ()) -> Decision:
    """The least work that makes WATCHED functions (all when empty) match NEW."""
    why = structural_change(old, new, changed)
    if why:
        return Decision(structural=why)
    code: list[str] = []
    config: dict[str, tuple[str, ...]] = {}
    before = {fn.key: fn for fn in old.functions}
    for fn in new.functions:
        if watched and fn.key not in watched:
            continue
        if any(_under(p, fn.source) for p in changed):
            code.append(fn.key)
        differ = config_fields(before[fn.key], fn)
        if differ:
            config[fn.key] = differ
    return Decision(code=tuple(code), config=config)


def structural_change(old: Project, new: Project, changed: set[Path]) -> str:
    """Why NEW needs the full plan (one line), or ""."""
    for name in PROJECT_FIELDS:
        if getattr(old, name) != getattr(new, name):
            return f"the project's {name} changed"
    keys_old, keys_new = [f.key for f in old.functions], [f.key for f in new.functions]
    if keys_old != keys_new:
        added = sorted(set(keys_new) - set(keys_old))
        gone = sorted(set(keys_old) - set(keys_new))
        return "; ".join([*(f"new function {k}" for k in added), *(f"function {k} removed" for k in gone)])
    before = {fn.key: fn for fn in old.functions}
    for fn in new.functions:
        differ = [f.name for f in fields(fn) if f.name not in CONFIG_FIELDS
                  and getattr(before[fn.key], f.name) != getattr(fn, f.name)]
        if differ:
            return f"{fn.key}: {', '.join(differ)} changed"
        if fn.policy is not None and fn.policy.resolve() in changed:
            return f"{fn.key}: its policy {fn.policy.name} changed"
    for layer in new.layers:
        if layer.requirements.resolve() in changed:
            return f"layer {layer.key}: {layer.requirements.name} changed"
    return ""


def config_fields(old: Function, new: Function) -> tuple[str, ...]:
    """The Lambda configuration fields that differ between OLD and NEW."""
    return tuple(aws for name, aws in CONFIG_FIELDS.items() if getattr(old, name) != getattr(new, name))


def watched_paths(project: Project) -> set[Path]:
    """What to watch: the config, every function's source, policy and layer file."""
    return set(_files(project)) | {fn.source.resolve() for fn in project.functions}


def part_of(project: Project, paths: set[Path]) -> set[Path]:
    """The PATHS that PROJECT is made of (not, say, a log file beside lambdactl.toml)."""
    files = set(_files(project))
    sources = [fn.source for fn in project.functions]
    return {p for p in paths if p in files or any(_under(p, s) for s in sources)}


def _files(project: Project) -> list[Path]:
    return [project.path.resolve(),
            *(fn.policy.resolve() for fn in project.functions if fn.policy is not None),
            *(layer.requirements.resolve() for layer in project.layers)]


def _under(path: Path, root: Path) -> bool:
    return path.is_relative_to(root.resolve())
