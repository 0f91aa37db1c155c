"""Rendering a function's log events: START/END compact, REPORT as one line,
errors highlighted (colour only when asked), json for scripts; per-version filters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from lambdactl.errors import ConfigError

if TYPE_CHECKING:
    from lambdactl.logs import LogEvent

# -- formatting -----------------------------------------------------------------
DIM, RED, BOLD, RESET = "\x1b[2m", "\x1b[31m", "\x1b[1m", "\x1b[0m"
_START = re.compile(r"^START RequestId: (\S+)(?: Version: (\S+))?")
_END = re.compile(r"^END RequestId: (\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (\S+)")
_ERROR = re.compile(r"Traceback \(most recent call last\)|\[ERROR\]|Task timed out|\bError: Runtime|errorMessage")


def of_version(ev: LogEvent, version: str | None) -> bool:
    """Is EV from a stream of VERSION? Lambda names streams YYYY/MM/DD/[<version>]<id>."""
    return version is None or f"[{version}]" in ev.stream


def only_version(version: str, render: Callable[[LogEvent], None]) -> Callable[[LogEvent], None]:
    """RENDER, for the events of VERSION's streams only."""
    def filtered(ev: LogEvent) -> None:
        if of_version(ev, version):
            render(ev)

    return filtered


def kind_of(message: str) -> str:
    if message.startswith("START RequestId:"):
        return "start"
    if message.startswith("END RequestId:"):
        return "end"
    if message.startswith("REPORT RequestId:"):
        return "report"
    if message.startswith("INIT_START") or message.startswith("INIT_REPORT"):
        return "platform"
    if _ERROR.search(message):
        return "error"
    return "output"


def compact(message: str) -> str:
    """START/END/REPORT in a few words; everything else as is."""
    if m := _START.match(message):
        return f"START {m.group(1)[:8]}" + (f" ({m.group(2)})" if m.group(2) else "")
    if m := _END.match(message):
        return f"END   {m.group(1)[:8]}"
    if m := _REPORT.match(message):
        fields = dict(re.findall(r"([A-Za-z ]+): ([^\t]+)", message.split("\t", 1)[1] if "\t" in message else ""))
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        parts = [f"REPORT {m.group(1)[:8]}"]
        if "Duration" in fields:
            parts.append(f"{fields['Duration']} (billed {fields.get('Billed Duration', '?')})")
        if "Max Memory Used" in fields:
            parts.append(f"{fields['Max Memory Used']} of {fields.get('Memory Size', '?')}")
        if "Init Duration" in fields:
            parts.append(f"init {fields['Init Duration']}")
        if "Status" in fields:
            parts.append(f"status {fields['Status']}")
        return "  ".join(parts)
    return message


def event_json(ev: LogEvent) -> dict[str, str]:
    message = ev.message.replace("\r", "\n").rstrip("\n")
    return {
        "timestamp": ev.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "stream": ev.stream, "event_id": ev.event_id, "kind": kind_of(message), "message": message,
    }


class Formatter:
    """Renders events to a stream: short, detailed or json; colour only when asked."""

    def __init__(self, stream: TextIO, fmt: str = "short", color: bool = False) -> None:
        if fmt not in ("short", "detailed", "json"):
            raise ConfigError(f"unknown format {fmt!r}", "use short, detailed or json")
        self.stream = stream
        self.fmt = fmt
        self.color = color

    def __call__(self, ev: LogEvent) -> None:
        message = ev.message.replace("\r", "\n").rstrip("\n")
        kind = kind_of(message)
        if self.fmt == "json":
            line = json.dumps(event_json(ev))
        elif self.fmt == "detailed":
            stamp = ev.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            line = f"{stamp} {ev.stream} {self._paint(kind, message)}"
        else:
            stamp = ev.timestamp.strftime("%H:%M:%S.") + f"{ev.timestamp.microsecond // 1000:03d}"
            line = f"{stamp} {self._paint(kind, compact(message))}"
        self.stream.write(line + "\n")
        self.stream.flush()

    def _paint(self, kind: str, text: str) -> str:
        if not self.color:
            return text
        if kind in ("report", "platform", "start", "end"):
            return f"{DIM}{text}{RESET}"
        if kind == "error":
            return f"{BOLD}{RED}{text}{RESET}"
        return text
