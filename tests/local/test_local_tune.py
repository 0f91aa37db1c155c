"""tune against the sandbox: each memory size really set and invoked, and the original
MemorySize restored after success, a failing invocation, and an interruption."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from lambdactl import tune
from lambdactl.errors import LambdactlError


def memory(aws: Callable[[str], Any], name: str) -> int:
    return int(aws("lambda").get_function_configuration(FunctionName=name)["MemorySize"])


def report_sizes(aws: Callable[[str], Any], name: str) -> Counter[int]:
    events = aws("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return Counter(int(m.group(1)) for e in events
                   if (m := re.search(r"^REPORT .*Memory Size: (\d+) MB", e["message"])))


def test_tune_runs_each_size_and_restores(aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    name = make_function("app.echo", MemorySize=256)
    seen: list[tuple[int, int, int]] = []
    original, trials = tune.run(aws("lambda"), name, [128, 512], 5, b"{}", progress=lambda *a: seen.append(a))
    assert original == 256 and memory(aws, name) == 256
    assert [t.memory_mb for t in trials] == [128, 512]
    assert [len(t.runs) for t in trials] == [5, 5]
    assert all(t.duration_ms > 0 and t.cost_usd > 0 for t in trials)
    assert report_sizes(aws, name) == {128: 5, 512: 5}   # the invocations ran at those sizes
    assert seen[0] == (128, 1, 5) and seen[-1] == (512, 5, 5)


def test_tune_restores_after_a_failing_invocation(aws: Callable[[str], Any],
                                                  make_function: Callable[..., str]) -> None:
    name = make_function("app.fail", MemorySize=192)
    with pytest.raises(LambdactlError, match=f"{name} failed at 512 MB: boom from handler"):
        tune.run(aws("lambda"), name, [512, 1024], 3, b"{}")
    assert memory(aws, name) == 192
    assert report_sizes(aws, name) == {512: 1}   # stopped at the first failure


def test_tune_restores_after_an_interruption(aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    name = make_function("app.echo", MemorySize=256)
    restored: list[int] = []

    def ctrl_c_at_run_3_of_1024(memory_mb: int, run: int, runs: int) -> None:
        if (memory_mb, run) == (1024, 3):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tune.run(aws("lambda"), name, [128, 1024, 2048], 4, b"{}", progress=ctrl_c_at_run_3_of_1024,
                 on_restore=restored.append)
    assert restored == [256] and memory(aws, name) == 256
    assert report_sizes(aws, name) == {128: 4, 1024: 2}


def test_a_second_ctrl_c_waits_for_the_restore(aws: Callable[[str], Any], make_function: Callable[..., str]) -> None:
    """Ctrl-C mid-run, and again while the memory is being restored: the restore
    finishes, then the interruption goes on."""
    import os
    import signal

    name = make_function("app.echo", MemorySize=256)

    def ctrl_c(memory_mb: int, run: int, runs: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tune.run(aws("lambda"), name, [512], 3, b"{}", progress=ctrl_c,
                 on_restore=lambda mb: os.kill(os.getpid(), signal.SIGINT))
    assert memory(aws, name) == 256
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
