"""The journal of what lambdactl created: .lambdactl/state.json.

Each resource is recorded "creating" before its create call and "created"
after, keyed by target (account/region/endpoint) so targets never mix. Writes
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
from pathlib import Path
from typing import Any

VERSION = 1


class Journal:
    def __init__(self, path: Path, target_key: str) -> None:
        self.path = path
        self.target_key = target_key
        self._lock = threading.Lock()

    # -- file ---------------------------------------------------------------
    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": VERSION, "targets": {}}
        except ValueError:  # not JSON, or not UTF-8
            data = None
        if not _well_formed(data):
            # A hand-edited, broken journal: keep it aside rather than lose it.
            self.path.rename(self.path.with_suffix(f".broken-{int(time.time())}.json"))
            return {"version": VERSION, "targets": {}}
        data.setdefault("targets", {})
        return data

    def _write_all(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
                fh.write("\n")
            # No fsync (4 ms a record here, on the critical path of every create):
            # the rename is atomic and the page cache outlives a killed process.
            # A power cut may lose the last records; `up` and `destroy` then find
            # those resources by their deterministic names and tags.
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- resources ----------------------------------------------------------
    def resources(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._read_all()["targets"].get(self.target_key, {}).get("resources", {}))

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        return self.resources().get(f"{kind}:{name}")

    def record(self, kind: str, name: str, status: str, **attrs: Any) -> None:
        with self._lock:
            data = self._read_all()
            target = data["targets"].setdefault(self.target_key, {"resources": {}})
            entry = target["resources"].setdefault(f"{kind}:{name}", {})
            entry.update(attrs, kind=kind, name=name, status=status, updated=time.time())
            self._write_all(data)

    def amend(self, kind: str, name: str, **attrs: Any) -> None:
        """Update the attributes of a recorded resource; nothing if it is not recorded."""
        with self._lock:
            data = self._read_all()
            entry = data["targets"].get(self.target_key, {}).get("resources", {}).get(f"{kind}:{name}")
            if entry is None:
                return
            entry.update(attrs, updated=time.time())
            self._write_all(data)

    def forget(self, kind: str, name: str) -> None:
        with self._lock:
            data = self._read_all()
            target = data["targets"].get(self.target_key)
            if not target or target["resources"].pop(f"{kind}:{name}", None) is None:
                return
            if not target["resources"]:
                del data["targets"][self.target_key]
            self._write_all(data)

    def by_function(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for entry in self.resources().values():
            out.setdefault(entry.get("function", ""), []).append(entry)
        return out


def _well_formed(data: Any) -> bool:
    """{"targets": {KEY: {"resources": {ID: {...}}}}}: the shape every method relies on."""
    targets = data.get("targets", {}) if isinstance(data, dict) else None
    return isinstance(targets, dict) and all(
        isinstance(t, dict) and isinstance(t.get("resources"), dict)
        and all(isinstance(e, dict) for e in t["resources"].values())
        for t in targets.values()
    )
