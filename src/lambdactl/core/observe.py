"""Observe: every read a plan needs, side by side (a round trip is the unit of cost).

The reads of all kinds for all functions go out together, so they are gathered
here rather than in each kind: which reads the journal makes unnecessary, and
which role `up` claims instead of reading, are decisions across kinds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from lambdactl import dynamodb, iam, sqs
from lambdactl import functions as fnmod
from lambdactl import staging as stagemod
from lambdactl import versions as versmod
from lambdactl.core.executor import run_parallel
from lambdactl.kinds import async_invoke, log_group, mapping, project_bucket, s3_permission
from lambdactl.kinds import schedule as schedule_kind
from lambdactl.kinds import url as url_kind
from lambdactl.triggers import s3 as s3mod

if TYPE_CHECKING:
    from lambdactl.aws import Aws
    from lambdactl.config import Function
    from lambdactl.core.context import Context
    from lambdactl.package import Package


@dataclass
class Observed:
    """What was read for one function."""

    role: iam.RoleState | None = None
    log_group: log_group.LogGroupState | None = None
    function: fnmod.FunctionState | None = None
    permissions: dict[str, dict[str, Any]] = field(default_factory=dict)
    buckets: dict[str, s3mod.BucketState] = field(default_factory=dict)
    staging: stagemod.StagingState | None = None   # read only when a package is over 50 MB
    role_unread: bool = False   # `up` will claim the role by creating it (kinds.role.claim)
    tables: dict[str, dynamodb.TableState | None] = field(default_factory=dict)   # the project's (shared)
    project_buckets: dict[str, project_bucket.BucketSettings | None] = field(default_factory=dict)   # the same
    url: url_kind.UrlState | None = None                                       # kinds/url.py
    url_policy: dict[str, dict[str, Any]] = field(default_factory=dict)   # its resource policy, by Sid
    url_moved: url_kind.UrlState | None = None   # ours where the journal says it was, its qualifier since changed
    url_moved_policy: dict[str, dict[str, Any]] = field(default_factory=dict)   # that qualifier's policy, by Sid
    schedules: schedule_kind.SchedulesState = field(default_factory=schedule_kind.SchedulesState)
    versions: versmod.VersionsState | None = None     # published versions (publish = true, aliases)
    aliases: dict[str, versmod.AliasState] = field(default_factory=dict)
    async_configs: dict[str, dict[str, Any] | None] = field(default_factory=dict)   # by qualifier (async = {...})
    queues: dict[str, sqs.QueueState | None] = field(default_factory=dict)   # the same
    mappings: list[dict[str, Any]] = field(default_factory=list)   # the function's event-source mappings
    bucket_regions: dict[str, str] = field(default_factory=dict)   # a trigger's bucket of unknown region (rare)


def observe(ctx: Context, fns: tuple[Function, ...], kinds: tuple[str, ...],
            packages: dict[str, Package] | None = None, *,
            journal_hints: bool = False) -> dict[str, Observed]:
    """All the reads for FNS, side by side.

    With JOURNAL_HINTS (`up`), reads that cannot make the run refuse are skipped
    when the journal says lambdactl never created the resource here: the role's
    inline policy, the function's resource policy and its log group. They are read
    in a second round if the role or the function turns out to exist (deployed from
    another machine); otherwise they are created (creating the log group adopts one
    that exists). The role itself is not read either, when the journal does not
    know it, the function does not exist and it is the run's only such role: `up`
    claims it by creating it before any other write; IAM refuses a name that is
    taken without touching it. The other reads that can refuse (a foreign function
    or bucket rule) always happen, before any write; so does the staging bucket's,
    for PACKAGES or built layers over 50 MB.
    """
    reads = _Reads(ctx, fns, kinds, journal_hints)
    reads.first_round(packages or {})
    # `up` writes next: its clients are built while these reads are in flight.
    reads.run(warm_clients(ctx.aws, ("lambda", "s3", "iam", "logs") if journal_hints else ()))
    reads.second_round()
    reads.run()
    return reads.result()


class _Reads:
    def __init__(self, ctx: Context, fns: tuple[Function, ...], kinds: tuple[str, ...], hints: bool) -> None:
        self.ctx, self.a, self.fns, self.kinds = ctx, ctx.aws, fns, set(kinds)
        self.out = {fn.key: Observed() for fn in fns}
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []
        snapshot = ctx.journal_snapshot()
        self.known = snapshot if hints else None
        self.roles: dict[str, Any] = {}
        self.policies: dict[str, str | None] = {}
        self.bucket_states: dict[str, s3mod.BucketState] = {}
        self.tables: dict[str, dynamodb.TableState | None] = {}
        self.project_buckets: dict[str, project_bucket.BucketSettings | None] = {}
        self.queues: dict[str, sqs.QueueState | None] = {}
        self.bucket_regions: dict[str, str] = {}
        self.want_role = bool({"role", "function"} & self.kinds)
        # What the journal knows, read once: {} at no round trip when it cannot know this target.
        self.seen = snapshot if snapshot is not None else ctx.journal.resources()

    def expected(self, kind: str, name: str) -> bool:
        return self.known is None or f"{kind}:{name}" in self.known

    def add(self, service: str, read: Callable[..., Any], name: str, store: Callable[[Any], None]) -> None:
        """READ(client, NAME), its client made in the thread that reads."""
        self.jobs.append((lambda: read(self.a.client(service), name), store))

    def run(self, meanwhile: Callable[[], None] | None = None) -> None:
        jobs, self.jobs = self.jobs, []
        run_parallel([j[0] for j in jobs], [j[1] for j in jobs], meanwhile)

    def role(self, fn: Function, policy: bool) -> None:
        self.add("iam", iam.read_role, fn.role_name, partial(self.roles.__setitem__, fn.key))
        if policy:
            self.add("iam", partial(iam.read_policy, region=self.a.region), fn.role_name,
                     partial(self.policies.__setitem__, fn.key))

    def first_round(self, packages: dict[str, Package]) -> None:
        a, kinds = self.a, self.kinds
        self.jobs.append((lambda: a.account_id, lambda _: None))
        # One role the journal does not know may go unread: `up` claims it.
        unknown = [fn.key for fn in self.fns if not self.expected("role", fn.role_name)]
        claim = self.known is not None and "role" in kinds and len(unknown) == 1   # known: only with hints
        for fn in self.fns:
            o = self.out[fn.key]
            if self.want_role and not (claim and fn.key in unknown):
                self.role(fn, self.expected("role", fn.role_name))
            if "log_group" in kinds and self.expected("log_group", fn.log_group):
                self.add("logs", log_group.observe, fn.log_group, partial(setattr, o, "log_group"))
            if {"function", "permission", "notification", "mapping"} & kinds:
                self.add("lambda", fnmod.observe, fn.name, partial(setattr, o, "function"))
            if "permission" in kinds and (fn.triggers or self.unhooked(fn)) and self.expected("function", fn.name):
                self.permissions(fn, o)
            self.versions(fn, o)
            if self.expected("function", fn.name):
                self.url(fn, o)
            self.mappings(fn, o, first=True)
        self.shared(packages)

    def unhooked(self, fn: Function) -> set[str]:
        """Buckets the journal knows FN's entries in that no trigger of FN names any more."""
        return {e["bucket"] for e in self.seen.values() if e.get("kind") == "notification"
                and e.get("name") == f"{e.get('bucket')}#{fn.name}"} - {t.bucket for t in fn.triggers}

    def url(self, fn: Function, o: Observed) -> None:
        """The function URL and its policy, the schedules' rules: when wanted, or
        journaled (to remove them)."""
        entry = self.seen.get(f"{url_kind.NAME}:{fn.name}")
        if "url" in self.kinds and (fn.url or entry):
            q = fn.url.qualifier if fn.url else url_kind.journaled_qualifier(entry)
            moved = url_kind.moved_from(fn.url, entry) if fn.url else None
            # Moved to another qualifier: ours is read where it was, to delete it; on the
            # new one it is made, not read (create and AddPermission take over one there).
            at, into = (q, ("url", "url_policy")) if moved is None else (moved or None, ("url_moved", "url_moved_policy"))
            self.add("lambda", partial(url_kind.observe, qualifier=at), fn.name, partial(setattr, o, into[0]))
            self.add("lambda", partial(s3_permission.observe_permissions, qualifier=at), fn.name,
                     partial(setattr, o, into[1]))
        if "schedule" in self.kinds and schedule_kind.wanted(self.seen, fn):
            self.jobs.append((partial(schedule_kind.observe, self.ctx, fn), partial(setattr, o, "schedules")))

    def permissions(self, fn: Function, o: Observed) -> None:
        """The function's resource policy, and each alias's that a trigger targets (by "alias/Sid")."""
        self.add("lambda", s3_permission.observe_permissions, fn.name, o.permissions.update)
        for q in sorted({t.qualifier for t in fn.triggers if t.qualifier}):
            self.add("lambda", partial(s3_permission.observe_permissions, qualifier=q), fn.name,
                     partial(s3_permission.store_qualified, o.permissions, q))

    def versions(self, fn: Function, o: Observed, found: bool = False) -> None:
        """Published versions and aliases: read when the function may have them (or was FOUND)."""
        if not (found or self.expected("function", fn.name)):
            return
        if {"version", "alias"} & self.kinds and (fn.publish or fn.aliases):
            self.add("lambda", versmod.observe, fn.name, partial(setattr, o, "versions"))
        if "alias" in self.kinds and (fn.aliases or self.journaled("alias", f"{fn.name}:", prefix=True)):
            self.add("lambda", versmod.observe_aliases, fn.name, partial(setattr, o, "aliases"))
        if "async_config" in self.kinds and (fn.async_config or self.journaled(async_invoke.NAME, f"{fn.name}:", prefix=True)):
            quals = ("", *(a.name for a in fn.aliases))
            self.add("lambda", partial(async_invoke.observe, qualifiers=quals), fn.name, partial(setattr, o, "async_configs"))

    def journaled(self, kind: str, name: str, prefix: bool = False) -> bool:
        """Does the journal know KIND:NAME (or, with PREFIX, any KIND:NAME…)?"""
        if prefix:
            return any(k.startswith(f"{kind}:{name}") for k in self.seen)
        return f"{kind}:{name}" in self.seen

    def mappings(self, fn: Function, o: Observed, first: bool) -> None:
        """A function's mappings: read when it has sqs/dynamodb triggers or the journal
        knows some of them, and (JOURNAL_HINTS) the journal knows the function."""
        some = fn.mappings or self.journaled(mapping.NAME, f"{fn.name}/", prefix=True)
        if "mapping" in self.kinds and some and self.expected("function", fn.name) == first:
            self.add("lambda", mapping.observe, fn.name, partial(setattr, o, "mappings"))

    def shared(self, packages: dict[str, Package]) -> None:
        """Reads of what several functions share: buckets, layers, the staging bucket."""
        ctx, kinds = self.ctx, self.kinds
        staged: list[Any] = [self.out[fn.key] for fn in self.fns
                             if "function" in kinds and stagemod.needed(packages.get(fn.key))]
        if "layer" in kinds and any(stagemod.needed(ctx.layers.builds.get(x.key))
                                    for x in ctx.project.layers_of(self.fns)):
            staged.append(ctx.layers)   # a built layer over 50 MB: the same staging bucket
        if staged:  # a package or layer over 50 MB: its staging bucket
            self.jobs.append((partial(stagemod.observe, ctx), partial(stagemod.store, staged)))
        triggered = {b for fn in self.fns for b in {t.bucket for t in fn.triggers} | self.unhooked(fn)} \
            if {"bucket", "notification"} & kinds else set()
        # A trigger's bucket that is also a [buckets.NAME]: its one read serves both.
        shared = {pb.name for pb in ctx.project.buckets} & triggered if "project_bucket" in kinds else set()
        for b in sorted(triggered - shared):
            self.add("s3", s3mod.observe_bucket, b, partial(self.bucket_states.__setitem__, b))
        if {"table", "role", "function"} & kinds:   # a policy or env may name a stream's ARN: read
            for t in ctx.project.tables:
                self.jobs.append((partial(self.table, t.name), partial(self.tables.__setitem__, t.key)))
        if "project_bucket" in kinds:
            for pb in ctx.project.buckets:
                also = partial(self.bucket_states.__setitem__, pb.name) if pb.name in shared else None
                self.add("s3", partial(project_bucket.observe, also=also), pb.name,
                         partial(self.project_buckets.__setitem__, pb.key))
        if "queue" in kinds:
            for q in ctx.project.queues:
                self.jobs.append((partial(self.queue, q.name), partial(self.queues.__setitem__, q.key)))
        if "layer" in kinds:
            for layer in ctx.project.layers_of(self.fns):
                # `up` (hints): a publish its answer calls for starts encoding the zip at once
                read = partial(ctx.layers.read, ctx.project.name, self.known, layer)
                self.add("lambda", read, layer.name, partial(ctx.layers.observed.__setitem__, layer.key))

    def table(self, name: str) -> dynamodb.TableState | None:
        a = self.a   # its tags are read by ARN: computed, not read first
        return dynamodb.observe(a.client("dynamodb"), name, f"arn:{a.partition}:dynamodb:{a.region}:{a.account_id}:table/{name}")

    def queue(self, name: str) -> sqs.QueueState | None:
        a = self.a   # read at its computed URL (the account id, in this thread)
        return sqs.observe(a.client("sqs"), sqs.url(a.region, a.account_id, name))

    def second_round(self) -> None:
        """Rare: something the journal did not know of exists after all; a trigger's
        bucket whose configuration names nothing of this region (another region's?)."""
        if "notification" in self.kinds:
            for b in sorted({t.bucket for fn in self.fns for t in fn.triggers}):
                st = self.bucket_states.get(b)
                if st is not None and st.exists and self.a.region not in s3mod.arn_regions(st.notification):
                    self.add("s3", s3mod.bucket_region, b, partial(self.bucket_regions.__setitem__, b))
        for fn in self.fns:
            o = self.out[fn.key]
            if self.want_role and fn.key not in self.roles and o.function is not None:
                self.role(fn, True)   # a function the journal does not know: its role is read, not claimed
            elif self.want_role and self.roles.get(fn.key) is not None and fn.key not in self.policies:
                self.add("iam", partial(iam.read_policy, region=self.a.region), fn.role_name,
                         partial(self.policies.__setitem__, fn.key))
            if o.function is not None and not self.expected("function", fn.name):
                # Deployed from elsewhere (CI, another machine): read what round one skipped,
                # so that a converged project makes no write here either.
                if "permission" in self.kinds and (fn.triggers or self.unhooked(fn)):
                    self.permissions(fn, o)
                self.versions(fn, o, found=True)
                self.mappings(fn, o, first=False)
                if "log_group" in self.kinds and not self.expected("log_group", fn.log_group):
                    self.add("logs", log_group.observe, fn.log_group, partial(setattr, o, "log_group"))
                self.url(fn, o)

    def result(self) -> dict[str, Observed]:
        for fn in self.fns:
            o = self.out[fn.key]
            o.role = iam.role_state(self.roles.get(fn.key), self.policies.get(fn.key))
            o.role_unread = self.want_role and fn.key not in self.roles
            o.buckets = {b: self.bucket_states[b] for b in {t.bucket for t in fn.triggers} | self.unhooked(fn)
                         if b in self.bucket_states}
            o.bucket_regions = {b: r for b, r in self.bucket_regions.items() if b in o.buckets}
            o.tables, o.project_buckets, o.queues = self.tables, self.project_buckets, self.queues
        self.out[""] = Observed(tables=self.tables, project_buckets=self.project_buckets, queues=self.queues)   # the project's own: what decide_project compares
        return self.out


def warm_clients(a: Aws, services: tuple[str, ...]) -> Callable[[], None]:
    """Build the clients the writes will need while the reads wait on the network.

    A client costs 10-30 ms of CPU; built after the reads, each sits on the critical
    path (and starves the other chains of the GIL). The short sleeps let a read
    thread that waits for the client lock take it first: its call goes out sooner.
    """
    def warm() -> None:
        for service in services:
            time.sleep(0.001)
            with contextlib.suppress(Exception):  # any failure shows up again where it matters
                a.client(service)

    return warm
