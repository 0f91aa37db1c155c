"""Per-request work in moto's server that never changes its answer, done once.

Measured on the warm invoke path (cProfile of the server's request threads,
``benchmarks/sandbox.py``): these two were a third of the server's own time per
request, the first of it under the dispatcher's global lock. Contract-tested in
tests/local/test_local_contract.py (moto is pinned to a minor version).
"""

from __future__ import annotations

from collections.abc import Callable


def install() -> None:
    """Patch moto in this process (the sandbox server)."""
    import moto.backends
    import moto.core.responses

    # moto 5.2: every request lists moto's package directory and stats each of its
    # ~180 entries (twice, holding DomainDispatcherApplication's lock) to learn
    # whether the Host header names a service. The installed package does not change.
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules
    # moto 5.2: every request runs inspect.getmembers over its service's response
    # class to find the action's method. Classes do not change either.
    original: Callable[[object], list[str]] = moto.core.responses.method_names_from_class
    known: dict[object, list[str]] = {}

    def method_names(clazz: object) -> list[str]:
        if clazz not in known:
            known[clazz] = original(clazz)
        return known[clazz]

    moto.core.responses.method_names_from_class = method_names
