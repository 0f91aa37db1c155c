"""Desired vs actual -> ordered steps; and the executor that carries them out.

``observe`` makes the read calls (side by side: a round trip is the unit of
cost), ``decide_*`` are pure functions from (config, observed) to steps, and
``execute`` only does what the steps say. ``plan`` prints the steps, ``up``
executes them: one planner for both.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from lambdactl import functions as fnmod
from lambdactl import iam
from lambdactl import layers as layermod
from lambdactl import staging as stagemod
from lambdactl.aws import Aws, error_code
from lambdactl.config import Function, Project
from lambdactl.errors import LambdactlError
from lambdactl.package import BuildProgress, Package, package_for_function
from lambdactl.state import Journal
from lambdactl.triggers import s3 as s3mod

# Bounded pools: reads side by side, function chains side by side (each chain
# runs its own steps in parallel too). Aws sizes its HTTP connection pools to match.
PARALLEL_READS = 32
PARALLEL_FUNCTIONS = 16
ALL_KINDS = ("role", "log_group", "layer", "function", "bucket", "permission", "notification")
STEP_KINDS = {
    "role": ("role",),
    "deploy": ("log_group", "layer", "function"),
    "wire": ("bucket", "permission", "notification"),
    "up": ALL_KINDS,
}


@dataclass(frozen=True)
class Step:
    function: str            # config key of the function
    kind: str                # one of ALL_KINDS
    name: str                # the resource's name
    action: str              # create | update | delete | keep | skip
    fields: tuple[str, ...] = ()
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

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


@dataclass
class Observed:
    role: iam.RoleState | None = None
    log_group: fnmod.LogGroupState | None = None
    function: fnmod.FunctionState | None = None
    permissions: dict[str, dict[str, Any]] = field(default_factory=dict)
    buckets: dict[str, s3mod.BucketState] = field(default_factory=dict)
    staging: stagemod.StagingState | None = None   # read only when a package is over 50 MB
    role_unread: bool = False   # `up` will claim the role by creating it (see claim_role)


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
    layers: layermod.LayerSet = field(default_factory=layermod.LayerSet)   # this run's [layers.NAME]

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            self._journal = Journal(self.journal_path, self.aws.target_key)
        return self._journal

    @property
    def tags(self) -> dict[str, str]:
        return self.project.tags

    def lock(self, command: str, on_wait: Callable[[dict[str, Any]], None] | None = None) -> Any:
        """The project+target write lock (see lock.py)."""
        from lambdactl.lock import hold, lock_path

        # Keyed without the account id: taking the lock must not cost a round trip.
        t = self.aws.target
        key = f"{t.kind}/{t.profile or ''}/{t.region or ''}/{'local' if t.is_local else t.endpoint_url or 'aws'}"
        return hold(lock_path(self.journal_path.parent, key), command, on_wait=on_wait)

    def function_arn(self, fn: Function) -> str:
        a = self.aws
        return f"arn:{a.partition}:lambda:{a.region}:{a.account_id}:function:{fn.name}"

    def role_arn(self, fn: Function) -> str:
        return f"arn:{self.aws.partition}:iam::{self.aws.account_id}:role/{fn.role_name}"

    def policy(self, fn: Function) -> dict[str, Any]:
        return iam.render_policy(fn, self.aws.region, self.aws.account_id, self.aws.partition)


# -- observe ------------------------------------------------------------------
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
    claims it by creating it before any other write (claim_role); IAM refuses a
    name that is taken without touching it. The other reads that can refuse (a
    foreign function or bucket rule) always happen, before any write; so does the
    staging bucket's, for PACKAGES or built layers over 50 MB.
    """
    a = ctx.aws
    out = {fn.key: Observed() for fn in fns}
    jobs: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []
    known: dict[str, Any] | None = None
    if journal_hints and a.account_known():
        known = ctx.journal.resources()

    def add(read: Callable[[], Any], store: Callable[[Any], None]) -> None:
        jobs.append((read, store))

    def expected(kind: str, name: str) -> bool:
        return known is None or f"{kind}:{name}" in known

    add(lambda: a.account_id, lambda _: None)
    buckets = sorted({t.bucket for fn in fns for t in fn.triggers})
    bucket_states: dict[str, s3mod.BucketState] = {}
    roles: dict[str, Any] = {}
    policies: dict[str, str | None] = {}
    want_role = {"role", "function"} & set(kinds)
    want_perms = "permission" in kinds

    def via(service: str, read: Callable[..., Any], name: str) -> Callable[[], Any]:
        """READ(client, NAME), its client made in the thread that reads."""
        return lambda: read(a.client(service), name)

    # One role the journal does not know may go unread: `up` claims it (claim_role).
    unknown = [fn.key for fn in fns if not expected("role", fn.role_name)]
    claim = known is not None and "role" in kinds and len(unknown) == 1   # known: only with hints
    for fn in fns:
        o = out[fn.key]
        if want_role and not (claim and fn.key in unknown):
            add(via("iam", iam.read_role, fn.role_name), partial(roles.__setitem__, fn.key))
            if expected("role", fn.role_name):
                add(via("iam", iam.read_policy, fn.role_name), partial(policies.__setitem__, fn.key))
        if "log_group" in kinds and expected("log_group", fn.log_group):
            add(via("logs", fnmod.observe_log_group, fn.log_group), partial(setattr, o, "log_group"))
        if {"function", "permission", "notification"} & set(kinds):
            add(via("lambda", fnmod.observe, fn.name), partial(setattr, o, "function"))
        if want_perms and fn.triggers and expected("function", fn.name):
            add(via("lambda", s3mod.observe_permissions, fn.name), partial(setattr, o, "permissions"))
    staged: list[Any] = [out[fn.key] for fn in fns if "function" in kinds and stagemod.needed((packages or {}).get(fn.key))]
    if "layer" in kinds and any(stagemod.needed(ctx.layers.builds.get(x.key)) for x in ctx.project.layers_of(fns)):
        staged.append(ctx.layers)   # a built layer over 50 MB: the same staging bucket
    if staged:  # a package or layer over 50 MB: its staging bucket
        add(partial(stagemod.observe, ctx), partial(stagemod.store, staged))
    if {"bucket", "notification"} & set(kinds):
        for b in buckets:
            add(via("s3", s3mod.observe_bucket, b), partial(bucket_states.__setitem__, b))
    if "layer" in kinds:
        for layer in ctx.project.layers_of(fns):
            add(via("lambda", layermod.observe, layer.name), partial(ctx.layers.observed.__setitem__, layer.key))
    # `up` writes next: its clients are built while these reads are in flight.
    writers = ("lambda", "s3", "iam", "logs") if journal_hints else ()
    run_parallel([j[0] for j in jobs], [j[1] for j in jobs], warm_clients(a, writers))

    # Second round, rare: something the journal did not know of exists after all.
    jobs = []
    for fn in fns:
        o = out[fn.key]
        if want_role and fn.key not in roles and o.function is not None:
            # A function the journal does not know: its role is read, not claimed.
            add(via("iam", iam.read_role, fn.role_name), partial(roles.__setitem__, fn.key))
            add(via("iam", iam.read_policy, fn.role_name), partial(policies.__setitem__, fn.key))
        elif want_role and roles.get(fn.key) is not None and fn.key not in policies:
            add(via("iam", iam.read_policy, fn.role_name), partial(policies.__setitem__, fn.key))
        if o.function is not None and not expected("function", fn.name):
            # Deployed from elsewhere (CI, another machine): read what round one skipped,
            # so that a converged project makes no write here either.
            if want_perms and fn.triggers:
                add(via("lambda", s3mod.observe_permissions, fn.name), partial(setattr, o, "permissions"))
            if "log_group" in kinds and not expected("log_group", fn.log_group):
                add(via("logs", fnmod.observe_log_group, fn.log_group), partial(setattr, o, "log_group"))
    run_parallel([j[0] for j in jobs], [j[1] for j in jobs])

    for fn in fns:
        out[fn.key].role = iam.role_state(roles.get(fn.key), policies.get(fn.key))
        out[fn.key].role_unread = bool(want_role) and fn.key not in roles
        out[fn.key].buckets = {t.bucket: bucket_states[t.bucket] for t in fn.triggers if t.bucket in bucket_states}
    return out


