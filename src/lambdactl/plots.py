"""Charts for ``stats --plot`` and ``tune --plot`` (matplotlib: the [plot] extra).

matplotlib is imported only here and only when a chart is asked for; it draws
with the Agg backend (no display needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl.errors import ConfigError, LambdactlError

if TYPE_CHECKING:
    from lambdactl.stats import Invocation, Stats
    from lambdactl.tune import Trial


def require(path: str | None = None) -> Any:
    """matplotlib.pyplot on the Agg backend, or a one-line usage error; PATH's format
    checked too (before any AWS call: `--plot chart.txt` failed after tune's invocations)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigError("--plot needs matplotlib, which is not installed",
                          "install it with: pip install 'lambdactl[plot]'") from exc
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    if suffix and suffix not in (known := FigureCanvasBase.get_supported_filetypes()):
        raise ConfigError(f"--plot {path}: matplotlib draws no .{suffix} file",
                          f"name a .png file (or one of .{', .'.join(sorted(known))})")
    return plt


def save(fig: Any, path: str | Path) -> None:
    plt = require()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise LambdactlError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)


def stats_figure(s: Stats, invs: Sequence[Invocation]) -> Any:
    """Duration (cold starts marked) and max memory used over time, the configured memory as a line."""
    plt = require()
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 6))
    times = [i.timestamp for i in invs]
    warm = [i for i in invs if i.report.init_ms is None]
    cold = [i for i in invs if i.report.init_ms is not None]
    top.plot([i.timestamp for i in warm], [i.report.duration_ms for i in warm], "o", ms=3, label="warm")
    top.plot([i.timestamp for i in cold], [i.report.duration_ms for i in cold], "s", ms=5, label="cold start")
    failed = [i for i in invs if i.outcome != "ok"]
    if failed:
        top.plot([i.timestamp for i in failed], [i.report.duration_ms for i in failed], "x", color="red", ms=8,
                 label="error or timeout")
    top.set_ylabel("duration (ms)")
    top.set_title(f"{s.function}: {s.invocations} invocations, "
                  f"{s.since:%Y-%m-%d %H:%M} to {s.until:%H:%M} UTC")
    top.legend(loc="upper right")
    bottom.plot(times, [i.report.max_memory_mb for i in invs], ".-", label="max memory used")
    bottom.axhline(s.memory_mb, color="red", linestyle="--", label=f"configured ({s.memory_mb} MB)")
    bottom.set_ylabel("memory (MB)")
    bottom.set_xlabel("time (UTC)")
    bottom.set_ylim(0, s.memory_mb * 1.1)
    bottom.legend(loc="center right")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def tune_figure(function: str, trials: Sequence[Trial], best_mb: int) -> Any:
    """Average duration and cost per million invocations against memory size."""
    plt = require()
    fig, left = plt.subplots(figsize=(8, 5))
    ordered = sorted(trials, key=lambda t: t.memory_mb)
    sizes = [t.memory_mb for t in ordered]
    left.plot(sizes, [t.duration_ms for t in ordered], "o-", color="tab:blue", label="duration")
    left.set_xlabel("memory (MB)")
    left.set_ylabel("average duration (ms)", color="tab:blue")
    right = left.twinx()
    right.plot(sizes, [t.cost_usd * 1_000_000 for t in ordered], "s--", color="tab:orange", label="cost")
    right.set_ylabel("cost per 1M invocations (USD)", color="tab:orange")
    left.axvline(best_mb, color="green", linestyle=":", label=f"best: {best_mb} MB")
    left.set_xscale("log", base=2)
    left.set_xticks(sizes, [str(s) for s in sizes])
    left.set_title(f"{function}: duration and cost by memory (middle 60% of runs)")
    fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.9), ncol=3)
    fig.tight_layout()
    return fig
