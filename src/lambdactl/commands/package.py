from __future__ import annotations

from typing import Any

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("package")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Build the deterministic zip of FN (all functions if omitted).

    The same source tree always gives the same bytes and CodeSha256; files in
    .lambdactlignore, caches, .git, .venv, .env* and keys are left out. A
    requirements.txt is installed for the function's Lambda platform
    (manylinux2014 of its architecture, its Python version, wheels only) into
    a build cache, and vendored at the zip root; the table says whether the
    dependency set came from the cache (hit) or was installed (miss). The
    [layers.NAME] that FN uses are built too (python/ prefix), as `up` would.

    Example: lambdactl package hello
    """
    from lambdactl.layers import build
    from lambdactl.package import package_for_function

    project = app.project
    build_dir = project.root / ".lambdactl" / "build"
    rows: list[dict[str, Any]] = []
    for f in project.select(fn):
        pkg = package_for_function(f, build_dir, progress=app.term.activity)
        rows.append({"function": f.key, "path": str(pkg.path), "size": pkg.size,
                     "unzipped": pkg.unzipped, "files": pkg.files, "code_sha256": pkg.sha256,
                     "architecture": f.architecture, "runtime": f.runtime,
                     "deps": pkg.deps, "deps_key": pkg.deps_key or None,
                     "deps_seconds": round(pkg.deps_seconds, 3),
                     "seconds": round(pkg.seconds, 3)})
    layers: list[dict[str, Any]] = []
    for layer in project.layers_of(project.select(fn)):
        pkg = build(layer, build_dir, progress=app.term.activity)
        layers.append({"layer": layer.key, "name": layer.name, "path": str(pkg.path), "size": pkg.size,
                       "unzipped": pkg.unzipped, "files": pkg.files, "code_sha256": pkg.sha256,
                       "architecture": layer.architecture, "runtimes": list(layer.runtimes),
                       "deps": pkg.deps, "deps_seconds": round(pkg.deps_seconds, 3),
                       "seconds": round(pkg.seconds, 3)})
    if app.term.json:
        app.term.print_json({"packages": rows, "layers": layers})
        return
    app.term.table("packages", ["function", "zip", "size", "files", "CodeSha256", "deps", "time"],
                   [[name, r["path"], _size(r["size"]), r["files"], r["code_sha256"], _deps(r),
                     f"{r['seconds']:.2f} s"]
                    for name, r in [*((r["function"], r) for r in rows),
                                    *((f"layers.{r['layer']}", r) for r in layers)]])


def _deps(r: dict) -> str:
    if r["deps"] is None:
        return "-"
    return f"{r['deps']} ({r['deps_seconds']:.2f} s, {r['architecture']})"


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 2**20 else f"{n / 2**20:.1f} MiB"
