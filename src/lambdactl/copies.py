"""A project directory copied with its .lambdactl/ (`cp -r app app2` after `up`).

The copy is the same project (its lambdactl.toml names it), so it deploys, and
destroys, the same resources as the original: fine for a moved directory, a
surprise for a copy meant as a second app. ``.lambdactl/root`` records the
directory that deployed; a command run in a copy, while the original still holds
the same project, says so once per command.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

MARKER = Path(".lambdactl") / "root"


def record(root: Path) -> None:
    """ROOT deployed from here: the marker names it, unless it names a directory
    already (a copy keeps naming its original: copied_from takes over the rest)."""
    if not (root / MARKER).exists():
        _write(root)


def _write(root: Path) -> None:
    try:
        (root / MARKER).write_text(f"{root.resolve()}\n", encoding="utf-8")
    except OSError:   # best effort: a read-only checkout still deploys
        pass


def copied_from(root: Path, project: str) -> Path | None:
    """The directory ROOT's .lambdactl/ came from, when that one is still project
    PROJECT; else None (and a moved or renamed original's marker is taken over)."""
    try:
        recorded = (root / MARKER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if (root / ".lambdactl" / "state.json").is_file():
            _write(root)   # deployed before markers existed
        return None
    except OSError:
        return None
    here = root.resolve()
    if not recorded or Path(recorded) == here:
        return None
    if _project_of(Path(recorded)) == project:
        return Path(recorded)
    _write(root)
    return None


def _project_of(root: Path) -> str | None:
    try:
        name = tomllib.loads((root / "lambdactl.toml").read_text(encoding="utf-8"))["project"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def warning(root: Path, original: Path, project: str) -> str:
    return (f"{root} is a copy of {original} (its .lambdactl/ came along): both are project {project!r} "
            "and deploy, and destroy, the same resources; to keep this one apart, set another [project] "
            "name in lambdactl.toml (and any bucket name it spells out)")


def refuse_anothers(root: Path, project: str) -> None:
    """destroy of PROJECT as the journal in ROOT knows it (--project, or no lambdactl.toml):
    refused when that journal came from another directory that still is PROJECT (a copy,
    renamed, whose `destroy --project ORIGINAL` removed the original's live resources)."""
    from lambdactl import state
    from lambdactl.errors import ConfigError

    here = root.resolve()
    for other in sorted(state.roots(root / ".lambdactl" / "state.json", project)):
        if Path(other) != here and _project_of(Path(other)) == project:
            raise ConfigError(f"project {project!r} is deployed from {other}, which is still that project "
                              f"(the journal here came from there: {root} is a copy of it)",
                              f"run `lambdactl destroy` in {other}, not here")
