"""Options and the step runner shared by role / deploy / wire / up / plan."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from lambdactl.cli import App
    from lambdactl.config import Function
    from lambdactl.core.step import Step
    from lambdactl.package import Package
    from lambdactl.ui import Terminal



def complete_functions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of FN: the [functions.*] keys of lambdactl.toml (read, not checked)."""
    import tomllib
    from pathlib import Path

    path = ctx.find_root().params.get("config_path") or "lambdactl.toml"
    try:
        functions = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("functions", {})
    except (OSError, ValueError):
        return []
    return [k for k in functions if isinstance(k, str) and k.startswith(incomplete)]


fn_argument = click.argument("fn", required=False, metavar="[FN]", shell_complete=complete_functions)
# Function chains side by side (each runs its own steps in parallel too); Aws sizes
# its HTTP connection pools to match.
PARALLEL_FUNCTIONS = 16


@dataclass
class FunctionResult:
    fn: Function
    steps: list[Step] = field(default_factory=list)
    error: str | None = None
    package: Package | None = None
    done: list[Step] = field(default_factory=list)   # the write steps carried out

    def step_json(self, step: Step) -> dict[str, Any]:
        """A step, and whether it is carried out (a step with nothing to write is)."""
        return {**step.as_json(), "done": not step.writes or step in self.done}

    def progress(self) -> str:
        """What a failed function's chain got done: "2 of 5 changes made (role, log group)"."""
        writes = [s for s in self.steps if s.writes]
        made = ", ".join(s.kind.replace("_", " ") for s in writes if s in self.done)
        return f"{len(self.done)} of {len(writes)} changes made" + (f" ({made})" if made else "")

    @property
    def changed(self) -> bool:
        return any(s.writes for s in self.steps)


def plan_steps(app: App, kinds: tuple[str, ...], key: str | None, *, journal_hints: bool = False,
               project_pass: Callable[[list[Step]], None] | None = None) -> list[FunctionResult]:
    """Package (if deploying), read the current state, decide every step. No writes
    but PROJECT_PASS's: `up` carries out the project's steps (tables, in
    app.context.project_steps) once every function is planned, so that a refusal
    decided there (a trigger's bucket in another region, an overlapping entry) comes
    before the first write; the functions are planned again after it when it wrote,
    since their references resolve from what it makes (a new stream's ARN).

    JOURNAL_HINTS lets the state journal spare reads (see core/observe.py): `up` uses
    it, `plan` reads everything.
    """
    from lambdactl.core import graph

    results, observed = observe_all(app, kinds, key, journal_hints=journal_hints)
    app.context.project_steps = graph.decide_project(app.context, observed[""], kinds)

    def decide() -> None:
        for r in results:
            r.steps = graph.decide(app.context, r.fn, observed[r.fn.key], kinds, r.package)

    decide()
    if project_pass and any(s.writes for s in app.context.project_steps):
        project_pass(app.context.project_steps)
        decide()   # pure: no call; what the pass made (a stream's ARN) resolves now
    return results


def observe_all(app: App, kinds: tuple[str, ...], key: str | None,
                *, journal_hints: bool = False) -> tuple[list[FunctionResult], dict[str, Any]]:
    """Build what `decide` compares (packages, layers) and read the current state."""
    from lambdactl.core.observe import observe
    from lambdactl.errors import ConfigError
    from lambdactl.iam import broad_grant_warnings
    from lambdactl.package import package_for_function

    ctx = app.context
    fns = ctx.project.select(key)
    results = [FunctionResult(fn) for fn in fns]
    broad = [w for fn in fns if "role" in kinds for w in broad_grant_warnings(fn)]
    if broad and app.strict:
        more = f" (and {len(broad) - 1} more statement(s) like it)" if len(broad) > 1 else ""
        raise ConfigError(f"{broad[0]}{more}; refused by --strict")
    for warning in broad:
        app.term.warn(warning)
    if "layer" in kinds:
        ctx.layers.build_all(ctx.project, fns, ctx.build_dir, progress=ctx.build_progress)
    if "function" in kinds:
        for r in results:
            r.package = package_for_function(r.fn, ctx.build_dir, progress=ctx.build_progress)
            ctx.layers.check_sizes(ctx.project, r.fn, r.package)  # with its layers, before any write
    if ctx.aws.target.is_local:
        _sandbox_notices(app, results)   # first: it finds (or installs) the declared Python
        sandbox_imports(ctx, results)
    with app.term.status("reading the current state…"):
        observed = observe(ctx, fns, kinds, {r.fn.key: r.package for r in results if r.package},
                                journal_hints=journal_hints)
    return results, observed


