"""botocore's JSON data files (service models, endpoint rules, endpoints.json),
parsed once: a marshal copy of each in the cache (codecache.cache_dir(): beside
the installed package, so every home reads it).

A cold `up` builds five clients: it reads about 5 MB of JSON (most of it gzipped)
into dicts, ~32 ms of CPU; the same dicts from marshal copies take ~12 ms. A copy is
keyed by the file's path, size and modification time, and the interpreter's cache
tag (marshal's format is the interpreter's): a botocore upgrade or an edited model
is parsed afresh. Anything wrong with the cache (unreadable, truncated, unwritable)
falls back to the JSON file without a word: it is only a cache.

Writing the copies costs ~25 ms of CPU (marshal, 3 MB of files): the first process
to use the cache directory does not (codecache.used_before); the next one does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdactl.codecache import cache_dir, used_before


def directory() -> Path:
    return Path(cache_dir()) / f"botocore-data-{sys.implementation.cache_tag}"


def load(full_path: str, open_method: Callable[..., Any]) -> Any:
    """The parsed JSON of FULL_PATH (opened with OPEN_METHOD: gzip.open for .json.gz),
    or None if there is no such file (as botocore's own loader answers)."""
    try:
        st = os.stat(full_path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    copy = directory() / (hashlib.sha256(f"{full_path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:40])
    try:
        return marshal.loads(copy.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass   # no copy yet, or a damaged one: parse the JSON, and write a copy
    with open_method(full_path, "rb") as fp:
        data = json.loads(fp.read().decode("utf-8"))
    if used_before(str(copy.parent)):
        # Written in a thread, beside the command's round trips (the process waits
        # for it at exit): off the critical path.
        threading.Thread(target=_store, args=(copy, data), name="modelcache").start()
    return data


def _store(copy: Path, data: Any) -> None:
    tmp = copy.with_name(f"{copy.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, copy)   # whole or not at all: a reader never sees half a copy
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
