"""File events as debounced batches of changed paths (watchfiles: inotify on Linux,
FSEvents on macOS, polling where neither works).

A burst of saves (an editor writing a temporary file and renaming it, a `git
checkout`) is one batch: watchfiles yields once no new event came for STEP_MS
(at most DEBOUNCE_MS after the first). Directories are watched one level each
(not recursively from the project root, which may hold a virtualenv of
thousands of directories); the caller restarts the watch when the set changes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from lambdactl.sources import DEFAULT_EXCLUDES, _ignored

STEP_MS = 50          # quiet time that ends a burst
DEBOUNCE_MS = 1600    # the longest a burst is grouped
TICK_MS = 200         # an empty batch this often without events: the watch is live
# Editors' swap and backup files, and lambdactl's own build output.
NOISE = (*DEFAULT_EXCLUDES, ".lambdactl", "*.swp", "*.swx", "*~", ".#*", "#*#", "4913")


def directories(paths: Iterable[Path]) -> list[Path]:
    """Every directory to watch for PATHS: a file's parent; a directory and its
    subdirectories (lambdactl's excludes left out)."""
    out: set[Path] = set()
    for path in paths:
        if not path.is_dir():
            out.add(path.parent)
            continue
        for dirpath, dirnames, _ in os.walk(path):
            dirnames[:] = [d for d in dirnames if not _ignored(d, d, NOISE)]
            out.add(Path(dirpath))
    return sorted(out)


def relevant(path: Path) -> bool:
    """Not noise (an editor's scratch file, a cache). Only the name is looked at:
    the directories watched are already free of excluded ones."""
    return not _ignored(path.name, path.name, NOISE)


def batches(dirs: list[Path], stop: threading.Event, *, step_ms: int = STEP_MS,
            debounce_ms: int = DEBOUNCE_MS) -> Iterator[set[Path]]:
    """Sets of changed paths in DIRS (each watched one level deep), until STOP is set;
    an empty set every TICK_MS without events. The first batch says the watch is
    live: what changed before it was not seen (the caller catches up)."""
    import watchfiles

    for changes in watchfiles.watch(*dirs, watch_filter=None, debounce=debounce_ms, step=step_ms,
                                    stop_event=stop, recursive=False, rust_timeout=TICK_MS,
                                    yield_on_timeout=True, raise_interrupt=False):
        found = {Path(p) for _, p in changes if relevant(Path(p))}
        if found or not changes:
            yield found
