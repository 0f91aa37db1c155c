"""One console wrapper: people get colour and spinners on stderr, data goes to stdout.

When stdout is not a terminal nothing decorative is printed there; with
``--output json`` stdout carries exactly one JSON document.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

# rich's markup tag: [style], [/style] or [/]; a backslash before it makes it literal.
_TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")


class Terminal:
    """Messages use rich markup. A stream that is a terminal gets a rich Console;
    one that is not (CI, a pipe, a file) gets the text with the markup removed,
    and the command never imports rich (about 30 ms)."""

    def __init__(self, output: str = "text", verbose: bool = False, quiet: bool = False) -> None:
        self.output = output
        self.verbose = verbose
        self.quiet = quiet
        self.err = _console("stderr")
        self.out = _console("stdout")
        self._lock = threading.Lock()            # activity() is called from build threads
        self._started: dict[str, float] = {}     # running activities: what -> start time
        self._live: Any = None                   # rich Progress while one runs on a terminal
        self._tasks: dict[str, Any] = {}

    @property
    def json(self) -> bool:
        return self.output == "json"

    @property
    def drawn_tables(self) -> bool:
        """Tables drawn (a terminal, or --output table), not tab-separated lines."""
        return bool(self.out.is_terminal) or self.output == "table"

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal

    # -- people (stderr) ------------------------------------------------------
    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def debug(self, message: str) -> None:
        if self.verbose:
            self.err.print(f"[dim]{message}[/dim]")

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {escape(message)}")

    def error(self, message: str) -> None:
        self.err.print(f"[bold red]error:[/bold red] {escape(message)}")

    @contextlib.contextmanager
    def status(self, message: str) -> Iterator[Any]:
        """A spinner on stderr while waiting, only when stderr is a terminal.

        Yields something with ``update(text)`` (a no-op without a spinner).
        """
        if self.interactive and not self.quiet:
            with self.err.status(message) as spinner:
                yield spinner
        else:
            yield _NoStatus()

    def step(self, symbol: str, message: str, style: str = "green") -> None:
        """One line of progress; MESSAGE is plain text (a bucket prefix "[x]" stays)."""
        if not self.quiet:
            self.err.print(f"[{style}]{symbol}[/{style}] {escape(message)}")

    def activity(self, what: str, phase: str, detail: str = "") -> None:
        """A long step (a pip install) starts ("start"), says what it does now
        ("detail", e.g. "Downloading numpy-….whl (14.3 MB)"), or ends ("end", "failed").

        On a terminal: a live line per running step, with its elapsed time and
        its latest detail, and a line when it ends. Elsewhere (CI, a pipe): a line
        when it starts and one when it ends. Safe to call from several threads.
        """
        if self.quiet:
            return
        with self._lock:
            if phase == "detail":
                if self._live is not None and what in self._tasks:
                    self._live.update(self._tasks[what], description=escape(f"{what}: {detail}"))
                return
            if phase == "start":
                self._started[what] = time.monotonic()
                if self.interactive:
                    self._live_task(what, add=True)
                else:
                    self.step("▸", f"building {what}…", style="cyan")
                return
            seconds = time.monotonic() - self._started.pop(what, time.monotonic())
            if self.interactive:
                self._live_task(what, add=False)
            if phase == "end":
                self.step("✓", f"built {what} in {seconds:.1f} s")
            else:
                self.step("✗", f"failed: {what} after {seconds:.1f} s", style="red")

    def _live_task(self, what: str, add: bool) -> None:
        if add:
            if self._live is None:
                from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
                from rich.table import Column

                text = TextColumn("building {task.description}",
                                  table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1))
                self._live = Progress(SpinnerColumn(), TimeElapsedColumn(), text, console=self.err,
                                      transient=True, expand=True)
                self._live.start()
            self._tasks[what] = self._live.add_task(escape(what), total=None)
            return
        if what in self._tasks:
            self._live.remove_task(self._tasks.pop(what))
        if not self._tasks and self._live is not None:
            self._live.stop()
            self._live = None

    # -- data (stdout) --------------------------------------------------------
    def print_json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def write(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A summary table on stdout; plain tab-separated lines when stdout is a pipe,
        unless --output table asks for the drawn table there too."""
        if not self.drawn_tables:
            if title:   # the people's line, on stderr: stdout keeps only the data rows
                self.info(title)
            for row in rows:
                self.write("\t".join("" if c is None else str(c) for c in row))
            return
        from rich.table import Table

        table = Table(title=title, title_justify="left", header_style="bold")
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*("" if c is None else str(c) for c in row))
        if not self.out.is_terminal:   # --output table on a pipe: the drawing, no colour codes
            from rich.console import Console

            Console(file=sys.stdout, no_color=True, highlight=False, width=_width()).print(table)
            return
        self.out.print(table)


class _NoStatus:
    def update(self, *_: Any, **__: Any) -> None:
        pass


def _console(stream: str) -> Any:
    try:
        tty = getattr(sys, stream).isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        tty = False
    if not tty:
        return _Plain(stream)
    from rich.console import Console

    return Console(stderr=stream == "stderr", highlight=False, soft_wrap=True)


class _Plain:
    """What lambdactl uses of rich's Console, for a stream that is not a terminal:
    the text, markup removed, no colour, no wrapping."""

    is_terminal = False

    def __init__(self, stream: str) -> None:
        self.stream = stream   # looked up at each write, as rich does (tests swap sys.stderr)

    def print(self, *objects: Any, style: str | None = None, markup: bool = True) -> None:
        text = " ".join(str(o) for o in objects)
        out = getattr(sys, self.stream)
        out.write((plain(text) if markup else text) + "\n")
        out.flush()


def _width() -> int:
    """A pipe's table width: $COLUMNS if set, else wide enough not to fold ARNs."""
    import os

    try:
        return max(40, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 160


def escape(text: str) -> str:
    """TEXT, made to print literally through markup: "[x]" becomes "\\[x]"."""
    escaped = _TAG.sub(lambda m: f"{m.group(1) * 2}\\[{m.group(2)}]", text)
    # A trailing backslash would escape the closing tag a caller puts after it.
    return escaped + "\\" if escaped.endswith("\\") and not escaped.endswith("\\\\") else escaped


def plain(markup: str) -> str:
    """MARKUP as rich would print it without colour: tags dropped, escapes undone."""
    def tag(m: re.Match[str]) -> str:
        slashes, name = m.group(1), m.group(2)
        return "\\" * (len(slashes) // 2) + (f"[{name}]" if len(slashes) % 2 else "")

    return _TAG.sub(tag, markup)
