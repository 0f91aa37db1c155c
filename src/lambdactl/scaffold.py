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
# A custom runtime's entry point must be executable (Lambda runs it; `up` checks the
# bit). Package data does not reliably keep modes, so init sets it by name.
EXECUTABLE = {"bootstrap"}


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


# S3 refuses bucket names that start so, and bucket names start with the project's.
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
# What may already be in an "empty" directory: a repository, a virtualenv, editors' files.
IGNORED = {".git", ".venv", "venv", ".DS_Store", ".idea", ".vscode"}


def valid_name(name: str) -> bool:
    return bool(NAME.fullmatch(name)) and not name.startswith(RESERVED_PREFIXES)


# Latin letters that no Unicode decomposition takes to ASCII (é -> e is NFKD's).
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})


def sanitised(text: str) -> str:
    """TEXT as a project name: lowercase, Latin letters without their accents (Prøjekt ->
    projekt, Café -> cafe); each run of other characters one '-'; at most 40."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40].rstrip("-")
    for prefix in RESERVED_PREFIXES:
        name = name.removeprefix(prefix)
    return name


def project_name(directory: Path, name: str | None) -> tuple[str, str | None]:
    """NAME, else DIRECTORY's name made a valid project name; and a note when it
    was changed to be one (My_App -> my-app). An invalid NAME is refused."""
    rule = ("1-40 lowercase letters, digits or '-', starting with a letter or digit, not "
            f"{'/'.join(RESERVED_PREFIXES)}… (it prefixes AWS resource and S3 bucket names)")
    for given, what in ((name, "--name"), (None if name is not None else directory.resolve().name, "the directory name")):
        if given is not None and (foreign := "".join(c for c in given if c.isalpha() and not sanitised(c))):
            raise ConfigError(f"{what} {given!r} has letters outside a-z ({foreign}), which AWS resource and S3 bucket "
                              "names (the project name prefixes them) cannot hold",
                              "pass --name with 1-40 lowercase letters a-z, digits or '-', e.g. --name my-app")
    if name is not None:
        if not valid_name(name):
            raise ConfigError(f"project name {name!r} (from --name) must be {rule}",
                              f"pass --name {sanitised(name) or 'my-app'}")
        return name, None
    dirname = directory.resolve().name
    if valid_name(dirname):
        return dirname, None
    chosen = sanitised(dirname)
    if not valid_name(chosen):
        raise ConfigError(f"the directory name {dirname!r} makes no project name ({rule})", "pass --name my-app")
    return chosen, (f"project name {chosen!r}, from the directory name {dirname!r} (S3 bucket names "
                    "want lowercase letters, digits and '-'); --name chooses another")


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
    """Write FILES under DIRECTORY, which must be new or empty (but for IGNORED):
    refuse, before writing any, naming what is there."""
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} is a file, not a directory", "pick a new directory: lambdactl init my-app")
    present = sorted(p.name for p in directory.iterdir() if p.name not in IGNORED) if directory.is_dir() else []
    if present:
        clash = [p for p in present if any(rel.split("/")[0] == p for rel in files)]
        named = ", ".join((clash + [p for p in present if p not in clash])[:4])
        more = f" and {len(present) - 4} more" if len(present) > 4 else ""
        raise ConfigError(
            f"{directory} is not empty ({named}{more}); init never overwrites, nor mixes a template into other files",
            "pick a new or empty directory: lambdactl init NEW-DIR",
        )
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.name in EXECUTABLE:
            path.chmod(0o755)
        written.append(path)
    return written


def smoke_test(files: dict[str, str]) -> str:
    """The smoke-test command the rendered README gives."""
    match = re.search(r"smoke test: `([^`]+)`", files["README.md"])
    return match.group(1) if match else "lambdactl invoke"