def run_parallel(reads: list[Callable[[], Any]], stores: list[Callable[[Any], None]],
                 meanwhile: Callable[[], None] | None = None) -> None:
    """Run independent calls side by side; re-raise the first failure.

    MEANWHILE runs in this thread while the calls are in flight."""
    if not reads:
        return
    # Aws.client() holds a lock while creating: boto3 client creation is not thread-safe.
    with ThreadPoolExecutor(max_workers=min(PARALLEL_READS, len(reads))) as pool:
        futures = [pool.submit(r) for r in reads]
        if meanwhile:
            meanwhile()
        for fut, store in zip(futures, stores):
            store(fut.result())


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


# -- decide (pure given observed) --------------------------------------------
def decide(
    ctx: Context, fn: Function, observed: Observed, kinds: tuple[str, ...], pkg: Package | None
) -> list[Step]:
    steps: list[Step] = []
    project = ctx.project.name
    role_arn = observed.role.arn if observed.role else ctx.role_arn(fn)
    if "role" in kinds:
        action, fields = iam.decide(observed.role, ctx.policy(fn), project)
        steps.append(Step(fn.key, "role", fn.role_name, action, tuple(fields),
                          data={"claim": True} if observed.role_unread else {}))
    elif observed.role is None and "function" in kinds:
        raise LambdactlError(
            f"role {fn.role_name} does not exist", f"run `lambdactl role {fn.key}` or `lambdactl up` first"
        )
    if "log_group" in kinds:
        action, fields = fnmod.decide_log_group(observed.log_group, fn.log_retention_days)
        steps.append(Step(fn.key, "log_group", fn.log_group, action, tuple(fields)))
    if "layer" in kinds:
        steps += [Step(fn.key, "layer", name, action, fields, detail, data={"key": key})
                  for key, name, action, fields, detail in ctx.layers.decide(ctx.project, ctx.journal, fn)]
    if "function" in kinds:
        assert pkg is not None
        # A layer about to be published has no ARN yet: PENDING differs, so Layers updates.
        action, fields = fnmod.decide(observed.function, ctx.layers.planned(fn), role_arn, pkg.sha256, project)
        step = Step(fn.key, "function", fn.name, action, tuple(fields),
                    detail=f"code {pkg.sha256[:12]}…" if "code" in fields or action == "create" else "")
        if stagemod.needs_code(step):  # over 50 MB: via the staging bucket (refused if foreign)
            step = replace(step, detail=step.detail + stagemod.detail(pkg, observed.staging),
                           data={"staging": observed.staging})
        steps.append(step)
    elif {"permission", "notification"} & set(kinds) and fn.triggers:
        if observed.function is None:
            raise LambdactlError(
                f"function {fn.name} is not deployed", f"run `lambdactl deploy {fn.key}` or `lambdactl up` first"
            )
        iam.check_owner("Lambda function", fn.name, observed.function.tags, project)
    steps += decide_triggers(ctx, fn, observed, kinds)
    return steps


