"""One TLS context for all the clients of a target, its CA bundle loaded once.

urllib3 loads the CA bundle into a pool's context on every new HTTPS connection
(urllib3 issue 3623; botocore's cacert.pem: ~30 ms of CPU each here), and every
botocore client has a context of its own: on AWS a cold `up` opens 5 connections,
a 5-function `destroy` 18. The clients of one Aws share the first one's context,
and it loads a given bundle once. What is trusted does not change: the same bundle,
in the same context, as urllib3 would load it again and again.
"""

from __future__ import annotations

import ssl
import threading
from typing import Any


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
