"""Runs steps as a dependency graph: each starts once what it needs is done.

The executor only does: what to do and in which order is decided before (the
plan), and each step's calls are the kind's business (APPLY). A failed step
stops what depends on it and every step not yet started; those in flight
finish. Failures are returned, first one first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
MAX_THREADS = 32


@contextmanager
def thread_pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A ThreadPoolExecutor whose block, on Ctrl-C, leaves at once: the calls in
    flight are not waited for (one stuck on a silent endpoint would hold the exit
    for its read timeout and retries); the command ends (cli.interrupted)."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def interruptible(work: Callable[[], T]) -> T:
    """WORK() in a daemon thread, waited for here: a library that, on Ctrl-C, waits for
    its own threads (s3transfer's, stuck on a silent endpoint) cannot hold the exit."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
            box.append((False, exc))

    thread = threading.Thread(target=run, name="lambdactl-work", daemon=True)
    thread.start()
    thread.join()
    ok, value = box[0]
    if not ok:
        raise value
    return value


def critical_first(steps: Sequence[T], needs: Callable[[T], Sequence[T]],
                   calls: Callable[[T], int] | None = None) -> list[T]:
    """STEPS, the longest chains of calls first (a stable sort): a step's chain is its
    own calls in a row (CALLS, else 1) and the longest chain of the steps that wait for
    it. What a step waits for has a longer chain than it, so comes first still."""
    waiting: dict[int, list[T]] = {id(s): [] for s in steps}
    for s in steps:
        for n in needs(s):
            waiting.setdefault(id(n), []).append(s)
    chain: dict[int, int] = {}
    for s in reversed(steps):   # what waits for S comes after it: its chain is known
        chain[id(s)] = (calls(s) if calls else 1) + max((chain.get(id(w), 0) for w in waiting[id(s)]), default=0)
    return sorted(steps, key=lambda s: -chain[id(s)])


def run_graph(steps: Sequence[T], needs: Callable[[T], Sequence[T]],
              apply: Callable[[T, Callable[[], None]], Any], *, threads: int = MAX_THREADS,
              calls: Callable[[T], int] | None = None) -> list[BaseException]:
    """Apply every step of STEPS after the steps NEEDS names; -> the failures.

    APPLY(step, ready) may call READY before it finishes, to let what needs the
    step start early (the role exists: the function may be created while the
    role's policy is written). STEPS must be in an order where each step comes
    after what it needs: threads take steps in that order, so a waiting step
    never holds back what it waits for. They start the longest chains first
    (critical_first; CALLS: how many calls in a row a step makes, else 1): the
    first request to leave is the first of the critical path.
    """
    steps = critical_first(steps, needs, calls)
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
        with thread_pool(min(threads, len(steps))) as pool:
            list(pool.map(run, steps))
    return failures


def run_parallel(reads: list[Callable[[], Any]], stores: list[Callable[[Any], None]],
                 meanwhile: Callable[[], None] | None = None) -> None:
    """Run independent calls side by side; re-raise the first failure.

    MEANWHILE runs in this thread while the calls are in flight."""
    if not reads:
        return
    # Aws.client() holds a lock while creating: boto3 client creation is not thread-safe.
    with thread_pool(min(MAX_THREADS, len(reads))) as pool:
        futures = [pool.submit(r) for r in reads]
        if meanwhile:
            meanwhile()
        for fut, store in zip(futures, stores):
            store(fut.result())


class Alongside:
    """Work run in a thread beside the caller's (the project steps made alongside the
    function chains: core/graph.py). Each of its parts, named by a key, can be waited
    for on its own (a chain's step waits for the ones it names), or all of it."""

    def __init__(self) -> None:
        self._parts: dict[Hashable, threading.Event] = {}
        self._made: set[Hashable] = set()
        self._failures: list[BaseException] = []
        self._thread: threading.Thread | None = None

    def start(self, keys: Iterable[Hashable], work: Callable[[Callable[[Hashable], None]], None]) -> None:
        """Start WORK(made) in a thread now; WORK calls made(key) as each part KEYS names is done."""
        self._parts = {k: threading.Event() for k in keys}

        def made(key: Hashable) -> None:
            self._made.add(key)
            self._parts[key].set()

        def run() -> None:
            try:
                work(made)
            except BaseException as exc:  # noqa: BLE001 - raised in the threads that wait
                self._failures.append(exc)
            finally:
                for part in self._parts.values():   # what was not made stops waiting too
                    part.set()

        self._thread = threading.Thread(target=run, name="lambdactl-alongside", daemon=True)
        self._thread.start()

    def wait(self, keys: Iterable[Hashable] | None = None) -> None:
        """Wait for the parts KEYS names (a key not started here: nothing to wait for), or
        for all of the work; re-raise its failure if a part waited for was not made (each
        time: whoever needs it learns it failed)."""
        if keys is None:
            if self._thread:
                self._thread.join()
            if self._failures:
                raise self._failures[0]
            return
        for key in keys:
            if key in self._parts:
                self._parts[key].wait()
                if key not in self._made:
                    raise self._failures[0]