def decide_triggers(ctx: Context, fn: Function, observed: Observed, kinds: tuple[str, ...]) -> list[Step]:
    steps: list[Step] = []
    fn_arn = ctx.function_arn(fn)
    ours = [s3mod.our_entry(fn, i, t, fn_arn) for i, t in enumerate(fn.triggers)]
    for bucket in sorted({t.bucket for t in fn.triggers}):
        state = observed.buckets.get(bucket)
        if "bucket" in kinds:
            action = "keep" if state and state.exists else "create"
            steps.append(Step(fn.key, "bucket", bucket, action))
        if "permission" in kinds:
            want = s3mod.desired_permission(bucket, ctx.aws.account_id, ctx.aws.partition)
            have = observed.permissions.get(want["StatementId"])
            if s3mod.permission_matches(have, want):
                action = "keep"
            else:
                action = "update" if have else "create"
            steps.append(Step(fn.key, "permission", want["StatementId"], action, data={"want": want, "replace": bool(have)}))
        if "notification" in kinds:
            mine = [o for o, t in zip(ours, fn.triggers) if t.bucket == bucket]
            current = state.notification if state else {}
            if state and state.exists:
                s3mod.merge(current, mine, fn.name, bucket)  # raises on overlap/squatting, before any write
            action = "keep" if s3mod.ours_match(current, mine, fn.name) else (
                "update" if s3mod.our_entries_in(current, fn.name) else "create")
            ids = ", ".join(o["Id"] for o in mine)
            steps.append(Step(fn.key, "notification", f"s3://{bucket}", action, detail=ids,
                              data={"ours": mine, "current": current}))
    return steps


