"""Per-request work in moto's server that never changes its answer, done once.

Measured on the warm invoke path (cProfile of the server's request threads,
``benchmarks/sandbox.py``): these two were a third of the server's own time per
request, the first of it under the dispatcher's global lock; the third is a large
upload's (a layer's) body parsed as a query string; the fourth, a regular
expression run over every response body (py-spy, upload -> log loop); the fifth, the
request id of every response drawn one character per call. Contract-tested in
tests/local/test_local_contract.py (moto is pinned to a minor version).
"""

from __future__ import annotations

import functools
import string
import urllib.parse
from collections.abc import Callable
from typing import Any


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
    moto.core.responses.parse_qsl = parse_qsl   # type: ignore[assignment]
    enrich = moto.core.responses.BaseResponse._enrich_response
    moto.core.responses.BaseResponse._enrich_response = staticmethod(  # type: ignore[method-assign]
        lambda headers, body: enrich_response(enrich, headers, body))
    from moto.moto_api._internal.moto_random import MotoRandom

    MotoRandom.get_random_string = random_string  # type: ignore[method-assign]
    # moto 5.2: call_action turns the action's name into its method's, a character at a
    # time (~36 Python calls for "Invoke": ~2.5% of a warm invoke's request thread). A
    # pure function of the name, and the names are the services' actions: kept.
    moto.core.responses.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
        moto.core.responses.camelcase_to_underscores)
    _known_accounts()


def _known_accounts() -> None:
    """moto 5.2: every backend lookup (``lambda_backends[account]``: ~7 per warm invoke)
    takes moto's global backend lock, copies the account ids into a list and scans every
    used service's BackendDict for this one. An account already there was registered by
    that same code (a reset clears the accounts of every registered dict, then the list):
    only a new account needs it."""
    from moto.core.base_backend import BackendDict

    create = BackendDict._create_account_specific_backend

    def known_or_create(self: Any, account_id: str) -> None:
        if not dict.__contains__(self, account_id):
            create(self, account_id)

    BackendDict._create_account_specific_backend = known_or_create  # type: ignore[method-assign]


LARGE_BODY = 1 << 20   # bytes
_LETTERS = string.ascii_letters


_TABLES: dict[str, bytes] = {}


def random_string(self: Any, length: int = 20, include_digits: bool = True,
                  lower_case: bool = False) -> str:
    """moto 5.2's MotoRandom.get_random_string draws its characters one random.choice
    call at a time: for the 52-character request id of every response, ~40 us of the
    server's CPU (still ~1.5% of a warm invoke's instructions as one ``choices`` call).
    The same alphabet from the same (seedable) generator: random bytes, each mapped to a
    character by one table (a byte's 256 values over 62 characters: some 5 times, some 4)."""
    pool = _LETTERS + string.digits if include_digits else _LETTERS
    table = _TABLES.get(pool)
    if table is None:
        table = _TABLES[pool] = bytes(ord(pool[i % len(pool)]) for i in range(256))
    text = self.randbytes(length).translate(table).decode("ascii")
    return text.lower() if lower_case else text


def parse_qsl(qs: Any, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    """moto 5.2's BaseResponse.setup_class parses every text body as a query string when
    the URL has none, though a JSON body is not one (Lambda reads its JSON): for a 40 MB
    PublishLayerVersion that took 0.1-0.3 s of the server's CPU to make one junk key. A
    large JSON body becomes that junk key unparsed; everything else is parsed as before."""
    if isinstance(qs, str) and len(qs) > LARGE_BODY and qs.startswith("{"):
        return [(qs, "")]
    return urllib.parse.parse_qsl(qs, *args, **kwargs)


def enrich_response(original: Callable[..., tuple[Any, Any]], headers: Any, body: Any) -> tuple[Any, Any]:
    """moto 5.2's BaseResponse._enrich_response puts the request id into the headers, then
    runs re.sub(r"(?<=<RequestId>).*(?=</RequestId>)", ...) over the whole body to put it
    into an XML <RequestId> too: ~19 us per KB (a FilterLogEvents answer of 400 events,
    1.3 ms; a 1 MB GetObject, ~19 ms). Where the body has no <RequestId> (JSON, objects)
    the expression cannot match: the headers are made the same way, the body left as is."""
    if isinstance(body, str) and "<RequestId>" in body:
        return original(headers, body)
    return original(headers, "")[0], body
