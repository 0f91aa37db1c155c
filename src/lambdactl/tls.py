"""One TLS context for all the clients of a target, its CA bundle loaded once.

urllib3 loads the CA bundle into a pool's context on every new HTTPS connection
(urllib3 issue 3623; botocore's cacert.pem: ~30 ms of CPU each here), and every
botocore client has a context of its own: on AWS a cold `up` opens 5 connections,
a 5-function `destroy` 18. The clients of one Aws share the first one's context,
and it loads a given bundle once. What is trusted does not change: the same bundle,
in the same context, as urllib3 would load it again and again.

A client's session makes its context when it is built (an OpenSSL SSL_CTX with
its ciphers: ~2.5 M instructions), only for adopt() to drop it: a client built
inside building() gets the shared one instead (its pool manager's; a proxy's
context, made at its first request, stays its own).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from typing import Any

_HANDED = threading.local()   # .context: what the next session built in this thread gets


class SharedContext:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None

    def adopt(self, client: Any) -> None:
        """Make CLIENT's connections use the shared context (before its first request)."""
        manager = getattr(getattr(getattr(client, "_endpoint", None), "http_session", None), "_manager", None)
        kwargs = getattr(manager, "connection_pool_kw", None)
        if not isinstance(kwargs, dict) or not isinstance(kwargs.get("ssl_context"), ssl.SSLContext):
            return   # another botocore's layout: its own context, as before
        with self._lock:
            if self._context is None:
                self._context = kwargs["ssl_context"]
                self._context.load_verify_locations = _once(self._context.load_verify_locations)  # type: ignore[method-assign]
            kwargs["ssl_context"] = self._context

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        """The client built in this thread meanwhile is handed the shared context, if
        there is one yet (otherwise it makes its own, which adopt() then shares)."""
        if self._context is None or not _hand_over():
            yield
            return
        _HANDED.context = self._context
        try:
            yield
        finally:
            _HANDED.context = None


def _hand_over() -> bool:
    """botocore's URLLib3Session asks _get_ssl_context for its pool manager's context:
    give it the one handed over in this thread, once. False where that is not there."""
    try:
        from botocore.httpsession import URLLib3Session
    except ImportError:
        return False
    made = URLLib3Session.__dict__.get("_get_ssl_context")
    if made is None:
        return False
    if getattr(made, "lambdactl_handed", False):
        return True

    def _get_ssl_context(self: Any) -> Any:
        handed = getattr(_HANDED, "context", None)
        if handed is None:
            return made(self)
        _HANDED.context = None
        return handed

    _get_ssl_context.lambdactl_handed = True  # type: ignore[attr-defined]
    URLLib3Session._get_ssl_context = _get_ssl_context
    return True


def _once(load: Any) -> Any:
    loaded: set[tuple[Any, ...]] = set()
    lock = threading.Lock()

    def load_verify_locations(cafile: Any = None, capath: Any = None, cadata: Any = None) -> None:
        key = (cafile, capath, cadata)
        with lock:
            if key not in loaded:
                load(cafile, capath, cadata)
                loaded.add(key)

    return load_verify_locations
