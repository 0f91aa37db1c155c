"""Runs steps as a dependency graph: each starts once what it needs is done.

The executor only does: what to do and in which order is decided before (the
plan), and each step's calls are the kind's business (APPLY). A failed step
stops what depends on it and every step not yet started; those in flight
finish. Failures are returned, first one first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
MAX_THREADS = 32


def run_graph(steps: Sequence[T], needs: Callable[[T], Sequence[T]],
              apply: Callable[[T, Callable[[], None]], Any], *, threads: int = MAX_THREADS) -> list[BaseException]:
    """Apply every step of STEPS after the steps NEEDS names; -> the failures.

    APPLY(step, ready) may call READY before it finishes, to let what needs the
    step start early (the role exists: the function may be created while the
    role's policy is written). STEPS must be in an order where each step comes
    after what it needs: threads take steps in that order, so a waiting step
    never holds back what it waits for.
    """
    done = {id(s): threading.Event() for s in steps}
    failures: list[BaseException] = []

    def run(step: T) -> None:
        try:
            for need in needs(step):
                done[id(need)].wait()
            if not failures:
                apply(step, done[id(step)].set)
        except BaseException as exc:  # noqa: BLE001 - returned to the caller, after the others
            failures.append(exc)
        finally:
            done[id(step)].set()

    if len(steps) == 1:
        run(steps[0])
    elif steps:
        with ThreadPoolExecutor(max_workers=min(threads, len(steps))) as pool:
            list(pool.map(run, steps))
    return failures


def run_parallel(reads: list[Callable[[], Any]], stores: list[Callable[[Any], None]],
                 meanwhile: Callable[[], None] | None = None) -> None:
    """Run independent calls side by side; re-raise the first failure.

    MEANWHILE runs in this thread while the calls are in flight."""
    if not reads:
        return
    # Aws.client() holds a lock while creating: boto3 client creation is not thread-safe.
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(reads))) as pool:
        futures = [pool.submit(r) for r in reads]
        if meanwhile:
            meanwhile()
        for fut, store in zip(futures, stores):
            store(fut.result())


def run_later(work: Callable[[], None]) -> Callable[[], None]:
    """Start WORK in a thread now; -> a function that waits for it and re-raises its
    failure (each time it is called: whoever needs WORK done learns it failed)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised in the thread that waits
            failure.append(exc)

    thread = threading.Thread(target=run, name="lambdactl-later", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failure:
            raise failure[0]

    return wait
