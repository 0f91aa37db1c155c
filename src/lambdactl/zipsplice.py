"""A large zip sent inline (PublishLayerVersion's Content.ZipFile) without botocore's copies.

botocore serializes a blob as base64 decoded to str, then json.dumps the whole body
and encodes it again: for a 40 MB layer three more copies of 54 MB and an escape
scan of each character, 0.3-0.5 s of CPU on a loaded 2-core machine. The call
carries a short placeholder instead, and the zip's base64 (the same characters
botocore would write) replaces it in the serialized body before it is signed, on
each attempt (a retry serializes again).
"""

from __future__ import annotations

import base64
import mmap
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdactl import b64

_placeholders: dict[bytes, bytes] = {}   # base64 of a placeholder -> base64 of its zip
_lock = threading.Lock()
CHUNK = 3 << 18    # 768 KiB: a multiple of 3, so the chunks' base64 joins without padding


@dataclass(frozen=True)
class Encoded:
    """A zip's base64, encoded before the call (layers.py: while the reads are in flight)."""

    data: bytes


@contextmanager
def spliced(client: Any, operation: str, content: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """CONTENT with its ZipFile bytes (or Encoded) swapped for a placeholder that CLIENT's
    OPERATION call puts back, encoded, into the body it sends; CONTENT itself when it has none."""
    zipped = content.get("ZipFile")
    if not isinstance(zipped, bytes | Encoded):
        yield content
        return
    mark = b"lambdactl-zip-" + os.urandom(12)
    token = base64.b64encode(mark)
    encoded = zipped.data if isinstance(zipped, Encoded) else encode(zipped)
    with _lock:
        _placeholders[token] = encoded
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-sign.{service}.{operation}", _splice, unique_id="lambdactl-zipsplice")
    try:
        yield {**content, "ZipFile": mark}
    finally:
        with _lock:
            del _placeholders[token]


def encode(data: bytes) -> bytes:
    """DATA in base64. binascii holds the GIL, and 40 MB at once stalled the other threads'
    calls for 0.1-0.2 s (an AddPermission took 251 ms): a chunk at a time. pybase64
    releases it: one call, as chunks would wait for the GIL again each (up to 5 ms, the
    switch interval, under contention: 0.27 s for 40 MB in a trace at load 4) and be
    joined (a copy)."""
    if b64.releases_gil():
        return b64.encode(data)
    view = memoryview(data)
    return b"".join(b64.encode(view[i:i + CHUNK]) for i in range(0, len(data), CHUNK))


def encoding(path: Path) -> Future[bytes]:
    """The zip at PATH, encoded, in a thread from now on (40 MB: ~0.1 s of CPU). Mapped,
    not read: the encoder reads the page cache, with no 40 MB copy first."""
    done: Future[bytes] = Future()

    def work() -> None:
        try:
            with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                done.set_result(encode(mapped))   # type: ignore[arg-type]  # a buffer, as bytes is
        except BaseException as exc:  # noqa: BLE001 - raised where the call asks for it
            done.set_exception(exc)

    threading.Thread(target=work, name="lambdactl-zip-encode", daemon=True).start()
    return done


def content_of(done: Future[bytes]) -> Callable[[Any, Any], AbstractContextManager[dict[str, Any]]]:
    """Inline Content (layers.py) whose base64 is DONE, or being made (encoding)."""
    @contextmanager
    def content(layer: Any, pkg: Any) -> Iterator[dict[str, Any]]:
        yield {"ZipFile": Encoded(done.result())}

    return content


def _splice(request: Any, **_: Any) -> None:
    data = request.data
    if not isinstance(data, bytes):
        return
    with _lock:
        found = [(t, z) for t, z in _placeholders.items() if t in data]
    for token, encoded in found:
        data = data.replace(token, encoded, 1)
    request.data = data
