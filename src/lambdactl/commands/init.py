from __future__ import annotations

import shlex
from pathlib import Path

import click

from lambdactl.cli import App


def _templates(prefix: str) -> list[str]:
    """Shell completion of --template: the shipped templates' names."""
    from lambdactl import scaffold

    return [name for name in scaffold.templates() if name.startswith(prefix)]


@click.command("init")
@click.argument("directory", required=False, default=".", metavar="[DIR]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--template", "-t", "name", default="s3-logger", show_default=True, metavar="NAME",
              help="Which template (see --list).",
              shell_complete=lambda _ctx, _param, incomplete: _templates(incomplete))
@click.option("--name", "project", metavar="NAME", help="Project name [default: DIR's name].")
@click.option("--list", "list_", is_flag=True, help="List the templates and exit.")
@click.pass_obj
def command(app: App, directory: Path, name: str, project: str | None, list_: bool) -> None:
    """Start a project in DIR from a template: lambdactl.toml, functions/, policies/, README.

    Never overwrites a file. The project name (the prefix of every AWS resource
    name) is DIR's name unless --name says otherwise.

    Example: lambdactl init my-app --template s3-logger
    """
    from lambdactl import scaffold

    term = app.term
    if list_:
        known = scaffold.templates()
        if term.json:
            term.print_json([{"template": t.name, "summary": t.summary} for t in known.values()])
        else:
            width = max(map(len, known))
            for t in known.values():
                term.write(f"{t.name:<{width}}  {t.summary}")
        return
    tpl = scaffold.template(name)
    chosen, note = scaffold.project_name(directory, project)
    files = scaffold.render(tpl, chosen)
    written = scaffold.write(directory, files)
    smoke = scaffold.smoke_test(files)
    if note:
        term.info(note)
    if term.json:
        term.print_json({"template": tpl.name, "project": chosen, "directory": str(directory),
                         "smoke_test": smoke, "files": [str(p) for p in written]})
        return
    for path in written:
        term.step("+", str(path))
    go = "" if directory.resolve() == Path.cwd() else f"cd {shlex.quote(str(directory))} && "
    term.info(f"next: {go}lambdactl up && {smoke}")
