"""Context: what a run's steps share (clients, project, journal, time); Facts: the
part of it a kind's pure plan may see."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl import layers as layermod
from lambdactl.core.executor import Alongside
from lambdactl.state import Journal, may_know
from lambdactl.triggers.s3_write import Writes

if TYPE_CHECKING:
    from lambdactl import staging as stagemod
    from lambdactl.aws import Aws
    from lambdactl.config import Function, Project
    from lambdactl.package import BuildProgress


@dataclass
class Context:
    """What every step needs: clients, the project, the journal, and time."""

    aws: Aws
    project: Project
    build_dir: Path
    journal_path: Path
    sleep: Callable[[float], None] = time.sleep
    progress: stagemod.Progress | None = None     # (label, bytes sent, total) of a staging upload
    build_progress: BuildProgress | None = None    # (what, phase) of a dependency install
    _journal: Journal | None = None
    buckets_made: set[str] = field(default_factory=set)  # this run's bucket steps done
    s3_writes: Writes = field(default_factory=Writes)      # this run's notification writes
    layers: layermod.LayerSet = field(default_factory=layermod.LayerSet)   # this run's [layers.NAME]
    warn: Callable[[str], None] | None = None    # one line to the user (a journal ignored)
    streams: dict[str, str] = field(default_factory=dict)   # tables' stream ARNs, read or made (refs.py)
    project_steps: list[Any] = field(default_factory=list)  # this run's project-level plan (tables)
    published: dict[str, str] = field(default_factory=dict)  # function key -> the version this run published
    alongside: Alongside = field(default_factory=Alongside)   # the project steps run beside the chains (graph.py)

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            j = Journal(self.journal_path, self.aws.target_key, self.project.name, warn=self.warn)
            others, renamed = j.other_projects()
            if others and self.warn:
                self.warn(f"{self.journal_path} holds entries of project {', '.join(others)}, not "
                          f"{self.project.name} (a copied project directory?): ignored")
            for old, n in renamed.items():
                if self.warn:
                    self.warn(f"project {old!r}, deployed from this directory too (under that [project] name), still "
                              f"has {n} resource(s) up; `lambdactl destroy --project {old}` removes them")
            self._journal = j
        return self._journal

    def journal_snapshot(self) -> dict[str, Any] | None:
        """The journal's entries for this target, if known without a round trip: {} when
        the file holds none for this region and endpoint in any account (so a cold `up`
        asks the account id, which names the target, alongside its first reads); None
        when only the account id can tell."""
        a = self.aws
        if a.account_known():
            return self.journal.resources()
        return None if may_know(self.journal_path, a.region, a.where) else {}

    @property
    def tags(self) -> dict[str, str]:
        return self.project.tags

    def lock(self, command: str, on_wait: Callable[[dict[str, Any]], None] | None = None) -> Any:
        """The project+target write lock (see lock.py)."""
        from lambdactl.lock import hold, home_locks

        path = self.lock_path()
        return hold(path, command, on_wait=on_wait, fallback=home_locks() / path.name)

    def lock_path(self) -> Path:
        """Keyed by project name and target: two copies of a project directory (one project,
        the same resources) take turns, as one directory's runs do; on AWS whatever their
        home (the machine's lock directory), on the sandbox in the home (each user's own)."""
        from lambdactl.lock import directory, home_locks, lock_path

        # Keyed without the account id: taking the lock must not cost a round trip.
        t = self.aws.target
        key = f"{t.kind}/{t.profile or ''}/{t.region or ''}/{'local' if t.is_local else t.endpoint_url or 'aws'}"
        return lock_path(home_locks() if t.is_local else directory(), f"{self.project.name}#{key}")

    def facts(self, kinds: tuple[str, ...]) -> Facts:
        a = self.aws
        return Facts(self.project.name, a.account_id, a.region, a.partition, kinds,
                     self.journal.resources(), self.layers, self.project)

    def function_arn(self, fn: Function) -> str:
        a = self.aws
        return function_arn(a.partition, a.region, a.account_id, fn)

    def role_arn(self, fn: Function) -> str:
        return role_arn(self.aws.partition, self.aws.account_id, fn)

    def ref_values(self) -> dict[str, str]:
        """What ${tables.NAME.arn} and the other references stand for (refs.py)."""
        from lambdactl import refs

        a = self.aws
        return refs.values(self.project.tables, self.project.buckets, a.region, a.account_id, a.partition, self.streams,
                           self.project.queues)

    def policy(self, fn: Function) -> dict[str, Any]:
        from lambdactl import iam

        # Environment values may hold references too, and policies may name env keys.
        return iam.render_policy(self.resolved(fn), self.aws.region, self.aws.account_id, self.aws.partition,
                                 self.ref_values())

    def resolved(self, fn: Function) -> Function:
        """FN with the references in its environment values replaced."""
        from dataclasses import replace

        from lambdactl import refs

        if not any(refs.REF.search(v) for _, v in fn.environment) and not fn.mappings \
                and not refs.REF.search(fn.dead_letter_queue):
            return fn
        vals = self.ref_values()
        return replace(fn, environment=tuple((k, refs.substitute(v, vals)) for k, v in fn.environment),
                       dead_letter_queue=refs.substitute(fn.dead_letter_queue, vals),
                       mappings=tuple(replace(m, arn=refs.substitute(m.arn, vals)) for m in fn.mappings))


@dataclass(frozen=True)
class Facts:
    """Everything a kind's plan knows besides the config and what was read: no
    clock, no AWS, no journal reads (JOURNAL is a snapshot)."""

    project: str
    account_id: str
    region: str
    partition: str
    kinds: tuple[str, ...]                      # the kinds this command plans
    journal: Mapping[str, Any]
    layers: layermod.LayerSet                   # shared by every function of the run
    config: Project                             # the whole project (layers are the project's)

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The journal's entry, as recorded when the plan began."""
        entry = self.journal.get(f"{kind}:{name}")
        return dict(entry) if entry is not None else None

    def function_arn(self, fn: Function) -> str:
        return function_arn(self.partition, self.region, self.account_id, fn)

    def role_arn(self, fn: Function) -> str:
        return role_arn(self.partition, self.account_id, fn)


def function_arn(partition: str, region: str, account_id: str, fn: Function) -> str:
    return f"arn:{partition}:lambda:{region}:{account_id}:function:{fn.name}"


def role_arn(partition: str, account_id: str, fn: Function) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{fn.role_name}"