# -- claim --------------------------------------------------------------------
def claim_role(ctx: Context, fn: Function, steps: list[Step]) -> list[Step]:
    """Create the role `up` did not read, before any other write; STEPS with it done.

    CreateRole either makes the role, with our tag, or fails on a taken name
    without touching it: the read it replaces. A taken name is then read: a role
    of ours (the journal was lost) is updated as usual; a foreign one refuses the
    run, as the read would have, with nothing written. observe() leaves at most
    one role unread per run: with two, the second could be refused after the
    first was made.
    """
    i = next((i for i, s in enumerate(steps) if s.kind == "role" and s.data.get("claim")), None)
    if i is None:
        return steps
    try:
        create_role(ctx, fn)
        step = replace(steps[i], data={"claimed": True})
    except Exception as exc:
        if error_code(exc) != "EntityAlreadyExists":
            raise
        # Taken; or made by an earlier attempt of this very call, whose answer was lost.
        j = ctx.journal
        try:
            state = iam.observe(ctx.aws.client("iam"), fn.role_name)
            action, fields = iam.decide(state, ctx.policy(fn), ctx.project.name)
        except LambdactlError:
            j.forget("role", fn.role_name)
            raise
        j.record("role", fn.role_name, "created", function=fn.key, arn=ctx.role_arn(fn))  # ours
        step = replace(steps[i], action=action, fields=tuple(fields), data={})
    return [*steps[:i], step, *steps[i + 1:]]


def create_role(ctx: Context, fn: Function) -> None:
    """CreateRole between the journal's "creating" (a lost answer is still found) and "created"."""
    j = ctx.journal
    j.record("role", fn.role_name, "creating", function=fn.key)
    iam.create_role(ctx.aws.client("iam"), fn.role_name, ctx.tags)
    j.record("role", fn.role_name, "created", function=fn.key, arn=ctx.role_arn(fn))


# -- execute ------------------------------------------------------------------
# What each kind of step waits for. The function needs its role to exist (not its
# policy: that is written alongside) and its layers published; S3 validates the permission when the
# notification is written, so the notification waits for the permission and the
# bucket. Everything else starts at once. A round trip is the unit of cost: the
# chain of dependent calls is role -> function -> permission -> notification.
NEEDS = {"function": ("role", "layer"), "permission": ("function",), "notification": ("permission", "bucket")}


def execute(ctx: Context, fn: Function, steps: list[Step], pkg: Package | None,
            on_step: Callable[[Step, str], None] | None = None) -> None:
    """Carry out STEPS for FN, each as soon as what it needs is there.

    The first failure stops the chain: steps that have not started are skipped
    (those in flight finish), and the failure is raised.
    """
    todo = [s for s in steps if s.writes]
    if not todo:
        return
    pending = {k: sum(1 for s in todo if s.kind == k) for k in ALL_KINDS}
    ready = {k: threading.Event() for k in ALL_KINDS}
    lock = threading.Lock()
    failures: list[BaseException] = []
    for k, n in pending.items():
        if n == 0:
            ready[k].set()

    def finished(kind: str) -> None:
        with lock:
            pending[kind] -= 1
            if pending[kind] == 0:
                ready[kind].set()

    def run(step: Step) -> None:
        released = False

        def release() -> None:  # the role exists: the function may start
            nonlocal released
            if not released:
                released = True
                finished(step.kind)

        for need in NEEDS.get(step.kind, ()):
            ready[need].wait()
        try:
            if not failures:
                apply_step(ctx, fn, step, pkg, on_step, on_ready=release)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the others
            failures.append(exc)
        finally:
            release()

    if len(todo) == 1:
        run(todo[0])
    else:
        with ThreadPoolExecutor(max_workers=len(todo)) as pool:
            list(pool.map(run, todo))
    if failures:
        raise failures[0]


