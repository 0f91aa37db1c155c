"""The journal of what lambdactl created: .lambdactl/state.json.

Each resource is recorded "creating" before its create call and "created"
after, in a section of its own for each project and target (account/region/
endpoint): targets never mix, and a journal that came along with a copied
project directory is never acted on by the copy (it is another project's). Writes
are atomic (temp file + rename) so a crash never leaves a torn journal.
Writes from the threads of one run are serialised by a lock; runs are
serialised by the project lock (lock.py).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

VERSION = 1


class Reader(Protocol):
    """What reads the journal: the Journal itself, or a snapshot of it (core.context.Facts)."""

    def get(self, kind: str, name: str) -> dict[str, Any] | None: ...


class Journal:
    def __init__(self, path: Path, target_key: str, project: str = "",
                 warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.warn = warn   # one line to the user: a broken journal moved aside
        self.target_key = target_key
        self.project = project
        # "<account>/<region>/<endpoint>#<project>": what this journal acts on
        self.key = f"{target_key}#{project}" if project else target_key
        self._lock = threading.Lock()

    # -- file ---------------------------------------------------------------
    def _read_all(self) -> dict[str, Any]:
        why = "not the journal's shape"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": VERSION, "targets": {}}
        except ValueError as exc:  # not JSON, or not UTF-8
            data, why = None, ("not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not JSON")
        if not _well_formed(data):
            self._move_aside(why)
            return {"version": VERSION, "targets": {}}
        data.setdefault("targets", {})
        if self.key != self.target_key and self.key not in data["targets"] and self.target_key in data["targets"]:
            # A journal from before sections had projects: adopted by the project that
            # reads it (destroy still checks each resource's own tags before deleting).
            data["targets"][self.key] = data["targets"].pop(self.target_key)
        return data

    def _move_aside(self, why: str) -> None:
        """A hand-edited, truncated or foreign journal: kept aside, never lost (a name of
        its own, even for two in one second), and said."""
        stamp = int(time.time())
        aside = self.path.with_suffix(f".broken-{stamp}.json")
        n = 1
        while aside.exists() or aside.is_symlink():
            aside, n = self.path.with_suffix(f".broken-{stamp}-{n}.json"), n + 1
        try:
            self.path.rename(aside)
        except FileNotFoundError:
            return  # another run moved it aside first, and said so
        if self.warn:
            self.warn(f"{self.path} is not a journal lambdactl can read ({why}): moved aside to {aside.name}; "
                      "lambdactl finds what it made by name and tags")

    def other_projects(self) -> tuple[list[str], dict[str, int]]:
        """Other projects with entries for this target -> (those of a copied project
        directory, which brought the original's journal along: said while this project
        has none; those deployed from this very directory under another [project] name,
        with their count of entries: a renamed project's, still deployed). Both ignored."""
        with self._lock:
            targets = self._read_all()["targets"]
        prefix, here = f"{self.target_key}#", self._root()
        others = {k[len(prefix):]: v for k, v in targets.items()
                  if k.startswith(prefix) and k != self.key and v.get("resources")}
        renamed = {name: len(v["resources"]) for name, v in others.items() if v.get("root") == here}
        copied = [] if targets.get(self.key, {}).get("resources") else sorted(set(others) - set(renamed))
        return copied, dict(sorted(renamed.items()))

    def _root(self) -> str:
        """The project directory this journal is in (.lambdactl/state.json's)."""
        return str(self.path.parent.parent.absolute())

    def _write_all(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # Compact: json's C encoder (indent takes the pure-Python one, 10x slower:
                # ~1.3 ms a write, and a cold `up` writes a record before and after each create).
                fh.write(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
            # No fsync (4 ms a record here, on the critical path of every create):
            # the rename is atomic and the page cache outlives a killed process.
            # A power cut may lose the last records; `up` and `destroy` then find
            # those resources by their deterministic names and tags.
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def elsewhere(self) -> list[str]:
        """Other targets ("region us-west-2 of account 1234…") this project has entries for."""
        return [f"region {region} of account {account}" + ("" if where == "aws" else f" at {where}")
                for account, region, where in self.other_targets()]

    def other_targets(self) -> list[tuple[str, str, str]]:
        """(account, region, "aws" | "local" | endpoint) of the other targets this project has entries for."""
        with self._lock:
            targets = self._read_all()["targets"]
        out = []
        for key, section in targets.items():
            target, _, project = key.partition("#")
            if project == self.project and target != self.target_key and section.get("resources"):
                account, region, where = (target.split("/", 2) + ["", ""])[:3]
                out.append((account, region, where))
        return sorted(out)

    def left_in(self, account: str, region: str, where: str) -> list[tuple[str, str]]:
        """(kind, name) of what the journal still records of this project at another target."""
        with self._lock:
            section = self._read_all()["targets"].get(f"{account}/{region}/{where}#{self.project}", {})
        return sorted((str(e.get("kind")), str(e.get("name"))) for e in section.get("resources", {}).values())

    # -- resources ----------------------------------------------------------
    def resources(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._read_all()["targets"].get(self.key, {}).get("resources", {}))

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.resources().get(f"{kind}:{name}")

    def record(self, kind: str, name: str, status: str, **attrs: Any) -> None:
        with self._lock:
            data = self._read_all()
            target = data["targets"].setdefault(self.key, {"resources": {}})
            account, region, _ = (self.target_key.split("/", 2) + ["", ""])[:3]
            target.update(project=self.project, account=account, region=region, root=self._root())
            entry = target["resources"].setdefault(f"{kind}:{name}", {})
            entry.update(attrs, kind=kind, name=name, status=status, updated=time.time(),
                         project=self.project, account=account, region=region)
            self._write_all(data)

    def amend(self, kind: str, name: str, **attrs: Any) -> None:
        """Update the attributes of a recorded resource; nothing if it is not recorded."""
        with self._lock:
            data = self._read_all()
            entry = data["targets"].get(self.key, {}).get("resources", {}).get(f"{kind}:{name}")
            if entry is None:
                return
            entry.update(attrs, updated=time.time())
            self._write_all(data)

    def forget(self, kind: str, name: str) -> None:
        self.forget_all([(kind, name)])

    def forget_all(self, entries: list[tuple[str, str]]) -> None:
        """Forget each (kind, name) of ENTRIES: one write for all (destroy's many)."""
        with self._lock:
            data = self._read_all()
            target = data["targets"].get(self.key) or {"resources": {}}
            known = [key for key in dict.fromkeys(f"{k}:{n}" for k, n in entries) if key in target["resources"]]
            if not known:
                return
            for key in known:
                del target["resources"][key]
            if not target["resources"]:
                del data["targets"][self.key]
            self._write_all(data)

    def by_function(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for entry in self.resources().values():
            out.setdefault(entry.get("function", ""), []).append(entry)
        return out


def may_know(path: Path, region: str, where: str) -> bool:
    """Could the journal at PATH hold entries for REGION at WHERE (in any account, of any
    project)? Answered without the account id; an unreadable file: maybe."""
    try:
        targets = json.loads(path.read_text(encoding="utf-8")).get("targets", {})
        return any(k.partition("#")[0].endswith(f"/{region}/{where}") and v.get("resources")
                   for k, v in targets.items())
    except FileNotFoundError:
        return False
    except (OSError, ValueError, AttributeError):
        return True


def projects(path: Path) -> list[str]:
    """The projects a journal file holds entries for (destroy with no lambdactl.toml)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        targets = data.get("targets", {})
        return sorted({v.get("project") or k.partition("#")[2] for k, v in targets.items()} - {""})
    except (OSError, ValueError, AttributeError):
        return []


def places(path: Path, project: str) -> list[tuple[str, str]]:
    """Where the journal at PATH knows PROJECT: (region, "aws" | "local" | endpoint) of each
    section holding entries (destroy with no lambdactl.toml: the region and target to use)."""
    try:
        targets = json.loads(path.read_text(encoding="utf-8")).get("targets", {})
        keys = [k.partition("#")[0] for k, v in targets.items()
                if (v.get("project") or k.partition("#")[2]) == project and v.get("resources")]
    except (OSError, ValueError, AttributeError):
        return []
    return sorted({(parts[1], parts[2]) for k in keys if len(parts := k.split("/", 2)) == 3})


def roots(path: Path, project: str) -> set[str]:
    """The directories that deployed PROJECT's sections of the journal at PATH (as recorded)."""
    try:
        targets = json.loads(path.read_text(encoding="utf-8")).get("targets", {})
        return {str(v["root"]) for k, v in targets.items() if (v.get("project") or k.partition("#")[2]) == project
                and v.get("resources") and isinstance(v.get("root"), str)}
    except (OSError, ValueError, AttributeError):
        return set()


# Entry fields that readers use as names (dict keys, set members, API parameters).
_TEXT_FIELDS = ("kind", "name", "function", "bucket", "arn", "uuid", "source", "project", "account", "region")


def _well_formed(data: Any) -> bool:
    """{"targets": {KEY: {"resources": {ID: {"kind": str, "name": str, ...}}}}}: the shape
    every method relies on (a hand-edited entry without a kind or name, or with a list
    for a name, failed every command with a traceback)."""
    targets = data.get("targets", {}) if isinstance(data, dict) else None
    return isinstance(targets, dict) and all(
        isinstance(t, dict) and isinstance(t.get("resources"), dict)
        and all(_entry_ok(e) for e in t["resources"].values())
        for t in targets.values()
    )


def _entry_ok(e: Any) -> bool:
    if not (isinstance(e, dict) and isinstance(e.get("kind"), str) and isinstance(e.get("name"), str)):
        return False
    from lambdactl.spec import bucket_name_problem

    versions, buckets = e.get("versions", []), [e.get("bucket")] if "bucket" in e else []
    buckets += [e["name"]] if e["kind"] in ("bucket", "project_bucket") else []
    return all(isinstance(e[f], str) for f in _TEXT_FIELDS if f in e) and isinstance(versions, list) and all(
        isinstance(v, int) for v in versions) and not any(bucket_name_problem(b) for b in buckets)