def _sandbox_notices(app: App, results: list[FunctionResult]) -> None:
    """Where the sandbox runs a function differently from Lambda: said here, on stderr,
    never in the function's log group (sandbox_notes.py)."""
    from lambdactl.sandbox_notes import notices

    started: list[float] = []

    def say(line: str) -> None:   # a long step starts: the runtime's one-time install
        app.term.info(line)
        started.append(time.monotonic())

    for r in results:
        started.clear()
        for line in notices(r.fn, say):
            app.term.warn(line)
        if started:   # and its end, so a pipe (CI) sees both, with how long it took
            app.term.step("✓", f"{r.fn.runtime}'s runtime for the sandbox installed in "
                               f"{time.monotonic() - started[0]:.1f} s")


def sandbox_imports(ctx: Any, results: list[FunctionResult]) -> None:
    """On the sandbox, refuse (before any call) native wheels that cannot import here."""
    from lambdactl.local import native
    from lambdactl.sandbox_notes import runtime_here

    for r in results:
        here = runtime_here(r.fn.runtime)
        if r.package:
            native.check(f"functions.{r.fn.key}", r.package.path, r.fn.runtime, r.fn.architecture, here)
        for layer in ctx.project.layers_of((r.fn,)):
            if layer.key in ctx.layers.builds:
                native.check(f"layers.{layer.key} (used by {r.fn.key})", ctx.layers.builds[layer.key].path,
                             r.fn.runtime, layer.architecture, here)


def apply_steps(app: App, kinds: tuple[str, ...], key: str | None) -> list[FunctionResult]:
    """Plan, then execute every function's chain; functions side by side."""

    from lambdactl.lock import waiting

    ctx = app.context
    term = app.term
    with ctx.lock(kinds_name(kinds), lambda h: term.info(waiting(h))):
        return _apply(app, kinds, key)


def kinds_name(kinds: tuple[str, ...]) -> str:
    from lambdactl.kinds import BY_COMMAND

    return next((name for name, ks in BY_COMMAND.items() if ks == kinds), "up")


def _apply(app: App, kinds: tuple[str, ...], key: str | None) -> list[FunctionResult]:
    from lambdactl.cli import to_user_error
    from lambdactl.core import graph
    from lambdactl.core.executor import thread_pool
    from lambdactl.errors import OwnershipError

    ctx = app.context
    term = app.term
    by_key: dict[str, FunctionResult] = {}

    def on_step(step: Step, phase: str) -> None:
        if phase == "done":
            if step.function:
                by_key[step.function].done.append(step)
            term.step("✓", f"{step.function or 'project'}: {step.describe()}")

    def project_pass(steps: list[Step]) -> None:
        if any(s.writes for s in steps):
            with term.status("applying the project's resources…"):
                graph.execute_project(ctx, steps, on_step)

    results = plan_steps(app, kinds, key, journal_hints=True, project_pass=project_pass)
    by_key.update({r.fn.key: r for r in results})

    def fail(r: FunctionResult, exc: Exception) -> None:
        err = to_user_error(exc)
        if err is None:
            raise exc
        r.error = str(err)
        term.step("✗", f"{r.fn.key}: {err}", style="red")

    def run(r: FunctionResult) -> None:
        try:
            graph.execute(ctx, r.fn, r.steps, r.package, on_step)
        except Exception as exc:  # noqa: BLE001 - one function's failure must not stop the others
            fail(r, exc)

    todo = [r for r in results if r.changed]
    if todo:
        with term.status(f"applying changes to {len(todo)} function(s)…") as status:
            for r in todo:  # a role left unread: created first; a taken name refuses the run
                try:
                    r.steps = graph.claim(ctx, r.fn, r.steps)
                except OwnershipError:
                    raise
                except Exception as exc:  # noqa: BLE001 - stops this function's chain only
                    fail(r, exc)
            todo = [r for r in todo if r.error is None]
            ctx.progress = upload_progress(term, status)
            with thread_pool(max(1, min(PARALLEL_FUNCTIONS, len(todo)))) as pool:
                list(pool.map(run, todo))
    ctx.alongside.wait()   # the project's steps run alongside the chains (queues) are done too
    term.debug(
        f"{time.monotonic() - app.started:.2f} s; API calls: {ctx.aws.counter.reads} reads, "
        f"{ctx.aws.counter.writes} writes"
    )
    return results


