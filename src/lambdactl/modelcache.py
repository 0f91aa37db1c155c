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

The Python names of the operations (CreateFunction -> create_function), which
botocore works out with regular expressions for every client (~1,000 a
5-function `destroy`, ~3.5 ms of its CPU), are kept there too (install_names).
"""

from __future__ import annotations

import atexit
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

from lambdactl.codecache import cache_dir, read, used_before, write

KEEP_NAMES = 20_000   # past this many names, only this process's are kept


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


def install_names() -> None:
    """botocore's xform_name answers from the names this botocore worked out before (a
    file per botocore version: what it answers depends on the name and botocore alone).
    The names worked out anew are written at exit. In a one-command process (aws.py)."""
    import botocore

    names = getattr(botocore, "_xform_cache", None)   # the dict xform_name memoizes into
    if not isinstance(names, dict):
        return   # another botocore's layout: it works them out, as before
    file = directory() / f"xform-names-{botocore.__version__}"
    names.update({k: v for k, v in read(str(file)).items() if _is_name(k, v)})
    known = len(names)
    if used_before(str(file.parent)):
        atexit.register(_save_names, file, names, known)


def _is_name(key: Any, value: Any) -> bool:
    return isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key) \
        and isinstance(value, str)


def _save_names(file: Path, names: dict[Any, Any], known: int) -> None:
    if len(names) > known:
        write(str(file), names if len(names) <= KEEP_NAMES else dict(list(names.items())[-KEEP_NAMES:]))
