"""Memory tuning, the AWS Lambda Power Tuning method run from the CLI.

For each memory size: update $LATEST's MemorySize, invoke N times (RequestResponse,
LogType Tail, so each REPORT's billed duration is read), drop the slowest and
fastest 20%, average duration and cost per invocation; then rank by cost, speed
or a balance of both. The original MemorySize is restored afterwards, whatever
happens (an error, a failing invocation, Ctrl-C).
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lambdactl.errors import ConfigError, LambdactlError
from lambdactl.invoke import cost, invoke, not_deployed

STRATEGIES = ("cost", "speed", "balanced")
TRIM = 0.2                  # dropped from each end, as Power Tuning does
MIN_MB, MAX_MB = 128, 10240
BALANCED_WEIGHT = 0.5       # Power Tuning's default balancedWeight: cost and speed alike
Run = tuple[float, int]     # (duration ms, billed ms): sorts by duration first
T = TypeVar("T", float, Run)
SANDBOX_NOTE = ("the sandbox does not give a function CPU in proportion to its memory: "
                "durations will not reflect memory (the prices do); `lambdactl local start "
                "--cpu-share` does, where the machine allows a cgroup CPU quota")


def sandbox_note() -> str | None:
    """SANDBOX_NOTE, unless the running sandbox gives CPU in proportion to memory."""
    from lambdactl.local import control

    info = control.read_state()
    return None if info is not None and info.cpu_share else SANDBOX_NOTE


def parse_memory(text: str) -> list[int]:
    """"128,256,512" -> [128, 256, 512]: integers in Lambda's range, each once."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    bad = [v for v in values if not MIN_MB <= v <= MAX_MB]
    if not values or bad or len(set(values)) != len(values):
        raise ConfigError(f"--memory {text!r} is not a list of distinct sizes from {MIN_MB} to {MAX_MB} MB",
                          "give MB values separated by commas, e.g. --memory 128,256,512,1024,1769")
    return values


def trimmed(values: Sequence[T], trim: float = TRIM) -> list[T]:
    """VALUES sorted, without the lowest and highest TRIM share (rounded down) of them."""
    cut = int(len(values) * trim)
    ordered = sorted(values)
    return ordered[cut:len(ordered) - cut]


@dataclass
class Trial:
    """The runs at one memory size, sorted by duration; averages over the middle 60%."""

    memory_mb: int
    architecture: str = "x86_64"
    runs: list[Run] = field(default_factory=list)

    def _kept(self) -> list[Run]:
        return trimmed(self.runs)

    @property
    def duration_ms(self) -> float:
        kept = self._kept()
        return sum(d for d, _ in kept) / len(kept) if kept else math.nan

    @property
    def cost_usd(self) -> float:
        """The average cost of one invocation, request included."""
        kept = self._kept()
        if not kept:
            return math.nan
        billed = sum(b for _, b in kept) / len(kept)
        return cost(billed, self.memory_mb, self.architecture)

    def as_json(self) -> dict[str, Any]:
        return {"memory_mb": self.memory_mb, "runs": len(self.runs), "kept": len(self._kept()),
                "duration_ms": self.duration_ms, "cost_usd": self.cost_usd,
                "cost_per_million_usd": self.cost_usd * 1_000_000}


def rank(trials: Sequence[Trial], strategy: str, weight: float = BALANCED_WEIGHT) -> list[Trial]:
    """Best first. balanced: WEIGHT x cost/max cost + (1 - WEIGHT) x duration/max duration."""
    if strategy == "cost":
        return sorted(trials, key=lambda t: (t.cost_usd, t.duration_ms))
    if strategy == "speed":
        return sorted(trials, key=lambda t: (t.duration_ms, t.cost_usd))
    top_cost = max(t.cost_usd for t in trials) or 1.0
    top_duration = max(t.duration_ms for t in trials) or 1.0
    return sorted(trials, key=lambda t: weight * t.cost_usd / top_cost
                  + (1 - weight) * t.duration_ms / top_duration)


def set_memory(lam: Any, name: str, memory_mb: int) -> None:
    resp = lam.update_function_configuration(FunctionName=name, MemorySize=memory_mb)
    # The next invoke would run the old configuration, the next update fail with
    # ResourceConflictException, while LastUpdateStatus is InProgress.
    if resp.get("LastUpdateStatus", "Successful") != "Successful":
        lam.get_waiter("function_updated_v2").wait(FunctionName=name,
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 300})


Progress = Callable[[int, int, int], None]   # (memory MB, run, runs), before each run


def measure(lam: Any, name: str, memory_mb: int, runs: int, payload: bytes,
            architecture: str = "x86_64", progress: Progress | None = None) -> Trial:
    trial = Trial(memory_mb, architecture)
    for n in range(runs):
        if progress:
            progress(memory_mb, n + 1, runs)
        result = invoke(lam, name, payload, "sync", architecture)
        if result.function_error:
            message = (result.error or {}).get("errorMessage", result.function_error)
            raise LambdactlError(f"{name} failed at {memory_mb} MB: {message}",
                                 "fix the function or the --payload; the memory was restored")
        if result.report is None:  # the 4 KB tail lost it: the handler printed a lot
            raise LambdactlError(f"no REPORT line in the log tail of {name} at {memory_mb} MB",
                                 "make the handler print less than 4 KB per invocation while tuning")
        trial.runs.append((result.report.duration_ms, result.report.billed_ms))
    return trial


def current_memory(lam: Any, name: str) -> int:
    """$LATEST's MemorySize; a function not deployed (yet, or any more) said so, with the fix."""
    try:
        return int(lam.get_function_configuration(FunctionName=name)["MemorySize"])
    except lam.exceptions.ResourceNotFoundException as exc:
        raise not_deployed(name) from exc


def run(lam: Any, name: str, memories: Sequence[int], runs: int, payload: bytes,
        architecture: str = "x86_64", progress: Progress | None = None,
        on_restore: Callable[[int], None] | None = None, original: int | None = None) -> tuple[int, list[Trial]]:
    """(the original MemorySize (ORIGINAL when the caller read it), a Trial per memory size). It is set back
    before returning, and on any exception, KeyboardInterrupt included."""
    original = current_memory(lam, name) if original is None else original
    trials: list[Trial] = []
    try:
        for memory_mb in memories:
            set_memory(lam, name, memory_mb)
            trials.append(measure(lam, name, memory_mb, runs, payload, architecture, progress))
    finally:
        with sigint_deferred():
            if on_restore:
                on_restore(original)
            set_memory(lam, name, original)
    return original, trials


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """A Ctrl-C (a second one, typically) waits until the block is done, then raises."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def apply(config_path: Path, key: str, memory_mb: int) -> bool:
    """Write MEMORY_MB as functions.KEY.memory in lambdactl.toml, keeping comments and
    layout (tomlkit round-trips them). False when it already says so."""
    import tomlkit

    doc = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    table = doc.get("functions", {}).get(key)
    if table is None:
        raise ConfigError(f"no [functions.{key}] table in {config_path.name}")
    if table.get("memory") == memory_mb:
        return False
    table["memory"] = memory_mb
    config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return True
