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

endpoints.json (every service's endpoints in every partition: ~2,000 small dicts) took
~8 ms to unmarshal whole, for the 4-5 services a command asks about: its copy keeps each
service's entry marshalled on its own, unmarshalled when first asked for (Services),
~0.3 ms.

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
    packs = os.path.basename(full_path) == "endpoints.json"
    # a packed copy has its own name: a lambdactl from before packing never reads one
    key = f"{full_path}\0{st.st_size}\0{st.st_mtime_ns}" + ("\0packed" if packs else "")
    copy = directory() / (hashlib.sha256(key.encode()).hexdigest()[:40])
    try:
        data = marshal.loads(copy.read_bytes())
        return unpacked(data) if packs else data
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass   # no copy yet, or a damaged one: parse the JSON, and write a copy
    with open_method(full_path, "rb") as fp:
        data = json.loads(fp.read().decode("utf-8"))
    if used_before(str(copy.parent)):
        # Written in a thread, beside the command's round trips (the process waits
        # for it at exit): off the critical path.
        threading.Thread(target=_store, args=(copy, data, packs), name="modelcache").start()
    return data


class Services(dict):
    """A partition's services (endpoints.json), each entry unmarshalled when first read."""

    def __getitem__(self, name: Any) -> Any:
        value = dict.__getitem__(self, name)
        if type(value) is bytes:
            value = marshal.loads(value)
            dict.__setitem__(self, name, value)
        return value

    def get(self, name: Any, default: Any = None) -> Any:
        return self[name] if name in self else default

    def _all(self) -> Services:
        for name in dict.keys(self):
            self[name]  # noqa: B018 - unmarshals it
        return self

    def items(self) -> Any:
        return dict.items(self._all())

    def values(self) -> Any:
        return dict.values(self._all())

    def copy(self) -> dict[Any, Any]:
        return dict(self._all())

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self._all(), other)

    __hash__ = None

    def __repr__(self) -> str:
        return dict.__repr__(self._all())

    def __reduce__(self) -> Any:   # copy, deepcopy, pickle: a plain dict of the data
        return dict, (dict(self._all()),)


def packed(data: Any) -> Any:
    """endpoints.json's data with each partition's services marshalled one by one."""
    return {**data, "partitions": [{**p, "services": {k: marshal.dumps(v) for k, v in p["services"].items()}}
                                   for p in data["partitions"]]}


def unpacked(data: Any) -> Any:
    for partition in data["partitions"]:
        partition["services"] = Services(partition["services"])
    return data


def _store(copy: Path, data: Any, packs: bool = False) -> None:
    tmp = copy.with_name(f"{copy.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(marshal.dumps(packed(data) if packs else data))
        os.replace(tmp, copy)   # whole or not at all: a reader never sees half a copy
    except (OSError, ValueError, KeyError, TypeError, AttributeError):   # or not the shape packed() knows
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
