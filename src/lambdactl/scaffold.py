"""`lambdactl init`: a new project from one of the templates shipped in
``lambdactl/templates/`` (package data). No click here: the command renders.

A template is a directory: lambdactl.toml, functions/, policies/, a README.md of
three lines (what it is; deploy and the smoke test; what the smoke test returns)
and ``gitignore`` (written as ``.gitignore``: package data skips dot files).
``{{project}}`` in any file becomes the project name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from lambdactl.errors import ConfigError

TOKEN = "{{project}}"
# Project names become bucket names ("<project>-uploads"), which S3 wants lowercase:
# stricter than lambdactl.toml's rule, so that every template's config is valid.
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RENAMED = {"gitignore": ".gitignore"}


@dataclass(frozen=True)
class Template:
    name: str
    summary: str        # the README's first line, after "# {{project}}: "
    root: Traversable


def templates() -> dict[str, Template]:
    """Every template shipped, by name, sorted."""
    found = {}
    for entry in sorted(resources.files("lambdactl").joinpath("templates").iterdir(), key=lambda e: e.name):
        if entry.is_dir() and entry.joinpath("lambdactl.toml").is_file():
            first = entry.joinpath("README.md").read_text().splitlines()[0]
            found[entry.name] = Template(entry.name, first.split(": ", 1)[-1].replace(TOKEN, "<project>"), entry)
    return found


def template(name: str) -> Template:
    known = templates()
    if name not in known:
        raise ConfigError(f"no template {name!r}", f"pick one of: {', '.join(known)} (lambdactl init --list)")
    return known[name]


def project_name(directory: Path, name: str | None) -> str:
    """NAME, else DIRECTORY's name, checked as a project name."""
    chosen = name if name is not None else directory.resolve().name
    if not NAME.fullmatch(chosen):
        source = "--name" if name is not None else f"the directory name {directory.resolve().name!r}"
        raise ConfigError(
            f"project name {chosen!r} (from {source}) must be 1-40 lowercase letters, digits or '-', "
            "starting with a letter or digit (it prefixes AWS resource and bucket names)",
            "pass --name my-app",
        )
    return chosen


def render(tpl: Template, project: str) -> dict[str, str]:
    """Relative path -> text of every file the template makes, for PROJECT."""
    files: dict[str, str] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for entry in sorted(node.iterdir(), key=lambda e: e.name):
            if entry.name == "__pycache__":
                continue
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            else:
                path = prefix + RENAMED.get(entry.name, entry.name)
                files[path] = entry.read_text().replace(TOKEN, project)

    walk(tpl.root, "")
    return files


def write(directory: Path, files: dict[str, str]) -> list[Path]:
    """Write FILES under DIRECTORY; refuse (before writing any) if one exists."""
    existing = sorted(p for p in files if (directory / p).exists())
    if existing:
        raise ConfigError(
            f"{directory / existing[0]} already exists"
            + (f" (and {len(existing) - 1} more of the template's files)" if len(existing) > 1 else ""),
            "init never overwrites: pick a new or empty directory",
        )
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.name == "bootstrap":  # a custom runtime's entry point; package data keeps no modes
            path.chmod(0o755)
        written.append(path)
    return written


def smoke_test(files: dict[str, str]) -> str:
    """The smoke-test command the rendered README gives."""
    match = re.search(r"smoke test: `([^`]+)`", files["README.md"])
    return match.group(1) if match else "lambdactl invoke"
