from __future__ import annotations

import click

from lambdactl.cli import App
from lambdactl.commands._common import fn_argument


@click.command("package")
@fn_argument
@click.pass_obj
def command(app: App, fn: str | None) -> None:
    """Build the deterministic zip of FN (all functions if omitted).

    The same source tree always gives the same bytes and CodeSha256; files in
    .lambdactlignore, caches, .git, .venv, .env* and keys are left out.

    Example: lambdactl package hello
    """
    from lambdactl.package import package_function

    project = app.project
    rows = []
    for f in project.select(fn):
        pkg = package_function(f.source, project.root / ".lambdactl" / "build", f.name)
        rows.append({"function": f.key, "path": str(pkg.path), "size": pkg.size,
                     "files": pkg.files, "code_sha256": pkg.sha256})
    if app.term.json:
        app.term.print_json({"packages": rows})
        return
    app.term.table("packages", ["function", "zip", "size", "files", "CodeSha256"],
                   [[r["function"], r["path"], _size(r["size"]), r["files"], r["code_sha256"]] for r in rows])


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 2**20 else f"{n / 2**20:.1f} MiB"
