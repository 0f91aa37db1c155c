"""The numbers of a function from its REPORT lines: counts, percentiles, GB-s, cost, advice.

Pure functions over parsed log events (``logs.LogEvent``); the one AWS read
besides the log group is the CloudWatch Throttles metric (``throttles``), as the
logs cannot show a request that never ran.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdactl.invoke import PRICE_PER_GB_S, PRICE_PER_REQUEST, Report, parse_report
from lambdactl.logs import LogEvent

# The prices of invoke.py: AWS Lambda on-demand, us-east-1, the first tier (x86_64
# up to 6 billion GB-s a month, arm64 7.5 billion), as https://aws.amazon.com/lambda/pricing/
# gives them: unchanged since arm64's launch (2021-09), last checked against a May 2026 copy.
PRICE_DATE = "2026-05"
PRICE_REGION = "us-east-1"
# The always-free tier: per account and month, shared by x86_64 and arm64.
FREE_GB_S = 400_000
FREE_REQUESTS = 1_000_000
MONTH = timedelta(days=30)
MIN_FOR_ADVICE = 10     # invocations before any advice is given
ARM64_ADVICE_PCT = 10   # arm64 is advised when it saves at least this much
ARCHITECTURES = ("x86_64", "arm64")

_REQUEST = re.compile(r"^REPORT RequestId: (\S+)")
_START = re.compile(r"^START RequestId: (\S+)")
_STATUS = re.compile(r"\tStatus: (\w+)")
# awslambdaric writes an unhandled exception as "[ERROR] Type: message" (a space;
# the logging module's "[ERROR]\t<time>\t<id>\t..." is the handler's own line).
_UNHANDLED = re.compile(r"^\[ERROR\] |^RequestId: \S+ Error: Runtime exited")
_TIMED_OUT = re.compile(r"Task timed out after")


@dataclass(frozen=True)
class Invocation:
    """One REPORT line, with the outcome its request's other lines tell."""

    request_id: str
    timestamp: datetime
    report: Report
    outcome: str = "ok"          # ok | error | timeout

    @property
    def gb_s(self) -> float:
        return self.report.billed_ms / 1000 * self.report.memory_mb / 1024


def invocations(events: Iterable[LogEvent]) -> list[Invocation]:
    """The invocations whose REPORT line is among EVENTS, in time order.

    A log stream is one execution environment, which runs one request at a time:
    the lines between a START and its REPORT in a stream are that request's.
    """
    failed: dict[str, str] = {}   # stream -> outcome of the request it is running
    out: list[Invocation] = []
    for ev in sorted(events, key=lambda e: e.timestamp):
        message = ev.message
        if _START.match(message):
            failed.pop(ev.stream, None)
        elif _TIMED_OUT.search(message):
            failed[ev.stream] = "timeout"
        elif _UNHANDLED.search(message):
            failed.setdefault(ev.stream, "error")
        elif (m := _REQUEST.match(message)) and (report := parse_report(message)):
            status = _STATUS.search(message)
            outcome = failed.pop(ev.stream, "ok")
            if status and status.group(1) in ("timeout", "error"):
                outcome = status.group(1)
            out.append(Invocation(m.group(1), ev.timestamp, report, outcome))
    return out


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile: the smallest value with P% of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Cost:
    """USD for GB_S and REQUESTS, per architecture; after the free tier when asked."""

    gb_s: float
    requests: int
    x86_64: float
    arm64: float

    @classmethod
    def of(cls, gb_s: float, requests: float, free_tier: bool = False) -> Cost:
        billed_gb_s = max(0.0, gb_s - FREE_GB_S) if free_tier else gb_s
        billed_requests = max(0.0, requests - FREE_REQUESTS) if free_tier else requests
        by_arch = {a: billed_gb_s * PRICE_PER_GB_S[a] + billed_requests * PRICE_PER_REQUEST
                   for a in ARCHITECTURES}
        return cls(gb_s, round(requests), by_arch["x86_64"], by_arch["arm64"])


@dataclass
class Stats:
    function: str
    since: datetime
    until: datetime
    architecture: str
    memory_mb: int               # configured
    timeout_s: int               # configured
    invocations: int = 0
    errors: int = 0              # unhandled errors, timeouts included
    timeouts: int = 0
    throttles: int | None = None  # None: unknown (not in the logs)
    cold_starts: int = 0
    init_ms: dict[str, float | None] = field(default_factory=dict)      # p50 p95
    duration_ms: dict[str, float | None] = field(default_factory=dict)  # p50 p95 p99 max
    max_memory_used_mb: int | None = None
    period: Cost | None = None
    month: Cost | None = None            # projected from the period
    month_after_free_tier: Cost | None = None
    advice: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["since"], doc["until"] = self.since.isoformat(), self.until.isoformat()
        doc["prices"] = {"region": PRICE_REGION, "as_of": PRICE_DATE, "per_gb_s": dict(PRICE_PER_GB_S),
                         "per_request": PRICE_PER_REQUEST,
                         "free_tier": {"gb_s": FREE_GB_S, "requests": FREE_REQUESTS}}
        return doc