def apply_step(ctx: Context, fn: Function, step: Step, pkg: Package | None,
               on_step: Callable[[Step, str], None] | None = None,
               on_ready: Callable[[], None] | None = None) -> None:
    """One step's calls. ON_READY is called once the resource exists (before the
    role's policy is written: the function can be created meanwhile)."""
    a, j = ctx.aws, ctx.journal
    if on_step:
        on_step(step, "start")
    if step.kind == "role":
        if step.action == "create":
            if not step.data.get("claimed"):  # claim_role made it already
                create_role(ctx, fn)
        elif "trust" in step.fields:
            iam.put_trust(a.client("iam"), fn.role_name)
        if on_ready:
            on_ready()
        if "policy" in step.fields:
            iam.put_policy(a.client("iam"), fn.role_name, ctx.policy(fn))
    elif step.kind == "log_group":
        if step.action == "create":
            j.record("log_group", fn.log_group, "creating", function=fn.key)
        fnmod.ensure_log_group(a.client("logs"), fn.log_group, fn.log_retention_days, ctx.tags,
                               create=step.action == "create")
        if step.action == "create":
            j.record("log_group", fn.log_group, "created", function=fn.key)
    elif step.kind == "layer":
        ctx.layers.ensure(a.client("lambda"), j, ctx.project, step.data["key"], stagemod.layer_content(ctx))
    elif step.kind == "function":
        assert pkg is not None
        fn = ctx.layers.resolved(a.client("lambda"), j, ctx.project, fn,   # [layers.NAME] -> version ARNs
                                 stagemod.layer_content(ctx))
        code = stagemod.code_for(ctx, fn, pkg, step, step.data.get("staging"))  # bytes, or a staged S3 object
        if step.action == "create":
            j.record("function", fn.name, "creating", function=fn.key)
            resp = fnmod.create(a.client("lambda"), fn, ctx.role_arn(fn), code, ctx.tags, sleep=ctx.sleep)
            j.record("function", fn.name, "created", function=fn.key, arn=resp.get("FunctionArn"),
                     code_sha256=pkg.sha256)
        else:
            fnmod.update(a.client("lambda"), fn, ctx.role_arn(fn), code, list(step.fields))
            if "code" in step.fields:
                j.amend("function", fn.name, code_sha256=pkg.sha256)
        stagemod.prune(ctx, fn, code)
    elif step.kind == "bucket":
        with s3mod.bucket_lock(step.name):
            # Functions sharing a bucket each plan its creation: the first one does it.
            # (Asking again would succeed in us-east-1, which answers 200 to your own
            # bucket, and cost two round trips a function.)
            if step.name not in ctx.buckets_made:
                ctx.buckets_made.add(step.name)
                prior = j.get("bucket", step.name)
                if prior is None:
                    j.record("bucket", step.name, "creating", function=fn.key)
                if s3mod.create_bucket(a.client("s3"), step.name, a.region, ctx.tags):
                    j.record("bucket", step.name, "created", function=fn.key)
                elif prior is None:
                    j.forget("bucket", step.name)  # it existed already: not ours to delete
    elif step.kind == "permission":
        s3mod.add_permission(a.client("lambda"), fn.name, step.data["want"], step.data["replace"])
    elif step.kind == "notification":
        bucket = step.name.removeprefix("s3://")
        j.record("notification", f"{bucket}#{fn.name}", "created", function=fn.key, bucket=bucket)
        s3mod.update_notification(a.client("s3"), bucket, fn.name, step.data["ours"],
                                  current=step.data.get("current"), sleep=ctx.sleep)
    if on_step:
        on_step(step, "done")


def package_for(ctx: Context, fn: Function) -> Package:
    return package_for_function(fn, ctx.build_dir, progress=ctx.build_progress)


# -- destroy ------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A function to take down: from the config, or only known from the journal."""

    key: str
    name: str
    role_name: str
    log_group: str
    buckets: tuple[str, ...]


def destroy_targets(ctx: Context) -> list[Target]:
    out: dict[str, Target] = {}
    for fn in ctx.project.functions:
        out[fn.name] = Target(fn.key, fn.name, fn.role_name, fn.log_group,
                              tuple(sorted({t.bucket for t in fn.triggers})))
    for key, entries in ctx.journal.by_function().items():
        for e in entries:
            if e["kind"] == "function" and e["name"] not in out:
                name = e["name"]
                buckets = tuple(sorted({x["bucket"] for x in entries if x["kind"] == "notification"}))
                out[name] = Target(key, name, f"{name}-role", f"/aws/lambda/{name}", buckets)
    return list(out.values())


def destroy_all(ctx: Context, targets: list[Target],
                on_step: Callable[[Step, str], None] | None = None) -> list[Step]:
    """Take down every target and the buckets lambdactl created for them.

    A bucket lambdactl created that is empty is deleted with its notification
    configuration, side by side with the functions: no need to unhook us from a
    bucket that goes. Any other bucket keeps everything but our entries.
    """
    journal = ctx.journal.resources()
    buckets = {b for t in targets for b in t.buckets}
    buckets |= {e["name"] for e in journal.values() if e["kind"] == "bucket"}
    steps: list[Step] = []
    with ThreadPoolExecutor(max_workers=max(1, min(16, len(buckets)))) as bucket_pool, \
            ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_FUNCTIONS, len(targets)))) as fn_pool:
        fates = {b: bucket_pool.submit(destroy_bucket, ctx, b, f"bucket:{b}" in journal)
                 for b in sorted(buckets)}
        for fn_steps in fn_pool.map(lambda t: destroy_function(ctx, t, fates, on_step), targets):
            steps += fn_steps
        for fate in fates.values():
            step = fate.result()
            if step is not None:
                steps.append(step)
                if on_step:
                    on_step(step, "done")
    return steps


