"""A function's reserved concurrency, as Lambda holds it: at most that many of its
invocations run at once; the others are throttled.

moto records ``PutFunctionConcurrency`` and nothing else: a function reserved to 2
ran 8 concurrent invocations in 8 environments (a spinning handler took as many of
the machine's CPUs and memory as it was sent requests). ``slot`` counts a function's
running invocations (all versions and aliases together, as Lambda counts them):
past its reservation a synchronous Invoke is refused as Lambda refuses it (HTTP 429
TooManyRequestsException, Reason ReservedFunctionConcurrentInvocationLimitExceeded);
an Event invocation waits for a slot (``waiting``), as Lambda keeps throttled
events queued and retries them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_running: dict[str, int] = {}


class Throttled(Exception):
    pass


def _unqualified(arn: str) -> str:
    return ":".join(arn.split(":")[:7])


@contextmanager
def slot(arn: str, reserved: Any) -> Iterator[None]:
    """Hold one of ARN's RESERVED (None: unlimited) concurrent runs, or raise Throttled."""
    key = _unqualified(arn)
    with _lock:
        running = _running.get(key, 0)
        if reserved is not None and running >= int(reserved):
            raise Throttled(key)
        _running[key] = running + 1
    try:
        yield
    finally:
        with _lock:
            _running[key] -= 1


def sync(arn: str, reserved: Any, run: Callable[[], T]) -> T:
    """RUN in a slot, or Lambda's 429 for a synchronous Invoke (moto's error shape)."""
    try:
        with slot(arn, reserved):
            return run()
    except Throttled:
        from moto.core.exceptions import JsonRESTError

        error = JsonRESTError("TooManyRequestsException", "Rate Exceeded.")
        error.code = 429
        error.description = ('{"__type": "TooManyRequestsException", "message": "Rate Exceeded.", '
                             '"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}')
        raise error from None


def waiting(arn: str, reserved: Any, stop: threading.Event, run: Callable[[], T]) -> T:
    """RUN in a slot, waiting for one (backing off to 1 s) until STOP; then it runs anyway."""
    pause = 0.01
    while not stop.is_set():
        try:
            with slot(arn, reserved):
                return run()
        except Throttled:
            stop.wait(pause)
            pause = min(pause * 2, 1.0)
    return run()