def upload_progress(term: Terminal, status: Any) -> Callable[[str, int, int], None]:
    """Staging uploads: MB sent on the spinner line; a line at start and end for logs."""
    shown: dict[str, str] = {}

    def progress(label: str, sent: int, total: int) -> None:
        if sent == 0 or sent >= total:
            term.step("↑", f"{label}: {'done' if sent else f'{total / 2**20:.1f} MB'}", style="cyan")
        shown[label] = f"{label}: {sent / 2**20:.1f} / {total / 2**20:.1f} MB"
        status.update("; ".join(shown.values()))

    return progress


def summary_rows(app: App, results: list[FunctionResult]) -> list[dict[str, Any]]:
    from lambdactl.kinds import url

    ctx = app.context
    rows = []
    journal = ctx.journal.resources()
    for r in results:
        fn = r.fn
        rows.append({
            "function": fn.key,
            "name": fn.name,
            "arn": ctx.function_arn(fn),
            "role": fn.role_name,
            "triggers": [f"s3://{t.bucket}/{t.prefix}*{t.suffix}" for t in fn.triggers]
            + [f"{s.expression} ({s.rule})" for s in fn.schedules],
            "log_group": fn.log_group,
            "layers": ctx.layers.arns_of(fn),
            "status": "failed" if r.error else ("changed" if r.changed else "unchanged"),
            "error": r.error,
            "steps": [r.step_json(s) for s in r.steps],
            "url": url.url_of(journal, r.steps, fn.name) if fn.url else None,
            "public": bool(fn.url and fn.url.public),
        })
    return rows


def render_summary(app: App, title: str, results: list[FunctionResult],
                   extra: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Print the summary (table or JSON); return the exit code."""
    rows = summary_rows(app, results)
    calls = app.context.aws.counter
    if app.term.json:
        doc = {"functions": rows, "api_calls": calls.as_json()}
        if app.context.project_steps:   # tables: the project's, not a function's
            doc["project"] = [s.as_json() for s in app.context.project_steps]
        if extra:
            extra(doc)
        app.term.print_json(doc)
    elif app.term.drawn_tables:
        # One block per function, one resource a line: ARNs stay readable at 80 columns.
        table_rows = []
        for r in rows:
            resources = [("function", r["arn"]), ("role", r["role"]),
                         *(("trigger", t) for t in r["triggers"]), ("log group", r["log_group"]),
                         *(("layer", a) for a in r["layers"]),
                         *([("url", r["url"] + (" (public)" if r["public"] else ""))] if r["url"] else [])]
            for i, (kind, name) in enumerate(resources):
                table_rows.append([r["function"] if i == 0 else "", r["status"] if i == 0 else "", kind, name])
        app.term.table(title, ["function", "status", "resource", "name"], table_rows)
    else:  # a pipe: one tab-separated line per function
        app.term.table(title, [], [[r["function"], r["arn"], r["role"], ",".join(r["triggers"]) or "-",
                                    r["log_group"], r["status"], *([r["url"]] if r["url"] else [])] for r in rows])
    failed = [r for r in results if r.error]
    if failed:
        names = "; ".join(f"{r.fn.key} ({r.progress()})" for r in failed)
        app.term.error(f"{len(failed)} of {len(results)} function(s) failed: {names}; fix the cause and run the command again")
        return 1
    return 0