def summarize(function: str, invs: Sequence[Invocation], since: datetime, until: datetime, *,
              architecture: str = "x86_64", memory_mb: int = 128, timeout_s: int = 30,
              throttles: int | None = None) -> Stats:
    """Every figure of ``lambdactl stats`` for the invocations INVS in [SINCE, UNTIL]."""
    s = Stats(function, since, until, architecture, memory_mb, timeout_s, throttles=throttles)
    s.invocations = len(invs)
    s.errors = sum(1 for i in invs if i.outcome != "ok")
    s.timeouts = sum(1 for i in invs if i.outcome == "timeout")
    inits = [i.report.init_ms for i in invs if i.report.init_ms is not None]
    s.cold_starts = len(inits)
    s.init_ms = {"p50": percentile(inits, 50), "p95": percentile(inits, 95)}
    durations = [i.report.duration_ms for i in invs]
    s.duration_ms = {f"p{p}": percentile(durations, p) for p in (50, 95, 99)}
    s.duration_ms["max"] = max(durations, default=None)
    s.max_memory_used_mb = max((i.report.max_memory_mb for i in invs), default=None)
    gb_s = sum(i.gb_s for i in invs)
    s.period = Cost.of(gb_s, len(invs))
    scale = MONTH / (until - since) if until > since else 0.0
    s.month = Cost.of(gb_s * scale, len(invs) * scale)
    s.month_after_free_tier = Cost.of(gb_s * scale, len(invs) * scale, free_tier=True)
    s.advice = advise(s)
    return s


def advise(s: Stats) -> list[str]:
    """One line for each thing the numbers make clear; nothing under MIN_FOR_ADVICE runs."""
    if s.invocations < MIN_FOR_ADVICE:
        return []
    out = []
    used = s.max_memory_used_mb or 0
    if s.memory_mb > 128 and used * 2 < s.memory_mb:   # under half: mostly unused
        suggest = max(128, math.ceil(used * 1.5 / 64) * 64)
        out.append(f"memory: at most {used} of {s.memory_mb} MB used; {suggest} MB may do "
                   f"(CPU shrinks with memory: measure with `lambdactl tune {s.function}`)")
    p99 = s.duration_ms.get("p99") or 0.0
    if s.timeout_s > 3 and p99 > 0 and s.timeout_s * 1000 >= 10 * p99:
        suggest_s = max(1, math.ceil(3 * p99 / 1000))
        out.append(f"timeout: {s.timeout_s} s is {s.timeout_s * 1000 / p99:.0f}x the p99 duration "
                   f"({p99:.0f} ms); {suggest_s} s would still leave 3x headroom and cap a runaway's bill")
    less = (1 - s.period.arm64 / s.period.x86_64) * 100 if s.period and s.period.x86_64 else 0.0
    if s.architecture == "x86_64" and less >= ARM64_ADVICE_PCT:  # requests cost the same on both
        out.append(f"arm64 would cost {less:.0f}% less at the same durations "
                   f"(architecture = \"arm64\"; native dependencies need arm64 wheels)")
    return out


def throttles(cloudwatch: Any, name: str, since: datetime, until: datetime) -> int:
    """The AWS/Lambda Throttles metric summed over [SINCE, UNTIL]."""
    seconds = max(60, math.ceil((until - since).total_seconds() / 60) * 60)
    resp = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Throttles",
        Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=since, EndTime=until, Period=seconds, Statistics=["Sum"])
    return round(sum(float(p.get("Sum", 0)) for p in resp.get("Datapoints", [])))


THROTTLES_UNKNOWN = "not in the logs (a throttled request never runs); see the Throttles metric"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def usd(value: float) -> str:
    """Dollars with 4 significant digits however small: $0.000002481, $1.787."""
    if value == 0:
        return "$0"
    digits = max(2, 3 - math.floor(math.log10(abs(value))))
    return f"${value:.{digits}f}"


def rows(s: Stats) -> list[tuple[str, str]]:
    """The figures as (name, value) lines, for a table or a pipe."""
    d, i = s.duration_ms, s.init_ms
    used = "-" if s.max_memory_used_mb is None else f"{s.max_memory_used_mb} MB"
    out = [
        ("period", f"{s.since:%Y-%m-%d %H:%M} to {s.until:%Y-%m-%d %H:%M} UTC"),
        ("invocations", str(s.invocations)),
        ("errors", f"{s.errors} ({s.timeouts} timeouts)"),
        ("throttles", THROTTLES_UNKNOWN if s.throttles is None else str(s.throttles)),
        ("cold starts", f"{s.cold_starts}  init p50 {_ms(i.get('p50'))}  p95 {_ms(i.get('p95'))}"),
        ("duration", f"p50 {_ms(d.get('p50'))}  p95 {_ms(d.get('p95'))}  p99 {_ms(d.get('p99'))}"
                     f"  max {_ms(d.get('max'))}"),
        ("max memory used", f"{used} of {s.memory_mb} MB configured"),
    ]
    for label, cost in (("period", s.period), ("month (projected)", s.month),
                        ("month after free tier", s.month_after_free_tier)):
        if cost is not None:
            out.append((f"cost, {label}", f"{cost.gb_s:,.3f} GB-s, {cost.requests:,} requests: "
                                          f"x86_64 {usd(cost.x86_64)}  arm64 {usd(cost.arm64)}"))
    out.append(("prices", f"{PRICE_REGION} as of {PRICE_DATE}; free tier {FREE_GB_S:,} GB-s and "
                          f"{FREE_REQUESTS:,} requests a month per account"))
    return out
