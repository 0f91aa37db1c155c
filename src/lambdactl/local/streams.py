"""Response streaming on the sandbox, as Lambda does it for a function URL with
InvokeMode RESPONSE_STREAM.

A runtime streams by posting its /response with ``Lambda-Runtime-Function-Response-Mode:
streaming`` and ``Transfer-Encoding: chunked`` (docs: "Implementing response streaming
in a custom runtime"): each chunk goes on to the caller as it arrives. With the
content type ``application/vnd.awslambda.http-integration-response`` the stream
starts with a JSON prelude (statusCode, headers, cookies) and 8 NUL bytes. Lambda's
managed Python runtimes do not stream: awslambdaric posts the whole answer, which the
URL then maps as a buffered one (urls.response).

A URL request listens (``listening``) in the thread that invokes; patch._invoke binds
that listener to the request id it gives the invocation (``bind``); the Runtime API
hands the chunks of that request's streamed /response to it (``sink``).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

MODE_HEADER = "Lambda-Runtime-Function-Response-Mode"
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
DELIMITER = b"\x00" * 8
_END = object()

_local = threading.local()
_by_request: dict[str, Stream] = {}
_lock = threading.Lock()


class Stream:
    """Chunks from the runtime to the URL's client, in order; ``close`` ends it."""

    def __init__(self) -> None:
        self.content_type = "application/octet-stream"
        self._chunks: queue.Queue[Any] = queue.Queue()

    def write(self, chunk: bytes) -> None:
        if chunk:
            self._chunks.put(chunk)

    def close(self) -> None:
        self._chunks.put(_END)

    def chunks(self) -> Iterator[bytes]:
        while (chunk := self._chunks.get()) is not _END:
            yield chunk

    def head(self) -> tuple[int, list[tuple[str, str]], Iterator[bytes]] | None:
        """(status, headers, the body's chunks) once the first chunk came; None if
        the invocation ended without streaming (the answer came whole)."""
        chunks = self.chunks()
        first = next(chunks, None)
        if first is None:
            return None
        if self.content_type != HTTP_INTEGRATION:
            return 200, [("Content-Type", self.content_type)], _chain(first, chunks)
        while DELIMITER not in first:   # the prelude may come in several chunks
            more = next(chunks, None)
            if more is None:
                break
            first += more
        prelude, _, rest = first.partition(DELIMITER)
        doc = json.loads(prelude or b"{}")
        headers = [(str(k), str(v)) for k, v in (doc.get("headers") or {}).items()]
        headers += [("Set-Cookie", str(c)) for c in doc.get("cookies") or []]
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("Content-Type", "application/octet-stream"))
        return int(doc.get("statusCode", 200)), headers, _chain(rest, chunks)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


@contextmanager
def listening(stream: Stream) -> Iterator[Stream]:
    """Invocations made in this thread may stream into STREAM."""
    _local.stream = stream
    try:
        yield stream
    finally:
        _local.stream = None


def bind(request_id: str) -> Callable[[], None]:
    """The listener of this thread (if any) receives REQUEST_ID's stream; returns the unbind."""
    stream = getattr(_local, "stream", None)
    if stream is None:
        return lambda: None
    with _lock:
        _by_request[request_id] = stream

    def unbind() -> None:
        with _lock:
            _by_request.pop(request_id, None)
    return unbind


def sink(request_id: str, headers: Any) -> Callable[[bytes], None] | None:
    """Where the chunks of a /response go: a listener's stream when the runtime streams."""
    if str(headers.get(MODE_HEADER, "")).lower() != "streaming":
        return None
    with _lock:
        stream = _by_request.get(request_id)
    if stream is None:
        return None   # an Invoke, not a streaming URL: Lambda buffers it
    stream.content_type = str(headers.get("Content-Type") or stream.content_type)
    return stream.write