def destroy_bucket(ctx: Context, bucket: str, created_by_us: bool) -> Step | None:
    """Delete BUCKET if lambdactl created it and it is empty; a Step saying what happened."""
    result = s3mod.delete_bucket_if_ours(ctx.aws.client("s3"), bucket, ctx.project.name, created_by_us)
    if result in ("deleted", "already gone"):
        ctx.journal.forget("bucket", bucket)
    if result == "deleted":
        return Step("", "bucket", bucket, "delete", detail="empty; its notification configuration went with it")
    if result.startswith("kept") and (created_by_us or "not created" not in result):
        return Step("", "bucket", bucket, "skip", detail=result)
    return None


def destroy_function(ctx: Context, t: Target, fates: dict[str, Any],
                     on_step: Callable[[Step, str], None] | None = None) -> list[Step]:
    """Remove what lambdactl made for one function: notifications first, then the rest.

    Reads go side by side, then our notification entries in the buckets that stay
    (FATES: bucket -> future of destroy_bucket); then the function (its resource
    policy, our S3 permissions included, goes with it), the log group and the
    role, which do not depend on each other.
    """
    a, j, project = ctx.aws, ctx.journal, ctx.project.name
    done: list[Step] = []

    def report(kind: str, name: str, action: str, detail: str = "") -> None:
        step = Step(t.key, kind, name, action, detail=detail)
        done.append(step)
        if on_step:
            on_step(step, "done")

    found: dict[str, Any] = {}
    reads: list[Callable[[], Any]] = [lambda: fnmod.observe(a.client("lambda"), t.name),
                                      lambda: iam.observe(a.client("iam"), t.role_name, policy=False)]
    run_parallel(reads, [partial(found.__setitem__, k) for k in ("function", "role")])
    fstate: fnmod.FunctionState | None = found["function"]
    role: iam.RoleState | None = found["role"]
    ours_fn = fstate is not None and fstate.tags.get(iam.OWNER_TAG) == project

    def unhook(bucket: str) -> None:
        fate = fates[bucket].result()
        if fate is None or fate.action != "delete":  # the bucket stays: take our entries out
            with s3mod.bucket_lock(bucket):
                current = s3mod.latest(a.client("s3"), bucket)
                if s3mod.our_entries_in(current, t.name):
                    s3mod.put_notification(a.client("s3"), bucket, s3mod.merge(current, [], t.name, bucket))
                    report("notification", f"s3://{bucket}", "delete")
        j.forget("notification", f"{bucket}#{t.name}")

    run_parallel([partial(unhook, b) for b in t.buckets], [lambda _: None for _ in t.buckets])

    def drop_function() -> None:
        if fstate is not None and not ours_fn:
            report("function", t.name, "skip", "not created by lambdactl; left alone")
        elif fstate is not None and fnmod.delete(a.client("lambda"), t.name):
            report("function", t.name, "delete", "with its S3 permissions" if t.buckets else "")
        j.forget("function", t.name)

    def drop_log_group() -> None:
        # Only a function that existed (or our journal) can have left a log group: a
        # second destroy then makes no write call at all.
        if (fstate is not None or j.get("log_group", t.log_group)) and fnmod.delete_log_group(
            a.client("logs"), t.log_group
        ):
            report("log_group", t.log_group, "delete")
        j.forget("log_group", t.log_group)

    def drop_role() -> None:
        if role is not None:
            if role.tags.get(iam.OWNER_TAG) != project:
                report("role", t.role_name, "skip", "not created by lambdactl; left alone")
            elif iam.delete(a.client("iam"), t.role_name):
                report("role", t.role_name, "delete")
        j.forget("role", t.role_name)

    if fstate is not None and not ours_fn:
        drop_function()  # its log group and role are not ours either
        return done
    jobs = [drop_function, drop_log_group, drop_role]
    run_parallel(jobs, [lambda _: None for _ in jobs])
    return done


def destroy_layers(ctx: Context) -> list[Step]:
    """After the functions: every layer version lambdactl published for the project."""
    return [Step("", "layer", name, action, detail=detail)
            for name, action, detail in layermod.destroy(ctx.aws.client("lambda"), ctx.journal, ctx.project)]

