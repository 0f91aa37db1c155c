"""The dev loop: each batch of changed paths -> a decision (decide.py) -> the least
calls (sync.py), or the full `up` for a structural change.

It never leaves a function half-updated by its own doing: the zip is built and
checked before anything is sent, and a problem (a syntax error, a config that
does not parse, a failed call) is said in one line while the deployed code and
the last good state stay. The paths of a batch that failed are kept and tried
again with the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lambdactl.dev import sync
from lambdactl.dev.decide import Decision, decide, part_of
from lambdactl.errors import LambdactlError
from lambdactl.package import DeflateMemo

if TYPE_CHECKING:
    from lambdactl.config import Function, Project
    from lambdactl.core.context import Context

Say = Callable[[str, str], None]    # (symbol, one line)


@dataclass
class Hooks:
    """What the loop needs from the command: load the project, a fresh context for
    it, run the full `up` (-> each function's CodeSha256), say a line, and turn an
    exception into the user's one line (None: a bug, raised)."""

    load: Callable[[], Project]
    context: Callable[[Project], Context]
    up: Callable[[Project], dict[str, str]]
    say: Say
    explain: Callable[[BaseException], str | None] = lambda exc: str(exc) if isinstance(exc, LambdactlError) else None
    clock: Callable[[], float] = time.perf_counter
    on_full: Callable[[Project], None] = lambda project: None   # after each full `up`
    on_ready: Callable[[], None] = lambda: None                 # each time the watch is live


@dataclass
class DevLoop:
    hooks: Hooks
    watched: tuple[str, ...] = ()           # function keys; () for all
    project: Project | None = None          # as last made current
    shas: dict[str, str] = field(default_factory=dict)   # key -> CodeSha256 deployed
    pending: set[Path] = field(default_factory=set)      # changes not yet made current
    memos: dict[str, DeflateMemo] = field(default_factory=dict)
    synced: int = 0                                       # batches that made something current

    def start(self) -> Project:
        """The project loaded and made current with `up` (its plan shown first)."""
        project = self.hooks.load()
        self._full(project, "")
        assert self.project is not None
        return self.project

    def run(self, batches: Iterable[set[Path]]) -> None:
        for batch in batches:
            self.handle(batch)

    def catch_up(self) -> bool:
        """What changed while nothing watched (before the watch was live): every
        watched function's code rebuilt and compared, the config read again."""
        assert self.project is not None
        fns = [fn for fn in self.project.functions if not self.watched or fn.key in self.watched]
        return self.handle({self.project.path, *(fn.source for fn in fns)}, quiet=True)

    def handle(self, changed: set[Path], *, quiet: bool = False) -> bool:
        """Make the project current after CHANGED; False if it could not (said why).
        QUIET: say nothing of code found unchanged."""
        assert self.project is not None
        new = part_of(self.project, {p.resolve() for p in changed})
        if not new:   # nothing of the project (dev's own log file in its directory): no retry, no line
            return not self.pending
        self.pending |= new
        try:
            project = self.hooks.load()
            decision = decide(self.project, project, self.pending, self.watched)
            ctx = self.hooks.context(project)
            decision = self._policy_check(ctx, project, decision)
            if decision.structural:
                done = self._full(project, decision.structural)
            else:
                done = self._apply(ctx, project, decision, quiet)
        except Exception as exc:  # noqa: BLE001 - one line, and the loop goes on
            line = self.hooks.explain(exc)
            if line is None:
                raise
            gone = getattr(exc, "code", "") == "ResourceNotFoundException"   # nothing deployed to keep
            self.hooks.say("✗", line if gone else f"{line}; keeping what is deployed")
            return False
        if done:
            self.pending.clear()
        return done

    def _policy_check(self, ctx: Context, project: Project, decision: Decision) -> Decision:
        assert self.project is not None
        before = {fn.key: fn for fn in self.project.functions}
        for fn in project.functions:
            if "Environment" in decision.config.get(fn.key, ()) and sync.policy_changed(ctx, before[fn.key], fn):
                return Decision(structural=f"{fn.key}: its rendered policy changed with its environment")
        return decision

    def _full(self, project: Project, why: str) -> bool:
        if why:
            self.hooks.say("▸", f"{why}: running the full plan")
        self.shas = self.hooks.up(project)
        self.project = project
        self.synced += 1
        self.hooks.on_full(project)
        return True

    def _apply(self, ctx: Context, project: Project, decision: Decision, quiet: bool) -> bool:
        by_key = {fn.key: fn for fn in project.functions}
        ok = True
        for key in sorted({*decision.code, *decision.config}):
            ok = self._one(ctx, by_key[key], key in decision.code, decision.config.get(key, ()), quiet) and ok
        if ok:
            self.project = project
            if not decision.empty:
                self.synced += 1
        return ok

    def _one(self, ctx: Context, fn: Function, code: bool, fields: tuple[str, ...], quiet: bool) -> bool:
        start = self.hooks.clock()
        built = ""
        if code:
            memo = self.memos.setdefault(fn.key, DeflateMemo())
            pkg = sync.build(fn, ctx.build_dir, memo, self.pending, ctx.build_progress)
            if isinstance(pkg, str):
                self.hooks.say("✗", f"{fn.key}: {pkg}; keeping the deployed code")
                return False
            built = f" (zip {(self.hooks.clock() - start) * 1000:.0f} ms)"
            if pkg.sha256 == self.shas.get(fn.key):
                if not fields and not quiet:
                    self.hooks.say("=", f"{fn.key}: code unchanged (same CodeSha256), nothing sent")
                code = False
            else:
                sync.push_code(ctx, fn, pkg)
                self.shas[fn.key] = pkg.sha256
        if fields:
            sync.push_config(ctx, fn, fields)
        if code or fields:
            what = " and ".join([*(["code"] if code else []), *([f"configuration ({', '.join(fields)})"] if fields else [])])
            ms = (self.hooks.clock() - start) * 1000
            self.hooks.say("↻", f"{fn.key}: {what} updated in {ms:.0f} ms{built if code else ''}")
        return True


def watch(loop: DevLoop, stop: threading.Event,
          source: Callable[[list[Path], threading.Event], Iterable[set[Path]]]) -> None:
    """Feed LOOP the batches SOURCE finds in what the project is made of, until STOP.
    SOURCE's first batch says it is live: LOOP catches up with what changed before.
    A batch that changes that set (a new function, a new directory) restarts SOURCE
    on the new set."""
    from lambdactl.dev.decide import watched_paths
    from lambdactl.dev.watch import directories

    while not stop.is_set():
        assert loop.project is not None
        dirs = directories(watched_paths(loop.project))
        live = False
        for batch in source(dirs, stop):
            if not live:
                live = True
                loop.hooks.on_ready()
                loop.catch_up()
            if batch:
                loop.handle(batch)
            if stop.is_set() or directories(watched_paths(loop.project)) != dirs:
                break
